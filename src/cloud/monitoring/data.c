/*
 * Metric data queries: a list of metrics (MetricStat) and expressions over them, as
 * GetMetricData and alarms on expressions give it. Each metric is read from the store on its
 * own grid (the query's start, rounded as CloudWatch rounds it, and its period); expressions
 * are evaluated on demand, each once, in dependency order, a cycle refused.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/metrics/metrics.h"
#include "cloud/monitoring/cw.h"
#include "cloud/monitoring/math.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define QUERIES_MAX 500

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool stat_valid(const char *stat)
{
	static const char *const basic[] = { "SampleCount", "Average", "Sum", "Minimum",
					     "Maximum" };
	for (size_t i = 0; i < sizeof(basic) / sizeof(basic[0]); i++)
		if (strcmp(stat, basic[i]) == 0)
			return true;
	return mdist_stat_valid(stat);
}

static bool id_valid(const char *id)
{
	if (!id || !islower((unsigned char)id[0]))
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

bool cw_check_queries(const cJSON *queries, const char *where, struct aws_err *err)
{
	struct strbuf msg = STRBUF_INIT;
	const char *code = NULL;
	int n = cJSON_GetArraySize(queries);
	if (n > QUERIES_MAX) {
		aws_err_set(err, 400, "ValidationError",
			    "The collection %s must not have a size greater than %d.", where,
			    QUERIES_MAX);
		return false;
	}
	for (int i = 0; i < n && !code; i++) {
		const cJSON *q = cJSON_GetArrayItem(queries, i);
		const char *id = jstr(q, "Id");
		for (int k = 0; k < i && id; k++) {
			const char *other = jstr(cJSON_GetArrayItem(queries, k), "Id");
			if (other && strcmp(other, id) == 0) {
				code = "ValidationError";
				strbuf_addf(&msg,
					    "The values for parameter id in %s are not unique.",
					    where);
				break;
			}
		}
	}
	for (int i = 0; i < n && !code; i++) {
		const cJSON *q = cJSON_GetArrayItem(queries, i);
		const cJSON *stat = cJSON_GetObjectItemCaseSensitive(q, "MetricStat");
		const char *expr = jstr(q, "Expression");
		const char *id = jstr(q, "Id");
		if (!id_valid(id)) {
			code = "ValidationError";
			strbuf_addf(&msg,
				    "The value %s for parameter %s.member.%d.Id is invalid: an id "
				    "starts with a lowercase letter and holds only letters, digits "
				    "and underscores.",
				    id ? id : "", where, i + 1);
		} else if (stat && expr) {
			code = "ValidationError";
			strbuf_addf(&msg,
				    "The parameters %s.member.%d.MetricStat and "
				    "%s.member.%d.Expression are mutually exclusive and you have "
				    "specified both.",
				    where, i + 1, where, i + 1);
		} else if (!stat && !expr) {
			code = "ValidationError";
			strbuf_addf(&msg, "The parameter %s.member.%d.MetricStat is required.\n",
				    where, i + 1);
		}
	}
	/* Every statistic and period, listed together as CloudWatch lists them. */
	for (int i = 0; i < n && !code; i++) {
		const cJSON *stat = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(queries, i),
								     "MetricStat");
		const char *s = jstr(stat, "Stat");
		if (stat && (!s || !stat_valid(s))) {
			if (msg.len)
				strbuf_addch(&msg, '\n');
			strbuf_addf(&msg,
				    "The value for parameter %s.member.%d.MetricStat.Stat is not a "
				    "valid statistic.",
				    where, i + 1);
		}
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(stat, "Period");
		if (stat && cJSON_IsNumber(p) && !cw_period_valid((long long)p->valuedouble)) {
			if (msg.len)
				strbuf_addch(&msg, '\n');
			strbuf_addf(
				&msg,
				"The parameter %s.member.%d.MetricStat.Period must be 1, 5, 10, "
				"30 or a multiple of 60.",
				where, i + 1);
		}
	}
	if (!code && msg.len)
		code = "ValidationError";
	/* Expressions parse, and name ids of the list. */
	for (int i = 0; i < n && !code; i++) {
		const cJSON *q = cJSON_GetArrayItem(queries, i);
		const char *text = jstr(q, "Expression");
		if (!text)
			continue;
		struct mm_err e;
		struct mm_expr *x = mm_parse(text, &e);
		if (!x) {
			code = "ValidationError";
			strbuf_addf(&msg, "Error in expression %s: %s", jstr(q, "Id"), e.msg);
			break;
		}
		const char **ids;
		bool all;
		size_t nref = mm_refs(x, &ids, &all);
		for (size_t r = 0; r < nref && !code; r++) {
			bool found = false;
			for (int k = 0; k < n && !found; k++) {
				const char *other = jstr(cJSON_GetArrayItem(queries, k), "Id");
				found = other && strcmp(other, ids[r]) == 0;
			}
			if (!found) {
				code = "ValidationError";
				strbuf_addf(
					&msg,
					"Error in expression %s: Unknown metric or expression id "
					"%s",
					jstr(q, "Id"), ids[r]);
			}
		}
		free(ids);
		mm_expr_free(x);
	}
	if (code)
		aws_err_set(err, 400, code, "%s", msg.buf);
	strbuf_release(&msg);
	return code == NULL;
}

