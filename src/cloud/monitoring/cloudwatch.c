/*
 * Amazon CloudWatch's row of the service table: its life (the metric store, the evaluator
 * thread that evaluates alarms each minute of the virtual clock and rolls old data up), and
 * the metric operations PutMetricData, ListMetrics and GetMetricStatistics, with CloudWatch's
 * own checks and words.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/clock/vclock.h"
#include "cloud/metrics/metrics.h"
#include "cloud/monitoring/cw.h"
#include "cloud/proto/proto.h"
#include "cloud/state.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* PutMetricData's window: two weeks back, two hours ahead. */
#define PAST_MAX_MS   (14LL * 86400 * 1000)
#define FUTURE_MAX_MS (2LL * 3600 * 1000)
#define DATUM_MAX     1000
#define VALUES_MAX    150
/* Values CloudWatch takes: 0, or a magnitude in [2^-360, 2^360]. */
#define VALUE_MIN 8.515920e-109
#define VALUE_MAX 1.174271e+108

struct cw_svc *cw_of(const struct svc_call *call)
{
	return call->cloud->cw;
}

long long cw_now_ms(struct cw_svc *s, const char *account)
{
	return vclock_now_ms(s->clock, account);
}

bool cw_period_valid(long long period)
{
	return period == 1 || period == 5 || period == 10 || period == 30 ||
	       (period >= 60 && period % 60 == 0);
}

long long cw_round_start(long long start_ms, long long period_s, long long now_ms)
{
	long long unit = 60000;
	if (period_s < 60)
		unit = 1000;
	else if (start_ms < now_ms - 63LL * 86400 * 1000)
		unit = 3600000;
	else if (start_ms < now_ms - 15LL * 86400 * 1000)
		unit = 300000;
	long long r = start_ms / unit * unit;
	return r > start_ms ? r - unit : r;
}

void cw_series_release(struct cw_series *s)
{
	free(s->id);
	free(s->label);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A double as Java prints it (CloudWatch's messages quote values so). */
static void java_double(char *out, size_t n, double v)
{
	if (isnan(v)) {
		snprintf(out, n, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, n, "%sInfinity", v < 0 ? "-" : "");
		return;
	}
	double a = fabs(v);
	if (a == 0 || (a >= 1e-3 && a < 1e7)) {
		snprintf(out, n, "%.15g", v);
		if (!strchr(out, '.') && !strchr(out, 'e'))
			strncat(out, ".0", n - strlen(out) - 1);
		return;
	}
	char mant[64];
	int exp10 = (int)floor(log10(a));
	double m = v / pow(10, exp10);
	snprintf(mant, sizeof(mant), "%.15g", m);
	if (!strchr(mant, '.'))
		strncat(mant, ".0", sizeof(mant) - strlen(mant) - 1);
	snprintf(out, n, "%sE%d", mant, exp10);
}

/* Errors of a request collected as CloudWatch lists them: one per line, the first code. */
struct errs {
	struct strbuf msg;
	int status;
	char code[64];
};

static void errs_add(struct errs *e, const char *code, const char *fmt, ...) XALLOC_PRINTF(3, 4);

static void errs_add(struct errs *e, const char *code, const char *fmt, ...)
{
	if (!e->code[0])
		snprintf(e->code, sizeof(e->code), "%s", code);
	else if (strcmp(e->code, code) != 0)
		return;
	if (e->msg.len)
		strbuf_addch(&e->msg, '\n');
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&e->msg, fmt, ap);
	va_end(ap);
}

static bool errs_done(struct errs *e, struct aws_err *err)
{
	bool ok = e->code[0] == '\0';
	if (!ok)
		aws_err_set(err, 400, e->code, "%s", e->msg.buf);
	strbuf_release(&e->msg);
	return ok;
}

/* A number of the input (a string "NaN" or "Infinity" as the JSON protocols may send it). */
static bool num_of(const cJSON *v, double *out)
{
	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return true;
	}
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		*out = strcasecmp(s, "NaN") == 0         ? NAN
		       : strcasecmp(s, "Infinity") == 0  ? INFINITY
		       : strcasecmp(s, "-Infinity") == 0 ? -INFINITY
							 : strtod(s, NULL);
		return true;
	}
	return false;
}

