/*
 * lambda-tutor grade: run every exercise's check again on the code in a learner's workspace
 * and show the result beside the last run the learner's records hold, so an assessor can
 * trust scores that could have been edited. Nothing is recorded. With --class DIR, the
 * class server's folder: every learner's last run of each exercise again, on the package of
 * code the run was sent with, the verdicts kept in DIR/.reruns.json for the dashboard.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/client.h"
#include "aws/locate.h"
#include "check/check.h"
#include "check/workspace.h"
#include "class/class.h"
#include "class/hub.h"
#include "class/rerun.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "course/exercise_load.h"
#include "store/store.h"

/* The learner's last recorded run of exercise, or NULL. Borrowed from rec. */
static const struct class_run *last_run(const struct class_record *rec, const char *exercise)
{
	const struct class_run *last = NULL;
	for (size_t i = 0; rec && i < rec->n_runs; i++)
		if (strcmp(rec->runs[i].exercise, exercise) == 0)
			last = &rec->runs[i];
	return last;
}

static bool named(char **ids, size_t n, const char *id)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

/* The package a run names, or "" (data "package": {"sha256"}). */
static void run_package(const struct class_run *run, char sha[SHA256_HEX_LEN + 1], int *lang)
{
	sha[0] = '\0';
	*lang = -1;
	cJSON *d = run->ev->data ? cJSON_Parse(run->ev->data) : NULL;
	const char *h = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(d, "package"), "sha256"));
	if (h && strlen(h) == SHA256_HEX_LEN && !strchr(h, '/'))
		snprintf(sha, SHA256_HEX_LEN + 1, "%s", h);
	const char *l = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "language"));
	*lang = l ? exercise_lang_parse(l) : -1;
	cJSON_Delete(d);
}

/* Run r's code (the package at zip) again into now; false and why when it cannot. */
static bool rerun_package(const struct exercise *ex, const char *zip_path, int lang,
			  const struct check_cloud *cloud, struct check_result *now, char *why,
			  size_t n)
{
	struct error err;
	error_clear(&err);
	size_t len = 0;
	char *zip = path_read_file(zip_path, 64u << 20, &len, &err);
	char tmpl[] = "/tmp/lambda-tutor-rerun.XXXXXX";
	char *dir = zip ? mkdtemp(tmpl) : NULL;
	char *code = dir ? path_join(dir, "code") : NULL;
	bool ok = code && package_unzip(zip, len, code, &err);
	if (ok) {
		struct check_opts co = {
			.endpoint = cloud->endpoint,
			.control = cloud->control,
			.code_dir = code,
			.lang = (enum exercise_lang)(lang >= 0 ? lang : 0),
			.access_key = cloud->access_key,
			.secret_key = cloud->secret_key,
		};
		check_run(ex, &co, now);
	} else {
		error_format(&err, why, n);
		if (!zip || !dir)
			snprintf(why, n, "the package cannot be read: %.200s",
				 zip ? strerror(errno) : err.msg);
	}
	if (dir)
		path_remove_tree(dir);
	free(code);
	free(zip);
	return ok;
}

/*
 * grade --class DIR: each learner's last run of each exercise, again on the code it was sent
 * with; a run without its package, or whose code gives another result, is not reproduced.
 */
