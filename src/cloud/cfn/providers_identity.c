/*
 * The resource types of the services that keep secrets: Secrets Manager secrets (a value of
 * the template's, or a password Secrets Manager generates) and KMS keys and aliases, each
 * made through its service's own API.
 */
#include "cloud/cfn/providers.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/intrinsic.h"
#include "core/xalloc.h"

#define S cfn_prop_str

/* ---- AWS::SecretsManager::Secret ---- */

/*
 * The value GenerateSecretString asks for: a password from GetRandomPassword, or, with
 * SecretStringTemplate and GenerateStringKey, the template's JSON object with the password
 * under that key. Caller frees; NULL with err set.
 */
static char *generated_value(struct cfn_res *r, const cJSON *gen, struct aws_err *err)
{
	if (!cJSON_IsObject(gen))
		return cfn_invalid(err, "#/GenerateSecretString: expected type: JSONObject"), NULL;
	const char *tmpl = S(gen, "SecretStringTemplate"), *key = S(gen, "GenerateStringKey");
	if (!tmpl != !key)
		return cfn_invalid(err, "#/GenerateSecretString: SecretStringTemplate and "
					"GenerateStringKey go together: give both or neither"),
		       NULL;
	cJSON *doc = NULL;
	if (tmpl) {
		doc = cJSON_Parse(tmpl);
		if (!cJSON_IsObject(doc)) {
			cJSON_Delete(doc);
			return cfn_invalid(err,
					   "#/GenerateSecretString/SecretStringTemplate: "
					   "expected a JSON object: %s",
					   tmpl),
			       NULL;
		}
	}
	cJSON *in = cJSON_CreateObject();
	if (!cfn_copy_int(in, gen, "PasswordLength", NULL, err) ||
	    !cfn_copy_str(in, gen, "ExcludeCharacters", NULL, err) ||
	    !cfn_copy_bool(in, gen, "ExcludeNumbers", NULL, err) ||
	    !cfn_copy_bool(in, gen, "ExcludePunctuation", NULL, err) ||
	    !cfn_copy_bool(in, gen, "ExcludeUppercase", NULL, err) ||
	    !cfn_copy_bool(in, gen, "ExcludeLowercase", NULL, err) ||
	    !cfn_copy_bool(in, gen, "IncludeSpace", NULL, err) ||
	    !cfn_copy_bool(in, gen, "RequireEachIncludedType", NULL, err)) {
		cJSON_Delete(in);
		cJSON_Delete(doc);
		return NULL;
	}
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "secretsmanager", "GetRandomPassword", in, &out, err)) {
		cJSON_Delete(doc);
		return NULL;
	}
	const char *pw = S(out, "RandomPassword");
	char *value;
	if (doc) {
		cJSON_DeleteItemFromObjectCaseSensitive(doc, key);
		cJSON_AddStringToObject(doc, key, pw ? pw : "");
		value = cJSON_PrintUnformatted(doc);
		cJSON_Delete(doc);
	} else {
		value = xstrdup(pw ? pw : "");
	}
	cJSON_Delete(out);
	return value;
}

/* The secret's value from props into in[SecretString]: the template's, a generated one, or
 * none (an empty secret). */
static bool secret_value(struct cfn_res *r, cJSON *in, const cJSON *props, struct aws_err *err)
{
	const cJSON *gen = cJSON_GetObjectItemCaseSensitive(props, "GenerateSecretString");
	bool given = cJSON_GetObjectItemCaseSensitive(props, "SecretString") != NULL;
	if (gen && given)
		return cfn_invalid(err, "#: only one of SecretString and GenerateSecretString "
					"may be given");
	if (given)
		return cfn_copy_str(in, props, "SecretString", NULL, err);
	if (!gen)
		return true;
	char *v = generated_value(r, gen, err);
	if (!v)
		return false;
	cJSON_AddStringToObject(in, "SecretString", v);
	memset(v, 0, strlen(v));
	free(v);
	return true;
}

static bool secret_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	char *name =
		S(props, "Name") ? xstrdup(S(props, "Name")) : cfn_physical_name(r, 512, false);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Name", name);
	free(name);
	if (!cfn_copy_str(in, props, "Description", NULL, err) ||
	    !cfn_copy_str(in, props, "KmsKeyId", NULL, err) || !secret_value(r, in, props, err)) {
		cJSON_Delete(in);
		return false;
	}
	cfn_copy_raw(in, props, "Tags", NULL);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "secretsmanager", "CreateSecret", in, &out, err))
		return false;
	const char *arn = S(out, "ARN");
	r->physical = xstrdup(arn ? arn : "");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "Id", r->physical);
	cJSON_Delete(out);
	return true;
}

