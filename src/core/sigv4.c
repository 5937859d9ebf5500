/*
 * SigV4's canonical forms, keys and signatures (AWS's "Create a canonical request for
 * Signature Version 4" and "Calculate the signature", and S3's chunked upload signing).
 */
#define _DEFAULT_SOURCE /* timegm */
#include "core/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

void sigv4_uri_encode(struct strbuf *sb, const char *s, size_t len, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	strbuf_grow(sb, 3 * len);
	char *o = sb->buf + sb->len;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	sb->len = (size_t)(o - sb->buf);
	sb->buf[sb->len] = '\0';
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool sigv4_uri_decode(struct strbuf *sb, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			strbuf_addch(sb, (unsigned char)s[i]);
			continue;
		}
		int hi = i + 1 < len ? hexval((unsigned char)s[i + 1]) : -1;
		int lo = i + 2 < len ? hexval((unsigned char)s[i + 2]) : -1;
		if (hi < 0 || lo < 0)
			return false;
		strbuf_addch(sb, hi << 4 | lo);
		i += 2;
	}
	return true;
}

/* Remove dot segments and empty segments, as the SDKs do before encoding a non-S3 path. */
static void normalise_path(struct strbuf *out, const char *path)
{
	size_t n = strlen(path);
	if (n == 0) {
		strbuf_addch(out, '/');
		return;
	}
	/* Segment starts and lengths, a stack that '..' pops. */
	size_t cap = 16, count = 0;
	size_t *start = xmalloc(cap * sizeof(*start)), *len = xmalloc(cap * sizeof(*len));
	for (size_t i = 0; i <= n;) {
		size_t j = i;
		while (j < n && path[j] != '/')
			j++;
		size_t l = j - i;
		if (l == 0 || (l == 1 && path[i] == '.')) {
			/* skipped */
		} else if (l == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (count)
				count--;
		} else {
			if (count == cap) {
				cap *= 2;
				start = xrealloc(start, cap * sizeof(*start));
				len = xrealloc(len, cap * sizeof(*len));
			}
			start[count] = i;
			len[count] = l;
			count++;
		}
		i = j + 1;
	}
	if (path[0] == '/')
		strbuf_addch(out, '/');
	for (size_t k = 0; k < count; k++) {
		if (k)
			strbuf_addch(out, '/');
		strbuf_add(out, path + start[k], len[k]);
	}
	if (count && path[n - 1] == '/')
		strbuf_addch(out, '/');
	if (out->len == 0)
		strbuf_addch(out, '/');
	free(start);
	free(len);
}

/* The canonical URI; false when an S3 path has a malformed escape. */
static bool canonical_uri(struct strbuf *out, const char *path, bool s3)
{
	struct strbuf tmp = STRBUF_INIT;
	bool ok = true;
	if (!path || !path[0])
		path = "/";
	if (s3) {
		ok = sigv4_uri_decode(&tmp, path, strlen(path));
		if (ok)
			sigv4_uri_encode(out, strbuf_str(&tmp), tmp.len, true);
	} else {
		normalise_path(&tmp, path);
		sigv4_uri_encode(out, tmp.buf, tmp.len, true);
	}
	strbuf_release(&tmp);
	return ok;
}

void sigv4_canonical_uri(struct strbuf *out, const char *path, bool s3)
{
	/* Not decodable: signed as sent, which no client does, so it will not match. */
	if (!canonical_uri(out, path, s3))
		strbuf_addstr(out, path);
}

struct qpair {
	char *key, *value; /* encoded */
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value, y->value);
}

/* Decode then encode s (len bytes) into a fresh string. */
static char *reencode(const char *s, size_t len)
{
	struct strbuf dec = STRBUF_INIT, enc = STRBUF_INIT;
	if (!sigv4_uri_decode(&dec, s, len)) {
		/* An undecodable pair is encoded as sent: it cannot match what a client signed. */
		strbuf_reset(&dec);
		strbuf_add(&dec, s, len);
	}
	sigv4_uri_encode(&enc, dec.buf ? dec.buf : "", dec.len, false);
	strbuf_release(&dec);
	return strbuf_detach(&enc);
}

