/*
 * Amazon SQS standard queues in the local cloud, durable in the cloud's database, served over
 * both of SQS's protocols: query (form in, XML out; Debian's awscli 2.9 and boto3 1.26) and
 * AWS JSON 1.0 (X-Amz-Target: AmazonSQS.*; newer botocore and the JavaScript SDK v3).
 */
#ifndef CLOUD_SQS_SQS_H
#define CLOUD_SQS_SQS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/http/server.h"
#include "core/error.h"
#include "core/vec.h"

struct cloud;
struct cJSON;

#define SQS_XMLNS "http://queue.amazonaws.com/doc/2012-11-05/"

bool sqs_start(struct cloud *c, struct error *err);
/* Wake long polls so they answer; sqs_free() after the HTTP server stopped. */
void sqs_stop(struct cloud *c);
void sqs_free(struct cloud *c);

/*
 * Wait (at most max_real_ms) until a message may have arrived in any queue or the clock was
 * stepped. For pollers.
 */
void sqs_wait_activity(struct cloud *c, int max_real_ms);
/*
 * The queue's messages a receive could take at virtual time now_ms (returned), and in
 * *next_ms the earliest later time one becomes visible (0: none). 0 for a queue that does
 * not exist. For the settle control.
 */
int sqs_pending(struct cloud *c, const char *queue_arn, int64_t now_ms, int64_t *next_ms);

#endif