/* One query of a list, as it is evaluated. */
struct q {
	const cJSON *json;
	const char *id, *label;
	bool ret;
	const cJSON *stat; /* MetricStat, or NULL for an expression */
	struct mm_expr *expr;
	int state; /* 0 not yet, 1 being evaluated, 2 done */
	struct mm_val val;
};

struct run {
	struct cw_svc *s;
	const char *account;
	long long start, end, now;
	struct q *qs;
	size_t n;
	struct mm_ts *metrics; /* METRICS(): every metric's series, in request order */
	size_t nmetrics;
	struct mm_env env;
	struct aws_err *err;
	bool failed;
};

/* A metric's series on its grid. */
static void read_metric(struct run *r, struct q *q, struct mm_ts *t)
{
	const cJSON *metric = cJSON_GetObjectItemCaseSensitive(q->stat, "Metric");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(q->stat, "Period");
	long long period =
		cJSON_IsNumber(p) && p->valuedouble >= 1 ? (long long)p->valuedouble : 60;
	const char *stat = jstr(q->stat, "Stat");
	memset(t, 0, sizeof(*t));
	t->id = xstrdup(q->id);
	t->label = xstrdup(q->label ? q->label : jstr(metric, "MetricName"));
	t->metric = true;
	t->step = period * 1000;
	t->start = cw_round_start(r->start, period, r->now);
	t->n = r->end > t->start ? (size_t)((r->end - t->start + t->step - 1) / t->step) : 0;
	t->v = xmalloc((t->n ? t->n : 1) * sizeof(double));
	for (size_t i = 0; i < t->n; i++)
		t->v[i] = NAN;
	char *dims = metrics_dims_canon(cJSON_GetObjectItemCaseSensitive(metric, "Dimensions"));
	struct metric_ref ref = { r->account, jstr(metric, "Namespace"), jstr(metric, "MetricName"),
				  dims };
	if (ref.ns && ref.name && t->n) {
		bool basic = stat && (strcmp(stat, "SampleCount") == 0 ||
				      strcmp(stat, "Sum") == 0 || strcmp(stat, "Average") == 0 ||
				      strcmp(stat, "Minimum") == 0 || strcmp(stat, "Maximum") == 0);
		struct metric_period *ps;
		size_t np = metrics_get(r->s->m, &ref, jstr(q->stat, "Unit"), t->start, r->end,
					t->step, !basic, &ps);
		/* Periods of several units are one period here. */
		for (size_t i = 0; i < np;) {
			struct metric_period all = ps[i];
			struct mdist d = MDIST_INIT;
			mdist_merge(&d, &ps[i].dist);
			size_t k = i + 1;
			for (; k < np && ps[k].ts == ps[i].ts; k++) {
				all.count += ps[k].count;
				all.sum += ps[k].sum;
				all.min = fmin(all.min, ps[k].min);
				all.max = fmax(all.max, ps[k].max);
				mdist_merge(&d, &ps[k].dist);
			}
			all.dist = d;
			double v;
			size_t slot = (size_t)((ps[i].ts - t->start) / t->step);
			if (stat && slot < t->n && metric_period_stat(&all, stat, &v))
				t->v[slot] = v;
			mdist_release(&d);
			i = k;
		}
		metric_periods_free(ps, np);
	}
	free(dims);
}

static bool eval_query(struct run *r, struct q *q);

static bool lookup(void *ctx, const char *id, struct mm_val *out)
{
	struct run *r = ctx;
	for (size_t i = 0; i < r->n; i++) {
		struct q *q = &r->qs[i];
		if (strcmp(q->id, id) != 0)
			continue;
		if (!eval_query(r, q))
			return false;
		*out = q->val;
		out->ts = q->val.nts ? xmalloc(q->val.nts * sizeof(*out->ts)) : NULL;
		for (size_t k = 0; k < q->val.nts; k++)
			mm_ts_copy(&out->ts[k], &q->val.ts[k]);
		return true;
	}
	return false;
}

