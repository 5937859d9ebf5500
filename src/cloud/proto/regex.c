/*
 * The API models' patterns are Java regular expressions (java.util.regex), matched against the
 * whole value. POSIX ERE lacks what they use (lookahead and lookbehind, back-references, \p{L},
 * \u escapes, (?i)), so this is a small backtracking matcher of that dialect over code points.
 *
 * Where it is not Java's: \p{L}, \p{N}, \p{M}, \p{S} and \p{P} are exact for ASCII and take
 * every other code point as a letter (no Unicode tables); \p{Z} knows Unicode's spaces. A
 * pattern it cannot parse, or a match that runs past its step budget (hostile input against
 * a nested repetition), counts as a match: the service's own checks still apply.
 * Patterns are compiled once and kept (a small lock-free cache keyed by the pattern pointer).
 */
#include "cloud/proto/codec.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

enum node_type {
	N_CHAR,
	N_CLASS,
	N_ANY,
	N_GROUP, /* alternatives; capture when cap > 0 */
	N_REPEAT,
	N_BOL,
	N_EOL,
	N_WORDB,
	N_NWORDB,
	N_BACKREF,
	N_LOOK,
};

struct range {
	uint32_t lo, hi;
};

/* Named classes, as bits. */
#define C_DIGIT  1u
#define C_WORD   2u
#define C_SPACE  4u
#define C_LETTER 8u
#define C_NUMBER 16u
#define C_SEPAR  32u
#define C_MARK   64u
#define C_SYMBOL 128u
#define C_PUNCT  256u
#define C_PRINT  512u

struct node {
	enum node_type type;
	struct node *next; /* the following node of the sequence */
	uint32_t ch;
	/* N_CLASS */
	struct range *ranges;
	size_t nranges;
	unsigned classes, nclasses; /* named classes in, and negated named classes in */
	bool negate;
	/* N_GROUP: alts[i] is a sequence; N_REPEAT, N_LOOK: alts[0] */
	struct node **alts;
	size_t nalts;
	int cap;
	int min, max; /* max < 0: unbounded */
	bool greedy;
	bool behind, neg; /* N_LOOK */
};

struct regex {
	struct node *root; /* a group */
	int ncaps;
	bool icase;
	bool broken;
};

/* Parsing. */

struct parser {
	const char *p;
	struct regex *rx;
};

static uint32_t utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t c = *p++;
	int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (extra)
		c &= 0x3fu >> extra;
	while (extra-- > 0 && (*p & 0xc0) == 0x80)
		c = c << 6 | (*p++ & 0x3f);
	*s = (const char *)p;
	return c;
}

static struct node *node_new(enum node_type t)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->type = t;
	return n;
}

static void node_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;
		for (size_t i = 0; i < n->nalts; i++)
			node_free(n->alts[i]);
		free(n->alts);
		free(n->ranges);
		free(n);
		n = next;
	}
}

