/*
 * What the exercise screen shows, as plain lines: the tasks with ✓/✗, the steps of a running
 * check, the failures of the last one (sent, got, expected, why, log), the hints revealed so
 * far and the reference solution once it may be shown. Pure: no curses, so the rules (hints one
 * level at a time, the solution only after a pass or a confirmed request, resets confirmed,
 * passing never moving on by itself) are unit-tested.
 */
#ifndef TUI_EXERCISE_VIEW_H
#define TUI_EXERCISE_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "check/check.h"

enum ev_kind {
	EV_TEXT,
	EV_HEADING,
	EV_TASK_PASS,
	EV_TASK_FAIL,
	EV_TASK_TODO,
	EV_DETAIL, /* under a failed task */
	EV_LOG,
	EV_STEP_DONE,
	EV_STEP_FAIL,
	EV_STEP_RUNNING,
	EV_HINT,
	EV_NOTICE,
	EV_CODE,
};

struct ev_line {
	char *text;
	enum ev_kind kind;
};

/* A pending question the next key answers. */
enum ev_confirm {
	EV_CONFIRM_NONE,
	EV_CONFIRM_SOLUTION,
	EV_CONFIRM_RESET,
	EV_CONFIRM_LANG
};

struct exercise_view {
	const struct exercise *ex; /* borrowed */
	enum exercise_lang lang;
	/* Task states: -1 not checked yet, 0 failed, 1 passed. */
	int *task_state;
	size_t hints_shown;
	bool passed_once; /* some run passed every task */
	bool solution_shown;
	char *solution;           /* the reference's text once shown */
	struct check_result last; /* the last run, when has_last */
	bool has_last;
	bool running;
	size_t steps_done; /* while running */
	bool watching;
	bool folder_gone;
	bool unfold; /* events shown whole, not folded to their first lines */
	enum ev_confirm confirm;
	struct ev_line *lines;
	size_t n_lines;
};

void exercise_view_init(struct exercise_view *v, const struct exercise *ex,
			enum exercise_lang lang);
void exercise_view_release(struct exercise_view *v);

/* A check starts; steps complete one by one; then its result (taken over by the view). */
void exercise_view_start(struct exercise_view *v);
void exercise_view_step(struct exercise_view *v, size_t done);
void exercise_view_finish(struct exercise_view *v, struct check_result *r);

/* Reveal the next hint level. Returns the level shown (1-based), 0 when none is left. */
size_t exercise_view_hint(struct exercise_view *v);
/*
 * Ask for the solution. Returns true when it may be shown now: after a pass, or when this is
 * the confirmation of an earlier request (*confirmed is then true: the record says so).
 * Otherwise the view asks for confirmation and returns false.
 */
bool exercise_view_want_solution(struct exercise_view *v, bool *confirmed);
void exercise_view_show_solution(struct exercise_view *v, const char *text);
/* Ask to reset: true when this confirms an earlier request. */
bool exercise_view_want_reset(struct exercise_view *v);
/*
 * Ask to switch the exercise to the other language (as `reset --lang`): true when this
 * confirms an earlier request. False, asking nothing, when the exercise has no starter in the
 * other language.
 */
bool exercise_view_want_lang(struct exercise_view *v);
/* The language a switch goes to. */
enum exercise_lang exercise_view_other_lang(const struct exercise_view *v);
/* Any other key cancels a pending question. */
void exercise_view_cancel(struct exercise_view *v);
/* The pending question in words, for the status line, or NULL when there is none. */
const char *exercise_view_question(const struct exercise_view *v);
/* A check was cancelled: back to the last verdict, as if it had not started. */
void exercise_view_cancel_run(struct exercise_view *v);

/* Rebuild the lines for width columns (text is wrapped to it). */
void exercise_view_build(struct exercise_view *v, int width);

#endif
