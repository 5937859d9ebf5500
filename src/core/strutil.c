/*
 * String helpers.
 */
#include "core/strutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

size_t str_distance(const char *a, const char *b)
{
	/* Optimal string alignment: Levenshtein plus adjacent transpositions ("titel"). */
	size_t n = strlen(a), m = strlen(b);
	size_t w = m + 1;
	size_t *d = xmalloc((n + 1) * w * sizeof(*d));
	for (size_t i = 0; i <= n; i++)
		d[i * w] = i;
	for (size_t j = 0; j <= m; j++)
		d[j] = j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = d[(i - 1) * w + j - 1] + cost;
			if (d[(i - 1) * w + j] + 1 < best)
				best = d[(i - 1) * w + j] + 1;
			if (d[i * w + j - 1] + 1 < best)
				best = d[i * w + j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[(i - 2) * w + j - 2] + 1 < best)
				best = d[(i - 2) * w + j - 2] + 1;
			d[i * w + j] = best;
		}
	}
	size_t r = d[n * w + m];
	free(d);
	return r;
}

const char *str_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; candidates[i]; i++) {
		size_t d = str_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	if (!best)
		return NULL;
	size_t len = strlen(best);
	size_t limit = len <= 3 ? 1 : (len / 3 > 2 ? len / 3 : 2);
	return best_d > 0 && best_d <= limit ? best : NULL;
}
