/*
 * The model behind the tutor's console (the terminal's Lambda console): the learner's functions
 * as ListFunctions and GetFunctionConfiguration describe them, the console's test event
 * templates, Lambda's own validation of names, memory, timeouts and environment variables, and
 * the default code a new function starts with. Pure: no curses, no HTTP.
 */
#ifndef CHECK_CONSOLE_H
#define CHECK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "course/exercise_load.h"

struct console_template {
	const char *id;    /* also the saved event's file name */
	const char *title; /* as the AWS console lists it */
	const char *json;
};

extern const struct console_template console_templates[];
extern const size_t console_template_count;

struct console_fn {
	char *name, *runtime, *handler, *modified, *state;
	char *arch; /* "x86_64" or "arm64" */
	int memory, timeout;
	long long code_size;
	char *env; /* Environment.Variables as JSON text, "{}" when none */
};

/* Parse a ListFunctions body. Caller frees with console_fns_free(). False when not JSON. */
bool console_parse_functions(const char *json, struct console_fn **out, size_t *n);
/* Parse one configuration (GetFunctionConfiguration, CreateFunction, Update*). */
bool console_parse_config(const char *json, struct console_fn *out);
void console_fn_release(struct console_fn *f);
void console_fns_free(struct console_fn *v, size_t n);

/* Lambda's rules; false with the reason Lambda would give in why. */
bool console_valid_name(const char *name, char *why, size_t n);
bool console_valid_memory(const char *text, int *mb, char *why, size_t n);
bool console_valid_timeout(const char *text, int *s, char *why, size_t n);
/*
 * Apply "KEY=VALUE" (or "KEY=" to remove KEY) to env (JSON object text). Returns the new JSON
 * (caller frees), or NULL with why when the key breaks Lambda's rules.
 */
char *console_env_apply(const char *env, const char *assignment, char *why, size_t n);

/* The console's generated code for a new function: file name and text. Borrowed. */
const char *console_default_file(enum exercise_lang lang);
const char *console_default_code(enum exercise_lang lang);
const char *console_default_handler(enum exercise_lang lang);
const char *console_default_runtime(enum exercise_lang lang);

/* Pretty JSON (two-space indent) of text, or a copy of text when it is not JSON. Caller frees. */
char *console_pretty(const char *text);

#endif
