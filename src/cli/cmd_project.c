/*
 * lambda-tutor project: the course's final project. `start` copies its starter (a SAM template
 * skeleton, a handler, a README) into WORKSPACE/final-project; `check` scores the learner's
 * deployed stack against the automatic rubric (project/final-project/rubric.py, which drives
 * the stack through the AWS APIs) and records the scores; `review` adds a trainer's score and
 * comment to a criterion; `export` gives both per criterion to assessors (long CSV, wide CSV,
 * or xAPI statements, one a line).
 */
#include <cjson/cJSON.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/locate.h"
#include "check/check.h"
#include "check/project.h"
#include "class/class.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "store/store.h"

#define REVIEW_MAX PROJECT_REVIEW_MAX

static const char *const criteria[] = { "functionality", "error-handling",
					"iam",           "configuration",
					"monitoring",    "code-docs",
					"performance",   NULL };

/* The project's folder in the course: COURSE/../project/final-project. Caller frees. */
static char *project_src(const struct cli_opts *opts)
{
	char *course = cli_course_dir(opts);
	char *dir = project_dir(course);
	free(course);
	return dir;
}

static int run_shell(const char *cmd)
{
	int rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* A path quoted for sh: 'a'\''b'. Caller frees. */
static char *sh_quote(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addch(&sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(&sb, "'\\''");
		else
			strbuf_addch(&sb, *s);
	}
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb);
}

static int do_start(const struct cli_opts *opts, const char *lang)
{
	struct error err;
	error_clear(&err);
	char *ws = cli_workspace(opts, &err);
	if (!ws) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	char *src = project_src(opts);
	char *from = xasprintf("%s/starter/%s", src, lang);
	char *to = xasprintf("%s/" PROJECT_ID, ws);
	int rc = CLI_OK;
	if (!path_is_dir(from)) {
		cli_error("project: no %s starter in %s", lang, src);
		rc = CLI_USAGE;
	} else if (access(to, F_OK) == 0) {
		cli_error("project: %s exists; your work there is kept (move it away to start "
			  "again)",
			  to);
		rc = CLI_USAGE;
	} else {
		char *qf = sh_quote(from), *qt = sh_quote(to);
		char *cmd = xasprintf("cp -R %s %s", qf, qt);
		if (run_shell(cmd) != 0) {
			cli_error("project: cannot copy the starter to %s", to);
			rc = CLI_USAGE;
		} else {
			printf("The %s starter is in %s.\nThe brief: %s/brief.md\n"
			       "Package with: aws cloudformation package --template-file "
			       "template.yaml --s3-bucket BUCKET --output-template-file "
			       "packaged.yaml\n"
			       "Deploy with: aws cloudformation deploy --template-file "
			       "packaged.yaml "
			       "--stack-name " PROJECT_STACK " --capabilities CAPABILITY_IAM\n"
			       "then: lambda-tutor project check\n",
			       lang, to, src);
		}
		free(cmd);
		free(qf);
		free(qt);
	}
	free(from);
	free(to);
	free(src);
	free(ws);
	return rc;
}

static bool append(const struct cli_opts *opts, const char *kind, const char *data)
{
	struct error err;
	error_clear(&err);
	char *db = cli_db_path(opts, &err);
	struct store *store = db ? cli_open_records(opts, db, &err) : NULL;
	struct store_event ev = {
		.kind = kind, .module = PROJECT_ID, .item = PROJECT_ID, .data = data
	};
	bool ok = store && store_append(store, &ev, &err);
	store_close(store);
	free(db);
	if (!ok)
		cli_print_error(&err);
	return ok;
}

/*
 * Run the rubric, its progress lines on stderr as each step starts; its JSON answer, or NULL
 * with the reason said. Caller deletes.
 */
