/*
 * CloudFormation's operations: each checks its request as CloudFormation does (templates,
 * parameters, capabilities, stack states), keeps stacks and change sets in the store, and
 * hands the work on a stack to the engine.
 */
#include "cloud/cfn/cfn.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/engine.h"
#include "cloud/cfn/intrinsic.h"
#include "cloud/cfn/provider.h"
#include "cloud/cfn/providers.h"
#include "cloud/cfn/sam.h"
#include "cloud/cfn/store.h"
#include "cloud/cfn/template.h"
#include "cloud/cfn/validate.h"
#include "cloud/state.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define SAM_TRANSFORM "AWS::Serverless-2016-10-31"

static struct cfn_svc *state(const struct svc_call *call)
{
	return call->cloud->cfn;
}

static const char *region_of(const struct svc_call *call)
{
	return call->caller->region[0] ? call->caller->region : "us-east-1";
}

/* The caller the engine and the providers act as: the stack's account and region. */
static void stack_caller(const struct svc_call *call, struct svc_caller *out)
{
	*out = *call->caller;
	if (!out->region[0])
		snprintf(out->region, sizeof(out->region), "us-east-1");
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jtrue(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsTrue(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0);
}

static void set_item(cJSON *o, const char *k, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
	else
		cJSON_AddItemToObject(o, k, v);
}

static void set_str(cJSON *o, const char *k, const char *v)
{
	if (!v)
		cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	else
		set_item(o, k, cJSON_CreateString(v));
}

static void copy_member(cJSON *dst, const cJSON *src, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, k);
	if (v)
		set_item(dst, k, cJSON_Duplicate(v, true));
}

static bool validation(struct aws_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool validation(struct aws_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	aws_err_set(err, 400, "ValidationError", "%s", msg);
	free(msg);
	return false;
}

static bool valid_stack_name(const char *name, struct aws_err *err)
{
	bool ok = name[0] && strlen(name) <= 128 &&
		  ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
	for (const char *p = name; ok && *p; p++) {
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || *p == '-';
	}
	if (!ok)
		return validation(
			err,
			"1 validation error detected: Value '%s' at 'stackName' failed to "
			"satisfy constraint: Member must satisfy regular expression pattern: "
			"[a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*",
			name);
	return true;
}

static char *new_arn(struct svc_call *call, const char *kind, const char *name)
{
	char id[37];
	cfn_uuid(state(call), id);
	return xasprintf("arn:aws:cloudformation:%s:%s:%s/%s/%s", region_of(call),
			 call->caller->account, kind, name, id);
}

/* A stack by name or id, or the ValidationError AWS gives when there is none: most
 * operations say "Stack with id X does not exist", the events and change sets "Stack [X]". */
static cJSON *find_stack_as(struct svc_call *call, const char *name, bool brackets,
			    struct aws_err *err)
{
	cJSON *s = name ? cfn_store_get_stack(state(call)->db, call->caller->account,
					      region_of(call), name)
			: NULL;
	if (!s && brackets)
		validation(err, "Stack [%s] does not exist", name ? name : "");
	else if (!s)
		validation(err, "Stack with id %s does not exist", name ? name : "");
	return s;
}

static cJSON *find_stack(struct svc_call *call, const char *name, struct aws_err *err)
{
	return find_stack_as(call, name, false, err);
}

/* Read an object a TemplateURL names from the local S3 (any of S3's URL forms). */
static char *fetch_template_url(struct svc_call *call, const char *url, size_t *len,
				struct aws_err *err)
{
	const char *p = strstr(url, "://");
	char *bucket = NULL, *key = NULL, *text = NULL;
	if (!p)
		goto bad;
	p += 3;
	const char *slash = strchr(p, '/');
	if (!slash)
		goto bad;
	char *host = xstrndup(p, (size_t)(slash - p));
	const char *s3 = strstr(host, ".s3.");
	if (!s3)
		s3 = strstr(host, ".s3-");
	if (s3 && s3 != host) {
		/* Virtual-hosted: BUCKET.s3[.region].amazonaws.com/KEY */
		bucket = xstrndup(host, (size_t)(s3 - host));
		key = xstrdup(slash + 1);
	} else {
		/* Path style: HOST/BUCKET/KEY (S3's own host or the local endpoint). */
		const char *kslash = strchr(slash + 1, '/');
		if (kslash) {
			bucket = xstrndup(slash + 1, (size_t)(kslash - slash - 1));
			key = xstrdup(kslash + 1);
		}
	}
	free(host);
	if (!bucket || !key || !*bucket || !*key)
		goto bad;
	char *q = strchr(key, '?');
	if (q)
		*q = '\0';
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Bucket", bucket);
	cJSON_AddStringToObject(in, "Key", key);
	struct aws_err e = { 0 };
	cJSON *out = state(call)->call(call->cloud, call->caller, "s3", "GetObject", in, &e);
	cJSON_Delete(in);
	const char *body = jstr(out, "Body");
	if (!body) {
		aws_err_release(&e);
		validation(err, "S3 error: Access Denied or object not found for %s", url);
		cJSON_Delete(out);
		goto done;
	}
	text = cfn_base64_decode(body, len);
	cJSON_Delete(out);
	if (!text)
		validation(err, "S3 error: the object %s could not be read", url);
	goto done;
bad:
	validation(err, "TemplateURL must be a supported URL. %s", url);
done:
	free(bucket);
	free(key);
	return text;
}

/* What a request's template becomes: the text, the processed template and its values. */
struct prepared {
	char *body;
	cJSON *tpl;       /* as parsed */
	cJSON *processed; /* after the transform */
	cJSON *values;    /* parameter values */
	cJSON *shown;     /* Parameters as DescribeStacks lists them */
	bool transformed;
};

static void prepared_release(struct prepared *p)
{
	free(p->body);
	cJSON_Delete(p->tpl);
	cJSON_Delete(p->processed);
	cJSON_Delete(p->values);
	cJSON_Delete(p->shown);
	memset(p, 0, sizeof(*p));
}

/* The template text of a request: TemplateBody, TemplateURL or the stack's previous one. */
static bool template_text(struct svc_call *call, const cJSON *in, const cJSON *stack,
			  struct prepared *p, struct aws_err *err)
{
	const char *body = jstr(in, "TemplateBody"), *url = jstr(in, "TemplateURL");
	bool previous = jtrue(in, "UsePreviousTemplate");
	if ((body != NULL) + (url != NULL) + previous > 1)
		return validation(err, "%s",
				  "Specify exactly one of TemplateBody, TemplateURL or "
				  "UsePreviousTemplate");
	if (previous) {
		const char *old = jstr(stack, "TemplateBody");
		if (!old)
			return validation(err, "%s",
					  "UsePreviousTemplate cannot be used: the stack has no "
					  "template yet");
		p->body = xstrdup(old);
		return true;
	}
	if (url) {
		size_t len = 0;
		p->body = fetch_template_url(call, url, &len, err);
		return p->body != NULL;
	}
	if (!body)
		return validation(err, "%s",
				  "Either Template URL or Template Body must be specified.");
	p->body = xstrdup(body);
	return true;
}

/* Every resource type is one CloudFormation has: a provider, or a service's type. */
static bool check_types(const cJSON *tpl, struct aws_err *err)
{
	struct strbuf bad = STRBUF_INIT;
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(tpl, "Resources"))
	{
		const char *t = jstr(r, "Type");
		if (!t || cfn_provider_find(t) || cfn_provider_known_type(t))
			continue;
		if (bad.len)
			strbuf_addstr(&bad, ", ");
		strbuf_addstr(&bad, t);
	}
	bool ok = bad.len == 0;
	if (!ok)
		validation(err, "Template format error: Unrecognized resource types: [%s]",
			   strbuf_str(&bad));
	strbuf_release(&bad);
	return ok;
}

