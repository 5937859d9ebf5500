/*
 * Unit tests for core/sigv4.c: the requests of AWS's SigV4 test suite (credentials
 * AKIDEXAMPLE, service "service", 2015-08-30T12:36:00Z) with the signatures the suite gives,
 * the examples of S3's SigV4 documentation (a GET with a range, a presigned URL, a chunked
 * upload), and the parsers of Authorization headers and credentials.
 */
#include <stdlib.h>
#include <string.h>

#include "core/sigv4.h"
#include "harness.h"

#define SUITE_KEY    "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_DATE   "20150830T123600Z"

struct vector {
	const char *name;
	const char *method;
	const char *path;  /* as sent */
	const char *query; /* as sent */
	const char *headers[6][2];
	const char *signed_headers;
	const char *body;
	const char *signature;
};

static const struct vector suite[] = {
	{ "get-vanilla",
	  "GET",
	  "/",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "get-vanilla-query-order-key-case",
	  "GET",
	  "/",
	  "Param2=value2&Param1=value1",
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
	{ "get-vanilla-empty-query-key",
	  "GET",
	  "/",
	  "Param1=value1",
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb" },
	{ "get-vanilla-query-unreserved",
	  "GET",
	  "/",
	  "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
	  "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197" },
	{ "get-vanilla-utf8-query",
	  "GET",
	  "/",
	  "%E1%88%B4=bar",
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
	{ "get-unreserved",
	  "GET",
	  "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
	{ "get-utf8",
	  "GET",
	  "/\xe1\x88\xb4",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85" },
	{ "get-space",
	  "GET",
	  "/example space/",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741" },
	{ "normalize-path/get-relative",
	  "GET",
	  "/example/..",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "normalize-path/get-relative-relative",
	  "GET",
	  "/example1/example2/../..",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "normalize-path/get-slash",
	  "GET",
	  "//",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "normalize-path/get-slash-dot-slash",
	  "GET",
	  "/./",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "normalize-path/get-slashes",
	  "GET",
	  "//example//",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84" },
	{ "normalize-path/get-slash-pointless-dot",
	  "GET",
	  "/./example",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5" },
	{ "get-header-key-duplicate",
	  "GET",
	  "/",
	  NULL,
	  { { "Host", "example.amazonaws.com" },
	    { "My-Header1", "value2" },
	    { "My-Header1", "value2" },
	    { "My-Header1", "value1" } },
	  "host;my-header1;x-amz-date",
	  NULL,
	  "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea" },
	{ "get-header-value-order",
	  "GET",
	  "/",
	  NULL,
	  { { "Host", "example.amazonaws.com" },
	    { "My-Header1", "value4" },
	    { "My-Header1", "value1" },
	    { "My-Header1", "value3" },
	    { "My-Header1", "value2" } },
	  "host;my-header1;x-amz-date",
	  NULL,
	  "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01" },
	{ "get-header-value-trim",
	  "GET",
	  "/",
	  NULL,
	  { { "Host", "example.amazonaws.com" },
	    { "My-Header1", " value1" },
	    { "My-Header2", " \"a   b   c\"" } },
	  "host;my-header1;my-header2;x-amz-date",
	  NULL,
	  "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
	{ "post-vanilla",
	  "POST",
	  "/",
	  NULL,
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
	{ "post-vanilla-query",
	  "POST",
	  "/",
	  "Param1=value1",
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
	{ "post-vanilla-query-nonunreserved",
	  "POST",
	  "/",
	  "%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D",
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e" },
	{ "post-vanilla-query-space",
	  "POST",
	  "/",
	  "p=",
	  { { "Host", "example.amazonaws.com" } },
	  "host;x-amz-date",
	  NULL,
	  "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b" },
	{ "post-header-key-sort",
	  "POST",
	  "/",
	  NULL,
	  { { "Host", "example.amazonaws.com" }, { "My-Header1", "value1" } },
	  "host;my-header1;x-amz-date",
	  NULL,
	  "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c" },
	{ "post-header-value-case",
	  "POST",
	  "/",
	  NULL,
	  { { "Host", "example.amazonaws.com" }, { "My-Header1", "VALUE1" } },
	  "host;my-header1;x-amz-date",
	  NULL,
	  "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d" },
	{ "post-sts-header-before",
	  "POST",
	  "/",
	  NULL,
	  { { "Host", "example.amazonaws.com" },
	    { "X-Amz-Security-Token",
	      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAe"
	      "MicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phU"
	      "ZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38x"
	      "Vqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2"
	      "ICCR/oLxBA==" } },
	  "host;x-amz-date;x-amz-security-token",
	  NULL,
	  "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead" },
	{ "post-x-www-form-urlencoded",
	  "POST",
	  "/",
	  NULL,
	  { { "Content-Type", "application/x-www-form-urlencoded" },
	    { "Host", "example.amazonaws.com" } },
	  "content-type;host;x-amz-date",
	  "Param1=value1",
	  "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
	{ "post-x-www-form-urlencoded-parameters",
	  "POST",
	  "/",
	  NULL,
	  { { "Content-Type", "application/x-www-form-urlencoded; charset=utf8" },
	    { "Host", "example.amazonaws.com" } },
	  "content-type;host;x-amz-date",
	  "Param1=value1",
	  "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe" },
};

/* The signature the signer makes of v, or "" when the Authorization header is malformed. */
static const char *sign_vector(const struct vector *v)
{
	static char sig[65];
	struct sigv4_header hs[8];
	size_t n = 0;
	for (; n < 6 && v->headers[n][0]; n++) {
		hs[n].name = v->headers[n][0];
		hs[n].value = v->headers[n][1];
	}
	hs[n].name = "X-Amz-Date";
	hs[n].value = SUITE_DATE;
	n++;
	char hash[SHA256_HEX_LEN + 1];
	const char *body = v->body ? v->body : "";
	sha256_hex(body, strlen(body), hash);
	struct sigv4_input in = {
		.method = v->method,
		.path = v->path,
		.query = v->query,
		.headers = hs,
		.n_headers = n,
		.signed_headers = v->signed_headers,
		.payload_hash = hash,
	};
	char *auth = sigv4_authorization(&in, SUITE_KEY, SUITE_SECRET, SUITE_DATE, "us-east-1",
					 "service");
	const char *p = strstr(auth, "Signature=");
	snprintf(sig, sizeof(sig), "%s", p ? p + 10 : "");
	free(auth);
	return sig;
}

TEST(sigv4__signs_the_aws_test_suite)
{
	for (size_t i = 0; i < sizeof(suite) / sizeof(suite[0]); i++)
		is_str(sign_vector(&suite[i]), suite[i].signature, suite[i].name);
}

TEST(sigv4__canonical_request_of_get_vanilla)
{
	struct sigv4_header hs[] = { { "Host", "example.amazonaws.com" },
				     { "X-Amz-Date", SUITE_DATE } };
	struct sigv4_input in = { .method = "GET",
				  .path = "/",
				  .headers = hs,
				  .n_headers = 2,
				  .signed_headers = "host;x-amz-date",
				  .payload_hash = SIGV4_EMPTY_SHA256 };
	struct strbuf creq = STRBUF_INIT, sts = STRBUF_INIT;
	ok(sigv4_canonical_request(&creq, &in), "made");
	is_str(creq.buf,
	       "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
	       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "the suite's get-vanilla.creq");
	sigv4_string_to_sign(&sts, SUITE_DATE, "20150830/us-east-1/service/aws4_request", creq.buf,
			     creq.len);
	is_str(sts.buf,
	       "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
	       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
	       "the suite's get-vanilla.sts");
	strbuf_release(&creq);
	strbuf_release(&sts);
}

#define S3_KEY    "AKIAIOSFODNN7EXAMPLE"
#define S3_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define S3_DATE   "20130524T000000Z"

/* S3's "Example: GET Object": a range of test.txt, signed with the empty payload's hash. */
TEST(sigv4__signs_s3_get_object_example)
{
	struct sigv4_header hs[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Range", "bytes=0-9" },
		{ "x-amz-content-sha256", SIGV4_EMPTY_SHA256 },
		{ "x-amz-date", S3_DATE },
	};
	struct sigv4_input in = { .method = "GET",
				  .path = "/test.txt",
				  .headers = hs,
				  .n_headers = 4,
				  .signed_headers = "host;range;x-amz-content-sha256;x-amz-date",
				  .payload_hash = SIGV4_EMPTY_SHA256,
				  .s3 = true };
	char *auth = sigv4_authorization(&in, S3_KEY, S3_SECRET, S3_DATE, "us-east-1", "s3");
	ok(strstr(auth,
		  "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
	   "the documented signature (%s)", auth);
	free(auth);
}

/* S3's "Example: presigned URL": test.txt for 86400 seconds, host signed, payload unsigned. */
TEST(sigv4__signs_s3_presigned_url_example)
{
	struct sigv4_header hs[] = { { "Host", "examplebucket.s3.amazonaws.com" } };
	struct sigv4_input in = {
		.method = "GET",
		.path = "/test.txt",
		.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F"
			 "20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&"
			 "X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=x",
		.headers = hs,
		.n_headers = 1,
		.signed_headers = "host",
		.payload_hash = SIGV4_UNSIGNED,
		.s3 = true,
		.presigned = true,
	};
	struct strbuf creq = STRBUF_INIT, sts = STRBUF_INIT;
	sigv4_canonical_request(&creq, &in);
	ok(!strstr(creq.buf, "X-Amz-Signature"), "the signature is not part of what is signed");
	sigv4_string_to_sign(&sts, S3_DATE, "20130524/us-east-1/s3/aws4_request", creq.buf,
			     creq.len);
	struct hmac_sha256 key;
	sigv4_signing_key(&key, S3_SECRET, "20130524", "us-east-1", "s3");
	char sig[65];
	sigv4_sign(&key, sts.buf, sts.len, sig);
	is_str(sig, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
	       "the documented signature");
	sigv4_sign(&key, sts.buf, sts.len, sig);
	is_str(sig, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
	       "a kept signing key signs again alike");
	strbuf_release(&creq);
	strbuf_release(&sts);
}

/* S3's "Transferring Payload in Multiple Chunks": the seed and the three chunk signatures. */
TEST(sigv4__signs_s3_chunked_upload_example)
{
	struct sigv4_header hs[] = {
		{ "Host", "s3.amazonaws.com" },
		{ "x-amz-date", S3_DATE },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", SIGV4_STREAMING },
		{ "Content-Encoding", "aws-chunked" },
		{ "x-amz-decoded-content-length", "66560" },
		{ "Content-Length", "66824" },
	};
	struct sigv4_input in = {
		.method = "PUT",
		.path = "/examplebucket/chunkObject.txt",
		.headers = hs,
		.n_headers = 7,
		.signed_headers = "content-encoding;content-length;host;x-amz-content-sha256;"
				  "x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
		.payload_hash = SIGV4_STREAMING,
		.s3 = true,
	};
	char *auth = sigv4_authorization(&in, S3_KEY, S3_SECRET, S3_DATE, "us-east-1", "s3");
	const char *seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
	ok(strstr(auth, seed), "the seed signature (%s)", auth);
	free(auth);
	struct hmac_sha256 key;
	sigv4_signing_key(&key, S3_SECRET, "20130524", "us-east-1", "s3");
	char *data = malloc(65536);
	memset(data, 'a', 65536);
	char s1[65], s2[65], s3[65];
	const char *scope = "20130524/us-east-1/s3/aws4_request";
	sigv4_chunk_signature(&key, S3_DATE, scope, seed, data, 65536, false, s1);
	is_str(s1, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
	       "the first chunk, 64 KiB");
	sigv4_chunk_signature(&key, S3_DATE, scope, s1, data, 1024, false, s2);
	is_str(s2, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
	       "the second chunk, 1 KiB");
	sigv4_chunk_signature(&key, S3_DATE, scope, s2, "", 0, false, s3);
	is_str(s3, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
	       "the final empty chunk");
	free(data);
}

TEST(sigv4__s3_paths_are_encoded_once)
{
	struct strbuf sb = STRBUF_INIT;
	sigv4_canonical_uri(&sb, "/bkt/a%20b/c%2Bd~e", true);
	is_str(sb.buf, "/bkt/a%20b/c%2Bd~e", "S3: as the key is, encoded once");
	strbuf_reset(&sb);
	sigv4_canonical_uri(&sb, "/bkt/a//b/./c", true);
	is_str(sb.buf, "/bkt/a//b/./c", "S3: not normalised");
	strbuf_reset(&sb);
	sigv4_canonical_uri(&sb, "/bkt/a%20b", false);
	is_str(sb.buf, "/bkt/a%2520b", "others: encoded again");
	strbuf_reset(&sb);
	sigv4_canonical_uri(&sb, "/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f",
			    false);
	is_str(sb.buf, "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af",
	       "others: a raw colon is encoded");
	strbuf_release(&sb);
}

TEST(sigv4__parses_authorization_headers)
{
	struct sigv4_auth a;
	char why[200];
	ok(sigv4_parse_authorization(
		   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
		   "aws4_request, SignedHeaders=host;x-amz-date, Signature="
		   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		   &a, why, sizeof(why)),
	   "the suite's header");
	is_str(a.access_key, "AKIDEXAMPLE", "key");
	is_str(a.date, "20150830", "date");
	is_str(a.region, "us-east-1", "region");
	is_str(a.service, "service", "service");
	is_str(a.signed_headers, "host;x-amz-date", "signed headers");
	ok(sigv4_parse_authorization(
		   "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/"
		   "aws4_request,SignedHeaders=host,Signature="
		   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		   &a, why, sizeof(why)),
	   "commas without spaces (curl)");
	ok(!sigv4_parse_authorization("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/"
				      "aws4_request, SignedHeaders=host",
				      &a, why, sizeof(why)),
	   "no signature");
	ok(strstr(why, "'Signature'"), "says what is missing: %s", why);
	ok(!sigv4_parse_authorization(
		   "AWS4-HMAC-SHA256 Credential=AK/2015/us-east-1/s3/"
		   "aws4_request, SignedHeaders=host, Signature="
		   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		   &a, why, sizeof(why)),
	   "a short date");
	ok(!sigv4_parse_authorization("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/"
				      "aws4_request, SignedHeaders=host, Signature=00",
				      &a, why, sizeof(why)),
	   "a short signature");
	ok(!sigv4_parse_authorization("AWS AKID:c2lnbmF0dXJl", &a, why, sizeof(why)),
	   "SigV2 is not SigV4");
	ok(!sigv4_parse_credential("AK/20150830/us-east-1/s3", &a, why, sizeof(why)),
	   "a credential without its terminator");
	ok(!sigv4_parse_credential("A K/20150830/us-east-1/s3/aws4_request", &a, why, sizeof(why)),
	   "a key with a space");
	ok(!sigv4_parse_credential("AK/20150830/us-east-1/s3/aws4_request/x", &a, why, sizeof(why)),
	   "one part too many");
}

TEST(sigv4__times)
{
	long long t;
	ok(sigv4_parse_time("20150830T123600Z", &t) && t == 1440938160, "parsed");
	char out[17];
	sigv4_format_time(t, out);
	is_str(out, "20150830T123600Z", "formatted");
	ok(!sigv4_parse_time("2015-08-30T12:36:00Z", &t), "extended form refused");
	ok(!sigv4_parse_time("20151330T123600Z", &t), "month 13 refused");
}

int main(void)
{
	RUN(sigv4__signs_the_aws_test_suite);
	RUN(sigv4__canonical_request_of_get_vanilla);
	RUN(sigv4__signs_s3_get_object_example);
	RUN(sigv4__signs_s3_presigned_url_example);
	RUN(sigv4__signs_s3_chunked_upload_example);
	RUN(sigv4__s3_paths_are_encoded_once);
	RUN(sigv4__parses_authorization_headers);
	RUN(sigv4__times);
	return done();
}
