/*
 * The Lambda REST API (rest-json) as the AWS CLI, boto3 and the JavaScript SDK call it.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud/async/async.h"
#include "cloud/auth/auth.h"
#include "cloud/http/aws.h"
#include "cloud/iam/iam.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/layers.h"
#include "cloud/lambda/package.h"
#include "cloud/lambda/policy.h"
#include "cloud/lambda/tags.h"
#include "cloud/lambda/versions.h"
#include "cloud/lambda/zipcode.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"

/* A string member: absent (true, *out NULL), a string (true), or wrong type (false). */
static bool opt_string(const cJSON *o, const char *k, const char **out, struct api_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v))
		return api_err_set(e, 400, "InvalidRequestContentException",
				   "Could not parse request body into json: '%s' must be a string",
				   k);
	*out = v->valuestring;
	return true;
}

static bool opt_number(const cJSON *o, const char *k, double *out, bool *given, struct api_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	*given = false;
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsNumber(v))
		return api_err_set(e, 400, "InvalidRequestContentException",
				   "Could not parse request body into json: '%s' must be a number",
				   k);
	*out = v->valuedouble;
	*given = true;
	return true;
}

/* The settings CreateFunction and UpdateFunctionConfiguration share, checked. */
struct settings {
	const char *runtime, *handler, *role, *description;
	double memory, timeout, ephemeral;
	bool has_memory, has_timeout, has_ephemeral;
	const cJSON *vars; /* borrowed from the request */
	bool has_env;
	int arch; /* -1 unset, 0 x86_64, 1 arm64 */
};

static bool read_settings(const cJSON *in, struct settings *s, struct api_err *e)
{
	memset(s, 0, sizeof(*s));
	s->arch = -1;
	if (!opt_string(in, "Runtime", &s->runtime, e) ||
	    !opt_string(in, "Handler", &s->handler, e) || !opt_string(in, "Role", &s->role, e) ||
	    !opt_string(in, "Description", &s->description, e) ||
	    !opt_number(in, "MemorySize", &s->memory, &s->has_memory, e) ||
	    !opt_number(in, "Timeout", &s->timeout, &s->has_timeout, e))
		return false;
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(in, "Environment");
	if (env && !cJSON_IsNull(env)) {
		if (!cJSON_IsObject(env))
			return api_err_set(e, 400, "InvalidRequestContentException",
					   "Could not parse request body into json: 'Environment' "
					   "must be an object");
		s->has_env = true;
		s->vars = cJSON_GetObjectItemCaseSensitive(env, "Variables");
		if (s->vars && cJSON_IsNull(s->vars))
			s->vars = NULL;
	}
	const cJSON *eph = cJSON_GetObjectItemCaseSensitive(in, "EphemeralStorage");
	if (eph && !cJSON_IsNull(eph)) {
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(eph, "Size");
		if (!cJSON_IsObject(eph) || !cJSON_IsNumber(size))
			return api_err_set(
				e, 400, "InvalidRequestContentException",
				"Could not parse request body into json: "
				"'EphemeralStorage' must be an object with a Size number");
		s->ephemeral = size->valuedouble;
		s->has_ephemeral = true;
	}
	const cJSON *arch = cJSON_GetObjectItemCaseSensitive(in, "Architectures");
	if (arch && !cJSON_IsNull(arch)) {
		const cJSON *a = cJSON_IsArray(arch) ? cJSON_GetArrayItem(arch, 0) : NULL;
		if (!cJSON_IsArray(arch) || cJSON_GetArraySize(arch) != 1 || !cJSON_IsString(a) ||
		    (strcmp(a->valuestring, "x86_64") != 0 && strcmp(a->valuestring, "arm64") != 0))
			return api_err_set(
				e, 400, "ValidationException",
				"1 validation error detected: Value at 'architectures' "
				"failed to satisfy constraint: Member must satisfy "
				"constraint: [Member must satisfy enum value set: [x86_64, "
				"arm64]]");
		s->arch = strcmp(a->valuestring, "arm64") == 0;
	}
	if (s->runtime && !lambda_check_runtime(s->runtime, e))
		return false;
	if (s->handler && !lambda_check_handler(s->handler, e))
		return false;
	if (s->role && !lambda_check_role(s->role, e))
		return false;
	if (s->description && !lambda_check_description(s->description, e))
		return false;
	if (s->has_memory && !lambda_check_memory(s->memory, e))
		return false;
	if (s->has_timeout && !lambda_check_timeout(s->timeout, e))
		return false;
	if (s->has_ephemeral && !lambda_check_ephemeral(s->ephemeral, e))
		return false;
	if (s->vars && !lambda_check_env(s->vars, e))
		return false;
	return true;
}

/* DeadLetterConfig.TargetArn, checked: *out NULL when absent, "" when it is removed. */
static bool dead_letter_target(const cJSON *in, const char **out, struct api_err *e)
{
	*out = NULL;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(in, "DeadLetterConfig");
	if (!d || cJSON_IsNull(d))
		return true;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "TargetArn");
	if (!cJSON_IsObject(d) || (t && !cJSON_IsString(t) && !cJSON_IsNull(t)))
		return api_err_set(e, 400, "InvalidRequestContentException",
				   "Could not parse request body into json: 'DeadLetterConfig' "
				   "must be an object with a TargetArn string");
	*out = cJSON_IsString(t) ? t->valuestring : "";
	char msg[512];
	if (!async_check_dlq(*out, msg, sizeof(msg)))
		return api_err_set(e, 400, "InvalidParameterValueException", "%s", msg);
	return true;
}

/*
 * CreateFunction's checks of its body that need no state: the name, the settings, the package
 * type, the dead-letter queue, and the members a function cannot be created without.
 */
