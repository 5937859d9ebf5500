/*
 * Elastic Load Balancing v2 for Lambda targets, and the load balancers' front door.
 */
#include "cloud/apigw/alb.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "cloud/front/front.h"
#include "cloud/http/aws.h"
#include "cloud/query/query.h"
#include "cloud/state.h"
#include "cloud/svc/deliver.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define KIND     "ELBV2"
#define ELB_SVC  "elasticloadbalancing.amazonaws.com"
#define ARN_HEAD "arn:aws:elasticloadbalancing:" AWS_REGION_NAME ":"
#define MULTI    "lambda.multi_value_headers.enabled"

/* ---- the account's document ---- */

static char *doc_id(const char *account)
{
	return xasprintf("elbv2:%s", account);
}

static cJSON *doc_load(struct cloud *c, const char *account)
{
	char *id = doc_id(account);
	cJSON *doc = front_doc_load(c, id, KIND, NULL);
	free(id);
	if (!doc) {
		doc = cJSON_CreateObject();
		cJSON_AddArrayToObject(doc, "loadBalancers");
		cJSON_AddArrayToObject(doc, "targetGroups");
		cJSON_AddArrayToObject(doc, "listeners");
	}
	return doc;
}

static void doc_save(struct cloud *c, const char *account, const cJSON *doc)
{
	char *id = doc_id(account);
	front_doc_save(c, account, id, KIND, doc);
	free(id);
}

static bool name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > 32 || name[0] == '-' || name[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

static void now_iso(char out[32])
{
	aws_time_iso(clock_wall_ms(), out);
}

/* An output of one list member holding copies of items (borrowed). The encoder writes the
 * members the model knows, so the document's own ("_targets") stay inside. */
static cJSON *list_out(const char *member, const cJSON *items)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, member, cJSON_Duplicate(items, true));
	return out;
}

/* An output of one list member holding a copy of item. */
static cJSON *one_out(const char *member, const cJSON *item)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(out, member), cJSON_Duplicate(item, true));
	return out;
}

/*
 * An operation on the account's load balancers, target groups and listeners (one document):
 * it may change doc (setting *dirty to have it saved). Returns the output, or NULL with err
 * filled.
 */
typedef cJSON *(*doc_fn)(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err);

static cJSON *with_doc(struct svc_call *call, const cJSON *in, struct aws_err *err, doc_fn fn)
{
	const char *account = call->caller->account;
	front_doc_lock();
	cJSON *doc = doc_load(call->cloud, account);
	bool dirty = false;
	cJSON *out = fn(call, doc, in, &dirty, err);
	if (out && dirty)
		doc_save(call->cloud, account, doc);
	front_doc_unlock();
	cJSON_Delete(doc);
	return out;
}

/* ---- load balancers ---- */