static void class_add(struct node *n, uint32_t lo, uint32_t hi)
{
	n->ranges = xreallocarray(n->ranges, n->nranges + 1, sizeof(*n->ranges));
	n->ranges[n->nranges].lo = lo;
	n->ranges[n->nranges].hi = hi;
	n->nranges++;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* \p{Name}: its class bit, or 0. */
static unsigned prop_class(struct parser *ps)
{
	static const struct {
		const char *name;
		unsigned bit;
	} props[] = {
		{ "L", C_LETTER },     { "IsAlphabetic", C_LETTER },
		{ "Alpha", C_LETTER }, { "N", C_NUMBER },
		{ "Nd", C_NUMBER },    { "Digit", C_NUMBER },
		{ "Z", C_SEPAR },      { "Zs", C_SEPAR },
		{ "M", C_MARK },       { "S", C_SYMBOL },
		{ "P", C_PUNCT },      { "Punct", C_PUNCT },
		{ "Print", C_PRINT },  { "Graph", C_PRINT },
	};
	if (*ps->p != '{') {
		char one[2] = { *ps->p, 0 };
		ps->p++;
		for (size_t i = 0; i < sizeof(props) / sizeof(*props); i++)
			if (strcmp(props[i].name, one) == 0)
				return props[i].bit;
		return 0;
	}
	const char *end = strchr(ps->p, '}');
	if (!end)
		return 0;
	size_t len = (size_t)(end - ps->p - 1);
	unsigned bit = 0;
	for (size_t i = 0; i < sizeof(props) / sizeof(*props); i++)
		if (strlen(props[i].name) == len && strncmp(props[i].name, ps->p + 1, len) == 0)
			bit = props[i].bit;
	ps->p = end + 1;
	return bit;
}

/*
 * An escape after '\' (ps->p at the letter). Returns a code point, or sets *cls to named class
 * bits (negated in *ncls). -1: an escape that is not a character (\b, \1: the caller's).
 */
static long parse_escape(struct parser *ps, unsigned *cls, unsigned *ncls)
{
	char c = *ps->p++;
	int h;
	long v = 0;
	*cls = *ncls = 0;
	switch (c) {
	case 'd':
		*cls = C_DIGIT;
		return 0;
	case 'D':
		*ncls = C_DIGIT;
		return 0;
	case 'w':
		*cls = C_WORD;
		return 0;
	case 'W':
		*ncls = C_WORD;
		return 0;
	case 's':
		*cls = C_SPACE;
		return 0;
	case 'S':
		*ncls = C_SPACE;
		return 0;
	case 'p':
		*cls = prop_class(ps);
		if (!*cls)
			ps->rx->broken = true;
		return 0;
	case 'P':
		*ncls = prop_class(ps);
		if (!*ncls)
			ps->rx->broken = true;
		return 0;
	case 't':
		return '\t';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 'f':
		return '\f';
	case '0':
		return 0;
	case 'u':
		for (int i = 0; i < 4; i++) {
			if ((h = hexval(*ps->p)) < 0) {
				ps->rx->broken = true;
				return 0;
			}
			v = v * 16 + h;
			ps->p++;
		}
		return v;
	case 'x':
		if (*ps->p == '{') {
			ps->p++;
			while ((h = hexval(*ps->p)) >= 0) {
				v = v * 16 + h;
				ps->p++;
			}
			if (*ps->p == '}')
				ps->p++;
			return v;
		}
		for (int i = 0; i < 2; i++) {
			if ((h = hexval(*ps->p)) < 0) {
				ps->rx->broken = true;
				return 0;
			}
			v = v * 16 + h;
			ps->p++;
		}
		return v;
	case '\0':
		ps->p--;
		ps->rx->broken = true;
		return 0;
	default:
		if (isalnum((unsigned char)c)) {
			ps->p--;
			return -1;
		}
		return (unsigned char)c;
	}
}

static struct node *parse_class(struct parser *ps)
{
	struct node *n = node_new(N_CLASS);
	if (*ps->p == '^') {
		n->negate = true;
		ps->p++;
	}
	bool first = true;
	while (*ps->p && (*ps->p != ']' || first)) {
		first = false;
		uint32_t lo;
		unsigned cls = 0, ncls = 0;
		if (*ps->p == '[') {
			/* A nested class (union): take its ranges. */
			ps->p++;
			struct node *inner = parse_class(ps);
			for (size_t i = 0; i < inner->nranges; i++)
				class_add(n, inner->ranges[i].lo, inner->ranges[i].hi);
			n->classes |= inner->classes;
			node_free(inner);
			continue;
		}
		if (*ps->p == '\\') {
			ps->p++;
			long e = parse_escape(ps, &cls, &ncls);
			if (e < 0) {
				ps->rx->broken = true;
				ps->p++;
				continue;
			}
			if (cls || ncls) {
				n->classes |= cls;
				n->nclasses |= ncls;
				continue;
			}
			lo = (uint32_t)e;
		} else if (ps->p[0] == '&' && ps->p[1] == '&') {
			ps->rx->broken = true; /* intersections: not in the models */
			ps->p += 2;
			continue;
		} else {
			lo = utf8_next(&ps->p);
		}
		uint32_t hi = lo;
		if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
			ps->p++;
			if (*ps->p == '\\') {
				ps->p++;
				long e = parse_escape(ps, &cls, &ncls);
				if (e < 0 || cls || ncls) {
					ps->rx->broken = true;
					continue;
				}
				hi = (uint32_t)e;
			} else {
				hi = utf8_next(&ps->p);
			}
		}
		class_add(n, lo, hi);
	}
	if (*ps->p == ']')
		ps->p++;
	else
		ps->rx->broken = true;
	return n;
}

