/*
 * The CloudFormation template code on the command line, for tests and for comparing with
 * AWS's own tools: `cfn-tool transform FILE [PARAMS-JSON]` prints the SAM transform's output,
 * `cfn-tool validate FILE` prints ValidateTemplate's answer or CloudFormation's error.
 * Exit status 0 on success, 1 when the template is refused (the message on stdout), 2 on
 * usage errors.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/sam.h"
#include "cloud/cfn/template.h"
#include "cloud/cfn/validate.h"
#include "core/path.h"

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "transform") && strcmp(argv[1], "validate"))) {
		fprintf(stderr, "usage: %s transform|validate FILE [PARAMS-JSON]\n", argv[0]);
		return 2;
	}
	struct error err;
	error_clear(&err);
	size_t len = 0;
	char *text = path_read_file(argv[2], 0, &len, &err);
	if (!text) {
		error_print(stderr, &err);
		return 2;
	}
	int status = 1;
	cJSON *tpl = cfn_template_parse(text, len, &err), *out = NULL;
	cJSON *params = argc > 3 ? cJSON_Parse(argv[3]) : cJSON_CreateObject();
	if (!tpl)
		goto done;
	if (strcmp(argv[1], "validate") == 0) {
		if (cfn_validate(tpl, &err)) {
			out = cfn_validate_summary(tpl);
			status = 0;
		}
		goto done;
	}
	/* The transform sees every parameter's value, defaults included. */
	cJSON *given = cJSON_CreateArray(), *values = NULL, *shown = NULL;
	const cJSON *p;
	cJSON_ArrayForEach(p, params)
	{
		cJSON *one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "ParameterKey", p->string);
		cJSON_AddItemToObject(one, "ParameterValue", cJSON_Duplicate(p, true));
		cJSON_AddItemToArray(given, one);
	}
	bool have = cfn_params_resolve(tpl, given, NULL, NULL, NULL, &values, &shown, &err);
	cJSON_Delete(given);
	cJSON_Delete(shown);
	struct cfn_sam sam = { .account = "123456789012",
			       .region = "us-east-1",
			       .stack_name = "stack",
			       .params = have ? values : params };
	if (cfn_sam_transform(&sam, tpl, &out, &err))
		status = 0;
	cJSON_Delete(values);
done:
	if (status == 0) {
		char *s = cJSON_Print(out);
		printf("%s\n", s);
		free(s);
	} else {
		printf("%s\n", err.msg);
	}
	cJSON_Delete(out);
	cJSON_Delete(tpl);
	cJSON_Delete(params);
	free(text);
	return status;
}