static cJSON *run_rubric(const struct cli_opts *opts)
{
	struct error err;
	error_clear(&err);
	char *ws = cli_workspace(opts, &err);
	struct check_cloud cloud;
	char *src = NULL;
	struct project_run run;
	cJSON *o = NULL;
	struct strbuf out = STRBUF_INIT;
	if (!ws || !exercise_cloud(ws, &cloud, &err))
		goto out;
	src = project_src(opts);
	if (!project_run_start(src, ws, &cloud, &run, &err))
		goto out;
	char buf[4096];
	ssize_t got;
	size_t shown = 0; /* bytes of out already passed on */
	while ((got = read(run.fd, buf, sizeof(buf))) != 0) {
		if (got < 0)
			continue; /* EINTR */
		strbuf_add(&out, buf, (size_t)got);
		for (char *nl; (nl = memchr(out.buf + shown, '\n', out.len - shown));
		     shown = (size_t)(nl - out.buf) + 1)
			if (out.buf[shown] != '{')
				fprintf(stderr, "%.*s\n", (int)(nl - out.buf - shown),
					out.buf + shown);
	}
	o = project_run_finish(&run, out.buf, &err);
out:
	if (!o)
		cli_error("project check: %s", err.msg);
	strbuf_release(&out);
	free(src);
	free(ws);
	return o;
}

static int do_check(const struct cli_opts *opts)
{
	cJSON *o = run_rubric(opts);
	if (!o)
		return CLI_USAGE;
	char *data = cJSON_PrintUnformatted(o);
	append(opts, STORE_RUBRIC, data);
	if (opts->json) {
		puts(data);
	} else {
		const cJSON *c;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o, "criteria"))
		{
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
			printf("%-16s %d of %d\n", id->valuestring,
			       cJSON_GetObjectItemCaseSensitive(c, "points")->valueint,
			       cJSON_GetObjectItemCaseSensitive(c, "max")->valueint);
			const cJSON *e;
			cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "evidence"))
			{
				const cJSON *ck = cJSON_GetObjectItemCaseSensitive(e, "check");
				const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "detail");
				printf("  %s %s: %s\n",
				       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "pass"))
					       ? "✓"
					       : "✗",
				       ck->valuestring, cJSON_IsString(d) ? d->valuestring : "");
			}
		}
		printf("Automatic score: %d of %d. A trainer adds a review per criterion "
		       "(lambda-tutor project review).\n",
		       cJSON_GetObjectItemCaseSensitive(o, "points")->valueint,
		       cJSON_GetObjectItemCaseSensitive(o, "max")->valueint);
	}
	const cJSON *pts = cJSON_GetObjectItemCaseSensitive(o, "points");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(o, "max");
	int rc = pts->valueint == max->valueint ? CLI_OK : CLI_FAIL;
	free(data);
	cJSON_Delete(o);
	return rc;
}

static bool known_criterion(const char *id)
{
	for (size_t i = 0; criteria[i]; i++)
		if (strcmp(criteria[i], id) == 0)
			return true;
	return false;
}

static int do_review(const struct cli_opts *opts, int argc, char **argv)
{
	if (argc < 2 || !known_criterion(argv[0])) {
		cli_error("project review: usage: lambda-tutor project review CRITERION SCORE "
			  "[COMMENT]; criteria: functionality, error-handling, iam, configuration, "
			  "monitoring, code-docs, performance");
		return CLI_USAGE;
	}
	char *end = NULL;
	long score = strtol(argv[1], &end, 10);
	if (!end || *end || score < 0 || score > REVIEW_MAX) {
		cli_error("project review: a score is 0 to %d, not '%s'", REVIEW_MAX, argv[1]);
		return CLI_USAGE;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "criterion", argv[0]);
	cJSON_AddNumberToObject(o, "score", (double)score);
	cJSON_AddNumberToObject(o, "max", REVIEW_MAX);
	cJSON_AddStringToObject(o, "comment", argc > 2 ? argv[2] : "");
	struct passwd *pw = getpwuid(getuid());
	const char *by = getenv("USER") ? getenv("USER") : pw ? pw->pw_name : "";
	cJSON_AddStringToObject(o, "by", by);
	char *data = cJSON_PrintUnformatted(o);
	bool ok = append(opts, STORE_REVIEW, data);
	if (ok && !opts->json)
		printf("Review of %s recorded: %ld of %d.\n", argv[0], score, REVIEW_MAX);
	else if (ok)
		puts(data);
	free(data);
	cJSON_Delete(o);
	return ok ? CLI_OK : CLI_USAGE;
}