static bool value_ok(double v)
{
	double a = fabs(v);
	return isfinite(v) && (a == 0 || (a >= VALUE_MIN && a <= VALUE_MAX));
}

static void check_value(struct errs *e, const cJSON *v, const char *param)
{
	double x;
	if (!num_of(v, &x) || value_ok(x))
		return;
	char text[64];
	java_double(text, sizeof(text), x);
	errs_add(e, "InvalidParameterValue", "The value %s for parameter %s is invalid.", text,
		 param);
}

static bool dims_ascii(const cJSON *dims, size_t i, struct errs *e)
{
	const cJSON *d;
	size_t k = 0;
	cJSON_ArrayForEach(d, dims)
	{
		k++;
		static const char *const parts[] = { "Name", "Value" };
		for (size_t p = 0; p < 2; p++) {
			const char *s = jstr(d, parts[p]);
			if (!s)
				continue;
			bool ascii = true, blank = true;
			for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
				if (*c > 0x7e || *c < 0x20)
					ascii = false;
				if (*c != ' ' && *c != '\t')
					blank = false;
			}
			if (!ascii || blank || (p == 0 && s[0] == ':')) {
				errs_add(e, "InvalidParameterValue",
					 "The value %s for parameter "
					 "MetricData.member.%zu.Dimensions."
					 "member.%zu.%s is invalid.",
					 s, i, k, parts[p]);
				return false;
			}
		}
	}
	return true;
}

