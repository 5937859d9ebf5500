/*
 * Lambda deployments as CodeDeploy runs them: hooks, weighted traffic on the virtual clock,
 * alarms, rollback; and CodeDeploy's operations on the deployment records.
 */
#include "cloud/cfn/deploy.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/engine.h"
#include "cloud/cfn/provider.h"
#include "cloud/cfn/providers.h"
#include "cloud/cfn/store.h"
#include "cloud/state.h"
#include "core/xalloc.h"

#define S cfn_prop_str

/* How long CodeDeploy waits for a hook to report, and how often it reads alarms. */
#define HOOK_TIMEOUT_MS    (60LL * 60 * 1000)
#define ALARM_POLL_REAL_MS 200

bool cfn_traffic_parse(const char *config, struct cfn_traffic *out)
{
	const char *c = config;
	if (strncmp(c, "CodeDeployDefault.", 18) == 0)
		c += 18;
	if (strncmp(c, "Lambda", 6) == 0)
		c += 6;
	memset(out, 0, sizeof(*out));
	if (strcmp(c, "AllAtOnce") == 0) {
		out->percent = 100;
		return true;
	}
	int pct = 0, minutes = 0;
	char unit[16] = "";
	if (sscanf(c, "Canary%dPercent%d%15s", &pct, &minutes, unit) == 3 &&
	    strcmp(unit, "Minutes") == 0) {
		out->canary = true;
		out->percent = pct;
		out->step = 100 - pct;
	} else if (sscanf(c, "Linear%dPercentEvery%d%15s", &pct, &minutes, unit) == 3 &&
		   (strcmp(unit, "Minute") == 0 || strcmp(unit, "Minutes") == 0)) {
		out->percent = pct;
		out->step = pct;
	} else {
		return false;
	}
	if (pct <= 0 || pct >= 100 || minutes <= 0)
		return false;
	out->interval_ms = (int64_t)minutes * 60 * 1000;
	return true;
}

/* One deployment in progress. */
struct deploy {
	struct cfn_res *r;
	cJSON *doc; /* the DeploymentInfo, saved as it changes */
	const char *function, *alias, *from, *to;
	const cJSON *alarms; /* names */
	bool parked;
};

static void save(struct deploy *d)
{
	cfn_store_put_deployment(d->r->cfn->db, d->doc);
}

static void set_status(struct deploy *d, const char *status)
{
	cJSON_DeleteItemFromObjectCaseSensitive(d->doc, "status");
	cJSON_AddStringToObject(d->doc, "status", status);
	if (strcmp(status, "Succeeded") == 0 || strcmp(status, "Failed") == 0 ||
	    strcmp(status, "Stopped") == 0)
		cJSON_AddNumberToObject(d->doc, "completeTime",
					(double)cfn_now_ms(d->r->cfn) / 1000.0);
	save(d);
}

static void note(struct deploy *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct deploy *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *full = xasprintf("CodeDeploy deployment %s: %s", S(d->doc, "deploymentId"), msg);
	cfn_engine_note(d->r, "UPDATE_IN_PROGRESS", full);
	free(full);
	free(msg);
}

/* Point the alias at from with weight percent on to (0: none), or wholly at to. */
static bool route(struct deploy *d, const char *version, int percent, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", d->function);
	cJSON_AddStringToObject(in, "Name", d->alias);
	cJSON_AddStringToObject(in, "FunctionVersion", version);
	cJSON *rc = cJSON_AddObjectToObject(in, "RoutingConfig");
	cJSON *w = cJSON_AddObjectToObject(rc, "AdditionalVersionWeights");
	if (percent > 0)
		cJSON_AddNumberToObject(w, d->to, percent / 100.0);
	cJSON *out = cfn_call(d->r, "lambda", "UpdateAlias", in, err);
	cJSON_Delete(in);
	cJSON_Delete(out);
	return out != NULL;
}