static bool ssm_value(void *arg, const char *name, char **value, struct error *e)
{
	struct svc_call *call = arg;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Name", name);
	struct aws_err ae = { 0 };
	cJSON *out = state(call)->call(call->cloud, call->caller, "ssm", "GetParameter", in, &ae);
	cJSON_Delete(in);
	const char *v = jstr(cJSON_GetObjectItemCaseSensitive(out, "Parameter"), "Value");
	bool ok = v != NULL;
	if (ok)
		*value = xstrdup(v);
	else
		error_set(e,
			  "Unable to fetch parameters [%s] from parameter store for this account.",
			  name);
	cJSON_Delete(out);
	aws_err_release(&ae);
	return ok;
}

/*
 * Parse, transform, validate and resolve parameters. change_set: capabilities for macros
 * are not needed (CloudFormation expands them when it makes a change set).
 */
static bool prepare(struct svc_call *call, const cJSON *in, const cJSON *stack, bool change_set,
		    struct prepared *p, struct aws_err *err)
{
	memset(p, 0, sizeof(*p));
	struct error e;
	error_clear(&e);
	if (!template_text(call, in, stack, p, err))
		goto fail;
	p->tpl = cfn_template_parse(p->body, strlen(p->body), &e);
	if (!p->tpl) {
		validation(err, "%s", e.msg);
		goto fail;
	}
	if (!cJSON_IsObject(p->tpl)) {
		validation(err, "%s", "Template format error: unsupported structure.");
		goto fail;
	}
	const cJSON *previous = cJSON_GetObjectItemCaseSensitive(stack, "ParamValues");
	const cJSON *given = cJSON_GetObjectItemCaseSensitive(in, "Parameters");
	cJSON *transforms = cfn_declared_transforms(p->tpl);
	const cJSON *t;
	bool ok = true;
	cJSON_ArrayForEach(t, transforms)
	{
		if (strcmp(t->valuestring, SAM_TRANSFORM) == 0) {
			p->transformed = true;
		} else {
			ok = validation(err,
					"Template format error: The transform %s is not offered by "
					"the local cloud",
					t->valuestring);
			break;
		}
	}
	cJSON_Delete(transforms);
	if (!ok)
		goto fail;
	if (p->transformed) {
		if (!change_set) {
			bool has = false;
			const cJSON *c;
			cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(in, "Capabilities"))
			{
				has = has ||
				      (cJSON_IsString(c) &&
				       strcmp(c->valuestring, "CAPABILITY_AUTO_EXPAND") == 0);
			}
			if (!has) {
				aws_err_set(err, 400, "InsufficientCapabilitiesException",
					    "Requires capabilities : [CAPABILITY_AUTO_EXPAND]");
				goto fail;
			}
		}
		/* The transform sees the parameter values (defaults included). */
		cJSON *vals = NULL, *shown = NULL;
		if (!cfn_params_resolve(p->tpl, given, previous, ssm_value, call, &vals, &shown,
					&e)) {
			validation(err, "%s", e.msg);
			goto fail;
		}
		struct cfn_sam sam = { .account = call->caller->account,
				       .region = region_of(call),
				       .stack_name = jstr(in, "StackName"),
				       .params = vals };
		ok = cfn_sam_transform(&sam, p->tpl, &p->processed, &e);
		cJSON_Delete(vals);
		cJSON_Delete(shown);
		if (!ok) {
			validation(err, "%s", e.msg);
			goto fail;
		}
	} else {
		p->processed = cJSON_Duplicate(p->tpl, true);
	}
	if (!cfn_validate(p->processed, &e)) {
		validation(err, "%s", e.msg);
		goto fail;
	}
	if (!check_types(p->processed, err))
		goto fail;
	if (!cfn_params_resolve(p->processed, given, previous, ssm_value, call, &p->values,
				&p->shown, &e)) {
		validation(err, "%s", e.msg);
		goto fail;
	}
	const char *cap = cfn_required_capability(p->processed, NULL);
	if (cap) {
		bool has = false;
		const cJSON *c;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(in, "Capabilities"))
		{
			has = has || (cJSON_IsString(c) &&
				      (strcmp(c->valuestring, cap) == 0 ||
				       strcmp(c->valuestring, "CAPABILITY_NAMED_IAM") == 0));
		}
		if (!has) {
			aws_err_set(err, 400, "InsufficientCapabilitiesException",
				    "Requires capabilities : [%s]", cap);
			goto fail;
		}
	}
	return true;
fail:
	prepared_release(p);
	return false;
}

/* The members of a request that the stack keeps. */
static void keep_request(cJSON *stack, const cJSON *in, const struct prepared *p)
{
	set_str(stack, "TemplateBody", p->body);
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(p->processed, "Description");
	set_str(stack, "Description", cJSON_IsString(desc) ? desc->valuestring : NULL);
	set_item(stack, "Parameters", cJSON_Duplicate(p->shown, true));
	static const char *const kept[] = { "Capabilities", "NotificationARNs", "Tags",
					    "RoleARN",      "TimeoutInMinutes", NULL };
	for (const char *const *k = kept; *k; k++)
		copy_member(stack, in, *k);
	if (cJSON_GetObjectItemCaseSensitive(in, "DisableRollback"))
		set_item(stack, "DisableRollback", cJSON_CreateBool(jtrue(in, "DisableRollback")));
}

