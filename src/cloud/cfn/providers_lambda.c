/*
 * Lambda's resource types: functions, permissions, event source mappings, versions, aliases,
 * layers and their permissions, function URLs and event invoke configurations, each made
 * through Lambda's own API.
 */
#include "cloud/cfn/providers.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "cloud/cfn/deploy.h"
#include "cloud/cfn/intrinsic.h"
#include "core/xalloc.h"

/* A zip holding one file, name, with text: what Code.ZipFile becomes. Caller frees. */
static char *zip_one(const char *name, const char *text, size_t *len)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	char *out = NULL;
	if (!src)
		goto done;
	zip_source_keep(src);
	zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	if (!za)
		goto done;
	size_t n = strlen(text);
	char *copy = xmalloc(n ? n : 1);
	memcpy(copy, text, n);
	zip_source_t *file = zip_source_buffer(za, copy, n, 1);
	zip_int64_t idx = file ? zip_file_add(za, name, file, ZIP_FL_OVERWRITE) : -1;
	if (idx < 0) {
		zip_source_free(file);
		zip_discard(za);
		goto done;
	}
	/* -rw-r--r--, as CloudFormation writes inline code. */
	zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
					 (zip_uint32_t)(0100644u << 16));
	if (zip_close(za) != 0) {
		zip_discard(za);
		goto done;
	}
	if (zip_source_open(src) != 0)
		goto done;
	zip_source_seek(src, 0, SEEK_END);
	zip_int64_t size = zip_source_tell(src);
	zip_source_seek(src, 0, SEEK_SET);
	out = xmalloc(size > 0 ? (size_t)size : 1);
	zip_int64_t got = size > 0 ? zip_source_read(src, out, (zip_uint64_t)size) : 0;
	zip_source_close(src);
	if (got != size) {
		free(out);
		out = NULL;
	} else {
		*len = (size_t)size;
	}
done:
	zip_source_free(src);
	zip_error_fini(&ze);
	return out;
}

/* Code {S3Bucket, S3Key, S3ObjectVersion, ZipFile (inline source), ImageUri} as
 * CreateFunction's Code. */
static cJSON *code_input(const cJSON *code, const char *runtime, struct aws_err *err)
{
	if (!cJSON_IsObject(code)) {
		cfn_required(err, "Code");
		return NULL;
	}
	cJSON *in = cJSON_CreateObject();
	const char *inline_src = cfn_prop_str(code, "ZipFile");
	if (inline_src) {
		const char *file = runtime && strncmp(runtime, "python", 6) == 0   ? "index.py"
				   : runtime && strncmp(runtime, "nodejs", 6) == 0 ? "index.js"
										   : NULL;
		if (!file) {
			cJSON_Delete(in);
			cfn_invalid(err,
				    "ZipFile is only supported for Python and Node.js runtimes");
			return NULL;
		}
		size_t len = 0;
		char *zip = zip_one(file, inline_src, &len);
		if (!zip) {
			cJSON_Delete(in);
			aws_err_set(err, 500, "InternalFailure",
				    "Could not package the inline code");
			return NULL;
		}
		char *b64 = cfn_base64(zip, len);
		cJSON_AddStringToObject(in, "ZipFile", b64);
		free(b64);
		free(zip);
		return in;
	}
	if (!cfn_copy_str(in, code, "S3Bucket", NULL, err) ||
	    !cfn_copy_str(in, code, "S3Key", NULL, err) ||
	    !cfn_copy_str(in, code, "S3ObjectVersion", NULL, err) ||
	    !cfn_copy_str(in, code, "ImageUri", NULL, err)) {
		cJSON_Delete(in);
		return NULL;
	}
	if (!in->child) {
		cJSON_Delete(in);
		cfn_invalid(err, "#/Code: Code must hold ZipFile, S3Bucket and S3Key, or ImageUri");
		return NULL;
	}
	return in;
}