/* The first of the alarms in ALARM, or NULL; *broken set when they cannot be read. */
static char *alarm_firing(struct deploy *d, struct aws_err *err, bool *broken)
{
	*broken = false;
	if (!cJSON_GetArraySize(d->alarms))
		return NULL;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddItemToObject(in, "AlarmNames", cJSON_Duplicate(d->alarms, true));
	cJSON *out = cfn_call(d->r, "monitoring", "DescribeAlarms", in, err);
	cJSON_Delete(in);
	if (!out) {
		*broken = true;
		return NULL;
	}
	char *firing = NULL;
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(out, "MetricAlarms"))
	{
		const char *state = S(a, "StateValue");
		if (!firing && state && strcmp(state, "ALARM") == 0)
			firing = xstrdup(S(a, "AlarmName") ? S(a, "AlarmName") : "?");
	}
	/* An alarm that does not exist cannot be watched: CodeDeploy stops. */
	const cJSON *name;
	cJSON_ArrayForEach(name, d->alarms)
	{
		bool found = false;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(out, "MetricAlarms"))
		{
			found = found || (cJSON_IsString(name) && S(a, "AlarmName") &&
					  strcmp(S(a, "AlarmName"), name->valuestring) == 0);
		}
		if (!found && !*broken) {
			*broken = true;
			aws_err_set(err, 400, "AlarmsLimitExceededException",
				    "The alarm %s does not exist",
				    cJSON_IsString(name) ? name->valuestring : "?");
		}
	}
	cJSON_Delete(out);
	return firing;
}

/* Whether StopDeployment was called on this deployment. */
static bool stop_requested(struct deploy *d)
{
	cJSON *now = cfn_store_get_deployment(d->r->cfn->db, S(d->doc, "Account"),
					      S(d->doc, "deploymentId"));
	bool stop = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(now, "StopRequested"));
	cJSON_Delete(now);
	return stop;
}

static void park(struct deploy *d)
{
	if (!d->parked) {
		cfn_engine_park(d->r);
		d->parked = true;
	}
}

/*
 * Wait until the virtual time due, reading alarms as the clock moves. Returns false with
 * *why set (caller frees) when the deployment must stop.
 */
static bool watch_until(struct deploy *d, int64_t due, char **why)
{
	park(d);
	for (;;) {
		struct aws_err e = { 0 };
		bool broken;
		char *firing = alarm_firing(d, &e, &broken);
		if (firing) {
			*why = xasprintf("alarm %s is in ALARM", firing);
			free(firing);
			return false;
		}
		if (broken) {
			*why = xasprintf("the alarms cannot be read: %s", e.message);
			aws_err_release(&e);
			return false;
		}
		if (stop_requested(d)) {
			*why = xstrdup("the deployment was stopped");
			return false;
		}
		if (cfn_now_ms(d->r->cfn) >= due)
			return true;
		if (!cfn_engine_wait(d->r, due, ALARM_POLL_REAL_MS)) {
			*why = xstrdup("the local cloud stopped during the deployment");
			return false;
		}
	}
}

