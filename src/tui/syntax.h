/*
 * Syntax colours for the code blocks of lessons: a small tokenizer per language that classifies
 * every byte of a line. Pure (no curses). It colours; it does not validate, so anything it does
 * not know stays plain.
 */
#ifndef TUI_SYNTAX_H
#define TUI_SYNTAX_H

#include <stddef.h>

enum syntax_lang {
	SYNTAX_NONE,
	SYNTAX_PYTHON,
	SYNTAX_JS,
	SYNTAX_JSON,
	SYNTAX_YAML,
	SYNTAX_SH,
};

enum syntax_class {
	SYN_PLAIN,
	SYN_KEYWORD,
	SYN_STRING,
	SYN_NUMBER,
	SYN_COMMENT,
	SYN_PUNCT,
	SYN_KEY, /* an object key (JSON, YAML, Python and JS dicts) or a shell variable */
};

/*
 * The language a fence's info string names: python/py, javascript/js/node/nodejs/mjs/cjs/
 * typescript/ts, json, yaml/yml, sh/bash/shell/console/zsh. Only the first word counts, case
 * does not. SYNTAX_NONE otherwise.
 */
enum syntax_lang syntax_lang_from_name(const char *name, size_t len);

/*
 * Classify the n bytes of line s: cls[i] gets the enum syntax_class of byte i. *state carries
 * constructs that span lines (block comments, triple-quoted strings, template literals): start a
 * block at 0 and pass the same int for each of its lines in order.
 */
void syntax_line(enum syntax_lang lang, const char *s, size_t n, int *state, unsigned char *cls);

#endif
