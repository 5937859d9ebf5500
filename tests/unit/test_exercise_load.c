/*
 * Exercises from YAML: the structs they load into, and every lint rule at its exact line and
 * column. Texts are parsed with no folder, so nothing on disk is looked at; the real lessons
 * are loaded at the end.
 */
#include <stdlib.h>
#include <string.h>

#include "course/course.h"
#include "course/exercise_load.h"
#include "harness.h"

static const char good[] =
	"id: hello\n"       /* 1 */
	"title: Hello\n"    /* 2 */
	"kind: code\n"      /* 3 */
	"brief: brief.md\n" /* 4 */
	"function: {name: hello, memory: 256, timeout: 5, env: {STAGE: dev}}\n"
	"starters:\n" /* 6 */
	"  python: {runtime: python3.12, handler: app.handler, files: [app.py]}\n"
	"  nodejs: {runtime: nodejs20.x, handler: index.handler, files: [index.mjs]}\n"
	"tasks:\n"                                     /* 9 */
	"  - {id: greet, text: Greet, why: Because}\n" /* 10 */
	"  - {id: fast, text: Be fast, why: Money}\n"  /* 11 */
	"hints: [one, two]\n"                          /* 12 */
	"steps:\n"                                     /* 13 */
	"  - deploy\n"                                 /* 14 */
	"  - invoke:\n"                                /* 15 */
	"      name: say hello\n"                      /* 16 */
	"      event: {name: {random: name}, n: 3}\n"  /* 17 */
	"      expect:\n"                              /* 18 */
	"        - {task: greet, field: body.message, equals: 'Hello, ${event.name}!'}\n"
	"        - {task: greet, error: false}\n" /* 20 */
	"        - {task: fast, field: report.duration, max: 100}\n"
	"        - {task: fast, log: 'n=${event.n * 2}'}\n"; /* 22 */

static struct exercise *parse(const char *text, struct diags *d)
{
	return exercise_parse(text, strlen(text), "ex.yaml", NULL, "m1", d);
}

/* Whether d holds exactly one diagnostic, at line:col, containing needle. */
static bool one_at(const struct diags *d, int line, int col, const char *needle)
{
	if (d->n != 1) {
		for (size_t i = 0; i < d->n; i++)
			printf("#   %d:%d: %s\n", d->v[i].line, d->v[i].col, d->v[i].msg);
		return false;
	}
	bool r = d->v[0].line == line && d->v[0].col == col && strstr(d->v[0].msg, needle);
	if (!r)
		printf("#   got %d:%d: %s\n", d->v[0].line, d->v[0].col, d->v[0].msg);
	return r;
}

/* Parse good with one line replaced (1-based) and expect one diagnostic. */
static bool broken(int lineno, const char *line, int at_line, int at_col, const char *needle)
{
	char text[4096] = "";
	const char *p = good;
	for (int n = 1; *p; n++) {
		size_t k = strcspn(p, "\n") + 1;
		if (n == lineno)
			strcat(text, line);
		else
			strncat(text, p, k);
		p += k;
	}
	struct diags d = DIAGS_INIT;
	struct exercise *ex = parse(text, &d);
	bool r = one_at(&d, at_line, at_col, needle);
	exercise_free(ex);
	diags_release(&d);
	return r;
}

TEST(exercise_parse__loads_a_good_exercise)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex = parse(good, &d);
	is_int(d.n, 0, "no diagnostics");
	is_str(ex->id, "hello", "id");
	ok(ex->kind == EXERCISE_CODE, "kind");
	is_str(ex->function, "hello", "function");
	is_int(ex->memory, 256, "memory");
	is_int(ex->timeout, 5, "timeout");
	is_str(ex->env, "{\"STAGE\":\"dev\"}", "env as JSON");
	is_str(ex->starters[EXERCISE_PYTHON].handler, "app.handler", "python handler");
	is_str(ex->starters[EXERCISE_NODEJS].files[0], "index.mjs", "nodejs file");
	is_int(ex->n_tasks, 2, "tasks");
	is_int(ex->n_hints, 2, "hints");
	is_int(ex->n_steps, 2, "steps");
	ok(ex->steps[0].kind == STEP_DEPLOY && ex->steps[1].kind == STEP_INVOKE, "step kinds");
	is_str(ex->steps[1].name, "say hello", "step name");
	is_str(ex->steps[1].event, "{\"name\":{\"random\":\"name\"},\"n\":3}",
	       "event as JSON with its generator");
	is_int(ex->steps[1].n_expects, 4, "expectations");
	const struct exercise_expect *e = &ex->steps[1].expects[0];
	ok(e->kind == EXPECT_VALUE && e->n_matchers == 1 && e->matchers[0].op == EXPECT_EQUALS,
	   "a value expectation");
	is_str(e->matchers[0].value, "\"Hello, ${event.name}!\"", "its expected value as JSON");
	ok(ex->steps[1].expects[1].kind == EXPECT_ERROR && !ex->steps[1].expects[1].error,
	   "error: false");
	ok(ex->steps[1].expects[3].kind == EXPECT_LOG, "a log expectation");
	ok(strlen(ex->hash) == 64, "a content hash");
	ok(exercise_task(ex, "fast") == &ex->tasks[1], "tasks by id");
	exercise_free(ex);
	diags_release(&d);
}