static void csv_field(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void iso_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One learner's rows (long, wide) or statements (xapi) from what their records hold. */
static void export_learner(const char *format, const char *who, const struct project_standing *s)
{
	if (strcmp(format, "long") == 0) {
		for (size_t i = 0; criteria[i]; i++) {
			const cJSON *c = project_run_criterion(s->rubric, criteria[i]);
			const cJSON *r = cJSON_GetObjectItemCaseSensitive(s->reviews, criteria[i]);
			const cJSON *cm = cJSON_GetObjectItemCaseSensitive(r, "comment");
			csv_field(who);
			printf(",%s,", criteria[i]);
			if (c)
				printf("%d,%d,",
				       cJSON_GetObjectItemCaseSensitive(c, "points")->valueint,
				       cJSON_GetObjectItemCaseSensitive(c, "max")->valueint);
			else
				printf(",,");
			if (r)
				printf("%d,%d,",
				       cJSON_GetObjectItemCaseSensitive(r, "score")->valueint,
				       REVIEW_MAX);
			else
				printf(",,");
			csv_field(cJSON_IsString(cm) ? cm->valuestring : "");
			putchar('\n');
		}
	} else if (strcmp(format, "wide") == 0) {
		csv_field(who);
		for (size_t i = 0; criteria[i]; i++) {
			const cJSON *c = project_run_criterion(s->rubric, criteria[i]);
			const cJSON *r = cJSON_GetObjectItemCaseSensitive(s->reviews, criteria[i]);
			if (c)
				printf(",%d/%d",
				       cJSON_GetObjectItemCaseSensitive(c, "points")->valueint,
				       cJSON_GetObjectItemCaseSensitive(c, "max")->valueint);
			else
				printf(",");
			if (r)
				printf(",%d/%d",
				       cJSON_GetObjectItemCaseSensitive(r, "score")->valueint,
				       REVIEW_MAX);
			else
				printf(",");
		}
		printf("\n");
	} else if (strcmp(format, "xapi") == 0) {
		/* One statement a line per criterion scored: the automatic score, with the
		 * review's score and comment in the result's extensions. */
		for (size_t i = 0; criteria[i]; i++) {
			const cJSON *c = project_run_criterion(s->rubric, criteria[i]);
			if (!c)
				continue;
			const cJSON *r = cJSON_GetObjectItemCaseSensitive(s->reviews, criteria[i]);
			int pts = cJSON_GetObjectItemCaseSensitive(c, "points")->valueint;
			int max = cJSON_GetObjectItemCaseSensitive(c, "max")->valueint;
			cJSON *st = cJSON_CreateObject();
			cJSON *actor = cJSON_AddObjectToObject(st, "actor");
			cJSON_AddStringToObject(actor, "objectType", "Agent");
			cJSON_AddStringToObject(actor, "name", who);
			cJSON *acct = cJSON_AddObjectToObject(actor, "account");
			cJSON_AddStringToObject(acct, "homePage", "https://lambda-tutor.invalid");
			cJSON_AddStringToObject(acct, "name", who);
			cJSON *verb = cJSON_AddObjectToObject(st, "verb");
			cJSON_AddStringToObject(verb, "id",
						"http://adlnet.gov/expapi/verbs/scored");
			cJSON_AddStringToObject(cJSON_AddObjectToObject(verb, "display"), "en-US",
						"scored");
			cJSON *obj = cJSON_AddObjectToObject(st, "object");
			cJSON_AddStringToObject(obj, "objectType", "Activity");
			char *iri = xasprintf("https://lambda-tutor.invalid/project/" PROJECT_ID
					      "/criterion/%s",
					      criteria[i]);
			cJSON_AddStringToObject(obj, "id", iri);
			free(iri);
			cJSON *res = cJSON_AddObjectToObject(st, "result");
			cJSON *score = cJSON_AddObjectToObject(res, "score");
			cJSON_AddNumberToObject(score, "raw", pts);
			cJSON_AddNumberToObject(score, "min", 0);
			cJSON_AddNumberToObject(score, "max", max);
			cJSON_AddNumberToObject(score, "scaled", max ? (double)pts / max : 0);
			cJSON_AddBoolToObject(res, "success", pts == max);
			cJSON *ext = cJSON_AddObjectToObject(res, "extensions");
			cJSON_AddItemToObject(
				ext, "https://lambda-tutor.invalid/xapi/evidence",
				cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c, "evidence"),
						true));
			if (r)
				cJSON_AddItemToObject(ext,
						      "https://lambda-tutor.invalid/xapi/review",
						      cJSON_Duplicate(r, true));
			char ts[32];
			iso_time(s->rubric_ms ? s->rubric_ms : clock_wall_ms(), ts);
			cJSON_AddStringToObject(st, "timestamp", ts);
			char *line = cJSON_PrintUnformatted(st);
			puts(line);
			free(line);
			cJSON_Delete(st);
		}
	}
}

