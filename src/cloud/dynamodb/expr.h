/*
 * DynamoDB's expression language: ConditionExpression, FilterExpression,
 * KeyConditionExpression, ProjectionExpression and UpdateExpression, with the expression
 * attribute names (#n) and values (:v) a request supplies.
 *
 * An expression is parsed and checked once, with DynamoDB's ValidationException messages
 * ("Invalid UpdateExpression: Syntax error; token: \"=\", near: \"a = =\"", "Attribute name
 * is a reserved keyword; reserved keyword: status", ...), then evaluated against items.
 * The names and values of one request are shared by all its expressions; after parsing them
 * all, ddb_subst_check_unused() refuses the names and values none of them used.
 */
#ifndef CLOUD_DYNAMODB_EXPR_H
#define CLOUD_DYNAMODB_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/dynamodb/value.h"

struct cJSON;
struct aws_err;

enum ddb_expr_type {
	DDB_EXPR_CONDITION,
	DDB_EXPR_FILTER,
	DDB_EXPR_KEY,
	DDB_EXPR_PROJECTION,
	DDB_EXPR_UPDATE,
};

#define DDB_EXPR_MAX_LEN 4096

/* A request's ExpressionAttributeNames and ExpressionAttributeValues, and which were used. */
struct ddb_subst {
	const struct cJSON *names; /* borrowed, may be NULL */
	struct cJSON *values;      /* a canonical copy, owned; may be NULL */
	char **used;               /* keys used so far */
	size_t nused;
};

/*
 * Check names and values (keys of the form #x and :x, values as AttributeValues) and take a
 * canonical copy of the values. Returns false with DynamoDB's message on bad input. Release
 * with ddb_subst_release() either way.
 */
bool ddb_subst_init(struct ddb_subst *s, const struct cJSON *names, const struct cJSON *values,
		    struct aws_err *err);
void ddb_subst_release(struct ddb_subst *s);
/* Refuse a name or value that no expression used ("Value provided in ExpressionAttribute
 * Values unused in expressions: keys: {:v}"). */
bool ddb_subst_check_unused(const struct ddb_subst *s, struct aws_err *err);

struct ddb_node;

/* A comparison in a key condition: attribute op value (or BETWEEN value AND value2). */
enum ddb_key_op {
	DDB_KEY_EQ,
	DDB_KEY_LT,
	DDB_KEY_LE,
	DDB_KEY_GT,
	DDB_KEY_GE,
	DDB_KEY_BETWEEN,
	DDB_KEY_BEGINS,
};

struct ddb_key_cond {
	const char *name; /* borrowed from the expression */
	enum ddb_key_op op;
	const struct cJSON *value, *value2; /* borrowed from the substitutions */
};

enum ddb_action_kind {
	DDB_SET,
	DDB_REMOVE,
	DDB_ADD,
	DDB_DELETE,
};

struct ddb_action {
	enum ddb_action_kind kind;
	struct ddb_path path;
	struct ddb_node *value; /* NULL for REMOVE */
};

struct ddb_expr {
	enum ddb_expr_type type;
	struct ddb_node *root;  /* condition, filter, key condition */
	struct ddb_path *paths; /* projection */
	size_t npaths;
	struct ddb_action *actions; /* update */
	size_t nactions;
	struct ddb_key_cond keys[2]; /* key condition, split by ddb_expr_key_conds() */
	size_t nkeys;
};

/*
 * Parse and check text as an expression of type with the substitutions s (marking what it
 * uses). Returns NULL and fills err with DynamoDB's ValidationException otherwise. The
 * expression borrows from s, which must outlive it. Free with ddb_expr_free().
 */
struct ddb_expr *ddb_expr_parse(enum ddb_expr_type type, const char *text, struct ddb_subst *s,
				struct aws_err *err);
void ddb_expr_free(struct ddb_expr *e);
/* The expression's parameter name, as messages say it: "UpdateExpression". */
const char *ddb_expr_type_name(enum ddb_expr_type type);

/* Whether an item (NULL: none) satisfies a condition or filter expression. */
bool ddb_expr_match(const struct ddb_expr *e, const struct cJSON *item);

/*
 * Apply an update expression to a copy of item and return the result (caller deletes), or NULL
 * with DynamoDB's message (an operand of the wrong type, a path that does not exist). exists
 * says whether the item was stored (else item holds only its key, and REMOVE does nothing).
 */
struct cJSON *ddb_expr_update(const struct ddb_expr *e, const struct cJSON *item, bool exists,
			      struct aws_err *err);
/* The parts of item an update expression writes or removes (ReturnValues UPDATED_OLD and
 * UPDATED_NEW). Caller deletes. */
struct cJSON *ddb_expr_project_updated(const struct ddb_expr *e, const struct cJSON *item);
/* The top-level attributes an update expression writes or removes, for checks against the key
 * schema: calls fn for each. */
void ddb_expr_update_roots(const struct ddb_expr *e, void (*fn)(const char *name, void *arg),
			   void *arg);

/* Call fn with the top-level attribute name of every path in a condition or filter. */
void ddb_expr_roots(const struct ddb_expr *e, void (*fn)(const char *name, void *arg), void *arg);

/* The item's attributes a projection expression names (caller deletes). */
struct cJSON *ddb_expr_project(const struct ddb_expr *e, const struct cJSON *item);

/*
 * Split a key condition expression into its conditions on a table's or an index's key
 * (hash: the partition key's name; range: the sort key's, or NULL), filling e->keys with the
 * partition key's condition first. False with DynamoDB's message when the expression is not a
 * key condition of that key schema.
 */
bool ddb_expr_key_conds(struct ddb_expr *e, const char *hash, const char *range,
			struct aws_err *err);

/* Whether word is one of DynamoDB's reserved words (case-insensitive). */
bool ddb_reserved(const char *word);

#endif