static cJSON *new_stack(struct svc_call *call, const char *name)
{
	cJSON *s = cJSON_CreateObject();
	char *id = new_arn(call, "stack", name);
	cJSON_AddStringToObject(s, "StackId", id);
	free(id);
	cJSON_AddStringToObject(s, "StackName", name);
	cJSON_AddStringToObject(s, "Account", call->caller->account);
	cJSON_AddStringToObject(s, "Region", region_of(call));
	cJSON_AddNumberToObject(s, "CreationTime", (double)cfn_now_ms(state(call)) / 1000.0);
	cJSON_AddFalseToObject(s, "DisableRollback");
	cJSON_AddObjectToObject(s, "Resources");
	cJSON_AddArrayToObject(s, "Outputs");
	return s;
}

static void begin(struct svc_call *call, cJSON *stack, const char *status)
{
	set_str(stack, "StackStatus", status);
	set_str(stack, "StackStatusReason", "User Initiated");
	if (strcmp(status, "CREATE_IN_PROGRESS") != 0)
		set_item(stack, "LastUpdatedTime",
			 cJSON_CreateNumber((double)cfn_now_ms(state(call)) / 1000.0));
	cfn_store_put_stack(state(call)->db, stack);
	cfn_stack_event(state(call), stack, status, "User Initiated");
}

static bool in_state(const cJSON *stack, const char *const *states)
{
	const char *s = jstr(stack, "StackStatus");
	for (; s && *states; states++) {
		if (strcmp(s, *states) == 0)
			return true;
	}
	return false;
}

static const char *const updatable[] = { "CREATE_COMPLETE", "UPDATE_COMPLETE",
					 "UPDATE_ROLLBACK_COMPLETE", NULL };

static bool can_update(const cJSON *stack, struct aws_err *err)
{
	if (in_state(stack, updatable))
		return true;
	char *msg = xasprintf("Stack:%s is in %s state and can not be updated.",
			      jstr(stack, "StackId"), jstr(stack, "StackStatus"));
	validation(err, "%s", msg);
	free(msg);
	return false;
}

static cJSON *stack_id_output(const cJSON *stack)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "StackId", jstr(stack, "StackId"));
	return out;
}

struct cJSON *cfn_op_create_stack(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "StackName");
	if (!name || !valid_stack_name(name, err))
		return name ? NULL : (validation(err, "%s", "StackName is required"), NULL);
	cJSON *existing =
		cfn_store_get_stack(state(call)->db, call->caller->account, region_of(call), name);
	if (existing) {
		cJSON_Delete(existing);
		aws_err_set(err, 400, "AlreadyExistsException", "Stack [%s] already exists", name);
		return NULL;
	}
	struct prepared p;
	if (!prepare(call, in, NULL, false, &p, err))
		return NULL;
	cJSON *stack = new_stack(call, name);
	keep_request(stack, in, &p);
	const char *on_failure = jstr(in, "OnFailure");
	if (on_failure && strcmp(on_failure, "DO_NOTHING") == 0)
		set_item(stack, "DisableRollback", cJSON_CreateTrue());
	set_str(stack, "OnFailure", on_failure);
	begin(call, stack, "CREATE_IN_PROGRESS");
	cJSON *out = stack_id_output(stack);
	struct cfn_target target = { .processed = p.processed, .param_values = p.values };
	p.processed = p.values = NULL;
	prepared_release(&p);
	struct svc_caller caller;
	stack_caller(call, &caller);
	cfn_engine_start(state(call), &caller, stack, CFN_CREATE, &target);
	return out;
}

/* Whether applying p to stack would change anything (resources, outputs, parameters). */
/* Whether two parts of a stack are equal; an absent part equals an empty one. */
static bool same_part(const cJSON *a, const cJSON *b)
{
	bool a_none = !a || (cJSON_IsObject(a) && !a->child);
	bool b_none = !b || (cJSON_IsObject(b) && !b->child);
	if (a_none || b_none)
		return a_none && b_none;
	return cJSON_Compare(a, b, true);
}

static bool would_change(struct svc_call *call, const cJSON *stack, const struct prepared *p,
			 struct aws_err *err)
{
	struct svc_caller caller;
	stack_caller(call, &caller);
	struct error e;
	error_clear(&e);
	cJSON *changes =
		cfn_engine_changes(state(call), &caller, stack, p->processed, p->values, &e);
	if (!changes) {
		validation(err, "%s", e.msg);
		return false;
	}
	bool any = changes->child != NULL;
	cJSON_Delete(changes);
	if (!any) {
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(stack, "Processed");
		any = !same_part(cJSON_GetObjectItemCaseSensitive(old, "Outputs"),
				 cJSON_GetObjectItemCaseSensitive(p->processed, "Outputs")) ||
		      !same_part(cJSON_GetObjectItemCaseSensitive(stack, "ParamValues"), p->values);
	}
	return any;
}

struct cJSON *cfn_op_update_stack(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *stack = find_stack(call, jstr(in, "StackName"), err);
	if (!stack)
		return NULL;
	struct prepared p;
	if (!can_update(stack, err) || !prepare(call, in, stack, false, &p, err)) {
		cJSON_Delete(stack);
		return NULL;
	}
	bool ok = would_change(call, stack, &p, err);
	if (!ok && !err->code[0])
		validation(err, "%s", "No updates are to be performed.");
	if (!ok) {
		prepared_release(&p);
		cJSON_Delete(stack);
		return NULL;
	}
	keep_request(stack, in, &p);
	begin(call, stack, "UPDATE_IN_PROGRESS");
	cJSON *out = stack_id_output(stack);
	struct cfn_target target = { .processed = p.processed, .param_values = p.values };
	p.processed = p.values = NULL;
	prepared_release(&p);
	struct svc_caller caller;
	stack_caller(call, &caller);
	cfn_engine_start(state(call), &caller, stack, CFN_UPDATE, &target);
	return out;
}

struct cJSON *cfn_op_delete_stack(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "StackName");
	cJSON *stack = name ? cfn_store_get_stack(state(call)->db, call->caller->account,
						  region_of(call), name)
			    : NULL;
	/* Deleting a stack that does not exist succeeds, as it does in AWS. */
	if (!stack || strcmp(jstr(stack, "StackStatus"), "DELETE_COMPLETE") == 0) {
		cJSON_Delete(stack);
		return cJSON_CreateObject();
	}
	const char *status = jstr(stack, "StackStatus");
	if (strstr(status, "_IN_PROGRESS") && strcmp(status, "REVIEW_IN_PROGRESS") != 0) {
		if (strcmp(status, "DELETE_IN_PROGRESS") == 0) {
			cJSON_Delete(stack);
			return cJSON_CreateObject();
		}
		char *msg = xasprintf("Stack [%s] cannot be deleted while in status %s",
				      jstr(stack, "StackName"), status);
		validation(err, "%s", msg);
		free(msg);
		cJSON_Delete(stack);
		return NULL;
	}
	if (jtrue(stack, "EnableTerminationProtection")) {
		char *msg = xasprintf("Stack [%s] cannot be deleted while TerminationProtection is "
				      "enabled",
				      jstr(stack, "StackName"));
		validation(err, "%s", msg);
		free(msg);
		cJSON_Delete(stack);
		return NULL;
	}
	const cJSON *retain = cJSON_GetObjectItemCaseSensitive(in, "RetainResources");
	if (retain && retain->child && strcmp(status, "DELETE_FAILED") != 0) {
		validation(err, "%s",
			   "Invalid operation on stack: RetainResources can only be specified "
			   "when the stack is in the DELETE_FAILED state");
		cJSON_Delete(stack);
		return NULL;
	}
	begin(call, stack, "DELETE_IN_PROGRESS");
	struct cfn_target target = { .retain = retain ? cJSON_Duplicate(retain, true) : NULL };
	struct svc_caller caller;
	stack_caller(call, &caller);
	cfn_engine_start(state(call), &caller, stack, CFN_DELETE, &target);
	return cJSON_CreateObject();
}

