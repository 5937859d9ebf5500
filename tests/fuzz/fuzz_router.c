/*
 * Fuzz the router's decision (svc_route_pick) and what it reads from a request on the way:
 * the credential scope (svc_scope_service) and the query protocol's Action and Version
 * (svc_form_value). The input is "METHOD\nPATH\nHOST\nCREDENTIAL\nX-AMZ-TARGET\nFLAGS\nBODY"
 * (FLAGS: 'f' a form POST, 'c' rpc-v2-cbor). Whatever the request, the router names a door
 * whose prefix or host the request has, a row of the table, or a service it does not offer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/svc/router.h"
#include "core/strutil.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next line of *p (NUL-terminated copy in a fresh string; the last takes the rest). */
static char *field(const char **p, const char *end, bool last)
{
	const char *nl = last ? NULL : memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = xstrndup(*p, n);
	*p += nl ? n + 1 : n;
	return s;
}

static bool in_table(const struct cloud_service *s)
{
	for (size_t i = 0; i < svc_table_len; i++)
		if (svc_table[i] == s)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *method = field(&p, end, false), *path = field(&p, end, false);
	char *host = field(&p, end, false), *cred = field(&p, end, false);
	char *target = field(&p, end, false), *flags = field(&p, end, false);
	char *body = field(&p, end, true);
	char scope[64], region[32], action[128], version[32];
	struct svc_route_in in = {
		.method = method,
		.path = path,
		.host = host[0] ? host : NULL,
		.target = target[0] ? target : NULL,
		.cbor = strchr(flags, 'c') != NULL,
		.form = strchr(flags, 'f') != NULL,
	};
	if (svc_scope_service(cred, scope, sizeof(scope), region)) {
		if (!scope[0] || strlen(scope) >= sizeof(scope) || strlen(region) >= sizeof(region))
			abort();
		in.scope = scope;
	}
	size_t blen = strlen(body);
	if (svc_form_value(body, blen, "Action", action, sizeof(action))) {
		if (strlen(action) >= sizeof(action))
			abort();
		in.action = action;
	}
	if (svc_form_value(body, blen, "Version", version, sizeof(version)))
		in.version = version;
	struct svc_route r;
	svc_route_pick(svc_table, svc_table_len, &in, &r);
	switch (r.kind) {
	case SVC_ROUTE_DOOR:
		if (!r.door || !r.door->serve || !in_table(r.svc) || !r.rest)
			abort();
		if (r.door->prefix && !r.rest_owned &&
		    (!str_starts_with(path, r.door->prefix) ||
		     strcmp(r.rest, path + strlen(r.door->prefix)) != 0))
			abort();
		if (r.rest_owned && (!r.door->host || !str_ends_with(r.rest_owned, path)))
			abort();
		break;
	case SVC_ROUTE_SERVICE:
		if (!in_table(r.svc) || strcmp(r.service, r.svc->name) != 0)
			abort();
		if (in.scope && strcmp(in.scope, r.svc->name) != 0)
			abort();
		break;
	case SVC_ROUTE_UNSERVED:
		if (r.svc || (!r.service[0] && !in.form))
			abort();
		break;
	default:
		abort();
	}
	char title[160];
	if (!svc_unserved_title(r.service, title, sizeof(title)))
		abort();
	svc_route_release(&r);
	free(method);
	free(path);
	free(host);
	free(cred);
	free(target);
	free(flags);
	free(body);
	return 0;
}