static bool check_create(const cJSON *in, const char **name, struct settings *s, const char **dlq,
			 struct api_err *e)
{
	const char *package = NULL;
	*name = NULL;
	if (!opt_string(in, "FunctionName", name, e) ||
	    !opt_string(in, "PackageType", &package, e) || !dead_letter_target(in, dlq, e))
		return false;
	if (!*name)
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value null at 'functionName' "
				   "failed to satisfy constraint: Member must not be null");
	if (!lambda_check_name(*name, e) || !read_settings(in, s, e))
		return false;
	if (package && strcmp(package, "Image") == 0)
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "Container images are not served by the local cloud; use a "
				   ".zip file archive");
	if (!s->role)
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value null at 'role' failed to "
				   "satisfy constraint: Member must not be null");
	if (!s->runtime || !s->handler)
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "Runtime and Handler are mandatory parameters for functions "
				   "created with Zip packages.");
	return true;
}

bool lambda_check_config_body(const char *body, size_t len, bool create, struct api_err *e)
{
	cJSON *in = cJSON_ParseWithLength(body, len);
	bool ok;
	if (!in || !cJSON_IsObject(in)) {
		ok = api_err_set(e, 400, "InvalidRequestContentException",
				 "Could not parse request body into json");
	} else {
		struct settings s;
		const char *name = NULL, *dlq = NULL;
		ok = create ? check_create(in, &name, &s, &dlq, e)
			    : read_settings(in, &s, e) && dead_letter_target(in, &dlq, e);
	}
	cJSON_Delete(in);
	return ok;
}

/* A function's code, unpacked and stored, ready to be swapped in. */
struct code {
	char sha256[48];
	char sha_hex[65];
	long long size;
	char *dir;
};

/* Lambda's error from another module's, with the type as one of Lambda's own names. */
static bool from_aws_err(struct api_err *e, const struct aws_err *a)
{
	static const char *const types[] = {
		"InvalidParameterValueException", "ValidationException",
		"AccessDeniedException",          "RequestEntityTooLargeException",
		"ResourceNotFoundException",      "ResourceConflictException",
	};
	const char *type = "ServiceException";
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(a->code, types[i]) == 0)
			type = types[i];
	return api_err_set(e, a->status, type, "%s", a->message);
}

/* The package src names (ZipFile, or S3Bucket and S3Key), unpacked into the function's folder. */
static bool decode_code(struct cloud *c, const char *account, const char *name, const cJSON *src,
			const char *op, struct code *out, struct api_err *e)
{
	struct svc_caller caller;
	svc_caller_for_account(&caller, account);
	struct aws_err aerr = { 0 };
	size_t len = 0;
	unsigned char *zip = NULL;
	if (!lambda_package_read(c, &caller, src, op, &zip, &len, &aerr)) {
		from_aws_err(e, &aerr);
		aws_err_release(&aerr);
		return false;
	}
	unsigned char md[SHA256_LEN];
	sha256(zip, len, md);
	char *b64 = aws_base64_encode(md, sizeof(md));
	snprintf(out->sha256, sizeof(out->sha256), "%s", b64);
	free(b64);
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(out->sha_hex + 2 * i, 3, "%02x", md[i]);
	out->size = (long long)len;
	char *fdir = xasprintf("%s/%s/%s", c->code_root, account, name);
	out->dir = xasprintf("%s/%s", fdir, out->sha_hex);
	struct error err;
	bool ok = true;
	if (!path_mkdirs(fdir, 0755, &err)) {
		ok = api_err_set(e, 500, "ServiceException", "%s", err.msg);
	} else if (!path_is_dir(out->dir)) {
		char hex[9];
		aws_random_hex(hex, 8);
		char *tmp = xasprintf("%s.tmp-%s", out->dir, hex);
		char *zpath = xasprintf("%s.zip", out->dir);
		long long unzipped = 0;
		if (!path_mkdirs(tmp, 0755, &err))
			ok = api_err_set(e, 500, "ServiceException", "%s", err.msg);
		else if (!zipcode_extract(zip, len, tmp, &unzipped, e))
			ok = false;
		else if (!path_write_file(zpath, zip, len, 0644, &err))
			ok = api_err_set(e, 500, "ServiceException", "%s", err.msg);
		else if (rename(tmp, out->dir) != 0 && !path_is_dir(out->dir))
			ok = api_err_set(e, 500, "ServiceException", "cannot store the code");
		if (!ok || path_is_dir(tmp))
			zipcode_remove_tree(tmp);
		if (!ok)
			unlink(zpath);
		free(tmp);
		free(zpath);
	}
	free(fdir);
	free(zip);
	if (!ok) {
		free(out->dir);
		out->dir = NULL;
	}
	return ok;
}

/*
 * The Layers of a request, when it has the member: checked and merged for the function's code
 * (layers.h). *given false when the request leaves them as they are.
 */
static bool read_layers(struct cloud *c, const char *account, const char *name, const cJSON *in,
			const char *code_dir, bool *given, cJSON **config, char **opt_dir,
			struct api_err *e)
{
	const cJSON *arns = cJSON_GetObjectItemCaseSensitive(in, "Layers");
	*given = arns != NULL;
	*config = NULL;
	*opt_dir = NULL;
	if (!arns)
		return true;
	struct svc_caller caller;
	svc_caller_for_account(&caller, account);
	char *fn_dir = xasprintf("%s/%s/%s", c->code_root, account, name);
	struct aws_err aerr = { 0 };
	bool ok = lambda_layers_attach(c, &caller, arns, fn_dir, code_dir, config, opt_dir, &aerr);
	if (!ok)
		from_aws_err(e, &aerr);
	aws_err_release(&aerr);
	free(fn_dir);
	return ok;
}

static void retire_idle_envs(struct cloud *c, struct lfunc *fn)
{
	vec_for_each (&c->envs, i) {
		struct env *env = c->envs.items[i];
		if (env->fn == fn && !env->inv)
			lambda_env_kill(env);
	}
}

static void touch(struct lfunc *fn)
{
	fn->generation++;
	fn->modified_ms = clock_wall_ms();
	aws_uuid(fn->revision);
}

static void fn_release(struct cloud *c, struct lfunc *fn);

