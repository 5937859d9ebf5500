/*
 * Functions' resource-based policies: AddPermission, RemovePermission and GetPolicy
 * (/2015-03-31/functions/NAME/policy[/SID]), kept in the cloud's database, and the check
 * other services make before they invoke a function (S3 notifications, API Gateway).
 */
#ifndef CLOUD_LAMBDA_POLICY_H
#define CLOUD_LAMBDA_POLICY_H

#include <stdbool.h>

#include "cloud/http/server.h"

struct cloud;
struct lfunc;

/* Serve rest ("/policy" or "/policy/SID") for fn (referenced by the caller). */
void lambda_policy_api(struct cloud *c, struct lfunc *fn, const char *rest,
		       const struct http_req *req, struct http_resp *resp);
/*
 * Whether the policy of account's function lets service (e.g. "s3.amazonaws.com") invoke it
 * on behalf of source_arn (ArnLike, with * and ?) owned by source_account (NULL: not checked).
 */
bool lambda_policy_allows(struct cloud *c, const char *account, const char *function,
			  const char *service, const char *source_arn, const char *source_account);
/*
 * Whether a public (auth type NONE) function URL may be called: the policy must grant
 * lambda:InvokeFunctionUrl to "*", for that auth type when the statement names one.
 */
bool lambda_policy_allows_url(struct cloud *c, const char *account, const char *function,
			      const char *auth_type);
/* Forget a function's policy (DeleteFunction, reset). */
void lambda_policy_forget(struct cloud *c, const char *account, const char *function);

#endif
