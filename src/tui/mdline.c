/*
 * Markdown lines on the screen: each span in its theme role, split where a search match begins
 * or ends, cropped by columns.
 */
#include "tui/mdline.h"

#include <assert.h>
#include <curses.h>
#include <stdbool.h>

#include "tui/theme.h"
#include "tui/utf8.h"

static const int style_roles[] = {
	[MDV_NORMAL] = TUI_NORMAL,   [MDV_H1] = TUI_H1,
	[MDV_H2] = TUI_H2,           [MDV_H3] = TUI_H3,
	[MDV_EMPH] = TUI_EMPH,       [MDV_STRONG] = TUI_STRONG,
	[MDV_CODE] = TUI_CODE,       [MDV_CODE_BLOCK] = TUI_CODE_BLOCK,
	[MDV_KEYWORD] = TUI_KEYWORD, [MDV_STRING] = TUI_STRING,
	[MDV_NUMBER] = TUI_NUMBER,   [MDV_COMMENT] = TUI_COMMENT,
	[MDV_PUNCT] = TUI_PUNCT,     [MDV_KEY] = TUI_KEY,
	[MDV_LINK] = TUI_LINK,       [MDV_URL] = TUI_URL,
	[MDV_QUOTE] = TUI_QUOTE,     [MDV_TABLE] = TUI_TABLE,
	[MDV_BULLET] = TUI_BULLET,   [MDV_RULE] = TUI_RULE,
	[MDV_MARKER] = TUI_MARKER,
};
static_assert(sizeof(style_roles) / sizeof(style_roles[0]) == MDV_STYLE_COUNT,
	      "every Markdown style needs a theme role");

int mdline_role(int style)
{
	assert(style >= 0 && style < MDV_STYLE_COUNT);
	return style_roles[style];
}

static attr_t span_attr(const struct mdview_span *sp)
{
	attr_t a = theme_attr(mdline_role(sp->style));
	if (sp->flags & MDV_F_STRONG)
		a |= A_BOLD;
	if (sp->flags & MDV_F_EMPH)
		a |= theme_colour() ? A_ITALIC : A_UNDERLINE;
	return a;
}

void mdline_draw(int y, int x, int cols, const struct mdview_line *line, size_t li,
		 const struct mdview_match *matches, size_t n, size_t current)
{
	/* The first match on this line or after it; matches are in reading order. */
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (matches[mid].line < li)
			lo = mid + 1;
		else
			hi = mid;
	}
	move(y, x);
	int used = 0;
	for (size_t s = 0; s < line->n_spans && used < cols; s++) {
		const struct mdview_span *sp = &line->spans[s];
		size_t off = sp->off, end = sp->off + sp->len;
		while (off < end && used < cols) {
			size_t m = lo;
			while (m < n && matches[m].line == li && matches[m].end <= off)
				m++;
			bool in = m < n && matches[m].line == li && matches[m].start <= off;
			size_t stop = end;
			if (in && matches[m].end < stop)
				stop = matches[m].end;
			else if (!in && m < n && matches[m].line == li && matches[m].start < stop)
				stop = matches[m].start;
			attr_t a = in ? theme_attr(m == current ? TUI_MATCH_CURRENT : TUI_MATCH)
				      : span_attr(sp);
			int w;
			size_t fit = utf8_fit(line->text + off, stop - off, cols - used, &w);
			attrset(a);
			addnstr(line->text + off, (int)fit);
			used += w;
			if (fit < stop - off)
				break;
			off = stop;
		}
	}
	attrset(A_NORMAL);
}
