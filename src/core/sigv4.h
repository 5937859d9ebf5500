/*
 * AWS Signature Version 4, the parts a signer and a verifier share: the canonical request
 * (method, URI, sorted query, trimmed signed headers, payload hash), the string to sign, the
 * derived signing key and the signature; the Authorization header's and the credential's
 * syntax; and the chunk signatures of S3's aws-chunked uploads. Pure and libc-only, so that
 * the tutor signs its requests with what the cloud verifies them with.
 *
 * The URI rules differ by service, as AWS's own signers apply them: S3 signs the path encoded
 * once, exactly as its key is (no normalisation); every other service signs the path as sent,
 * with dot segments and repeated slashes removed, encoded once more.
 */
#ifndef CORE_SIGV4_H
#define CORE_SIGV4_H

#include <stdbool.h>
#include <stddef.h>

#include "core/digest.h"
#include "core/strbuf.h"

#define SIGV4_ALGORITHM     "AWS4-HMAC-SHA256"
#define SIGV4_EMPTY_SHA256  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SIGV4_UNSIGNED      "UNSIGNED-PAYLOAD"
#define SIGV4_STREAMING     "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define SIGV4_STREAMING_TRL "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
#define SIGV4_UNSIGNED_TRL  "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

/* A request header as sent: name in any case, value untrimmed. */
struct sigv4_header {
	const char *name;
	const char *value;
};

/* What a canonical request is made of. Borrowed for the call. */
struct sigv4_input {
	const char *method;
	const char *path;  /* as on the wire, still percent-encoded, without the query */
	const char *query; /* as on the wire, without the '?'; NULL or "" when none */
	const struct sigv4_header *headers;
	size_t n_headers;
	const char *signed_headers; /* "host;x-amz-date": lower-case names joined by ';' */
	const char *payload_hash;   /* hex SHA-256 of the body, or one of the markers above */
	bool s3;                    /* S3's URI rule: the path encoded once, not normalised */
	bool presigned;             /* leave X-Amz-Signature out of the query */
};

/* A parsed Authorization header, or the credential of a presigned query. */
struct sigv4_auth {
	char access_key[129];
	char date[9]; /* YYYYMMDD of the credential scope */
	char region[32];
	char service[32];
	char signed_headers[1024];
	char signature[65]; /* 64 lower-case hex digits */
};

/*
 * Append s (len bytes) percent-encoded as SigV4 encodes: every byte but A-Z a-z 0-9 - . _ ~
 * becomes %XX in upper-case hex; keep_slash keeps '/' as it is.
 */
void sigv4_uri_encode(struct strbuf *sb, const char *s, size_t len, bool keep_slash);
/* Append the percent-decoding of s (len bytes); '+' stays '+'. False on a bad escape. */
bool sigv4_uri_decode(struct strbuf *sb, const char *s, size_t len);

/* The canonical URI of a path as sent, by the rule of in->s3 (see above). */
void sigv4_canonical_uri(struct strbuf *out, const char *path, bool s3);
/* The canonical query string: pairs decoded, encoded again, sorted by name then value. */
void sigv4_canonical_query(struct strbuf *out, const char *query, bool presigned);
/*
 * The canonical request of in: six lines, the last without a newline. False (and out holds
 * what was made so far) when the path or the query has a malformed escape.
 */
bool sigv4_canonical_request(struct strbuf *out, const struct sigv4_input *in);
/* "YYYYMMDD/region/service/aws4_request" into out. */
void sigv4_scope(char *out, size_t n, const char *date, const char *region, const char *service);
/* The string to sign: the algorithm, the request time, the scope and the hash of creq. */
void sigv4_string_to_sign(struct strbuf *out, const char *amz_date, const char *scope,
			  const char *creq, size_t creq_len);
/*
 * The signing key of secret for a date (YYYYMMDD), region and service, as an HMAC key state
 * ready to sign with (kept, it signs many strings without deriving again).
 */
void sigv4_signing_key(struct hmac_sha256 *key, const char *secret, const char *date,
		       const char *region, const char *service);
/* The hex signature of sts (len bytes) with key (the key state is not changed). */
void sigv4_sign(const struct hmac_sha256 *key, const char *sts, size_t len,
		char out[SHA256_HEX_LEN + 1]);
/*
 * The signature of one chunk of an aws-chunked body: the string to sign
 * "AWS4-HMAC-SHA256-PAYLOAD", time, scope, the previous signature, the empty hash and the
 * chunk's hash. For the trailer ("AWS4-HMAC-SHA256-TRAILER") pass trailer true and the
 * trailing headers as data.
 */
void sigv4_chunk_signature(const struct hmac_sha256 *key, const char *amz_date, const char *scope,
			   const char *previous, const void *data, size_t len, bool trailer,
			   char out[SHA256_HEX_LEN + 1]);
/* Whether a and b are the same signature, in time independent of where they differ. */
bool sigv4_same(const char *a, const char *b);

/*
 * Parse "AKID/YYYYMMDD/region/service/aws4_request" into out. False with why (a sentence)
 * when it is malformed.
 */
bool sigv4_parse_credential(const char *cred, struct sigv4_auth *out, char *why, size_t n);
/*
 * Parse an Authorization header "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...". False with why when a part is missing or malformed.
 */
bool sigv4_parse_authorization(const char *header, struct sigv4_auth *out, char *why, size_t n);
/* Whether t is an ISO 8601 basic time "YYYYMMDDTHHMMSSZ"; its epoch seconds into *epoch. */
bool sigv4_parse_time(const char *t, long long *epoch);
/* "YYYYMMDDTHHMMSSZ" of epoch seconds into out (17 bytes). */
void sigv4_format_time(long long epoch, char out[17]);

/*
 * A fresh random key pair in AWS's shapes: prefix ("AKIA" for an account's keys, "ASIA" for
 * a session's) and 16 base32 characters; a 40-character secret.
 */
void sigv4_new_key_pair(const char *prefix, char access_key[21], char secret[41]);
/* n random characters of alphabet (at most 256 of them) and a NUL into out. */
void sigv4_random_chars(char *out, size_t n, const char *alphabet);

/*
 * Sign a request as the SDKs do, for a client: the Authorization header's value (caller
 * frees). in->signed_headers is set by the caller to every header it means to sign (host and
 * x-amz-date at least, lower-case, sorted); in->payload_hash is required.
 */
char *sigv4_authorization(const struct sigv4_input *in, const char *access_key, const char *secret,
			  const char *amz_date, const char *region, const char *service);

#endif
