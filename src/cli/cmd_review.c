/*
 * lambda-tutor review DIR LEARNER: the hands-on review of one learner of a class. Shows the
 * learner's final project code (read-only), the last check of each exercise with its failing
 * tasks, the last automatic rubric with its evidence, and the reviews so far; with CRITERION
 * SCORE [COMMENT] it records the trainer's review in the class's reviews (DIR/.reviews.db),
 * which every export then carries.
 */
#include <cjson/cJSON.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class/class.h"
#include "class/review.h"
#include "cli/commands.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "store/store.h"

#define CODE_MAX (256 * 1024) /* bytes shown of one file */

/* The last check run of each exercise: JSON {exercise: {status, passed, total, at_ms,
 * failing: [{task, why}]}}. */
static cJSON *last_checks(const struct class_learner *l)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < l->n_events; i++) {
		const struct class_event *ev = &l->events[i];
		if (strcmp(ev->kind, STORE_CHECK_RUN) != 0 || !ev->item)
			continue;
		cJSON *doc = ev->data ? cJSON_Parse(ev->data) : NULL;
		if (!doc)
			continue;
		cJSON *c = cJSON_CreateObject();
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "status");
		cJSON_AddStringToObject(c, "status",
					cJSON_IsString(st) ? st->valuestring : "error");
		cJSON_AddItemToObject(
			c, "passed",
			cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "passed"), true));
		cJSON_AddItemToObject(
			c, "total",
			cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "total"), true));
		cJSON_AddNumberToObject(c, "at_ms", (double)ev->at_ms);
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
		if (cJSON_IsString(err))
			cJSON_AddStringToObject(c, "error", err->valuestring);
		cJSON *failing = cJSON_AddArrayToObject(c, "failing");
		const cJSON *t;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "tasks"))
		{
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "pass")))
				continue;
			cJSON *f = cJSON_CreateObject();
			const char *keys[] = { "id", "text", "got", "expected", "why" };
			for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, keys[k]);
				if (cJSON_IsString(v))
					cJSON_AddStringToObject(f, keys[k], v->valuestring);
			}
			cJSON_AddItemToArray(failing, f);
		}
		cJSON_DeleteItemFromObjectCaseSensitive(o, ev->item);
		cJSON_AddItemToObject(o, ev->item, c);
		cJSON_Delete(doc);
	}
	return o;
}

static cJSON *standing_json(const struct review_standing *s)
{
	cJSON *arr = cJSON_CreateArray();
	for (int k = 0; k < REVIEW_N; k++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "criterion", review_criteria[k]);
		if (s->auto_points[k] >= 0) {
			cJSON_AddNumberToObject(c, "auto_points", s->auto_points[k]);
			cJSON_AddNumberToObject(c, "auto_max", s->auto_max[k]);
			cJSON *e = s->evidence[k] ? cJSON_Parse(s->evidence[k]) : NULL;
			cJSON_AddItemToObject(c, "evidence", e ? e : cJSON_CreateArray());
		}
		const struct review *r = s->reviews[k];
		if (r) {
			cJSON *o = cJSON_AddObjectToObject(c, "review");
			cJSON_AddNumberToObject(o, "score", r->score);
			cJSON_AddNumberToObject(o, "max", r->max);
			cJSON_AddStringToObject(o, "comment", r->comment);
			cJSON_AddStringToObject(o, "by", r->by);
			cJSON_AddNumberToObject(o, "at_ms", (double)r->at_ms);
		}
		cJSON_AddItemToArray(arr, c);
	}
	return arr;
}

/* Each file under root, with line numbers. */
static void print_files(const char *root, char **files, size_t nf)
{
	if (!nf)
		printf("(no files)\n");
	for (size_t i = 0; i < nf; i++) {
		char *full = path_join(root, files[i]);
		struct error err;
		size_t len;
		char *text = path_read_file(full, CODE_MAX, &len, &err);
		printf("\n--- %s ---\n", files[i]);
		if (!text) {
			printf("(cannot read: %s)\n", err.msg);
		} else {
			int line = 1;
			bool start = true;
			for (size_t k = 0; k < len; k++) {
				if (start)
					printf("%4d  ", line++);
				start = text[k] == '\n';
				putchar(text[k] ? text[k] : '?');
			}
			if (len && text[len - 1] != '\n')
				putchar('\n');
		}
		free(text);
		free(full);
	}
}

