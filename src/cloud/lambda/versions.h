/*
 * Versions and aliases of Lambda functions, and provisioned concurrency.
 *
 * PublishVersion freezes $LATEST into a numbered version: a struct lfunc of its own (version
 * > 0) with its own execution environments, kept in its function's versions. Numbers are
 * never reused; publishing what the last version already holds returns that version. An
 * alias names a version, and may send a share of invocations to a second one (its routing
 * weights): resolving it picks one version per invocation, and ExecutedVersion tells which.
 * A provisioned concurrency configuration keeps that many environments of a version (named
 * by number or by an alias) initialised ahead of invocations.
 *
 * State: the tables lambda_versions, lambda_aliases and lambda_provisioned; in memory under
 * cloud->mu, hung from the function's $LATEST.
 */
#ifndef CLOUD_LAMBDA_VERSIONS_H
#define CLOUD_LAMBDA_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>

struct aws_err;
struct cJSON;
struct cloud;
struct lfunc;
struct svc_call;

struct lalias {
	char name[129];
	unsigned version; /* 0: $LATEST */
	unsigned extra;   /* the routing's additional version, 0 when none */
	double weight;    /* the additional version's share of invocations */
	char *description;
	char revision[37];
};

/* Provisioned concurrency of one version, or of the version an alias names. */
struct lprov {
	char qualifier[129]; /* as configured: a version number or an alias name */
	unsigned version;    /* the version it keeps environments of */
	int requested;
	int allocated;   /* environments initialised and kept */
	char status[16]; /* IN_PROGRESS, READY, FAILED */
	char reason[256];
	long long modified_ms;
	long long since_ms; /* the account's clock when it was put: its charge runs from here */
};

/* "$LATEST" or the version's number, in buf (12 bytes). Returns buf. */
const char *lambda_fn_version_name(const struct lfunc *fn, char buf[12]);

/*
 * What a qualifier names (cloud->mu held): "" or NULL and "$LATEST" are latest itself, a
 * number a published version, a name an alias, which picks one of its versions by its
 * routing weights. Borrowed; NULL with err (ResourceNotFoundException as Lambda words it).
 */
struct lfunc *lambda_fn_resolve(struct cloud *c, struct lfunc *latest, const char *qualifier,
				struct aws_err *err);
/*
 * What a qualifier names for reading (GetFunction): latest, a version, or an alias's own
 * version (its routing weights aside). Borrowed; NULL with err when there is none (cloud->mu
 * held).
 */
struct lfunc *lambda_fn_named(struct lfunc *latest, const char *qualifier, struct aws_err *err);
/*
 * DeleteFunction with a qualifier other than $LATEST: delete that version, or fail with err
 * (an alias: Lambda refuses; a version an alias uses; no such version). cloud->mu held.
 */
bool lambda_version_delete_named(struct cloud *c, struct lfunc *latest, const char *qualifier,
				 struct aws_err *err);
/*
 * The function a service's target names, and the version to run (cloud->mu held): target is
 * a function's name, or NAME:QUALIFIER (a version, or an alias, which picks one of its
 * versions by weight); the qualifier is copied to qualifier ("" when none). Borrowed; NULL
 * when the function, the version or the alias is not there.
 */
struct lfunc *lambda_fn_target(struct cloud *c, const char *account, const char *target,
			       char qualifier[129]);
/* Whether target (as above) names a function and a version or alias of it that exist
 * (cloud->mu held). */
bool lambda_fn_target_exists(struct cloud *c, const char *account, const char *target);
/* latest's alias called name, or NULL (cloud->mu held). */
struct lalias *lambda_alias_find(const struct lfunc *latest, const char *name);
/* latest's version number v, or NULL (cloud->mu held). */
struct lfunc *lambda_version_find(const struct lfunc *latest, unsigned v);
/* Whether a published version of latest runs from dir (cloud->mu held). */
bool lambda_versions_use_dir(const struct lfunc *latest, const char *dir);

/* Read the versions, aliases and provisioned configurations of the loaded functions. */
void lambda_versions_load(struct cloud *c);
/* Free latest's versions (dropping their references), aliases and configurations: the
 * function is gone (cloud->mu held). */
void lambda_versions_release(struct lfunc *latest);
/* Delete a function's rows: DeleteFunction. */
void lambda_versions_forget(struct cloud *c, const char *account, const char *name);
/* Delete version v of latest (DeleteFunction with a qualifier): false with err when an alias
 * or a provisioned configuration still uses it. */
bool lambda_version_delete(struct cloud *c, struct lfunc *latest, unsigned v, struct aws_err *err);

/*
 * Keep the provisioned configurations' environments (cloud->mu held, on cloud_run()'s
 * thread): start those missing, a few inits at a time, stop those no longer wanted, and set
 * each configuration's status: IN_PROGRESS until all its environments are initialised, then
 * READY; FAILED when an init fails.
 */
void lambda_provisioned_tick(struct cloud *c);
/*
 * What the account's provisioned concurrency configurations (of function, or of every function
 * when NULL or "") have cost so far by the account's clock: a JSON array of {FunctionName,
 * Qualifier, ProvisionedConcurrentExecutions, MemorySizeMB, ConfiguredSeconds, BilledSeconds,
 * GBSeconds, CostUSDx86_64, CostUSDarm64, CostUSDPerHourx86_64}. Caller deletes.
 */
struct cJSON *lambda_provisioned_charges(struct cloud *c, const char *account,
					 const char *function);
/*
 * An invocation of version fn (qualifier as invoked) is about to run, in a provisioned
 * environment or not: the ProvisionedConcurrency* metrics, when the version has a
 * configuration (cloud->mu held).
 */
void lambda_provisioned_invoked(struct cloud *c, const struct lfunc *fn, const char *qualifier,
				bool provisioned);

/* The operations, as rows of Lambda's table (svc.h's svc_op_fn). */
struct cJSON *lambda_op_publish_version(struct svc_call *call, const struct cJSON *in,
					struct aws_err *err);
struct cJSON *lambda_op_list_versions_by_function(struct svc_call *call, const struct cJSON *in,
						  struct aws_err *err);
struct cJSON *lambda_op_create_alias(struct svc_call *call, const struct cJSON *in,
				     struct aws_err *err);
struct cJSON *lambda_op_get_alias(struct svc_call *call, const struct cJSON *in,
				  struct aws_err *err);
struct cJSON *lambda_op_update_alias(struct svc_call *call, const struct cJSON *in,
				     struct aws_err *err);
struct cJSON *lambda_op_delete_alias(struct svc_call *call, const struct cJSON *in,
				     struct aws_err *err);
struct cJSON *lambda_op_list_aliases(struct svc_call *call, const struct cJSON *in,
				     struct aws_err *err);
struct cJSON *lambda_op_put_provisioned_concurrency_config(struct svc_call *call,
							   const struct cJSON *in,
							   struct aws_err *err);
struct cJSON *lambda_op_get_provisioned_concurrency_config(struct svc_call *call,
							   const struct cJSON *in,
							   struct aws_err *err);
struct cJSON *lambda_op_delete_provisioned_concurrency_config(struct svc_call *call,
							      const struct cJSON *in,
							      struct aws_err *err);
struct cJSON *lambda_op_list_provisioned_concurrency_configs(struct svc_call *call,
							     const struct cJSON *in,
							     struct aws_err *err);

#endif
