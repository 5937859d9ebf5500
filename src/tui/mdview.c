/*
 * Markdown to display lines. md4c calls back for each block, span and piece of text; inline text
 * collects in a buffer of styled runs until its block ends, and is then wrapped greedily by
 * columns under the prefix its containers give (quote bars, list markers, hanging indents).
 * Code blocks, tables and rules are laid out whole when they end.
 */
#include "tui/mdview.h"

#include <md4c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "tui/syntax.h"
#include "tui/utf8.h"

#define MAX_DEPTH   32 /* containers deeper than this share the last one's prefix */
#define TAB_STOP    4
#define CODE_INDENT "  "
#define MIN_WIDTH   20
#define MIN_CELL    12 /* a table column shrinks to its longest word, or to this */

/* Inline text of one block: bytes, and runs of one style covering them in order. */
struct run {
	size_t start, end;
	unsigned char style, flags;
};

struct inl {
	struct strbuf text;
	struct run *runs;
	size_t n, alloc;
};

/* A line being built. */
struct lb {
	struct strbuf text;
	struct mdview_span *spans;
	size_t n, alloc;
	int width;
};

enum ckind {
	C_QUOTE,
	C_LIST,
	C_ITEM
};

struct container {
	enum ckind kind;
	bool ordered, tight;
	unsigned number; /* lists: the next item's number */
	char delim;      /* lists: '.' or ')' */
	int level;       /* lists: nesting level among lists */
	char marker[32]; /* items: "• " or "12. " */
	int marker_cols;
	bool pending; /* items: the marker is not drawn yet */
};

struct trow {
	struct inl *cells;
	size_t n;
	bool head;
};

struct table {
	struct trow *rows;
	size_t n, alloc;
	unsigned char align[64];
	bool head;
};

struct ctx {
	struct mdview *view;
	int width;
	struct container stack[MAX_DEPTH];
	int depth, overflow;
	struct inl inl;
	bool gap;   /* a blank line goes before the next block */
	bool fresh; /* a container just opened: its first block needs no gap */
	int heading, code_span, emph, strong, link, img, quote;
	size_t link_start;
	char *href;
	bool in_code;
	enum syntax_lang lang;
	struct strbuf code;
	bool in_html;
	struct table *table;
};

/* Text */

static void inl_release(struct inl *in)
{
	strbuf_release(&in->text);
	free(in->runs);
	memset(in, 0, sizeof(*in));
}

static void inl_run(struct inl *in, size_t start, int style, int flags)
{
	size_t end = in->text.len;
	if (end == start)
		return;
	if (in->n && in->runs[in->n - 1].style == style && in->runs[in->n - 1].flags == flags &&
	    in->runs[in->n - 1].end == start) {
		in->runs[in->n - 1].end = end;
		return;
	}
	if (in->n == in->alloc) {
		in->alloc = in->alloc ? in->alloc * 2 : 16;
		in->runs = xreallocarray(in->runs, in->alloc, sizeof(*in->runs));
	}
	in->runs[in->n++] = (struct run){ start, end, (unsigned char)style, (unsigned char)flags };
}

/* Append s as printable UTF-8: tabs become spaces, controls and bad bytes U+FFFD. */
static void add_clean(struct strbuf *sb, const char *s, size_t n)
{
	static const char repl[] = "\xEF\xBF\xBD";
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		if (cp == UTF8_REPLACEMENT && len == 1)
			strbuf_add(sb, repl, 3);
		else if (cp == '\t' || cp == '\n' || cp == '\r')
			strbuf_addch(sb, ' ');
		else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			strbuf_add(sb, repl, 3);
		else
			strbuf_add(sb, s + i, len);
		i += len;
	}
}

static void inl_add(struct inl *in, const char *s, size_t n, int style, int flags)
{
	size_t start = in->text.len;
	add_clean(&in->text, s, n);
	inl_run(in, start, style, flags);
}

/* Lines */

static void lb_add(struct lb *lb, const char *s, size_t n, int style, int flags)
{
	if (!n)
		return;
	struct mdview_span *last = lb->n ? &lb->spans[lb->n - 1] : NULL;
	if (last && last->style == style && last->flags == flags) {
		last->len += n;
	} else {
		if (lb->n == lb->alloc) {
			lb->alloc = lb->alloc ? lb->alloc * 2 : 8;
			lb->spans = xreallocarray(lb->spans, lb->alloc, sizeof(*lb->spans));
		}
		lb->spans[lb->n++] = (struct mdview_span){ lb->text.len, n, (unsigned char)style,
							   (unsigned char)flags };
	}
	strbuf_add(&lb->text, s, n);
	lb->width += utf8_width(s, n);
}

static void lb_adds(struct lb *lb, const char *s, int style)
{
	lb_add(lb, s, strlen(s), style, 0);
}

static void lb_repeat(struct lb *lb, const char *s, int times, int style)
{
	for (int i = 0; i < times; i++)
		lb_adds(lb, s, style);
}

