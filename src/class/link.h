/*
 * A learner's tutor joined to a class server (`lambda-tutor join URL CODE`). The learner keeps
 * their own record as always and works offline; the record is the queue: every event the
 * server does not hold yet is sent, oldest first, whenever the server can be reached, and the
 * server keeps each once (class/wire.h). The server's address, the learner's name in the class
 * and their token live in the link file beside the record, <record>.class.json, mode 0600.
 */
#ifndef CLASS_LINK_H
#define CLASS_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The link file of the record at db_path. Caller frees. */
char *link_path(const char *db_path);

/*
 * Join the class at url (https://, http:// or unix:) with its code, as learner: the token the
 * server gives is written to the link file (refused when one exists: a learner joins one class
 * per record). Over https the server's certificate must be pin (its SHA-256 fingerprint, as
 * `class serve` prints it) when pin is not NULL; the one seen is written to fingerprint
 * (TLS_FINGERPRINT_LEN bytes, "" over http) and pinned in the link file, so every later sync
 * refuses another. False and err with the server's reason (wrong code, name taken,
 * unreachable, another certificate).
 */
bool link_join(const char *db_path, const char *url, const char *code, const char *learner,
	       const char *pin, char *fingerprint, struct error *err);

struct link_sync {
	bool linked;      /* the record has a link file */
	bool offline;     /* the server could not be reached: events wait */
	char url[256];    /* the server's address */
	char learner[64]; /* the learner's name in the class */
	int64_t acked;    /* the last event the server holds */
	size_t sent;      /* events sent this time */
	size_t pending;   /* events the server does not hold yet */
	size_t refused;   /* events the server refused (it keeps a note of each) */
	char first_refusal[256];
};

/*
 * Send the server every event of the record at db_path it does not hold yet, in order, in
 * batches. True when the record has no link, the server could not be reached (out->offline),
 * or everything was sent; false and err when the server refused the token or answered
 * something else.
 */
bool link_sync(const char *db_path, struct link_sync *out, struct error *err);

/*
 * link_sync, given up after ms: a server that takes the connection but does not answer (a
 * stopped process, a suspended laptop) leaves the events waiting (out->offline) instead of
 * holding the learner's command for the HTTP client's two minutes.
 */
bool link_sync_within(const char *db_path, int ms, struct link_sync *out, struct error *err);

/*
 * Ask the server for the trainer's room (class/room.h: pace, the live question, the learner's
 * reviews) and keep it beside the record (room_cache_path), where the tutor reads it. False
 * without err and *offline when the server cannot be reached; false when the record has no
 * link (no err) or the server refused (err).
 */
bool link_room(const char *db_path, bool *offline, struct error *err);
/* link_room, given up after ms (then *offline, as for link_sync_within). */
bool link_room_within(const char *db_path, int ms, bool *offline, struct error *err);

/*
 * While the tutor's screen runs, a thread sends the server what the record gains: it looks at
 * the record every LINK_PUSH_TICK_MS and syncs when it grew (or retries, every
 * LINK_PUSH_RETRY_MS, while the server is away; the record keeps the events meanwhile), and
 * asks for the trainer's room every LINK_ROOM_MS (link_room). It never touches the terminal, takes
 * no signals, and reads the record on its own connection, so a keypress never waits for the
 * network.
 */
#define LINK_PUSH_TICK_MS  250
#define LINK_PUSH_RETRY_MS 3000
#define LINK_ROOM_MS       1000 /* how often the trainer's room is asked for */
struct link_pusher;

/* Start pushing the record at db_path; NULL when it has joined no class. Caller stops. */
struct link_pusher *link_pusher_start(const char *db_path);

/*
 * Stop the thread: a request under way is cancelled within CANCEL_POLL_MS (a connection being
 * opened within its connect timeout); what it had not sent waits for the next sync. NULL is
 * fine. Returns the events the thread sent.
 */
size_t link_pusher_stop(struct link_pusher *p);

#endif
