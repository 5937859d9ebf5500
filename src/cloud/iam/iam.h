/*
 * AWS Identity and Access Management in the local cloud: the one question every service
 * asks before it acts for a caller — may this principal perform this action on this
 * resource? — answered from the caller's identity-based policies (kept by IAM's row of the
 * service table: roles, users, inline and managed policies) and the resource's own policy,
 * as cloud/iam/policy.h evaluates them.
 *
 * Who the caller is comes from its credentials (svc_caller, filled by the auth layer):
 *   - an account's own keys act as arn:aws:iam::ACCOUNT:root, which may do everything in
 *     its own account (the learner is the account's administrator);
 *   - a user's keys act as arn:aws:iam::ACCOUNT:user/NAME, with the user's policies;
 *   - a role session (a function's credentials, AssumeRole's) acts as
 *     arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, with the role's policies;
 *   - a service acting for a resource (caller->service: "s3.amazonaws.com") has no identity
 *     policies: only the resource's policy can allow it, with aws:SourceArn and
 *     aws:SourceAccount from caller->source_arn and caller->source_account.
 * A principal's SNS actions carry SNS's aws:SourceOwner, its own account: what a topic's
 * default policy grants to its owner's account.
 *
 * Thread-safe.
 */
#ifndef CLOUD_IAM_IAM_H
#define CLOUD_IAM_IAM_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/iam/policy.h"
#include "cloud/svc/svc.h"

struct cJSON;
struct cloud;

/* One authorization question. */
struct iam_authz {
	const char *action;           /* "ssm:GetParameter" */
	const char *resource;         /* the resource's ARN, or "*" */
	const char *resource_account; /* its owner; NULL or "": the caller's account */
	/* The resource's own policy document (a key policy, a bucket policy), or NULL. */
	const char *resource_policy;
	/* Further context keys (kms:EncryptionContext:..., s3:prefix...), or none. */
	const struct iam_kv *context;
	size_t ncontext;
	/* Whether the denial message quotes the resource (S3 does, most services do not). */
	bool quote_resource;
	/* Whether the resource's policy must allow even within one account, directly or by
	 * naming the account (whose identity policies then decide), as a KMS key policy. */
	bool resource_required;
};

/*
 * Decide q for caller. True when allowed; false with out->message AWS's denial ("User:
 * arn:aws:sts::123456789012:assumed-role/orders-role/orders is not authorized to perform:
 * s3:PutObject on resource: ... because no identity-based policy allows the s3:PutObject
 * action"). A resource policy that is not a valid document counts as none. Every decision
 * made for a role session is remembered for the least-privilege report.
 */
bool iam_authorize(struct cloud *c, const struct svc_caller *caller, const struct iam_authz *q,
		   struct iam_result *out);

/*
 * iam_authorize(), a denial written into err as status 400 and code (the service's own:
 * "AccessDeniedException", S3's "AccessDenied"), the message as out's. Returns whether
 * allowed, so that `if (!iam_authorize_err(...)) return NULL;` reads as a check.
 */
bool iam_authorize_err(struct cloud *c, const struct svc_caller *caller, const struct iam_authz *q,
		       int status, const char *code, struct aws_err *err);

/*
 * The router's check of every API call (svc/router.c): the IAM action of operation op of
 * call->svc and the ARN it acts on (from the decoded input) authorized for call->caller, with
 * the resource's own policy (a function's, a bucket's, a queue's, a topic's: the row's
 * resource_policy) as AWS evaluates them together: within one account either may allow;
 * across accounts both must; an explicit deny in either wins. True when it may go on, with
 * *acting the caller the operation runs as: call->caller, but in the owner's account when
 * the caller was allowed into another account's bucket, queue or topic. False with err
 * filled with the service's own denial (Lambda's AccessDeniedException, S3's AccessDenied,
 * SNS's AuthorizationError...). An account's root may do everything with its own
 * resources; IAM and STS, and services that pass the resource's own policy, authorize
 * themselves. A function's execution session is refused as any role session is, and its
 * decisions are recorded for the least-privilege report.
 */