static cJSON *create_load_balancer(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				   struct aws_err *err)
{
	const char *account = call->caller->account;
	const char *name = front_str(in, "Name");
	const char *type = front_str(in, "Type");
	cJSON *lbs = cJSON_GetObjectItem(doc, "loadBalancers");
	if (!name_valid(name) || str_starts_with(name, "internal-")) {
		aws_err_set(err, 400, "ValidationError",
			    "The load balancer name '%s' is not valid: up to 32 letters, digits "
			    "and hyphens, not starting or ending with a hyphen",
			    name ? name : "");
		return NULL;
	}
	if (type && strcmp(type, "application") != 0) {
		aws_err_set(err, 400, "ValidationError",
			    "The local cloud serves application load balancers only, not %s", type);
		return NULL;
	}
	cJSON *lb = front_find(lbs, "LoadBalancerName", name);
	if (!lb) {
		/* Load balancers are served across accounts by name: one name, one owner. */
		cJSON *all = front_doc_list_kind(call->cloud, KIND);
		const cJSON *d;
		bool taken = false;
		cJSON_ArrayForEach(d, all)
		{
			taken = taken || front_find(cJSON_GetObjectItem(d, "loadBalancers"),
						    "LoadBalancerName", name);
		}
		cJSON_Delete(all);
		if (taken) {
			aws_err_set(err, 400, "DuplicateLoadBalancerName",
				    "A load balancer with the same name '%s' exists", name);
			return NULL;
		}
		char hex[17], when[32];
		aws_random_hex(hex, 16);
		now_iso(when);
		lb = cJSON_CreateObject();
		char *arn = xasprintf(ARN_HEAD "%s:loadbalancer/app/%s/%s", account, name, hex);
		cJSON_AddStringToObject(lb, "LoadBalancerArn", arn);
		free(arn);
		char *dns = xasprintf("%s.elb.localhost", name);
		cJSON_AddStringToObject(lb, "DNSName", dns);
		free(dns);
		cJSON_AddStringToObject(lb, "CanonicalHostedZoneId", "Z35SXDOTRQ7X7K");
		cJSON_AddStringToObject(lb, "CreatedTime", when);
		cJSON_AddStringToObject(lb, "LoadBalancerName", name);
		const char *scheme = front_str(in, "Scheme");
		cJSON_AddStringToObject(lb, "Scheme", scheme ? scheme : "internet-facing");
		cJSON_AddStringToObject(lb, "VpcId", "vpc-00000000000000000");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(lb, "State"), "Code", "active");
		cJSON_AddStringToObject(lb, "Type", "application");
		cJSON *azs = cJSON_AddArrayToObject(lb, "AvailabilityZones");
		const cJSON *s;
		int i = 0;
		cJSON_ArrayForEach(s, cJSON_GetObjectItem(in, "Subnets"))
		{
			cJSON *az = cJSON_CreateObject();
			char zone[32];
			snprintf(zone, sizeof(zone), AWS_REGION_NAME "%c", 'a' + i++ % 6);
			cJSON_AddStringToObject(az, "ZoneName", zone);
			cJSON_AddStringToObject(az, "SubnetId", cJSON_GetStringValue(s));
			cJSON_AddItemToArray(azs, az);
		}
		const cJSON *groups = cJSON_GetObjectItem(in, "SecurityGroups");
		cJSON_AddItemToObject(lb, "SecurityGroups",
				      groups ? cJSON_Duplicate(groups, true) : cJSON_CreateArray());
		cJSON_AddStringToObject(lb, "IpAddressType", "ipv4");
		cJSON_AddItemToArray(lbs, lb);
		*dirty = true;
	}
	return one_out("LoadBalancers", lb);
}

/* The items of arr whose key is among in[list] (all when none given); NULL with err filled
 * when one given is missing. Caller deletes (the items are borrowed). */
static cJSON *select_items(cJSON *arr, const char *key, const cJSON *in, const char *list,
			   const char *code, const char *what, struct aws_err *err)
{
	const cJSON *wanted = cJSON_GetObjectItem(in, list);
	cJSON *out = cJSON_CreateArray();
	if (cJSON_GetArraySize(wanted) == 0) {
		cJSON *it;
		cJSON_ArrayForEach(it, arr) cJSON_AddItemReferenceToArray(out, it);
	}
	const cJSON *w;
	cJSON_ArrayForEach(w, wanted)
	{
		cJSON *it = front_find(arr, key, cJSON_GetStringValue(w));
		if (!it) {
			aws_err_set(err, 400, code, "One or more %s not found", what);
			cJSON_Delete(out);
			return NULL;
		}
		cJSON_AddItemReferenceToArray(out, it);
	}
	return out;
}

/* An output of one list member holding the items sel picked (deleted here), or NULL. */
static cJSON *selected_out(const char *member, cJSON *sel)
{
	cJSON *out = sel ? list_out(member, sel) : NULL;
	cJSON_Delete(sel);
	return out;
}

static cJSON *describe_load_balancers(struct svc_call *call, cJSON *doc, const cJSON *in,
				      bool *dirty, struct aws_err *err)
{
	(void)call, (void)dirty;
	cJSON *lbs = cJSON_GetObjectItem(doc, "loadBalancers");
	cJSON *sel = cJSON_GetArraySize(cJSON_GetObjectItem(in, "Names")) > 0
			     ? select_items(lbs, "LoadBalancerName", in, "Names",
					    "LoadBalancerNotFound", "load balancers", err)
			     : select_items(lbs, "LoadBalancerArn", in, "LoadBalancerArns",
					    "LoadBalancerNotFound", "load balancers", err);
	return selected_out("LoadBalancers", sel);
}

