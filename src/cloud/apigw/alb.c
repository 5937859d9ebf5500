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

#define XMLNS    "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
#define KIND     "ELBV2"
#define ELB_SVC  "elasticloadbalancing.amazonaws.com"
#define ARN_HEAD "arn:aws:elasticloadbalancing:" AWS_REGION_NAME ":"
#define MULTI    "lambda.multi_value_headers.enabled"

/* ---- XML ---- */

/* Write o's members as elements (arrays as <member> lists), skipping names that start with
 * '_'. */
static void xml_members(struct strbuf *sb, const cJSON *o)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, o)
	{
		const char *tag = m->string;
		if (tag && tag[0] == '_')
			continue;
		strbuf_addf(sb, "<%s>", tag ? tag : "member");
		if (cJSON_IsString(m)) {
			query_xml_escape(sb, m->valuestring);
		} else if (cJSON_IsNumber(m)) {
			strbuf_addf(sb, "%lld", (long long)m->valuedouble);
		} else if (cJSON_IsBool(m)) {
			strbuf_addstr(sb, cJSON_IsTrue(m) ? "true" : "false");
		} else if (cJSON_IsArray(m)) {
			const cJSON *e;
			cJSON_ArrayForEach(e, m)
			{
				strbuf_addstr(sb, "<member>");
				if (cJSON_IsString(e))
					query_xml_escape(sb, e->valuestring);
				else
					xml_members(sb, e);
				strbuf_addstr(sb, "</member>");
			}
		} else {
			xml_members(sb, m);
		}
		strbuf_addf(sb, "</%s>", tag ? tag : "member");
	}
}

/* Answer action with a list named list_name of the items (borrowed). */
static void xml_list(struct http_resp *resp, const char *action, const char *list_name,
		     const cJSON *items)
{
	query_xml_begin(resp, XMLNS, action, true);
	cJSON *wrap = cJSON_CreateObject();
	cJSON_AddItemReferenceToObject(wrap, list_name, (cJSON *)items);
	xml_members(&resp->body, wrap);
	cJSON_Delete(wrap);
	query_xml_end(resp, action, true);
}

static void xml_empty(struct http_resp *resp, const char *action)
{
	query_xml_begin(resp, XMLNS, action, true);
	query_xml_end(resp, action, true);
}

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

