/*
 * Running an exercise's steps against the cloud and collecting, per task, the first
 * expectation that failed with everything a learner needs to see why.
 */
#include "check/check.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "check/client.h"
#include "check/event.h"
#include "check/expect.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* What one step left for its expectations to judge. */
struct step_state {
	cJSON *event;
	char *event_text;
	struct lambda_reply reply;
	cJSON *response;
	char *call_error;
	const cJSON *config; /* borrowed from the run */
};

struct run {
	const struct exercise *ex;
	const struct check_opts *opts;
	struct check_result *r;
	struct lambda_client *client;
	cJSON *config;
	bool config_tried;
	char *config_error;
	struct event_rng rng;
};

const char *check_status_name(enum check_status status)
{
	switch (status) {
	case CHECK_PASS:
		return "passed";
	case CHECK_FAIL:
		return "failed";
	case CHECK_ERROR:
		return "error";
	}
	abort();
}

/* The handler's file, as the runtime would look for it, or NULL with err. */
static bool find_handler_file(const struct exercise *ex, const struct check_opts *o,
			      struct error *err)
{
	const struct exercise_starter *st = &ex->starters[o->lang];
	if (!st->present || !st->handler)
		return error_set(err, "exercise '%s' has no %s starter", ex->id,
				 exercise_lang_name(o->lang));
	if (!path_is_dir(o->code_dir))
		return error_set(err, "the exercise folder '%s' does not exist", o->code_dir);
	const char *dot = strrchr(st->handler, '.');
	char *mod = xstrndup(st->handler, (size_t)(dot - st->handler));
	static const char *const py[] = { ".py", NULL };
	static const char *const js[] = { ".mjs", ".js", ".cjs", NULL };
	const char *const *exts = o->lang == EXERCISE_PYTHON ? py : js;
	bool found = false;
	for (size_t i = 0; exts[i] && !found; i++) {
		char *f = xasprintf("%s/%s%s", o->code_dir, mod, exts[i]);
		found = path_is_file(f);
		free(f);
	}
	if (!found)
		error_set(err, "the handler file '%s%s' is missing from '%s' (the handler is '%s')",
			  mod, exts[0], o->code_dir, st->handler);
	free(mod);
	return found;
}

static void fresh_key(char out[21])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned char raw[16];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)(clock_mono_us() >> (i % 8));
	memcpy(out, "AKIA", 4);
	for (size_t i = 0; i < 16; i++)
		out[4 + i] = alphabet[raw[i] & 31];
	out[20] = '\0';
}

static bool needs_config(const struct exercise_step *s)
{
	for (size_t i = 0; i < s->n_expects; i++)
		if (s->expects[i].field && strncmp(s->expects[i].field, "config", 6) == 0)
			return true;
	return false;
}

/* Fetch the configuration once per run. False when the cloud cannot be reached. */
static bool fetch_config(struct run *run)
{
	if (run->config_tried)
		return true;
	run->config_tried = true;
	struct lambda_reply rep;
	client_get_configuration(run->client, run->ex->function, &rep);
	if (rep.status == 0) {
		error_set(&run->r->error, "%s", rep.body);
		client_reply_release(&rep);
		return false;
	}
	if (rep.status == 200) {
		run->config = cJSON_Parse(rep.body);
	} else {
		char *why = client_reply_error(&rep);
		run->config_error =
			rep.status == 404
				? xasprintf("there is no function named '%s' in your account (%s)",
					    run->ex->function, why)
				: xasprintf("GetFunctionConfiguration failed: %s", why);
		free(why);
	}
	client_reply_release(&rep);
	return true;
}

static bool do_deploy(struct run *run, struct step_state *st)
{
	const struct exercise *ex = run->ex;
	const struct exercise_starter *s = &ex->starters[run->opts->lang];
	size_t len = 0;
	void *zip = package_zip(run->opts->code_dir, &len, &run->r->error);
	if (!zip)
		return false;
	client_create_function(run->client, ex->function, s->runtime, s->handler, NULL, ex->memory,
			       ex->timeout, ex->env, zip, len, &st->reply);
	free(zip);
	if (st->reply.status / 100 != 2) {
		char *why = client_reply_error(&st->reply);
		if (st->reply.status == 0)
			error_set(&run->r->error, "%s", why);
		else
			error_set(&run->r->error, "the cloud refused to create the function: %s",
				  why);
		free(why);
		return false;
	}
	cJSON_Delete(run->config);
	run->config = cJSON_Parse(st->reply.body);
	run->config_tried = true;
	return true;
}

