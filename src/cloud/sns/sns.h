/*
 * Amazon SNS topics in the local cloud, the service row sns_service (svc.h): table handlers
 * that clients (the query protocol, which proto decodes) and other services call alike: topics,
 * subscriptions (lambda, sqs, and email into a local mailbox under the workspace), Publish
 * with Subject and MessageAttributes, delivery to Lambda as AWS's SNS event (an asynchronous
 * invocation) and to SQS as the JSON envelope, or raw with RawMessageDelivery.
 */
#ifndef CLOUD_SNS_SNS_H
#define CLOUD_SNS_SNS_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/http/server.h"
#include "core/error.h"

struct cloud;
struct cJSON;

#define SNS_XMLNS "http://sns.amazonaws.com/doc/2010-03-31/"

/* GET /_tutor/mailbox[?address=A]: the email subscriptions' messages, newest last. */
void sns_mailbox(struct cloud *c, const char *account, const struct http_req *req,
		 struct http_resp *resp);

#endif
