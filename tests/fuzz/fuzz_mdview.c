/*
 * Fuzz the page layout (mdview_layout) and what the reader does with its lines: search and the
 * sideways window. The first byte picks the width; the rest is the page. Every line must be
 * valid, printable UTF-8 whose spans cover it exactly and whose width is what it measures;
 * matches and windows must fall on character boundaries inside their line (aborts otherwise).
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/mdview.h"
#include "tui/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "mdview invariant broken: %s\n", what);
		abort();
	}
}

/* Whether off is the start of a character of s (or its end). */
static int on_boundary(const char *s, size_t len, size_t off)
{
	for (size_t i = 0; i < len;) {
		if (i == off)
			return 1;
		uint32_t cp;
		i += utf8_decode(s + i, len - i, &cp);
	}
	return off == len;
}

static void check_line(const struct mdview_line *l)
{
	check(strlen(l->text) == l->len, "a line holds a NUL");
	size_t off = 0;
	for (size_t s = 0; s < l->n_spans; s++) {
		check(l->spans[s].off == off && l->spans[s].len > 0, "spans leave a gap");
		check(l->spans[s].style < MDV_STYLE_COUNT, "a style out of range");
		off += l->spans[s].len;
	}
	check(off == l->len, "spans do not cover the line");
	for (size_t i = 0; i < l->len;) {
		uint32_t cp;
		size_t n = utf8_decode(l->text + i, l->len - i, &cp);
		check(!(cp == UTF8_REPLACEMENT && n == 1), "invalid UTF-8 in a line");
		check(utf8_cp_width(cp) >= 0, "a control character in a line");
		i += n;
	}
	check(utf8_width(l->text, l->len) == l->width, "a line's width is wrong");
	check(!l->code || l->code_off <= l->len, "code starts past the line");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		setlocale(LC_CTYPE, "C.UTF-8");
		ready = 1;
	}
	if (size == 0)
		return 0;
	int width = 20 + data[0] % 100;
	const char *md = (const char *)data + 1;
	size_t len = size - 1;

	struct mdview view = MDVIEW_INIT;
	if (!mdview_layout(&view, md, len, width))
		return 0;
	for (size_t i = 0; i < view.n_lines; i++) {
		const struct mdview_line *l = &view.lines[i];
		check_line(l);
		struct mdview_window w;
		for (int hoff = 0; hoff < 40; hoff += 7) {
			mdview_window(l, hoff, width, &w);
			check(w.prefix <= l->len && w.from <= w.to && w.to <= l->len,
			      "a window outside its line");
			check(on_boundary(l->text, l->len, w.from) &&
				      on_boundary(l->text, l->len, w.to),
			      "a window splits a character");
		}
	}

	/* A query from the input's first bytes (up to a NUL or newline). */
	char query[9] = { 0 };
	size_t q = 0;
	while (q < 8 && q < len && md[q] && md[q] != '\n')
		q++;
	memcpy(query, md, q);
	struct mdview_match *m;
	size_t n = mdview_search(&view, query, &m);
	for (size_t i = 0; i < n; i++) {
		const struct mdview_line *l = &view.lines[m[i].line];
		check(m[i].line < view.n_lines && m[i].start < m[i].end && m[i].end <= l->len,
		      "a match outside its line");
		check(on_boundary(l->text, l->len, m[i].start) &&
			      on_boundary(l->text, l->len, m[i].end),
		      "a match splits a character");
		check(i == 0 || m[i - 1].line < m[i].line || m[i - 1].end <= m[i].start,
		      "matches overlap or go backwards");
	}
	free(m);
	mdview_release(&view);
	return 0;
}
