/*
 * Fuzz the policy reader (cloud/iam/policy.h), the reader of every policy document a client
 * sends (identity, trust and resource policies). The input, up to its first NUL, is read as
 * each kind: a refusal has a one-line message; a document that is accepted is evaluated
 * against requests with context keys, and the decision is one of the three, with a message
 * for a denial.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/iam/policy.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool cond)
{
	if (!cond)
		abort();
}

static void evaluate(const struct iam_policy *p, enum iam_policy_kind kind)
{
	static const struct iam_kv ctx[] = {
		{ "aws:SourceArn", "arn:aws:s3:::uploads" },
		{ "aws:SourceAccount", "111122223333" },
		{ "aws:SecureTransport", "true" },
		{ "s3:max-keys", "10" },
		{ "aws:SourceIp", "203.0.113.9" },
		{ "aws:CurrentTime", "2026-12-07T01:00:00Z" },
	};
	static const char *const principals[] = {
		"arn:aws:sts::111122223333:assumed-role/r/s",
		"arn:aws:iam::111122223333:root",
		"arn:aws:iam::444455556666:user/u",
		"lambda.amazonaws.com",
	};
	for (size_t i = 0; i < sizeof(principals) / sizeof(principals[0]); i++) {
		bool service = strncmp(principals[i], "arn:", 4) != 0;
		struct iam_request req = {
			.principal = principals[i],
			.principal_account =
				service ? "" : (i == 2 ? "444455556666" : "111122223333"),
			.action = kind == IAM_POLICY_TRUST ? "sts:AssumeRole" : "s3:GetObject",
			.resource = "arn:aws:s3:::uploads/a/b.png",
			.resource_account = "111122223333",
			.context = ctx,
			.ncontext = sizeof(ctx) / sizeof(ctx[0]),
		};
		struct iam_result r;
		const struct iam_policy *ids[] = { p };
		enum iam_decision d = kind == IAM_POLICY_IDENTITY
					      ? iam_evaluate(ids, 1, NULL, &req, &r)
					      : iam_evaluate(NULL, 0, p, &req, &r);
		check(d == IAM_ALLOW || d == IAM_DENY || d == IAM_DENY_EXPLICIT);
		check(d == r.decision);
		check(d == IAM_ALLOW ? r.message[0] == '\0'
				     : strstr(r.message, "is not authorized to perform") != NULL);
		char sid[128];
		(void)iam_policy_matches(p, true, &req, sid, sizeof(sid));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	for (int kind = IAM_POLICY_IDENTITY; kind <= IAM_POLICY_RESOURCE; kind++) {
		char msg[512];
		struct iam_policy *p =
			iam_policy_parse(s, (enum iam_policy_kind)kind, msg, sizeof(msg));
		if (!p) {
			check(msg[0] != '\0' && strchr(msg, '\n') == NULL);
			continue;
		}
		check(iam_policy_statements(p) >= 1);
		evaluate(p, (enum iam_policy_kind)kind);
		iam_policy_free(p);
	}
	free(s);
	return 0;
}