/* A stack as DescribeStacks answers it. */
static cJSON *stack_shape(const cJSON *s)
{
	cJSON *o = cJSON_CreateObject();
	static const char *const members[] = { "StackId",
					       "StackName",
					       "ChangeSetId",
					       "Description",
					       "Parameters",
					       "CreationTime",
					       "DeletionTime",
					       "LastUpdatedTime",
					       "StackStatus",
					       "StackStatusReason",
					       "DisableRollback",
					       "NotificationARNs",
					       "TimeoutInMinutes",
					       "Capabilities",
					       "Outputs",
					       "RoleARN",
					       "Tags",
					       NULL };
	for (const char *const *m = members; *m; m++)
		copy_member(o, s, *m);
	if (!cJSON_GetObjectItemCaseSensitive(o, "Parameters") ||
	    !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "Parameters")))
		cJSON_DeleteItemFromObjectCaseSensitive(o, "Parameters");
	const char *status = jstr(s, "StackStatus");
	if (status && strcmp(status, "REVIEW_IN_PROGRESS") == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(o, "Outputs");
	else if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "Outputs")))
		cJSON_DeleteItemFromObjectCaseSensitive(o, "Outputs");
	cJSON_AddBoolToObject(o, "EnableTerminationProtection",
			      jtrue(s, "EnableTerminationProtection"));
	cJSON *drift = cJSON_AddObjectToObject(o, "DriftInformation");
	cJSON_AddStringToObject(drift, "StackDriftStatus", "NOT_CHECKED");
	return o;
}

struct cJSON *cfn_op_describe_stacks(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "StackName");
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "Stacks");
	if (name) {
		cJSON *s = find_stack(call, name, err);
		if (!s) {
			cJSON_Delete(out);
			return NULL;
		}
		cJSON_AddItemToArray(list, stack_shape(s));
		cJSON_Delete(s);
		return out;
	}
	cJSON *all = cfn_store_list_stacks(state(call)->db, call->caller->account, region_of(call),
					   false);
	/* Newest first, as CloudFormation lists them. */
	for (int i = cJSON_GetArraySize(all) - 1; i >= 0; i--)
		cJSON_AddItemToArray(list, stack_shape(cJSON_GetArrayItem(all, i)));
	cJSON_Delete(all);
	return out;
}

struct cJSON *cfn_op_list_stacks(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const cJSON *filter = cJSON_GetObjectItemCaseSensitive(in, "StackStatusFilter");
	cJSON *all = cfn_store_list_stacks(state(call)->db, call->caller->account, region_of(call),
					   true);
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "StackSummaries");
	for (int i = cJSON_GetArraySize(all) - 1; i >= 0; i--) {
		const cJSON *s = cJSON_GetArrayItem(all, i);
		const char *status = jstr(s, "StackStatus");
		bool wanted = !filter || !filter->child;
		const cJSON *f;
		cJSON_ArrayForEach(f, filter)
		{
			wanted = wanted ||
				 (cJSON_IsString(f) && strcmp(f->valuestring, status) == 0);
		}
		if (!wanted)
			continue;
		cJSON *o = cJSON_CreateObject();
		copy_member(o, s, "StackId");
		copy_member(o, s, "StackName");
		const char *desc = jstr(s, "Description");
		if (desc)
			cJSON_AddStringToObject(o, "TemplateDescription", desc);
		copy_member(o, s, "CreationTime");
		copy_member(o, s, "LastUpdatedTime");
		copy_member(o, s, "DeletionTime");
		copy_member(o, s, "StackStatus");
		copy_member(o, s, "StackStatusReason");
		cJSON *drift = cJSON_AddObjectToObject(o, "DriftInformation");
		cJSON_AddStringToObject(drift, "StackDriftStatus", "NOT_CHECKED");
		cJSON_AddItemToArray(list, o);
	}
	cJSON_Delete(all);
	return out;
}

/* Page a list: NextToken is the offset of the next item. */
static cJSON *page(cJSON *items, const cJSON *in, int size, const char *member)
{
	int start = 0;
	const char *token = jstr(in, "NextToken");
	if (token)
		start = atoi(token);
	int n = cJSON_GetArraySize(items);
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, member);
	for (int i = start; i < n && i < start + size; i++)
		cJSON_AddItemToArray(list, cJSON_Duplicate(cJSON_GetArrayItem(items, i), true));
	if (start + size < n) {
		char next[16];
		snprintf(next, sizeof(next), "%d", start + size);
		cJSON_AddStringToObject(out, "NextToken", next);
	}
	cJSON_Delete(items);
	return out;
}

struct cJSON *cfn_op_describe_stack_events(struct svc_call *call, const cJSON *in,
					   struct aws_err *err)
{
	cJSON *s = find_stack_as(call, jstr(in, "StackName"), true, err);
	if (!s)
		return NULL;
	cJSON *events = cfn_store_events(state(call)->db, jstr(s, "StackId"));
	cJSON_Delete(s);
	return page(events, in, 100, "StackEvents");
}

