/*
 * ARNs and function references, parsed and written in one place.
 */
#include "cloud/svc/arn.h"

#include <stdio.h>
#include <string.h>

#include "core/strutil.h"

/* Split s on ':' into at most max parts (the last takes the rest). Returns the count. */
static int split(const char *s, int max, const char **parts, size_t *lens)
{
	int n = 0;
	for (;;) {
		const char *c = n + 1 < max ? strchr(s, ':') : NULL;
		parts[n] = s;
		lens[n] = c ? (size_t)(c - s) : strlen(s);
		n++;
		if (!c)
			return n;
		s = c + 1;
	}
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool copy(char *out, size_t n, const char *s, size_t len)
{
	if (len >= n)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

bool arn_parse(const char *s, struct arn *out)
{
	const char *parts[6];
	size_t lens[6];
	memset(out, 0, sizeof(*out));
	if (!s || split(s, 6, parts, lens) != 6 || lens[0] != 3 || strncmp(s, "arn", 3) != 0)
		return false;
	if (lens[1] == 0 || lens[2] == 0 || (lens[4] != 0 && !all_digits(parts[4], lens[4])) ||
	    (lens[4] != 0 && lens[4] != 12) || lens[5] == 0)
		return false;
	return copy(out->partition, sizeof(out->partition), parts[1], lens[1]) &&
	       copy(out->service, sizeof(out->service), parts[2], lens[2]) &&
	       copy(out->region, sizeof(out->region), parts[3], lens[3]) &&
	       copy(out->account, sizeof(out->account), parts[4], lens[4]) &&
	       copy(out->resource, sizeof(out->resource), parts[5], lens[5]);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static bool name_ok(const char *s, size_t n)
{
	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

bool arn_qualifier_valid(const char *q)
{
	size_t n = strlen(q);
	if (strcmp(q, "$LATEST") == 0)
		return true;
	if (n < 1 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(q[i]))
			return false;
	return true;
}

bool arn_qualifier_is_version(const char *q)
{
	return strcmp(q, "$LATEST") == 0 || all_digits(q, strlen(q));
}

bool arn_function_parse(const char *ref, struct arn_function *out)
{
	const char *parts[9];
	size_t lens[9];
	memset(out, 0, sizeof(*out));
	if (!ref || strlen(ref) > 170)
		return false;
	int n = split(ref, 9, parts, lens);
	if (n > 8)
		return false;
	int first = 0;
	if (n >= 6 && lens[0] == 3 && strncmp(parts[0], "arn", 3) == 0) {
		if (lens[2] != 6 || strncmp(parts[2], "lambda", 6) != 0 || lens[4] != 12 ||
		    !all_digits(parts[4], 12) || lens[5] != 8 ||
		    strncmp(parts[5], "function", 8) != 0 ||
		    !copy(out->region, sizeof(out->region), parts[3], lens[3]))
			return false;
		memcpy(out->account, parts[4], 12);
		first = 6;
	} else if (n >= 3 && lens[1] == 8 && strncmp(parts[1], "function", 8) == 0) {
		if (lens[0] != 12 || !all_digits(parts[0], 12))
			return false;
		memcpy(out->account, parts[0], 12);
		first = 2;
	}
	int rest = n - first;
	if (rest < 1 || rest > 2 || !name_ok(parts[first], lens[first]))
		return false;
	copy(out->name, sizeof(out->name), parts[first], lens[first]);
	if (rest == 2) {
		if (!copy(out->qualifier, sizeof(out->qualifier), parts[first + 1],
			  lens[first + 1]) ||
		    !arn_qualifier_valid(out->qualifier))
			return false;
	}
	out->account[12] = '\0';
	return true;
}

void arn_function_format(char *out, size_t n, const char *region, const char *account,
			 const char *name, const char *qualifier)
{
	bool q = qualifier && qualifier[0];
	snprintf(out, n, "arn:aws:lambda:%s:%s:function:%s%s%s", region, account, name,
		 q ? ":" : "", q ? qualifier : "");
}

/* arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE with RESOURCE's head (up to stop) copied. */
static bool resource_of(const char *arn, const char *service, const char *prefix, const char *stop,
			char account[13], char *name, size_t n)
{
	struct arn a;
	if (!arn_parse(arn, &a) || strcmp(a.service, service) != 0 || strlen(a.account) != 12 ||
	    !str_starts_with(a.resource, prefix))
		return false;
	const char *r = a.resource + strlen(prefix);
	size_t len = stop ? strcspn(r, stop) : strlen(r);
	if (len == 0 || !copy(name, n, r, len))
		return false;
	memcpy(account, a.account, 13);
	return true;
}

bool arn_sqs_queue(const char *arn, char account[13], char *name, size_t n)
{
	return resource_of(arn, "sqs", "", ":/", account, name, n);
}

bool arn_sns_topic(const char *arn, char account[13], char *name, size_t n)
{
	return resource_of(arn, "sns", "", ":/", account, name, n);
}

bool arn_event_bus(const char *arn, char account[13], char *name, size_t n)
{
	return resource_of(arn, "events", "event-bus/", NULL, account, name, n);
}
