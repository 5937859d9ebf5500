/*
 * Delivery: "deliver this payload to this ARN", written once for every service that hands
 * something on: S3 notifications, SNS subscriptions, EventBridge targets, Lambda's
 * destinations and dead-letter queues, event source mappings and the HTTP front doors. A
 * function gets an asynchronous invocation (or a synchronous one, waited for up to a
 * timeout), a queue a message, a topic a publication, an event bus an event. Each is an
 * operation of the target's service, called through the service table
 * (svc_call_internal()): the delivering service includes nothing of the target's.
 *
 * Who delivers is a struct svc_caller: an account's own service (svc_caller_for_account()),
 * or a service principal acting for a resource (svc_caller_service()), whose permission the
 * target's resource-based policy must grant, as in AWS (a function's policy for
 * s3.amazonaws.com, apigateway.amazonaws.com, elasticloadbalancing.amazonaws.com).
 */
#ifndef CLOUD_SVC_DELIVER_H
#define CLOUD_SVC_DELIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/svc/svc.h"

struct cJSON;
struct cloud;

struct deliver_msg {
	const char *payload; /* the event, message or detail (NUL-terminated) */
	size_t len;
	const char *subject;           /* SNS: the Subject, or NULL */
	const struct cJSON *attrs;     /* SQS, SNS: message attributes in the model's shape
					* {"Name":{"DataType":..,"StringValue":..}}, or NULL */
	const char *source;            /* EventBridge: the event's Source */
	const char *detail_type;       /* EventBridge: its DetailType */
	const struct cJSON *resources; /* EventBridge: its Resources (an array), or NULL */
	const char *group_id;          /* SQS FIFO: the MessageGroupId, or NULL */
	const char *dedup_id;          /* SQS FIFO: the MessageDeduplicationId, or NULL (the
					* queue then needs content-based deduplication) */
	bool sync;                     /* Lambda: RequestResponse, answered; else Event */
	int timeout_ms;                /* sync: stop waiting after this long (0: never) */
};

struct deliver_result {
	char id[64]; /* the invocation's request id, the MessageId, the EventId */
	/* A synchronous invocation's answer: */
	bool timed_out;      /* no answer within timeout_ms (the function runs on) */
	bool function_error; /* the function failed (its error is the body) */
	char *body;          /* the function's response or error payload; caller frees */
	size_t body_len;
};

/* A service principal ("s3.amazonaws.com") acting in account for source_arn. */
void svc_caller_service(struct svc_caller *out, const char *account, const char *principal,
			const char *source_arn);

/*
 * Deliver m to target_arn (a function, queue, topic or event bus) as by. request_id (37
 * bytes) names an invocation it starts, or NULL for a fresh one. Returns true with r filled
 * (release it with deliver_result_release()); false with err filled by the target's service
 * (ResourceNotFoundException, AccessDeniedException, TooManyRequestsException...) or
 * NotImplemented for a kind of target the cloud does not deliver to.
 */
bool deliver(struct cloud *c, const struct svc_caller *by, const char *target_arn,
	     const struct deliver_msg *m, const char *request_id, struct deliver_result *r,
	     struct aws_err *err);
/*
 * deliver() with a role: what a service does when the resource it acts for names an IAM role
 * to deliver with (an EventBridge target's RoleArn). The role, in account, must trust
 * principal ("events.amazonaws.com") and allow the target's action (lambda:InvokeFunction,
 * sqs:SendMessage, sns:Publish, events:PutEvents) on target_arn; the target's own
 * resource-based policy is then not asked. False with err filled (AccessDenied naming the
 * role) when it may not, else as deliver().
 */
bool deliver_as_role(struct cloud *c, const char *account, const char *role_arn,
		     const char *principal, const char *target_arn, const struct deliver_msg *m,
		     struct deliver_result *r, struct aws_err *err);
/* Whether deliver() would reach target_arn as by: it exists and (for a function) its policy
 * lets by's principal invoke it. False with err filled as deliver() would. */
bool deliver_check(struct cloud *c, const struct svc_caller *by, const char *target_arn,
		   struct aws_err *err);
void deliver_result_release(struct deliver_result *r);

#endif
