/*
 * Attempts as the JSON data of learner records (quizzes/README.md, "Records"): what a
 * quiz_start, quiz_try and quiz_finish event holds, and reading them back. Text in, text out;
 * nothing here touches the store.
 */
#ifndef QUIZ_RECORD_H
#define QUIZ_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "quiz/quiz.h"

/*
 * Parse a question's canonical JSON (its stored copy) into a question. The course layer
 * provides it (quiz_question_parse() in course/quiz_load.h); quiz/ does not read YAML.
 */
typedef struct quiz_question *(*quiz_question_parse_fn)(const char *text, size_t len,
							struct error *err);

/* Data of the quiz_start event. NULL and err when a question has no canonical copy. Caller frees.
 */
char *quiz_record_start(const struct quiz_attempt *a, struct error *err);
/*
 * Rebuild the attempt a quiz_start event describes, each question from its stored copy
 * (checked against its stored hash). started_ms is the event's time. Caller frees the result
 * with quiz_attempt_free(). NULL and err when the data is damaged.
 */
struct quiz_attempt *quiz_record_read_start(const char *data, const char *quiz_id,
					    int64_t started_ms, quiz_question_parse_fn parse,
					    struct error *err);
/* Data of the quiz_try event for the last try of slot i. Caller frees. */
char *quiz_record_try(const struct quiz_attempt *a, size_t i);

struct quiz_try_record {
	int attempt;
	char *question; /* question id */
	char *response;
	double seconds;
};
/* Read a quiz_try event's data. Release with quiz_try_record_release(). */
bool quiz_record_read_try(const char *data, struct quiz_try_record *out, struct error *err);
void quiz_try_record_release(struct quiz_try_record *r);

/* Data of the quiz_finish event. Caller frees. */
char *quiz_record_finish(const struct quiz_attempt *a);

struct quiz_finish_record {
	int attempt;
	double score, max, percent;
	bool passed;
};
bool quiz_record_read_finish(const char *data, struct quiz_finish_record *out, struct error *err);
/*
 * Append to *ids (of *n, grown as needed) the ids of the questions a quiz_start event froze.
 * The strings are the caller's to free.
 */
void quiz_record_question_ids(const char *data, char ***ids, size_t *n);
/* The attempt number a quiz_start, quiz_try or quiz_finish event belongs to; 0 if unreadable. */
int quiz_record_attempt_number(const char *data);

#endif