static struct node *parse_alts(struct parser *ps, int cap);

static struct node *parse_atom(struct parser *ps)
{
	struct node *n;
	unsigned cls, ncls;
	const char c = *ps->p;
	switch (c) {
	case '(': {
		ps->p++;
		if (ps->p[0] == '?') {
			if (ps->p[1] == ':') {
				ps->p += 2;
				return parse_alts(ps, 0);
			}
			if (ps->p[1] == '=' || ps->p[1] == '!' ||
			    (ps->p[1] == '<' && (ps->p[2] == '=' || ps->p[2] == '!'))) {
				n = node_new(N_LOOK);
				n->behind = ps->p[1] == '<';
				ps->p += n->behind ? 2 : 1;
				n->neg = *ps->p == '!';
				ps->p++;
				n->alts = xmalloc(sizeof(*n->alts));
				n->alts[0] = parse_alts(ps, 0);
				n->nalts = 1;
				return n;
			}
			if (ps->p[1] == 'i' && ps->p[2] == ')') {
				ps->rx->icase = true;
				ps->p += 3;
				return NULL;
			}
			ps->rx->broken = true;
			ps->p++;
			return parse_alts(ps, 0);
		}
		return parse_alts(ps, ++ps->rx->ncaps);
	}
	case '[':
		ps->p++;
		return parse_class(ps);
	case '.':
		ps->p++;
		return node_new(N_ANY);
	case '^':
		ps->p++;
		return node_new(N_BOL);
	case '$':
		ps->p++;
		return node_new(N_EOL);
	case '\\':
		ps->p++;
		if (*ps->p == 'b' || *ps->p == 'B') {
			n = node_new(*ps->p == 'b' ? N_WORDB : N_NWORDB);
			ps->p++;
			return n;
		}
		if (isdigit((unsigned char)*ps->p) && *ps->p != '0') {
			n = node_new(N_BACKREF);
			while (isdigit((unsigned char)*ps->p))
				n->cap = n->cap * 10 + (*ps->p++ - '0');
			return n;
		}
		if (*ps->p == 'A' || *ps->p == 'z' || *ps->p == 'Z') {
			n = node_new(*ps->p == 'A' ? N_BOL : N_EOL);
			ps->p++;
			return n;
		}
		if (*ps->p == 'Q') {
			/* \Q...\E: literal text. */
			ps->p++;
			struct node *head = NULL, **tail = &head;
			while (*ps->p && !(ps->p[0] == '\\' && ps->p[1] == 'E')) {
				*tail = node_new(N_CHAR);
				(*tail)->ch = utf8_next(&ps->p);
				tail = &(*tail)->next;
			}
			if (*ps->p)
				ps->p += 2;
			n = node_new(N_GROUP);
			n->alts = xmalloc(sizeof(*n->alts));
			n->alts[0] = head;
			n->nalts = 1;
			return n;
		}
		{
			long e = parse_escape(ps, &cls, &ncls);
			if (e < 0) {
				ps->rx->broken = true;
				ps->p++;
				return NULL;
			}
			if (cls || ncls) {
				n = node_new(N_CLASS);
				n->classes = cls;
				n->nclasses = ncls;
				return n;
			}
			n = node_new(N_CHAR);
			n->ch = (uint32_t)e;
			return n;
		}
	default:
		n = node_new(N_CHAR);
		n->ch = utf8_next(&ps->p);
		return n;
	}
}