/* Drop the listeners of a deleted load balancer, and the load balancer from target groups. */
static void forget_load_balancer(cJSON *doc, const char *lb_arn)
{
	cJSON *ls = cJSON_GetObjectItem(doc, "listeners");
	cJSON *l = ls->child;
	while (l) {
		cJSON *next = l->next;
		if (strcmp(front_str(l, "LoadBalancerArn"), lb_arn) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(ls, l));
		l = next;
	}
	cJSON *tg;
	cJSON_ArrayForEach(tg, cJSON_GetObjectItem(doc, "targetGroups"))
	{
		cJSON *lbs = cJSON_GetObjectItem(tg, "LoadBalancerArns");
		cJSON *e = front_find_string(lbs, lb_arn);
		if (e)
			cJSON_Delete(cJSON_DetachItemViaPointer(lbs, e));
	}
}

static cJSON *delete_load_balancer(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				   struct aws_err *err)
{
	(void)call, (void)err;
	cJSON *lbs = cJSON_GetObjectItem(doc, "loadBalancers");
	const char *arn = front_str(in, "LoadBalancerArn");
	cJSON *lb = front_find(lbs, "LoadBalancerArn", arn);
	if (lb) {
		forget_load_balancer(doc, arn);
		cJSON_Delete(cJSON_DetachItemViaPointer(lbs, lb));
		*dirty = true;
	}
	return cJSON_CreateObject(); /* deleting what is gone succeeds, as in AWS */
}

/* ---- target groups ---- */

static cJSON *create_target_group(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				  struct aws_err *err)
{
	const char *name = front_str(in, "Name"), *type = front_str(in, "TargetType");
	cJSON *tgs = cJSON_GetObjectItem(doc, "targetGroups");
	if (!name_valid(name)) {
		aws_err_set(err, 400, "ValidationError",
			    "Target group name '%s' is not valid: up to 32 letters, digits and "
			    "hyphens, not starting or ending with a hyphen",
			    name ? name : "");
		return NULL;
	}
	if (!type || strcmp(type, "lambda") != 0) {
		aws_err_set(err, 400, "ValidationError",
			    "The local cloud serves target groups of type 'lambda' only, not '%s'",
			    type ? type : "instance");
		return NULL;
	}
	/* What a target group of Lambda functions has no use for, refused as ELB does. */
	static const char *const not_for_lambda[][2] = {
		{ "Port", "A port" },
		{ "Protocol", "A protocol" },
		{ "ProtocolVersion", "A protocol version" },
		{ "VpcId", "A VPC ID" },
		{ "IpAddressType", "An IP address type" },
	};
	for (size_t i = 0; i < sizeof(not_for_lambda) / sizeof(not_for_lambda[0]); i++) {
		if (cJSON_GetObjectItem(in, not_for_lambda[i][0])) {
			aws_err_set(err, 400, "ValidationError",
				    "%s cannot be specified for target groups with target type "
				    "'lambda'",
				    not_for_lambda[i][1]);
			return NULL;
		}
	}
	cJSON *tg = front_find(tgs, "TargetGroupName", name);
	if (!tg) {
		char hex[17];
		aws_random_hex(hex, 16);
		tg = cJSON_CreateObject();
		char *arn = xasprintf(ARN_HEAD "%s:targetgroup/%s/%s", call->caller->account, name,
				      hex);
		cJSON_AddStringToObject(tg, "TargetGroupArn", arn);
		free(arn);
		cJSON_AddStringToObject(tg, "TargetGroupName", name);
		cJSON_AddBoolToObject(tg, "HealthCheckEnabled", false);
		cJSON_AddNumberToObject(tg, "HealthCheckIntervalSeconds", 35);
		cJSON_AddNumberToObject(tg, "HealthCheckTimeoutSeconds", 30);
		cJSON_AddNumberToObject(tg, "HealthyThresholdCount", 5);
		cJSON_AddNumberToObject(tg, "UnhealthyThresholdCount", 2);
		cJSON_AddStringToObject(tg, "HealthCheckPath", "/");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(tg, "Matcher"), "HttpCode", "200");
		cJSON_AddArrayToObject(tg, "LoadBalancerArns");
		cJSON_AddStringToObject(tg, "TargetType", "lambda");
		cJSON_AddArrayToObject(tg, "_targets");
		cJSON_AddBoolToObject(tg, "_multi", false);
		cJSON_AddItemToArray(tgs, tg);
		*dirty = true;
	}
	return one_out("TargetGroups", tg);
}

