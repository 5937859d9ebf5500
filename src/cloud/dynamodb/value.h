/*
 * DynamoDB's AttributeValues in the model's JSON shape ({"S":"x"}, {"N":"1"}, {"M":{...}},
 * ...): their checks with DynamoDB's messages, the canonical form items are stored in (numbers
 * as num.h prints them, binaries re-encoded), sizes as DynamoDB counts them, equality and
 * order, document paths into items, and the bytes a key attribute sorts by.
 */
#ifndef CLOUD_DYNAMODB_VALUE_H
#define CLOUD_DYNAMODB_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/dynamodb/num.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

struct cJSON;
struct aws_err;

enum ddb_type {
	DDB_NONE,
	DDB_S,
	DDB_N,
	DDB_B,
	DDB_SS,
	DDB_NS,
	DDB_BS,
	DDB_M,
	DDB_L,
	DDB_NULL,
	DDB_BOOL,
};

#define DDB_ITEM_MAX      (400 * 1024)
#define DDB_HASH_KEY_MAX  2048
#define DDB_RANGE_KEY_MAX 1024
#define DDB_NESTING_MAX   32

/* Fill err as a 400 with code and message (a 500 when code is "InternalServerError"). Returns
 * false. */
bool ddb_error(struct aws_err *err, const char *code, const char *fmt, ...) XALLOC_PRINTF(3, 4);
/* A ValidationException. Returns false. */
bool ddb_invalid(struct aws_err *err, const char *fmt, ...) XALLOC_PRINTF(2, 3);

/* The type an AttributeValue holds (the first type member present), DDB_NONE if none. */
enum ddb_type ddb_av_type(const struct cJSON *av);
/* The type's name on the wire: "S", "NS", "BOOL"... */
const char *ddb_type_name(enum ddb_type t);
/* The type of a name, DDB_NONE when it is none. */
enum ddb_type ddb_type_from_name(const char *name);
/* The member holding the value ({"S":"x"} -> "x"). Borrowed. */
const struct cJSON *ddb_av_payload(const struct cJSON *av);

/*
 * Check an AttributeValue and return its canonical copy (caller deletes), or NULL with err
 * filled with DynamoDB's ValidationException. Numbers that do not fit and sets that are empty
 * or hold duplicates are refused.
 */
struct cJSON *ddb_av_clean(const struct cJSON *av, struct aws_err *err);
/* The same for a map of names to AttributeValues (an item, a key, ExpressionAttributeValues). */
struct cJSON *ddb_map_clean(const struct cJSON *map, struct aws_err *err);

/* An AttributeValue's size as DynamoDB counts it, and an item's (names included). */
size_t ddb_av_size(const struct cJSON *av);
size_t ddb_item_size(const struct cJSON *item);

/* A canonical number's value. False if av is not an N. */
bool ddb_av_num(const struct cJSON *av, struct ddb_num *out);
/* A new {"N":...} of n. Caller deletes. */
struct cJSON *ddb_av_from_num(const struct ddb_num *n);
/* Decoded bytes of a B (caller frees), NULL if av is not a B. */
unsigned char *ddb_av_bytes(const struct cJSON *av, size_t *len);

/* Whether two canonical values are equal (sets compare as sets). */
bool ddb_av_equal(const struct cJSON *a, const struct cJSON *b);
/* Order of two scalars of one type (S by UTF-8 bytes, N by value, B by bytes). *ok is false
 * when they cannot be ordered (other types, or different ones). */
int ddb_av_compare(const struct cJSON *a, const struct cJSON *b, bool *ok);
/* The bytes a key attribute (S, N or B) sorts by, appended to out. False for other types. */
bool ddb_av_key(const struct cJSON *av, struct strbuf *out);

/* One step of a document path: a name (an attribute, a map member) or a list index. */
struct ddb_step {
	char *name; /* NULL for an index */
	long index;
};

struct ddb_path {
	struct ddb_step *steps;
	size_t n;
};

void ddb_path_release(struct ddb_path *p);
void ddb_path_copy(struct ddb_path *dst, const struct ddb_path *src);
/* "a.b[2].c" into out (how DynamoDB prints paths in messages: "[a, b, [2], c]" when bracketed). */
void ddb_path_format(const struct ddb_path *p, bool bracketed, struct strbuf *out);
/* The value at a path in an item, NULL when absent. Borrowed. */
const struct cJSON *ddb_path_get(const struct cJSON *item, const struct ddb_path *p);

#endif
