/*
 * RFC 4180 cells with formula prefixes neutralised.
 */
#include "class/csv.h"

#include <math.h>
#include <string.h>

#include "core/xalloc.h"

void csv_text(struct strbuf *sb, const char *s, bool first)
{
	if (!first)
		strbuf_addch(sb, ',');
	if (!s)
		return;
	bool formula = s[0] && strchr("=+-@\t\r", s[0]);
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		strbuf_addch(sb, '"');
	if (formula)
		strbuf_addch(sb, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *p);
	}
	if (quote)
		strbuf_addch(sb, '"');
}

void csv_num(struct strbuf *sb, double v, bool first)
{
	if (!first)
		strbuf_addch(sb, ',');
	if (isnan(v) || isinf(v))
		return;
	if (v == 0)
		v = 0; /* no "-0" */
	strbuf_addf(sb, "%.10g", v);
}

void csv_end(struct strbuf *sb)
{
	strbuf_addstr(sb, "\r\n");
}

size_t csv_record_len(const char *text, size_t len)
{
	bool quoted = false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '"')
			quoted = !quoted;
		else if (text[i] == '\n' && !quoted)
			return i + 1;
	}
	return len;
}

char **csv_split(const char *rec, size_t len, size_t *n)
{
	while (len && (rec[len - 1] == '\n' || rec[len - 1] == '\r'))
		len--;
	char **cells = NULL;
	size_t count = 0;
	struct strbuf cell;
	strbuf_init(&cell);
	bool quoted = false;
	for (size_t i = 0;; i++) {
		if (i == len || (!quoted && rec[i] == ',')) {
			cells = xreallocarray(cells, count + 1, sizeof *cells);
			cells[count++] = xstrdup(strbuf_str(&cell));
			strbuf_reset(&cell);
			if (i == len)
				break;
		} else if (rec[i] == '"') {
			if (quoted && i + 1 < len && rec[i + 1] == '"') {
				strbuf_addch(&cell, '"');
				i++;
			} else {
				quoted = !quoted;
			}
		} else {
			strbuf_addch(&cell, rec[i]);
		}
	}
	strbuf_release(&cell);
	*n = count;
	return cells;
}