/* A resource entry as DescribeStackResources (detail: DescribeStackResource) answers it. */
static cJSON *resource_shape(const cJSON *stack, const cJSON *e, bool summary, bool detail)
{
	cJSON *o = cJSON_CreateObject();
	if (!summary) {
		copy_member(o, stack, "StackName");
		copy_member(o, stack, "StackId");
	}
	copy_member(o, e, "LogicalResourceId");
	const char *phys = jstr(e, "PhysicalResourceId");
	if (phys && *phys)
		cJSON_AddStringToObject(o, "PhysicalResourceId", phys);
	cJSON_AddStringToObject(o, "ResourceType", jstr(e, "Type") ? jstr(e, "Type") : "");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(e, "LastUpdatedTimestamp");
	cJSON_AddItemToObject(o, summary || detail ? "LastUpdatedTimestamp" : "Timestamp",
			      ts ? cJSON_Duplicate(ts, true) : cJSON_CreateNumber(0));
	copy_member(o, e, "ResourceStatus");
	copy_member(o, e, "ResourceStatusReason");
	if (detail) {
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(e, "Definition"), "Metadata");
		if (md) {
			char *text = cJSON_PrintUnformatted(md);
			cJSON_AddStringToObject(o, "Metadata", text);
			free(text);
		}
	}
	cJSON *drift = cJSON_AddObjectToObject(o, "DriftInformation");
	cJSON_AddStringToObject(drift, "StackResourceDriftStatus", "NOT_CHECKED");
	return o;
}

struct cJSON *cfn_op_describe_stack_resources(struct svc_call *call, const cJSON *in,
					      struct aws_err *err)
{
	const char *name = jstr(in, "StackName"), *phys = jstr(in, "PhysicalResourceId");
	const char *logical = jstr(in, "LogicalResourceId");
	cJSON *stacks = NULL;
	if (name) {
		cJSON *s = find_stack(call, name, err);
		if (!s)
			return NULL;
		stacks = cJSON_CreateArray();
		cJSON_AddItemToArray(stacks, s);
	} else if (phys) {
		stacks = cfn_store_list_stacks(state(call)->db, call->caller->account,
					       region_of(call), false);
	} else {
		validation(err, "%s", "Either StackName or PhysicalResourceId must be specified.");
		return NULL;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "StackResources");
	const cJSON *s;
	cJSON_ArrayForEach(s, stacks)
	{
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(s, "Resources"))
		{
			if (logical && strcmp(logical, e->string) != 0)
				continue;
			if (phys && (!jstr(e, "PhysicalResourceId") ||
				     strcmp(phys, jstr(e, "PhysicalResourceId")) != 0))
				continue;
			cJSON_AddItemToArray(list, resource_shape(s, e, false, false));
		}
	}
	cJSON_Delete(stacks);
	if (phys && !name && !list->child) {
		cJSON_Delete(out);
		validation(err, "Stack for %s does not exist", phys);
		return NULL;
	}
	return out;
}

struct cJSON *cfn_op_describe_stack_resource(struct svc_call *call, const cJSON *in,
					     struct aws_err *err)
{
	cJSON *s = find_stack(call, jstr(in, "StackName"), err);
	if (!s)
		return NULL;
	const char *logical = jstr(in, "LogicalResourceId");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(s, "Resources"), logical ? logical : "");
	if (!e) {
		char *msg = xasprintf("Resource %s does not exist for stack %s",
				      logical ? logical : "", jstr(s, "StackName"));
		validation(err, "%s", msg);
		free(msg);
		cJSON_Delete(s);
		return NULL;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "StackResourceDetail", resource_shape(s, e, false, true));
	cJSON_Delete(s);
	return out;
}

struct cJSON *cfn_op_list_stack_resources(struct svc_call *call, const cJSON *in,
					  struct aws_err *err)
{
	cJSON *s = find_stack(call, jstr(in, "StackName"), err);
	if (!s)
		return NULL;
	cJSON *items = cJSON_CreateArray();
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(s, "Resources"))
	{
		cJSON_AddItemToArray(items, resource_shape(s, e, true, false));
	}
	cJSON_Delete(s);
	return page(items, in, 100, "StackResourceSummaries");
}

/* A change set by name (within a stack) or ARN; ChangeSetNotFound when none. */
static cJSON *find_change_set(struct svc_call *call, const cJSON *in, cJSON **stack_out,
			      struct aws_err *err)
{
	const char *cs = jstr(in, "ChangeSetName");
	const char *stack_name = jstr(in, "StackName");
	cJSON *stack = NULL;
	if (cs && strncmp(cs, "arn:", 4) != 0) {
		if (!stack_name) {
			validation(err, "%s",
				   "StackName must be specified if ChangeSetName is not specified "
				   "as an ARN.");
			return NULL;
		}
		stack = find_stack_as(call, stack_name, true, err);
		if (!stack)
			return NULL;
	}
	cJSON *doc =
		cs ? cfn_store_get_change_set(state(call)->db, jstr(stack, "StackId"), cs) : NULL;
	if (doc &&
	    strcmp(jstr(doc, "Account") ? jstr(doc, "Account") : "", call->caller->account) != 0) {
		cJSON_Delete(doc);
		doc = NULL;
	}
	if (!doc) {
		aws_err_set(err, 404, "ChangeSetNotFound", "ChangeSet [%s] does not exist",
			    cs ? cs : "");
		cJSON_Delete(stack);
		return NULL;
	}
	if (stack_out) {
		if (!stack)
			stack = cfn_store_get_stack(state(call)->db, call->caller->account,
						    region_of(call), jstr(doc, "StackId"));
		*stack_out = stack;
	} else {
		cJSON_Delete(stack);
	}
	return doc;
}

struct cJSON *cfn_op_get_template(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *stage = jstr(in, "TemplateStage");
	const cJSON *src = NULL;
	cJSON *holder = NULL;
	if (jstr(in, "ChangeSetName")) {
		holder = find_change_set(call, in, NULL, err);
	} else if (!jstr(in, "StackName")) {
		validation(err, "%s", "StackName is required if ChangeSetName is not specified.");
	} else {
		holder = find_stack(call, jstr(in, "StackName"), err);
	}
	if (!holder)
		return NULL;
	src = holder;
	cJSON *out = cJSON_CreateObject();
	bool transformed = jtrue(src, "Transformed");
	if (stage && strcmp(stage, "Processed") == 0) {
		const cJSON *proc = cJSON_GetObjectItemCaseSensitive(src, "Processed");
		char *text = proc ? cJSON_Print(proc) : xstrdup("{}");
		cJSON_AddStringToObject(out, "TemplateBody", text);
		free(text);
	} else {
		const char *body = jstr(src, "TemplateBody");
		cJSON_AddStringToObject(out, "TemplateBody", body ? body : "{}");
	}
	cJSON *stages = cJSON_AddArrayToObject(out, "StagesAvailable");
	cJSON_AddItemToArray(stages, cJSON_CreateString("Original"));
	if (transformed || cJSON_GetObjectItemCaseSensitive(src, "Processed"))
		cJSON_AddItemToArray(stages, cJSON_CreateString("Processed"));
	cJSON_Delete(holder);
	return out;
}

