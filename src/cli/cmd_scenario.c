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
#include <sys/ioctl.h>
#include <unistd.h>

#include "aws/locate.h"
#include "check/check.h"
#include "check/progress.h"
#include "check/scenario.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"
#include "store/store.h"
#include "tui/mdview.h"

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

/* The terminal's width, or 80 when the output is not one. */
static int out_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/*
 * Markdown laid out as the reader lays it out (wrapped, marks gone), each line after indent
 * spaces; styled with ANSI when color.
 */
static void print_markdown(const char *md, size_t len, int indent, bool color)
{
	struct mdview view = MDVIEW_INIT;
	if (!mdview_layout(&view, md, len, out_width() - indent - 1)) {
		fwrite(md, 1, len, stdout);
		return;
	}
	for (size_t i = 0; i < view.n_lines; i++) {
		const struct mdview_line *l = &view.lines[i];
		printf("%*s", l->len ? indent : 0, "");
		for (size_t k = 0; k < l->n_spans; k++) {
			const struct mdview_span *sp = &l->spans[k];
			const char *on = "";
			if (color) {
				switch (sp->style) {
				case MDV_H1:
				case MDV_H2:
				case MDV_H3:
				case MDV_STRONG:
					on = "\033[1m";
					break;
				case MDV_EMPH:
					on = "\033[3m";
					break;
				case MDV_CODE:
				case MDV_CODE_BLOCK:
				case MDV_KEYWORD:
				case MDV_STRING:
				case MDV_NUMBER:
				case MDV_KEY:
					on = "\033[36m";
					break;
				case MDV_QUOTE:
				case MDV_RULE:
				case MDV_URL:
				case MDV_COMMENT:
					on = "\033[2m";
					break;
				case MDV_LINK:
					on = "\033[4m";
					break;
				default:
					break;
				}
				if (!on[0] && (sp->flags & MDV_F_STRONG))
					on = "\033[1m";
				else if (!on[0] && (sp->flags & MDV_F_EMPH))
					on = "\033[3m";
			}
			printf("%s%.*s%s", on, (int)sp->len, l->text + sp->off,
			       on[0] ? "\033[0m" : "");
		}
		putchar('\n');
	}
	mdview_release(&view);
}

static bool want_color(void)
{
	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
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
		struct scenario_progress st;
		scenario_progress_load(store, sc->id, &st);
		char *symptom = scenario_symptom(sc);
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
			printf("%-26s %-12s %s\n", sc->id, state, took);
			print_markdown(symptom, strlen(symptom), 2, want_color());
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
	scenario_run(ctx->sc, cloud, mode, NULL, NULL, r);
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
		printf("Scenario %s is %s in your account (%lld ms).\n\n", id,
		       reset ? "set up again" : "ready", (long long)r.ms);
		if (symptom)
			print_markdown(symptom, len, 0, want_color());
		putchar('\n');
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
	struct scenario_progress st;
	scenario_progress_load(store, id, &st);
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
		printf("Hint %zu of %zu%s:\n", level + 1, ctx.sc->n_hints,
		       more ? "" : " (the last one, again)");
		print_markdown(ctx.sc->hints[level], strlen(ctx.sc->hints[level]), 2, want_color());
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
	struct scenario_progress st;
	scenario_progress_load(store, id, &st);
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
		char *t = check_result_text(&r, want_color());
		fputs(t, stdout);
		free(t);
	}
	exercise_record(opts, &r);
	if (r.status == CHECK_PASS && !opts->json) {
		char took[32];
		duration_text(clock_wall_ms() - st.started_ms, took, sizeof(took));
		printf("Fixed in %s, with %d hint%s and %d check%s.\n", took, st.hints,
		       st.hints == 1 ? "" : "s", st.checks + 1, st.checks ? "s" : "");
	} else if (!opts->json) {
		printf("If the application is beyond repair (deleted or renamed): lambda-tutor "
		       "scenario reset %s\n",
		       id);
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
	if (symptom && opts->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "scenario", id);
		cJSON_AddStringToObject(o, "markdown", symptom);
		char *j = cJSON_Print(o);
		puts(j);
		free(j);
		cJSON_Delete(o);
	} else if (symptom) {
		print_markdown(symptom, len, 0, want_color());
	} else
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