/* The "N" members of tree[name]["member"], in order, as an array of borrowed references. */
static cJSON *members(cJSON *tree, const char *name)
{
	cJSON *out = cJSON_CreateArray();
	cJSON *list = query_child(query_child(tree, name), "member");
	for (int i = 1; list; i++) {
		char key[16];
		snprintf(key, sizeof(key), "%d", i);
		cJSON *item = cJSON_GetObjectItemCaseSensitive(list, key);
		if (!item)
			break;
		cJSON_AddItemReferenceToArray(out, item);
	}
	return out;
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

/* ---- actions ---- */

static void create_load_balancer(struct cloud *c, const char *account, cJSON *doc, cJSON *in,
				 bool *dirty, struct http_resp *resp)
{
	const char *name = query_str(in, "Name");
	const char *type = query_str(in, "Type");
	cJSON *lbs = cJSON_GetObjectItem(doc, "loadBalancers");
	if (!name_valid(name) || str_starts_with(name, "internal-")) {
		query_error(resp, XMLNS, 400, "ValidationError",
			    "The load balancer name '%s' is not valid: up to 32 letters, digits "
			    "and hyphens, not starting or ending with a hyphen",
			    name ? name : "");
		return;
	}
	if (type && strcmp(type, "application") != 0) {
		query_error(resp, XMLNS, 400, "ValidationError",
			    "The local cloud serves application load balancers only, not %s", type);
		return;
	}
	cJSON *lb = front_find(lbs, "LoadBalancerName", name);
	if (!lb) {
		/* Load balancers are served across accounts by name: one name, one owner. */
		if (front_find(cJSON_GetObjectItem(doc, "_names_taken"), "name", name)) {
			query_error(resp, XMLNS, 400, "DuplicateLoadBalancerName",
				    "A load balancer with the same name '%s' exists", name);
			return;
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
		const char *scheme = query_str(in, "Scheme");
		cJSON_AddStringToObject(lb, "Scheme", scheme ? scheme : "internet-facing");
		cJSON_AddStringToObject(lb, "VpcId", "vpc-00000000000000000");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(lb, "State"), "Code", "active");
		cJSON_AddStringToObject(lb, "Type", "application");
		cJSON *azs = cJSON_AddArrayToObject(lb, "AvailabilityZones");
		cJSON *subnets = members(in, "Subnets");
		const cJSON *s;
		int i = 0;
		cJSON_ArrayForEach(s, subnets)
		{
			cJSON *az = cJSON_CreateObject();
			char zone[32];
			snprintf(zone, sizeof(zone), AWS_REGION_NAME "%c", 'a' + i++ % 6);
			cJSON_AddStringToObject(az, "ZoneName", zone);
			cJSON_AddStringToObject(az, "SubnetId", cJSON_GetStringValue(s));
			cJSON_AddItemToArray(azs, az);
		}
		cJSON_Delete(subnets);
		cJSON *sgs = cJSON_AddArrayToObject(lb, "SecurityGroups");
		cJSON *groups = members(in, "SecurityGroups");
		cJSON_ArrayForEach(s, groups)
		{
			cJSON_AddItemToArray(sgs, cJSON_CreateString(cJSON_GetStringValue(s)));
		}
		cJSON_Delete(groups);
		cJSON_AddStringToObject(lb, "IpAddressType", "ipv4");
		cJSON_AddItemToArray(lbs, lb);
		*dirty = true;
	}
	(void)c;
	cJSON *one = cJSON_CreateArray();
	cJSON_AddItemReferenceToArray(one, lb);
	xml_list(resp, "CreateLoadBalancer", "LoadBalancers", one);
	cJSON_Delete(one);
}

/* The items of arr whose key is among the "N" members of in[list] (all when none given);
 * NULL with an error answered when one given is missing. */
static cJSON *select_items(cJSON *arr, const char *key, cJSON *in, const char *list,
			   const char *code, const char *what, struct http_resp *resp)
{
	cJSON *wanted = members(in, list);
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
			query_error(resp, XMLNS, 400, code, "One or more %s not found", what);
			cJSON_Delete(out);
			out = NULL;
			break;
		}
		cJSON_AddItemReferenceToArray(out, it);
	}
	cJSON_Delete(wanted);
	return out;
}

