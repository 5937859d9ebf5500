/*
 * A list of located diagnostics, as lint collects them: every problem in a course is
 * reported, not just the first. Printed one per line as "path:line:col: message".
 */
#ifndef CORE_DIAG_H
#define CORE_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "core/xalloc.h"

struct diag {
	char *path;
	int line, col; /* 1-based; 0 when unknown */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n, alloc;
};

#define DIAGS_INIT         \
	{                  \
		NULL, 0, 0 \
	}

void diags_add(struct diags *d, const char *path, int line, int col, const char *fmt, ...)
	XALLOC_PRINTF(5, 6);
/* Sort by path, line, column, keeping insertion order for ties. */
void diags_sort(struct diags *d);
/* Print every diagnostic, one per line. */
void diags_print(const struct diags *d, FILE *fp);
/* Format diagnostic i as one line without newline. Caller frees. */
char *diags_format(const struct diags *d, size_t i);
void diags_release(struct diags *d);

#endif
