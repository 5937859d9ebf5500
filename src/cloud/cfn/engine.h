/*
 * The stack engine: it creates, updates and deletes a stack's resources in dependency order
 * through the resource providers, writes the stack's events as CloudFormation writes them,
 * and rolls back when a resource fails (a failed creation leaves nothing but its events).
 *
 * A stack is a JSON document (store.h) read and written whole. An operation runs on a thread
 * of its own; the request that started it waits until it has finished, or until it waits on
 * the virtual clock (a gradual deployment), so that clients polling the stack find it done
 * at their first look.
 */
#ifndef CLOUD_CFN_ENGINE_H
#define CLOUD_CFN_ENGINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cloud/svc/svc.h"

struct cJSON;
struct cloud;
struct cloud_db;
struct vclock;

/* How the engine reaches other services; svc_call_internal() in the cloud. */
typedef struct cJSON *(*cfn_call_fn)(struct cloud *c, const struct svc_caller *caller,
				     const char *service, const char *op, const struct cJSON *input,
				     struct aws_err *err);
typedef bool (*cfn_has_fn)(struct cloud *c, const char *service);

/* CloudFormation's state in one cloud. */
struct cfn_svc {
	struct cloud *cloud;
	struct cloud_db *db;
	struct vclock *clock;
	cfn_call_fn call;
	cfn_has_fn has;
	pthread_mutex_t mu;
	pthread_cond_t cond; /* an operation settled, or a worker ended */
	int workers;
	bool stopping;
	unsigned seq; /* for ids that must differ within one millisecond */
};

/* Open CloudFormation's state (tables included). Free with cfn_svc_free(). */
struct cfn_svc *cfn_svc_new(struct cloud *c, struct cloud_db *db, struct vclock *clock,
			    cfn_call_fn call, cfn_has_fn has);
/* Stop: operations in flight end at their next step (their stacks fail, saying why), and
 * this waits for them. */
void cfn_svc_stop(struct cfn_svc *cfn);
void cfn_svc_free(struct cfn_svc *cfn);

/* The virtual time, milliseconds. */
int64_t cfn_now_ms(struct cfn_svc *cfn);
/* A fresh lower-case UUID into out (37 bytes). */
void cfn_uuid(struct cfn_svc *cfn, char out[37]);

enum cfn_action {
	CFN_CREATE,
	CFN_UPDATE,
	CFN_DELETE,
};

/*
 * What an operation is to reach. For CFN_CREATE and CFN_UPDATE: the processed template and
 * the parameter values (cfn_params_resolve()); the stack document holds the rest (its new
 * TemplateBody, Parameters, Capabilities...). For CFN_DELETE both are NULL.
 */
struct cfn_target {
	struct cJSON *processed;    /* owned by the engine once passed */
	struct cJSON *param_values; /* owned by the engine once passed */
	/* ResourcesToRetain of DeleteStack (logical ids), owned; NULL for none. */
	struct cJSON *retain;
};

/*
 * Run an operation on the stack whose document is stack (owned by the engine once passed;
 * its status already *_IN_PROGRESS and saved, its "User Initiated" event written). Returns
 * once the operation has finished or waits on the virtual clock.
 */
void cfn_engine_start(struct cfn_svc *cfn, const struct svc_caller *caller, struct cJSON *stack,
		      enum cfn_action action, struct cfn_target *target);

struct cfn_res;

/*
 * For a provider that waits on the virtual clock (a gradual deployment): let the request
 * that started the operation answer now; the operation goes on.
 */
void cfn_engine_park(struct cfn_res *r);
/* Wait until the virtual time due_ms, or at most max_real_ms of real time, or until the
 * clock is stepped. Returns false when the cloud is stopping. */
bool cfn_engine_wait(struct cfn_res *r, int64_t due_ms, int max_real_ms);
/* An event for the resource (its progress, as CloudFormation shows a deployment's). */
void cfn_engine_note(struct cfn_res *r, const char *status, const char *reason);
/* The evaluated properties of the stack's resource whose physical id is physical, or NULL.
 * Caller deletes. */
struct cJSON *cfn_engine_resource_props(struct cfn_res *r, const char *physical);

/* Append an event for the stack itself (LogicalResourceId = stack name). */
void cfn_stack_event(struct cfn_svc *cfn, const struct cJSON *stack, const char *status,
		     const char *reason);

/*
 * Compute what applying processed with param_values to stack would change, as
 * DescribeChangeSet's Changes list (an array; empty when nothing would change). stack may be
 * NULL or have no template yet (a CREATE change set). Returns NULL with err set when the
 * template cannot be evaluated. Caller deletes.
 */
struct cJSON *cfn_engine_changes(struct cfn_svc *cfn, const struct svc_caller *caller,
				 const struct cJSON *stack, const struct cJSON *processed,
				 const struct cJSON *param_values, struct error *err);

#endif