/* Run a lifecycle hook and wait for its report. */
static bool run_hook(struct deploy *d, const char *event, const char *hook, char **why)
{
	char id[37];
	cfn_uuid(d->r->cfn, id);
	cJSON *hooks = cJSON_GetObjectItemCaseSensitive(d->doc, "Hooks");
	cJSON *h = cJSON_AddObjectToObject(hooks, id);
	cJSON_AddStringToObject(h, "lifecycleEventName", event);
	cJSON_AddStringToObject(h, "hook", hook);
	cJSON_AddStringToObject(h, "status", "Pending");
	save(d);
	note(d, "running the %s hook %s", event, hook);
	char *payload =
		xasprintf("{\"DeploymentId\":\"%s\",\"LifecycleEventHookExecutionId\":\"%s\"}",
			  S(d->doc, "deploymentId"), id);
	char *b64 = cfn_base64(payload, strlen(payload));
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", hook);
	cJSON_AddStringToObject(in, "InvocationType", "Event");
	cJSON_AddStringToObject(in, "Payload", b64);
	struct aws_err e = { 0 };
	cJSON *out = cfn_call(d->r, "lambda", "Invoke", in, &e);
	cJSON_Delete(in);
	free(b64);
	free(payload);
	if (!out) {
		*why = xasprintf("the %s hook %s could not be invoked: %s", event, hook, e.message);
		aws_err_release(&e);
		return false;
	}
	cJSON_Delete(out);
	int64_t deadline = cfn_now_ms(d->r->cfn) + HOOK_TIMEOUT_MS;
	park(d);
	for (;;) {
		cJSON *now = cfn_store_get_deployment(d->r->cfn->db, S(d->doc, "Account"),
						      S(d->doc, "deploymentId"));
		const cJSON *mine = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(now, "Hooks"), id);
		const char *status = S(mine, "status");
		bool done = status && strcmp(status, "Pending") != 0;
		bool good = done && strcmp(status, "Succeeded") == 0;
		if (done) {
			/* Keep the hook's report in the record being written. */
			cJSON_ReplaceItemInObjectCaseSensitive(
				d->doc, "Hooks",
				cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(now, "Hooks"),
						true));
		}
		cJSON_Delete(now);
		if (done) {
			if (!good)
				*why = xasprintf("the %s hook %s reported %s", event, hook, status);
			return good;
		}
		if (cfn_now_ms(d->r->cfn) >= deadline) {
			*why = xasprintf("the %s hook %s did not report within an hour", event,
					 hook);
			return false;
		}
		if (!cfn_engine_wait(d->r, deadline, ALARM_POLL_REAL_MS)) {
			*why = xstrdup("the local cloud stopped during the deployment");
			return false;
		}
	}
}

/* A new deployment record. Caller deletes. */
static cJSON *new_record(struct cfn_res *r, const char *app, const char *group, const char *config)
{
	char id[37];
	cfn_uuid(r->cfn, id);
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char did[12] = "d-";
	for (int i = 0; i < 9; i++) {
		char c = id[i < 8 ? i : i + 1];
		int v = c >= 'a' ? c - 'a' + 10 : c - '0';
		did[2 + i] = alnum[(v * 5 + i * 7) % 36];
	}
	did[11] = '\0';
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "deploymentId", did);
	cJSON_AddStringToObject(doc, "Account", r->caller->account);
	cJSON_AddStringToObject(doc, "applicationName", app);
	cJSON_AddStringToObject(doc, "deploymentGroupName", group);
	cJSON_AddStringToObject(doc, "deploymentConfigName", config);
	cJSON_AddStringToObject(doc, "computePlatform", "Lambda");
	cJSON_AddStringToObject(doc, "creator", "user");
	cJSON_AddStringToObject(doc, "status", "Created");
	cJSON_AddNumberToObject(doc, "createTime", (double)cfn_now_ms(r->cfn) / 1000.0);
	cJSON_AddObjectToObject(doc, "Hooks");
	return doc;
}