static bool from_api_err(struct aws_err *err, const struct api_err *e)
{
	return aws_err_set(err, e->status, e->type, "%s", e->msg);
}

static const char *in_str(const cJSON *in, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, name));
}

/*
 * The function an operation names (FunctionName, with a Qualifier or a qualified name), in
 * the caller's account; referenced, so release it with fn_release(). NULL with err filled:
 * a malformed name, a qualifier other than $LATEST (the one version served), another
 * account's function, or none.
 */
static struct lfunc *fn_of_as(struct svc_call *call, const cJSON *in, char qualifier[129],
			      struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *ref = in_str(in, "FunctionName");
	const char *q = in_str(in, "Qualifier");
	char name[65], ref_account[13];
	struct api_err e = { 0 };
	if (ref && lambda_ref_overlong(ref)) {
		/* Lambda looks a long plain name up, and finds nothing. */
		char arn[300];
		const char *q0 = in_str(in, "Qualifier");
		arn_function_format(arn, sizeof(arn), AWS_REGION_NAME, call->caller->account, ref,
				    q0);
		qualifier[0] = '\0';
		return aws_err_set(err, 404, "ResourceNotFoundException", "Function not found: %s",
				   arn),
		       NULL;
	}
	if (!lambda_parse_ref(ref ? ref : "", name, ref_account, qualifier, &e))
		return from_api_err(err, &e), NULL;
	if (q && q[0]) {
		if (qualifier[0] && strcmp(q, qualifier) != 0)
			return aws_err_set(err, 400, "InvalidParameterValueException",
					   "The derived qualifier from the function name does not "
					   "match the specified qualifier."),
			       NULL;
		snprintf(qualifier, 129, "%s", q);
	}
	const char *account = call->caller->account;
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn = NULL;
	if (!ref_account[0] || strcmp(ref_account, account) == 0)
		fn = lambda_fn_find(c, account, name);
	if (fn)
		lambda_fn_ref(fn);
	pthread_mutex_unlock(&c->mu);
	if (!fn) {
		char arn[300];
		arn_function_format(arn, sizeof(arn), AWS_REGION_NAME,
				    ref_account[0] ? ref_account : account, name, qualifier);
		return aws_err_set(err, 404, "ResourceNotFoundException", "Function not found: %s",
				   arn),
		       NULL;
	}
	return fn;
}

/* The same, for the operations that take $LATEST only. */
static struct lfunc *fn_of(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char qualifier[129];
	struct lfunc *fn = fn_of_as(call, in, qualifier, err);
	if (fn && qualifier[0] && strcmp(qualifier, "$LATEST") != 0) {
		char arn[300];
		arn_function_format(arn, sizeof(arn), AWS_REGION_NAME, fn->account, fn->name,
				    qualifier);
		aws_err_set(err, 404, "ResourceNotFoundException", "Function not found: %s", arn);
		fn_release(call->cloud, fn);
		return NULL;
	}
	return fn;
}

/*
 * The function of a reserved-concurrency operation: a function name or an unqualified ARN
 * only. PutFunctionConcurrency names a missing one with :$LATEST.
 */
static struct lfunc *fn_of_concurrency(struct svc_call *call, const cJSON *in, bool put,
				       struct aws_err *err)
{
	char qualifier[129];
	struct lfunc *fn = fn_of_as(call, in, qualifier, err);
	if (!fn && put && err->status == 404 && !qualifier[0] &&
	    !strstr(err->message, ":$LATEST") && strlen(err->message) < 900)
		strcat(err->message, ":$LATEST");
	if (fn && qualifier[0]) {
		fn_release(call->cloud, fn);
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "This operation is permitted on Lambda functions only. Aliases and "
			    "versions do not support this operation. Please specify either a "
			    "function name or an unqualified function ARN.");
		return NULL;
	}
	return fn;
}

/* The operations of a function's resource-based policy, which Lambda words apart. */
enum policy_op {
	POLICY_ADD,
	POLICY_GET,
	POLICY_REMOVE
};

/*
 * The function a policy operation names, and in qualifier the version or alias whose own
 * policy it is about ("" or "$LATEST": the function's), with that policy's RevisionId in
 * revision (the function's, the version's or the alias's). NULL with err as Lambda words it
 * for that operation: GetPolicy of anything missing, RemovePermission of a missing function,
 * a missing version or alias, AddPermission on $LATEST.
 */
static struct lfunc *fn_of_policy(struct svc_call *call, const cJSON *in, enum policy_op op,
				  char qualifier[129], char revision[37], struct aws_err *err)
{
	struct cloud *c = call->cloud;
	struct lfunc *fn = fn_of_as(call, in, qualifier, err);
	if (!fn) {
		if (err->status != 404)
			return NULL;
		if (op == POLICY_GET)
			aws_err_set(err, 404, "ResourceNotFoundException",
				    "The resource you requested does not exist.");
		else if (op == POLICY_REMOVE && !qualifier[0] &&
			 str_starts_with(err->message, "Function not found: ")) {
			char arn[sizeof(err->message)];
			snprintf(arn, sizeof(arn), "%s",
				 err->message + strlen("Function not found: "));
			aws_err_set(err, 404, "ResourceNotFoundException",
				    "No policy found for: %s", arn);
		}
		return NULL;
	}
	if (op == POLICY_ADD && strcmp(qualifier, "$LATEST") == 0) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "We currently do not support adding policies for $LATEST.");
		fn_release(c, fn);
		return NULL;
	}
	pthread_mutex_lock(&c->mu);
	bool found = true;
	if (!qualifier[0] || strcmp(qualifier, "$LATEST") == 0) {
		snprintf(revision, 37, "%s", fn->revision);
	} else if (arn_qualifier_is_version(qualifier)) {
		const struct lfunc *v = strlen(qualifier) < 10
						? lambda_version_find(fn, (unsigned)atol(qualifier))
						: NULL;
		found = v != NULL;
		if (v)
			snprintf(revision, 37, "%s", v->revision);
	} else {
		const struct lalias *a = lambda_alias_find(fn, qualifier);
		found = a != NULL;
		if (a)
			snprintf(revision, 37, "%s", a->revision);
	}
	pthread_mutex_unlock(&c->mu);
	if (found)
		return fn;
	char arn[300];
	arn_function_format(arn, sizeof(arn), AWS_REGION_NAME, fn->account, fn->name, qualifier);
	if (op == POLICY_GET)
		aws_err_set(err, 404, "ResourceNotFoundException",
			    "The resource you requested does not exist.");
	else if (!arn_qualifier_is_version(qualifier))
		aws_err_set(err, 404, "ResourceNotFoundException", "Cannot find alias arn: %s",
			    arn);
	else
		aws_err_set(err, 404, "ResourceNotFoundException", "Function not found: %s", arn);
	fn_release(c, fn);
	return NULL;
}

