/*
 * CloudWatch's pure parts: the distribution behind percentiles (metrics/dist.c), metric math
 * (monitoring/math.c) and the alarm's decision over an evaluation range (monitoring/alarm.c),
 * this last against the tables of CloudWatch's documentation on missing data.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "cloud/metrics/dist.h"
#include "cloud/metrics/emf.h"
#include "cloud/metrics/metrics.h"
#include "cloud/monitoring/cw.h"
#include "cloud/monitoring/math.h"
#include "core/error.h"
#include "harness.h"

static double stat(const struct mdist *d, const char *name, double min, double max)
{
	double v = NAN;
	bool valid;
	if (!mdist_stat(d, name, min, max, &v, &valid))
		return NAN;
	return v;
}

TEST(dist__percentiles_are_exact_for_few_values)
{
	struct mdist d = MDIST_INIT;
	for (int i = 1; i <= 100; i++)
		mdist_add(&d, i, 1);
	is_int(stat(&d, "p50", 1, 100), 50, "p50 of 1..100 is 50 (nearest rank)");
	is_int(stat(&d, "p99", 1, 100), 99, "p99 of 1..100 is 99");
	is_int(stat(&d, "p100", 1, 100), 100, "p100 is the maximum");
	is_int(stat(&d, "p0", 1, 100), 1, "p0 is the minimum");
	ok(fabs(stat(&d, "p99.5", 1, 100) - 100) < 1e-9, "p99.5 of 1..100 is 100");
	ok(fabs(stat(&d, "tm90", 1, 100) - 45.5) < 1e-9, "tm90 averages the lowest 90 %%");
	ok(fabs(stat(&d, "TM(10%:90%)", 1, 100) - 50.5) < 1e-9, "TM(10%%:90%%) drops both tails");
	ok(fabs(stat(&d, "IQM", 1, 100) - 50.5) < 1e-9, "IQM is TM(25%%:75%%)");
	is_int(stat(&d, "tc90", 1, 100), 90, "tc90 counts the lowest 90 %%");
	is_int(stat(&d, "ts10", 1, 100), 55, "ts10 sums 1..10");
	is_int(stat(&d, "TC(10:20)", 1, 100), 10, "TC(10:20) counts values in (10, 20]");
	is_int(stat(&d, "PR(:50)", 1, 100), 50, "PR(:50) is the percent of values <= 50");
	ok(fabs(stat(&d, "wm90", 1, 100) - (4095.0 + 10 * 90) / 100) < 1e-9,
	   "wm90 counts the top 10 %% as the 90th value");
	mdist_release(&d);
}

TEST(dist__counts_and_sets)
{
	struct mdist d = MDIST_INIT;
	mdist_add(&d, 10, 9);
	mdist_add(&d, 1000, 1);
	is_int(stat(&d, "p90", 10, 1000), 10, "a count weighs a value");
	is_int(stat(&d, "p91", 10, 1000), 1000, "the tail value past the count");
	mdist_add_set(&d, 4, 20, 5, 5);
	ok(mdist_usable(&d), "a set of one repeated value keeps percentiles");
	mdist_add_set(&d, 2, 10, 1, 9);
	ok(!mdist_usable(&d), "any other statistic set makes them unavailable");
	mdist_release(&d);
	mdist_add(&d, -1, 1);
	ok(isnan(stat(&d, "p50", -1, -1)), "no percentile once a value is negative");
	mdist_release(&d);
}

TEST(dist__sketch_within_half_a_percent)
{
	struct mdist d = MDIST_INIT;
	for (int i = 1; i <= 100000; i++)
		mdist_add(&d, i * 0.01, 1);
	ok(d.sketch, "100,000 distinct values make a sketch");
	ok(d.n < 2000, "the sketch stays small (%zu bins)", d.n);
	double p99 = stat(&d, "p99", 0.01, 1000);
	ok(fabs(p99 - 990) / 990 < 0.005, "p99 within 0.5 %% (%.3f)", p99);
	double p50 = stat(&d, "p50", 0.01, 1000);
	ok(fabs(p50 - 500) / 500 < 0.005, "p50 within 0.5 %% (%.3f)", p50);
	unsigned char *blob;
	size_t len = mdist_encode(&d, &blob);
	struct mdist back;
	ok(mdist_decode(&back, blob, len), "the sketch decodes");
	ok(stat(&back, "p99", 0.01, 1000) == p99, "and answers the same");
	ok(!mdist_decode(&back, blob, len - 1), "a truncated blob is refused");
	free(blob);
	mdist_release(&back);
	mdist_release(&d);
}

TEST(dist__statistic_names)
{
	static const char *const good[] = { "p99",         "p99.9",        "P50",      "tm90",
					    "TM(10%:90%)", "TM(100:200)",  "tc(:50%)", "wm99",
					    "PR(:300)",    "pr(100:2000)", "IQM",      "ts(10%:)" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(mdist_stat_valid(good[i]), "%s is a statistic", good[i]);
	static const char *const bad[] = { "p",           "p101",       "pfoo", "TM(90%:10%)",
					   "PR(10%:20%)", "TM(10%:20)", "TM()", "p99x",
					   "Average",     "IQM2",       "tm" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!mdist_stat_valid(bad[i]), "%s is not", bad[i]);
}

/* Series for math: metric1 and metric2 of the documentation's examples. */
struct env_data {
	struct mm_ts ts[3];
};

