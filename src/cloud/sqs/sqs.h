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

/* A query-protocol request (its parameters already parsed, "Action" among them). */
void sqs_api_query(struct cloud *c, const char *account, const struct http_req *req,
		   struct cJSON *params, struct http_resp *resp);
/* A JSON 1.0 request: action is what follows "AmazonSQS." in X-Amz-Target. */
void sqs_api_json(struct cloud *c, const char *account, const char *action,
		  const struct http_req *req, struct http_resp *resp);

/*
 * Send a message to the queue with ARN queue_arn (arn:aws:sqs:REGION:ACCOUNT:NAME), as other
 * services do internally (SNS subscriptions, destinations, dead-letter queues, S3
 * notifications). attrs is NULL or a JSON object of message attributes in the JSON
 * protocol's shape: {"Name":{"DataType":"String","StringValue":"v"}} (borrowed).
 * message_id_out (37 bytes) may be NULL. False with err filled when the queue does not exist.
 */
bool sqs_send(struct cloud *c, const char *queue_arn, const char *body, size_t len,
	      const struct cJSON *attrs, char *message_id_out, struct error *err);
/* Whether a queue with that ARN exists. */
bool sqs_queue_exists(struct cloud *c, const char *queue_arn);

/* A received message, as event source mappings see it. */
struct sqs_msg {
	char id[37];
	char *receipt;
	char *body;
	char md5[33];
	struct cJSON *attrs; /* message attributes, JSON-protocol shape, or NULL */
	int64_t sent_ms, first_receive_ms;
	int receive_count;
};
/*
 * Receive up to max messages from queue_arn (hiding them for the queue's visibility timeout,
 * redriving those past maxReceiveCount), appending struct sqs_msg * to out. Free each with
 * sqs_msg_free(). Returns the number received, or -1 when the queue does not exist.
 */
int sqs_receive(struct cloud *c, const char *queue_arn, int max, struct vec *out);
void sqs_msg_free(void *m);
/* Delete a received message by its receipt handle. */
bool sqs_delete(struct cloud *c, const char *queue_arn, const char *receipt);
/* Delete n received messages in one transaction. */
void sqs_delete_many(struct cloud *c, const char *queue_arn, const char *const *receipts, size_t n);
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
