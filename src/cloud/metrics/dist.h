/*
 * The distribution of a metric's values within one period, for percentiles and the other
 * extended statistics (trimmed means, trimmed counts and sums, winsorized means, percentile
 * ranks). It holds the exact values with their counts while they are few (MDIST_EXACT_MAX
 * distinct values), then turns into a logarithmic sketch: each value falls into the bin
 * [g^(i-1), g^i) with g = (1 + a) / (1 - a), a = 0.5 %, and a bin answers with the value
 * 2 g^i / (g + 1), within 0.5 % of every value in it. So percentiles are exact for up to
 * MDIST_EXACT_MAX distinct values in a period, and within 0.5 % beyond.
 *
 * Percentiles follow nearest rank: pN is the smallest value v such that at least N % of
 * the values are <= v. As in CloudWatch, no percentile is available for a period that holds
 * a negative value, or a statistic set that is not a single repeated value.
 */
#ifndef CLOUD_METRICS_DIST_H
#define CLOUD_METRICS_DIST_H

#include <stdbool.h>
#include <stddef.h>

#define MDIST_EXACT_MAX 512

struct mdist_bin {
	double key; /* exact: the value; sketch: the bin's index */
	double count;
};

struct mdist {
	bool sketch;
	bool negative; /* a value below zero was added */
	bool opaque;   /* a statistic set that is not one repeated value was added */
	double zeros;  /* sketch: how many values were exactly 0 */
	size_t n, alloc;
	struct mdist_bin *bins; /* sorted by key */
};

#define MDIST_INIT                                 \
	{                                          \
		false, false, false, 0, 0, 0, NULL \
	}

/* Add count occurrences of v (v finite, count > 0). */
void mdist_add(struct mdist *d, double v, double count);
/* Add a statistic set: a single repeated value keeps percentiles, any other makes them
 * unavailable. */
void mdist_add_set(struct mdist *d, double count, double sum, double min, double max);
void mdist_merge(struct mdist *d, const struct mdist *o);
/* Free the bins and zero d. No-op on a zeroed mdist. */
void mdist_release(struct mdist *d);
/* Whether percentiles can be answered (values were added, none negative, none opaque). */
bool mdist_usable(const struct mdist *d);

/* The values in ascending order with their counts (sketch bins as their middle values, kept
 * within [min, max]). Returns how many; *out is the caller's to free. */
size_t mdist_values(const struct mdist *d, double min, double max, struct mdist_bin **out);

/*
 * One extended statistic, as GetMetricStatistics and metric math name it: p99, p99.9, tm90,
 * TM(10%:90%), TM(100:200), wm99, WM(..), tc90, TC(..), ts90, TS(..), PR(:300), PR(100:2000),
 * IQM. Case-insensitive. Returns false when the name is not one (then *valid is false), or
 * when the distribution cannot answer it (no values, a negative value, a statistic set, an
 * empty range: *valid true). min and max are the period's own.
 */
bool mdist_stat(const struct mdist *d, const char *name, double min, double max, double *out,
		bool *valid);
/* Whether name is a well-formed extended statistic (the check of stat names in requests). */
bool mdist_stat_valid(const char *name);

/* The distribution as bytes for storage (caller frees *out), and back. decode returns false
 * on bytes it did not write (d is then empty). */
size_t mdist_encode(const struct mdist *d, unsigned char **out);
bool mdist_decode(struct mdist *d, const void *data, size_t len);

#endif
