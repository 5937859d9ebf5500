/*
 * The live question's file and the room's answers to it.
 */
#include "class/live.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class/pace.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "quiz/quiz.h"
#include "store/store.h"

static int64_t num(const cJSON *doc, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);
	/* Times and ids are below 2^53; anything else (1e300, NaN) is none, never a bad cast. */
	return cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 9e15
		       ? (int64_t)v->valuedouble
		       : 0;
}

bool live_read(const char *dir, struct live *out, struct error *err)
{
	*out = (struct live){ 0 };
	char *path = path_join(dir, LIVE_FILE);
	bool ok = true;
	char *text = path_is_file(path) ? path_read_file(path, 1 << 16, NULL, err) : NULL;
	if (!text) {
		ok = !path_is_file(path);
		goto out;
	}
	cJSON *doc = cJSON_Parse(text);
	const char *q = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "question"));
	const char *h = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "hash"));
	if (!cJSON_IsObject(doc) || !q || !h || strlen(q) >= LIVE_ID_MAX ||
	    strlen(h) >= LIVE_HASH_MAX || !num(doc, "id")) {
		ok = error_set(err, "'%s' is not a live question (push one again)", path);
	} else {
		out->id = num(doc, "id");
		snprintf(out->question, sizeof out->question, "%s", q);
		snprintf(out->hash, sizeof out->hash, "%s", h);
		out->closes_ms = num(doc, "closes_ms");
		out->closed_ms = num(doc, "closed_ms");
		out->revealed_ms = num(doc, "revealed_ms");
		const char *z = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "quiz"));
		int64_t n = num(doc, "count"), i = num(doc, "index"), sec = num(doc, "seconds");
		if (z && strlen(z) < LIVE_ID_MAX && n > 0 && n < 100000 && i < n) {
			snprintf(out->quiz, sizeof out->quiz, "%s", z);
			out->index = (int)i;
			out->count = (int)n;
		}
		out->seconds = sec < 100000 ? (int)sec : 0;
		const cJSON *prev = cJSON_GetObjectItemCaseSensitive(doc, "prev");
		const char *pq =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(prev, "question"));
		const char *ph =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(prev, "hash"));
		if (pq && ph && strlen(pq) < LIVE_ID_MAX && strlen(ph) < LIVE_HASH_MAX &&
		    num(prev, "id") && num(prev, "until_ms")) {
			out->prev_id = num(prev, "id");
			out->prev_until_ms = num(prev, "until_ms");
			snprintf(out->prev_question, sizeof out->prev_question, "%s", pq);
			snprintf(out->prev_hash, sizeof out->prev_hash, "%s", ph);
		}
	}
	cJSON_Delete(doc);
out:
	free(text);
	free(path);
	return ok;
}

bool live_write(const char *dir, const struct live *l, struct error *err)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "id", (double)l->id);
	cJSON_AddStringToObject(doc, "question", l->question);
	cJSON_AddStringToObject(doc, "hash", l->hash);
	cJSON_AddNumberToObject(doc, "closes_ms", (double)l->closes_ms);
	cJSON_AddNumberToObject(doc, "closed_ms", (double)l->closed_ms);
	cJSON_AddNumberToObject(doc, "revealed_ms", (double)l->revealed_ms);
	cJSON_AddNumberToObject(doc, "seconds", l->seconds);
	if (l->quiz[0]) {
		cJSON_AddStringToObject(doc, "quiz", l->quiz);
		cJSON_AddNumberToObject(doc, "index", l->index);
		cJSON_AddNumberToObject(doc, "count", l->count);
	}
	if (l->prev_id) {
		cJSON *prev = cJSON_AddObjectToObject(doc, "prev");
		cJSON_AddNumberToObject(prev, "id", (double)l->prev_id);
		cJSON_AddStringToObject(prev, "question", l->prev_question);
		cJSON_AddStringToObject(prev, "hash", l->prev_hash);
		cJSON_AddNumberToObject(prev, "until_ms", (double)l->prev_until_ms);
	}
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	char *path = path_join(dir, LIVE_FILE);
	bool ok = pace_write_file(path, text, err);
	free(path);
	free(text);
	return ok;
}

bool live_open(const struct live *l, int64_t now_ms, int64_t grace_ms)
{
	return l->id && (!l->closed_ms || now_ms < l->closed_ms + grace_ms) &&
	       (!l->closes_ms || now_ms < l->closes_ms + grace_ms);
}

int64_t live_until_ms(const struct live *l, int64_t now_ms)
{
	int64_t until = l->closed_ms;
	if (l->closes_ms && (!until || l->closes_ms < until))
		until = l->closes_ms;
	return until && until <= now_ms ? until : 0;
}

void live_push(struct live *l, const struct quiz_question *q, long seconds, int64_t now_ms)
{
	/* A push is known by its time: two in one millisecond would share their answers. */
	int64_t id = now_ms > l->id ? now_ms : l->id + 1;
	seconds = seconds > 0 && seconds < 100000 ? seconds : 0;
	struct live was = *l;
	*l = (struct live){ .id = id, .closes_ms = seconds ? id + seconds * 1000 : 0 };
	if (was.id) {
		int64_t until = live_until_ms(&was, now_ms);
		l->prev_id = was.id;
		l->prev_until_ms = until ? until : now_ms;
		snprintf(l->prev_question, sizeof l->prev_question, "%s", was.question);
		snprintf(l->prev_hash, sizeof l->prev_hash, "%s", was.hash);
	}
	l->seconds = (int)seconds;
	snprintf(l->question, sizeof l->question, "%s", q->id);
	snprintf(l->hash, sizeof l->hash, "%s", q->hash);
}