/* Environment {Variables: {K: V}} with every value as text. */
static bool environment_input(cJSON *in, const cJSON *props, bool reset, struct aws_err *err)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(props, "Environment");
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(env, "Variables");
	if (!vars && !reset)
		return true;
	cJSON *out = cJSON_CreateObject();
	cJSON *ov = cJSON_AddObjectToObject(out, "Variables");
	const cJSON *v;
	cJSON_ArrayForEach(v, vars)
	{
		char *s = cfn_scalar_string(v);
		if (!s) {
			cJSON_Delete(out);
			return cfn_invalid(err,
					   "#/Environment/Variables/%s: expected type: String, "
					   "found: JSONObject",
					   v->string);
		}
		cJSON_AddStringToObject(ov, v->string, s);
		free(s);
	}
	cJSON_AddItemToObject(in, "Environment", out);
	return true;
}

/*
 * The configuration members of CreateFunction and UpdateFunctionConfiguration. reset: an
 * update, where a property that is gone goes back to Lambda's default.
 */
static bool config_input(cJSON *in, const cJSON *props, bool reset, struct aws_err *err)
{
	if (!cfn_copy_str(in, props, "Runtime", NULL, err) ||
	    !cfn_copy_str(in, props, "Role", NULL, err) ||
	    !cfn_copy_str(in, props, "Handler", NULL, err) ||
	    !cfn_copy_int(in, props, "Timeout", NULL, err) ||
	    !cfn_copy_int(in, props, "MemorySize", NULL, err) ||
	    !cfn_copy_str(in, props, "KmsKeyArn", "KMSKeyArn", err) ||
	    !environment_input(in, props, reset, err))
		return false;
	const char *desc = cfn_prop_str(props, "Description");
	if (desc || reset)
		cJSON_AddStringToObject(in, "Description", desc ? desc : "");
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(props, "Layers");
	if (layers || reset)
		cJSON_AddItemToObject(in, "Layers",
				      layers ? cJSON_Duplicate(layers, true) : cJSON_CreateArray());
	if (reset && !cJSON_GetObjectItemCaseSensitive(props, "Timeout"))
		cJSON_AddNumberToObject(in, "Timeout", 3);
	if (reset && !cJSON_GetObjectItemCaseSensitive(props, "MemorySize"))
		cJSON_AddNumberToObject(in, "MemorySize", 128);
	cfn_copy_raw(in, props, "TracingConfig", NULL);
	cfn_copy_raw(in, props, "DeadLetterConfig", NULL);
	cfn_copy_raw(in, props, "EphemeralStorage", NULL);
	cfn_copy_raw(in, props, "LoggingConfig", NULL);
	cfn_copy_raw(in, props, "VpcConfig", NULL);
	cfn_copy_raw(in, props, "SnapStart", NULL);
	cfn_copy_raw(in, props, "FileSystemConfigs", NULL);
	cfn_copy_raw(in, props, "ImageConfig", NULL);
	return true;
}

static bool reserved_concurrency(struct cfn_res *r, const char *name, const cJSON *props,
				 bool was_set, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", name);
	if (!cfn_copy_int(in, props, "ReservedConcurrentExecutions", NULL, err)) {
		cJSON_Delete(in);
		return false;
	}
	bool set = cJSON_GetObjectItemCaseSensitive(in, "ReservedConcurrentExecutions") != NULL;
	cJSON *out = NULL;
	if (set)
		out = cfn_call(r, "lambda", "PutFunctionConcurrency", in, err);
	else if (was_set)
		out = cfn_call(r, "lambda", "DeleteFunctionConcurrency", in, err);
	cJSON_Delete(in);
	bool ok = out != NULL || (!set && !was_set);
	cJSON_Delete(out);
	return ok;
}

static void function_attrs(struct cfn_res *r, const cJSON *out)
{
	cJSON_Delete(r->attrs);
	r->attrs = cJSON_CreateObject();
	const char *arn = cfn_prop_str(out, "FunctionArn");
	if (arn)
		cJSON_AddStringToObject(r->attrs, "Arn", arn);
}

