/*
 * lambda-tutor scenario: troubleshooting labs. `start` builds a small application in the
 * learner's own account and breaks it in one way; the learner investigates with the tools of
 * the course and fixes it; `check` says whether it works again, and whether the fix is the
 * right one. Starts, resets, hints and checks go to the learner's records, so that the time to
 * fix and the hints used can be shown to the learner and the trainer.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/locate.h"
#include "check/check.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"
#include "store/store.h"

/* What the records say about one scenario since it was last started or reset. */
struct scen_state {
	int64_t started_ms; /* 0: never started */
	int hints;          /* hint levels revealed since */
	int checks;         /* checks run since */
	int64_t fixed_ms;   /* the first passing check since, or 0 */
};

struct scan {
	const char *id;
	struct scen_state *st;
};

static bool scan_event(const struct store_event *ev, void *vctx)
{
	struct scan *s = vctx;
	if (!ev->item || strcmp(ev->item, s->id) != 0 || !ev->module ||
	    strcmp(ev->module, SCENARIO_MODULE) != 0)
		return true;
	if (strcmp(ev->kind, STORE_SCENARIO) == 0) {
		memset(s->st, 0, sizeof(*s->st));
		s->st->started_ms = ev->at_ms;
	} else if (strcmp(ev->kind, STORE_HINT) == 0 && s->st->started_ms) {
		s->st->hints++;
	} else if (strcmp(ev->kind, STORE_CHECK_RUN) == 0 && s->st->started_ms) {
		s->st->checks++;
		cJSON *d = ev->data ? cJSON_Parse(ev->data) : NULL;
		const cJSON *status = cJSON_GetObjectItemCaseSensitive(d, "status");
		if (!s->st->fixed_ms && cJSON_IsString(status) &&
		    strcmp(status->valuestring, "passed") == 0)
			s->st->fixed_ms = ev->at_ms;
		cJSON_Delete(d);
	}
	return true;
}

/* The learner's state of scenario id; zero when there is no record file yet. */
static void scen_state_read(struct store *store, const char *id, struct scen_state *out)
{
	memset(out, 0, sizeof(*out));
	struct scan s = { id, out };
	if (store)
		store_each(store, NULL, scan_event, &s, NULL);
}

/* The record file, opened to read only when it exists (listing never creates one). */
static struct store *open_records_readonly(const struct cli_opts *opts)
{
	struct error err;
	error_clear(&err);
	char *db = cli_db_path(opts, &err);
	struct store *store = db && path_is_file(db) ? store_open_readonly(db, &err) : NULL;
	free(db);
	return store;
}

static bool record(const struct cli_opts *opts, const struct exercise *sc, const char *kind,
		   const char *data)
{
	struct error err;
	error_clear(&err);
	char *db = cli_db_path(opts, &err);
	struct store *store = db ? cli_open_records(opts, db, &err) : NULL;
	struct store_event ev = {
		.kind = kind,
		.module = SCENARIO_MODULE,
		.item = sc->id,
		.hash = sc->hash,
		.data = data,
	};
	bool ok = store && store_append(store, &ev, &err);
	store_close(store);
	free(db);
	if (!ok) {
		char line[1200];
		error_format(&err, line, sizeof(line));
		cli_error("not recorded: %s", line);
	}
	return ok;
}