/* Move the built line into the view; lb is empty afterwards. Trailing blanks go. */
static void lb_emit(struct ctx *ctx, struct lb *lb, bool code, bool clipped)
{
	while (lb->n && lb->text.len > 0 && lb->text.buf[lb->text.len - 1] == ' ') {
		struct mdview_span *last = &lb->spans[lb->n - 1];
		strbuf_setlen(&lb->text, lb->text.len - 1);
		lb->width--;
		if (--last->len == 0)
			lb->n--;
	}
	struct mdview *v = ctx->view;
	if (v->n_lines == v->alloc) {
		v->alloc = v->alloc ? v->alloc * 2 : 64;
		v->lines = xreallocarray(v->lines, v->alloc, sizeof(*v->lines));
	}
	struct mdview_line *l = &v->lines[v->n_lines++];
	l->len = lb->text.len;
	l->text = strbuf_detach(&lb->text);
	l->spans = lb->spans;
	l->n_spans = lb->n;
	l->width = lb->width;
	l->code = code;
	l->wide = false;
	l->clipped = clipped;
	l->code_off = 0;
	l->code_col = 0;
	l->heading = 0;
	memset(lb, 0, sizeof(*lb));
}

/* Containers and prefixes */

static struct container *top(struct ctx *ctx)
{
	return ctx->depth > 0 && !ctx->overflow ? &ctx->stack[ctx->depth - 1] : NULL;
}

static struct container *push(struct ctx *ctx, enum ckind kind)
{
	if (ctx->depth == MAX_DEPTH) {
		ctx->overflow++;
		return NULL;
	}
	struct container *c = &ctx->stack[ctx->depth++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	return c;
}

static void pop(struct ctx *ctx)
{
	if (ctx->overflow)
		ctx->overflow--;
	else if (ctx->depth > 0)
		ctx->depth--;
}

static int prefix_width(const struct ctx *ctx)
{
	int w = 0;
	for (int i = 0; i < ctx->depth; i++)
		w += ctx->stack[i].kind == C_QUOTE ? 2 : ctx->stack[i].marker_cols;
	return w;
}

/* A blank line keeps the quote bars but draws no pending marker. */
static void add_prefix(struct ctx *ctx, struct lb *lb, bool blank)
{
	for (int i = 0; i < ctx->depth; i++) {
		struct container *c = &ctx->stack[i];
		if (c->kind == C_QUOTE) {
			lb_adds(lb, "│ ", MDV_QUOTE);
		} else if (c->kind == C_ITEM) {
			if (c->pending && !blank) {
				lb_adds(lb, c->marker, MDV_BULLET);
				c->pending = false;
			} else {
				lb_repeat(lb, " ", c->marker_cols, MDV_NORMAL);
			}
		}
	}
}

static bool marker_pending(const struct ctx *ctx)
{
	const struct container *c = ctx->depth > 0 ? &ctx->stack[ctx->depth - 1] : NULL;
	return c && c->kind == C_ITEM && c->pending;
}

/* The next block is set off by a blank line, unless it opens a list item. */
static void want_gap(struct ctx *ctx)
{
	if (!marker_pending(ctx) && !ctx->fresh)
		ctx->gap = true;
}

/* Called before a block's first line: the blank line it is owed. */
static void start_block(struct ctx *ctx)
{
	if (ctx->gap && ctx->view->n_lines > 0) {
		struct lb lb = { 0 };
		add_prefix(ctx, &lb, true);
		lb_emit(ctx, &lb, false, false);
	}
	ctx->gap = false;
	ctx->fresh = false;
}

static int avail_width(const struct ctx *ctx, int extra)
{
	int w = ctx->width - prefix_width(ctx) - extra;
	return w < 8 ? 8 : w;
}

/* Wrapping */

/* Add bytes [a, b) of in to lb with their styles; *cursor remembers the run reached. */
static void add_range(struct lb *lb, const struct inl *in, size_t a, size_t b, size_t *cursor,
		      int extra_flags)
{
	size_t r = *cursor;
	while (r < in->n && in->runs[r].end <= a)
		r++;
	*cursor = r;
	for (; r < in->n && in->runs[r].start < b; r++) {
		size_t s = in->runs[r].start > a ? in->runs[r].start : a;
		size_t e = in->runs[r].end < b ? in->runs[r].end : b;
		if (e > s)
			lb_add(lb, in->text.buf + s, e - s, in->runs[r].style,
			       in->runs[r].flags | extra_flags);
	}
}

static void new_line(struct ctx *ctx, struct lb *lb)
{
	lb_emit(ctx, lb, false, false);
	add_prefix(ctx, lb, false);
}

/* Wrap the inline buffer into lines at the available width, then empty it. */
static void flush_inline(struct ctx *ctx)
{
	struct inl *in = &ctx->inl;
	const char *t = in->text.buf;
	size_t n = in->text.len, i = 0, cursor = 0;
	while (i < n && t[i] == ' ')
		i++;
	if (i == n) {
		inl_release(in);
		return;
	}
	start_block(ctx);
	int avail = avail_width(ctx, 0), col = 0;
	struct lb lb = { 0 };
	add_prefix(ctx, &lb, false);
	while (i < n) {
		if (t[i] == '\n') {
			new_line(ctx, &lb);
			col = 0;
			for (i++; i < n && t[i] == ' '; i++)
				;
			continue;
		}
		size_t s0 = i;
		while (i < n && t[i] == ' ')
			i++;
		size_t s1 = i;
		if (i == n || t[i] == '\n')
			continue;
		size_t w0 = i;
		while (i < n && t[i] != ' ' && t[i] != '\n')
			i++;
		size_t w1 = i;
		int sw = col > 0 ? (int)(s1 - s0) : 0;
		int ww = utf8_width(t + w0, w1 - w0);
		if (col + sw + ww <= avail) {
			if (sw)
				add_range(&lb, in, s0, s1, &cursor, 0);
			add_range(&lb, in, w0, w1, &cursor, 0);
			col += sw + ww;
			continue;
		}
		if (ww <= avail) {
			new_line(ctx, &lb);
			add_range(&lb, in, w0, w1, &cursor, 0);
			col = ww;
			continue;
		}
		/* A word wider than the line: start it here if a few columns are left, then cut. */
		if (col > 0 && avail - col - sw < 4) {
			new_line(ctx, &lb);
			col = 0;
		} else if (sw) {
			add_range(&lb, in, s0, s1, &cursor, 0);
			col += sw;
		}
		for (size_t p = w0; p < w1;) {
			int used;
			size_t fit = utf8_fit(t + p, w1 - p, avail - col, &used);
			if (fit == 0 && col > 0) {
				new_line(ctx, &lb);
				col = 0;
				continue;
			}
			if (fit == 0) { /* a wide character in a one-column space */
				uint32_t cp;
				fit = utf8_decode(t + p, w1 - p, &cp);
				used = utf8_width(t + p, fit);
			}
			add_range(&lb, in, p, p + fit, &cursor, 0);
			col += used;
			p += fit;
			if (p < w1) {
				new_line(ctx, &lb);
				col = 0;
			}
		}
	}
	lb_emit(ctx, &lb, false, false);
	inl_release(in);
}

/* Code blocks */

static int class_style(int cls)
{
	switch (cls) {
	case SYN_KEYWORD:
		return MDV_KEYWORD;
	case SYN_STRING:
		return MDV_STRING;
	case SYN_NUMBER:
		return MDV_NUMBER;
	case SYN_COMMENT:
		return MDV_COMMENT;
	case SYN_PUNCT:
		return MDV_PUNCT;
	case SYN_KEY:
		return MDV_KEY;
	default:
		return MDV_CODE_BLOCK;
	}
}

/* One source line: tabs to TAB_STOP, cleaned, coloured, whole (the drawing clips it). */
static void code_line(struct ctx *ctx, const char *s, size_t n, int *state, int plain_style)
{
	struct strbuf e = STRBUF_INIT;
	int col = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] == '\t') {
			do
				strbuf_addch(&e, ' ');
			while (++col % TAB_STOP);
			i++;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		size_t before = e.len;
		add_clean(&e, s + i, len);
		col += utf8_width(e.buf + before, e.len - before);
		i += len;
	}
	unsigned char *cls = xmalloc(e.len + 1);
	syntax_line(plain_style == MDV_CODE_BLOCK ? ctx->lang : SYNTAX_NONE, e.buf ? e.buf : "",
		    e.len, state, cls);
	struct lb lb = { 0 };
	add_prefix(ctx, &lb, false);
	lb_adds(&lb, CODE_INDENT, MDV_CODE_BLOCK);
	int avail = avail_width(ctx, (int)strlen(CODE_INDENT));
	size_t code_off = lb.text.len;
	int code_col = lb.width;
	for (size_t i = 0; i < e.len;) {
		size_t j = i + 1;
		while (j < e.len && cls[j] == cls[i])
			j++;
		int style = cls[i] == SYN_PLAIN ? plain_style : class_style(cls[i]);
		lb_add(&lb, e.buf + i, j - i, style, 0);
		i = j;
	}
	lb_emit(ctx, &lb, true, utf8_width(e.buf, e.len) > avail);
	struct mdview_line *l = &ctx->view->lines[ctx->view->n_lines - 1];
	l->code_off = code_off < l->len ? code_off : l->len;
	l->code_col = code_col;
	free(cls);
	strbuf_release(&e);
}

