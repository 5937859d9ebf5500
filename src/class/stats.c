/*
 * Moodle's quiz statistics (question/classes/statistics/questions/calculator.php and
 * mod/quiz/report/statistics/statistics/calculator.php), two passes over the marks.
 */
#include "class/stats.h"

#include <math.h>
#include <stdlib.h>

#include "core/xalloc.h"

static double at(const struct stats_matrix *m, size_t s, size_t i)
{
	return m->marks[s * m->n_items + i];
}

static double total(const struct stats_matrix *m, size_t s)
{
	double t = 0;
	for (size_t i = 0; i < m->n_items; i++)
		if (!isnan(at(m, s, i)))
			t += at(m, s, i);
	return t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double mean_of(const double *v, size_t n)
{
	double sum = 0;
	for (size_t k = 0; k < n; k++)
		sum += v[k];
	return n ? sum / (double)n : NAN;
}

/* C(x, y) with the S - 1 divisor; NAN for fewer than two values. */
static double covariance(const double *x, const double *y, size_t n)
{
	if (n < 2)
		return NAN;
	double mx = mean_of(x, n), my = mean_of(y, n), sum = 0;
	for (size_t k = 0; k < n; k++)
		sum += (x[k] - mx) * (y[k] - my);
	return sum / (double)(n - 1);
}

static void item_stats(const struct stats_matrix *m, size_t i, const double *t, double *x,
		       double *rest, struct stats_item *it)
{
	size_t n = 0;
	for (size_t s = 0; s < m->n_attempts; s++) {
		double v = at(m, s, i);
		if (isnan(v))
			continue;
		x[n] = v;
		rest[n] = t[s] - v;
		n++;
	}
	double max = m->max[i];
	it->n = n;
	it->facility = n && max > 0 ? 100 * mean_of(x, n) / max : NAN;
	double vx = covariance(x, x, n), vrest = covariance(rest, rest, n);
	double cxr = covariance(x, rest, n);
	it->sd = max > 0 ? 100 * sqrt(vx) / max : NAN;
	it->disc = vx > 0 && vrest > 0 ? 100 * cxr / sqrt(vx * vrest) : NAN;
	it->disc_eff = NAN;
	if (n >= 2) {
		/* The largest covariance these two marginals allow: both sorted ascending. */
		double mx = mean_of(x, n), mr = mean_of(rest, n);
		qsort(x, n, sizeof *x, cmp_double);
		qsort(rest, n, sizeof *rest, cmp_double);
		double cmax = 0;
		for (size_t k = 0; k < n; k++)
			cmax += (x[k] - mx) * (rest[k] - mr);
		cmax /= (double)(n - 1);
		if (cmax > 0)
			it->disc_eff = 100 * cxr / cmax;
	}
	it->dubious = !isnan(it->disc_eff) && it->disc_eff < 15;
	it->extreme = !isnan(it->facility) && (it->facility < 30 || it->facility > 70);
	if (isnan(it->disc))
		it->check = STATS_CHECK_UNKNOWN;
	else if (it->disc < 30)
		it->check = STATS_CHECK_VERY_LIKELY;
	else if (it->disc < 50)
		it->check = STATS_CHECK_LIKELY;
	else
		it->check = STATS_CHECK_UNLIKELY;
}

/* C(x_i, T) over the attempts that had item i. */
static double cov_with_total(const struct stats_matrix *m, size_t i, const double *t, double *x,
			     double *tt)
{
	size_t n = 0;
	for (size_t s = 0; s < m->n_attempts; s++) {
		if (isnan(at(m, s, i)))
			continue;
		x[n] = at(m, s, i);
		tt[n] = t[s];
		n++;
	}
	return covariance(x, tt, n);
}

static void test_stats(const struct stats_matrix *m, const double *t, struct stats_test *test)
{
	size_t S = m->n_attempts, P = m->n_items;
	test->n = S;
	test->max_total = 0;
	for (size_t i = 0; i < P; i++)
		test->max_total += m->max[i];
	test->mean = mean_of(t, S);
	test->median = NAN;
	test->sd = test->skewness = test->kurtosis = NAN;
	test->cic = test->er = test->se = NAN;
	if (S == 0)
		return;
	double *sorted = xmalloc(S * sizeof *sorted);
	for (size_t s = 0; s < S; s++)
		sorted[s] = t[s];
	qsort(sorted, S, sizeof *sorted, cmp_double);
	test->median = S % 2 ? sorted[S / 2] : (sorted[S / 2 - 1] + sorted[S / 2]) / 2;
	free(sorted);
	if (S < 2)
		return;
	double m2 = 0, m3 = 0, m4 = 0;
	for (size_t s = 0; s < S; s++) {
		double d = t[s] - test->mean;
		m2 += d * d;
		m3 += d * d * d;
		m4 += d * d * d * d;
	}
	double n = (double)S;
	m2 /= n;
	m3 /= n;
	m4 /= n;
	double k2 = n * m2 / (n - 1);
	test->sd = sqrt(k2);
	if (S > 2 && k2 > 0) {
		double k3 = n * n * m3 / ((n - 1) * (n - 2));
		test->skewness = k3 / pow(k2, 1.5);
	}
	if (S > 3 && k2 > 0) {
		double k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) /
			    ((n - 1) * (n - 2) * (n - 3));
		test->kurtosis = k4 / (k2 * k2);
	}
	if (P < 2 || k2 <= 0)
		return;
	double sum_v = 0;
	double *x = xmalloc(S * sizeof *x);
	bool complete = true;
	for (size_t i = 0; i < P && complete; i++) {
		for (size_t s = 0; s < S; s++) {
			x[s] = at(m, s, i);
			if (isnan(x[s]))
				complete = false;
		}
		if (complete)
			sum_v += covariance(x, x, S);
	}
	free(x);
	if (!complete)
		return;
	double p = (double)P;
	test->cic = 100 * p / (p - 1) * (1 - sum_v / k2);
	if (test->cic <= 100) {
		test->er = 100 * sqrt(1 - test->cic / 100);
		test->se = test->er / 100 * test->sd;
	}
}

