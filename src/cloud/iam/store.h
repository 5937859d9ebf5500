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

#define IAM_STORE_NMIGRATIONS 2
extern const char *const iam_store_migrations[IAM_STORE_NMIGRATIONS];

/*
 * The identity-based policies of a role or user (kind "role"/"user") name in account: the
 * documents of its inline policies and of the default versions of the account's managed
 * policies attached to it (*docs), and the ARNs of attached AWS managed policies
 * (*attached); a user's include those of the groups it is in. Caller frees each string and
 * both arrays.
 */
void iam_store_identity_policies(struct cloud *c, const char *account, const char *kind,
				 const char *name, char ***docs, size_t *ndocs, char ***attached,
				 size_t *nattached);
/*
 * The permissions boundary of a role or user (kind "role"/"user"): the document of the
 * managed policy set as its boundary (the default version of the account's own, or an AWS
 * managed policy's), or NULL when it has none. *arn gets the policy's ARN (caller frees)
 * when arn is not NULL. Caller frees.
 */
char *iam_store_boundary(struct cloud *c, const char *account, const char *kind, const char *name,
			 char **arn);
/* A role's or user's tags, as IAM's [{"Key","Value"}] JSON text ("[]" for none). Caller frees. */
char *iam_store_tags(struct cloud *c, const char *account, const char *kind, const char *name);
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
/*
 * A role's policies by name ("inline policy NAME", or the attached policy's ARN) with their
 * documents (an attached one's default version). Caller frees each string and both arrays.
 */
void iam_store_role_documents(struct cloud *c, const char *account, const char *role, char ***names,
			      char ***docs, size_t *n);
/*
 * The identity-based policies of a role, user or group (kind "role"/"user"/"group") name,
 * a user's groups' included, for the policy simulator: each one's type as IAM's simulator
 * names it ("role", "user", "group" for inline ones, "aws-managed", "user-managed"), its id
 * (the policy's name) and its document. Caller frees each string and the three arrays.
 */
void iam_store_entity_documents(struct cloud *c, const char *account, const char *kind,
				const char *name, char ***types, char ***ids, char ***docs,
				size_t *n);
/* Whether account has the role, user or group (kind "role"/"user"/"group") name. */
bool iam_store_entity_exists(struct cloud *c, const char *account, const char *kind,
			     const char *name);
/* IAM's tables changed: cached policies are read again (authz.c). */
void iam_store_changed(void);
/* Forget what is cached for cloud c (its IAM row's free). */
void iam_cache_forget(const struct cloud *c);
/* Forget everything of account. */
void iam_store_reset(struct cloud *c, const char *account);

#endif