static bool function_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "Role"))
		return cfn_required(err, "Role");
	cJSON *in = cJSON_CreateObject();
	char *name = cfn_prop_str(props, "FunctionName")
			     ? xstrdup(cfn_prop_str(props, "FunctionName"))
			     : cfn_physical_name(r, 64, false);
	cJSON_AddStringToObject(in, "FunctionName", name);
	cJSON *code = code_input(cJSON_GetObjectItemCaseSensitive(props, "Code"),
				 cfn_prop_str(props, "Runtime"), err);
	bool ok = false;
	cJSON *out = NULL;
	if (!code)
		goto done;
	cJSON_AddItemToObject(in, "Code", code);
	if (!config_input(in, props, false, err))
		goto done;
	cfn_copy_str(in, props, "PackageType", NULL, err);
	cfn_copy_raw(in, props, "Architectures", NULL);
	cJSON *tags = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(props, "Tags"));
	if (tags)
		cJSON_AddItemToObject(in, "Tags", tags);
	out = cfn_call(r, "lambda", "CreateFunction", in, err);
	if (!out)
		goto done;
	r->physical = xstrdup(name);
	function_attrs(r, out);
	if (!reserved_concurrency(r, name, props, false, err)) {
		/* Leave nothing behind: the stack deletes only what it knows it made. */
		struct aws_err ignore = { 0 };
		cJSON *del = cJSON_CreateObject();
		cJSON_AddStringToObject(del, "FunctionName", name);
		cJSON_Delete(cfn_call(r, "lambda", "DeleteFunction", del, &ignore));
		cJSON_Delete(del);
		aws_err_release(&ignore);
		free(r->physical);
		r->physical = NULL;
		goto done;
	}
	ok = true;
done:
	cJSON_Delete(out);
	cJSON_Delete(in);
	free(name);
	return ok;
}

static bool function_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			    const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	cJSON *out = NULL;
	if (cfn_prop_changed(old_props, props, "Code") ||
	    cfn_prop_changed(old_props, props, "Architectures")) {
		cJSON *in = code_input(cJSON_GetObjectItemCaseSensitive(props, "Code"),
				       cfn_prop_str(props, "Runtime"), err);
		if (!in)
			return false;
		cJSON_AddStringToObject(in, "FunctionName", physical);
		cfn_copy_raw(in, props, "Architectures", NULL);
		out = cfn_call(r, "lambda", "UpdateFunctionCode", in, err);
		cJSON_Delete(in);
		if (!out)
			return false;
		cJSON_Delete(out);
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", physical);
	if (!config_input(in, props, true, err)) {
		cJSON_Delete(in);
		return false;
	}
	out = cfn_call(r, "lambda", "UpdateFunctionConfiguration", in, err);
	cJSON_Delete(in);
	if (!out)
		return false;
	function_attrs(r, out);
	cJSON_Delete(out);
	bool was = cJSON_GetObjectItemCaseSensitive(old_props, "ReservedConcurrentExecutions");
	if (cfn_prop_changed(old_props, props, "ReservedConcurrentExecutions") &&
	    !reserved_concurrency(r, physical, props, was, err))
		return false;
	if (cfn_prop_changed(old_props, props, "Tags")) {
		cJSON *tags = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(props, "Tags"));
		if (tags) {
			cJSON *tin = cJSON_CreateObject();
			cJSON_AddStringToObject(tin, "Resource", cfn_prop_str(attrs, "Arn"));
			cJSON_AddItemToObject(tin, "Tags", tags);
			out = cfn_call(r, "lambda", "TagResource", tin, err);
			cJSON_Delete(tin);
			if (!out)
				return false;
			cJSON_Delete(out);
		}
	}
	return true;
}

static bool function_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			    const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", physical);
	return cfn_call_delete(r, "lambda", "DeleteFunction", in, err);
}

static const char *const function_replace[] = { "FunctionName", "PackageType", NULL };
static const char *const function_attributes[] = { "Arn", "SnapStartResponse", NULL };

const struct cfn_provider cfn_lambda_function = {
	.type = "AWS::Lambda::Function",
	.create = function_create,
	.update = function_update,
	.remove = function_remove,
	.replace = function_replace,
	.attributes = function_attributes,
};