static void fn_release(struct cloud *c, struct lfunc *fn)
{
	pthread_mutex_lock(&c->mu);
	lambda_fn_unref(fn);
	pthread_mutex_unlock(&c->mu);
}

/*
 * Members of a function's configuration the local cloud does not honour yet: a request that
 * sets one is refused, rather than answered as if it had taken effect. A member set to what
 * Lambda does anyway (no layers, no VPC, SnapStart off) is fine.
 */
static bool refuse_unserved(const cJSON *in, struct aws_err *err)
{
	static const char *const unserved[] = { "VpcConfig",   "FileSystemConfigs",
						"ImageConfig", "CodeSigningConfigArn",
						"SnapStart",   NULL };
	for (const char *const *u = unserved; *u; u++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, *u);
		if (!v || cJSON_IsNull(v))
			continue;
		bool empty = (cJSON_IsArray(v) && !v->child) ||
			     (cJSON_IsString(v) && !v->valuestring[0]);
		if (strcmp(*u, "VpcConfig") == 0) {
			const cJSON *sub = cJSON_GetObjectItemCaseSensitive(v, "SubnetIds");
			empty = !sub || !sub->child;
		} else if (strcmp(*u, "SnapStart") == 0) {
			const char *on = in_str(v, "ApplyOn");
			empty = !on || strcmp(on, "None") == 0;
		}
		if (!empty)
			return aws_err_set(err, 400, "InvalidParameterValueException",
					   "The local cloud does not offer %s for functions yet; "
					   "leave it out",
					   *u);
	}
	return true;
}

/*
 * Publish: true on CreateFunction or UpdateFunctionCode: publish a version of what the
 * operation left in $LATEST, and answer with its configuration instead of out (versions.h).
 */
static cJSON *publish_if_asked(struct svc_call *call, const cJSON *in, const char *name, cJSON *out,
			       struct aws_err *err)
{
	if (!out || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "Publish")))
		return out;
	cJSON *pin = cJSON_CreateObject();
	cJSON_AddStringToObject(pin, "FunctionName", name);
	cJSON *v = lambda_op_publish_version(call, pin, err);
	cJSON_Delete(pin);
	cJSON_Delete(out);
	return v;
}

/* TracingConfig.Mode, checked: -1 when absent, 0 PassThrough, 1 Active. */
static int tracing_mode(const cJSON *in)
{
	const char *mode = in_str(cJSON_GetObjectItemCaseSensitive(in, "TracingConfig"), "Mode");
	return !mode ? -1 : strcmp(mode, "Active") == 0;
}

/*
 * Lambda assumes the execution role to run the function: it must be the function's account's,
 * exist and trust Lambda.
 */
static bool role_assumable(struct cloud *c, const char *account, const char *role,
			   struct api_err *e)
{
	if (!role)
		return true;
	/* arn:aws:iam::ACCOUNT:role/NAME, of another account */
	size_t n = strlen(account);
	const char *acct = str_starts_with(role, "arn:aws:iam::") ? role + 13 : NULL;
	if (acct && (strncmp(acct, account, n) != 0 || acct[n] != ':'))
		return api_err_set(e, 403, "AccessDeniedException",
				   "Cross-account pass role is not allowed.");
	if (iam_role_trusts(c, account, role, "lambda.amazonaws.com"))
		return true;
	return api_err_set(e, 400, "InvalidParameterValueException",
			   "The role defined for the function cannot be assumed by Lambda.");
}

/*
 * Active tracing has Lambda send the function's segments to X-Ray with its execution role:
 * the role must allow xray:PutTraceSegments and xray:PutTelemetryRecords (the console adds
 * AWSXRayDaemonWriteAccess), else CreateFunction and UpdateFunctionConfiguration refuse.
 */
static bool role_may_trace(struct cloud *c, const char *account, const char *role,
			   const char *function, struct api_err *e)
{
	static const char *const actions[] = { "PutTraceSegments", "PutTelemetryRecords" };
	for (size_t i = 0; role && i < sizeof(actions) / sizeof(actions[0]); i++) {
		char action[64];
		snprintf(action, sizeof(action), "xray:%s", actions[i]);
		if (!iam_role_may(c, account, role, function, action, "*"))
			return api_err_set(e, 400, "InvalidParameterValueException",
					   "The provided execution role does not have permissions "
					   "to call %s on XRAY",
					   actions[i]);
	}
	return true;
}

/*
 * Lambda sends a failed asynchronous event to the dead-letter queue or topic with the
 * execution role: it must allow sqs:SendMessage or sns:Publish on it, else CreateFunction
 * and UpdateFunctionConfiguration refuse. dlq NULL or "": none to check.
 */
static bool role_may_dead_letter(struct cloud *c, const char *account, const char *role,
				 const char *function, const char *dlq, struct api_err *e)
{
	if (!role || !dlq || !dlq[0])
		return true;
	bool sqs = str_starts_with(dlq, "arn:aws:sqs:");
	if (iam_role_may(c, account, role, function, sqs ? "sqs:SendMessage" : "sns:Publish", dlq))
		return true;
	return api_err_set(e, 400, "InvalidParameterValueException",
			   "The provided execution role does not have permissions to call %s",
			   sqs ? "SendMessage on SQS" : "Publish on SNS");
}