static cJSON *describe_target_groups(struct svc_call *call, cJSON *doc, const cJSON *in,
				     bool *dirty, struct aws_err *err)
{
	(void)call, (void)dirty;
	cJSON *tgs = cJSON_GetObjectItem(doc, "targetGroups");
	const char *lb = front_str(in, "LoadBalancerArn");
	cJSON *sel = NULL;
	if (lb) {
		sel = cJSON_CreateArray();
		cJSON *tg;
		cJSON_ArrayForEach(tg, tgs)
		{
			if (front_find_string(cJSON_GetObjectItem(tg, "LoadBalancerArns"), lb))
				cJSON_AddItemReferenceToArray(sel, tg);
		}
	} else if (cJSON_GetArraySize(cJSON_GetObjectItem(in, "Names")) > 0) {
		sel = select_items(tgs, "TargetGroupName", in, "Names", "TargetGroupNotFound",
				   "target groups", err);
	} else {
		sel = select_items(tgs, "TargetGroupArn", in, "TargetGroupArns",
				   "TargetGroupNotFound", "target groups", err);
	}
	return selected_out("TargetGroups", sel);
}

static cJSON *delete_target_group(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				  struct aws_err *err)
{
	(void)call;
	cJSON *tgs = cJSON_GetObjectItem(doc, "targetGroups");
	cJSON *tg = front_find(tgs, "TargetGroupArn", front_str(in, "TargetGroupArn"));
	if (tg && cJSON_GetArraySize(cJSON_GetObjectItem(tg, "LoadBalancerArns")) > 0) {
		aws_err_set(err, 400, "ResourceInUse",
			    "Target group '%s' is currently in use by a listener or a rule",
			    front_str(tg, "TargetGroupArn"));
		return NULL;
	}
	if (tg) {
		cJSON_Delete(cJSON_DetachItemViaPointer(tgs, tg));
		*dirty = true;
	}
	return cJSON_CreateObject();
}

/* The target group TargetGroupArn names, or NULL with err filled. */
static cJSON *find_target_group(cJSON *doc, const cJSON *in, struct aws_err *err)
{
	const char *tg_arn = front_str(in, "TargetGroupArn");
	cJSON *tg = front_find(cJSON_GetObjectItem(doc, "targetGroups"), "TargetGroupArn", tg_arn);
	if (!tg)
		aws_err_set(err, 400, "TargetGroupNotFound", "Target groups '%s' not found",
			    tg_arn ? tg_arn : "");
	return tg;
}

static cJSON *register_targets(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			       struct aws_err *err)
{
	bool deregister = strcmp(call->op, "DeregisterTargets") == 0;
	const char *tg_arn = front_str(in, "TargetGroupArn");
	cJSON *tg = find_target_group(doc, in, err);
	const cJSON *targets = cJSON_GetObjectItem(in, "Targets");
	const cJSON *t;
	if (!tg)
		return NULL;
	if (cJSON_GetArraySize(targets) == 0) {
		aws_err_set(err, 400, "ValidationError", "Targets is required");
		return NULL;
	}
	const cJSON *to_check = deregister ? NULL : targets;
	cJSON_ArrayForEach(t, to_check)
	{
		const char *id = front_str(t, "Id");
		char *fn = front_function_of_uri(id);
		/* The load balancer checks the function as the service it is, for the group. */
		struct svc_caller by;
		svc_caller_service(&by, call->caller->account, ELB_SVC, tg_arn);
		struct aws_err why = { 0 };
		bool ok = fn && deliver_check(call->cloud, &by, fn, &why);
		free(fn);
		if (!ok && strcmp(why.code, "AccessDeniedException") == 0)
			aws_err_set(err, 403, "AccessDenied",
				    "elasticloadbalancing principal does not have permission to "
				    "invoke %s from target group %s",
				    id, tg_arn);
		else if (!ok)
			aws_err_set(err, 400, "InvalidTarget",
				    "The following targets are not valid: '%s'", id ? id : "");
		aws_err_release(&why);
		if (!ok)
			return NULL;
	}
	cJSON *list = cJSON_GetObjectItem(tg, "_targets");
	cJSON_ArrayForEach(t, targets)
	{
		const char *id = front_str(t, "Id");
		cJSON *have = id ? front_find_string(list, id) : NULL;
		if (deregister && have)
			cJSON_Delete(cJSON_DetachItemViaPointer(list, have));
		else if (!deregister && !have && id && cJSON_GetArraySize(list) > 0)
			cJSON_ReplaceItemInArray(list, 0, cJSON_CreateString(id));
		else if (!deregister && !have && id)
			cJSON_AddItemToArray(list, cJSON_CreateString(id));
	}
	*dirty = true;
	return cJSON_CreateObject();
}

