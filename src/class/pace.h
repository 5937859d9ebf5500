/*
 * The trainer's file in a class directory, DIR/.trainer.json, written atomically by the
 * trainer and read by every learner's tutor every few seconds: when the session started, the
 * modules open so far, and a one-line message. Outside class mode there is no such file, and
 * nothing is ever blocked.
 */
#ifndef CLASS_PACE_H
#define CLASS_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

#define PACE_FILE    ".trainer.json"
#define PACE_MSG_MAX 200

struct pace {
	int64_t started_ms;             /* 0: the session has not started */
	int open_through;               /* modules 1..open_through are open; 0: all are open */
	char message[PACE_MSG_MAX + 1]; /* one line, "" for none */
	int64_t message_ms;
};

/* Read DIR's trainer file. A missing file is an empty pace and true. */
bool pace_read(const char *dir, struct pace *out, struct error *err);
/* Write it atomically (mode 0644, so learners can read it). */
bool pace_write(const char *dir, const struct pace *p, struct error *err);
/*
 * Write text as a trainer's file at path, 0664: replaced atomically, or written in place when
 * another trainer of the group owns it (the sticky class folder refuses replacing it).
 */
bool pace_write_file(const char *path, const char *text, struct error *err);
/* Whether module number m (from 1) is open. */
bool pace_module_open(const struct pace *p, long m);

#endif