static int grade_class(const struct cli_opts *opts, struct exercise_ctx *ctx, char **ids,
		       size_t n_ids, bool only_new)
{
	struct error err;
	error_clear(&err);
	struct class_room room = CLASS_ROOM_INIT;
	if (!class_room_load_dir(&room, opts->class_dir, &err)) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	struct check_cloud cloud;
	bool have_cloud = false;
	struct rerun_set set = { 0 }, before = { 0 };
	/* --new: the runs with no verdict yet (what the class server asks for as runs arrive). */
	if (only_new && !rerun_read(opts->class_dir, &before, &err)) {
		cli_print_error(&err);
		class_room_release(&room);
		return CLI_USAGE;
	}
	int64_t now_ms = clock_wall_ms();
	size_t differ = 0;
	cJSON *arr = cJSON_CreateArray();
	if (!opts->json)
		printf("%-14s %-24s %-16s %-16s %s\n", "learner", "exercise", "recorded",
		       "re-run now", "");
	for (size_t i = 0; i < room.n; i++) {
		const struct class_learner *cl = &room.learners[i];
		if (cl->file != CLASS_FILE_OK)
			continue;
		struct class_record rec;
		class_record_build(cl, &rec);
		for (size_t e = 0; e < ctx->set->n; e++) {
			const struct exercise *ex = ctx->set->v[e];
			const struct class_run *last = last_run(&rec, ex->id);
			if (!last || !named(ids, n_ids, ex->id) || ex->kind != EXERCISE_CODE)
				continue;
			/* The last run, and each earlier one claiming more: the exports credit
			 * the best run, so that is what must be reproduced. */
			for (size_t k = 0; k < rec.n_runs; k++) {
				const struct class_run *run = &rec.runs[k];
				if (strcmp(run->exercise, ex->id) != 0 ||
				    (run != last && run->passed <= last->passed) ||
				    rerun_find(&before, cl->id, ex->id, run->ev->id))
					continue;
				struct rerun v = { .learner = cl->id,
						   .exercise = ex->id,
						   .event = run->ev->id,
						   .at_ms = now_ms };
				snprintf(v.recorded, sizeof v.recorded, "%s %d/%d", run->status,
					 run->passed, run->total);
				char sha[SHA256_HEX_LEN + 1];
				int lang;
				run_package(run, sha, &lang);
				/* A served class holds it in DIR/packages; a shared host's record
				 * beside it. */
				char *zip = sha[0] ? hub_package_path(opts->class_dir, cl->id, sha)
						   : NULL;
				if (zip && !path_is_file(zip)) {
					free(zip);
					zip = store_package_path(cl->path, sha);
				}
				if (!zip || !path_is_file(zip)) {
					snprintf(v.why, sizeof v.why, "%s",
						 sha[0] ? "the class holds no package of its code"
							: "recorded without its code");
				} else if (!have_cloud &&
					   !(have_cloud = exercise_cloud(ctx->ws, &cloud, &err))) {
					cli_print_error(&err);
					free(zip);
					class_record_release(&rec);
					goto fail;
				} else {
					struct check_result r;
					if (rerun_package(ex, zip, lang, &cloud, &r, v.why,
							  sizeof v.why)) {
						snprintf(v.now, sizeof v.now, "%s %zu/%zu",
							 check_status_name(r.status), r.n_passed,
							 r.n_tasks);
						v.reproduced = r.status != CHECK_ERROR &&
							       (size_t)run->passed == r.n_passed &&
							       !strcmp(run->status,
								       check_status_name(r.status));
						if (r.status == CHECK_ERROR)
							snprintf(v.why, sizeof v.why, "%.290s",
								 r.error.msg);
						check_result_release(&r);
					}
				}
				free(zip);
				differ += !v.reproduced;
				rerun_set_add(&set, &v);
				if (opts->json) {
					cJSON *o = cJSON_CreateObject();
					cJSON_AddStringToObject(o, "learner", cl->id);
					cJSON_AddStringToObject(o, "exercise", ex->id);
					cJSON_AddStringToObject(o, "recorded", v.recorded);
					cJSON_AddStringToObject(o, "now", v.now);
					cJSON_AddBoolToObject(o, "reproduced", v.reproduced);
					if (v.why[0])
						cJSON_AddStringToObject(o, "why", v.why);
					cJSON_AddItemToArray(arr, o);
				} else {
					printf("%-14s %-24s %-16s %-16s %s%s%s\n", cl->id, ex->id,
					       v.recorded, v.now[0] ? v.now : "-",
					       v.reproduced ? "" : "NOT REPRODUCED",
					       v.why[0] ? ": " : "", v.why);
				}
			}
		}
		/* A run of an exercise the course does not have cannot be run again: say so,
		 * and record it as not reproduced (the exports mark it not in the course). */
		for (size_t k = 0; n_ids == 0 && k < rec.n_runs; k++) {
			const struct class_run *run = &rec.runs[k];
			if (exercise_find(ctx->set, run->exercise) ||
			    last_run(&rec, run->exercise) != run ||
			    rerun_find(&before, cl->id, run->exercise, run->ev->id))
				continue;
			struct rerun v = { .learner = cl->id,
					   .exercise = run->exercise,
					   .event = run->ev->id,
					   .at_ms = now_ms };
			snprintf(v.recorded, sizeof v.recorded, "%s %d/%d", run->status,
				 run->passed, run->total);
			snprintf(v.why, sizeof v.why, "the course has no exercise '%.200s'",
				 run->exercise);
			differ++;
			rerun_set_add(&set, &v);
			if (opts->json) {
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "learner", cl->id);
				cJSON_AddStringToObject(o, "exercise", run->exercise);
				cJSON_AddStringToObject(o, "recorded", v.recorded);
				cJSON_AddStringToObject(o, "now", "");
				cJSON_AddBoolToObject(o, "reproduced", false);
				cJSON_AddStringToObject(o, "why", v.why);
				cJSON_AddItemToArray(arr, o);
			} else {
				printf("%-14s %-24s %-16s %-16s NOT REPRODUCED: %s\n", cl->id,
				       run->exercise, v.recorded, "-", v.why);
			}
		}
		class_record_release(&rec);
	}
	if (!rerun_write(opts->class_dir, &set, &err)) {
		cli_print_error(&err);
		goto fail;
	}
	if (opts->json) {
		char *text = cJSON_Print(arr);
		puts(text);
		free(text);
	}
	cJSON_Delete(arr);
	rerun_set_release(&set);
	rerun_set_release(&before);
	class_room_release(&room);
	return differ ? CLI_FAIL : CLI_OK;
fail:
	cJSON_Delete(arr);
	rerun_set_release(&set);
	rerun_set_release(&before);
	class_room_release(&room);
	return CLI_USAGE;
}

