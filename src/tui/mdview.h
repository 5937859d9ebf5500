/*
 * Markdown laid out for a terminal: md4c parses, this module turns the page into display lines of
 * styled spans, wrapped by display width (UTF-8; CJK and emoji take two columns; a character is
 * never split). Pure: no curses, so the layout, scrolling and search are unit-tested. The screen
 * maps each style to a theme role and draws.
 *
 * Paragraphs, headings, lists (with hanging indents) and quotes wrap at the width; code blocks
 * never wrap (a line too wide stays whole: the drawing clips it, with a marker, and can scroll
 * it sideways, see mdview_window()); tables shrink their widest columns and wrap their cells
 * onto more lines, and a table that still does not fit scrolls sideways like code: text is
 * never cut.
 * Lines hold only printable UTF-8: controls and invalid bytes become U+FFFD, tabs become spaces.
 */
#ifndef TUI_MDVIEW_H
#define TUI_MDVIEW_H

#include <stdbool.h>
#include <stddef.h>

enum mdview_style {
	MDV_NORMAL,
	MDV_H1,
	MDV_H2,
	MDV_H3, /* and deeper headings */
	MDV_EMPH,
	MDV_STRONG,
	MDV_CODE,       /* inline code */
	MDV_CODE_BLOCK, /* code block text the tokenizer left plain */
	MDV_KEYWORD,
	MDV_STRING,
	MDV_NUMBER,
	MDV_COMMENT,
	MDV_PUNCT,
	MDV_KEY,
	MDV_LINK,   /* the text of a link */
	MDV_URL,    /* its target, shown after it */
	MDV_QUOTE,  /* text in a block quote, and its bar */
	MDV_TABLE,  /* table borders */
	MDV_BULLET, /* list bullets and numbers */
	MDV_RULE,   /* horizontal rules and heading underlines */
	MDV_MARKER, /* the sign that a code line goes on past the width */
	MDV_STYLE_COUNT
};

/* Attributes on top of a span's style: emphasis inside a link, strong inside a quote. */
enum {
	MDV_F_STRONG = 1 << 0,
	MDV_F_EMPH = 1 << 1
};

struct mdview_span {
	size_t off, len; /* bytes of the line's text */
	unsigned char style, flags;
};

struct mdview_line {
	char *text; /* NUL-terminated, printable UTF-8 */
	size_t len;
	struct mdview_span *spans; /* cover text in order, without gaps */
	size_t n_spans;
	int width;       /* columns */
	bool code;       /* a line of a code block: not wrapped */
	bool wide;       /* a line of a table too wide to wrap: scrolls sideways like code */
	bool clipped;    /* wider than the width it was laid out for */
	size_t code_off; /* code and wide lines: where the scrolling starts, after the indent */
	int code_col;    /* and in columns */
	unsigned char heading; /* 1-6 on the first line of a heading, else 0 */
};

struct mdview {
	struct mdview_line *lines;
	size_t n_lines, alloc;
	int width; /* the width it was laid out for */
};

#define MDVIEW_INIT           \
	{                     \
		NULL, 0, 0, 0 \
	}

/*
 * Lay out len bytes of Markdown at width columns (at least 20 is sensible; less is taken as 20),
 * replacing what view held. False only when md4c gives up, with view then empty.
 * Release with mdview_release().
 */
bool mdview_layout(struct mdview *view, const char *md, size_t len, int width);
/* Frees the lines; view is empty and reusable. */
void mdview_release(struct mdview *view);

/* A match of a search: bytes [start, end) of line, which are columns [col, col + cols). */
struct mdview_match {
	size_t line;
	size_t start, end;
	int col, cols;
};

/*
 * Every match of query in view, case-insensitively, in reading order, without overlaps. Matches
 * do not cross lines. Returns the count and sets *out (NULL when none). Caller frees *out.
 */
size_t mdview_search(const struct mdview *view, const char *query, struct mdview_match **out);

/*
 * The first visible line after moving top by delta lines in a view of n_lines lines shown in rows
 * rows: clamped so that the last page is full and never below 0.
 */
size_t mdview_scroll(size_t top, long delta, size_t n_lines, int rows);
/* The top line that shows line, keeping top when line is already visible. */
size_t mdview_reveal(size_t top, size_t line, size_t n_lines, int rows);

/*
 * The next heading's first line after line from (dir > 0), or the nearest one before it
 * (dir < 0), into *line. False when there is none that way.
 */
bool mdview_heading(const struct mdview *view, size_t from, int dir, size_t *line);

/*
 * The text of the first code block with a line in [from, to) (the whole block, also the part
 * outside the range), one source line per line, without the indent; *len gets its length.
 * NULL when no code block shows there. Caller frees.
 */
char *mdview_code_block(const struct mdview *view, size_t from, size_t to, size_t *len);

/*
 * What of line shows in cols columns, its code scrolled hoff columns to the right: the bytes
 * [0, prefix) (the indent, or a whole non-code line cropped to cols), then pad_left blanks (a
 * wide character cut by the scroll), then bytes [from, to). more_left and more_right say that
 * text is hidden on that side: the drawing marks it, on the right in the column kept free.
 */
struct mdview_window {
	size_t prefix, from, to;
	int pad_left;
	bool more_left, more_right;
};
void mdview_window(const struct mdview_line *line, int hoff, int cols, struct mdview_window *w);

#endif