bool cfn_deploy_alias(struct cfn_res *r, const char *function, const char *alias, const char *from,
		      const char *to, struct aws_err *err)
{
	const cJSON *policy =
		cJSON_GetObjectItemCaseSensitive(r->update_policy, "CodeDeployLambdaAliasUpdate");
	const char *app = S(policy, "ApplicationName"), *group = S(policy, "DeploymentGroupName");
	if (!app || !group)
		return aws_err_set(err, 400, "CfnPlain",
				   "CodeDeployLambdaAliasUpdate needs ApplicationName and "
				   "DeploymentGroupName");
	cJSON *gprops = cfn_engine_resource_props(r, group);
	const char *config = S(gprops, "DeploymentConfigName");
	struct cfn_traffic traffic;
	if (!config || !cfn_traffic_parse(config, &traffic)) {
		bool ok = aws_err_set(err, 400, "CfnPlain",
				      "The deployment configuration %s is not one the local cloud "
				      "runs (Canary, Linear or AllAtOnce)",
				      config ? config : "(none)");
		cJSON_Delete(gprops);
		return ok;
	}
	cJSON *alarms = cJSON_CreateArray();
	const cJSON *ac = cJSON_GetObjectItemCaseSensitive(gprops, "AlarmConfiguration");
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(ac, "Enabled");
	if (!en || cJSON_IsTrue(en) ||
	    (cJSON_IsString(en) && strcmp(en->valuestring, "true") == 0)) {
		const cJSON *a;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(ac, "Alarms"))
		{
			if (S(a, "Name"))
				cJSON_AddItemToArray(alarms, cJSON_CreateString(S(a, "Name")));
		}
	}
	struct deploy d = { .r = r,
			    .doc = new_record(r, app, group, config),
			    .function = function,
			    .alias = alias,
			    .from = from,
			    .to = to,
			    .alarms = alarms };
	set_status(&d, "InProgress");
	note(&d, "shifting alias %s from version %s to version %s (%s)", alias, from, to, config);
	char *why = NULL;
	bool ok = true;
	const char *before = S(policy, "BeforeAllowTrafficHook");
	if (before)
		ok = run_hook(&d, "BeforeAllowTraffic", before, &why);
	int percent = traffic.percent;
	while (ok && percent < 100) {
		ok = route(&d, from, percent, err);
		if (!ok) {
			why = xasprintf("the alias could not be updated: %s", err->message);
			aws_err_release(err);
			break;
		}
		note(&d, "%d%% of traffic on version %s", percent, to);
		ok = watch_until(&d, cfn_now_ms(r->cfn) + traffic.interval_ms, &why);
		percent += traffic.step;
	}
	if (ok) {
		ok = route(&d, to, 0, err);
		if (!ok) {
			why = xasprintf("the alias could not be updated: %s", err->message);
			aws_err_release(err);
		} else {
			note(&d, "100%% of traffic on version %s", to);
		}
	}
	const char *after = S(policy, "AfterAllowTrafficHook");
	if (ok && after)
		ok = run_hook(&d, "AfterAllowTraffic", after, &why);
	if (ok) {
		set_status(&d, "Succeeded");
	} else {
		/* Roll back: all traffic on the old version again. */
		struct aws_err e = { 0 };
		route(&d, from, 0, &e);
		aws_err_release(&e);
		cJSON *info = cJSON_AddObjectToObject(d.doc, "errorInformation");
		bool alarm = why && strstr(why, "ALARM");
		cJSON_AddStringToObject(info, "code",
					alarm ? "ALARM_ACTIVE" : "HOOK_EXECUTION_FAILURE");
		cJSON_AddStringToObject(info, "message", why ? why : "failed");
		cJSON *ri = cJSON_AddObjectToObject(d.doc, "rollbackInfo");
		cJSON_AddStringToObject(ri, "rollbackMessage",
					"Automatic rollback: all traffic is on the old version");
		set_status(&d, stop_requested(&d) ? "Stopped" : "Failed");
		aws_err_set(err, 400, "CfnPlain",
			    "CodeDeploy deployment %s failed and was rolled back to version %s: %s",
			    S(d.doc, "deploymentId"), from, why ? why : "failed");
	}
	free(why);
	cJSON_Delete(d.doc);
	cJSON_Delete(alarms);
	cJSON_Delete(gprops);
	return ok;
}

static struct cfn_svc *state(const struct svc_call *call)
{
	return call->cloud->cfn;
}

static cJSON *get_or_fail(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *id = S(in, "deploymentId");
	cJSON *doc =
		id ? cfn_store_get_deployment(state(call)->db, call->caller->account, id) : NULL;
	if (!doc)
		aws_err_set(err, 400, "DeploymentDoesNotExistException",
			    "The deployment %s could not be found.", id ? id : "");
	return doc;
}

cJSON *cfn_codedeploy_put_hook_status(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *doc = get_or_fail(call, in, err);
	if (!doc)
		return NULL;
	const char *hid = S(in, "lifecycleEventHookExecutionId");
	const char *status = S(in, "status");
	cJSON *h = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "Hooks"),
						    hid ? hid : "");
	cJSON *out = NULL;
	if (!h) {
		aws_err_set(err, 400, "LifecycleEventAlreadyCompletedException",
			    "The lifecycle event hook execution %s is not one of this deployment's",
			    hid ? hid : "");
	} else if (strcmp(S(h, "status"), "Pending") != 0) {
		aws_err_set(err, 400, "LifecycleEventAlreadyCompletedException",
			    "An attempt to return the status of an already completed lifecycle "
			    "event occurred.");
	} else if (!status || (strcmp(status, "Succeeded") && strcmp(status, "Failed"))) {
		aws_err_set(err, 400, "InvalidLifecycleEventHookExecutionStatusException",
			    "The result of a Lambda validation function that verifies a lifecycle "
			    "event is invalid. It should return Succeeded or Failed.");
	} else {
		cJSON_ReplaceItemInObjectCaseSensitive(h, "status", cJSON_CreateString(status));
		cfn_store_put_deployment(state(call)->db, doc);
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "lifecycleEventHookExecutionId", hid);
		/* Wake the deployment that waits for it. */
		pthread_mutex_lock(&state(call)->mu);
		pthread_cond_broadcast(&state(call)->cond);
		pthread_mutex_unlock(&state(call)->mu);
	}
	cJSON_Delete(doc);
	return out;
}

