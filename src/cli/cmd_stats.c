/*
 * lambda-tutor stats QUIZ: Moodle's item analysis of a quiz over a class's finished attempts,
 * with the distractor table Moodle keeps in a separate report.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class/class.h"
#include "class/export.h"
#include "cli/commands.h"
#include "core/diag.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "quiz/quiz.h"

/* The text of a recorded response for a choice question: the option's text. Borrowed. */
static const char *option_text(const struct quiz_set *set, const char *question, const char *resp)
{
	const struct quiz_question *q = set ? quiz_set_find_question(set, question) : NULL;
	if (!q || !resp)
		return NULL;
	if (q->type == QUIZ_MC) {
		char *end;
		unsigned long i = strtoul(resp, &end, 10);
		if (*resp && !*end && i < q->n_answers)
			return q->answers[i].text;
	}
	return NULL;
}

static cJSON *num_or_null(double v)
{
	return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(round(v * 10000) / 10000);
}

static void print_json(const struct analysis *an, const struct quiz_set *set)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "quiz", an->quiz);
	cJSON *t = cJSON_AddObjectToObject(j, "test");
	cJSON_AddNumberToObject(t, "attempts", (double)an->test.n);
	cJSON_AddItemToObject(t, "max", num_or_null(an->test.max_total));
	cJSON_AddItemToObject(t, "mean", num_or_null(an->test.mean));
	cJSON_AddItemToObject(t, "median", num_or_null(an->test.median));
	cJSON_AddItemToObject(t, "sd", num_or_null(an->test.sd));
	cJSON_AddItemToObject(t, "skewness", num_or_null(an->test.skewness));
	cJSON_AddItemToObject(t, "kurtosis", num_or_null(an->test.kurtosis));
	cJSON_AddItemToObject(t, "cic", num_or_null(an->test.cic));
	cJSON_AddItemToObject(t, "error_ratio", num_or_null(an->test.er));
	cJSON_AddItemToObject(t, "standard_error", num_or_null(an->test.se));
	cJSON *items = cJSON_AddArrayToObject(j, "items");
	for (size_t i = 0; i < an->n_items; i++) {
		const struct analysis_item *it = &an->items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "question", it->question);
		if (it->type)
			cJSON_AddStringToObject(o, "type", it->type);
		cJSON_AddNumberToObject(o, "attempts", (double)it->st.n);
		cJSON_AddItemToObject(o, "max", num_or_null(it->max));
		cJSON_AddItemToObject(o, "facility", num_or_null(it->st.facility));
		cJSON_AddItemToObject(o, "sd", num_or_null(it->st.sd));
		cJSON_AddItemToObject(o, "discrimination_index", num_or_null(it->st.disc));
		cJSON_AddItemToObject(o, "discriminative_efficiency", num_or_null(it->st.disc_eff));
		cJSON_AddItemToObject(o, "intended_weight", num_or_null(it->st.intended));
		cJSON_AddItemToObject(o, "effective_weight", num_or_null(it->st.effective));
		cJSON_AddBoolToObject(o, "dubious", it->st.dubious);
		cJSON_AddStringToObject(o, "needs_checking", stats_check_name(it->st.check));
		cJSON *ch = cJSON_AddArrayToObject(o, "responses");
		for (size_t k = 0; k < it->n_choices; k++) {
			cJSON *c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "response", it->choices[k].response);
			const char *text = option_text(set, it->question, it->choices[k].response);
			if (text)
				cJSON_AddStringToObject(c, "text", text);
			cJSON_AddNumberToObject(c, "count", (double)it->choices[k].count);
			cJSON_AddItemToObject(c, "mean_total",
					      num_or_null(it->choices[k].mean_total));
			cJSON_AddItemToArray(ch, c);
		}
		cJSON_AddItemToArray(items, o);
	}
	char *text = cJSON_Print(j);
	puts(text);
	free(text);
	cJSON_Delete(j);
}

static void fig(const char *label, double v, const char *unit)
{
	if (isnan(v))
		printf("  %-22s -\n", label);
	else
		printf("  %-22s %.2f%s\n", label, v, unit);
}

static void cell(double v)
{
	if (isnan(v))
		printf(" %6s", "-");
	else
		printf(" %6.1f", v);
}

