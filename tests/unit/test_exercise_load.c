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
	"        - {task: fast, log: 'n=${event.n * 2}'}\n" /* 22 */
	"minutes: 5\n";                                     /* 23 */

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

/* Parse base with one line replaced (1-based) and expect one diagnostic. */
static bool broken_in(const char *base, int lineno, const char *line, int at_line, int at_col,
		      const char *needle)
{
	char text[8192] = "";
	const char *p = base;
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

static bool broken(int lineno, const char *line, int at_line, int at_col, const char *needle)
{
	return broken_in(good, lineno, line, at_line, at_col, needle);
}

/* The steps around a function: buckets, queues, objects, messages, logs, the clock. */
static const char services[] =
	"id: svc\n"                                               /* 1 */
	"title: Services\n"                                       /* 2 */
	"kind: code\n"                                            /* 3 */
	"brief: brief.md\n"                                       /* 4 */
	"vars: {run: {random: uuid}, bucket: 'in-${vars.run}'}\n" /* 5 */
	"function: {name: f, env: {BUCKET: '${vars.bucket}'}}\n"  /* 6 */
	"starters:\n"                                             /* 7 */
	"  python: {runtime: python3.12, handler: app.handler, files: [app.py]}\n"
	"  nodejs: {runtime: nodejs20.x, handler: index.handler, files: [index.mjs]}\n"
	"tasks: [{id: t, text: T, why: W}]\n"                           /* 10 */
	"hints: [h]\n"                                                  /* 11 */
	"steps:\n"                                                      /* 12 */
	"  - create_bucket: {bucket: '${vars.bucket}'}\n"               /* 13 */
	"  - create_queue: {queue: failures}\n"                         /* 14 */
	"  - deploy\n"                                                  /* 15 */
	"  - s3_notify: {bucket: '${vars.bucket}', prefix: uploads/}\n" /* 16 */
	"  - async_config: {retries: 2, on_failure: failures}\n"        /* 17 */
	"  - s3_put: {bucket: '${vars.bucket}', key: uploads/a.csv, body: 'x,1'}\n"
	"  - invoke: {type: Event, event: {n: 1}, expect: [{task: t, field: status, equals: "
	"202}]}\n"
	"  - invoke:\n" /* 20 */
	"      apigateway: {method: GET, resource: '/items/{id}', path_params: {id: "
	"'${vars.run}'}}\n"
	"      expect: [{task: t, field: body.id, equals: '${event.pathParameters.id}'}]\n"
	"      save: {item: body.id}\n"                              /* 23 */
	"  - s3_get:\n"                                              /* 24 */
	"      bucket: '${vars.bucket}'\n"                           /* 25 */
	"      key: 'out/${vars.item}.json'\n"                       /* 26 */
	"      name: read the summary\n"                             /* 27 */
	"      expect: [{task: t, field: object.rows, equals: 1}]\n" /* 28 */
	"  - s3_list: {bucket: '${vars.bucket}', prefix: uploads/, expect: [{task: t, field: keys, "
	"length: 1}]}\n"
	"  - advance: 60\n" /* 30 */
	"  - logs: {name: count, expect: [{task: t, field: invocations, equals: 3}, {task: t, log: "
	"ERROR, count: 2}]}\n"
	"  - sqs_receive: {queue: failures, expect: [{task: t, field: "
	"'messages[0].body.requestContext.condition', equals: RetriesExhausted}]}\n"
	"minutes: 5\n";

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
	ok(broken(7, "  python: {runtime: provided.al2023, handler: app.greet, files: [app.sh]}\n",
		  7, 47, "runs the package's 'bootstrap', which is not among"),
	   "an OS-only runtime with no bootstrap");
	ok(!broken(7,
		   "  python: {runtime: provided.al2023, handler: app.greet, files: [bootstrap]}\n",
		   7, 21, "not a python runtime"),
	   "an OS-only runtime with its bootstrap, in either language");
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
	ok(broken(21, "        - {task: fast, field: measured.cpu_tme, min: 90}\n", 21, 31,
		  "did you mean 'cpu_time'"),
	   "an unknown measured field");
	{
		struct diags d = DIAGS_INIT;
		char text[8192];
		snprintf(text, sizeof(text), "%s", good);
		char *at = strstr(text, "        - {task: fast, log:");
		snprintf(at, sizeof(text) - (size_t)(at - text), "%s",
			 "        - {task: fast, field: measured.uncontended_duration, max: 400}\n"
			 "        - {task: fast, field: measured.half_memory_duration, min: 400}\n"
			 "minutes: 5\n");
		struct exercise *ex = parse(text, &d);
		ok(ex && d.n == 0, "an invoke step's expectations read measured.*");
		exercise_free(ex);
		diags_release(&d);
	}
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
		"        - {task: t, field: body.x, equals: 1}\n"
		"minutes: 5\n";
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
		"steps:\n  - invoke:\n      expect: [{task: t, error: false}]\n"
		"minutes: 5\n";
	ex = parse(nodeploy, &d);
	ok(one_at(&d, 12, 5, "must deploy before it can invoke"), "invoke before deploy");
	exercise_free(ex);
	diags_release(&d);

	/* An account exercise may move the learner's own clock a little, and change nothing else.
	 */
#define ACCOUNT_STEPS(step)                                                       \
	"id: acct\ntitle: A\nkind: account\nbrief: b.md\nfunction: {name: f}\n"   \
	"tasks: [{id: t, text: T, why: W}]\nhints: [h]\n"                         \
	"steps:\n  - invoke:\n      event: {fail: true}\n  - " step "\n"          \
	"  - alarm:\n      alarm: a\n      expect:\n"                             \
	"        - {task: t, field: alarm.StateValue, equals: ALARM}\n"           \
	"        - {task: t, field: actions, matches: 'Successfully executed'}\n" \
	"minutes: 5\n"
	ex = parse(ACCOUNT_STEPS("advance: {seconds: 60}"), &d);
	ok(ex && d.n == 0, "an account exercise invokes, advances and reads an alarm's actions");
	exercise_free(ex);
	diags_release(&d);
	ex = parse(ACCOUNT_STEPS("advance: {seconds: 900}"), &d);
	ok(one_at(&d, 11, 24, "at most 300 seconds"), "too far for an account exercise");
	exercise_free(ex);
	diags_release(&d);
	ex = parse(ACCOUNT_STEPS("create_queue: {queue: q}"), &d);
	ok(one_at(&d, 11, 5, "a create_queue step would"), "other changes stay refused");
	exercise_free(ex);
	diags_release(&d);
#undef ACCOUNT_STEPS
}

