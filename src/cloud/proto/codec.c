/*
 * What the codecs share: member look-ups, scalars between text and their decoded form,
 * timestamps (epoch seconds, ISO 8601, HTTP dates), JSON and XML escaping.
 */
#include "cloud/proto/codec.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int cmp_member(const void *key, const void *elem)
{
	return strcmp(key, ((const struct proto_member *)elem)->name);
}

const struct proto_member *codec_member(const struct proto_shape *s, const char *name)
{
	if (s->type != PM_STRUCTURE || s->nmembers == 0)
		return NULL;
	return bsearch(name, s->members, s->nmembers, sizeof(*s->members), cmp_member);
}

const char *codec_wire(const struct proto_member *m, bool query, const char *dflt)
{
	const char *w = query ? m->qwire : m->wire;
	if (w)
		return w;
	return m->name ? m->name : dflt;
}

const struct proto_member *codec_member_wire(const struct proto_shape *s, const char *name,
					     size_t len, bool query)
{
	for (size_t i = 0; i < s->nmembers; i++) {
		const char *w = codec_wire(&s->members[i], query, "");
		if (strncmp(w, name, len) == 0 && w[len] == '\0')
			return &s->members[i];
	}
	return NULL;
}

enum proto_ts codec_ts_format(enum proto_protocol p, const struct proto_member *m,
			      const struct proto_shape *s, enum proto_location loc)
{
	if (m && m->ts != PM_TS_DEFAULT)
		return (enum proto_ts)m->ts;
	if (s->ts != PM_TS_DEFAULT)
		return (enum proto_ts)s->ts;
	switch (loc) {
	case PM_HEADER:
	case PM_HEADERS:
		return PM_TS_RFC822;
	case PM_QUERY:
	case PM_URI:
		return PM_TS_ISO8601;
	case PM_BODY:
	case PM_STATUS:
		break;
	}
	return p == PROTO_QUERY || p == PROTO_REST_XML ? PM_TS_ISO8601 : PM_TS_UNIX;
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

/* ISO 8601: 2026-11-27T05:30:00Z, with fractions, or an offset +hh:mm / +hhmm. */
static bool parse_iso(const char *s, double *out)
{
	struct tm tm = { 0 };
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	const char *p = s + n;
	double frac = 0;
	if (*p == '.') {
		double scale = 0.1;
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p)) {
			frac += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm = 0, k = 0;
		int sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &k) == 2 && k == 5) {
			p += 6;
		} else if (sscanf(p + 1, "%2d%2d%n", &hh, &mm, &k) == 2 && k == 4) {
			p += 5;
		} else {
			return false;
		}
		off = sign * (hh * 3600L + mm * 60L);
	}
	if (*p)
		return false;
	*out = (double)(timegm(&tm) - off) + frac;
	return true;
}

/* RFC 7231's IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT. */
static bool parse_http_date(const char *s, double *out)
{
	char wd[4], mon[4], zone[4];
	struct tm tm = { 0 };
	int n = 0;
	if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d %3s%n", wd, &tm.tm_mday, mon, &tm.tm_year,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, zone, &n) != 8 ||
	    s[n] || strcmp(zone, "GMT") != 0)
		return false;
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (strcmp(mon, months[i]) == 0)
			tm.tm_mon = i;
	if (tm.tm_mon < 0)
		return false;
	tm.tm_year -= 1900;
	*out = (double)timegm(&tm);
	return true;
}

bool codec_time_parse(const char *text, double *out)
{
	char *end;
	if (!*text)
		return false;
	errno = 0;
	double d = strtod(text, &end);
	if (!*end && errno == 0 && isfinite(d) &&
	    (isdigit((unsigned char)text[0]) || *text == '-')) {
		*out = d;
		return true;
	}
	return parse_iso(text, out) || parse_http_date(text, out);
}