cJSON *lambda_op_create_function(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct api_err e = { 0 };
	struct settings s;
	struct code code = { 0 };
	const char *name = NULL, *dlq = NULL;
	struct lambda_logcfg log = LAMBDA_LOGCFG_INIT;
	if (!refuse_unserved(in, err) || !lambda_logcfg_read(in, &log, err))
		return NULL;
	if (!check_create(in, &name, &s, &dlq, &e) || !role_assumable(c, account, s.role, &e) ||
	    (tracing_mode(in) == 1 && !role_may_trace(c, account, s.role, name, &e)) ||
	    !role_may_dead_letter(c, account, s.role, name, dlq, &e))
		goto fail;
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	if (!lambda_tags_check(tags, err))
		return NULL;
	const char *kms_key = in_str(in, "KMSKeyArn");
	if (kms_key && kms_key[0] && !lambda_kms_usable(c, account, kms_key, true, err))
		return NULL;
	pthread_mutex_lock(&c->mu);
	bool exists = lambda_fn_find(c, account, name) != NULL;
	pthread_mutex_unlock(&c->mu);
	if (exists) {
		api_err_set(&e, 409, "ResourceConflictException", "Function already exist: %s",
			    name);
		goto fail;
	}
	const cJSON *code_in = cJSON_GetObjectItemCaseSensitive(in, "Code");
	if (!cJSON_IsObject(code_in)) {
		api_err_set(&e, 400, "InvalidParameterValueException",
			    "Please provide a source for function code.");
		goto fail;
	}
	if (!decode_code(c, account, name, code_in, "CreateFunction", &code, &e))
		goto fail;
	bool has_layers;
	cJSON *layers = NULL;
	char *opt_dir = NULL;
	if (!read_layers(c, account, name, in, code.dir, &has_layers, &layers, &opt_dir, &e)) {
		free(code.dir);
		goto fail;
	}
	struct lfunc *fn = xcalloc(1, sizeof(*fn));
	snprintf(fn->account, sizeof(fn->account), "%s", account);
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	fn->runtime = xstrdup(s.runtime);
	fn->handler = xstrdup(s.handler);
	fn->role = xstrdup(s.role);
	fn->description = xstrdup(s.description ? s.description : "");
	fn->vars = s.vars ? cJSON_Duplicate(s.vars, true) : NULL;
	fn->memory = s.has_memory ? (int)s.memory : 128;
	fn->timeout = s.has_timeout ? (int)s.timeout : 3;
	fn->arm64 = s.arch == 1;
	fn->ephemeral = s.has_ephemeral ? (int)s.ephemeral : LAMBDA_EPHEMERAL_MIN;
	fn->tracing_active = tracing_mode(in) == 1;
	fn->kms_key = kms_key && kms_key[0] ? xstrdup(kms_key) : NULL;
	fn->log = log;
	memcpy(fn->sha256, code.sha256, sizeof(fn->sha256));
	memcpy(fn->sha_hex, code.sha_hex, sizeof(fn->sha_hex));
	fn->code_size = code.size;
	fn->code_dir = code.dir;
	fn->layers = layers;
	fn->opt_dir = opt_dir;
	fn->reserved = -1;
	fn->refs = 1;
	touch(fn);
	pthread_mutex_lock(&c->mu);
	if (lambda_fn_find(c, account, name)) {
		pthread_mutex_unlock(&c->mu);
		lambda_fn_unref(fn);
		api_err_set(&e, 409, "ResourceConflictException", "Function already exist: %s",
			    name);
		goto fail;
	}
	vec_push(&c->functions, fn);
	lambda_fn_save(c, fn);
	if (dlq)
		async_set_dlq(c, account, name, dlq, NULL, 0);
	lambda_tags_set(c, account, name, tags);
	cJSON *out = lambda_fn_config(c, fn);
	pthread_mutex_unlock(&c->mu);
	lambda_fn_report_changing(out, true);
	return publish_if_asked(call, in, name, out, err);
fail:
	return from_api_err(err, &e), NULL;
}

cJSON *lambda_op_list_functions(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const cJSON *max_v = cJSON_GetObjectItemCaseSensitive(in, "MaxItems");
	const char *marker = in_str(in, "Marker");
	long max = cJSON_IsNumber(max_v) ? (long)max_v->valuedouble : 50;
	long start = marker ? strtol(marker, NULL, 10) : 0;
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "Functions");
	pthread_mutex_lock(&c->mu);
	/* Name order, as the service lists them. */
	struct vec mine = VEC_INIT;
	vec_for_each (&c->functions, i) {
		struct lfunc *fn = c->functions.items[i];
		if (strcmp(fn->account, account) != 0)
			continue;
		size_t k = mine.len;
		vec_push(&mine, fn);
		while (k > 0 && strcmp(((struct lfunc *)mine.items[k - 1])->name, fn->name) > 0) {
			mine.items[k] = mine.items[k - 1];
			k--;
		}
		mine.items[k] = fn;
	}
	for (long i = start; i >= 0 && (size_t)i < mine.len && i < start + max; i++)
		cJSON_AddItemToArray(arr, lambda_fn_config(c, mine.items[i]));
	if (start + max < (long)mine.len) {
		char next[32];
		snprintf(next, sizeof(next), "%ld", start + max);
		cJSON_AddStringToObject(out, "NextMarker", next);
	}
	pthread_mutex_unlock(&c->mu);
	vec_release(&mine);
	(void)err;
	return out;
}

