/*
 * Caller-owned error values.
 */
#include "core/error.h"

#include <stdarg.h>
#include <string.h>

void error_clear(struct error *err)
{
	if (!err)
		return;
	err->msg[0] = '\0';
	err->path[0] = '\0';
	err->line = err->col = 0;
}

bool error_set(struct error *err, const char *fmt, ...)
{
	if (!err)
		return false;
	error_clear(err);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return false;
}

bool error_set_at(struct error *err, const char *path, int line, int col, const char *fmt, ...)
{
	if (!err)
		return false;
	error_clear(err);
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	err->line = line;
	err->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return false;
}

void error_format(const struct error *err, char *out, size_t size)
{
	if (err->path[0] && err->line > 0)
		snprintf(out, size, "%s:%d:%d: %s", err->path, err->line,
			 err->col > 0 ? err->col : 1, err->msg);
	else if (err->path[0])
		snprintf(out, size, "%s: %s", err->path, err->msg);
	else
		snprintf(out, size, "%s", err->msg);
}

void error_print(FILE *fp, const struct error *err)
{
	char line[1200];
	error_format(err, line, sizeof(line));
	fprintf(fp, "%s\n", line);
}
