/*
 * Logs Insights' run over many events, for bench/insights.sh: N of Lambda's REPORT lines (one
 * every 600 ms, durations varying) through a query, best and median of R runs in ms, of wall
 * time and of the process's CPU time (what a loaded machine does not inflate).
 *
 *	insights-bench N R QUERY
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cloud/logs/insights.h"

static double clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: insights-bench N RUNS QUERY\n");
		return 2;
	}
	long n = atol(argv[1]);
	int runs = atoi(argv[2]);
	struct insights_error e;
	struct insights_query *q = insights_parse(argv[3], &e);
	if (!q || n < 1 || runs < 1) {
		fprintf(stderr, "insights-bench: %s\n", q ? "bad N or RUNS" : e.message);
		return 2;
	}
	char **lines = malloc((size_t)n * sizeof(*lines));
	for (long i = 0; i < n; i++) {
		char buf[200];
		snprintf(buf, sizeof(buf),
			 "REPORT RequestId: 6c1b7a4e-0000-4000-8000-%012ld\tDuration: %ld.%02ld "
			 "ms\tBilled Duration: %ld ms\tMemory Size: 128 MB\tMax Memory Used: 40 "
			 "MB\t",
			 i, 50 + i % 97, i % 100, 51 + i % 97);
		lines[i] = malloc(200);
		snprintf(lines[i], 200, "%s", buf);
	}
	double *t = malloc((size_t)runs * sizeof(*t));
	double *cpu = malloc((size_t)runs * sizeof(*cpu));
	int groups = 0;
	for (int k = 0; k < runs; k++) {
		double t0 = clock_ms(CLOCK_MONOTONIC);
		double c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
		struct insights_run *r = insights_run_new(q, 0);
		for (long i = 0; i < n; i++)
			insights_run_event(r, 1765000000000LL + i * 600, 1765000000000LL + i * 600,
					   "123456789012:/aws/lambda/f", "s", lines[i], "p");
		cJSON *results, *stats;
		insights_run_finish(r, &results, &stats);
		t[k] = clock_ms(CLOCK_MONOTONIC) - t0;
		cpu[k] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		groups = cJSON_GetArraySize(results);
		cJSON_Delete(results);
		cJSON_Delete(stats);
		insights_run_free(r);
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	qsort(cpu, (size_t)runs, sizeof(*cpu), cmp_double);
	printf("%-34s best %8.1f ms   median %8.1f ms   cpu median %8.1f ms   (%d rows)\n",
	       "lambda-tutor's Insights", t[0], t[runs / 2], cpu[runs / 2], groups);
	for (long i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(t);
	free(cpu);
	insights_query_free(q);
	return 0;
}
