/*
 * A recursive-descent evaluator for the ${...} expressions of exercise checks. It evaluates
 * as it parses: expressions are a line long, so there is no tree to keep.
 */
#include "course/exercise_expr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

struct parser {
	const char *s;
	size_t pos;
	expr_resolve_fn resolve;
	void *ctx;
	struct error *err;
	bool failed;
};

void expr_value_release(struct expr_value *v)
{
	if (!v)
		return;
	free(v->str);
	v->str = NULL;
}

char *expr_value_text(const struct expr_value *v)
{
	if (!v->is_num)
		return xstrdup(v->str ? v->str : "");
	if (v->num == floor(v->num) && fabs(v->num) < 1e15)
		return xasprintf("%.0f", v->num);
	return xasprintf("%.15g", v->num);
}

/* Report "problem in 'what'" once: the first problem is the one to fix. */
static bool fail(struct parser *p, const char *problem, const char *what)
{
	if (!p->failed)
		error_set(p->err, "%s '%s'", problem, what);
	p->failed = true;
	return false;
}

static void skip_space(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
		p->pos++;
}

static bool parse_expr(struct parser *p, struct expr_value *out);

static bool parse_number(struct parser *p, struct expr_value *out)
{
	char *end;
	double v = strtod(p->s + p->pos, &end);
	if (end == p->s + p->pos)
		return fail(p, "expected a number at", p->s + p->pos);
	p->pos = (size_t)(end - p->s);
	out->is_num = true;
	out->num = v;
	return true;
}

static bool parse_string(struct parser *p, struct expr_value *out)
{
	size_t start = ++p->pos;
	while (p->s[p->pos] && p->s[p->pos] != '\'')
		p->pos++;
	if (!p->s[p->pos])
		return fail(p, "unclosed quote in", p->s);
	out->is_num = false;
	out->str = xstrndup(p->s + start, p->pos - start);
	p->pos++;
	return true;
}

static bool is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

static bool parse_ref(struct parser *p, struct expr_value *out)
{
	size_t start = p->pos;
	for (;;) {
		while (is_name_char((unsigned char)p->s[p->pos]))
			p->pos++;
		if (p->s[p->pos] == '.' && is_name_char((unsigned char)p->s[p->pos + 1])) {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == '[') {
			size_t q = p->pos + 1;
			while (isdigit((unsigned char)p->s[q]))
				q++;
			if (q == p->pos + 1 || p->s[q] != ']')
				return fail(p, "expected an index like [0] in", p->s);
			p->pos = q + 1;
			continue;
		}
		break;
	}
	char *ref = xstrndup(p->s + start, p->pos - start);
	bool ok = p->resolve(p->ctx, ref, out, p->err);
	free(ref);
	if (!ok)
		p->failed = true;
	return ok;
}

static bool parse_primary(struct parser *p, struct expr_value *out)
{
	skip_space(p);
	char c = p->s[p->pos];
	if (c == '(') {
		p->pos++;
		if (!parse_expr(p, out))
			return false;
		skip_space(p);
		if (p->s[p->pos] != ')') {
			expr_value_release(out);
			return fail(p, "expected ')' in", p->s);
		}
		p->pos++;
		return true;
	}
	if (isdigit((unsigned char)c) || c == '.')
		return parse_number(p, out);
	if (c == '\'')
		return parse_string(p, out);
	if (isalpha((unsigned char)c) || c == '_')
		return parse_ref(p, out);
	if (!c)
		return fail(p, "unfinished expression", p->s);
	return fail(p, "unexpected character in", p->s);
}

static bool parse_unary(struct parser *p, struct expr_value *out)
{
	skip_space(p);
	if (p->s[p->pos] == '-') {
		p->pos++;
		if (!parse_unary(p, out))
			return false;
		if (!out->is_num) {
			expr_value_release(out);
			return fail(p, "cannot negate text in", p->s);
		}
		out->num = -out->num;
		return true;
	}
	return parse_primary(p, out);
}

