/*
 * Power tuning, as AWS Lambda Power Tuning does it: a copy of a function's configuration is run
 * at each memory size in turn (one warm-up call, then N counted calls with the same payload),
 * and the average duration and cost per invocation at each size give the curve a size is
 * picked from. The local cloud gives CPU in proportion to memory, so the curve is real. Spoken
 * to the cloud as a client (aws/client.h): nothing here links the cloud.
 */
#ifndef CHECK_TUNE_H
#define CHECK_TUNE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct lambda_client;

enum tune_strategy {
	TUNE_COST,     /* the cheapest size (the faster one on a tie) */
	TUNE_SPEED,    /* the fastest size (the cheaper one on a tie) */
	TUNE_BALANCED, /* the least of normalized cost + normalized duration, weighed equally */
};

/* Lambda Power Tuning's default sizes. */
#define TUNE_DEFAULT_MEMORY "128,256,512,1024,1536,3008"
#define TUNE_MAX_SIZES      32

struct tune_opts {
	const char *function; /* a name or an ARN */
	const int *memory;    /* sizes in MB, ascending, distinct */
	size_t n_memory;
	const char *payload; /* a JSON document */
	int invocations;     /* counted calls per size, >= 1 */
	enum tune_strategy strategy;
	/* Called after each call at a size (done 0 is the warm-up), may be NULL. */
	void (*progress)(void *arg, int memory, int done, int total);
	void *arg;
	/* Non-zero stops the run after the call under way (NULL: never). */
	const volatile int *cancel;
};

struct tune_point {
	int memory;         /* MB */
	double duration_ms; /* average Duration of the counted calls */
	double billed_ms;   /* average Billed Duration */
	double init_ms;     /* Init Duration of the warm-up call, -1 when it was warm */
	double cost;        /* average USD per invocation, requests included */
};

struct tune_result {
	char function[65]; /* the function's name */
	char copy[65];     /* the copy that ran (deleted when done) */
	char runtime[32];
	bool arm64;
	struct tune_point points[TUNE_MAX_SIZES];
	size_t n;
	int best; /* index into points of the recommended size */
};

/* "128,256,512": sizes sorted and made distinct. False with err on anything outside Lambda's
 * 128-10240 MB, a size not a whole number of MB, or more than TUNE_MAX_SIZES. */
bool tune_parse_memory(const char *list, int *out, size_t *n, struct error *err);
bool tune_parse_strategy(const char *s, enum tune_strategy *out);
const char *tune_strategy_name(enum tune_strategy s);
/* The index of the size strategy recommends among n points (n >= 1). */
int tune_pick(const struct tune_point *p, size_t n, enum tune_strategy s);
/* Duration, Billed Duration and Init Duration (-1 when absent) from an invocation's log tail,
 * in the Text format's REPORT line or the JSON format's platform.report record. False when
 * neither is there. */
bool tune_parse_report(const char *log, double *duration, double *billed, double *init);

/*
 * Run the tuning. The copy is named after the function with "-tune" and is deleted at the end
 * (a copy left by an interrupted run is replaced). False with err when the function cannot be
 * read or copied, or a call fails (a function error at any size stops the run).
 */
bool tune_run(struct lambda_client *c, const struct tune_opts *o, struct tune_result *out,
	      struct error *err);

/* The result as text: the table, duration and cost plotted against memory, the recommended
 * size and the command that sets it. Caller frees. */
char *tune_report(const struct tune_result *r, const struct tune_opts *o);

/* The result as JSON. Caller frees. */
char *tune_json(const struct tune_result *r, const struct tune_opts *o);

#endif