static bool permission_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	static const char *const required[] = { "FunctionName", "Action", "Principal", NULL };
	for (const char *const *q = required; *q; q++) {
		if (!cJSON_GetObjectItemCaseSensitive(props, *q))
			return cfn_required(err, *q);
	}
	char *sid = cfn_physical_name(r, 100, false);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "StatementId", sid);
	bool ok = cfn_copy_str(in, props, "FunctionName", NULL, err) &&
		  cfn_copy_str(in, props, "Action", NULL, err) &&
		  cfn_copy_str(in, props, "Principal", NULL, err) &&
		  cfn_copy_str(in, props, "SourceArn", NULL, err) &&
		  cfn_copy_str(in, props, "SourceAccount", NULL, err) &&
		  cfn_copy_str(in, props, "EventSourceToken", NULL, err) &&
		  cfn_copy_str(in, props, "FunctionUrlAuthType", NULL, err) &&
		  cfn_copy_str(in, props, "PrincipalOrgID", NULL, err);
	cJSON *out = ok ? cfn_call(r, "lambda", "AddPermission", in, err) : NULL;
	cJSON_Delete(in);
	ok = out != NULL;
	cJSON_Delete(out);
	if (ok) {
		r->physical = sid;
		r->attrs = cJSON_CreateObject();
		cJSON_AddStringToObject(r->attrs, "Id", sid);
	} else {
		free(sid);
	}
	return ok;
}

static bool permission_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			      const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", cfn_prop_str(props, "FunctionName"));
	cJSON_AddStringToObject(in, "StatementId", physical);
	return cfn_call_delete(r, "lambda", "RemovePermission", in, err);
}

static const char *const permission_attributes[] = { "Id", NULL };

const struct cfn_provider cfn_lambda_permission = {
	.type = "AWS::Lambda::Permission",
	.create = permission_create,
	.remove = permission_remove,
	.attributes = permission_attributes,
};

/* The members of Create/UpdateEventSourceMapping from the properties. */
static bool esm_input(cJSON *in, const cJSON *props, bool create, struct aws_err *err)
{
	bool ok = cfn_copy_str(in, props, "FunctionName", NULL, err) &&
		  cfn_copy_bool(in, props, "Enabled", NULL, err) &&
		  cfn_copy_int(in, props, "BatchSize", NULL, err) &&
		  cfn_copy_int(in, props, "MaximumBatchingWindowInSeconds", NULL, err) &&
		  cfn_copy_int(in, props, "ParallelizationFactor", NULL, err) &&
		  cfn_copy_int(in, props, "MaximumRecordAgeInSeconds", NULL, err) &&
		  cfn_copy_bool(in, props, "BisectBatchOnFunctionError", NULL, err) &&
		  cfn_copy_int(in, props, "MaximumRetryAttempts", NULL, err) &&
		  cfn_copy_int(in, props, "TumblingWindowInSeconds", NULL, err);
	if (!ok)
		return false;
	if (create) {
		if (!cfn_copy_str(in, props, "EventSourceArn", NULL, err) ||
		    !cfn_copy_str(in, props, "StartingPosition", NULL, err) ||
		    !cfn_copy_int(in, props, "StartingPositionTimestamp", NULL, err))
			return false;
		cfn_copy_raw(in, props, "Topics", NULL);
		cfn_copy_raw(in, props, "Queues", NULL);
	}
	cfn_copy_raw(in, props, "FilterCriteria", NULL);
	cfn_copy_raw(in, props, "DestinationConfig", NULL);
	cfn_copy_raw(in, props, "FunctionResponseTypes", NULL);
	cfn_copy_raw(in, props, "ScalingConfig", NULL);
	cfn_copy_raw(in, props, "SourceAccessConfigurations", NULL);
	return true;
}

static void esm_attrs(struct cfn_res *r, const cJSON *out)
{
	cJSON_Delete(r->attrs);
	r->attrs = cJSON_CreateObject();
	const char *uuid = cfn_prop_str(out, "UUID");
	cJSON_AddStringToObject(r->attrs, "Id", uuid ? uuid : "");
	const char *arn = cfn_prop_str(out, "EventSourceMappingArn");
	if (arn)
		cJSON_AddStringToObject(r->attrs, "EventSourceMappingArn", arn);
}

static bool esm_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "FunctionName"))
		return cfn_required(err, "FunctionName");
	cJSON *in = cJSON_CreateObject();
	cJSON *out = esm_input(in, props, true, err)
			     ? cfn_call(r, "lambda", "CreateEventSourceMapping", in, err)
			     : NULL;
	cJSON_Delete(in);
	if (!out)
		return false;
	r->physical = xstrdup(cfn_prop_str(out, "UUID") ? cfn_prop_str(out, "UUID") : "");
	esm_attrs(r, out);
	cJSON_Delete(out);
	return true;
}

