/*
 * Which door, service or unserved service a request is for, from what AWS clients send:
 * a front door by Host header or path first; then the service the SigV4 credential scope
 * names (every AWS CLI and SDK call is signed); then, for unsigned requests (curl), the
 * X-Amz-Target prefix, the rpc-v2-cbor path, the REST path prefixes, the query protocol's
 * Version; and last path-style S3, whose paths are any bucket's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/svc/router.h"
#include "core/strutil.h"
#include "core/xalloc.h"

bool svc_scope_service(const char *cred, char *out, size_t n, char *region)
{
	/* AKID/DATE/REGION/SERVICE/aws4_request */
	const char *part[5];
	size_t len[5];
	const char *p = cred;
	for (int i = 0; i < 5; i++) {
		part[i] = p;
		len[i] = strcspn(p, "/, ");
		p += len[i];
		if (i < 4 && *p != '/')
			return false;
		if (i < 4)
			p++;
	}
	if (len[3] == 0 || len[3] >= n || len[4] != strlen("aws4_request") ||
	    strncmp(part[4], "aws4_request", len[4]) != 0)
		return false;
	for (size_t i = 0; i < len[3]; i++) {
		char ch = part[3][i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_'))
			return false;
	}
	memcpy(out, part[3], len[3]);
	out[len[3]] = '\0';
	if (region) {
		if (len[2] > 0 && len[2] < 32) {
			memcpy(region, part[2], len[2]);
			region[len[2]] = '\0';
		} else {
			region[0] = '\0';
		}
	}
	return true;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

bool svc_form_value(const char *form, size_t len, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && form[end] != '&')
			end++;
		if (end - i > klen && memcmp(form + i, key, klen) == 0 && form[i + klen] == '=') {
			size_t o = 0;
			for (size_t k = i + klen + 1; k < end; k++) {
				int ch = (unsigned char)form[k];
				if (ch == '+') {
					ch = ' ';
				} else if (ch == '%') {
					if (k + 2 >= end)
						return false;
					int hi = hexval(form[k + 1]), lo = hexval(form[k + 2]);
					if (hi < 0 || lo < 0)
						return false;
					ch = hi * 16 + lo;
					k += 2;
				}
				if (ch == 0 || o + 1 >= n)
					return false;
				out[o++] = (char)ch;
			}
			out[o] = '\0';
			return true;
		}
		i = end + 1;
	}
	return false;
}

static const struct {
	const char *name, *title;
} unserved_titles[] = {
	{ "cloudformation", "AWS CloudFormation" },
	{ "dynamodb", "Amazon DynamoDB" },
	{ "ec2", "Amazon EC2" },
	{ "ecr", "Amazon Elastic Container Registry" },
	{ "iam", "AWS Identity and Access Management" },
	{ "kinesis", "Amazon Kinesis" },
	{ "kms", "AWS Key Management Service" },
	{ "monitoring", "Amazon CloudWatch" },
	{ "scheduler", "Amazon EventBridge Scheduler" },
	{ "secretsmanager", "AWS Secrets Manager" },
	{ "ses", "Amazon Simple Email Service" },
	{ "ssm", "AWS Systems Manager" },
	{ "states", "AWS Step Functions" },
	{ "sts", "AWS Security Token Service" },
	{ "xray", "AWS X-Ray" },
};

const char *svc_unserved_title(const char *name, char *out, size_t n)
{
	for (size_t i = 0; i < sizeof(unserved_titles) / sizeof(unserved_titles[0]); i++)
		if (strcmp(unserved_titles[i].name, name) == 0) {
			snprintf(out, n, "%s (%s)", unserved_titles[i].title, name);
			return out;
		}
	return name;
}

static bool is_form(const struct svc_route_in *in)
{
	return in->form;
}

static bool path_has_prefix(const char *path, const char *const *paths)
{
	for (const char *const *p = paths; p && *p; p++)
		if (str_starts_with(path, *p))
			return true;
	return false;
}

/* The door with the longest prefix the path starts with, or the Host header's door. */
static bool pick_door(const struct cloud_service *const *table, size_t n,
		      const struct svc_route_in *in, struct svc_route *out)
{
	const char *host = in->host;
	size_t idlen = host ? strcspn(host, ".") : 0;
	const char *after = host && host[idlen] == '.' ? host + idlen + 1 : NULL;
	size_t best = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cloud_service *s = table[i];
		for (size_t d = 0; d < s->ndoors; d++) {
			const struct svc_door *door = &s->doors[d];
			if (door->host && after && idlen > 0 && idlen < 64 &&
			    str_starts_with(after, door->host)) {
				out->kind = SVC_ROUTE_DOOR;
				out->svc = s;
				out->door = door;
				out->rest_owned = xasprintf("%.*s%s", (int)idlen, host, in->path);
				out->rest = out->rest_owned;
				return true;
			}
			size_t plen = door->prefix ? strlen(door->prefix) : 0;
			if (plen > best && str_starts_with(in->path, door->prefix) &&
			    (!door->contains || strstr(in->path + plen, door->contains))) {
				best = plen;
				out->kind = SVC_ROUTE_DOOR;
				out->svc = s;
				out->door = door;
				out->rest = in->path + plen;
			}
		}
	}
	return best > 0;
}