static cJSON *describe_target_health(struct svc_call *call, cJSON *doc, const cJSON *in,
				     bool *dirty, struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *tg = find_target_group(doc, in, err);
	if (!tg)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "TargetHealthDescriptions");
	bool used = cJSON_GetArraySize(cJSON_GetObjectItem(tg, "LoadBalancerArns")) > 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(tg, "_targets"))
	{
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(cJSON_AddObjectToObject(d, "Target"), "Id",
					cJSON_GetStringValue(e));
		cJSON *h = cJSON_AddObjectToObject(d, "TargetHealth");
		cJSON_AddStringToObject(h, "State", used ? "healthy" : "unavailable");
		if (!used) {
			cJSON_AddStringToObject(h, "Reason", "Target.NotInUse");
			cJSON_AddStringToObject(h, "Description",
						"Target group is not configured to receive traffic "
						"from the load balancer");
		}
		cJSON_AddItemToArray(list, d);
	}
	return out;
}

/* The target group attribute the local cloud keeps (lambda.multi_value_headers.enabled). */
static cJSON *attributes(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err)
{
	cJSON *tg = find_target_group(doc, in, err);
	if (!tg)
		return NULL;
	if (strcmp(call->op, "ModifyTargetGroupAttributes") == 0) {
		const cJSON *a;
		cJSON_ArrayForEach(a, cJSON_GetObjectItem(in, "Attributes"))
		{
			const char *k = front_str(a, "Key"), *v = front_str(a, "Value");
			if (k && v && strcmp(k, MULTI) == 0)
				cJSON_ReplaceItemInObjectCaseSensitive(
					tg, "_multi", cJSON_CreateBool(strcmp(v, "true") == 0));
		}
		*dirty = true;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "Key", MULTI);
	cJSON_AddStringToObject(a, "Value",
				cJSON_IsTrue(cJSON_GetObjectItem(tg, "_multi")) ? "true" : "false");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(out, "Attributes"), a);
	return out;
}

/* ---- listeners ---- */

/* The target group a listener's first action forwards to, or NULL. */
static const char *action_target(const cJSON *action)
{
	const char *arn = front_str(action, "TargetGroupArn");
	if (arn)
		return arn;
	const cJSON *groups =
		cJSON_GetObjectItem(cJSON_GetObjectItem(action, "ForwardConfig"), "TargetGroups");
	return front_str(cJSON_GetArrayItem(groups, 0), "TargetGroupArn");
}

/* A listener's actions as kept and answered, from the request's DefaultActions. */
static cJSON *actions_of(const cJSON *in)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(in, "DefaultActions"))
	{
		cJSON *o = cJSON_CreateObject();
		const char *type = front_str(a, "Type");
		cJSON_AddStringToObject(o, "Type", type ? type : "");
		const char *tg = action_target(a);
		if (tg)
			cJSON_AddStringToObject(o, "TargetGroupArn", tg);
		const cJSON *fixed = cJSON_GetObjectItem(a, "FixedResponseConfig");
		if (cJSON_IsObject(fixed)) {
			cJSON *f = cJSON_AddObjectToObject(o, "FixedResponseConfig");
			static const char *const keys[] = { "MessageBody", "StatusCode",
							    "ContentType" };
			for (size_t i = 0; i < 3; i++)
				if (front_str(fixed, keys[i]))
					cJSON_AddStringToObject(f, keys[i],
								front_str(fixed, keys[i]));
		}
		cJSON_AddItemToArray(out, o);
	}
	return out;
}