static bool lookup(void *ctx, const char *id, struct mm_val *out)
{
	struct env_data *e = ctx;
	for (int i = 0; i < 3; i++)
		if (strcmp(e->ts[i].id, id) == 0) {
			memset(out, 0, sizeof(*out));
			out->kind = MM_SERIES;
			out->ts = malloc(sizeof(*out->ts));
			mm_ts_copy(&out->ts[0], &e->ts[i]);
			out->nts = 1;
			return true;
		}
	return false;
}

static void series(struct mm_ts *t, const char *id, const double *v, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->id = strdup(id);
	t->label = strdup(id);
	t->start = 0;
	t->step = 60000;
	t->n = n;
	t->v = malloc(n * sizeof(double));
	memcpy(t->v, v, n * sizeof(double));
	t->metric = true;
}

/* Evaluate text and print its values as "a,b,-,c". */
static void run(struct env_data *d, const char *text, char *out, size_t n)
{
	struct mm_err e;
	struct mm_expr *x = mm_parse(text, &e);
	out[0] = '\0';
	if (!x) {
		snprintf(out, n, "parse: %.200s", e.msg);
		return;
	}
	struct mm_env env = { lookup, d, d->ts, 3, 0, 60000, 5 };
	struct mm_val v;
	if (!mm_eval(x, &env, &v, &e)) {
		snprintf(out, n, "eval: %.200s", e.msg);
		mm_expr_free(x);
		return;
	}
	if (v.kind == MM_SCALAR) {
		snprintf(out, n, "%g", v.scalar);
	} else {
		for (size_t k = 0; k < v.nts; k++)
			for (size_t i = 0; i < v.ts[k].n; i++) {
				size_t len = strlen(out);
				if (isnan(v.ts[k].v[i]))
					snprintf(out + len, n - len, "%s-", len ? "," : "");
				else
					snprintf(out + len, n - len, "%s%g", len ? "," : "",
						 v.ts[k].v[i]);
			}
	}
	mm_val_release(&v);
	mm_expr_free(x);
}

TEST(math__operators_as_documented)
{
	struct env_data d;
	double m1[] = { 30, 20, 0, 0, NAN }, m2[] = { 20, NAN, 20, NAN, NAN },
	       m3[] = { 1, 1, 0, 0, NAN };
	series(&d.ts[0], "metric1", m1, 5);
	series(&d.ts[1], "metric2", m2, 5);
	series(&d.ts[2], "cond", m3, 5);
	char out[256];
	run(&d, "(metric1 < metric2)", out, sizeof(out));
	is_str(out, "0,0,1,0,-", "a missing value counts as 0 beside a present one");
	run(&d, "(metric1 >= 30)", out, sizeof(out));
	is_str(out, "1,0,0,0,-", "a comparison with a number");
	run(&d, "(metric1 > 15 AND metric2 > 15)", out, sizeof(out));
	is_str(out, "1,0,0,0,-", "AND");
	run(&d, "100*metric2/metric1", out, sizeof(out));
	is_str(out, "66.6667,0,-,-,-", "division by zero drops the point");
	run(&d, "FILL(metric2, 0)", out, sizeof(out));
	is_str(out, "20,0,20,0,0", "FILL with a number");
	run(&d, "FILL(metric2, REPEAT)", out, sizeof(out));
	is_str(out, "20,20,20,20,20", "FILL REPEAT");
	run(&d, "IF(cond, metric2, 5)", out, sizeof(out));
	is_str(out, "20,0,5,5,-", "IF with a series and a number (the documentation's table)");
	run(&d, "SUM(metric1)", out, sizeof(out));
	is_str(out, "50", "SUM of a series is a number");
	run(&d, "SUM([metric1, metric2])", out, sizeof(out));
	is_str(out, "50,20,20,0,-", "SUM of an array is a series");
	run(&d, "METRIC_COUNT(METRICS())", out, sizeof(out));
	is_str(out, "3", "METRICS() lists the metrics");
	run(&d, "metric1 - AVG(metric1)", out, sizeof(out));
	is_str(out, "17.5,7.5,-12.5,-12.5,-", "a series minus a number");
	run(&d, "-2^2", out, sizeof(out));
	is_str(out, "-4", "^ binds tighter than a unary minus");
	run(&d, "2^-1", out, sizeof(out));
	is_str(out, "0.5", "a unary minus in an exponent");
	run(&d, "PERIOD(metric1)", out, sizeof(out));
	is_str(out, "60", "PERIOD of a metric");
	run(&d, "RUNNING_SUM(metric1)", out, sizeof(out));
	is_str(out, "30,50,50,50,-", "RUNNING_SUM");
	run(&d, "DIFF(metric1)", out, sizeof(out));
	is_str(out, "-,-10,-20,0,-", "DIFF");
	run(&d, "FIRST(SORT(METRICS(), MAX, DESC))", out, sizeof(out));
	is_str(out, "30,20,0,0,-", "SORT by MAX, descending");
	for (int i = 0; i < 3; i++)
		mm_ts_release(&d.ts[i]);
}

