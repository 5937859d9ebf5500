/*
 * Stack operations: creation, update (in place or by replacement, with a cleanup phase),
 * deletion, and the rollback of each, one resource at a time in dependency order, writing
 * the stack document and its events as they go.
 */
#include "cloud/cfn/engine.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/cfn/graph.h"
#include "cloud/cfn/intrinsic.h"
#include "cloud/cfn/provider.h"
#include "cloud/cfn/store.h"
#include "cloud/clock/vclock.h"
#include "core/digest.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

struct cfn_svc *cfn_svc_new(struct cloud *c, struct cloud_db *db, struct vclock *clock,
			    cfn_call_fn call, cfn_has_fn has)
{
	if (!cfn_store_open(db))
		return NULL;
	struct cfn_svc *cfn = xcalloc(1, sizeof(*cfn));
	cfn->cloud = c;
	cfn->db = db;
	cfn->clock = clock;
	cfn->call = call;
	cfn->has = has;
	pthread_mutex_init(&cfn->mu, NULL);
	pthread_cond_init(&cfn->cond, NULL);
	return cfn;
}

void cfn_svc_stop(struct cfn_svc *cfn)
{
	if (!cfn)
		return;
	pthread_mutex_lock(&cfn->mu);
	cfn->stopping = true;
	vclock_kick(cfn->clock);
	while (cfn->workers > 0)
		pthread_cond_wait(&cfn->cond, &cfn->mu);
	pthread_mutex_unlock(&cfn->mu);
}

void cfn_svc_free(struct cfn_svc *cfn)
{
	if (!cfn)
		return;
	cfn_svc_stop(cfn);
	pthread_mutex_destroy(&cfn->mu);
	pthread_cond_destroy(&cfn->cond);
	free(cfn);
}

int64_t cfn_now_ms(struct cfn_svc *cfn)
{
	return vclock_now_ms(cfn->clock, NULL);
}

void cfn_uuid(struct cfn_svc *cfn, char out[37])
{
	/* Name-independent randomness: the time, a counter and the process, hashed. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&cfn->mu);
	unsigned seq = ++cfn->seq;
	pthread_mutex_unlock(&cfn->mu);
	char seed[96];
	int n = snprintf(seed, sizeof(seed), "%lld.%ld.%u.%p", (long long)ts.tv_sec, ts.tv_nsec,
			 seq, (void *)cfn);
	unsigned char h[SHA256_LEN];
	sha256(seed, (size_t)n, h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	static const char hex[] = "0123456789abcdef";
	int o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
	}
	out[o] = '\0';
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void set_str(cJSON *o, const char *k, const char *v)
{
	if (!v) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, k);
		return;
	}
	cJSON *n = cJSON_CreateString(v);
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, n);
	else
		cJSON_AddItemToObject(o, k, n);
}

static void set_item(cJSON *o, const char *k, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
	else
		cJSON_AddItemToObject(o, k, v);
}

static void set_time(struct cfn_svc *cfn, cJSON *o, const char *k)
{
	set_item(o, k, cJSON_CreateNumber((double)cfn_now_ms(cfn) / 1000.0));
}

static void add_event(struct cfn_svc *cfn, const cJSON *stack, const char *logical,
		      const char *physical, const char *type, const char *status,
		      const char *reason, const cJSON *props)
{
	char id[37];
	cfn_uuid(cfn, id);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "StackId", jstr(stack, "StackId"));
	if (strcmp(type, "AWS::CloudFormation::Stack") == 0) {
		cJSON_AddStringToObject(e, "EventId", id);
	} else {
		char *eid = xasprintf("%s-%s", logical, id);
		cJSON_AddStringToObject(e, "EventId", eid);
		free(eid);
	}
	cJSON_AddStringToObject(e, "StackName", jstr(stack, "StackName"));
	cJSON_AddStringToObject(e, "LogicalResourceId", logical);
	cJSON_AddStringToObject(e, "PhysicalResourceId", physical ? physical : "");
	cJSON_AddStringToObject(e, "ResourceType", type);
	cJSON_AddNumberToObject(e, "Timestamp", (double)cfn_now_ms(cfn) / 1000.0);
	cJSON_AddStringToObject(e, "ResourceStatus", status);
	if (reason)
		cJSON_AddStringToObject(e, "ResourceStatusReason", reason);
	if (props) {
		char *p = cJSON_PrintUnformatted(props);
		cJSON_AddStringToObject(e, "ResourceProperties", p);
		free(p);
	}
	cfn_store_add_event(cfn->db, jstr(stack, "StackId"), e);
	cJSON_Delete(e);
}

void cfn_stack_event(struct cfn_svc *cfn, const cJSON *stack, const char *status,
		     const char *reason)
{
	add_event(cfn, stack, jstr(stack, "StackName"), jstr(stack, "StackId"),
		  "AWS::CloudFormation::Stack", status, reason, NULL);
}

/* One operation in flight. */
struct op {
	struct cfn_svc *cfn;
	struct svc_caller caller;
	enum cfn_action action;
	cJSON *stack;         /* the document, saved after every step */
	cJSON *old_tpl;       /* the processed template before (NULL on creation) */
	cJSON *new_tpl;       /* the processed template to reach (NULL on deletion) */
	cJSON *new_values;    /* its parameter values */
	cJSON *old_entries;   /* logical id -> the resource entry before this operation */
	cJSON *created;       /* logical ids created by this operation, in order */
	cJSON *updated;       /* logical ids updated in place, in order */
	cJSON *replaced;      /* old entries replaced by new physical resources */
	cJSON *imports;       /* export names Fn::ImportValue read */
	cJSON *retain;        /* DeleteStack's ResourcesToRetain */
	cJSON *conds;         /* condition values of new_tpl */
	struct strbuf failed; /* "A, B" */
	/* Planning a change set: references to resources not yet made evaluate to a marker,
	 * and dynamic says one was met. */
	bool planning, dynamic;
	/* The request waiting for the operation to settle: settled once the operation has
	 * finished or waits on the clock; the worker and the request each hold a reference. */
	bool settled;
	int refs;
};

static cJSON *resources_of(cJSON *stack)
{
	cJSON *r = cJSON_GetObjectItemCaseSensitive(stack, "Resources");
	if (!r)
		r = cJSON_AddObjectToObject(stack, "Resources");
	return r;
}

static void save(struct op *op)
{
	cfn_store_put_stack(op->cfn->db, op->stack);
}

static void set_status(struct op *op, const char *status, const char *reason)
{
	set_str(op->stack, "StackStatus", status);
	set_str(op->stack, "StackStatusReason", reason);
	save(op);
	cfn_stack_event(op->cfn, op->stack, status, reason);
}

static bool stopping(struct op *op)
{
	pthread_mutex_lock(&op->cfn->mu);
	bool s = op->cfn->stopping;
	pthread_mutex_unlock(&op->cfn->mu);
	return s;
}

/* Resolution of Ref and Fn::GetAtt against the resources as they stand. */
static bool eval_ref(void *arg, const char *logical, cJSON **out, struct error *err)
{
	struct op *op = arg;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(resources_of(op->stack), logical);
	const char *phys = jstr(e, "PhysicalResourceId");
	if ((!phys || !*phys) && op->planning) {
		op->dynamic = true;
		char *marker = xasprintf("{{changeset:%s}}", logical);
		*out = cJSON_CreateString(marker);
		free(marker);
		return true;
	}
	if (!phys || !*phys)
		return error_set(err,
				 "Template format error: Unresolved resource dependencies [%s] in "
				 "the Resources block of the template",
				 logical);
	*out = cJSON_CreateString(phys);
	return true;
}

static bool eval_getatt(void *arg, const char *logical, const char *att, cJSON **out,
			struct error *err)
{
	struct op *op = arg;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(resources_of(op->stack), logical);
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(e, "Attributes");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(attrs, att);
	if (v) {
		*out = cJSON_Duplicate(v, true);
		return true;
	}
	if (op->planning && (!e || !jstr(e, "PhysicalResourceId"))) {
		op->dynamic = true;
		char *marker = xasprintf("{{changeset:%s.%s}}", logical, att);
		*out = cJSON_CreateString(marker);
		free(marker);
		return true;
	}
	const struct cfn_provider *p = cfn_provider_find(jstr(e, "Type") ? jstr(e, "Type") : "");
	bool known = false;
	for (const char *const *a = p ? p->attributes : NULL; a && *a; a++)
		known = known || strcmp(*a, att) == 0;
	if (!e || !jstr(e, "PhysicalResourceId"))
		return error_set(err,
				 "Template format error: Unresolved resource dependencies [%s] in "
				 "the Resources block of the template",
				 logical);
	if (known)
		return error_set(err, "Template error: attribute %s of resource %s has no value",
				 att, logical);
	return error_set(err,
			 "Template error: resource %s does not support attribute type %s in "
			 "Fn::GetAtt",
			 logical, att);
}

static bool eval_import(void *arg, const char *name, cJSON **out, struct error *err)
{
	struct op *op = arg;
	char *v = cfn_store_export_value(op->cfn->db, op->caller.account, op->caller.region, name);
	if (!v)
		return error_set(err, "No export named %s found.", name);
	*out = cJSON_CreateString(v);
	free(v);
	bool seen = false;
	const cJSON *it;
	cJSON_ArrayForEach(it, op->imports)
	{
		seen = seen || strcmp(it->valuestring, name) == 0;
	}
	if (!seen)
		cJSON_AddItemToArray(op->imports, cJSON_CreateString(name));
	return true;
}

static void eval_init(struct op *op, struct cfn_eval *ev, const cJSON *tpl, const cJSON *values)
{
	memset(ev, 0, sizeof(*ev));
	ev->account = op->caller.account;
	ev->region = op->caller.region;
	ev->partition = "aws";
	ev->stack_name = jstr(op->stack, "StackName");
	ev->stack_id = jstr(op->stack, "StackId");
	ev->notification_arns = cJSON_GetObjectItemCaseSensitive(op->stack, "NotificationARNs");
	ev->params = values;
	ev->mappings = cJSON_GetObjectItemCaseSensitive(tpl, "Mappings");
	ev->cond_defs = cJSON_GetObjectItemCaseSensitive(tpl, "Conditions");
	ev->cond_values = op->conds;
	ev->resources = cJSON_GetObjectItemCaseSensitive(tpl, "Resources");
	ev->ref = eval_ref;
	ev->getatt = eval_getatt;
	ev->import = eval_import;
	ev->arg = op;
}

static const char *service_name(const char *signing)
{
	static const struct {
		const char *signing, *name;
	} names[] = {
		{ "lambda", "Lambda" },
		{ "sqs", "Sqs" },
		{ "s3", "S3" },
		{ "sns", "Sns" },
		{ "logs", "CloudWatchLogs" },
		{ "apigateway", "ApiGateway" },
		{ "events", "EventBridge" },
		{ "apigatewayv2", "ApiGatewayV2" },
		{ "monitoring", "CloudWatch" },
		{ "iam", "Iam" },
		{ "dynamodb", "DynamoDb" },
		{ "ssm", "Ssm" },
		{ "elasticloadbalancing", "ElasticLoadBalancingV2" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i].signing, signing) == 0)
			return names[i].name;
	}
	return signing;
}

