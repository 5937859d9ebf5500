/*
 * Fuzz the quiz loader and grading: quiz_parse() on one YAML document, then for every question
 * read, its canonical copy must parse back to the same hash (aborts otherwise: an attempt's copy
 * would not match its record), its key must score 1, and a response cut from the input is
 * graded. An attempt is started and finished on the result. The same bytes are read as GIFT,
 * and what the importer writes must load. Nothing on disk is touched.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/xalloc.h"
#include "course/quiz_load.h"
#include "quiz/gift.h"
#include "quiz/quiz.h"
#include "quiz/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_question(const struct quiz_question *q, const char *response)
{
	struct error err;
	struct quiz_question *copy = quiz_question_parse(q->canon, strlen(q->canon), &err);
	if (copy && strcmp(copy->hash, q->hash) != 0) {
		fprintf(stderr, "canonical copy of '%s' hashes differently\n", q->id);
		abort();
	}
	quiz_question_free(copy);
	struct quiz_grade g;
	quiz_grade(q, response, &g);
	if (g.valid && (g.fraction < 0 || g.fraction > 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = DIAGS_INIT;
	struct quiz *quiz = quiz_parse((const char *)data, size, "quizzes/fuzz.yaml", NULL, &d);
	/* A response: the input's last line, at most 64 bytes, without NULs. */
	char response[65];
	size_t start = size > 64 ? size - 64 : 0, n = 0;
	for (size_t i = start; i < size; i++)
		if (data[i] && data[i] != '\n')
			response[n++] = (char)data[i];
	response[n] = '\0';
	if (quiz) {
		for (size_t i = 0; i < quiz->n_questions; i++)
			check_question(quiz->questions[i], response);
		struct quiz_set set = { &quiz, 1 };
		struct error err;
		size_t draws = quiz->n_draws;
		quiz->n_draws = 0; /* draws need other files; lint reports them */
		struct quiz_attempt *a = quiz_attempt_start(quiz, &set, 1, size, 0, &err);
		quiz->n_draws = draws;
		if (a) {
			char *rec = quiz_record_start(a, &err);
			free(rec);
			quiz_attempt_finish(a, 1, QUIZ_FINISH_SUBMITTED);
			free(quiz_record_finish(a));
			quiz_attempt_free(a);
		}
	}
	quiz_free(quiz);
	/* The same bytes as GIFT: whatever the importer writes must be YAML the loader reads. */
	struct error gerr;
	char *yaml = quiz_gift_import((const char *)data, size, "fuzz", &gerr);
	if (yaml) {
		struct quiz *back = quiz_parse(yaml, strlen(yaml), "quizzes/fuzz.yaml", NULL, &d);
		if (!back) {
			fprintf(stderr, "the GIFT importer wrote YAML that does not parse\n");
			abort();
		}
		quiz_free(back);
		free(yaml);
	}
	for (size_t i = 0; i < d.n; i++)
		free(diags_format(&d, i));
	diags_release(&d);
	return 0;
}
