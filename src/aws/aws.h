/*
 * What AWS's formats share, for the cloud and the tutor alike: the account an access key
 * selects, request ids, base64 as AWS writes it, timestamps. Pure: libc and core only, so the
 * tutor links it without the cloud (and without libcrypto: core/digest.h).
 */
#ifndef AWS_AWS_H
#define AWS_AWS_H

#include <stdbool.h>
#include <stddef.h>

/* The access key an unsigned request is taken to use (the one `lambda-tutor env` prints). */
#define AWS_DEFAULT_ACCESS_KEY "test"
#define AWS_REGION_NAME        "us-east-1"

/*
 * The access key id in a SigV4 Authorization header ("AWS4-HMAC-SHA256 Credential=AKID/date/
 * region/service/aws4_request, ..."). Copies it into out and returns true; false when the header
 * is absent or malformed. The signature is not checked.
 */
bool aws_access_key(const char *authorization, char *out, size_t n);
/*
 * The 12-digit account of an access key: a key that is itself 12 digits is that account; any
 * other key maps to a fixed account derived from its SHA-256. out holds 13 bytes.
 */
void aws_account_for_key(const char *key, char out[13]);

/* A fresh random UUID (version 4) in out (37 bytes). */
void aws_uuid(char out[37]);
/* Random lowercase hex, n digits, into out (n + 1 bytes). */
void aws_random_hex(char *out, size_t n);

/*
 * Strict base64 (RFC 4648, padding optional, whitespace refused). Returns the decoded bytes
 * (caller frees, NUL-terminated) and their length, or NULL on malformed input.
 */
unsigned char *aws_base64_decode(const char *in, size_t len, size_t *out_len);
/* Base64 of data. Caller frees. */
char *aws_base64_encode(const void *data, size_t len);
/* ISO 8601 with milliseconds as Lambda prints LastModified: 2026-11-27T05:30:00.000+0000. */
void aws_time_lambda(long long epoch_ms, char out[32]);
/* ISO 8601 UTC with milliseconds and Z: 2026-11-27T05:30:00.000Z. */
void aws_time_iso(long long epoch_ms, char out[32]);

#endif
