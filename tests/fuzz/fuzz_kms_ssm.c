/*
 * Fuzz KMS and SSM Parameter Store through their rows of the service table (svc_call_internal,
 * which validates the input against the API models as a request is): the first byte picks
 * the operation, the rest is its JSON input. Both services run over a real database, with a
 * key, an alias and parameters of each type to find, so that ciphertext blobs, selectors
 * (NAME:VERSION, NAME:LABEL), page tokens, filters and encryption contexts meet fuzzed input.
 * Every call must answer an output or an AWS error with a code; a failed call must change
 * nothing that a GetParameter of the seeded parameter reads.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/lambda/zipcode.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct cloud_service kms_service;
extern const struct cloud_service ssm_service;

static const char *const ops[][2] = {
	{ "kms", "Encrypt" },
	{ "kms", "Decrypt" },
	{ "kms", "ReEncrypt" },
	{ "kms", "GenerateDataKey" },
	{ "kms", "CreateAlias" },
	{ "kms", "DescribeKey" },
	{ "kms", "ListAliases" },
	{ "kms", "GenerateDataKeyWithoutPlaintext" },
	{ "kms", "PutKeyPolicy" },
	{ "kms", "ListKeys" },
	{ "ssm", "PutParameter" },
	{ "ssm", "GetParameter" },
	{ "ssm", "GetParameters" },
	{ "ssm", "GetParametersByPath" },
	{ "ssm", "DescribeParameters" },
	{ "ssm", "GetParameterHistory" },
	{ "ssm", "LabelParameterVersion" },
	{ "ssm", "UnlabelParameterVersion" },
	{ "ssm", "DeleteParameters" },
	{ "ssm", "AddTagsToResource" },
};

static char scratch[] = "/tmp/fuzz-kms-ssm-XXXXXX";
static struct cloud cloud;
static struct svc_caller caller = { .account = "111122223333",
				    .arn = "arn:aws:iam::111122223333:root",
				    .region = "us-east-1" };

static cJSON *call(const char *service, const char *op, const char *json, struct aws_err *err)
{
	cJSON *in = cJSON_Parse(json);
	memset(err, 0, sizeof(*err));
	cJSON *out = in ? svc_call_internal(&cloud, &caller, service, op, in, err) : NULL;
	cJSON_Delete(in);
	return out;
}

static void must(const char *service, const char *op, const char *json)
{
	struct aws_err err;
	cJSON *out = call(service, op, json, &err);
	if (!out) {
		fprintf(stderr, "fuzz_kms_ssm: %s %s: %s: %s\n", service, op, err.code,
			err.message);
		abort();
	}
	cJSON_Delete(out);
}

static void must(const char *service, const char *op, const char *json);

/* The seeded SecureString's first value, decrypted: no fuzzed input changes it (a deleted one
 * is put back). */
static void check_seed(void)
{
	struct aws_err err;
	cJSON *out = call("ssm", "GetParameter",
			  "{\"Name\":\"/seed/secret:1\",\"WithDecryption\":true}", &err);
	if (!out && strcmp(err.code, "ParameterNotFound") == 0) {
		aws_err_release(&err);
		must("ssm", "PutParameter",
		     "{\"Name\":\"/seed/secret\",\"Value\":\"s3cr3t\",\"Type\":\"SecureString\","
		     "\"KeyId\":\"alias/seed\"}");
		return;
	}
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(out, "Parameter");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "Value");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "s3cr3t") != 0)
		abort();
	cJSON_Delete(out);
	aws_err_release(&err);
}

static void teardown(void)
{
	vclock_free(cloud.vclock);
	cloud_db_close(cloud.db);
	zipcode_remove_tree(scratch);
}

static void setup(void)
{
	if (!mkdtemp(scratch))
		abort();
	char *path = xasprintf("%s/cloud.db", scratch);
	struct error err;
	cloud.db = cloud_db_open(path, &err);
	free(path);
	cloud.vclock = vclock_new(1e-9, NULL);
	if (!cloud.db || !svc_migrate(cloud.db, &kms_service, &err) ||
	    !svc_migrate(cloud.db, &ssm_service, &err)) {
		error_print(stderr, &err);
		abort();
	}
	atexit(teardown);
	struct aws_err e;
	cJSON *key = call("kms", "CreateKey", "{\"Description\":\"seed\"}", &e);
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(key, "KeyMetadata");
	char *alias = xasprintf("{\"AliasName\":\"alias/seed\",\"TargetKeyId\":\"%s\"}",
				cJSON_GetObjectItemCaseSensitive(md, "KeyId")->valuestring);
	cJSON_Delete(key);
	must("kms", "CreateAlias", alias);
	free(alias);
	must("ssm", "PutParameter",
	     "{\"Name\":\"/seed/secret\",\"Value\":\"s3cr3t\",\"Type\":\"SecureString\","
	     "\"KeyId\":\"alias/seed\"}");
	must("ssm", "PutParameter",
	     "{\"Name\":\"/seed/list\",\"Value\":\"a,b\",\"Type\":\"StringList\"}");
	must("ssm", "PutParameter",
	     "{\"Name\":\"/seed/deep/x\",\"Value\":\"1\",\"Type\":\"String\"}");
	must("ssm", "LabelParameterVersion", "{\"Name\":\"/seed/list\",\"Labels\":[\"prod\"]}");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	size_t nops = sizeof(ops) / sizeof(ops[0]);
	const char *const *op = ops[data[0] % nops];
	char *json = xmalloc(size);
	memcpy(json, data + 1, size - 1);
	json[size - 1] = 0;
	struct aws_err err;
	cJSON *out = call(op[0], op[1], json, &err);
	cJSON *parsed = cJSON_Parse(json);
	bool neither = !out && parsed && !err.code[0];
	cJSON_Delete(parsed);
	/* An answer, or an error with a code: never neither. */
	if (neither) {
		fprintf(stderr, "fuzz_kms_ssm: %s %s failed without an error\n", op[0], op[1]);
		abort();
	}
	cJSON_Delete(out);
	aws_err_release(&err);
	free(json);
	check_seed();
	return 0;
}