/* A provider's failure as CloudFormation words a handler's error in an event. */
static char *failure_reason(struct op *op, const char *logical, const struct aws_err *e)
{
	if (strcmp(e->code, "PropertiesValidation") == 0)
		return xasprintf("Properties validation failed for resource %s with message: %s",
				 logical, e->message);
	if (strcmp(e->code, "CfnPlain") == 0)
		return xstrdup(e->message);
	const char *handler = e->status == 404                          ? "NotFound"
			      : e->status == 409                        ? "AlreadyExists"
			      : e->status == 403                        ? "AccessDenied"
			      : e->status == 429                        ? "Throttling"
			      : e->status >= 500                        ? "ServiceInternalError"
			      : strstr(e->code, "NotFound") != NULL     ? "NotFound"
			      : strstr(e->code, "AlreadyExist") != NULL ? "AlreadyExists"
									: "InvalidRequest";
	const cJSON *svc = cJSON_GetObjectItemCaseSensitive(e->fields, "__service");
	char rid[37], token[37];
	cfn_uuid(op->cfn, rid);
	cfn_uuid(op->cfn, token);
	return xasprintf("Resource handler returned message: \"%s (Service: %s, Status Code: %d, "
			 "Request ID: %s)\" (RequestToken: %s, HandlerErrorCode: %s)",
			 e->message, cJSON_IsString(svc) ? service_name(svc->valuestring) : "AWS",
			 e->status, rid, token, handler);
}

/* A resource is named once in the failure message, however many times it failed (a delete
 * retried fails again). */
static void note_failed(struct op *op, const char *logical)
{
	size_t n = strlen(logical);
	for (const char *p = n ? strbuf_str(&op->failed) : NULL; p && (p = strstr(p, logical));
	     p += n)
		if ((p == op->failed.buf || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return;
	if (op->failed.len)
		strbuf_addstr(&op->failed, ", ");
	strbuf_addstr(&op->failed, logical);
}

static void res_init(struct op *op, struct cfn_res *r, const char *logical, const char *type,
		     const cJSON *definition)
{
	memset(r, 0, sizeof(*r));
	r->cfn = op->cfn;
	r->cloud = op->cfn->cloud;
	r->caller = &op->caller;
	r->stack_name = jstr(op->stack, "StackName");
	r->stack_id = jstr(op->stack, "StackId");
	r->logical_id = logical;
	r->type = type;
	r->definition = definition;
	r->op = op;
}

void cfn_engine_park(struct cfn_res *r)
{
	struct op *op = r->op;
	pthread_mutex_lock(&op->cfn->mu);
	op->settled = true;
	pthread_cond_broadcast(&op->cfn->cond);
	pthread_mutex_unlock(&op->cfn->mu);
}

bool cfn_engine_wait(struct cfn_res *r, int64_t due_ms, int max_real_ms)
{
	struct op *op = r->op;
	pthread_mutex_lock(&op->cfn->mu);
	if (!op->cfn->stopping)
		vclock_wait(op->cfn->clock, &op->cfn->cond, &op->cfn->mu, NULL, due_ms,
			    max_real_ms);
	bool go_on = !op->cfn->stopping;
	pthread_mutex_unlock(&op->cfn->mu);
	return go_on;
}

void cfn_engine_note(struct cfn_res *r, const char *status, const char *reason)
{
	struct op *op = r->op;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(resources_of(op->stack), r->logical_id);
	add_event(op->cfn, op->stack, r->logical_id, jstr(e, "PhysicalResourceId"), r->type, status,
		  reason, NULL);
}

cJSON *cfn_engine_resource_props(struct cfn_res *r, const char *physical)
{
	struct op *op = r->op;
	const cJSON *e;
	cJSON_ArrayForEach(e, resources_of(op->stack))
	{
		const char *p = jstr(e, "PhysicalResourceId");
		if (p && physical && strcmp(p, physical) == 0)
			return cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "Properties"),
					       true);
	}
	return NULL;
}