void codec_time_format(struct strbuf *sb, double t, enum proto_ts f)
{
	time_t secs = (time_t)floor(t);
	int ms = (int)llround((t - (double)secs) * 1000);
	if (ms >= 1000) {
		secs++;
		ms -= 1000;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	switch (f) {
	case PM_TS_UNIX:
	case PM_TS_DEFAULT:
		codec_json_number(sb, t);
		return;
	case PM_TS_ISO8601:
		strbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (ms)
			strbuf_addf(sb, ".%03d", ms);
		strbuf_addch(sb, 'Z');
		return;
	case PM_TS_RFC822:
		strbuf_addf(sb, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
			    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
		return;
	}
	abort();
}

static bool parse_int(const char *text, double *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (!*text || *end || errno)
		return false;
	*out = (double)v;
	return true;
}

cJSON *codec_scalar_from_text(const struct proto_shape *s, const char *text)
{
	double d;
	char *end;
	switch ((enum proto_type)s->type) {
	case PM_STRING:
	case PM_BLOB:
		return cJSON_CreateString(text);
	case PM_INTEGER:
	case PM_LONG:
		return parse_int(text, &d) ? cJSON_CreateNumber(d) : NULL;
	case PM_FLOAT:
	case PM_DOUBLE:
	case PM_BIGDECIMAL:
		errno = 0;
		d = strtod(text, &end);
		if (!*text || *end || errno || !isfinite(d))
			return NULL;
		return cJSON_CreateNumber(d);
	case PM_BOOLEAN:
		if (strcmp(text, "true") == 0)
			return cJSON_CreateTrue();
		if (strcmp(text, "false") == 0)
			return cJSON_CreateFalse();
		return NULL;
	case PM_TIMESTAMP:
		return codec_time_parse(text, &d) ? cJSON_CreateNumber(d) : NULL;
	case PM_STRUCTURE:
	case PM_LIST:
	case PM_MAP:
		return NULL;
	}
	abort();
}

void codec_scalar_text(struct strbuf *sb, const struct proto_shape *s, const cJSON *v,
		       enum proto_ts f)
{
	if (cJSON_IsString(v)) {
		strbuf_addstr(sb, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		strbuf_addstr(sb, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNumber(v)) {
		if (s->type == PM_TIMESTAMP)
			codec_time_format(sb, v->valuedouble,
					  f == PM_TS_DEFAULT ? PM_TS_ISO8601 : f);
		else
			codec_json_number(sb, v->valuedouble);
	}
}

void codec_json_string(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_add(sb, run, (size_t)(s - run));
		switch (c) {
		case '"':
			strbuf_addstr(sb, "\\\"");
			break;
		case '\\':
			strbuf_addstr(sb, "\\\\");
			break;
		case '\n':
			strbuf_addstr(sb, "\\n");
			break;
		case '\r':
			strbuf_addstr(sb, "\\r");
			break;
		case '\t':
			strbuf_addstr(sb, "\\t");
			break;
		default:
			strbuf_addf(sb, "\\u%04x", c);
		}
		run = s + 1;
	}
	strbuf_add(sb, run, (size_t)(s - run));
	strbuf_addch(sb, '"');
}

void codec_json_number(struct strbuf *sb, double d)
{
	if (!isfinite(d)) {
		strbuf_addstr(sb, "null");
	} else if (d == floor(d) && fabs(d) < 9007199254740992.0) {
		/* Written by hand: answers carry thousands of them (a day of metrics), and
		 * vsnprintf was most of their encoding. */
		char buf[24], *e = buf + sizeof(buf), *q = e;
		long long i = (long long)d;
		unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
		do
			*--q = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (i < 0)
			*--q = '-';
		strbuf_add(sb, q, (size_t)(e - q));
	} else {
		char buf[32];
		snprintf(buf, sizeof(buf), "%1.15g", d);
		if (strtod(buf, NULL) != d)
			snprintf(buf, sizeof(buf), "%1.17g", d);
		strbuf_addstr(sb, buf);
	}
}

static void xml_escape(struct strbuf *sb, const char *s, bool replace);

void codec_xml_escape(struct strbuf *sb, const char *s)
{
	xml_escape(sb, s, false);
}

void codec_xml_escape_message(struct strbuf *sb, const char *s)
{
	xml_escape(sb, s, true);
}

static void xml_escape(struct strbuf *sb, const char *s, bool replace)
{
	const char *run = s;
	char ref[12];
	for (; *s; s++) {
		const char *rep;
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		case '\r':
			rep = "&#xD;";
			break;
		default:
			/* Control characters have no place in XML 1.0 text: as references (S3
			 * writes a key's that way), tab and newline as themselves. */
			if (((unsigned char)*s >= 0x20 && *s != 0x7f) || *s == '\t' || *s == '\n')
				continue;
			snprintf(ref, sizeof(ref), "&#x%X;", (unsigned char)*s);
			rep = replace && *s != 0x7f ? "\xEF\xBF\xBD" : ref; /* U+FFFD */
			break;
		}
		strbuf_add(sb, run, (size_t)(s - run));
		strbuf_addstr(sb, rep);
		run = s + 1;
	}
	strbuf_add(sb, run, (size_t)(s - run));
}

bool codec_is_base64(const char *s)
{
	size_t n = 0, pad = 0;
	for (; *s; s++, n++) {
		unsigned char c = (unsigned char)*s;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || !(isalnum(c) || c == '+' || c == '/'))
			return false;
	}
	return pad <= 2 && (pad == 0 || n % 4 == 0) && n % 4 != 1;
}

bool codec_bad_body(struct codec_ctx *cx, const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	switch (cx->p) {
	case PROTO_QUERY:
		return aws_err_set(cx->err, 400, "MalformedQueryString", "%s", msg);
	case PROTO_REST_XML:
		return aws_err_set(cx->err, 400, "MalformedXML",
				   "The XML you provided was not well-formed or did not validate "
				   "against our published schema");
	case PROTO_REST_JSON:
		/* Lambda names the body it cannot read so; others answer as the JSON services. */
		for (size_t i = 0; i < cx->svc->nerrors; i++)
			if (strcmp(cx->svc->errors[i]->name, "InvalidRequestContentException") == 0)
				return aws_err_set(cx->err, 400, "InvalidRequestContentException",
						   "Could not parse request body into json: %s",
						   msg);
		return aws_err_set(cx->err, 400, "SerializationException", "%s", msg);
	case PROTO_JSON:
	case PROTO_CBOR:
	case PROTO_NONE:
		break;
	}
	return aws_err_set(cx->err, 400, "SerializationException", "%s", msg);
}
