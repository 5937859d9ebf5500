/*
 * The trainer's live dashboard and the presenter view, over a class directory read-only.
 */
#ifndef TUI_SCREEN_TRAINER_H
#define TUI_SCREEN_TRAINER_H

#include <stdbool.h>

#include "core/error.h"

struct course;

/*
 * Run the dashboard on dir until q or a signal, refreshing about every 2 s; question (or
 * NULL) picks the quiz question whose answers are shown; presenter opens on the presenter
 * view. False and err when the terminal cannot be used.
 */
bool screen_trainer_run(const char *dir, const struct course *course, const char *question,
			bool presenter, struct error *err);

/* The presenter view (screen_presenter.c): the page m, p of the course, large and alone. */
struct tui_screen;
extern const struct tui_screen screen_presenter;
void presenter_follow(long m, long p);
/* Re-read the class when the last refresh is 2 s old; true when it did (screen_trainer.c). */
bool trainer_refresh(const struct course *course);

#endif
