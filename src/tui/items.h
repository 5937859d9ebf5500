/*
 * What the screens open besides pages: exercises, quizzes, the console and the shell setup,
 * from anywhere in the tutor, and the course's core paths they are part of (course/path.h).
 * The learner's standing on them (check/progress.h) is read from the records each time it is
 * asked for, so that a check run from the shell shows at once.
 */
#ifndef TUI_ITEMS_H
#define TUI_ITEMS_H

#include <stdbool.h>
#include <stddef.h>

#include "check/progress.h"
#include "core/error.h"
#include "course/path.h"
#include "tui/tui.h"

/*
 * Give app the learner's workspace (copied) and the way to its cloud (which also tells the
 * learner's keys). Called by the commands that run the TUI.
 */
void app_set_workspace(struct app *app, const char *ws, tui_cloud_fn cloud);
/* Let app use set as the course's exercises (borrowed: it outlives app). */
void app_use_exercises(struct app *app, struct exercise_set *set);
/* Free what app loaded: exercises, quizzes, paths. Called by app_release(). */
void app_items_release(struct app *app);

/*
 * Where the cloud is and the learner's keys, starting the cloud when none runs. NULL and err
 * when it cannot be. Borrowed.
 */
const struct check_cloud *app_cloud(struct app *app, struct error *err);
/* The course's exercises, and the core paths of its modules, loaded on first use. Borrowed. */
const struct exercise_set *app_exercises(struct app *app);
const struct course_path *app_path(struct app *app);
/* The course's troubleshooting scenarios, loaded on first use. Borrowed. */
const struct exercise_set *app_scenarios(struct app *app);

/* The learner's standing on every item, from the records now. Release it as usual. */
bool app_progress(struct app *app, struct course_progress *cp, struct error *err);

/*
 * Open item i of module m's path: a page in the reader, an exercise on the exercise screen, a
 * quiz. Errors go to the status line. True when a screen opened.
 */
bool app_open_item(struct app *app, long m, long i);
/*
 * Open the troubleshooting scenario sc (of app_scenarios()) on the exercise screen, setting its
 * application up in the learner's account first when it was never started, or when reset (and
 * recording that). False and err when it cannot be.
 */
bool app_open_scenario(struct app *app, const struct exercise *sc, bool reset, struct error *err);
/* Open the exercise with ex's id on the exercise screen. False and err when it cannot be. */
bool app_open_exercise(struct app *app, const struct exercise *ex, struct error *err);
/*
 * Open the next core item not done after item i of module m (or after the page being read
 * when m < 0), in course order; say so on the status line when everything is done.
 */
void app_open_next(struct app *app, long m, long i);
/* The first exercise not passed (core paths first), or NULL when all have. Borrowed. */
const struct exercise *app_first_unfinished(struct app *app);
/* The item index of page p of module m in its path, or -1. */
long app_page_item(struct app *app, long m, long p);

/* Open the console screen on the learner's own account; errors go to the status line. */
void app_open_console(struct app *app);

#endif
