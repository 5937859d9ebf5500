/*
 * Resource providers: how CloudFormation creates, updates and deletes one resource type. A
 * provider calls the owning service's operations through the service table
 * (svc_call_internal()), as the stack's account and region, and never includes the service.
 * Adding a resource type is one row of cfn_providers[] (provider.c) and its functions.
 *
 * A resource's physical id is what Ref answers; its attributes (an object) are what
 * Fn::GetAtt answers.
 */
#ifndef CLOUD_CFN_PROVIDER_H
#define CLOUD_CFN_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/svc/svc.h"

struct cJSON;
struct cfn_svc;

/* What a provider works with for one resource of one stack operation. */
struct cfn_res {
	struct cfn_svc *cfn;
	struct cloud *cloud;
	const struct svc_caller *caller; /* the stack's account and region */
	const char *stack_name, *stack_id;
	const char *logical_id;
	const char *type;
	/* The resource's definition in the template (UpdatePolicy, Metadata...). Borrowed. */
	const struct cJSON *definition;
	/* Its UpdatePolicy, evaluated, or NULL. Borrowed. */
	const struct cJSON *update_policy;
	/* The stack is rolling back: put things as they were, with no deployment. */
	bool rollback;
	/* The engine's operation (for cfn_engine_park() and the like). */
	void *op;
	/* Results a provider fills: the physical id (caller frees) and attributes (caller
	 * deletes). An update that keeps them may leave them NULL. */
	char *physical;
	struct cJSON *attrs;
	/* A note for the resource's COMPLETE event ("held by the stack: ..."), or NULL. */
	const char *note;
};

struct cfn_provider {
	const char *type;
	/* Create from props (evaluated, never NULL). */
	bool (*create)(struct cfn_res *r, const struct cJSON *props, struct aws_err *err);
	/* Change physical in place from old props to props; NULL when every change replaces. */
	bool (*update)(struct cfn_res *r, const char *physical, const struct cJSON *old_props,
		       const struct cJSON *props, const struct cJSON *attrs, struct aws_err *err);
	/* Delete physical. A resource that no longer exists is deleted. */
	bool (*remove)(struct cfn_res *r, const char *physical, const struct cJSON *props,
		       const struct cJSON *attrs, struct aws_err *err);
	/* Properties whose change needs a new resource (NULL-terminated), or NULL. */
	const char *const *replace;
	/* The attributes Fn::GetAtt may ask for (NULL-terminated). */
	const char *const *attributes;
};

/* The provider of type, or NULL when the local cloud has none. */
const struct cfn_provider *cfn_provider_find(const char *type);

/* Whether type is an AWS resource type the local cloud knows of but does not create. */
bool cfn_provider_known_type(const char *type);

/*
 * Call another service's operation as the stack. Returns the output (caller deletes), or
 * NULL with err set.
 */
struct cJSON *cfn_call(struct cfn_res *r, const char *service, const char *op,
		       const struct cJSON *input, struct aws_err *err);

/* Whether the service table has service (by its signing name). */
bool cfn_service_available(struct cfn_res *r, const char *service);

/*
 * A name CloudFormation makes up for a resource given none: "STACK-LOGICAL-RANDOM",
 * stack and logical id shortened to fit max characters; lower case when lower. Caller frees.
 */
char *cfn_physical_name(const struct cfn_res *r, size_t max, bool lower);

/* Whether the property changed between old and new (absent and null are the same). */
bool cfn_prop_changed(const struct cJSON *old_props, const struct cJSON *props, const char *name);

#endif