/* The project's standing in the records file db (which need not exist); *learner gets the
 * name the file records, or NULL. */
static void standing_read(const char *db, struct project_standing *s, char **learner)
{
	struct error err;
	error_clear(&err);
	*learner = NULL;
	struct store *store = db && path_is_file(db) ? store_open_readonly(db, &err) : NULL;
	project_standing_read(store, s, &err);
	if (store)
		store_meta_get(store, STORE_META_LEARNER, learner, &err);
	store_close(store);
}

/*
 * The scores per criterion as long CSV, wide CSV or xAPI: the learner's own records, or with
 * --class DIR or FILE/DIR arguments every learner's of a class (each under the name its file
 * records), for assessors.
 */
static int do_export(const struct cli_opts *opts, const char *format, char **paths, size_t n)
{
	if (strcmp(format, "long") != 0 && strcmp(format, "wide") != 0 &&
	    strcmp(format, "xapi") != 0) {
		cli_error("project export: unknown format '%s': use long, wide or xapi", format);
		return CLI_USAGE;
	}
	if (strcmp(format, "long") == 0)
		printf("learner,criterion,auto_points,auto_max,review_score,review_max,comment\n");
	if (strcmp(format, "wide") == 0) {
		printf("learner");
		for (size_t i = 0; criteria[i]; i++)
			printf(",%s_auto,%s_review", criteria[i], criteria[i]);
		printf("\n");
	}
	if (opts->class_dir || n > 0) {
		struct class_room room = CLASS_ROOM_INIT;
		if (!cmd_class_room(opts, paths, n, &room))
			return CLI_USAGE;
		cmd_class_warn(&room);
		for (size_t i = 0; i < room.n; i++) {
			const struct class_learner *l = &room.learners[i];
			if (l->file != CLASS_FILE_OK)
				continue;
			struct project_standing s = { 0 };
			char *learner = NULL;
			standing_read(l->path, &s, &learner);
			export_learner(format, l->name ? l->name : l->id, &s);
			free(learner);
			project_standing_release(&s);
		}
		class_room_release(&room);
		return CLI_OK;
	}
	struct error err;
	error_clear(&err);
	char *db = cli_db_path(opts, &err);
	struct project_standing s = { 0 };
	char *learner = NULL;
	standing_read(db, &s, &learner);
	struct passwd *pw = getpwuid(getuid());
	const char *who = learner && learner[0] ? learner
			  : getenv("USER")      ? getenv("USER")
			  : pw                  ? pw->pw_name
						: "learner";
	export_learner(format, who, &s);
	free(learner);
	project_standing_release(&s);
	free(db);
	return CLI_OK;
}

int cmd_project_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *action = argc > 1 ? argv[1] : NULL;
	const char *lang = "python", *format = "long";
	char **rest = xcalloc((size_t)argc + 1, sizeof(*rest));
	int n = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			lang = argv[++i];
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strcmp(argv[i], "--rubric") == 0)
			continue;
		else
			rest[n++] = argv[i];
	}
	int rc = CLI_USAGE;
	if (lang && strcmp(lang, "python") && strcmp(lang, "nodejs"))
		cli_error("project: --lang is python or nodejs, not '%s'", lang);
	else if (action && strcmp(action, "start") == 0 && n == 0)
		rc = do_start(opts, lang);
	else if (action && strcmp(action, "check") == 0 && n == 0)
		rc = do_check(opts);
	else if (action && strcmp(action, "review") == 0)
		rc = do_review(opts, n, rest);
	else if (action && strcmp(action, "export") == 0)
		rc = do_export(opts, format, rest, (size_t)n);
	else
		cli_error("project: usage: lambda-tutor project start [--lang python|nodejs] | "
			  "check [--json] | review CRITERION SCORE [COMMENT] | export [--format "
			  "long|wide|xapi] [--class DIR | FILE...]");
	free(rest);
	return rc;
}
