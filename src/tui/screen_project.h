/*
 * The final project's screen: each criterion of the rubric with its automatic checks and the
 * points they are worth, the last run's score per criterion (which checks lost their point,
 * and why), a trainer's review where there is one, and the rubric run from here (r), its
 * progress shown as each step starts and q cancelling it. P opens it from anywhere.
 */
#ifndef TUI_SCREEN_PROJECT_H
#define TUI_SCREEN_PROJECT_H

#include "tui/tui.h"

extern const struct tui_screen screen_project;

#endif