static bool esm_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
		       const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "UUID", physical);
	if (!cJSON_GetObjectItemCaseSensitive(props, "Enabled"))
		cJSON_AddTrueToObject(in, "Enabled");
	cJSON *out = esm_input(in, props, false, err)
			     ? cfn_call(r, "lambda", "UpdateEventSourceMapping", in, err)
			     : NULL;
	cJSON_Delete(in);
	if (!out)
		return false;
	esm_attrs(r, out);
	cJSON_Delete(out);
	return true;
}

static bool esm_remove(struct cfn_res *r, const char *physical, const cJSON *props,
		       const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "UUID", physical);
	return cfn_call_delete(r, "lambda", "DeleteEventSourceMapping", in, err);
}

static const char *const esm_replace[] = {
	"EventSourceArn", "StartingPosition", "StartingPositionTimestamp", "Topics", "Queues", NULL
};
static const char *const esm_attributes[] = { "Id", "EventSourceMappingArn", NULL };

const struct cfn_provider cfn_lambda_event_source_mapping = {
	.type = "AWS::Lambda::EventSourceMapping",
	.create = esm_create,
	.update = esm_update,
	.remove = esm_remove,
	.replace = esm_replace,
	.attributes = esm_attributes,
};

/* PutProvisionedConcurrencyConfig for a version or an alias, when the properties ask. */
static bool provisioned(struct cfn_res *r, const char *function, const char *qualifier,
			const cJSON *props, struct aws_err *err)
{
	const cJSON *pc = cJSON_GetObjectItemCaseSensitive(props, "ProvisionedConcurrencyConfig");
	if (!pc)
		return true;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", function);
	cJSON_AddStringToObject(in, "Qualifier", qualifier);
	cJSON *out = NULL;
	if (cfn_copy_int(in, pc, "ProvisionedConcurrentExecutions", NULL, err))
		out = cfn_call(r, "lambda", "PutProvisionedConcurrencyConfig", in, err);
	cJSON_Delete(in);
	cJSON_Delete(out);
	return out != NULL;
}

static bool version_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	const char *fn = cfn_prop_str(props, "FunctionName");
	if (!fn)
		return cfn_required(err, "FunctionName");
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", fn);
	cJSON *out = NULL;
	if (cfn_copy_str(in, props, "CodeSha256", NULL, err) &&
	    cfn_copy_str(in, props, "Description", NULL, err))
		out = cfn_call(r, "lambda", "PublishVersion", in, err);
	cJSON_Delete(in);
	if (!out)
		return false;
	const char *arn = cfn_prop_str(out, "FunctionArn"), *version = cfn_prop_str(out, "Version");
	r->physical = xstrdup(arn ? arn : "");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "Version", version ? version : "");
	cJSON_AddStringToObject(r->attrs, "FunctionArn", arn ? arn : "");
	bool ok = provisioned(r, fn, version ? version : "", props, err);
	cJSON_Delete(out);
	return ok;
}

static bool version_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			   const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", physical);
	return cfn_call_delete(r, "lambda", "DeleteFunction", in, err);
}

static const char *const version_attributes[] = { "Version", "FunctionArn", NULL };

const struct cfn_provider cfn_lambda_version = {
	.type = "AWS::Lambda::Version",
	.create = version_create,
	.remove = version_remove,
	.attributes = version_attributes,
};

/* CloudFormation's RoutingConfig {AdditionalVersionWeights: [{FunctionVersion,
 * FunctionWeight}]} as Lambda's {AdditionalVersionWeights: {version: weight}}. */
static bool routing_input(cJSON *in, const cJSON *props, bool reset, struct aws_err *err)
{
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(props, "RoutingConfig");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(rc, "AdditionalVersionWeights");
	if (!w && !reset)
		return true;
	cJSON *out = cJSON_CreateObject();
	cJSON *map = cJSON_AddObjectToObject(out, "AdditionalVersionWeights");
	const cJSON *it;
	cJSON_ArrayForEach(it, w)
	{
		char *v =
			cfn_scalar_string(cJSON_GetObjectItemCaseSensitive(it, "FunctionVersion"));
		cJSON *tmp = cJSON_CreateObject();
		bool ok = v && cfn_copy_int(tmp, it, "FunctionWeight", "w", err);
		const cJSON *weight = cJSON_GetObjectItemCaseSensitive(tmp, "w");
		if (ok && weight)
			cJSON_AddNumberToObject(map, v, weight->valuedouble);
		free(v);
		cJSON_Delete(tmp);
		if (!ok) {
			cJSON_Delete(out);
			return err->code[0] ? false : cfn_required(err, "FunctionVersion");
		}
	}
	cJSON_AddItemToObject(in, "RoutingConfig", out);
	return true;
}

