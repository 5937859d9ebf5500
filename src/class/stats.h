/*
 * Item analysis as Moodle's quiz statistics compute it (reference/assessment.md, section 2):
 * per item facility, standard deviation, discrimination index and discriminative efficiency,
 * intended and effective weights; per test mean, median, SD, skewness, kurtosis, Cronbach's
 * alpha (CIC) with its error ratio and standard error, and the flags Moodle raises.
 * Pure arithmetic over a matrix of marks; nothing here reads records.
 */
#ifndef CLASS_STATS_H
#define CLASS_STATS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Marks of S attempts on P items, row-major (marks[s * P + i]). NAN marks an item the attempt
 * did not include (a random draw): that item's statistics use only the attempts that had it,
 * with the attempt's whole total as T, as Moodle does for random slots. Borrowed.
 */
struct stats_matrix {
	size_t n_attempts, n_items;
	const double *marks;
	const double *max; /* per item, the item's maximum mark */
};

/* Moodle's question bank column "Needs checking?" (MDL-72075): D < 30, D < 50, else. */
enum stats_check {
	STATS_CHECK_UNKNOWN, /* D undefined */
	STATS_CHECK_VERY_LIKELY,
	STATS_CHECK_LIKELY,
	STATS_CHECK_UNLIKELY,
};

/* One item. NAN where a figure is undefined (no spread, fewer than two attempts). */
struct stats_item {
	size_t n;         /* attempts that included the item */
	double facility;  /* 100 * mean / max */
	double sd;        /* 100 * sqrt(V(x)) / max */
	double disc;      /* D: 100 * r(item, rest of test) */
	double disc_eff;  /* DE: 100 * C(x, X) / C_max */
	double intended;  /* IW: 100 * max / sum of max */
	double effective; /* EW: 100 * sqrt(C(x, T)) / sum of sqrt(C(x_j, T)); NAN if C < 0 */
	bool dubious;     /* the quiz report's flag: DE < 15 */
	bool extreme;     /* facility outside 30..70 % */
	enum stats_check check;
};

/* The whole test, over the attempts' totals. NAN where undefined. */
struct stats_test {
	size_t n; /* attempts */
	double max_total;
	double mean, median, sd;
	double skewness; /* S > 2 */
	double kurtosis; /* S > 3 */
	double cic;      /* Cronbach's alpha * 100; needs P > 1 and no missing marks */
	double er;       /* error ratio, % */
	double se;       /* standard error, in marks */
};

/* Fill items[0..P-1] and *test from m. */
void stats_compute(const struct stats_matrix *m, struct stats_item *items, struct stats_test *test);

/* "very likely", "likely", "unlikely" or "" */
const char *stats_check_name(enum stats_check check);

#endif