static void create_target_group(const char *account, cJSON *doc, cJSON *in, bool *dirty,
				struct http_resp *resp)
{
	const char *name = query_str(in, "Name"), *type = query_str(in, "TargetType");
	cJSON *tgs = cJSON_GetObjectItem(doc, "targetGroups");
	if (!name_valid(name)) {
		query_error(resp, XMLNS, 400, "ValidationError",
			    "Target group name '%s' is not valid: up to 32 letters, digits and "
			    "hyphens, not starting or ending with a hyphen",
			    name ? name : "");
		return;
	}
	if (!type || strcmp(type, "lambda") != 0) {
		query_error(resp, XMLNS, 400, "ValidationError",
			    "The local cloud serves target groups of type 'lambda' only, not '%s'",
			    type ? type : "instance");
		return;
	}
	cJSON *tg = front_find(tgs, "TargetGroupName", name);
	if (!tg) {
		char hex[17];
		aws_random_hex(hex, 16);
		tg = cJSON_CreateObject();
		char *arn = xasprintf(ARN_HEAD "%s:targetgroup/%s/%s", account, name, hex);
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
	cJSON *one = cJSON_CreateArray();
	cJSON_AddItemReferenceToArray(one, tg);
	xml_list(resp, "CreateTargetGroup", "TargetGroups", one);
	cJSON_Delete(one);
}

static void register_targets(struct cloud *c, const char *account, cJSON *doc, cJSON *in,
			     bool deregister, bool *dirty, struct http_resp *resp)
{
	const char *action = deregister ? "DeregisterTargets" : "RegisterTargets";
	const char *tg_arn = query_str(in, "TargetGroupArn");
	cJSON *tg = front_find(cJSON_GetObjectItem(doc, "targetGroups"), "TargetGroupArn", tg_arn);
	cJSON *targets = members(in, "Targets");
	cJSON *list = cJSON_GetObjectItem(tg, "_targets");
	const cJSON *t;
	if (!tg) {
		query_error(resp, XMLNS, 400, "TargetGroupNotFound", "Target groups '%s' not found",
			    tg_arn ? tg_arn : "");
		goto done;
	}
	if (cJSON_GetArraySize(targets) == 0) {
		query_error(resp, XMLNS, 400, "ValidationError", "Targets is required");
		goto done;
	}
	cJSON_ArrayForEach(t, targets)
	{
		const char *id = query_str(t, "Id");
		char *fn = front_function_of_uri(id);
		if (deregister) {
			free(fn);
			continue;
		}
		/* The load balancer checks the function as the service it is, for the group. */
		struct svc_caller by;
		svc_caller_service(&by, account, ELB_SVC, tg_arn);
		struct aws_err err = { 0 };
		bool ok = fn && deliver_check(c, &by, fn, &err);
		free(fn);
		if (!ok && strcmp(err.code, "AccessDeniedException") == 0) {
			query_error(resp, XMLNS, 403, "AccessDenied",
				    "elasticloadbalancing principal does not have permission to "
				    "invoke %s from target group %s",
				    id, tg_arn);
		} else if (!ok) {
			query_error(resp, XMLNS, 400, "InvalidTarget",
				    "The following targets are not valid: '%s'", id ? id : "");
		}
		aws_err_release(&err);
		if (!ok)
			goto done;
	}
	cJSON_ArrayForEach(t, targets)
	{
		const char *id = query_str(t, "Id");
		cJSON *have = NULL, *e;
		cJSON_ArrayForEach(e, list)
		{
			if (strcmp(cJSON_GetStringValue(e), id) == 0)
				have = e;
		}
		if (deregister && have)
			cJSON_Delete(cJSON_DetachItemViaPointer(list, have));
		else if (!deregister && !have && cJSON_GetArraySize(list) > 0)
			cJSON_ReplaceItemInArray(list, 0, cJSON_CreateString(id));
		else if (!deregister && !have)
			cJSON_AddItemToArray(list, cJSON_CreateString(id));
	}
	*dirty = true;
	xml_empty(resp, action);
done:
	cJSON_Delete(targets);
}

static void describe_target_health(cJSON *doc, cJSON *in, struct http_resp *resp)
{
	const char *tg_arn = query_str(in, "TargetGroupArn");
	cJSON *tg = front_find(cJSON_GetObjectItem(doc, "targetGroups"), "TargetGroupArn", tg_arn);
	if (!tg) {
		query_error(resp, XMLNS, 400, "TargetGroupNotFound", "Target groups '%s' not found",
			    tg_arn ? tg_arn : "");
		return;
	}
	cJSON *out = cJSON_CreateArray();
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(tg, "_targets"))
	{
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(cJSON_AddObjectToObject(d, "Target"), "Id",
					cJSON_GetStringValue(e));
		cJSON *h = cJSON_AddObjectToObject(d, "TargetHealth");
		bool used = cJSON_GetArraySize(cJSON_GetObjectItem(tg, "LoadBalancerArns")) > 0;
		cJSON_AddStringToObject(h, "State", used ? "healthy" : "unavailable");
		if (!used) {
			cJSON_AddStringToObject(h, "Reason", "Target.NotInUse");
			cJSON_AddStringToObject(h, "Description",
						"Target group is not configured to receive traffic "
						"from the load balancer");
		}
		cJSON_AddItemToArray(out, d);
	}
	xml_list(resp, "DescribeTargetHealth", "TargetHealthDescriptions", out);
	cJSON_Delete(out);
}

/* The target group a listener's first action forwards to, or NULL. */
static const char *action_target(const cJSON *action)
{
	const char *arn = query_str(action, "TargetGroupArn");
	if (arn)
		return arn;
	const cJSON *groups =
		cJSON_GetObjectItem(cJSON_GetObjectItem(action, "ForwardConfig"), "TargetGroups");
	return query_str(cJSON_GetArrayItem(groups, 0), "TargetGroupArn");
}