/* A record as GetDeployment's deploymentInfo. */
static cJSON *info_shape(const cJSON *doc)
{
	cJSON *o = cJSON_Duplicate(doc, true);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "Account");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "Hooks");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "StopRequested");
	return o;
}

cJSON *cfn_codedeploy_get_deployment(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *doc = get_or_fail(call, in, err);
	if (!doc)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "deploymentInfo", info_shape(doc));
	cJSON_Delete(doc);
	return out;
}

cJSON *cfn_codedeploy_list_deployments(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *all =
		cfn_store_list_deployments(state(call)->db, call->caller->account,
					   S(in, "applicationName"), S(in, "deploymentGroupName"));
	cJSON *out = cJSON_CreateObject();
	cJSON *ids = cJSON_AddArrayToObject(out, "deployments");
	const cJSON *statuses = cJSON_GetObjectItemCaseSensitive(in, "includeOnlyStatuses");
	const cJSON *d;
	cJSON_ArrayForEach(d, all)
	{
		bool wanted = !cJSON_GetArraySize(statuses);
		const cJSON *s;
		cJSON_ArrayForEach(s, statuses)
		{
			wanted = wanted || (cJSON_IsString(s) && S(d, "status") &&
					    strcmp(s->valuestring, S(d, "status")) == 0);
		}
		if (wanted)
			cJSON_AddItemToArray(ids, cJSON_CreateString(S(d, "deploymentId")));
	}
	cJSON_Delete(all);
	return out;
}

cJSON *cfn_codedeploy_stop_deployment(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *doc = get_or_fail(call, in, err);
	if (!doc)
		return NULL;
	const char *status = S(doc, "status");
	cJSON *out = NULL;
	if (status && (strcmp(status, "InProgress") == 0 || strcmp(status, "Created") == 0)) {
		cJSON_AddTrueToObject(doc, "StopRequested");
		cfn_store_put_deployment(state(call)->db, doc);
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "status", "Pending");
		cJSON_AddStringToObject(out, "statusMessage", "Stopping the deployment");
	} else {
		aws_err_set(err, 400, "DeploymentAlreadyCompletedException",
			    "The deployment %s is already completed.", S(doc, "deploymentId"));
	}
	cJSON_Delete(doc);
	return out;
}

/* Sorted by name. */
static const struct svc_op ops[] = {
	{ "GetDeployment", cfn_codedeploy_get_deployment },
	{ "ListDeployments", cfn_codedeploy_list_deployments },
	{ "PutLifecycleEventHookExecutionStatus", cfn_codedeploy_put_hook_status },
	{ "StopDeployment", cfn_codedeploy_stop_deployment },
};

/* CloudFormation's row starts the state these operations read (c->cfn). */
/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const codedeploy_members[] = {
	"GetDeployment deploymentId",
	"ListDeployments applicationName -createTimeRange deploymentGroupName -externalId "
	"includeOnlyStatuses -nextToken",
	"PutLifecycleEventHookExecutionStatus deploymentId lifecycleEventHookExecutionId "
	"status",
	"StopDeployment -autoRollbackEnabled deploymentId",
	NULL,
};

const struct cloud_service codedeploy_service = {
	.name = "codedeploy",
	.model = "codedeploy-2014-10-06",
	.title = "AWS CodeDeploy",
	.target = "CodeDeploy_20141006",
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = codedeploy_members,
};
