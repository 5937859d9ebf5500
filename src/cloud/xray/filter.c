/*
 * X-Ray filter expressions: a recursive-descent parser to a tree, and its evaluation over a
 * trace's segment documents.
 */
#include "cloud/xray/filter.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"

#define MAX_DEPTH 64

enum kind {
	F_AND,
	F_OR,
	F_NOT,
	F_FLAG,    /* ok, error, fault, throttle, partial */
	F_NUM,     /* responsetime, duration, http.status */
	F_STR,     /* http.*, user */
	F_ANNOT,   /* annotation.KEY [op value] */
	F_SERVICE, /* service(...) / id(...) [{ child }] */
	F_EDGE,
};

enum op {
	OP_NONE,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_CONTAINS,
	OP_BEGINS,
	OP_ENDS
};

enum vtype {
	V_NONE,
	V_NUM,
	V_STR,
	V_BOOL
};

struct node {
	enum kind kind;
	struct node *a, *b; /* operands; F_SERVICE's a is its { filter } */
	char *key;  /* the keyword, the annotation's key, the service's name, edge's source */
	char *key2; /* the service's type, edge's destination */
	enum op op;
	enum vtype vt;
	double num;
	char *str;
	bool flag;
};

struct xray_filter {
	struct node *root;
};

struct parser {
	const char *s;
	size_t pos;
	int depth;
	char *why;
	size_t n;
	bool failed;
};

static void node_free(struct node *x)
{
	if (!x)
		return;
	node_free(x->a);
	node_free(x->b);
	free(x->key);
	free(x->key2);
	free(x->str);
	free(x);
}

static struct node *fail(struct parser *p, const char *fmt, ...) XALLOC_PRINTF(2, 3);

/* Keep the first error, with its column. Returns NULL. */
static struct node *fail(struct parser *p, const char *fmt, ...)
{
	if (!p->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->why, p->n, fmt, ap);
		va_end(ap);
		size_t len = strlen(p->why);
		snprintf(p->why + len, p->n - len, " at column %zu", p->pos + 1);
	}
	p->failed = true;
	return NULL;
}

