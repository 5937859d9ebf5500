/*
 * The cloud's virtual clock: the time every event service (asynchronous invocation, SQS, SNS,
 * event source mappings) reads. It runs at the wall clock's pace times a scale
 * (`serve --time-scale N`), and tests step it forward through POST /_tutor/clock/advance.
 * Thread-safe; waiters are woken when it is stepped.
 */
#ifndef CLOUD_CLOCK_VCLOCK_H
#define CLOUD_CLOCK_VCLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vclock;

/* A clock starting at the wall clock's now, running scale times as fast. Free with
 * vclock_free(). */
struct vclock *vclock_new(double scale);
void vclock_free(struct vclock *vc);
/* Milliseconds since the epoch, virtual. */
int64_t vclock_now_ms(struct vclock *vc);
double vclock_scale(struct vclock *vc);
/* Move the clock forward to at least ms (a time saved before a restart). */
void vclock_not_before(struct vclock *vc, int64_t ms);
/* Step the clock forward by ms (>= 0) and wake every waiter. */
void vclock_advance(struct vclock *vc, int64_t ms);
/*
 * Wait on cond (mu held) until it is signalled, the clock is stepped, or until the virtual
 * time due_ms or at most max_real_ms of real time has passed. Returns true when the virtual
 * time has reached due_ms.
 */
bool vclock_wait(struct vclock *vc, pthread_cond_t *cond, pthread_mutex_t *mu, int64_t due_ms,
		 int max_real_ms);
/* Wake every vclock_wait() now (for shutdown). */
void vclock_kick(struct vclock *vc);

#endif