static void flush_code(struct ctx *ctx, int plain_style)
{
	const char *s = ctx->code.buf ? ctx->code.buf : "";
	size_t n = ctx->code.len;
	if (n && s[n - 1] == '\n')
		n--;
	start_block(ctx);
	int state = 0;
	for (size_t i = 0; i <= n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		code_line(ctx, s + i, e - i, &state, plain_style);
		i = e + 1;
	}
	strbuf_release(&ctx->code);
}

/* Tables */

static void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->n; r++) {
		for (size_t c = 0; c < t->rows[r].n; c++)
			inl_release(&t->rows[r].cells[c]);
		free(t->rows[r].cells);
	}
	free(t->rows);
	free(t);
}

/* A table line; one of a table too wide for the page scrolls sideways after its prefix. */
static void emit_table_line(struct ctx *ctx, struct lb *lb, bool wide, size_t code_off,
			    int code_col)
{
	lb_emit(ctx, lb, false, wide);
	struct mdview_line *l = &ctx->view->lines[ctx->view->n_lines - 1];
	l->wide = wide;
	if (wide) {
		l->code_off = code_off;
		l->code_col = code_col;
	}
}

static void table_border(struct ctx *ctx, const int *w, size_t ncols, const char *l, const char *m,
			 const char *r, bool wide)
{
	struct lb lb = { 0 };
	add_prefix(ctx, &lb, false);
	size_t code_off = lb.text.len;
	int code_col = lb.width;
	lb_adds(&lb, l, MDV_TABLE);
	for (size_t c = 0; c < ncols; c++) {
		lb_repeat(&lb, "─", w[c] + 2, MDV_TABLE);
		lb_adds(&lb, c + 1 < ncols ? m : r, MDV_TABLE);
	}
	emit_table_line(ctx, &lb, wide, code_off, code_col);
}

