/*
 * Markdown lines on the screen: each span in its theme role, split where a search match begins
 * or ends, cropped by columns.
 */
#include "tui/mdline.h"

#include <assert.h>
#include <curses.h>
#include <stdbool.h>

#include "tui/theme.h"

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

/* Draw bytes [from, to) of line at the cursor, in span styles, matches highlighted. */
static void draw_range(const struct mdview_line *line, size_t li, size_t from, size_t to,
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
	for (size_t s = 0; s < line->n_spans; s++) {
		const struct mdview_span *sp = &line->spans[s];
		size_t off = sp->off > from ? sp->off : from;
		size_t end = sp->off + sp->len < to ? sp->off + sp->len : to;
		while (off < end) {
			size_t m = lo;
			while (m < n && matches[m].line == li && matches[m].end <= off)
				m++;
			bool in = m < n && matches[m].line == li && matches[m].start <= off;
			size_t stop = end;
			if (in && matches[m].end < stop)
				stop = matches[m].end;
			else if (!in && m < n && matches[m].line == li && matches[m].start < stop)
				stop = matches[m].start;
			attrset(in ? theme_attr(m == current ? TUI_MATCH_CURRENT : TUI_MATCH)
				   : span_attr(sp));
			addnstr(line->text + off, (int)(stop - off));
			off = stop;
		}
	}
	attrset(A_NORMAL);
}

void mdline_draw_at(int y, int x, int cols, const struct mdview_line *line, size_t li,
		    const struct mdview_match *matches, size_t n, size_t current, int hoff)
{
	struct mdview_window w;
	mdview_window(line, hoff, cols, &w);
	move(y, x);
	draw_range(line, li, 0, w.prefix, matches, n, current);
	if (!line->code && !line->wide)
		return;
	for (int i = 0; i < w.pad_left; i++)
		addch(' ');
	draw_range(line, li, w.from, w.to, matches, n, current);
	attrset(theme_attr(TUI_MARKER));
	if (w.more_left)
		mvaddstr(y, x + line->code_col, "←");
	if (w.more_right)
		mvaddstr(y, x + cols - 1, "→");
	attrset(A_NORMAL);
}

void mdline_draw(int y, int x, int cols, const struct mdview_line *line, size_t li,
		 const struct mdview_match *matches, size_t n, size_t current)
{
	mdline_draw_at(y, x, cols, line, li, matches, n, current, 0);
}