static bool alias_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	static const char *const required[] = { "FunctionName", "FunctionVersion", "Name", NULL };
	for (const char *const *q = required; *q; q++) {
		if (!cJSON_GetObjectItemCaseSensitive(props, *q))
			return cfn_required(err, *q);
	}
	cJSON *in = cJSON_CreateObject();
	cJSON *out = NULL;
	if (cfn_copy_str(in, props, "FunctionName", NULL, err) &&
	    cfn_copy_str(in, props, "Name", NULL, err) &&
	    cfn_copy_str(in, props, "FunctionVersion", NULL, err) &&
	    cfn_copy_str(in, props, "Description", NULL, err) &&
	    routing_input(in, props, false, err))
		out = cfn_call(r, "lambda", "CreateAlias", in, err);
	cJSON_Delete(in);
	if (!out)
		return false;
	const char *arn = cfn_prop_str(out, "AliasArn");
	r->physical = xstrdup(arn ? arn : "");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "AliasArn", arn ? arn : "");
	bool ok = provisioned(r, cfn_prop_str(props, "FunctionName"), cfn_prop_str(props, "Name"),
			      props, err);
	cJSON_Delete(out);
	return ok;
}

static bool alias_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			 const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	/* A new version behind an alias that CodeDeploy updates moves gradually. */
	const char *from = cfn_prop_str(old_props, "FunctionVersion");
	const char *to = cfn_prop_str(props, "FunctionVersion");
	if (!r->rollback && from && to && strcmp(from, to) != 0 &&
	    cJSON_GetObjectItemCaseSensitive(r->update_policy, "CodeDeployLambdaAliasUpdate") &&
	    !cfn_deploy_alias(r, cfn_prop_str(props, "FunctionName"), cfn_prop_str(props, "Name"),
			      from, to, err))
		return false;
	cJSON *in = cJSON_CreateObject();
	cJSON *out = NULL;
	if (cfn_copy_str(in, props, "FunctionName", NULL, err) &&
	    cfn_copy_str(in, props, "Name", NULL, err) &&
	    cfn_copy_str(in, props, "FunctionVersion", NULL, err) &&
	    routing_input(in, props, true, err)) {
		const char *desc = cfn_prop_str(props, "Description");
		cJSON_AddStringToObject(in, "Description", desc ? desc : "");
		out = cfn_call(r, "lambda", "UpdateAlias", in, err);
	}
	cJSON_Delete(in);
	if (!out)
		return false;
	cJSON_Delete(out);
	if (cfn_prop_changed(old_props, props, "ProvisionedConcurrencyConfig")) {
		if (!cJSON_GetObjectItemCaseSensitive(props, "ProvisionedConcurrencyConfig")) {
			cJSON *del = cJSON_CreateObject();
			cJSON_AddStringToObject(del, "FunctionName",
						cfn_prop_str(props, "FunctionName"));
			cJSON_AddStringToObject(del, "Qualifier", cfn_prop_str(props, "Name"));
			return cfn_call_delete(r, "lambda", "DeleteProvisionedConcurrencyConfig",
					       del, err);
		}
		return provisioned(r, cfn_prop_str(props, "FunctionName"),
				   cfn_prop_str(props, "Name"), props, err);
	}
	return true;
}

static bool alias_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", cfn_prop_str(props, "FunctionName"));
	cJSON_AddStringToObject(in, "Name", cfn_prop_str(props, "Name"));
	return cfn_call_delete(r, "lambda", "DeleteAlias", in, err);
}

static const char *const alias_replace[] = { "FunctionName", "Name", NULL };
static const char *const alias_attributes[] = { "AliasArn", NULL };

