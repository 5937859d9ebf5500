/*
 * The exercise screen: the brief, the tasks with ✓/✗, and the keys that matter while working:
 * e edit the main file in $EDITOR, c check, w watch (check on every save), h the next hint,
 * s the reference solution (after a pass, or on a confirmed request that is recorded as such),
 * x reset to the starter (confirmed; old files kept aside), n the next exercise. Passing never
 * moves on by itself.
 */
#ifndef TUI_SCREEN_EXERCISE_H
#define TUI_SCREEN_EXERCISE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "course/exercise_load.h"
#include "tui/tui.h"

extern const struct tui_screen screen_exercise;

/*
 * Make ex (borrowed from set, which outlives the screen) the exercise shown, with the learner's
 * workspace ws, the cloud (where it is, the learner's keys) and the language lang. Creates the
 * exercise's folder from its starter when needed. False and err when that fails. Then app_goto(app,
 * &screen_exercise) or tui_run().
 */
bool screen_exercise_load(struct app *app, const struct exercise_set *set,
			  const struct exercise *ex, const char *ws,
			  const struct check_cloud *cloud, enum exercise_lang lang,
			  struct error *err);

/*
 * Open the first exercise of module_id that the learner has not passed, core ones first (the
 * first when all have passed), in the language chosen before (else python). False and err when
 * the module has none, the app has no workspace, or the cloud cannot be reached.
 */
bool screen_exercise_open_module(struct app *app, const char *module_id, struct error *err);
/* The module id of the exercise the screen holds, or NULL before one is loaded. */
const char *screen_exercise_module(void);
/* Whether a check is running: its result is recorded before the screen may close. */
bool screen_exercise_checking(void);

#endif
