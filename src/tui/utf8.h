/*
 * UTF-8 measured in terminal columns, never bytes. Pure (no curses): the layout and the drawing
 * code share it. Widths come from wcwidth(), so LC_CTYPE must be a UTF-8 locale.
 */
#ifndef TUI_UTF8_H
#define TUI_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFD

/*
 * Decode one character from s (n > 0 bytes). Returns its length in bytes (1 to 4) and sets *cp;
 * an invalid or truncated sequence counts as one byte and reads as U+FFFD.
 */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encode cp into out (at least 4 bytes); returns the length. */
size_t utf8_encode(uint32_t cp, char *out);
/* Columns of one character: 0 for combining marks, 2 for wide (CJK, emoji), -1 for controls. */
int utf8_cp_width(uint32_t cp);
/* Columns of n bytes of s; controls count 1 (they are shown as a replacement). */
int utf8_width(const char *s, size_t n);
/*
 * How many bytes of s (n bytes) fit in max_cols columns without splitting a character;
 * *cols gets their width (may be NULL).
 */
size_t utf8_fit(const char *s, size_t n, int max_cols, int *cols);

#endif