static bool eval_query(struct run *r, struct q *q)
{
	if (r->failed)
		return false;
	if (q->state == 2)
		return true;
	if (q->state == 1) {
		r->failed = true;
		aws_err_set(
			r->err, 400, "ValidationError",
			"Error in expression %s: the expressions refer to each other in a cycle",
			q->id);
		return false;
	}
	q->state = 1;
	if (q->stat) {
		struct mm_ts t;
		read_metric(r, q, &t);
		memset(&q->val, 0, sizeof(q->val));
		q->val.kind = MM_SERIES;
		q->val.ts = xmalloc(sizeof(t));
		q->val.ts[0] = t;
		q->val.nts = 1;
	} else {
		struct mm_err e;
		if (!mm_eval(q->expr, &r->env, &q->val, &e)) {
			if (!r->failed)
				aws_err_set(r->err, 400, "ValidationError",
					    "Error in expression %s: %s", q->id, e.msg);
			r->failed = true;
			return false;
		}
		if (q->ret && q->val.kind == MM_SCALAR) {
			/* A number is returned as a series of it over the request's grid. */
			struct mm_ts t = { 0 };
			t.start = r->env.start;
			t.step = r->env.step;
			t.n = r->env.n;
			t.v = xmalloc((t.n ? t.n : 1) * sizeof(double));
			for (size_t i = 0; i < t.n; i++)
				t.v[i] = isfinite(q->val.scalar) ? q->val.scalar : NAN;
			q->val.kind = MM_SERIES;
			q->val.ts = xmalloc(sizeof(t));
			q->val.ts[0] = t;
			q->val.nts = 1;
		}
	}
	q->state = 2;
	return true;
}

bool cw_eval_queries(struct cw_svc *s, const char *account, const cJSON *queries, const char *where,
		     long long start_ms, long long end_ms, struct cw_series **out, size_t *nout,
		     struct aws_err *err)
{
	*out = NULL;
	*nout = 0;
	if (!cw_check_queries(queries, where, err))
		return false;
	struct run r = {
		.s = s,
		.account = account,
		.start = start_ms,
		.end = end_ms,
		.now = cw_now_ms(s, account),
		.err = err,
	};
	r.n = (size_t)cJSON_GetArraySize(queries);
	r.qs = xcalloc(r.n ? r.n : 1, sizeof(*r.qs));
	long long grid_period = 0;
	for (size_t i = 0; i < r.n; i++) {
		struct q *q = &r.qs[i];
		q->json = cJSON_GetArrayItem(queries, (int)i);
		q->id = jstr(q->json, "Id");
		q->label = jstr(q->json, "Label");
		const cJSON *ret = cJSON_GetObjectItemCaseSensitive(q->json, "ReturnData");
		q->ret = !ret || cJSON_IsTrue(ret);
		q->stat = cJSON_GetObjectItemCaseSensitive(q->json, "MetricStat");
		if (!q->stat) {
			struct mm_err e;
			q->expr = mm_parse(jstr(q->json, "Expression"), &e);
			const cJSON *p = cJSON_GetObjectItemCaseSensitive(q->json, "Period");
			if (!grid_period && cJSON_IsNumber(p) && p->valuedouble >= 1)
				grid_period = (long long)p->valuedouble;
		} else if (!grid_period) {
			const cJSON *p = cJSON_GetObjectItemCaseSensitive(q->stat, "Period");
			if (cJSON_IsNumber(p) && p->valuedouble >= 1)
				grid_period = (long long)p->valuedouble;
		}
	}
	if (!grid_period)
		grid_period = 60;
	r.env.lookup = lookup;
	r.env.ctx = &r;
	r.env.step = grid_period * 1000;
	r.env.start = cw_round_start(start_ms, grid_period, r.now);
	r.env.n = end_ms > r.env.start
			  ? (size_t)((end_ms - r.env.start + r.env.step - 1) / r.env.step)
			  : 0;
	/* The metrics first: METRICS() needs them all, in order. */
	r.metrics = xcalloc(r.n ? r.n : 1, sizeof(*r.metrics));
	for (size_t i = 0; i < r.n; i++)
		if (r.qs[i].stat && eval_query(&r, &r.qs[i]))
			mm_ts_copy(&r.metrics[r.nmetrics++], &r.qs[i].val.ts[0]);
	r.env.metrics = r.metrics;
	r.env.nmetrics = r.nmetrics;
	for (size_t i = 0; i < r.n && !r.failed; i++)
		if (r.qs[i].ret)
			eval_query(&r, &r.qs[i]);
	bool ok = !r.failed;
	for (size_t i = 0; ok && i < r.n; i++) {
		struct q *q = &r.qs[i];
		if (!q->ret)
			continue;
		for (size_t k = 0; k < q->val.nts; k++) {
			const struct mm_ts *t = &q->val.ts[k];
			*out = xreallocarray(*out, *nout + 1, sizeof(**out));
			struct cw_series *cs = &(*out)[(*nout)++];
			memset(cs, 0, sizeof(*cs));
			cs->id = xstrdup(q->id);
			if (q->val.kind == MM_ARRAY && t->label)
				cs->label = q->label && q->label[0]
						    ? xasprintf("%s %s", q->label, t->label)
						    : xstrdup(t->label);
			else
				cs->label =
					xstrdup(q->label  ? q->label
						: q->stat ? jstr(cJSON_GetObjectItemCaseSensitive(
									 q->stat, "Metric"),
								 "MetricName")
							  : q->id);
			cs->ret = true;
			cs->start = t->start;
			cs->step = t->step;
			cs->n = t->n;
			cs->v = xmalloc((t->n ? t->n : 1) * sizeof(double));
			memcpy(cs->v, t->v, t->n * sizeof(double));
		}
	}
	if (!ok) {
		for (size_t i = 0; i < *nout; i++)
			cw_series_release(&(*out)[i]);
		free(*out);
		*out = NULL;
		*nout = 0;
	}
	for (size_t i = 0; i < r.n; i++) {
		mm_expr_free(r.qs[i].expr);
		mm_val_release(&r.qs[i].val);
	}
	for (size_t i = 0; i < r.nmetrics; i++)
		mm_ts_release(&r.metrics[i]);
	free(r.metrics);
	free(r.qs);
	return ok;
}

