/*
 * CloudWatch's metric math: the expression language of GetMetricData and of alarms on
 * expressions. An expression is parsed once (mm_parse) into a tree, then evaluated over time
 * series on a grid (a start, a step, n slots; a missing value is NaN).
 *
 * Values are scalars, time series, or arrays of time series. The operators are + - * / ^,
 * unary minus, the comparisons == != < <= > >= and AND (&&), OR (||), NOT (!); functions are
 * written in capitals: ABS AVG CEIL DATAPOINT_COUNT DIFF DIFF_TIME FILL FIRST FLOOR IF LAST
 * LOG LOG10 MAX METRIC_COUNT METRICS MIN PERIOD RATE REMOVE_EMPTY RUNNING_SUM SLICE SORT
 * STDDEV SUM TIME_SERIES MINUTE HOUR DAY DATE MONTH YEAR EPOCH. As in CloudWatch, arithmetic
 * between two series takes a missing value as 0 where the other has one, and drops a point
 * that divides by zero; a comparison does the same; metric and expression ids start with a
 * lowercase letter.
 */
#ifndef CLOUD_MONITORING_MATH_H
#define CLOUD_MONITORING_MATH_H

#include <stdbool.h>
#include <stddef.h>

/* What went wrong, and where (1-based column in the expression; 0 when not tied to one). */
struct mm_err {
	char msg[256];
	int col;
};

/* One time series on a grid. */
struct mm_ts {
	char *id, *label;
	long long start, step; /* ms */
	size_t n;
	double *v;   /* n values; NaN: no data */
	bool metric; /* a metric's data, not an expression's result (PERIOD, METRICS) */
};

enum mm_kind {
	MM_SCALAR,
	MM_SERIES,
	MM_ARRAY,
};

struct mm_val {
	enum mm_kind kind;
	double scalar;
	struct mm_ts *ts; /* SERIES: one; ARRAY: nts */
	size_t nts;
};

struct mm_expr;

/* Parse text. NULL with e filled on a syntax error. Free with mm_expr_free(). */
struct mm_expr *mm_parse(const char *text, struct mm_err *e);
void mm_expr_free(struct mm_expr *x);

/* The ids an expression names (borrowed, valid until mm_expr_free()), in order of appearance,
 * each once. Returns how many; *ids is the caller's to free (the array only). Whether it calls
 * METRICS() is *all. */
size_t mm_refs(const struct mm_expr *x, const char ***ids, bool *all);

/*
 * Where evaluation finds the series an id names: lookup fills out with a copy (the caller of
 * mm_eval releases it) or returns false when the id is unknown. metrics lists the results of
 * every MetricStat query in request order (for METRICS()).
 */
struct mm_env {
	bool (*lookup)(void *ctx, const char *id, struct mm_val *out);
	void *ctx;
	const struct mm_ts *metrics;
	size_t nmetrics;
	/* The grid of the request (TIME_SERIES, a scalar result). */
	long long start, step;
	size_t n;
};

/* Evaluate. False with e filled (a type error, an unknown id or function). */
bool mm_eval(const struct mm_expr *x, const struct mm_env *env, struct mm_val *out,
	     struct mm_err *e);

/* Copies and releases. */
void mm_ts_copy(struct mm_ts *dst, const struct mm_ts *src);
void mm_ts_release(struct mm_ts *t);
void mm_val_release(struct mm_val *v);

#endif
