/*
 * CSV as RFC 4180 writes it, for spreadsheets that must not run what a learner typed: a text
 * cell starting with = + - @ TAB or CR gets a leading single quote (OWASP's CSV injection
 * advice), and any cell holding a comma, quote, CR or LF is quoted with quotes doubled.
 * Records end in CRLF.
 */
#ifndef CLASS_CSV_H
#define CLASS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"

/* Append a text cell (NULL: empty), preceded by a comma unless first. */
void csv_text(struct strbuf *sb, const char *s, bool first);
/* Append a number cell, shortest exact-enough form ("%.10g"); NAN gives an empty cell. */
void csv_num(struct strbuf *sb, double v, bool first);
/* End the record. */
void csv_end(struct strbuf *sb);
/*
 * The length of the record starting at text (up to and including its line break), quotes
 * respected; 0 at the end of the text.
 */
size_t csv_record_len(const char *text, size_t len);
/*
 * Split one record (as csv_record_len() found it) into its cells, unquoted. Caller frees each
 * cell and the array.
 */
char **csv_split(const char *rec, size_t len, size_t *n);

#endif
