/*
 * Event source mappings from streams (DynamoDB Streams, Kinesis) to Lambda, as Lambda
 * documents them: a worker per shard reads records in order from the mapping's checkpoint
 * (or its StartingPosition), forms batches (BatchSize, MaximumBatchingWindowInSeconds, the
 * current tumbling window), drops what FilterCriteria does not match, and invokes the function
 * synchronously, ParallelizationFactor batches at a time, each from its own partition keys. A
 * failed batch is retried in place (BisectBatchOnFunctionError splits it first), blocking its
 * shard until it succeeds, runs out of MaximumRetryAttempts or its records pass
 * MaximumRecordAgeInSeconds; then its invocation record goes to the OnFailure destination and
 * the shard moves on. ReportBatchItemFailures checkpoints up to the first failed record.
 * Checkpoints are committed to the cloud's database after each batch, so a restarted cloud
 * neither loses nor replays what was checkpointed.
 */
#ifndef CLOUD_ESM_STREAM_H
#define CLOUD_ESM_STREAM_H

#include <stdbool.h>
#include <stdint.h>

struct cJSON;
struct cloud;
struct esm_stream;

/* The longest LastProcessingResult. */
#define ESM_RESULT_MAX 400

/* A stream mapping's settings beyond those every mapping has. */
struct esm_stream_cfg {
	char starting_position[16]; /* TRIM_HORIZON, LATEST, AT_TIMESTAMP (Kinesis) */
	double starting_timestamp;  /* AT_TIMESTAMP, epoch seconds */
	int parallelization;        /* 1..10 */
	bool bisect;
	int max_retries;      /* -1: until the records expire */
	int max_age;          /* seconds; -1: until the records expire */
	int tumbling;         /* seconds; 0: no windows */
	char on_failure[256]; /* the OnFailure destination's ARN, or "" */
	char *filters;        /* FilterCriteria as JSON text, or NULL */
};

/* An error of the mapping API: status, AWS's code and message. */
struct esm_stream_err {
	int status;
	char type[64];
	char msg[512];
};

/* Whether an ARN is a DynamoDB stream's or a Kinesis stream's. */
bool esm_stream_is_source(const char *arn);
/* Check that the stream exists for account (Lambda answers "Stream not found: ARN"). */
bool esm_stream_source_exists(struct cloud *c, const char *account, const char *arn,
			      struct esm_stream_err *e);
/*
 * Apply a CreateEventSourceMapping or UpdateEventSourceMapping body's stream settings to cfg
 * (create: the defaults first, StartingPosition required). False fills e and leaves cfg as it
 * was.
 */
bool esm_stream_cfg_apply(struct esm_stream_cfg *cfg, const char *source, const struct cJSON *in,
			  bool create, struct esm_stream_err *e);
void esm_stream_cfg_release(struct esm_stream_cfg *cfg);
void esm_stream_cfg_copy(struct esm_stream_cfg *dst, const struct esm_stream_cfg *src);
/* Add the settings to a mapping's view as the Lambda API shows them. */
void esm_stream_cfg_view(const struct esm_stream_cfg *cfg, struct cJSON *o);
/* The settings as JSON text to keep, and back (false on a damaged text). Caller frees. */
char *esm_stream_cfg_save(const struct esm_stream_cfg *cfg);
bool esm_stream_cfg_load(struct esm_stream_cfg *cfg, const char *text);

/* What a mapping's workers need to know of it (copied). */
struct esm_stream_spec {
	const char *uuid, *account, *function, *source;
	int batch, window;
	bool report;
	const struct esm_stream_cfg *cfg;
};

/*
 * A poller's view of its function's execution role: whether it may read the mapping's source,
 * looked at again when IAM's policies or the function's role change (esm.c).
 */
struct esm_role_check {
	bool done;
	unsigned gen;      /* iam_generation() when looked at */
	char role[300];    /* the function's role then */
	char problem[400]; /* "" while it may; else LastProcessingResult's "PROBLEM: ..." */
};
/*
 * Whether function's execution role (in account) may perform every action Lambda polls source
 * with; false with chk->problem filled. Lambda stops polling while it may not and goes on
 * once it may again.
 */
bool esm_role_check(struct cloud *c, const char *account, const char *function, const char *source,
		    struct esm_role_check *chk);

/* Create the checkpoint table. */
bool esm_stream_init(struct cloud *c);
/* Start a mapping's workers (one per shard); NULL when the stream cannot be read. */
struct esm_stream *esm_stream_start(struct cloud *c, const struct esm_stream_spec *spec);
/* Stop and join the workers, and free. NULL-safe. */
void esm_stream_stop(struct esm_stream *s);
/* "No records processed", "OK", "PROBLEM: Function call failed" ... into out
 * (ESM_RESULT_MAX bytes). */
void esm_stream_last_result(struct esm_stream *s, char *out);
/* The age in milliseconds of the last record the mapping handed its function (IteratorAge). */
int64_t esm_stream_iterator_age(struct esm_stream *s);
/*
 * Whether the mapping's workers still have work: records read and not finished, or a shard
 * not read to its end by a read that began at since_mono (monotonic ms) or later; a retry's
 * backoff that ends at virtual time now_ms or before counts as work. *next_ms is the earliest
 * later end of a backoff (0: none). For the settle control.
 */
bool esm_stream_pending(struct esm_stream *s, int64_t since_mono, int64_t now_ms, int64_t *next_ms);
/* Forget a deleted mapping's checkpoints. */
void esm_stream_forget(struct cloud *c, const char *uuid);

#endif
