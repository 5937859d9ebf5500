/*
 * Sending xAPI statements to a Learning Record Store (xAPI 1.0.3, Communication 2.1.2):
 * POST <url>/statements in batches, with X-Experience-API-Version and Basic auth. Statement
 * ids are stable (export_uuid), and a ledger file keeps every id the LRS acknowledged, so a
 * second run sends only what the first did not, and nothing is sent twice. A batch the LRS
 * refuses as a whole (400, 409, 413) is split until the one statement it refuses is found,
 * which is reported once and set aside (LEDGER.refused, with a hash of its content): no later
 * run sends it again unless its content changed; a failure worth retrying (no answer, a
 * timeout, 429, 5xx) is retried with a growing pause, then the run stops and says how many
 * statements wait for the next one. libcurl is loaded only when statements are sent.
 */
#ifndef CLASS_LRS_H
#define CLASS_LRS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define LRS_VERSION "1.0.3"
#define LRS_BATCH   50
#define LRS_TRIES   4

struct lrs_opts {
	const char *url;     /* the LRS endpoint; "/statements" is added unless it ends so */
	const char *auth;    /* "key:secret" for HTTP Basic, or NULL */
	const char *version; /* X-Experience-API-Version; NULL: LRS_VERSION */
	const char *ledger;  /* the file of acknowledged ids (created 0600) */
	size_t batch;        /* statements per request; 0: LRS_BATCH */
	int tries;           /* tries of a request before giving up; 0: LRS_TRIES */
	long timeout_ms;     /* of one request; 0: 30 s */
	int pause_ms;        /* the first pause between tries, doubled each time; 0: 500 */
};

struct lrs_report {
	size_t statements; /* in the input */
	size_t already;    /* acknowledged by an earlier run (in the ledger) */
	size_t sent;       /* acknowledged by this run */
	size_t refused;    /* refused one by one by the LRS now, set aside (LEDGER.refused) */
	size_t set_aside;  /* refused by an earlier run, the same statement: not sent again */
	size_t pending;    /* not sent: the LRS could not be reached or refused the credentials */
	size_t requests;   /* HTTP requests made */
};

/*
 * Send the statements of jsonl (one JSON object a line, each with an "id") to o->url. Each
 * statement the LRS refuses is reported on stderr in one line. True when nothing is pending
 * (refused statements are not pending: sending them again would not change the answer);
 * false and err with the reason the rest was not sent.
 */
bool lrs_send(const struct lrs_opts *o, const char *jsonl, size_t len, struct lrs_report *rep,
	      struct error *err);

/*
 * Whether url can be an LRS endpoint: http:// or https://, a host (a name, an IPv4 or a
 * bracketed IPv6 address), an optional port of 1 to 65535, a path; no credentials, query,
 * fragment, space or control character. False and err with a one-line reason.
 */
bool lrs_url_check(const char *url, struct error *err);

/* The default ledger of url: DATA/lambda-tutor/lrs/<hash of url>.sent. Caller frees; NULL
 * when no data directory is known. */
char *lrs_default_ledger(const char *url);

#endif