/* GetFunction(Configuration)'s answer for fn as qualifier (NULL: none) named it. */
static cJSON *function_of(struct cloud *c, const struct lfunc *fn, const char *qualifier,
			  bool config_only)
{
	cJSON *cfg = qualifier ? lambda_fn_config_as(c, fn, qualifier) : lambda_fn_config(c, fn);
	if (config_only)
		return cfg;
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Configuration", cfg);
	cJSON *code = cJSON_AddObjectToObject(out, "Code");
	cJSON_AddStringToObject(code, "RepositoryType", "S3");
	/* As Lambda's is, an S3 URL presigned for ten minutes: only the caller gets it. */
	char *path = xasprintf("/_tutor/code/%s/%s?sha=%s", fn->account, fn->name, fn->sha_hex);
	char *loc = auth_presign_cloud(c->auth, c->endpoint, path, 600);
	cJSON_AddStringToObject(code, "Location", loc);
	free(loc);
	free(path);
	if (fn->reserved >= 0) {
		cJSON *conc = cJSON_AddObjectToObject(out, "Concurrency");
		cJSON_AddNumberToObject(conc, "ReservedConcurrentExecutions", fn->reserved);
	}
	cJSON *tags = lambda_tags_of(c, fn->account, fn->name);
	if (tags)
		cJSON_AddItemToObject(out, "Tags", tags);
	return out;
}

static cJSON *get_function(struct svc_call *call, const cJSON *in, struct aws_err *err,
			   bool config_only)
{
	char qualifier[129];
	struct lfunc *fn = fn_of_as(call, in, qualifier, err);
	if (!fn)
		return NULL;
	/* A version, or the version an alias names (versions.h). */
	pthread_mutex_lock(&call->cloud->mu);
	const struct lfunc *v = lambda_fn_named(fn, qualifier, err);
	cJSON *out = v ? function_of(call->cloud, v, qualifier[0] ? qualifier : NULL, config_only)
		       : NULL;
	pthread_mutex_unlock(&call->cloud->mu);
	fn_release(call->cloud, fn);
	return out;
}

cJSON *lambda_op_get_function(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return get_function(call, in, err, false);
}

cJSON *lambda_op_get_function_configuration(struct svc_call *call, const cJSON *in,
					    struct aws_err *err)
{
	return get_function(call, in, err, true);
}

