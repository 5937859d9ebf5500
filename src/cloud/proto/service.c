/*
 * Finding a service's model and an operation in the generated tables.
 */
#include "cloud/proto/proto.h"

#include <stdlib.h>
#include <string.h>

#include "cloud/proto/model.h"

const char *proto_protocol_name(enum proto_protocol p)
{
	switch (p) {
	case PROTO_NONE:
		return "";
	case PROTO_REST_JSON:
		return "rest-json";
	case PROTO_JSON:
		return "json";
	case PROTO_QUERY:
		return "query";
	case PROTO_REST_XML:
		return "rest-xml";
	case PROTO_CBOR:
		return "smithy-rpc-v2-cbor";
	}
	abort();
}

const struct proto_service *proto_service_find(const char *name)
{
	for (size_t i = 0; i < proto_nservices; i++)
		if (strcmp(proto_services[i].model, name) == 0)
			return &proto_services[i];
	for (size_t i = 0; i < proto_nservices; i++)
		if (strcmp(proto_services[i].signing_name, name) == 0 ||
		    strcmp(proto_services[i].endpoint_prefix, name) == 0)
			return &proto_services[i];
	return NULL;
}

const struct proto_service *proto_service_for_target(const char *target)
{
	const char *dot = strrchr(target, '.');
	if (!dot)
		return NULL;
	size_t n = (size_t)(dot - target);
	for (size_t i = 0; i < proto_nservices; i++) {
		const char *p = proto_services[i].target_prefix;
		if (p && strlen(p) == n && memcmp(p, target, n) == 0)
			return &proto_services[i];
	}
	return NULL;
}

const struct proto_service *proto_service_for_cbor_path(const char *path)
{
	static const char pre[] = "/service/";
	if (strncmp(path, pre, sizeof(pre) - 1) != 0)
		return NULL;
	const char *name = path + sizeof(pre) - 1;
	const char *end = strchr(name, '/');
	if (!end)
		return NULL;
	size_t n = (size_t)(end - name);
	for (size_t i = 0; i < proto_nservices; i++) {
		const char *c = proto_services[i].cbor_name;
		if (c && strlen(c) == n && memcmp(c, name, n) == 0)
			return &proto_services[i];
	}
	return NULL;
}

size_t proto_service_count(void)
{
	return proto_nservices;
}

const struct proto_service *proto_service_at(size_t i)
{
	return i < proto_nservices ? &proto_services[i] : NULL;
}

const char *proto_service_model(const struct proto_service *svc)
{
	return svc->model;
}

const char *proto_service_signing_name(const struct proto_service *svc)
{
	return svc->signing_name;
}

const char *proto_service_endpoint_prefix(const struct proto_service *svc)
{
	return svc->endpoint_prefix;
}

enum proto_protocol proto_service_protocol(const struct proto_service *svc)
{
	return (enum proto_protocol)svc->protocol;
}

bool proto_service_speaks(const struct proto_service *svc, enum proto_protocol p)
{
	return p != PROTO_NONE && (svc->protocols & PROTO_BIT(p));
}

static int cmp_op(const void *key, const void *elem)
{
	return strcmp(key, ((const struct proto_op *)elem)->name);
}

const struct proto_op *proto_op_find(const struct proto_service *svc, const char *name)
{
	return bsearch(name, svc->ops, svc->nops, sizeof(*svc->ops), cmp_op);
}

const char *proto_op_name(const struct proto_op *op)
{
	return op->name;
}

size_t proto_op_count(const struct proto_service *svc)
{
	return svc->nops;
}

const struct proto_op *proto_op_at(const struct proto_service *svc, size_t i)
{
	return i < svc->nops ? &svc->ops[i] : NULL;
}