TEST(exercise_parse__reports_each_problem_where_it_is)
{
	ok(broken(3, "kind: cod\n", 3, 7, "unknown exercise kind 'cod' (did you mean 'code'?)"),
	   "unknown kind");
	ok(broken(4, "brief: ../x.md\n", 4, 8, "must stay inside"), "brief outside the folder");
	ok(broken(5, "function: {name: hello, memory: 64}\n", 5, 33, "between 128 and 10240"),
	   "memory below Lambda's minimum");
	ok(broken(5, "function: {name: 'a b'}\n", 5, 18, "function name"), "bad function name");
	ok(broken(7, "  python: {runtime: nodejs20.x, handler: app.handler, files: [app.py]}\n", 7,
		  21, "not a python runtime"),
	   "a runtime of the other language");
	ok(broken(7, "  python: {runtime: python3.12, handler: main.handler, files: [app.py]}\n", 7,
		  42, "not among the starter's files"),
	   "a handler whose file is not a starter file");
	ok(broken(7, "  python: {runtime: python3.12, handler: app, files: [app.py]}\n", 7, 42,
		  "FILE.FUNCTION"),
	   "a handler without a function");
	ok(broken(10, "  - {id: greet, text: Greet, why: Because, txet: x}\n", 10, 44,
		  "unknown key 'txet' in task 1 (did you mean 'text'?)"),
	   "unknown key in a task, with a suggestion");
	ok(broken(12, "hints: []\n", 12, 8, "at least one hint"), "no hints");
	ok(broken(14, "  - deplo\n", 14, 5, "did you mean 'deploy'"), "unknown step");
	ok(broken(17, "      event: {name: {random: nmae}, n: 3}\n", 17, 30,
		  "unknown random kind 'nmae' (did you mean 'name'?)"),
	   "unknown random kind");
	ok(broken(17, "      event: {name: {random: int, min: 5, max: 1}, n: 3}\n", 17, 40,
		  "'min' (5) is greater than 'max' (1)"),
	   "min above max");
	ok(broken(19, "        - {task: greet, field: body.message, equals: '${event.nam}'}\n", 19,
		  54, "'event.nam' is not in the step's event"),
	   "a reference to nothing in the event");
	ok(broken(19, "        - {task: greet, field: body.message, equals: '${event.name'}\n", 19,
		  54, "unclosed"),
	   "an unclosed ${");
	ok(broken(19, "        - {task: great, field: body.message, equals: x}\n", 19, 11,
		  "task 'great', which does not exist (did you mean 'greet'?)"),
	   "an expectation for a task that does not exist");
	ok(broken(19, "        - {task: greet, field: bdy.message, equals: x}\n", 19, 32,
		  "unknown field 'bdy' (did you mean 'body'?)"),
	   "an unknown field root");
	ok(broken(19, "        - {task: greet, field: body.message}\n", 19, 32,
		  "has nothing to check"),
	   "a field with no matcher");
	ok(broken(19, "        - {task: greet, field: body.message, matches: '(a'}\n", 19, 55,
		  "bad regular expression"),
	   "a bad regex");
	ok(broken(19, "        - {task: greet, field: body, type: text}\n", 19, 44,
		  "unknown type 'text'"),
	   "an unknown type");
	ok(broken(20, "        - {task: greet, error: false, log: x}\n", 20, 11,
		  "exactly one of 'error', 'field', 'log' or 'no_log'"),
	   "two subjects in one expectation");
	ok(broken(21, "        - {task: fast, field: report.durration, max: 100}\n", 21, 31,
		  "did you mean 'duration'"),
	   "an unknown REPORT field");
	ok(broken(21, "        - {task: fast, field: report.duration, max: 100, tolerance: 1}\n",
		  21, 69, "'tolerance' only applies to 'near'"),
	   "tolerance without near");
	ok(broken(11,
		  "  - {id: fast, text: Be fast, why: Money}\n  - {id: idle, text: x, why: y}\n",
		  12, 10, "task 'idle' is never checked"),
	   "a task no expectation belongs to");
}

