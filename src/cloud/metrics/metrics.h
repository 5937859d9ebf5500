/*
 * CloudWatch's metric store, shared by what publishes metrics (Lambda's own, the embedded
 * metric format in log events) and what reads them (the CloudWatch API, alarms, the console).
 *
 * A metric is an account's namespace, name and set of dimensions. Its data are kept per
 * period: one row per minute (standard resolution) or per second (high resolution), per unit,
 * with the sample count, sum, minimum, maximum and the distribution of the values (dist.h)
 * that percentiles need. Adding is cheap and in memory (a hash of the current periods under
 * one mutex, nothing allocated for a period already seen); metrics_flush() writes what was
 * added to the database (<workspace>/.cloud/cloud.db, tables cw_metrics and cw_data, created
 * by the CloudWatch service's migrations). Reads flush first.
 *
 * As CloudWatch does, high-resolution data are kept per second for three hours, then per
 * minute; per-minute data are kept for 15 days, then per 5 minutes; those for 63 days, then
 * per hour, for 455 days (metrics_rollup()).
 *
 * Thread-safe. Times are milliseconds since the epoch on the cloud's virtual clock.
 */
#ifndef CLOUD_METRICS_METRICS_H
#define CLOUD_METRICS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/metrics/dist.h"

struct cJSON;
struct cloud_db;
struct strbuf;

/* One metric. Borrowed strings; dims is the canonical text of its dimensions. */
struct metric_ref {
	const char *account;
	const char *ns;
	const char *name;
	const char *dims; /* metrics_dims_canon(): "[]" for none */
};

struct metrics;

/* db is borrowed and must outlive the store. Free with metrics_free(), which flushes. */
struct metrics *metrics_new(struct cloud_db *db);
void metrics_free(struct metrics *m);

/*
 * Add count occurrences of value at ts_ms, in unit ("None" when NULL), at high resolution
 * (1 second) or standard (1 minute). value must be finite.
 */
void metrics_add(struct metrics *m, const struct metric_ref *ref, const char *unit, long long ts_ms,
		 bool hires, double value, double count);
/* One value of metrics_add_many(): its metric's name and unit ("None" when NULL). */
struct metric_value {
	const char *name, *unit;
	double value;
};
/*
 * Add one occurrence of each of n values at ts_ms, at standard resolution, to metrics that
 * share ref's account, namespace and dimensions (ref->name unused): one lock and one hash of
 * what they share. Values that are not finite are left out.
 */
void metrics_add_many(struct metrics *m, const struct metric_ref *ref, long long ts_ms,
		      const struct metric_value *v, size_t n);
/* Add a statistic set. */
void metrics_add_set(struct metrics *m, const struct metric_ref *ref, const char *unit,
		     long long ts_ms, bool hires, double count, double sum, double min, double max);
/* Write what was added to the database. */
void metrics_flush(struct metrics *m);
/* Move data past their resolution's retention to the next coarser one (see the top). */
void metrics_rollup(struct metrics *m, long long now_ms);
/* Forget every metric of an account. */
void metrics_reset_account(struct metrics *m, const char *account);

/* One period of a query's answer. */
struct metric_period {
	long long ts; /* the period's start */
	char unit[32];
	double count, sum, min, max;
	struct mdist dist; /* empty unless asked for */
};

/*
 * The data of one metric in the periods [start + k * period, ...) up to end, as many as hold
 * data: one per period and unit (or only unit when not NULL). want_dist fills dist. Returns
 * how many, *out sorted by time then unit; free with metric_periods_free().
 */
size_t metrics_get(struct metrics *m, const struct metric_ref *ref, const char *unit,
		   long long start_ms, long long end_ms, long long period_ms, bool want_dist,
		   struct metric_period **out);
void metric_periods_free(struct metric_period *p, size_t n);

/*
 * Every metric of an account (ns and name: only those, when not NULL) that received data at
 * or after since_ms, in namespace, name, dimensions order. fn returns false to stop.
 */
typedef bool (*metrics_list_fn)(void *ctx, const char *ns, const char *name, const char *dims);
void metrics_list(struct metrics *m, const char *account, const char *ns, const char *name,
		  long long since_ms, metrics_list_fn fn, void *ctx);

/*
 * The canonical text of a list of dimensions (cJSON array of {"Name","Value"} objects, or
 * NULL): sorted by name, as compact JSON. Caller frees.
 */
char *metrics_dims_canon(const struct cJSON *dims);
/* Append the canonical text of n dimensions given as names[i] = values[i] (sorted by the
 * caller) to sb. */
void metrics_dims_write(struct strbuf *sb, const char *const *names, const char *const *values,
			size_t n);

/* Whether unit is one of CloudWatch's units ("Count", "Milliseconds", "Bytes/Second"...). */
bool metrics_unit_known(const char *unit);

/* The period's value of a statistic: SampleCount, Sum, Average, Minimum, Maximum, or an
 * extended statistic (dist filled). False when it has none (a percentile of no values). */
bool metric_period_stat(const struct metric_period *p, const char *stat, double *out);

#endif