TEST(exercise_parse__reads_the_steps_around_a_function)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex = parse(services, &d);
	is_int(d.n, 0, "no diagnostics");
	for (size_t i = 0; i < d.n; i++)
		printf("#   %d:%d: %s\n", d.v[i].line, d.v[i].col, d.v[i].msg);
	is_str(ex->vars, "{\"run\":{\"random\":\"uuid\"},\"bucket\":\"in-${vars.run}\"}",
	       "vars in order, as JSON");
	is_str(ex->env, "{\"BUCKET\":\"${vars.bucket}\"}", "env keeps its template");
	is_int(ex->n_steps, 13, "thirteen steps");
	static const enum exercise_step_kind kinds[] = {
		STEP_CREATE_BUCKET, STEP_CREATE_QUEUE, STEP_DEPLOY,  STEP_S3_NOTIFY,
		STEP_ASYNC_CONFIG,  STEP_S3_PUT,       STEP_INVOKE,  STEP_INVOKE,
		STEP_S3_GET,        STEP_S3_LIST,      STEP_ADVANCE, STEP_LOGS,
		STEP_SQS_RECEIVE,
	};
	bool all = ex->n_steps == 13;
	for (size_t i = 0; all && i < 13; i++)
		all = ex->steps[i].kind == kinds[i] ||
		      printf("#   step %zu is %s\n", i + 1,
			     exercise_step_kind_name(ex->steps[i].kind)) < 0;
	ok(all, "every kind, in order");
	is_str(ex->steps[0].args, "{\"bucket\":\"${vars.bucket}\"}", "create_bucket's arguments");
	is_str(ex->steps[4].args, "{\"retries\":2,\"on_failure\":\"failures\"}",
	       "async_config's arguments");
	ok(ex->steps[6].async && !ex->steps[7].async, "an Event invocation");
	ok(ex->steps[7].request && strstr(ex->steps[7].request, "\"resource\":\"/items/{id}\""),
	   "an API Gateway request");
	ok(ex->steps[7].n_saves == 1 && strcmp(ex->steps[7].saves[0].name, "item") == 0 &&
		   strcmp(ex->steps[7].saves[0].field, "body.id") == 0,
	   "a saved value");
	is_str(ex->steps[8].name, "read the summary", "a step's name");
	is_str(ex->steps[10].args, "{\"seconds\":60}", "advance: 60");
	const struct exercise_expect *len = &ex->steps[9].expects[0];
	ok(len->n_matchers == 1 && len->matchers[0].op == EXPECT_LENGTH, "a length matcher");
	const struct exercise_expect *cnt = &ex->steps[11].expects[1];
	ok(cnt->kind == EXPECT_LOG && cnt->log_counted && cnt->log_count == 2, "a log count");
	is_str(exercise_step_kind_name(STEP_SQS_RECEIVE), "sqs_receive", "kind names");
	exercise_free(ex);
	diags_release(&d);
}

