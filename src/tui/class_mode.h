/*
 * The learner's side of class mode (lambda-tutor --class DIR): the trainer's file in DIR is
 * read every few seconds, a new message is shown in the status line, and modules after the
 * one the trainer opened stay locked. Outside class mode nothing here blocks anything.
 * H raises a hand, with an optional note, for the trainer's queue (a `hand` event).
 */
#ifndef TUI_CLASS_MODE_H
#define TUI_CLASS_MODE_H

#include <stdbool.h>

#include "tui/tui.h"

/* How often the trainer's file is read. */
#define CLASS_MODE_POLL_MS 3000

/* Read the trainer's file when it is due; true when something to show changed. */
bool class_mode_poll(struct app *app);
/* Whether module index m is locked by the trainer (never outside class mode). */
bool class_mode_locked(const struct app *app, long m);

/* Raise or lower the learner's hand; raising asks for a note first. */
extern const struct tui_screen screen_hand;

#endif