/* The tags of props that old did not have with the same value are put; those gone, removed. */
static bool secret_tags(struct cfn_res *r, const char *arn, const cJSON *old_props,
			const cJSON *props, struct aws_err *err)
{
	if (!cfn_prop_changed(old_props, props, "Tags"))
		return true;
	cJSON *old = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(old_props, "Tags"));
	cJSON *now = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(props, "Tags"));
	cJSON *keys = cJSON_CreateArray();
	const cJSON *t;
	cJSON_ArrayForEach(t, old)
	{
		if (!cJSON_GetObjectItemCaseSensitive(now, t->string))
			cJSON_AddItemToArray(keys, cJSON_CreateString(t->string));
	}
	bool ok = true;
	if (cJSON_GetArraySize(keys) > 0) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "SecretId", arn);
		cJSON_AddItemToObject(in, "TagKeys", keys);
		keys = NULL;
		ok = cfn_call_owned(r, "secretsmanager", "UntagResource", in, NULL, err);
	}
	cJSON_Delete(keys);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(props, "Tags");
	if (ok && cJSON_GetArraySize(list) > 0) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "SecretId", arn);
		cJSON_AddItemToObject(in, "Tags", cJSON_Duplicate(list, true));
		ok = cfn_call_owned(r, "secretsmanager", "TagResource", in, NULL, err);
	}
	cJSON_Delete(old);
	cJSON_Delete(now);
	return ok;
}

static bool secret_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			  const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	(void)attrs;
	bool value = cfn_prop_changed(old_props, props, "SecretString") ||
		     cfn_prop_changed(old_props, props, "GenerateSecretString");
	if (value || cfn_prop_changed(old_props, props, "Description") ||
	    cfn_prop_changed(old_props, props, "KmsKeyId")) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "SecretId", physical);
		if (!cfn_copy_str(in, props, "Description", NULL, err) ||
		    !cfn_copy_str(in, props, "KmsKeyId", NULL, err) ||
		    (value && !secret_value(r, in, props, err))) {
			cJSON_Delete(in);
			return false;
		}
		if (!cfn_call_owned(r, "secretsmanager", "UpdateSecret", in, NULL, err))
			return false;
	}
	return secret_tags(r, physical, old_props, props, err);
}

/* CloudFormation deletes a secret at once, with no recovery window. */
static bool secret_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			  const cJSON *attrs, struct aws_err *err)
{
	(void)props;
	(void)attrs;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "SecretId", physical);
	cJSON_AddTrueToObject(in, "ForceDeleteWithoutRecovery");
	return cfn_call_delete(r, "secretsmanager", "DeleteSecret", in, err);
}

static const char *const secret_replace[] = { "Name", NULL };
static const char *const secret_attributes[] = { "Id", NULL };

const struct cfn_provider cfn_secretsmanager_secret = {
	.type = "AWS::SecretsManager::Secret",
	.create = secret_create,
	.update = secret_update,
	.remove = secret_remove,
	.replace = secret_replace,
	.attributes = secret_attributes,
};

/* ---- AWS::KMS::Key ---- */

/* Turn the key's automatic rotation on or off (RotationPeriodInDays with it). */
static bool key_rotation(struct cfn_res *r, const char *id, const cJSON *props, struct aws_err *err)
{
	const cJSON *on = cJSON_GetObjectItemCaseSensitive(props, "EnableKeyRotation");
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "KeyId", id);
	bool enable =
		cJSON_IsTrue(on) || (cJSON_IsString(on) && strcmp(on->valuestring, "true") == 0);
	if (enable && !cfn_copy_int(in, props, "RotationPeriodInDays", NULL, err)) {
		cJSON_Delete(in);
		return false;
	}
	return cfn_call_owned(r, "kms", enable ? "EnableKeyRotation" : "DisableKeyRotation", in,
			      NULL, err);
}

/* Enabled: false disables the key, true (or absent) enables it. */
static bool key_enabled(struct cfn_res *r, const char *id, const cJSON *props, struct aws_err *err)
{
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(props, "Enabled");
	bool off =
		cJSON_IsFalse(en) || (cJSON_IsString(en) && strcmp(en->valuestring, "false") == 0);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "KeyId", id);
	return cfn_call_owned(r, "kms", off ? "DisableKey" : "EnableKey", in, NULL, err);
}

static bool key_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	if (!cfn_copy_str(in, props, "Description", NULL, err) ||
	    !cfn_copy_str(in, props, "KeySpec", NULL, err) ||
	    !cfn_copy_str(in, props, "KeyUsage", NULL, err) ||
	    !cfn_copy_bool(in, props, "MultiRegion", NULL, err) ||
	    !cfn_copy_str(in, props, "Origin", NULL, err) ||
	    !cfn_copy_bool(in, props, "BypassPolicyLockoutSafetyCheck", NULL, err)) {
		cJSON_Delete(in);
		return false;
	}
	const cJSON *policy = cJSON_GetObjectItemCaseSensitive(props, "KeyPolicy");
	if (policy) {
		char *text = cfn_json_text(policy);
		cJSON_AddStringToObject(in, "Policy", text ? text : "");
		free(text);
	}
	/* KMS names a tag's parts TagKey and TagValue. */
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(props, "Tags"), *t;
	if (cJSON_GetArraySize(tags) > 0) {
		cJSON *list = cJSON_AddArrayToObject(in, "Tags");
		cJSON_ArrayForEach(t, tags)
		{
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "TagKey", S(t, "Key") ? S(t, "Key") : "");
			cJSON_AddStringToObject(o, "TagValue", S(t, "Value") ? S(t, "Value") : "");
			cJSON_AddItemToArray(list, o);
		}
	}
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "kms", "CreateKey", in, &out, err))
		return false;
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(out, "KeyMetadata");
	const char *id = S(meta, "KeyId"), *arn = S(meta, "Arn");
	r->physical = xstrdup(id ? id : "");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "Arn", arn ? arn : "");
	cJSON_AddStringToObject(r->attrs, "KeyId", r->physical);
	cJSON_Delete(out);
	if (cJSON_GetObjectItemCaseSensitive(props, "EnableKeyRotation") &&
	    !key_rotation(r, r->physical, props, err))
		return false;
	return !cJSON_GetObjectItemCaseSensitive(props, "Enabled") ||
	       key_enabled(r, r->physical, props, err);
}