static cJSON *template_summary(const cJSON *tpl)
{
	cJSON *out = cfn_validate_summary(tpl);
	cJSON *types = cJSON_AddArrayToObject(out, "ResourceTypes");
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(tpl, "Resources"))
	{
		const char *t = jstr(r, "Type");
		bool seen = false;
		const cJSON *x;
		cJSON_ArrayForEach(x, types)
		{
			seen = seen || (t && strcmp(x->valuestring, t) == 0);
		}
		if (t && !seen)
			cJSON_AddItemToArray(types, cJSON_CreateString(t));
	}
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(tpl, "AWSTemplateFormatVersion");
	char *version = v ? cfn_scalar_string(v) : NULL;
	if (version)
		cJSON_AddStringToObject(out, "Version", version);
	free(version);
	return out;
}

struct cJSON *cfn_op_get_template_summary(struct svc_call *call, const cJSON *in,
					  struct aws_err *err)
{
	if (jstr(in, "StackName")) {
		cJSON *s = find_stack(call, jstr(in, "StackName"), err);
		if (!s)
			return NULL;
		cJSON *out = template_summary(cJSON_GetObjectItemCaseSensitive(s, "Processed"));
		cJSON_Delete(s);
		return out;
	}
	struct prepared p = { 0 };
	if (!template_text(call, in, NULL, &p, err))
		return NULL;
	struct error e;
	error_clear(&e);
	p.tpl = cfn_template_parse(p.body, strlen(p.body), &e);
	cJSON *out = NULL;
	if (!p.tpl)
		validation(err, "%s", e.msg);
	else if (!cfn_validate_resources_present(p.tpl, &e))
		validation(err, "%s", e.msg);
	else
		out = template_summary(p.tpl);
	prepared_release(&p);
	return out;
}

struct cJSON *cfn_op_validate_template(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct prepared p = { 0 };
	if (!template_text(call, in, NULL, &p, err))
		return NULL;
	struct error e;
	error_clear(&e);
	p.tpl = cfn_template_parse(p.body, strlen(p.body), &e);
	cJSON *out = NULL;
	if (!p.tpl) {
		validation(err, "%s", e.msg);
		goto done;
	}
	cJSON *transforms = cfn_declared_transforms(p.tpl);
	bool transformed = transforms->child != NULL;
	cJSON_Delete(transforms);
	/* A template with a transform is validated as written; the transform runs when a
	 * stack or change set is made from it. */
	if (!transformed && !cfn_validate(p.tpl, &e)) {
		validation(err, "%s", e.msg);
		goto done;
	}
	if (!transformed && !check_types(p.tpl, err))
		goto done;
	out = cfn_validate_summary(p.tpl);
done:
	prepared_release(&p);
	return out;
}

static const char *const change_set_kept[] = { "Capabilities", "NotificationARNs", "Tags",
					       "RoleARN",      "Description",      NULL };

struct cJSON *cfn_op_create_change_set(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "StackName"), *cs_name = jstr(in, "ChangeSetName");
	const char *type = jstr(in, "ChangeSetType");
	if (!type)
		type = "UPDATE";
	if (!name || !valid_stack_name(name, err))
		return name ? NULL : (validation(err, "%s", "StackName is required"), NULL);
	if (strcmp(type, "CREATE") != 0 && strcmp(type, "UPDATE") != 0) {
		validation(err, "ChangeSetType %s is not offered by the local cloud", type);
		return NULL;
	}
	cJSON *stack =
		cfn_store_get_stack(state(call)->db, call->caller->account, region_of(call), name);
	bool review = stack && strcmp(jstr(stack, "StackStatus"), "REVIEW_IN_PROGRESS") == 0;
	if (strcmp(type, "CREATE") == 0 && stack && !review) {
		char *msg = xasprintf("Stack [%s] already exists and cannot be created again with "
				      "the changeSet [%s].",
				      name, cs_name ? cs_name : "");
		validation(err, "%s", msg);
		free(msg);
		cJSON_Delete(stack);
		return NULL;
	}
	if (strcmp(type, "UPDATE") == 0 && (!stack || review)) {
		validation(err, "Stack [%s] does not exist", name);
		cJSON_Delete(stack);
		return NULL;
	}
	if (strcmp(type, "UPDATE") == 0 && !can_update(stack, err)) {
		cJSON_Delete(stack);
		return NULL;
	}
	if (stack) {
		cJSON *dup =
			cfn_store_get_change_set(state(call)->db, jstr(stack, "StackId"), cs_name);
		if (dup) {
			cJSON_Delete(dup);
			cJSON_Delete(stack);
			aws_err_set(err, 400, "AlreadyExistsException",
				    "ChangeSet %s already exists", cs_name);
			return NULL;
		}
	}
	struct prepared p;
	if (!prepare(call, in, stack, true, &p, err)) {
		cJSON_Delete(stack);
		return NULL;
	}
	if (!stack) {
		stack = new_stack(call, name);
		set_str(stack, "StackStatus", "REVIEW_IN_PROGRESS");
		set_str(stack, "StackStatusReason", "User Initiated");
		cfn_store_put_stack(state(call)->db, stack);
		cfn_stack_event(state(call), stack, "REVIEW_IN_PROGRESS", "User Initiated");
	}
	cJSON *cs = cJSON_CreateObject();
	char *id = new_arn(call, "changeSet", cs_name);
	cJSON_AddStringToObject(cs, "ChangeSetId", id);
	free(id);
	cJSON_AddStringToObject(cs, "ChangeSetName", cs_name);
	copy_member(cs, stack, "StackId");
	copy_member(cs, stack, "StackName");
	cJSON_AddStringToObject(cs, "Account", call->caller->account);
	cJSON_AddStringToObject(cs, "ChangeSetType", type);
	cJSON_AddNumberToObject(cs, "CreationTime", (double)cfn_now_ms(state(call)) / 1000.0);
	for (const char *const *k = change_set_kept; *k; k++)
		copy_member(cs, in, *k);
	cJSON_AddStringToObject(cs, "TemplateBody", p.body);
	cJSON_AddItemToObject(cs, "Processed", cJSON_Duplicate(p.processed, true));
	cJSON_AddBoolToObject(cs, "Transformed", p.transformed);
	cJSON_AddItemToObject(cs, "ParamValues", cJSON_Duplicate(p.values, true));
	cJSON_AddItemToObject(cs, "Parameters", cJSON_Duplicate(p.shown, true));
	if (cJSON_GetObjectItemCaseSensitive(in, "DisableRollback"))
		cJSON_AddBoolToObject(cs, "DisableRollback", jtrue(in, "DisableRollback"));
	struct svc_caller caller;
	stack_caller(call, &caller);
	struct error e;
	error_clear(&e);
	cJSON *changes = cfn_engine_changes(state(call), &caller, review ? NULL : stack,
					    p.processed, p.values, &e);
	if (!changes) {
		cJSON_AddStringToObject(cs, "Status", "FAILED");
		cJSON_AddStringToObject(cs, "StatusReason", e.msg);
		cJSON_AddStringToObject(cs, "ExecutionStatus", "UNAVAILABLE");
		cJSON_AddArrayToObject(cs, "Changes");
	} else {
		bool any =
			changes->child != NULL || (!review && would_change(call, stack, &p, err));
		if (err->code[0]) {
			aws_err_release(err);
			any = changes->child != NULL;
		}
		cJSON_AddStringToObject(cs, "Status", any ? "CREATE_COMPLETE" : "FAILED");
		if (!any)
			cJSON_AddStringToObject(cs, "StatusReason",
						"The submitted information didn't contain changes. "
						"Submit different information to create a change "
						"set.");
		cJSON_AddStringToObject(cs, "ExecutionStatus", any ? "AVAILABLE" : "UNAVAILABLE");
		cJSON_AddItemToObject(cs, "Changes", changes);
	}
	cfn_store_put_change_set(state(call)->db, cs);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Id", jstr(cs, "ChangeSetId"));
	copy_member(out, stack, "StackId");
	cJSON_Delete(cs);
	cJSON_Delete(stack);
	prepared_release(&p);
	return out;
}