/* A cell's text as lines of at most width columns, broken at spaces where it can be. */
struct cell_lines {
	size_t (*r)[2]; /* [start, end) bytes of each line */
	size_t n;
};

static void cell_wrap(const struct inl *cell, int width, struct cell_lines *out)
{
	memset(out, 0, sizeof(*out));
	const char *t = cell && cell->text.buf ? cell->text.buf : "";
	size_t len = cell ? cell->text.len : 0, i = 0;
	do {
		while (i < len && t[i] == ' ' && out->n)
			i++;
		size_t fit = utf8_fit(t + i, len - i, width, NULL);
		if (i + fit < len) {
			size_t cut = fit;
			while (cut > 0 && t[i + cut] != ' ' && t[i + cut - 1] != ' ')
				cut--;
			if (cut > 0)
				fit = cut;
			else if (fit == 0)
				fit = utf8_decode(t + i, len - i, &(uint32_t){ 0 });
		}
		out->r = xreallocarray(out->r, out->n + 1, sizeof(*out->r));
		size_t e = i + fit;
		while (e > i && t[e - 1] == ' ')
			e--;
		out->r[out->n][0] = i;
		out->r[out->n][1] = e;
		out->n++;
		i += fit;
	} while (i < len);
}

/* One row, as many lines as its tallest cell needs. */
static void table_row(struct ctx *ctx, const struct table *t, const struct trow *row, const int *w,
		      size_t ncols, bool wide)
{
	struct cell_lines *cl = xcalloc(ncols, sizeof(*cl));
	size_t height = 1;
	for (size_t c = 0; c < ncols; c++) {
		cell_wrap(c < row->n ? &row->cells[c] : NULL, w[c], &cl[c]);
		height = cl[c].n > height ? cl[c].n : height;
	}
	for (size_t k = 0; k < height; k++) {
		struct lb lb = { 0 };
		add_prefix(ctx, &lb, false);
		size_t code_off = lb.text.len;
		int code_col = lb.width;
		lb_adds(&lb, "│", MDV_TABLE);
		for (size_t c = 0; c < ncols; c++) {
			lb_adds(&lb, " ", MDV_NORMAL);
			const struct inl *cell = c < row->n ? &row->cells[c] : NULL;
			size_t a = k < cl[c].n ? cl[c].r[k][0] : 0;
			size_t b = k < cl[c].n ? cl[c].r[k][1] : 0;
			int cw = cell ? utf8_width(cell->text.buf + a, b - a) : 0;
			int pad = w[c] - cw;
			unsigned char al = t->align[c < 64 ? c : 63];
			int left = al == MD_ALIGN_RIGHT ? pad : al == MD_ALIGN_CENTER ? pad / 2 : 0;
			lb_repeat(&lb, " ", left, MDV_NORMAL);
			size_t cursor = 0;
			if (cell && b > a)
				add_range(&lb, cell, a, b, &cursor, row->head ? MDV_F_STRONG : 0);
			lb_repeat(&lb, " ", pad - left, MDV_NORMAL);
			lb_adds(&lb, " │", MDV_TABLE);
		}
		emit_table_line(ctx, &lb, wide, code_off, code_col);
	}
	for (size_t c = 0; c < ncols; c++)
		free(cl[c].r);
	free(cl);
}

/* The narrowest a column is made before the table scrolls instead: its longest word. */
static int min_width(const struct table *t, size_t c, int natural)
{
	int longest = 1;
	for (size_t r = 0; r < t->n; r++) {
		if (c >= t->rows[r].n || !t->rows[r].cells[c].text.buf)
			continue;
		const char *s = t->rows[r].cells[c].text.buf;
		size_t len = t->rows[r].cells[c].text.len, i = 0;
		while (i < len) {
			size_t n = 0;
			while (i + n < len && s[i + n] != ' ')
				n++;
			int ww = utf8_width(s + i, n);
			longest = ww > longest ? ww : longest;
			i += n + 1;
		}
	}
	int floor = longest < MIN_CELL ? longest : MIN_CELL;
	return natural < floor ? natural : floor;
}

/*
 * A table that does not fit shrinks its widest columns and wraps their cells onto more lines;
 * one whose columns cannot shrink enough (more columns than the width has room for) keeps them
 * whole and scrolls sideways, as wide code does. Text is never cut.
 */
