/*
 * CloudWatch's embedded metric format (EMF): a log event that is one JSON object carrying an
 * "_aws" member, whose CloudWatchMetrics directives name members of that object as
 * dimensions and as metric values, becomes metric data, as CloudWatch Logs extracts it from a
 * function's output. An event that breaks the format's rules (no Timestamp, a directive naming
 * a member the event lacks, a dimension that is not a string, more than 30 dimensions in a set,
 * 100 metrics in a directive or 100 values in a metric, a unit CloudWatch does not know) gives
 * no data at all: the event stays in its log, and the reason is returned.
 */
#ifndef CLOUD_METRICS_EMF_H
#define CLOUD_METRICS_EMF_H

#include <stdbool.h>
#include <stddef.h>

struct metrics;

enum emf_result {
	EMF_NONE,    /* not EMF: not a JSON object, or no "_aws" member */
	EMF_OK,      /* metrics extracted */
	EMF_PARSE,   /* it names "_aws" but is not one JSON object */
	EMF_INVALID, /* a JSON object with "_aws" that breaks the format's rules */
};

/* One metric of an event under one dimension set. */
struct emf_metric {
	char *ns, *name, *dims; /* dims: metrics_dims_write()'s canonical text */
	char unit[32];
	bool hires;
	long long ts_ms;
	double *values;
	size_t nvalues;
};

struct emf_batch {
	struct emf_metric *items;
	size_t n, cap;
};

/*
 * Read one log event (msg, len bytes; trailing whitespace ignored). The event's Timestamp is
 * moved by shift_ms (the virtual clock's lead over the wall clock the handler reads) and must
 * then be within two weeks before now_ms and two hours after it. EMF_OK fills out (release it
 * with emf_batch_release()); EMF_PARSE and EMF_INVALID put one line saying why into why (n
 * bytes) and leave out empty.
 */
enum emf_result emf_parse(const char *msg, size_t len, long long now_ms, long long shift_ms,
			  struct emf_batch *out, char *why, size_t n);
/* Add a batch's data to the store, as account's. */
void emf_put(struct metrics *m, const char *account, const struct emf_batch *b);
void emf_batch_release(struct emf_batch *b);

#endif
