/*
 * lambda-tutor check EXERCISE: deploy the learner's code (or look at their account), invoke it,
 * judge every task and say why; --watch re-runs on every save. Also the helpers that reset and
 * selftest share: finding an exercise and its folder, and recording a run.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws/locate.h"
#include "check/check.h"
#include "check/record.h"
#include "check/watch.h"
#include "check/workspace.h"
#include "cli/commands.h"
#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"
#include "store/store.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

int exercise_ctx_open(const struct cli_opts *opts, const char *id, struct exercise_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	char *dir = cli_course_dir(opts);
	struct error err;
	error_clear(&err);
	if (!course_exists(dir, &err)) {
		cli_print_error(&err);
		free(dir);
		return CLI_USAGE;
	}
	struct diags d = DIAGS_INIT;
	ctx->course = course_load(dir, &d);
	if (ctx->course)
		ctx->set = exercise_set_load(ctx->course, &d);
	free(dir);
	if (!ctx->course) {
		diags_sort(&d);
		diags_print(&d, stderr);
		diags_release(&d);
		return CLI_USAGE;
	}
	if (d.n) {
		/* Broken exercises are left out; say why once, then go on with the rest. */
		diags_sort(&d);
		diags_print(&d, stderr);
	}
	diags_release(&d);
	if (id) {
		ctx->ex = exercise_find(ctx->set, id);
		if (!ctx->ex) {
			const char **ids = xcalloc(ctx->set->n + 1, sizeof(*ids));
			for (size_t i = 0; i < ctx->set->n; i++)
				ids[i] = ctx->set->v[i]->id;
			const char *s = str_suggest(id, ids);
			if (s)
				cli_error("no exercise '%s' (did you mean '%s'?)", id, s);
			else
				cli_error("no exercise '%s'; 'lambda-tutor list' shows them", id);
			free(ids);
			exercise_ctx_close(ctx);
			return CLI_USAGE;
		}
	}
	ctx->ws = cli_workspace(opts, &err);
	if (!ctx->ws) {
		cli_print_error(&err);
		exercise_ctx_close(ctx);
		return CLI_USAGE;
	}
	return CLI_OK;
}

void exercise_ctx_close(struct exercise_ctx *ctx)
{
	exercise_set_free(ctx->set);
	course_free(ctx->course);
	free(ctx->ws);
	memset(ctx, 0, sizeof(*ctx));
}

int exercise_ctx_lang(const struct exercise_ctx *ctx, const char *flag)
{
	if (flag) {
		int lang = exercise_lang_parse(flag);
		if (lang < 0)
			cli_error("unknown language '%s'; use python or nodejs", flag);
		return lang;
	}
	int lang = workspace_language(ctx->ws, ctx->ex);
	return lang < 0 ? EXERCISE_PYTHON : lang;
}

bool exercise_cloud(const char *ws, struct check_cloud *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	struct cloud_keys keys;
	if (!cloud_ensure(ws, NULL, out->endpoint, sizeof(out->endpoint), err) ||
	    !cloud_learner_keys(ws, &keys, err))
		return false;
	char *control = cloud_control_path(ws);
	snprintf(out->control, sizeof(out->control), "%s", control);
	free(control);
	snprintf(out->access_key, sizeof(out->access_key), "%s", keys.access_key);
	snprintf(out->secret_key, sizeof(out->secret_key), "%s", keys.secret);
	return true;
}

bool exercise_record(const struct cli_opts *opts, const struct check_result *r)
{
	struct error err;
	error_clear(&err);
	char *db = cli_db_path(opts, &err);
	struct store *store = db ? cli_open_records(opts, db, &err) : NULL;
	bool ok = store && check_record(store, r, &err);
	store_close(store);
	free(db);
	if (!ok) {
		char line[1200];
		error_format(&err, line, sizeof(line));
		cli_error("the run was not recorded: %s", line);
	}
	return ok;
}

struct progress {
	bool on;
};

static void show_progress(void *vctx, const struct check_result *r, size_t i, bool done)
{
	struct progress *p = vctx;
	if (!p->on || !done)
		return;
	const struct check_step_result *s = &r->steps[i];
	fprintf(stderr, "  %s %-40s %5lld ms\n",
		!s->done ? "!"
		: s->ok  ? "·"
			 : "✗",
		s->step->name, (long long)s->ms);
}

struct check_args {
	const char *id, *lang, *dir;
	bool watch, keep, poll;
};