static void flush_table(struct ctx *ctx)
{
	struct table *t = ctx->table;
	ctx->table = NULL;
	size_t ncols = 0;
	for (size_t r = 0; r < t->n; r++)
		ncols = t->rows[r].n > ncols ? t->rows[r].n : ncols;
	if (ncols == 0) {
		table_free(t);
		return;
	}
	int *w = xcalloc(ncols, sizeof(*w)), *lo = xcalloc(ncols, sizeof(*lo));
	for (size_t r = 0; r < t->n; r++)
		for (size_t c = 0; c < t->rows[r].n; c++) {
			struct inl *cell = &t->rows[r].cells[c];
			int cw = utf8_width(cell->text.buf ? cell->text.buf : "", cell->text.len);
			w[c] = cw > w[c] ? cw : w[c];
		}
	int total = 1, avail = avail_width(ctx, 0);
	for (size_t c = 0; c < ncols; c++) {
		w[c] = w[c] < 1 ? 1 : w[c];
		lo[c] = min_width(t, c, w[c]);
		total += w[c] + 3;
	}
	/* Too wide: take from the widest column that can still give, until it fits. */
	while (total > avail) {
		size_t widest = ncols;
		for (size_t c = 0; c < ncols; c++)
			if (w[c] > lo[c] && (widest == ncols || w[c] > w[widest]))
				widest = c;
		if (widest == ncols)
			break;
		w[widest]--;
		total--;
	}
	bool wide = total > avail;
	start_block(ctx);
	table_border(ctx, w, ncols, "┌", "┬", "┐", wide);
	for (size_t r = 0; r < t->n; r++) {
		table_row(ctx, t, &t->rows[r], w, ncols, wide);
		/* Rows that wrapped are told apart by a rule; the header always is. */
		bool head_end = t->rows[r].head && r + 1 < t->n && !t->rows[r + 1].head;
		if (head_end)
			table_border(ctx, w, ncols, "├", "┼", "┤", wide);
	}
	table_border(ctx, w, ncols, "└", "┴", "┘", wide);
	free(w);
	free(lo);
	table_free(t);
}

/* md4c callbacks */

static int current_style(const struct ctx *ctx, int *flags)
{
	*flags = (ctx->strong ? MDV_F_STRONG : 0) | (ctx->emph ? MDV_F_EMPH : 0);
	if (ctx->code_span)
		return MDV_CODE;
	if (ctx->img)
		return MDV_URL;
	if (ctx->link)
		return MDV_LINK;
	if (ctx->heading)
		return ctx->heading == 1 ? MDV_H1 : ctx->heading == 2 ? MDV_H2 : MDV_H3;
	if (ctx->strong)
		return MDV_STRONG;
	if (ctx->emph)
		return MDV_EMPH;
	if (ctx->quote)
		return MDV_QUOTE;
	return MDV_NORMAL;
}

static void add_text(struct ctx *ctx, const char *s, size_t n)
{
	int flags;
	int style = current_style(ctx, &flags);
	inl_add(&ctx->inl, s, n, style, flags);
}

static void add_styled(struct ctx *ctx, const char *s, int style)
{
	inl_add(&ctx->inl, s, strlen(s), style, 0);
}

static void open_item(struct ctx *ctx, const MD_BLOCK_LI_DETAIL *d)
{
	static const char *const bullets[] = { "•", "◦", "▪" };
	struct container *list = top(ctx);
	struct container *item = push(ctx, C_ITEM);
	if (!item)
		return;
	if (list && list->kind == C_LIST && list->ordered)
		snprintf(item->marker, sizeof(item->marker), "%u%c ", list->number++, list->delim);
	else
		snprintf(item->marker, sizeof(item->marker), "%s ",
			 bullets[(list ? list->level : 0) % 3]);
	if (d && d->is_task)
		strcat(item->marker, d->task_mark == ' ' ? "[ ] " : "[x] ");
	item->marker_cols = utf8_width(item->marker, strlen(item->marker));
	item->pending = true;
}

static int list_level(const struct ctx *ctx)
{
	int level = 0;
	for (int i = 0; i < ctx->depth; i++)
		level += ctx->stack[i].kind == C_LIST;
	return level;
}

