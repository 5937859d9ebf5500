/*
 * The virtual clock: wall time at start, plus real elapsed time times the scale, plus every
 * step taken by hand.
 */
#include "cloud/clock/vclock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "core/xalloc.h"

struct vclock {
	pthread_mutex_t mu;
	int64_t base_wall_ms;
	int64_t base_mono_us;
	double scale;
	int64_t offset_ms;
	unsigned steps; /* bumped by every advance and kick */
};

struct vclock *vclock_new(double scale)
{
	struct vclock *vc = xcalloc(1, sizeof(*vc));
	pthread_mutex_init(&vc->mu, NULL);
	vc->base_wall_ms = clock_wall_ms();
	vc->base_mono_us = clock_mono_us();
	vc->scale = scale > 0 ? scale : 1.0;
	return vc;
}

void vclock_free(struct vclock *vc)
{
	if (!vc)
		return;
	pthread_mutex_destroy(&vc->mu);
	free(vc);
}

int64_t vclock_now_ms(struct vclock *vc)
{
	pthread_mutex_lock(&vc->mu);
	double elapsed_ms = (double)(clock_mono_us() - vc->base_mono_us) / 1000.0 * vc->scale;
	int64_t now = vc->base_wall_ms + (int64_t)elapsed_ms + vc->offset_ms;
	pthread_mutex_unlock(&vc->mu);
	return now;
}

double vclock_scale(struct vclock *vc)
{
	return vc->scale;
}

static unsigned steps(struct vclock *vc)
{
	pthread_mutex_lock(&vc->mu);
	unsigned s = vc->steps;
	pthread_mutex_unlock(&vc->mu);
	return s;
}

void vclock_advance(struct vclock *vc, int64_t ms)
{
	pthread_mutex_lock(&vc->mu);
	if (ms > 0)
		vc->offset_ms += ms;
	vc->steps++;
	pthread_mutex_unlock(&vc->mu);
}

void vclock_not_before(struct vclock *vc, int64_t ms)
{
	int64_t now = vclock_now_ms(vc);
	if (ms > now)
		vclock_advance(vc, ms - now);
}

void vclock_kick(struct vclock *vc)
{
	vclock_advance(vc, 0);
}

bool vclock_wait(struct vclock *vc, pthread_cond_t *cond, pthread_mutex_t *mu, int64_t due_ms,
		 int max_real_ms)
{
	int64_t now = vclock_now_ms(vc);
	if (now >= due_ms)
		return true;
	/* Real time until due, bounded; short slices notice a step of the clock soon. */
	double real = (double)(due_ms - now) / vc->scale;
	int64_t wait_ms = real < (double)max_real_ms ? (int64_t)real + 1 : max_real_ms;
	unsigned before = steps(vc);
	int64_t end = clock_mono_ms() + wait_ms;
	while (clock_mono_ms() < end) {
		int64_t slice = end - clock_mono_ms();
		if (slice > 10)
			slice = 10;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)slice * 1000000L;
		while (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		int rc = pthread_cond_timedwait(cond, mu, &ts);
		if (rc != ETIMEDOUT || steps(vc) != before)
			break;
	}
	return vclock_now_ms(vc) >= due_ms;
}
