/*
 * Lambda layers: versions an account publishes (a zip each, unpacked once), the permissions
 * that share a version with other accounts, and what a function's Layers give it: the
 * versions' files merged in the order the function lists them (a later layer's file replaces
 * an earlier one's), in one folder that environments see as /opt.
 *
 * Layer versions live in the table lambda_layers and under <state>/layers/ACCOUNT/NAME/
 * (VERSION.zip and the unpacked VERSION/). A function keeps its merged folder beside its code,
 * so that deleting a layer version, as in AWS, leaves the functions that use it working.
 */
#ifndef CLOUD_LAMBDA_LAYERS_H
#define CLOUD_LAMBDA_LAYERS_H

#include <stdbool.h>

struct aws_err;
struct cJSON;
struct cloud;
struct http_resp;
struct svc_call;
struct svc_caller;

/* At most this many layers per function, as in AWS. */
#define LAMBDA_LAYERS_MAX 5

/* The operations, as rows of Lambda's table (svc.h's svc_op_fn). */
struct cJSON *lambda_op_publish_layer_version(struct svc_call *call, const struct cJSON *in,
					      struct aws_err *err);
struct cJSON *lambda_op_get_layer_version(struct svc_call *call, const struct cJSON *in,
					  struct aws_err *err);
struct cJSON *lambda_op_get_layer_version_by_arn(struct svc_call *call, const struct cJSON *in,
						 struct aws_err *err);
struct cJSON *lambda_op_list_layers(struct svc_call *call, const struct cJSON *in,
				    struct aws_err *err);
struct cJSON *lambda_op_list_layer_versions(struct svc_call *call, const struct cJSON *in,
					    struct aws_err *err);
struct cJSON *lambda_op_delete_layer_version(struct svc_call *call, const struct cJSON *in,
					     struct aws_err *err);
struct cJSON *lambda_op_add_layer_version_permission(struct svc_call *call, const struct cJSON *in,
						     struct aws_err *err);
struct cJSON *lambda_op_remove_layer_version_permission(struct svc_call *call,
							const struct cJSON *in,
							struct aws_err *err);
struct cJSON *lambda_op_get_layer_version_policy(struct svc_call *call, const struct cJSON *in,
						 struct aws_err *err);

/*
 * Check a function's Layers (arns: the request's array of layer version ARNs; NULL or empty
 * for none) as caller asks for them, and build the folder /opt shows under fn_dir (the
 * function's folder of code). code_dir is the function's unpacked code, counted with the
 * layers against the 250 MB limit. On success *config is the configuration's Layers
 * ([{Arn, CodeSize}], caller deletes) and *opt_dir the merged folder (caller frees), both
 * NULL when there are no layers. On failure err holds Lambda's error and nothing changed.
 */
bool lambda_layers_attach(struct cloud *c, const struct svc_caller *caller,
			  const struct cJSON *arns, const char *fn_dir, const char *code_dir,
			  struct cJSON **config, char **opt_dir, struct aws_err *err);

/* Delete every layer of account. */
void lambda_layers_reset(struct cloud *c, const char *account);

/* /_tutor/layer/ACCOUNT/NAME/VERSION (rest): the version's zip, GetLayerVersion's
 * Content.Location. */
void lambda_layers_door(struct cloud *c, const char *rest, struct http_resp *resp);

#endif
