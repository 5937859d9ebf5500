/*
 * SNS subscription filter policies: AWS's checks of a FilterPolicy when a subscription gets
 * one (Subscribe, SetSubscriptionAttributes), and the match of a published message against
 * it, on the message attributes (FilterPolicyScope MessageAttributes, the default) or on the
 * message body as a JSON object (MessageBody, where policies may nest).
 *
 * A policy is a JSON object. Its keys are ANDed; the conditions in a key's array are ORed;
 * "$or" with an array of two or more objects ORs whole sub-policies. A condition is a string,
 * a number, true, false or null (an exact match), or one of {"prefix": s}, {"suffix": s},
 * {"equals-ignore-case": s}, {"anything-but": v, [v...] or {"prefix"|"suffix"|
 * "equals-ignore-case": s}}, {"numeric": [op, n (, op, n)]}, {"exists": bool},
 * {"cidr": "a.b.c.d/n"}. A String.Array attribute, or an array in the body, matches when one
 * of its elements does. Numbers compare to five decimal places.
 */
#ifndef CLOUD_SNS_FILTER_H
#define CLOUD_SNS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

enum sns_filter_scope {
	SNS_FILTER_ATTRIBUTES,
	SNS_FILTER_BODY,
};

#define SNS_FILTER_MAX_KEYS         5
#define SNS_FILTER_MAX_COMBINATIONS 150

/* "MessageAttributes" or "MessageBody" (NULL or "": the default) into *out; false if neither. */
bool sns_filter_scope_parse(const char *text, enum sns_filter_scope *out);

/*
 * Check a policy's text for scope. True when valid (an empty text or "{}" is: no filter).
 * Otherwise false with AWS's reason in msg (n bytes), as it follows "Invalid parameter: " in
 * AWS's message, e.g. "FilterPolicy: Filter policy is too complex".
 */
bool sns_filter_check(const char *policy, enum sns_filter_scope scope, char *msg, size_t n);

/*
 * Whether a message passes a policy that sns_filter_check() accepted (NULL or empty: every
 * message does). attrs is NULL or the message attributes in SQS's shape
 * {"Name":{"DataType":"String","StringValue":"v"}}; message is the body. Binary attributes
 * are never compared; a body that is not a JSON object matches no MessageBody policy.
 */
bool sns_filter_match(const struct cJSON *policy, enum sns_filter_scope scope, const char *message,
		      const struct cJSON *attrs);

/*
 * EventBridge's event patterns are the same language on a whole JSON document, without SNS's
 * limits on keys and combinations. The check gives the reason alone in msg.
 */
bool sns_filter_check_pattern(const char *pattern, char *msg, size_t n);
bool sns_filter_match_json(const struct cJSON *pattern, const struct cJSON *doc);

#endif
