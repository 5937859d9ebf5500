/*
 * The trainer's side of one learner's tutor, as one document.
 */
#include "class/room.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class/hands.h"
#include "class/review.h"
#include "core/path.h"
#include "core/xalloc.h"

char *room_cache_path(const char *db_path)
{
	return xasprintf("%s.room.json", db_path);
}

char *room_json(const char *dir, const char *learner, int64_t now_ms, struct error *err)
{
	struct pace p;
	struct live l;
	if (!pace_read(dir, &p, err) || !live_read(dir, &l, err))
		return NULL;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "made_ms", (double)now_ms);
	cJSON *po = cJSON_AddObjectToObject(doc, "pace");
	cJSON_AddNumberToObject(po, "started_ms", (double)p.started_ms);
	cJSON_AddNumberToObject(po, "open_through", p.open_through);
	cJSON_AddStringToObject(po, "message", p.message);
	cJSON_AddNumberToObject(po, "message_ms", (double)p.message_ms);
	cJSON_AddNumberToObject(doc, "hand_seen_ms", (double)hands_seen_ms(dir, learner));
	if (l.id) {
		cJSON *lo = cJSON_AddObjectToObject(doc, "live");
		cJSON_AddNumberToObject(lo, "id", (double)l.id);
		cJSON_AddStringToObject(lo, "question", l.question);
		cJSON_AddStringToObject(lo, "hash", l.hash);
		cJSON_AddBoolToObject(lo, "open", live_open(&l, now_ms, 0));
		cJSON_AddBoolToObject(lo, "timer", l.closes_ms != 0);
		cJSON_AddNumberToObject(lo, "left_ms", (double)live_left_ms(&l, now_ms));
		cJSON_AddBoolToObject(lo, "revealed", l.revealed_ms != 0);
		if (l.quiz[0]) {
			cJSON_AddStringToObject(lo, "quiz", l.quiz);
			cJSON_AddNumberToObject(lo, "index", l.index);
			cJSON_AddNumberToObject(lo, "count", l.count);
		}
	}
	/* Only the learner's own reviews; a class's reviews the tutor cannot read are none. */
	struct review_set rs;
	struct error rerr;
	cJSON *ra = cJSON_AddArrayToObject(doc, "reviews");
	if (review_load(dir, &rs, &rerr)) {
		const struct review *latest[REVIEW_N] = { 0 };
		for (size_t i = 0; i < rs.n; i++) {
			int c = review_criterion_index(rs.v[i].criterion);
			if (c >= 0 && !strcmp(rs.v[i].learner, learner))
				latest[c] = &rs.v[i];
		}
		for (int c = 0; c < REVIEW_N; c++) {
			if (!latest[c])
				continue;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "criterion", latest[c]->criterion);
			cJSON_AddNumberToObject(o, "score", latest[c]->score);
			cJSON_AddNumberToObject(o, "max", latest[c]->max);
			cJSON_AddStringToObject(o, "comment", latest[c]->comment);
			cJSON_AddNumberToObject(o, "at_ms", (double)latest[c]->at_ms);
			cJSON_AddItemToArray(ra, o);
		}
		review_set_release(&rs);
	}
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	return text;
}

static int64_t num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	/* What the server sends is below 2^53; anything else is none, never a bad cast. */
	return cJSON_IsNumber(v) && v->valuedouble > -9e15 && v->valuedouble < 9e15
		       ? (int64_t)v->valuedouble
		       : 0;
}

static void str(const cJSON *o, const char *name, char *out, size_t n)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	snprintf(out, n, "%s", s ? s : "");
	out[strcspn(out, "\r\n")] = '\0';
}

bool room_parse(const char *text, struct room *out, struct error *err)
{
	*out = (struct room){ 0 };
	cJSON *doc = cJSON_Parse(text);
	const cJSON *po = cJSON_GetObjectItemCaseSensitive(doc, "pace");
	if (!cJSON_IsObject(doc) || !cJSON_IsObject(po)) {
		cJSON_Delete(doc);
		return error_set(err, "the trainer's room is not a JSON object with a pace");
	}
	out->made_ms = num(doc, "made_ms");
	out->pace.started_ms = num(po, "started_ms");
	int64_t through = num(po, "open_through");
	out->pace.open_through = through > 0 && through < 1000 ? (int)through : 0;
	str(po, "message", out->pace.message, sizeof out->pace.message);
	out->pace.message_ms = num(po, "message_ms");
	out->hand_seen_ms = num(doc, "hand_seen_ms");
	const cJSON *lo = cJSON_GetObjectItemCaseSensitive(doc, "live");
	if (cJSON_IsObject(lo) && num(lo, "id") > 0) {
		out->live.id = num(lo, "id");
		str(lo, "question", out->live.question, sizeof out->live.question);
		str(lo, "hash", out->live.hash, sizeof out->live.hash);
		bool open = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lo, "open"));
		bool timer = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lo, "timer"));
		out->live_left_ms = num(lo, "left_ms");
		/* The reader's own clock: the timer's end is when the document was made + left. */
		if (!open)
			out->live.closed_ms = out->made_ms ? out->made_ms : 1;
		else if (timer)
			out->live.closes_ms = out->made_ms + out->live_left_ms;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lo, "revealed")))
			out->live.revealed_ms = out->made_ms ? out->made_ms : 1;
		int64_t n = num(lo, "count"), i = num(lo, "index");
		str(lo, "quiz", out->live.quiz, sizeof out->live.quiz);
		if (out->live.quiz[0] && n > 0 && n < 100000 && i < n) {
			out->live.index = (int)i;
			out->live.count = (int)n;
		} else {
			out->live.quiz[0] = '\0';
		}
	}
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "reviews"))
	{
		if (out->n_reviews == ROOM_REVIEWS_MAX || !cJSON_IsObject(r))
			break;
		struct room_review *v = &out->reviews[out->n_reviews++];
		str(r, "criterion", v->criterion, sizeof v->criterion);
		int64_t score = num(r, "score"), max = num(r, "max");
		v->score = score >= 0 && score <= 1000 ? (int)score : 0;
		v->max = max >= 0 && max <= 1000 ? (int)max : 0;
		str(r, "comment", v->comment, sizeof v->comment);
		v->at_ms = num(r, "at_ms");
	}
	cJSON_Delete(doc);
	return true;
}

bool room_read(const char *dir, const char *db_path, const char *learner, int64_t now_ms,
	       struct room *out, struct error *err)
{
	char *text = NULL;
	if (dir) {
		text = room_json(dir, learner, now_ms, err);
	} else if (db_path) {
		char *path = room_cache_path(db_path);
		text = path_is_file(path) ? path_read_file(path, 1 << 20, NULL, err) : NULL;
		if (!text && !path_is_file(path))
			error_set(err, "no word from the class server yet");
		free(path);
	}
	bool ok = text && room_parse(text, out, err);
	free(text);
	return ok;
}
