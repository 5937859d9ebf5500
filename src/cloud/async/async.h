/*
 * Asynchronous invocation, as Lambda's internal queue does it: a durable queue in the cloud's
 * database, retries on the virtual clock (function errors twice, after 1 and 2 minutes;
 * throttles and system errors with backoff up to the event's maximum age), the function's
 * event invoke config, on-success and on-failure destinations (SQS, SNS, Lambda) with AWS's
 * invocation record, and the dead-letter queue (DeadLetterConfig) with RequestID, ErrorCode
 * and ErrorMessage attributes.
 */
#ifndef CLOUD_ASYNC_ASYNC_H
#define CLOUD_ASYNC_ASYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/http/server.h"
#include "core/error.h"

struct aws_err;
struct cloud;
struct lfunc;

/* Go on from the virtual time saved before a restart (before anything is served). */
void async_restore_clock(struct cloud *c);
/* Start the dispatcher (the tables are Lambda's migrations). */
bool async_start(struct cloud *c, struct error *err);
/* Stop the dispatcher and wait for the attempts under way. No-op when not started. */
void async_stop(struct cloud *c);
/* Free what async_start() made (after async_stop()). */
void async_free(struct cloud *c);

/*
 * Queue an event for function (a name, name:$LATEST or an ARN) of account, as Invoke with
 * InvocationType Event does; source ("aws:s3", "aws:sns", "lambda" ...) is kept for the
 * record, and trace (an X-Amzn-Trace-Id, NULL or "": none) is the context it runs in. The
 * event is durable when this returns true. request_id_out (37 bytes, or NULL):
 * when it holds a request id (36 characters) the invocation gets it, else it receives the
 * fresh one. False with err filled when the function does not
 * exist or the payload is too large.
 */
bool async_enqueue(struct cloud *c, const char *account, const char *function, const char *payload,
		   size_t len, const char *source, const char *trace, char *request_id_out,
		   struct error *err);

/*
 * The event invoke config operations (op: Put, Update, Get, Delete or
 * ListFunctionEventInvokeConfig(s)), for clients and other services alike: in as Lambda's API
 * model has it (FunctionName, Qualifier and the settings), decoded and validated; the output
 * as the API answers it, or NULL with err as AWS words it. Caller deletes.
 */
struct cJSON *async_op(struct cloud *c, const char *account, const char *op, const struct cJSON *in,
		       struct aws_err *err);

/*
 * DeadLetterConfig.TargetArn of a function: set (NULL or "" removes), and read into out
 * ("" when none). Validates the ARN (an SQS queue or SNS topic); false with a message in
 * msg (n bytes) when it is not one.
 */
bool async_set_dlq(struct cloud *c, const char *account, const char *function,
		   const char *target_arn, char *msg, size_t n);
bool async_check_dlq(const char *target_arn, char *msg, size_t n);
void async_get_dlq(struct cloud *c, const char *account, const char *function, char *out, size_t n);
/*
 * Whether account has asynchronous work at virtual time now_ms: an attempt under way (its
 * destinations and dead-letter queue included) or an event due. *next_ms gets the earliest
 * later due time (0: none). For the settle control.
 */
bool async_pending(struct cloud *c, const char *account, int64_t now_ms, int64_t *next_ms);
/* Forget a deleted function's config, DLQ and queued events. */
void async_forget_function(struct cloud *c, const char *account, const char *function);

#endif
