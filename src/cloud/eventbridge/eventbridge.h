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

#endif
