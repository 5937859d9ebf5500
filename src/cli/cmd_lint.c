/*
 * lambda-tutor lint [DIR]: check a whole course and report every problem, one line each,
 * "path:line:col: message", sorted. Exit 0 clean, 1 problems, 2 no course there.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "core/diag.h"
#include "course/course.h"
#include "course/path.h"

/* Control characters would split a diagnostic over lines; show them as '?'. */
static void print_line(FILE *fp, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, fp);
	fputc('\n', fp);
}

/* Each module's core path against its minutes, one line each. */
static void print_minutes(const struct course *course, const struct course_path *path)
{
	for (size_t i = 0; i < course->n_modules; i++) {
		const struct course_module *m = &course->modules[i];
		const struct module_path *mp = &path->modules[i];
		printf("%2zu. %-16s core path %3d of %3d min: pages %d, exercises %d, quiz %d",
		       i + 1, m->id, mp->minutes, m->minutes, mp->page_minutes,
		       mp->exercise_minutes, mp->quiz_minutes);
		if (mp->n_items > mp->n_core)
			printf("; going further %zu items, %d min", mp->n_items - mp->n_core,
			       mp->further_minutes);
		putchar('\n');
	}
}

static void add_minutes_json(cJSON *root, const struct course *course,
			     const struct course_path *path)
{
	cJSON *mods = cJSON_AddArrayToObject(root, "core_paths");
	for (size_t i = 0; course && path && i < course->n_modules; i++) {
		const struct course_module *m = &course->modules[i];
		const struct module_path *mp = &path->modules[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "module", m->id);
		cJSON_AddNumberToObject(o, "minutes", m->minutes);
		cJSON_AddNumberToObject(o, "core_minutes", mp->minutes);
		cJSON_AddNumberToObject(o, "page_minutes", mp->page_minutes);
		cJSON_AddNumberToObject(o, "exercise_minutes", mp->exercise_minutes);
		cJSON_AddNumberToObject(o, "quiz_minutes", mp->quiz_minutes);
		cJSON_AddNumberToObject(o, "further_items", (double)(mp->n_items - mp->n_core));
		cJSON_AddNumberToObject(o, "further_minutes", mp->further_minutes);
		cJSON_AddItemToArray(mods, o);
	}
}

static void print_json(const struct diags *d, const struct course *course,
		       const struct course_path *path)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "ok", course != NULL);
	cJSON_AddNumberToObject(root, "modules", course ? (double)course->n_modules : 0);
	cJSON_AddNumberToObject(root, "pages", course ? (double)course_page_count(course) : 0);
	add_minutes_json(root, course, path);
	cJSON *list = cJSON_AddArrayToObject(root, "diagnostics");
	for (size_t i = 0; i < d->n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", d->v[i].path);
		cJSON_AddNumberToObject(o, "line", d->v[i].line);
		cJSON_AddNumberToObject(o, "col", d->v[i].col);
		cJSON_AddStringToObject(o, "message", d->v[i].msg);
		cJSON_AddItemToArray(list, o);
	}
	char *text = cJSON_Print(root);
	if (text)
		puts(text);
	free(text);
	cJSON_Delete(root);
}

int cmd_lint_run(const struct cli_opts *opts, int argc, char **argv)
{
	if (argc > 2) {
		cli_error("lint takes at most one folder; see 'lambda-tutor lint --help'");
		return CLI_USAGE;
	}
	char *dir = argc == 2 ? xstrdup(argv[1]) : cli_course_dir(opts);
	struct error err;
	error_clear(&err);
	if (!course_exists(dir, &err)) {
		cli_print_error(&err);
		free(dir);
		return CLI_USAGE;
	}
	struct diags d = DIAGS_INIT;
	struct course *course = course_load_linted(dir, &d);
	struct exercise_set *exercises = NULL;
	struct quiz_set *quizzes = NULL;
	struct course_path *path = course ? course_path_load(course, &exercises, &quizzes) : NULL;
	diags_sort(&d);
	if (opts->json) {
		print_json(&d, course, path);
	} else if (course) {
		printf("lint: %zu modules, %zu pages (%zu on the core path): ok\n",
		       course->n_modules, course_page_count(course),
		       course_core_page_count(course));
		print_minutes(course, path);
	} else {
		for (size_t i = 0; i < d.n; i++) {
			char *line = diags_format(&d, i);
			print_line(stderr, line);
			free(line);
		}
	}
	int rc = course ? CLI_OK : CLI_FAIL;
	course_path_free(path);
	exercise_set_free(exercises);
	quiz_set_free(quizzes);
	course_free(course);
	diags_release(&d);
	free(dir);
	return rc;
}
