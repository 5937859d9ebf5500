/*
 * The hands-on review of one learner of a class, opened from the trainer's dashboard.
 */
#ifndef TUI_SCREEN_REVIEW_H
#define TUI_SCREEN_REVIEW_H

struct app;
struct class_learner;

/*
 * Show l's review (rubric, last checks, functions with their metrics and cost, code with
 * syntax colour) over the current screen; q comes back. l is read now only (DIR's class).
 */
void screen_review_open(struct app *app, const char *dir, const struct class_learner *l);
/* Free what the last review held. */
void screen_review_release(void);

#endif