TEST(exercise_parse__reports_service_step_problems_where_they_are)
{
	ok(broken_in(services, 13, "  - create_buckit: {bucket: b}\n", 13, 5,
		     "unknown step 'create_buckit' (did you mean 'create_bucket'?)"),
	   "an unknown step kind");
	ok(broken_in(services, 14, "  - create_queue: {}\n  - create_queue: {queue: failures}\n",
		     14, 19, "missing required key 'queue'"),
	   "a missing argument");
	ok(broken_in(services, 14, "  - create_queue\n  - create_queue: {queue: failures}\n", 14, 5,
		     "missing required key 'queue'"),
	   "a step with no arguments at all");
	ok(broken_in(services, 13, "  - create_bucket: {bucket: My_Bucket}\n", 13, 29,
		     "bucket name 'My_Bucket'"),
	   "a bucket name S3 refuses");
	ok(broken_in(services, 17, "  - async_config: {retries: 3, on_failure: failures}\n", 17, 29,
		     "'retries' must be between 0 and 2"),
	   "more retries than Lambda allows");
	ok(broken_in(services, 16, "  - s3_notify: {bucket: b1b, events: [ObjectCreated]}\n", 16,
		     39, "starts with 's3:'"),
	   "an S3 event type without s3:");
	ok(broken_in(services, 5, "vars: {run: {random: uuid}, bucket: 'in-${vars.rnu}'}\n", 5, 37,
		     "'vars.rnu' is not among the exercise's vars"),
	   "a var that does not exist");
	ok(broken_in(services, 26, "      key: 'out/${vars.itme}.json'\n", 26, 12,
		     "'vars.itme' is not among"),
	   "a saved value that does not exist");
	ok(broken_in(
		   services, 19,
		   "  - invoke: {type: Event, event: {n: 1}, expect: [{task: t, error: false}]}\n",
		   19, 68, "an Event invocation gives no payload or log"),
	   "an error expectation on an Event invocation");
	ok(broken_in(services, 19,
		     "  - invoke: {type: Event, event: {n: 1}, expect: [{task: t, field: body.x, "
		     "equals: 1}]}\n",
		     19, 68, "answers only its status (202)"),
	   "a body expectation on an Event invocation");
	ok(broken_in(services, 19,
		     "  - invoke: {type: Evnt, event: {n: 1}, expect: [{task: t, field: status, "
		     "equals: 202}]}\n",
		     19, 20, "unknown invocation type 'Evnt' (did you mean 'Event'?)"),
	   "an unknown invocation type");
	ok(broken_in(services, 19,
		     "  - invoke: {event: {n: '${event.n}'}, expect: [{task: t, field: status, "
		     "equals: 200}]}\n",
		     19, 25, "an event cannot refer to itself"),
	   "an event that refers to itself");
	ok(broken_in(services, 28, "      expect: [{task: t, field: keys, length: 1}]\n", 28, 33,
		     "field 'keys' is not given by a s3_get step; it gives 'object'"),
	   "a field another kind of step gives");
	ok(broken_in(services, 27, "      wait: 10\n", 27, 13, "'wait' is not needed"),
	   "no fixed wait before an observation: the cloud settles first");
	ok(broken_in(services, 18, "  - s3_put: {bucket: b1b, key: k, body: x, delay: 1}\n", 18, 51,
		     "'delay' is not needed"),
	   "no fixed delay before a step");
	ok(broken_in(services, 18,
		     "  - s3_put: {bucket: b1b, key: k, body: x, expect: [{task: t, error: "
		     "false}]}\n",
		     18, 52, "a s3_put step has nothing to check"),
	   "expectations on a step that changes things");
	ok(broken_in(services, 21, "      apigateway: {method: GTE, resource: /items}\n", 21, 28,
		     "unknown HTTP method 'GTE' (did you mean 'GET'?)"),
	   "an unknown HTTP method");
	ok(broken_in(services, 21, "      apigateway: {method: GET, resource: '/items/{id}'}\n", 21,
		     43, "has {id}, which 'path_params' does not give"),
	   "a path variable with no value");
	ok(broken_in(services, 30, "  - advance: soon\n", 30, 14, "a number of seconds"),
	   "advance without a number");
	ok(broken_in(services, 31, "  - logs: {expect: [{task: t, no_log: ERROR, count: 2}]}\n", 31,
		     53, "'count' only applies to 'log'"),
	   "count with no_log");
	ok(broken_in(services, 31, "  - logs: {expect: [{task: t, error: true}]}\n", 31, 38,
		     "'error' needs an invocation"),
	   "error in a logs step");
	ok(broken_in(services, 23, "      save: {Item: body.id, item: body.id}\n", 23, 14,
		     "saved value 'Item' needs a name"),
	   "a saved value with a bad name");
	ok(broken_in(services, 15, "  - inspect\n  - deploy\n", 15, 5,
		     "must deploy before it can inspect"),
	   "inspect before the deploy");
	ok(broken_in(services, 17, "  - async_config: {retries: 2, on_failure: falures}\n", 17, 44,
		     "queue 'falures' is not created by a create_queue step"),
	   "a destination queue that no step creates");
	ok(broken_in(services, 32,
		     "  - sqs_receive: {queue: nowhere, expect: [{task: t, field: messages, "
		     "length: 0}]}\n",
		     32, 26, "queue 'nowhere' is not created"),
	   "receiving from a queue that no step creates");
	ok(broken_in(services, 17, "  - async_config: {max_age: 30}\n", 17, 29,
		     "'max_age' must be between 60 and 21600"),
	   "a maximum event age Lambda refuses");
}

