/*
 * CodeDeploy's Lambda deployments, run by the stack for an alias whose UpdatePolicy is
 * CodeDeployLambdaAliasUpdate (what SAM's DeploymentPreference writes): the BeforeAllowTraffic
 * hook, traffic shifted by the alias's weights on the virtual clock as the deployment
 * configuration says (Canary10Percent5Minutes: 10 % for five minutes, then all;
 * Linear10PercentEvery1Minute: ten more percent each minute; AllAtOnce), the listed CloudWatch
 * alarms watched all along, the AfterAllowTraffic hook, and a rollback to the old version when
 * an alarm goes to ALARM or a hook reports failure.
 *
 * Hooks are Lambda functions invoked asynchronously with {"DeploymentId",
 * "LifecycleEventHookExecutionId"}; they answer through CodeDeploy's
 * PutLifecycleEventHookExecutionStatus, which the codedeploy row of the service table serves
 * (cfn_codedeploy_service).
 */
#ifndef CLOUD_CFN_DEPLOY_H
#define CLOUD_CFN_DEPLOY_H

#include <stdbool.h>
#include <stdint.h>

#include "cloud/svc/svc.h"

struct cJSON;
struct cfn_res;
struct cfn_svc;

/* How traffic moves: first weight (percent) and then steps of step percent every
 * interval_ms; all at once when percent is 100. */
struct cfn_traffic {
	int percent, step;
	int64_t interval_ms;
	bool canary;
};

/* Read a deployment configuration name ("CodeDeployDefault.LambdaCanary10Percent5Minutes",
 * with or without the prefix). False when it is not one of Lambda's. */
bool cfn_traffic_parse(const char *config, struct cfn_traffic *out);

/*
 * Move alias (of function) from version from to version to as the alias's UpdatePolicy
 * (evaluated, r->update_policy) asks. Returns true once all traffic is on the new version;
 * false with err set when the deployment failed and the alias is back on from.
 */
bool cfn_deploy_alias(struct cfn_res *r, const char *function, const char *alias, const char *from,
		      const char *to, struct aws_err *err);

/* The CodeDeploy operations the local cloud serves (deploy.c). */
struct cJSON *cfn_codedeploy_put_hook_status(struct svc_call *call, const struct cJSON *in,
					     struct aws_err *err);
struct cJSON *cfn_codedeploy_get_deployment(struct svc_call *call, const struct cJSON *in,
					    struct aws_err *err);
struct cJSON *cfn_codedeploy_list_deployments(struct svc_call *call, const struct cJSON *in,
					      struct aws_err *err);
struct cJSON *cfn_codedeploy_stop_deployment(struct svc_call *call, const struct cJSON *in,
					     struct aws_err *err);

#endif
