/*
 * CloudFormation's intrinsic functions, evaluated over cJSON: Ref (parameters,
 * pseudo-parameters, resources), Fn::GetAtt, Fn::Sub (both forms), Fn::Join, Fn::Select,
 * Fn::Split, Fn::If, Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition, Fn::FindInMap,
 * Fn::ImportValue, Fn::Base64, Fn::GetAZs and Fn::Cidr. What resources have become (their
 * physical ids and attributes) and what other stacks export is asked of the caller through
 * callbacks, so that the same evaluator serves validation, change sets and execution.
 *
 * Errors are CloudFormation's "Template error: ..." and "Template format error: ..." lines.
 */
#ifndef CLOUD_CFN_INTRINSIC_H
#define CLOUD_CFN_INTRINSIC_H

#include <stdbool.h>

#include "core/error.h"

struct cJSON;

struct cfn_eval {
	/* Pseudo-parameters. */
	const char *account, *region, *partition, *stack_name, *stack_id;
	const struct cJSON *notification_arns; /* AWS::NotificationARNs: an array, or NULL */
	/* Parameter values after resolution: name -> string, or array for list types. */
	const struct cJSON *params;
	const struct cJSON *mappings;  /* the Mappings section, or NULL */
	const struct cJSON *cond_defs; /* the Conditions section, or NULL */
	struct cJSON *cond_values;     /* name -> bool, filled as conditions are evaluated */
	const struct cJSON *resources; /* the Resources section: which names are resources */
	/*
	 * A resource's Ref value and a Fn::GetAtt attribute: fill *out (caller deletes) and
	 * return true, or return false with err set. NULL callbacks make every reference to a
	 * resource an error (as in the Conditions section).
	 */
	bool (*ref)(void *arg, const char *logical_id, struct cJSON **out, struct error *err);
	bool (*getatt)(void *arg, const char *logical_id, const char *attribute, struct cJSON **out,
		       struct error *err);
	/* An export's value by name, for Fn::ImportValue. */
	bool (*import)(void *arg, const char *name, struct cJSON **out, struct error *err);
	void *arg;
};

/*
 * Evaluate value: every intrinsic function in it is replaced by its result. On success
 * returns true and sets *out to the result (caller deletes), or to NULL when the value is
 * AWS::NoValue (members and list items that are AWS::NoValue are dropped on the way).
 * Returns false with err set.
 */
bool cfn_eval(struct cfn_eval *ev, const struct cJSON *value, struct cJSON **out,
	      struct error *err);

/* Evaluate the named condition (once; later calls read cond_values). */
bool cfn_eval_condition(struct cfn_eval *ev, const char *name, bool *out, struct error *err);

/*
 * The name of the intrinsic function value is, when it is an object of one member named
 * Ref, Condition or Fn::*; NULL otherwise. Borrowed.
 */
const char *cfn_intrinsic_name(const struct cJSON *value);

/* A scalar as CloudFormation turns it into a string: numbers without a needless ".0",
 * booleans as "true"/"false". NULL for objects, arrays and null. Caller frees. */
char *cfn_scalar_string(const struct cJSON *value);

/*
 * Walk the ${...} references of a Fn::Sub string: call fn for each variable name (not for
 * ${!Literal}). Returns false with err set when the string's syntax is wrong or fn fails.
 */
bool cfn_sub_vars(const char *s, bool (*fn)(void *arg, const char *var, struct error *err),
		  void *arg, struct error *err);

#endif