static void res_release(struct cfn_res *r)
{
	free(r->physical);
	cJSON_Delete(r->attrs);
}

/* The entry a resource has in the stack document. */
static cJSON *new_entry(const char *logical, const char *type, const cJSON *definition)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "LogicalResourceId", logical);
	cJSON_AddStringToObject(e, "Type", type);
	cJSON_AddItemToObject(e, "Definition", cJSON_Duplicate(definition, true));
	return e;
}

static void put_entry(struct op *op, const char *logical, cJSON *entry)
{
	set_item(resources_of(op->stack), logical, entry);
}

static void entry_status(struct op *op, cJSON *e, const char *status, const char *reason)
{
	set_str(e, "ResourceStatus", status);
	set_str(e, "ResourceStatusReason", reason);
	set_time(op->cfn, e, "LastUpdatedTimestamp");
	save(op);
}

/* Create one resource. Returns false when it failed (its event written). */
static bool create_resource(struct op *op, const char *logical, const cJSON *def,
			    const cJSON *props, bool replacing)
{
	const char *type = jstr(def, "Type");
	cJSON *e = replacing ? cJSON_GetObjectItemCaseSensitive(resources_of(op->stack), logical)
			     : NULL;
	const char *in_progress = replacing ? "UPDATE_IN_PROGRESS" : "CREATE_IN_PROGRESS";
	const char *complete = replacing ? "UPDATE_COMPLETE" : "CREATE_COMPLETE";
	const char *failed = replacing ? "UPDATE_FAILED" : "CREATE_FAILED";
	if (!e) {
		e = new_entry(logical, type, def);
		put_entry(op, logical, e);
	}
	entry_status(op, e, in_progress, NULL);
	add_event(op->cfn, op->stack, logical, replacing ? jstr(e, "PhysicalResourceId") : "", type,
		  in_progress,
		  replacing ? "Requested update requires the creation of a new physical resource; "
			      "hence creating one."
			    : NULL,
		  props);
	const struct cfn_provider *p = cfn_provider_find(type);
	if (!p) {
		char *reason = cfn_provider_known_type(type)
				       ? xasprintf("Resource type %s is not supported by the "
						   "local cloud",
						   type)
				       : xasprintf("Unrecognized resource types: [%s]", type);
		entry_status(op, e, failed, reason);
		add_event(op->cfn, op->stack, logical, "", type, failed, reason, props);
		free(reason);
		note_failed(op, logical);
		return false;
	}
	struct cfn_res r;
	res_init(op, &r, logical, type, def);
	struct aws_err err;
	memset(&err, 0, sizeof(err));
	bool ok = p->create(&r, props, &err);
	if (!ok) {
		char *reason = failure_reason(op, logical, &err);
		if (!replacing)
			set_str(e, "PhysicalResourceId", NULL);
		entry_status(op, e, failed, reason);
		add_event(op->cfn, op->stack, logical,
			  replacing ? jstr(e, "PhysicalResourceId") : "", type, failed, reason,
			  props);
		free(reason);
		aws_err_release(&err);
		res_release(&r);
		note_failed(op, logical);
		return false;
	}
	assert(r.physical);
	add_event(op->cfn, op->stack, logical, r.physical, type, in_progress,
		  replacing ? NULL : "Resource creation Initiated", props);
	if (replacing) {
		/* The old physical resource is deleted in the cleanup phase. */
		cJSON *old = cJSON_Duplicate(e, true);
		cJSON_AddItemToArray(op->replaced, old);
	}
	set_str(e, "PhysicalResourceId", r.physical);
	set_str(e, "Type", type);
	set_item(e, "Properties", cJSON_Duplicate(props, true));
	set_item(e, "Attributes", r.attrs ? r.attrs : cJSON_CreateObject());
	r.attrs = NULL;
	set_item(e, "Definition", cJSON_Duplicate(def, true));
	entry_status(op, e, complete, r.note);
	add_event(op->cfn, op->stack, logical, r.physical, type, complete, r.note, props);
	res_release(&r);
	if (!replacing)
		cJSON_AddItemToArray(op->created, cJSON_CreateString(logical));
	return true;
}

static bool replace_needed(const struct cfn_provider *p, const cJSON *old_props, const cJSON *props)
{
	if (!p->update)
		return true;
	for (const char *const *name = p->replace; name && *name; name++) {
		if (cfn_prop_changed(old_props, props, *name))
			return true;
	}
	return false;
}

/* Update one resource in place (or by replacement). Returns false when it failed. */
static bool update_resource(struct op *op, const char *logical, const cJSON *def,
			    const cJSON *props, const cJSON *update_policy)
{
	cJSON *e = cJSON_GetObjectItemCaseSensitive(resources_of(op->stack), logical);
	const char *type = jstr(def, "Type");
	const struct cfn_provider *p = cfn_provider_find(type);
	const cJSON *old_props = cJSON_GetObjectItemCaseSensitive(e, "Properties");
	if (!p || strcmp(type, jstr(e, "Type")) != 0 || replace_needed(p, old_props, props))
		return create_resource(op, logical, def, props, true);
	const char *phys = jstr(e, "PhysicalResourceId");
	char *physical = xstrdup(phys ? phys : "");
	cJSON_AddItemToObject(op->old_entries, logical, cJSON_Duplicate(e, true));
	cJSON_AddItemToArray(op->updated, cJSON_CreateString(logical));
	entry_status(op, e, "UPDATE_IN_PROGRESS", NULL);
	add_event(op->cfn, op->stack, logical, physical, type, "UPDATE_IN_PROGRESS", NULL, props);
	struct cfn_res r;
	res_init(op, &r, logical, type, def);
	r.update_policy = update_policy;
	struct aws_err err;
	memset(&err, 0, sizeof(err));
	bool ok = p->update(&r, physical, old_props, props,
			    cJSON_GetObjectItemCaseSensitive(e, "Attributes"), &err);
	if (!ok) {
		char *reason = failure_reason(op, logical, &err);
		entry_status(op, e, "UPDATE_FAILED", reason);
		add_event(op->cfn, op->stack, logical, physical, type, "UPDATE_FAILED", reason,
			  props);
		free(reason);
		aws_err_release(&err);
		note_failed(op, logical);
	} else {
		if (r.physical)
			set_str(e, "PhysicalResourceId", r.physical);
		if (r.attrs) {
			set_item(e, "Attributes", r.attrs);
			r.attrs = NULL;
		}
		set_item(e, "Properties", cJSON_Duplicate(props, true));
		set_item(e, "Definition", cJSON_Duplicate(def, true));
		entry_status(op, e, "UPDATE_COMPLETE", r.note);
		add_event(op->cfn, op->stack, logical, jstr(e, "PhysicalResourceId"), type,
			  "UPDATE_COMPLETE", r.note, props);
	}
	res_release(&r);
	free(physical);
	return ok;
}

