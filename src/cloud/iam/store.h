/*
 * IAM's tables in the cloud's database: roles, users, inline policies, the account's
 * managed policies and their versions, attachments, access keys, and what role sessions
 * were allowed and denied (the least-privilege report's record). Every function takes the
 * database's lock itself. Not for use outside src/cloud/iam/.
 */
#ifndef CLOUD_IAM_STORE_H
#define CLOUD_IAM_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/iam/policy.h"

struct cloud;

#define IAM_STORE_NMIGRATIONS 1
extern const char *const iam_store_migrations[IAM_STORE_NMIGRATIONS];

/*
 * The identity-based policies of a role or user (kind "role"/"user") name in account: the
 * documents of its inline policies and of the default versions of the account's managed
 * policies attached to it (*docs), and the ARNs of attached AWS managed policies
 * (*attached). Caller frees each string and both arrays.
 */
void iam_store_identity_policies(struct cloud *c, const char *account, const char *kind,
				 const char *name, char ***docs, size_t *ndocs, char ***attached,
				 size_t *nattached);
/* A role's trust policy document, or NULL when account has no such role. Caller frees. */
char *iam_store_role_trust(struct cloud *c, const char *account, const char *role);
/* A role's id (AROA...) and its longest session, in seconds; false when there is no role. */
bool iam_store_role_info(struct cloud *c, const char *account, const char *role, char *id, size_t n,
			 int *max_session);
/* A user's id (AIDA...) into id; unchanged when there is no user. */
void iam_store_user_id(struct cloud *c, const char *account, const char *user, char *id, size_t n);
/* Count one decision for a role session (principal: its assumed-role ARN). */
void iam_store_usage(struct cloud *c, const char *account, const char *principal,
		     const char *action, const char *resource, enum iam_decision d);
/* Forget everything of account. */
void iam_store_reset(struct cloud *c, const char *account);

#endif
