/*
 * The error shapes the cloud's own readers write (rest-json for Lambda, JSON 1.1), beside what
 * every AWS format shares (aws/aws.h: accounts from access keys, ids, base64, timestamps).
 */
#ifndef CLOUD_HTTP_AWS_H
#define CLOUD_HTTP_AWS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws.h"
#include "cloud/http/server.h"

/*
 * A rest-json error (Lambda): header x-amzn-ErrorType: type, body {"Type":"User","message":msg}
 * ("Service" for 5xx; "Message" where Lambda's model spells it so, as in
 * ResourceNotFoundException). Replaces whatever resp held.
 */
void aws_error(struct http_resp *resp, int status, const char *type, const char *fmt, ...)
	XALLOC_PRINTF(4, 5);
/* A 429 TooManyRequestsException with its Reason ("Rate Exceeded."). */
void aws_throttle(struct http_resp *resp, const char *reason);
/* A JSON 1.0/1.1 protocol error: {"__type":type,"message":msg}. */
void aws_json_error(struct http_resp *resp, int status, const char *type, const char *fmt, ...)
	XALLOC_PRINTF(4, 5);

#endif
