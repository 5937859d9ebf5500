/*
 * Metric math: a tokenizer, a recursive-descent parser (precedence from low to high: OR,
 * AND, comparisons, + -, * /, unary - and NOT, ^), and an evaluator over scalars, time
 * series and arrays of time series. One file: the parser and the evaluator share the tree,
 * and each function is a few lines over the same helpers.
 */
#include "cloud/monitoring/math.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"

/* Deeper nesting than this is refused: the parser and evaluator recurse. */
#define DEPTH_MAX 64

enum node_kind {
	N_NUM,
	N_STR,
	N_ID,   /* a metric's or expression's id: starts with a lowercase letter */
	N_WORD, /* a capitalised word that is not called: REPEAT, LINEAR, ASC, SUM... */
	N_NEG,
	N_NOT,
	N_BIN,
	N_CALL,
	N_LIST,
};

enum binop {
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_POW,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_AND,
	OP_OR,
};

struct node {
	enum node_kind kind;
	enum binop op;
	double num;
	char *text;
	struct node **kids;
	size_t nkids;
	int col;
};

struct mm_expr {
	struct node *root;
	const char **refs;
	size_t nrefs;
	bool all;
};

/* Tokens. */
enum tok_kind {
	T_END,
	T_NUM,
	T_STR,
	T_NAME,
	T_OP, /* text holds it: + - * / ^ ( ) [ ] , == != <= >= < > && || ! */
};

struct tok {
	enum tok_kind kind;
	char text[64];
	double num;
	char *str; /* T_STR, T_NAME: owned until taken */
	int col;
};

struct parser {
	const char *src;
	size_t pos;
	struct tok t;
	struct mm_err *e;
	bool failed;
	int depth;
};

static bool fail(struct parser *p, int col, const char *fmt, ...) XALLOC_PRINTF(3, 4);

static bool fail(struct parser *p, int col, const char *fmt, ...)
{
	if (p->failed)
		return false;
	p->failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->e->msg, sizeof(p->e->msg), fmt, ap);
	va_end(ap);
	p->e->col = col;
	return false;
}

static void tok_clear(struct tok *t)
{
	free(t->str);
	t->str = NULL;
}

/* Read the next token into p->t. */
static bool next(struct parser *p)
{
	tok_clear(&p->t);
	const char *s = p->src;
	while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r')
		p->pos++;
	struct tok *t = &p->t;
	t->col = (int)p->pos + 1;
	t->text[0] = '\0';
	char c = s[p->pos];
	if (!c) {
		t->kind = T_END;
		return true;
	}
	if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)s[p->pos + 1]))) {
		char *end;
		t->num = strtod(s + p->pos, &end);
		if (isalpha((unsigned char)*end) || *end == '_')
			return fail(p, t->col,
				    "Syntax error: unexpected character '%c' at column %d", *end,
				    (int)(end - s) + 1);
		p->pos = (size_t)(end - s);
		t->kind = T_NUM;
		return true;
	}
	if (isalpha((unsigned char)c) || c == '_') {
		size_t start = p->pos;
		while (isalnum((unsigned char)s[p->pos]) || s[p->pos] == '_')
			p->pos++;
		t->kind = T_NAME;
		t->str = xstrndup(s + start, p->pos - start);
		return true;
	}
	if (c == '"') {
		size_t start = ++p->pos;
		while (s[p->pos] && s[p->pos] != '"')
			p->pos++;
		if (!s[p->pos])
			return fail(p, t->col, "Syntax error: unterminated string at column %d",
				    t->col);
		t->kind = T_STR;
		t->str = xstrndup(s + start, p->pos - start);
		p->pos++;
		return true;
	}
	static const char *const two[] = { "==", "!=", "<=", ">=", "&&", "||" };
	for (size_t i = 0; i < sizeof(two) / sizeof(two[0]); i++)
		if (strncmp(s + p->pos, two[i], 2) == 0) {
			t->kind = T_OP;
			memcpy(t->text, two[i], 3);
			p->pos += 2;
			return true;
		}
	if (strchr("+-*/^()[],<>!", c)) {
		t->kind = T_OP;
		t->text[0] = c;
		t->text[1] = '\0';
		p->pos++;
		return true;
	}
	return fail(p, t->col, "Syntax error: unexpected character '%c' at column %d", c, t->col);
}

static bool is_op(const struct parser *p, const char *op)
{
	return p->t.kind == T_OP && strcmp(p->t.text, op) == 0;
}

static bool is_word(const struct parser *p, const char *w)
{
	return p->t.kind == T_NAME && strcmp(p->t.str, w) == 0;
}

static struct node *node_new(enum node_kind k, int col)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->kind = k;
	n->col = col;
	return n;
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

static void node_add(struct node *n, struct node *kid)
{
	n->kids = xreallocarray(n->kids, n->nkids + 1, sizeof(*n->kids));
	n->kids[n->nkids++] = kid;
}

static struct node *binary(enum binop op, struct node *a, struct node *b, int col)
{
	struct node *n = node_new(N_BIN, col);
	n->op = op;
	node_add(n, a);
	node_add(n, b);
	return n;
}

static struct node *parse_or(struct parser *p);

static const char *tok_desc(const struct tok *t, char *buf, size_t n)
{
	switch (t->kind) {
	case T_END:
		return "end of expression";
	case T_NUM:
		snprintf(buf, n, "'%g'", t->num);
		return buf;
	case T_STR:
		snprintf(buf, n, "'\"%.40s\"'", t->str);
		return buf;
	case T_NAME:
		snprintf(buf, n, "'%.50s'", t->str);
		return buf;
	case T_OP:
		snprintf(buf, n, "'%s'", t->text);
		return buf;
	}
	abort();
}

static struct node *unexpected(struct parser *p)
{
	char buf[80];
	fail(p, p->t.col, "Syntax error: unexpected %s at column %d",
	     tok_desc(&p->t, buf, sizeof(buf)), p->t.col);
	return NULL;
}

