/*
 * The trainer's live dashboard and the presenter view, over a class directory read-only.
 */
#ifndef TUI_SCREEN_TRAINER_H
#define TUI_SCREEN_TRAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct course;

/*
 * Run the dashboard on dir until q or a signal, refreshing about every 2 s (0.25 s while a
 * live question is open); question (or
 * NULL) picks the quiz question whose answers are shown; presenter opens on the presenter
 * view. False and err when the terminal cannot be used.
 */
bool screen_trainer_run(const char *dir, const struct course *course, const char *question,
			bool presenter, struct error *err);

/* The presenter view (screen_presenter.c): the page m, p of the course, large and alone. */
struct tui_screen;
extern const struct tui_screen screen_presenter;
void presenter_follow(long m, long p);
/*
 * The live question's panel (its text, options with counts, shares and bars, the right one
 * marked once revealed, time left) at y, x within rows and cols; the presenter's leaves out who
 * has not answered. Returns the rows drawn (0: no live question).
 */
int trainer_live_draw(int y, int x, int rows, int cols, bool presenter);
/*
 * The push of the live question the presenter shows (until x): one still open, or one closed
 * and revealed, its results; 0 when none, and for a closed one not revealed.
 */
int64_t trainer_live_shown(void);
/* Re-read the class when the last refresh is 2 s old; true when it did (screen_trainer.c). */
bool trainer_refresh(const struct course *course);

#endif
