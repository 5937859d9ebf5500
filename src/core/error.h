/*
 * Expected failures (bad input, missing files, busy databases) travel in a caller-owned
 * struct error. Messages follow git's rules: what went wrong first, no final full stop.
 * A located error prints compiler-style as "path:line:col: message".
 */
#ifndef CORE_ERROR_H
#define CORE_ERROR_H

#include <stdbool.h>
#include <stdio.h>

#include "core/xalloc.h"

struct error {
	char msg[512];
	char path[512]; /* "" when the error is not about a file */
	int line, col;  /* 1-based; 0 when unknown */
};

void error_clear(struct error *err);
/* Set a message with no location. err may be NULL (the error is dropped). Returns false. */
bool error_set(struct error *err, const char *fmt, ...) XALLOC_PRINTF(2, 3);
/* Set a message located in a file. Returns false. */
bool error_set_at(struct error *err, const char *path, int line, int col, const char *fmt, ...)
	XALLOC_PRINTF(5, 6);
/* Format as one line, without a newline: "path:line:col: msg", "path: msg" or "msg". */
void error_format(const struct error *err, char *out, size_t size);
/* Print the one-line form and a newline to fp. */
void error_print(FILE *fp, const struct error *err);

#endif
