/*
 * What recording Lambda's built-in metrics costs a warm invoke, for bench/metrics.sh: N
 * invocations' worth of the store's calls lambda_metrics_record() makes for an unqualified
 * invoke (Invocations, Errors, Throttles and Duration for the account and for the function,
 * ConcurrentExecutions and UnreservedConcurrentExecutions for the account, ConcurrentExecutions
 * for the function), one invoke a millisecond apart on the clock, into a store on a fresh
 * database; then the flush that writes them. Best and median of R runs, in µs per invoke, of
 * wall and CPU time, with and without the flush shared out among the invokes.
 *
 *	metrics-bench N R DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cloud/db.h"
#include "cloud/metrics/metrics.h"
#include "core/error.h"

static double clock_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: metrics-bench N RUNS DIR\n");
		return 2;
	}
	long n = atol(argv[1]);
	int runs = atoi(argv[2]);
	if (n < 1 || runs < 1) {
		fprintf(stderr, "metrics-bench: bad N or RUNS\n");
		return 2;
	}
	double *add = malloc((size_t)runs * sizeof(*add));
	double *all = malloc((size_t)runs * sizeof(*all));
	double *cpu = malloc((size_t)runs * sizeof(*cpu));
	for (int k = 0; k < runs; k++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/metrics-%d.db", argv[3], k);
		struct error err;
		error_clear(&err);
		struct cloud_db *db = cloud_db_open(path, &err);
		if (!db) {
			fprintf(stderr, "metrics-bench: %s\n", err.msg);
			return 1;
		}
		struct metrics *m = metrics_new(db);
		double t0 = clock_us(CLOCK_MONOTONIC), c0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
		for (long i = 0; i < n; i++) {
			long long at = 1765000000000LL + i;
			const struct metric_value v[] = {
				{ "Invocations", "Count", 1 },
				{ "Errors", "Count", 0 },
				{ "Throttles", "Count", 0 },
				{ "Duration", "Milliseconds", 1.0 + (double)(i % 97) },
			};
			struct metric_ref set = { "123456789012", "AWS/Lambda", NULL, "[]" };
			metrics_add_many(m, &set, at, v, 4);
			set.dims = "[{\"Name\":\"FunctionName\",\"Value\":\"orders\"}]";
			metrics_add_many(m, &set, at, v, 4);
			const struct metric_value account_wide[] = {
				{ "ConcurrentExecutions", "Count", 1 },
				{ "UnreservedConcurrentExecutions", "Count", 1 },
			};
			set.dims = "[]";
			metrics_add_many(m, &set, at, account_wide, 2);
			set.dims = "[{\"Name\":\"FunctionName\",\"Value\":\"orders\"}]";
			metrics_add_many(m, &set, at, account_wide, 1);
		}
		double t1 = clock_us(CLOCK_MONOTONIC);
		metrics_flush(m);
		double t2 = clock_us(CLOCK_MONOTONIC), c2 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
		add[k] = (t1 - t0) / (double)n;
		all[k] = (t2 - t0) / (double)n;
		cpu[k] = (c2 - c0) / (double)n;
		metrics_free(m);
		cloud_db_close(db);
		remove(path);
	}
	qsort(add, (size_t)runs, sizeof(*add), cmp_double);
	qsort(all, (size_t)runs, sizeof(*all), cmp_double);
	qsort(cpu, (size_t)runs, sizeof(*cpu), cmp_double);
	printf("recording, per invoke: best %.2f us, median %.2f us; with the flush: median %.2f "
	       "us "
	       "(cpu %.2f us)\n",
	       add[0], add[runs / 2], all[runs / 2], cpu[runs / 2]);
	free(add);
	free(all);
	free(cpu);
	return 0;
}