/* Delete the physical resource an entry describes. Returns false when it failed. */
static bool delete_entry(struct op *op, const char *logical, cJSON *e, bool keep_entry)
{
	const char *type = jstr(e, "Type");
	const char *phys = jstr(e, "PhysicalResourceId");
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(e, "Definition");
	const char *policy = jstr(def, "DeletionPolicy");
	bool retained = (policy && strcmp(policy, "Retain") == 0);
	const cJSON *it;
	cJSON_ArrayForEach(it, op->retain)
	{
		retained =
			retained || (cJSON_IsString(it) && strcmp(it->valuestring, logical) == 0);
	}
	if (!phys || !*phys) {
		/* Never created (it failed): nothing to delete. */
		return true;
	}
	char *physical = xstrdup(phys);
	bool ok = true;
	if (retained) {
		add_event(op->cfn, op->stack, logical, physical, type, "DELETE_SKIPPED", NULL,
			  NULL);
		goto done;
	}
	if (keep_entry)
		entry_status(op, e, "DELETE_IN_PROGRESS", NULL);
	add_event(op->cfn, op->stack, logical, physical, type, "DELETE_IN_PROGRESS", NULL, NULL);
	const struct cfn_provider *p = cfn_provider_find(type);
	if (p) {
		struct cfn_res r;
		res_init(op, &r, logical, type, def);
		struct aws_err err;
		memset(&err, 0, sizeof(err));
		ok = p->remove(&r, physical, cJSON_GetObjectItemCaseSensitive(e, "Properties"),
			       cJSON_GetObjectItemCaseSensitive(e, "Attributes"), &err);
		if (!ok) {
			char *reason = failure_reason(op, logical, &err);
			if (keep_entry)
				entry_status(op, e, "DELETE_FAILED", reason);
			add_event(op->cfn, op->stack, logical, physical, type, "DELETE_FAILED",
				  reason, NULL);
			free(reason);
			note_failed(op, logical);
		}
		aws_err_release(&err);
		res_release(&r);
	}
	if (ok) {
		if (keep_entry)
			entry_status(op, e, "DELETE_COMPLETE", NULL);
		add_event(op->cfn, op->stack, logical, physical, type, "DELETE_COMPLETE", NULL,
			  NULL);
	}
done:
	free(physical);
	return ok;
}

/* The resources of tpl in creation order, as an array of logical ids. */
static cJSON *creation_order(const cJSON *tpl)
{
	cJSON *out = cJSON_CreateArray();
	struct cfn_graph g;
	struct error err;
	if (!tpl || !cfn_graph_build(tpl, &g, &err))
		return out;
	size_t *order = xcalloc(g.n ? g.n : 1, sizeof(size_t));
	if (cfn_graph_order(&g, order, &err)) {
		for (size_t k = 0; k < g.n; k++)
			cJSON_AddItemToArray(out, cJSON_CreateString(g.names[order[k]]));
	}
	free(order);
	cfn_graph_release(&g);
	return out;
}

/* Evaluate a resource's Condition; true when it has none. */
static bool resource_wanted(struct op *op, struct cfn_eval *ev, const cJSON *def, bool *wanted,
			    struct error *err)
{
	const char *cond = jstr(def, "Condition");
	*wanted = true;
	return !cond || cfn_eval_condition(ev, cond, wanted, err);
}

/* Fail the resource being worked on for a template error (no provider was called). */
static void template_failure(struct op *op, const char *logical, const char *type,
			     const char *status, const char *msg)
{
	cJSON *e = cJSON_GetObjectItemCaseSensitive(resources_of(op->stack), logical);
	if (e)
		entry_status(op, e, status, msg);
	add_event(op->cfn, op->stack, logical, e ? jstr(e, "PhysicalResourceId") : "", type, status,
		  msg, NULL);
	note_failed(op, logical);
}

/* Work through new_tpl's resources in order. Returns false at the first failure. */
static bool apply_resources(struct op *op)
{
	struct cfn_eval ev;
	eval_init(op, &ev, op->new_tpl, op->new_values);
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(op->new_tpl, "Resources");
	cJSON *order = creation_order(op->new_tpl);
	bool ok = true;
	const cJSON *it;
	cJSON_ArrayForEach(it, order)
	{
		if (stopping(op)) {
			ok = false;
			template_failure(
				op, it->valuestring,
				jstr(cJSON_GetObjectItemCaseSensitive(defs, it->valuestring),
				     "Type"),
				op->action == CFN_CREATE ? "CREATE_FAILED" : "UPDATE_FAILED",
				"The local cloud stopped during the operation");
			break;
		}
		const char *logical = it->valuestring;
		const cJSON *def = cJSON_GetObjectItemCaseSensitive(defs, logical);
		struct error err;
		error_clear(&err);
		bool wanted;
		const cJSON *exists =
			cJSON_GetObjectItemCaseSensitive(resources_of(op->stack), logical);
		bool existed = exists && jstr(exists, "PhysicalResourceId");
		const char *failed = existed ? "UPDATE_FAILED" : "CREATE_FAILED";
		if (!resource_wanted(op, &ev, def, &wanted, &err)) {
			template_failure(op, logical, jstr(def, "Type"), failed, err.msg);
			ok = false;
			break;
		}
		if (!wanted)
			continue; /* an existing one goes in the cleanup phase */
		const cJSON *raw = cJSON_GetObjectItemCaseSensitive(def, "Properties");
		cJSON *props = NULL;
		if (raw && !cfn_eval(&ev, raw, &props, &err)) {
			template_failure(op, logical, jstr(def, "Type"), failed, err.msg);
			ok = false;
			break;
		}
		if (!props)
			props = cJSON_CreateObject();
		if (!existed) {
			ok = create_resource(op, logical, def, props, false);
		} else if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(exists, "Properties"),
					  props, true) ||
			   strcmp(jstr(exists, "Type"), jstr(def, "Type")) != 0) {
			cJSON *policy = NULL;
			const cJSON *raw_policy =
				cJSON_GetObjectItemCaseSensitive(def, "UpdatePolicy");
			if (raw_policy && !cfn_eval(&ev, raw_policy, &policy, &err)) {
				template_failure(op, logical, jstr(def, "Type"), failed, err.msg);
				cJSON_Delete(props);
				ok = false;
				break;
			}
			ok = update_resource(op, logical, def, props, policy);
			cJSON_Delete(policy);
		} else {
			/* Unchanged; keep the newest definition (DependsOn, policies). */
			set_item((cJSON *)exists, "Definition", cJSON_Duplicate(def, true));
		}
		cJSON_Delete(props);
		if (!ok)
			break;
	}
	cJSON_Delete(order);
	return ok;
}

