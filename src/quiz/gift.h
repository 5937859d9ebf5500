/*
 * Moodle's GIFT text format, for trainers who keep their banks in Moodle (assessment reference,
 * section 1.5): a quiz written out as GIFT that Moodle's importer reads back with the same
 * answers, fractions and feedback. What GIFT cannot say is written as a // comment.
 */
#ifndef QUIZ_GIFT_H
#define QUIZ_GIFT_H

#include "quiz/quiz.h"

/* The quiz's own questions as GIFT, in file order, under $CATEGORY: <quiz id>. Caller frees. */
char *quiz_gift_export(const struct quiz *quiz);

#endif