static bool do_invoke(struct run *run, const struct exercise_step *step, struct step_state *st)
{
	st->event = event_generate(step->event, &run->rng);
	if (!st->event) {
		error_set(&run->r->error, "step '%s' has an event that is not JSON", step->name);
		return false;
	}
	st->event_text = cJSON_PrintUnformatted(st->event);
	client_invoke(run->client, run->ex->function, st->event_text, &st->reply);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	if (st->reply.status != 200) {
		char *why = client_reply_error(&st->reply);
		st->call_error =
			st->reply.status == 404
				? xasprintf("the Invoke call failed: there is no function named "
					    "'%s' (%s)",
					    run->ex->function, why)
				: xasprintf("the Invoke call failed: %s", why);
		free(why);
		return true;
	}
	st->response = cJSON_Parse(st->reply.body ? st->reply.body : "");
	/* The log's START line names the invocation's own request ID: prefer it. */
	const char *p = st->reply.log ? strstr(st->reply.log, "RequestId: ") : NULL;
	if (p) {
		p += 11;
		free(st->reply.request_id);
		st->reply.request_id = xstrndup(p, strcspn(p, "\t \n"));
	}
	return true;
}

static char *report_line_of(const char *log)
{
	struct expect_report rep;
	const char *line;
	size_t len;
	if (!expect_parse_report(log, &rep, &line, &len))
		return NULL;
	while (len && (line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	return xstrndup(line, len);
}

static void judge_step(struct run *run, size_t si, struct step_state *st)
{
	const struct exercise_step *step = &run->ex->steps[si];
	struct check_step_result *sr = &run->r->steps[si];
	struct expect_subject subj = {
		.event = st->event,
		.request_id = st->reply.request_id,
		.function = run->ex->function,
		.call_error = st->call_error,
		.payload = st->reply.body,
		.response = st->response,
		.function_error = st->reply.function_error,
		.log = st->reply.log,
		.config = run->config,
	};
	if (step->kind != STEP_INVOKE) {
		subj.call_error = run->config ? NULL : run->config_error;
		subj.payload = NULL;
		subj.log = NULL;
		subj.function_error = NULL;
	}
	char *report = report_line_of(st->reply.log);
	subj.report_line = report;
	sr->ok = true;
	for (size_t i = 0; i < step->n_expects; i++) {
		const struct exercise_expect *e = &step->expects[i];
		struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
		bool pass = expect_judge(e, &subj, &got, &want);
		if (!pass)
			sr->ok = false;
		for (size_t t = 0; !pass && t < run->r->n_tasks; t++) {
			struct check_task_result *tr = &run->r->tasks[t];
			if (strcmp(tr->task->id, e->task) != 0 || tr->got)
				continue;
			tr->pass = false;
			tr->step = xstrdup(step->name);
			tr->event = st->event_text ? xstrdup(st->event_text) : NULL;
			tr->got = strbuf_detach(&got);
			tr->expected = strbuf_detach(&want);
			tr->why = e->why ? e->why : tr->task->why;
			tr->log = st->reply.log ? xstrdup(st->reply.log) : NULL;
			tr->report_line = report ? xstrdup(report) : NULL;
		}
		strbuf_release(&got);
		strbuf_release(&want);
	}
	if (step->kind == STEP_INVOKE) {
		sr->event = st->event_text ? xstrdup(st->event_text) : NULL;
		sr->response = st->call_error ? xstrdup(st->call_error)
					      : xstrdup(st->reply.body ? st->reply.body : "");
		sr->function_error = xstrdup(st->reply.function_error);
		sr->request_id = xstrdup(st->reply.request_id);
		sr->report_line = report ? xstrdup(report) : NULL;
	}
	free(report);
}

static void step_state_release(struct step_state *st)
{
	cJSON_Delete(st->event);
	free(st->event_text);
	client_reply_release(&st->reply);
	cJSON_Delete(st->response);
	free(st->call_error);
}

/* Run step si. False when the check cannot go on (the reason is in r->error). */
static bool run_step(struct run *run, size_t si)
{
	const struct exercise_step *step = &run->ex->steps[si];
	struct step_state st = { 0 };
	bool ok = true;
	switch (step->kind) {
	case STEP_DEPLOY:
		ok = do_deploy(run, &st);
		break;
	case STEP_INSPECT:
		ok = fetch_config(run);
		break;
	case STEP_INVOKE:
		ok = do_invoke(run, step, &st);
		if (ok && needs_config(step))
			ok = fetch_config(run);
		break;
	}
	if (ok)
		judge_step(run, si, &st);
	step_state_release(&st);
	return ok;
}

void check_run(const struct exercise *ex, const struct check_opts *opts, struct check_result *out)
{
	memset(out, 0, sizeof(*out));
	int64_t t0 = clock_mono_ms();
	out->exercise = ex;
	out->lang = opts->lang;
	out->n_tasks = ex->n_tasks;
	out->tasks = xcalloc(ex->n_tasks + 1, sizeof(*out->tasks));
	for (size_t i = 0; i < ex->n_tasks; i++) {
		out->tasks[i].task = &ex->tasks[i];
		out->tasks[i].pass = true;
	}
	out->n_steps = ex->n_steps;
	out->steps = xcalloc(ex->n_steps + 1, sizeof(*out->steps));
	for (size_t i = 0; i < ex->n_steps; i++)
		out->steps[i].step = &ex->steps[i];

	struct run run = { .ex = ex, .opts = opts, .r = out };
	event_rng_seed(&run.rng, 0);
	char key[21];
	bool ok = true;
	if (ex->kind == EXERCISE_CODE) {
		ok = find_handler_file(ex, opts, &out->error);
		fresh_key(key);
	} else {
		snprintf(key, sizeof(key), "%s", opts->access_key ? opts->access_key : "test");
	}
	if (ok)
		run.client = client_new(opts->endpoint, key);
	bool deployed = false;
	for (size_t i = 0; ok && i < ex->n_steps; i++) {
		if (opts->progress)
			opts->progress(opts->progress_ctx, out, i, false);
		int64_t s0 = clock_mono_ms();
		ok = run_step(&run, i);
		if (ex->steps[i].kind == STEP_DEPLOY && ok)
			deployed = true;
		out->steps[i].ms = clock_mono_ms() - s0;
		out->steps[i].done = ok;
		if (!ok)
			out->steps[i].ok = false;
		if (opts->progress)
			opts->progress(opts->progress_ctx, out, i, true);
	}
	if (deployed && !opts->keep) {
		struct lambda_reply rep;
		client_delete_function(run.client, ex->function, &rep);
		client_reply_release(&rep);
	}
	client_free(run.client);
	cJSON_Delete(run.config);
	free(run.config_error);
	for (size_t i = 0; i < out->n_tasks; i++) {
		if (!ok)
			out->tasks[i].pass = false;
		if (out->tasks[i].pass)
			out->n_passed++;
	}
	out->status = !ok ? CHECK_ERROR : out->n_passed == out->n_tasks ? CHECK_PASS : CHECK_FAIL;
	out->ms = clock_mono_ms() - t0;
}

void check_result_release(struct check_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_tasks; i++) {
		struct check_task_result *t = &r->tasks[i];
		free(t->step);
		free(t->event);
		free(t->got);
		free(t->expected);
		free(t->log);
		free(t->report_line);
	}
	free(r->tasks);
	for (size_t i = 0; i < r->n_steps; i++) {
		struct check_step_result *s = &r->steps[i];
		free(s->event);
		free(s->response);
		free(s->function_error);
		free(s->request_id);
		free(s->report_line);
	}
	free(r->steps);
	memset(r, 0, sizeof(*r));
}
