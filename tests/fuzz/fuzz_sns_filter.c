/*
 * Fuzz the SNS filter policy checks (sns_filter_check) and the match (sns_filter_match). The
 * input is a policy, a newline, then a message body; the first byte picks the scope. A policy
 * refused must say why; one valid on attributes must be valid on the body, where nesting is
 * allowed; a valid one is matched against the body and against the body's top-level strings
 * and numbers as message attributes, twice, with the same answer. A valid body policy is a
 * valid EventBridge pattern, and the same match on a whole document.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/sns/filter.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The body's top-level strings and numbers as attributes in SQS's shape. Caller deletes. */
static cJSON *attributes_from(const char *body)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *b = cJSON_Parse(body);
	const cJSON *v;
	if (!cJSON_IsObject(b)) {
		cJSON_Delete(b);
		b = cJSON_CreateObject();
	}
	cJSON_ArrayForEach(v, b)
	{
		if (!v->string || cJSON_GetObjectItemCaseSensitive(o, v->string))
			continue;
		cJSON *a = NULL;
		if (cJSON_IsString(v)) {
			a = cJSON_AddObjectToObject(o, v->string);
			cJSON_AddStringToObject(a, "DataType", "String");
			cJSON_AddStringToObject(a, "StringValue", v->valuestring);
		} else if (cJSON_IsNumber(v) || cJSON_IsArray(v)) {
			char *text = cJSON_PrintUnformatted(v);
			a = cJSON_AddObjectToObject(o, v->string);
			cJSON_AddStringToObject(a, "DataType",
						cJSON_IsArray(v) ? "String.Array" : "Number");
			cJSON_AddStringToObject(a, "StringValue", text);
			free(text);
		}
	}
	cJSON_Delete(b);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum sns_filter_scope scope = data[0] & 1 ? SNS_FILTER_BODY : SNS_FILTER_ATTRIBUTES;
	char *text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	char *nl = strchr(text, '\n');
	const char *body = nl ? nl + 1 : "{}";
	if (nl)
		*nl = '\0';
	char msg[256];
	bool valid = sns_filter_check(text, scope, msg, sizeof(msg));
	if (!valid && !msg[0])
		abort();
	if (valid && scope == SNS_FILTER_ATTRIBUTES &&
	    !sns_filter_check(text, SNS_FILTER_BODY, msg, sizeof(msg))) {
		fprintf(stderr, "valid on attributes, not on the body: %s: %s\n", text, msg);
		abort();
	}
	/* An event pattern is a body policy without SNS's limits. */
	if (valid && scope == SNS_FILTER_BODY && text[0] &&
	    !sns_filter_check_pattern(text, msg, sizeof(msg))) {
		fprintf(stderr, "a valid body policy is not a valid pattern: %s: %s\n", text, msg);
		abort();
	}
	if (valid) {
		cJSON *policy = text[0] ? cJSON_Parse(text) : NULL;
		cJSON *attrs = attributes_from(body);
		bool on_body = sns_filter_match(policy, SNS_FILTER_BODY, body, NULL);
		cJSON *doc = cJSON_Parse(body);
		if (cJSON_IsObject(doc) && sns_filter_match_json(policy, doc) != on_body)
			abort();
		cJSON_Delete(doc);
		bool on_attrs = sns_filter_match(policy, SNS_FILTER_ATTRIBUTES, body, attrs);
		if (on_body != sns_filter_match(policy, SNS_FILTER_BODY, body, NULL) ||
		    on_attrs != sns_filter_match(policy, SNS_FILTER_ATTRIBUTES, body, attrs))
			abort();
		/* No policy, or an empty one, passes everything. */
		if ((!policy || !policy->child) && (!on_attrs || !on_body))
			abort();
		cJSON_Delete(attrs);
		cJSON_Delete(policy);
	}
	free(text);
	return 0;
}