bool iam_authorize_call(struct svc_call *call, const char *op, const struct cJSON *input,
			struct svc_caller *acting, struct aws_err *err);

/* A number that changes whenever IAM's policies, roles or users change: what a caller that
 * remembers a decision compares to know it must look again. */
unsigned iam_generation(void);

/*
 * The least-privilege report of function in account, from the calls its execution sessions
 * made: {"function", "account", "role", "roleArn", "calls": [{"action", "resource", "count",
 * "decision"}], "used": [grants of the role some allowed call needed: {"policy", "action",
 * "resource"}], "unused": [grants no call needed], "draftPolicy": the smallest policy that
 * allows every call made}. Caller deletes.
 */
struct cJSON *iam_report(struct cloud *c, const char *account, const char *function);
/* The control door GET /_tutor/iam/report/FUNCTION: iam_report() as JSON. */
struct http_resp;
void iam_report_door(struct svc_call *call, const char *rest, struct http_resp *resp);
/*
 * GET /_tutor/iam/decide?role=NAME&action=ACTION&resource=ARN on the control socket: whether
 * a session of the account's role may, as {"allowed": BOOL, "message": AWS's denial}. The
 * check asks it to prove that a learner's role denies what it should.
 */
void iam_decide_door(struct svc_call *call, const char *rest, struct http_resp *resp);

/*
 * The identity-based policies of principal (an ARN as svc_caller carries it) in account:
 * its inline policies and the default versions of its attached managed policies, parsed.
 * *n gets how many; NULL when none. Free with iam_policies_free().
 */
struct iam_policy **iam_policies_of(struct cloud *c, const char *account, const char *principal,
				    size_t *n);
void iam_policies_free(struct iam_policy **v, size_t n);
/* The permissions boundary of principal in account, parsed; NULL when it has none. Free with
 * iam_policy_free(). */
struct iam_policy *iam_boundary_of(struct cloud *c, const char *account, const char *principal);
/*
 * The tags of principal's user or role as aws:PrincipalTag/KEY context values, up to max of
 * them into out; returns how many. Release the strings with iam_kv_release().
 */
size_t iam_principal_tags(struct cloud *c, const char *account, const char *principal,
			  struct iam_kv *out, size_t max);
void iam_kv_release(struct iam_kv *v, size_t n);
/*
 * The tags an STS session was given (AssumeRole's Tags), kept by its access key; transitive
 * (may be NULL) says which of them pass on to a session it assumes. They are its
 * aws:PrincipalTag/KEY values, in place of its role's tags of the same keys.
 */
void iam_session_tags_set(struct cloud *c, const char *access_key, const struct iam_kv *tags,
			  const bool *transitive, size_t n);
/* The session's tags as KEY and VALUE, up to max; release with iam_kv_release(). */
size_t iam_session_tags_get(struct cloud *c, const char *access_key, struct iam_kv *out,
			    bool *transitive, size_t max);
/* As iam_principal_tags(), the caller's session tags (by access_key) winning over its role's. */
size_t iam_caller_tags(struct cloud *c, const char *account, const char *principal,
		       const char *access_key, struct iam_kv *out, size_t max);

/*
 * Whether the role named by role_arn exists in account and its trust policy lets service
 * ("lambda.amazonaws.com") assume it: what CreateFunction asks of an execution role.
 */
bool iam_role_trusts(struct cloud *c, const char *account, const char *role_arn,
		     const char *service);

/*
 * Whether a session of the role named by role_arn (in account), named session (Lambda names
 * a function's after the function), may perform action on resource: what Lambda asks before
 * it uses a function's execution role itself (writing its logs, polling its event sources).
 * Recorded for the least-privilege report like the function's own calls.
 */
bool iam_role_may(struct cloud *c, const char *account, const char *role_arn, const char *session,
		  const char *action, const char *resource);
/*
 * iam_role_may() for a whole request q (a resource's own policy, such as a key policy, counts
 * too), with r filled: r->message is AWS's denial when it is false.
 */
bool iam_role_decide(struct cloud *c, const char *account, const char *role_arn,
		     const char *session, const struct iam_authz *q, struct iam_result *r);

#endif
