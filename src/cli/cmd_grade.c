/*
 * lambda-tutor grade: run every exercise's check again on the code in a learner's workspace
 * and show the result beside the last run the learner's records hold, so an assessor can
 * trust scores that could have been edited. Nothing is recorded.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/locate.h"
#include "check/check.h"
#include "check/workspace.h"
#include "class/class.h"
#include "cli/commands.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "course/exercise_load.h"

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

int cmd_grade_run(const struct cli_opts *opts, int argc, char **argv)
{
	char **ids = xcalloc((size_t)argc, sizeof *ids);
	size_t n_ids = 0;
	for (int i = 1; i < argc; i++) {
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
	char endpoint[256];
	if (!cloud_ensure(ctx.ws, NULL, endpoint, sizeof endpoint, &err)) {
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
				.endpoint = endpoint,
				.code_dir = code_dir,
				.lang = (enum exercise_lang)exercise_ctx_lang(&ctx, NULL),
				.access_key = AWS_DEFAULT_ACCESS_KEY,
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
