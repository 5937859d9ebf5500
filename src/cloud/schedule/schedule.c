/*
 * Schedule expressions: parsing rate(), cron() and at(), and finding the next firing time.
 *
 * A cron's fields become sets of the values they allow (a bit per minute, hour, month, day,
 * year) plus the special days L, W, LW, nL and n#k. The next firing walks days forward in the
 * schedule's time zone and tries the allowed hours and minutes of each matching day. Time
 * zones come from the machine's tz database through mktime() and localtime_r() with TZ set:
 * TZ is process-wide, so every use holds tz_mu and puts TZ back (the cloud reads no other
 * local time).
 */
#include "cloud/schedule/schedule.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "core/xalloc.h"

#define YEAR_MIN 1970
#define YEAR_MAX 2199

enum dom_kind {
	DOM_ANY, /* ? */
	DOM_SET,
	DOM_LAST,         /* L */
	DOM_LAST_WEEKDAY, /* LW */
	DOM_NEAR_WEEKDAY, /* nW */
};

enum dow_kind {
	DOW_ANY,
	DOW_SET,
	DOW_LAST_OF, /* nL: the last day n of the month */
	DOW_NTH,     /* n#k: the k-th day n of the month */
};

struct schedule {
	enum schedule_kind kind;
	int64_t period_ms; /* rate */
	int at[6];         /* at: y m d h min s */
	/* cron */
	bool minutes[60], hours[24], months[13], doms[32], dows[8];
	bool years[YEAR_MAX - YEAR_MIN + 1];
	enum dom_kind dom;
	int dom_n;
	enum dow_kind dow;
	int dow_n, dow_k;
};

static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;

static bool fail(char *why, size_t n, const char *msg)
{
	snprintf(why, n, "%s", msg);
	return false;
}

static bool parse_rate(const char *body, struct schedule *s, char *why, size_t n)
{
	char unit[16], extra;
	long value;
	if (sscanf(body, "%ld %15[a-z]%c", &value, unit, &extra) != 3 || extra != ')' ||
	    !isdigit((unsigned char)body[0]) || strchr(body, ')')[1] != '\0')
		return fail(why, n, "the rate is not of the form rate(value unit)");
	if (value < 1 || value > 100000000)
		return fail(why, n, "the rate's value must be a positive integer");
	static const struct {
		const char *singular, *plural;
		int64_t ms;
	} units[] = { { "minute", "minutes", 60000 },
		      { "hour", "hours", 3600000 },
		      { "day", "days", 86400000 } };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, value == 1 ? units[i].singular : units[i].plural) == 0) {
			s->period_ms = value * units[i].ms;
			return true;
		}
	}
	return fail(why, n,
		    value == 1 ? "the rate's unit must be minute, hour or day for a value of 1"
			       : "the rate's unit must be minutes, hours or days");
}

