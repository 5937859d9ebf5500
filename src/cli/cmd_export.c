/*
 * lambda-tutor export: a learner's, a class's or several files' records as grades.csv, a wide
 * or long CSV, item statistics or xAPI statements; or files exported before, merged.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "class/class.h"
#include "class/csv.h"
#include "class/export.h"
#include "class/lrs.h"
#include "class/review.h"
#include "class/titles.h"
#include "cli/commands.h"
#include "core/diag.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "quiz/quiz.h"

bool cmd_class_room(const struct cli_opts *opts, char **paths, size_t n, struct class_room *room)
{
	struct error err;
	error_clear(&err);
	/* Runs the trainer could not reproduce (grade --class) count as such in every export. */
	if (opts->class_dir && (!class_reruns_use(opts->class_dir, &err) ||
				!class_room_load_dir(room, opts->class_dir, &err))) {
		cli_print_error(&err);
		return false;
	}
	if (opts->db_path)
		class_room_add_file(room, opts->db_path);
	for (size_t i = 0; i < n; i++) {
		if (path_is_dir(paths[i])) {
			if (!class_reruns_use(paths[i], &err) ||
			    !class_room_load_dir(room, paths[i], &err)) {
				cli_print_error(&err);
				return false;
			}
		} else {
			class_room_add_file(room, paths[i]);
		}
	}
	if (!opts->class_dir && !opts->db_path && n == 0) {
		char *db = cli_db_path(opts, &err);
		if (!db) {
			cli_print_error(&err);
			return false;
		}
		class_room_add_file(room, db);
		free(db);
	}
	return true;
}

void cmd_class_warn(const struct class_room *room)
{
	for (size_t i = 0; i < room->n; i++)
		if (room->learners[i].file != CLASS_FILE_OK)
			cli_error("skipped %s (%s): %s", room->learners[i].id,
				  class_file_name(room->learners[i].file),
				  room->learners[i].problem);
}

/* The trainer's reviews of the class directories exported (--class, or a directory named). */
static bool export_reviews(const struct cli_opts *opts, char **paths, size_t n,
			   struct review_set *out)
{
	struct error err;
	error_clear(&err);
	const char *dir = opts->class_dir;
	for (size_t i = 0; !dir && i < n; i++)
		if (path_is_dir(paths[i]))
			dir = paths[i];
	if (dir && !review_load(dir, out, &err)) {
		cli_print_error(&err);
		return false;
	}
	return true;
}

/* Send what was exported to the LRS; a line of what happened on stdout. */
static int send_lrs(struct lrs_opts *lrs, const struct strbuf *sb)
{
	struct error err;
	error_clear(&err);
	if (!lrs->auth)
		lrs->auth = getenv("LAMBDA_TUTOR_LRS_AUTH");
	if (lrs->auth && !lrs->auth[0])
		lrs->auth = NULL;
	if (lrs->auth && !strchr(lrs->auth, ':')) {
		cli_error("--auth takes KEY:SECRET for HTTP Basic");
		return CLI_USAGE;
	}
	char *ledger = lrs->ledger ? xstrdup(lrs->ledger) : lrs_default_ledger(lrs->url);
	if (!ledger) {
		cli_error("cannot find a data directory for the LRS ledger: set HOME or pass "
			  "--lrs-ledger FILE");
		return CLI_USAGE;
	}
	lrs->ledger = ledger;
	struct lrs_report rep;
	bool ok = lrs_send(lrs, strbuf_str(sb), sb->len, &rep, &err);
	printf("LRS: %zu statements, %zu sent now, %zu sent before, %zu refused, %zu set aside "
	       "(refused before), %zu kept for the next run (%zu requests)\n",
	       rep.statements, rep.sent, rep.already, rep.refused, rep.set_aside, rep.pending,
	       rep.requests);
	if (rep.refused)
		printf("LRS: refused statements are set aside in %s.refused and not sent again\n",
		       ledger);
	if (!ok)
		cli_print_error(&err);
	free(ledger);
	lrs->ledger = NULL;
	return ok && !rep.refused ? CLI_OK : CLI_FAIL;
}

