/*
 * IAM's policy simulator (SimulatePrincipalPolicy, SimulateCustomPolicy, and the context keys
 * a simulation may need: GetContextKeysFor{Principal,Custom}Policy): the decisions of
 * the evaluator the cloud enforces with (policy.h), for a principal's policies, policies
 * given in the request, a resource's policy and a permissions boundary. Handlers of IAM's
 * row of the service table (service.c). Not for use outside src/cloud/iam/.
 */
#ifndef CLOUD_IAM_SIMULATE_H
#define CLOUD_IAM_SIMULATE_H

#include "cloud/svc/svc.h"

struct cJSON;

struct cJSON *iam_op_simulate_principal_policy(struct svc_call *call, const struct cJSON *in,
					       struct aws_err *err);
struct cJSON *iam_op_simulate_custom_policy(struct svc_call *call, const struct cJSON *in,
					    struct aws_err *err);
/* The condition keys the same policies name (GetContextKeysFor{Principal,Custom}Policy). */
struct cJSON *iam_op_get_context_keys_for_principal_policy(struct svc_call *call,
							   const struct cJSON *in,
							   struct aws_err *err);
struct cJSON *iam_op_get_context_keys_for_custom_policy(struct svc_call *call,
							const struct cJSON *in,
							struct aws_err *err);

#endif
