/*
 * CloudFormation's records in the cloud's database: stacks (one JSON document each, as the
 * engine keeps them), their events, change sets and exports. Every function takes db->mu
 * itself; documents go in and come out as cJSON.
 */
#ifndef CLOUD_CFN_STORE_H
#define CLOUD_CFN_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct cJSON;
struct cloud_db;

/* The schema, as migrations of the service (each is idempotent). */
#define CFN_STORE_NMIGRATIONS 1
extern const char *const cfn_store_migrations[CFN_STORE_NMIGRATIONS];
extern const unsigned cfn_store_nmigrations;

/* Apply the migrations (CREATE ... IF NOT EXISTS). */
bool cfn_store_open(struct cloud_db *db);

/* Insert or replace a stack's document (its StackId, StackName, Account, Region and
 * StackStatus members are indexed). */
bool cfn_store_put_stack(struct cloud_db *db, const struct cJSON *doc);
/*
 * A stack by name or stack id in an account and region. By name only a stack that is not
 * DELETE_COMPLETE is found; by id, deleted ones too. NULL when none. Caller deletes.
 */
struct cJSON *cfn_store_get_stack(struct cloud_db *db, const char *account, const char *region,
				  const char *name_or_id);
/* Every stack of an account and region, oldest first (deleted ones when with_deleted).
 * An array; caller deletes. */
struct cJSON *cfn_store_list_stacks(struct cloud_db *db, const char *account, const char *region,
				    bool with_deleted);

/* Append an event (a DescribeStackEvents member) to a stack. */
bool cfn_store_add_event(struct cloud_db *db, const char *stack_id, const struct cJSON *event);
/* A stack's events, newest first. An array; caller deletes. */
struct cJSON *cfn_store_events(struct cloud_db *db, const char *stack_id);

bool cfn_store_put_change_set(struct cloud_db *db, const struct cJSON *doc);
/* A change set by ARN, or by name within a stack (stack_id may be NULL with an ARN).
 * Caller deletes. */
struct cJSON *cfn_store_get_change_set(struct cloud_db *db, const char *stack_id,
				       const char *name_or_arn);
/* A stack's change sets, oldest first. Caller deletes. */
struct cJSON *cfn_store_list_change_sets(struct cloud_db *db, const char *stack_id);
bool cfn_store_delete_change_set(struct cloud_db *db, const char *id);
/* Drop every change set of a stack (after one is executed, as CloudFormation does). */
bool cfn_store_delete_change_sets(struct cloud_db *db, const char *stack_id);

/*
 * Exports. cfn_store_export() fails (false, *owner set to the exporting stack's id, caller
 * frees) when another stack already exports name.
 */
bool cfn_store_export(struct cloud_db *db, const char *account, const char *region,
		      const char *name, const char *value, const char *stack_id, char **owner);
/* An export's value, or NULL. Caller frees. */
char *cfn_store_export_value(struct cloud_db *db, const char *account, const char *region,
			     const char *name);
/* Remove a stack's exports (all of them, or those not in keep, an array of names). */
bool cfn_store_unexport(struct cloud_db *db, const char *stack_id, const struct cJSON *keep);
/* [{ExportingStackId, Name, Value}] of an account and region. Caller deletes. */
struct cJSON *cfn_store_exports(struct cloud_db *db, const char *account, const char *region);

/* CodeDeploy deployments (DeploymentInfo documents with an Account member). */
bool cfn_store_put_deployment(struct cloud_db *db, const struct cJSON *doc);
/* A deployment of account, or NULL. Caller deletes. */
struct cJSON *cfn_store_get_deployment(struct cloud_db *db, const char *account, const char *id);
/* An account's deployments, newest first (of one application and group when not NULL).
 * Caller deletes. */
struct cJSON *cfn_store_list_deployments(struct cloud_db *db, const char *account,
					 const char *application, const char *group);

/* Forget everything of one account. */
void cfn_store_reset_account(struct cloud_db *db, const char *account);

#endif