/* Whether the innermost item belongs to a tight list. */
static bool in_tight_item(const struct ctx *ctx)
{
	return ctx->depth >= 2 && ctx->stack[ctx->depth - 1].kind == C_ITEM &&
	       ctx->stack[ctx->depth - 2].kind == C_LIST && ctx->stack[ctx->depth - 2].tight;
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *userdata)
{
	struct ctx *ctx = userdata;
	if (ctx->table && (type == MD_BLOCK_TH || type == MD_BLOCK_TD || type == MD_BLOCK_TR ||
			   type == MD_BLOCK_THEAD || type == MD_BLOCK_TBODY)) {
		struct table *t = ctx->table;
		if (type == MD_BLOCK_THEAD || type == MD_BLOCK_TBODY) {
			t->head = type == MD_BLOCK_THEAD;
		} else if (type == MD_BLOCK_TR) {
			if (t->n == t->alloc) {
				t->alloc = t->alloc ? t->alloc * 2 : 8;
				t->rows = xreallocarray(t->rows, t->alloc, sizeof(*t->rows));
			}
			t->rows[t->n++] = (struct trow){ NULL, 0, t->head };
		} else if (t->n) {
			struct trow *row = &t->rows[t->n - 1];
			if (row->n < 64)
				t->align[row->n] =
					(unsigned char)((MD_BLOCK_TD_DETAIL *)detail)->align;
			inl_release(&ctx->inl);
		}
		return 0;
	}
	flush_inline(ctx);
	switch (type) {
	case MD_BLOCK_DOC:
		break;
	case MD_BLOCK_QUOTE:
		want_gap(ctx);
		start_block(ctx);
		push(ctx, C_QUOTE);
		ctx->quote++;
		ctx->fresh = true;
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL: {
		if (!in_tight_item(ctx))
			want_gap(ctx);
		int level = list_level(ctx);
		struct container *c = push(ctx, C_LIST);
		if (!c)
			break;
		c->level = level;
		if (type == MD_BLOCK_OL) {
			MD_BLOCK_OL_DETAIL *d = detail;
			c->ordered = true;
			c->tight = d->is_tight;
			c->number = d->start;
			c->delim = d->mark_delimiter;
		} else {
			c->tight = ((MD_BLOCK_UL_DETAIL *)detail)->is_tight;
		}
		break;
	}
	case MD_BLOCK_LI: {
		struct container *list = top(ctx);
		if (list && list->kind == C_LIST && !list->tight)
			want_gap(ctx);
		open_item(ctx, detail);
		break;
	}
	case MD_BLOCK_HR: {
		want_gap(ctx);
		start_block(ctx);
		struct lb lb = { 0 };
		add_prefix(ctx, &lb, false);
		lb_repeat(&lb, "─", avail_width(ctx, 0), MDV_RULE);
		lb_emit(ctx, &lb, false, false);
		want_gap(ctx);
		break;
	}
	case MD_BLOCK_H:
		want_gap(ctx);
		ctx->heading = (int)((MD_BLOCK_H_DETAIL *)detail)->level;
		break;
	case MD_BLOCK_CODE: {
		MD_BLOCK_CODE_DETAIL *d = detail;
		want_gap(ctx);
		ctx->in_code = true;
		ctx->lang = d->lang.size ? syntax_lang_from_name(d->lang.text, d->lang.size)
					 : syntax_lang_from_name(d->info.text, d->info.size);
		strbuf_reset(&ctx->code);
		break;
	}
	case MD_BLOCK_HTML:
		ctx->in_html = true;
		strbuf_reset(&ctx->code);
		break;
	case MD_BLOCK_P:
		want_gap(ctx);
		break;
	case MD_BLOCK_TABLE:
		want_gap(ctx);
		table_free(ctx->table);
		ctx->table = xcalloc(1, sizeof(*ctx->table));
		break;
	default:
		break;
	}
	return 0;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *userdata)
{
	struct ctx *ctx = userdata;
	size_t before = ctx->view->n_lines;
	switch (type) {
	case MD_BLOCK_TH:
	case MD_BLOCK_TD: {
		struct table *t = ctx->table;
		if (!t || !t->n)
			break;
		struct trow *row = &t->rows[t->n - 1];
		row->cells = xreallocarray(row->cells, row->n + 1, sizeof(*row->cells));
		row->cells[row->n++] = ctx->inl;
		memset(&ctx->inl, 0, sizeof(ctx->inl));
		return 0;
	}
	case MD_BLOCK_TABLE:
		if (ctx->table)
			flush_table(ctx);
		want_gap(ctx);
		return 0;
	case MD_BLOCK_TR:
	case MD_BLOCK_THEAD:
	case MD_BLOCK_TBODY:
		return 0;
	default:
		break;
	}
	flush_inline(ctx);
	switch (type) {
	case MD_BLOCK_QUOTE:
		pop(ctx);
		ctx->quote--;
		want_gap(ctx);
		break;
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		pop(ctx);
		if (!in_tight_item(ctx))
			want_gap(ctx);
		break;
	case MD_BLOCK_LI:
		pop(ctx);
		break;
	case MD_BLOCK_H: {
		int level = ctx->heading;
		ctx->heading = 0;
		/* Mark the heading's first line (after the blank line that may lead it). */
		for (size_t i = before; i < ctx->view->n_lines; i++)
			if (ctx->view->lines[i].len) {
				ctx->view->lines[i].heading = (unsigned char)level;
				break;
			}
		if (level == 1 && ctx->view->n_lines) {
			int w = ctx->view->lines[ctx->view->n_lines - 1].width - prefix_width(ctx);
			struct lb lb = { 0 };
			add_prefix(ctx, &lb, false);
			lb_repeat(&lb, "═", w > 0 ? w : 1, MDV_H1);
			lb_emit(ctx, &lb, false, false);
		}
		want_gap(ctx);
		break;
	}
	case MD_BLOCK_CODE:
		ctx->in_code = false;
		flush_code(ctx, MDV_CODE_BLOCK);
		want_gap(ctx);
		break;
	case MD_BLOCK_HTML: {
		ctx->in_html = false;
		const char *s = ctx->code.buf ? ctx->code.buf : "";
		while (*s == ' ')
			s++;
		/* Comments are notes for authors, not for learners. */
		if (strncmp(s, "<!--", 4) == 0) {
			strbuf_release(&ctx->code);
		} else {
			want_gap(ctx);
			flush_code(ctx, MDV_URL);
			want_gap(ctx);
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

static int enter_span(MD_SPANTYPE type, void *detail, void *userdata)
{
	struct ctx *ctx = userdata;
	switch (type) {
	case MD_SPAN_EM:
		ctx->emph++;
		break;
	case MD_SPAN_STRONG:
		ctx->strong++;
		break;
	case MD_SPAN_CODE:
		ctx->code_span++;
		break;
	case MD_SPAN_A: {
		MD_SPAN_A_DETAIL *d = detail;
		if (ctx->link++ == 0) {
			free(ctx->href);
			ctx->href = xstrndup(d->href.text, d->href.size);
			ctx->link_start = ctx->inl.text.len;
		}
		break;
	}
	case MD_SPAN_IMG:
		add_styled(ctx, "[image: ", MDV_URL);
		ctx->img++;
		break;
	default:
		break;
	}
	return 0;
}

static int leave_span(MD_SPANTYPE type, void *detail, void *userdata)
{
	struct ctx *ctx = userdata;
	switch (type) {
	case MD_SPAN_EM:
		ctx->emph--;
		break;
	case MD_SPAN_STRONG:
		ctx->strong--;
		break;
	case MD_SPAN_CODE:
		ctx->code_span--;
		break;
	case MD_SPAN_A:
		if (--ctx->link == 0 && ctx->href && ctx->href[0]) {
			/* Show where it goes, unless the text already says it (autolinks). */
			const char *text =
				ctx->inl.text.buf ? ctx->inl.text.buf + ctx->link_start : "";
			size_t n = ctx->inl.text.len - ctx->link_start;
			const char *href = ctx->href;
			if (strncmp(href, "mailto:", 7) == 0 && strlen(href + 7) == n)
				href += 7;
			if (strlen(href) != n || memcmp(href, text, n) != 0) {
				add_styled(ctx, " (", MDV_URL);
				add_styled(ctx, ctx->href, MDV_URL);
				add_styled(ctx, ")", MDV_URL);
			}
		}
		break;
	case MD_SPAN_IMG:
		ctx->img--;
		add_styled(ctx, "]", MDV_URL);
		break;
	default:
		break;
	}
	return 0;
}

/* An entity as UTF-8 into out (at least 8 bytes); the entity itself when unknown. */
static size_t entity(const char *s, size_t n, char *out)
{
	static const struct {
		const char *name;
		uint32_t cp;
	} named[] = {
		{ "&amp;", '&' },      { "&lt;", '<' },       { "&gt;", '>' },
		{ "&quot;", '"' },     { "&apos;", '\'' },    { "&nbsp;", 0xA0 },
		{ "&mdash;", 0x2014 }, { "&ndash;", 0x2013 }, { "&hellip;", 0x2026 },
		{ "&rarr;", 0x2192 },  { "&larr;", 0x2190 },  { "&times;", 0xD7 },
		{ "&copy;", 0xA9 },
	};
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == n && memcmp(named[i].name, s, n) == 0)
			return utf8_encode(named[i].cp, out);
	if (n >= 4 && s[1] == '#') {
		bool hex = s[2] == 'x' || s[2] == 'X';
		char *end;
		char digits[16];
		size_t dn = n - (hex ? 4 : 3);
		if (dn > 0 && dn < sizeof(digits)) {
			memcpy(digits, s + (hex ? 3 : 2), dn);
			digits[dn] = '\0';
			unsigned long cp = strtoul(digits, &end, hex ? 16 : 10);
			if (*end == '\0' && cp > 0 && cp <= 0x10FFFF &&
			    !(cp >= 0xD800 && cp <= 0xDFFF))
				return utf8_encode((uint32_t)cp, out);
		}
		return utf8_encode(UTF8_REPLACEMENT, out);
	}
	if (n > 7)
		n = 7;
	memcpy(out, s, n);
	return n;
}

static int text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *userdata)
{
	struct ctx *ctx = userdata;
	if (ctx->in_code || ctx->in_html) {
		strbuf_add(&ctx->code, s, n);
		return 0;
	}
	switch (type) {
	case MD_TEXT_BR:
		strbuf_addch(&ctx->inl.text, '\n');
		inl_run(&ctx->inl, ctx->inl.text.len - 1, MDV_NORMAL, 0);
		break;
	case MD_TEXT_SOFTBR:
		add_text(ctx, " ", 1);
		break;
	case MD_TEXT_NULLCHAR:
		add_text(ctx, "\xEF\xBF\xBD", 3);
		break;
	case MD_TEXT_ENTITY: {
		char out[8];
		size_t len = entity(s, n, out);
		add_text(ctx, out, len);
		break;
	}
	case MD_TEXT_HTML: {
		int flags;
		current_style(ctx, &flags);
		inl_add(&ctx->inl, s, n, MDV_URL, flags);
		break;
	}
	default:
		add_text(ctx, s, n);
		break;
	}
	return 0;
}

bool mdview_layout(struct mdview *view, const char *md, size_t len, int width)
{
	mdview_release(view);
	view->width = width < MIN_WIDTH ? MIN_WIDTH : width;
	struct ctx ctx = { .view = view, .width = view->width };
	MD_PARSER parser = {
		.abi_version = 0,
		.flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS |
			 MD_FLAG_PERMISSIVEURLAUTOLINKS,
		.enter_block = enter_block,
		.leave_block = leave_block,
		.enter_span = enter_span,
		.leave_span = leave_span,
		.text = text,
	};
	int rc = md_parse(md, (MD_SIZE)len, &parser, &ctx);
	flush_inline(&ctx);
	inl_release(&ctx.inl);
	strbuf_release(&ctx.code);
	table_free(ctx.table);
	free(ctx.href);
	if (rc != 0) {
		mdview_release(view);
		return false;
	}
	return true;
}

void mdview_release(struct mdview *view)
{
	for (size_t i = 0; i < view->n_lines; i++) {
		free(view->lines[i].text);
		free(view->lines[i].spans);
	}
	free(view->lines);
	view->lines = NULL;
	view->n_lines = view->alloc = 0;
}

/* Search */

/* Decode s into folded code points with their byte offsets and columns; returns the count. */
static size_t fold(const char *s, size_t n, uint32_t *cps, size_t *offs, int *cols)
{
	size_t k = 0;
	int col = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		if (cps)
			cps[k] = (uint32_t)towlower((wint_t)cp);
		if (offs)
			offs[k] = i;
		if (cols)
			cols[k] = col;
		int w = utf8_cp_width(cp);
		col += w < 0 ? 1 : w;
		i += len;
		k++;
	}
	if (offs)
		offs[k] = n;
	if (cols)
		cols[k] = col;
	return k;
}

size_t mdview_search(const struct mdview *view, const char *query, struct mdview_match **out)
{
	*out = NULL;
	size_t qlen = strlen(query);
	if (!qlen)
		return 0;
	uint32_t *q = xmalloc((qlen + 1) * sizeof(*q));
	size_t qn = fold(query, qlen, q, NULL, NULL);
	size_t n = 0, alloc = 0;
	for (size_t l = 0; l < view->n_lines; l++) {
		const struct mdview_line *line = &view->lines[l];
		if (line->len < qn)
			continue;
		uint32_t *cps = xmalloc((line->len + 1) * sizeof(*cps));
		size_t *offs = xmalloc((line->len + 1) * sizeof(*offs));
		int *cols = xmalloc((line->len + 1) * sizeof(*cols));
		size_t ln = fold(line->text, line->len, cps, offs, cols);
		for (size_t i = 0; i + qn <= ln;) {
			if (memcmp(cps + i, q, qn * sizeof(*q)) != 0) {
				i++;
				continue;
			}
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 16;
				*out = xreallocarray(*out, alloc, sizeof(**out));
			}
			(*out)[n++] = (struct mdview_match){ l, offs[i], offs[i + qn], cols[i],
							     cols[i + qn] - cols[i] };
			i += qn;
		}
		free(cps);
		free(offs);
		free(cols);
	}
	free(q);
	return n;
}

