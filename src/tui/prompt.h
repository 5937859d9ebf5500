/*
 * A one-line text input (the search prompt), edited by whole UTF-8 characters. Pure: the screen
 * maps keys to these calls.
 */
#ifndef TUI_PROMPT_H
#define TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROMPT_MAX 256

struct prompt {
	char buf[PROMPT_MAX]; /* NUL-terminated UTF-8 */
	size_t len;
};

/* Append one character; false (and unchanged) when it is a control or the buffer is full. */
bool prompt_insert(struct prompt *p, uint32_t cp);
/* Delete the last character; false when empty. */
bool prompt_backspace(struct prompt *p);
/* Delete the last word and the blanks after it (Ctrl-W). */
void prompt_delete_word(struct prompt *p);
void prompt_clear(struct prompt *p);
void prompt_set(struct prompt *p, const char *s);

#endif
