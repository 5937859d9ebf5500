/*
 * The class server's own re-runs (`class serve --rerun`): as check results arrive, each run
 * with no verdict yet goes again on the package of code it was sent with, against the cloud of
 * the trainer's workspace, by `lambda-tutor grade --class DIR --new` in a child process (the
 * server never links the checker). One pass at a time: results that arrive during a pass wait
 * for the next. The verdicts land in DIR/.reruns.json, which the dashboard and exports read.
 */
#ifndef CLASS_REGRADE_H
#define CLASS_REGRADE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct regrade_opts {
	const char *dir;       /* the class folder */
	const char *tutor;     /* the lambda-tutor program */
	const char *course;    /* --course for it, or NULL */
	const char *workspace; /* --workspace for it (whose cloud runs the checks), or NULL */
	/* How many check runs the class has taken so far; a change starts a pass. */
	uint64_t (*runs)(void *ctx);
	void *ctx;
};

struct regrade;

/* Start the worker (a first pass at once, for runs that arrived while no server ran). Every
 * string is copied. NULL and err when the program cannot be run. */
struct regrade *regrade_start(const struct regrade_opts *o, struct error *err);
/* Stop: a pass under way is ended (SIGTERM, then SIGKILL after 10 s). No-op on NULL. */
void regrade_stop(struct regrade *g);

#endif
