/*
 * Resource types whose service the local cloud may not serve, held by the stack itself:
 * IAM roles and policies (made through IAM's API once IAM is in the service table; until
 * then the stack keeps them, as Lambda accepts any well-formed role ARN), CodeDeploy
 * applications and deployment groups (the stack's own gradual deployments read them), and
 * wait condition handles. A held resource's COMPLETE event says so.
 */
#include "cloud/cfn/providers.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/engine.h"
#include "cloud/cfn/intrinsic.h"
#include "core/xalloc.h"

#define S cfn_prop_str

static const char iam_note[] = "IAM is not served by the local cloud: the stack holds this "
			       "resource and nothing enforces it";

static bool call(struct cfn_res *r, const char *op, cJSON *in, cJSON **out, struct aws_err *err)
{
	return cfn_call_owned(r, "iam", op, in, out, err);
}

/* An IAM-style unique id: a prefix and 17 upper-case letters and digits. */
static char *unique_id(struct cfn_res *r, const char *prefix)
{
	char *name = cfn_physical_name(r, 40, false);
	/* The generated name ends in twelve random characters; make seventeen of them. */
	const char *tail = strrchr(name, '-') ? strrchr(name, '-') + 1 : name;
	char *id = xasprintf("%s%s%.5s", prefix, tail, tail);
	free(name);
	return id;
}

static char *role_arn(struct cfn_res *r, const char *path, const char *name)
{
	return xasprintf("arn:aws:iam::%s:role%s%s", r->caller->account, path ? path : "/", name);
}

static bool role_policies(struct cfn_res *r, const char *role, const cJSON *props,
			  const cJSON *old_props, struct aws_err *err)
{
	const cJSON *arns = cJSON_GetObjectItemCaseSensitive(props, "ManagedPolicyArns");
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(old_props, "ManagedPolicyArns"))
	{
		bool kept = false;
		const cJSON *b;
		cJSON_ArrayForEach(b, arns)
		{
			kept = kept || cJSON_Compare(a, b, true);
		}
		if (kept || !cJSON_IsString(a))
			continue;
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "RoleName", role);
		cJSON_AddStringToObject(in, "PolicyArn", a->valuestring);
		if (!cfn_call_delete(r, "iam", "DetachRolePolicy", in, err))
			return false;
	}
	cJSON_ArrayForEach(a, arns)
	{
		if (!cJSON_IsString(a))
			continue;
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "RoleName", role);
		cJSON_AddStringToObject(in, "PolicyArn", a->valuestring);
		if (!call(r, "AttachRolePolicy", in, NULL, err))
			return false;
	}
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(props, "Policies"))
	{
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "RoleName", role);
		cfn_copy_str(in, p, "PolicyName", NULL, err);
		char *doc = cfn_json_text(cJSON_GetObjectItemCaseSensitive(p, "PolicyDocument"));
		cJSON_AddStringToObject(in, "PolicyDocument", doc ? doc : "{}");
		free(doc);
		if (!call(r, "PutRolePolicy", in, NULL, err))
			return false;
	}
	return true;
}

static bool role_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "AssumeRolePolicyDocument"))
		return cfn_required(err, "AssumeRolePolicyDocument");
	char *name = S(props, "RoleName") ? xstrdup(S(props, "RoleName"))
					  : cfn_physical_name(r, 64, false);
	const char *path = S(props, "Path");
	if (!cfn_service_available(r, "iam")) {
		r->physical = name;
		r->attrs = cJSON_CreateObject();
		char *arn = role_arn(r, path, name);
		cJSON_AddStringToObject(r->attrs, "Arn", arn);
		free(arn);
		char *id = unique_id(r, "AROA");
		cJSON_AddStringToObject(r->attrs, "RoleId", id);
		free(id);
		r->note = iam_note;
		return true;
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "RoleName", name);
	char *doc =
		cfn_json_text(cJSON_GetObjectItemCaseSensitive(props, "AssumeRolePolicyDocument"));
	cJSON_AddStringToObject(in, "AssumeRolePolicyDocument", doc);
	free(doc);
	cfn_copy_str(in, props, "Path", NULL, err);
	cfn_copy_str(in, props, "Description", NULL, err);
	cfn_copy_int(in, props, "MaxSessionDuration", NULL, err);
	cfn_copy_str(in, props, "PermissionsBoundary", NULL, err);
	cfn_copy_raw(in, props, "Tags", NULL);
	cJSON *out = NULL;
	if (!call(r, "CreateRole", in, &out, err)) {
		free(name);
		return false;
	}
	const cJSON *role = cJSON_GetObjectItemCaseSensitive(out, "Role");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "Arn", S(role, "Arn") ? S(role, "Arn") : "");
	cJSON_AddStringToObject(r->attrs, "RoleId", S(role, "RoleId") ? S(role, "RoleId") : "");
	cJSON_Delete(out);
	r->physical = name;
	if (!role_policies(r, name, props, NULL, err))
		return false; /* the role is the stack's now: a rollback deletes it */
	return true;
}

