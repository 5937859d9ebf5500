/*
 * xAPI 1.0.3 interaction activities of quiz questions and exercises (reference/assessment.md
 * 3.2): each question type's interactionType, its components (choices, source and target,
 * steps), the correct response pattern, and a recorded response in xAPI's response format.
 * Pure functions of a question's stored copy and a response.
 */
#ifndef CLASS_XAPI_H
#define CLASS_XAPI_H

#include <stdbool.h>

struct cJSON;
struct quiz_question;

/* The interactionType of a question type name ("mc", "tf", ...); "other" for none. */
const char *xapi_interaction_type(const char *type);

/*
 * Fill an interaction activity's definition for q: description (the question's text),
 * interactionType, the components its type has, and correctResponsesPattern.
 */
void xapi_define_question(struct cJSON *definition, const struct quiz_question *q);

/*
 * A recorded response (quizzes/README.md, "Records") as xAPI formats it for q's type:
 * choice and sequencing ids joined by "[,]", matching "item[.]answer" pairs, numeric the
 * number alone, fill-in the text. q may be NULL (the type alone decides). Caller frees.
 */
char *xapi_response(const char *type, const struct quiz_question *q, const char *response);

/*
 * An exercise run's tasks as a performance interaction: definition gets the steps (task id and
 * text) and the pattern of every task passing; the response is "task[.]pass[,]task[.]fail".
 * tasks is the check run's "tasks" array. Caller frees the response.
 */
char *xapi_define_performance(struct cJSON *definition, const struct cJSON *tasks);

#endif
