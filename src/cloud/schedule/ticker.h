/*
 * A ticker: one thread that calls a service's tick whenever the virtual clock reaches the
 * time the previous tick asked for, when the clock is stepped, or when the service pokes it
 * (a schedule was created or changed). EventBridge's scheduled rules and EventBridge
 * Scheduler fire through one each.
 */
#ifndef CLOUD_SCHEDULE_TICKER_H
#define CLOUD_SCHEDULE_TICKER_H

#include <stdint.h>

#include "core/error.h"

struct schedule_ticker;
struct vclock;

/*
 * tick(arg, now_ms) does what is due at now_ms (virtual) and returns the next time it has
 * something to do, or -1 when it has nothing until poked. It runs on the ticker's thread
 * with no lock of the ticker's held. Returns NULL with err set when the thread cannot
 * start. Stop and free with schedule_ticker_free().
 */
struct schedule_ticker *schedule_ticker_start(struct vclock *vc,
					      int64_t (*tick)(void *arg, int64_t now_ms), void *arg,
					      struct error *err);
/* Have the ticker call tick again now (something it schedules changed). NULL is ignored. */
void schedule_ticker_poke(struct schedule_ticker *t);
/* Join the thread and free t (NULL is ignored). */
void schedule_ticker_free(struct schedule_ticker *t);

#endif
