/*
 * S3's names as AWS checks them: general purpose bucket names, and object keys read from the
 * request target exactly as the client sent it. Pure, so that a fuzz target and the unit
 * tests link it without the server.
 */
#include "cloud/s3/s3.h"

#include <stdio.h>
#include <string.h>

#include "core/strutil.h"

/* a.b.c.d with four numbers, the form AWS keeps bucket names out of. */
static bool ip_form(const char *b)
{
	int parts = 0, digits = 0;
	for (const char *p = b;; p++) {
		if (*p >= '0' && *p <= '9') {
			if (++digits > 3)
				return false;
		} else if (*p == '.' || !*p) {
			if (digits == 0)
				return false;
			parts++;
			digits = 0;
			if (!*p)
				break;
		} else {
			return false;
		}
	}
	return parts == 4;
}

static bool refuse(char *why, size_t n, const char *rule, const char *part)
{
	snprintf(why, n, "%s%s%s", rule, part ? part : "", part ? " is reserved" : "");
	return false;
}

bool s3_bucket_name_ok(const char *b, char *why, size_t n)
{
	static const char *const prefixes[] = { "xn--", "sthree-", "amzn-s3-demo-" };
	static const char *const suffixes[] = { "-s3alias", "--ol-s3", ".mrap", "--x-s3",
						"--table-s3" };
	size_t len = strlen(b);
	if (len < 3 || len > 63)
		return refuse(why, n, "it must be between 3 and 63 characters long", NULL);
	for (size_t i = 0; i < len; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-' ||
		      b[i] == '.'))
			return refuse(why, n,
				      "it may hold only lowercase letters, digits, dots and "
				      "hyphens",
				      NULL);
	if (b[0] == '-' || b[0] == '.' || b[len - 1] == '-' || b[len - 1] == '.')
		return refuse(why, n, "it must begin and end with a letter or a digit", NULL);
	if (strstr(b, ".."))
		return refuse(why, n, "it must not hold two adjacent dots", NULL);
	if (ip_form(b))
		return refuse(why, n, "it must not be formatted as an IP address", NULL);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (str_starts_with(b, prefixes[i]))
			return refuse(why, n, "the prefix ", prefixes[i]);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i]);
		if (len >= k && strcmp(b + len - k, suffixes[i]) == 0)
			return refuse(why, n, "the suffix ", suffixes[i]);
	}
	return true;
}

static int hex_value(char h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	if (h >= 'a' && h <= 'f')
		return h - 'a' + 10;
	if (h >= 'A' && h <= 'F')
		return h - 'A' + 10;
	return -1;
}

bool s3_name_decode(const char *raw, size_t len, struct strbuf *out, const char **why)
{
	strbuf_reset(out);
	for (size_t i = 0; i < len; i++) {
		if (raw[i] != '%') {
			strbuf_addch(out, raw[i]);
			continue;
		}
		int hi = i + 2 < len ? hex_value(raw[i + 1]) : -1;
		int lo = hi >= 0 ? hex_value(raw[i + 2]) : -1;
		if (lo < 0) {
			*why = "a percent sign that starts no escape";
			return false;
		}
		strbuf_addch(out, (char)(hi * 16 + lo));
		i += 2;
	}
	if (memchr(out->buf ? out->buf : "", '\0', out->len)) {
		*why = "the character U+0000";
		return false;
	}
	if (str_utf8_valid(strbuf_str(out), out->len) != out->len) {
		*why = "bytes that are not UTF-8";
		return false;
	}
	return true;
}
