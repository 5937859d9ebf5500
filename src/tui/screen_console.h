/*
 * The console screen, the terminal's Lambda console: the learner's functions in their own
 * account of the local cloud (the one their `aws` CLI talks to), creating one from the
 * console's default code, its code (opened in $EDITOR and deployed on save), its configuration
 * (memory, timeout, environment variables, with Lambda's validation), tests from saved events
 * made from the console's templates (response, log, REPORT), a monitor of those runs
 * (duration, memory, cold or warm, cost) and power tuning (check/tune.h) in the background.
 */
#ifndef TUI_SCREEN_CONSOLE_H
#define TUI_SCREEN_CONSOLE_H

#include <stdbool.h>

#include "core/error.h"
#include "tui/tui.h"

extern const struct tui_screen screen_console;

struct check_cloud;
/*
 * Point the console at the workspace's cloud, as the learner (its key pair), keeping code and
 * saved events under the workspace ws. Lists the functions. False and err when the cloud does
 * not answer.
 */
bool screen_console_load(struct app *app, const char *ws, const struct check_cloud *cloud,
			 struct error *err);

#endif