cJSON *lambda_op_update_function_code(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	if (call->http && call->http->too_large)
		return aws_err_set(
			       err, 413, "RequestEntityTooLargeException",
			       "Request must be smaller than %d bytes for the UpdateFunctionCode "
			       "operation",
			       LAMBDA_CREATE_BODY_MAX),
		       NULL;
	if (!refuse_unserved(in, err))
		return NULL;
	struct lfunc *fn = fn_of(call, in, err);
	if (!fn)
		return NULL;
	struct api_err e = { 0 };
	struct settings s;
	struct code code = { 0 };
	cJSON *arch = cJSON_GetObjectItemCaseSensitive(in, "Architectures");
	cJSON *only = cJSON_CreateObject();
	if (arch)
		cJSON_AddItemToObject(only, "Architectures", cJSON_Duplicate(arch, true));
	bool ok = read_settings(only, &s, &e);
	cJSON_Delete(only);
	const char *rev = in_str(in, "RevisionId");
	if (ok && rev && strcmp(rev, fn->revision) != 0)
		ok = api_err_set(
			&e, 412, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. "
			"Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
	if (!ok || !decode_code(c, fn->account, fn->name, in, "UpdateFunctionCode", &code, &e)) {
		fn_release(c, fn);
		return from_api_err(err, &e), NULL;
	}
	pthread_mutex_lock(&c->mu);
	char *old = fn->code_dir;
	fn->code_dir = code.dir;
	memcpy(fn->sha256, code.sha256, sizeof(fn->sha256));
	memcpy(fn->sha_hex, code.sha_hex, sizeof(fn->sha_hex));
	fn->code_size = code.size;
	if (s.arch >= 0)
		fn->arm64 = s.arch == 1;
	touch(fn);
	retire_idle_envs(c, fn);
	lambda_fn_save(c, fn);
	cJSON *out = lambda_fn_config(c, fn);
	lambda_fn_report_changing(out, false);
	bool busy = fn->inflight > 0 || lambda_versions_use_dir(fn, old);
	pthread_mutex_unlock(&c->mu);
	/* Old code goes now unless an invocation or a published version still runs it. */
	if (!busy && strcmp(old, code.dir) != 0) {
		zipcode_remove_tree(old);
		char *zpath = xasprintf("%s.zip", old);
		unlink(zpath);
		free(zpath);
	}
	free(old);
	char name[65];
	snprintf(name, sizeof(name), "%s", fn->name);
	fn_release(c, fn);
	return publish_if_asked(call, in, name, out, err);
}

cJSON *lambda_op_update_function_configuration(struct svc_call *call, const cJSON *in,
					       struct aws_err *err)
{
	struct cloud *c = call->cloud;
	if (!refuse_unserved(in, err))
		return NULL;
	struct lfunc *fn = fn_of(call, in, err);
	if (!fn)
		return NULL;
	struct api_err e = { 0 };
	struct settings s;
	const char *dlq = NULL;
	pthread_mutex_lock(&c->mu);
	char *code_dir = xstrdup(fn->code_dir);
	char *role_now = fn->role ? xstrdup(fn->role) : NULL;
	bool active_now = fn->tracing_active;
	pthread_mutex_unlock(&c->mu);
	bool has_layers = false;
	cJSON *layers = NULL;
	char *opt_dir = NULL;
	/* Tracing turned on, or a new role for a function that traces. */
	bool ok = read_settings(in, &s, &e) && role_assumable(c, fn->account, s.role, &e);
	int will_trace = tracing_mode(in);
	if (ok && (will_trace == 1 || (will_trace < 0 && active_now && s.role)))
		ok = role_may_trace(c, fn->account, s.role ? s.role : role_now, fn->name, &e);
	ok = ok && dead_letter_target(in, &dlq, &e) &&
	     role_may_dead_letter(c, fn->account, s.role ? s.role : role_now, fn->name, dlq, &e) &&
	     read_layers(c, fn->account, fn->name, in, code_dir, &has_layers, &layers, &opt_dir,
			 &e);
	free(role_now);
	free(code_dir);
	if (!ok) {
		fn_release(c, fn);
		return from_api_err(err, &e), NULL;
	}
	const char *rev = in_str(in, "RevisionId");
	int tracing = tracing_mode(in);
	const char *kms_key = in_str(in, "KMSKeyArn");
	if (kms_key && kms_key[0] && !lambda_kms_usable(c, fn->account, kms_key, true, err)) {
		cJSON_Delete(layers);
		free(opt_dir);
		fn_release(c, fn);
		return NULL;
	}
	pthread_mutex_lock(&c->mu);
	struct lambda_logcfg log = fn->log;
	bool log_ok = lambda_logcfg_read(in, &log, err);
	if (!log_ok || (rev && strcmp(rev, fn->revision) != 0)) {
		pthread_mutex_unlock(&c->mu);
		cJSON_Delete(layers);
		free(opt_dir);
		fn_release(c, fn);
		if (!log_ok)
			return NULL;
		return aws_err_set(
			       err, 412, "PreconditionFailedException",
			       "The Revision Id provided does not match the latest Revision Id. "
			       "Call the GetFunction/GetAlias API to retrieve the latest Revision "
			       "Id"),
		       NULL;
	}
	if (s.runtime) {
		free(fn->runtime);
		fn->runtime = xstrdup(s.runtime);
	}
	if (s.handler) {
		free(fn->handler);
		fn->handler = xstrdup(s.handler);
	}
	if (s.role) {
		free(fn->role);
		fn->role = xstrdup(s.role);
	}
	if (s.description) {
		free(fn->description);
		fn->description = xstrdup(s.description);
	}
	if (s.has_memory)
		fn->memory = (int)s.memory;
	if (s.has_timeout)
		fn->timeout = (int)s.timeout;
	if (s.has_ephemeral)
		fn->ephemeral = (int)s.ephemeral;
	if (s.has_env) {
		cJSON_Delete(fn->vars);
		fn->vars = s.vars ? cJSON_Duplicate(s.vars, true) : NULL;
	}
	if (tracing >= 0)
		fn->tracing_active = tracing == 1;
	if (kms_key) {
		/* "" goes back to Lambda's own key. */
		free(fn->kms_key);
		fn->kms_key = kms_key[0] ? xstrdup(kms_key) : NULL;
	}
	fn->log = log;
	if (has_layers) {
		/* The old merged folder goes with the next collection of unused code. */
		cJSON_Delete(fn->layers);
		free(fn->opt_dir);
		fn->layers = layers;
		fn->opt_dir = opt_dir;
	}
	touch(fn);
	retire_idle_envs(c, fn);
	lambda_fn_save(c, fn);
	if (dlq)
		async_set_dlq(c, fn->account, fn->name, dlq, NULL, 0);
	cJSON *out = lambda_fn_config(c, fn);
	pthread_mutex_unlock(&c->mu);
	fn_release(c, fn);
	lambda_fn_report_changing(out, false);
	return out;
}

static void delete_function(struct cloud *c, struct lfunc *fn)
{
	pthread_mutex_lock(&c->mu);
	size_t out = 0;
	vec_for_each (&c->functions, i) {
		if (c->functions.items[i] != fn)
			c->functions.items[out++] = c->functions.items[i];
	}
	bool listed = out != c->functions.len;
	c->functions.len = out;
	fn->deleted = true;
	fn->generation++;
	retire_idle_envs(c, fn);
	pthread_mutex_unlock(&c->mu);
	async_forget_function(c, fn->account, fn->name);
	lambda_versions_forget(c, fn->account, fn->name);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db, "DELETE FROM functions WHERE account = ? AND name = ?", -1,
			   &st, NULL);
	sqlite3_bind_text(st, 1, fn->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, fn->name, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	lambda_policy_forget(c, fn->account, fn->name, NULL);
	lambda_url_forget(c, fn->account, fn->name);
	lambda_tags_forget(c, fn->account, fn->name);
	char *dir = xasprintf("%s/%s/%s", c->code_root, fn->account, fn->name);
	zipcode_remove_tree(dir);
	free(dir);
	if (listed) {
		pthread_mutex_lock(&c->mu);
		lambda_fn_unref(fn);
		pthread_mutex_unlock(&c->mu);
	}
}

cJSON *lambda_op_delete_function(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char qualifier[129];
	struct lfunc *fn = fn_of_as(call, in, qualifier, err);
	if (!fn)
		return NULL;
	bool ok = true;
	if (strcmp(qualifier, "$LATEST") == 0) {
		ok = aws_err_set(
			err, 400, "InvalidParameterValueException",
			"$LATEST version cannot be deleted without deleting the function.");
	} else if (qualifier[0]) {
		/* One published version (versions.h). */
		pthread_mutex_lock(&call->cloud->mu);
		ok = lambda_version_delete_named(call->cloud, fn, qualifier, err);
		pthread_mutex_unlock(&call->cloud->mu);
	} else {
		delete_function(call->cloud, fn);
	}
	fn_release(call->cloud, fn);
	return ok ? cJSON_CreateObject() : NULL;
}

void lambda_reset_account(struct cloud *c, const char *account)
{
	struct vec doomed = VEC_INIT;
	pthread_mutex_lock(&c->mu);
	vec_for_each (&c->functions, i) {
		struct lfunc *fn = c->functions.items[i];
		if (strcmp(fn->account, account) == 0) {
			lambda_fn_ref(fn);
			vec_push(&doomed, fn);
		}
	}
	pthread_mutex_unlock(&c->mu);
	vec_for_each (&doomed, i) {
		delete_function(c, doomed.items[i]);
		pthread_mutex_lock(&c->mu);
		lambda_fn_unref(doomed.items[i]);
		pthread_mutex_unlock(&c->mu);
	}
	vec_release(&doomed);
	lambda_metrics_flush(c);
	static const char *const sqls[] = {
		"DELETE FROM invocations WHERE account = ?",
		"DELETE FROM metrics WHERE account = ?",
	};
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(c->db->db, sqls[i], -1, &st, NULL);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

cJSON *lambda_op_put_function_concurrency(struct svc_call *call, const cJSON *in,
					  struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "ReservedConcurrentExecutions");
	struct lfunc *fn = fn_of_concurrency(call, in, true, err);
	if (!fn)
		return NULL;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != (int)v->valuedouble) {
		fn_release(c, fn);
		if (!cJSON_IsNumber(v))
			return aws_err_set(err, 400, "ValidationException",
					   "1 validation error detected: Value null at "
					   "'reservedConcurrentExecutions' failed to satisfy "
					   "constraint: Member must not be null"),
			       NULL;
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value '%.0f' at "
				   "'reservedConcurrentExecutions' failed to satisfy constraint: "
				   "Member must have value greater than or equal to 0",
				   v->valuedouble),
		       NULL;
	}
	int n = (int)v->valuedouble;
	pthread_mutex_lock(&c->mu);
	int others = 0;
	vec_for_each (&c->functions, i) {
		const struct lfunc *f = c->functions.items[i];
		if (f != fn && f->reserved > 0 && strcmp(f->account, fn->account) == 0)
			others += f->reserved;
	}
	/* Reserved concurrency caps every version: it cannot fall below what its versions and
	 * aliases keep provisioned. AWS does not document this refusal's wording: ours follows
	 * its message for the account's minimum. */
	int provisioned = 0;
	vec_for_each (&fn->provisioned, i)
		provisioned += ((const struct lprov *)fn->provisioned.items[i])->requested;
	cJSON *out = NULL;
	if (c->account_limit - others - n < 100) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "Specified ReservedConcurrentExecutions for function decreases "
			    "account's UnreservedConcurrentExecution below its minimum value of "
			    "[100].");
	} else if (n < provisioned) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "Specified ReservedConcurrentExecutions for function is less than the "
			    "function's total provisioned concurrency [%d].",
			    provisioned);
	} else {
		fn->reserved = n;
		lambda_fn_save(c, fn);
		out = cJSON_CreateObject();
		cJSON_AddNumberToObject(out, "ReservedConcurrentExecutions", n);
	}
	pthread_mutex_unlock(&c->mu);
	fn_release(c, fn);
	return out;
}