TEST(math__errors_say_where)
{
	struct mm_err e;
	ok(!mm_parse("100*(m1", &e), "an unclosed parenthesis");
	ok(strstr(e.msg, "expected ')'") && e.col == 8, "at its column (%s)", e.msg);
	ok(!mm_parse("m1 +", &e) && strstr(e.msg, "end of expression"), "a dangling operator");
	ok(!mm_parse("", &e), "an empty expression");
	ok(!mm_parse("m1 $ 2", &e) && e.col == 4, "an unknown character at its column");
	ok(!mm_parse("\"open", &e), "an unterminated string");
	char deep[400];
	memset(deep, '(', 300);
	deep[300] = '\0';
	ok(!mm_parse(deep, &e) && strstr(e.msg, "too deeply"), "nesting is bounded");
	struct env_data d;
	double v[] = { 1, 2, 3, 4, 5 };
	series(&d.ts[0], "a", v, 5);
	series(&d.ts[1], "b", v, 5);
	series(&d.ts[2], "c", v, 5);
	char out[256];
	run(&d, "FOO(a)", out, sizeof(out));
	ok(strstr(out, "Unknown function FOO"), "an unknown function (%s)", out);
	run(&d, "zz + 1", out, sizeof(out));
	ok(strstr(out, "Unknown metric or expression id zz"), "an unknown id (%s)", out);
	run(&d, "[a, b] + [b, c]", out, sizeof(out));
	ok(strstr(out, "arrays"), "two arrays do not combine (%s)", out);
	run(&d, "FILL(a, SOMETIMES)", out, sizeof(out));
	ok(strstr(out, "REPEAT or LINEAR"), "FILL's options (%s)", out);
	for (int i = 0; i < 3; i++)
		mm_ts_release(&d.ts[i]);
}

/* One row of the documentation's tables: datapoints oldest first, X breaching, 0 not, -
 * missing; the state for MISSING, IGNORE, BREACHING, NOT BREACHING. */
static void row(int n, int m, const char *points, const char *const want[4])
{
	double v[16];
	size_t r = 0;
	for (const char *p = points; *p; p++) {
		if (*p == ' ')
			continue;
		v[r++] = *p == 'X' ? 5 : *p == '0' ? 0 : NAN;
	}
	static const char *const treats[] = { "missing", "ignore", "breaching", "notBreaching" };
	static const char *const names[] = { "OK", "ALARM", "INSUFFICIENT_DATA", "KEEP" };
	for (int t = 0; t < 4; t++) {
		bool used[16];
		int filled;
		enum cw_decision d = cw_alarm_decide(v, r, n, m, "GreaterThanOrEqualToThreshold", 1,
						     treats[t], used, &filled);
		char what[128];
		snprintf(what, sizeof(what), "%d of %d, %s, %s", m, n, points, treats[t]);
		is_str(names[d], want[t], what);
	}
}