/* Monitoring and deployment steps: metrics, a learner's query, a layer, an alias, an alarm. */
static const char observing[] =
	"id: watch\n"                                 /* 1 */
	"title: Watch\n"                              /* 2 */
	"kind: code\n"                                /* 3 */
	"brief: brief.md\n"                           /* 4 */
	"function: {name: watch, log_format: JSON}\n" /* 5 */
	"starters:\n"                                 /* 6 */
	"  python: {runtime: python3.13, handler: app.handler, files: [app.py]}\n"
	"  nodejs: {runtime: nodejs22.x, handler: index.handler, files: [index.mjs]}\n" /* 7 */
	"tasks:\n"                                                                      /* 8 */
	"  - {id: t, text: T, why: W}\n"                                                /* 9 */
	"hints: [one]\n"                                                                /* 10 */
	"steps:\n"                                                                      /* 11 */
	"  - deploy\n"                                                                  /* 12 */
	"  - publish_layer: {layer: shared, dir: layer}\n"                              /* 13 */
	"  - invoke: {qualifier: live, event: {}, expect: [{task: t, error: false}]}\n" /* 14 */
	"  - metrics: {namespace: Shop, metric: Orders, dimensions: {Tier: gold}, expect: "
	"[{task: t, field: metric.sum, min: 1}]}\n"                                         /* 15 */
	"  - insights: {file: query.txt, expect: [{task: t, field: results, length: 2}]}\n" /* 16 */
	"  - alias: {alias: live, expect: [{task: t, field: alias.FunctionVersion, equals: '1'}]}\n"
	"  - alarm: {alarm: high, expect: [{task: t, field: alarm.StateValue, equals: OK}]}\n"
	"minutes: 3\n"; /* 19 */