/* Another stack imports one of this stack's exports (that keep does not list). */
static char *export_in_use(struct op *op, const cJSON *keep)
{
	cJSON *exports = cfn_store_exports(op->cfn->db, op->caller.account, op->caller.region);
	cJSON *stacks =
		cfn_store_list_stacks(op->cfn->db, op->caller.account, op->caller.region, false);
	char *msg = NULL;
	const cJSON *x;
	cJSON_ArrayForEach(x, exports)
	{
		if (strcmp(jstr(x, "ExportingStackId"), jstr(op->stack, "StackId")) != 0)
			continue;
		bool kept = false;
		const cJSON *k;
		cJSON_ArrayForEach(k, keep)
		{
			kept = kept || strcmp(k->valuestring, jstr(x, "Name")) == 0;
		}
		if (kept)
			continue;
		const cJSON *s;
		cJSON_ArrayForEach(s, stacks)
		{
			if (strcmp(jstr(s, "StackId"), jstr(op->stack, "StackId")) == 0)
				continue;
			const cJSON *imp;
			cJSON_ArrayForEach(imp, cJSON_GetObjectItemCaseSensitive(s, "Imports"))
			{
				if (!msg && strcmp(imp->valuestring, jstr(x, "Name")) == 0)
					msg = xasprintf(
						"Export %s cannot be deleted as it is in use "
						"by %s",
						jstr(x, "Name"), jstr(s, "StackName"));
			}
		}
	}
	cJSON_Delete(exports);
	cJSON_Delete(stacks);
	return msg;
}

/* Outputs and exports of new_tpl. Returns false with msg set when one cannot be made. */
static bool apply_outputs(struct op *op, char **msg)
{
	struct cfn_eval ev;
	eval_init(op, &ev, op->new_tpl, op->new_values);
	cJSON *outputs = cJSON_CreateArray();
	cJSON *exports = cJSON_CreateArray();
	bool ok = true;
	const cJSON *o;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(op->new_tpl, "Outputs"))
	{
		struct error err;
		error_clear(&err);
		const char *cond = jstr(o, "Condition");
		bool wanted = true;
		if (cond && !cfn_eval_condition(&ev, cond, &wanted, &err)) {
			*msg = xstrdup(err.msg);
			ok = false;
			break;
		}
		if (!wanted)
			continue;
		cJSON *v = NULL, *name = NULL;
		if (!cfn_eval(&ev, cJSON_GetObjectItemCaseSensitive(o, "Value"), &v, &err) ||
		    !cfn_eval(&ev,
			      cJSON_GetObjectItemCaseSensitive(
				      cJSON_GetObjectItemCaseSensitive(o, "Export"), "Name"),
			      &name, &err)) {
			cJSON_Delete(v);
			*msg = xstrdup(err.msg);
			ok = false;
			break;
		}
		char *value = cfn_scalar_string(v);
		if (!value && cJSON_IsArray(v)) {
			/* A list output is its items joined by commas. */
			struct strbuf sb = STRBUF_INIT;
			const cJSON *item;
			cJSON_ArrayForEach(item, v)
			{
				char *s = cfn_scalar_string(item);
				if (sb.len)
					strbuf_addch(&sb, ',');
				strbuf_addstr(&sb, s ? s : "");
				free(s);
			}
			value = strbuf_detach(&sb);
		}
		cJSON_Delete(v);
		cJSON *out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "OutputKey", o->string);
		cJSON_AddStringToObject(out, "OutputValue", value ? value : "");
		const char *desc = jstr(o, "Description");
		if (desc)
			cJSON_AddStringToObject(out, "Description", desc);
		char *export_name = name ? cfn_scalar_string(name) : NULL;
		cJSON_Delete(name);
		if (export_name) {
			cJSON_AddStringToObject(out, "ExportName", export_name);
			char *owner = NULL;
			if (!cfn_store_export(op->cfn->db, op->caller.account, op->caller.region,
					      export_name, value ? value : "",
					      jstr(op->stack, "StackId"), &owner)) {
				*msg = xasprintf("Export with name %s is already exported by stack "
						 "%s",
						 export_name, owner ? owner : "?");
				free(owner);
				free(export_name);
				free(value);
				cJSON_Delete(out);
				ok = false;
				break;
			}
			cJSON_AddItemToArray(exports, cJSON_CreateString(export_name));
		}
		free(export_name);
		free(value);
		cJSON_AddItemToArray(outputs, out);
	}
	char *in_use = ok ? export_in_use(op, exports) : NULL;
	if (in_use) {
		*msg = in_use;
		ok = false;
	}
	if (ok) {
		set_item(op->stack, "Outputs", outputs);
		cfn_store_unexport(op->cfn->db, jstr(op->stack, "StackId"), exports);
		if (!exports->child)
			cfn_store_unexport(op->cfn->db, jstr(op->stack, "StackId"), NULL);
	} else {
		cJSON_Delete(outputs);
	}
	cJSON_Delete(exports);
	set_item(op->stack, "Imports", cJSON_Duplicate(op->imports, true));
	return ok;
}

/*
 * Delete, in reverse order of order, the resources in the stack document that keep does not
 * want (NULL: all of order). sweep: then every other resource of the stack too (deleting the
 * stack, whose template may not order them all). Returns false when one failed.
 */
static bool delete_resources(struct op *op, const cJSON *order, const cJSON *keep, bool sweep)
{
	cJSON *res = resources_of(op->stack);
	bool ok = true;
	int n = cJSON_GetArraySize(order);
	for (int i = n - 1; i >= (sweep ? -1 : 0); i--) {
		cJSON *names = cJSON_CreateArray();
		if (i >= 0) {
			cJSON_AddItemToArray(
				names,
				cJSON_CreateString(cJSON_GetArrayItem(order, i)->valuestring));
		} else {
			const cJSON *e;
			cJSON_ArrayForEach(e, res)
			{
				cJSON_AddItemToArray(names, cJSON_CreateString(e->string));
			}
		}
		const cJSON *nm;
		cJSON_ArrayForEach(nm, names)
		{
			const char *logical = nm->valuestring;
			cJSON *e = cJSON_GetObjectItemCaseSensitive(res, logical);
			if (!e)
				continue;
			if (keep && cJSON_GetObjectItemCaseSensitive(keep, logical))
				continue;
			if (delete_entry(op, logical, e, true))
				cJSON_DeleteItemFromObjectCaseSensitive(res, logical);
			else
				ok = false;
			save(op);
		}
		cJSON_Delete(names);
	}
	return ok;
}

