/*
 * Fuzz S3's names (s3/names.c): the decoding of a key or bucket from the request target as
 * the client sent it (s3_name_decode), UTF-8 validation (str_utf8_valid) and the bucket naming
 * rules (s3_bucket_name_ok). A decoded name never holds U+0000 or bytes that are not UTF-8,
 * and encoding it again decodes to the same bytes; a bucket name accepted keeps every rule.
 * Seeds are keys and buckets the AWS CLI, boto3 and curl send, and hostile ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/s3/s3.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_decode(const char *raw, size_t len)
{
	struct strbuf out = STRBUF_INIT, again = STRBUF_INIT, back = STRBUF_INIT;
	const char *why = NULL;
	if (!s3_name_decode(raw, len, &out, &why)) {
		if (!why)
			abort();
		goto done;
	}
	if (memchr(strbuf_str(&out), '\0', out.len) || str_utf8_valid(out.buf, out.len) != out.len)
		abort();
	/* Every byte escaped decodes back to the same name. */
	for (size_t i = 0; i < out.len; i++)
		strbuf_addf(&again, "%%%02X", (unsigned char)out.buf[i]);
	if (!s3_name_decode(strbuf_str(&again), again.len, &back, &why) || back.len != out.len ||
	    memcmp(strbuf_str(&back), strbuf_str(&out), out.len) != 0)
		abort();
done:
	strbuf_release(&out);
	strbuf_release(&again);
	strbuf_release(&back);
}

static void check_bucket(const char *name)
{
	char why[128];
	if (!s3_bucket_name_ok(name, why, sizeof(why))) {
		if (!why[0])
			abort();
		return;
	}
	size_t n = strlen(name);
	if (n < 3 || n > 63 || strstr(name, "..") || strncmp(name, "xn--", 4) == 0)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-", name[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode((const char *)data, size);
	size_t valid = str_utf8_valid((const char *)data, size);
	if (valid > size)
		abort();
	char *text = xstrndup((const char *)data, size);
	check_bucket(text);
	free(text);
	return 0;
}