static bool key_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
		       const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	(void)attrs;
	if (cfn_prop_changed(old_props, props, "Enabled") && !key_enabled(r, physical, props, err))
		return false;
	if (cfn_prop_changed(old_props, props, "Description")) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "KeyId", physical);
		cJSON_AddStringToObject(in, "Description",
					S(props, "Description") ? S(props, "Description") : "");
		if (!cfn_call_owned(r, "kms", "UpdateKeyDescription", in, NULL, err))
			return false;
	}
	if (cfn_prop_changed(old_props, props, "KeyPolicy") &&
	    cJSON_GetObjectItemCaseSensitive(props, "KeyPolicy")) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "KeyId", physical);
		char *text = cfn_json_text(cJSON_GetObjectItemCaseSensitive(props, "KeyPolicy"));
		cJSON_AddStringToObject(in, "Policy", text ? text : "");
		free(text);
		if (!cfn_call_owned(r, "kms", "PutKeyPolicy", in, NULL, err))
			return false;
	}
	if ((cfn_prop_changed(old_props, props, "EnableKeyRotation") ||
	     cfn_prop_changed(old_props, props, "RotationPeriodInDays")) &&
	    !key_rotation(r, physical, props, err))
		return false;
	return true;
}

/* A key is never deleted at once: it is scheduled for deletion after PendingWindowInDays
 * (30 by default), as CloudFormation does. */
static bool key_remove(struct cfn_res *r, const char *physical, const cJSON *props,
		       const cJSON *attrs, struct aws_err *err)
{
	(void)attrs;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "KeyId", physical);
	if (!cfn_copy_int(in, props, "PendingWindowInDays", NULL, err)) {
		cJSON_Delete(in);
		return false;
	}
	if (!cJSON_GetObjectItemCaseSensitive(in, "PendingWindowInDays"))
		cJSON_AddNumberToObject(in, "PendingWindowInDays", 30);
	cJSON *out = cfn_call(r, "kms", "ScheduleKeyDeletion", in, err);
	cJSON_Delete(in);
	if (out) {
		cJSON_Delete(out);
		return true;
	}
	/* Gone already, or already pending deletion: deleted as far as the stack goes. */
	if (cfn_not_found(err) || strcmp(err->code, "KMSInvalidStateException") == 0) {
		aws_err_release(err);
		return true;
	}
	return false;
}

static const char *const key_replace[] = { "KeySpec", "KeyUsage", "MultiRegion", "Origin", NULL };
static const char *const key_attributes[] = { "Arn", "KeyId", NULL };

const struct cfn_provider cfn_kms_key = {
	.type = "AWS::KMS::Key",
	.create = key_create,
	.update = key_update,
	.remove = key_remove,
	.replace = key_replace,
	.attributes = key_attributes,
};

/* ---- AWS::KMS::Alias ---- */

static bool alias_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!S(props, "AliasName"))
		return cfn_required(err, "AliasName");
	if (!S(props, "TargetKeyId"))
		return cfn_required(err, "TargetKeyId");
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "AliasName", S(props, "AliasName"));
	cJSON_AddStringToObject(in, "TargetKeyId", S(props, "TargetKeyId"));
	if (!cfn_call_owned(r, "kms", "CreateAlias", in, NULL, err))
		return false;
	r->physical = xstrdup(S(props, "AliasName"));
	r->attrs = cJSON_CreateObject();
	return true;
}

static bool alias_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			 const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	(void)old_props;
	(void)attrs;
	if (!S(props, "TargetKeyId"))
		return cfn_required(err, "TargetKeyId");
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "AliasName", physical);
	cJSON_AddStringToObject(in, "TargetKeyId", S(props, "TargetKeyId"));
	return cfn_call_owned(r, "kms", "UpdateAlias", in, NULL, err);
}

static bool alias_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			 const cJSON *attrs, struct aws_err *err)
{
	(void)props;
	(void)attrs;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "AliasName", physical);
	return cfn_call_delete(r, "kms", "DeleteAlias", in, err);
}

static const char *const alias_replace[] = { "AliasName", NULL };
static const char *const alias_attributes[] = { NULL };

const struct cfn_provider cfn_kms_alias = {
	.type = "AWS::KMS::Alias",
	.create = alias_create,
	.update = alias_update,
	.remove = alias_remove,
	.replace = alias_replace,
	.attributes = alias_attributes,
};