static cJSON *create_listener(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	const char *lb_arn = front_str(in, "LoadBalancerArn");
	cJSON *lb =
		front_find(cJSON_GetObjectItem(doc, "loadBalancers"), "LoadBalancerArn", lb_arn);
	cJSON *tgs = cJSON_GetObjectItem(doc, "targetGroups");
	if (!lb) {
		aws_err_set(err, 400, "LoadBalancerNotFound",
			    "One or more load balancers not found");
		return NULL;
	}
	cJSON *actions = actions_of(in);
	const cJSON *a;
	cJSON_ArrayForEach(a, actions)
	{
		const char *type = front_str(a, "Type");
		const char *tg = front_str(a, "TargetGroupArn");
		bool forward = strcmp(type, "forward") == 0;
		if (!forward && strcmp(type, "fixed-response") != 0) {
			aws_err_set(err, 400, "ValidationError",
				    "The local cloud serves forward and fixed-response actions, "
				    "not '%s'",
				    type);
			cJSON_Delete(actions);
			return NULL;
		}
		if (forward && !front_find(tgs, "TargetGroupArn", tg)) {
			aws_err_set(err, 400, "TargetGroupNotFound", "Target groups '%s' not found",
				    tg ? tg : "");
			cJSON_Delete(actions);
			return NULL;
		}
	}
	if (cJSON_GetArraySize(actions) == 0) {
		aws_err_set(err, 400, "ValidationError", "DefaultActions is required");
		cJSON_Delete(actions);
		return NULL;
	}
	const cJSON *port = cJSON_GetObjectItem(in, "Port");
	const char *proto = front_str(in, "Protocol");
	char hex[17];
	aws_random_hex(hex, 16);
	/* listener/app/NAME/LBHEX/HEX from loadbalancer/app/NAME/LBHEX */
	const char *tail = strstr(lb_arn, ":loadbalancer/") + strlen(":loadbalancer/");
	char *arn = xasprintf(ARN_HEAD "%s:listener/%s/%s", call->caller->account, tail, hex);
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "ListenerArn", arn);
	free(arn);
	cJSON_AddStringToObject(l, "LoadBalancerArn", lb_arn);
	cJSON_AddNumberToObject(l, "Port", cJSON_IsNumber(port) ? port->valuedouble : 80);
	cJSON_AddStringToObject(l, "Protocol", proto ? proto : "HTTP");
	cJSON_AddItemToObject(l, "DefaultActions", actions);
	cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "listeners"), l);
	cJSON_ArrayForEach(a, actions)
	{
		cJSON *tg = front_find(tgs, "TargetGroupArn", front_str(a, "TargetGroupArn"));
		cJSON *lbs = cJSON_GetObjectItem(tg, "LoadBalancerArns");
		if (tg && !front_find_string(lbs, lb_arn))
			cJSON_AddItemToArray(lbs, cJSON_CreateString(lb_arn));
	}
	*dirty = true;
	return one_out("Listeners", l);
}

static cJSON *describe_listeners(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				 struct aws_err *err)
{
	(void)call, (void)dirty;
	cJSON *ls = cJSON_GetObjectItem(doc, "listeners");
	const char *lb = front_str(in, "LoadBalancerArn");
	cJSON *sel = NULL;
	if (lb) {
		sel = cJSON_CreateArray();
		cJSON *l;
		cJSON_ArrayForEach(l, ls)
		{
			if (strcmp(front_str(l, "LoadBalancerArn"), lb) == 0)
				cJSON_AddItemReferenceToArray(sel, l);
		}
	} else {
		sel = select_items(ls, "ListenerArn", in, "ListenerArns", "ListenerNotFound",
				   "listeners", err);
	}
	return selected_out("Listeners", sel);
}

static cJSON *delete_listener(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)call;
	cJSON *ls = cJSON_GetObjectItem(doc, "listeners");
	cJSON *l = front_find(ls, "ListenerArn", front_str(in, "ListenerArn"));
	if (!l) {
		aws_err_set(err, 400, "ListenerNotFound", "One or more listeners not found");
		return NULL;
	}
	cJSON_Delete(cJSON_DetachItemViaPointer(ls, l));
	*dirty = true;
	return cJSON_CreateObject();
}

#define DOC_OP(name, fn)                                                                \
	static cJSON *name(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                               \
		return with_doc(call, in, err, fn);                                     \
	}