static bool expect(struct parser *p, const char *op)
{
	if (!is_op(p, op)) {
		char buf[80];
		return fail(p, p->t.col, "Syntax error: expected '%s' but found %s at column %d",
			    op, tok_desc(&p->t, buf, sizeof(buf)), p->t.col);
	}
	return next(p);
}

/* Arguments of a call or items of a list, up to close. */
static bool parse_items(struct parser *p, struct node *n, const char *close)
{
	if (is_op(p, close))
		return next(p);
	for (;;) {
		struct node *kid = parse_or(p);
		if (!kid)
			return false;
		node_add(n, kid);
		if (is_op(p, ","))
			next(p);
		else
			return expect(p, close);
		if (p->failed)
			return false;
	}
}

static struct node *parse_primary(struct parser *p)
{
	struct node *n = NULL;
	int col = p->t.col;
	if (++p->depth > DEPTH_MAX) {
		fail(p, col, "The expression is nested too deeply (at column %d)", col);
		return NULL;
	}
	switch (p->t.kind) {
	case T_NUM:
		n = node_new(N_NUM, col);
		n->num = p->t.num;
		if (!next(p))
			goto fail;
		break;
	case T_STR:
		n = node_new(N_STR, col);
		n->text = p->t.str;
		p->t.str = NULL;
		if (!next(p))
			goto fail;
		break;
	case T_NAME: {
		char *name = p->t.str;
		p->t.str = NULL;
		if (!next(p)) {
			free(name);
			goto fail;
		}
		if (is_op(p, "(")) {
			n = node_new(N_CALL, col);
			n->text = name;
			if (!next(p) || !parse_items(p, n, ")"))
				goto fail;
		} else if (islower((unsigned char)name[0])) {
			n = node_new(N_ID, col);
			n->text = name;
		} else {
			n = node_new(N_WORD, col);
			n->text = name;
		}
		break;
	}
	case T_OP:
		if (is_op(p, "(")) {
			if (!next(p) || !(n = parse_or(p)) || !expect(p, ")"))
				goto fail;
		} else if (is_op(p, "[")) {
			n = node_new(N_LIST, col);
			if (!next(p) || !parse_items(p, n, "]"))
				goto fail;
		} else {
			unexpected(p);
			goto fail;
		}
		break;
	case T_END:
		unexpected(p);
		goto fail;
	}
	p->depth--;
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct node *parse_pow(struct parser *p)
{
	struct node *a = parse_primary(p);
	if (!a || !is_op(p, "^"))
		return a;
	int col = p->t.col;
	if (!next(p)) {
		node_free(a);
		return NULL;
	}
	/* Right-associative, and binds tighter than a unary minus on its left. */
	struct node *b = NULL;
	if (is_op(p, "-")) {
		int c2 = p->t.col;
		if (next(p) && (b = parse_pow(p))) {
			struct node *neg = node_new(N_NEG, c2);
			node_add(neg, b);
			b = neg;
		}
	} else {
		b = parse_pow(p);
	}
	if (!b) {
		node_free(a);
		return NULL;
	}
	return binary(OP_POW, a, b, col);
}

static struct node *parse_unary(struct parser *p)
{
	if (is_op(p, "-") || is_op(p, "!") || is_word(p, "NOT")) {
		int col = p->t.col;
		enum node_kind k = is_op(p, "-") ? N_NEG : N_NOT;
		if (++p->depth > DEPTH_MAX) {
			fail(p, col, "The expression is nested too deeply (at column %d)", col);
			return NULL;
		}
		if (!next(p))
			return NULL;
		struct node *a = parse_unary(p);
		p->depth--;
		if (!a)
			return NULL;
		struct node *n = node_new(k, col);
		node_add(n, a);
		return n;
	}
	return parse_pow(p);
}

static struct node *parse_mul(struct parser *p)
{
	struct node *a = parse_unary(p);
	while (a && (is_op(p, "*") || is_op(p, "/"))) {
		enum binop op = is_op(p, "*") ? OP_MUL : OP_DIV;
		int col = p->t.col;
		struct node *b = next(p) ? parse_unary(p) : NULL;
		if (!b) {
			node_free(a);
			return NULL;
		}
		a = binary(op, a, b, col);
	}
	return a;
}

static struct node *parse_add(struct parser *p)
{
	struct node *a = parse_mul(p);
	while (a && (is_op(p, "+") || is_op(p, "-"))) {
		enum binop op = is_op(p, "+") ? OP_ADD : OP_SUB;
		int col = p->t.col;
		struct node *b = next(p) ? parse_mul(p) : NULL;
		if (!b) {
			node_free(a);
			return NULL;
		}
		a = binary(op, a, b, col);
	}
	return a;
}

static struct node *parse_cmp(struct parser *p)
{
	struct node *a = parse_add(p);
	static const struct {
		const char *text;
		enum binop op;
	} ops[] = { { "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE },
		    { ">=", OP_GE }, { "<", OP_LT },  { ">", OP_GT } };
	while (a && p->t.kind == T_OP) {
		size_t i = 0;
		for (; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (is_op(p, ops[i].text))
				break;
		if (i == sizeof(ops) / sizeof(ops[0]))
			break;
		int col = p->t.col;
		struct node *b = next(p) ? parse_add(p) : NULL;
		if (!b) {
			node_free(a);
			return NULL;
		}
		a = binary(ops[i].op, a, b, col);
	}
	return a;
}

static struct node *parse_and(struct parser *p)
{
	struct node *a = parse_cmp(p);
	while (a && (is_op(p, "&&") || is_word(p, "AND"))) {
		int col = p->t.col;
		struct node *b = next(p) ? parse_cmp(p) : NULL;
		if (!b) {
			node_free(a);
			return NULL;
		}
		a = binary(OP_AND, a, b, col);
	}
	return a;
}

static struct node *parse_or(struct parser *p)
{
	if (++p->depth > DEPTH_MAX) {
		fail(p, p->t.col, "The expression is nested too deeply (at column %d)", p->t.col);
		return NULL;
	}
	struct node *a = parse_and(p);
	while (a && (is_op(p, "||") || is_word(p, "OR"))) {
		int col = p->t.col;
		struct node *b = next(p) ? parse_and(p) : NULL;
		if (!b) {
			node_free(a);
			return NULL;
		}
		a = binary(OP_OR, a, b, col);
	}
	p->depth--;
	return a;
}

static void collect_refs(struct mm_expr *x, const struct node *n)
{
	if (n->kind == N_ID) {
		for (size_t i = 0; i < x->nrefs; i++)
			if (strcmp(x->refs[i], n->text) == 0)
				return;
		x->refs = xreallocarray(x->refs, x->nrefs + 1, sizeof(*x->refs));
		x->refs[x->nrefs++] = n->text;
	}
	if (n->kind == N_CALL && strcmp(n->text, "METRICS") == 0)
		x->all = true;
	for (size_t i = 0; i < n->nkids; i++)
		collect_refs(x, n->kids[i]);
}

struct mm_expr *mm_parse(const char *text, struct mm_err *e)
{
	memset(e, 0, sizeof(*e));
	struct parser p = { .src = text ? text : "", .e = e };
	struct node *root = NULL;
	if (next(&p) && p.t.kind == T_END)
		fail(&p, 1, "The expression is empty");
	if (!p.failed)
		root = parse_or(&p);
	if (root && p.t.kind != T_END) {
		unexpected(&p);
		node_free(root);
		root = NULL;
	}
	tok_clear(&p.t);
	if (!root)
		return NULL;
	struct mm_expr *x = xcalloc(1, sizeof(*x));
	x->root = root;
	collect_refs(x, root);
	return x;
}

void mm_expr_free(struct mm_expr *x)
{
	if (!x)
		return;
	node_free(x->root);
	free(x->refs);
	free(x);
}

size_t mm_refs(const struct mm_expr *x, const char ***ids, bool *all)
{
	*ids = xcalloc(x->nrefs ? x->nrefs : 1, sizeof(**ids));
	memcpy(*ids, x->refs, x->nrefs * sizeof(**ids));
	*all = x->all;
	return x->nrefs;
}

/* Values. */

void mm_ts_release(struct mm_ts *t)
{
	free(t->id);
	free(t->label);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

void mm_ts_copy(struct mm_ts *dst, const struct mm_ts *src)
{
	*dst = *src;
	dst->id = xstrdup(src->id);
	dst->label = xstrdup(src->label);
	dst->v = xmalloc((src->n ? src->n : 1) * sizeof(double));
	memcpy(dst->v, src->v, src->n * sizeof(double));
}

void mm_val_release(struct mm_val *v)
{
	for (size_t i = 0; i < v->nts; i++)
		mm_ts_release(&v->ts[i]);
	free(v->ts);
	memset(v, 0, sizeof(*v));
}

/* A series of n missing values on t's grid, keeping its id and label. */
static void ts_like(struct mm_ts *dst, const struct mm_ts *t)
{
	memset(dst, 0, sizeof(*dst));
	dst->id = xstrdup(t->id);
	dst->label = xstrdup(t->label);
	dst->start = t->start;
	dst->step = t->step;
	dst->n = t->n;
	dst->v = xmalloc((t->n ? t->n : 1) * sizeof(double));
	for (size_t i = 0; i < t->n; i++)
		dst->v[i] = NAN;
}

static void val_scalar(struct mm_val *v, double s)
{
	memset(v, 0, sizeof(*v));
	v->kind = MM_SCALAR;
	v->scalar = s;
}

/* v becomes one series (taken from t). */
static void val_series(struct mm_val *v, struct mm_ts *t)
{
	memset(v, 0, sizeof(*v));
	v->kind = MM_SERIES;
	v->ts = xmalloc(sizeof(*v->ts));
	v->ts[0] = *t;
	v->nts = 1;
}

static void val_copy(struct mm_val *dst, const struct mm_val *src)
{
	*dst = *src;
	dst->ts = src->nts ? xmalloc(src->nts * sizeof(*dst->ts)) : NULL;
	for (size_t i = 0; i < src->nts; i++)
		mm_ts_copy(&dst->ts[i], &src->ts[i]);
}

struct ev {
	const struct mm_env *env;
	struct mm_err *e;
	int depth;
};

static bool efail(struct ev *ev, int col, const char *fmt, ...) XALLOC_PRINTF(3, 4);

static bool efail(struct ev *ev, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev->e->msg, sizeof(ev->e->msg), fmt, ap);
	va_end(ap);
	ev->e->col = col;
	return false;
}

static bool eval(struct ev *ev, const struct node *n, struct mm_val *out);

static double apply(enum binop op, double a, double b)
{
	switch (op) {
	case OP_ADD:
		return a + b;
	case OP_SUB:
		return a - b;
	case OP_MUL:
		return a * b;
	case OP_DIV:
		return b == 0 ? NAN : a / b;
	case OP_POW: {
		double r = pow(a, b);
		return isfinite(r) ? r : NAN;
	}
	case OP_EQ:
		return a == b;
	case OP_NE:
		return a != b;
	case OP_LT:
		return a < b;
	case OP_LE:
		return a <= b;
	case OP_GT:
		return a > b;
	case OP_GE:
		return a >= b;
	case OP_AND:
		return a != 0 && b != 0;
	case OP_OR:
		return a != 0 || b != 0;
	}
	abort();
}

static bool same_grid(const struct mm_ts *a, const struct mm_ts *b)
{
	return a->start == b->start && a->step == b->step && a->n == b->n;
}

/* a op b for two series on one grid: a missing value counts as 0 where the other has one. */
static bool ts_ts(struct ev *ev, int col, enum binop op, const struct mm_ts *a,
		  const struct mm_ts *b, struct mm_ts *out)
{
	if (!same_grid(a, b))
		return efail(ev, col,
			     "Time series of different periods cannot be combined (at column %d)",
			     col);
	ts_like(out, a);
	free(out->id);
	free(out->label);
	out->id = out->label = NULL;
	for (size_t i = 0; i < a->n; i++) {
		double x = a->v[i], y = b->v[i];
		if (isnan(x) && isnan(y))
			continue;
		out->v[i] = apply(op, isnan(x) ? 0 : x, isnan(y) ? 0 : y);
	}
	return true;
}

/* t op s (or s op t when swap). The series keeps its id and label. */
static void ts_scalar(enum binop op, const struct mm_ts *t, double s, bool swap, struct mm_ts *out)
{
	ts_like(out, t);
	out->metric = false;
	for (size_t i = 0; i < t->n; i++)
		if (!isnan(t->v[i]))
			out->v[i] = swap ? apply(op, s, t->v[i]) : apply(op, t->v[i], s);
}

static bool eval_binary(struct ev *ev, const struct node *n, struct mm_val *out)
{
	struct mm_val a = { 0 }, b = { 0 };
	bool ok = false;
	if (!eval(ev, n->kids[0], &a) || !eval(ev, n->kids[1], &b))
		goto done;
	if (a.kind == MM_SCALAR && b.kind == MM_SCALAR) {
		val_scalar(out, apply(n->op, a.scalar, b.scalar));
		ok = true;
		goto done;
	}
	if (a.kind == MM_ARRAY && b.kind == MM_ARRAY) {
		efail(ev, n->col, "Two arrays of time series cannot be combined (at column %d)",
		      n->col);
		goto done;
	}
	/* The array (or the series) on one side, what is combined with each member on the
	 * other. */
	bool swap = a.kind == MM_SCALAR || (b.kind == MM_ARRAY && a.kind == MM_SERIES);
	struct mm_val *many = swap ? &b : &a, *one = swap ? &a : &b;
	memset(out, 0, sizeof(*out));
	out->kind = many->kind;
	out->nts = many->nts;
	out->ts = xcalloc(many->nts ? many->nts : 1, sizeof(*out->ts));
	for (size_t i = 0; i < many->nts; i++) {
		if (one->kind == MM_SCALAR) {
			ts_scalar(n->op, &many->ts[i], one->scalar, swap, &out->ts[i]);
		} else {
			const struct mm_ts *x = swap ? &one->ts[0] : &many->ts[i];
			const struct mm_ts *y = swap ? &many->ts[i] : &one->ts[0];
			if (!ts_ts(ev, n->col, n->op, x, y, &out->ts[i])) {
				mm_val_release(out);
				goto done;
			}
			if (many->kind == MM_ARRAY) {
				out->ts[i].id = xstrdup(many->ts[i].id);
				out->ts[i].label = xstrdup(many->ts[i].label);
			}
		}
	}
	ok = true;
done:
	mm_val_release(&a);
	mm_val_release(&b);
	return ok;
}

/* Each value of v through f (NaN results dropped). */
static void map_values(struct mm_val *v, double (*f)(double))
{
	if (v->kind == MM_SCALAR) {
		v->scalar = f(v->scalar);
		return;
	}
	for (size_t i = 0; i < v->nts; i++) {
		v->ts[i].metric = false;
		for (size_t k = 0; k < v->ts[i].n; k++)
			if (!isnan(v->ts[i].v[k])) {
				double r = f(v->ts[i].v[k]);
				v->ts[i].v[k] = isfinite(r) ? r : NAN;
			}
	}
}

static double f_neg(double x)
{
	return -x;
}

static double f_not(double x)
{
	return x == 0;
}

enum reducer {
	R_SUM,
	R_AVG,
	R_MIN,
	R_MAX,
	R_STDDEV,
	R_COUNT,
};

/* Reduce present values. */
static double reduce(enum reducer r, const double *v, size_t n, bool missing_as_zero)
{
	double sum = 0, sq = 0, mn = INFINITY, mx = -INFINITY;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		double x = v[i];
		if (isnan(x)) {
			if (!missing_as_zero)
				continue;
			x = 0;
		}
		sum += x;
		sq += x * x;
		if (x < mn)
			mn = x;
		if (x > mx)
			mx = x;
		k++;
	}
	switch (r) {
	case R_COUNT:
		return (double)k;
	case R_SUM:
		return k ? sum : NAN;
	case R_AVG:
		return k ? sum / (double)k : NAN;
	case R_MIN:
		return k ? mn : NAN;
	case R_MAX:
		return k ? mx : NAN;
	case R_STDDEV: {
		if (!k)
			return NAN;
		double mean = sum / (double)k, var = sq / (double)k - mean * mean;
		return sqrt(var > 0 ? var : 0);
	}
	}
	abort();
}

/* SUM, AVG, MIN, MAX, STDDEV, DATAPOINT_COUNT: a series to a scalar, an array to a series. */
static bool eval_reduce(struct ev *ev, const struct node *n, enum reducer r, struct mm_val *v,
			struct mm_val *out)
{
	if (v->kind == MM_SCALAR)
		return efail(ev, n->col,
			     "%s needs a time series or an array of them (at column %d)", n->text,
			     n->col);
	if (v->kind == MM_SERIES) {
		val_scalar(out, reduce(r, v->ts[0].v, v->ts[0].n, false));
		return true;
	}
	if (v->nts == 0) {
		memset(out, 0, sizeof(*out));
		out->kind = MM_ARRAY;
		return true;
	}
	for (size_t i = 1; i < v->nts; i++)
		if (!same_grid(&v->ts[0], &v->ts[i]))
			return efail(ev, n->col,
				     "Time series of different periods cannot be combined (at "
				     "column %d)",
				     n->col);
	struct mm_ts t;
	ts_like(&t, &v->ts[0]);
	free(t.id);
	free(t.label);
	t.id = t.label = NULL;
	double *col = xmalloc(v->nts * sizeof(double));
	/* CloudWatch counts a missing value as 0 in the sum and average of an array. */
	bool zero = r == R_SUM || r == R_AVG;
	for (size_t k = 0; k < t.n; k++) {
		bool any = false;
		for (size_t i = 0; i < v->nts; i++) {
			col[i] = v->ts[i].v[k];
			any |= !isnan(col[i]);
		}
		if (any || r == R_COUNT)
			t.v[k] = reduce(r, col, v->nts, zero);
	}
	free(col);
	val_series(out, &t);
	return true;
}

/* DIFF, DIFF_TIME, RATE, RUNNING_SUM over each series. */
enum walk {
	W_DIFF,
	W_DIFF_TIME,
	W_RATE,
	W_RUNNING_SUM,
};

static void walk_series(struct mm_ts *t, enum walk w)
{
	double prev = NAN, sum = 0;
	long long prev_ts = 0;
	t->metric = false;
	for (size_t i = 0; i < t->n; i++) {
		double x = t->v[i];
		if (isnan(x))
			continue;
		long long ts = t->start + (long long)i * t->step;
		double r = NAN;
		switch (w) {
		case W_DIFF:
			r = isnan(prev) ? NAN : x - prev;
			break;
		case W_DIFF_TIME:
			r = isnan(prev) ? NAN : (double)(ts - prev_ts) / 1000.0;
			break;
		case W_RATE:
			r = isnan(prev) ? NAN : (x - prev) / ((double)(ts - prev_ts) / 1000.0);
			break;
		case W_RUNNING_SUM:
			sum += x;
			r = sum;
			break;
		}
		prev = x;
		prev_ts = ts;
		t->v[i] = r;
	}
}

/* FILL with a value, REPEAT or LINEAR. */
static void fill_series(struct mm_ts *t, const char *how, double value, const struct mm_ts *with)
{
	t->metric = false;
	if (how && strcmp(how, "REPEAT") == 0) {
		double last = NAN;
		for (size_t i = 0; i < t->n; i++) {
			if (!isnan(t->v[i]))
				last = t->v[i];
			else
				t->v[i] = last;
		}
		/* Before the first value: the first value. */
		size_t first = 0;
		while (first < t->n && isnan(t->v[first]))
			first++;
		for (size_t i = 0; i < first && first < t->n; i++)
			t->v[i] = t->v[first];
		return;
	}
	if (how && strcmp(how, "LINEAR") == 0) {
		size_t prev = (size_t)-1;
		for (size_t i = 0; i < t->n; i++) {
			if (isnan(t->v[i]))
				continue;
			if (prev == (size_t)-1) {
				for (size_t k = 0; k < i; k++)
					t->v[k] = t->v[i];
			} else {
				for (size_t k = prev + 1; k < i; k++)
					t->v[k] = t->v[prev] + (t->v[i] - t->v[prev]) *
								       (double)(k - prev) /
								       (double)(i - prev);
			}
			prev = i;
		}
		for (size_t k = prev + 1; prev != (size_t)-1 && k < t->n; k++)
			t->v[k] = t->v[prev];
		return;
	}
	for (size_t i = 0; i < t->n; i++)
		if (isnan(t->v[i]))
			t->v[i] = with ? with->v[i] : value;
}

/* MINUTE HOUR DAY DATE MONTH YEAR EPOCH: a value from each slot's time. */
static double time_part(const char *fn, long long ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	if (strcmp(fn, "MINUTE") == 0)
		return tm.tm_min;
	if (strcmp(fn, "HOUR") == 0)
		return tm.tm_hour;
	if (strcmp(fn, "DAY") == 0)
		return tm.tm_wday == 0 ? 7 : tm.tm_wday; /* Monday 1 ... Sunday 7 */
	if (strcmp(fn, "DATE") == 0)
		return tm.tm_mday;
	if (strcmp(fn, "MONTH") == 0)
		return tm.tm_mon + 1;
	if (strcmp(fn, "YEAR") == 0)
		return tm.tm_year + 1900;
	return (double)s;
}

static bool want_array(struct ev *ev, const struct node *n, const struct mm_val *v)
{
	if (v->kind == MM_ARRAY)
		return true;
	return efail(ev, n->col, "%s needs an array of time series (at column %d)", n->text,
		     n->col);
}

static bool want_series_or_array(struct ev *ev, const struct node *n, const struct mm_val *v)
{
	if (v->kind != MM_SCALAR)
		return true;
	return efail(ev, n->col, "%s needs a time series or an array of them (at column %d)",
		     n->text, n->col);
}

static bool nargs(struct ev *ev, const struct node *n, size_t lo, size_t hi)
{
	if (n->nkids >= lo && n->nkids <= hi)
		return true;
	if (lo == hi)
		return efail(ev, n->col, "%s takes %zu argument%s, not %zu (at column %d)", n->text,
			     lo, lo == 1 ? "" : "s", n->nkids, n->col);
	return efail(ev, n->col, "%s takes %zu to %zu arguments, not %zu (at column %d)", n->text,
		     lo, hi, n->nkids, n->col);
}

/* SORT's key of a series. */
struct sort_item {
	double key;
	size_t index;
};

static int sort_asc(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;
	if (x->key != y->key) {
		if (isnan(x->key))
			return 1;
		if (isnan(y->key))
			return -1;
		return x->key < y->key ? -1 : 1;
	}
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool eval_if(struct ev *ev, const struct node *n, struct mm_val *out)
{
	struct mm_val c = { 0 }, a = { 0 }, b = { 0 };
	bool ok = false, has_b = n->nkids == 3;
	if (!nargs(ev, n, 2, 3) || !eval(ev, n->kids[0], &c) || !eval(ev, n->kids[1], &a) ||
	    (has_b && !eval(ev, n->kids[2], &b)))
		goto done;
	if (c.kind == MM_ARRAY || a.kind == MM_ARRAY || b.kind == MM_ARRAY) {
		efail(ev, n->col, "IF does not take arrays of time series (at column %d)", n->col);
		goto done;
	}
	if (c.kind == MM_SCALAR) {
		struct mm_val *pick = c.scalar != 0 ? &a : &b;
		if (pick == &b && !has_b) {
			/* An empty series on the true value's grid. */
			if (a.kind == MM_SERIES) {
				struct mm_ts t;
				ts_like(&t, &a.ts[0]);
				val_series(out, &t);
			} else {
				memset(out, 0, sizeof(*out));
				out->kind = MM_ARRAY;
			}
		} else {
			val_copy(out, pick);
		}
		ok = true;
		goto done;
	}
	const struct mm_ts *ct = &c.ts[0];
	if ((a.kind == MM_SERIES && !same_grid(ct, &a.ts[0])) ||
	    (b.kind == MM_SERIES && !same_grid(ct, &b.ts[0]))) {
		efail(ev, n->col,
		      "Time series of different periods cannot be combined (at column %d)", n->col);
		goto done;
	}
	struct mm_ts t;
	ts_like(&t, ct);
	free(t.id);
	free(t.label);
	t.id = t.label = NULL;
	for (size_t i = 0; i < t.n; i++) {
		if (isnan(ct->v[i]))
			continue;
		if (ct->v[i] != 0) {
			if (a.kind == MM_SCALAR)
				t.v[i] = a.scalar;
			else
				t.v[i] = isnan(a.ts[0].v[i]) ? 0 : a.ts[0].v[i];
		} else if (has_b) {
			t.v[i] = b.kind == MM_SCALAR ? b.scalar : b.ts[0].v[i];
		}
	}
	val_series(out, &t);
	ok = true;
done:
	mm_val_release(&c);
	mm_val_release(&a);
	mm_val_release(&b);
	return ok;
}

static bool eval_call(struct ev *ev, const struct node *n, struct mm_val *out)
{
	const char *fn = n->text;
	struct mm_val v = { 0 }, w = { 0 };
	bool ok = false;
	if (strcmp(fn, "IF") == 0)
		return eval_if(ev, n, out);
	if (strcmp(fn, "METRICS") == 0) {
		if (!nargs(ev, n, 0, 1))
			return false;
		const char *filter = NULL;
		if (n->nkids == 1) {
			if (n->kids[0]->kind != N_STR)
				return efail(ev, n->kids[0]->col,
					     "METRICS takes a string (at column %d)",
					     n->kids[0]->col);
			filter = n->kids[0]->text;
		}
		memset(out, 0, sizeof(*out));
		out->kind = MM_ARRAY;
		out->ts = xcalloc(ev->env->nmetrics ? ev->env->nmetrics : 1, sizeof(*out->ts));
		for (size_t i = 0; i < ev->env->nmetrics; i++) {
			const struct mm_ts *m = &ev->env->metrics[i];
			if (!filter || (m->id && strstr(m->id, filter)))
				mm_ts_copy(&out->ts[out->nts++], m);
		}
		return true;
	}
	if (strcmp(fn, "TIME_SERIES") == 0) {
		if (!nargs(ev, n, 1, 1) || !eval(ev, n->kids[0], &v))
			goto done;
		if (v.kind != MM_SCALAR) {
			efail(ev, n->col, "TIME_SERIES takes a scalar (at column %d)", n->col);
			goto done;
		}
		const struct mm_env *env = ev->env;
		struct mm_ts t = { 0 };
		t.start = env->start;
		t.step = env->step;
		t.n = env->n;
		t.v = xmalloc((t.n ? t.n : 1) * sizeof(double));
		for (size_t i = 0; i < t.n; i++)
			t.v[i] = isfinite(v.scalar) ? v.scalar : NAN;
		val_series(out, &t);
		ok = true;
		goto done;
	}
	static const char *const unsupported[] = {
		"ANOMALY_DETECTION_BAND", "SEARCH", "INSIGHT_RULE_METRIC",
		"SERVICE_QUOTA",          "LAMBDA", "SQRT"
	};
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (strcmp(fn, unsupported[i]) == 0)
			return efail(
				ev, n->col,
				"The function %s is not offered by the local cloud (at column %d)",
				fn, n->col);
	static const struct {
		const char *name;
		double (*f)(double);
	} maps[] = { { "ABS", fabs },
		     { "CEIL", ceil },
		     { "FLOOR", floor },
		     { "LOG", log },
		     { "LOG10", log10 } };
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (strcmp(fn, maps[i].name) != 0)
			continue;
		if (!nargs(ev, n, 1, 1) || !eval(ev, n->kids[0], out))
			return false;
		if (!want_series_or_array(ev, n, out)) {
			mm_val_release(out);
			return false;
		}
		map_values(out, maps[i].f);
		return true;
	}
	static const struct {
		const char *name;
		enum reducer r;
	} reducers[] = { { "SUM", R_SUM }, { "AVG", R_AVG },       { "MIN", R_MIN },
			 { "MAX", R_MAX }, { "STDDEV", R_STDDEV }, { "DATAPOINT_COUNT", R_COUNT } };
	for (size_t i = 0; i < sizeof(reducers) / sizeof(reducers[0]); i++) {
		if (strcmp(fn, reducers[i].name) != 0)
			continue;
		if (nargs(ev, n, 1, 1) && eval(ev, n->kids[0], &v))
			ok = eval_reduce(ev, n, reducers[i].r, &v, out);
		goto done;
	}
	static const struct {
		const char *name;
		enum walk w;
	} walks[] = { { "DIFF", W_DIFF },
		      { "DIFF_TIME", W_DIFF_TIME },
		      { "RATE", W_RATE },
		      { "RUNNING_SUM", W_RUNNING_SUM } };
	for (size_t i = 0; i < sizeof(walks) / sizeof(walks[0]); i++) {
		if (strcmp(fn, walks[i].name) != 0)
			continue;
		if (!nargs(ev, n, 1, 1) || !eval(ev, n->kids[0], out))
			return false;
		if (!want_series_or_array(ev, n, out)) {
			mm_val_release(out);
			return false;
		}
		for (size_t k = 0; k < out->nts; k++)
			walk_series(&out->ts[k], walks[i].w);
		return true;
	}
	static const char *const parts[] = { "MINUTE", "HOUR", "DAY",  "DATE",
					     "MONTH",  "YEAR", "EPOCH" };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (strcmp(fn, parts[i]) != 0)
			continue;
		if (!nargs(ev, n, 1, 1) || !eval(ev, n->kids[0], &v))
			goto done;
		if (v.kind != MM_SERIES) {
			efail(ev, n->col, "%s takes a time series (at column %d)", fn, n->col);
			goto done;
		}
		struct mm_ts t;
		ts_like(&t, &v.ts[0]);
		t.metric = false;
		for (size_t k = 0; k < t.n; k++)
			t.v[k] = time_part(fn, t.start + (long long)k * t.step);
		val_series(out, &t);
		ok = true;
		goto done;
	}
	if (strcmp(fn, "PERIOD") == 0) {
		if (!nargs(ev, n, 1, 1) || !eval(ev, n->kids[0], &v))
			goto done;
		if (v.kind != MM_SERIES || !v.ts[0].metric) {
			efail(ev, n->col, "PERIOD takes a metric (at column %d)", n->col);
			goto done;
		}
		val_scalar(out, (double)v.ts[0].step / 1000.0);
		ok = true;
		goto done;
	}
	if (strcmp(fn, "FILL") == 0) {
		if (!nargs(ev, n, 2, 2) || !eval(ev, n->kids[0], out))
			return false;
		if (!want_series_or_array(ev, n, out))
			goto fail_out;
		const struct node *how = n->kids[1];
		if (how->kind == N_WORD) {
			if (strcmp(how->text, "REPEAT") != 0 && strcmp(how->text, "LINEAR") != 0) {
				efail(ev, how->col,
				      "FILL takes a value, REPEAT or LINEAR, not %s (at column %d)",
				      how->text, how->col);
				goto fail_out;
			}
			for (size_t k = 0; k < out->nts; k++)
				fill_series(&out->ts[k], how->text, 0, NULL);
			return true;
		}
		if (!eval(ev, how, &w))
			goto fail_out;
		if (w.kind == MM_ARRAY) {
			efail(ev, how->col, "FILL cannot fill with an array (at column %d)",
			      how->col);
			goto fail_out;
		}
		for (size_t k = 0; k < out->nts; k++) {
			if (w.kind == MM_SERIES && !same_grid(&out->ts[k], &w.ts[0])) {
				efail(ev, n->col,
				      "Time series of different periods cannot be combined (at "
				      "column "
				      "%d)",
				      n->col);
				goto fail_out;
			}
			fill_series(&out->ts[k], NULL, w.scalar,
				    w.kind == MM_SERIES ? &w.ts[0] : NULL);
		}
		mm_val_release(&w);
		return true;
	fail_out:
		mm_val_release(&w);
		mm_val_release(out);
		return false;
	}
	if (strcmp(fn, "FIRST") == 0 || strcmp(fn, "LAST") == 0) {
		if (!nargs(ev, n, 1, 1) || !eval(ev, n->kids[0], &v) || !want_array(ev, n, &v))
			goto done;
		if (v.nts == 0) {
			efail(ev, n->col, "%s of an empty array (at column %d)", fn, n->col);
			goto done;
		}
		struct mm_ts t;
		mm_ts_copy(&t, &v.ts[fn[0] == 'F' ? 0 : v.nts - 1]);
		val_series(out, &t);
		ok = true;
		goto done;
	}
	if (strcmp(fn, "METRIC_COUNT") == 0) {
		if (nargs(ev, n, 1, 1) && eval(ev, n->kids[0], &v) && want_array(ev, n, &v)) {
			val_scalar(out, (double)v.nts);
			ok = true;
		}
		goto done;
	}
	if (strcmp(fn, "REMOVE_EMPTY") == 0) {
		if (!nargs(ev, n, 1, 1) || !eval(ev, n->kids[0], out))
			return false;
		if (!want_array(ev, n, out)) {
			mm_val_release(out);
			return false;
		}
		size_t k = 0;
		for (size_t i = 0; i < out->nts; i++) {
			if (reduce(R_COUNT, out->ts[i].v, out->ts[i].n, false) > 0)
				out->ts[k++] = out->ts[i];
			else
				mm_ts_release(&out->ts[i]);
		}
		out->nts = k;
		return true;
	}
	if (strcmp(fn, "SLICE") == 0) {
		struct mm_val a = { 0 }, b = { 0 };
		if (!nargs(ev, n, 2, 3) || !eval(ev, n->kids[0], &v) || !want_array(ev, n, &v) ||
		    !eval(ev, n->kids[1], &a) || (n->nkids == 3 && !eval(ev, n->kids[2], &b))) {
			mm_val_release(&a);
			goto done;
		}
		if (a.kind != MM_SCALAR || (n->nkids == 3 && b.kind != MM_SCALAR)) {
			mm_val_release(&a);
			mm_val_release(&b);
			efail(ev, n->col,
			      "SLICE takes an array and one or two numbers (at column %d)", n->col);
			goto done;
		}
		double lo = a.scalar, hi = n->nkids == 3 ? b.scalar : (double)v.nts;
		mm_val_release(&a);
		mm_val_release(&b);
		memset(out, 0, sizeof(*out));
		out->kind = MM_ARRAY;
		out->ts = xcalloc(v.nts ? v.nts : 1, sizeof(*out->ts));
		for (size_t i = 0; i < v.nts; i++)
			if ((double)i >= lo && (double)i < hi)
				mm_ts_copy(&out->ts[out->nts++], &v.ts[i]);
		ok = true;
		goto done;
	}
	if (strcmp(fn, "SORT") == 0) {
		struct mm_val lim = { 0 };
		if (!nargs(ev, n, 3, 4) || !eval(ev, n->kids[0], &v) || !want_array(ev, n, &v))
			goto done;
		const struct node *f = n->kids[1], *order = n->kids[2];
		static const struct {
			const char *name;
			enum reducer r;
		} keys[] = {
			{ "AVG", R_AVG }, { "MIN", R_MIN }, { "MAX", R_MAX }, { "SUM", R_SUM }
		};
		size_t ki = 0;
		for (; f->kind == N_WORD && ki < sizeof(keys) / sizeof(keys[0]); ki++)
			if (strcmp(f->text, keys[ki].name) == 0)
				break;
		if (f->kind != N_WORD || ki == sizeof(keys) / sizeof(keys[0])) {
			efail(ev, f->col, "SORT orders by AVG, MIN, MAX or SUM (at column %d)",
			      f->col);
			goto done;
		}
		if (order->kind != N_WORD ||
		    (strcmp(order->text, "ASC") != 0 && strcmp(order->text, "DESC") != 0)) {
			efail(ev, order->col, "SORT's order is ASC or DESC (at column %d)",
			      order->col);
			goto done;
		}
		size_t limit = v.nts;
		if (n->nkids == 4) {
			if (!eval(ev, n->kids[3], &lim))
				goto done;
			if (lim.kind != MM_SCALAR || lim.scalar < 0) {
				mm_val_release(&lim);
				efail(ev, n->kids[3]->col,
				      "SORT's limit is a number (at column %d)", n->kids[3]->col);
				goto done;
			}
			if (lim.scalar < (double)limit)
				limit = (size_t)lim.scalar;
			mm_val_release(&lim);
		}
		struct sort_item *items = xcalloc(v.nts ? v.nts : 1, sizeof(*items));
		bool desc = strcmp(order->text, "DESC") == 0;
		for (size_t i = 0; i < v.nts; i++) {
			double key = reduce(keys[ki].r, v.ts[i].v, v.ts[i].n, false);
			items[i].key = desc && !isnan(key) ? -key : key;
			items[i].index = i;
		}
		qsort(items, v.nts, sizeof(*items), sort_asc);
		memset(out, 0, sizeof(*out));
		out->kind = MM_ARRAY;
		out->ts = xcalloc(v.nts ? v.nts : 1, sizeof(*out->ts));
		for (size_t i = 0; i < limit; i++)
			mm_ts_copy(&out->ts[out->nts++], &v.ts[items[i].index]);
		free(items);
		ok = true;
		goto done;
	}
	return efail(ev, n->col, "Unknown function %s (at column %d)", fn, n->col);
done:
	mm_val_release(&v);
	mm_val_release(&w);
	return ok;
}

static bool eval(struct ev *ev, const struct node *n, struct mm_val *out)
{
	memset(out, 0, sizeof(*out));
	if (++ev->depth > DEPTH_MAX)
		return efail(ev, n->col, "The expression is nested too deeply (at column %d)",
			     n->col);
	bool ok = false;
	switch (n->kind) {
	case N_NUM:
		val_scalar(out, n->num);
		ok = true;
		break;
	case N_STR:
		ok = efail(ev, n->col, "A string is only an argument of METRICS (at column %d)",
			   n->col);
		break;
	case N_WORD:
		ok = efail(ev, n->col, "Unknown identifier %s (at column %d)", n->text, n->col);
		break;
	case N_ID:
		ok = ev->env->lookup && ev->env->lookup(ev->env->ctx, n->text, out);
		if (!ok)
			efail(ev, n->col, "Unknown metric or expression id %s (at column %d)",
			      n->text, n->col);
		break;
	case N_NEG:
	case N_NOT:
		ok = eval(ev, n->kids[0], out);
		if (ok)
			map_values(out, n->kind == N_NEG ? f_neg : f_not);
		break;
	case N_BIN:
		ok = eval_binary(ev, n, out);
		break;
	case N_CALL:
		ok = eval_call(ev, n, out);
		break;
	case N_LIST: {
		out->kind = MM_ARRAY;
		for (size_t i = 0; i < n->nkids && (ok = true); i++) {
			struct mm_val v;
			if (!eval(ev, n->kids[i], &v)) {
				ok = false;
				break;
			}
			if (v.kind == MM_SCALAR) {
				mm_val_release(&v);
				ok = efail(ev, n->kids[i]->col,
					   "An array holds time series, not numbers (at column %d)",
					   n->kids[i]->col);
				break;
			}
			out->ts = xreallocarray(out->ts, out->nts + v.nts, sizeof(*out->ts));
			memcpy(out->ts + out->nts, v.ts, v.nts * sizeof(*v.ts));
			out->nts += v.nts;
			free(v.ts);
		}
		if (n->nkids == 0)
			ok = true;
		if (!ok)
			mm_val_release(out);
		break;
	}
	}
	ev->depth--;
	return ok;
}

bool mm_eval(const struct mm_expr *x, const struct mm_env *env, struct mm_val *out,
	     struct mm_err *e)
{
	memset(e, 0, sizeof(*e));
	struct ev ev = { .env = env, .e = e };
	return eval(&ev, x->root, out);
}
