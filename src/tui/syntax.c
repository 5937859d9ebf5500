/*
 * One scanner for five languages: they differ in comments, quotes, keywords and what makes a key,
 * which the table of languages below says. Multi-line constructs keep their state between lines.
 */
#include "tui/syntax.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

enum {
	ST_NONE,
	ST_BLOCK_COMMENT, /* JS */
	ST_TRIPLE_DQ,     /* Python """ */
	ST_TRIPLE_SQ,     /* Python ''' */
	ST_TEMPLATE,      /* JS ` */
};

static const char *const python_words[] = {
	"False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
	"class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
	"from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
	"or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield",    NULL,
};

static const char *const js_words[] = {
	"async",   "await",  "break",    "case",    "catch",  "class",     "const",      "continue",
	"default", "delete", "do",       "else",    "export", "extends",   "false",      "finally",
	"for",     "from",   "function", "if",      "import", "in",        "instanceof", "let",
	"new",     "null",   "of",       "require", "return", "static",    "super",      "switch",
	"this",    "throw",  "true",     "try",     "typeof", "undefined", "var",        "void",
	"while",   "yield",  NULL,
};

static const char *const json_words[] = { "true", "false", "null", NULL };

static const char *const yaml_words[] = { "true", "false", "null", "yes", "no", "on", "off",
					  "True", "False", "Null", "Yes", "No", "~",  NULL };

static const char *const sh_words[] = {
	"case", "do",    "done",     "elif", "else",  "esac",   "export",
	"fi",   "for",   "function", "if",   "in",    "local",  "return",
	"then", "until", "while",    "set",  "unset", "source", NULL,
};

static const char *const *const words[] = {
	[SYNTAX_NONE] = NULL,       [SYNTAX_PYTHON] = python_words, [SYNTAX_JS] = js_words,
	[SYNTAX_JSON] = json_words, [SYNTAX_YAML] = yaml_words,     [SYNTAX_SH] = sh_words,
};