/* A quantifier after an atom, if any. */
static struct node *parse_quant(struct parser *ps, struct node *atom)
{
	int min, max;
	const char c = *ps->p;
	if (c == '*') {
		min = 0, max = -1;
		ps->p++;
	} else if (c == '+') {
		min = 1, max = -1;
		ps->p++;
	} else if (c == '?') {
		min = 0, max = 1;
		ps->p++;
	} else if (c == '{' && isdigit((unsigned char)ps->p[1])) {
		char *end;
		min = (int)strtol(ps->p + 1, &end, 10);
		max = min;
		if (*end == ',') {
			end++;
			max = isdigit((unsigned char)*end) ? (int)strtol(end, &end, 10) : -1;
		}
		if (*end != '}') {
			ps->rx->broken = true;
			return atom;
		}
		ps->p = end + 1;
	} else {
		return atom;
	}
	struct node *r = node_new(N_REPEAT);
	r->alts = xmalloc(sizeof(*r->alts));
	r->alts[0] = atom;
	r->nalts = 1;
	r->min = min;
	r->max = max;
	r->greedy = true;
	if (*ps->p == '?') {
		r->greedy = false;
		ps->p++;
	} else if (*ps->p == '+') {
		ps->p++; /* possessive: taken as greedy */
	}
	return parse_quant(ps, r);
}

/* A sequence up to '|' or ')' or the end. */
static struct node *parse_seq(struct parser *ps)
{
	struct node *head = NULL, **tail = &head;
	while (*ps->p && *ps->p != '|' && *ps->p != ')') {
		struct node *a = parse_atom(ps);
		if (!a)
			continue;
		a = parse_quant(ps, a);
		*tail = a;
		tail = &a->next;
	}
	return head;
}

static struct node *parse_alts(struct parser *ps, int cap)
{
	struct node *g = node_new(N_GROUP);
	g->cap = cap;
	for (;;) {
		g->alts = xreallocarray(g->alts, g->nalts + 1, sizeof(*g->alts));
		g->alts[g->nalts++] = parse_seq(ps);
		if (*ps->p != '|')
			break;
		ps->p++;
	}
	if (cap >= 0 && ps->p[0] == ')')
		ps->p++;
	else if (cap >= 0)
		ps->rx->broken = true;
	return g;
}

static void regex_free(struct regex *rx)
{
	if (rx) {
		node_free(rx->root);
		free(rx);
	}
}

static struct regex *regex_compile(const char *pattern)
{
	struct regex *rx = xcalloc(1, sizeof(*rx));
	struct parser ps = { .p = pattern, .rx = rx };
	rx->root = parse_alts(&ps, -1);
	if (*ps.p)
		rx->broken = true;
	return rx;
}

/* Matching. */

struct cap {
	long start, end;
};

struct matcher {
	const struct regex *rx;
	const uint32_t *s;
	size_t len;
	struct cap caps[100];
	long steps;
	int depth;
	bool gave_up;
};

/* What to match after the current sequence ends. */
struct cont {
	enum {
		K_SEQ,
		K_REPEAT,
		K_CAPTURE,
		K_ACCEPT
	} type;
	const struct node *n;
	int count;
	size_t start;
	const struct cont *next;
};

#define MAX_STEPS 200000
#define MAX_DEPTH 1000 /* frames of match(), each with a few of repeat() and resume() */

static bool is_word(uint32_t c)
{
	return c < 128 && (isalnum((int)c) || c == '_');
}

static bool in_named(unsigned bits, uint32_t c)
{
	if ((bits & C_DIGIT) && c < 128 && isdigit((int)c))
		return true;
	if ((bits & C_WORD) && is_word(c))
		return true;
	if ((bits & C_SPACE) && (c == ' ' || (c >= '\t' && c <= '\r')))
		return true;
	if (bits & C_PRINT)
		return c >= 0x20 && c < 0x7f;
	if (c < 128) {
		if ((bits & C_LETTER) && isalpha((int)c))
			return true;
		if ((bits & C_NUMBER) && isdigit((int)c))
			return true;
		if ((bits & C_SEPAR) && c == ' ')
			return true;
		if ((bits & C_PUNCT) && ispunct((int)c) && !strchr("$+<=>^`|~", (int)c))
			return true;
		if ((bits & C_SYMBOL) && c < 128 && strchr("$+<=>^`|~", (int)c) && c)
			return true;
		return false;
	}
	bool space = c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
		     c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
	if (space)
		return bits & C_SEPAR;
	return bits & (C_LETTER | C_NUMBER | C_MARK | C_SYMBOL | C_PUNCT);
}

