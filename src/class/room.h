/*
 * What the trainer tells one learner's tutor, as one JSON document: the pace (clock, modules
 * open, the broadcast line), when the learner's hand was acknowledged, the live question and
 * the trainer's reviews of the learner's project. On a shared host the tutor makes it from the
 * class directory; over a class server, GET /v1/room answers it and the tutor keeps the last
 * answer beside its record (<record>.room.json), so both read the trainer the same way.
 */
#ifndef CLASS_ROOM_H
#define CLASS_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class/live.h"
#include "class/pace.h"
#include "core/error.h"

#define ROOM_REVIEWS_MAX 32

/* One review of the learner's work as the learner sees it. */
struct room_review {
	char criterion[40];
	int score, max;
	char comment[400];
	int64_t at_ms;
};

struct room {
	struct pace pace;
	int64_t hand_seen_ms; /* the trainer acknowledged the learner's hand; 0: never */
	struct live live;
	int64_t live_left_ms; /* on the live question's timer when the document was made */
	int64_t made_ms;      /* when the document was made or fetched (the reader's clock) */
	struct room_review reviews[ROOM_REVIEWS_MAX]; /* the latest per criterion, oldest first */
	size_t n_reviews;
};

/* The document for learner of the class in dir at now_ms. NULL and err when a trainer's file
 * cannot be read. Caller frees. */
char *room_json(const char *dir, const char *learner, int64_t now_ms, struct error *err);
/* Read a document; made_ms is taken from it, else 0. False and err when it is not one. */
bool room_parse(const char *text, struct room *out, struct error *err);
/* The room of learner: from dir on a shared host, else from the record's copy of the server's
 * (db_path's <record>.room.json). False when neither is there or readable. */
bool room_read(const char *dir, const char *db_path, const char *learner, int64_t now_ms,
	       struct room *out, struct error *err);
/* Where the tutor keeps the server's last answer for the record at db_path. Caller frees. */
char *room_cache_path(const char *db_path);

#endif