static void unserved(struct svc_route *out, const char *service, const char *op)
{
	out->kind = SVC_ROUTE_UNSERVED;
	out->svc = NULL;
	snprintf(out->service, sizeof(out->service), "%s", service);
	if (op)
		snprintf(out->op, sizeof(out->op), "%s", op);
}

static void served(struct svc_route *out, const struct cloud_service *s,
		   const struct svc_route_in *in)
{
	out->kind = SVC_ROUTE_SERVICE;
	out->svc = s;
	snprintf(out->service, sizeof(out->service), "%s", s->name);
}

/* Among the rows named name, the one for this request: the one whose paths or claims take
 * it, else the first (whose Version, for a form, agrees). NULL when none. */
static const struct cloud_service *by_scope(const struct cloud_service *const *table, size_t n,
					    const struct svc_route_in *in, const char *name)
{
	const struct cloud_service *first = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct cloud_service *s = table[i];
		if (s->name[0] == '_' || strcmp(s->name, name) != 0)
			continue;
		if (is_form(in) && in->version && s->query_version &&
		    strcmp(in->version, s->query_version) != 0)
			continue;
		if ((s->paths && path_has_prefix(in->path, s->paths)) ||
		    (s->claims && s->claims(in)))
			return s;
		if (!first)
			first = s;
	}
	return first;
}

void svc_route_pick(const struct cloud_service *const *table, size_t n,
		    const struct svc_route_in *in, struct svc_route *out)
{
	memset(out, 0, sizeof(*out));
	if (pick_door(table, n, in, out))
		return;
	const char *op = is_form(in) ? in->action : NULL;
	char prefix[64] = "";
	if (in->target) {
		size_t len = strcspn(in->target, ".");
		snprintf(prefix, sizeof(prefix), "%.*s", (int)len, in->target);
		op = in->target[len] ? in->target + len + 1 : "";
	}
	/* rpc-v2-cbor: /service/<ServiceName>/operation/<Operation> */
	char cbor_op[128] = "";
	if (in->cbor && str_starts_with(in->path, "/service/")) {
		const char *name = in->path + strlen("/service/");
		size_t len = strcspn(name, "/");
		snprintf(prefix, sizeof(prefix), "%.*s", (int)len, name);
		if (str_starts_with(name + len, "/operation/"))
			snprintf(cbor_op, sizeof(cbor_op), "%s",
				 name + len + strlen("/operation/"));
		op = cbor_op;
	}
	if (op)
		snprintf(out->op, sizeof(out->op), "%s", op);
	if (in->scope && in->scope[0]) {
		const struct cloud_service *s = by_scope(table, n, in, in->scope);
		if (s) {
			served(out, s, in);
			return;
		}
		for (size_t i = 0; i < n && is_form(in) && in->version; i++)
			if (strcmp(table[i]->name, in->scope) == 0) {
				unserved(out, in->scope, op);
				snprintf(out->version, sizeof(out->version), "%s", in->version);
				return;
			}
		unserved(out, in->scope, op);
		return;
	}
	if (prefix[0]) {
		for (size_t i = 0; i < n; i++)
			if (table[i]->target && strcmp(table[i]->target, prefix) == 0) {
				served(out, table[i], in);
				return;
			}
		unserved(out, prefix, op);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (table[i]->paths && path_has_prefix(in->path, table[i]->paths)) {
			served(out, table[i], in);
			return;
		}
	if (is_form(in)) {
		const struct cloud_service *dflt = NULL;
		for (size_t i = 0; i < n; i++) {
			const struct cloud_service *s = table[i];
			if (!s->query_version)
				continue;
			if (in->version ? strcmp(in->version, s->query_version) == 0
					: s->claims && s->claims(in)) {
				served(out, s, in);
				return;
			}
			if (!dflt && !s->claims)
				dflt = s;
		}
		if (!in->version && dflt) {
			served(out, dflt, in);
			return;
		}
		unserved(out, "", op);
		snprintf(out->version, sizeof(out->version), "%s", in->version ? in->version : "");
		return;
	}
	/* Path-style S3: /BUCKET[/KEY]. */
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i]->name, "s3") == 0) {
			served(out, table[i], in);
			return;
		}
	unserved(out, "s3", NULL);
}

void svc_route_release(struct svc_route *r)
{
	free(r->rest_owned);
	r->rest_owned = NULL;
	r->rest = NULL;
}
