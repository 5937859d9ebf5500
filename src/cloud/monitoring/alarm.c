/*
 * CloudWatch alarms: metric alarms (on a metric and a statistic, or on a metric math
 * expression) and composite alarms (a rule over other alarms' states), their operations, and
 * their evaluation on the virtual clock.
 *
 * Every minute (every 10 seconds for a high-resolution alarm) the evaluator looks at each
 * alarm's evaluation range: the last r periods before the tick, r = n + max(n / 3, 2) for n
 * evaluation periods (five for three, as CloudWatch's documented examples retrieve), and
 * decides its state by CloudWatch's rules for M out of N and missing data (cw_alarm_decide).
 * A change of state is recorded in the alarm's history, runs its actions (an SNS topic gets
 * CloudWatch's notification, a function the alarm's event), and re-evaluates the composite
 * alarms that name it. A clock stepped over many minutes is evaluated minute by minute, up to
 * a day of them.
 *
 * One file: the operations, the evaluator and the notifications share the alarm records and
 * their texts.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/metrics/metrics.h"
#include "cloud/monitoring/cw.h"
#include "cloud/state.h"
#include "cloud/svc/deliver.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "core/xalloc.h"

#define ALARMS_MAX      5000
#define HISTORY_KEEP_MS (14LL * 86400 * 1000)
#define TICKS_MAX       1440
#define REGION_TITLE    "US East (N. Virginia)"

struct alarm {
	char account[13];
	char *name;
	bool composite;
	cJSON *cfg; /* as put: the input of PutMetricAlarm or PutCompositeAlarm */
	char state[24];
	char *reason, *reason_data;
	long long state_updated, state_transitioned, config_updated;
	bool actions_enabled;
	cJSON *tags;
};

static void alarm_free(void *p)
{
	struct alarm *a = p;
	if (!a)
		return;
	free(a->name);
	cJSON_Delete(a->cfg);
	free(a->reason);
	free(a->reason_data);
	cJSON_Delete(a->tags);
	free(a);
}

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *name, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void alarm_arn(const char *account, const char *name, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:cloudwatch:" AWS_REGION_NAME ":%s:alarm:%s", account, name);
}

/* "2023-03-10T10:06:00.123+0000", as alarm data write times. */
static void time_plus0000(long long ms, char out[40])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	tm.tm_year %= 10000;
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)((ms % 1000 + 1000) % 1000));
}

/* "10/03/23 10:05:00", as state reasons write them. */
static void time_reason(long long ms, char out[32])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(out, 32, "%02d/%02d/%02d %02d:%02d:%02d", tm.tm_mday, tm.tm_mon + 1,
		 tm.tm_year % 100, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A number as CloudWatch's texts print it (Java's Double.toString). */
static void num_text(char *out, size_t n, double v)
{
	if (isnan(v)) {
		snprintf(out, n, "NaN");
		return;
	}
	double a = fabs(v);
	if (a == 0 || (a >= 1e-3 && a < 1e7)) {
		snprintf(out, n, "%.15g", v);
		if (!strchr(out, '.') && !strchr(out, 'e'))
			strncat(out, ".0", n - strlen(out) - 1);
		return;
	}
	int e = (int)floor(log10(a));
	char m[48];
	snprintf(m, sizeof(m), "%.15g", v / pow(10, e));
	if (!strchr(m, '.'))
		strncat(m, ".0", sizeof(m) - strlen(m) - 1);
	snprintf(out, n, "%sE%d", m, e);
}

/* Records. */

static struct alarm *alarm_row(sqlite3_stmt *st)
{
	struct alarm *a = xcalloc(1, sizeof(*a));
	snprintf(a->account, sizeof(a->account), "%s", (const char *)sqlite3_column_text(st, 0));
	a->name = xstrdup((const char *)sqlite3_column_text(st, 1));
	a->composite = sqlite3_column_int(st, 2) != 0;
	a->cfg = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
	if (!a->cfg)
		a->cfg = cJSON_CreateObject();
	snprintf(a->state, sizeof(a->state), "%s", (const char *)sqlite3_column_text(st, 4));
	a->reason = xstrdup((const char *)sqlite3_column_text(st, 5));
	if (sqlite3_column_type(st, 6) != SQLITE_NULL)
		a->reason_data = xstrdup((const char *)sqlite3_column_text(st, 6));
	a->state_updated = sqlite3_column_int64(st, 7);
	a->state_transitioned = sqlite3_column_int64(st, 8);
	a->config_updated = sqlite3_column_int64(st, 9);
	a->actions_enabled = sqlite3_column_int(st, 10) != 0;
	a->tags = cJSON_Parse((const char *)sqlite3_column_text(st, 11));
	if (!a->tags)
		a->tags = cJSON_CreateArray();
	return a;
}

#define ALARM_COLUMNS                                                                  \
	"account, name, composite, config, state, reason, reason_data, state_updated," \
	" state_transitioned, config_updated, actions_enabled, tags"

/* The alarms of account (every account's when NULL), by name. Caller frees them. */
static void alarms_load(struct cw_svc *s, const char *account, struct vec *out)
{
	struct cloud_db *db = s->c->db;
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	if (sqlite3_prepare_v2(db->db,
			       "SELECT " ALARM_COLUMNS " FROM cw_alarms WHERE ?1 IS NULL OR"
			       " account = ?1 ORDER BY account, name",
			       -1, &st, NULL) == SQLITE_OK) {
		if (account)
			sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			vec_push(out, alarm_row(st));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->mu);
}