/* "4 min 05 s" */
static void duration_text(int64_t ms, char *out, size_t n)
{
	int64_t s = ms / 1000;
	if (s < 60)
		snprintf(out, n, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(out, n, "%lld min %02lld s", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(out, n, "%lld h %02lld min", (long long)(s / 3600),
			 (long long)(s / 60 % 60));
}

struct scen_ctx {
	struct course *course;
	struct exercise_set *set;
	const struct exercise *sc;
	char *ws;
};

static void scen_ctx_close(struct scen_ctx *ctx)
{
	exercise_set_free(ctx->set);
	course_free(ctx->course);
	free(ctx->ws);
	memset(ctx, 0, sizeof(*ctx));
}

static int scen_ctx_open(const struct cli_opts *opts, const char *id, struct scen_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	char *dir = cli_course_dir(opts);
	struct error err;
	error_clear(&err);
	struct diags d = DIAGS_INIT;
	ctx->course = course_exists(dir, &err) ? course_load(dir, &d) : NULL;
	free(dir);
	if (!ctx->course) {
		if (err.msg[0])
			cli_print_error(&err);
		diags_sort(&d);
		diags_print(&d, stderr);
		diags_release(&d);
		return CLI_USAGE;
	}
	ctx->set = scenario_set_load(ctx->course, &d);
	if (d.n) {
		diags_sort(&d);
		diags_print(&d, stderr);
	}
	diags_release(&d);
	if (id) {
		ctx->sc = exercise_find(ctx->set, id);
		if (!ctx->sc) {
			const char **ids = xcalloc(ctx->set->n + 1, sizeof(*ids));
			for (size_t i = 0; i < ctx->set->n; i++)
				ids[i] = ctx->set->v[i]->id;
			const char *s = str_suggest(id, ids);
			if (s)
				cli_error("no scenario '%s' (did you mean '%s'?)", id, s);
			else
				cli_error("no scenario '%s'; 'lambda-tutor scenario --list' shows "
					  "them",
					  id);
			free(ids);
			scen_ctx_close(ctx);
			return CLI_USAGE;
		}
	}
	ctx->ws = cli_workspace(opts, &err);
	if (!ctx->ws) {
		cli_print_error(&err);
		scen_ctx_close(ctx);
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* The first paragraph of the symptom (after its heading), on one line. Caller frees. */
static char *symptom_line(const struct exercise *sc)
{
	size_t len = 0;
	struct error err;
	error_clear(&err);
	char *text = exercise_brief(sc, &len, &err);
	struct strbuf sb = STRBUF_INIT;
	const char *p = text ? text : "";
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *q = p;
		while (q < p + n && (*q == ' ' || *q == '\r'))
			q++;
		if (q < p + n && *q == '>') /* a quotation's mark */
			for (q++; q < p + n && *q == ' ';)
				q++;
		bool blank = q == p + n;
		if (blank && sb.len)
			break;
		if (!blank && *q != '#') {
			if (sb.len)
				strbuf_addch(&sb, ' ');
			strbuf_add(&sb, q, (size_t)(p + n - q));
		}
		p = eol ? eol + 1 : p + n;
	}
	free(text);
	return strbuf_detach(&sb);
}

static int do_list(const struct cli_opts *opts)
{
	struct scen_ctx ctx;
	int rc = scen_ctx_open(opts, NULL, &ctx);
	if (rc != CLI_OK)
		return rc;
	struct store *store = open_records_readonly(opts);
	int64_t now = clock_wall_ms();
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < ctx.set->n; i++) {
		const struct exercise *sc = ctx.set->v[i];
		struct scen_state st;
		scen_state_read(store, sc->id, &st);
		char *symptom = symptom_line(sc);
		const char *state = !st.started_ms ? "not started"
				    : st.fixed_ms  ? "fixed"
						   : "in progress";
		if (opts->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", sc->id);
			cJSON_AddStringToObject(o, "title", sc->title ? sc->title : "");
			cJSON_AddNumberToObject(o, "minutes", sc->minutes);
			cJSON_AddStringToObject(o, "symptom", symptom);
			cJSON_AddStringToObject(o, "state", state);
			cJSON_AddNumberToObject(o, "hints_used", st.hints);
			cJSON_AddNumberToObject(o, "hints", (double)sc->n_hints);
			cJSON_AddNumberToObject(o, "checks", st.checks);
			if (st.started_ms)
				cJSON_AddNumberToObject(o, "started_ms", (double)st.started_ms);
			if (st.fixed_ms)
				cJSON_AddNumberToObject(
					o, "time_to_fix_s",
					(double)((st.fixed_ms - st.started_ms) / 1000));
			cJSON_AddItemToArray(arr, o);
		} else {
			char took[32] = "";
			if (st.fixed_ms)
				duration_text(st.fixed_ms - st.started_ms, took, sizeof(took));
			else if (st.started_ms)
				duration_text(now - st.started_ms, took, sizeof(took));
			printf("%-26s %-12s %s\n  %s\n", sc->id, state, took, symptom);
			if (st.started_ms)
				printf("  hints %d of %zu, checks %d\n", st.hints, sc->n_hints,
				       st.checks);
		}
		free(symptom);
	}
	if (opts->json) {
		char *j = cJSON_Print(arr);
		puts(j);
		free(j);
	} else if (ctx.set->n == 0) {
		printf("The course has no scenarios.\n");
	}
	cJSON_Delete(arr);
	store_close(store);
	scen_ctx_close(&ctx);
	return CLI_OK;
}

/* Run the scenario's setup or check in the learner's account. */
static void run_in_account(const struct scen_ctx *ctx, const struct check_cloud *cloud, int mode,
			   struct check_result *r)
{
	const struct exercise_starter *st = &ctx->sc->starters[EXERCISE_PYTHON];
	enum exercise_lang lang = EXERCISE_PYTHON;
	if (!st->present) {
		st = &ctx->sc->starters[EXERCISE_NODEJS];
		lang = EXERCISE_NODEJS;
	}
	struct check_opts co = {
		.endpoint = cloud->endpoint,
		.control = cloud->control,
		.code_dir = st->dir,
		.lang = lang,
		.access_key = cloud->access_key,
		.secret_key = cloud->secret_key,
		.scenario = mode,
	};
	check_run(ctx->sc, &co, r);
}

static int do_start(const struct cli_opts *opts, const char *id, bool reset)
{
	struct scen_ctx ctx;
	int rc = scen_ctx_open(opts, id, &ctx);
	if (rc != CLI_OK)
		return rc;
	struct check_cloud cloud;
	struct error err;
	error_clear(&err);
	struct check_result r;
	memset(&r, 0, sizeof(r));
	if (!exercise_cloud(ctx.ws, &cloud, &err)) {
		cli_print_error(&err);
		rc = CLI_USAGE;
		goto out;
	}
	run_in_account(&ctx, &cloud, CHECK_SETUP, &r);
	if (r.status == CHECK_ERROR) {
		cli_error("scenario %s: the application could not be set up: %s", id, r.error.msg);
		rc = CLI_USAGE;
		goto out;
	}
	char *data = xasprintf("{\"action\":\"%s\",\"setup_ms\":%lld}", reset ? "reset" : "start",
			       (long long)r.ms);
	record(opts, ctx.sc, STORE_SCENARIO, data);
	free(data);
	if (opts->json) {
		printf("{\"scenario\":\"%s\",\"action\":\"%s\",\"setup_ms\":%lld,"
		       "\"function\":\"%s\"}\n",
		       id, reset ? "reset" : "start", (long long)r.ms, ctx.sc->function);
	} else {
		size_t len = 0;
		char *symptom = exercise_brief(ctx.sc, &len, &err);
		printf("Scenario %s is %s in your account (%lld ms).\n\n%s\n", id,
		       reset ? "set up again" : "ready", (long long)r.ms, symptom ? symptom : "");
		printf("Investigate with the AWS CLI (eval \"$(lambda-tutor env)\"), fix it, then\n"
		       "  lambda-tutor scenario check %s      (hints: lambda-tutor scenario hint "
		       "%s)\n",
		       id, id);
		free(symptom);
	}
out:
	check_result_release(&r);
	scen_ctx_close(&ctx);
	return rc;
}

static int do_hint(const struct cli_opts *opts, const char *id)
{
	struct scen_ctx ctx;
	int rc = scen_ctx_open(opts, id, &ctx);
	if (rc != CLI_OK)
		return rc;
	struct store *store = open_records_readonly(opts);
	struct scen_state st;
	scen_state_read(store, id, &st);
	store_close(store);
	if (!st.started_ms) {
		cli_error("scenario %s is not started: lambda-tutor scenario start %s", id, id);
		scen_ctx_close(&ctx);
		return CLI_USAGE;
	}
	size_t level = (size_t)st.hints < ctx.sc->n_hints ? (size_t)st.hints : ctx.sc->n_hints - 1;
	bool more = (size_t)st.hints < ctx.sc->n_hints;
	if (more) {
		char *data = xasprintf("{\"level\":%zu}", level + 1);
		record(opts, ctx.sc, STORE_HINT, data);
		free(data);
	}
	if (opts->json)
		printf("{\"scenario\":\"%s\",\"level\":%zu,\"of\":%zu,\"hint\":", id, level + 1,
		       ctx.sc->n_hints);
	if (opts->json) {
		cJSON *h = cJSON_CreateString(ctx.sc->hints[level]);
		char *t = cJSON_PrintUnformatted(h);
		printf("%s}\n", t);
		free(t);
		cJSON_Delete(h);
	} else {
		printf("Hint %zu of %zu%s: %s\n", level + 1, ctx.sc->n_hints,
		       more ? "" : " (the last one, again)", ctx.sc->hints[level]);
	}
	scen_ctx_close(&ctx);
	return CLI_OK;
}

static int do_check(const struct cli_opts *opts, const char *id)
{
	struct scen_ctx ctx;
	int rc = scen_ctx_open(opts, id, &ctx);
	if (rc != CLI_OK)
		return rc;
	struct check_cloud cloud;
	struct error err;
	error_clear(&err);
	struct check_result r;
	memset(&r, 0, sizeof(r));
	if (!exercise_cloud(ctx.ws, &cloud, &err)) {
		cli_print_error(&err);
		rc = CLI_USAGE;
		goto out;
	}
	struct store *store = open_records_readonly(opts);
	struct scen_state st;
	scen_state_read(store, id, &st);
	store_close(store);
	if (!st.started_ms) {
		cli_error("scenario %s is not started: lambda-tutor scenario start %s", id, id);
		rc = CLI_USAGE;
		goto out;
	}
	run_in_account(&ctx, &cloud, CHECK_STEPS, &r);
	if (opts->json) {
		char *j = check_result_json(&r, true);
		puts(j);
		free(j);
	} else {
		char *t = check_result_text(&r, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
		fputs(t, stdout);
		free(t);
	}
	exercise_record(opts, &r);
	if (r.status == CHECK_PASS && !opts->json) {
		char took[32];
		duration_text(clock_wall_ms() - st.started_ms, took, sizeof(took));
		printf("Fixed in %s, with %d hint%s and %d check%s.\n", took, st.hints,
		       st.hints == 1 ? "" : "s", st.checks + 1, st.checks ? "s" : "");
	} else if (r.status == CHECK_FAIL && !opts->json) {
		printf("If the application is beyond repair: lambda-tutor scenario reset %s\n", id);
	}
	rc = r.status == CHECK_PASS ? CLI_OK : r.status == CHECK_FAIL ? CLI_FAIL : CLI_USAGE;
out:
	check_result_release(&r);
	scen_ctx_close(&ctx);
	return rc;
}

static int do_show(const struct cli_opts *opts, const char *id)
{
	struct scen_ctx ctx;
	int rc = scen_ctx_open(opts, id, &ctx);
	if (rc != CLI_OK)
		return rc;
	size_t len = 0;
	struct error err;
	error_clear(&err);
	char *symptom = exercise_brief(ctx.sc, &len, &err);
	if (symptom)
		fputs(symptom, stdout);
	else
		cli_print_error(&err);
	free(symptom);
	scen_ctx_close(&ctx);
	return symptom ? CLI_OK : CLI_USAGE;
}

int cmd_scenario_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *action = NULL, *id = NULL;
	bool list = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0)
			list = true;
		else if (argv[i][0] != '-' && !action)
			action = argv[i];
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else {
			cli_error("scenario: bad argument '%s'; see 'lambda-tutor scenario --help'",
				  argv[i]);
			return CLI_USAGE;
		}
	}
	if (list || (action && strcmp(action, "list") == 0 && !id))
		return do_list(opts);
	static const char *const actions[] = { "start", "hint", "check", "reset", "show", NULL };
	bool known = false;
	for (size_t i = 0; action && actions[i]; i++)
		known = known || strcmp(action, actions[i]) == 0;
	if (!action || !known || !id) {
		cli_error("scenario: usage: lambda-tutor scenario --list | start|hint|check|reset|"
			  "show NAME");
		return CLI_USAGE;
	}
	if (strcmp(action, "start") == 0 || strcmp(action, "reset") == 0)
		return do_start(opts, id, action[0] == 'r');
	if (strcmp(action, "hint") == 0)
		return do_hint(opts, id);
	if (strcmp(action, "check") == 0)
		return do_check(opts, id);
	return do_show(opts, id);
}
