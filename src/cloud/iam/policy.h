/*
 * IAM policy documents: read and validated as IAM validates them (MalformedPolicyDocument
 * with AWS's messages), and evaluated as AWS's policy evaluation logic documents it:
 *
 *   1. an explicit Deny in any policy that applies denies;
 *   2. else, within one account, an Allow in an identity-based policy, or in a resource-based
 *      policy that names the principal itself (its ARN, its role, its session), allows;
 *      a resource-based policy that names only the account delegates to the account, and
 *      the identity-based policy must allow too;
 *   3. across accounts, both the principal's identity-based policy and the resource's policy
 *      must allow;
 *   4. a service principal (s3.amazonaws.com) has no identity: the resource policy decides;
 *   5. a permissions boundary caps the principal: identity-based allows count only for what
 *      it allows too, and resource-based ones unless they name the principal itself;
 *   6. else the request is implicitly denied.
 *
 * A statement applies when its Action/NotAction (case-insensitive wildcards), its
 * Resource/NotResource (wildcards, with ${policy variables}), its Principal/NotPrincipal
 * (resource-based policies) and every one of its Condition operators match. The operators:
 * String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress/NotIpAddress, Arn*, Null, each
 * with ...IfExists, and the ForAllValues:/ForAnyValue: set qualifiers.
 *
 * Pure: no state, no I/O; thread-safe.
 */
#ifndef CLOUD_IAM_POLICY_H
#define CLOUD_IAM_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* What a document is for: it decides which elements it must and must not have. */
enum iam_policy_kind {
	IAM_POLICY_IDENTITY, /* attached to a user or role: no Principal, a Resource */
	IAM_POLICY_TRUST,    /* a role's trust policy: a Principal, no Resource, sts: actions */
	IAM_POLICY_RESOURCE, /* a bucket, queue, topic or function policy: a Principal */
};

/* The longest policy document IAM reads (its largest quota, a role's inline policies'). */
#define IAM_POLICY_MAX 131072

struct iam_policy;

/*
 * The size IAM holds doc to against its quotas: characters, white space not counted.
 * 0 for NULL.
 */
size_t iam_policy_size(const char *doc);

/*
 * Read and validate a policy document. NULL with msg filled (one line, IAM's own wording
 * for MalformedPolicyDocument: "Syntax errors in policy.", "Policy document should not
 * specify a principal."...) when it is not a valid document of kind. Free with
 * iam_policy_free().
 */
struct iam_policy *iam_policy_parse(const char *doc, enum iam_policy_kind kind, char *msg,
				    size_t n);
void iam_policy_free(struct iam_policy *p);
/* The document's statements, for reports. */
size_t iam_policy_statements(const struct iam_policy *p);
/*
 * The condition keys p's statements name, in the order they first appear, each once (keys are
 * case-insensitive): up to max of them into out, borrowed until iam_policy_free(p). Returns
 * how many there are in all.
 */
size_t iam_policy_condition_keys(const struct iam_policy *p, const char **out, size_t max);

/* One value of a request's context key; a key given more than once is multivalued. */
struct iam_kv {
	const char *key; /* "aws:SourceArn" (matched case-insensitively) */
	const char *value;
};

/* One request to decide. */
struct iam_request {
	/* Who asks: an ARN (arn:aws:iam::ACCOUNT:root, :user/NAME, :role/NAME,
	 * arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), or a service principal
	 * ("s3.amazonaws.com"). */
	const char *principal;
	const char *principal_account; /* "" for a service principal */
	const char *action;            /* "s3:PutObject" */
	const char *resource;          /* an ARN, or "*" for actions on no resource */
	const char *resource_account;  /* whose resource; NULL or "": the principal's */
	/* Context keys. aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
	 * aws:username and aws:userid are added from principal unless given. */
	const struct iam_kv *context;
	size_t ncontext;
	/* Whether the denial message quotes the resource (S3 does, most services do not). */
	bool quote_resource;
	/* Whether the resource's policy must allow even within one account, as a role's trust
	 * policy must for sts:AssumeRole. */
	bool resource_required;
	/* The principal's permissions boundary, or NULL: what its identity-based policies allow
	 * must be allowed here too, and so must a resource-based policy's grant unless it names
	 * the principal itself (a user's ARN, a role session's, not its role's); a Deny here
	 * denies. */
	const struct iam_policy *boundary;
};

enum iam_decision {
	IAM_DENY = 0,      /* implicitly: nothing allows */
	IAM_ALLOW = 1,     /* an Allow applies and no Deny does */
	IAM_DENY_EXPLICIT, /* a Deny applies */
};

struct iam_result {
	enum iam_decision decision;
	/* For a denial, AWS's message: "User: ARN is not authorized to perform: ACTION on
	 * resource: RESOURCE because no identity-based policy allows the ACTION action". */
	char message[1400];
	/* Which policy decided: "identity", "resource" or "boundary", and the statement (its
	 * Sid, else "#N" counting from 1), "" when nothing applied. */
	char where[16];
	char statement[128];
};

/*
 * Decide req against the principal's identity-based policies (nidentity of them; root of
 * the principal's own account is allowed everything there without one) and the resource's
 * policy (NULL: none). Returns the decision, with out filled.
 */
enum iam_decision iam_evaluate(const struct iam_policy *const *identity, size_t nidentity,
			       const struct iam_policy *resource, const struct iam_request *req,
			       struct iam_result *out);

/*
 * Whether a statement of p with effect Allow (allow true) or Deny matches req, principal
 * left out (identity-based use); for the least-privilege report. Fills sid as iam_result's
 * statement.
 */
bool iam_policy_matches(const struct iam_policy *p, bool allow, const struct iam_request *req,
			char *sid, size_t n);

/* Whether the case-insensitive wildcard pattern (* and ?) matches s, as Action does. */
bool iam_action_like(const char *pattern, const char *s);
/* The same, case-sensitive, as Resource and StringLike do. */
bool iam_string_like(const char *pattern, const char *s);

#endif
