/*
 * Fuzz CloudFormation's template reading (cfn_template_parse), validation (cfn_validate,
 * cfn_params_resolve) and the SAM transform (cfn_sam_transform). A template that is refused
 * must say why; one that is read must read the same again from its JSON text; validation and
 * the transform must answer the same twice.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/sam.h"
#include "cloud/cfn/template.h"
#include "cloud/cfn/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err;
	error_clear(&err);
	cJSON *tpl = cfn_template_parse((const char *)data, size, &err);
	if (!tpl) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	/* A template (an object) written as JSON is a JSON template, read back the same. */
	if (cJSON_IsObject(tpl)) {
		char *text = cJSON_PrintUnformatted(tpl);
		cJSON *again = cfn_template_parse(text, strlen(text), &err);
		if (!again || !cJSON_Compare(tpl, again, true)) {
			fprintf(stderr, "the JSON of a template reads differently: %s\n", text);
			abort();
		}
		cJSON_Delete(again);
		free(text);
	}
	bool valid = cfn_validate(tpl, &err);
	if (!valid && !err.msg[0])
		abort();
	if (cfn_validate(tpl, &err) != valid)
		abort();
	cJSON *vals = NULL, *shown = NULL;
	if (valid && cfn_params_resolve(tpl, NULL, NULL, NULL, NULL, &vals, &shown, &err)) {
		cJSON_Delete(vals);
		cJSON_Delete(shown);
	}
	struct cfn_sam sam = { .account = "123456789012",
			       .region = "us-east-1",
			       .stack_name = "fuzz",
			       .params = NULL };
	cJSON *out = NULL, *out2 = NULL;
	bool sam_ok = cJSON_IsObject(tpl) && cfn_sam_transform(&sam, tpl, &out, &err);
	if (cJSON_IsObject(tpl)) {
		if (!sam_ok && !err.msg[0])
			abort();
		if (cfn_sam_transform(&sam, tpl, &out2, &err) != sam_ok ||
		    (sam_ok && !cJSON_Compare(out, out2, true)))
			abort();
		if (sam_ok) {
			(void)cfn_validate(out, &err);
			char *canon = cfn_sam_canonical_json(out);
			free(canon);
		}
	}
	cJSON_Delete(out);
	cJSON_Delete(out2);
	cJSON_Delete(tpl);
	return 0;
}
