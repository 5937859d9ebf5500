/*
 * Moodle's GIFT text format, for trainers who keep their banks in Moodle (assessment reference,
 * section 1.5): a quiz written out as GIFT that Moodle's importer reads back with the same
 * answers, fractions and feedback. What GIFT cannot say is written as a // comment.
 */
#ifndef QUIZ_GIFT_H
#define QUIZ_GIFT_H

#include "core/error.h"
#include "quiz/quiz.h"

/* The quiz's own questions as GIFT, in file order, under $CATEGORY: <quiz id>. Caller frees. */
char *quiz_gift_export(const struct quiz *quiz);

/*
 * Read GIFT (Moodle's importer's rules: comments, $CATEGORY, ::name::, [format], escapes, type
 * detection, %weight%, #feedback, ####general feedback) into the YAML of a quiz with id quiz_id.
 * Description and essay questions, which grade nothing, are skipped. NULL and err (its line set,
 * its path left to the caller) on a question it cannot read. Caller frees.
 */
char *quiz_gift_import(const char *text, size_t len, const char *quiz_id, struct error *err);

#endif