bool live_push_quiz(struct live *l, const struct quiz *quiz, size_t i, long seconds, int64_t now_ms)
{
	if (i >= quiz->n_questions || strlen(quiz->id) >= LIVE_ID_MAX)
		return false;
	live_push(l, quiz->questions[i], seconds, now_ms);
	snprintf(l->quiz, sizeof l->quiz, "%s", quiz->id);
	l->index = (int)i;
	l->count = (int)quiz->n_questions;
	return true;
}

void live_close(struct live *l, int64_t now_ms)
{
	if (!l->closed_ms && live_open(l, now_ms, 0))
		l->closed_ms = now_ms;
}

int64_t live_left_ms(const struct live *l, int64_t now_ms)
{
	if (!live_open(l, now_ms, 0) || !l->closes_ms)
		return 0;
	return l->closes_ms - now_ms;
}

/* The learner's first answer to push l that counts, or NULL. */
static const struct class_event *first_answer(const struct class_learner *cl, const struct live *l,
					      cJSON **doc)
{
	*doc = NULL;
	int64_t until =
		l->closed_ms || l->closes_ms ? live_until_ms(l, INT64_MAX) + LIVE_GRACE_MS : 0;
	for (size_t e = 0; e < cl->n_events; e++) {
		const struct class_event *ev = &cl->events[e];
		if (strcmp(ev->kind, STORE_LIVE_ANSWER) != 0 || !ev->item || !ev->data ||
		    strcmp(ev->item, l->question) != 0 || (until && ev->at_ms > until))
			continue;
		cJSON *d = cJSON_Parse(ev->data);
		if (num(d, "push") == l->id &&
		    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "response"))) {
			*doc = d;
			return ev;
		}
		cJSON_Delete(d);
	}
	return NULL;
}

static int by_count(const void *a, const void *b)
{
	const struct live_bar *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->label, y->label);
}

static bool choice(const struct quiz_question *q)
{
	return q && (q->type == QUIZ_MC || q->type == QUIZ_MC_MULTI || q->type == QUIZ_TF);
}

/* Whether option i is among those a choice response names ("2", "0,3", "true"). */
static bool names_option(const struct quiz_question *q, const char *resp, size_t i)
{
	if (q->type == QUIZ_TF)
		return strcmp(resp, i == 0 ? "true" : "false") == 0;
	for (const char *p = resp; *p;) {
		char *end;
		long k = strtol(p, &end, 10);
		if (end == p)
			return false;
		if (k >= 0 && (size_t)k == i)
			return true;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return false;
	}
	return false;
}

void live_tally_build(const struct class_room *room, const struct live *l,
		      const struct quiz_question *q, struct live_tally *out)
{
	*out = (struct live_tally){ 0 };
	out->waiting = xcalloc(room->n ? room->n : 1, sizeof *out->waiting);
	out->answered_by = xcalloc(room->n ? room->n : 1, sizeof *out->answered_by);
	size_t alloc = 0;
	if (choice(q)) {
		out->n_bars = alloc = q->n_answers;
		out->bars = xcalloc(alloc ? alloc : 1, sizeof *out->bars);
		for (size_t i = 0; i < q->n_answers; i++)
			out->bars[i] = (struct live_bar){ xstrdup(q->answers[i].text), 0,
							  q->answers[i].fraction > 0 };
	}
	for (size_t i = 0; i < room->n; i++) {
		const struct class_learner *cl = &room->learners[i];
		if (cl->file != CLASS_FILE_OK || cl->trainer)
			continue; /* the trainer's own record is nobody the room waits for */
		cJSON *d;
		if (!l->id || !first_answer(cl, l, &d)) {
			out->waiting[out->n_waiting++] = cl->id;
			continue;
		}
		const char *resp =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "response"));
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(d, "fraction");
		bool full = cJSON_IsNumber(f) && f->valuedouble >= 0.999;
		out->answered_by[out->answered++] = cl->id;
		out->right += full;
		if (choice(q)) {
			for (size_t k = 0; k < q->n_answers; k++)
				out->bars[k].count += names_option(q, resp, k);
		} else {
			size_t k = 0;
			while (k < out->n_bars && strcmp(out->bars[k].label, resp) != 0)
				k++;
			if (k == out->n_bars) {
				if (out->n_bars == alloc) {
					alloc = alloc ? 2 * alloc : 8;
					out->bars =
						xreallocarray(out->bars, alloc, sizeof *out->bars);
				}
				out->bars[k] = (struct live_bar){ xstrdup(resp), 0, full };
				out->n_bars++;
			}
			out->bars[k].count++;
		}
		cJSON_Delete(d);
	}
	if (!choice(q) && out->n_bars)
		qsort(out->bars, out->n_bars, sizeof *out->bars, by_count);
}

void live_tally_release(struct live_tally *t)
{
	for (size_t i = 0; i < t->n_bars; i++)
		free(t->bars[i].label);
	free(t->bars);
	free(t->waiting);
	free(t->answered_by);
	*t = (struct live_tally){ 0 };
}
