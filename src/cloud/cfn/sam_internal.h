/*
 * What the parts of the SAM transform share (sam.c: the driver, globals, functions, layers
 * and tables; sam_events.c: event sources; sam_api.c: REST and HTTP APIs; sam_policy.c:
 * policy templates and managed policies). Not for use outside them.
 */
#ifndef CLOUD_CFN_SAM_INTERNAL_H
#define CLOUD_CFN_SAM_INTERNAL_H

#include <stdbool.h>

#include "cloud/cfn/sam.h"
#include "core/error.h"

struct cJSON;

/* One transform in progress. */
struct sam {
	const struct cfn_sam *in;
	const struct cJSON *src; /* the template as written (borrowed) */
	struct cJSON *out;       /* the processed template */
	struct cJSON *resources; /* out's Resources */
	struct cJSON *globals;   /* the Globals section, or NULL */
	/* The implicit APIs' events: arrays of {Function, Target, Path, Method, Event}. */
	struct cJSON *implicit_rest, *implicit_http;
	/* Explicit APIs' events, by API logical id: {"MyApi": [{...}]}. */
	struct cJSON *explicit_rest, *explicit_http;
	/* Functions with a DeploymentPreference: CodeDeploy's application and role are added. */
	bool codedeploy;
	/* Renamed logical ids (layers get a hash): old -> new. */
	struct cJSON *renames;
	/* References the transform resolves: "Fn.Alias" -> "FnAliaslive", "Api.Stage" ... */
	struct cJSON *refs;
	struct error *err;
	int errors;
};

/* Fail: "Resource with id [ID] is invalid. MSG" (the driver wraps it). Returns false. */
bool sam_fail(struct sam *s, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fail for an event: "Resource with id [FN] is invalid. Event with id [EV] is invalid. MSG". */
bool sam_fail_event(struct sam *s, const char *fn, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Add a resource to the output (replacing one of that id). Takes def. */
void sam_put(struct sam *s, const char *id, struct cJSON *def);
/* {"Ref": name}, {"Fn::GetAtt": [name, att]}. */
struct cJSON *sam_ref(const char *name);
struct cJSON *sam_getatt(const char *name, const char *att);
/* {"Fn::Sub": text} and {"Fn::Sub": [text, vars]} (vars taken). */
struct cJSON *sam_sub(const char *text);
struct cJSON *sam_sub_vars(const char *text, struct cJSON *vars);
/* A value with references to parameters replaced by their values (a copy). */
struct cJSON *sam_resolve_params(struct sam *s, const struct cJSON *value);
/* A string after resolving parameters, or NULL when it is not one. Borrowed from a copy the
 * caller frees via *hold. */
const char *sam_resolved_string(struct sam *s, const struct cJSON *value, struct cJSON **hold);

/* A Lambda permission {Action, FunctionName, Principal, SourceArn?, SourceAccount?}. */
struct cJSON *sam_permission(const struct cJSON *function_ref, const char *principal,
			     struct cJSON *source_arn, struct cJSON *source_account);

/* The event sources of one function (sam_events.c). function_ref: {"Ref": alias or
 * function}; role: the function's generated role definition, or NULL. */
bool sam_events(struct sam *s, const char *fn_id, const struct cJSON *props,
		const struct cJSON *function_ref, struct cJSON *role, const char *fn_condition);

/* The APIs (sam_api.c): explicit AWS::Serverless::Api and HttpApi resources, and the
 * implicit ones, once every function's events are known. */
bool sam_rest_api(struct sam *s, const char *id, const struct cJSON *def);
bool sam_http_api(struct sam *s, const char *id, const struct cJSON *def);
bool sam_implicit_apis(struct sam *s);

/* Policies (sam_policy.c). The managed policy ARN of a name ("AWSLambdaExecute"). Caller
 * frees. */
char *sam_managed_policy_arn(const char *name);
/* The statements a policy template expands to ({"SQSPollerPolicy": {"QueueName": x}}), as
 * a policy document {"Statement": [...]}, or NULL with the transform failed. Caller
 * deletes. */
struct cJSON *sam_policy_template(struct sam *s, const char *fn_id, const struct cJSON *entry);
/* Whether entry is a policy template (an object with one key naming a known template). */
bool sam_is_policy_template(const struct cJSON *entry);

#endif
