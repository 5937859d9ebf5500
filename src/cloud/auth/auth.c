/*
 * SigV4 verification of a request, and AWS's answers when it fails. The order of the checks
 * is AWS's: is it signed at all, is the signature well-formed, is its time near now (or its
 * presigned URL unexpired), is its key known (and its session token right and unexpired),
 * does the signature match; then, for S3, does the body match the hash it declared, and do
 * the chunks of an aws-chunked body carry their signatures.
 *
 * The error codes depend on the service's protocol family:
 *   query (SQS, SNS, ELB):  MissingAuthenticationToken, IncompleteSignature,
 *                           InvalidClientTokenId, SignatureDoesNotMatch, RequestExpired,
 *                           ExpiredToken
 *   JSON (Logs, EventBridge) and rest-json (Lambda, API Gateway): the same with the
 *                           JSON services' names: MissingAuthenticationTokenException,
 *                           IncompleteSignatureException, UnrecognizedClientException,
 *                           InvalidSignatureException ("Signature expired: ..." for a time
 *                           out of range), ExpiredTokenException
 * S3 also takes its older Signature Version 2 (HMAC-SHA1: "Authorization: AWS KEY:SIG", or
 * the query AWSAccessKeyId, Signature, Expires), which botocore still uses to presign a URL
 * in us-east-1.
 *   S3:                     AccessDenied (unsigned, an expired URL), AuthorizationHeader-
 *                           Malformed, AuthorizationQueryParametersError, InvalidAccessKeyId,
 *                           SignatureDoesNotMatch (with the canonical request and the string
 *                           to sign), RequestTimeTooSkewed, InvalidToken, ExpiredToken,
 *                           XAmzContentSHA256Mismatch, IncompleteBody
 * SQS's JSON protocol answers with the query protocol's codes, as SQS does.
 */
#include "cloud/auth/auth.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cloud/auth/keys.h"
#include "cloud/http/aws.h"
#include "cloud/http/chunked.h"
#include "cloud/http/server.h"
#include "cloud/query/query.h"
#include "cloud/state.h"
#include "core/sigv4.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"

enum family {
	FAM_QUERY,
	FAM_JSON,
	FAM_REST_JSON,
	FAM_S3,
};

static enum family family_of(const char *service)
{
	if (!service)
		return FAM_REST_JSON;
	if (strcmp(service, "s3") == 0)
		return FAM_S3;
	if (strcmp(service, "sqs") == 0 || strcmp(service, "sns") == 0 ||
	    strcmp(service, "elasticloadbalancing") == 0 || strcmp(service, "sts") == 0 ||
	    strcmp(service, "iam") == 0 || strcmp(service, "cloudformation") == 0 ||
	    strcmp(service, "monitoring") == 0)
		return FAM_QUERY;
	if (strcmp(service, "lambda") == 0 || strcmp(service, "apigateway") == 0 ||
	    strcmp(service, "execute-api") == 0)
		return FAM_REST_JSON;
	return FAM_JSON;
}

/* The kinds of failure, each with a code per family. */
enum failure {
	F_MISSING,    /* not signed */
	F_INCOMPLETE, /* malformed signature parts */
	F_UNKNOWN,    /* no such access key */
	F_MISMATCH,   /* the signature does not match */
	F_SKEW,       /* the request's time is too far from now */
	F_EXPIRED,    /* a presigned URL past its expiry */
	F_TOKEN,      /* a session's token missing or wrong */
	F_TOKEN_OLD,  /* a session past its expiry */
};

struct code {
	int status;
	const char *code;
};

/* [failure][family]: query, JSON, rest-json, S3. */
static const struct code codes[][4] = {
	[F_MISSING] = { { 403, "MissingAuthenticationToken" },
			{ 400, "MissingAuthenticationTokenException" },
			{ 403, "MissingAuthenticationTokenException" },
			{ 403, "AccessDenied" } },
	[F_INCOMPLETE] = { { 400, "IncompleteSignature" },
			   { 400, "IncompleteSignatureException" },
			   { 403, "IncompleteSignatureException" },
			   { 400, "AuthorizationHeaderMalformed" } },
	[F_UNKNOWN] = { { 403, "InvalidClientTokenId" },
			{ 400, "UnrecognizedClientException" },
			{ 403, "UnrecognizedClientException" },
			{ 403, "InvalidAccessKeyId" } },
	[F_MISMATCH] = { { 403, "SignatureDoesNotMatch" },
			 { 400, "InvalidSignatureException" },
			 { 403, "InvalidSignatureException" },
			 { 403, "SignatureDoesNotMatch" } },
	[F_SKEW] = { { 400, "RequestExpired" },
		     { 400, "InvalidSignatureException" },
		     { 403, "InvalidSignatureException" },
		     { 403, "RequestTimeTooSkewed" } },
	[F_EXPIRED] = { { 400, "RequestExpired" },
			{ 400, "InvalidSignatureException" },
			{ 403, "InvalidSignatureException" },
			{ 403, "AccessDenied" } },
	[F_TOKEN] = { { 403, "InvalidClientTokenId" },
		      { 400, "UnrecognizedClientException" },
		      { 403, "UnrecognizedClientException" },
		      { 400, "InvalidToken" } },
	[F_TOKEN_OLD] = { { 403, "ExpiredToken" },
			  { 400, "ExpiredTokenException" },
			  { 403, "ExpiredTokenException" },
			  { 400, "ExpiredToken" } },
};

static bool fail(struct aws_err *err, enum family fam, enum failure f, const char *fmt, ...)
	XALLOC_PRINTF(4, 5);