/* A listener's actions in the answer's shape, from the request's "DefaultActions". */
static cJSON *actions_of(cJSON *in)
{
	cJSON *list = members(in, "DefaultActions");
	cJSON *out = cJSON_CreateArray();
	const cJSON *a;
	cJSON_ArrayForEach(a, list)
	{
		cJSON *o = cJSON_CreateObject();
		const char *type = query_str(a, "Type");
		cJSON_AddStringToObject(o, "Type", type ? type : "");
		const char *tg = query_str(a, "TargetGroupArn");
		cJSON *fc = query_child((cJSON *)a, "ForwardConfig");
		cJSON *groups = fc ? members(fc, "TargetGroups") : NULL;
		if (!tg && cJSON_GetArraySize(groups) > 0)
			tg = query_str(cJSON_GetArrayItem(groups, 0), "TargetGroupArn");
		cJSON_Delete(groups);
		if (tg)
			cJSON_AddStringToObject(o, "TargetGroupArn", tg);
		cJSON *fixed = query_child((cJSON *)a, "FixedResponseConfig");
		if (fixed) {
			cJSON *f = cJSON_AddObjectToObject(o, "FixedResponseConfig");
			static const char *const keys[] = { "MessageBody", "StatusCode",
							    "ContentType" };
			for (size_t i = 0; i < 3; i++)
				if (query_str(fixed, keys[i]))
					cJSON_AddStringToObject(f, keys[i],
								query_str(fixed, keys[i]));
		}
		cJSON_AddItemToArray(out, o);
	}
	cJSON_Delete(list);
	return out;
}

static void create_listener(const char *account, cJSON *doc, cJSON *in, bool *dirty,
			    struct http_resp *resp)
{
	const char *lb_arn = query_str(in, "LoadBalancerArn");
	cJSON *lb =
		front_find(cJSON_GetObjectItem(doc, "loadBalancers"), "LoadBalancerArn", lb_arn);
	cJSON *tgs = cJSON_GetObjectItem(doc, "targetGroups");
	if (!lb) {
		query_error(resp, XMLNS, 400, "LoadBalancerNotFound",
			    "One or more load balancers not found");
		return;
	}
	cJSON *actions = actions_of(in);
	const cJSON *a;
	cJSON_ArrayForEach(a, actions)
	{
		const char *type = query_str(a, "Type");
		const char *tg = query_str(a, "TargetGroupArn");
		bool forward = strcmp(type, "forward") == 0;
		if (!forward && strcmp(type, "fixed-response") != 0) {
			query_error(resp, XMLNS, 400, "ValidationError",
				    "The local cloud serves forward and fixed-response actions, "
				    "not '%s'",
				    type);
			cJSON_Delete(actions);
			return;
		}
		if (forward && !front_find(tgs, "TargetGroupArn", tg)) {
			query_error(resp, XMLNS, 400, "TargetGroupNotFound",
				    "Target groups '%s' not found", tg ? tg : "");
			cJSON_Delete(actions);
			return;
		}
	}
	if (cJSON_GetArraySize(actions) == 0) {
		query_error(resp, XMLNS, 400, "ValidationError", "DefaultActions is required");
		cJSON_Delete(actions);
		return;
	}
	long long port = 80;
	bool given = false;
	query_int(in, "Port", &port, &given);
	const char *proto = query_str(in, "Protocol");
	char hex[17];
	aws_random_hex(hex, 16);
	/* listener/app/NAME/LBHEX/HEX from loadbalancer/app/NAME/LBHEX */
	const char *tail = strstr(lb_arn, ":loadbalancer/") + strlen(":loadbalancer/");
	char *arn = xasprintf(ARN_HEAD "%s:listener/%s/%s", account, tail, hex);
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "ListenerArn", arn);
	free(arn);
	cJSON_AddStringToObject(l, "LoadBalancerArn", lb_arn);
	cJSON_AddNumberToObject(l, "Port", (double)port);
	cJSON_AddStringToObject(l, "Protocol", proto ? proto : "HTTP");
	cJSON_AddItemToObject(l, "DefaultActions", actions);
	cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "listeners"), l);
	cJSON_ArrayForEach(a, actions)
	{
		cJSON *tg = front_find(tgs, "TargetGroupArn", query_str(a, "TargetGroupArn"));
		cJSON *lbs = cJSON_GetObjectItem(tg, "LoadBalancerArns");
		if (tg && !front_find_string(lbs, lb_arn))
			cJSON_AddItemToArray(lbs, cJSON_CreateString(lb_arn));
	}
	*dirty = true;
	cJSON *one = cJSON_CreateArray();
	cJSON_AddItemReferenceToArray(one, l);
	xml_list(resp, "CreateListener", "Listeners", one);
	cJSON_Delete(one);
}

/* Delete the item of arr whose key is in[key]; false (and an error answered) if none. */
static bool delete_one(cJSON *arr, const char *key, cJSON *in, const char *code, const char *what,
		       struct http_resp *resp)
{
	cJSON *it = front_find(arr, key, query_str(in, key));
	if (!it) {
		query_error(resp, XMLNS, 400, code, "One or more %s not found", what);
		return false;
	}
	cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
	return true;
}