static int parse_args(int argc, char **argv, struct check_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--watch") == 0 || strcmp(s, "-w") == 0) {
			a->watch = true;
		} else if (strcmp(s, "--keep") == 0) {
			a->keep = true;
		} else if (strcmp(s, "--poll") == 0) {
			a->poll = true;
		} else if ((strcmp(s, "--lang") == 0 || strcmp(s, "--dir") == 0) && i + 1 < argc) {
			*(s[2] == 'l' ? &a->lang : &a->dir) = argv[++i];
		} else if (strncmp(s, "--lang=", 7) == 0) {
			a->lang = s + 7;
		} else if (strncmp(s, "--dir=", 6) == 0) {
			a->dir = s + 6;
		} else if (s[0] != '-' && !a->id) {
			a->id = s;
		} else {
			cli_error("check: bad argument '%s'; see 'lambda-tutor check --help'", s);
			return CLI_USAGE;
		}
	}
	if (!a->id) {
		cli_error("check: which exercise? Usage: lambda-tutor check EXERCISE");
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* One run: check, print, record. Returns the exit code of the run. */
static int run_once(const struct cli_opts *opts, const struct exercise_ctx *ctx,
		    const struct check_opts *co)
{
	struct check_result r;
	if (!opts->json)
		fprintf(stderr, "Checking %s (%s) %s\n", ctx->ex->id, exercise_lang_name(co->lang),
			ctx->ex->kind == EXERCISE_CODE ? "in a fresh account of the local cloud"
						       : "in your own account (read only)");
	check_run(ctx->ex, co, &r);
	if (opts->json) {
		char *j = check_result_json(&r, true);
		puts(j);
		free(j);
	} else {
		char *t = check_result_text(&r, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
		fputs(t, stdout);
		free(t);
	}
	fflush(stdout);
	/* A run that could not start is recorded too: it is how a trainer sees who is stuck. */
	exercise_record(opts, &r);
	int code = r.status == CHECK_PASS ? CLI_OK : r.status == CHECK_FAIL ? CLI_FAIL : CLI_USAGE;
	check_result_release(&r);
	return code;
}

static int watch_loop(const struct cli_opts *opts, const struct exercise_ctx *ctx,
		      const struct check_opts *co, bool poll)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct watch *w = watch_open(co->code_dir, poll);
	int code = run_once(opts, ctx, co);
	fprintf(stderr, "Watching %s%s; save a file to check again, Ctrl-C to stop.\n",
		co->code_dir, watch_is_polling(w) ? " (polling)" : "");
	for (;;) {
		enum watch_event ev = watch_wait(w, -1, &stop_flag);
		if (ev == WATCH_STOPPED)
			break;
		if (ev == WATCH_GONE) {
			fprintf(stderr,
				"The folder %s was deleted; waiting for it to come back "
				"(lambda-tutor reset %s recreates it).\n",
				co->code_dir, ctx->ex->id);
			continue;
		}
		if (ev != WATCH_CHANGED && ev != WATCH_BACK)
			continue;
		char stamp[16];
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		fprintf(stderr, "\n── %s: %s ──\n", stamp,
			ev == WATCH_BACK ? "the folder is back" : "change saved");
		code = run_once(opts, ctx, co);
	}
	watch_close(w);
	(void)code;
	return CLI_OK;
}

int cmd_check_run(const struct cli_opts *opts, int argc, char **argv)
{
	/* The final project is checked by its rubric: lambda-tutor project check. */
	if (argc > 1 && strcmp(argv[1], "final-project") == 0) {
		char check[] = "check";
		char *args[] = { argv[0], check, NULL };
		return cmd_project_run(opts, 2, args);
	}
	struct check_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc != CLI_OK)
		return rc;
	struct exercise_ctx ctx;
	rc = exercise_ctx_open(opts, a.id, &ctx);
	if (rc != CLI_OK)
		return rc;
	/* A module the trainer closed is closed from a shell too, as on the tutor's screens. */
	long m = course_module_index(ctx.course, ctx.ex->module_id);
	if (cli_module_closed(opts, m)) {
		cli_error("check: module %ld is not open yet: the trainer opens it", m + 1);
		exercise_ctx_close(&ctx);
		return CLI_USAGE;
	}
	struct error err;
	error_clear(&err);
	int lang = exercise_ctx_lang(&ctx, a.lang);
	char *code_dir = NULL;
	struct check_cloud cloud;
	if (lang < 0) {
		rc = CLI_USAGE;
		goto out;
	}
	if (ctx.ex->kind == EXERCISE_CODE) {
		if (a.dir) {
			code_dir = xstrdup(a.dir);
		} else {
			bool created = false;
			char *dir = workspace_dir(ctx.ws, ctx.ex);
			int had = path_is_dir(dir) ? workspace_language(ctx.ws, ctx.ex) : -1;
			free(dir);
			if (had >= 0 && had != lang) {
				cli_error(
					"check: your %s folder holds %s code; to start it over in "
					"%s: lambda-tutor reset %s --lang %s",
					ctx.ex->id, exercise_lang_name((enum exercise_lang)had),
					exercise_lang_name((enum exercise_lang)lang), ctx.ex->id,
					exercise_lang_name((enum exercise_lang)lang));
				rc = CLI_USAGE;
				goto out;
			}
			if (a.lang && workspace_language(ctx.ws, NULL) < 0)
				workspace_set_language(ctx.ws, NULL, (enum exercise_lang)lang,
						       &err);
			if (!workspace_open(ctx.ws, ctx.ex, (enum exercise_lang)lang, &created,
					    &err)) {
				cli_print_error(&err);
				rc = CLI_USAGE;
				goto out;
			}
			code_dir = workspace_dir(ctx.ws, ctx.ex);
			if (created) {
				char *main_file = workspace_main_file(ctx.ws, ctx.ex,
								      (enum exercise_lang)lang);
				fprintf(stderr,
					"Created %s from the %s starter. Edit %s, then check "
					"again.\n",
					code_dir, exercise_lang_name((enum exercise_lang)lang),
					main_file);
				free(main_file);
			}
		}
	}
	if (!exercise_cloud(ctx.ws, &cloud, &err)) {
		cli_print_error(&err);
		rc = CLI_USAGE;
		goto out;
	}
	struct progress prog = { !opts->json && isatty(STDERR_FILENO) };
	struct check_opts co = {
		.endpoint = cloud.endpoint,
		.control = cloud.control,
		.code_dir = code_dir,
		.lang = (enum exercise_lang)lang,
		.access_key = cloud.access_key,
		.secret_key = cloud.secret_key,
		.progress = show_progress,
		.progress_ctx = &prog,
		.keep = a.keep,
	};
	if (a.watch && ctx.ex->kind == EXERCISE_CODE) {
		rc = watch_loop(opts, &ctx, &co, a.poll);
	} else {
		if (a.watch)
			fprintf(stderr, "%s is about your account, not files: checking once\n",
				ctx.ex->id);
		rc = run_once(opts, &ctx, &co);
	}
out:
	free(code_dir);
	exercise_ctx_close(&ctx);
	return rc;
}