static bool role_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	if (!cfn_service_available(r, "iam")) {
		r->note = iam_note;
		return true;
	}
	if (cfn_prop_changed(old_props, props, "AssumeRolePolicyDocument")) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "RoleName", physical);
		char *doc = cfn_json_text(
			cJSON_GetObjectItemCaseSensitive(props, "AssumeRolePolicyDocument"));
		cJSON_AddStringToObject(in, "PolicyDocument", doc);
		free(doc);
		if (!call(r, "UpdateAssumeRolePolicy", in, NULL, err))
			return false;
	}
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(old_props, "Policies"))
	{
		const char *pname = S(p, "PolicyName");
		bool kept = false;
		const cJSON *q;
		cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(props, "Policies"))
		{
			kept = kept || (pname && S(q, "PolicyName") &&
					strcmp(pname, S(q, "PolicyName")) == 0);
		}
		if (kept || !pname)
			continue;
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "RoleName", physical);
		cJSON_AddStringToObject(in, "PolicyName", pname);
		if (!cfn_call_delete(r, "iam", "DeleteRolePolicy", in, err))
			return false;
	}
	return role_policies(r, physical, props, old_props, err);
}

static bool role_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			const cJSON *attrs, struct aws_err *err)
{
	if (!cfn_service_available(r, "iam"))
		return true;
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(props, "ManagedPolicyArns"))
	{
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "RoleName", physical);
		cJSON_AddStringToObject(in, "PolicyArn", cJSON_IsString(a) ? a->valuestring : "");
		if (!cfn_call_delete(r, "iam", "DetachRolePolicy", in, err))
			return false;
	}
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(props, "Policies"))
	{
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "RoleName", physical);
		cJSON_AddStringToObject(in, "PolicyName",
					S(a, "PolicyName") ? S(a, "PolicyName") : "");
		if (!cfn_call_delete(r, "iam", "DeleteRolePolicy", in, err))
			return false;
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "RoleName", physical);
	return cfn_call_delete(r, "iam", "DeleteRole", in, err);
}

static const char *const role_replace[] = { "RoleName", "Path", NULL };
static const char *const role_attributes[] = { "Arn", "RoleId", NULL };

const struct cfn_provider cfn_iam_role = {
	.type = "AWS::IAM::Role",
	.create = role_create,
	.update = role_update,
	.remove = role_remove,
	.replace = role_replace,
	.attributes = role_attributes,
};

/* An inline policy on roles (AWS::IAM::Policy). */
static bool policy_put(struct cfn_res *r, const cJSON *props, const char *op, struct aws_err *err)
{
	const cJSON *role;
	cJSON_ArrayForEach(role, cJSON_GetObjectItemCaseSensitive(props, "Roles"))
	{
		if (!cJSON_IsString(role))
			continue;
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "RoleName", role->valuestring);
		cfn_copy_str(in, props, "PolicyName", NULL, err);
		bool ok;
		if (strcmp(op, "PutRolePolicy") == 0) {
			char *doc = cfn_json_text(
				cJSON_GetObjectItemCaseSensitive(props, "PolicyDocument"));
			cJSON_AddStringToObject(in, "PolicyDocument", doc ? doc : "{}");
			free(doc);
			ok = call(r, op, in, NULL, err);
		} else {
			ok = cfn_call_delete(r, "iam", op, in, err);
		}
		if (!ok)
			return false;
	}
	return true;
}

static bool policy_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "PolicyName"))
		return cfn_required(err, "PolicyName");
	if (!cJSON_GetObjectItemCaseSensitive(props, "PolicyDocument"))
		return cfn_required(err, "PolicyDocument");
	if (cfn_service_available(r, "iam")) {
		if (!policy_put(r, props, "PutRolePolicy", err))
			return false;
	} else {
		r->note = iam_note;
	}
	r->physical = cfn_physical_name(r, 128, false);
	return true;
}

static bool policy_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			  const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	if (!cfn_service_available(r, "iam")) {
		r->note = iam_note;
		return true;
	}
	return policy_put(r, old_props, "DeleteRolePolicy", err) &&
	       policy_put(r, props, "PutRolePolicy", err);
}

static bool policy_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			  const cJSON *attrs, struct aws_err *err)
{
	if (!cfn_service_available(r, "iam"))
		return true;
	return policy_put(r, props, "DeleteRolePolicy", err);
}

const struct cfn_provider cfn_iam_policy = {
	.type = "AWS::IAM::Policy",
	.create = policy_create,
	.update = policy_update,
	.remove = policy_remove,
};

