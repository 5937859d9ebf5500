/*
 * Schedule expressions as EventBridge rules and EventBridge Scheduler take them:
 * rate(value unit), AWS's six-field cron(minutes hours day-of-month month day-of-week year)
 * with ? L W # and names, and Scheduler's one-time at(yyyy-mm-ddThh:mm:ss); and the next time
 * a schedule fires, in UTC or an IANA time zone, for the services that fire on the virtual
 * clock.
 */
#ifndef CLOUD_SCHEDULE_SCHEDULE_H
#define CLOUD_SCHEDULE_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct schedule;

enum schedule_kind {
	SCHEDULE_RATE,
	SCHEDULE_CRON,
	SCHEDULE_AT,
};

/*
 * Parse text. at() is refused unless allow_at (EventBridge rules take rate and cron only).
 * Returns NULL with the reason in why (n bytes) when it is not valid. Free with
 * schedule_free().
 */
struct schedule *schedule_parse(const char *text, bool allow_at, char *why, size_t n);
void schedule_free(struct schedule *s);
enum schedule_kind schedule_kind(const struct schedule *s);
/* A rate's period in milliseconds (0 for cron and at). */
int64_t schedule_period_ms(const struct schedule *s);

/*
 * The first time after after_ms (epoch milliseconds) the schedule fires, or -1 when it never
 * does again (an at() past, a cron with no later year). A rate fires every period from
 * start_ms; cron and at read their fields in time zone tz (NULL or "": UTC).
 */
int64_t schedule_next(const struct schedule *s, const char *tz, int64_t start_ms, int64_t after_ms);

/* Whether tz names a time zone this machine knows (an IANA name such as "Europe/Paris"). */
bool schedule_tz_valid(const char *tz);

#endif