/*
 * The code each exercise's last check run ran on, as it was sent with the run; into json
 * (exercise: [files]) when json is not NULL, else printed.
 */
static void exercise_code(const char *dir, const struct class_learner *l, const cJSON *checks,
			  cJSON *json)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, checks)
	{
		if (!strcmp(c->string, REVIEW_PROJECT))
			continue; /* shown with the project */
		char *root = review_code_unpack(dir, l, c->string);
		char **files = NULL;
		size_t nf = 0;
		if (root)
			review_list_files(root, &files, &nf);
		if (json) {
			cJSON *fa = cJSON_AddArrayToObject(json, c->string);
			for (size_t i = 0; i < nf; i++)
				cJSON_AddItemToArray(fa, cJSON_CreateString(files[i]));
		} else if (root) {
			printf("\n== Code of %s (as its last check run sent it, read-only) ==\n",
			       c->string);
			print_files(root, files, nf);
		} else {
			printf("\n== Code of %s: no check run came with its code ==\n", c->string);
		}
		for (size_t i = 0; i < nf; i++)
			free(files[i]);
		free(files);
		if (root)
			path_remove_tree(root);
		free(root);
	}
}

static void print_text(const struct class_learner *l, const char *ws, bool unpacked, char **files,
		       size_t nf, const cJSON *checks, const struct review_standing *s)
{
	printf("Review of %s (%s)\n", l->id, l->name);
	if (ws && unpacked)
		printf("\n== Final project code (as its last check run sent it to the class, "
		       "read-only) ==\n");
	else if (ws)
		printf("\n== Final project code (%s/" REVIEW_PROJECT ", read-only) ==\n", ws);
	if (ws) {
		char *dir = path_join(ws, REVIEW_PROJECT);
		print_files(dir, files, nf);
		free(dir);
	} else {
		printf("\n(no final project code: no check run of it came with its code, and no "
		       "workspace is known for %s; --workspace DIR names one)\n",
		       l->id);
	}
	printf("\n== Last checks ==\n");
	const cJSON *c;
	if (!cJSON_GetArraySize(checks))
		printf("(none)\n");
	cJSON_ArrayForEach(c, checks)
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "passed");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "total");
		printf("%-28s %-7s %d/%d\n", c->string,
		       cJSON_GetObjectItemCaseSensitive(c, "status")->valuestring,
		       cJSON_IsNumber(p) ? p->valueint : 0, cJSON_IsNumber(t) ? t->valueint : 0);
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(c, "error");
		if (cJSON_IsString(err))
			printf("    error: %s\n", err->valuestring);
		const cJSON *f;
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(c, "failing"))
		{
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
			const cJSON *why = cJSON_GetObjectItemCaseSensitive(f, "why");
			const cJSON *got = cJSON_GetObjectItemCaseSensitive(f, "got");
			printf("    ✗ %s: %s\n", cJSON_IsString(id) ? id->valuestring : "?",
			       cJSON_IsString(why)   ? why->valuestring
			       : cJSON_IsString(got) ? got->valuestring
						     : "failed");
		}
	}
	printf("\n== Final project rubric ==\n");
	printf("%-16s %9s %8s  %s\n", "criterion", "automatic", "review", "comment");
	for (int k = 0; k < REVIEW_N; k++) {
		char a[16] = "-", r[16] = "-";
		if (s->auto_points[k] >= 0)
			snprintf(a, sizeof a, "%d/%d", s->auto_points[k], s->auto_max[k]);
		if (s->reviews[k])
			snprintf(r, sizeof r, "%d/%d", s->reviews[k]->score, s->reviews[k]->max);
		printf("%-16s %9s %8s  %s\n", review_criteria[k], a, r,
		       s->reviews[k] ? s->reviews[k]->comment : "");
	}
	printf("Review total: %d of %d (%zu of %d criteria reviewed)\n", s->review_total,
	       REVIEW_N * REVIEW_SCORE_MAX, s->n_reviews, REVIEW_N);
}

