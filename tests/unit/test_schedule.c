/*
 * Unit tests for cloud/schedule: rate(), AWS's cron() dialect and at(), what they refuse, and
 * the next firing time in UTC and in time zones across daylight saving changes.
 */
#include <stdlib.h>
#include <string.h>

#include "cloud/schedule/schedule.h"
#include "harness.h"

/* The next firing after `after` of expr in tz, -2 when expr does not parse. */
static long long next(const char *expr, const char *tz, long long start, long long after)
{
	char why[200];
	struct schedule *s = schedule_parse(expr, true, why, sizeof(why));
	if (!s)
		return -2;
	long long t = schedule_next(s, tz, start, after);
	schedule_free(s);
	return t;
}

static bool valid(const char *expr, bool allow_at)
{
	char why[200];
	struct schedule *s = schedule_parse(expr, allow_at, why, sizeof(why));
	if (!s && !why[0])
		printf("# no reason given for %s\n", expr);
	schedule_free(s);
	return s != NULL;
}

#define NOV27_0530 1795757400000LL

TEST(schedule_parse__takes_aws_expressions)
{
	ok(valid("rate(5 minutes)", false), "rate in minutes");
	ok(valid("rate(1 hour)", false), "a singular unit for one");
	ok(!valid("rate(1 hours)", false), "not a plural one");
	ok(!valid("rate(2 day)", false), "nor a singular two");
	ok(!valid("rate(0 minutes)", false), "a rate of zero");
	ok(!valid("rate(5 seconds)", false), "seconds");
	ok(valid("cron(0 12 * * ? *)", false), "noon every day");
	ok(valid("cron(0/15 9-17 ? * MON-FRI *)", false), "steps, ranges and day names");
	ok(valid("cron(0 10 L * ? *)", false), "the last day of the month");
	ok(valid("cron(0 9 ? * 6#3 *)", false), "the third Friday");
	ok(valid("cron(0 9 15W * ? 2026-2030)", false), "the weekday nearest the 15th, some years");
	ok(!valid("cron(0 12 * * * *)", false), "both day fields given");
	ok(!valid("cron(0 12 ? * ? *)", false), "neither day field given");
	ok(!valid("cron(60 12 * * ? *)", false), "a minute of 60");
	ok(!valid("cron(0 12 * * ?)", false), "five fields");
	ok(!valid("cron(0 12 * FOO ? *)", false), "a month that is not one");
	ok(!valid("at(2026-12-01T10:00:00)", false), "at() is not a rule's");
	ok(valid("at(2026-12-01T10:00:00)", true), "but a schedule's");
	ok(!valid("at(2026-12-01 10:00)", true), "at() of another form");
	ok(!valid("every 5 minutes", true), "prose");
	static const char *const bad[] = {
		"rate(10 seconds)",
		"rate(10 years)",
		"rate(1 minutes)",
		"rate(1 days)",
		"rate(10 minute)",
		"rate(10 hour)",
		"rate()",
		"rate(10)",
		"rate(10 minutess)",
		"rate(foo minutes)",
		"rate(-10 minutes)",
		"rate(10 MINUTES)",
		"rate( 10 minutes )",
		" rate(10 minutes)",
		"cron(7 20 * * NOT *)",
		"cron(INVALID)",
		"cron(0 dummy ? * MON-FRI *)",
		"cron(71 8 1 * ? *)",
	};
	int accepted = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (valid(bad[i], false)) {
			printf("# accepted %s\n", bad[i]);
			accepted++;
		}
	is_int(accepted, 0, "every expression EventBridge refuses");
	ok(valid("cron(15 10 ? * 6L 2002-2005)", false), "the last Friday, past years");
	ok(valid("cron(* * ? * SAT#3 *)", false), "every minute of the third Saturday");
	ok(valid("cron(0/5 5 ? JAN 1-5 2022)", false), "January's first five days of the week");
}

TEST(schedule_next__fires_when_aws_would)
{
	is_int(next("rate(5 minutes)", NULL, 0, 0), 300000,
	       "a rate fires a period after it starts");
	is_int(next("rate(5 minutes)", NULL, 0, 300000), 600000, "and every period after");
	is_int(next("cron(0 12 * * ? *)", NULL, 0, NOV27_0530), 1795780800000LL, "today at noon");
	is_int(next("cron(0/15 * * * ? *)", NULL, 0, 1795781220000LL), 1795781700000LL,
	       "the next quarter hour");
	is_int(next("cron(0 18 ? * MON-FRI *)", NULL, 0, 1795806000000LL), 1796061600000LL,
	       "Friday evening's next weekday is Monday");
	is_int(next("cron(0 10 L * ? *)", NULL, 0, NOV27_0530), 1796032800000LL,
	       "the last day of November");
	is_int(next("cron(0 9 ? * 6#3 *)", NULL, 0, NOV27_0530), 1797584400000LL,
	       "the third Friday of December");
	is_int(next("cron(0 0 1 1 ? 2025)", NULL, 0, NOV27_0530), -1, "a year gone");
	is_int(next("at(2026-12-01T09:00:00)", NULL, 0, NOV27_0530), 1796115600000LL, "at()");
	is_int(next("at(2026-12-01T09:00:00)", NULL, 0, 1796115600000LL), -1, "once");
}

TEST(schedule_next__reads_time_zones)
{
	ok(schedule_tz_valid("America/New_York"), "an IANA zone");
	ok(!schedule_tz_valid("Mars/Olympus"), "not one");
	ok(!schedule_tz_valid("../../etc/passwd"), "not a path");
	is_int(next("cron(0 9 * * ? *)", "America/New_York", 0, 1795737600000LL), 1795788000000LL,
	       "nine in New York in November is 14:00 UTC");
	is_int(next("cron(0 9 * * ? *)", "America/New_York", 0, 1782864000000LL), 1782910800000LL,
	       "and 13:00 UTC in July");
	is_int(next("at(2026-12-01T10:00:00)", "Europe/Paris", 0, NOV27_0530), 1796115600000LL,
	       "at() in Paris");
	is_int(next("cron(30 2 * * ? *)", "America/New_York", 0, 1772928000000LL), 1773037800000LL,
	       "a time the change to summer time skips waits for the next day");
	ok(getenv("TZ") == NULL, "TZ is left as it was");
}

int main(void)
{
	RUN(schedule_parse__takes_aws_expressions);
	RUN(schedule_next__fires_when_aws_would);
	RUN(schedule_next__reads_time_zones);
	return done();
}
