/*
 * Fuzz the X-Amzn-Trace-Id reader every service uses on its requests: any text is a trace
 * context (a well-formed root, a parent of 16 hex digits or none, a decision 0, 1 or none) or
 * none, and the caller keeps a normalized header that reads back the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/svc/svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct svc_trace t, again;
	struct svc_caller caller;
	memset(&caller, 0, sizeof(caller));
	bool ok = svc_trace_parse(text, &t);
	svc_caller_trace(&caller, text);
	if (ok != (caller.trace[0] != '\0'))
		abort();
	if (ok) {
		if (strlen(t.root) != 35 || (t.parent[0] && strlen(t.parent) != 16) ||
		    t.sampled < -1 || t.sampled > 1)
			abort();
		if (!svc_trace_parse(caller.trace, &again) || memcmp(&t, &again, sizeof(t)) != 0)
			abort();
	}
	free(text);
	return 0;
}