static int record(const char *dir, const char *learner, char **argv, int n, bool json)
{
	char *end;
	long score = strtol(argv[1], &end, 10);
	if (*end || !argv[1][0]) {
		cli_error("review: a score is a whole number 0 to %d, not '%s'", REVIEW_SCORE_MAX,
			  argv[1]);
		return CLI_USAGE;
	}
	struct passwd *pw = getpwuid(getuid());
	const char *by = getenv("USER") ? getenv("USER") : pw ? pw->pw_name : "";
	struct error err;
	error_clear(&err);
	if (!review_add(dir, learner, argv[0], (int)score, n > 2 ? argv[2] : "", by, &err)) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	if (json)
		printf("{\"learner\":\"%s\",\"criterion\":\"%s\",\"score\":%ld}\n", learner,
		       argv[0], score);
	else
		printf("Review of %s's %s recorded: %ld of %d.\n", learner, argv[0], score,
		       REVIEW_SCORE_MAX);
	return CLI_OK;
}

int cmd_review_run(const struct cli_opts *opts, int argc, char **argv)
{
	char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
	int n = 0;
	for (int i = 1; i < argc; i++)
		pos[n++] = argv[i];
	const char *dir = opts->class_dir;
	int at = 0;
	if (!dir && n > 0)
		dir = pos[at++];
	int rc = CLI_USAGE;
	if (!dir || n - at < 1 || n - at == 2 || n - at > 4) {
		cli_error("review: usage: lambda-tutor review DIR LEARNER [CRITERION SCORE "
			  "[COMMENT]]");
		goto out;
	}
	const char *learner = pos[at];
	if (strchr(learner, '/') || learner[0] == '.') {
		cli_error("review: '%s' is not a learner's name", learner);
		goto out;
	}
	char *file = xasprintf("%s.db", learner);
	char *path = path_join(dir, file);
	free(file);
	if (!path_is_file(path)) {
		cli_error("review: %s has no record file in %s", learner, dir);
		free(path);
		goto out;
	}
	if (n - at >= 3) {
		free(path);
		rc = record(dir, learner, pos + at + 1, n - at - 1, opts->json);
		goto out;
	}
	struct class_room room = CLASS_ROOM_INIT;
	class_room_add_file(&room, path);
	free(path);
	const struct class_learner *l = &room.learners[0];
	if (l->file != CLASS_FILE_OK) {
		cli_error("review: %s's records cannot be read (%s): %s", learner,
			  class_file_name(l->file), l->problem);
		class_room_release(&room);
		goto out;
	}
	struct review_set cls;
	struct error err;
	error_clear(&err);
	if (!review_load(dir, &cls, &err)) {
		cli_print_error(&err);
		class_room_release(&room);
		goto out;
	}
	struct review_standing s;
	review_standing_build(l, &cls, &s);
	bool temp = false;
	char *ws = review_code_root(dir, l, opts->workspace, &temp);
	char *unpacked = temp ? ws : NULL;
	char **files = NULL;
	size_t nf = 0;
	if (ws) {
		char *proj = path_join(ws, REVIEW_PROJECT);
		review_list_files(proj, &files, &nf);
		free(proj);
	}
	cJSON *checks = last_checks(l);
	if (opts->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "learner", l->id);
		cJSON_AddStringToObject(j, "name", l->name);
		if (ws && unpacked)
			cJSON_AddStringToObject(j, "code_from", "package");
		if (ws && !unpacked)
			cJSON_AddStringToObject(j, "workspace", ws);
		else
			cJSON_AddNullToObject(j, "workspace");
		cJSON *fa = cJSON_AddArrayToObject(j, "files");
		for (size_t i = 0; i < nf; i++)
			cJSON_AddItemToArray(fa, cJSON_CreateString(files[i]));
		exercise_code(dir, l, checks, cJSON_AddObjectToObject(j, "code"));
		cJSON_AddItemToObject(j, "checks", checks);
		checks = NULL;
		cJSON_AddItemToObject(j, "criteria", standing_json(&s));
		cJSON_AddNumberToObject(j, "review_total", s.review_total);
		cJSON_AddNumberToObject(j, "review_max", REVIEW_N * REVIEW_SCORE_MAX);
		char *text = cJSON_Print(j);
		puts(text);
		free(text);
		cJSON_Delete(j);
	} else {
		print_text(l, ws, unpacked != NULL, files, nf, checks, &s);
		exercise_code(dir, l, checks, NULL);
	}
	cJSON_Delete(checks);
	for (size_t i = 0; i < nf; i++)
		free(files[i]);
	free(files);
	if (temp)
		path_remove_tree(ws);
	free(ws);
	review_standing_release(&s);
	review_set_release(&cls);
	class_room_release(&room);
	rc = CLI_OK;
out:
	free(pos);
	return rc;
}