static struct alarm *alarm_find(struct cw_svc *s, const char *account, const char *name)
{
	struct cloud_db *db = s->c->db;
	sqlite3_stmt *st = NULL;
	struct alarm *a = NULL;
	pthread_mutex_lock(&db->mu);
	if (sqlite3_prepare_v2(db->db,
			       "SELECT " ALARM_COLUMNS
			       " FROM cw_alarms WHERE account = ? AND name = ?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			a = alarm_row(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->mu);
	return a;
}

static void alarm_save(struct cw_svc *s, const struct alarm *a)
{
	struct cloud_db *db = s->c->db;
	sqlite3_stmt *st = NULL;
	char *cfg = cJSON_PrintUnformatted(a->cfg);
	char *tags = cJSON_PrintUnformatted(a->tags);
	pthread_mutex_lock(&db->mu);
	if (sqlite3_prepare_v2(db->db,
			       "INSERT OR REPLACE INTO cw_alarms(" ALARM_COLUMNS ")"
			       " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, a->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, a->composite);
		sqlite3_bind_text(st, 4, cfg, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, a->state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, a->reason ? a->reason : "", -1, SQLITE_STATIC);
		if (a->reason_data)
			sqlite3_bind_text(st, 7, a->reason_data, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
		sqlite3_bind_int64(st, 8, a->state_updated);
		sqlite3_bind_int64(st, 9, a->state_transitioned);
		sqlite3_bind_int64(st, 10, a->config_updated);
		sqlite3_bind_int(st, 11, a->actions_enabled);
		sqlite3_bind_text(st, 12, tags, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->mu);
	free(cfg);
	free(tags);
}

static void history_add(struct cw_svc *s, const struct alarm *a, long long ts, const char *type,
			const char *summary, const cJSON *data)
{
	struct cloud_db *db = s->c->db;
	sqlite3_stmt *st = NULL;
	char *text = cJSON_PrintUnformatted(data);
	pthread_mutex_lock(&db->mu);
	if (sqlite3_prepare_v2(db->db,
			       "INSERT INTO cw_alarm_history(account, name, composite, ts, type,"
			       " summary, data) VALUES(?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, a->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, a->composite);
		sqlite3_bind_int64(st, 4, ts);
		sqlite3_bind_text(st, 5, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, summary, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, text, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	/* CloudWatch keeps two weeks of history. */
	if (sqlite3_prepare_v2(db->db, "DELETE FROM cw_alarm_history WHERE ts < ?", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, ts - HISTORY_KEEP_MS);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->mu);
	free(text);
}

/* The alarm as DescribeAlarms shows it. */
static cJSON *alarm_json(const struct alarm *a)
{
	cJSON *o = cJSON_CreateObject();
	char arn[400];
	alarm_arn(a->account, a->name, arn, sizeof(arn));
	cJSON_AddStringToObject(o, "AlarmName", a->name);
	cJSON_AddStringToObject(o, "AlarmArn", arn);
	const char *desc = jstr(a->cfg, "AlarmDescription");
	if (desc)
		cJSON_AddStringToObject(o, "AlarmDescription", desc);
	cJSON_AddNumberToObject(o, "AlarmConfigurationUpdatedTimestamp",
				(double)a->config_updated / 1000.0);
	cJSON_AddBoolToObject(o, "ActionsEnabled", a->actions_enabled);
	static const char *const lists[] = { "OKActions", "AlarmActions",
					     "InsufficientDataActions" };
	for (size_t i = 0; i < 3; i++) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(a->cfg, lists[i]);
		cJSON_AddItemToObject(o, lists[i],
				      l ? cJSON_Duplicate(l, true) : cJSON_CreateArray());
	}
	cJSON_AddStringToObject(o, "StateValue", a->state);
	cJSON_AddStringToObject(o, "StateReason", a->reason ? a->reason : "");
	if (a->reason_data)
		cJSON_AddStringToObject(o, "StateReasonData", a->reason_data);
	cJSON_AddNumberToObject(o, "StateUpdatedTimestamp", (double)a->state_updated / 1000.0);
	if (a->composite) {
		cJSON_AddStringToObject(o, "AlarmRule", jstr(a->cfg, "AlarmRule"));
		cJSON_AddNumberToObject(o, "StateTransitionedTimestamp",
					(double)a->state_transitioned / 1000.0);
		return o;
	}
	static const char *const copy[] = { "MetricName",
					    "Namespace",
					    "Statistic",
					    "ExtendedStatistic",
					    "Dimensions",
					    "Period",
					    "Unit",
					    "EvaluationPeriods",
					    "DatapointsToAlarm",
					    "Threshold",
					    "ComparisonOperator",
					    "TreatMissingData",
					    "EvaluateLowSampleCountPercentile",
					    "Metrics",
					    "ThresholdMetricId" };
	for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(a->cfg, copy[i]);
		if (v)
			cJSON_AddItemToObject(o, copy[i], cJSON_Duplicate(v, true));
		else if (strcmp(copy[i], "Dimensions") == 0 &&
			 !cJSON_GetObjectItemCaseSensitive(a->cfg, "Metrics"))
			cJSON_AddArrayToObject(o, "Dimensions");
	}
	cJSON_AddNumberToObject(o, "StateTransitionedTimestamp",
				(double)a->state_transitioned / 1000.0);
	return o;
}

/* Decisions. */

size_t cw_alarm_range(int n)
{
	int extra = n / 3 > 2 ? n / 3 : 2;
	return (size_t)(n + extra);
}

static bool breaches(const char *op, double v, double threshold)
{
	if (strcmp(op, "GreaterThanOrEqualToThreshold") == 0)
		return v >= threshold;
	if (strcmp(op, "GreaterThanThreshold") == 0)
		return v > threshold;
	if (strcmp(op, "LessThanThreshold") == 0)
		return v < threshold;
	if (strcmp(op, "LessThanOrEqualToThreshold") == 0)
		return v <= threshold;
	return false;
}

enum cw_decision cw_alarm_decide(const double *v, size_t r, int n, int m, const char *op,
				 double threshold, const char *treat, bool *used, int *filled)
{
	size_t real = 0;
	for (size_t i = 0; i < r; i++) {
		used[i] = false;
		real += !isnan(v[i]);
	}
	*filled = 0;
	const char *t = treat && treat[0] ? treat : "missing";
	bool breaching = strcmp(t, "breaching") == 0,
	     not_breaching = strcmp(t, "notBreaching") == 0;
	if (real == 0) {
		if (breaching || not_breaching)
			*filled = n;
		return breaching                  ? (m <= n ? CW_DECIDE_ALARM : CW_DECIDE_OK)
		       : not_breaching            ? CW_DECIDE_OK
		       : strcmp(t, "ignore") == 0 ? CW_DECIDE_KEEP
						  : CW_DECIDE_INSUFFICIENT;
	}
	int b = 0, nb = 0;
	if (real >= (size_t)n) {
		/* Enough real datapoints: the n most recent of them. */
		int taken = 0;
		for (size_t i = r; i-- > 0 && taken < n;) {
			if (isnan(v[i]))
				continue;
			used[i] = true;
			taken++;
			if (breaches(op, v[i], threshold))
				b++;
		}
		return b >= m ? CW_DECIDE_ALARM : CW_DECIDE_OK;
	}
	/* Fewer: every real datapoint of the range counts, and as few filled ones as needed. */
	size_t oldest = r;
	for (size_t i = 0; i < r; i++) {
		if (isnan(v[i]))
			continue;
		used[i] = true;
		if (oldest == r)
			oldest = i;
		if (breaches(op, v[i], threshold))
			b++;
		else
			nb++;
	}
	if (breaching || not_breaching) {
		*filled = n - (int)real;
		if (breaching)
			b += *filled;
		return b >= m ? CW_DECIDE_ALARM : CW_DECIDE_OK;
	}
	if (b >= m)
		return CW_DECIDE_ALARM;
	if (nb > 0)
		return CW_DECIDE_OK;
	/* Only breaching datapoints, too few: the alarm goes to ALARM once the oldest of them is
	 * at least m periods old (missing data treated as missing), else it waits. */
	bool missing = strcmp(t, "missing") == 0;
	if (missing && r - oldest >= (size_t)m)
		return CW_DECIDE_ALARM;
	return missing ? CW_DECIDE_INSUFFICIENT : CW_DECIDE_KEEP;
}

/* Texts of a decision. */

static const char *op_words(const char *op)
{
	if (strcmp(op, "GreaterThanOrEqualToThreshold") == 0)
		return "greater than or equal to";
	if (strcmp(op, "GreaterThanThreshold") == 0)
		return "greater than";
	if (strcmp(op, "LessThanThreshold") == 0)
		return "less than";
	return "less than or equal to";
}

struct evaluation {
	long long tick, period; /* ms */
	size_t r;
	double *values;
	double *counts; /* sample counts (a metric's own statistic), NaN when unknown */
	bool *used;
	int filled;
	bool low_samples;
};

static void evaluation_release(struct evaluation *e)
{
	free(e->values);
	free(e->counts);
	free(e->used);
}

static long long slot_time(const struct evaluation *e, size_t i)
{
	return e->tick - (long long)(e->r - i) * e->period;
}

static void reason_text(const struct alarm *a, const struct evaluation *e, enum cw_decision d,
			struct strbuf *sb)
{
	int n = (int)jnum(a->cfg, "EvaluationPeriods", 1);
	int m = (int)jnum(a->cfg, "DatapointsToAlarm", n);
	const char *op = jstr(a->cfg, "ComparisonOperator");
	double threshold = jnum(a->cfg, "Threshold", 0);
	char th[48];
	num_text(th, sizeof(th), threshold);
	const char *treat = jstr(a->cfg, "TreatMissingData");
	size_t real = 0;
	for (size_t i = 0; i < e->r; i++)
		real += e->used[i];
	if (d == CW_DECIDE_INSUFFICIENT) {
		strbuf_addf(sb, "Insufficient Data: %d datapoint%s unknown.", n,
			    n == 1 ? " was" : "s were");
		return;
	}
	if (real == 0) {
		strbuf_addf(sb,
			    "Threshold Crossed: no datapoints were received for %d period%s and %d "
			    "missing datapoint%s treated as [%s].",
			    n, n == 1 ? "" : "s", n, n == 1 ? " was" : "s were",
			    treat && strcmp(treat, "breaching") == 0 ? "Breaching"
								     : "NonBreaching");
		return;
	}
	bool alarm = d == CW_DECIDE_ALARM;
	/* The datapoints that made the decision, newest first. */
	int k = 0;
	struct strbuf list = STRBUF_INIT;
	for (size_t i = e->r; i-- > 0;) {
		if (!e->used[i] || breaches(op, e->values[i], threshold) != alarm)
			continue;
		char v[48], when[32];
		num_text(v, sizeof(v), e->values[i]);
		time_reason(slot_time(e, i), when);
		strbuf_addf(&list, "%s%s (%s)", k ? ", " : "", v, when);
		k++;
	}
	int total = (int)real + e->filled;
	if (e->filled && treat && (strcmp(treat, "breaching") == 0) == alarm)
		k += e->filled;
	if (total == 1)
		strbuf_addf(sb, "Threshold Crossed: 1 datapoint [%s] was %s%s the threshold (%s).",
			    list.buf ? list.buf : "", alarm ? "" : "not ", op_words(op), th);
	else
		strbuf_addf(sb,
			    "Threshold Crossed: %d out of the last %d datapoints [%s] %s %s%s the "
			    "threshold (%s) (minimum %d datapoint%s for %s transition).",
			    k, total, list.buf ? list.buf : "", k == 1 ? "was" : "were",
			    alarm ? "" : "not ", op_words(op), th, alarm ? m : 1,
			    (alarm ? m : 1) == 1 ? "" : "s", alarm ? "OK -> ALARM" : "ALARM -> OK");
	strbuf_release(&list);
}

static char *reason_data(const struct alarm *a, const struct evaluation *e, long long now)
{
	cJSON *o = cJSON_CreateObject();
	char when[40];
	cJSON_AddStringToObject(o, "version", "1.0");
	time_plus0000(now, when);
	cJSON_AddStringToObject(o, "queryDate", when);
	size_t first = e->r;
	for (size_t i = 0; i < e->r; i++)
		if (e->used[i] && first == e->r)
			first = i;
	time_plus0000(first < e->r ? slot_time(e, first) : e->tick - e->period, when);
	cJSON_AddStringToObject(o, "startDate", when);
	const char *stat = jstr(a->cfg, "Statistic");
	const char *xstat = jstr(a->cfg, "ExtendedStatistic");
	if (stat || xstat)
		cJSON_AddStringToObject(o, "statistic", stat ? stat : xstat);
	if (jstr(a->cfg, "Unit"))
		cJSON_AddStringToObject(o, "unit", jstr(a->cfg, "Unit"));
	cJSON_AddNumberToObject(o, "period", (double)(e->period / 1000));
	cJSON *recent = cJSON_AddArrayToObject(o, "recentDatapoints");
	cJSON *evald = cJSON_AddArrayToObject(o, "evaluatedDatapoints");
	for (size_t i = e->r; i-- > 0;) {
		if (!e->used[i])
			continue;
		cJSON *p = cJSON_CreateObject();
		time_plus0000(slot_time(e, i), when);
		cJSON_AddStringToObject(p, "timestamp", when);
		if (!isnan(e->counts[i]))
			cJSON_AddNumberToObject(p, "sampleCount", e->counts[i]);
		cJSON_AddNumberToObject(p, "value", e->values[i]);
		cJSON_AddItemToArray(evald, p);
	}
	for (size_t i = 0; i < e->r; i++)
		if (e->used[i])
			cJSON_AddItemToArray(recent, cJSON_CreateNumber(e->values[i]));
	cJSON_AddNumberToObject(o, "threshold", jnum(a->cfg, "Threshold", 0));
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Actions. */

/* The alarm's notification, as CloudWatch publishes it to SNS. */
static char *notification(const struct alarm *a, const char *old_state, long long now,
			  const cJSON *children)
{
	cJSON *o = cJSON_CreateObject();
	char arn[400], when[40];
	alarm_arn(a->account, a->name, arn, sizeof(arn));
	cJSON_AddStringToObject(o, "AlarmName", a->name);
	const char *desc = jstr(a->cfg, "AlarmDescription");
	if (desc)
		cJSON_AddStringToObject(o, "AlarmDescription", desc);
	else
		cJSON_AddNullToObject(o, "AlarmDescription");
	cJSON_AddStringToObject(o, "AWSAccountId", a->account);
	time_plus0000(a->config_updated, when);
	cJSON_AddStringToObject(o, "AlarmConfigurationUpdatedTimestamp", when);
	cJSON_AddStringToObject(o, "NewStateValue", a->state);
	cJSON_AddStringToObject(o, "NewStateReason", a->reason ? a->reason : "");
	time_plus0000(now, when);
	cJSON_AddStringToObject(o, "StateChangeTime", when);
	cJSON_AddStringToObject(o, "Region", REGION_TITLE);
	cJSON_AddStringToObject(o, "AlarmArn", arn);
	cJSON_AddStringToObject(o, "OldStateValue", old_state);
	static const char *const lists[] = { "OKActions", "AlarmActions",
					     "InsufficientDataActions" };
	for (size_t i = 0; i < 3; i++) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(a->cfg, lists[i]);
		cJSON_AddItemToObject(o, lists[i],
				      l ? cJSON_Duplicate(l, true) : cJSON_CreateArray());
	}
	if (a->composite) {
		cJSON_AddStringToObject(o, "AlarmRule", jstr(a->cfg, "AlarmRule"));
		cJSON_AddItemToObject(o, "TriggeringChildren",
				      children ? cJSON_Duplicate(children, true)
					       : cJSON_CreateArray());
	} else {
		cJSON *t = cJSON_AddObjectToObject(o, "Trigger");
		const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(a->cfg, "Metrics");
		if (!metrics) {
			cJSON_AddStringToObject(t, "MetricName", jstr(a->cfg, "MetricName"));
			cJSON_AddStringToObject(t, "Namespace", jstr(a->cfg, "Namespace"));
			const char *stat = jstr(a->cfg, "Statistic");
			if (stat) {
				cJSON_AddStringToObject(t, "StatisticType", "Statistic");
				char up[32];
				size_t k = 0;
				/* SampleCount -> SAMPLE_COUNT, as the notification writes it. */
				for (const char *p = stat; *p && k + 2 < sizeof(up); p++) {
					if (p != stat && isupper((unsigned char)*p))
						up[k++] = '_';
					up[k++] = (char)toupper((unsigned char)*p);
				}
				up[k] = '\0';
				cJSON_AddStringToObject(t, "Statistic", up);
			} else {
				cJSON_AddStringToObject(t, "StatisticType", "ExtendedStatistic");
				cJSON_AddStringToObject(t, "ExtendedStatistic",
							jstr(a->cfg, "ExtendedStatistic"));
			}
			const char *unit = jstr(a->cfg, "Unit");
			if (unit)
				cJSON_AddStringToObject(t, "Unit", unit);
			else
				cJSON_AddNullToObject(t, "Unit");
			cJSON *dims = cJSON_AddArrayToObject(t, "Dimensions");
			const cJSON *d;
			cJSON_ArrayForEach(d,
					   cJSON_GetObjectItemCaseSensitive(a->cfg, "Dimensions"))
			{
				cJSON *x = cJSON_CreateObject();
				cJSON_AddStringToObject(x, "value", jstr(d, "Value"));
				cJSON_AddStringToObject(x, "name", jstr(d, "Name"));
				cJSON_AddItemToArray(dims, x);
			}
			cJSON_AddNumberToObject(t, "Period", jnum(a->cfg, "Period", 60));
		} else {
			cJSON_AddItemToObject(t, "Metrics", cJSON_Duplicate(metrics, true));
			const cJSON *first = NULL, *q;
			cJSON_ArrayForEach(q, metrics)
			{
				const cJSON *ms = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
				if (ms && !first)
					first = ms;
			}
			cJSON_AddNumberToObject(t, "Period", jnum(first, "Period", 60));
		}
		int n = (int)jnum(a->cfg, "EvaluationPeriods", 1);
		cJSON_AddNumberToObject(t, "EvaluationPeriods", n);
		cJSON_AddNumberToObject(t, "DatapointsToAlarm",
					jnum(a->cfg, "DatapointsToAlarm", n));
		cJSON_AddStringToObject(t, "ComparisonOperator",
					jstr(a->cfg, "ComparisonOperator"));
		cJSON_AddNumberToObject(t, "Threshold", jnum(a->cfg, "Threshold", 0));
		const char *treat = jstr(a->cfg, "TreatMissingData");
		cJSON_AddStringToObject(t, "TreatMissingData", treat ? treat : "missing");
		const char *low = jstr(a->cfg, "EvaluateLowSampleCountPercentile");
		cJSON_AddStringToObject(t, "EvaluateLowSampleCountPercentile", low ? low : "");
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* The event a function gets as an alarm's action. */
static char *lambda_event(const struct alarm *a, const char *old_state, const char *old_reason,
			  long long old_ts, long long now)
{
	cJSON *o = cJSON_CreateObject();
	char arn[400], when[40];
	alarm_arn(a->account, a->name, arn, sizeof(arn));
	cJSON_AddStringToObject(o, "source", "aws.cloudwatch");
	cJSON_AddStringToObject(o, "alarmArn", arn);
	cJSON_AddStringToObject(o, "accountId", a->account);
	time_plus0000(now, when);
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddStringToObject(o, "region", AWS_REGION_NAME);
	cJSON *data = cJSON_AddObjectToObject(o, "alarmData");
	cJSON_AddStringToObject(data, "alarmName", a->name);
	cJSON *st = cJSON_AddObjectToObject(data, "state");
	cJSON_AddStringToObject(st, "value", a->state);
	cJSON_AddStringToObject(st, "reason", a->reason ? a->reason : "");
	if (a->reason_data)
		cJSON_AddStringToObject(st, "reasonData", a->reason_data);
	cJSON_AddStringToObject(st, "timestamp", when);
	cJSON *prev = cJSON_AddObjectToObject(data, "previousState");
	cJSON_AddStringToObject(prev, "value", old_state);
	cJSON_AddStringToObject(prev, "reason", old_reason ? old_reason : "");
	time_plus0000(old_ts, when);
	cJSON_AddStringToObject(prev, "timestamp", when);
	cJSON *conf = cJSON_AddObjectToObject(data, "configuration");
	const char *desc = jstr(a->cfg, "AlarmDescription");
	if (desc)
		cJSON_AddStringToObject(conf, "description", desc);
	if (a->composite) {
		cJSON_AddStringToObject(conf, "alarmRule", jstr(a->cfg, "AlarmRule"));
	} else {
		const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(a->cfg, "Metrics");
		cJSON *list = cJSON_AddArrayToObject(conf, "metrics");
		if (metrics) {
			cJSON_Delete(cJSON_DetachItemFromObject(conf, "metrics"));
			cJSON_AddItemToObject(conf, "metrics", cJSON_Duplicate(metrics, true));
		} else {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddStringToObject(m, "id", "m1");
			cJSON *ms = cJSON_AddObjectToObject(m, "metricStat");
			cJSON *metric = cJSON_AddObjectToObject(ms, "metric");
			cJSON_AddStringToObject(metric, "namespace", jstr(a->cfg, "Namespace"));
			cJSON_AddStringToObject(metric, "name", jstr(a->cfg, "MetricName"));
			cJSON *dims = cJSON_AddObjectToObject(metric, "dimensions");
			const cJSON *d;
			cJSON_ArrayForEach(d,
					   cJSON_GetObjectItemCaseSensitive(a->cfg, "Dimensions"))
				cJSON_AddStringToObject(dims, jstr(d, "Name"), jstr(d, "Value"));
			cJSON_AddNumberToObject(ms, "period", jnum(a->cfg, "Period", 60));
			const char *stat = jstr(a->cfg, "Statistic");
			cJSON_AddStringToObject(ms, "stat",
						stat ? stat : jstr(a->cfg, "ExtendedStatistic"));
			cJSON_AddBoolToObject(m, "returnData", true);
			cJSON_AddItemToArray(list, m);
		}
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Run the actions of a's new state; each one's outcome goes into its history. */
static void run_actions(struct cw_svc *s, const struct alarm *a, const char *old_state,
			const char *old_reason, long long old_ts, long long now,
			const cJSON *children)
{
	if (!a->actions_enabled)
		return;
	const char *list = strcmp(a->state, "ALARM") == 0 ? "AlarmActions"
			   : strcmp(a->state, "OK") == 0  ? "OKActions"
							  : "InsufficientDataActions";
	const cJSON *action;
	cJSON_ArrayForEach(action, cJSON_GetObjectItemCaseSensitive(a->cfg, list))
	{
		if (!cJSON_IsString(action))
			continue;
		const char *arn = action->valuestring;
		struct aws_err err = { 0 };
		bool ok = false;
		char *message = NULL;
		char subject[101];
		struct deliver_msg m = { 0 };
		struct svc_caller by;
		if (strncmp(arn, "arn:aws:sns:", 12) == 0) {
			message = notification(a, old_state, now, children);
			snprintf(subject, sizeof(subject), "%s: \"%s\" in %s", a->state, a->name,
				 REGION_TITLE);
			m.subject = subject;
			svc_caller_for_account(&by, a->account);
		} else if (strncmp(arn, "arn:aws:lambda:", 15) == 0) {
			/* CloudWatch invokes a function asynchronously as its own principal, which
			 * the function's resource-based policy must allow. */
			char self[400];
			alarm_arn(a->account, a->name, self, sizeof(self));
			message = lambda_event(a, old_state, old_reason, old_ts, now);
			svc_caller_service(&by, a->account,
					   "lambda.alarms.cloudwatch.amazonaws.com", self);
		} else {
			aws_err_set(&err, 400, "NotImplemented",
				    "the local cloud does not run actions of this kind");
		}
		if (message) {
			struct deliver_result r = { 0 };
			m.payload = message;
			m.len = strlen(message);
			ok = deliver(s->c, &by, arn, &m, NULL, &r, &err);
			if (ok)
				deliver_result_release(&r);
		}
		cJSON *data = cJSON_CreateObject();
		char when[40];
		time_plus0000(now, when);
		cJSON_AddStringToObject(data, "actionState", ok ? "Succeeded" : "Failed");
		cJSON_AddStringToObject(data, "stateUpdateTimestamp", when);
		if (ok) {
			cJSON_AddStringToObject(data, "notificationResource", arn);
			cJSON_AddStringToObject(data, "publishedMessage", message ? message : "");
		} else {
			cJSON_AddStringToObject(data, "error", err.message);
		}
		char *summary = xasprintf(ok ? "Successfully executed action %s"
					     : "Failed to execute action %s",
					  arn);
		history_add(s, a, now, "Action", summary, data);
		free(summary);
		cJSON_Delete(data);
		free(message);
		aws_err_release(&err);
	}
}

static void evaluate_composites(struct cw_svc *s, const char *account, long long now,
				const struct alarm *trigger, int depth);

/*
 * Move a to state with reason (a's record saved, the history written, the actions run, the
 * composites naming it re-evaluated). Caller holds alarm_mu. No change when a is already in
 * state (the reason is kept, as CloudWatch keeps it).
 */
static void transition(struct cw_svc *s, struct alarm *a, const char *state, const char *reason,
		       char *data /* taken */, long long now, const cJSON *children, int depth)
{
	if (strcmp(a->state, state) == 0) {
		free(data);
		return;
	}
	char old_state[24];
	snprintf(old_state, sizeof(old_state), "%s", a->state);
	char *old_reason = a->reason;
	long long old_ts = a->state_updated;
	snprintf(a->state, sizeof(a->state), "%s", state);
	a->reason = xstrdup(reason);
	free(a->reason_data);
	a->reason_data = data;
	a->state_updated = now;
	a->state_transitioned = now;
	alarm_save(s, a);
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "version", "1.0");
	cJSON *o = cJSON_AddObjectToObject(h, "oldState");
	cJSON_AddStringToObject(o, "stateValue", old_state);
	cJSON_AddStringToObject(o, "stateReason", old_reason ? old_reason : "");
	cJSON *nw = cJSON_AddObjectToObject(h, "newState");
	cJSON_AddStringToObject(nw, "stateValue", state);
	cJSON_AddStringToObject(nw, "stateReason", reason);
	cJSON *rd = data ? cJSON_Parse(data) : NULL;
	if (rd)
		cJSON_AddItemToObject(nw, "stateReasonData", rd);
	char *summary = xasprintf("Alarm updated from %s to %s", old_state, state);
	history_add(s, a, now, "StateUpdate", summary, h);
	free(summary);
	cJSON_Delete(h);
	run_actions(s, a, old_state, old_reason, old_ts, now, children);
	free(old_reason);
	evaluate_composites(s, a->account, now, a, depth + 1);
}

/* Composite rules: ALARM(x), OK(x), INSUFFICIENT_DATA(x), TRUE, FALSE, AND, OR, NOT, (). */

struct rule {
	const char *p;
	const char *account;
	struct vec *alarms; /* the account's alarms, to look names up in (NULL: syntax only) */
	char err[256];
	int depth;
	struct vec *names; /* names the rule refers to (owned strings), when not NULL */
};

static void rule_ws(struct rule *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static bool rule_word(struct rule *r, const char *w)
{
	rule_ws(r);
	size_t n = strlen(w);
	if (strncmp(r->p, w, n) != 0 || isalnum((unsigned char)r->p[n]) || r->p[n] == '_')
		return false;
	r->p += n;
	return true;
}

/* The state an alarm named by name or ARN is in, or NULL. */
static const char *state_of(struct rule *r, const char *name)
{
	const char *prefix = "arn:aws:cloudwatch:";
	if (strncmp(name, prefix, strlen(prefix)) == 0) {
		const char *last = strstr(name, ":alarm:");
		if (last)
			name = last + strlen(":alarm:");
	}
	for (size_t i = 0; r->alarms && i < r->alarms->len; i++) {
		const struct alarm *a = r->alarms->items[i];
		if (strcmp(a->name, name) == 0)
			return a->state;
	}
	return NULL;
}

static int rule_or(struct rule *r);

/* Returns 1 true, 0 false, -1 error. */
static int rule_primary(struct rule *r)
{
	if (++r->depth > 100) {
		snprintf(r->err, sizeof(r->err), "The alarm rule is nested too deeply");
		return -1;
	}
	rule_ws(r);
	int v = -1;
	if (rule_word(r, "TRUE")) {
		v = 1;
	} else if (rule_word(r, "FALSE")) {
		v = 0;
	} else if (rule_word(r, "NOT")) {
		v = rule_primary(r);
		if (v >= 0)
			v = !v;
	} else if (*r->p == '(') {
		r->p++;
		v = rule_or(r);
		rule_ws(r);
		if (v >= 0 && *r->p != ')') {
			snprintf(r->err, sizeof(r->err),
				 "Error in alarm rule: expected ')' at position %d", 0);
			v = -1;
		} else if (v >= 0) {
			r->p++;
		}
	} else {
		static const char *const states[] = { "ALARM", "OK", "INSUFFICIENT_DATA" };
		size_t k = 0;
		for (; k < 3; k++)
			if (rule_word(r, states[k]))
				break;
		if (k == 3) {
			snprintf(r->err, sizeof(r->err),
				 "Error in alarm rule: unexpected '%.20s'; a rule is made of "
				 "ALARM(), "
				 "OK(), INSUFFICIENT_DATA(), TRUE, FALSE, AND, OR, NOT and "
				 "parentheses",
				 r->p);
			r->depth--;
			return -1;
		}
		rule_ws(r);
		if (*r->p != '(') {
			snprintf(r->err, sizeof(r->err),
				 "Error in alarm rule: %s needs an alarm name "
				 "in parentheses",
				 states[k]);
			r->depth--;
			return -1;
		}
		r->p++;
		rule_ws(r);
		char name[1100];
		size_t n = 0;
		if (*r->p == '"') {
			r->p++;
			while (*r->p && *r->p != '"' && n + 1 < sizeof(name))
				name[n++] = *r->p++;
			if (*r->p != '"') {
				snprintf(r->err, sizeof(r->err),
					 "Error in alarm rule: an alarm name is not closed with "
					 "'\"'");
				r->depth--;
				return -1;
			}
			r->p++;
		} else {
			while (*r->p && *r->p != ')' && n + 1 < sizeof(name))
				name[n++] = *r->p++;
			while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
				n--;
		}
		name[n] = '\0';
		rule_ws(r);
		if (*r->p != ')' || n == 0) {
			snprintf(r->err, sizeof(r->err),
				 "Error in alarm rule: %s(...) takes one alarm name or ARN",
				 states[k]);
			r->depth--;
			return -1;
		}
		r->p++;
		if (r->names)
			vec_push(r->names, xstrdup(name));
		const char *st = state_of(r, name);
		v = st && strcmp(st, states[k]) == 0;
	}
	r->depth--;
	return v;
}

static int rule_and(struct rule *r)
{
	int v = rule_primary(r);
	while (v >= 0 && rule_word(r, "AND")) {
		int w = rule_primary(r);
		v = w < 0 ? -1 : v && w;
	}
	return v;
}

static int rule_or(struct rule *r)
{
	int v = rule_and(r);
	while (v >= 0 && rule_word(r, "OR")) {
		int w = rule_and(r);
		v = w < 0 ? -1 : v || w;
	}
	return v;
}

/* Evaluate a rule: 1, 0, or -1 with r->err. */
static int rule_eval(struct rule *r, const char *text)
{
	r->p = text;
	int v = rule_or(r);
	rule_ws(r);
	if (v >= 0 && *r->p) {
		snprintf(r->err, sizeof(r->err), "Error in alarm rule: unexpected '%.20s'", r->p);
		v = -1;
	}
	return v;
}

static bool names_alarm(const char *rule_text, const char *name)
{
	struct vec names = VEC_INIT;
	struct rule r = { .names = &names };
	rule_eval(&r, rule_text);
	bool found = false;
	vec_for_each (&names, i) {
		const char *n = names.items[i];
		const char *last = strstr(n, ":alarm:");
		if (strcmp(last ? last + 7 : n, name) == 0)
			found = true;
	}
	vec_release_with(&names, free);
	return found;
}

static void evaluate_composite(struct cw_svc *s, struct alarm *a, struct vec *all, long long now,
			       const struct alarm *trigger, int depth)
{
	struct rule r = { .alarms = all, .account = a->account };
	int v = rule_eval(&r, jstr(a->cfg, "AlarmRule"));
	if (v < 0)
		return;
	const char *state = v ? "ALARM" : "OK";
	if (strcmp(a->state, state) == 0)
		return;
	char arn[400], when[40], reason[600];
	cJSON *children = cJSON_CreateArray();
	cJSON *data = cJSON_CreateObject();
	cJSON *trig = cJSON_AddArrayToObject(data, "triggeringAlarms");
	if (trigger) {
		alarm_arn(trigger->account, trigger->name, arn, sizeof(arn));
		time_plus0000(trigger->state_updated, when);
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "Arn", arn);
		cJSON *st = cJSON_AddObjectToObject(c, "State");
		cJSON_AddStringToObject(st, "Value", trigger->state);
		cJSON_AddStringToObject(st, "Timestamp", when);
		cJSON_AddItemToArray(children, c);
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "arn", arn);
		cJSON *ts = cJSON_AddObjectToObject(t, "state");
		cJSON_AddStringToObject(ts, "value", trigger->state);
		cJSON_AddStringToObject(ts, "timestamp", when);
		cJSON_AddItemToArray(trig, t);
		time_t secs = (time_t)(trigger->state_updated / 1000);
		struct tm tm;
		gmtime_r(&secs, &tm);
		char pretty[64];
		strftime(pretty, sizeof(pretty), "%A %d %B, %Y %H:%M:%S UTC", &tm);
		snprintf(reason, sizeof(reason), "%s transitioned to %s at %s", arn, trigger->state,
			 pretty);
	} else {
		snprintf(reason, sizeof(reason), "The alarm rule evaluated to %s",
			 v ? "TRUE" : "FALSE");
	}
	char *text = cJSON_PrintUnformatted(data);
	cJSON_Delete(data);
	transition(s, a, state, reason, text, now, children, depth);
	cJSON_Delete(children);
}

static void evaluate_composites(struct cw_svc *s, const char *account, long long now,
				const struct alarm *trigger, int depth)
{
	if (depth > 20)
		return; /* a cycle of composite alarms: CloudWatch stops there too */
	struct vec all = VEC_INIT;
	alarms_load(s, account, &all);
	vec_for_each (&all, i) {
		struct alarm *a = all.items[i];
		if (!a->composite || (trigger && strcmp(a->name, trigger->name) == 0))
			continue;
		if (trigger && !names_alarm(jstr(a->cfg, "AlarmRule"), trigger->name))
			continue;
		evaluate_composite(s, a, &all, now, trigger, depth);
	}
	vec_release_with(&all, alarm_free);
}

/* Metric alarms: one evaluation. */

static bool is_percentile(const char *stat, double *p)
{
	if (!stat || (stat[0] != 'p' && stat[0] != 'P'))
		return false;
	char *end;
	*p = strtod(stat + 1, &end);
	return *end == '\0' && *p >= 0 && *p <= 100;
}

/* Fill e with the alarm's datapoints at tick. False when they cannot be had (a bad
 * expression): the alarm is then left as it is. */
static bool gather(struct cw_svc *s, const struct alarm *a, long long tick, struct evaluation *e)
{
	memset(e, 0, sizeof(*e));
	int n = (int)jnum(a->cfg, "EvaluationPeriods", 1);
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(a->cfg, "Metrics");
	long long period = (long long)jnum(a->cfg, "Period", 0);
	const cJSON *q;
	cJSON_ArrayForEach(q, metrics)
	{
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
		if (ms && !period)
			period = (long long)jnum(ms, "Period", 60);
	}
	if (period <= 0)
		period = 60;
	e->tick = tick;
	e->period = period * 1000;
	e->r = cw_alarm_range(n);
	e->values = xmalloc(e->r * sizeof(double));
	e->counts = xmalloc(e->r * sizeof(double));
	e->used = xcalloc(e->r, sizeof(bool));
	for (size_t i = 0; i < e->r; i++)
		e->values[i] = e->counts[i] = NAN;
	long long start = tick - (long long)e->r * e->period;
	if (metrics) {
		struct cw_series *series;
		size_t ns;
		struct aws_err err = { 0 };
		bool ok = cw_eval_queries(s, a->account, metrics, "Metrics", start, tick, &series,
					  &ns, &err);
		aws_err_release(&err);
		if (!ok)
			return false;
		for (size_t k = 0; ns > 0 && k < series[0].n; k++) {
			long long ts = series[0].start + (long long)k * series[0].step;
			if (ts < start || (ts - start) % e->period)
				continue;
			size_t slot = (size_t)((ts - start) / e->period);
			if (slot < e->r)
				e->values[slot] = series[0].v[k];
		}
		for (size_t i = 0; i < ns; i++)
			cw_series_release(&series[i]);
		free(series);
		return true;
	}
	char *dims = metrics_dims_canon(cJSON_GetObjectItemCaseSensitive(a->cfg, "Dimensions"));
	struct metric_ref ref = { a->account, jstr(a->cfg, "Namespace"), jstr(a->cfg, "MetricName"),
				  dims };
	const char *stat = jstr(a->cfg, "Statistic");
	const char *xstat = jstr(a->cfg, "ExtendedStatistic");
	struct metric_period *ps;
	size_t np = metrics_get(s->m, &ref, jstr(a->cfg, "Unit"), start, tick, e->period,
				xstat != NULL, &ps);
	for (size_t i = 0; i < np; i++) {
		size_t slot = (size_t)((ps[i].ts - start) / e->period);
		double v;
		if (slot < e->r && metric_period_stat(&ps[i], stat ? stat : xstat, &v)) {
			e->values[slot] = v;
			e->counts[slot] = ps[i].count;
		}
	}
	metric_periods_free(ps, np);
	free(dims);
	/* A percentile on too few samples, when the alarm ignores those. */
	double p;
	const char *low = jstr(a->cfg, "EvaluateLowSampleCountPercentile");
	if (xstat && low && strcmp(low, "ignore") == 0 && is_percentile(xstat, &p)) {
		double need = p >= 50 ? 10.0 / (1.0 - p / 100.0) : 10.0 / (p / 100.0);
		for (size_t i = e->r; i-- > 0;)
			if (!isnan(e->values[i])) {
				e->low_samples = e->counts[i] < need;
				break;
			}
	}
	return true;
}

static void evaluate_metric_alarm(struct cw_svc *s, struct alarm *a, long long tick, long long now)
{
	struct evaluation e;
	if (!gather(s, a, tick, &e) || e.low_samples) {
		evaluation_release(&e);
		return;
	}
	int n = (int)jnum(a->cfg, "EvaluationPeriods", 1);
	int m = (int)jnum(a->cfg, "DatapointsToAlarm", n);
	enum cw_decision d = cw_alarm_decide(
		e.values, e.r, n, m, jstr(a->cfg, "ComparisonOperator"),
		jnum(a->cfg, "Threshold", 0), jstr(a->cfg, "TreatMissingData"), e.used, &e.filled);
	const char *state = d == CW_DECIDE_ALARM          ? "ALARM"
			    : d == CW_DECIDE_OK           ? "OK"
			    : d == CW_DECIDE_INSUFFICIENT ? "INSUFFICIENT_DATA"
							  : NULL;
	if (state && strcmp(state, a->state) != 0) {
		struct strbuf reason = STRBUF_INIT;
		reason_text(a, &e, d, &reason);
		transition(s, a, state, reason.buf, reason_data(a, &e, now), now, NULL, 0);
		strbuf_release(&reason);
	}
	evaluation_release(&e);
}

/* Evaluate one alarm at the last tick (a new or changed alarm). */
static void evaluate_one(struct cw_svc *s, const char *account, const char *name)
{
	pthread_mutex_lock(&s->alarm_mu);
	long long now = cw_now_ms(s, account);
	struct alarm *a = alarm_find(s, account, name);
	if (a && !a->composite) {
		long long period = (long long)jnum(a->cfg, "Period", 60);
		long long step = period > 0 && period < 60 ? 10000 : 60000;
		evaluate_metric_alarm(s, a, now / step * step, now);
	} else if (a) {
		struct vec all = VEC_INIT;
		alarms_load(s, account, &all);
		evaluate_composite(s, a, &all, now, NULL, 0);
		vec_release_with(&all, alarm_free);
	}
	alarm_free(a);
	pthread_mutex_unlock(&s->alarm_mu);
}

/* The last tick account's alarms were evaluated at (0: never), and where it is kept. */
static long long *evaluated_slot(struct cw_svc *s, const char *account)
{
	for (size_t i = 0; i < s->evaluated_n; i++)
		if (strcmp(s->evaluated[i].account, account) == 0)
			return &s->evaluated[i].ms;
	s->evaluated = xrealloc(s->evaluated, (s->evaluated_n + 1) * sizeof(*s->evaluated));
	struct cw_evaluated *e = &s->evaluated[s->evaluated_n++];
	snprintf(e->account, sizeof(e->account), "%s", account);
	e->ms = 0;
	return &e->ms;
}

/*
 * Evaluate one account's metric alarms (all[from..to), sorted by account) at every tick
 * since the last, on that account's own clock. Returns when the account next needs an
 * evaluation, on the base clock.
 */
static long long evaluate_account(struct cw_svc *s, struct vec *all, size_t from_i, size_t to_i)
{
	const char *account = ((struct alarm *)all->items[from_i])->account;
	long long now = cw_now_ms(s, account);
	long long *evaluated = evaluated_slot(s, account);
	/* Ticks every 10 seconds; an alarm whose period is a minute or more only on a minute. */
	long long tick = now / 10000 * 10000;
	/* An account not evaluated before (its first alarm, or its clock forgotten) starts after
	 * the last pass over every account, so a period that ended since is not skipped. */
	long long since =
		*evaluated ? *evaluated
		: s->evaluated_base
			? (s->evaluated_base + vclock_offset_ms(s->clock, account)) / 10000 * 10000
			: 0;
	long long from = since ? since + 10000 : tick;
	if ((tick - from) / 10000 > TICKS_MAX * 6)
		from = tick - (long long)TICKS_MAX * 6 * 10000;
	bool any_hires = false;
	for (long long t = from; t <= tick; t += 10000) {
		for (size_t i = from_i; i < to_i; i++) {
			struct alarm *a = all->items[i];
			if (a->composite)
				continue;
			long long period = (long long)jnum(a->cfg, "Period", 0);
			const cJSON *q;
			cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(a->cfg, "Metrics"))
			{
				const cJSON *ms = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
				if (ms && !period)
					period = (long long)jnum(ms, "Period", 60);
			}
			bool hires = period > 0 && period < 60;
			any_hires |= hires;
			if (!hires && t % 60000 != 0)
				continue;
			/* What an operation changed since the load is the alarm now. */
			evaluate_metric_alarm(s, a, t, t == tick ? now : t);
		}
	}
	if (from <= tick)
		*evaluated = tick;
	else if (!*evaluated)
		*evaluated =
			since; /* the last pass covered it: not due again (cw_alarms_pending) */
	long long next = any_hires ? tick + 10000 : (tick / 60000 + 1) * 60000;
	return next - vclock_offset_ms(s->clock, account);
}

bool cw_alarms_pending(struct cloud *c, const char *account)
{
	struct cw_svc *s = c->cw;
	if (!s || !s->running || !account)
		return false;
	pthread_mutex_lock(&s->alarm_mu);
	long long minute = cw_now_ms(s, account) / 60000 * 60000, last = 0;
	for (size_t i = 0; i < s->evaluated_n; i++)
		if (strcmp(s->evaluated[i].account, account) == 0)
			last = s->evaluated[i].ms;
	bool due = false;
	if (last < minute) {
		struct vec all = VEC_INIT;
		alarms_load(s, account, &all);
		for (size_t i = 0; i < all.len && !due; i++)
			due = !((struct alarm *)all.items[i])->composite;
		vec_release_with(&all, alarm_free);
	}
	pthread_mutex_unlock(&s->alarm_mu);
	return due;
}

void cw_alarms_evaluate(struct cw_svc *s)
{
	pthread_mutex_lock(&s->alarm_mu);
	long long base_now = cw_now_ms(s, NULL);
	struct vec all = VEC_INIT;
	alarms_load(s, NULL, &all); /* ordered by account */
	long long next = 0;
	for (size_t i = 0, j; i < all.len; i = j) {
		const char *account = ((struct alarm *)all.items[i])->account;
		for (j = i + 1; j < all.len; j++)
			if (strcmp(((struct alarm *)all.items[j])->account, account) != 0)
				break;
		long long due = evaluate_account(s, &all, i, j);
		if (!next || due < next)
			next = due;
	}
	vec_release_with(&all, alarm_free);
	s->evaluated_base = base_now / 10000 * 10000;
	s->next_eval_ms = next;
	pthread_mutex_unlock(&s->alarm_mu);
}

void cw_alarms_reset_account(struct cw_svc *s, const char *account)
{
	static const char *const sqls[] = { "DELETE FROM cw_alarms WHERE account = ?",
					    "DELETE FROM cw_alarm_history WHERE account = ?" };
	pthread_mutex_lock(&s->alarm_mu);
	pthread_mutex_lock(&s->c->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(s->c->db->db, sqls[i], -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&s->c->db->mu);
	/* Its clock is the base clock again: its alarms start from the base clock's tick. */
	*evaluated_slot(s, account) = 0;
	pthread_mutex_unlock(&s->alarm_mu);
}

/* Operations. */

static bool valid_action(const char *arn)
{
	static const char *const prefixes[] = {
		"arn:aws:sns:", "arn:aws:lambda:", "arn:aws:autoscaling:",  "arn:aws:automate:",
		"arn:aws:swf:", "arn:aws:ssm:",    "arn:aws:ssm-incidents:"
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(arn, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static bool check_actions(const cJSON *in, struct aws_err *err)
{
	static const char *const lists[] = { "OKActions", "AlarmActions",
					     "InsufficientDataActions" };
	for (size_t i = 0; i < 3; i++) {
		const cJSON *a;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(in, lists[i]))
		{
			if (cJSON_IsString(a) && !valid_action(a->valuestring)) {
				aws_err_set(err, 400, "ValidationError", "Invalid arn syntax: %s",
					    a->valuestring);
				return false;
			}
		}
	}
	return true;
}

static bool name_ascii(const char *name, struct aws_err *err)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p > 0x7e || *p < 0x20) {
			aws_err_set(err, 400, "ValidationError",
				    "The value %s for parameter AlarmName is invalid: alarm names "
				    "hold only ASCII characters.",
				    name);
			return false;
		}
	return true;
}

static bool count_ok(struct cw_svc *s, const char *account, const char *name, struct aws_err *err)
{
	struct vec all = VEC_INIT;
	alarms_load(s, account, &all);
	bool exists = false;
	vec_for_each (&all, i)
		exists |= strcmp(((struct alarm *)all.items[i])->name, name) == 0;
	bool ok = exists || all.len < ALARMS_MAX;
	vec_release_with(&all, alarm_free);
	if (!ok)
		aws_err_set(err, 400, "LimitExceeded",
			    "The maximum number of alarms (%d) for this account has been reached.",
			    ALARMS_MAX);
	return ok;
}

static bool check_metric_alarm(const cJSON *in, struct aws_err *err)
{
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(in, "Metrics");
	const char *stat = jstr(in, "Statistic"), *xstat = jstr(in, "ExtendedStatistic");
	const char *op = jstr(in, "ComparisonOperator");
	const char *treat = jstr(in, "TreatMissingData");
	const char *low = jstr(in, "EvaluateLowSampleCountPercentile");
	int n = (int)jnum(in, "EvaluationPeriods", 1);
	const cJSON *dta = cJSON_GetObjectItemCaseSensitive(in, "DatapointsToAlarm");
	if (op && strstr(op, "LowerOrGreater") != NULL)
		goto anomaly;
	if (op && (strcmp(op, "LessThanLowerThreshold") == 0 ||
		   strcmp(op, "GreaterThanUpperThreshold") == 0))
		goto anomaly;
	if (cJSON_GetObjectItemCaseSensitive(in, "ThresholdMetricId"))
		goto anomaly;
	if (treat && strcmp(treat, "breaching") && strcmp(treat, "notBreaching") &&
	    strcmp(treat, "ignore") && strcmp(treat, "missing"))
		return aws_err_set(
			err, 400, "ValidationError",
			"The value %s is not supported for TreatMissingData parameter. "
			"Supported values are [breaching, notBreaching, ignore, missing].",
			treat);
	if (low && strcmp(low, "evaluate") && strcmp(low, "ignore"))
		return aws_err_set(err, 400, "ValidationError",
				   "Option %s is not supported. Supported options for parameter "
				   "EvaluateLowSampleCountPercentile are evaluate and ignore.",
				   low);
	if (cJSON_IsNumber(dta) && dta->valuedouble > n)
		return aws_err_set(err, 400, "ValidationError",
				   "DatapointsToAlarm must be less than or equal to "
				   "EvaluationPeriods");
	if (!cJSON_GetObjectItemCaseSensitive(in, "Threshold"))
		return aws_err_set(err, 400, "ValidationError",
				   "A static threshold alarm needs a Threshold");
	long long period;
	if (metrics) {
		static const char *const exclusive[] = { "MetricName", "Namespace",
							 "Statistic",  "ExtendedStatistic",
							 "Dimensions", "Period",
							 "Unit" };
		for (size_t i = 0; i < sizeof(exclusive) / sizeof(exclusive[0]); i++)
			if (cJSON_GetObjectItemCaseSensitive(in, exclusive[i]))
				return aws_err_set(err, 400, "ValidationError",
						   "The parameters Metrics and %s are mutually "
						   "exclusive and you have specified both.",
						   exclusive[i]);
		if (!cw_check_queries(metrics, "Metrics", err))
			return false;
		int ret = 0, stats = 0, exprs = 0;
		period = 0;
		const cJSON *q;
		cJSON_ArrayForEach(q, metrics)
		{
			const cJSON *r = cJSON_GetObjectItemCaseSensitive(q, "ReturnData");
			ret += !r || cJSON_IsTrue(r);
			const cJSON *ms = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
			if (ms) {
				stats++;
				long long p = (long long)jnum(ms, "Period", 0);
				if (period && p != period)
					return aws_err_set(err, 400, "ValidationError",
							   "All metrics in an alarm must have the "
							   "same period");
				period = p;
			} else {
				exprs++;
			}
		}
		if (ret != 1)
			return aws_err_set(err, 400, "ValidationError",
					   "Exactly one element of the metrics list should return "
					   "data.");
		if (stats > 10 || exprs > 10)
			return aws_err_set(err, 400, "ValidationError",
					   "An alarm takes at most 10 metrics and 10 expressions");
	} else {
		if (!jstr(in, "MetricName") || !jstr(in, "Namespace"))
			return aws_err_set(err, 400, "ValidationError",
					   "An alarm watches either a metric (MetricName and "
					   "Namespace) or a list of Metrics");
		if ((stat != NULL) == (xstat != NULL))
			return aws_err_set(err, 400, "ValidationError",
					   "Exactly one of Statistic and ExtendedStatistic must be "
					   "specified");
		double pc;
		if (xstat && !is_percentile(xstat, &pc) && !mdist_stat_valid(xstat))
			return aws_err_set(err, 400, "InvalidParameterValue",
					   "The value %s for parameter ExtendedStatistic is not "
					   "supported.",
					   xstat);
		if (!cJSON_GetObjectItemCaseSensitive(in, "Period"))
			return aws_err_set(err, 400, "ValidationError",
					   "Period must be specified for an alarm on a metric");
		period = (long long)jnum(in, "Period", 60);
	}
	if (!(period == 10 || period == 30 || (period >= 60 && period % 60 == 0)))
		return aws_err_set(err, 400, "ValidationError",
				   "Period must be 10, 30 or a multiple of 60");
	long long span = period * n;
	long long limit = period >= 3600 ? 7LL * 86400 : 86400;
	if (span > limit)
		return aws_err_set(err, 400, "ValidationError",
				   "The evaluation period of an alarm (EvaluationPeriods times "
				   "Period, %lld seconds) cannot be longer than %lld seconds",
				   span, limit);
	return check_actions(in, err);
anomaly:
	return aws_err_set(err, 501, "NotImplemented",
			   "The local cloud does not offer anomaly detection alarms");
}

cJSON *cw_op_put_metric_alarm(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const char *name = jstr(in, "AlarmName");
	if (!name_ascii(name, err) || !check_metric_alarm(in, err))
		return NULL;
	pthread_mutex_lock(&s->alarm_mu);
	long long now = cw_now_ms(s, call->caller->account);
	cJSON *out = NULL;
	if (!count_ok(s, call->caller->account, name, err))
		goto done;
	struct alarm *old = alarm_find(s, call->caller->account, name);
	if (old && old->composite) {
		aws_err_set(err, 400, "ValidationError",
			    "The alarm %s is a composite alarm: PutCompositeAlarm updates it",
			    name);
		alarm_free(old);
		goto done;
	}
	struct alarm *a = xcalloc(1, sizeof(*a));
	snprintf(a->account, sizeof(a->account), "%s", call->caller->account);
	a->name = xstrdup(name);
	a->cfg = cJSON_Duplicate(in, true);
	cJSON_DeleteItemFromObjectCaseSensitive(a->cfg, "Tags");
	const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(in, "ActionsEnabled");
	a->actions_enabled = !enabled || cJSON_IsTrue(enabled);
	a->config_updated = now;
	if (old) {
		/* An update keeps the state, and replaces the whole configuration. */
		snprintf(a->state, sizeof(a->state), "%s", old->state);
		a->reason = xstrdup(old->reason);
		a->reason_data = old->reason_data ? xstrdup(old->reason_data) : NULL;
		a->state_updated = old->state_updated;
		a->state_transitioned = old->state_transitioned;
		a->tags = cJSON_Duplicate(old->tags, true);
	} else {
		snprintf(a->state, sizeof(a->state), "INSUFFICIENT_DATA");
		a->reason = xstrdup("Unchecked: Initial alarm creation");
		a->state_updated = a->state_transitioned = now;
		a->tags = cJSON_CreateArray();
	}
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	if (tags) {
		cJSON_Delete(a->tags);
		a->tags = cJSON_Duplicate(tags, true);
	}
	alarm_save(s, a);
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "version", "1.0");
	cJSON_AddStringToObject(h, "type", old ? "Update" : "Create");
	if (old)
		cJSON_AddItemToObject(h, "originalAlarm", alarm_json(old));
	cJSON_AddItemToObject(h, old ? "updatedAlarm" : "createdAlarm", alarm_json(a));
	char *summary = xasprintf("Alarm \"%s\" %s", name, old ? "updated" : "created");
	history_add(s, a, now, "ConfigurationUpdate", summary, h);
	free(summary);
	cJSON_Delete(h);
	alarm_free(old);
	alarm_free(a);
	out = cJSON_CreateObject();
done:
	pthread_mutex_unlock(&s->alarm_mu);
	/* Evaluated at once, as CloudWatch evaluates a new alarm. */
	if (out)
		evaluate_one(s, call->caller->account, name);
	return out;
}

cJSON *cw_op_put_composite_alarm(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const char *name = jstr(in, "AlarmName");
	const char *rule_text = jstr(in, "AlarmRule");
	if (!name_ascii(name, err) || !check_actions(in, err))
		return NULL;
	if (cJSON_GetObjectItemCaseSensitive(in, "ActionsSuppressor"))
		return aws_err_set(err, 501, "NotImplemented",
				   "The local cloud does not offer action suppressors"),
		       NULL;
	pthread_mutex_lock(&s->alarm_mu);
	long long now = cw_now_ms(s, call->caller->account);
	cJSON *out = NULL;
	struct vec all = VEC_INIT, names = VEC_INIT;
	struct alarm *old = NULL;
	alarms_load(s, call->caller->account, &all);
	struct rule r = { .alarms = &all, .account = call->caller->account, .names = &names };
	if (rule_eval(&r, rule_text) < 0) {
		aws_err_set(err, 400, "ValidationError", "%s", r.err);
		goto done;
	}
	/* Every alarm the rule names exists (by name, or by an ARN of this account). */
	struct strbuf missing = STRBUF_INIT;
	vec_for_each (&names, i) {
		const char *n = names.items[i];
		char arn[400];
		const char *last = strstr(n, ":alarm:");
		const char *bare = last ? last + 7 : n;
		if (last) {
			alarm_arn(call->caller->account, bare, arn, sizeof(arn));
			if (strcmp(arn, n) != 0) {
				strbuf_addf(&missing, "%s%s", missing.len ? ", " : "", n);
				continue;
			}
		}
		if (!state_of(&r, bare) || strcmp(bare, name) == 0)
			strbuf_addf(&missing, "%s%s", missing.len ? ", " : "", n);
	}
	if (missing.len) {
		aws_err_set(err, 400, "ValidationError",
			    "Could not save the composite alarm as alarms [%s] in the alarm rule "
			    "do not exist",
			    missing.buf);
		strbuf_release(&missing);
		goto done;
	}
	strbuf_release(&missing);
	if (!count_ok(s, call->caller->account, name, err))
		goto done;
	old = alarm_find(s, call->caller->account, name);
	if (old && !old->composite) {
		aws_err_set(err, 400, "ValidationError",
			    "The alarm %s is a metric alarm: PutMetricAlarm updates it", name);
		goto done;
	}
	struct alarm *a = xcalloc(1, sizeof(*a));
	snprintf(a->account, sizeof(a->account), "%s", call->caller->account);
	a->name = xstrdup(name);
	a->composite = true;
	a->cfg = cJSON_Duplicate(in, true);
	cJSON_DeleteItemFromObjectCaseSensitive(a->cfg, "Tags");
	const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(in, "ActionsEnabled");
	a->actions_enabled = !enabled || cJSON_IsTrue(enabled);
	a->config_updated = now;
	if (old) {
		snprintf(a->state, sizeof(a->state), "%s", old->state);
		a->reason = xstrdup(old->reason);
		a->reason_data = old->reason_data ? xstrdup(old->reason_data) : NULL;
		a->state_updated = old->state_updated;
		a->state_transitioned = old->state_transitioned;
		a->tags = cJSON_Duplicate(old->tags, true);
	} else {
		snprintf(a->state, sizeof(a->state), "INSUFFICIENT_DATA");
		a->reason = xstrdup("Unchecked: Initial alarm creation");
		a->state_updated = a->state_transitioned = now;
		a->tags = cJSON_CreateArray();
	}
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	if (tags) {
		cJSON_Delete(a->tags);
		a->tags = cJSON_Duplicate(tags, true);
	}
	alarm_save(s, a);
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "version", "1.0");
	cJSON_AddStringToObject(h, "type", old ? "Update" : "Create");
	cJSON_AddItemToObject(h, old ? "updatedAlarm" : "createdAlarm", alarm_json(a));
	char *summary = xasprintf("Alarm \"%s\" %s", name, old ? "updated" : "created");
	history_add(s, a, now, "ConfigurationUpdate", summary, h);
	free(summary);
	cJSON_Delete(h);
	alarm_free(a);
	out = cJSON_CreateObject();
done:
	alarm_free(old);
	vec_release_with(&names, free);
	vec_release_with(&all, alarm_free);
	pthread_mutex_unlock(&s->alarm_mu);
	if (out)
		evaluate_one(s, call->caller->account, name);
	return out;
}

static bool listed(const cJSON *list, const char *s)
{
	const cJSON *x;
	cJSON_ArrayForEach(x, list)
	{
		if (cJSON_IsString(x) && strcmp(x->valuestring, s) == 0)
			return true;
	}
	return false;
}

static bool has_action_prefix(const struct alarm *a, const char *prefix)
{
	static const char *const lists[] = { "OKActions", "AlarmActions",
					     "InsufficientDataActions" };
	for (size_t i = 0; i < 3; i++) {
		const cJSON *x;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(a->cfg, lists[i]))
		{
			if (cJSON_IsString(x) &&
			    strncmp(x->valuestring, prefix, strlen(prefix)) == 0)
				return true;
		}
	}
	return false;
}

static bool parse_token(const char *token, size_t *skip, struct aws_err *err)
{
	*skip = 0;
	if (!token)
		return true;
	char *end;
	unsigned long long v = strtoull(token, &end, 10);
	if (!token[0] || *end)
		return aws_err_set(err, 400, "InvalidNextToken",
				   "The service couldn't process "
				   "the NextToken: %s",
				   token);
	*skip = (size_t)v;
	return true;
}

cJSON *cw_op_describe_alarms(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(in, "AlarmNames");
	const cJSON *types = cJSON_GetObjectItemCaseSensitive(in, "AlarmTypes");
	const char *prefix = jstr(in, "AlarmNamePrefix");
	const char *state = jstr(in, "StateValue");
	const char *action = jstr(in, "ActionPrefix");
	const char *children_of = jstr(in, "ChildrenOfAlarmName");
	const char *parents_of = jstr(in, "ParentsOfAlarmName");
	size_t skip, limit = (size_t)jnum(in, "MaxRecords", 50);
	if (!parse_token(jstr(in, "NextToken"), &skip, err))
		return NULL;
	if (names && prefix) {
		aws_err_set(err, 400, "InvalidParameterCombination",
			    "AlarmNames and AlarmNamePrefix are mutually exclusive");
		return NULL;
	}
	if ((children_of || parents_of) && (names || prefix || state || action)) {
		aws_err_set(err, 400, "InvalidParameterCombination",
			    "%s cannot be used with other filters",
			    children_of ? "ChildrenOfAlarmName" : "ParentsOfAlarmName");
		return NULL;
	}
	bool want_metric = !types || listed(types, "MetricAlarm");
	bool want_composite = types ? listed(types, "CompositeAlarm") : false;
	if (children_of || parents_of)
		want_metric = want_composite = true;
	struct vec all = VEC_INIT;
	alarms_load(s, call->caller->account, &all);
	const struct alarm *anchor = NULL;
	vec_for_each (&all, i) {
		const struct alarm *a = all.items[i];
		if (strcmp(a->name, children_of ? children_of : parents_of ? parents_of : "") == 0)
			anchor = a;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON *metric = cJSON_AddArrayToObject(out, "MetricAlarms");
	cJSON *composite = cJSON_AddArrayToObject(out, "CompositeAlarms");
	size_t seen = 0, taken = 0;
	bool more = false;
	vec_for_each (&all, i) {
		const struct alarm *a = all.items[i];
		if ((a->composite && !want_composite) || (!a->composite && !want_metric))
			continue;
		if (names && !listed(names, a->name))
			continue;
		if (prefix && strncmp(a->name, prefix, strlen(prefix)) != 0)
			continue;
		if (state && strcmp(a->state, state) != 0)
			continue;
		if (action && !has_action_prefix(a, action))
			continue;
		if (children_of && (!anchor || !anchor->composite ||
				    !names_alarm(jstr(anchor->cfg, "AlarmRule"), a->name)))
			continue;
		if (parents_of && (!anchor || !a->composite ||
				   !names_alarm(jstr(a->cfg, "AlarmRule"), parents_of)))
			continue;
		if (seen++ < skip)
			continue;
		if (taken == limit) {
			more = true;
			break;
		}
		cJSON_AddItemToArray(a->composite ? composite : metric, alarm_json(a));
		taken++;
	}
	if (more) {
		char next[32];
		snprintf(next, sizeof(next), "%zu", skip + taken);
		cJSON_AddStringToObject(out, "NextToken", next);
	}
	vec_release_with(&all, alarm_free);
	return out;
}

static bool same_dims(const cJSON *a, const cJSON *b)
{
	char *x = metrics_dims_canon(a), *y = metrics_dims_canon(b);
	bool same = strcmp(x, y) == 0;
	free(x);
	free(y);
	return same;
}

cJSON *cw_op_describe_alarms_for_metric(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	(void)err;
	struct cw_svc *s = cw_of(call);
	const char *metric = jstr(in, "MetricName"), *ns = jstr(in, "Namespace");
	const char *stat = jstr(in, "Statistic"), *xstat = jstr(in, "ExtendedStatistic");
	const char *unit = jstr(in, "Unit");
	const cJSON *dims = cJSON_GetObjectItemCaseSensitive(in, "Dimensions");
	const cJSON *period = cJSON_GetObjectItemCaseSensitive(in, "Period");
	struct vec all = VEC_INIT;
	alarms_load(s, call->caller->account, &all);
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "MetricAlarms");
	vec_for_each (&all, i) {
		const struct alarm *a = all.items[i];
		const cJSON *c = a->cfg;
		bool hit = false;
		if (a->composite)
			continue;
		if (!cJSON_GetObjectItemCaseSensitive(c, "Metrics")) {
			hit = jstr(c, "MetricName") && strcmp(jstr(c, "MetricName"), metric) == 0 &&
			      jstr(c, "Namespace") && strcmp(jstr(c, "Namespace"), ns) == 0 &&
			      (!dims || same_dims(dims, cJSON_GetObjectItemCaseSensitive(
								c, "Dimensions"))) &&
			      (!stat ||
			       (jstr(c, "Statistic") && !strcmp(jstr(c, "Statistic"), stat))) &&
			      (!xstat || (jstr(c, "ExtendedStatistic") &&
					  !strcmp(jstr(c, "ExtendedStatistic"), xstat))) &&
			      (!unit || (jstr(c, "Unit") && !strcmp(jstr(c, "Unit"), unit))) &&
			      (!period || jnum(c, "Period", 0) == period->valuedouble);
		} else {
			/* An alarm on an expression watches each of its metrics. */
			const cJSON *q;
			cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(c, "Metrics"))
			{
				const cJSON *ms = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
				const cJSON *m = cJSON_GetObjectItemCaseSensitive(ms, "Metric");
				if (!m || !jstr(m, "MetricName") ||
				    strcmp(jstr(m, "MetricName"), metric) ||
				    !jstr(m, "Namespace") || strcmp(jstr(m, "Namespace"), ns))
					continue;
				if (dims && !same_dims(dims, cJSON_GetObjectItemCaseSensitive(
								     m, "Dimensions")))
					continue;
				if ((stat &&
				     (!jstr(ms, "Stat") || strcmp(jstr(ms, "Stat"), stat))) ||
				    (xstat &&
				     (!jstr(ms, "Stat") || strcmp(jstr(ms, "Stat"), xstat))) ||
				    (period && jnum(ms, "Period", 0) != period->valuedouble))
					continue;
				hit = true;
			}
		}
		if (hit)
			cJSON_AddItemToArray(list, alarm_json(a));
	}
	vec_release_with(&all, alarm_free);
	return out;
}

cJSON *cw_op_describe_alarm_history(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const char *name = jstr(in, "AlarmName");
	const char *type = jstr(in, "HistoryItemType");
	const char *scan = jstr(in, "ScanBy");
	const cJSON *types = cJSON_GetObjectItemCaseSensitive(in, "AlarmTypes");
	const cJSON *start = cJSON_GetObjectItemCaseSensitive(in, "StartDate");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(in, "EndDate");
	size_t skip, limit = (size_t)jnum(in, "MaxRecords", 100);
	if (!parse_token(jstr(in, "NextToken"), &skip, err))
		return NULL;
	bool asc = scan && strcmp(scan, "TimestampAscending") == 0;
	bool want_metric = !types || listed(types, "MetricAlarm");
	bool want_composite = !types || listed(types, "CompositeAlarm");
	if (!types && !name)
		want_composite = true;
	cJSON *out = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(out, "AlarmHistoryItems");
	sqlite3_stmt *st = NULL;
	size_t seen = 0, taken = 0;
	bool more = false;
	struct cloud_db *db = s->c->db;
	pthread_mutex_lock(&db->mu);
	if (sqlite3_prepare_v2(
		    db->db,
		    asc ? "SELECT name, composite, ts, type, summary, data FROM"
			  " cw_alarm_history WHERE account = ?1 AND (?2 IS NULL OR name"
			  " = ?2) AND (?3 IS NULL OR type = ?3) AND ts >= ?4 AND ts <= ?5"
			  " ORDER BY ts, id"
			: "SELECT name, composite, ts, type, summary, data FROM"
			  " cw_alarm_history WHERE account = ?1 AND (?2 IS NULL OR name"
			  " = ?2) AND (?3 IS NULL OR type = ?3) AND ts >= ?4 AND ts <= ?5"
			  " ORDER BY ts DESC, id DESC",
		    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_STATIC);
		if (name)
			sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (type)
			sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(
			st, 4, cJSON_IsNumber(start) ? (long long)(start->valuedouble * 1000) : 0);
		sqlite3_bind_int64(st, 5,
				   cJSON_IsNumber(end) ? (long long)(end->valuedouble * 1000)
						       : 0x7fffffffffffffffLL);
		while (sqlite3_step(st) == SQLITE_ROW) {
			bool composite = sqlite3_column_int(st, 1) != 0;
			if ((composite && !want_composite) || (!composite && !want_metric))
				continue;
			if (seen++ < skip)
				continue;
			if (taken == limit) {
				more = true;
				break;
			}
			cJSON *h = cJSON_CreateObject();
			cJSON_AddStringToObject(h, "AlarmName",
						(const char *)sqlite3_column_text(st, 0));
			cJSON_AddStringToObject(h, "AlarmType",
						composite ? "CompositeAlarm" : "MetricAlarm");
			cJSON_AddNumberToObject(h, "Timestamp",
						(double)sqlite3_column_int64(st, 2) / 1000.0);
			cJSON_AddStringToObject(h, "HistoryItemType",
						(const char *)sqlite3_column_text(st, 3));
			cJSON_AddStringToObject(h, "HistorySummary",
						(const char *)sqlite3_column_text(st, 4));
			cJSON_AddStringToObject(h, "HistoryData",
						(const char *)sqlite3_column_text(st, 5));
			cJSON_AddItemToArray(items, h);
			taken++;
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->mu);
	if (more) {
		char next[32];
		snprintf(next, sizeof(next), "%zu", skip + taken);
		cJSON_AddStringToObject(out, "NextToken", next);
	}
	return out;
}

cJSON *cw_op_set_alarm_state(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const char *name = jstr(in, "AlarmName");
	const char *state = jstr(in, "StateValue");
	const char *reason = jstr(in, "StateReason");
	const char *data = jstr(in, "StateReasonData");
	if (data && data[0]) {
		cJSON *parsed = cJSON_Parse(data);
		bool ok = parsed != NULL;
		cJSON_Delete(parsed);
		if (!ok) {
			aws_err_set(err, 400, "InvalidFormat", "Unknown");
			return NULL;
		}
	}
	pthread_mutex_lock(&s->alarm_mu);
	cJSON *out = NULL;
	struct alarm *a = alarm_find(s, call->caller->account, name);
	if (!a) {
		aws_err_set(err, 404, "ResourceNotFound", "Alarm %s not found", name);
	} else if (strcmp(a->state, state) == 0) {
		/* The same state: its reason is replaced, nothing is run. */
		free(a->reason);
		a->reason = xstrdup(reason ? reason : "");
		free(a->reason_data);
		a->reason_data = data && data[0] ? xstrdup(data) : NULL;
		a->state_updated = cw_now_ms(s, call->caller->account);
		alarm_save(s, a);
		out = cJSON_CreateObject();
	} else {
		transition(s, a, state, reason ? reason : "",
			   data && data[0] ? xstrdup(data) : NULL,
			   cw_now_ms(s, call->caller->account), NULL, 0);
		out = cJSON_CreateObject();
	}
	alarm_free(a);
	pthread_mutex_unlock(&s->alarm_mu);
	return out;
}

static cJSON *set_actions(struct svc_call *call, const cJSON *in, bool enabled)
{
	struct cw_svc *s = cw_of(call);
	const cJSON *n;
	pthread_mutex_lock(&s->alarm_mu);
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(in, "AlarmNames"))
	{
		if (!cJSON_IsString(n))
			continue;
		struct alarm *a = alarm_find(s, call->caller->account, n->valuestring);
		if (a && a->actions_enabled != enabled) {
			a->actions_enabled = enabled;
			cJSON_ReplaceItemInObjectCaseSensitive(a->cfg, "ActionsEnabled",
							       cJSON_CreateBool(enabled));
			if (!cJSON_GetObjectItemCaseSensitive(a->cfg, "ActionsEnabled"))
				cJSON_AddBoolToObject(a->cfg, "ActionsEnabled", enabled);
			alarm_save(s, a);
		}
		alarm_free(a);
	}
	pthread_mutex_unlock(&s->alarm_mu);
	return cJSON_CreateObject();
}

cJSON *cw_op_enable_alarm_actions(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	(void)err;
	return set_actions(call, in, true);
}

cJSON *cw_op_disable_alarm_actions(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	(void)err;
	return set_actions(call, in, false);
}

cJSON *cw_op_delete_alarms(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(in, "AlarmNames");
	pthread_mutex_lock(&s->alarm_mu);
	struct vec all = VEC_INIT;
	alarms_load(s, call->caller->account, &all);
	cJSON *out = NULL;
	const cJSON *n;
	/* All or nothing: every name must exist, and no composite alarm left may need one. */
	cJSON_ArrayForEach(n, names)
	{
		bool found = false;
		vec_for_each (&all, i)
			found |= strcmp(((struct alarm *)all.items[i])->name, n->valuestring) == 0;
		if (!found) {
			aws_err_set(err, 404, "ResourceNotFound", "Alarm %s not found",
				    n->valuestring);
			goto done;
		}
		vec_for_each (&all, i) {
			const struct alarm *a = all.items[i];
			if (a->composite && !listed(names, a->name) &&
			    names_alarm(jstr(a->cfg, "AlarmRule"), n->valuestring)) {
				aws_err_set(
					err, 400, "ValidationError",
					"The alarm %s cannot be deleted: the composite alarm %s "
					"refers to it",
					n->valuestring, a->name);
				goto done;
			}
		}
	}
	struct cloud_db *db = s->c->db;
	pthread_mutex_lock(&db->mu);
	cJSON_ArrayForEach(n, names)
	{
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db->db,
				       "DELETE FROM cw_alarms WHERE account = ? AND name = ?", -1,
				       &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, n->valuestring, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&db->mu);
	out = cJSON_CreateObject();
done:
	vec_release_with(&all, alarm_free);
	pthread_mutex_unlock(&s->alarm_mu);
	return out;
}

/* Tags, on alarms (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME). */
static struct alarm *alarm_by_arn(struct cw_svc *s, const char *account, const char *arn,
				  struct aws_err *err)
{
	char prefix[200];
	snprintf(prefix, sizeof(prefix),
		 "arn:aws:cloudwatch:" AWS_REGION_NAME ":%s:alarm:", account);
	struct alarm *a = NULL;
	if (arn && strncmp(arn, prefix, strlen(prefix)) == 0)
		a = alarm_find(s, account, arn + strlen(prefix));
	if (!a)
		aws_err_set(err, 404, "ResourceNotFoundException", "The resource %s does not exist",
			    arn ? arn : "");
	return a;
}

cJSON *cw_op_list_tags(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	struct alarm *a = alarm_by_arn(s, call->caller->account, jstr(in, "ResourceARN"), err);
	if (!a)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Tags", cJSON_Duplicate(a->tags, true));
	alarm_free(a);
	return out;
}

static cJSON *change_tags(struct svc_call *call, const cJSON *in, struct aws_err *err, bool add)
{
	struct cw_svc *s = cw_of(call);
	pthread_mutex_lock(&s->alarm_mu);
	struct alarm *a = alarm_by_arn(s, call->caller->account, jstr(in, "ResourceARN"), err);
	cJSON *out = NULL;
	if (!a)
		goto done;
	const cJSON *t;
	cJSON *kept = cJSON_CreateArray();
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(in, add ? "Tags" : "TagKeys");
	cJSON_ArrayForEach(t, a->tags)
	{
		const char *key = jstr(t, "Key");
		bool drop = false;
		const cJSON *x;
		cJSON_ArrayForEach(x, list)
		{
			const char *k =
				add ? jstr(x, "Key") : (cJSON_IsString(x) ? x->valuestring : NULL);
			if (key && k && strcmp(key, k) == 0)
				drop = true;
		}
		if (!drop)
			cJSON_AddItemToArray(kept, cJSON_Duplicate(t, true));
	}
	if (add)
		cJSON_ArrayForEach(t, list) cJSON_AddItemToArray(kept, cJSON_Duplicate(t, true));
	if (cJSON_GetArraySize(kept) > 50) {
		cJSON_Delete(kept);
		aws_err_set(err, 400, "LimitExceededException",
			    "A resource can have at most 50 tags");
		goto done;
	}
	cJSON_Delete(a->tags);
	a->tags = kept;
	alarm_save(s, a);
	out = cJSON_CreateObject();
done:
	alarm_free(a);
	pthread_mutex_unlock(&s->alarm_mu);
	return out;
}

cJSON *cw_op_tag_resource(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return change_tags(call, in, err, true);
}

cJSON *cw_op_untag_resource(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return change_tags(call, in, err, false);
}
