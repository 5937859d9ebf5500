/*
 * The AWS SAM transform (AWS::Serverless-2016-10-31), applied as CloudFormation applies it
 * when it makes a stack or a change set: AWS::Serverless::Function, Api, HttpApi,
 * LayerVersion and SimpleTable, with Globals, become the CloudFormation resources that AWS's
 * own transform generates, under the same logical ids (an execution role FnRole, event
 * sources FnEventName, a version FnVersion<hash> and an alias FnAlias<name> for
 * AutoPublishAlias, ServerlessRestApi and ServerlessHttpApi for events that name no API,
 * CodeDeploy resources for DeploymentPreference...).
 *
 * Errors read as CloudFormation reports a failed transform: "Transform
 * AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application Specification
 * document. Number of errors found: 1. Resource with id [Fn] is invalid. ..."
 */
#ifndef CLOUD_CFN_SAM_H
#define CLOUD_CFN_SAM_H

#include <stdbool.h>

#include "core/error.h"

struct cJSON;

struct cfn_sam {
	const char *account, *region, *stack_name;
	/* Parameter values (name -> string or list), defaults included: the transform resolves
	 * references to parameters where AWS's does (AutoPublishAlias, stage names...). */
	const struct cJSON *params;
};

/* Apply the transform to template (borrowed). On success *out is the processed template
 * (caller deletes). */
bool cfn_sam_transform(const struct cfn_sam *sam, const struct cJSON *template, struct cJSON **out,
		       struct error *err);

/*
 * The JSON text Python's json.dumps(value, sort_keys=True, separators=(",", ":")) writes
 * (ASCII only, \uXXXX escapes): what AWS's transform hashes for logical ids. Caller frees.
 */
char *cfn_sam_canonical_json(const struct cJSON *value);

/* The first 10 (or n) hex digits of SHA-1 of text, as the transform's logical ids end. */
void cfn_sam_hash(const char *text, char *out, int n);

#endif