enum syntax_lang syntax_lang_from_name(const char *name, size_t len)
{
	static const struct {
		const char *name;
		enum syntax_lang lang;
	} names[] = {
		{ "python", SYNTAX_PYTHON },  { "py", SYNTAX_PYTHON },
		{ "python3", SYNTAX_PYTHON }, { "javascript", SYNTAX_JS },
		{ "js", SYNTAX_JS },          { "node", SYNTAX_JS },
		{ "nodejs", SYNTAX_JS },      { "mjs", SYNTAX_JS },
		{ "cjs", SYNTAX_JS },         { "typescript", SYNTAX_JS },
		{ "ts", SYNTAX_JS },          { "json", SYNTAX_JSON },
		{ "yaml", SYNTAX_YAML },      { "yml", SYNTAX_YAML },
		{ "sh", SYNTAX_SH },          { "bash", SYNTAX_SH },
		{ "shell", SYNTAX_SH },       { "console", SYNTAX_SH },
		{ "zsh", SYNTAX_SH },         { "shell-session", SYNTAX_SH },
	};
	size_t n = 0;
	while (n < len && name[n] != ' ' && name[n] != '\t' && name[n] != '{' && name[n] != ',')
		n++;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && strncasecmp(names[i].name, name, n) == 0)
			return names[i].lang;
	return SYNTAX_NONE;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident(enum syntax_lang lang, char c)
{
	return is_alpha(c) || is_digit(c) || (lang == SYNTAX_JS && c == '$') ||
	       (lang == SYNTAX_SH && c == '-') || (unsigned char)c >= 0x80;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void fill(unsigned char *cls, size_t a, size_t b, int c)
{
	memset(cls + a, c, b - a);
}

static bool is_word(enum syntax_lang lang, const char *s, size_t n)
{
	const char *const *w = words[lang];
	for (; w && *w; w++)
		if (strlen(*w) == n && memcmp(*w, s, n) == 0)
			return true;
	return false;
}

/* The index just after the closing delimiter close (of length cl) from i, or n if none. */
static size_t find_close(const char *s, size_t n, size_t i, const char *close, size_t cl,
			 bool escapes, bool *found)
{
	while (i < n) {
		if (escapes && s[i] == '\\') {
			i += 2;
			continue;
		}
		if (i + cl <= n && memcmp(s + i, close, cl) == 0) {
			*found = true;
			return i + cl;
		}
		i++;
	}
	*found = false;
	return n;
}

/* Whether the next non-blank byte from i is a ':' that ends a key. */
static bool colon_follows(enum syntax_lang lang, const char *s, size_t n, size_t i)
{
	while (i < n && is_space(s[i]))
		i++;
	if (i >= n || s[i] != ':')
		return false;
	if (lang == SYNTAX_YAML)
		return i + 1 == n || is_space(s[i + 1]);
	return i + 1 >= n || s[i + 1] != ':';
}

static bool comment_starts(enum syntax_lang lang, const char *s, size_t n, size_t i)
{
	switch (lang) {
	case SYNTAX_PYTHON:
		return s[i] == '#';
	case SYNTAX_JS:
		return s[i] == '/' && i + 1 < n && s[i + 1] == '/';
	case SYNTAX_YAML:
	case SYNTAX_SH:
		/* "#" starts a comment only as a word of its own: not in a$#b or key#x */
		return s[i] == '#' && (i == 0 || is_space(s[i - 1]));
	case SYNTAX_JSON:
	case SYNTAX_NONE:
		return false;
	}
	return false;
}

static bool is_quote(enum syntax_lang lang, char c)
{
	switch (lang) {
	case SYNTAX_JS:
		return c == '"' || c == '\'' || c == '`';
	case SYNTAX_JSON:
		return c == '"';
	case SYNTAX_PYTHON:
	case SYNTAX_YAML:
	case SYNTAX_SH:
		return c == '"' || c == '\'';
	case SYNTAX_NONE:
		return false;
	}
	return false;
}

/* Scan the string starting with the quote at i; returns the index after it. */
static size_t scan_string(enum syntax_lang lang, const char *s, size_t n, size_t i, int *state)
{
	char q = s[i];
	bool found;
	if (lang == SYNTAX_PYTHON && i + 2 < n && s[i + 1] == q && s[i + 2] == q) {
		char close[4] = { q, q, q, 0 };
		size_t end = find_close(s, n, i + 3, close, 3, true, &found);
		if (!found)
			*state = q == '"' ? ST_TRIPLE_DQ : ST_TRIPLE_SQ;
		return end;
	}
	if (lang == SYNTAX_JS && q == '`') {
		size_t end = find_close(s, n, i + 1, "`", 1, true, &found);
		if (!found)
			*state = ST_TEMPLATE;
		return end;
	}
	/* In YAML and the shell, single quotes have no escapes ('' is a quote in YAML). */
	bool escapes = !((lang == SYNTAX_SH || lang == SYNTAX_YAML) && q == '\'');
	char close[2] = { q, 0 };
	return find_close(s, n, i + 1, close, 1, escapes, &found);
}

static size_t scan_number(const char *s, size_t n, size_t i)
{
	if (s[i] == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		i += 2;
		while (i < n && (is_digit(s[i]) || (s[i] >= 'a' && s[i] <= 'f') ||
				 (s[i] >= 'A' && s[i] <= 'F') || s[i] == '_'))
			i++;
		return i;
	}
	while (i < n && (is_digit(s[i]) || s[i] == '_' || s[i] == '.'))
		i++;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < n && is_digit(s[j])) {
			i = j;
			while (i < n && is_digit(s[i]))
				i++;
		}
	}
	return i;
}

/* A YAML line's key: after the indent and any "- ", text up to ": " or a final ':'. */
static size_t yaml_key(const char *s, size_t n, size_t i, unsigned char *cls)
{
	while (i < n && is_space(s[i]))
		i++;
	while (i + 1 < n && s[i] == '-' && is_space(s[i + 1])) {
		cls[i] = SYN_PUNCT;
		i += 2;
		while (i < n && is_space(s[i]))
			i++;
	}
	if (i >= n || s[i] == '#' || s[i] == '"' || s[i] == '\'' || s[i] == '[' || s[i] == '{')
		return i;
	for (size_t j = i; j < n; j++) {
		if (s[j] == '#' && j > 0 && is_space(s[j - 1]))
			break;
		if (s[j] == ':' && (j + 1 == n || is_space(s[j + 1]))) {
			fill(cls, i, j, SYN_KEY);
			cls[j] = SYN_PUNCT;
			return j + 1;
		}
	}
	return i;
}

