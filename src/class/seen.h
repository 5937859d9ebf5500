/*
 * When the class server last heard from each learner, and how their last sync went:
 * DIR/.seen.json, {"<learner>": {"seen_ms": …, "ok_ms": …, "fail_ms": …, "why": "…"}},
 * written by the server (a change at once, times at most every SEEN_WRITE_MS) and read by the
 * trainer's dashboard, so a learner whose tutor has stopped syncing shows: not seen for
 * minutes, or sync failing.
 * A joined tutor asks for the room every second while it runs, so minutes of silence mean it is
 * closed, offline, or cannot reach the server.
 */
#ifndef CLASS_SEEN_H
#define CLASS_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define SEEN_FILE       ".seen.json"
#define SEEN_WRITE_MS   2000
#define SEEN_OFFLINE_MS 60000 /* silent this long: shown as not syncing */

struct seen {
	int64_t seen_ms; /* the last request the server took from the learner */
	int64_t ok_ms;   /* the last batch of events it recorded */
	int64_t fail_ms; /* the last batch it could not take */
	char why[200];   /* and why */
};

struct seen_book;
/* Read dir's book; NULL when the class is not served (no file) or it cannot be read. */
struct seen_book *seen_book_load(const char *dir);
void seen_book_free(struct seen_book *b);
/*
 * dir's book again, for a refresh: b itself while the file is the one b was read from (same
 * inode, size and modification time), else b freed and the file read (NULL: none).
 */
struct seen_book *seen_book_reload(struct seen_book *b, const char *dir);
/* learner's entry; false when the server never heard from them (or b is NULL). */
bool seen_book_get(const struct seen_book *b, const char *learner, struct seen *out);
/* Make or update learner's entry in b (NULL: a new book, returned). */
struct seen_book *seen_book_put(struct seen_book *b, const char *learner, const struct seen *s);
/* Write b to dir's SEEN_FILE. */
bool seen_book_write(const struct seen_book *b, const char *dir, struct error *err);
/*
 * What the dashboard says of s at now_ms: "" when syncing, else "sync fails: …" or
 * "not seen 5m". Fits n bytes.
 */
void seen_words(const struct seen *s, int64_t now_ms, char *buf, size_t n);

#endif