void sigv4_canonical_query(struct strbuf *out, const char *query, bool presigned)
{
	if (!query || !query[0])
		return;
	size_t cap = 8, count = 0;
	struct qpair *pairs = xmalloc(cap * sizeof(*pairs));
	for (const char *p = query; *p;) {
		const char *amp = strchr(p, '&');
		size_t l = amp ? (size_t)(amp - p) : strlen(p);
		if (l) {
			const char *eq = memchr(p, '=', l);
			size_t kl = eq ? (size_t)(eq - p) : l;
			char *key = reencode(p, kl);
			if (presigned && strcmp(key, "X-Amz-Signature") == 0) {
				free(key);
			} else {
				if (count == cap) {
					cap *= 2;
					pairs = xrealloc(pairs, cap * sizeof(*pairs));
				}
				pairs[count].key = key;
				pairs[count].value =
					eq ? reencode(eq + 1, l - kl - 1) : xstrdup("");
				count++;
			}
		}
		p += l;
		if (*p == '&')
			p++;
	}
	qsort(pairs, count, sizeof(*pairs), qpair_cmp);
	for (size_t i = 0; i < count; i++) {
		if (i)
			strbuf_addch(out, '&');
		strbuf_addstr(out, pairs[i].key);
		strbuf_addch(out, '=');
		strbuf_addstr(out, pairs[i].value);
		free(pairs[i].key);
		free(pairs[i].value);
	}
	free(pairs);
}

/* Append value trimmed, with each run of spaces and tabs inside it made one space. */
static void add_trimmed(struct strbuf *sb, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	bool space = false;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
			space = true;
			continue;
		}
		if (space)
			strbuf_addch(sb, ' ');
		space = false;
		strbuf_addch(sb, *v);
	}
}

static void canonical_headers(struct strbuf *out, const struct sigv4_input *in)
{
	const char *p = in->signed_headers ? in->signed_headers : "";
	while (*p) {
		size_t l = strcspn(p, ";");
		strbuf_add(out, p, l);
		strbuf_addch(out, ':');
		bool first = true;
		for (size_t i = 0; i < in->n_headers; i++) {
			const char *name = in->headers[i].name;
			if (strlen(name) != l || strncasecmp(name, p, l) != 0)
				continue;
			if (!first)
				strbuf_addch(out, ',');
			first = false;
			add_trimmed(out, in->headers[i].value ? in->headers[i].value : "");
		}
		strbuf_addch(out, '\n');
		p += l;
		if (*p == ';')
			p++;
	}
}

bool sigv4_canonical_request(struct strbuf *out, const struct sigv4_input *in)
{
	strbuf_addstr(out, in->method);
	strbuf_addch(out, '\n');
	if (!canonical_uri(out, in->path, in->s3))
		return false;
	strbuf_addch(out, '\n');
	sigv4_canonical_query(out, in->query, in->presigned);
	strbuf_addch(out, '\n');
	canonical_headers(out, in);
	strbuf_addch(out, '\n');
	strbuf_addstr(out, in->signed_headers ? in->signed_headers : "");
	strbuf_addch(out, '\n');
	strbuf_addstr(out, in->payload_hash ? in->payload_hash : SIGV4_EMPTY_SHA256);
	return true;
}

void sigv4_scope(char *out, size_t n, const char *date, const char *region, const char *service)
{
	snprintf(out, n, "%s/%s/%s/aws4_request", date, region, service);
}

void sigv4_string_to_sign(struct strbuf *out, const char *amz_date, const char *scope,
			  const char *creq, size_t creq_len)
{
	char hash[SHA256_HEX_LEN + 1];
	sha256_hex(creq, creq_len, hash);
	strbuf_addstr(out, SIGV4_ALGORITHM "\n");
	strbuf_addstr(out, amz_date);
	strbuf_addch(out, '\n');
	strbuf_addstr(out, scope);
	strbuf_addch(out, '\n');
	strbuf_add(out, hash, SHA256_HEX_LEN);
}