static int write_out(const char *out, const struct strbuf *sb)
{
	struct error err;
	if (!out) {
		fwrite(strbuf_str(sb), 1, sb->len, stdout);
		return fflush(stdout) == 0 ? CLI_OK : CLI_USAGE;
	}
	if (!path_write_file(out, strbuf_str(sb), sb->len, 0600, &err)) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	return CLI_OK;
}

static size_t count_records(const struct strbuf *sb, bool json)
{
	size_t n = 0, at = 0;
	const char *t = strbuf_str(sb);
	while (at < sb->len) {
		size_t len =
			json ? strcspn(t + at, "\n") + 1 : csv_record_len(t + at, sb->len - at);
		at += len;
		n++;
	}
	return json ? n : (n ? n - 1 : 0);
}

int cmd_export_run(const struct cli_opts *opts, int argc, char **argv)
{
	struct export_opts o = { .format = -1,
				 .attempts = EXPORT_FIRST,
				 .base = "https://lambda-tutor.invalid" };
	const char *out = NULL;
	bool merge = false;
	struct lrs_opts lrs = { 0 };
	char **paths = xcalloc((size_t)argc, sizeof *paths);
	size_t n = 0;
	int rc = CLI_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has = i + 1 < argc;
		if (!strcmp(a, "--format") && has) {
			o.format = export_format_from_name(argv[++i]);
			if ((int)o.format < 0) {
				cli_error("unknown format '%s': use grades, wide, long, items or "
					  "xapi",
					  argv[i]);
				goto done;
			}
		} else if (!strcmp(a, "--out") && has) {
			out = argv[++i];
		} else if (!strcmp(a, "--attempts") && has) {
			int w = export_attempts_from_name(argv[++i]);
			if (w < 0) {
				cli_error("unknown attempts '%s': use first, last, highest or all",
					  argv[i]);
				goto done;
			}
			o.attempts = (enum export_attempts)w;
		} else if (!strcmp(a, "--quiz") && has) {
			o.quiz = argv[++i];
		} else if (!strcmp(a, "--base") && has) {
			o.base = argv[++i];
		} else if (!strcmp(a, "--merge")) {
			merge = true;
		} else if (!strcmp(a, "--lrs") && has) {
			lrs.url = argv[++i];
		} else if (!strcmp(a, "--auth") && has) {
			lrs.auth = argv[++i];
		} else if (!strcmp(a, "--lrs-ledger") && has) {
			lrs.ledger = argv[++i];
		} else if (!strcmp(a, "--xapi-version") && has) {
			lrs.version = argv[++i];
		} else if (!strcmp(a, "--lrs-timeout") && has) {
			char *end;
			double t = strtod(argv[++i], &end);
			if (*end || !(t >= 0.1 && t <= 3600)) {
				cli_error("--lrs-timeout takes 0.1 to 3600 seconds, not '%s'",
					  argv[i]);
				goto done;
			}
			lrs.timeout_ms = (long)(t * 1000);
			lrs.pause_ms = lrs.timeout_ms < 5000 ? (int)(lrs.timeout_ms / 10) : 500;
		} else if (!strcmp(a, "--batch") && has) {
			char *end;
			long b = strtol(argv[++i], &end, 10);
			if (*end || b < 1 || b > 10000) {
				cli_error("--batch takes 1 to 10000 statements, not '%s'", argv[i]);
				goto done;
			}
			lrs.batch = (size_t)b;
		} else if (a[0] == '-' && strcmp(a, "--")) {
			cli_error(
				"unknown option '%s' for export; see 'lambda-tutor export --help'",
				a);
			goto done;
		} else if (strcmp(a, "--")) {
			paths[n++] = argv[i];
		}
	}
	struct strbuf sb = STRBUF_INIT;
	struct error url_err;
	if (lrs.url && !lrs_url_check(lrs.url, &url_err)) {
		cli_print_error(&url_err);
		goto done;
	}
	if (merge) {
		struct error err;
		if (n < 1) {
			cli_error("--merge needs the files to merge");
			goto done;
		}
		if (!export_merge(paths, n, &sb, &err)) {
			cli_print_error(&err);
			strbuf_release(&sb);
			goto done;
		}
		/* Files exported before (on a laptop, offline) reach the LRS the same way. */
		rc = lrs.url && !out ? CLI_OK : write_out(out, &sb);
		if (rc == CLI_OK && lrs.url)
			rc = send_lrs(&lrs, &sb);
		strbuf_release(&sb);
		goto done;
	}
	if (lrs.url && (int)o.format < 0)
		o.format = EXPORT_XAPI;
	if ((int)o.format < 0) {
		cli_error("export needs --format grades, wide, long, items or xapi");
		goto done;
	}
	if (lrs.url && o.format != EXPORT_XAPI) {
		cli_error("--lrs sends xAPI statements: use it with --format xapi");
		goto done;
	}
	if (strncmp(o.base, "http://", 7) && strncmp(o.base, "https://", 8)) {
		cli_error("--base must be an http or https IRI, not '%s'", o.base);
		goto done;
	}
	char *course_dir = cli_course_dir(opts);
	struct diags d = DIAGS_INIT;
	struct course *course = course_load(course_dir, &d);
	diags_release(&d);
	free(course_dir);
	o.course_id = course ? course->id : "course";
	/* The live questions' statements take their interactions from the course. */
	struct quiz_set *quizzes = NULL;
	if (o.format == EXPORT_XAPI && course && course->quiz_dir) {
		struct diags qd = DIAGS_INIT;
		quizzes = quiz_set_load(course->quiz_dir, course, &qd);
		diags_release(&qd);
	}
	o.quizzes = quizzes;
	/* Every activity with the name and description the course gives it; a check run of an
	 * exercise the course does not have is marked, not credited. */
	struct titles *titles = course ? titles_load(course, quizzes) : NULL;
	o.titles = titles;
	struct class_room room = CLASS_ROOM_INIT;
	if (!cmd_class_room(opts, paths, n, &room)) {
		titles_free(titles);
		quiz_set_free(quizzes);
		course_free(course);
		goto done;
	}
	cmd_class_warn(&room);
	struct review_set reviews = { 0 };
	if (!export_reviews(opts, paths, n, &reviews)) {
		class_room_release(&room);
		titles_free(titles);
		quiz_set_free(quizzes);
		course_free(course);
		goto done;
	}
	o.reviews = &reviews;
	size_t readable = 0;
	for (size_t i = 0; i < room.n; i++)
		readable += room.learners[i].file == CLASS_FILE_OK;
	if (room.n && !readable) {
		cli_error("nothing to export: no record file could be read");
		review_set_release(&reviews);
		class_room_release(&room);
		titles_free(titles);
		quiz_set_free(quizzes);
		course_free(course);
		goto done;
	}
	struct strbuf unknown = STRBUF_INIT;
	size_t n_unknown =
		o.format == EXPORT_ITEMS ? 0 : export_unknown_exercises(&room, titles, &unknown);
	if (n_unknown)
		cli_error("%zu check run%s name%s exercises the course does not have (%.300s): "
			  "marked '" EXPORT_NOT_IN_COURSE "', not credited",
			  n_unknown, n_unknown == 1 ? "" : "s", n_unknown == 1 ? "s" : "",
			  strbuf_str(&unknown));
	strbuf_release(&unknown);
	export_room(&room, &o, &sb);
	rc = lrs.url && !out ? CLI_OK : write_out(out, &sb);
	if (rc == CLI_OK && lrs.url)
		rc = send_lrs(&lrs, &sb);
	if (rc == CLI_OK && opts->json && out) {
		size_t ok = 0;
		for (size_t i = 0; i < room.n; i++)
			ok += room.learners[i].file == CLASS_FILE_OK;
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "out", out);
		cJSON_AddNumberToObject(j, "learners", (double)ok);
		cJSON_AddNumberToObject(j, "skipped", (double)(room.n - ok));
		cJSON_AddNumberToObject(j, "records",
					(double)count_records(&sb, o.format == EXPORT_XAPI));
		char *text = cJSON_PrintUnformatted(j);
		puts(text);
		free(text);
		cJSON_Delete(j);
	}
	strbuf_release(&sb);
	review_set_release(&reviews);
	class_room_release(&room);
	titles_free(titles);
	quiz_set_free(quizzes);
	course_free(course);
done:
	free(paths);
	return rc;
}