static void print_text(const struct analysis *an, const struct quiz_set *set)
{
	printf("Quiz %s: %zu attempts\n", an->quiz, an->test.n);
	fig("mean", an->test.mean, "");
	fig("median", an->test.median, "");
	fig("standard deviation", an->test.sd, "");
	fig("skewness", an->test.skewness, "");
	fig("kurtosis", an->test.kurtosis, "");
	fig("Cronbach's alpha (CIC)", an->test.cic, " %");
	fig("error ratio", an->test.er, " %");
	fig("standard error", an->test.se, "");
	if (an->test.n < 10)
		printf("  (fewer than 10 attempts: read D and DE with care)\n");
	printf("\n%-34s %4s %6s %6s %6s %6s %6s %6s  %s\n", "question", "n", "F%", "SD%", "D", "DE",
	       "IW%", "EW%", "flags");
	for (size_t i = 0; i < an->n_items; i++) {
		const struct analysis_item *it = &an->items[i];
		printf("%-34.34s %4zu", it->question, it->st.n);
		cell(it->st.facility);
		cell(it->st.sd);
		cell(it->st.disc);
		cell(it->st.disc_eff);
		cell(it->st.intended);
		cell(it->st.effective);
		printf("  %s%s%s%s\n", it->st.dubious ? "dubious (DE < 15) " : "",
		       it->st.check == STATS_CHECK_VERY_LIKELY ? "needs checking: very likely "
		       : it->st.check == STATS_CHECK_LIKELY    ? "needs checking: likely "
							       : "",
		       it->st.extreme ? (it->st.facility < 30 ? "hard " : "easy ") : "", "");
	}
	printf("\nResponses (count, and the mean total score of those who gave it):\n");
	for (size_t i = 0; i < an->n_items; i++) {
		const struct analysis_item *it = &an->items[i];
		printf("%s\n", it->question);
		for (size_t k = 0; k < it->n_choices; k++) {
			const char *text = option_text(set, it->question, it->choices[k].response);
			printf("  %4zu  %5.1f%%  %-.40s%s%.30s\n", it->choices[k].count,
			       it->choices[k].mean_total, it->choices[k].response, text ? "  " : "",
			       text ? text : "");
		}
	}
}

int cmd_stats_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *quiz = NULL;
	enum export_attempts which = EXPORT_FIRST;
	char **paths = xcalloc((size_t)argc, sizeof *paths);
	size_t n = 0;
	int rc = CLI_USAGE;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--attempts") && i + 1 < argc) {
			int w = export_attempts_from_name(argv[++i]);
			if (w < 0) {
				cli_error("unknown attempts '%s': use first, last, highest or all",
					  argv[i]);
				goto done;
			}
			which = (enum export_attempts)w;
		} else if (argv[i][0] == '-') {
			cli_error("unknown option '%s' for stats; see 'lambda-tutor stats --help'",
				  argv[i]);
			goto done;
		} else if (!quiz) {
			quiz = argv[i];
		} else {
			paths[n++] = argv[i];
		}
	}
	if (!quiz) {
		cli_error("stats needs a quiz id; see 'lambda-tutor quiz --list'");
		goto done;
	}
	struct class_room room = CLASS_ROOM_INIT;
	if (!cmd_class_room(opts, paths, n, &room))
		goto done;
	cmd_class_warn(&room);
	char *dir = cli_course_dir(opts);
	struct diags d = DIAGS_INIT;
	struct course *course = course_load(dir, &d);
	struct quiz_set *set =
		course && course->quiz_dir ? quiz_set_load(course->quiz_dir, course, &d) : NULL;
	diags_release(&d);
	free(dir);
	struct analysis an = { 0 };
	bool live = !strcmp(quiz, "live");
	if (!live)
		analysis_build(&room, quiz, which, &an);
	if (live) {
		/* Live questions are no test: their item statistics rows are the analysis. */
		struct export_opts eo = { .format = EXPORT_ITEMS,
					  .attempts = which,
					  .quiz = "live" };
		struct strbuf out = STRBUF_INIT;
		export_room(&room, &eo, &out);
		const char *rows = out.buf ? strchr(out.buf, '\n') : NULL;
		if (!rows || !rows[1]) {
			cli_error("no answer to a live question in these records");
			rc = CLI_FAIL;
		} else {
			fputs(out.buf, stdout);
			rc = CLI_OK;
		}
		strbuf_release(&out);
	} else if (an.test.n == 0) {
		cli_error("no finished attempt at quiz '%s' in these records", quiz);
		rc = CLI_FAIL;
	} else {
		if (opts->json)
			print_json(&an, set);
		else
			print_text(&an, set);
		rc = CLI_OK;
	}
	analysis_release(&an);
	quiz_set_free(set);
	course_free(course);
	class_room_release(&room);
done:
	free(paths);
	return rc;
}