static bool managed_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "PolicyDocument"))
		return cfn_required(err, "PolicyDocument");
	char *name = S(props, "ManagedPolicyName") ? xstrdup(S(props, "ManagedPolicyName"))
						   : cfn_physical_name(r, 128, false);
	char *arn = xasprintf("arn:aws:iam::%s:policy%s%s", r->caller->account,
			      S(props, "Path") ? S(props, "Path") : "/", name);
	if (cfn_service_available(r, "iam")) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "PolicyName", name);
		char *doc =
			cfn_json_text(cJSON_GetObjectItemCaseSensitive(props, "PolicyDocument"));
		cJSON_AddStringToObject(in, "PolicyDocument", doc);
		free(doc);
		cfn_copy_str(in, props, "Path", NULL, err);
		cfn_copy_str(in, props, "Description", NULL, err);
		cJSON *out = NULL;
		if (!call(r, "CreatePolicy", in, &out, err)) {
			free(name);
			free(arn);
			return false;
		}
		const char *a = S(cJSON_GetObjectItemCaseSensitive(out, "Policy"), "Arn");
		if (a) {
			free(arn);
			arn = xstrdup(a);
		}
		cJSON_Delete(out);
		const cJSON *role;
		cJSON_ArrayForEach(role, cJSON_GetObjectItemCaseSensitive(props, "Roles"))
		{
			cJSON *att = cJSON_CreateObject();
			cJSON_AddStringToObject(att, "RoleName",
						cJSON_IsString(role) ? role->valuestring : "");
			cJSON_AddStringToObject(att, "PolicyArn", arn);
			if (!call(r, "AttachRolePolicy", att, NULL, err)) {
				r->physical = arn;
				free(name);
				return false;
			}
		}
	} else {
		r->note = iam_note;
	}
	r->physical = arn;
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "PolicyArn", arn);
	free(name);
	return true;
}

static bool managed_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			   const cJSON *attrs, struct aws_err *err)
{
	if (!cfn_service_available(r, "iam"))
		return true;
	const cJSON *role;
	cJSON_ArrayForEach(role, cJSON_GetObjectItemCaseSensitive(props, "Roles"))
	{
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "RoleName",
					cJSON_IsString(role) ? role->valuestring : "");
		cJSON_AddStringToObject(in, "PolicyArn", physical);
		if (!cfn_call_delete(r, "iam", "DetachRolePolicy", in, err))
			return false;
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "PolicyArn", physical);
	return cfn_call_delete(r, "iam", "DeletePolicy", in, err);
}

static const char *const managed_attributes[] = { "PolicyArn", NULL };

const struct cfn_provider cfn_iam_managed_policy = {
	.type = "AWS::IAM::ManagedPolicy",
	.create = managed_create,
	.remove = managed_remove,
	.attributes = managed_attributes,
};

static const char codedeploy_note[] = "held by the stack: the stack runs this application's "
				      "deployments on the virtual clock";

static bool held_create(struct cfn_res *r, const cJSON *props, const char *name_prop,
			struct aws_err *err)
{
	const char *name = name_prop ? S(props, name_prop) : NULL;
	r->physical = name ? xstrdup(name) : cfn_physical_name(r, 100, false);
	r->note = codedeploy_note;
	return true;
}

static bool app_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	return held_create(r, props, "ApplicationName", err);
}

static bool held_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	r->note = codedeploy_note;
	return true;
}

static bool held_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			const cJSON *attrs, struct aws_err *err)
{
	return true;
}

static const char *const app_replace[] = { "ApplicationName", NULL };

const struct cfn_provider cfn_codedeploy_application = {
	.type = "AWS::CodeDeploy::Application",
	.create = app_create,
	.update = held_update,
	.remove = held_remove,
	.replace = app_replace,
};

static bool group_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "ApplicationName"))
		return cfn_required(err, "ApplicationName");
	if (!cJSON_GetObjectItemCaseSensitive(props, "ServiceRoleArn"))
		return cfn_required(err, "ServiceRoleArn");
	return held_create(r, props, "DeploymentGroupName", err);
}

static const char *const group_replace[] = { "ApplicationName", "DeploymentGroupName", NULL };

const struct cfn_provider cfn_codedeploy_deployment_group = {
	.type = "AWS::CodeDeploy::DeploymentGroup",
	.create = group_create,
	.update = held_update,
	.remove = held_remove,
	.replace = group_replace,
};

static bool handle_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	char id[37];
	cfn_uuid(r->cfn, id);
	r->physical = xasprintf("https://cloudformation-waitcondition-%s.s3.amazonaws.com/%s",
				r->caller->region, id);
	return true;
}

const struct cfn_provider cfn_cloudformation_wait_condition_handle = {
	.type = "AWS::CloudFormation::WaitConditionHandle",
	.create = handle_create,
	.remove = held_remove,
};
