/*
 * Fuzz what the cloud reads from a request's headers before any service sees it: the access
 * key of a SigV4 Authorization header and the account it selects (aws_access_key,
 * aws_account_for_key), and the base64 of Invoke's client context and CreateFunction's ZipFile
 * (aws_base64_decode). The bytes are the header's value. Seeds are headers the AWS CLI, boto3,
 * the JavaScript SDK and curl send, and broken ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/http/aws.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_account(const char *acct)
{
	if (strlen(acct) != 12)
		abort();
	for (int i = 0; i < 12; i++)
		if (acct[i] < '0' || acct[i] > '9')
			abort();
}

static void check_key(const char *text)
{
	char key[129], acct[13];
	for (size_t n = 1; n <= sizeof(key); n += 64) {
		if (!aws_access_key(text, key, n))
			continue;
		size_t len = strlen(key);
		if (len == 0 || len >= n)
			abort();
		for (size_t i = 0; i < len; i++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
				    "_-",
				    key[i]))
				abort();
		aws_account_for_key(key, acct);
		check_account(acct);
	}
	/* Whatever the key, even one no client would send, maps to an account. */
	aws_account_for_key(text, acct);
	check_account(acct);
}

static void check_base64(const char *text, size_t len)
{
	size_t n = 0;
	unsigned char *raw = aws_base64_decode(text, len, &n);
	if (!raw)
		return;
	/* What decodes encodes back to something that decodes to the same bytes. */
	char *again = aws_base64_encode(raw, n);
	size_t m = 0;
	unsigned char *raw2 = aws_base64_decode(again, strlen(again), &m);
	if (!raw2 || m != n || memcmp(raw, raw2, n) != 0)
		abort();
	free(raw);
	free(raw2);
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	check_key(text);
	check_base64((const char *)data, size);
	check_base64(text, strlen(text));
	free(text);
	return 0;
}
