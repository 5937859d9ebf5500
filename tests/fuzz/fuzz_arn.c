/*
 * Fuzz the ARN module (svc/arn.h), the one reader of the ARNs and function references that
 * requests carry. The input, up to its first NUL, is tried as every kind of reference. An ARN
 * that parses reassembles to the input; a function reference that parses has a valid name and
 * qualifier, and the ARN written from it parses back to the same function; a queue, topic or
 * bus has a 12-digit account and a non-empty name found in the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/svc/arn.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool cond)
{
	if (!cond)
		abort();
}

static bool twelve_digits(const char *s)
{
	if (strlen(s) != 12)
		return false;
	for (size_t i = 0; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void check_arn(const char *s)
{
	struct arn a;
	if (!arn_parse(s, &a))
		return;
	check(a.resource[0] && a.partition[0] && a.service[0]);
	check(!a.account[0] || twelve_digits(a.account));
	char *back = xasprintf("arn:%s:%s:%s:%s:%s", a.partition, a.service, a.region, a.account,
			       a.resource);
	check(strcmp(back, s) == 0);
	free(back);
}

static void check_function(const char *s)
{
	struct arn_function f, g;
	if (!arn_function_parse(s, &f))
		return;
	size_t len = strlen(f.name);
	check(len >= 1 && len <= 64);
	check(!f.qualifier[0] || arn_qualifier_valid(f.qualifier));
	check(!f.account[0] || twelve_digits(f.account));
	check(strstr(s, f.name) != NULL);
	const char *region = f.region[0] ? f.region : "us-east-1";
	const char *account = f.account[0] ? f.account : "123456789012";
	char arn[400];
	arn_function_format(arn, sizeof(arn), region, account, f.name, f.qualifier);
	check(arn_function_parse(arn, &g));
	check(strcmp(g.name, f.name) == 0 && strcmp(g.qualifier, f.qualifier) == 0);
	check(strcmp(g.account, account) == 0 && strcmp(g.region, region) == 0);
}

static void check_resource(const char *s, bool (*read)(const char *, char[13], char *, size_t))
{
	char account[13], name[81];
	if (!read(s, account, name, sizeof(name)))
		return;
	check(twelve_digits(account) && name[0] && strstr(s, name) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	check_arn(s);
	check_function(s);
	check_resource(s, arn_sqs_queue);
	check_resource(s, arn_sns_topic);
	check_resource(s, arn_event_bus);
	free(s);
	return 0;
}
