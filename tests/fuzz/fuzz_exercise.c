/*
 * Fuzz the exercise loader and the checker's judging. The input is first an exercise.yaml
 * (exercise_parse() with dir NULL, so nothing on disk is touched); every expectation it yields
 * is then judged, and every event generated, against a fixed invocation. Then the same bytes
 * are what a handler returned: split at the first NUL into payload and log, and judged by a
 * fixed exercise's expectations, as a learner's handler can return anything.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check/event.h"
#include "check/expect.h"
#include "core/diag.h"
#include "core/xalloc.h"
#include "course/exercise_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed[] =
	"id: f\ntitle: F\nkind: code\nbrief: b.md\nfunction: {name: f}\n"
	"starters:\n  python: {runtime: python3.12, handler: a.h, files: [a.py]}\n"
	"  nodejs: {runtime: nodejs20.x, handler: a.h, files: [a.mjs]}\n"
	"tasks: [{id: t, text: T, why: W}]\nhints: [h]\n"
	"steps:\n  - deploy\n  - invoke:\n"
	"      event: {a: {random: int, min: 1, max: 9}, b: 2, name: {random: name}}\n"
	"      expect:\n"
	"        - {task: t, error: {type: '^Run', message: 'x.*'}}\n"
	"        - {task: t, field: body.result, near: '${event.a / event.b}', tolerance: 0.1}\n"
	"        - {task: t, field: body.message, equals: 'Hello, ${event.name}!'}\n"
	"        - {task: t, field: response, contains: {statusCode: 200}}\n"
	"        - {task: t, field: body, matches: '^[a-z]+$'}\n"
	"        - {task: t, field: report.max_memory_used, max: 128}\n"
	"        - {task: t, log: 'n=${event.a * 2}'}\n";

static void judge_all(const struct exercise *ex, const char *payload, const char *log,
		      const char *function_error)
{
	struct event_rng rng;
	event_rng_seed(&rng, 7);
	cJSON *response = cJSON_Parse(payload);
	cJSON *config = cJSON_Parse("{\"MemorySize\":128,\"Timeout\":3}");
	for (size_t i = 0; i < ex->n_steps; i++) {
		const struct exercise_step *s = &ex->steps[i];
		cJSON *event = s->event ? event_generate(s->event, &rng) : NULL;
		struct expect_subject subj = {
			.event = event,
			.request_id = "r-1",
			.function = "f",
			.payload = payload,
			.response = response,
			.function_error = function_error,
			.log = log,
			.config = config,
		};
		for (size_t j = 0; j < s->n_expects; j++) {
			struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
			expect_judge(&s->expects[j], &subj, &got, &want);
			strbuf_release(&got);
			strbuf_release(&want);
		}
		cJSON_Delete(event);
	}
	cJSON_Delete(response);
	cJSON_Delete(config);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex =
		exercise_parse((const char *)data, size, "exercise.yaml", NULL, "m", &d);
	if (ex)
		judge_all(ex, "{\"statusCode\":200,\"body\":\"{\\\"result\\\":2}\"}",
			  "START x\nn=4\nREPORT RequestId: x\tDuration: 1 ms\t\n", NULL);
	exercise_free(ex);
	diags_release(&d);

	char *text = xstrndup((const char *)data, size);
	size_t plen = strlen(text);
	const char *log = plen < size ? (const char *)data + plen + 1 : "";
	char *log_copy = xstrndup(log, size - (plen < size ? plen + 1 : size));
	ex = exercise_parse(fixed, sizeof(fixed) - 1, "fixed.yaml", NULL, "m", &d);
	if (ex) {
		judge_all(ex, text, log_copy, NULL);
		judge_all(ex, text, log_copy, "Unhandled");
	}
	exercise_free(ex);
	diags_release(&d);
	free(log_copy);
	free(text);
	return 0;
}
