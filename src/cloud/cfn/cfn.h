/*
 * AWS CloudFormation in the local cloud: its operations (stacks, change sets, templates,
 * exports) as a row of the service table, over the stack engine.
 */
#ifndef CLOUD_CFN_CFN_H
#define CLOUD_CFN_CFN_H

#include <stdbool.h>

#include "cloud/svc/svc.h"

struct cJSON;
struct cfn_svc;

extern const struct cloud_service cfn_service;

/* The operations, as the table calls them (exposed for tests). Each finds CloudFormation's
 * state as call->cloud->cfn. */
struct cJSON *cfn_op_create_stack(struct svc_call *call, const struct cJSON *in,
				  struct aws_err *err);
struct cJSON *cfn_op_update_stack(struct svc_call *call, const struct cJSON *in,
				  struct aws_err *err);
struct cJSON *cfn_op_delete_stack(struct svc_call *call, const struct cJSON *in,
				  struct aws_err *err);
struct cJSON *cfn_op_describe_stacks(struct svc_call *call, const struct cJSON *in,
				     struct aws_err *err);
struct cJSON *cfn_op_list_stacks(struct svc_call *call, const struct cJSON *in,
				 struct aws_err *err);
struct cJSON *cfn_op_describe_stack_events(struct svc_call *call, const struct cJSON *in,
					   struct aws_err *err);
struct cJSON *cfn_op_describe_stack_resources(struct svc_call *call, const struct cJSON *in,
					      struct aws_err *err);
struct cJSON *cfn_op_describe_stack_resource(struct svc_call *call, const struct cJSON *in,
					     struct aws_err *err);
struct cJSON *cfn_op_list_stack_resources(struct svc_call *call, const struct cJSON *in,
					  struct aws_err *err);
struct cJSON *cfn_op_get_template(struct svc_call *call, const struct cJSON *in,
				  struct aws_err *err);
struct cJSON *cfn_op_get_template_summary(struct svc_call *call, const struct cJSON *in,
					  struct aws_err *err);
struct cJSON *cfn_op_validate_template(struct svc_call *call, const struct cJSON *in,
				       struct aws_err *err);
struct cJSON *cfn_op_create_change_set(struct svc_call *call, const struct cJSON *in,
				       struct aws_err *err);
struct cJSON *cfn_op_describe_change_set(struct svc_call *call, const struct cJSON *in,
					 struct aws_err *err);
struct cJSON *cfn_op_execute_change_set(struct svc_call *call, const struct cJSON *in,
					struct aws_err *err);
struct cJSON *cfn_op_delete_change_set(struct svc_call *call, const struct cJSON *in,
				       struct aws_err *err);
struct cJSON *cfn_op_list_change_sets(struct svc_call *call, const struct cJSON *in,
				      struct aws_err *err);
struct cJSON *cfn_op_list_exports(struct svc_call *call, const struct cJSON *in,
				  struct aws_err *err);
struct cJSON *cfn_op_list_imports(struct svc_call *call, const struct cJSON *in,
				  struct aws_err *err);

#endif