static cJSON *op_put_metric_data(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const char *ns = jstr(in, "Namespace");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(in, "MetricData");
	struct errs e = { STRBUF_INIT, 0, "" };
	if (ns && strncmp(ns, "AWS/", 4) == 0)
		errs_add(&e, "InvalidParameterValue",
			 "The value %s for parameter Namespace is invalid.", ns);
	if (cJSON_GetArraySize(data) > DATUM_MAX)
		errs_add(&e, "InvalidParameterValue",
			 "The collection MetricData must not have a size greater than %d.",
			 DATUM_MAX);
	long long now = cw_now_ms(s, call->caller->account);
	const cJSON *d;
	size_t i = 0;
	cJSON_ArrayForEach(d, data)
	{
		i++;
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(d, "Value");
		const cJSON *values = cJSON_GetObjectItemCaseSensitive(d, "Values");
		const cJSON *counts = cJSON_GetObjectItemCaseSensitive(d, "Counts");
		const cJSON *set = cJSON_GetObjectItemCaseSensitive(d, "StatisticValues");
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(d, "Timestamp");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(d, "StorageResolution");
		const char *unit = jstr(d, "Unit");
		char param[96];
		if (value && set)
			errs_add(&e, "InvalidParameterCombination",
				 "The parameters MetricData.member.%zu.Value and "
				 "MetricData.member.%zu.StatisticValues are mutually exclusive and "
				 "you have specified both.",
				 i, i);
		else if (value && values)
			errs_add(&e, "InvalidParameterCombination",
				 "The parameters MetricData.member.%zu.Value and "
				 "MetricData.member.%zu.Values are mutually exclusive and you have "
				 "specified both.",
				 i, i);
		else if (!value && !values && !set)
			errs_add(&e, "InvalidParameterCombination",
				 "At least one of the parameters MetricData.member.%zu.Value, "
				 "MetricData.member.%zu.Values and "
				 "MetricData.member.%zu.StatisticValues must be specified.",
				 i, i, i);
		if (counts && !values)
			errs_add(
				&e, "InvalidParameterCombination",
				"The parameter MetricData.member.%zu.Counts must be specified with "
				"MetricData.member.%zu.Values.",
				i, i);
		if (values && counts && cJSON_GetArraySize(values) != cJSON_GetArraySize(counts))
			errs_add(&e, "InvalidParameterValue",
				 "The parameters MetricData.member.%zu.Values and "
				 "MetricData.member.%zu.Counts must be of the same size.",
				 i, i);
		if (cJSON_GetArraySize(values) > VALUES_MAX)
			errs_add(&e, "InvalidParameterValue",
				 "The collection MetricData.member.%zu.Values must not have a size "
				 "greater than %d.",
				 i, VALUES_MAX);
		if (value) {
			snprintf(param, sizeof(param), "MetricData.member.%zu.Value", i);
			check_value(&e, value, param);
		}
		const cJSON *x;
		size_t k = 0;
		cJSON_ArrayForEach(x, values)
		{
			snprintf(param, sizeof(param), "MetricData.member.%zu.Values.member.%zu", i,
				 ++k);
			check_value(&e, x, param);
		}
		k = 0;
		cJSON_ArrayForEach(x, counts)
		{
			double c;
			k++;
			if (num_of(x, &c) && (!isfinite(c) || c < 0)) {
				snprintf(param, sizeof(param),
					 "MetricData.member.%zu.Counts.member.%zu", i, k);
				check_value(&e, x, param);
				if (isfinite(c))
					errs_add(&e, "InvalidParameterValue",
						 "The value %g for parameter %s is invalid.", c,
						 param);
			}
		}
		if (set) {
			static const char *const stats[] = { "SampleCount", "Sum", "Minimum",
							     "Maximum" };
			for (size_t j = 0; j < 4; j++) {
				snprintf(param, sizeof(param),
					 "MetricData.member.%zu.StatisticValues.%s", i, stats[j]);
				check_value(&e, cJSON_GetObjectItemCaseSensitive(set, stats[j]),
					    param);
			}
			double n = 0, mn = 0, mx = 0;
			num_of(cJSON_GetObjectItemCaseSensitive(set, "SampleCount"), &n);
			num_of(cJSON_GetObjectItemCaseSensitive(set, "Minimum"), &mn);
			num_of(cJSON_GetObjectItemCaseSensitive(set, "Maximum"), &mx);
			if (!(n > 0))
				errs_add(&e, "InvalidParameterValue",
					 "The parameter MetricData.member.%zu.StatisticValues."
					 "SampleCount must be greater than 0.",
					 i);
			else if (mn > mx)
				errs_add(&e, "InvalidParameterValue",
					 "The parameter "
					 "MetricData.member.%zu.StatisticValues.Maximum "
					 "must be greater than or equal to "
					 "MetricData.member.%zu.StatisticValues.Minimum.",
					 i, i);
		}
		if (res && cJSON_IsNumber(res) && res->valuedouble != 1 && res->valuedouble != 60)
			errs_add(&e, "InvalidParameterValue",
				 "The value %d for parameter "
				 "MetricData.member.%zu.StorageResolution "
				 "is invalid.",
				 res->valueint, i);
		bool known = !unit || metrics_unit_known(unit);
		if (!known)
			errs_add(
				&e, "InvalidParameterValue",
				"The parameter MetricData.member.%zu.Unit must be a value in the "
				"set "
				"[ Seconds, Microseconds, Milliseconds, Bytes, Kilobytes, "
				"Megabytes, "
				"Gigabytes, Terabytes, Bits, Kilobits, Megabits, Gigabits, "
				"Terabits, "
				"Percent, Count, Bytes/Second, Kilobytes/Second, Megabytes/Second, "
				"Gigabytes/Second, Terabytes/Second, Bits/Second, Kilobits/Second, "
				"Megabits/Second, Gigabits/Second, Terabits/Second, Count/Second, "
				"None ].",
				i);
		if (cJSON_IsNumber(ts)) {
			long long at = (long long)llround(ts->valuedouble * 1000.0);
			if (at < now - PAST_MAX_MS)
				errs_add(&e, "InvalidParameterValue",
					 "The parameter MetricData.member.%zu.Timestamp must "
					 "specify a "
					 "time within the past two weeks.",
					 i);
			else if (at > now + FUTURE_MAX_MS)
				errs_add(&e, "InvalidParameterValue",
					 "The parameter MetricData.member.%zu.Timestamp must "
					 "specify a "
					 "time no more than two hours in the future.",
					 i);
		}
		dims_ascii(cJSON_GetObjectItemCaseSensitive(d, "Dimensions"), i, &e);
	}
	if (!errs_done(&e, err))
		return NULL;
	/* Every datum is valid: store them all. */
	cJSON_ArrayForEach(d, data)
	{
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(d, "Timestamp");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(d, "StorageResolution");
		long long at =
			cJSON_IsNumber(ts) ? (long long)llround(ts->valuedouble * 1000.0) : now;
		bool hires = cJSON_IsNumber(res) && res->valuedouble == 1;
		char *dims = metrics_dims_canon(cJSON_GetObjectItemCaseSensitive(d, "Dimensions"));
		struct metric_ref ref = { call->caller->account, ns, jstr(d, "MetricName"), dims };
		const char *unit = jstr(d, "Unit");
		double v;
		const cJSON *set = cJSON_GetObjectItemCaseSensitive(d, "StatisticValues");
		const cJSON *values = cJSON_GetObjectItemCaseSensitive(d, "Values");
		if (num_of(cJSON_GetObjectItemCaseSensitive(d, "Value"), &v)) {
			metrics_add(s->m, &ref, unit, at, hires, v, 1);
		} else if (set) {
			double n = 0, sum = 0, mn = 0, mx = 0;
			num_of(cJSON_GetObjectItemCaseSensitive(set, "SampleCount"), &n);
			num_of(cJSON_GetObjectItemCaseSensitive(set, "Sum"), &sum);
			num_of(cJSON_GetObjectItemCaseSensitive(set, "Minimum"), &mn);
			num_of(cJSON_GetObjectItemCaseSensitive(set, "Maximum"), &mx);
			metrics_add_set(s->m, &ref, unit, at, hires, n, sum, mn, mx);
		} else {
			const cJSON *counts = cJSON_GetObjectItemCaseSensitive(d, "Counts");
			for (int k = 0; k < cJSON_GetArraySize(values); k++) {
				double c = 1;
				if (counts)
					num_of(cJSON_GetArrayItem(counts, k), &c);
				if (num_of(cJSON_GetArrayItem(values, k), &v) && c > 0)
					metrics_add(s->m, &ref, unit, at, hires, v, c);
			}
		}
		free(dims);
	}
	return cJSON_CreateObject();
}

