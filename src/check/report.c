/*
 * A check's result for people (text, with ✓ and ✗) and for programs and records (JSON).
 */
#include "check/check.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

/* Lines of the log shown under a failure: the end is where the answer usually is. */
#define LOG_LINES 12

static const char *step_kind_name(enum exercise_step_kind k)
{
	return exercise_step_kind_name(k);
}

static void add_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

char *check_result_json(const struct check_result *r, bool with_logs)
{
	const struct exercise *ex = r->exercise;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "exercise", ex->id);
	cJSON_AddStringToObject(o, "module", ex->module_id);
	cJSON_AddStringToObject(o, "kind", exercise_kind_name(ex->kind));
	cJSON_AddStringToObject(o, "language", exercise_lang_name(r->lang));
	cJSON_AddStringToObject(o, "status", check_status_name(r->status));
	if (r->status == CHECK_ERROR)
		cJSON_AddStringToObject(o, "error", r->error.msg);
	else
		cJSON_AddNullToObject(o, "error");
	cJSON_AddNumberToObject(o, "duration_ms", (double)r->ms);
	cJSON_AddStringToObject(o, "hash", ex->hash);
	cJSON_AddNumberToObject(o, "passed", (double)r->n_passed);
	cJSON_AddNumberToObject(o, "total", (double)r->n_tasks);
	cJSON *tasks = cJSON_AddArrayToObject(o, "tasks");
	for (size_t i = 0; i < r->n_tasks; i++) {
		const struct check_task_result *t = &r->tasks[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "id", t->task->id);
		cJSON_AddStringToObject(j, "text", t->task->text);
		cJSON_AddBoolToObject(j, "pass", t->pass);
		if (!t->pass && t->got) {
			add_str(j, "step", t->step);
			add_str(j, "event", t->event);
			add_str(j, "got", t->got);
			add_str(j, "expected", t->expected);
			add_str(j, "why", t->why);
			if (with_logs) {
				add_str(j, "log", t->log);
				add_str(j, "report", t->report_line);
			}
		}
		cJSON_AddItemToArray(tasks, j);
	}
	cJSON *steps = cJSON_AddArrayToObject(o, "steps");
	for (size_t i = 0; i < r->n_steps; i++) {
		const struct check_step_result *s = &r->steps[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", s->step->name);
		cJSON_AddStringToObject(j, "kind", step_kind_name(s->step->kind));
		cJSON_AddBoolToObject(j, "done", s->done);
		cJSON_AddBoolToObject(j, "ok", s->ok);
		cJSON_AddNumberToObject(j, "ms", (double)s->ms);
		if (with_logs && s->step->kind == STEP_INVOKE && s->done) {
			add_str(j, "event", s->event);
			add_str(j, "response", s->response);
			add_str(j, "function_error", s->function_error);
			add_str(j, "request_id", s->request_id);
			add_str(j, "report", s->report_line);
		}
		cJSON_AddItemToArray(steps, j);
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

struct style {
	const char *ok, *bad, *dim, *bold, *off;
};

static void add_indented_log(struct strbuf *sb, const char *log, const struct style *st)
{
	/*
	 * Keep the last LOG_LINES lines. A traceback is one log event whose lines a runtime joins
	 * with carriage returns: each gets a line of its own.
	 */
	size_t lines = 0;
	for (const char *p = log; *p; p++)
		if (*p == '\n' || *p == '\r')
			lines++;
	if (log[0] && log[strlen(log) - 1] != '\n')
		lines++;
	size_t skip = lines > LOG_LINES ? lines - LOG_LINES : 0;
	const char *p = log;
	if (skip)
		strbuf_addf(sb, "      %s(%zu earlier lines)%s\n", st->dim, skip, st->off);
	for (size_t i = 0; *p; i++) {
		size_t n = strcspn(p, "\n\r");
		if (i >= skip) {
			strbuf_addf(sb, "      %s", st->dim);
			for (size_t k = 0; k < n && k < 200; k++)
				strbuf_addch(sb, p[k] == '\t' ? ' ' : p[k]);
			strbuf_addf(sb, "%s\n", st->off);
		}
		p += n;
		if (*p)
			p++;
	}
}

char *check_result_text(const struct check_result *r, bool colour)
{
	static const struct style plain = { "", "", "", "", "" };
	static const struct style ansi = { "\033[32m", "\033[31m", "\033[2m", "\033[1m",
					   "\033[0m" };
	const struct style *st = colour ? &ansi : &plain;
	struct strbuf sb = STRBUF_INIT;
	const struct exercise *ex = r->exercise;
	if (r->status == CHECK_ERROR) {
		strbuf_addf(&sb, "%s✗ the check of %s could not run:%s %s\n", st->bad, ex->id,
			    st->off, r->error.msg);
		return strbuf_detach(&sb);
	}
	for (size_t i = 0; i < r->n_tasks; i++) {
		const struct check_task_result *t = &r->tasks[i];
		strbuf_addf(&sb, "%s%s%s %s%s%s  %s\n", t->pass ? st->ok : st->bad,
			    t->pass ? "✓" : "✗", st->off, st->bold, t->task->id, st->off,
			    t->task->text);
		if (t->pass || !t->got)
			continue;
		strbuf_addf(&sb, "    step:     %s\n", t->step);
		if (t->event)
			strbuf_addf(&sb, "    sent:     %s\n", t->event);
		strbuf_addf(&sb, "    got:      %s\n", t->got);
		strbuf_addf(&sb, "    expected: %s\n", t->expected);
		if (t->why)
			strbuf_addf(&sb, "    why:      %s\n", t->why);
		if (t->log && t->log[0]) {
			/* One invocation's log is shown once, however many tasks it fails. */
			bool shown = false;
			for (size_t k = 0; k < i && !shown; k++)
				shown = r->tasks[k].log && strcmp(r->tasks[k].log, t->log) == 0;
			if (shown) {
				strbuf_addstr(&sb, "    log:      (as above)\n");
			} else {
				strbuf_addstr(&sb, "    log:\n");
				add_indented_log(&sb, t->log, st);
			}
		}
	}
	strbuf_addf(&sb, "%s%zu of %zu tasks pass%s (%s, %lld ms)\n",
		    r->status == CHECK_PASS ? st->ok : st->bad, r->n_passed, r->n_tasks, st->off,
		    exercise_lang_name(r->lang), (long long)r->ms);
	return strbuf_detach(&sb);
}
