/*
 * A YAML document as a tree of nodes that remember where they came from (1-based line and
 * column), so that every later check can say "path:line:col: message". Aliases are refused
 * (they are how "billion laughs" documents blow up), and so is nesting deeper than
 * YNODE_MAX_DEPTH. The tree owns all its strings.
 *
 * ynode_check_map() is the schema helper that lint is built on: it reports unknown keys with
 * a "did you mean" suggestion, missing required keys and wrong types.
 */
#ifndef COURSE_YNODE_H
#define COURSE_YNODE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"

#define YNODE_MAX_DEPTH 64

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP
};

struct ynode;

struct ypair {
	struct ynode *key; /* always a scalar */
	struct ynode *value;
};

struct ynode {
	enum ynode_kind kind;
	int line, col;
	char *tag;   /* explicit tag such as "!Ref", or NULL */
	bool quoted; /* scalar written in quotes or as a block: never null/bool/number */
	/* YNODE_SCALAR */
	char *value;
	size_t len;
	/* YNODE_SEQ */
	struct ynode **items;
	size_t n_items;
	/* YNODE_MAP, in document order */
	struct ypair *pairs;
	size_t n_pairs;
};

/*
 * Parse the first document of text. Returns NULL and fills err with the located libyaml
 * problem on failure. An empty document gives an empty map. Caller frees with ynode_free().
 */
struct ynode *ynode_parse(const char *text, size_t len, const char *path, struct error *err);
/* Read and parse a file (at most 4 MiB). */
struct ynode *ynode_load(const char *path, struct error *err);
void ynode_free(struct ynode *node);

/* The value for key in a map, or NULL (also when node is not a map). Borrowed. */
struct ynode *ynode_get(const struct ynode *map, const char *key);
/* The pair for key, so that the key's own position can be reported. */
const struct ypair *ynode_get_pair(const struct ynode *map, const char *key);
const char *ynode_kind_name(const struct ynode *node);

/* Scalar conversions. They return false when the node is not a scalar of that type. */
bool ynode_is_null(const struct ynode *node);
bool ynode_as_int(const struct ynode *node, long long *out);
bool ynode_as_double(const struct ynode *node, double *out);
bool ynode_as_bool(const struct ynode *node, bool *out);
/* The scalar's text, or NULL when the node is not a scalar. Borrowed. */
const char *ynode_str(const struct ynode *node);

/* Types a schema can ask for. */
enum yschema_type {
	YS_STRING, /* any non-empty scalar that is not null */
	YS_INT,
	YS_NUMBER,
	YS_BOOL,
	YS_SEQ,
	YS_MAP,
	YS_STRING_OR_SEQ,
	YS_ANY,
};

struct yschema_key {
	const char *name;
	enum yschema_type type;
	bool required;
};

/*
 * Check a map node against keys (terminated by an entry whose name is NULL). Every problem
 * goes to d, located in path: "unknown key 'titel' (did you mean 'title'?)",
 * "missing required key 'title' in <what>", "'minutes' must be an integer, not a string",
 * "duplicate key 'id'". what names the node for messages ("module", "page 3").
 * Returns true when nothing was wrong.
 */
bool ynode_check_map(const struct ynode *node, const struct yschema_key *keys, const char *what,
		     const char *path, struct diags *d);
/* Whether node has the given type, as ynode_check_map() judges it. */
bool ynode_has_type(const struct ynode *node, enum yschema_type type);
const char *yschema_type_name(enum yschema_type type);

#endif