/* The resources new_tpl wants (condition true), as an object of names. */
static cJSON *wanted_set(struct op *op)
{
	cJSON *keep = cJSON_CreateObject();
	struct cfn_eval ev;
	eval_init(op, &ev, op->new_tpl, op->new_values);
	const cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(op->new_tpl, "Resources"))
	{
		bool wanted = true;
		struct error err;
		if (!resource_wanted(op, &ev, d, &wanted, &err) || wanted)
			cJSON_AddTrueToObject(keep, d->string);
	}
	return keep;
}

/* Delete the old physical resources of replaced entries. */
static void delete_replaced(struct op *op)
{
	const cJSON *old;
	cJSON_ArrayForEach(old, op->replaced)
	{
		cJSON *copy = cJSON_Duplicate(old, true);
		delete_entry(op, jstr(copy, "LogicalResourceId"), copy, false);
		cJSON_Delete(copy);
	}
}

static char *failed_message(struct op *op, const char *verb, bool rollback_requested)
{
	return xasprintf("The following resource(s) failed to %s: [%s]. %s", verb,
			 strbuf_str(&op->failed),
			 rollback_requested ? "Rollback requested by user." : "");
}

static void run_create(struct op *op)
{
	char *msg = NULL;
	bool ok = apply_resources(op);
	if (ok && !apply_outputs(op, &msg)) {
		ok = false;
	}
	if (ok) {
		set_str(op->stack, "StackStatusReason", NULL);
		set_status(op, "CREATE_COMPLETE", NULL);
		return;
	}
	char *reason = msg ? msg : failed_message(op, "create", true);
	const cJSON *dr = cJSON_GetObjectItemCaseSensitive(op->stack, "DisableRollback");
	if (cJSON_IsTrue(dr)) {
		char *r2 = msg ? xstrdup(msg) : failed_message(op, "create", false);
		set_status(op, "CREATE_FAILED", r2);
		free(r2);
		free(reason);
		return;
	}
	set_status(op, "ROLLBACK_IN_PROGRESS", reason);
	free(reason);
	/* Cancel nothing: resources run one at a time here. Delete what was made. */
	cJSON *order = cJSON_Duplicate(op->created, true);
	strbuf_reset(&op->failed);
	bool clean = delete_resources(op, order, NULL, false);
	cJSON_Delete(order);
	cfn_store_unexport(op->cfn->db, jstr(op->stack, "StackId"), NULL);
	set_item(op->stack, "Outputs", cJSON_CreateArray());
	if (!clean) {
		char *r3 = failed_message(op, "delete", false);
		set_status(op, "ROLLBACK_FAILED", r3);
		free(r3);
		return;
	}
	/* What failed was never made: nothing is left but the events. */
	set_item(op->stack, "Resources", cJSON_CreateObject());
	set_status(op, "ROLLBACK_COMPLETE", NULL);
	const char *on_failure = jstr(op->stack, "OnFailure");
	if (on_failure && strcmp(on_failure, "DELETE") == 0) {
		set_status(op, "DELETE_IN_PROGRESS", NULL);
		set_time(op->cfn, op->stack, "DeletionTime");
		set_status(op, "DELETE_COMPLETE", NULL);
	}
}

/* Put an updated resource back as it was. */
static void roll_back_update(struct op *op, const char *logical)
{
	cJSON *e = cJSON_GetObjectItemCaseSensitive(resources_of(op->stack), logical);
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(op->old_entries, logical);
	if (!e || !old)
		return;
	const char *type = jstr(old, "Type");
	const struct cfn_provider *p = cfn_provider_find(type);
	const cJSON *old_props = cJSON_GetObjectItemCaseSensitive(old, "Properties");
	entry_status(op, e, "UPDATE_IN_PROGRESS", NULL);
	add_event(op->cfn, op->stack, logical, jstr(e, "PhysicalResourceId"), type,
		  "UPDATE_IN_PROGRESS", NULL, old_props);
	struct cfn_res r;
	res_init(op, &r, logical, type, cJSON_GetObjectItemCaseSensitive(old, "Definition"));
	r.rollback = true;
	struct aws_err err;
	memset(&err, 0, sizeof(err));
	bool ok = p && p->update(&r, jstr(e, "PhysicalResourceId"),
				 cJSON_GetObjectItemCaseSensitive(e, "Properties"), old_props,
				 cJSON_GetObjectItemCaseSensitive(e, "Attributes"), &err);
	if (!ok) {
		char *reason = failure_reason(op, logical, &err);
		entry_status(op, e, "UPDATE_FAILED", reason);
		add_event(op->cfn, op->stack, logical, jstr(e, "PhysicalResourceId"), type,
			  "UPDATE_FAILED", reason, old_props);
		free(reason);
		note_failed(op, logical);
	} else {
		cJSON *restored = cJSON_Duplicate(old, true);
		set_str(restored, "ResourceStatus", "UPDATE_COMPLETE");
		set_time(op->cfn, restored, "LastUpdatedTimestamp");
		put_entry(op, logical, restored);
		save(op);
		add_event(op->cfn, op->stack, logical, jstr(restored, "PhysicalResourceId"), type,
			  "UPDATE_COMPLETE", NULL, old_props);
	}
	aws_err_release(&err);
	res_release(&r);
}