DOC_OP(op_create_listener, create_listener)
DOC_OP(op_create_load_balancer, create_load_balancer)
DOC_OP(op_create_target_group, create_target_group)
DOC_OP(op_delete_listener, delete_listener)
DOC_OP(op_delete_load_balancer, delete_load_balancer)
DOC_OP(op_delete_target_group, delete_target_group)
DOC_OP(op_describe_listeners, describe_listeners)
DOC_OP(op_describe_load_balancers, describe_load_balancers)
DOC_OP(op_describe_target_groups, describe_target_groups)
DOC_OP(op_describe_target_health, describe_target_health)
DOC_OP(op_register_targets, register_targets)
DOC_OP(op_attributes, attributes)
#undef DOC_OP

/* Sorted by name. */
static const struct svc_op ops[] = {
	{ "CreateListener", op_create_listener },
	{ "CreateLoadBalancer", op_create_load_balancer },
	{ "CreateTargetGroup", op_create_target_group },
	{ "DeleteListener", op_delete_listener },
	{ "DeleteLoadBalancer", op_delete_load_balancer },
	{ "DeleteTargetGroup", op_delete_target_group },
	{ "DeregisterTargets", op_register_targets },
	{ "DescribeListeners", op_describe_listeners },
	{ "DescribeLoadBalancers", op_describe_load_balancers },
	{ "DescribeTargetGroupAttributes", op_attributes },
	{ "DescribeTargetGroups", op_describe_target_groups },
	{ "DescribeTargetHealth", op_describe_target_health },
	{ "ModifyTargetGroupAttributes", op_attributes },
	{ "RegisterTargets", op_register_targets },
};

/* ---- the front door ---- */

/* Replace the event's single-value headers and query with multi-value ones. */
static void multi_values(cJSON *ev, const struct front_req *fr)
{
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "headers");
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "queryStringParameters");
	cJSON *mh = cJSON_AddObjectToObject(ev, "multiValueHeaders");
	for (size_t i = 0; i + 1 < fr->headers.len; i += 2) {
		char *name = xstrdup(fr->headers.items[i]);
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		cJSON *arr = cJSON_GetObjectItemCaseSensitive(mh, name);
		if (!arr)
			arr = cJSON_AddArrayToObject(mh, name);
		cJSON_AddItemToArray(arr, cJSON_CreateString(fr->headers.items[i + 1]));
		free(name);
	}
	cJSON *mq = cJSON_AddObjectToObject(ev, "multiValueQueryStringParameters");
	for (size_t i = 0; i + 1 < fr->args.len; i += 2) {
		cJSON *arr = cJSON_GetObjectItemCaseSensitive(mq, fr->args.items[i]);
		if (!arr)
			arr = cJSON_AddArrayToObject(mq, fr->args.items[i]);
		cJSON_AddItemToArray(arr, cJSON_CreateString(fr->args.items[i + 1]));
	}
}

static void fixed_response(const cJSON *action, struct http_resp *resp)
{
	const cJSON *f = cJSON_GetObjectItem(action, "FixedResponseConfig");
	const char *code = query_str(f, "StatusCode"), *type = query_str(f, "ContentType");
	const char *body = query_str(f, "MessageBody");
	resp->status = code ? atoi(code) : 200;
	if (resp->status < 100 || resp->status > 599)
		resp->status = 200;
	http_resp_header(resp, "Content-Type", type ? type : "text/plain; charset=utf-8");
	strbuf_reset(&resp->body);
	if (body)
		strbuf_addstr(&resp->body, body);
}