static uint32_t fold(uint32_t c)
{
	return c < 128 ? (uint32_t)tolower((int)c) : c;
}

static bool class_has(const struct matcher *m, const struct node *n, uint32_t c)
{
	bool in = in_named(n->classes, c) || (n->nclasses && !in_named(n->nclasses, c));
	for (size_t i = 0; !in && i < n->nranges; i++) {
		in = c >= n->ranges[i].lo && c <= n->ranges[i].hi;
		if (!in && m->rx->icase && c < 128) {
			uint32_t u = (uint32_t)toupper((int)c), l = (uint32_t)tolower((int)c);
			in = (u >= n->ranges[i].lo && u <= n->ranges[i].hi) ||
			     (l >= n->ranges[i].lo && l <= n->ranges[i].hi);
		}
	}
	return in != n->negate;
}

/* Whether the single-character node n matches at i. */
static bool one(const struct matcher *m, const struct node *n, size_t i)
{
	if (i >= m->len)
		return false;
	uint32_t c = m->s[i];
	switch (n->type) {
	case N_CHAR:
		return c == n->ch || (m->rx->icase && fold(c) == fold(n->ch));
	case N_ANY:
		return c != '\n';
	case N_CLASS:
		return class_has(m, n, c);
	default:
		return false;
	}
}

static bool match(struct matcher *m, const struct node *n, size_t i, const struct cont *k);

static bool resume(struct matcher *m, size_t i, const struct cont *k);

static bool repeat(struct matcher *m, const struct node *n, int count, size_t i, size_t last,
		   const struct cont *k)
{
	const struct node *child = n->alts[0];
	bool single = child && !child->next &&
		      (child->type == N_CHAR || child->type == N_ANY || child->type == N_CLASS);
	if (single) {
		/* A run of one-character matches, without recursing per character. */
		size_t j = i;
		long got = count;
		while ((n->max < 0 || got < n->max) && one(m, child, j)) {
			j++;
			got++;
		}
		if (got < n->min)
			return false;
		if (n->greedy) {
			for (long c = got; c >= n->min && c >= count; c--)
				if (resume(m, i + (size_t)(c - count), k))
					return true;
		} else {
			for (long c = count < n->min ? n->min : count; c <= got; c++)
				if (resume(m, i + (size_t)(c - count), k))
					return true;
		}
		return false;
	}
	struct cont again = { K_REPEAT, n, count + 1, i, k };
	bool may_more =
		(n->max < 0 || count < n->max) && (count == 0 || i != last || count < n->min);
	if (count < n->min)
		return match(m, child, i, &again);
	if (n->greedy)
		return (may_more && match(m, child, i, &again)) || resume(m, i, k);
	return resume(m, i, k) || (may_more && match(m, child, i, &again));
}

static bool resume(struct matcher *m, size_t i, const struct cont *k)
{
	if (!k)
		return i == m->len;
	switch (k->type) {
	case K_SEQ:
		return match(m, k->n, i, k->next);
	case K_REPEAT:
		return repeat(m, k->n, k->count, i, k->start, k->next);
	case K_CAPTURE: {
		struct cap saved = m->caps[k->count];
		m->caps[k->count].start = (long)k->start;
		m->caps[k->count].end = (long)i;
		if (resume(m, i, k->next))
			return true;
		m->caps[k->count] = saved;
		return false;
	}
	case K_ACCEPT:
		m->caps[0].end = (long)i;
		return true;
	}
	abort();
}