cJSON *cw_op_get_metric_data(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cw_svc *s = cw_of(call);
	const cJSON *start = cJSON_GetObjectItemCaseSensitive(in, "StartTime");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(in, "EndTime");
	const cJSON *maxp = cJSON_GetObjectItemCaseSensitive(in, "MaxDatapoints");
	const char *scan = jstr(in, "ScanBy");
	const char *token = jstr(in, "NextToken");
	long long from = (long long)llround(start->valuedouble * 1000.0);
	long long to = (long long)llround(end->valuedouble * 1000.0);
	if (from >= to) {
		aws_err_set(err, 400, "ValidationError",
			    "The parameter StartTime must be less than the parameter EndTime.");
		return NULL;
	}
	size_t skip = 0;
	if (token) {
		char *e;
		unsigned long long v = strtoull(token, &e, 10);
		if (!token[0] || *e) {
			aws_err_set(err, 400, "InvalidNextToken",
				    "The service couldn't process "
				    "the NextToken: %s",
				    token);
			return NULL;
		}
		skip = (size_t)v;
	}
	size_t limit = 100800;
	if (cJSON_IsNumber(maxp) && maxp->valuedouble >= 1)
		limit = (size_t)maxp->valuedouble;
	struct cw_series *series;
	size_t n;
	if (!cw_eval_queries(s, call->caller->account,
			     cJSON_GetObjectItemCaseSensitive(in, "MetricDataQueries"),
			     "MetricDataQueries", from, to, &series, &n, err))
		return NULL;
	bool ascending = scan && strcmp(scan, "TimestampAscending") == 0;
	cJSON *out = cJSON_CreateObject();
	cJSON *results = cJSON_AddArrayToObject(out, "MetricDataResults");
	size_t seen = 0, taken = 0;
	bool more = false;
	for (size_t i = 0; i < n; i++) {
		cJSON *res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "Id", series[i].id);
		cJSON_AddStringToObject(res, "Label", series[i].label ? series[i].label : "");
		cJSON *tss = cJSON_AddArrayToObject(res, "Timestamps");
		cJSON *vals = cJSON_AddArrayToObject(res, "Values");
		bool partial = false;
		for (size_t k = 0; k < series[i].n; k++) {
			size_t j = ascending ? k : series[i].n - 1 - k;
			double v = series[i].v[j];
			long long ts = series[i].start + (long long)j * series[i].step;
			if (isnan(v) || ts >= to)
				continue;
			if (seen++ < skip)
				continue;
			if (taken == limit) {
				more = partial = true;
				break;
			}
			cJSON_AddItemToArray(tss, cJSON_CreateNumber((double)ts / 1000.0));
			cJSON_AddItemToArray(vals, cJSON_CreateNumber(v));
			taken++;
		}
		cJSON_AddStringToObject(res, "StatusCode", partial ? "PartialData" : "Complete");
		cJSON_AddArrayToObject(res, "Messages");
		cJSON_AddItemToArray(results, res);
	}
	cJSON_AddArrayToObject(out, "Messages");
	if (more) {
		char next[32];
		snprintf(next, sizeof(next), "%zu", skip + taken);
		cJSON_AddStringToObject(out, "NextToken", next);
	}
	for (size_t i = 0; i < n; i++)
		cw_series_release(&series[i]);
	free(series);
	return out;
}