static void run_update(struct op *op)
{
	/* Keep the entries as they were, for a rollback. */
	const cJSON *e;
	cJSON *before = cJSON_Duplicate(resources_of(op->stack), true);
	char *msg = NULL;
	bool ok = apply_resources(op);
	cJSON *keep = NULL;
	if (ok)
		keep = wanted_set(op);
	if (ok && !apply_outputs(op, &msg))
		ok = false;
	if (ok) {
		set_status(op, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", NULL);
		delete_replaced(op);
		cJSON *old_order = creation_order(op->old_tpl);
		delete_resources(op, old_order, keep, false);
		cJSON_Delete(old_order);
		cJSON_DeleteItemFromObjectCaseSensitive(op->stack, "Previous");
		set_status(op, "UPDATE_COMPLETE", NULL);
		cJSON_Delete(keep);
		cJSON_Delete(before);
		return;
	}
	cJSON_Delete(keep);
	char *reason = msg ? msg
			   : failed_message(op,
					    op->created->child && !op->updated->child ? "create"
										      : "update",
					    false);
	set_status(op, "UPDATE_ROLLBACK_IN_PROGRESS", reason);
	free(reason);
	strbuf_reset(&op->failed);
	/* Updated resources go back to what they were, last first. */
	for (int i = cJSON_GetArraySize(op->updated) - 1; i >= 0; i--)
		roll_back_update(op, cJSON_GetArrayItem(op->updated, i)->valuestring);
	/* Replaced resources get their old physical resource back; the new one goes. */
	cJSON *res = resources_of(op->stack);
	cJSON *doomed = cJSON_CreateArray();
	const cJSON *old;
	cJSON_ArrayForEach(old, op->replaced)
	{
		const char *logical = jstr(old, "LogicalResourceId");
		cJSON *now = cJSON_GetObjectItemCaseSensitive(res, logical);
		if (now)
			cJSON_AddItemToArray(doomed, cJSON_Duplicate(now, true));
		cJSON *restored =
			cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(before, logical)
						? cJSON_GetObjectItemCaseSensitive(before, logical)
						: old,
					true);
		set_str(restored, "ResourceStatus", "UPDATE_COMPLETE");
		put_entry(op, logical, restored);
	}
	/* Failed replacements never made a new resource: keep the old entry as it was. */
	cJSON_ArrayForEach(e, before)
	{
		cJSON *now = cJSON_GetObjectItemCaseSensitive(res, e->string);
		if (now && jstr(now, "ResourceStatus") &&
		    strcmp(jstr(now, "ResourceStatus"), "UPDATE_FAILED") == 0 &&
		    !cJSON_GetObjectItemCaseSensitive(op->old_entries, e->string)) {
			cJSON *restored = cJSON_Duplicate(e, true);
			set_str(restored, "ResourceStatus", "UPDATE_COMPLETE");
			put_entry(op, e->string, restored);
		}
	}
	save(op);
	set_status(op, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", NULL);
	cJSON_ArrayForEach(old, doomed)
	{
		cJSON *copy = cJSON_Duplicate(old, true);
		delete_entry(op, jstr(copy, "LogicalResourceId"), copy, false);
		cJSON_Delete(copy);
	}
	cJSON_Delete(doomed);
	cJSON *created = cJSON_Duplicate(op->created, true);
	delete_resources(op, created, NULL, false);
	cJSON_Delete(created);
	/* The stack's template and parameters are the old ones again. */
	set_item(op->stack, "Processed", cJSON_Duplicate(op->old_tpl, true));
	const cJSON *prev = cJSON_GetObjectItemCaseSensitive(op->stack, "Previous");
	if (prev) {
		const cJSON *m;
		cJSON_ArrayForEach(m, prev)
		{
			set_item(op->stack, m->string, cJSON_Duplicate(m, true));
		}
		cJSON_DeleteItemFromObjectCaseSensitive(op->stack, "Previous");
	}
	set_status(op,
		   strbuf_str(&op->failed)[0] ? "UPDATE_ROLLBACK_FAILED"
					      : "UPDATE_ROLLBACK_COMPLETE",
		   NULL);
	cJSON_Delete(before);
}

static void run_delete(struct op *op)
{
	char *in_use = export_in_use(op, NULL);
	if (in_use) {
		set_status(op, "DELETE_FAILED", in_use);
		free(in_use);
		return;
	}
	cJSON *order = creation_order(op->old_tpl);
	bool ok = delete_resources(op, order, NULL, true);
	cJSON_Delete(order);
	if (!ok) {
		char *reason = failed_message(op, "delete", false);
		set_status(op, "DELETE_FAILED", reason);
		free(reason);
		return;
	}
	cfn_store_unexport(op->cfn->db, jstr(op->stack, "StackId"), NULL);
	cfn_store_delete_change_sets(op->cfn->db, jstr(op->stack, "StackId"));
	set_time(op->cfn, op->stack, "DeletionTime");
	set_status(op, "DELETE_COMPLETE", NULL);
}

static void op_free(struct op *op)
{
	cJSON_Delete(op->stack);
	cJSON_Delete(op->old_tpl);
	cJSON_Delete(op->new_tpl);
	cJSON_Delete(op->new_values);
	cJSON_Delete(op->old_entries);
	cJSON_Delete(op->created);
	cJSON_Delete(op->updated);
	cJSON_Delete(op->replaced);
	cJSON_Delete(op->imports);
	cJSON_Delete(op->retain);
	cJSON_Delete(op->conds);
	strbuf_release(&op->failed);
	free(op);
}

/* The change set this operation executed: EXECUTE_COMPLETE or EXECUTE_FAILED, and the
 * stack's other change sets go, as CloudFormation drops them once one is executed. */
static void finish_change_set(struct op *op)
{
	const char *id = jstr(op->stack, "ExecutingChangeSet");
	if (!id)
		return;
	cJSON *cs = cfn_store_get_change_set(op->cfn->db, NULL, id);
	const char *status = jstr(op->stack, "StackStatus");
	bool ok = status && (strcmp(status, "CREATE_COMPLETE") == 0 ||
			     strcmp(status, "UPDATE_COMPLETE") == 0);
	cfn_store_delete_change_sets(op->cfn->db, jstr(op->stack, "StackId"));
	if (cs) {
		set_str(cs, "ExecutionStatus", ok ? "EXECUTE_COMPLETE" : "EXECUTE_FAILED");
		cfn_store_put_change_set(op->cfn->db, cs);
		cJSON_Delete(cs);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(op->stack, "ExecutingChangeSet");
	save(op);
}

static void *worker_main(void *arg)
{
	struct op *op = arg;
	switch (op->action) {
	case CFN_CREATE:
		run_create(op);
		break;
	case CFN_UPDATE:
		run_update(op);
		break;
	case CFN_DELETE:
		run_delete(op);
		break;
	}
	finish_change_set(op);
	struct cfn_svc *cfn = op->cfn;
	pthread_mutex_lock(&cfn->mu);
	op->settled = true;
	cfn->workers--;
	bool last = --op->refs == 0;
	pthread_cond_broadcast(&cfn->cond);
	pthread_mutex_unlock(&cfn->mu);
	if (last)
		op_free(op);
	return NULL;
}

void cfn_engine_start(struct cfn_svc *cfn, const struct svc_caller *caller, cJSON *stack,
		      enum cfn_action action, struct cfn_target *target)
{
	struct op *op = xcalloc(1, sizeof(*op));
	op->cfn = cfn;
	op->caller = *caller;
	op->action = action;
	op->stack = stack;
	op->old_entries = cJSON_CreateObject();
	op->created = cJSON_CreateArray();
	op->updated = cJSON_CreateArray();
	op->replaced = cJSON_CreateArray();
	op->imports = cJSON_CreateArray();
	op->conds = cJSON_CreateObject();
	strbuf_init(&op->failed);
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(stack, "Processed");
	if (action != CFN_CREATE && old)
		op->old_tpl = cJSON_Duplicate(old, true);
	if (target) {
		op->new_tpl = target->processed;
		op->new_values = target->param_values;
		op->retain = target->retain;
	}
	if (action == CFN_UPDATE) {
		/* Keep what a rollback restores. */
		cJSON *prev = cJSON_CreateObject();
		static const char *const kept[] = { "TemplateBody", "Parameters",  "ParamValues",
						    "Capabilities", "Description", "Outputs",
						    "Imports",      NULL };
		for (const char *const *k = kept; *k; k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(stack, *k);
			if (v)
				cJSON_AddItemToObject(prev, *k, cJSON_Duplicate(v, true));
		}
		cJSON_AddItemToObject(prev, "Processed",
				      op->old_tpl ? cJSON_Duplicate(op->old_tpl, true)
						  : cJSON_CreateObject());
		set_item(stack, "Previous", prev);
	}
	if (op->new_tpl) {
		set_item(stack, "Processed", cJSON_Duplicate(op->new_tpl, true));
		set_item(stack, "ParamValues", cJSON_Duplicate(op->new_values, true));
	}
	cfn_store_put_stack(cfn->db, stack);

	op->refs = 2;
	pthread_mutex_lock(&cfn->mu);
	cfn->workers++;
	pthread_mutex_unlock(&cfn->mu);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	if (pthread_create(&t, &attr, worker_main, op) != 0)
		worker_main(op); /* no thread to be had: run it here */
	pthread_attr_destroy(&attr);
	pthread_mutex_lock(&cfn->mu);
	while (!op->settled)
		pthread_cond_wait(&cfn->cond, &cfn->mu);
	bool last = --op->refs == 0;
	pthread_mutex_unlock(&cfn->mu);
	/* A worker still running (it waits on the clock) frees the operation when it ends. */
	if (last)
		op_free(op);
}

/* One change of a change set. */
static cJSON *change(const char *action, const char *logical, const char *physical,
		     const char *type, const char *replacement)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "Type", "Resource");
	cJSON *rc = cJSON_AddObjectToObject(c, "ResourceChange");
	cJSON_AddStringToObject(rc, "Action", action);
	cJSON_AddStringToObject(rc, "LogicalResourceId", logical);
	if (physical)
		cJSON_AddStringToObject(rc, "PhysicalResourceId", physical);
	cJSON_AddStringToObject(rc, "ResourceType", type ? type : "");
	if (replacement)
		cJSON_AddStringToObject(rc, "Replacement", replacement);
	cJSON_AddArrayToObject(rc, "Scope");
	cJSON_AddArrayToObject(rc, "Details");
	return c;
}