int cmd_grade_run(const struct cli_opts *opts, int argc, char **argv)
{
	char **ids = xcalloc((size_t)argc, sizeof *ids);
	size_t n_ids = 0;
	bool only_new = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--new") && opts->class_dir) {
			only_new = true;
			continue;
		}
		if (argv[i][0] == '-') {
			cli_error("unknown option '%s' for grade; see 'lambda-tutor grade --help'",
				  argv[i]);
			free(ids);
			return CLI_USAGE;
		}
		ids[n_ids++] = argv[i];
	}
	struct exercise_ctx ctx;
	int rc = exercise_ctx_open(opts, NULL, &ctx);
	if (rc != CLI_OK) {
		free(ids);
		return rc;
	}
	for (size_t i = 0; i < n_ids; i++) {
		if (!exercise_find(ctx.set, ids[i])) {
			cli_error("no exercise '%s'; see 'lambda-tutor list'", ids[i]);
			rc = CLI_USAGE;
			goto out;
		}
	}
	if (opts->class_dir) {
		rc = grade_class(opts, &ctx, ids, n_ids, only_new);
		goto out;
	}
	/* The recorded runs: the learner's own file, read-only; none is no records yet. */
	struct class_room room = CLASS_ROOM_INIT;
	struct class_record rec = { 0 };
	bool have_rec = false;
	struct error err;
	error_clear(&err);
	char *db = cli_db_path(opts, &err);
	if (db && path_is_file(db)) {
		class_room_add_file(&room, db);
		if (room.learners[0].file != CLASS_FILE_OK) {
			cli_error("%s", room.learners[0].problem);
			free(db);
			class_room_release(&room);
			rc = CLI_USAGE;
			goto out;
		}
		class_record_build(&room.learners[0], &rec);
		have_rec = true;
	}
	free(db);
	struct check_cloud cloud;
	if (!exercise_cloud(ctx.ws, &cloud, &err)) {
		cli_print_error(&err);
		rc = CLI_USAGE;
		goto release;
	}
	cJSON *arr = cJSON_CreateArray();
	size_t differ = 0;
	if (!opts->json)
		printf("%-28s %-20s %-20s %s\n", "exercise", "recorded (last run)", "re-run now",
		       "");
	for (size_t i = 0; i < ctx.set->n; i++) {
		const struct exercise *ex = ctx.set->v[i];
		if (!named(ids, n_ids, ex->id))
			continue;
		ctx.ex = ex;
		char *code_dir = ex->kind == EXERCISE_CODE ? workspace_dir(ctx.ws, ex) : NULL;
		const struct class_run *run = last_run(have_rec ? &rec : NULL, ex->id);
		struct check_result r;
		bool ran = !code_dir || path_is_dir(code_dir);
		if (ran) {
			struct check_opts co = {
				.endpoint = cloud.endpoint,
				.control = cloud.control,
				.code_dir = code_dir,
				.lang = (enum exercise_lang)exercise_ctx_lang(&ctx, NULL),
				.access_key = cloud.access_key,
				.secret_key = cloud.secret_key,
			};
			check_run(ex, &co, &r);
		}
		char was[32] = "-", now[32] = "not started";
		if (run)
			snprintf(was, sizeof was, "%s %d/%d", run->status, run->passed, run->total);
		if (ran)
			snprintf(now, sizeof now, "%s %zu/%zu", check_status_name(r.status),
				 r.n_passed, r.n_tasks);
		/* A recorded pass that does not pass again is what an assessor must see. */
		bool agree = !run ||
			     (ran && r.status != CHECK_ERROR && (size_t)run->passed == r.n_passed &&
			      !strcmp(run->status, check_status_name(r.status)));
		differ += !agree;
		if (opts->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "exercise", ex->id);
			if (run) {
				cJSON *w = cJSON_AddObjectToObject(o, "recorded");
				cJSON_AddStringToObject(w, "status", run->status);
				cJSON_AddNumberToObject(w, "passed", run->passed);
				cJSON_AddNumberToObject(w, "total", run->total);
			} else {
				cJSON_AddNullToObject(o, "recorded");
			}
			if (ran) {
				cJSON *w = cJSON_AddObjectToObject(o, "now");
				cJSON_AddStringToObject(w, "status", check_status_name(r.status));
				cJSON_AddNumberToObject(w, "passed", (double)r.n_passed);
				cJSON_AddNumberToObject(w, "total", (double)r.n_tasks);
				if (r.status == CHECK_ERROR)
					cJSON_AddStringToObject(w, "error", r.error.msg);
			} else {
				cJSON_AddNullToObject(o, "now");
			}
			cJSON_AddBoolToObject(o, "agrees", agree);
			cJSON_AddItemToArray(arr, o);
		} else {
			printf("%-28s %-20s %-20s %s\n", ex->id, was, now, agree ? "" : "DIFFERS");
		}
		if (ran)
			check_result_release(&r);
		free(code_dir);
	}
	if (opts->json) {
		char *text = cJSON_Print(arr);
		puts(text);
		free(text);
	}
	cJSON_Delete(arr);
	rc = differ ? CLI_FAIL : CLI_OK;
release:
	if (have_rec)
		class_record_release(&rec);
	class_room_release(&room);
out:
	exercise_ctx_close(&ctx);
	free(ids);
	return rc;
}