/* Apply op to a and b, leaving the result in a; b is released. */
static bool apply(struct parser *p, char op, struct expr_value *a, struct expr_value *b)
{
	if (op == '+' && (!a->is_num || !b->is_num)) {
		char *x = expr_value_text(a), *y = expr_value_text(b);
		expr_value_release(a);
		expr_value_release(b);
		a->is_num = false;
		a->str = xasprintf("%s%s", x, y);
		free(x);
		free(y);
		return true;
	}
	if (!a->is_num || !b->is_num) {
		expr_value_release(a);
		expr_value_release(b);
		return fail(p, "arithmetic on text in", p->s);
	}
	switch (op) {
	case '+':
		a->num += b->num;
		break;
	case '-':
		a->num -= b->num;
		break;
	case '*':
		a->num *= b->num;
		break;
	case '/':
	case '%':
		if (b->num == 0)
			return fail(p, "division by zero in", p->s);
		a->num = op == '/' ? a->num / b->num : fmod(a->num, b->num);
		break;
	default:
		abort();
	}
	return true;
}

static bool parse_binary(struct parser *p, struct expr_value *out, const char *ops,
			 bool (*next)(struct parser *, struct expr_value *))
{
	if (!next(p, out))
		return false;
	for (;;) {
		skip_space(p);
		char op = p->s[p->pos];
		if (!op || !strchr(ops, op))
			return true;
		p->pos++;
		struct expr_value rhs = { 0 };
		if (!next(p, &rhs)) {
			expr_value_release(out);
			return false;
		}
		if (!apply(p, op, out, &rhs))
			return false;
	}
}

static bool parse_term(struct parser *p, struct expr_value *out)
{
	return parse_binary(p, out, "*/%", parse_unary);
}

static bool parse_expr(struct parser *p, struct expr_value *out)
{
	return parse_binary(p, out, "+-", parse_term);
}

bool expr_eval(const char *text, expr_resolve_fn resolve, void *ctx, struct expr_value *out,
	       struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (strlen(text) > EXPR_MAX_LEN)
		return error_set(err, "expression longer than %d bytes", EXPR_MAX_LEN);
	struct parser p = { text, 0, resolve, ctx, err, false };
	if (!parse_expr(&p, out))
		return false;
	skip_space(&p);
	if (p.s[p.pos]) {
		expr_value_release(out);
		return fail(&p, "unexpected text after the expression in", text);
	}
	return true;
}

bool expr_has_template(const char *s)
{
	return s && strstr(s, "${") != NULL;
}

bool expr_whole(const char *s, char *out, size_t size)
{
	while (*s == ' ')
		s++;
	if (strncmp(s, "${", 2) != 0)
		return false;
	const char *close = strchr(s + 2, '}');
	if (!close)
		return false;
	for (const char *t = close + 1; *t; t++)
		if (*t != ' ')
			return false;
	size_t n = (size_t)(close - (s + 2));
	if (n + 1 > size)
		return false;
	memcpy(out, s + 2, n);
	out[n] = '\0';
	return true;
}

char *expr_expand(const char *s, expr_resolve_fn resolve, void *ctx, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	while (*s) {
		if (s[0] == '$' && s[1] == '$' && s[2] == '{') {
			strbuf_addstr(&sb, "${");
			s += 3;
			continue;
		}
		if (s[0] != '$' || s[1] != '{') {
			strbuf_addch(&sb, *s++);
			continue;
		}
		const char *close = strchr(s + 2, '}');
		if (!close) {
			error_set(err, "unclosed '${' in '%s'", s);
			strbuf_release(&sb);
			return NULL;
		}
		char *text = xstrndup(s + 2, (size_t)(close - s - 2));
		struct expr_value v;
		bool ok = expr_eval(text, resolve, ctx, &v, err);
		free(text);
		if (!ok) {
			strbuf_release(&sb);
			return NULL;
		}
		char *t = expr_value_text(&v);
		strbuf_addstr(&sb, t);
		free(t);
		expr_value_release(&v);
		s = close + 1;
	}
	return strbuf_detach(&sb);
}
