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

/* Control characters would split a diagnostic over lines; show them as '?'. */
static void print_line(FILE *fp, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, fp);
	fputc('\n', fp);
}

static void print_json(const struct diags *d, const struct course *course)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "ok", course != NULL);
	cJSON_AddNumberToObject(root, "modules", course ? (double)course->n_modules : 0);
	cJSON_AddNumberToObject(root, "pages", course ? (double)course_page_count(course) : 0);
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
	diags_sort(&d);
	if (opts->json) {
		print_json(&d, course);
	} else if (course) {
		printf("lint: %zu modules, %zu pages: ok\n", course->n_modules,
		       course_page_count(course));
	} else {
		for (size_t i = 0; i < d.n; i++) {
			char *line = diags_format(&d, i);
			print_line(stderr, line);
			free(line);
		}
	}
	int rc = course ? CLI_OK : CLI_FAIL;
	course_free(course);
	diags_release(&d);
	free(dir);
	return rc;
}