TEST(exercise_parse__checks_steps_against_the_kind)
{
	static const char account[] =
		"id: acct\ntitle: A\nkind: account\nbrief: b.md\nfunction: {name: f}\n"
		"tasks: [{id: t, text: T, why: W}]\nhints: [h]\n"
		"steps:\n  - deploy\n  - inspect:\n      expect:\n"
		"        - {task: t, field: config.MemorySize, equals: 256}\n"
		"        - {task: t, field: body.x, equals: 1}\n";
	struct diags d = DIAGS_INIT;
	struct exercise *ex = parse(account, &d);
	ok(d.n == 2, "two problems");
	ok(d.n == 2 && d.v[0].line == 9 && strstr(d.v[0].msg, "never deploys"),
	   "an account exercise does not deploy");
	ok(d.n == 2 && d.v[1].line == 13 && strstr(d.v[1].msg, "needs an invocation"),
	   "body needs an invocation");
	exercise_free(ex);
	diags_release(&d);

	static const char nodeploy[] =
		"id: c\ntitle: C\nkind: code\nbrief: b.md\nfunction: {name: f}\n"
		"starters:\n  python: {runtime: python3.12, handler: a.h, files: [a.py]}\n"
		"  nodejs: {runtime: nodejs20.x, handler: a.h, files: [a.js]}\n"
		"tasks: [{id: t, text: T, why: W}]\nhints: [h]\n"
		"steps:\n  - invoke:\n      expect: [{task: t, error: false}]\n";
	ex = parse(nodeploy, &d);
	ok(one_at(&d, 12, 5, "must deploy before it can invoke"), "invoke before deploy");
	exercise_free(ex);
	diags_release(&d);
}

TEST(exercise_parse__refuses_broken_yaml)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex = parse("id: [unclosed\n", &d);
	ok(ex == NULL && d.n == 1 && d.v[0].line > 0, "located YAML error, no exercise");
	diags_release(&d);
}

TEST(exercise_set_load__loads_the_real_lessons)
{
	struct diags d = DIAGS_INIT;
	struct course *c = course_load(LT_SOURCE_DIR "/lessons", &d);
	ok(c != NULL, "the course loads");
	struct exercise_set *set = exercise_set_load(c, &d);
	is_int(d.n, 0, "every exercise lints clean");
	for (size_t i = 0; i < d.n; i++)
		printf("#   %s:%d:%d: %s\n", d.v[i].path, d.v[i].line, d.v[i].col, d.v[i].msg);
	const struct exercise *hw = exercise_find(set, "hello-world");
	ok(hw && hw->kind == EXERCISE_CODE && strcmp(hw->module_id, "core-concepts") == 0,
	   "hello-world is module 1's code exercise");
	ok(hw && hw->brief_path && hw->starters[EXERCISE_PYTHON].dir, "with a brief and starters");
	const struct exercise *cc = exercise_find(set, "calculator-config");
	ok(cc && cc->kind == EXERCISE_ACCOUNT, "calculator-config looks at the account");
	ok(exercise_find(set, "nope") == NULL, "unknown ids are NULL");
	exercise_set_free(set);
	course_free(c);
	diags_release(&d);
}

int main(void)
{
	RUN(exercise_parse__loads_a_good_exercise);
	RUN(exercise_parse__reports_each_problem_where_it_is);
	RUN(exercise_parse__checks_steps_against_the_kind);
	RUN(exercise_parse__refuses_broken_yaml);
	RUN(exercise_set_load__loads_the_real_lessons);
	return done();
}