struct cJSON *cfn_op_describe_change_set(struct svc_call *call, const cJSON *in,
					 struct aws_err *err)
{
	cJSON *cs = find_change_set(call, in, NULL, err);
	if (!cs)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	static const char *const members[] = { "ChangeSetName", "ChangeSetId",      "StackId",
					       "StackName",     "Description",      "Parameters",
					       "CreationTime",  "ExecutionStatus",  "Status",
					       "StatusReason",  "NotificationARNs", "Capabilities",
					       "Tags",          "Changes",          NULL };
	for (const char *const *m = members; *m; m++)
		copy_member(out, cs, *m);
	if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "Parameters")))
		cJSON_DeleteItemFromObjectCaseSensitive(out, "Parameters");
	cJSON_AddFalseToObject(out, "IncludeNestedStacks");
	cJSON_Delete(cs);
	return out;
}

struct cJSON *cfn_op_execute_change_set(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *stack = NULL;
	cJSON *cs = find_change_set(call, in, &stack, err);
	if (!cs)
		return NULL;
	const char *exec = jstr(cs, "ExecutionStatus");
	if (!stack || !exec || strcmp(exec, "AVAILABLE") != 0) {
		char *msg = xasprintf("ChangeSet [%s] cannot be executed in its current execution "
				      "status of [%s]",
				      jstr(cs, "ChangeSetId"), exec ? exec : "UNAVAILABLE");
		aws_err_set(err, 400, "InvalidChangeSetStatus", "%s", msg);
		free(msg);
		cJSON_Delete(cs);
		cJSON_Delete(stack);
		return NULL;
	}
	bool create = strcmp(jstr(cs, "ChangeSetType"), "CREATE") == 0;
	if (!create && !can_update(stack, err)) {
		cJSON_Delete(cs);
		cJSON_Delete(stack);
		return NULL;
	}
	set_str(cs, "ExecutionStatus", "EXECUTE_IN_PROGRESS");
	cfn_store_put_change_set(state(call)->db, cs);
	set_str(stack, "TemplateBody", jstr(cs, "TemplateBody"));
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cs, "Processed"), "Description");
	set_str(stack, "Description", cJSON_IsString(desc) ? desc->valuestring : NULL);
	copy_member(stack, cs, "Parameters");
	static const char *const kept[] = { "Capabilities", "NotificationARNs", "Tags", "RoleARN",
					    NULL };
	for (const char *const *k = kept; *k; k++)
		copy_member(stack, cs, *k);
	if (cJSON_GetObjectItemCaseSensitive(in, "DisableRollback"))
		set_item(stack, "DisableRollback", cJSON_CreateBool(jtrue(in, "DisableRollback")));
	else
		copy_member(stack, cs, "DisableRollback");
	set_str(stack, "ChangeSetId", jstr(cs, "ChangeSetId"));
	set_str(stack, "ExecutingChangeSet", jstr(cs, "ChangeSetId"));
	begin(call, stack, create ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS");
	struct cfn_target target = {
		.processed =
			cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cs, "Processed"), true),
		.param_values =
			cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cs, "ParamValues"), true),
	};
	cJSON_Delete(cs);
	struct svc_caller caller;
	stack_caller(call, &caller);
	cfn_engine_start(state(call), &caller, stack, create ? CFN_CREATE : CFN_UPDATE, &target);
	return cJSON_CreateObject();
}

struct cJSON *cfn_op_delete_change_set(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *stack = NULL;
	cJSON *cs = find_change_set(call, in, &stack, err);
	if (!cs)
		return NULL;
	const char *exec = jstr(cs, "ExecutionStatus");
	if (exec && strcmp(exec, "EXECUTE_IN_PROGRESS") == 0) {
		aws_err_set(err, 400, "InvalidChangeSetStatus",
			    "Cannot delete ChangeSet in status EXECUTE_IN_PROGRESS");
		cJSON_Delete(cs);
		cJSON_Delete(stack);
		return NULL;
	}
	cfn_store_delete_change_set(state(call)->db, jstr(cs, "ChangeSetId"));
	/* A stack made for a CREATE change set goes with its last change set. */
	if (stack && strcmp(jstr(stack, "StackStatus"), "REVIEW_IN_PROGRESS") == 0) {
		cJSON *left = cfn_store_list_change_sets(state(call)->db, jstr(stack, "StackId"));
		if (!left->child) {
			set_str(stack, "StackStatus", "DELETE_COMPLETE");
			set_item(stack, "DeletionTime",
				 cJSON_CreateNumber((double)cfn_now_ms(state(call)) / 1000.0));
			cfn_store_put_stack(state(call)->db, stack);
		}
		cJSON_Delete(left);
	}
	cJSON_Delete(cs);
	cJSON_Delete(stack);
	return cJSON_CreateObject();
}

struct cJSON *cfn_op_list_change_sets(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *s = find_stack(call, jstr(in, "StackName"), err);
	if (!s)
		return NULL;
	cJSON *all = cfn_store_list_change_sets(state(call)->db, jstr(s, "StackId"));
	cJSON *items = cJSON_CreateArray();
	const cJSON *cs;
	cJSON_ArrayForEach(cs, all)
	{
		cJSON *o = cJSON_CreateObject();
		static const char *const members[] = { "StackId",         "StackName",
						       "ChangeSetId",     "ChangeSetName",
						       "ExecutionStatus", "Status",
						       "StatusReason",    "CreationTime",
						       "Description",     NULL };
		for (const char *const *m = members; *m; m++)
			copy_member(o, cs, *m);
		cJSON_AddFalseToObject(o, "IncludeNestedStacks");
		cJSON_AddItemToArray(items, o);
	}
	cJSON_Delete(all);
	cJSON_Delete(s);
	return page(items, in, 100, "Summaries");
}

