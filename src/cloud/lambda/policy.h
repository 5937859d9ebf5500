/*
 * Functions' resource-based policies: AddPermission, RemovePermission and GetPolicy, kept in
 * the cloud's database, and the check Lambda makes when a service principal invokes a
 * function (S3 notifications, API Gateway, load balancers: svc/deliver.h).
 *
 * A published version and an alias have policies of their own, apart from the function's
 * (qualifier "" below): invoking through a qualified ARN is checked against that version's
 * or alias's policy only, as Lambda does; "$LATEST" is the function's.
 */
#ifndef CLOUD_LAMBDA_POLICY_H
#define CLOUD_LAMBDA_POLICY_H

#include <stdbool.h>

struct aws_err;
struct cJSON;
struct cloud;
struct lfunc;

/*
 * AddPermission on fn ($LATEST) or its version or alias qualifier (""): the statement made
 * from in, stored; its output, or NULL with err.
 */
struct cJSON *lambda_policy_add(struct cloud *c, const struct lfunc *fn, const char *qualifier,
				const struct cJSON *in, struct aws_err *err);
/* GetPolicy's output with revision as its RevisionId, or NULL with err (no statements). */
struct cJSON *lambda_policy_get(struct cloud *c, const struct lfunc *fn, const char *qualifier,
				const char *revision, struct aws_err *err);
/* RemovePermission; false with err when there is no such statement. */
bool lambda_policy_remove(struct cloud *c, const struct lfunc *fn, const char *qualifier,
			  const char *sid, struct aws_err *err);
/*
 * Whether the policy of account's function (qualifier: that version's or alias's; "" or
 * "$LATEST": the function's) lets service (e.g. "s3.amazonaws.com") invoke it on behalf of
 * source_arn (ArnLike, with * and ?) owned by source_account (NULL: not checked).
 */
bool lambda_policy_allows(struct cloud *c, const char *account, const char *function,
			  const char *qualifier, const char *service, const char *source_arn,
			  const char *source_account);
/*
 * Whether a public (auth type NONE) function URL may be called: the policy of the function or
 * of its alias (qualifier, else NULL) must grant lambda:InvokeFunctionUrl to "*", for that
 * auth type when the statement names one.
 */
bool lambda_policy_allows_url(struct cloud *c, const char *account, const char *function,
			      const char *qualifier, const char *auth_type);
/*
 * Forget a function's policies: every one with qualifier NULL (DeleteFunction, reset), or a
 * version's or an alias's (deleting it).
 */
void lambda_policy_forget(struct cloud *c, const char *account, const char *function,
			  const char *qualifier);
/* The policy of function in account, of its version or alias qualifier (NULL or "$LATEST":
 * its unqualified one), as one document for IAM's evaluator; NULL when it has none. Caller
 * frees. */
char *lambda_policy_document(struct cloud *c, const char *account, const char *function,
			     const char *qualifier);

#endif