/* The properties that differ, as a Modify change's Scope and Details. */
static const char *modify_details(cJSON *c, const struct cfn_provider *p, const cJSON *old_props,
				  const cJSON *props, bool dynamic)
{
	cJSON *rc = cJSON_GetObjectItemCaseSensitive(c, "ResourceChange");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rc, "Scope"),
			     cJSON_CreateString("Properties"));
	cJSON *details = cJSON_GetObjectItemCaseSensitive(rc, "Details");
	cJSON *names = cJSON_CreateObject();
	const cJSON *m;
	cJSON_ArrayForEach(m, props)
	{
		cJSON_AddTrueToObject(names, m->string);
	}
	cJSON_ArrayForEach(m, old_props)
	{
		if (!cJSON_GetObjectItemCaseSensitive(names, m->string))
			cJSON_AddTrueToObject(names, m->string);
	}
	const char *replacement = "False";
	cJSON_ArrayForEach(m, names)
	{
		if (!cfn_prop_changed(old_props, props, m->string))
			continue;
		bool recreate = !p || !p->update;
		for (const char *const *q = p ? p->replace : NULL; q && *q; q++)
			recreate = recreate || strcmp(*q, m->string) == 0;
		cJSON *d = cJSON_CreateObject();
		cJSON *t = cJSON_AddObjectToObject(d, "Target");
		cJSON_AddStringToObject(t, "Attribute", "Properties");
		cJSON_AddStringToObject(t, "Name", m->string);
		cJSON_AddStringToObject(t, "RequiresRecreation", recreate ? "Always" : "Never");
		cJSON_AddStringToObject(d, "Evaluation", dynamic ? "Dynamic" : "Static");
		cJSON_AddStringToObject(d, "ChangeSource", "DirectModification");
		cJSON_AddItemToArray(details, d);
		if (recreate)
			replacement = "True";
	}
	cJSON_Delete(names);
	if (dynamic && strcmp(replacement, "False") == 0)
		replacement = "Conditional";
	return replacement;
}

cJSON *cfn_engine_changes(struct cfn_svc *cfn, const struct svc_caller *caller, const cJSON *stack,
			  const cJSON *processed, const cJSON *param_values, struct error *err)
{
	struct op op;
	memset(&op, 0, sizeof(op));
	op.cfn = cfn;
	op.caller = *caller;
	op.stack = stack ? cJSON_Duplicate(stack, true) : cJSON_CreateObject();
	op.conds = cJSON_CreateObject();
	op.imports = cJSON_CreateArray();
	op.planning = true;
	cJSON *changes = cJSON_CreateArray();
	struct cfn_eval ev;
	eval_init(&op, &ev, processed, param_values);
	cJSON *existing = resources_of(op.stack);
	cJSON *order = creation_order(processed);
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(processed, "Resources");
	cJSON *wanted = cJSON_CreateObject();
	const cJSON *it;
	cJSON_ArrayForEach(it, order)
	{
		const char *logical = it->valuestring;
		const cJSON *def = cJSON_GetObjectItemCaseSensitive(defs, logical);
		bool want;
		if (!resource_wanted(&op, &ev, def, &want, err))
			goto fail;
		if (!want)
			continue;
		cJSON_AddTrueToObject(wanted, logical);
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(existing, logical);
		const char *type = jstr(def, "Type");
		if (!e || !jstr(e, "PhysicalResourceId")) {
			cJSON_AddItemToArray(changes, change("Add", logical, NULL, type, NULL));
			continue;
		}
		op.dynamic = false;
		cJSON *props = NULL;
		const cJSON *raw = cJSON_GetObjectItemCaseSensitive(def, "Properties");
		if (raw && !cfn_eval(&ev, raw, &props, err))
			goto fail;
		if (!props)
			props = cJSON_CreateObject();
		const cJSON *old_props = cJSON_GetObjectItemCaseSensitive(e, "Properties");
		bool type_changed = strcmp(jstr(e, "Type"), type) != 0;
		if (type_changed || !cJSON_Compare(old_props, props, true)) {
			cJSON *c = change("Modify", logical, jstr(e, "PhysicalResourceId"), type,
					  NULL);
			const char *repl = type_changed
						   ? "True"
						   : modify_details(c, cfn_provider_find(type),
								    old_props, props, op.dynamic);
			cJSON_AddStringToObject(
				cJSON_GetObjectItemCaseSensitive(c, "ResourceChange"),
				"Replacement", repl);
			cJSON_AddItemToArray(changes, c);
		}
		cJSON_Delete(props);
	}
	cJSON_ArrayForEach(it, existing)
	{
		if (cJSON_GetObjectItemCaseSensitive(wanted, it->string) ||
		    !jstr(it, "PhysicalResourceId"))
			continue;
		cJSON_AddItemToArray(changes,
				     change("Remove", it->string, jstr(it, "PhysicalResourceId"),
					    jstr(it, "Type"), NULL));
	}
	cJSON_Delete(order);
	cJSON_Delete(wanted);
	cJSON_Delete(op.stack);
	cJSON_Delete(op.conds);
	cJSON_Delete(op.imports);
	return changes;
fail:
	cJSON_Delete(order);
	cJSON_Delete(wanted);
	cJSON_Delete(changes);
	cJSON_Delete(op.stack);
	cJSON_Delete(op.conds);
	cJSON_Delete(op.imports);
	return NULL;
}
