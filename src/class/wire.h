/*
 * What a learner's tutor and the class server say to each other (`lambda-tutor class serve`,
 * `lambda-tutor join`): JSON bodies over HTTP, parsed here and nowhere else. Pure: text in,
 * structs out, so the server's parser is fuzzed without a server.
 *
 *	POST /v1/join    {"code": "K7QP-2MXR", "learner": "ada"}  -> {"learner", "token"}
 *	GET  /v1/acked   Authorization: Bearer TOKEN               -> {"learner", "acked": N}
 *	POST /v1/events  Authorization: Bearer TOKEN
 *	                 {"events": [{"id", "at_ms", "kind", "module", "item", "hash", "data"}]}
 *	                                                           -> {"acked": N, "recorded": n}
 *	GET  /v1/room    Authorization: Bearer TOKEN               -> the trainer's room
 *(class/room.h)
 *
 * An event's id is its id in the learner's own record; ids go up, so the server keeps each
 * event once and in order however often a batch is sent again. Each event carries its
 * "chain" (store.h), and a batch names the event of the record it follows, "after": {"id",
 * "chain"}, the chain there computed again over the record as it is now: the server refuses
 * a batch from a record whose events it holds no longer read as they were sent, or whose
 * events do not follow one another (renumbered, reordered or edited with sqlite3), or carry
 * no chain after one that did (added with sqlite3). A token is
 *"lt1.<learner>.<64 hex digits>": the server keeps only its SHA-256.
 */
#ifndef CLASS_WIRE_H
#define CLASS_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "store/store.h"

#define WIRE_LEARNER_MAX 32
#define WIRE_FIELD_MAX   256          /* kind, module, item, hash */
#define WIRE_DATA_MAX    (256 * 1024) /* one event's data */
#define WIRE_BATCH_MAX   256          /* events in one request */
#define WIRE_BODY_MAX    (8 * 1024 * 1024)
#define WIRE_SECRET_HEX  64

/*
 * The one rule for a learner's name, for a learner's own record (its file name) and for a
 * class alike: 1-32 of A-Z a-z 0-9 . _ -, starting with a letter or digit.
 */
bool wire_learner_valid(const char *name);
#define WIRE_LEARNER_RULE                                                                 \
	"a learner's name is 1-32 of letters, digits, '.', '_' and '-', starting with a " \
	"letter or digit"
/*
 * A valid name as a class knows it: in lower case, so that "Alice" and "alice" are one
 * learner, whatever the file system. out holds WIRE_LEARNER_MAX + 1 bytes.
 */
void wire_learner_fold(const char *name, char *out);

struct wire_join {
	char code[32];
	char learner[WIRE_LEARNER_MAX + 1];
};
/* Read a join request. False and err (one line, for the learner) when it is malformed. */
bool wire_join_parse(const char *body, size_t len, struct wire_join *out, struct error *err);

/* A class code as typed ("k7qp 2mxr"): upper case, no spaces or dashes. False when not one. */
bool wire_code_normal(const char *in, char out[32]);

/* The learner a token names; false when the token is not one. */
bool wire_token_learner(const char *token, char learner[WIRE_LEARNER_MAX + 1]);

/* A batch of events; strings owned by the batch. */
struct wire_batch {
	struct store_event *events;
	size_t n;
	bool has_after;                            /* the batch names the event it follows */
	int64_t after_id;                          /* that event's id, 0 for the record's start */
	char after_chain[STORE_CHAIN_HEX_LEN + 1]; /* its chain, "" at the start */
	bool after_bare; /* that event carries no chain of its own (recorded before chains) */
	void *doc;       /* the parsed body the strings point into */
};
/*
 * Read an events request: at most WIRE_BATCH_MAX events, each with id > 0 (ids strictly
 * increasing), a kind a learner may record (wire_kind_allowed) or WIRE_PRIVATE with no other
 * field than id and at_ms, fields of at most
 * WIRE_FIELD_MAX bytes and data that is JSON of at most WIRE_DATA_MAX, a chain (when given)
 * of 64 lower-case hex digits, and "after" (when given) an id >= 0 and such a chain ("" with
 * id 0). False and err on the
 * first thing wrong; nothing of a refused batch counts. Release with wire_batch_release().
 */
bool wire_batch_parse(const char *body, size_t len, struct wire_batch *out, struct error *err);
void wire_batch_release(struct wire_batch *b);
/* Kinds a learner's tutor records; a trainer's (review) and unknown ones are refused. */
bool wire_kind_allowed(const char *kind);
/*
 * The place of an event that stays in the learner's own record (a kind the class does not
 * take): sent with its id and time alone, so that the class sees every id of the record in
 * order and a gap means events taken out of it.
 */
#define WIRE_PRIVATE "private"

/* The body of an events request for events[0..n), which follow the event after_id of the
 * record whose chain is after_chain (bare: that event carries none of its own). Caller frees. */
char *wire_batch_format(const struct store_event *events, size_t n, int64_t after_id,
			const char *after_chain, bool bare);

#endif
