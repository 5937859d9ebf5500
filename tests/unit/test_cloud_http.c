/*
 * Unit tests for cloud/http/aws: SigV4 access keys, accounts, error shapes, base64, times.
 */
#include <stdlib.h>
#include <string.h>

#include "cloud/http/aws.h"
#include "harness.h"

TEST(aws_access_key__reads_the_credential_of_a_sigv4_header)
{
	char key[64];
	ok(aws_access_key("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261127/us-east-1/"
			  "lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
			  key, sizeof(key)),
	   "a real header parses");
	is_str(key, "AKIAIOSFODNN7EXAMPLE", "the access key id is the part before the first /");
	ok(aws_access_key("AWS4-HMAC-SHA256 Credential=test/20261127/us-east-1/logs/aws4_request",
			  key, sizeof(key)),
	   "a short dummy key parses");
	is_str(key, "test", "dummy keys are accounts too");
}

TEST(aws_access_key__refuses_malformed_headers)
{
	char key[8];
	ok(!aws_access_key(NULL, key, sizeof(key)), "no header");
	ok(!aws_access_key("Basic dXNlcjpwYXNz", key, sizeof(key)), "another scheme");
	ok(!aws_access_key("AWS4-HMAC-SHA256 Credential=/2026/x", key, sizeof(key)), "empty key");
	ok(!aws_access_key("AWS4-HMAC-SHA256 Credential=NOSLASH", key, sizeof(key)),
	   "no scope after the key");
	ok(!aws_access_key("AWS4-HMAC-SHA256 Credential=WAYTOOLONGFORTHEBUFFER/x", key,
			   sizeof(key)),
	   "a key longer than the buffer");
	ok(!aws_access_key("AWS4-HMAC-SHA256 Credential=a;b/x", key, sizeof(key)),
	   "a key with characters keys never have");
}

TEST(aws_account_for_key__is_deterministic_and_12_digits)
{
	char a[13], b[13], c[13];
	aws_account_for_key("test", a);
	aws_account_for_key("test", b);
	aws_account_for_key("AKIAOTHER", c);
	is_str(a, b, "the same key gives the same account");
	ok(strcmp(a, c) != 0, "different keys give different accounts");
	ok(strlen(a) == 12 && strspn(a, "0123456789") == 12, "twelve digits: %s", a);
	aws_account_for_key("123456789012", a);
	is_str(a, "123456789012", "a key that is an account id is that account");
}

TEST(aws_error__has_lambda_rest_json_shape)
{
	struct http_resp resp;
	http_resp_init(&resp);
	aws_error(&resp, 404, "ResourceNotFoundException", "Function not found: %s", "arn:x");
	is_int(resp.status, 404, "status");
	is_str(resp.body.buf, "{\"Type\":\"User\",\"Message\":\"Function not found: arn:x\"}",
	       "body has Type and Message, spelt as Lambda's model spells it for this error");
	is_str(resp.headers[0][0], "x-amzn-ErrorType", "header name");
	is_str(resp.headers[0][1], "ResourceNotFoundException", "header value");
	http_resp_release(&resp);
	http_resp_init(&resp);
	aws_error(&resp, 400, "InvalidParameterValueException", "bad %s", "x");
	is_str(resp.body.buf, "{\"Type\":\"User\",\"message\":\"bad x\"}",
	       "other errors spell it message");
	http_resp_release(&resp);
	http_resp_init(&resp);
	aws_throttle(&resp, "ReservedFunctionConcurrentInvocationLimitExceeded");
	is_int(resp.status, 429, "throttles are 429");
	is_str(resp.body.buf,
	       "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\",\"Type\":"
	       "\"User\","
	       "\"message\":\"Rate Exceeded.\"}",
	       "a throttle carries its Reason");
	http_resp_release(&resp);
	http_resp_init(&resp);
	aws_json_error(&resp, 400, "ResourceNotFoundException",
		       "The specified log group does not "
		       "exist.");
	is_str(resp.body.buf,
	       "{\"__type\":\"ResourceNotFoundException\",\"message\":\"The specified log group "
	       "does not exist.\"}",
	       "JSON protocol errors carry __type");
	http_resp_release(&resp);
}

TEST(aws_base64__round_trips_and_refuses_garbage)
{
	size_t n = 0;
	unsigned char *d = aws_base64_decode("aGVsbG8=", 8, &n);
	ok(d && n == 5 && memcmp(d, "hello", 5) == 0, "padded input");
	free(d);
	d = aws_base64_decode("aGVsbG8", 7, &n);
	ok(d && n == 5, "unpadded input");
	free(d);
	ok(aws_base64_decode("aGV sbG8=", 9, &n) == NULL, "a space is refused");
	ok(aws_base64_decode("!!!!", 4, &n) == NULL, "punctuation is refused");
	ok(aws_base64_decode("a", 1, &n) == NULL, "an impossible length is refused");
	char *e = aws_base64_encode("\x00\xff\x10", 3);
	is_str(e, "AP8Q", "binary encodes");
	free(e);
	e = aws_base64_encode("", 0);
	is_str(e, "", "empty encodes to empty");
	free(e);
}

TEST(aws_time__formats_as_lambda_and_cloudwatch_do)
{
	char out[32];
	aws_time_lambda(1795757948962LL, out);
	is_str(out, "2026-11-27T05:39:08.962+0000", "LastModified");
	aws_time_iso(1795757948005LL, out);
	is_str(out, "2026-11-27T05:39:08.005Z", "ISO with milliseconds");
}

TEST(aws_uuid__is_a_version_4_uuid)
{
	char a[37], b[37];
	aws_uuid(a);
	aws_uuid(b);
	ok(strlen(a) == 36 && a[8] == '-' && a[14] == '4', "shape: %s", a);
	ok(strcmp(a, b) != 0, "fresh each time");
}

int main(void)
{
	RUN(aws_access_key__reads_the_credential_of_a_sigv4_header);
	RUN(aws_access_key__refuses_malformed_headers);
	RUN(aws_account_for_key__is_deterministic_and_12_digits);
	RUN(aws_error__has_lambda_rest_json_shape);
	RUN(aws_base64__round_trips_and_refuses_garbage);
	RUN(aws_time__formats_as_lambda_and_cloudwatch_do);
	RUN(aws_uuid__is_a_version_4_uuid);
	return done();
}