TEST(alarm__decides_as_documented)
{
	is_int(cw_alarm_range(3), 5, "three evaluation periods retrieve five datapoints");
	/* Datapoints to alarm and evaluation periods both 3. */
	row(3, 3, "0 - X - X", (const char *const[]){ "OK", "OK", "OK", "OK" });
	row(3, 3, "0 - - - -", (const char *const[]){ "OK", "OK", "OK", "OK" });
	row(3, 3, "- - - - -", (const char *const[]){ "INSUFFICIENT_DATA", "KEEP", "ALARM", "OK" });
	row(3, 3, "0 X X - X", (const char *const[]){ "ALARM", "ALARM", "ALARM", "ALARM" });
	row(3, 3, "- - - - X", (const char *const[]){ "INSUFFICIENT_DATA", "KEEP", "ALARM", "OK" });
	row(3, 3, "X - - - -", (const char *const[]){ "ALARM", "KEEP", "ALARM", "OK" });
	/* 2 out of 3. */
	row(3, 2, "0 - X - X", (const char *const[]){ "ALARM", "ALARM", "ALARM", "ALARM" });
	row(3, 2, "0 0 X 0 X", (const char *const[]){ "ALARM", "ALARM", "ALARM", "ALARM" });
	row(3, 2, "0 - X - -", (const char *const[]){ "OK", "OK", "ALARM", "OK" });
	row(3, 2, "- - - - 0", (const char *const[]){ "OK", "OK", "ALARM", "OK" });
	row(3, 2, "- - - - X", (const char *const[]){ "INSUFFICIENT_DATA", "KEEP", "ALARM", "OK" });
	/* One period: the plain case. */
	row(1, 1, "- - X", (const char *const[]){ "ALARM", "ALARM", "ALARM", "ALARM" });
	row(1, 1, "- - 0", (const char *const[]){ "OK", "OK", "OK", "OK" });
}

TEST(emf__extracts_as_documented)
{
	long long now = 1765000000000LL;
	char why[300];
	struct emf_batch b;
	const char *ok = "{\"_aws\":{\"Timestamp\":1765000000000,\"CloudWatchMetrics\":[{"
			 "\"Namespace\":\"Shop\",\"Dimensions\":[[\"service\",\"Store\"],[]],"
			 "\"Metrics\":[{\"Name\":\"Orders\",\"Unit\":\"Count\"},{\"Name\":"
			 "\"Latency\",\"Unit\":\"Milliseconds\",\"StorageResolution\":1}]}]},"
			 "\"Store\":\"paris\",\"service\":\"shop\",\"Orders\":2,"
			 "\"Latency\":[10,20,30],\"extra\":{\"a\":1}}\n";
	is_int(emf_parse(ok, strlen(ok), now, 5000, &b, why, sizeof(why)), EMF_OK, "EMF is read");
	is_int((long long)b.n, 4, "... each metric once per dimension set");
	is_str(b.items[0].dims,
	       "[{\"Name\":\"Store\",\"Value\":\"paris\"},{\"Name\":\"service\","
	       "\"Value\":\"shop\"}]",
	       "... its dimensions sorted by name, with the event's values");
	is_str(b.items[2].dims, "[]", "... an empty set: no dimensions");
	ok(b.items[1].nvalues == 3 && b.items[1].hires &&
		   strcmp(b.items[1].unit, "Milliseconds") == 0,
	   "... an array of values, its unit and high resolution");
	ok(b.items[0].ts_ms == now + 5000 && b.items[0].values[0] == 2,
	   "... at its Timestamp moved by the clock's lead");
	emf_batch_release(&b);
	static const struct {
		const char *line;
		int want;
	} cases[] = {
		{ "plain text", EMF_NONE },
		{ "{\"level\":\"INFO\"}", EMF_NONE },
		{ "{\"_aws\": {", EMF_PARSE },
		{ "{\"_aws\":{}} trailing", EMF_PARSE },
		{ "{\"_aws\":{\"CloudWatchMetrics\":[]}}", EMF_INVALID },
		{ "{\"_aws\":{\"Timestamp\":1765000000000,\"CloudWatchMetrics\":[{\"Namespace\":"
		  "\"S\",\"Dimensions\":[[\"d\"]],\"Metrics\":[{\"Name\":\"m\"}]}]},\"m\":1}",
		  EMF_INVALID },
		{ "{\"_aws\":{\"Timestamp\":1765000000000,\"CloudWatchMetrics\":[{\"Namespace\":"
		  "\"S\",\"Dimensions\":[[\"d\"]],\"Metrics\":[{\"Name\":\"m\"}]}]},\"d\":3,"
		  "\"m\":1}",
		  EMF_INVALID },
		{ "{\"_aws\":{\"Timestamp\":1765000000000,\"CloudWatchMetrics\":[{\"Namespace\":"
		  "\"S\",\"Dimensions\":[],\"Metrics\":[{\"Name\":\"m\",\"Unit\":\"Apples\"}]}]},"
		  "\"m\":1}",
		  EMF_INVALID },
		{ "{\"_aws\":{\"Timestamp\":1,\"CloudWatchMetrics\":[]}}", EMF_INVALID },
		{ "{\"_aws\":{\"Timestamp\":1765000000000,\"CloudWatchMetrics\":[{\"Namespace\":"
		  "\"AWS/Lambda\",\"Dimensions\":[],\"Metrics\":[]}]}}",
		  EMF_INVALID },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = emf_parse(cases[i].line, strlen(cases[i].line), now, 0, &b, why,
				  sizeof(why));
		is_int(r, cases[i].want, cases[i].line);
		ok(b.n == 0 && (r < EMF_PARSE || why[0]), "... adds nothing, and says why: %s",
		   why);
	}
}