/* ListMetrics */

struct list_ctx {
	const cJSON *filters;
	cJSON *out;
	size_t skip, taken, limit;
	char next[32];
};

static bool matches_filters(const cJSON *dims, const cJSON *filters)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, filters)
	{
		const char *name = jstr(f, "Name"), *value = jstr(f, "Value");
		bool found = false;
		const cJSON *d;
		cJSON_ArrayForEach(d, dims)
		{
			const char *dn = jstr(d, "Name"), *dv = jstr(d, "Value");
			if (dn && name && strcmp(dn, name) == 0 &&
			    (!value || (dv && strcmp(dv, value) == 0)))
				found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

static bool list_one(void *arg, const char *ns, const char *name, const char *dims_text)
{
	struct list_ctx *l = arg;
	cJSON *dims = cJSON_Parse(dims_text);
	if (matches_filters(dims, l->filters)) {
		if (l->skip > 0) {
			l->skip--;
		} else if (l->taken == l->limit) {
			snprintf(l->next, sizeof(l->next), "%zu", l->taken);
			cJSON_Delete(dims);
			return false;
		} else {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddStringToObject(m, "Namespace", ns);
			cJSON_AddStringToObject(m, "MetricName", name);
			cJSON_AddItemToObject(m, "Dimensions", dims);
			dims = NULL;
			cJSON_AddItemToArray(l->out, m);
			l->taken++;
		}
	}
	cJSON_Delete(dims);
	return true;
}

static cJSON *op_list_metrics(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const char *token = jstr(in, "NextToken");
	const char *recent = jstr(in, "RecentlyActive");
	size_t skip = 0;
	if (token) {
		char *end;
		unsigned long long v = strtoull(token, &end, 10);
		if (!token[0] || *end) {
			aws_err_set(err, 400, "InvalidParameterValue", "Invalid nextToken");
			return NULL;
		}
		skip = (size_t)v;
	}
	if (recent && strcmp(recent, "PT3H") != 0) {
		aws_err_set(err, 400, "InvalidParameterValue",
			    "The value %s for parameter RecentlyActive is invalid.", recent);
		return NULL;
	}
	long long now = cw_now_ms(s, call->caller->account);
	long long since = recent ? now - 3LL * 3600 * 1000 : now - PAST_MAX_MS;
	cJSON *out = cJSON_CreateObject();
	struct list_ctx l = {
		.filters = cJSON_GetObjectItemCaseSensitive(in, "Dimensions"),
		.out = cJSON_AddArrayToObject(out, "Metrics"),
		.skip = skip,
		.limit = 500,
	};
	metrics_list(s->m, call->caller->account, jstr(in, "Namespace"), jstr(in, "MetricName"),
		     since, list_one, &l);
	if (l.next[0])
		cJSON_AddStringToObject(
			out, "NextToken",
			(snprintf(l.next, sizeof(l.next), "%zu", skip + l.taken), l.next));
	return out;
}

/* GetMetricStatistics */

static cJSON *op_get_metric_statistics(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const cJSON *stats = cJSON_GetObjectItemCaseSensitive(in, "Statistics");
	const cJSON *xstats = cJSON_GetObjectItemCaseSensitive(in, "ExtendedStatistics");
	const cJSON *start = cJSON_GetObjectItemCaseSensitive(in, "StartTime");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(in, "EndTime");
	const cJSON *period = cJSON_GetObjectItemCaseSensitive(in, "Period");
	const char *unit = jstr(in, "Unit");
	if (cJSON_GetArraySize(stats) == 0 && cJSON_GetArraySize(xstats) == 0) {
		aws_err_set(err, 400, "InvalidParameterCombination",
			    "Must specify either Statistics or ExtendedStatistics");
		return NULL;
	}
	if (cJSON_GetArraySize(stats) > 0 && cJSON_GetArraySize(xstats) > 0) {
		aws_err_set(err, 400, "InvalidParameterCombination",
			    "The parameters Statistics and ExtendedStatistics are mutually "
			    "exclusive and you have specified both.");
		return NULL;
	}
	const cJSON *x;
	cJSON_ArrayForEach(x, xstats)
	{
		if (!cJSON_IsString(x) || !mdist_stat_valid(x->valuestring)) {
			aws_err_set(
				err, 400, "InvalidParameterValue",
				"The value %s for parameter ExtendedStatistics is not supported.",
				cJSON_IsString(x) ? x->valuestring : "");
			return NULL;
		}
	}
	long long p = (long long)period->valuedouble;
	if (!cw_period_valid(p)) {
		aws_err_set(
			err, 400, "InvalidParameterValue",
			p < 60 ? "The parameter Period must be 1, 5, 10, 30 or a multiple of 60."
			       : "The parameter Period must be a multiple of 60.");
		return NULL;
	}
	long long now = cw_now_ms(s, call->caller->account);
	long long from = (long long)llround(start->valuedouble * 1000.0);
	long long to = (long long)llround(end->valuedouble * 1000.0);
	if (from >= to) {
		aws_err_set(err, 400, "InvalidParameterValue",
			    "The parameter StartTime must be less than the parameter EndTime.");
		return NULL;
	}
	/* AWS counts the periods of the range asked for, before the start is rounded. */
	long long points = (to - from + p * 1000 - 1) / (p * 1000);
	from = cw_round_start(from, p, now);
	if (points > 1440) {
		aws_err_set(
			err, 400, "InvalidParameterCombination",
			"You have requested up to %lld datapoints, which exceeds the limit of "
			"1440. You may reduce the datapoints requested by increasing Period, or "
			"decreasing the time range.",
			points);
		return NULL;
	}
	char *dims = metrics_dims_canon(cJSON_GetObjectItemCaseSensitive(in, "Dimensions"));
	struct metric_ref ref = { call->caller->account, jstr(in, "Namespace"),
				  jstr(in, "MetricName"), dims };
	struct metric_period *ps;
	size_t n = metrics_get(s->m, &ref, unit, from, to, p * 1000, cJSON_GetArraySize(xstats) > 0,
			       &ps);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Label", ref.name);
	cJSON *dps = cJSON_AddArrayToObject(out, "Datapoints");
	for (size_t i = 0; i < n; i++) {
		cJSON *dp = cJSON_CreateObject();
		cJSON_AddNumberToObject(dp, "Timestamp", (double)ps[i].ts / 1000.0);
		const cJSON *st;
		cJSON_ArrayForEach(st, stats)
		{
			double v;
			if (cJSON_IsString(st) && metric_period_stat(&ps[i], st->valuestring, &v))
				cJSON_AddNumberToObject(dp, st->valuestring, v);
		}
		if (cJSON_GetArraySize(xstats) > 0) {
			cJSON *xs = cJSON_AddObjectToObject(dp, "ExtendedStatistics");
			cJSON_ArrayForEach(st, xstats)
			{
				double v;
				if (metric_period_stat(&ps[i], st->valuestring, &v))
					cJSON_AddNumberToObject(xs, st->valuestring, v);
			}
		}
		cJSON_AddStringToObject(dp, "Unit", ps[i].unit);
		cJSON_AddItemToArray(dps, dp);
	}
	metric_periods_free(ps, n);
	free(dims);
	return out;
}

/* Life. */

static void *evaluator_main(void *arg)
{
	struct cw_svc *s = arg;
	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		long long now = cw_now_ms(s, NULL);
		pthread_mutex_unlock(&s->mu);
		metrics_flush(s->m);
		cw_alarms_evaluate(s);
		/* Old data to coarser periods, every simulated hour at most. */
		if (now - s->last_rollup_ms > 3600LL * 1000) {
			metrics_rollup(s->m, now);
			s->last_rollup_ms = now;
		}
		pthread_mutex_lock(&s->mu);
		long long due = s->next_eval_ms > now ? s->next_eval_ms : now + 1000;
		if (!s->stopping)
			vclock_wait(s->clock, &s->cond, &s->mu, NULL, due, 1000);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static bool service_start(struct cloud *c, struct error *err)
{
	struct cw_svc *s = xcalloc(1, sizeof(*s));
	s->c = c;
	s->clock = c->vclock;
	s->m = metrics_new(c->db);
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->alarm_mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	c->cw = s;
	c->metrics = s->m;
	(void)err;
	return true;
}

static bool service_run(struct cloud *c, struct error *err)
{
	struct cw_svc *s = c->cw;
	if (pthread_create(&s->thread, NULL, evaluator_main, s) != 0)
		return error_set(err, "cannot start CloudWatch's alarm evaluator");
	s->running = true;
	return true;
}

static void service_stop(struct cloud *c)
{
	struct cw_svc *s = c->cw;
	if (!s || !s->running)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	vclock_kick(s->clock);
	pthread_join(s->thread, NULL);
	s->running = false;
}

static void service_free(struct cloud *c)
{
	struct cw_svc *s = c->cw;
	if (!s)
		return;
	c->metrics = NULL;
	metrics_free(s->m);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->alarm_mu);
	pthread_cond_destroy(&s->cond);
	free(s->evaluated);
	free(s);
	c->cw = NULL;
}

static void service_reset(struct cloud *c, const char *account)
{
	if (!c->cw)
		return;
	cw_alarms_reset_account(c->cw, account);
	metrics_reset_account(c->cw->m, account);
}

/* Members CloudWatch checks itself, with its own wording. */
static const char *const unchecked[] = {
	"PutMetricData.MetricData.Unit",
	NULL,
};

static const char *const migrations[] = {
	/* 0 -> 1: metrics and their data per period (metrics/metrics.h), alarms, their history. */
	"CREATE TABLE cw_metrics(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" namespace TEXT NOT NULL, name TEXT NOT NULL, dims TEXT NOT NULL,"
	" last_ts INTEGER NOT NULL, UNIQUE(account, namespace, name, dims)) STRICT;"
	"CREATE TABLE cw_data(metric INTEGER NOT NULL, ts INTEGER NOT NULL, res INTEGER NOT NULL,"
	" unit TEXT NOT NULL, count REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL,"
	" max REAL NOT NULL, dist BLOB, PRIMARY KEY(metric, ts, res, unit))"
	" WITHOUT ROWID, STRICT;"
	"CREATE INDEX cw_data_by_res ON cw_data(res, ts);"
	"CREATE TABLE cw_alarms(account TEXT NOT NULL, name TEXT NOT NULL,"
	" composite INTEGER NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL,"
	" reason TEXT NOT NULL, reason_data TEXT, state_updated INTEGER NOT NULL,"
	" state_transitioned INTEGER NOT NULL, config_updated INTEGER NOT NULL,"
	" actions_enabled INTEGER NOT NULL, tags TEXT NOT NULL, PRIMARY KEY(account, name))"
	" STRICT;"
	"CREATE TABLE cw_alarm_history(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" name TEXT NOT NULL, composite INTEGER NOT NULL, ts INTEGER NOT NULL,"
	" type TEXT NOT NULL, summary TEXT NOT NULL, data TEXT NOT NULL) STRICT;"
	"CREATE INDEX cw_alarm_history_by_name ON cw_alarm_history(account, name, ts);",
};

static const struct svc_op ops[] = {
	{ "DeleteAlarms", cw_op_delete_alarms },
	{ "DescribeAlarmHistory", cw_op_describe_alarm_history },
	{ "DescribeAlarms", cw_op_describe_alarms },
	{ "DescribeAlarmsForMetric", cw_op_describe_alarms_for_metric },
	{ "DisableAlarmActions", cw_op_disable_alarm_actions },
	{ "EnableAlarmActions", cw_op_enable_alarm_actions },
	{ "GetMetricData", cw_op_get_metric_data },
	{ "GetMetricStatistics", op_get_metric_statistics },
	{ "ListMetrics", op_list_metrics },
	{ "ListTagsForResource", cw_op_list_tags },
	{ "PutCompositeAlarm", cw_op_put_composite_alarm },
	{ "PutMetricAlarm", cw_op_put_metric_alarm },
	{ "PutMetricData", op_put_metric_data },
	{ "SetAlarmState", cw_op_set_alarm_state },
	{ "TagResource", cw_op_tag_resource },
	{ "UntagResource", cw_op_untag_resource },
};

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const monitoring_members[] = {
	"DeleteAlarms AlarmNames",
	"DescribeAlarmHistory AlarmName AlarmTypes EndDate HistoryItemType MaxRecords "
	"NextToken ScanBy StartDate",
	"DescribeAlarms ActionPrefix AlarmNamePrefix AlarmNames AlarmTypes ChildrenOfAlarmName "
	"MaxRecords NextToken ParentsOfAlarmName StateValue",
	"DescribeAlarmsForMetric Dimensions ExtendedStatistic MetricName Namespace Period "
	"Statistic Unit",
	"DisableAlarmActions AlarmNames",
	"EnableAlarmActions AlarmNames",
	"GetMetricData EndTime -LabelOptions MaxDatapoints MetricDataQueries NextToken ScanBy "
	"StartTime",
	"GetMetricStatistics Dimensions EndTime ExtendedStatistics MetricName Namespace Period "
	"StartTime Statistics Unit",
	"ListMetrics Dimensions -IncludeLinkedAccounts MetricName Namespace NextToken "
	"-OwningAccount RecentlyActive",
	"ListTagsForResource ResourceARN",
	"PutCompositeAlarm ActionsEnabled ActionsSuppressor -ActionsSuppressorExtensionPeriod "
	"-ActionsSuppressorWaitPeriod AlarmActions AlarmDescription AlarmName AlarmRule "
	"InsufficientDataActions OKActions Tags",
	"PutMetricAlarm ActionsEnabled AlarmActions AlarmDescription AlarmName "
	"ComparisonOperator DatapointsToAlarm Dimensions EvaluateLowSampleCountPercentile "
	"EvaluationPeriods ExtendedStatistic InsufficientDataActions MetricName Metrics "
	"Namespace OKActions Period Statistic Tags Threshold ThresholdMetricId "
	"TreatMissingData Unit",
	"PutMetricData MetricData Namespace",
	"SetAlarmState AlarmName StateReason StateReasonData StateValue",
	"TagResource ResourceARN Tags",
	"UntagResource ResourceARN TagKeys",
	NULL,
};

const struct cloud_service monitoring_service = {
	.name = "monitoring",
	.model = "monitoring-2010-08-01",
	.title = "Amazon CloudWatch",
	.target = "GraniteServiceVersion20100801",
	.query_version = "2010-08-01",
	.start = service_start,
	.run = service_run,
	.stop = service_stop,
	.free = service_free,
	.reset_account = service_reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = monitoring_members,
	.unchecked = unchecked,
};