static const char *const month_names[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
					   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
static const char *const day_names[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

/* A value of a field: digits, or a name (months and days of the week). */
static bool field_value(const char **p, const char *const *names, int nnames, int first, int *out)
{
	if (isdigit((unsigned char)**p)) {
		long v = 0;
		int digits = 0;
		while (isdigit((unsigned char)**p) && digits < 6) {
			v = v * 10 + (**p - '0');
			(*p)++;
			digits++;
		}
		*out = (int)v;
		return !isdigit((unsigned char)**p);
	}
	for (int i = 0; names && i < nnames; i++)
		if (strncasecmp(*p, names[i], 3) == 0) {
			*out = first + i;
			*p += 3;
			return true;
		}
	return false;
}

/* A field's list of *, values, ranges and steps into set[v - base] for v in lo..hi. */
static bool parse_set(const char *f, int lo, int hi, const char *const *names, int nnames,
		      bool *set, int base)
{
	const char *p = f;
	for (;;) {
		int a, b, step = 1;
		bool star = *p == '*';
		if (star) {
			a = lo;
			b = hi;
			p++;
		} else {
			if (!field_value(&p, names, nnames, lo, &a))
				return false;
			b = a;
			if (*p == '-') {
				p++;
				if (!field_value(&p, names, nnames, lo, &b))
					return false;
			}
		}
		if (*p == '/') {
			p++;
			if (!field_value(&p, NULL, 0, 0, &step) || step < 1)
				return false;
			if (b == a && !star)
				b = hi; /* "0/15": from 0 to the end, every 15 */
		}
		if (a < lo || b > hi || a > b)
			return false;
		for (int v = a; v <= b; v += step)
			set[v - base] = true;
		if (*p == '\0')
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

static bool parse_cron(const char *body, struct schedule *s, char *why, size_t n)
{
	char *copy = xstrdup(body), *fields[7], *save = NULL;
	int nf = 0;
	size_t len = strlen(copy);
	bool ok = false;
	if (len == 0 || copy[len - 1] != ')') {
		fail(why, n, "the cron expression does not end with )");
		goto done;
	}
	copy[len - 1] = '\0';
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (nf == 7)
			break;
		fields[nf++] = t;
	}
	if (nf != 6) {
		fail(why, n, "a cron expression has six fields");
		goto done;
	}
	const char *dom = fields[2], *dow = fields[4];
	if (!parse_set(fields[0], 0, 59, NULL, 0, s->minutes, 0) ||
	    !parse_set(fields[1], 0, 23, NULL, 0, s->hours, 0) ||
	    !parse_set(fields[3], 1, 12, month_names, 12, s->months, 0) ||
	    !parse_set(fields[5], YEAR_MIN, YEAR_MAX, NULL, 0, s->years, YEAR_MIN)) {
		fail(why, n, "a field of the cron expression is not valid");
		goto done;
	}
	if ((strcmp(dom, "?") == 0) == (strcmp(dow, "?") == 0)) {
		fail(why, n, "one of the day-of-month and day-of-week fields must be ?");
		goto done;
	}
	/* Day of month. */
	int v;
	const char *p = dom;
	if (strcmp(dom, "?") == 0) {
		s->dom = DOM_ANY;
	} else if (strcmp(dom, "L") == 0) {
		s->dom = DOM_LAST;
	} else if (strcmp(dom, "LW") == 0) {
		s->dom = DOM_LAST_WEEKDAY;
	} else if (field_value(&p, NULL, 0, 0, &v) && strcmp(p, "W") == 0) {
		if (v < 1 || v > 31) {
			fail(why, n, "the day of month is out of range");
			goto done;
		}
		s->dom = DOM_NEAR_WEEKDAY;
		s->dom_n = v;
	} else if (parse_set(dom, 1, 31, NULL, 0, s->doms, 0)) {
		s->dom = DOM_SET;
	} else {
		fail(why, n, "the day-of-month field is not valid");
		goto done;
	}
	/* Day of week. */
	p = dow;
	int k;
	if (strcmp(dow, "?") == 0) {
		s->dow = DOW_ANY;
	} else if (field_value(&p, day_names, 7, 1, &v) && strcmp(p, "L") == 0 && v >= 1 &&
		   v <= 7) {
		s->dow = DOW_LAST_OF;
		s->dow_n = v;
	} else if ((p = dow, field_value(&p, day_names, 7, 1, &v)) && *p == '#' &&
		   (p++, field_value(&p, NULL, 0, 0, &k)) && !*p && v >= 1 && v <= 7 && k >= 1 &&
		   k <= 5) {
		s->dow = DOW_NTH;
		s->dow_n = v;
		s->dow_k = k;
	} else if (parse_set(dow, 1, 7, day_names, 7, s->dows, 0)) {
		s->dow = DOW_SET;
	} else {
		fail(why, n, "the day-of-week field is not valid");
		goto done;
	}
	ok = true;
done:
	free(copy);
	return ok;
}

static bool parse_at(const char *body, struct schedule *s, char *why, size_t n)
{
	int *a = s->at;
	char tail;
	if (sscanf(body, "%4d-%2d-%2dT%2d:%2d:%2d%c", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5],
		   &tail) != 7 ||
	    tail != ')' || strlen(body) != 20)
		return fail(why, n, "at() takes a date and time yyyy-mm-ddThh:mm:ss");
	if (a[1] < 1 || a[1] > 12 || a[2] < 1 || a[2] > 31 || a[3] > 23 || a[4] > 59 || a[5] > 59)
		return fail(why, n, "at() takes a date and time yyyy-mm-ddThh:mm:ss");
	return true;
}

struct schedule *schedule_parse(const char *text, bool allow_at, char *why, size_t n)
{
	struct schedule *s = xcalloc(1, sizeof(*s));
	bool ok = false;
	if (!text)
		fail(why, n, "no schedule expression");
	else if (strncmp(text, "rate(", 5) == 0)
		s->kind = SCHEDULE_RATE, ok = parse_rate(text + 5, s, why, n);
	else if (strncmp(text, "cron(", 5) == 0)
		s->kind = SCHEDULE_CRON, ok = parse_cron(text + 5, s, why, n);
	else if (allow_at && strncmp(text, "at(", 3) == 0)
		s->kind = SCHEDULE_AT, ok = parse_at(text + 3, s, why, n);
	else
		fail(why, n,
		     allow_at ? "a schedule expression is at(), rate() or cron()"
			      : "a schedule expression is rate() or cron()");
	if (!ok) {
		free(s);
		return NULL;
	}
	return s;
}

void schedule_free(struct schedule *s)
{
	free(s);
}

enum schedule_kind schedule_kind(const struct schedule *s)
{
	return s->kind;
}

int64_t schedule_period_ms(const struct schedule *s)
{
	return s->kind == SCHEDULE_RATE ? s->period_ms : 0;
}

bool schedule_tz_valid(const char *tz)
{
	if (!tz || !tz[0] || strlen(tz) > 64 || tz[0] == '/' || strstr(tz, ".."))
		return false;
	for (const char *p = tz; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
			return false;
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* --- civil dates --- */

static bool utc_zone(const char *tz)
{
	return !tz || !tz[0] || strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0;
}

/* Days since 1970-01-01 of a date, and back (Howard Hinnant's algorithms). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* 1 = Sunday ... 7 = Saturday, as cron counts. */
static int weekday(int64_t days)
{
	return (int)(((days % 7) + 7 + 4) % 7) + 1; /* 1970-01-01 was a Thursday */
}

/* The weekday (Monday to Friday) nearest day d of the month, not leaving the month. */
static int nearest_weekday(int y, int m, int d)
{
	int last = month_days(y, m);
	if (d > last)
		d = last;
	int wd = weekday(days_from_civil(y, m, d));
	if (wd == 7)
		return d == 1 ? d + 2 : d - 1;
	if (wd == 1)
		return d == last ? d - 2 : d + 1;
	return d;
}

static bool day_matches(const struct schedule *s, int y, int m, int d)
{
	if (y < YEAR_MIN || y > YEAR_MAX || !s->years[y - YEAR_MIN] || !s->months[m])
		return false;
	int64_t days = days_from_civil(y, m, d);
	int wd = weekday(days), last = month_days(y, m);
	switch (s->dom) {
	case DOM_ANY:
		break;
	case DOM_SET:
		if (!s->doms[d])
			return false;
		break;
	case DOM_LAST:
		if (d != last)
			return false;
		break;
	case DOM_LAST_WEEKDAY:
		if (d != nearest_weekday(y, m, last))
			return false;
		break;
	case DOM_NEAR_WEEKDAY:
		if (s->dom_n > last || d != nearest_weekday(y, m, s->dom_n))
			return false;
		break;
	}
	switch (s->dow) {
	case DOW_ANY:
		return true;
	case DOW_SET:
		return s->dows[wd];
	case DOW_LAST_OF:
		return wd == s->dow_n && d + 7 > last;
	case DOW_NTH:
		return wd == s->dow_n && (d - 1) / 7 + 1 == s->dow_k;
	}
	return false;
}

/* --- time zones --- */

/* Epoch seconds of a local wall time in tz; false when that time does not exist there. */
static bool local_to_utc(const char *tz, int y, int m, int d, int h, int min, int sec, int64_t *out)
{
	struct tm tm = { .tm_year = y - 1900,
			 .tm_mon = m - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = min,
			 .tm_sec = sec,
			 .tm_isdst = -1 };
	if (utc_zone(tz)) {
		*out = (int64_t)timegm(&tm);
		return true;
	}
	pthread_mutex_lock(&tz_mu);
	char *old = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	setenv("TZ", tz, 1);
	tzset();
	time_t t = mktime(&tm);
	/* mktime() moves a time a DST change skips; such a time does not exist. */
	bool exists = t != (time_t)-1 && tm.tm_hour == h && tm.tm_min == min && tm.tm_mday == d;
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	pthread_mutex_unlock(&tz_mu);
	free(old);
	*out = (int64_t)t;
	return exists;
}

/* The local date of an instant in tz. */
static void utc_to_local_day(const char *tz, int64_t secs, int *y, int *m, int *d)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if (utc_zone(tz)) {
		gmtime_r(&t, &tm);
	} else {
		pthread_mutex_lock(&tz_mu);
		char *old = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
		setenv("TZ", tz, 1);
		tzset();
		localtime_r(&t, &tm);
		if (old)
			setenv("TZ", old, 1);
		else
			unsetenv("TZ");
		tzset();
		pthread_mutex_unlock(&tz_mu);
		free(old);
	}
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

int64_t schedule_next(const struct schedule *s, const char *tz, int64_t start_ms, int64_t after_ms)
{
	if (s->kind == SCHEDULE_RATE) {
		if (after_ms < start_ms)
			return start_ms + s->period_ms;
		int64_t k = (after_ms - start_ms) / s->period_ms + 1;
		return start_ms + k * s->period_ms;
	}
	if (s->kind == SCHEDULE_AT) {
		int64_t t;
		if (!local_to_utc(tz, s->at[0], s->at[1], s->at[2], s->at[3], s->at[4], s->at[5],
				  &t))
			return -1;
		return t * 1000 > after_ms ? t * 1000 : -1;
	}
	int y, m, d;
	int64_t after_s = after_ms >= 0 ? after_ms / 1000 : 0;
	utc_to_local_day(tz, after_s, &y, &m, &d);
	int64_t day = days_from_civil(y, m, d);
	/* A cron that matches at all does so within a few years; look up to the end of its
	 * last year. */
	int64_t end = days_from_civil(YEAR_MAX + 1, 1, 1);
	for (int64_t n = 0; day < end && n < 366 * 30; day++, n++) {
		civil_from_days(day, &y, &m, &d);
		if (y < YEAR_MIN || !s->years[y - YEAR_MIN]) {
			/* Skip to the next allowed year. */
			int ny = y + 1;
			while (ny <= YEAR_MAX && !s->years[ny - YEAR_MIN])
				ny++;
			if (ny > YEAR_MAX)
				return -1;
			day = days_from_civil(ny, 1, 1) - 1;
			continue;
		}
		if (!day_matches(s, y, m, d))
			continue;
		for (int h = 0; h < 24; h++) {
			if (!s->hours[h])
				continue;
			for (int min = 0; min < 60; min++) {
				int64_t t;
				if (s->minutes[min] && local_to_utc(tz, y, m, d, h, min, 0, &t) &&
				    t * 1000 > after_ms)
					return t * 1000;
			}
		}
	}
	return -1;
}