cJSON *lambda_op_delete_function_concurrency(struct svc_call *call, const cJSON *in,
					     struct aws_err *err)
{
	struct lfunc *fn = fn_of_concurrency(call, in, false, err);
	if (!fn)
		return NULL;
	pthread_mutex_lock(&call->cloud->mu);
	fn->reserved = -1;
	lambda_fn_save(call->cloud, fn);
	pthread_mutex_unlock(&call->cloud->mu);
	fn_release(call->cloud, fn);
	return cJSON_CreateObject();
}

cJSON *lambda_op_get_function_concurrency(struct svc_call *call, const cJSON *in,
					  struct aws_err *err)
{
	struct lfunc *fn = fn_of_concurrency(call, in, false, err);
	if (!fn)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	pthread_mutex_lock(&call->cloud->mu);
	if (fn->reserved >= 0)
		cJSON_AddNumberToObject(out, "ReservedConcurrentExecutions", fn->reserved);
	pthread_mutex_unlock(&call->cloud->mu);
	fn_release(call->cloud, fn);
	return out;
}

cJSON *lambda_op_get_account_settings(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	pthread_mutex_lock(&c->mu);
	long long total = 0;
	int count = 0, reserved = 0;
	vec_for_each (&c->functions, i) {
		const struct lfunc *f = c->functions.items[i];
		if (strcmp(f->account, account) != 0)
			continue;
		total += f->code_size;
		count++;
		if (f->reserved > 0)
			reserved += f->reserved;
	}
	int limit = c->account_limit;
	pthread_mutex_unlock(&c->mu);
	cJSON *out = cJSON_CreateObject();
	cJSON *lim = cJSON_AddObjectToObject(out, "AccountLimit");
	cJSON_AddNumberToObject(lim, "TotalCodeSize", 80530636800.0);
	cJSON_AddNumberToObject(lim, "CodeSizeUnzipped", (double)LAMBDA_UNZIPPED_MAX);
	cJSON_AddNumberToObject(lim, "CodeSizeZipped", (double)LAMBDA_ZIP_MAX);
	cJSON_AddNumberToObject(lim, "ConcurrentExecutions", limit);
	cJSON_AddNumberToObject(lim, "UnreservedConcurrentExecutions", limit - reserved);
	cJSON *use = cJSON_AddObjectToObject(out, "AccountUsage");
	cJSON_AddNumberToObject(use, "TotalCodeSize", (double)total);
	cJSON_AddNumberToObject(use, "FunctionCount", count);
	(void)in;
	(void)err;
	return out;
}

cJSON *lambda_op_add_permission(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char qualifier[129], revision[37];
	struct lfunc *fn = fn_of_policy(call, in, POLICY_ADD, qualifier, revision, err);
	if (!fn)
		return NULL;
	cJSON *out = lambda_policy_add(call->cloud, fn, qualifier, in, err);
	fn_release(call->cloud, fn);
	return out;
}

cJSON *lambda_op_get_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char qualifier[129], revision[37];
	struct lfunc *fn = fn_of_policy(call, in, POLICY_GET, qualifier, revision, err);
	if (!fn)
		return NULL;
	cJSON *out = lambda_policy_get(call->cloud, fn, qualifier, revision, err);
	fn_release(call->cloud, fn);
	return out;
}

cJSON *lambda_op_remove_permission(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char qualifier[129], revision[37];
	struct lfunc *fn = fn_of_policy(call, in, POLICY_REMOVE, qualifier, revision, err);
	if (!fn)
		return NULL;
	const char *sid = in_str(in, "StatementId");
	bool ok = lambda_policy_remove(call->cloud, fn, qualifier, sid ? sid : "", err);
	fn_release(call->cloud, fn);
	return ok ? cJSON_CreateObject() : NULL;
}