/* Scrolling */

size_t mdview_scroll(size_t top, long delta, size_t n_lines, int rows)
{
	size_t max = rows > 0 && n_lines > (size_t)rows ? n_lines - (size_t)rows : 0;
	long t = (long)top + delta;
	if (t < 0)
		t = 0;
	return (size_t)t > max ? max : (size_t)t;
}

size_t mdview_reveal(size_t top, size_t line, size_t n_lines, int rows)
{
	if (rows <= 0)
		return top;
	if (line >= top && line < top + (size_t)rows)
		return top;
	/* Put it a third of the way down, so that what leads to it shows too. */
	long t = (long)line - rows / 3;
	return mdview_scroll(0, t, n_lines, rows);
}

void mdview_window(const struct mdview_line *line, int hoff, int cols, struct mdview_window *w)
{
	memset(w, 0, sizeof(*w));
	bool scrolls = line->code || line->wide;
	w->from = w->to = scrolls ? line->code_off : line->len;
	if (!scrolls) {
		w->from = w->to = 0;
		w->prefix = utf8_fit(line->text, line->len, cols, NULL);
		w->more_right = w->prefix < line->len;
		return;
	}
	w->prefix = line->code_off;
	int room = cols - line->code_col;
	if (room <= 0)
		return;
	const char *t = line->text;
	size_t i = line->code_off;
	int col = 0;
	/* Skip hoff columns; a wide character cut in half shows as a blank. */
	while (i < line->len && col < hoff) {
		uint32_t cp;
		size_t len = utf8_decode(t + i, line->len - i, &cp);
		int cw = utf8_width(t + i, len);
		if (col + cw > hoff) {
			w->pad_left = col + cw - hoff;
			i += len;
			col += cw;
			break;
		}
		col += cw;
		i += len;
	}
	/* Only hidden text counts: an indent scrolled away hides nothing. */
	for (size_t k = line->code_off; k < i && !w->more_left; k++)
		w->more_left = t[k] != ' ';
	w->from = i;
	int used;
	size_t fit = utf8_fit(t + i, line->len - i, room - w->pad_left, &used);
	if (i + fit < line->len) {
		/* Keep the last column for the marker. */
		fit = utf8_fit(t + i, line->len - i, room - w->pad_left - 1, &used);
		w->more_right = true;
	}
	w->to = i + fit;
}

bool mdview_heading(const struct mdview *view, size_t from, int dir, size_t *line)
{
	if (dir > 0) {
		for (size_t i = from + 1; i < view->n_lines; i++)
			if (view->lines[i].heading) {
				*line = i;
				return true;
			}
		return false;
	}
	for (size_t i = from < view->n_lines ? from : view->n_lines; i-- > 0;)
		if (view->lines[i].heading) {
			*line = i;
			return true;
		}
	return false;
}

char *mdview_code_block(const struct mdview *view, size_t from, size_t to, size_t *len)
{
	size_t i = from;
	while (i < to && i < view->n_lines && !view->lines[i].code)
		i++;
	if (i >= to || i >= view->n_lines)
		return NULL;
	/* The block may have started above the first line asked about. */
	while (i > 0 && view->lines[i - 1].code)
		i--;
	struct strbuf sb = STRBUF_INIT;
	for (; i < view->n_lines && view->lines[i].code; i++) {
		const struct mdview_line *l = &view->lines[i];
		strbuf_add(&sb, l->text + l->code_off, l->len - l->code_off);
		strbuf_addch(&sb, '\n');
	}
	*len = sb.len;
	return strbuf_detach(&sb);
}