static void scan(enum syntax_lang lang, const char *s, size_t n, size_t i, int *state,
		 unsigned char *cls)
{
	static const char punct[] = "(){}[]:;,.=<>+-*/%!&|^~?@\\";
	if (lang == SYNTAX_YAML)
		i = yaml_key(s, n, i, cls);
	while (i < n) {
		char c = s[i];
		if (is_space(c)) {
			i++;
			continue;
		}
		if (comment_starts(lang, s, n, i)) {
			fill(cls, i, n, SYN_COMMENT);
			return;
		}
		if (lang == SYNTAX_JS && c == '/' && i + 1 < n && s[i + 1] == '*') {
			bool found;
			size_t end = find_close(s, n, i + 2, "*/", 2, false, &found);
			fill(cls, i, end, SYN_COMMENT);
			if (!found) {
				*state = ST_BLOCK_COMMENT;
				return;
			}
			i = end;
			continue;
		}
		if (is_quote(lang, c)) {
			size_t end = scan_string(lang, s, n, i, state);
			bool key = !*state && lang != SYNTAX_SH && colon_follows(lang, s, n, end);
			fill(cls, i, end, key ? SYN_KEY : SYN_STRING);
			i = end;
			continue;
		}
		if (lang == SYNTAX_SH && c == '$' && i + 1 < n) {
			size_t j = i + 1;
			if (s[j] == '{') {
				while (j < n && s[j] != '}')
					j++;
				j = j < n ? j + 1 : n;
			} else if (is_alpha(s[j])) {
				while (j < n && (is_alpha(s[j]) || is_digit(s[j])))
					j++;
			} else if (is_digit(s[j]) || strchr("?@#*$!", s[j])) {
				j++;
			} else {
				cls[i++] = SYN_PUNCT;
				continue;
			}
			fill(cls, i, j, SYN_KEY);
			i = j;
			continue;
		}
		bool after_ident = i > 0 && is_ident(lang, s[i - 1]);
		bool negative = c == '-' && (lang == SYNTAX_JSON || lang == SYNTAX_YAML) &&
				i + 1 < n && is_digit(s[i + 1]);
		if (!after_ident && (is_digit(c) || negative)) {
			size_t end = scan_number(s, n, negative ? i + 1 : i);
			if (end == n || !is_ident(lang, s[end])) {
				fill(cls, i, end, SYN_NUMBER);
				i = end;
				continue;
			}
		}
		if (is_alpha(c) || (lang == SYNTAX_JS && c == '$') ||
		    (lang == SYNTAX_YAML && c == '~')) {
			size_t j = i + 1;
			while (j < n && is_ident(lang, s[j]))
				j++;
			/* Python string prefixes: f"...", rb'...' */
			if (lang == SYNTAX_PYTHON && j - i <= 2 && j < n && is_quote(lang, s[j]) &&
			    strspn(s + i, "rbfuRBFU") >= j - i) {
				size_t end = scan_string(lang, s, n, j, state);
				fill(cls, i, end, SYN_STRING);
				i = end;
				continue;
			}
			if (is_word(lang, s + i, j - i))
				fill(cls, i, j, SYN_KEYWORD);
			else if (lang == SYNTAX_JS && colon_follows(lang, s, n, j))
				fill(cls, i, j, SYN_KEY);
			i = j;
			continue;
		}
		if (c != '\0' && strchr(punct, c))
			cls[i] = SYN_PUNCT;
		i++;
	}
}

void syntax_line(enum syntax_lang lang, const char *s, size_t n, int *state, unsigned char *cls)
{
	memset(cls, SYN_PLAIN, n);
	if (lang == SYNTAX_NONE || n == 0)
		return;
	size_t i = 0;
	if (*state != ST_NONE) {
		const char *close = *state == ST_BLOCK_COMMENT ? "*/"
				    : *state == ST_TRIPLE_DQ   ? "\"\"\""
				    : *state == ST_TRIPLE_SQ   ? "'''"
							       : "`";
		bool found;
		int c = *state == ST_BLOCK_COMMENT ? SYN_COMMENT : SYN_STRING;
		i = find_close(s, n, 0, close, strlen(close), *state != ST_BLOCK_COMMENT, &found);
		fill(cls, 0, i, c);
		if (!found)
			return;
		*state = ST_NONE;
	}
	scan(lang, s, n, i, state, cls);
}