TEST(exercise_parse__reads_monitoring_and_deployment_steps)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex = parse(observing, &d);
	is_int(d.n, 0, "no diagnostics");
	for (size_t i = 0; i < d.n; i++)
		printf("#   %d:%d: %s\n", d.v[i].line, d.v[i].col, d.v[i].msg);
	is_str(ex->log_format, "JSON", "the function's log format");
	static const enum exercise_step_kind kinds[] = { STEP_DEPLOY,   STEP_PUBLISH_LAYER,
							 STEP_INVOKE,   STEP_METRICS,
							 STEP_INSIGHTS, STEP_ALIAS,
							 STEP_ALARM };
	bool all = ex->n_steps == 7;
	for (size_t i = 0; all && i < 7; i++)
		all = ex->steps[i].kind == kinds[i];
	ok(all, "every kind, in order");
	is_str(ex->steps[1].args, "{\"layer\":\"shared\",\"dir\":\"layer\"}",
	       "the layer's arguments");
	is_str(ex->steps[2].qualifier, "live", "an invocation of an alias");
	is_str(ex->steps[3].args,
	       "{\"namespace\":\"Shop\",\"metric\":\"Orders\",\"dimensions\":{\"Tier\":\"gold\"}}",
	       "the metric's arguments");
	is_str(exercise_step_kind_name(STEP_PUBLISH_LAYER), "publish_layer", "kind names");
	is_str(exercise_step_kind_name(STEP_ALARM), "alarm", "kind names, the last");
	exercise_free(ex);
	diags_release(&d);

	ok(broken_in(observing, 5, "function: {name: watch, log_format: XML}\n", 5, 37,
		     "'log_format' must be JSON or Text"),
	   "a log format Lambda does not have");
	ok(broken_in(observing, 14, "  - publish_layer: {layer: shared, dir: ../x}\n", 14, 41,
		     "names a path inside the learner's folder"),
	   "a layer folder outside the learner's");
	ok(broken_in(
		   observing, 17,
		   "  - insights: {file: q.txt, expect: [{task: t, field: metric.sum, min: 1}]}\n",
		   17, 55, "is not given by a insights step; it gives 'results'"),
	   "a field the step does not give");
	ok(broken_in(observing, 18,
		     "  - stack: {stack: s, expect: [{task: t, field: status, equals: 1}]}\n", 18,
		     49, "is not given by a stack step; it gives 'stack'"),
	   "a stack step gives the stack");
	ok(broken_in(observing, 18,
		     "  - http: {url: x, method: FETCH, expect: [{task: t, field: status, equals: "
		     "200}]}\n",
		     18, 28, "HTTP method"),
	   "an http step's method is HTTP's");
	is_str(exercise_step_kind_name(STEP_HTTP), "http", "the http step's name");
	ok(broken_in(observing, 5, "function: {name: watch, tracing: On}\n", 5, 34,
		     "'tracing' must be Active or PassThrough"),
	   "a tracing mode Lambda does not have");
	ok(broken_in(
		   observing, 18,
		   "  - trace: {filter: 'fault', expect: [{task: t, field: traces, equals: 1}]}\n",
		   18, 12, "missing required key 'subsegment'"),
	   "a trace step names the subsegment it reads");
	ok(broken_in(observing, 18,
		     "  - trace: {subsegment: s, expect: [{task: t, field: results, length: 1}]}\n",
		     18, 54, "is not given by a trace step; it gives 'traces'"),
	   "a trace step gives traces and a subsegment");
	is_str(exercise_step_kind_name(STEP_TRACE), "trace", "the trace step's name");
}

TEST(exercise_parse__reads_a_traced_function_and_its_trace_step)
{
	static const char traced[] =
		"id: t\ntitle: T\nkind: code\nbrief: brief.md\n"
		"function: {name: t, tracing: Active}\n"
		"starters:\n"
		"  python: {runtime: python3.13, handler: app.handler, files: [app.py]}\n"
		"  nodejs: {runtime: nodejs22.x, handler: index.handler, files: [index.mjs]}\n"
		"tasks:\n  - {id: t, text: T, why: W}\nhints: [one]\nsteps:\n  - deploy\n"
		"  - trace: {filter: 'annotation.k = \"v\"', subsegment: s, expect: "
		"[{task: t, field: subsegment.annotations.k, equals: v}]}\n"
		"minutes: 3\n";
	struct diags d = DIAGS_INIT;
	struct exercise *ex = parse(traced, &d);
	is_int(d.n, 0, "no diagnostics");
	for (size_t i = 0; i < d.n; i++)
		printf("#   %d:%d: %s\n", d.v[i].line, d.v[i].col, d.v[i].msg);
	is_str(ex ? ex->tracing : NULL, "Active", "the function's tracing mode");
	ok(ex && ex->n_steps == 2 && ex->steps[1].kind == STEP_TRACE, "a trace step");
	is_str(ex && ex->n_steps == 2 ? ex->steps[1].args : NULL,
	       "{\"filter\":\"annotation.k = \\\"v\\\"\",\"subsegment\":\"s\"}", "its arguments");
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
	RUN(exercise_parse__reads_the_steps_around_a_function);
	RUN(exercise_parse__reports_service_step_problems_where_they_are);
	RUN(exercise_parse__reads_monitoring_and_deployment_steps);
	RUN(exercise_parse__reads_a_traced_function_and_its_trace_step);
	RUN(exercise_parse__refuses_broken_yaml);
	RUN(exercise_set_load__loads_the_real_lessons);
	return done();
}
