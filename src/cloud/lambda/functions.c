/*
 * Functions: kept in memory for the hot path, written through to the database.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/async/async.h"
#include "cloud/http/aws.h"
#include "cloud/iam/iam.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/versions.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/path.h"
#include "core/xalloc.h"

struct lfunc *lambda_fn_find(struct cloud *c, const char *account, const char *name)
{
	vec_for_each (&c->functions, i) {
		struct lfunc *fn = c->functions.items[i];
		if (strcmp(fn->name, name) == 0 && strcmp(fn->account, account) == 0)
			return fn;
	}
	return NULL;
}

int lambda_account_inflight(struct cloud *c, const char *account)
{
	int n = 0;
	pthread_mutex_lock(&c->mu);
	vec_for_each (&c->functions, i) {
		const struct lfunc *fn = c->functions.items[i];
		if (strcmp(fn->account, account) == 0)
			n += fn->inflight;
	}
	pthread_mutex_unlock(&c->mu);
	return n;
}

void lambda_fn_ref(struct lfunc *fn)
{
	fn->refs++;
}

void lambda_fn_unref(struct lfunc *fn)
{
	if (!fn || --fn->refs > 0)
		return;
	free(fn->runtime);
	free(fn->handler);
	free(fn->role);
	free(fn->description);
	free(fn->kms_key);
	cJSON_Delete(fn->vars);
	free(fn->code_dir);
	cJSON_Delete(fn->layers);
	free(fn->opt_dir);
	lambda_versions_release(fn);
	free(fn);
}

void lambda_fn_arn(const struct lfunc *fn, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:lambda:" AWS_REGION_NAME ":%s:function:%s", fn->account,
		 fn->name);
	if (fn->version)
		snprintf(out + strlen(out), n - strlen(out), ":%u", fn->version);
}

void lambda_fn_report_changing(cJSON *cfg, bool created)
{
	if (!cfg)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, "LastUpdateStatus");
	if (created) {
		cJSON_ReplaceItemInObjectCaseSensitive(cfg, "State", cJSON_CreateString("Pending"));
		cJSON_AddStringToObject(cfg, "StateReason", "The function is being created.");
		cJSON_AddStringToObject(cfg, "StateReasonCode", "Creating");
		return;
	}
	cJSON_AddStringToObject(cfg, "LastUpdateStatus", "InProgress");
	cJSON_AddStringToObject(cfg, "LastUpdateStatusReason", "The function is being created.");
	cJSON_AddStringToObject(cfg, "LastUpdateStatusReasonCode", "Creating");
}

cJSON *lambda_fn_config(struct cloud *c, const struct lfunc *fn)
{
	char v[12];
	return lambda_fn_config_as(c, fn, fn->version ? lambda_fn_version_name(fn, v) : NULL);
}

cJSON *lambda_fn_config_as(struct cloud *c, const struct lfunc *fn, const char *qualifier)
{
	cJSON *o = cJSON_CreateObject();
	char arn[300], when[32], version[12];
	snprintf(arn, sizeof(arn), "arn:aws:lambda:" AWS_REGION_NAME ":%s:function:%s", fn->account,
		 fn->name);
	if (qualifier && qualifier[0])
		snprintf(arn + strlen(arn), sizeof(arn) - strlen(arn), ":%s", qualifier);
	aws_time_lambda(fn->modified_ms, when);
	const struct lambda_runtime *rt = lambda_runtime_find(fn->runtime);
	cJSON_AddStringToObject(o, "FunctionName", fn->name);
	cJSON_AddStringToObject(o, "FunctionArn", arn);
	cJSON_AddStringToObject(o, "Runtime", fn->runtime);
	cJSON_AddStringToObject(o, "Role", fn->role);
	cJSON_AddStringToObject(o, "Handler", fn->handler);
	cJSON_AddNumberToObject(o, "CodeSize", (double)fn->code_size);
	cJSON_AddStringToObject(o, "Description", fn->description ? fn->description : "");
	cJSON_AddNumberToObject(o, "Timeout", fn->timeout);
	cJSON_AddNumberToObject(o, "MemorySize", fn->memory);
	cJSON_AddStringToObject(o, "LastModified", when);
	cJSON_AddStringToObject(o, "CodeSha256", fn->sha256);
	cJSON_AddStringToObject(o, "Version", lambda_fn_version_name(fn, version));
	if (fn->vars) {
		cJSON *env = cJSON_AddObjectToObject(o, "Environment");
		cJSON_AddItemToObject(env, "Variables", cJSON_Duplicate(fn->vars, true));
	}
	if (fn->layers)
		cJSON_AddItemToObject(o, "Layers", cJSON_Duplicate(fn->layers, true));
	if (fn->kms_key)
		cJSON_AddStringToObject(o, "KMSKeyArn", fn->kms_key);
	cJSON *tracing = cJSON_AddObjectToObject(o, "TracingConfig");
	cJSON_AddStringToObject(tracing, "Mode", fn->tracing_active ? "Active" : "PassThrough");
	cJSON_AddStringToObject(o, "RevisionId", fn->revision);
	cJSON_AddStringToObject(o, "State", "Active");
	cJSON_AddStringToObject(o, "LastUpdateStatus", "Successful");
	cJSON_AddStringToObject(o, "PackageType", "Zip");
	cJSON *arch = cJSON_AddArrayToObject(o, "Architectures");
	cJSON_AddItemToArray(arch, cJSON_CreateString(fn->arm64 ? "arm64" : "x86_64"));
	cJSON *eph = cJSON_AddObjectToObject(o, "EphemeralStorage");
	cJSON_AddNumberToObject(eph, "Size",
				fn->ephemeral > 0 ? fn->ephemeral : LAMBDA_EPHEMERAL_MIN);
	cJSON *snap = cJSON_AddObjectToObject(o, "SnapStart");
	cJSON_AddStringToObject(snap, "ApplyOn", "None");
	cJSON_AddStringToObject(snap, "OptimizationStatus", "Off");
	if (rt) {
		cJSON *rv = cJSON_AddObjectToObject(o, "RuntimeVersionConfig");
		char rarn[160];
		snprintf(
			rarn, sizeof(rarn), "arn:aws:lambda:" AWS_REGION_NAME "::runtime:%.64s",
			fn->sha_hex[0]
				? "0f2f4c1b9a6de0c2d8a9b7e3c4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"
				: "");
		cJSON_AddStringToObject(rv, "RuntimeVersionArn", rarn);
	}
	lambda_logcfg_to_config(&fn->log, fn->name, o);
	char dlq[256];
	async_get_dlq(c, fn->account, fn->name, dlq, sizeof(dlq));
	if (dlq[0])
		cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "DeadLetterConfig"), "TargetArn",
					dlq);
	return o;
}

cJSON *lambda_fn_state(const struct lfunc *fn)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Runtime", fn->runtime);
	cJSON_AddStringToObject(o, "Handler", fn->handler);
	cJSON_AddStringToObject(o, "Role", fn->role);
	cJSON_AddStringToObject(o, "Description", fn->description ? fn->description : "");
	if (fn->vars)
		cJSON_AddItemToObject(o, "Variables", cJSON_Duplicate(fn->vars, true));
	cJSON_AddNumberToObject(o, "MemorySize", fn->memory);
	cJSON_AddNumberToObject(o, "Timeout", fn->timeout);
	cJSON_AddNumberToObject(o, "EphemeralStorage", fn->ephemeral);
	cJSON_AddBoolToObject(o, "Arm64", fn->arm64);
	cJSON_AddBoolToObject(o, "TracingActive", fn->tracing_active);
	if (fn->kms_key)
		cJSON_AddStringToObject(o, "KMSKeyArn", fn->kms_key);
	lambda_logcfg_save(&fn->log, o);
	cJSON_AddStringToObject(o, "CodeSha256", fn->sha256);
	cJSON_AddStringToObject(o, "ShaHex", fn->sha_hex);
	cJSON_AddNumberToObject(o, "CodeSize", (double)fn->code_size);
	cJSON_AddStringToObject(o, "RevisionId", fn->revision);
	cJSON_AddNumberToObject(o, "LastModified", (double)fn->modified_ms);
	cJSON_AddNumberToObject(o, "Reserved", fn->reserved);
	cJSON_AddStringToObject(o, "CodeDir", fn->code_dir);
	if (fn->layers)
		cJSON_AddItemToObject(o, "Layers", cJSON_Duplicate(fn->layers, true));
	if (fn->opt_dir)
		cJSON_AddStringToObject(o, "OptDir", fn->opt_dir);
	if (fn->last_version)
		cJSON_AddNumberToObject(o, "LastVersion", fn->last_version);
	if (fn->source_digest[0])
		cJSON_AddStringToObject(o, "SourceDigest", fn->source_digest);
	return o;
}

bool lambda_fn_save(struct cloud *c, const struct lfunc *fn)
{
	cJSON *o = lambda_fn_state(fn);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		c->db->db,
		"INSERT OR REPLACE INTO functions(account, name, config) VALUES(?, ?, ?)", -1, &st,
		NULL);
	sqlite3_bind_text(st, 1, fn->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, fn->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	free(text);
	return ok;
}

static char *jdup(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return xstrdup(cJSON_IsString(v) ? v->valuestring : "");
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

struct lfunc *lambda_fn_from_state(const char *account, const char *name, const cJSON *o)
{
	struct lfunc *fn = xcalloc(1, sizeof(*fn));
	snprintf(fn->account, sizeof(fn->account), "%s", account);
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	fn->runtime = jdup(o, "Runtime");
	fn->handler = jdup(o, "Handler");
	fn->role = jdup(o, "Role");
	fn->description = jdup(o, "Description");
	cJSON *vars = cJSON_GetObjectItemCaseSensitive(o, "Variables");
	fn->vars = vars ? cJSON_Duplicate(vars, true) : NULL;
	fn->memory = (int)jnum(o, "MemorySize");
	fn->timeout = (int)jnum(o, "Timeout");
	fn->ephemeral = (int)jnum(o, "EphemeralStorage");
	fn->arm64 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "Arm64"));
	fn->tracing_active = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "TracingActive"));
	const char *kms_key =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "KMSKeyArn"));
	fn->kms_key = kms_key && kms_key[0] ? xstrdup(kms_key) : NULL;
	lambda_logcfg_load(&fn->log, o);
	char *s = jdup(o, "CodeSha256");
	snprintf(fn->sha256, sizeof(fn->sha256), "%s", s);
	free(s);
	s = jdup(o, "ShaHex");
	snprintf(fn->sha_hex, sizeof(fn->sha_hex), "%s", s);
	free(s);
	s = jdup(o, "RevisionId");
	snprintf(fn->revision, sizeof(fn->revision), "%s", s);
	free(s);
	s = jdup(o, "SourceDigest");
	snprintf(fn->source_digest, sizeof(fn->source_digest), "%s", s);
	free(s);
	fn->code_size = (long long)jnum(o, "CodeSize");
	fn->modified_ms = (long long)jnum(o, "LastModified");
	fn->reserved = (int)jnum(o, "Reserved");
	fn->last_version = (unsigned)jnum(o, "LastVersion");
	fn->code_dir = jdup(o, "CodeDir");
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(o, "Layers");
	fn->layers = cJSON_IsArray(layers) ? cJSON_Duplicate(layers, true) : NULL;
	const char *opt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "OptDir"));
	fn->opt_dir = opt ? xstrdup(opt) : NULL;
	fn->refs = 1;
	return fn;
}

void lambda_fn_load_all(struct cloud *c)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db, "SELECT account, name, config FROM functions", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_Parse((const char *)sqlite3_column_text(st, 2));
		if (!o)
			continue;
		struct lfunc *fn =
			lambda_fn_from_state((const char *)sqlite3_column_text(st, 0),
					     (const char *)sqlite3_column_text(st, 1), o);
		cJSON_Delete(o);
		vec_push(&c->functions, fn);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	lambda_versions_load(c);
}

bool lambda_kms_usable(struct cloud *c, const char *account, const char *key, bool create,
		       struct aws_err *err)
{
	struct svc_caller lambda;
	svc_caller_for_account(&lambda, account);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "KeyId", key);
	struct aws_err e = { 0 };
	cJSON *out = svc_call_internal(c, &lambda, "kms", "DescribeKey", in, &e);
	cJSON_Delete(in);
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(out, "KeyMetadata");
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "KeyState"));
	bool ok = false;
	if (!out && create)
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "Lambda was unable to configure access to your environment variables "
			    "because the KMS key is invalid for CreateGrant. Please check your KMS "
			    "key settings. KMS Exception: %s KMS Message: %s",
			    e.code, e.message);
	else if (!out)
		aws_err_set(err, 502, "KMSNotFoundException",
			    "Lambda was unable to decrypt the environment variables because the "
			    "KMS key was not found. Please check the function's KMS key settings. "
			    "KMS Exception: %s KMS Message: %s",
			    e.code, e.message);
	else if (!create && state && strcmp(state, "Disabled") == 0)
		aws_err_set(err, 502, "KMSDisabledException",
			    "Lambda was unable to decrypt the environment variables because the "
			    "KMS key used is disabled. Please check the function's KMS key "
			    "settings.");
	else if (!create && state && strcmp(state, "Enabled") != 0)
		aws_err_set(err, 502, "KMSInvalidStateException",
			    "Lambda was unable to decrypt the environment variables because the "
			    "KMS key used is in an invalid state for Decrypt. Please check the "
			    "function's KMS key settings.");
	else
		ok = true;
	aws_err_release(&e);
	cJSON_Delete(out);
	return ok;
}

bool lambda_kms_role_may(struct cloud *c, const char *account, const char *key, const char *role,
			 const char *function, struct aws_err *err)
{
	struct svc_caller lambda;
	svc_caller_for_account(&lambda, account);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "KeyId", key);
	struct aws_err e = { 0 };
	cJSON *md = svc_call_internal(c, &lambda, "kms", "DescribeKey", in, &e);
	aws_err_release(&e);
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(md, "KeyMetadata");
	const char *arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "Arn"));
	const char *manager =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "KeyManager"));
	bool ok = true;
	/* An AWS managed key is Lambda's own to use; a key that is not there was answered. */
	if (arn && !(manager && strcmp(manager, "AWS") == 0)) {
		cJSON_AddStringToObject(in, "PolicyName", "default");
		cJSON *pol = svc_call_internal(c, &lambda, "kms", "GetKeyPolicy", in, &e);
		aws_err_release(&e);
		struct iam_authz q = {
			.action = "kms:Decrypt",
			.resource = arn,
			.resource_policy = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(pol, "Policy")),
		};
		struct iam_result r;
		ok = iam_role_decide(c, account, role, function, &q, &r);
		if (!ok)
			aws_err_set(
				err, 502, "KMSAccessDeniedException",
				"Lambda was unable to decrypt the environment variables because "
				"KMS access was denied. Please check the function's KMS key "
				"settings. KMS Exception: AccessDeniedExceptionKMS Message: %s",
				r.message);
		cJSON_Delete(pol);
	}
	cJSON_Delete(md);
	cJSON_Delete(in);
	return ok;
}
