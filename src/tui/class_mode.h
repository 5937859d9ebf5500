/*
 * The learner's side of class mode (lambda-tutor --class DIR): the trainer's file in DIR is
 * read every second (over a class server: the copy of the room the tutor keeps, class/room.h),
 * a new message is shown in the status line, modules after the one the trainer opened stay
 * locked, a question the trainer pushes opens at once, and the trainer's reviews are told.
 * Outside class mode nothing here blocks anything. H raises a hand, with an optional note, for the
 * trainer's queue (a `hand` event).
 */
#ifndef TUI_CLASS_MODE_H
#define TUI_CLASS_MODE_H

#include <stdbool.h>

#include "tui/tui.h"

/* How often the trainer's file (or the class server's copy of the room) is read. */
#define CLASS_MODE_POLL_MS 1000

/* Read the trainer's file when it is due; true when something to show changed. */
bool class_mode_poll(struct app *app);
/* Whether module index m is locked by the trainer (never outside class mode). */
bool class_mode_locked(const struct app *app, long m);
/* The index of the module whose quiz is quiz_id, or -1. */
long class_mode_quiz_module(const struct course *course, const char *quiz_id);

/* Raise or lower the learner's hand; raising asks for a note first. */
extern const struct tui_screen screen_hand;
/* The trainer's reviews of the learner's project (score and comment per criterion). */
extern const struct tui_screen screen_reviews;
/* Open the live question the trainer pushed (key L), if there is one. */
void class_mode_live_open(struct app *app);

#endif
