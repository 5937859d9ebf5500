/*
 * The cloud's virtual clocks: the time every event service (asynchronous invocation, SQS,
 * SNS, EventBridge, event source mappings) reads. One base clock runs at the wall clock's
 * pace times a scale (`serve --time-scale N`); each account's clock is the base plus the
 * steps taken for that account alone (POST /_tutor/clock/advance?account=ID on the control
 * socket), so that a check stepping its fresh account's clock past Lambda's retries never
 * moves the learner's playground. The learner's own clock is the base clock
 * (vclock_base_account()): its steps move every account, and what keeps no account's time
 * (DynamoDB's TTL sweeper, Kinesis retention, CloudFormation's events) reads it. An account's
 * steps are kept in the database and survive a restart; forgetting an account drops them.
 *
 * Thread-safe; waiters are woken when any clock is stepped.
 */
#ifndef CLOUD_CLOCK_VCLOCK_H
#define CLOUD_CLOCK_VCLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct cloud_db;
struct vclock;

/*
 * Clocks starting at the wall clock's now, running scale times as fast. With db (may be
 * NULL), the accounts' steps are loaded from it and written to it, and SQL run on it can call
 * vclock_offset(account): that account's steps in milliseconds. Free with vclock_free().
 */
struct vclock *vclock_new(double scale, struct cloud_db *db);
void vclock_free(struct vclock *vc);
/* Milliseconds since the epoch, virtual, on account's clock (NULL or "": the base clock). */
int64_t vclock_now_ms(struct vclock *vc, const char *account);
/* What account's clock is ahead of the base clock, in milliseconds. */
int64_t vclock_offset_ms(struct vclock *vc, const char *account);
double vclock_scale(struct vclock *vc);
/*
 * Make account's clock the base clock: its saved steps become the base's, and its steps from
 * now on step the base (and so every account). The base is never forgotten.
 */
void vclock_base_account(struct vclock *vc, const char *account);
/* Move the base clock forward to at least ms (a time saved before a restart). */
void vclock_not_before(struct vclock *vc, int64_t ms);
/* Step account's clock forward by ms (>= 0) and wake every waiter. */
void vclock_advance(struct vclock *vc, const char *account, int64_t ms);
/* Drop account's steps: its clock is the base clock again. */
void vclock_forget(struct vclock *vc, const char *account);
/*
 * Wait on cond (mu held) until it is signalled, a clock is stepped, or until account's
 * virtual time due_ms or at most max_real_ms of real time has passed. Returns true when
 * account's virtual time has reached due_ms.
 */
bool vclock_wait(struct vclock *vc, pthread_cond_t *cond, pthread_mutex_t *mu, const char *account,
		 int64_t due_ms, int max_real_ms);
/* Wake every vclock_wait() now (for shutdown). */
void vclock_kick(struct vclock *vc);

#endif