struct cJSON *cfn_op_list_exports(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return page(cfn_store_exports(state(call)->db, call->caller->account, region_of(call)), in,
		    100, "Exports");
}

struct cJSON *cfn_op_list_imports(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "ExportName");
	char *value = name ? cfn_store_export_value(state(call)->db, call->caller->account,
						    region_of(call), name)
			   : NULL;
	if (!value) {
		validation(err, "Export '%s' does not exist.", name ? name : "");
		return NULL;
	}
	free(value);
	cJSON *stacks = cfn_store_list_stacks(state(call)->db, call->caller->account,
					      region_of(call), false);
	cJSON *items = cJSON_CreateArray();
	const cJSON *s;
	cJSON_ArrayForEach(s, stacks)
	{
		const cJSON *imp;
		cJSON_ArrayForEach(imp, cJSON_GetObjectItemCaseSensitive(s, "Imports"))
		{
			if (cJSON_IsString(imp) && strcmp(imp->valuestring, name) == 0)
				cJSON_AddItemToArray(items,
						     cJSON_CreateString(jstr(s, "StackName")));
		}
	}
	cJSON_Delete(stacks);
	return page(items, in, 100, "Imports");
}
/* Providers name services as CloudFormation's types do; HTTP APIs sign as "apigateway" too,
 * so their row is found by its model id. */
static const char *row_name(const char *name)
{
	return strcmp(name, "apigatewayv2") == 0 ? "apigatewayv2-2018-11-29" : name;
}

static cJSON *call_service(struct cloud *c, const struct svc_caller *caller, const char *service,
			   const char *op, const cJSON *input, struct aws_err *err)
{
	return svc_call_internal(c, caller, row_name(service), op, input, err);
}

static bool has_service(struct cloud *c, const char *name)
{
	return svc_find(row_name(name)) != NULL;
}

static bool start(struct cloud *c, struct error *err)
{
	c->cfn = cfn_svc_new(c, c->db, c->vclock, call_service, has_service);
	if (!c->cfn)
		return error_set(err, "cannot open CloudFormation's tables");
	return true;
}

static void stop(struct cloud *c)
{
	cfn_svc_stop(c->cfn);
}

static void free_all(struct cloud *c)
{
	cfn_svc_free(c->cfn);
	c->cfn = NULL;
}

static void reset(struct cloud *c, const char *account)
{
	cfn_store_reset_account(c->db, account);
}

/* Sorted by name, as the table looks them up. */
static const struct svc_op ops[] = {
	{ "CreateChangeSet", cfn_op_create_change_set },
	{ "CreateStack", cfn_op_create_stack },
	{ "DeleteChangeSet", cfn_op_delete_change_set },
	{ "DeleteStack", cfn_op_delete_stack },
	{ "DescribeChangeSet", cfn_op_describe_change_set },
	{ "DescribeStackEvents", cfn_op_describe_stack_events },
	{ "DescribeStackResource", cfn_op_describe_stack_resource },
	{ "DescribeStackResources", cfn_op_describe_stack_resources },
	{ "DescribeStacks", cfn_op_describe_stacks },
	{ "ExecuteChangeSet", cfn_op_execute_change_set },
	{ "GetTemplate", cfn_op_get_template },
	{ "GetTemplateSummary", cfn_op_get_template_summary },
	{ "ListChangeSets", cfn_op_list_change_sets },
	{ "ListExports", cfn_op_list_exports },
	{ "ListImports", cfn_op_list_imports },
	{ "ListStackResources", cfn_op_list_stack_resources },
	{ "ListStacks", cfn_op_list_stacks },
	{ "UpdateStack", cfn_op_update_stack },
	{ "ValidateTemplate", cfn_op_validate_template },
};

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const cfn_members[] = {
	"CreateChangeSet Capabilities ChangeSetName ChangeSetType -ClientToken Description "
	"-ImportExistingResources -IncludeNestedStacks NotificationARNs -OnStackFailure "
	"Parameters -ResourceTypes -ResourcesToImport RoleARN -RollbackConfiguration "
	"StackName Tags TemplateBody TemplateURL UsePreviousTemplate",
	"CreateStack Capabilities -ClientRequestToken DisableRollback "
	"EnableTerminationProtection NotificationARNs OnFailure Parameters -ResourceTypes "
	"-RetainExceptOnCreate RoleARN -RollbackConfiguration StackName -StackPolicyBody "
	"-StackPolicyURL Tags TemplateBody TemplateURL TimeoutInMinutes",
	"DeleteChangeSet ChangeSetName StackName",
	"DeleteStack -ClientRequestToken -DeletionMode RetainResources RoleARN StackName",
	"DescribeChangeSet ChangeSetName -IncludePropertyValues NextToken StackName",
	"DescribeStackEvents NextToken StackName",
	"DescribeStackResource LogicalResourceId StackName",
	"DescribeStackResources LogicalResourceId PhysicalResourceId StackName",
	"DescribeStacks NextToken StackName",
	"ExecuteChangeSet ChangeSetName -ClientRequestToken DisableRollback "
	"-RetainExceptOnCreate StackName",
	"GetTemplate ChangeSetName StackName TemplateStage",
	"GetTemplateSummary -CallAs StackName -StackSetName TemplateBody "
	"-TemplateSummaryConfig TemplateURL",
	"ListChangeSets NextToken StackName",
	"ListExports NextToken",
	"ListImports ExportName NextToken",
	"ListStackResources NextToken StackName",
	"ListStacks NextToken StackStatusFilter",
	"UpdateStack Capabilities -ClientRequestToken DisableRollback NotificationARNs "
	"Parameters -ResourceTypes -RetainExceptOnCreate RoleARN -RollbackConfiguration "
	"StackName -StackPolicyBody -StackPolicyDuringUpdateBody -StackPolicyDuringUpdateURL "
	"-StackPolicyURL Tags TemplateBody TemplateURL UsePreviousTemplate",
	"ValidateTemplate TemplateBody TemplateURL",
	NULL,
};

const struct cloud_service cfn_service = {
	.name = "cloudformation",
	.model = "cloudformation-2010-05-15",
	.title = "AWS CloudFormation",
	.query_version = "2010-05-15",
	.start = start,
	.stop = stop,
	.free = free_all,
	.reset_account = reset,
	.migrations = cfn_store_migrations,
	.nmigrations = CFN_STORE_NMIGRATIONS,
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = cfn_members,
};
