/*
 * What the quiz screen shows and how keys change it, as pure functions on a plain struct (no
 * curses), so moving, ticking, typing, reordering and matching are unit-tested. The view turns
 * its state into the response text grading reads (quizzes/README.md, "Records"), and back when
 * an attempt resumes.
 */
#ifndef TUI_QUIZ_VIEW_H
#define TUI_QUIZ_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"
#include "quiz/quiz.h"

enum quiz_view_phase {
	QUIZ_VIEW_INTRO,    /* the quiz's title and rules, before the first question */
	QUIZ_VIEW_ANSWER,   /* answering the current question */
	QUIZ_VIEW_FEEDBACK, /* after a graded try */
	QUIZ_VIEW_RESULT,   /* the attempt is finished */
};

struct quiz_view {
	struct quiz_attempt *a; /* borrowed */
	size_t slot;
	enum quiz_view_phase phase;
	size_t cursor;   /* row of the option, item or pair under the cursor */
	bool *ticked;    /* mc_multi: by row */
	size_t *arrange; /* order: the items (file indices) as the learner arranged them */
	long *chosen;    /* match: for each row, the chosen menu position, -1 for none */
	size_t n_rows;
	struct strbuf input;     /* numeric, short */
	struct quiz_grade grade; /* of the last try */
	char msg[160];           /* why a response was refused; "" when none */
	bool confirm_finish;     /* F pressed once */
	size_t scroll;
};

/* Borrow a and open its first unanswered question (the intro when nothing is answered). */
void quiz_view_init(struct quiz_view *v, struct quiz_attempt *a);
void quiz_view_release(struct quiz_view *v);
/* Open question slot, restoring the last response it has (resume, going back). */
void quiz_view_goto(struct quiz_view *v, size_t slot);
/* Whether the current question takes typed text. */
bool quiz_view_typing(const struct quiz_view *v);
/* Number of rows (options, items, pairs) of the current question; 0 for typed answers. */
size_t quiz_view_rows(const struct quiz_view *v);
/* The file index of the option, item or pair shown on row r. */
size_t quiz_view_row_index(const struct quiz_view *v, size_t r);

void quiz_view_move(struct quiz_view *v, int delta);
/* Space: tick (mc_multi), or choose the next answer (match); mc and tf choose the row. */
void quiz_view_toggle(struct quiz_view *v);
/* Digit d (1-based): choose or tick row d (mc, tf, mc_multi); answer d for this row (match). */
void quiz_view_digit(struct quiz_view *v, int d);
/* Move the item under the cursor up (-1) or down (+1), the cursor following it (order). */
void quiz_view_shift(struct quiz_view *v, int delta);
/* Step the answer of the row under the cursor through the menu (match). */
void quiz_view_cycle(struct quiz_view *v, int delta);
/* From the feedback of a typed answer with tries left: back to the answer for typing again,
   the last response cleared (clear) or kept for editing. False, and nothing changes, when the
   question is finished or takes no typed text: its keys keep their meaning there. */
bool quiz_view_retype(struct quiz_view *v, bool clear);
bool quiz_view_can_retype(const struct quiz_view *v);
/* Typed text: append UTF-8, or remove the last character. */
void quiz_view_type(struct quiz_view *v, const char *utf8);
void quiz_view_backspace(struct quiz_view *v);

/* The response text of the current state. Caller frees. */
char *quiz_view_response(const struct quiz_view *v);
/*
 * After a try was graded (or refused: grade->valid false), show its feedback, or keep
 * answering with the reason in msg.
 */
void quiz_view_graded(struct quiz_view *v, const struct quiz_grade *grade);
/*
 * Leave the feedback: try again if the question is still open, else go to the next question not
 * finished (wrapping). Returns false when every question is finished (time for the result).
 */
bool quiz_view_next(struct quiz_view *v);
/* The next (+1) or previous (-1) question, wrapping, without answering. */
void quiz_view_skip(struct quiz_view *v, int delta);
/* Number of questions finished. */
size_t quiz_view_done(const struct quiz_view *v);

/*
 * The lesson pages to review after the attempt: the review links of every question that did
 * not get its full mark, each once, in question order. Returns the count; links borrowed.
 */
size_t quiz_view_review_links(const struct quiz_view *v, const char **out, size_t max);

#endif
