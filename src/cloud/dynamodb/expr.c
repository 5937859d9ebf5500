/*
 * DynamoDB's expressions: a lexer, a recursive-descent parser per expression type, the checks
 * DynamoDB makes once an expression parses (reserved words, names and values defined, function
 * names, operand counts and the types of literal operands, overlapping update paths), and the
 * evaluation of conditions, projections and updates against items.
 *
 * The checks run in DynamoDB's order: the syntax first (the first token the grammar cannot
 * take, "near" the tokens around it), then reserved words, then names and values, then
 * functions and operand types. One file, because the grammar, the checks and the evaluation
 * share the node types; it is split into those three parts in that order.
 */
#include "cloud/dynamodb/expr.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/svc/svc.h"

/* ------------------------------------------------------------------------------------------ */
/* Substitutions */

static bool valid_placeholder(const char *key, char sigil)
{
	if (key[0] != sigil || !key[1])
		return false;
	for (const char *p = key + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

bool ddb_subst_init(struct ddb_subst *s, const cJSON *names, const cJSON *values,
		    struct aws_err *err)
{
	memset(s, 0, sizeof(*s));
	s->names = names;
	if (names) {
		if (!cJSON_IsObject(names))
			return ddb_error(err, "SerializationException",
					 "Unexpected value type in payload");
		if (!names->child)
			return ddb_invalid(err, "ExpressionAttributeNames must not be empty");
		for (const cJSON *n = names->child; n; n = n->next) {
			if (!valid_placeholder(n->string, '#'))
				return ddb_invalid(err,
						   "ExpressionAttributeNames contains invalid key: "
						   "Syntax error; key: \"%s\"",
						   n->string);
			if (!cJSON_IsString(n) || !n->valuestring[0])
				return ddb_invalid(
					err,
					"ExpressionAttributeNames contains invalid value: "
					"Empty attribute name for key %s",
					n->string);
		}
	}
	if (values) {
		if (!cJSON_IsObject(values))
			return ddb_error(err, "SerializationException",
					 "Unexpected value type in payload");
		if (!values->child)
			return ddb_invalid(err, "ExpressionAttributeValues must not be empty");
		s->values = cJSON_CreateObject();
		for (const cJSON *v = values->child; v; v = v->next) {
			if (!valid_placeholder(v->string, ':'))
				return ddb_invalid(
					err,
					"ExpressionAttributeValues contains invalid key: "
					"Syntax error; key: \"%s\"",
					v->string);
			struct aws_err inner;
			cJSON *clean = ddb_av_clean(v, &inner);
			if (!clean)
				return ddb_invalid(
					err,
					"ExpressionAttributeValues contains invalid value: "
					"%s for key %s",
					inner.message, v->string);
			cJSON_AddItemToObject(s->values, v->string, clean);
		}
	}
	return true;
}

void ddb_subst_release(struct ddb_subst *s)
{
	cJSON_Delete(s->values);
	for (size_t i = 0; i < s->nused; i++)
		free(s->used[i]);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

static void subst_use(struct ddb_subst *s, const char *key)
{
	for (size_t i = 0; i < s->nused; i++)
		if (strcmp(s->used[i], key) == 0)
			return;
	s->used = xreallocarray(s->used, s->nused + 1, sizeof(*s->used));
	s->used[s->nused++] = xstrdup(key);
}

static bool subst_used(const struct ddb_subst *s, const char *key)
{
	for (size_t i = 0; i < s->nused; i++)
		if (strcmp(s->used[i], key) == 0)
			return true;
	return false;
}

static bool check_unused_in(const struct ddb_subst *s, const cJSON *map, const char *what,
			    struct aws_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	for (const cJSON *m = map ? map->child : NULL; m; m = m->next)
		if (!subst_used(s, m->string))
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", m->string);
	bool ok = sb.len == 0;
	if (!ok)
		ddb_invalid(err, "Value provided in %s unused in expressions: keys: {%s}", what,
			    sb.buf);
	strbuf_release(&sb);
	return ok;
}

bool ddb_subst_check_unused(const struct ddb_subst *s, struct aws_err *err)
{
	return check_unused_in(s, s->names, "ExpressionAttributeNames", err) &&
	       check_unused_in(s, s->values, "ExpressionAttributeValues", err);
}

/* ------------------------------------------------------------------------------------------ */
/* Lexer */

enum tok_kind {
	T_EOF,
	T_NAME,  /* attribute or function name, keyword */
	T_HASH,  /* #name */
	T_COLON, /* :value */
	T_NUM,   /* list index */
	T_LP,
	T_RP,
	T_LB,
	T_RB,
	T_COMMA,
	T_DOT,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_PLUS,
	T_MINUS,
	T_BAD, /* anything else, one character */
};

struct tok {
	enum tok_kind k;
	size_t start, end;
};

struct lexed {
	struct tok *toks;
	size_t n;
};

static void lex_push(struct lexed *l, enum tok_kind k, size_t start, size_t end)
{
	l->toks = xreallocarray(l->toks, l->n + 1, sizeof(*l->toks));
	l->toks[l->n++] = (struct tok){ k, start, end };
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static void lex(const char *s, struct lexed *l)
{
	size_t i = 0, n = strlen(s);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t start = i;
		if (isspace(c)) {
			i++;
			continue;
		}
		if (isalpha(c)) {
			while (i < n && word_char(s[i]))
				i++;
			lex_push(l, T_NAME, start, i);
		} else if (isdigit(c)) {
			while (i < n && isdigit((unsigned char)s[i]))
				i++;
			lex_push(l, T_NUM, start, i);
		} else if ((c == '#' || c == ':') && i + 1 < n && word_char(s[i + 1])) {
			i++;
			while (i < n && word_char(s[i]))
				i++;
			lex_push(l, c == '#' ? T_HASH : T_COLON, start, i);
		} else {
			enum tok_kind k = T_BAD;
			size_t len = 1;
			switch (c) {
			case '(':
				k = T_LP;
				break;
			case ')':
				k = T_RP;
				break;
			case '[':
				k = T_LB;
				break;
			case ']':
				k = T_RB;
				break;
			case ',':
				k = T_COMMA;
				break;
			case '.':
				k = T_DOT;
				break;
			case '=':
				k = T_EQ;
				break;
			case '+':
				k = T_PLUS;
				break;
			case '-':
				k = T_MINUS;
				break;
			case '<':
				k = T_LT;
				if (i + 1 < n && s[i + 1] == '=') {
					k = T_LE;
					len = 2;
				} else if (i + 1 < n && s[i + 1] == '>') {
					k = T_NE;
					len = 2;
				}
				break;
			case '>':
				k = T_GT;
				if (i + 1 < n && s[i + 1] == '=') {
					k = T_GE;
					len = 2;
				}
				break;
			default:
				/* One character, however many bytes its UTF-8 takes. */
				while (start + len < n &&
				       ((unsigned char)s[start + len] & 0xc0) == 0x80)
					len++;
				break;
			}
			i += len;
			lex_push(l, k, start, i);
		}
	}
	lex_push(l, T_EOF, n, n);
}

/* ------------------------------------------------------------------------------------------ */
/* Syntax tree */

enum node_kind {
	N_PATH,
	N_VALUE,
	N_CALL, /* a function call, before its name is checked */
	N_SIZE,
	N_IF_NOT_EXISTS,
	N_LIST_APPEND,
	N_PLUS,
	N_MINUS,
	N_CMP,
	N_BETWEEN,
	N_IN,
	N_EXISTS,
	N_NOT_EXISTS,
	N_TYPE,
	N_BEGINS,
	N_CONTAINS,
	N_AND,
	N_OR,
	N_NOT,
};

struct ddb_node {
	enum node_kind kind;
	enum tok_kind op; /* N_CMP's comparator */
	bool paren;       /* written inside its own parentheses */
	char *text;       /* a function's name; a value's :name */
	struct ddb_path path;
	bool *path_placeholder; /* N_PATH: which steps were #names (before resolving) */
	const cJSON *value;     /* N_VALUE, once resolved */
	struct ddb_node **kids;
	size_t nkids;
};

static struct ddb_node *node_new(enum node_kind kind)
{
	struct ddb_node *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	return n;
}

static void node_add(struct ddb_node *n, struct ddb_node *kid)
{
	n->kids = xreallocarray(n->kids, n->nkids + 1, sizeof(*n->kids));
	n->kids[n->nkids++] = kid;
}

static void node_free(struct ddb_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n->path_placeholder);
	ddb_path_release(&n->path);
	free(n);
}

/* ------------------------------------------------------------------------------------------ */
/* Parser */

struct parser {
	const char *src;
	struct lexed lx;
	size_t pos;
	enum ddb_expr_type type;
	struct aws_err *err;
	bool failed;
	int depth;
};

const char *ddb_expr_type_name(enum ddb_expr_type type)
{
	switch (type) {
	case DDB_EXPR_CONDITION:
		return "ConditionExpression";
	case DDB_EXPR_FILTER:
		return "FilterExpression";
	case DDB_EXPR_KEY:
		return "KeyConditionExpression";
	case DDB_EXPR_PROJECTION:
		return "ProjectionExpression";
	case DDB_EXPR_UPDATE:
		return "UpdateExpression";
	}
	abort();
}

/* "Invalid <Type>: <message>". Returns false. */
static bool fail(struct parser *p, const char *fmt, ...) XALLOC_PRINTF(2, 3);
static bool fail(struct parser *p, const char *fmt, ...)
{
	if (p->failed)
		return false;
	p->failed = true;
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ddb_invalid(p->err, "Invalid %s: %s", ddb_expr_type_name(p->type), msg);
}

static const struct tok *peek(const struct parser *p, size_t ahead)
{
	size_t i = p->pos + ahead;
	return &p->lx.toks[i < p->lx.n ? i : p->lx.n - 1];
}

static bool syntax_error(struct parser *p)
{
	const struct tok *t = peek(p, 0);
	size_t i = (size_t)(t - p->lx.toks);
	size_t from = i > 0 ? p->lx.toks[i - 1].start : t->start;
	size_t to = t->k == T_EOF ? t->end : i + 1 < p->lx.n ? p->lx.toks[i + 1].end : t->end;
	if (t->k == T_EOF)
		return fail(p, "Syntax error; token: \"<EOF>\", near: \"%.*s\"", (int)(to - from),
			    p->src + from);
	return fail(p, "Syntax error; token: \"%.*s\", near: \"%.*s\"", (int)(t->end - t->start),
		    p->src + t->start, (int)(to - from), p->src + from);
}

static bool is_word(const struct parser *p, const struct tok *t, const char *word)
{
	size_t len = strlen(word);
	return t->k == T_NAME && t->end - t->start == len &&
	       strncasecmp(p->src + t->start, word, len) == 0;
}

static char *tok_text(const struct parser *p, const struct tok *t)
{
	return xstrndup(p->src + t->start, t->end - t->start);
}

static bool accept(struct parser *p, enum tok_kind k)
{
	if (peek(p, 0)->k != k)
		return false;
	p->pos++;
	return true;
}

static bool expect(struct parser *p, enum tok_kind k)
{
	return accept(p, k) || syntax_error(p);
}

/* Words the condition grammar takes for itself. */
static bool is_keyword(const struct parser *p, const struct tok *t)
{
	static const char *const words[] = { "AND", "OR", "NOT", "BETWEEN", "IN" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (is_word(p, t, words[i]))
			return true;
	if (p->type == DDB_EXPR_UPDATE) {
		static const char *const clauses[] = { "SET", "REMOVE", "ADD", "DELETE" };
		for (size_t i = 0; i < 4; i++)
			if (is_word(p, t, clauses[i]))
				return true;
	}
	return false;
}

/* path := (NAME | #NAME) ( '.' (NAME | #NAME) | '[' NUM ']' )* */
static struct ddb_node *parse_path(struct parser *p)
{
	const struct tok *t = peek(p, 0);
	if (!((t->k == T_NAME && !is_keyword(p, t)) || t->k == T_HASH))
		return syntax_error(p), NULL;
	struct ddb_node *n = node_new(N_PATH);
	for (;;) {
		t = peek(p, 0);
		bool name = n->path.n == 0 || accept(p, T_DOT);
		if (name) {
			t = peek(p, 0);
			if (!((t->k == T_NAME && !is_keyword(p, t)) || t->k == T_HASH)) {
				syntax_error(p);
				goto fail;
			}
			p->pos++;
		} else if (accept(p, T_LB)) {
			t = peek(p, 0);
			if (t->k != T_NUM) {
				syntax_error(p);
				goto fail;
			}
			p->pos++;
			if (!expect(p, T_RB))
				goto fail;
		} else {
			break;
		}
		n->path.steps =
			xreallocarray(n->path.steps, n->path.n + 1, sizeof(struct ddb_step));
		n->path_placeholder =
			xreallocarray(n->path_placeholder, n->path.n + 1, sizeof(bool));
		struct ddb_step *s = &n->path.steps[n->path.n];
		s->name = NULL;
		s->index = 0;
		if (name) {
			s->name = tok_text(p, t);
		} else {
			char *digits = tok_text(p, t);
			s->index = strlen(digits) > 9 ? 1000000000L : strtol(digits, NULL, 10);
			free(digits);
		}
		n->path_placeholder[n->path.n] = name && t->k == T_HASH;
		n->path.n++;
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct ddb_node *parse_operand(struct parser *p);

/* NAME '(' [operand (',' operand)*] ')' */
static struct ddb_node *parse_call(struct parser *p)
{
	struct ddb_node *n = node_new(N_CALL);
	n->text = tok_text(p, peek(p, 0));
	p->pos += 2;
	if (++p->depth > 100) {
		fail(p, "The expression has too many levels of nesting");
		goto fail;
	}
	if (peek(p, 0)->k != T_RP) {
		do {
			struct ddb_node *arg = parse_operand(p);
			if (!arg)
				goto fail;
			node_add(n, arg);
		} while (accept(p, T_COMMA));
	}
	p->depth--;
	if (!expect(p, T_RP))
		goto fail;
	return n;
fail:
	node_free(n);
	return NULL;
}

/* operand := :value | NAME '(' ... ')' | path */
static struct ddb_node *parse_operand(struct parser *p)
{
	const struct tok *t = peek(p, 0);
	if (t->k == T_COLON) {
		struct ddb_node *n = node_new(N_VALUE);
		n->text = tok_text(p, t);
		p->pos++;
		return n;
	}
	if (t->k == T_NAME && !is_keyword(p, t) && peek(p, 1)->k == T_LP)
		return parse_call(p);
	return parse_path(p);
}

static bool is_comparator(enum tok_kind k)
{
	return k == T_EQ || k == T_NE || k == T_LT || k == T_LE || k == T_GT || k == T_GE;
}

static struct ddb_node *parse_or(struct parser *p);

static bool is_condition_function(const char *name)
{
	static const char *const names[] = { "attribute_exists", "attribute_not_exists",
					     "attribute_type", "begins_with", "contains" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* predicate := '(' or ')' | function | operand (comparator operand | BETWEEN operand AND
 * operand | IN '(' operand (',' operand)* ')') */
static struct ddb_node *parse_primary(struct parser *p)
{
	const struct tok *t = peek(p, 0);
	if (t->k == T_LP) {
		p->pos++;
		if (++p->depth > 100) {
			fail(p, "The expression has too many levels of nesting");
			return NULL;
		}
		struct ddb_node *inner = parse_or(p);
		p->depth--;
		if (!inner)
			return NULL;
		if (!expect(p, T_RP)) {
			node_free(inner);
			return NULL;
		}
		if (inner->paren) {
			node_free(inner);
			fail(p, "The expression has redundant parentheses;");
			return NULL;
		}
		inner->paren = true;
		return inner;
	}
	struct ddb_node *lhs = parse_operand(p);
	if (!lhs)
		return NULL;
	/* A function that is a condition by itself. */
	if (lhs->kind == N_CALL && is_condition_function(lhs->text) &&
	    !is_comparator(peek(p, 0)->k) && !is_word(p, peek(p, 0), "BETWEEN") &&
	    !is_word(p, peek(p, 0), "IN"))
		return lhs;
	t = peek(p, 0);
	struct ddb_node *n = NULL;
	if (is_comparator(t->k)) {
		p->pos++;
		n = node_new(N_CMP);
		n->op = t->k;
		node_add(n, lhs);
		struct ddb_node *rhs = parse_operand(p);
		if (!rhs)
			goto fail;
		node_add(n, rhs);
	} else if (is_word(p, t, "BETWEEN")) {
		p->pos++;
		n = node_new(N_BETWEEN);
		node_add(n, lhs);
		struct ddb_node *lo = parse_operand(p);
		if (!lo)
			goto fail;
		node_add(n, lo);
		if (!is_word(p, peek(p, 0), "AND")) {
			syntax_error(p);
			goto fail;
		}
		p->pos++;
		struct ddb_node *hi = parse_operand(p);
		if (!hi)
			goto fail;
		node_add(n, hi);
	} else if (is_word(p, t, "IN")) {
		p->pos++;
		n = node_new(N_IN);
		node_add(n, lhs);
		if (!expect(p, T_LP))
			goto fail;
		do {
			struct ddb_node *v = parse_operand(p);
			if (!v)
				goto fail;
			node_add(n, v);
		} while (accept(p, T_COMMA));
		if (!expect(p, T_RP))
			goto fail;
	} else {
		node_free(lhs);
		syntax_error(p);
		return NULL;
	}
	return n;
fail:
	if (!n)
		node_free(lhs);
	node_free(n);
	return NULL;
}

static struct ddb_node *parse_not(struct parser *p)
{
	if (is_word(p, peek(p, 0), "NOT")) {
		p->pos++;
		if (++p->depth > 100) {
			fail(p, "The expression has too many levels of nesting");
			return NULL;
		}
		struct ddb_node *inner = parse_not(p);
		p->depth--;
		if (!inner)
			return NULL;
		struct ddb_node *n = node_new(N_NOT);
		node_add(n, inner);
		return n;
	}
	return parse_primary(p);
}

static struct ddb_node *parse_and(struct parser *p)
{
	struct ddb_node *n = parse_not(p);
	while (n && is_word(p, peek(p, 0), "AND")) {
		p->pos++;
		struct ddb_node *rhs = parse_not(p);
		if (!rhs) {
			node_free(n);
			return NULL;
		}
		struct ddb_node *and = node_new(N_AND);
		node_add(and, n);
		node_add(and, rhs);
		n = and;
	}
	return n;
}

static struct ddb_node *parse_or(struct parser *p)
{
	struct ddb_node *n = parse_and(p);
	while (n && is_word(p, peek(p, 0), "OR")) {
		p->pos++;
		struct ddb_node *rhs = parse_and(p);
		if (!rhs) {
			node_free(n);
			return NULL;
		}
		struct ddb_node * or = node_new(N_OR);
		node_add(or, n);
		node_add(or, rhs);
		n = or ;
	}
	return n;
}

static bool parse_condition(struct parser *p, struct ddb_expr *e)
{
	e->root = parse_or(p);
	if (!e->root)
		return false;
	return peek(p, 0)->k == T_EOF || syntax_error(p);
}

static bool parse_projection(struct parser *p, struct ddb_expr *e, struct ddb_node *holder)
{
	do {
		struct ddb_node *path = parse_path(p);
		if (!path)
			return false;
		node_add(holder, path);
	} while (accept(p, T_COMMA));
	(void)e;
	return peek(p, 0)->k == T_EOF || syntax_error(p);
}

/* set value := operand [('+' | '-') operand] */
static struct ddb_node *parse_set_value(struct parser *p)
{
	struct ddb_node *lhs = parse_operand(p);
	if (!lhs)
		return NULL;
	enum tok_kind k = peek(p, 0)->k;
	if (k != T_PLUS && k != T_MINUS)
		return lhs;
	p->pos++;
	struct ddb_node *n = node_new(k == T_PLUS ? N_PLUS : N_MINUS);
	node_add(n, lhs);
	struct ddb_node *rhs = parse_operand(p);
	if (!rhs) {
		node_free(n);
		return NULL;
	}
	node_add(n, rhs);
	return n;
}

static bool add_action(struct ddb_expr *e, enum ddb_action_kind kind, struct ddb_node *path,
		       struct ddb_node *value)
{
	e->actions = xreallocarray(e->actions, e->nactions + 1, sizeof(*e->actions));
	struct ddb_action *a = &e->actions[e->nactions++];
	a->kind = kind;
	a->path = path->path; /* taken over */
	path->path.steps = NULL;
	path->path.n = 0;
	a->value = value;
	return true;
}

/*
 * The update grammar keeps each action's path node until the names are resolved, in
 * holder's kids (path, value-or-NULL pairs); parse_update() moves them into e->actions after.
 */
static bool parse_update(struct parser *p, struct ddb_node *holder, enum ddb_action_kind **kinds,
			 size_t *nkinds)
{
	static const char *const clause_words[] = { "SET", "REMOVE", "ADD", "DELETE" };
	bool seen[4] = { false };
	do {
		int clause = -1;
		for (int i = 0; i < 4; i++)
			if (is_word(p, peek(p, 0), clause_words[i]))
				clause = i;
		if (clause < 0)
			return syntax_error(p);
		if (seen[clause])
			return fail(p,
				    "The \"%s\" section can only be used once in an update "
				    "expression;",
				    clause_words[clause]);
		seen[clause] = true;
		p->pos++;
		do {
			struct ddb_node *path = parse_path(p);
			if (!path)
				return false;
			node_add(holder, path);
			struct ddb_node *value = NULL;
			if (clause == DDB_SET) {
				if (!expect(p, T_EQ))
					return false;
				value = parse_set_value(p);
				if (!value)
					return false;
			} else if (clause == DDB_ADD || clause == DDB_DELETE) {
				value = parse_operand(p);
				if (!value)
					return false;
			}
			node_add(holder, value ? value : node_new(N_VALUE));
			*kinds = xreallocarray(*kinds, *nkinds + 1, sizeof(**kinds));
			(*kinds)[(*nkinds)++] = (enum ddb_action_kind)clause;
		} while (accept(p, T_COMMA));
	} while (peek(p, 0)->k != T_EOF);
	return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Checks after parsing */

typedef bool (*walk_fn)(struct parser *p, struct ddb_node *n, void *arg);

/* Visit every node in source order (a node before its children). */
static bool walk(struct parser *p, struct ddb_node *n, walk_fn fn, void *arg)
{
	if (!n)
		return true;
	if (!fn(p, n, arg))
		return false;
	for (size_t i = 0; i < n->nkids; i++)
		if (!walk(p, n->kids[i], fn, arg))
			return false;
	return true;
}

static bool check_reserved(struct parser *p, struct ddb_node *n, void *arg)
{
	(void)arg;
	if (n->kind != N_PATH)
		return true;
	for (size_t i = 0; i < n->path.n; i++)
		if (n->path.steps[i].name && !n->path_placeholder[i] &&
		    ddb_reserved(n->path.steps[i].name))
			return fail(p, "Attribute name is a reserved keyword; reserved keyword: %s",
				    n->path.steps[i].name);
	return true;
}

static bool resolve(struct parser *p, struct ddb_node *n, void *arg)
{
	struct ddb_subst *s = arg;
	if (n->kind == N_PATH) {
		for (size_t i = 0; i < n->path.n; i++) {
			struct ddb_step *st = &n->path.steps[i];
			if (!st->name || !n->path_placeholder[i])
				continue;
			const cJSON *v =
				s->names ? cJSON_GetObjectItemCaseSensitive(s->names, st->name)
					 : NULL;
			if (!v)
				return fail(p,
					    "An expression attribute name used in the document "
					    "path is not defined; attribute name: %s",
					    st->name);
			subst_use(s, st->name);
			free(st->name);
			st->name = xstrdup(v->valuestring);
			n->path_placeholder[i] = false;
		}
	} else if (n->kind == N_VALUE && n->text) {
		const cJSON *v =
			s->values ? cJSON_GetObjectItemCaseSensitive(s->values, n->text) : NULL;
		if (!v)
			return fail(p,
				    "An expression attribute value used in expression is not "
				    "defined; attribute value: %s",
				    n->text);
		subst_use(s, n->text);
		n->value = v;
	}
	return true;
}

static const char *wide_type_name(enum ddb_type t)
{
	switch (t) {
	case DDB_S:
		return "STRING";
	case DDB_N:
		return "NUMBER";
	case DDB_B:
		return "BINARY";
	case DDB_SS:
		return "STRING_SET";
	case DDB_NS:
		return "NUMBER_SET";
	case DDB_BS:
		return "BINARY_SET";
	case DDB_M:
		return "MAP";
	case DDB_L:
		return "LIST";
	case DDB_NULL:
		return "NULL";
	case DDB_BOOL:
		return "BOOLEAN";
	case DDB_NONE:
		break;
	}
	return "";
}

static bool operand_type_error(struct parser *p, const char *fn, enum ddb_type t)
{
	return fail(p,
		    "Incorrect operand type for operator or function; operator or function: %s, "
		    "operand type: %s",
		    fn, ddb_type_name(t));
}

static bool arity_error(struct parser *p, const char *fn, size_t n)
{
	return fail(p,
		    "Incorrect number of operands for operator or function; operator or "
		    "function: %s, number of operands: %zu",
		    fn, n);
}

static bool is_scalar(enum ddb_type t)
{
	return t == DDB_S || t == DDB_N || t == DDB_B;
}

static const char *comparator_text(enum tok_kind k)
{
	switch (k) {
	case T_EQ:
		return "=";
	case T_NE:
		return "<>";
	case T_LT:
		return "<";
	case T_LE:
		return "<=";
	case T_GT:
		return ">";
	case T_GE:
		return ">=";
	default:
		return "";
	}
}

static enum ddb_type literal_type(const struct ddb_node *n)
{
	return n->kind == N_VALUE && n->value ? ddb_av_type(n->value) : DDB_NONE;
}

/* Give N_CALL nodes their function, checking names, where they may be used, and arity. */
static bool check_call(struct parser *p, struct ddb_node *n, bool as_condition, bool as_arg)
{
	struct {
		const char *name;
		enum node_kind kind;
		size_t arity;
		bool condition; /* a condition (true) or an operand (false) */
		bool update;    /* allowed in an update expression's SET */
	} fns[] = {
		{ "attribute_exists", N_EXISTS, 1, true, false },
		{ "attribute_not_exists", N_NOT_EXISTS, 1, true, false },
		{ "attribute_type", N_TYPE, 2, true, false },
		{ "begins_with", N_BEGINS, 2, true, false },
		{ "contains", N_CONTAINS, 2, true, false },
		{ "size", N_SIZE, 1, false, false },
		{ "if_not_exists", N_IF_NOT_EXISTS, 2, false, true },
		{ "list_append", N_LIST_APPEND, 2, false, true },
	};
	size_t i;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strcmp(fns[i].name, n->text) == 0)
			break;
	if (i == sizeof(fns) / sizeof(fns[0]))
		return fail(p, "Invalid function name; function: %s", n->text);
	bool in_update = p->type == DDB_EXPR_UPDATE;
	if (in_update ? !fns[i].update : fns[i].update)
		return fail(p, "The function is not allowed in a%s expression; function: %s",
			    in_update ? "n update" : " condition", n->text);
	/* DynamoDB takes if_not_exists() inside list_append() (the usual way to append to a
	 * list that may not exist), but not a list_append() inside another function. */
	if (fns[i].condition != as_condition ||
	    (in_update && as_arg && fns[i].kind == N_LIST_APPEND))
		return fail(p,
			    "The function is not allowed to be used this way in an expression; "
			    "function: %s",
			    n->text);
	if (n->nkids != fns[i].arity)
		return arity_error(p, n->text, n->nkids);
	n->kind = fns[i].kind;
	return true;
}

static bool check_operand(struct parser *p, struct ddb_node *n, bool as_arg);

/* The checks of a function's operands, once the function is known. */
static bool check_function(struct parser *p, struct ddb_node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (!check_operand(p, n->kids[i], true))
			return false;
	const char *name = n->text;
	struct ddb_node *a = n->kids[0], *b = n->nkids > 1 ? n->kids[1] : NULL;
	switch (n->kind) {
	case N_EXISTS:
	case N_NOT_EXISTS:
	case N_IF_NOT_EXISTS:
		if (a->kind != N_PATH)
			return fail(p,
				    "Operator or function requires a document path; operator or "
				    "function: %s",
				    name);
		return true;
	case N_TYPE: {
		if (a->kind != N_PATH)
			return fail(p,
				    "Operator or function requires a document path; operator or "
				    "function: %s",
				    name);
		enum ddb_type t = literal_type(b);
		if (b->kind == N_VALUE && t != DDB_S)
			return operand_type_error(p, name, t);
		if (b->kind == N_VALUE &&
		    ddb_type_from_name(ddb_av_payload(b->value)->valuestring) == DDB_NONE)
			return fail(p,
				    "Invalid attribute type name found; type: %s, valid types: { "
				    "B,NULL,SS,BOOL,L,BS,N,NS,S,M }",
				    ddb_av_payload(b->value)->valuestring);
		return true;
	}
	case N_BEGINS:
		for (size_t i = 0; i < 2; i++) {
			enum ddb_type t = literal_type(n->kids[i]);
			if (t != DDB_NONE && t != DDB_S && t != DDB_B)
				return operand_type_error(p, name, t);
		}
		return true;
	case N_CONTAINS:
		return true;
	case N_SIZE: {
		enum ddb_type t = literal_type(a);
		if (a->kind == N_VALUE && (t == DDB_N || t == DDB_BOOL || t == DDB_NULL))
			return operand_type_error(p, name, t);
		if (a->kind == N_SIZE)
			return operand_type_error(p, name, DDB_N);
		return true;
	}
	case N_LIST_APPEND:
		for (size_t i = 0; i < 2; i++) {
			enum ddb_type t = literal_type(n->kids[i]);
			if (n->kids[i]->kind == N_VALUE && t != DDB_L)
				return operand_type_error(p, name, t);
		}
		return true;
	default:
		abort();
	}
}

static bool check_operand(struct parser *p, struct ddb_node *n, bool as_arg)
{
	if (n->kind == N_CALL) {
		if (!check_call(p, n, false, as_arg))
			return false;
		return check_function(p, n);
	}
	return true;
}

static bool check_condition(struct parser *p, struct ddb_node *n)
{
	switch (n->kind) {
	case N_AND:
	case N_OR:
	case N_NOT:
		for (size_t i = 0; i < n->nkids; i++)
			if (!check_condition(p, n->kids[i]))
				return false;
		return true;
	case N_CALL:
		if (!check_call(p, n, true, false))
			return false;
		return check_function(p, n);
	case N_CMP:
		for (size_t i = 0; i < 2; i++) {
			if (!check_operand(p, n->kids[i], false))
				return false;
			enum ddb_type t = literal_type(n->kids[i]);
			if (n->op != T_EQ && n->op != T_NE && t != DDB_NONE && !is_scalar(t))
				return operand_type_error(p, comparator_text(n->op), t);
		}
		return true;
	case N_BETWEEN: {
		for (size_t i = 0; i < 3; i++) {
			if (!check_operand(p, n->kids[i], false))
				return false;
			enum ddb_type t = literal_type(n->kids[i]);
			if (t != DDB_NONE && !is_scalar(t))
				return operand_type_error(p, "BETWEEN", t);
		}
		const cJSON *lo = n->kids[1]->value, *hi = n->kids[2]->value;
		if (lo && hi) {
			bool ok;
			int c = ddb_av_compare(lo, hi, &ok);
			if (!ok || c > 0) {
				char *l = cJSON_PrintUnformatted(lo),
				     *h = cJSON_PrintUnformatted(hi);
				struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
				for (const char *c1 = l; *c1; c1++)
					if (*c1 != '"')
						strbuf_addch(&a, *c1);
				for (const char *c2 = h; *c2; c2++)
					if (*c2 != '"')
						strbuf_addch(&b, *c2);
				bool r = fail(p,
					      "The BETWEEN operator requires upper bound to be "
					      "greater than or equal to lower bound; lower bound "
					      "operand: AttributeValue: %s, upper bound operand: "
					      "AttributeValue: %s",
					      a.buf, b.buf);
				strbuf_release(&a);
				strbuf_release(&b);
				free(l);
				free(h);
				return r;
			}
		}
		return true;
	}
	case N_IN:
		if (n->nkids - 1 > 100)
			return fail(p,
				    "Too many operands for IN operator; operator: IN, number of "
				    "operands: %zu, maximum operands: 100",
				    n->nkids - 1);
		for (size_t i = 0; i < n->nkids; i++)
			if (!check_operand(p, n->kids[i], false))
				return false;
		return true;
	case N_PATH:
	case N_VALUE:
		/* An operand alone is not a condition (the grammar only lets size() through). */
		return syntax_error(p);
	default:
		/* A function call that is an operand (size), used as a condition. */
		return fail(p,
			    "The function is not allowed to be used this way in an expression; "
			    "function: %s",
			    n->text ? n->text : "");
	}
}

static bool check_update_values(struct parser *p, struct ddb_expr *e)
{
	for (size_t i = 0; i < e->nactions; i++) {
		struct ddb_action *a = &e->actions[i];
		struct ddb_node *v = a->value;
		if (a->kind == DDB_SET) {
			if (v->kind == N_PLUS || v->kind == N_MINUS) {
				for (size_t k = 0; k < 2; k++) {
					if (!check_operand(p, v->kids[k], false))
						return false;
					enum ddb_type t = literal_type(v->kids[k]);
					if (v->kids[k]->kind == N_VALUE && t != DDB_N)
						return operand_type_error(
							p, v->kind == N_PLUS ? "+" : "-", t);
				}
			} else if (!check_operand(p, v, false)) {
				return false;
			}
		} else if (a->kind == DDB_ADD || a->kind == DDB_DELETE) {
			const char *op = a->kind == DDB_ADD ? "ADD" : "DELETE";
			if (v->kind != N_VALUE)
				return syntax_error(p);
			enum ddb_type t = literal_type(v);
			bool ok = t == DDB_SS || t == DDB_NS || t == DDB_BS ||
				  (a->kind == DDB_ADD && t == DDB_N);
			if (!ok)
				return fail(p,
					    "Incorrect operand type for operator or function; "
					    "operator: %s, operand type: %s, typeSet: "
					    "ALLOWED_FOR_%s_OPERAND",
					    op, wide_type_name(t), op);
		}
	}
	return true;
}

/* 0: apart; 1: one is (or is inside) the other; 2: they name an element differently. */
static int paths_meet(const struct ddb_path *a, const struct ddb_path *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++) {
		const struct ddb_step *x = &a->steps[i], *y = &b->steps[i];
		if (!x->name != !y->name)
			return 2;
		if (x->name ? strcmp(x->name, y->name) != 0 : x->index != y->index)
			return 0;
	}
	return 1;
}

static bool check_overlaps(struct parser *p, const struct ddb_path *paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			int m = paths_meet(&paths[i], &paths[j]);
			if (!m)
				continue;
			struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
			ddb_path_format(&paths[i], true, &a);
			ddb_path_format(&paths[j], true, &b);
			fail(p,
			     "Two document paths %s with each other; must remove or rewrite one of "
			     "these paths; path one: %s, path two: %s",
			     m == 1 ? "overlap" : "conflict", a.buf, b.buf);
			strbuf_release(&a);
			strbuf_release(&b);
			return false;
		}
	return true;
}

struct ddb_expr *ddb_expr_parse(enum ddb_expr_type type, const char *text, struct ddb_subst *s,
				struct aws_err *err)
{
	struct parser p = { .src = text, .type = type, .err = err };
	struct ddb_expr *e = xcalloc(1, sizeof(*e));
	struct ddb_node *holder = node_new(N_AND); /* paths and values of lists */
	enum ddb_action_kind *kinds = NULL;
	size_t nkinds = 0;
	e->type = type;
	size_t len = strlen(text);
	bool blank = true;
	for (const char *c = text; *c; c++)
		blank = blank && isspace((unsigned char)*c);
	if (blank) {
		fail(&p, "The expression can not be empty;");
		goto fail;
	}
	if (len > DDB_EXPR_MAX_LEN) {
		fail(&p,
		     "Expression size has exceeded the maximum allowed size; expression size: %zu",
		     len);
		goto fail;
	}
	lex(text, &p.lx);
	bool ok;
	switch (type) {
	case DDB_EXPR_CONDITION:
	case DDB_EXPR_FILTER:
	case DDB_EXPR_KEY:
		ok = parse_condition(&p, e);
		break;
	case DDB_EXPR_PROJECTION:
		ok = parse_projection(&p, e, holder);
		break;
	case DDB_EXPR_UPDATE:
		ok = parse_update(&p, holder, &kinds, &nkinds);
		break;
	default:
		abort();
	}
	if (!ok)
		goto fail;
	struct ddb_node *top = e->root ? e->root : holder;
	if (!walk(&p, top, check_reserved, NULL) || !walk(&p, top, resolve, s))
		goto fail;
	if (type == DDB_EXPR_PROJECTION) {
		e->npaths = holder->nkids;
		e->paths = xcalloc(e->npaths ? e->npaths : 1, sizeof(*e->paths));
		for (size_t i = 0; i < holder->nkids; i++) {
			e->paths[i] = holder->kids[i]->path;
			holder->kids[i]->path.steps = NULL;
			holder->kids[i]->path.n = 0;
		}
		if (!check_overlaps(&p, e->paths, e->npaths))
			goto fail;
	} else if (type == DDB_EXPR_UPDATE) {
		for (size_t i = 0; i < nkinds; i++) {
			struct ddb_node *value = holder->kids[2 * i + 1];
			holder->kids[2 * i + 1] = NULL;
			if (kinds[i] == DDB_REMOVE) {
				node_free(value);
				value = NULL;
			}
			add_action(e, kinds[i], holder->kids[2 * i], value);
		}
		if (!check_update_values(&p, e))
			goto fail;
		struct ddb_path *paths = xcalloc(e->nactions, sizeof(*paths));
		for (size_t i = 0; i < e->nactions; i++)
			paths[i] = e->actions[i].path;
		ok = check_overlaps(&p, paths, e->nactions);
		free(paths);
		if (!ok)
			goto fail;
	} else if (!check_condition(&p, e->root)) {
		goto fail;
	}
	free(kinds);
	node_free(holder);
	free(p.lx.toks);
	return e;
fail:
	free(kinds);
	node_free(holder);
	free(p.lx.toks);
	ddb_expr_free(e);
	return NULL;
}

void ddb_expr_free(struct ddb_expr *e)
{
	if (!e)
		return;
	node_free(e->root);
	for (size_t i = 0; i < e->npaths; i++)
		ddb_path_release(&e->paths[i]);
	free(e->paths);
	for (size_t i = 0; i < e->nactions; i++) {
		ddb_path_release(&e->actions[i].path);
		node_free(e->actions[i].value);
	}
	free(e->actions);
	free(e);
}

/* ------------------------------------------------------------------------------------------ */
/* Conditions and filters */

static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The value of an operand against item: borrowed from the item or the substitutions, or a
 * computed one kept in tmp. NULL when it has none (a missing attribute). */
static const cJSON *operand_value(const struct ddb_node *n, const cJSON *item, cJSON *tmp)
{
	switch (n->kind) {
	case N_PATH:
		return item ? ddb_path_get(item, &n->path) : NULL;
	case N_VALUE:
		return n->value;
	case N_SIZE: {
		const cJSON *v = operand_value(n->kids[0], item, tmp);
		const cJSON *p = ddb_av_payload(v);
		long size;
		switch (ddb_av_type(v)) {
		case DDB_S:
			size = (long)utf8_len(p->valuestring);
			break;
		case DDB_B: {
			size_t len = 0;
			free(ddb_av_bytes(v, &len));
			size = (long)len;
			break;
		}
		case DDB_SS:
		case DDB_NS:
		case DDB_BS:
		case DDB_M:
		case DDB_L:
			size = cJSON_GetArraySize(p);
			break;
		default:
			return NULL;
		}
		char text[32];
		snprintf(text, sizeof(text), "%ld", size);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "N", text);
		cJSON_AddItemToArray(tmp, o);
		return o;
	}
	default:
		return NULL;
	}
}

static bool begins_with(const cJSON *a, const cJSON *b)
{
	enum ddb_type t = ddb_av_type(a);
	if (!a || !b || t != ddb_av_type(b))
		return false;
	if (t == DDB_S) {
		const char *s = ddb_av_payload(a)->valuestring,
			   *pre = ddb_av_payload(b)->valuestring;
		return strncmp(s, pre, strlen(pre)) == 0;
	}
	if (t == DDB_B) {
		size_t na, nb;
		unsigned char *x = ddb_av_bytes(a, &na), *y = ddb_av_bytes(b, &nb);
		bool r = x && y && nb <= na && memcmp(x, y, nb) == 0;
		free(x);
		free(y);
		return r;
	}
	return false;
}

static bool contains(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return false;
	enum ddb_type ta = ddb_av_type(a), tb = ddb_av_type(b);
	const cJSON *pa = ddb_av_payload(a), *e;
	if (ta == DDB_S && tb == DDB_S)
		return strstr(pa->valuestring, ddb_av_payload(b)->valuestring) != NULL;
	if ((ta == DDB_SS && tb == DDB_S) || (ta == DDB_NS && tb == DDB_N) ||
	    (ta == DDB_BS && tb == DDB_B)) {
		enum ddb_type et = tb;
		cJSON_ArrayForEach(e, pa)
		{
			cJSON *wrap = cJSON_CreateObject();
			cJSON_AddStringToObject(wrap, ddb_type_name(et), e->valuestring);
			bool eq = ddb_av_equal(wrap, b);
			cJSON_Delete(wrap);
			if (eq)
				return true;
		}
		return false;
	}
	if (ta == DDB_L) {
		cJSON_ArrayForEach(e, pa) if (ddb_av_equal(e, b)) return true;
	}
	return false;
}

static bool match(const struct ddb_node *n, const cJSON *item, cJSON *tmp)
{
	const cJSON *a, *b, *c;
	bool ok;
	int cmp;
	switch (n->kind) {
	case N_AND:
		return match(n->kids[0], item, tmp) && match(n->kids[1], item, tmp);
	case N_OR:
		return match(n->kids[0], item, tmp) || match(n->kids[1], item, tmp);
	case N_NOT:
		return !match(n->kids[0], item, tmp);
	case N_CMP:
		a = operand_value(n->kids[0], item, tmp);
		b = operand_value(n->kids[1], item, tmp);
		if (n->op == T_EQ)
			return a && b && ddb_av_equal(a, b);
		if (n->op == T_NE)
			return (a && b) ? !ddb_av_equal(a, b) : (a != NULL) != (b != NULL);
		if (!a || !b)
			return false;
		cmp = ddb_av_compare(a, b, &ok);
		if (!ok)
			return false;
		switch (n->op) {
		case T_LT:
			return cmp < 0;
		case T_LE:
			return cmp <= 0;
		case T_GT:
			return cmp > 0;
		case T_GE:
			return cmp >= 0;
		default:
			abort();
		}
	case N_BETWEEN:
		a = operand_value(n->kids[0], item, tmp);
		b = operand_value(n->kids[1], item, tmp);
		c = operand_value(n->kids[2], item, tmp);
		if (!a || !b || !c)
			return false;
		cmp = ddb_av_compare(b, a, &ok);
		if (!ok || cmp > 0)
			return false;
		cmp = ddb_av_compare(a, c, &ok);
		return ok && cmp <= 0;
	case N_IN:
		a = operand_value(n->kids[0], item, tmp);
		if (!a)
			return false;
		for (size_t i = 1; i < n->nkids; i++) {
			b = operand_value(n->kids[i], item, tmp);
			if (b && ddb_av_equal(a, b))
				return true;
		}
		return false;
	case N_EXISTS:
		return operand_value(n->kids[0], item, tmp) != NULL;
	case N_NOT_EXISTS:
		return operand_value(n->kids[0], item, tmp) == NULL;
	case N_TYPE:
		a = operand_value(n->kids[0], item, tmp);
		b = operand_value(n->kids[1], item, tmp);
		return a && ddb_av_type(b) == DDB_S &&
		       strcmp(ddb_type_name(ddb_av_type(a)), ddb_av_payload(b)->valuestring) == 0;
	case N_BEGINS:
		return begins_with(operand_value(n->kids[0], item, tmp),
				   operand_value(n->kids[1], item, tmp));
	case N_CONTAINS:
		return contains(operand_value(n->kids[0], item, tmp),
				operand_value(n->kids[1], item, tmp));
	default:
		return false;
	}
}

bool ddb_expr_match(const struct ddb_expr *e, const cJSON *item)
{
	if (!e || !e->root)
		return true;
	cJSON *tmp = cJSON_CreateArray();
	bool r = match(e->root, item, tmp);
	cJSON_Delete(tmp);
	return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Projections */

struct suffix {
	const struct ddb_path *path;
	size_t at;
};

static cJSON *project_value(const cJSON *v, struct suffix *sx, size_t n);

/* Project the members of a map (an item, or an M's payload) named by the suffixes. */
static cJSON *project_members(const cJSON *map, struct suffix *sx, size_t n)
{
	cJSON *out = cJSON_CreateObject();
	bool *done = xcalloc(n ? n : 1, sizeof(bool));
	for (size_t i = 0; i < n; i++) {
		if (done[i] || !sx[i].path->steps[sx[i].at].name)
			continue;
		const char *name = sx[i].path->steps[sx[i].at].name;
		struct suffix *group = xcalloc(n, sizeof(*group));
		size_t g = 0;
		for (size_t j = i; j < n; j++) {
			const struct ddb_step *s = &sx[j].path->steps[sx[j].at];
			if (!done[j] && s->name && strcmp(s->name, name) == 0) {
				done[j] = true;
				group[g++] = (struct suffix){ sx[j].path, sx[j].at + 1 };
			}
		}
		const cJSON *member = cJSON_GetObjectItemCaseSensitive(map, name);
		cJSON *pv = member ? project_value(member, group, g) : NULL;
		if (pv)
			cJSON_AddItemToObject(out, name, pv);
		free(group);
	}
	free(done);
	return out;
}

static int cmp_index(const void *a, const void *b)
{
	const struct suffix *x = a, *y = b;
	long i = x->path->steps[x->at].index, j = y->path->steps[y->at].index;
	return i < j ? -1 : i > j;
}

static cJSON *project_value(const cJSON *v, struct suffix *sx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sx[i].at == sx[i].path->n)
			return cJSON_Duplicate(v, true);
	enum ddb_type t = ddb_av_type(v);
	if (t == DDB_M) {
		cJSON *members = project_members(ddb_av_payload(v), sx, n);
		if (!members->child) {
			cJSON_Delete(members);
			return NULL;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "M", members);
		return o;
	}
	if (t != DDB_L)
		return NULL;
	struct suffix *idx = xcalloc(n ? n : 1, sizeof(*idx));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!sx[i].path->steps[sx[i].at].name)
			idx[k++] = sx[i];
	qsort(idx, k, sizeof(*idx), cmp_index);
	cJSON *list = cJSON_CreateArray();
	for (size_t i = 0; i < k;) {
		long at = idx[i].path->steps[idx[i].at].index;
		size_t j = i;
		while (j < k && idx[j].path->steps[idx[j].at].index == at)
			j++;
		struct suffix *group = xcalloc(j - i, sizeof(*group));
		for (size_t m = i; m < j; m++)
			group[m - i] = (struct suffix){ idx[m].path, idx[m].at + 1 };
		const cJSON *elem =
			at < INT32_MAX ? cJSON_GetArrayItem(ddb_av_payload(v), (int)at) : NULL;
		cJSON *pv = elem ? project_value(elem, group, j - i) : NULL;
		if (pv)
			cJSON_AddItemToArray(list, pv);
		free(group);
		i = j;
	}
	free(idx);
	if (!list->child) {
		cJSON_Delete(list);
		return NULL;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "L", list);
	return o;
}

cJSON *ddb_expr_project(const struct ddb_expr *e, const cJSON *item)
{
	struct suffix *sx = xcalloc(e->npaths ? e->npaths : 1, sizeof(*sx));
	for (size_t i = 0; i < e->npaths; i++)
		sx[i] = (struct suffix){ &e->paths[i], 0 };
	cJSON *out = project_members(item, sx, e->npaths);
	free(sx);
	return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Updates */

static bool no_attribute(struct aws_err *err)
{
	return ddb_invalid(err,
			   "The provided expression refers to an attribute that does not exist in "
			   "the item");
}

static bool bad_operand(struct aws_err *err)
{
	return ddb_invalid(err, "An operand in the update expression has an incorrect data type");
}

static bool bad_path(struct aws_err *err)
{
	return ddb_invalid(err, "The document path provided in the update expression is invalid "
				"for update");
}

/* A SET action's value against the item before the update. Caller deletes. */
static cJSON *update_value(const struct ddb_node *n, const cJSON *item, struct aws_err *err)
{
	const cJSON *v;
	switch (n->kind) {
	case N_VALUE:
		return cJSON_Duplicate(n->value, true);
	case N_PATH:
		v = item ? ddb_path_get(item, &n->path) : NULL;
		if (!v)
			return no_attribute(err), NULL;
		return cJSON_Duplicate(v, true);
	case N_IF_NOT_EXISTS:
		v = item ? ddb_path_get(item, &n->kids[0]->path) : NULL;
		if (v)
			return cJSON_Duplicate(v, true);
		return update_value(n->kids[1], item, err);
	case N_LIST_APPEND: {
		cJSON *a = update_value(n->kids[0], item, err), *b = NULL;
		if (!a)
			return NULL;
		b = update_value(n->kids[1], item, err);
		if (!b) {
			cJSON_Delete(a);
			return NULL;
		}
		if (ddb_av_type(a) != DDB_L || ddb_av_type(b) != DDB_L) {
			cJSON_Delete(a);
			cJSON_Delete(b);
			return bad_operand(err), NULL;
		}
		cJSON *la = cJSON_GetObjectItemCaseSensitive(a, "L");
		cJSON *lb = cJSON_GetObjectItemCaseSensitive(b, "L");
		while (lb->child)
			cJSON_AddItemToArray(la, cJSON_DetachItemViaPointer(lb, lb->child));
		cJSON_Delete(b);
		return a;
	}
	case N_PLUS:
	case N_MINUS: {
		cJSON *a = update_value(n->kids[0], item, err), *b = NULL, *r = NULL;
		struct ddb_num x, y, z;
		if (!a)
			return NULL;
		b = update_value(n->kids[1], item, err);
		if (!b)
			goto done;
		if (!ddb_av_num(a, &x) || !ddb_av_num(b, &y)) {
			bad_operand(err);
			goto done;
		}
		enum ddb_num_status st = ddb_num_add(&x, &y, n->kind == N_MINUS, &z);
		if (st != DDB_NUM_OK) {
			ddb_invalid(err, "%s", ddb_num_message(st));
			goto done;
		}
		r = ddb_av_from_num(&z);
	done:
		cJSON_Delete(a);
		cJSON_Delete(b);
		return r;
	}
	default:
		abort();
	}
}

/* Where an action writes: a member of an object (the item, or an M's payload), or an element
 * of an array (an L's payload). */
struct target {
	cJSON *container; /* NULL: nothing to do (a REMOVE from a missing item) */
	const char *name;
	long index;
	bool beyond; /* an index past the end of the list as it was */
};

static bool find_target(cJSON *item, const struct ddb_path *path, struct target *t,
			struct aws_err *err)
{
	cJSON *container = item;
	for (size_t i = 0; i + 1 < path->n; i++) {
		const struct ddb_step *s = &path->steps[i];
		cJSON *v = s->name ? cJSON_GetObjectItemCaseSensitive(container, s->name)
				   : (s->index < INT32_MAX
					      ? cJSON_GetArrayItem(container, (int)s->index)
					      : NULL);
		const struct ddb_step *next = &path->steps[i + 1];
		if (!v || ddb_av_type(v) != (next->name ? DDB_M : DDB_L))
			return bad_path(err);
		container = (cJSON *)ddb_av_payload(v);
	}
	const struct ddb_step *last = &path->steps[path->n - 1];
	t->container = container;
	t->name = last->name;
	t->index = last->index;
	t->beyond = !last->name && last->index >= cJSON_GetArraySize(container);
	return true;
}

static cJSON *target_get(const struct target *t)
{
	if (t->name)
		return cJSON_GetObjectItemCaseSensitive(t->container, t->name);
	return t->beyond ? NULL : cJSON_GetArrayItem(t->container, (int)t->index);
}

static void target_put(const struct target *t, cJSON *v)
{
	if (!t->name) {
		cJSON_ReplaceItemInArray(t->container, (int)t->index, v);
	} else if (cJSON_GetObjectItemCaseSensitive(t->container, t->name)) {
		cJSON_ReplaceItemInObjectCaseSensitive(t->container, t->name, v);
	} else {
		cJSON_AddItemToObject(t->container, t->name, v);
	}
}

static void target_remove(const struct target *t)
{
	if (t->name)
		cJSON_DeleteItemFromObjectCaseSensitive(t->container, t->name);
	else if (!t->beyond)
		cJSON_DeleteItemFromArray(t->container, (int)t->index);
}

static bool set_has_text(const cJSON *arr, const cJSON *wrapped_type_value, enum ddb_type et,
			 const char *text)
{
	(void)wrapped_type_value;
	const cJSON *e;
	cJSON *x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, ddb_type_name(et), text);
	bool found = false;
	cJSON_ArrayForEach(e, arr)
	{
		cJSON *y = cJSON_CreateObject();
		cJSON_AddStringToObject(y, ddb_type_name(et), e->valuestring);
		found = found || ddb_av_equal(x, y);
		cJSON_Delete(y);
	}
	cJSON_Delete(x);
	return found;
}

static enum ddb_type element_type(enum ddb_type set)
{
	return set == DDB_SS ? DDB_S : set == DDB_NS ? DDB_N : DDB_B;
}

static bool apply_add(const struct target *t, const cJSON *v, struct aws_err *err)
{
	cJSON *old = target_get(t);
	if (!old) {
		if (t->beyond)
			cJSON_AddItemToArray(t->container, cJSON_Duplicate(v, true));
		else
			target_put(t, cJSON_Duplicate(v, true));
		return true;
	}
	enum ddb_type to = ddb_av_type(old), tv = ddb_av_type(v);
	if (to != tv)
		return bad_operand(err);
	if (tv == DDB_N) {
		struct ddb_num x, y, z;
		ddb_av_num(old, &x);
		ddb_av_num(v, &y);
		enum ddb_num_status st = ddb_num_add(&x, &y, false, &z);
		if (st != DDB_NUM_OK)
			return ddb_invalid(err, "%s", ddb_num_message(st));
		target_put(t, ddb_av_from_num(&z));
		return true;
	}
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(old, ddb_type_name(to));
	const cJSON *e;
	cJSON_ArrayForEach(e, ddb_av_payload(v))
	{
		if (!set_has_text(arr, NULL, element_type(to), e->valuestring))
			cJSON_AddItemToArray(arr, cJSON_CreateString(e->valuestring));
	}
	return true;
}

static bool apply_delete(const struct target *t, const cJSON *v, struct aws_err *err)
{
	cJSON *old = target_get(t);
	if (!old)
		return true;
	enum ddb_type to = ddb_av_type(old);
	if (to != ddb_av_type(v))
		return bad_operand(err);
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(old, ddb_type_name(to));
	for (cJSON *e = arr->child; e;) {
		cJSON *next = e->next;
		if (set_has_text(ddb_av_payload(v), NULL, element_type(to), e->valuestring))
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, e));
		e = next;
	}
	if (!arr->child)
		target_remove(t);
	return true;
}

static int cmp_long_desc(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

struct append {
	long index;
	cJSON *value;
};

static int cmp_append(const void *a, const void *b)
{
	const struct append *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

cJSON *ddb_expr_update(const struct ddb_expr *e, const cJSON *item, bool exists,
		       struct aws_err *err)
{
	size_t n = e->nactions;
	const cJSON *item_for_remove = item;
	cJSON *out = item ? cJSON_Duplicate(item, true) : cJSON_CreateObject();
	if (!exists)
		item_for_remove = NULL;
	cJSON **values = xcalloc(n ? n : 1, sizeof(*values));
	struct target *targets = xcalloc(n ? n : 1, sizeof(*targets));
	bool *done = xcalloc(n ? n : 1, sizeof(bool));
	for (size_t i = 0; i < n; i++)
		if (e->actions[i].kind == DDB_SET) {
			values[i] = update_value(e->actions[i].value, item, err);
			if (!values[i])
				goto fail;
		}
	for (size_t i = 0; i < n; i++) {
		if (e->actions[i].kind == DDB_REMOVE && !item_for_remove)
			continue;
		if (!find_target(out, &e->actions[i].path, &targets[i], err))
			goto fail;
	}
	/* What neither removes list elements nor appends to lists: no index moves. */
	for (size_t i = 0; i < n; i++) {
		const struct ddb_action *a = &e->actions[i];
		struct target *t = &targets[i];
		if (!t->container || (!t->name && (a->kind == DDB_REMOVE || t->beyond)))
			continue;
		done[i] = true;
		switch (a->kind) {
		case DDB_SET:
			target_put(t, values[i]);
			values[i] = NULL;
			break;
		case DDB_REMOVE:
			target_remove(t);
			break;
		case DDB_ADD:
			if (!apply_add(t, a->value->value, err))
				goto fail;
			break;
		case DDB_DELETE:
			if (!apply_delete(t, a->value->value, err))
				goto fail;
			break;
		}
	}
	/* List elements removed, by their positions before the update, last first. */
	for (size_t i = 0; i < n; i++) {
		if (done[i] || !targets[i].container || e->actions[i].kind != DDB_REMOVE)
			continue;
		long *idx = xcalloc(n, sizeof(long));
		size_t k = 0;
		for (size_t j = i; j < n; j++)
			if (!done[j] && e->actions[j].kind == DDB_REMOVE &&
			    targets[j].container == targets[i].container) {
				done[j] = true;
				if (!targets[j].beyond)
					idx[k++] = targets[j].index;
			}
		qsort(idx, k, sizeof(long), cmp_long_desc);
		for (size_t j = 0; j < k; j++)
			cJSON_DeleteItemFromArray(targets[i].container, (int)idx[j]);
		free(idx);
	}
	/* Elements set past a list's end are appended in the order of their indexes. */
	for (size_t i = 0; i < n; i++) {
		if (done[i] || !targets[i].container)
			continue;
		struct append *ap = xcalloc(n, sizeof(*ap));
		size_t k = 0;
		for (size_t j = i; j < n; j++)
			if (!done[j] && targets[j].container == targets[i].container) {
				done[j] = true;
				cJSON *v =
					e->actions[j].kind == DDB_SET
						? values[j]
						: cJSON_Duplicate(e->actions[j].value->value, true);
				if (e->actions[j].kind == DDB_DELETE) {
					cJSON_Delete(v);
					continue;
				}
				values[j] = NULL;
				ap[k++] = (struct append){ targets[j].index, v };
			}
		qsort(ap, k, sizeof(*ap), cmp_append);
		for (size_t j = 0; j < k; j++)
			cJSON_AddItemToArray(targets[i].container, ap[j].value);
		free(ap);
	}
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(values[i]);
	free(values);
	free(targets);
	free(done);
	return out;
fail:
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(values[i]);
	free(values);
	free(targets);
	free(done);
	cJSON_Delete(out);
	return NULL;
}

cJSON *ddb_expr_project_updated(const struct ddb_expr *e, const cJSON *item)
{
	struct suffix *sx = xcalloc(e->nactions ? e->nactions : 1, sizeof(*sx));
	for (size_t i = 0; i < e->nactions; i++)
		sx[i] = (struct suffix){ &e->actions[i].path, 0 };
	cJSON *out = project_members(item, sx, e->nactions);
	free(sx);
	return out;
}

static void node_roots(const struct ddb_node *n, void (*fn)(const char *name, void *arg), void *arg)
{
	if (!n)
		return;
	if (n->kind == N_PATH && n->path.n && n->path.steps[0].name)
		fn(n->path.steps[0].name, arg);
	for (size_t i = 0; i < n->nkids; i++)
		node_roots(n->kids[i], fn, arg);
}

void ddb_expr_roots(const struct ddb_expr *e, void (*fn)(const char *name, void *arg), void *arg)
{
	node_roots(e->root, fn, arg);
}

void ddb_expr_update_roots(const struct ddb_expr *e, void (*fn)(const char *name, void *arg),
			   void *arg)
{
	for (size_t i = 0; i < e->nactions; i++)
		fn(e->actions[i].path.steps[0].name, arg);
}

/* ------------------------------------------------------------------------------------------ */
/* Key conditions */

static bool collect_keys(struct ddb_node *n, struct ddb_node **leaves, size_t *nleaves,
			 struct aws_err *err)
{
	if (n->kind == N_AND)
		return collect_keys(n->kids[0], leaves, nleaves, err) &&
		       collect_keys(n->kids[1], leaves, nleaves, err);
	if (n->kind == N_OR || n->kind == N_NOT)
		return ddb_invalid(err, "Invalid operator used in KeyConditionExpression: %s",
				   n->kind == N_OR ? "OR" : "NOT");
	if (n->kind == N_IN)
		return ddb_invalid(err, "Invalid operator used in KeyConditionExpression: %s",
				   "IN");
	if (n->kind == N_CMP && n->op == T_NE)
		return ddb_invalid(err, "Invalid operator used in KeyConditionExpression: %s",
				   "<>");
	if (n->kind != N_CMP && n->kind != N_BETWEEN && n->kind != N_BEGINS)
		return ddb_invalid(err, "Invalid operator used in KeyConditionExpression: %s",
				   n->text ? n->text : "");
	if (*nleaves == 2)
		return ddb_invalid(err, "Conditions can be of length 1 or 2 only");
	leaves[(*nleaves)++] = n;
	return true;
}

static enum ddb_key_op flip(enum tok_kind k, bool flipped)
{
	switch (k) {
	case T_EQ:
		return DDB_KEY_EQ;
	case T_LT:
		return flipped ? DDB_KEY_GT : DDB_KEY_LT;
	case T_LE:
		return flipped ? DDB_KEY_GE : DDB_KEY_LE;
	case T_GT:
		return flipped ? DDB_KEY_LT : DDB_KEY_GT;
	case T_GE:
		return flipped ? DDB_KEY_LE : DDB_KEY_GE;
	default:
		abort();
	}
}

bool ddb_expr_key_conds(struct ddb_expr *e, const char *hash, const char *range,
			struct aws_err *err)
{
	struct ddb_node *leaves[2];
	size_t n = 0;
	assert(e->type == DDB_EXPR_KEY);
	if (!collect_keys(e->root, leaves, &n, err))
		return false;
	struct ddb_key_cond conds[2];
	for (size_t i = 0; i < n; i++) {
		struct ddb_node *l = leaves[i];
		struct ddb_key_cond *c = &conds[i];
		memset(c, 0, sizeof(*c));
		struct ddb_node *path = NULL;
		size_t paths = 0;
		for (size_t k = 0; k < l->nkids; k++)
			if (l->kids[k]->kind == N_PATH) {
				paths++;
				path = path ? path : l->kids[k];
			}
		if (paths > 1)
			return ddb_invalid(err, "Invalid condition in KeyConditionExpression: "
						"Multiple attribute names used in one condition");
		if (!path || l->kids[0] != path || path->path.n != 1 || !path->path.steps[0].name)
			return ddb_invalid(err, "Query key condition not supported");
		c->name = path->path.steps[0].name;
		if (l->kind == N_CMP) {
			c->op = flip(l->op, false);
			c->value = l->kids[1]->value;
		} else if (l->kind == N_BETWEEN) {
			c->op = DDB_KEY_BETWEEN;
			c->value = l->kids[1]->value;
			c->value2 = l->kids[2]->value;
		} else {
			c->op = DDB_KEY_BEGINS;
			c->value = l->kids[1]->value;
		}
		if (!c->value || (c->op == DDB_KEY_BETWEEN && !c->value2))
			return ddb_invalid(err, "Query key condition not supported");
	}
	if (n == 2 && strcmp(conds[0].name, conds[1].name) == 0)
		return ddb_invalid(
			err, "KeyConditionExpressions must only contain one condition per key");
	int h = -1, r = -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(conds[i].name, hash) == 0)
			h = (int)i;
		else if (range && strcmp(conds[i].name, range) == 0)
			r = (int)i;
		else
			return ddb_invalid(err, "Query condition missed key schema element: %s",
					   h < 0 && i == 0 && n == 1 ? hash
					   : range                   ? range
								     : hash);
	}
	if (h < 0)
		return ddb_invalid(err, "Query condition missed key schema element: %s", hash);
	if (conds[h].op != DDB_KEY_EQ)
		return ddb_invalid(err, "Query key condition not supported");
	e->keys[0] = conds[h];
	e->nkeys = 1;
	if (r >= 0)
		e->keys[e->nkeys++] = conds[r];
	return true;
}
