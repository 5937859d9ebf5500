/*
 * Located diagnostic lists.
 */
#include "core/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diags_add(struct diags *d, const char *path, int line, int col, const char *fmt, ...)
{
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? d->alloc * 2 : 16;
		d->v = xreallocarray(d->v, d->alloc, sizeof(*d->v));
	}
	struct diag *g = &d->v[d->n++];
	g->path = xstrdup(path ? path : "");
	g->line = line;
	g->col = col;
	va_list ap;
	va_start(ap, fmt);
	g->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

static int cmp(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	/* Stable: the message pointers were allocated in order of insertion only by chance,
	 * so compare the text to keep the order deterministic. */
	return strcmp(x->msg, y->msg);
}

void diags_sort(struct diags *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), cmp);
}

char *diags_format(const struct diags *d, size_t i)
{
	const struct diag *g = &d->v[i];
	if (g->path[0] && g->line > 0)
		return xasprintf("%s:%d:%d: %s", g->path, g->line, g->col > 0 ? g->col : 1, g->msg);
	if (g->path[0])
		return xasprintf("%s: %s", g->path, g->msg);
	return xstrdup(g->msg);
}

void diags_print(const struct diags *d, FILE *fp)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diags_format(d, i);
		fprintf(fp, "%s\n", s);
		free(s);
	}
}

void diags_release(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->alloc = 0;
}
