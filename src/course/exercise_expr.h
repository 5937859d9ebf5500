/*
 * The small expression language of exercise checks. Expectations and events refer to values
 * with ${...}: "${event.name}", "${event.a + event.b}", "Hello, ${event.name}!".
 *
 *	expr    := term (('+' | '-') term)*
 *	term    := unary (('*' | '/' | '%') unary)*
 *	unary   := '-' unary | primary
 *	primary := NUMBER | 'STRING' | REF | '(' expr ')'
 *	REF     := NAME ('.' NAME | '[' DIGITS ']')*       (event.items[0].price)
 *
 * Numbers are doubles; '+' on a string joins text. References are resolved by the caller,
 * so this module knows nothing of events or responses: lint resolves them to placeholders,
 * the checker to the values of a run.
 */
#ifndef COURSE_EXERCISE_EXPR_H
#define COURSE_EXERCISE_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define EXPR_MAX_LEN 1024

struct expr_value {
	bool is_num;
	double num;
	char *str; /* when !is_num; owned by the value, freed by expr_value_release() */
};

void expr_value_release(struct expr_value *v);
/* The value as text: numbers without a needless fraction ("42", "3.5"). Caller frees. */
char *expr_value_text(const struct expr_value *v);

/*
 * Resolve the reference ref ("event.a") into out. Return false and fill err when it names
 * nothing ("'event.c' is not in the event").
 */
typedef bool (*expr_resolve_fn)(void *ctx, const char *ref, struct expr_value *out,
				struct error *err);

/*
 * Evaluate text (without the ${ }) into out. False with a one-line reason in err on a syntax
 * error, an unresolved reference, a division by zero or arithmetic on text. The caller
 * releases out with expr_value_release().
 */
bool expr_eval(const char *text, expr_resolve_fn resolve, void *ctx, struct expr_value *out,
	       struct error *err);

/*
 * If s is exactly one "${expr}" (spaces around allowed), copy expr into out (size bytes) and
 * return true: such a value keeps its type (a number stays a number).
 */
bool expr_whole(const char *s, char *out, size_t size);
/* Whether s holds a ${ at all. */
bool expr_has_template(const char *s);

/*
 * Expand every ${expr} of s into text. "$${" stands for a literal "${". NULL with err on
 * failure (an unclosed ${ is one). Caller frees.
 */
char *expr_expand(const char *s, expr_resolve_fn resolve, void *ctx, struct error *err);

#endif