/* The one period of ref's metric in the minute from 60 s, or none (count 0). */
static struct metric_period one_period(struct metrics *m, const struct metric_ref *ref)
{
	struct metric_period *p = NULL, got = { 0 };
	size_t n = metrics_get(m, ref, NULL, 60000, 120000, 60000, false, &p);
	if (n == 1)
		got = p[0];
	got.dist = (struct mdist)MDIST_INIT;
	metric_periods_free(p, n);
	return got;
}

TEST(metrics__many_values_land_with_single_ones)
{
	struct error err;
	struct cloud_db *db = cloud_db_open(":memory:", &err);
	/* The store's tables, as CloudWatch's first migration makes them. */
	pthread_mutex_lock(&db->mu);
	cloud_db_exec(db, "CREATE TABLE cw_metrics(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
			  " namespace TEXT NOT NULL, name TEXT NOT NULL, dims TEXT NOT NULL,"
			  " last_ts INTEGER NOT NULL, UNIQUE(account, namespace, name, dims));"
			  "CREATE TABLE cw_data(metric INTEGER NOT NULL, ts INTEGER NOT NULL,"
			  " res INTEGER NOT NULL, unit TEXT NOT NULL, count REAL NOT NULL,"
			  " sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, dist BLOB,"
			  " PRIMARY KEY(metric, ts, res, unit)) WITHOUT ROWID;");
	pthread_mutex_unlock(&db->mu);
	struct metrics *m = metrics_new(db);
	struct metric_ref ref = { "111122223333", "AWS/Lambda", "Duration",
				  "[{\"Name\":\"FunctionName\",\"Value\":\"f\"}]" };
	metrics_add(m, &ref, "Milliseconds", 60500, false, 10, 1);
	const struct metric_value v[] = {
		{ "Duration", "Milliseconds", 30 },
		{ "Invocations", "Count", 1 },
		{ "Errors", "Count", NAN },
		{ "Throttles", NULL, 0 },
	};
	metrics_add_many(m, &ref, 61000, v, 4);
	metrics_add_many(m, &ref, 62000, v + 1, 1);
	/* Before and after they are written, the same answers. */
	for (int flushed = 0; flushed < 2; flushed++) {
		if (flushed)
			metrics_flush(m);
		ref.name = "Duration";
		struct metric_period d = one_period(m, &ref);
		ok(d.count == 2 && d.sum == 40 && d.min == 10 && d.max == 30 &&
			   strcmp(d.unit, "Milliseconds") == 0,
		   "%s: a value of a batch joins the period of a single add (count %g, sum %g)",
		   flushed ? "written" : "pending", d.count, d.sum);
		ref.name = "Invocations";
		d = one_period(m, &ref);
		ok(d.count == 2 && d.sum == 2 && strcmp(d.unit, "Count") == 0,
		   "%s: two batches, one period (count %g)", flushed ? "written" : "pending",
		   d.count);
		ref.name = "Errors";
		ok(one_period(m, &ref).count == 0, "a value that is not finite is left out");
		ref.name = "Throttles";
		d = one_period(m, &ref);
		ok(d.count == 1 && d.sum == 0 && strcmp(d.unit, "None") == 0,
		   "a zero counts; no unit is None (%s)", d.unit);
	}
	ref.dims = "[]";
	ref.name = "Invocations";
	ok(one_period(m, &ref).count == 0, "other dimensions, another metric");
	metrics_free(m);
	cloud_db_close(db);
}

int main(void)
{
	RUN(dist__percentiles_are_exact_for_few_values);
	RUN(dist__counts_and_sets);
	RUN(dist__sketch_within_half_a_percent);
	RUN(dist__statistic_names);
	RUN(math__operators_as_documented);
	RUN(math__errors_say_where);
	RUN(alarm__decides_as_documented);
	RUN(emf__extracts_as_documented);
	RUN(metrics__many_values_land_with_single_ones);
	return done();
}