static void skip(struct parser *p)
{
	while (isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

/* The next word (letters, digits, _ . - :) without consuming it; its length. */
static size_t peek_word(struct parser *p)
{
	skip(p);
	size_t n = 0;
	while (word_char(p->s[p->pos + n]))
		n++;
	return n;
}

static bool take_word(struct parser *p, const char *w)
{
	size_t n = peek_word(p);
	if (n == strlen(w) && strncasecmp(p->s + p->pos, w, n) == 0) {
		p->pos += n;
		return true;
	}
	return false;
}

static bool take(struct parser *p, const char *sym)
{
	skip(p);
	size_t n = strlen(sym);
	if (strncmp(p->s + p->pos, sym, n) == 0) {
		p->pos += n;
		return true;
	}
	return false;
}

/* A double-quoted string with \" and \\ escapes. Caller frees. */
static char *quoted(struct parser *p)
{
	skip(p);
	if (p->s[p->pos] != '"')
		return NULL;
	size_t i = p->pos + 1;
	char *out = xmalloc(strlen(p->s + i) + 1);
	size_t k = 0;
	while (p->s[i] && p->s[i] != '"') {
		if (p->s[i] == '\\' && (p->s[i + 1] == '"' || p->s[i + 1] == '\\'))
			i++;
		out[k++] = p->s[i++];
	}
	if (p->s[i] != '"') {
		free(out);
		fail(p, "a string is not closed");
		return NULL;
	}
	out[k] = '\0';
	p->pos = i + 1;
	return out;
}

static enum op take_op(struct parser *p)
{
	static const struct {
		const char *sym;
		enum op op;
	} syms[] = { { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
		     { "=", OP_EQ },  { "<", OP_LT },  { ">", OP_GT } };
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if (take(p, syms[i].sym))
			return syms[i].op;
	}
	if (take_word(p, "CONTAINS"))
		return OP_CONTAINS;
	if (take_word(p, "BEGINSWITH"))
		return OP_BEGINS;
	if (take_word(p, "ENDSWITH"))
		return OP_ENDS;
	return OP_NONE;
}

/* A value: a string, a number or true/false. */
static bool take_value(struct parser *p, struct node *x)
{
	skip(p);
	if (p->s[p->pos] == '"') {
		x->str = quoted(p);
		x->vt = V_STR;
		return x->str != NULL;
	}
	bool t = take_word(p, "true");
	if (t || take_word(p, "false")) {
		x->vt = V_BOOL;
		x->flag = t;
		return true;
	}
	const char *start = p->s + p->pos;
	char *end = NULL;
	double v = strtod(start, &end);
	if (end == start || !isfinite(v) || isalpha((unsigned char)*start) ||
	    word_char(*end) == true)
		return fail(p, "a value (a number, a quoted string, true or false) is expected") !=
		       NULL;
	x->vt = V_NUM;
	x->num = v;
	p->pos += (size_t)(end - start);
	return true;
}

static struct node *expr(struct parser *p);

static struct node *new_node(enum kind k)
{
	struct node *x = xcalloc(1, sizeof(*x));
	x->kind = k;
	return x;
}

static const char *const flags[] = { "ok", "error", "fault", "throttle", "partial", NULL };
static const char *const numbers[] = { "responsetime", "duration", "http.status", NULL };
static const char *const strings[] = { "http.url",      "http.method", "http.useragent",
				       "http.clientip", "user",        NULL };

static bool in(const char *const *list, const char *w, size_t n)
{
	for (size_t i = 0; list[i]; i++) {
		if (strlen(list[i]) == n && strncasecmp(list[i], w, n) == 0)
			return true;
	}
	return false;
}

/* service("name") / service() / id(name: "n", type: "t"), then an optional { filter }. */
static struct node *service(struct parser *p, bool is_id)
{
	struct node *x = new_node(F_SERVICE);
	if (!take(p, "("))
		return node_free(x), fail(p, "'(' is expected");
	if (is_id) {
		do {
			bool name = take_word(p, "name"), type = !name && take_word(p, "type");
			if (!name && !type)
				return node_free(x), fail(p, "id() takes name: and type:");
			if (!take(p, ":"))
				return node_free(x), fail(p, "':' is expected");
			char *v = quoted(p);
			if (!v)
				return node_free(x), fail(p, "a quoted string is expected");
			char **slot = name ? &x->key : &x->key2;
			free(*slot);
			*slot = v;
		} while (take(p, ","));
	} else {
		skip(p);
		if (p->s[p->pos] == '"' && !(x->key = quoted(p)))
			return node_free(x), fail(p, "a quoted string is expected");
	}
	if (!take(p, ")"))
		return node_free(x), fail(p, "')' is expected");
	if (take(p, "{")) {
		x->a = expr(p);
		if (!x->a)
			return node_free(x), NULL;
		if (!take(p, "}"))
			return node_free(x), fail(p, "'}' is expected");
	}
	return x;
}

static struct node *edge(struct parser *p)
{
	struct node *x = new_node(F_EDGE);
	if (!take(p, "(") || !(x->key = quoted(p)) || !take(p, ",") || !(x->key2 = quoted(p)) ||
	    !take(p, ")"))
		return node_free(x), fail(p, "edge takes two quoted service names");
	return x;
}

static struct node *annotation(struct parser *p)
{
	struct node *x = new_node(F_ANNOT);
	if (take(p, "[")) {
		size_t n = peek_word(p);
		if (n == 0)
			return node_free(x), fail(p, "an annotation key is expected");
		x->key = xstrndup(p->s + p->pos, n);
		p->pos += n;
		if (!take(p, "]"))
			return node_free(x), fail(p, "']' is expected");
	} else if (p->s[p->pos] == '.') {
		p->pos++;
		size_t n = 0;
		while (isalnum((unsigned char)p->s[p->pos + n]) || p->s[p->pos + n] == '_')
			n++;
		if (n == 0)
			return node_free(x), fail(p, "an annotation key is expected");
		x->key = xstrndup(p->s + p->pos, n);
		p->pos += n;
	} else {
		return node_free(x), fail(p, "annotation.KEY or annotation[KEY] is expected");
	}
	size_t before = p->pos;
	x->op = take_op(p);
	if (x->op == OP_NONE) {
		p->pos = before;
		return x;
	}
	if (!take_value(p, x))
		return node_free(x), NULL;
	if (x->vt != V_STR && x->op >= OP_CONTAINS)
		return node_free(x),
		       fail(p, "%s compares strings only", "CONTAINS/BEGINSWITH/ENDSWITH");
	if (x->vt == V_BOOL && x->op != OP_EQ && x->op != OP_NE)
		return node_free(x), fail(p, "true and false compare with = and != only");
	return x;
}

static struct node *primary(struct parser *p)
{
	skip(p);
	if (take(p, "(")) {
		struct node *x = expr(p);
		if (x && !take(p, ")"))
			return node_free(x), fail(p, "')' is expected");
		return x;
	}
	size_t n = 0;
	while (isalnum((unsigned char)p->s[p->pos + n]) || p->s[p->pos + n] == '_' ||
	       (p->s[p->pos + n] == '.' && n && strncasecmp(p->s + p->pos, "annotation", n)))
		n++;
	const char *w = p->s + p->pos;
	if (n == 0)
		return p->s[p->pos] ? fail(p, "a keyword is expected")
				    : fail(p, "the expression ends early");
	char word[32];
	snprintf(word, sizeof(word), "%.*s", (int)(n < 31 ? n : 31), w);
	p->pos += n;
	if (strcasecmp(word, "service") == 0)
		return service(p, false);
	if (strcasecmp(word, "id") == 0)
		return service(p, true);
	if (strcasecmp(word, "edge") == 0)
		return edge(p);
	if (strcasecmp(word, "annotation") == 0)
		return annotation(p);
	enum kind k = in(flags, w, n)     ? F_FLAG
		      : in(numbers, w, n) ? F_NUM
		      : in(strings, w, n) ? F_STR
					  : F_AND;
	if (k == F_AND) {
		p->pos -= n;
		return fail(p, "unknown keyword '%s'", word);
	}
	struct node *x = new_node(k);
	x->key = xstrndup(w, n);
	for (char *c = x->key; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	size_t before = p->pos;
	x->op = take_op(p);
	if (k == F_FLAG) {
		if (x->op == OP_NONE) {
			p->pos = before;
			return x;
		}
		if (x->op != OP_EQ && x->op != OP_NE)
			return node_free(x), fail(p, "'%s' compares with = and != only", word);
		if (!take_value(p, x) || x->vt != V_BOOL)
			return node_free(x), fail(p, "'%s' compares with true or false", word);
		return x;
	}
	if (x->op == OP_NONE)
		return node_free(x), fail(p, "'%s' needs an operator and a value", word);
	if (!take_value(p, x))
		return node_free(x), NULL;
	if (k == F_NUM && (x->vt != V_NUM || x->op >= OP_CONTAINS))
		return node_free(x), fail(p, "'%s' compares with a number", word);
	if (k == F_STR &&
	    (x->vt != V_STR || (x->op != OP_EQ && x->op != OP_NE && x->op < OP_CONTAINS)))
		return node_free(x),
		       fail(p,
			    "'%s' compares with a string (=, !=, CONTAINS, BEGINSWITH, ENDSWITH)",
			    word);
	return x;
}

static struct node *unary(struct parser *p)
{
	if (++p->depth > MAX_DEPTH)
		return fail(p, "the expression nests too deeply");
	struct node *x;
	skip(p);
	if (p->s[p->pos] == '!' && p->s[p->pos + 1] != '=') {
		p->pos++;
		struct node *a = unary(p);
		x = NULL;
		if (a) {
			x = new_node(F_NOT);
			x->a = a;
		}
	} else {
		x = primary(p);
	}
	p->depth--;
	return x;
}

static struct node *binary(struct parser *p, bool is_or)
{
	struct node *x = is_or ? binary(p, false) : unary(p);
	while (x) {
		bool more = is_or ? take(p, "||") || take_word(p, "OR")
				  : take(p, "&&") || take_word(p, "AND");
		if (!more)
			break;
		struct node *b = is_or ? binary(p, false) : unary(p);
		if (!b)
			return node_free(x), NULL;
		struct node *y = new_node(is_or ? F_OR : F_AND);
		y->a = x;
		y->b = b;
		x = y;
	}
	return x;
}

static struct node *expr(struct parser *p)
{
	if (++p->depth > MAX_DEPTH)
		return fail(p, "the expression nests too deeply");
	struct node *x = binary(p, true);
	p->depth--;
	return x;
}

struct xray_filter *xray_filter_parse(const char *text, char *why, size_t n)
{
	struct parser p = { .s = text, .why = why, .n = n };
	why[0] = '\0';
	struct node *root = expr(&p);
	skip(&p);
	if (root && p.s[p.pos]) {
		node_free(root);
		root = fail(&p, "unexpected '%.20s'", p.s + p.pos);
	}
	if (!root)
		return NULL;
	struct xray_filter *f = xmalloc(sizeof(*f));
	f->root = root;
	return f;
}

void xray_filter_free(struct xray_filter *f)
{
	if (!f)
		return;
	node_free(f->root);
	free(f);
}

/* Evaluation. A scope is the segments considered and the one whose http and times count. */
struct scope {
	cJSON *const *segs;
	size_t n;
	const cJSON *entry;
	double duration;
};

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Whether a segment or any of its subsegments has the flag. */
static bool has_flag(const cJSON *seg, const char *flag, int depth)
{
	if (cJSON_IsTrue(get(seg, flag)))
		return true;
	if (depth > MAX_DEPTH)
		return false;
	const cJSON *sub;
	cJSON_ArrayForEach(sub, get(seg, "subsegments"))
	{
		if (has_flag(sub, flag, depth + 1))
			return true;
	}
	return false;
}

static bool cmp_num(double have, enum op op, double want)
{
	if (isnan(have))
		return false;
	switch (op) {
	case OP_EQ:
		return have == want;
	case OP_NE:
		return have != want;
	case OP_LT:
		return have < want;
	case OP_LE:
		return have <= want;
	case OP_GT:
		return have > want;
	case OP_GE:
		return have >= want;
	default:
		return false;
	}
}

static bool cmp_str(const char *have, enum op op, const char *want)
{
	if (!have)
		return false;
	size_t h = strlen(have), w = strlen(want);
	switch (op) {
	case OP_EQ:
		return strcmp(have, want) == 0;
	case OP_NE:
		return strcmp(have, want) != 0;
	case OP_CONTAINS:
		return strstr(have, want) != NULL;
	case OP_BEGINS:
		return strncmp(have, want, w) == 0;
	case OP_ENDS:
		return h >= w && strcmp(have + h - w, want) == 0;
	default:
		return false;
	}
}

static bool annot_in(const cJSON *seg, const struct node *x, int depth)
{
	const cJSON *v = get(get(seg, "annotations"), x->key);
	if (v) {
		if (x->op == OP_NONE)
			return true;
		if (x->vt == V_NUM && cJSON_IsNumber(v) && cmp_num(v->valuedouble, x->op, x->num))
			return true;
		if (x->vt == V_STR && cJSON_IsString(v) && cmp_str(v->valuestring, x->op, x->str))
			return true;
		if (x->vt == V_BOOL && cJSON_IsBool(v) &&
		    (cJSON_IsTrue(v) == x->flag) == (x->op == OP_EQ))
			return true;
	}
	if (depth > MAX_DEPTH)
		return false;
	const cJSON *sub;
	cJSON_ArrayForEach(sub, get(seg, "subsegments"))
	{
		if (annot_in(sub, x, depth + 1))
			return true;
	}
	return false;
}

static const char *http_field(const cJSON *entry, const char *key)
{
	const cJSON *http = get(entry, "http");
	const cJSON *req = get(http, "request");
	const char *name = strcmp(key, "http.url") == 0         ? "url"
			   : strcmp(key, "http.method") == 0    ? "method"
			   : strcmp(key, "http.useragent") == 0 ? "user_agent"
								: "client_ip";
	if (strcmp(key, "user") == 0)
		return cJSON_GetStringValue(get(entry, "user"));
	return cJSON_GetStringValue(get(req, name));
}

static bool service_matches(const cJSON *seg, const struct node *x)
{
	const char *name = cJSON_GetStringValue(get(seg, "name"));
	const char *origin = cJSON_GetStringValue(get(seg, "origin"));
	if (x->key && (!name || strcmp(name, x->key) != 0))
		return false;
	if (x->key2 && (!origin || strcmp(origin, x->key2) != 0))
		return false;
	return true;
}

static bool eval(const struct node *x, const struct scope *sc);

static bool eval_service(const struct node *x, const struct scope *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		if (!service_matches(sc->segs[i], x))
			continue;
		if (!x->a)
			return true;
		struct scope one = { &sc->segs[i], 1, sc->segs[i], sc->duration };
		if (eval(x->a, &one))
			return true;
	}
	return false;
}

/* Whether a segment named b has a parent among a's segment or subsegment ids. */
static bool id_under(const cJSON *seg, const char *id, int depth)
{
	const char *own = cJSON_GetStringValue(get(seg, "id"));
	if (own && strcmp(own, id) == 0)
		return true;
	if (depth > MAX_DEPTH)
		return false;
	const cJSON *sub;
	cJSON_ArrayForEach(sub, get(seg, "subsegments"))
	{
		if (id_under(sub, id, depth + 1))
			return true;
	}
	return false;
}

static bool eval_edge(const struct node *x, const struct scope *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		const char *name = cJSON_GetStringValue(get(sc->segs[i], "name"));
		const char *parent = cJSON_GetStringValue(get(sc->segs[i], "parent_id"));
		if (!name || !parent || strcmp(name, x->key2) != 0)
			continue;
		for (size_t j = 0; j < sc->n; j++) {
			const char *src = cJSON_GetStringValue(get(sc->segs[j], "name"));
			if (j != i && src && strcmp(src, x->key) == 0 &&
			    id_under(sc->segs[j], parent, 0))
				return true;
		}
	}
	return false;
}

static bool any_flag(const struct scope *sc, const char *flag)
{
	for (size_t i = 0; i < sc->n; i++) {
		if (has_flag(sc->segs[i], flag, 0))
			return true;
	}
	return false;
}

static bool eval(const struct node *x, const struct scope *sc)
{
	switch (x->kind) {
	case F_AND:
		return eval(x->a, sc) && eval(x->b, sc);
	case F_OR:
		return eval(x->a, sc) || eval(x->b, sc);
	case F_NOT:
		return !eval(x->a, sc);
	case F_FLAG: {
		bool v;
		if (strcmp(x->key, "ok") == 0)
			v = !any_flag(sc, "error") && !any_flag(sc, "fault") &&
			    !any_flag(sc, "throttle");
		else if (strcmp(x->key, "partial") == 0)
			v = false; /* a stored trace is whole */
		else
			v = any_flag(sc, x->key);
		return x->op == OP_NONE ? v : (v == x->flag) == (x->op == OP_EQ);
	}
	case F_NUM: {
		double have;
		if (strcmp(x->key, "duration") == 0)
			have = sc->duration;
		else if (strcmp(x->key, "responsetime") == 0)
			have = num(sc->entry, "end_time") - num(sc->entry, "start_time");
		else
			have = num(get(get(sc->entry, "http"), "response"), "status");
		return cmp_num(have, x->op, x->num);
	}
	case F_STR:
		return cmp_str(http_field(sc->entry, x->key), x->op, x->str);
	case F_ANNOT:
		for (size_t i = 0; i < sc->n; i++) {
			if (annot_in(sc->segs[i], x, 0))
				return true;
		}
		return false;
	case F_SERVICE:
		return eval_service(x, sc);
	case F_EDGE:
		return eval_edge(x, sc);
	}
	return false;
}

bool xray_filter_match(const struct xray_filter *f, cJSON *const *segs, size_t n)
{
	struct scope sc = { segs, n, NULL, NAN };
	double first = INFINITY, last = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		double s = num(segs[i], "start_time"), e = num(segs[i], "end_time");
		if (!isnan(s) && s < first)
			first = s;
		if (!isnan(e) && e > last)
			last = e;
		if (!sc.entry && !get(segs[i], "parent_id"))
			sc.entry = segs[i];
	}
	if (!sc.entry && n)
		sc.entry = segs[0];
	if (last >= first)
		sc.duration = last - first;
	return eval(f->root, &sc);
}
