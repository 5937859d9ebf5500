/*
 * Small string helpers: comparisons, edit distance, "did you mean" suggestions, UTF-8.
 */
#ifndef CORE_STRUTIL_H
#define CORE_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"

bool str_eq(const char *a, const char *b);
bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
/* Levenshtein distance between a and b (bytes). */
size_t str_distance(const char *a, const char *b);
/*
 * The candidate closest to word, if it is close enough to be a plausible typo (distance at
 * most 1 for names of up to 3 letters, else the larger of 2 and a third of the length), else NULL.
 * candidates ends with NULL. Borrowed.
 */
const char *str_suggest(const char *word, const char *const *candidates);
/*
 * The length of the longest prefix of s (len bytes) that is well-formed UTF-8 (no overlong
 * forms, surrogates or code points past U+10FFFF): len when all of it is.
 */
size_t str_utf8_valid(const char *s, size_t len);
/* len, less a UTF-8 character cut short at the end of s (what a cut at len bytes left). */
size_t str_utf8_whole(const char *s, size_t len);
/* Append s to out with each byte that is not part of well-formed UTF-8 as U+FFFD. */
void str_utf8_sanitize(struct strbuf *out, const char *s, size_t len);

#endif
