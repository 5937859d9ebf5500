/*
 * Small string helpers: comparisons, edit distance and "did you mean" suggestions.
 */
#ifndef CORE_STRUTIL_H
#define CORE_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