void sigv4_signing_key(struct hmac_sha256 *key, const char *secret, const char *date,
		       const char *region, const char *service)
{
	size_t sl = strlen(secret);
	char *k0 = xmalloc(sl + 5);
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, sl + 1);
	unsigned char k[SHA256_LEN];
	hmac_sha256(k0, sl + 4, date, strlen(date), k);
	hmac_sha256(k, sizeof(k), region, strlen(region), k);
	hmac_sha256(k, sizeof(k), service, strlen(service), k);
	hmac_sha256(k, sizeof(k), "aws4_request", 12, k);
	hmac_sha256_init(key, k, sizeof(k));
	memset(k, 0, sizeof(k));
	memset(k0, 0, sl + 4);
	free(k0);
}

void sigv4_sign(const struct hmac_sha256 *key, const char *sts, size_t len,
		char out[SHA256_HEX_LEN + 1])
{
	struct hmac_sha256 h = *key;
	unsigned char md[SHA256_LEN];
	hmac_sha256_update(&h, sts, len);
	hmac_sha256_final(&h, md);
	digest_hex(md, SHA256_LEN, out);
}

void sigv4_chunk_signature(const struct hmac_sha256 *key, const char *amz_date, const char *scope,
			   const char *previous, const void *data, size_t len, bool trailer,
			   char out[SHA256_HEX_LEN + 1])
{
	char hash[SHA256_HEX_LEN + 1];
	sha256_hex(data, len, hash);
	struct strbuf sts = STRBUF_INIT;
	if (trailer)
		strbuf_addf(&sts, "AWS4-HMAC-SHA256-TRAILER\n%s\n%s\n%s\n%s", amz_date, scope,
			    previous, hash);
	else
		strbuf_addf(&sts, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n%s\n%s", amz_date, scope,
			    previous, SIGV4_EMPTY_SHA256, hash);
	sigv4_sign(key, sts.buf, sts.len, out);
	strbuf_release(&sts);
}