static bool match(struct matcher *m, const struct node *n, size_t i, const struct cont *k)
{
	if (++m->steps > MAX_STEPS || m->depth > MAX_DEPTH) {
		m->gave_up = true;
		return true;
	}
	if (!n)
		return resume(m, i, k);
	m->depth++;
	bool ok = false;
	struct cont rest = { K_SEQ, n->next, 0, 0, k };
	const struct cont *after = n->next ? &rest : k;
	switch (n->type) {
	case N_CHAR:
	case N_ANY:
	case N_CLASS:
		ok = one(m, n, i) && match(m, n->next, i + 1, k);
		break;
	case N_BOL:
		ok = i == 0 && match(m, n->next, i, k);
		break;
	case N_EOL:
		ok = i == m->len && match(m, n->next, i, k);
		break;
	case N_WORDB:
	case N_NWORDB: {
		bool a = i > 0 && is_word(m->s[i - 1]), b = i < m->len && is_word(m->s[i]);
		ok = ((a != b) == (n->type == N_WORDB)) && match(m, n->next, i, k);
		break;
	}
	case N_BACKREF: {
		struct cap c = n->cap < 100 ? m->caps[n->cap] : (struct cap){ -1, -1 };
		size_t len = c.start >= 0 && c.end >= c.start ? (size_t)(c.end - c.start) : 0;
		ok = i + len <= m->len &&
		     (len == 0 || memcmp(m->s + c.start, m->s + i, len * sizeof(*m->s)) == 0) &&
		     match(m, n->next, i + len, k);
		break;
	}
	case N_GROUP: {
		struct cont capture = { K_CAPTURE, NULL, n->cap, i, after };
		const struct cont *end = n->cap > 0 && n->cap < 100 ? &capture : after;
		for (size_t a = 0; a < n->nalts && !ok; a++)
			ok = match(m, n->alts[a], i, end);
		break;
	}
	case N_REPEAT:
		ok = repeat(m, n, 0, i, (size_t)-1, after);
		break;
	case N_LOOK: {
		bool found = false;
		struct cont accept = { K_ACCEPT, NULL, 0, 0, NULL };
		if (!n->behind) {
			found = match(m, n->alts[0], i, &accept);
		} else {
			for (size_t start = i + 1; start-- > 0 && !found;) {
				struct matcher sub = *m;
				sub.len = i;
				found = match(&sub, n->alts[0], start, NULL);
				m->steps = sub.steps;
			}
		}
		ok = found != n->neg && match(m, n->next, i, k);
		break;
	}
	}
	m->depth--;
	return ok;
}

/* Compiled patterns, keyed by the pattern's address in the generated tables. */
#define CACHE_SIZE 4096

static struct {
	const char *pattern;
	struct regex *rx;
} cache[CACHE_SIZE];
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

static const struct regex *compiled(const char *pattern)
{
	size_t h = ((uintptr_t)pattern >> 3) % CACHE_SIZE;
	const struct regex *rx = NULL;
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		size_t j = (h + i) % CACHE_SIZE;
		if (cache[j].pattern == pattern) {
			rx = cache[j].rx;
			break;
		}
		if (!cache[j].pattern) {
			cache[j].pattern = pattern;
			cache[j].rx = regex_compile(pattern);
			rx = cache[j].rx;
			break;
		}
	}
	pthread_mutex_unlock(&cache_mu);
	return rx;
}

bool codec_regex_match(const char *pattern, const char *s)
{
	const struct regex *rx = compiled(pattern);
	struct regex *own = NULL;
	bool ok;
	if (!rx)
		rx = own = regex_compile(pattern);
	if (rx->broken) {
		regex_free(own);
		return true;
	}
	size_t n = strlen(s);
	uint32_t small[256];
	uint32_t *cps = n <= 256 ? small : xmalloc(n * sizeof(*cps));
	size_t len = 0;
	while (*s)
		cps[len++] = utf8_next(&s);
	struct matcher *m = xmalloc(sizeof(*m));
	m->rx = rx;
	m->s = cps;
	m->len = len;
	m->steps = 0;
	m->depth = 0;
	m->gave_up = false;
	for (size_t i = 0; i < 100; i++)
		m->caps[i].start = m->caps[i].end = -1;
	ok = match(m, rx->root, 0, NULL) || m->gave_up;
	free(m);
	if (cps != small)
		free(cps);
	regex_free(own);
	return ok;
}