void alb_serve(struct cloud *c, const char *name, const char *path, const struct http_req *req,
	       struct http_resp *resp)
{
	cJSON *all = front_doc_list_kind(c, KIND);
	const cJSON *doc = NULL, *lb = NULL, *d;
	cJSON_ArrayForEach(d, all)
	{
		const cJSON *found = front_find(cJSON_GetObjectItem(d, "loadBalancers"),
						"LoadBalancerName", name);
		if (found) {
			doc = d;
			lb = found;
		}
	}
	const char *lb_arn = query_str(lb, "LoadBalancerArn");
	const cJSON *listener =
		lb ? front_find(cJSON_GetObjectItem(doc, "listeners"), "LoadBalancerArn", lb_arn)
		   : NULL;
	const cJSON *action =
		cJSON_GetArrayItem(cJSON_GetObjectItem(listener, "DefaultActions"), 0);
	if (!action) {
		front_alb_error(resp, 503);
		cJSON_Delete(all);
		return;
	}
	if (strcmp(query_str(action, "Type"), "fixed-response") == 0) {
		fixed_response(action, resp);
		cJSON_Delete(all);
		return;
	}
	const char *tg_arn = action_target(action);
	const cJSON *tg =
		front_find(cJSON_GetObjectItem(doc, "targetGroups"), "TargetGroupArn", tg_arn);
	const char *target =
		cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(tg, "_targets"), 0));
	if (!target) {
		front_alb_error(resp, 503);
		cJSON_Delete(all);
		return;
	}
	/* The account is the load balancer's: arn:aws:elasticloadbalancing:REGION:ACCOUNT:... */
	char account[13];
	snprintf(account, sizeof(account), "%.12s", lb_arn + strlen(ARN_HEAD));
	bool multi = cJSON_IsTrue(cJSON_GetObjectItem(tg, "_multi"));
	struct front_req fr;
	front_req_init(&fr, req, path, account, name, NULL);
	cJSON *ev = events_alb(&fr.h, tg_arn);
	if (multi)
		multi_values(ev, &fr);
	struct front_outcome r = { 0 };
	enum front_call how = front_invoke(c, account, target, ELB_SVC, tg_arn, 0, ev, &r);
	if (how != FRONT_CALLED)
		front_alb_error(resp, 502);
	else
		front_answer_alb(&r, multi, resp);
	free(r.body);
	cJSON_Delete(ev);
	front_req_release(&fr);
	cJSON_Delete(all);
}

/* "<name>/<path>" after the door's prefix, or "<name><path>" from the Host (its DNSName). */
static void door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	char name[64];
	size_t len = strcspn(rest, "/");
	if (len == 0 || len >= sizeof(name)) {
		front_alb_error(resp, 503);
		return;
	}
	memcpy(name, rest, len);
	name[len] = '\0';
	alb_serve(call->cloud, name, rest[len] ? rest + len : "/", call->http, resp);
}

static const struct svc_door doors[] = {
	{ .prefix = "/_aws/elb/", .serve = door },
	{ .host = "elb.", .serve = door },
};

/* Its load balancers are documents of apigw_docs, reset with API Gateway's. */
/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const elbv2_members[] = {
	"CreateListener -AlpnPolicy -Certificates DefaultActions LoadBalancerArn "
	"-MutualAuthentication Port Protocol -SslPolicy -Tags",
	"CreateLoadBalancer -CustomerOwnedIpv4Pool -IpAddressType Name Scheme SecurityGroups "
	"-SubnetMappings Subnets -Tags Type",
	"CreateTargetGroup -HealthCheckEnabled -HealthCheckIntervalSeconds -HealthCheckPath "
	"-HealthCheckPort -HealthCheckProtocol -HealthCheckTimeoutSeconds "
	"-HealthyThresholdCount IpAddressType -Matcher Name Port Protocol ProtocolVersion "
	"-Tags TargetType -UnhealthyThresholdCount VpcId",
	"DeleteListener ListenerArn",
	"DeleteLoadBalancer LoadBalancerArn",
	"DeleteTargetGroup TargetGroupArn",
	"DeregisterTargets TargetGroupArn Targets",
	"DescribeListeners ListenerArns LoadBalancerArn -Marker -PageSize",
	"DescribeLoadBalancers LoadBalancerArns -Marker Names -PageSize",
	"DescribeTargetGroupAttributes TargetGroupArn",
	"DescribeTargetGroups LoadBalancerArn -Marker Names -PageSize TargetGroupArns",
	"DescribeTargetHealth -Include TargetGroupArn Targets",
	"ModifyTargetGroupAttributes Attributes TargetGroupArn",
	"RegisterTargets TargetGroupArn Targets",
	NULL,
};

const struct cloud_service elbv2_service = {
	.name = "elasticloadbalancing",
	.model = "elasticloadbalancingv2-2015-12-01",
	.title = "Elastic Load Balancing",
	.query_version = "2015-12-01",
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = elbv2_members,
	.doors = doors,
	.ndoors = sizeof(doors) / sizeof(doors[0]),
};
