/*
 * The class server's xAPI feed: statements reach a Learning Record Store as the learners'
 * records grow, not only when the trainer exports. A thread looks at the class every
 * FEED_TICK_MS; when a learner's file or the trainer's reviews changed, or statements still
 * wait, it makes the class's statements (their ids are stable, class/export.h) and sends those
 * the ledger does not hold (class/lrs.h). An LRS that is away or refuses is tried again on a
 * growing pause; the ledger (DIR/.lrs.sent unless given) is the queue's memory and survives a
 * restart, so nothing is sent twice and nothing waiting is lost.
 */
#ifndef CLASS_FEED_H
#define CLASS_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "class/lrs.h"
#include "core/error.h"

#define FEED_TICK_MS      1000
#define FEED_RETRY_MIN_MS 2000
#define FEED_RETRY_MAX_MS 60000
#define FEED_LEDGER       ".lrs.sent" /* in the class directory, 0600 */

struct quiz_set;
struct titles;

struct feed_opts {
	const char *dir;       /* the class directory */
	const char *course_id; /* the course activity's last segment */
	const char *base;      /* where activity IRIs start; NULL: https://lambda-tutor.invalid */
	struct lrs_opts lrs;   /* url and auth; ledger NULL: DIR/FEED_LEDGER */
	/* The course's quizzes (live questions' interactions), borrowed for the feed's life. */
	const struct quiz_set *quizzes;
	/* What the course calls its activities (class/titles.h), borrowed likewise; or NULL. */
	const struct titles *titles;
};

struct feed;

/* Start feeding; every string is copied. NULL and err when the options cannot work. */
struct feed *feed_start(const struct feed_opts *o, struct error *err);
/* Stop: a send under way ends first (at most its tries' timeouts). No-op on NULL. */
void feed_stop(struct feed *f);

#endif
