/*
 * What CloudFormation checks before it creates anything: the template's structure (its
 * sections, resources, parameters, conditions and outputs), every reference, the order of
 * the resources, and the parameter values a stack is given. Errors are CloudFormation's own
 * ValidationError messages.
 */
#ifndef CLOUD_CFN_VALIDATE_H
#define CLOUD_CFN_VALIDATE_H

#include <stdbool.h>

#include "core/error.h"

struct cJSON;

/*
 * Check template's structure (after any transform), its references and that its resources
 * can be ordered. The checks are those CloudFormation's ValidateTemplate makes.
 */
bool cfn_validate(const struct cJSON *template, struct error *err);

/* The template's Resources is a non-empty object (what GetTemplateSummary checks). */
bool cfn_validate_resources_present(const struct cJSON *template, struct error *err);

/* The transforms the template declares, as an array of names (empty when none). Caller
 * deletes. */
struct cJSON *cfn_declared_transforms(const struct cJSON *template);

/*
 * ValidateTemplate's answer for template: Parameters (ParameterKey, DefaultValue, NoEcho,
 * Description), Description, Capabilities and CapabilitiesReason when IAM resources need
 * them, DeclaredTransforms. Caller deletes.
 */
struct cJSON *cfn_validate_summary(const struct cJSON *template);

/*
 * The capability the template needs, or NULL: "CAPABILITY_IAM" for IAM resources,
 * "CAPABILITY_NAMED_IAM" when one of them is given a name. *types gets the IAM types that
 * need it ("AWS::IAM::Role, AWS::IAM::Policy"; caller frees) when not NULL.
 */
const char *cfn_required_capability(const struct cJSON *template, char **types);

/* Look up an SSM parameter's value for a parameter of an AWS::SSM::Parameter::Value<> type.
 */
typedef bool (*cfn_ssm_fn)(void *arg, const char *name, char **value, struct error *err);

/*
 * Resolve a stack's parameter values. given is the request's Parameters list
 * ([{ParameterKey, ParameterValue, UsePreviousValue}], or NULL); previous holds the values a
 * stack had (name -> value) for UsePreviousValue, or NULL. On success *values maps every
 * parameter to its value (a string, or an array of strings for list types) and *shown to
 * the list DescribeStacks answers (NoEcho values as "****", ResolvedValue for SSM types).
 * Both are the caller's to delete.
 */
bool cfn_params_resolve(const struct cJSON *template, const struct cJSON *given,
			const struct cJSON *previous, cfn_ssm_fn ssm, void *ssm_arg,
			struct cJSON **values, struct cJSON **shown, struct error *err);

/* Whether name is a logical id CloudFormation accepts (letters and digits, 1 to 255). */
bool cfn_valid_logical_id(const char *name);

#endif