void stats_compute(const struct stats_matrix *m, struct stats_item *items, struct stats_test *test)
{
	size_t S = m->n_attempts, P = m->n_items;
	double *t = xmalloc((S ? S : 1) * sizeof *t);
	double *x = xmalloc((S ? S : 1) * sizeof *x);
	double *y = xmalloc((S ? S : 1) * sizeof *y);
	for (size_t s = 0; s < S; s++)
		t[s] = total(m, s);
	double sum_max = 0, sum_sqrt = 0;
	for (size_t i = 0; i < P; i++)
		sum_max += m->max[i];
	double *cov_t = xmalloc((P ? P : 1) * sizeof *cov_t);
	for (size_t i = 0; i < P; i++) {
		cov_t[i] = cov_with_total(m, i, t, x, y);
		if (cov_t[i] >= 0)
			sum_sqrt += sqrt(cov_t[i]);
	}
	for (size_t i = 0; i < P; i++) {
		item_stats(m, i, t, x, y, &items[i]);
		items[i].intended = sum_max > 0 ? 100 * m->max[i] / sum_max : NAN;
		items[i].effective =
			cov_t[i] >= 0 && sum_sqrt > 0 ? 100 * sqrt(cov_t[i]) / sum_sqrt : NAN;
	}
	test_stats(m, t, test);
	free(cov_t);
	free(y);
	free(x);
	free(t);
}

const char *stats_check_name(enum stats_check check)
{
	switch (check) {
	case STATS_CHECK_UNKNOWN:
		return "";
	case STATS_CHECK_VERY_LIKELY:
		return "very likely";
	case STATS_CHECK_LIKELY:
		return "likely";
	case STATS_CHECK_UNLIKELY:
		return "unlikely";
	}
	abort();
}
