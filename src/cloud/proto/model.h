/*
 * The generated tables' types (gen_models.py writes models.c with them): per service its
 * metadata, operations sorted by name, shapes, and modelled errors. Only cloud/proto/ reads
 * them; everyone else goes through proto.h.
 */
#ifndef CLOUD_PROTO_MODEL_H
#define CLOUD_PROTO_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/proto/proto.h"

enum proto_type {
	PM_STRUCTURE,
	PM_LIST,
	PM_MAP,
	PM_STRING,
	PM_INTEGER,
	PM_LONG,
	PM_FLOAT,
	PM_DOUBLE,
	PM_BOOLEAN,
	PM_TIMESTAMP,
	PM_BLOB,
	PM_BIGDECIMAL,
};

/* Where a member travels in a REST request or response. */
enum proto_location {
	PM_BODY,
	PM_HEADER,
	PM_HEADERS, /* a map of prefixed headers: x-amz-meta-* */
	PM_QUERY,
	PM_URI,
	PM_STATUS,
};

enum proto_ts {
	PM_TS_DEFAULT, /* the protocol's and location's own */
	PM_TS_ISO8601,
	PM_TS_RFC822, /* RFC 7231 http-date */
	PM_TS_UNIX,
};

/* Shape flags. */
#define PM_S_UNION        (1u << 0)
#define PM_S_STREAMING    (1u << 1)
#define PM_S_EVENTSTREAM  (1u << 2)
#define PM_S_DOCUMENT     (1u << 3)
#define PM_S_FLATTENED    (1u << 4) /* in the query protocol and XML */
#define PM_S_SENSITIVE    (1u << 5)
#define PM_S_MIN          (1u << 6)
#define PM_S_MAX          (1u << 7)
#define PM_S_EXCEPTION    (1u << 8)
#define PM_S_SENDER_FAULT (1u << 9)

/* Member flags. */
#define PM_M_REQUIRED    (1u << 0)
#define PM_M_FLATTENED   (1u << 1)
#define PM_M_XMLATTR     (1u << 2)
#define PM_M_JSONVALUE   (1u << 3)
#define PM_M_IDEMPOTENCY (1u << 4)
#define PM_M_STREAMING   (1u << 5)
#define PM_M_HOSTLABEL   (1u << 6)

struct proto_shape;

struct proto_member {
	const char *name;  /* the model's member name; NULL for a list's or map's element */
	const char *wire;  /* its name on the wire (locationName) in JSON, REST and XML; NULL:
			    * the element default ("member", "key", "value") */
	const char *qwire; /* its name in the query protocol (the query model's locationName) */
	const char *path;  /* lowerCamelCase, as Coral's validation messages name it */
	const struct proto_shape *shape;
	unsigned char location; /* enum proto_location */
	unsigned short flags;   /* PM_M_* */
	unsigned char ts;       /* enum proto_ts: the member's own timestampFormat */
	const char *xmlns;      /* xmlNamespace uri of a payload member */
};

struct proto_shape {
	unsigned char type; /* enum proto_type */
	unsigned short flags;
	unsigned char ts; /* enum proto_ts */
	unsigned short nmembers;
	short payload; /* structure: the index of its payload member, or -1 */
	/* structure: members sorted by name; list: [0] the element; map: [0] key, [1] value */
	const struct proto_member *members;
	double min, max;     /* length (strings, blobs, lists, maps) or value; PM_S_MIN/MAX say */
	const char *pattern; /* Java-style regular expression, matched whole */
	const char *const *enums;
	unsigned short nenums;
	const char *name;       /* botocore's shape name, where it matched */
	const char *error_code; /* exceptions: the query/awsQueryCompatible code */
	short error_status;     /* exceptions: the modelled HTTP status, or 0 */
	const char *xmlns;
};

struct proto_op {
	const char *name;
	const char *method;
	const char *uri; /* request URI template, "/{Bucket}/{Key+}?uploads" */
	short status;    /* the response code on success */
	const struct proto_shape *input, *output;
	const char *result_wrapper; /* query: the <OpResult> element's name */
	const char *xml_root;       /* rest-xml: the answer's root element, where known */
	const char *const *errors;  /* names of the error shapes the operation may answer */
	unsigned short nerrors;
};

/* How a service words a request that breaks the model's constraints. */
enum proto_validation {
	PM_V_NONE,  /* not validated from the model (S3 checks its own) */
	PM_V_CORAL, /* "1 validation error detected: ..." under validation_code */
	PM_V_QUERY, /* MissingParameter / InvalidParameterValue */
};

#define PROTO_BIT(p) (1u << (p))

struct proto_service {
	const char *model; /* "lambda-2015-03-31" */
	const char *signing_name, *endpoint_prefix;
	const char *target_prefix; /* X-Amz-Target's before the dot */
	const char *json_version;  /* "1.0", "1.1" */
	const char *xmlns;
	const char *cbor_name; /* the smithy service name in the rpc-v2-cbor path */
	unsigned char protocol;
	unsigned protocols; /* PROTO_BIT()s */
	bool query_compatible;
	unsigned char validation; /* enum proto_validation */
	const char *validation_code;
	bool input_path;            /* validation paths of body members start "opNameInput." */
	const struct proto_op *ops; /* sorted by name */
	size_t nops;
	const unsigned short *rest;              /* indexes of ops in URI-matching order */
	const struct proto_shape *const *errors; /* sorted by name */
	size_t nerrors;
};

extern const struct proto_service proto_services[];
extern const size_t proto_nservices;

#endif
