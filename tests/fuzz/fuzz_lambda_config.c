/*
 * Fuzz the Lambda API's checks of CreateFunction and UpdateFunctionConfiguration bodies
 * (lambda_check_config_body: JSON shape, name, runtime, handler, role, memory, timeout,
 * environment variables, dead-letter queue) and of function references (lambda_parse_ref).
 * The first byte picks the call, the rest is the body. A refusal must carry a 4xx status, an
 * error type and a message. Seeds are the bodies the AWS CLI, boto3 and the console send.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/lambda/lambda.h"
#include "cloud/lambda/validate.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(const struct api_err *e)
{
	if (e->status < 400 || e->status > 499 || !e->type || !e->type[0] || !e->msg[0]) {
		fprintf(stderr, "bad refusal: %d %s %s\n", e->status, e->type ? e->type : "",
			e->msg);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* The body as the server hands it over: len bytes, NUL-terminated, NULs inside kept. */
	char *body = xmalloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	struct api_err e = { 0 };
	switch (data[0] % 3) {
	case 0:
	case 1:
		if (!lambda_check_config_body(body, size - 1, data[0] % 3 == 0, &e))
			check_refusal(&e);
		break;
	default: {
		char name[65], account[13], qualifier[129];
		if (lambda_parse_ref(body, name, account, qualifier, &e)) {
			if (!lambda_check_name(name, NULL) || strlen(account) > 12 ||
			    strlen(qualifier) > 128)
				abort();
		} else {
			check_refusal(&e);
		}
	}
	}
	free(body);
	return 0;
}