/* Drop the listeners of a deleted load balancer, and the load balancer from target groups. */
static void forget_load_balancer(cJSON *doc, const char *lb_arn)
{
	cJSON *ls = cJSON_GetObjectItem(doc, "listeners");
	cJSON *l = ls->child;
	while (l) {
		cJSON *next = l->next;
		if (strcmp(query_str(l, "LoadBalancerArn"), lb_arn) == 0)
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

static void attributes(cJSON *doc, cJSON *in, bool modify, bool *dirty, struct http_resp *resp)
{
	const char *action =
		modify ? "ModifyTargetGroupAttributes" : "DescribeTargetGroupAttributes";
	cJSON *tg = front_find(cJSON_GetObjectItem(doc, "targetGroups"), "TargetGroupArn",
			       query_str(in, "TargetGroupArn"));
	if (!tg) {
		query_error(resp, XMLNS, 400, "TargetGroupNotFound",
			    "One or more target groups "
			    "not found");
		return;
	}
	if (modify) {
		cJSON *attrs = members(in, "Attributes");
		const cJSON *a;
		cJSON_ArrayForEach(a, attrs)
		{
			const char *k = query_str(a, "Key"), *v = query_str(a, "Value");
			if (k && v && strcmp(k, MULTI) == 0)
				cJSON_ReplaceItemInObjectCaseSensitive(
					tg, "_multi", cJSON_CreateBool(strcmp(v, "true") == 0));
		}
		cJSON_Delete(attrs);
		*dirty = true;
	}
	cJSON *out = cJSON_CreateArray();
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "Key", MULTI);
	cJSON_AddStringToObject(a, "Value",
				cJSON_IsTrue(cJSON_GetObjectItem(tg, "_multi")) ? "true" : "false");
	cJSON_AddItemToArray(out, a);
	xml_list(resp, action, "Attributes", out);
	cJSON_Delete(out);
}

void alb_api(struct cloud *c, const char *account, const struct http_req *req,
	     struct http_resp *resp)
{
	cJSON *in = query_parse_form(req->body, req->body_len);
	const char *action = query_str(in, "Action");
	if (!in) {
		query_error(resp, XMLNS, 400, "MalformedQueryString",
			    "The request body is not a well-formed query string");
		return;
	}
	front_doc_lock();
	cJSON *doc = doc_load(c, account);
	bool dirty = false;
	cJSON *lbs = cJSON_GetObjectItem(doc, "loadBalancers");
	cJSON *tgs = cJSON_GetObjectItem(doc, "targetGroups");
	cJSON *ls = cJSON_GetObjectItem(doc, "listeners");
	cJSON *sel = NULL;
	if (!action) {
		query_error(resp, XMLNS, 400, "MissingAction", "Action is required");
	} else if (strcmp(action, "CreateLoadBalancer") == 0) {
		/* A name another account holds is taken: load balancers are found by name. */
		cJSON *all = front_doc_list_kind(c, KIND);
		cJSON *taken = cJSON_AddArrayToObject(doc, "_names_taken");
		const cJSON *d, *lb;
		cJSON_ArrayForEach(d, all)
		{
			cJSON_ArrayForEach(lb, cJSON_GetObjectItem(d, "loadBalancers"))
			{
				cJSON *n = cJSON_CreateObject();
				cJSON_AddStringToObject(n, "name",
							query_str(lb, "LoadBalancerName"));
				cJSON_AddItemToArray(taken, n);
			}
		}
		cJSON_Delete(all);
		create_load_balancer(c, account, doc, in, &dirty, resp);
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "_names_taken");
	} else if (strcmp(action, "DescribeLoadBalancers") == 0) {
		cJSON *names = members(in, "Names");
		if (cJSON_GetArraySize(names) > 0)
			sel = select_items(lbs, "LoadBalancerName", in, "Names",
					   "LoadBalancerNotFound", "load balancers", resp);
		else
			sel = select_items(lbs, "LoadBalancerArn", in, "LoadBalancerArns",
					   "LoadBalancerNotFound", "load balancers", resp);
		cJSON_Delete(names);
		if (sel)
			xml_list(resp, action, "LoadBalancers", sel);
	} else if (strcmp(action, "DeleteLoadBalancer") == 0) {
		const char *arn = query_str(in, "LoadBalancerArn");
		cJSON *lb = front_find(lbs, "LoadBalancerArn", arn);
		if (lb) {
			forget_load_balancer(doc, arn);
			cJSON_Delete(cJSON_DetachItemViaPointer(lbs, lb));
			dirty = true;
		}
		xml_empty(resp, action); /* deleting what is gone succeeds, as in AWS */
	} else if (strcmp(action, "CreateTargetGroup") == 0) {
		create_target_group(account, doc, in, &dirty, resp);
	} else if (strcmp(action, "DescribeTargetGroups") == 0) {
		const char *lb = query_str(in, "LoadBalancerArn");
		cJSON *names = members(in, "Names");
		if (lb) {
			sel = cJSON_CreateArray();
			cJSON *tg;
			cJSON_ArrayForEach(tg, tgs)
			{
				if (front_find_string(cJSON_GetObjectItem(tg, "LoadBalancerArns"),
						      lb))
					cJSON_AddItemReferenceToArray(sel, tg);
			}
		} else if (cJSON_GetArraySize(names) > 0) {
			sel = select_items(tgs, "TargetGroupName", in, "Names",
					   "TargetGroupNotFound", "target groups", resp);
		} else {
			sel = select_items(tgs, "TargetGroupArn", in, "TargetGroupArns",
					   "TargetGroupNotFound", "target groups", resp);
		}
		cJSON_Delete(names);
		if (sel)
			xml_list(resp, action, "TargetGroups", sel);
	} else if (strcmp(action, "DeleteTargetGroup") == 0) {
		cJSON *tg = front_find(tgs, "TargetGroupArn", query_str(in, "TargetGroupArn"));
		if (tg && cJSON_GetArraySize(cJSON_GetObjectItem(tg, "LoadBalancerArns")) > 0) {
			query_error(resp, XMLNS, 400, "ResourceInUse",
				    "Target group '%s' is currently in use by a listener or a rule",
				    query_str(tg, "TargetGroupArn"));
		} else {
			if (tg) {
				cJSON_Delete(cJSON_DetachItemViaPointer(tgs, tg));
				dirty = true;
			}
			xml_empty(resp, action);
		}
	} else if (strcmp(action, "RegisterTargets") == 0 ||
		   strcmp(action, "DeregisterTargets") == 0) {
		register_targets(c, account, doc, in, action[0] == 'D', &dirty, resp);
	} else if (strcmp(action, "DescribeTargetHealth") == 0) {
		describe_target_health(doc, in, resp);
	} else if (strcmp(action, "CreateListener") == 0) {
		create_listener(account, doc, in, &dirty, resp);
	} else if (strcmp(action, "DescribeListeners") == 0) {
		const char *lb = query_str(in, "LoadBalancerArn");
		if (lb) {
			sel = cJSON_CreateArray();
			cJSON *l;
			cJSON_ArrayForEach(l, ls)
			{
				if (strcmp(query_str(l, "LoadBalancerArn"), lb) == 0)
					cJSON_AddItemReferenceToArray(sel, l);
			}
		} else {
			sel = select_items(ls, "ListenerArn", in, "ListenerArns",
					   "ListenerNotFound", "listeners", resp);
		}
		if (sel)
			xml_list(resp, action, "Listeners", sel);
	} else if (strcmp(action, "DeleteListener") == 0) {
		if (delete_one(ls, "ListenerArn", in, "ListenerNotFound", "listeners", resp)) {
			dirty = true;
			xml_empty(resp, action);
		}
	} else if (strcmp(action, "ModifyTargetGroupAttributes") == 0 ||
		   strcmp(action, "DescribeTargetGroupAttributes") == 0) {
		attributes(doc, in, action[0] == 'M', &dirty, resp);
	} else {
		query_error(resp, XMLNS, 400, "InvalidAction",
			    "The local cloud does not serve the action %s", action);
	}
	if (dirty)
		doc_save(c, account, doc);
	front_doc_unlock();
	cJSON_Delete(sel);
	cJSON_Delete(doc);
	cJSON_Delete(in);
}

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

static void raw(struct svc_call *call, struct http_resp *resp)
{
	alb_api(call->cloud, call->caller->account, call->http, resp);
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
const struct cloud_service elbv2_service = {
	.name = "elasticloadbalancing",
	.model = "elasticloadbalancingv2-2015-12-01",
	.title = "Elastic Load Balancing",
	.query_version = "2015-12-01",
	.raw = raw,
	.doors = doors,
	.ndoors = sizeof(doors) / sizeof(doors[0]),
};
