/*
 * Accounts from access keys, ids, base64 and timestamps, as AWS writes them (aws.h).
 */
#include "aws/aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/digest.h"
#include "core/xalloc.h"

bool aws_access_key(const char *authorization, char *out, size_t n)
{
	if (!authorization || n == 0)
		return false;
	const char *p = strstr(authorization, "Credential=");
	if (!p)
		return false;
	p += strlen("Credential=");
	size_t len = strcspn(p, "/, ");
	if (len == 0 || len >= n || p[len] != '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

void aws_account_for_key(const char *key, char out[13])
{
	size_t len = strlen(key);
	bool digits = len == 12;
	for (size_t i = 0; digits && i < len; i++)
		digits = key[i] >= '0' && key[i] <= '9';
	if (digits) {
		memcpy(out, key, 13);
		return;
	}
	unsigned char md[SHA256_LEN];
	sha256(key, len, md);
	unsigned long long v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | md[i];
	snprintf(out, 13, "%012llu", v % 1000000000000ULL);
}

static void random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r <= 0)
			abort();
		got += (size_t)r;
	}
}

void aws_uuid(char out[37])
{
	unsigned char b[16];
	random_bytes(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

void aws_random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[64];
	for (size_t i = 0; i < n; i += sizeof(b)) {
		random_bytes(b, sizeof(b));
		for (size_t k = 0; k < sizeof(b) && i + k < n; k++)
			out[i + k] = hex[b[k] & 15];
	}
	out[n] = '\0';
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

unsigned char *aws_base64_decode(const char *in, size_t len, size_t *out_len)
{
	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return NULL;
	unsigned char *out = xmalloc(len / 4 * 3 + 4);
	size_t o = 0;
	unsigned int acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

char *aws_base64_encode(const void *data, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = data;
	char *out = xmalloc(4 * ((len + 2) / 3) + 1), *o = out;
	size_t i = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static void format_time(long long epoch_ms, const char *zone, char out[32])
{
	time_t secs = (time_t)(epoch_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03d%.5s", (int)(epoch_ms % 1000), zone);
}

void aws_time_lambda(long long epoch_ms, char out[32])
{
	format_time(epoch_ms, "+0000", out);
}

void aws_time_iso(long long epoch_ms, char out[32])
{
	format_time(epoch_ms, "Z", out);
}
