/*
 * The quiz screen: one question at a time, feedback after each try, and the result with the
 * pages to review. Attempts are kept in app->store (when there is one) as they go, so leaving
 * the screen, quitting or a crash never loses a submitted answer.
 */
#ifndef TUI_SCREEN_QUIZ_H
#define TUI_SCREEN_QUIZ_H

#include <stdbool.h>

#include "core/error.h"
#include "tui/tui.h"

extern const struct tui_screen screen_quiz;

/*
 * Make quiz_id of app's course the quiz the screen shows: resume the learner's open attempt or
 * start a new one (recorded before it is shown). False and err when the course has no such
 * quiz, no attempt is left, or the records cannot be read or written. Then open the screen with
 * app_goto(app, &screen_quiz), or pass it to tui_run().
 */
bool screen_quiz_load(struct app *app, const char *quiz_id, struct error *err);

/*
 * Make the trainer's live question (app->live) what the screen shows: the one question, answered
 * once with a `live_answer` event; the screen follows app->live's timer, close and reveal.
 * False and err when the learner's course lacks that version of the question.
 */
bool screen_quiz_live(struct app *app, struct error *err);
/* Whether the screen holds push's live question. */
bool screen_quiz_is_live(int64_t push); /* push -1: any live question */
/* The id of the course quiz the screen holds; NULL for none or a live question. */
const char *screen_quiz_id(void);

#endif