bool sigv4_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static bool copy_part(char *dst, size_t n, const char *s, size_t len)
{
	if (len == 0 || len >= n)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

bool sigv4_parse_credential(const char *cred, struct sigv4_auth *out, char *why, size_t n)
{
	const char *parts[5];
	size_t lens[5];
	const char *p = cred;
	int k = 0;
	while (k < 5) {
		size_t l = strcspn(p, "/");
		parts[k] = p;
		lens[k] = l;
		k++;
		if (p[l] != '/')
			break;
		p += l + 1;
	}
	if (k != 5 || parts[4][lens[4]] != '\0') {
		snprintf(why, n,
			 "Credential should have the form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/"
			 "aws4_request");
		return false;
	}
	for (size_t i = 0; i < lens[0]; i++) {
		if (!unreserved((unsigned char)parts[0][i]) || parts[0][i] == '.' ||
		    parts[0][i] == '~') {
			snprintf(why, n, "the access key in the Credential is malformed");
			return false;
		}
	}
	bool date_ok = lens[1] == 8;
	for (size_t i = 0; date_ok && i < 8; i++)
		date_ok = parts[1][i] >= '0' && parts[1][i] <= '9';
	if (!copy_part(out->access_key, sizeof(out->access_key), parts[0], lens[0]) || !date_ok ||
	    !copy_part(out->date, sizeof(out->date), parts[1], lens[1]) ||
	    !copy_part(out->region, sizeof(out->region), parts[2], lens[2]) ||
	    !copy_part(out->service, sizeof(out->service), parts[3], lens[3]) || lens[4] != 12 ||
	    strncmp(parts[4], "aws4_request", 12) != 0) {
		snprintf(why, n,
			 "Credential should have the form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/"
			 "aws4_request");
		return false;
	}
	return true;
}

static bool is_hex64(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool sigv4_parse_authorization(const char *header, struct sigv4_auth *out, char *why, size_t n)
{
	memset(out, 0, sizeof(*out));
	size_t al = strlen(SIGV4_ALGORITHM);
	if (strncmp(header, SIGV4_ALGORITHM, al) != 0 || (header[al] != ' ')) {
		snprintf(why, n, "the authorization scheme should be %s", SIGV4_ALGORITHM);
		return false;
	}
	bool have_cred = false, have_signed = false, have_sig = false;
	char cred[512] = "";
	for (const char *p = header + al; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t l = strcspn(p, ",");
		while (l && p[l - 1] == ' ')
			l--;
		const char *eq = memchr(p, '=', l);
		if (!eq) {
			snprintf(why, n, "'%.*s' is not a key=value pair", (int)(l > 40 ? 40 : l),
				 p);
			return false;
		}
		size_t kl = (size_t)(eq - p), vl = l - kl - 1;
		const char *v = eq + 1;
		if (kl == 10 && strncmp(p, "Credential", 10) == 0) {
			have_cred = copy_part(cred, sizeof(cred), v, vl);
		} else if (kl == 13 && strncmp(p, "SignedHeaders", 13) == 0) {
			have_signed =
				copy_part(out->signed_headers, sizeof(out->signed_headers), v, vl);
		} else if (kl == 9 && strncmp(p, "Signature", 9) == 0) {
			have_sig = is_hex64(v, vl) &&
				   copy_part(out->signature, sizeof(out->signature), v, vl);
			if (!have_sig) {
				snprintf(why, n,
					 "the Signature should be 64 lower-case hex digits");
				return false;
			}
		}
		p += strcspn(p, ",");
	}
	if (!have_cred || !have_signed || !have_sig) {
		snprintf(why, n, "Authorization header requires %s%s%s parameter%s",
			 !have_cred ? "'Credential' " : "", !have_signed ? "'SignedHeaders' " : "",
			 !have_sig ? "'Signature' " : "",
			 (!have_cred + !have_signed + !have_sig) > 1 ? "s" : "");
		return false;
	}
	return sigv4_parse_credential(cred, out, why, n);
}

bool sigv4_parse_time(const char *t, long long *epoch)
{
	if (strlen(t) != 16 || t[8] != 'T' || t[15] != 'Z')
		return false;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (t[i] < '0' || t[i] > '9'))
			return false;
	struct tm tm = { 0 };
	tm.tm_year =
		(t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0') - 1900;
	tm.tm_mon = (t[4] - '0') * 10 + (t[5] - '0') - 1;
	tm.tm_mday = (t[6] - '0') * 10 + (t[7] - '0');
	tm.tm_hour = (t[9] - '0') * 10 + (t[10] - '0');
	tm.tm_min = (t[11] - '0') * 10 + (t[12] - '0');
	tm.tm_sec = (t[13] - '0') * 10 + (t[14] - '0');
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	*epoch = (long long)timegm(&tm);
	return true;
}

void sigv4_format_time(long long epoch, char out[17])
{
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

char *sigv4_authorization(const struct sigv4_input *in, const char *access_key, const char *secret,
			  const char *amz_date, const char *region, const char *service)
{
	char date[9], scope[128], sig[SHA256_HEX_LEN + 1];
	snprintf(date, sizeof(date), "%.8s", amz_date);
	sigv4_scope(scope, sizeof(scope), date, region, service);
	struct strbuf creq = STRBUF_INIT, sts = STRBUF_INIT;
	sigv4_canonical_request(&creq, in);
	sigv4_string_to_sign(&sts, amz_date, scope, creq.buf, creq.len);
	struct hmac_sha256 key;
	sigv4_signing_key(&key, secret, date, region, service);
	sigv4_sign(&key, sts.buf, sts.len, sig);
	strbuf_release(&creq);
	strbuf_release(&sts);
	return xasprintf(SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
			 access_key, scope, in->signed_headers, sig);
}

void sigv4_random_chars(char *out, size_t n, const char *alphabet)
{
	size_t len = strlen(alphabet);
	/* Rejection sampling keeps every character equally likely. */
	size_t limit = 256 - 256 % len;
	unsigned char b[64];
	size_t have = 0, used = 0;
	for (size_t i = 0; i < n;) {
		if (used == have) {
			ssize_t r = getrandom(b, sizeof(b), 0);
			if (r <= 0)
				abort();
			have = (size_t)r;
			used = 0;
		}
		unsigned char v = b[used++];
		if (v < limit)
			out[i++] = alphabet[v % len];
	}
	out[n] = '\0';
}

void sigv4_new_key_pair(const char *prefix, char access_key[21], char secret[41])
{
	char tail[17];
	sigv4_random_chars(tail, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
	snprintf(access_key, 21, "%.4s%s", prefix, tail);
	sigv4_random_chars(secret, 40,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}