static bool fail(struct aws_err *err, enum family fam, enum failure f, const char *fmt, ...)
{
	memset(err, 0, sizeof(*err));
	err->status = codes[f][fam].status;
	snprintf(err->code, sizeof(err->code), "%s", codes[f][fam].code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

/* An S3-only error (status, code, message). */
static bool fail_s3(struct aws_err *err, int status, const char *code, const char *fmt, ...)
	XALLOC_PRINTF(4, 5);

static bool fail_s3(struct aws_err *err, int status, const char *code, const char *fmt, ...)
{
	memset(err, 0, sizeof(*err));
	err->status = status;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

static void field(struct aws_err *err, const char *name, const char *value)
{
	if (!err->fields)
		err->fields = cJSON_CreateObject();
	cJSON_AddStringToObject(err->fields, name, value);
}

static void iso_time(long long epoch, char out[32])
{
	aws_time_iso(epoch * 1000, out);
	/* S3 writes whole seconds: 2026-11-27T05:30:00Z */
	char *dot = strchr(out, '.');
	if (dot)
		memcpy(dot, "Z", 2);
}

/* Copy s into dst (n bytes), cut to fit: snprintf("%s") without the formatting. */
static void copy_str(char *dst, size_t n, const char *s)
{
	size_t len = strlen(s);
	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static bool is_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* The value of name in the raw query, %-decoded ('+' stays '+'); false when absent. */
static bool raw_query_value(const struct http_req *req, const char *name, struct strbuf *out)
{
	size_t nl = strlen(name);
	for (const char *p = req->raw_query ? req->raw_query : ""; *p;) {
		size_t l = strcspn(p, "&");
		if (l > nl && p[nl] == '=' && strncmp(p, name, nl) == 0) {
			strbuf_reset(out);
			return sigv4_uri_decode(out, p + nl + 1, l - nl - 1);
		}
		p += l;
		if (*p == '&')
			p++;
	}
	return false;
}

/* Everything a verification gathers from the request. */
struct sig {
	struct sigv4_auth a;
	bool presigned;
	const char *amz_date;
	long long t;          /* amz_date in epoch seconds */
	long long expires;    /* presigned: X-Amz-Expires */
	const char *token;    /* X-Amz-Security-Token, or NULL */
	char token_raw[4096]; /* a presigned URL's, decoded as sent ('+' stays '+') */
	const char *payload;
	char scope[128];
};

static bool parse_header_auth(const struct http_req *req, const char *authz, enum family fam,
			      struct sig *s, struct aws_err *err)
{
	char why[300];
	if (!str_starts_with(authz, SIGV4_ALGORITHM " ")) {
		if (fam == FAM_S3)
			return fail_s3(err, 400, "InvalidArgument",
				       "Unsupported Authorization Type; use %s", SIGV4_ALGORITHM);
		return fail(
			err, fam, F_INCOMPLETE,
			"Authorization header requires '%s' as its scheme. Authorization=%.200s",
			SIGV4_ALGORITHM, authz);
	}
	if (!sigv4_parse_authorization(authz, &s->a, why, sizeof(why)))
		return fail(err, fam, F_INCOMPLETE,
			    fam == FAM_S3 ? "The authorization header is malformed; %s."
					  : "%s. Authorization=%.200s",
			    why, authz);
	s->amz_date = http_header(req, "X-Amz-Date");
	if (!s->amz_date)
		return fail(err, fam, F_INCOMPLETE,
			    "Authorization header requires existence of either a 'X-Amz-Date' or"
			    " a 'Date' header. Authorization=%.200s",
			    authz);
	s->token = http_header(req, "X-Amz-Security-Token");
	return true;
}

static bool parse_presigned(const struct http_req *req, enum family fam, struct sig *s,
			    struct aws_err *err)
{
	char why[300];
	s->presigned = true;
	const char *alg = http_query(req, "X-Amz-Algorithm");
	const char *cred = http_query(req, "X-Amz-Credential");
	const char *sh = http_query(req, "X-Amz-SignedHeaders");
	const char *sig = http_query(req, "X-Amz-Signature");
	const char *exp = http_query(req, "X-Amz-Expires");
	s->amz_date = http_query(req, "X-Amz-Date");
	struct strbuf tok = STRBUF_INIT;
	if (raw_query_value(req, "X-Amz-Security-Token", &tok) && tok.len < sizeof(s->token_raw)) {
		memcpy(s->token_raw, strbuf_str(&tok), tok.len + 1);
		s->token = s->token_raw;
	}
	strbuf_release(&tok);
	const char *missing = !alg                    ? "X-Amz-Algorithm"
			      : !cred                 ? "X-Amz-Credential"
			      : !s->amz_date          ? "X-Amz-Date"
			      : !sh                   ? "X-Amz-SignedHeaders"
			      : !sig                  ? "X-Amz-Signature"
			      : fam == FAM_S3 && !exp ? "X-Amz-Expires"
						      : NULL;
	if (missing) {
		if (fam == FAM_S3)
			return fail_s3(err, 400, "AuthorizationQueryParametersError",
				       "Query-string authentication version 4 requires the "
				       "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, "
				       "X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires "
				       "parameters.");
		return fail(err, fam, F_INCOMPLETE,
			    "AWS query-string parameters must include '%s'. Re-examine the query"
			    "-string parameters.",
			    missing);
	}
	if (strcmp(alg, SIGV4_ALGORITHM) != 0) {
		if (fam == FAM_S3)
			return fail_s3(err, 400, "AuthorizationQueryParametersError",
				       "X-Amz-Algorithm only supports \"%s\"", SIGV4_ALGORITHM);
		return fail(err, fam, F_INCOMPLETE, "X-Amz-Algorithm only supports \"%s\"",
			    SIGV4_ALGORITHM);
	}
	if (!sigv4_parse_credential(cred, &s->a, why, sizeof(why))) {
		if (fam == FAM_S3)
			return fail_s3(err, 400, "AuthorizationQueryParametersError",
				       "Error parsing the X-Amz-Credential parameter; %s", why);
		return fail(err, fam, F_INCOMPLETE, "%s", why);
	}
	if (!is_hex64(sig)) {
		if (fam == FAM_S3)
			return fail_s3(err, 400, "AuthorizationQueryParametersError",
				       "X-Amz-Signature should be 64 lower-case hex digits");
		return fail(err, fam, F_INCOMPLETE,
			    "X-Amz-Signature should be 64 lower-case hex digits");
	}
	copy_str(s->a.signature, sizeof(s->a.signature), sig);
	copy_str(s->a.signed_headers, sizeof(s->a.signed_headers), sh);
	if (exp) {
		char *end = NULL;
		long long v = strtoll(exp, &end, 10);
		if (!exp[0] || *end || v < 1 || v > AUTH_MAX_EXPIRES_SECONDS) {
			if (fam == FAM_S3)
				return fail_s3(
					err, 400, "AuthorizationQueryParametersError",
					v > AUTH_MAX_EXPIRES_SECONDS
						? "X-Amz-Expires must be less than a week (in"
						  " seconds) that is; 604800"
						: "X-Amz-Expires should be a number");
			return fail(err, fam, F_INCOMPLETE,
				    "X-Amz-Expires should be a number of seconds from 1 to 604800");
		}
		s->expires = v;
	} else {
		s->expires = AUTH_MAX_SKEW_SECONDS;
	}
	return true;
}

/* The request's time against now: AWS's 15 minutes either way, or a presigned URL's life. */
static bool check_time(const struct sig *s, enum family fam, long long now, struct aws_err *err)
{
	long long skew = s->t > now ? s->t - now : now - s->t;
	if (s->presigned ? now <= s->t + s->expires && s->t <= now + AUTH_MAX_SKEW_SECONDS
			 : skew <= AUTH_MAX_SKEW_SECONDS)
		return true; /* the usual case: nothing to say, nothing formatted */
	char req_iso[32], now_iso[32];
	iso_time(s->t, req_iso);
	iso_time(now, now_iso);
	char now_basic[17], edge[17];
	sigv4_format_time(now, now_basic);
	if (s->presigned) {
		if (now > s->t + s->expires) {
			if (fam == FAM_S3) {
				fail_s3(err, 403, "AccessDenied", "Request has expired");
				char buf[32], exp_iso[32];
				snprintf(buf, sizeof(buf), "%lld", s->expires);
				field(err, "X-Amz-Expires", buf);
				iso_time(s->t + s->expires, exp_iso);
				field(err, "Expires", exp_iso);
				field(err, "ServerTime", now_iso);
				return false;
			}
			if (fam == FAM_QUERY)
				return fail(err, fam, F_EXPIRED, "Request has expired.");
			sigv4_format_time(s->t + s->expires, edge);
			return fail(err, fam, F_EXPIRED,
				    "Signature expired: %s is now earlier than %s (%s - %lld sec.)",
				    edge, now_basic, now_basic, s->expires);
		}
		if (s->t > now + AUTH_MAX_SKEW_SECONDS) {
			if (fam == FAM_S3) {
				fail_s3(err, 403, "AccessDenied", "Request is not yet valid");
				field(err, "X-Amz-Date", s->amz_date);
				field(err, "ServerTime", now_iso);
				return false;
			}
			return fail(err, fam, F_SKEW, "Request is not yet valid.");
		}
		return true;
	}
	if (fam == FAM_S3) {
		fail(err, fam, F_SKEW,
		     "The difference between the request time and the current time is too large.");
		field(err, "RequestTime", req_iso);
		field(err, "ServerTime", now_iso);
		field(err, "MaxAllowedSkewMilliseconds", "900000");
		return false;
	}
	if (fam == FAM_QUERY)
		return fail(err, fam, F_SKEW,
			    "Request has expired: the request time %s is more than 15 minutes "
			    "from the server time %s.",
			    req_iso, now_iso);
	if (s->t < now) {
		sigv4_format_time(now - AUTH_MAX_SKEW_SECONDS, edge);
		return fail(err, fam, F_SKEW,
			    "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			    s->amz_date, edge, now_basic);
	}
	sigv4_format_time(now + AUTH_MAX_SKEW_SECONDS, edge);
	return fail(err, fam, F_SKEW,
		    "Signature not yet current: %s is still later than %s (%s + 15 min.)",
		    s->amz_date, edge, now_basic);
}

/* What the signer signed as the payload, and whether the body agrees with it. */
static bool payload_of(const struct http_req *req, enum family fam, struct sig *s,
		       char body_hash[SHA256_HEX_LEN + 1], struct aws_err *err)
{
	const char *declared = s->presigned ? http_query(req, "X-Amz-Content-Sha256")
					    : http_header(req, "x-amz-content-sha256");
	if (fam == FAM_S3 && s->presigned && !declared) {
		s->payload = SIGV4_UNSIGNED;
		return true;
	}
	if (fam == FAM_S3 && !declared)
		return fail_s3(err, 400, "InvalidRequest",
			       "Missing required header for this request: x-amz-content-sha256");
	if (declared) {
		bool marker = strcmp(declared, SIGV4_UNSIGNED) == 0 ||
			      strcmp(declared, SIGV4_STREAMING) == 0 ||
			      strcmp(declared, SIGV4_STREAMING_TRL) == 0 ||
			      strcmp(declared, SIGV4_UNSIGNED_TRL) == 0;
		if (!marker && !is_hex64(declared)) {
			if (fam == FAM_S3)
				return fail_s3(
					err, 400, "InvalidArgument",
					"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
					"STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
					"STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
					"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid"
					" sha256 value.");
			return fail(err, fam, F_INCOMPLETE,
				    "x-amz-content-sha256 is neither a SHA-256 nor %s",
				    SIGV4_UNSIGNED);
		}
		s->payload = declared;
		return true;
	}
	/* Services other than S3 sign the body's own hash. */
	if (req->body_sha256 && req->body_sha256[0]) {
		copy_str(body_hash, SHA256_HEX_LEN + 1, req->body_sha256);
	} else if (req->body_path) {
		copy_str(body_hash, SHA256_HEX_LEN + 1, SIGV4_EMPTY_SHA256);
	} else {
		sha256_hex(req->body ? req->body : "", req->body_len, body_hash);
	}
	s->payload = body_hash;
	return true;
}

/*
 * The signing key for the request's scope, from the entry's cache or derived (then kept).
 * Fills the entry's account and principal into out. False when the key is unknown.
 */
static bool signing_key(struct auth *a, const struct sig *s, struct hmac_sha256 *key,
			struct key_entry *copy)
{
	pthread_mutex_lock(&a->mu);
	struct key_entry *e = keys_find(a, s->a.access_key);
	if (!e) {
		pthread_mutex_unlock(&a->mu);
		return false;
	}
	for (int i = 0; i < KEYS_CACHED; i++) {
		if (strcmp(e->cache[i].scope, s->scope) == 0) {
			*key = e->cache[i].key;
			memcpy(copy, e, sizeof(*copy));
			pthread_mutex_unlock(&a->mu);
			return true;
		}
	}
	memcpy(copy, e, sizeof(*copy));
	pthread_mutex_unlock(&a->mu);
	sigv4_signing_key(key, copy->secret, s->a.date, s->a.region, s->a.service);
	pthread_mutex_lock(&a->mu);
	e = keys_find(a, s->a.access_key);
	if (e) {
		unsigned slot = e->cache_next++ % KEYS_CACHED;
		copy_str(e->cache[slot].scope, sizeof(e->cache[slot].scope), s->scope);
		e->cache[slot].key = *key;
	}
	pthread_mutex_unlock(&a->mu);
	return true;
}

#define MAX_HEADERS 64

static bool mismatch(struct aws_err *err, enum family fam, const struct sig *s,
		     const struct strbuf *creq, const struct strbuf *sts)
{
	static const char msg[] = "The request signature we calculated does not match the "
				  "signature you provided. Check your key and signing method.";
	if (fam == FAM_S3) {
		fail(err, fam, F_MISMATCH, "%s", msg);
		field(err, "AWSAccessKeyId", s->a.access_key);
		field(err, "StringToSign", sts->buf);
		field(err, "SignatureProvided", s->a.signature);
		field(err, "CanonicalRequest", creq->buf);
		return false;
	}
	if (fam == FAM_QUERY)
		return fail(
			err, fam, F_MISMATCH,
			"The request signature we calculated does not match the signature you "
			"provided. Check your AWS Secret Access Key and signing method. Consult "
			"the service documentation for details.");
	/* The JSON services say what they computed, which is what a signer needs to see. */
	return fail(err, fam, F_MISMATCH,
		    "%s\n\nThe Canonical String for this request should have been\n'%.400s'\n\n"
		    "The String-to-Sign should have been\n'%.200s'\n",
		    msg, creq->buf, sts->buf);
}

/* The chain of an aws-chunked body's chunk signatures, seeded by the request's. */
static bool check_chunks(const struct http_req *req, const struct sig *s,
			 const struct hmac_sha256 *key, struct aws_err *err)
{
	bool signed_chunks = strcmp(s->payload, SIGV4_STREAMING) == 0 ||
			     strcmp(s->payload, SIGV4_STREAMING_TRL) == 0;
	bool trailer = strcmp(s->payload, SIGV4_STREAMING_TRL) == 0 ||
		       strcmp(s->payload, SIGV4_UNSIGNED_TRL) == 0;
	if (!req->chunked || !req->chunks_ok)
		return fail_s3(err, 400, "IncompleteBody",
			       "The request body terminated unexpectedly, or its aws-chunked "
			       "framing is malformed");
	const char *declared = http_header(req, "x-amz-decoded-content-length");
	if (!declared || strtoull(declared, NULL, 10) != req->decoded_len)
		return fail_s3(err, 400, "IncompleteBody",
			       "You did not provide the number of bytes specified by the "
			       "x-amz-decoded-content-length header (%s), but %llu",
			       declared ? declared : "absent", req->decoded_len);
	char prev[SHA256_HEX_LEN + 1];
	snprintf(prev, sizeof(prev), "%s", s->a.signature);
	for (size_t i = 0; i < req->n_chunks; i++) {
		const struct http_chunk *ch = &req->chunks[i];
		if (!signed_chunks) {
			if (ch->signature[0])
				return fail_s3(err, 400, "InvalidRequest",
					       "An unsigned payload has signed chunks");
			continue;
		}
		char hash[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
		digest_hex(ch->sha256, SHA256_LEN, hash);
		struct strbuf sts = STRBUF_INIT;
		strbuf_addf(&sts, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n%s\n%s", s->amz_date,
			    s->scope, prev, SIGV4_EMPTY_SHA256, hash);
		sigv4_sign(key, sts.buf, sts.len, want);
		strbuf_release(&sts);
		if (!ch->signature[0] || !sigv4_same(want, ch->signature)) {
			fail(err, FAM_S3, F_MISMATCH,
			     "The request signature we calculated does not match the signature "
			     "you provided for chunk %zu. Check your key and signing method.",
			     i + 1);
			field(err, "AWSAccessKeyId", s->a.access_key);
			return false;
		}
		snprintf(prev, sizeof(prev), "%s", want);
	}
	if (trailer && signed_chunks) {
		char want[SHA256_HEX_LEN + 1];
		const char *t = req->trailer ? req->trailer : "";
		sigv4_chunk_signature(key, s->amz_date, s->scope, prev, t, strlen(t), true, want);
		if (!req->trailer_signature || !sigv4_same(want, req->trailer_signature))
			return fail(err, FAM_S3, F_MISMATCH,
				    "The trailing headers' signature does not match the one we "
				    "calculated.");
	}
	return true;
}

/* ---- S3's Signature Version 2 (HMAC-SHA1), which SDKs still use to presign in us-east-1 ---- */

/* The subresources SigV2 signs, sorted. */
static const char *const v2_subresources[] = {
	"accelerate",
	"acl",
	"analytics",
	"cors",
	"delete",
	"inventory",
	"lifecycle",
	"location",
	"logging",
	"metrics",
	"notification",
	"object-lock",
	"partNumber",
	"policy",
	"replication",
	"requestPayment",
	"response-cache-control",
	"response-content-disposition",
	"response-content-encoding",
	"response-content-language",
	"response-content-type",
	"response-expires",
	"restore",
	"select",
	"select-type",
	"storageClass",
	"tagging",
	"torrent",
	"uploadId",
	"uploads",
	"versionId",
	"versioning",
	"versions",
	"website",
};

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* "/bucket/key" as sent, then the signed subresources sorted, values decoded. */
static void v2_resource(const struct http_req *req, struct strbuf *sb)
{
	strbuf_addstr(sb, req->raw_path ? req->raw_path : req->path);
	struct vec pairs = VEC_INIT;
	for (const char *p = req->raw_query ? req->raw_query : ""; *p;) {
		size_t l = strcspn(p, "&");
		size_t kl = strcspn(p, "=&");
		for (size_t i = 0; i < sizeof(v2_subresources) / sizeof(v2_subresources[0]); i++) {
			const char *sub = v2_subresources[i];
			if (strlen(sub) != kl || strncmp(p, sub, kl) != 0)
				continue;
			struct strbuf one = STRBUF_INIT;
			strbuf_add(&one, p, kl);
			if (kl < l) {
				strbuf_addch(&one, '=');
				sigv4_uri_decode(&one, p + kl + 1, l - kl - 1);
			}
			vec_push(&pairs, strbuf_detach(&one));
		}
		p += l;
		if (*p == '&')
			p++;
	}
	qsort(pairs.items, pairs.len, sizeof(pairs.items[0]), cmp_str);
	vec_for_each (&pairs, i) {
		strbuf_addch(sb, i ? '&' : '?');
		strbuf_addstr(sb, pairs.items[i]);
	}
	vec_release_with(&pairs, free);
}

struct amz {
	char name[64];
	struct strbuf value;
};

static int cmp_amz(const void *x, const void *y)
{
	return strcmp(((const struct amz *)x)->name, ((const struct amz *)y)->name);
}

/* Add one x-amz-* header (or query argument) to the list, joining repeats with ','. */
static void amz_add(struct amz *list, size_t *n, size_t max, const char *name, const char *value)
{
	char lower[64];
	size_t len = strlen(name);
	if (len >= sizeof(lower))
		return;
	for (size_t i = 0; i <= len; i++)
		lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(list[i].name, lower) == 0) {
			strbuf_addch(&list[i].value, ',');
			strbuf_addstr(&list[i].value, value);
			return;
		}
	}
	if (*n == max)
		return;
	snprintf(list[*n].name, sizeof(list[*n].name), "%s", lower);
	strbuf_init(&list[*n].value);
	while (*value == ' ')
		value++;
	strbuf_addstr(&list[*n].value, value);
	(*n)++;
}

static bool verify_v2(struct auth *a, const struct http_req *req, const char *authz,
		      struct svc_caller *out, struct aws_err *err)
{
	bool query = !authz;
	struct strbuf sig = STRBUF_INIT, key = STRBUF_INIT, expires = STRBUF_INIT;
	struct strbuf sts = STRBUF_INIT;
	struct amz amz[32];
	size_t n_amz = 0;
	bool ok = false;
	long long now = (long long)time(NULL);
	char now_iso[32];
	iso_time(now, now_iso);
	const char *date = "";
	if (query) {
		if (!raw_query_value(req, "AWSAccessKeyId", &key) ||
		    !raw_query_value(req, "Signature", &sig) ||
		    !raw_query_value(req, "Expires", &expires)) {
			fail_s3(err, 403, "AccessDenied",
				"Query-string authentication requires the Signature, Expires and "
				"AWSAccessKeyId parameters");
			goto done;
		}
		char *end = NULL;
		long long exp = strtoll(expires.buf, &end, 10);
		if (!expires.buf[0] || *end) {
			fail_s3(err, 403, "AccessDenied",
				"Invalid date (should be seconds since epoch): %s", expires.buf);
			goto done;
		}
		if (now > exp) {
			char exp_iso[32];
			iso_time(exp, exp_iso);
			fail_s3(err, 403, "AccessDenied", "Request has expired");
			field(err, "Expires", exp_iso);
			field(err, "ServerTime", now_iso);
			goto done;
		}
		date = expires.buf;
	} else {
		const char *colon = strrchr(authz + 4, ':');
		if (!colon || colon == authz + 4) {
			fail_s3(err, 400, "InvalidArgument",
				"AWS authorization header is invalid.  "
				"Expected AwsAccessKeyId:signature");
			goto done;
		}
		strbuf_add(&key, authz + 4, (size_t)(colon - authz - 4));
		strbuf_addstr(&sig, colon + 1);
		const char *when = http_header(req, "x-amz-date");
		if (!when)
			when = http_header(req, "Date");
		struct tm tm = { 0 };
		const char *rest = when ? strptime(when, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
		if (!rest) {
			fail_s3(err, 403, "AccessDenied",
				"AWS authentication requires a valid Date or x-amz-date header");
			goto done;
		}
		long long t = (long long)timegm(&tm);
		if ((t > now ? t - now : now - t) > AUTH_MAX_SKEW_SECONDS) {
			char req_iso[32];
			iso_time(t, req_iso);
			fail_s3(err, 403, "RequestTimeTooSkewed",
				"The difference between the request time and the current time is "
				"too large.");
			field(err, "RequestTime", req_iso);
			field(err, "ServerTime", now_iso);
			field(err, "MaxAllowedSkewMilliseconds", "900000");
			goto done;
		}
		date = http_header(req, "x-amz-date") ? "" : when;
	}
	struct sigv4_header headers[MAX_HEADERS];
	size_t nh = http_headers(req, headers, MAX_HEADERS);
	for (size_t i = 0; i < nh && i < MAX_HEADERS; i++)
		if (strncasecmp(headers[i].name, "x-amz-", 6) == 0)
			amz_add(amz, &n_amz, 32, headers[i].name, headers[i].value);
	const char *md5 = http_header(req, "Content-MD5");
	const char *type = http_header(req, "Content-Type");
	struct strbuf qmd5 = STRBUF_INIT, qtype = STRBUF_INIT;
	if (query) {
		/* SDKs move the signed headers of a presigned URL into its query. */
		for (const char *p = req->raw_query ? req->raw_query : ""; *p;) {
			size_t l = strcspn(p, "&"), kl = strcspn(p, "=&");
			if (kl > 6 && strncasecmp(p, "x-amz-", 6) == 0 && kl < l) {
				char name[64];
				struct strbuf v = STRBUF_INIT;
				snprintf(name, sizeof(name), "%.*s", (int)(kl < 63 ? kl : 63), p);
				sigv4_uri_decode(&v, p + kl + 1, l - kl - 1);
				amz_add(amz, &n_amz, 32, name, strbuf_str(&v));
				strbuf_release(&v);
			}
			p += l;
			if (*p == '&')
				p++;
		}
		if (raw_query_value(req, "content-md5", &qmd5))
			md5 = qmd5.buf;
		if (raw_query_value(req, "content-type", &qtype))
			type = qtype.buf;
	}
	qsort(amz, n_amz, sizeof(amz[0]), cmp_amz);
	strbuf_addf(&sts, "%s\n%s\n%s\n%s\n", req->method, md5 ? md5 : "", type ? type : "", date);
	for (size_t i = 0; i < n_amz; i++)
		strbuf_addf(&sts, "%s:%s\n", amz[i].name, amz[i].value.buf);
	v2_resource(req, &sts);
	strbuf_release(&qmd5);
	strbuf_release(&qtype);

	pthread_mutex_lock(&a->mu);
	struct key_entry *e = keys_find(a, key.buf);
	struct key_entry entry;
	if (e)
		memcpy(&entry, e, sizeof(entry));
	pthread_mutex_unlock(&a->mu);
	if (!e) {
		fail_s3(err, 403, "InvalidAccessKeyId",
			"The AWS Access Key Id you provided does not exist in our records.");
		field(err, "AWSAccessKeyId", key.buf);
		goto done;
	}
	unsigned char md[SHA1_LEN];
	hmac_sha1(entry.secret, strlen(entry.secret), sts.buf, sts.len, md);
	char *want = aws_base64_encode(md, sizeof(md));
	bool same = sigv4_same(want, sig.buf);
	free(want);
	if (!same) {
		fail_s3(err, 403, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you "
			"provided. Check your key and signing method.");
		field(err, "AWSAccessKeyId", key.buf);
		field(err, "StringToSign", sts.buf);
		field(err, "SignatureProvided", sig.buf);
		goto done;
	}
	if (entry.token[0]) {
		const char *tok = NULL;
		for (size_t i = 0; i < n_amz; i++)
			if (strcmp(amz[i].name, "x-amz-security-token") == 0)
				tok = amz[i].value.buf;
		if (!tok || strcmp(tok, entry.token) != 0) {
			fail_s3(err, 400, "InvalidToken",
				"The provided token is malformed or otherwise invalid.");
			goto done;
		}
		if (entry.expires && entry.expires < keys_now_for(a, &entry)) {
			fail_s3(err, 400, "ExpiredToken", "The provided token has expired.");
			goto done;
		}
	}
	snprintf(out->account, sizeof(out->account), "%s", entry.account);
	snprintf(out->access_key, sizeof(out->access_key), "%s", entry.access_key);
	snprintf(out->arn, sizeof(out->arn), "%s", entry.arn);
	out->function = entry.function;
	snprintf(out->region, sizeof(out->region), "%s", AWS_REGION_NAME);
	ok = true;
done:
	for (size_t i = 0; i < n_amz; i++)
		strbuf_release(&amz[i].value);
	strbuf_release(&sig);
	strbuf_release(&key);
	strbuf_release(&expires);
	strbuf_release(&sts);
	return ok;
}

bool auth_verify(struct auth *a, const struct http_req *req, const char *service,
		 struct svc_caller *out, struct aws_err *err)
{
	enum family fam = family_of(service);
	memset(out, 0, sizeof(*out));
	/* The endpoint serves plain HTTP on this machine alone, where it stands for AWS's HTTPS
	 * endpoint: the AWS CLI and SDKs reach AWS over TLS, so a request from this machine counts
	 * as sent over TLS, and a TLS-only policy (the SAM CLI's managed bucket's) lets them in as
	 * AWS does. One from elsewhere crossed a network in the clear. */
	out->plain_http = !http_req_local(req);
	struct sig s;
	memset(&s, 0, sizeof(s));
	const char *authz = http_header(req, "Authorization");
	if (fam == FAM_S3 && authz && str_starts_with(authz, "AWS "))
		return verify_v2(a, req, authz, out, err);
	if (fam == FAM_S3 && !authz && http_query_has(req, "AWSAccessKeyId") &&
	    http_query_has(req, "Signature"))
		return verify_v2(a, req, NULL, out, err);
	if (authz) {
		if (!parse_header_auth(req, authz, fam, &s, err))
			return false;
	} else if (http_query_has(req, "X-Amz-Algorithm") ||
		   http_query_has(req, "X-Amz-Credential") ||
		   http_query_has(req, "X-Amz-Signature")) {
		if (!parse_presigned(req, fam, &s, err))
			return false;
	} else {
		return fail(err, fam, F_MISSING,
			    fam == FAM_S3      ? "Access Denied"
			    : fam == FAM_QUERY ? "Request is missing Authentication Token"
					       : "Missing Authentication Token");
	}
	if (!sigv4_parse_time(s.amz_date, &s.t))
		return fail(
			err, fam, F_INCOMPLETE,
			"X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
	if (strncmp(s.amz_date, s.a.date, 8) != 0)
		return fail(err, fam, fam == FAM_S3 ? F_INCOMPLETE : F_MISMATCH,
			    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version"
			    " of date from HTTP: '%s' != '%.8s', from '%s'.",
			    s.a.date, s.amz_date, s.amz_date);
	long long now = (long long)time(NULL);
	if (!check_time(&s, fam, now, err))
		return false;
	char list[sizeof(s.a.signed_headers) + 2];
	list[0] = ';';
	size_t sl = strlen(s.a.signed_headers);
	memcpy(list + 1, s.a.signed_headers, sl);
	memcpy(list + 1 + sl, ";", 2);
	if (!strstr(list, ";host;"))
		return fail(err, fam, F_INCOMPLETE,
			    "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
			    "Authorization.");
	char body_hash[SHA256_HEX_LEN + 1];
	if (!payload_of(req, fam, &s, body_hash, err))
		return false;
	sigv4_scope(s.scope, sizeof(s.scope), s.a.date, s.a.region, s.a.service);

	struct key_entry entry;
	struct hmac_sha256 key;
	if (!signing_key(a, &s, &key, &entry)) {
		if (fam == FAM_S3) {
			fail(err, fam, F_UNKNOWN,
			     "The AWS Access Key Id you provided does not exist in our records.");
			field(err, "AWSAccessKeyId", s.a.access_key);
			return false;
		}
		return fail(err, fam, F_UNKNOWN,
			    "The security token included in the request is invalid.");
	}
	if (entry.token[0]) {
		if (!s.token || strcmp(s.token, entry.token) != 0)
			return fail(err, fam, F_TOKEN,
				    fam == FAM_S3 ? "The provided token is malformed or otherwise "
						    "invalid."
						  : "The security token included in the request is "
						    "invalid.");
		if (entry.expires && entry.expires < keys_now_for(a, &entry))
			return fail(err, fam, F_TOKEN_OLD,
				    fam == FAM_S3 ? "The provided token has expired."
						  : "The security token included in the request is "
						    "expired");
	}

	struct sigv4_header headers[MAX_HEADERS];
	size_t nh = http_headers(req, headers, MAX_HEADERS);
	if (nh > MAX_HEADERS)
		nh = MAX_HEADERS;
	struct sigv4_input in = {
		.method = req->method,
		.path = req->raw_path ? req->raw_path : req->path,
		.query = req->raw_query,
		.headers = headers,
		.n_headers = nh,
		.signed_headers = s.a.signed_headers,
		.payload_hash = s.payload,
		.s3 = fam == FAM_S3,
		.presigned = s.presigned,
	};
	struct strbuf creq = STRBUF_INIT, sts = STRBUF_INIT;
	strbuf_grow(&creq, 512);
	strbuf_grow(&sts, 200);
	if (!sigv4_canonical_request(&creq, &in)) {
		/* An S3 path with a broken escape: refused as unparseable before any signature. */
		fail_s3(err, 400, "InvalidURI", "Couldn't parse the specified URI.");
		strbuf_release(&creq);
		strbuf_release(&sts);
		return false;
	}
	sigv4_string_to_sign(&sts, s.amz_date, s.scope, creq.buf, creq.len);
	char want[SHA256_HEX_LEN + 1];
	sigv4_sign(&key, sts.buf, sts.len, want);
	bool ok = sigv4_same(want, s.a.signature);
	if (!ok)
		mismatch(err, fam, &s, &creq, &sts);
	strbuf_release(&creq);
	strbuf_release(&sts);
	if (!ok)
		return false;

	/* The body, for S3 (other services' payload hash is the body's own). */
	if (fam == FAM_S3 && is_hex64(s.payload) && req->body_sha256 && req->body_sha256[0] &&
	    !req->too_large && strcmp(s.payload, req->body_sha256) != 0) {
		fail_s3(err, 400, "XAmzContentSHA256Mismatch",
			"The provided 'x-amz-content-sha256' header does not match what was "
			"computed.");
		field(err, "ClientComputedContentSHA256", s.payload);
		field(err, "S3ComputedContentSHA256", req->body_sha256);
		return false;
	}
	if (str_starts_with(s.payload, "STREAMING-") && !check_chunks(req, &s, &key, err))
		return false;

	copy_str(out->account, sizeof(out->account), entry.account);
	copy_str(out->access_key, sizeof(out->access_key), s.a.access_key);
	copy_str(out->arn, sizeof(out->arn), entry.arn);
	out->function = entry.function;
	copy_str(out->region, sizeof(out->region), s.a.region);
	return true;
}

bool auth_identify(struct cloud *c, const struct http_req *req, const char *service,
		   struct svc_caller *out, struct aws_err *err)
{
	return auth_verify(c->auth, req, service, out, err);
}

char *auth_presign_cloud(struct auth *a, const char *endpoint, const char *path_and_query,
			 int seconds)
{
	char amz_date[17], date[9], scope[128], sig[SHA256_HEX_LEN + 1];
	sigv4_format_time((long long)time(NULL), amz_date);
	snprintf(date, sizeof(date), "%.8s", amz_date);
	/* As Lambda's Code.Location is: an S3 URL, presigned. */
	sigv4_scope(scope, sizeof(scope), date, AWS_REGION_NAME, "s3");
	const char *host = str_starts_with(endpoint, "http://") ? endpoint + 7 : endpoint;
	size_t plen = strcspn(path_and_query, "?");
	struct strbuf query = STRBUF_INIT;
	if (path_and_query[plen])
		strbuf_addf(&query, "%s&", path_and_query + plen + 1);
	strbuf_addf(&query,
		    "X-Amz-Algorithm=" SIGV4_ALGORITHM "&X-Amz-Credential=%s%%2F%s%%2F%s%%2Fs3"
		    "%%2Faws4_request&X-Amz-Date=%s&X-Amz-Expires=%d&X-Amz-SignedHeaders=host",
		    a->cloud_key, date, AWS_REGION_NAME, amz_date, seconds);
	char *path = xstrndup(path_and_query, plen);
	struct sigv4_header hs[] = { { "Host", host } };
	struct sigv4_input in = {
		.method = "GET",
		.path = path,
		.query = query.buf,
		.headers = hs,
		.n_headers = 1,
		.signed_headers = "host",
		.payload_hash = SIGV4_UNSIGNED,
		.s3 = true,
	};
	struct strbuf creq = STRBUF_INIT, sts = STRBUF_INIT;
	sigv4_canonical_request(&creq, &in);
	sigv4_string_to_sign(&sts, amz_date, scope, creq.buf, creq.len);
	struct hmac_sha256 key;
	sigv4_signing_key(&key, a->cloud_secret, date, AWS_REGION_NAME, "s3");
	sigv4_sign(&key, sts.buf, sts.len, sig);
	char *url = xasprintf("%s%s?%s&X-Amz-Signature=%s", endpoint, path, query.buf, sig);
	strbuf_release(&creq);
	strbuf_release(&sts);
	strbuf_release(&query);
	free(path);
	return url;
}

static void xml_field(struct strbuf *sb, const cJSON *fields)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, fields)
	{
		if (cJSON_IsString(f))
			query_xml_text(sb, f->string, f->valuestring);
	}
}

void auth_error_write(enum auth_protocol proto, const struct aws_err *err, const char *request_id,
		      struct http_resp *resp)
{
	switch (proto) {
	case AUTH_PROTO_REST_JSON:
		aws_error(resp, err->status, err->code, "%s", err->message);
		return;
	case AUTH_PROTO_JSON:
		aws_json_error(resp, err->status, err->code, "%s", err->message);
		/* SQS's JSON protocol names the query protocol's code as well. */
		http_resp_headerf(resp, "x-amzn-query-error", "%s;Sender", err->code);
		return;
	case AUTH_PROTO_REST_XML:
		resp->status = err->status;
		strbuf_reset(&resp->body);
		resp->content_type = "application/xml";
		strbuf_addstr(&resp->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
		query_xml_text(&resp->body, "Code", err->code);
		query_xml_text(&resp->body, "Message", err->message);
		xml_field(&resp->body, err->fields);
		query_xml_text(&resp->body, "RequestId", request_id);
		strbuf_addstr(&resp->body, "</Error>");
		return;
	case AUTH_PROTO_QUERY:
		resp->status = err->status;
		strbuf_reset(&resp->body);
		resp->content_type = "text/xml";
		strbuf_addstr(&resp->body, "<ErrorResponse><Error><Type>Sender</Type>");
		query_xml_text(&resp->body, "Code", err->code);
		query_xml_text(&resp->body, "Message", err->message);
		strbuf_addstr(&resp->body, "</Error>");
		query_xml_text(&resp->body, "RequestId", request_id);
		strbuf_addstr(&resp->body, "</ErrorResponse>");
		return;
	}
	abort();
}