const struct cfn_provider cfn_lambda_alias = {
	.type = "AWS::Lambda::Alias",
	.create = alias_create,
	.update = alias_update,
	.remove = alias_remove,
	.replace = alias_replace,
	.attributes = alias_attributes,
};

static bool layer_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(props, "Content");
	if (!content)
		return cfn_required(err, "Content");
	cJSON *in = cJSON_CreateObject();
	char *name = cfn_prop_str(props, "LayerName") ? xstrdup(cfn_prop_str(props, "LayerName"))
						      : cfn_physical_name(r, 64, false);
	cJSON_AddStringToObject(in, "LayerName", name);
	cJSON *c = cJSON_AddObjectToObject(in, "Content");
	cJSON *out = NULL;
	if (cfn_copy_str(c, content, "S3Bucket", NULL, err) &&
	    cfn_copy_str(c, content, "S3Key", NULL, err) &&
	    cfn_copy_str(c, content, "S3ObjectVersion", NULL, err) &&
	    cfn_copy_str(in, props, "Description", NULL, err) &&
	    cfn_copy_str(in, props, "LicenseInfo", NULL, err)) {
		cfn_copy_raw(in, props, "CompatibleRuntimes", NULL);
		cfn_copy_raw(in, props, "CompatibleArchitectures", NULL);
		out = cfn_call(r, "lambda", "PublishLayerVersion", in, err);
	}
	cJSON_Delete(in);
	free(name);
	if (!out)
		return false;
	const char *arn = cfn_prop_str(out, "LayerVersionArn");
	r->physical = xstrdup(arn ? arn : "");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "LayerVersionArn", arn ? arn : "");
	cJSON_Delete(out);
	return true;
}

/* "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION" into in's LayerName and
 * VersionNumber. */
static bool layer_arn_input(cJSON *in, const char *arn)
{
	const char *colon = arn ? strrchr(arn, ':') : NULL;
	if (!colon)
		return false;
	char *name = xstrndup(arn, (size_t)(colon - arn));
	cJSON_AddStringToObject(in, "LayerName", name);
	cJSON_AddNumberToObject(in, "VersionNumber", strtod(colon + 1, NULL));
	free(name);
	return true;
}

static bool layer_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	if (!layer_arn_input(in, physical)) {
		cJSON_Delete(in);
		return true;
	}
	return cfn_call_delete(r, "lambda", "DeleteLayerVersion", in, err);
}

static const char *const layer_attributes[] = { "LayerVersionArn", NULL };

const struct cfn_provider cfn_lambda_layer_version = {
	.type = "AWS::Lambda::LayerVersion",
	.create = layer_create,
	.remove = layer_remove,
	.attributes = layer_attributes,
};

static bool layer_perm_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	const char *arn = cfn_prop_str(props, "LayerVersionArn");
	if (!arn)
		return cfn_required(err, "LayerVersionArn");
	char *sid = cfn_physical_name(r, 100, false);
	cJSON *in = cJSON_CreateObject();
	cJSON *out = NULL;
	if (!layer_arn_input(in, arn)) {
		cfn_invalid(err, "#/LayerVersionArn: not a layer version ARN");
	} else {
		cJSON_AddStringToObject(in, "StatementId", sid);
		if (cfn_copy_str(in, props, "Action", NULL, err) &&
		    cfn_copy_str(in, props, "Principal", NULL, err) &&
		    cfn_copy_str(in, props, "OrganizationId", NULL, err))
			out = cfn_call(r, "lambda", "AddLayerVersionPermission", in, err);
	}
	cJSON_Delete(in);
	if (!out) {
		free(sid);
		return false;
	}
	cJSON_Delete(out);
	r->physical = sid;
	return true;
}

static bool layer_perm_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			      const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	if (!layer_arn_input(in, cfn_prop_str(props, "LayerVersionArn"))) {
		cJSON_Delete(in);
		return true;
	}
	cJSON_AddStringToObject(in, "StatementId", physical);
	return cfn_call_delete(r, "lambda", "RemoveLayerVersionPermission", in, err);
}

const struct cfn_provider cfn_lambda_layer_version_permission = {
	.type = "AWS::Lambda::LayerVersionPermission",
	.create = layer_perm_create,
	.remove = layer_perm_remove,
};

