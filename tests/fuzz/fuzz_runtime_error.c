/*
 * Fuzz what the Runtime API makes of an error a runtime posts to /invocation/ID/error or
 * /init/error (lambda_runtime_error_body): the first byte's low bit says whether a
 * Lambda-Runtime-Function-Error-Type header came too, the rest is the body. The result must
 * be a JSON object with a non-empty error type. Seeds are what the Python and Node.js clients
 * and custom runtimes post, and bodies that are not objects.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/lambda/lambda.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* The body as the server hands it over: len bytes, NUL-terminated, NULs inside kept. */
	char *body = xmalloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	size_t len = size - 1;
	char type[128];
	char *out = lambda_runtime_error_body(body, len, (data[0] & 1) ? "Runtime.Header" : NULL,
					      type, sizeof(type));
	if (!type[0] || strlen(type) >= sizeof(type))
		abort();
	cJSON *o = cJSON_Parse(out);
	if (!cJSON_IsObject(o)) {
		fprintf(stderr, "not an object: %s\n", out);
		abort();
	}
	cJSON_Delete(o);
	free(out);
	free(body);
	return 0;
}
