/*
 * Amazon EventBridge in the local cloud, the default event bus only (AWS JSON 1.1,
 * X-Amz-Target: AWSEvents.*): PutEvents, rules with event patterns (PutRule, DescribeRule,
 * ListRules, EnableRule, DisableRule, DeleteRule) and their targets (PutTargets,
 * ListTargetsByRule, RemoveTargets): SQS queues, SNS topics and Lambda functions (an
 * asynchronous invocation). Lambda's asynchronous invocations put their destination records
 * on it with AWS's detail-types. Scheduled rules are not run.
 */
#ifndef CLOUD_EVENTBRIDGE_EVENTBRIDGE_H
#define CLOUD_EVENTBRIDGE_EVENTBRIDGE_H

#include <stdbool.h>

#include "cloud/http/server.h"
#include "core/error.h"

struct cloud;
struct cJSON;

#define EVENTBRIDGE_TARGET "AWSEvents."

/* A JSON 1.1 request: action is what follows "AWSEvents." in X-Amz-Target. */
void eventbridge_api(struct cloud *c, const char *account, const char *action,
		     const struct http_req *req, struct http_resp *resp);

/*
 * Whether arn is an event bus this cloud has (arn:aws:events:REGION:ACCOUNT:event-bus/default).
 * False with the reason in msg (n bytes) otherwise.
 */
bool eventbridge_bus_ok(const char *arn, char *msg, size_t n);

/*
 * Put one event on the bus with ARN bus_arn, as PutEvents does, and deliver it to the targets
 * of every enabled rule it matches. detail is a JSON object (borrowed); resources a JSON array
 * or NULL. False with err filled when the bus does not exist.
 */
bool eventbridge_put(struct cloud *c, const char *bus_arn, const char *source,
		     const char *detail_type, const struct cJSON *detail,
		     const struct cJSON *resources, struct error *err);

#endif