static bool url_input(cJSON *in, const cJSON *props, struct aws_err *err)
{
	if (!cfn_copy_str(in, props, "TargetFunctionArn", "FunctionName", err) ||
	    !cfn_copy_str(in, props, "Qualifier", NULL, err) ||
	    !cfn_copy_str(in, props, "AuthType", NULL, err) ||
	    !cfn_copy_str(in, props, "InvokeMode", NULL, err))
		return false;
	cfn_copy_raw(in, props, "Cors", NULL);
	return true;
}

static bool url_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "TargetFunctionArn"))
		return cfn_required(err, "TargetFunctionArn");
	if (!cJSON_GetObjectItemCaseSensitive(props, "AuthType"))
		return cfn_required(err, "AuthType");
	cJSON *in = cJSON_CreateObject();
	cJSON *out = url_input(in, props, err)
			     ? cfn_call(r, "lambda", "CreateFunctionUrlConfig", in, err)
			     : NULL;
	cJSON_Delete(in);
	if (!out)
		return false;
	const char *arn = cfn_prop_str(out, "FunctionArn"), *url = cfn_prop_str(out, "FunctionUrl");
	r->physical = xstrdup(arn ? arn : "");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "FunctionArn", arn ? arn : "");
	cJSON_AddStringToObject(r->attrs, "FunctionUrl", url ? url : "");
	cJSON_Delete(out);
	return true;
}

static bool url_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
		       const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON *out = url_input(in, props, err)
			     ? cfn_call(r, "lambda", "UpdateFunctionUrlConfig", in, err)
			     : NULL;
	cJSON_Delete(in);
	cJSON_Delete(out);
	return out != NULL;
}

static bool url_remove(struct cfn_res *r, const char *physical, const cJSON *props,
		       const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", cfn_prop_str(props, "TargetFunctionArn"));
	if (cfn_prop_str(props, "Qualifier"))
		cJSON_AddStringToObject(in, "Qualifier", cfn_prop_str(props, "Qualifier"));
	return cfn_call_delete(r, "lambda", "DeleteFunctionUrlConfig", in, err);
}

static const char *const url_replace[] = { "TargetFunctionArn", "Qualifier", NULL };
static const char *const url_attributes[] = { "FunctionArn", "FunctionUrl", NULL };

const struct cfn_provider cfn_lambda_url = {
	.type = "AWS::Lambda::Url",
	.create = url_create,
	.update = url_update,
	.remove = url_remove,
	.replace = url_replace,
	.attributes = url_attributes,
};

static bool eic_put(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON *out = NULL;
	if (cfn_copy_str(in, props, "FunctionName", NULL, err) &&
	    cfn_copy_str(in, props, "Qualifier", NULL, err) &&
	    cfn_copy_int(in, props, "MaximumRetryAttempts", NULL, err) &&
	    cfn_copy_int(in, props, "MaximumEventAgeInSeconds", NULL, err)) {
		cfn_copy_raw(in, props, "DestinationConfig", NULL);
		out = cfn_call(r, "lambda", "PutFunctionEventInvokeConfig", in, err);
	}
	cJSON_Delete(in);
	cJSON_Delete(out);
	return out != NULL;
}

static bool eic_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "FunctionName"))
		return cfn_required(err, "FunctionName");
	if (!cJSON_GetObjectItemCaseSensitive(props, "Qualifier"))
		return cfn_required(err, "Qualifier");
	if (!eic_put(r, props, err))
		return false;
	r->physical = cfn_physical_name(r, 128, false);
	return true;
}

static bool eic_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
		       const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	return eic_put(r, props, err);
}

static bool eic_remove(struct cfn_res *r, const char *physical, const cJSON *props,
		       const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", cfn_prop_str(props, "FunctionName"));
	if (cfn_prop_str(props, "Qualifier"))
		cJSON_AddStringToObject(in, "Qualifier", cfn_prop_str(props, "Qualifier"));
	return cfn_call_delete(r, "lambda", "DeleteFunctionEventInvokeConfig", in, err);
}

static const char *const eic_replace[] = { "FunctionName", "Qualifier", NULL };

const struct cfn_provider cfn_lambda_event_invoke_config = {
	.type = "AWS::Lambda::EventInvokeConfig",
	.create = eic_create,
	.update = eic_update,
	.remove = eic_remove,
	.replace = eic_replace,
};
