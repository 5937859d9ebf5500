/*
 * Event source mappings from SQS to Lambda: the REST API under
 * /2015-03-31/event-source-mappings, and one poller per enabled mapping that receives
 * batches (BatchSize, MaximumBatchingWindowInSeconds), invokes the function synchronously
 * with the SQS event, and deletes what succeeded, with ReportBatchItemFailures' rules.
 */
#ifndef CLOUD_ESM_ESM_H
#define CLOUD_ESM_ESM_H

#include <stdbool.h>
#include <stdint.h>

#include "cloud/http/server.h"
#include "core/error.h"

struct aws_err;
struct cJSON;
struct cloud;

/* Create the table and start a poller for every enabled mapping. */
bool esm_start(struct cloud *c, struct error *err);
/* Stop every poller and wait for them. */
void esm_stop(struct cloud *c);
void esm_free(struct cloud *c);
/* Delete every mapping of an account (its pollers stopped first). */
void esm_reset_account(struct cloud *c, const char *account);
/*
 * An event source mapping operation (op: Create, Update, Delete, Get or
 * ListEventSourceMappings) for a client or another service (CloudFormation): in as Lambda's
 * API model has it; the mapping (or the list) as the API shows it, or NULL with err. Caller
 * deletes.
 */
struct cJSON *esm_op(struct cloud *c, const char *account, const char *op, const struct cJSON *in,
		     struct aws_err *err);
/*
 * Whether account's enabled mappings have work at virtual time now_ms: a batch being taken
 * or processed, a message their queue would give a receive, a stream not read to its end by
 * a read that began at since_mono (monotonic ms) or later, or a retry due. *next_ms gets the
 * earliest later time a message becomes visible or a stream's retry is due (0: none). For
 * settle.
 */
bool esm_pending(struct cloud *c, const char *account, int64_t since_mono, int64_t now_ms,
		 int64_t *next_ms);

#endif
