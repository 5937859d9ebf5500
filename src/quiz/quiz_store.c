/*
 * Quiz attempts in the learner's log: append start, try and finish events, and rebuild the
 * open attempt by replaying them.
 */
#include "quiz/quiz_store.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "store/store.h"

enum ev_kind {
	EV_START,
	EV_TRY,
	EV_FINISH
};

struct qevent {
	enum ev_kind kind;
	int64_t at_ms;
	int attempt;
	char *data;
};

struct scan {
	const char *quiz_id;
	struct qevent *v;
	size_t n, alloc;
};

static bool collect(const struct store_event *ev, void *ctx)
{
	struct scan *s = ctx;
	if (!ev->item || strcmp(ev->item, s->quiz_id) != 0 || !ev->kind)
		return true;
	enum ev_kind k;
	if (strcmp(ev->kind, STORE_QUIZ_START) == 0)
		k = EV_START;
	else if (strcmp(ev->kind, STORE_QUIZ_TRY) == 0)
		k = EV_TRY;
	else if (strcmp(ev->kind, STORE_QUIZ_FINISH) == 0)
		k = EV_FINISH;
	else
		return true;
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 16;
		s->v = xreallocarray(s->v, s->alloc, sizeof(*s->v));
	}
	struct qevent *q = &s->v[s->n++];
	q->kind = k;
	q->at_ms = ev->at_ms;
	q->data = xstrdup(ev->data ? ev->data : "");
	q->attempt = quiz_record_attempt_number(q->data);
	return true;
}

static void scan_release(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].data);
	free(s->v);
}

static bool scan_quiz(struct store *store, const char *quiz_id, struct scan *s, struct error *err)
{
	memset(s, 0, sizeof(*s));
	s->quiz_id = quiz_id;
	if (!store_each(store, NULL, collect, s, err)) {
		scan_release(s);
		return false;
	}
	return true;
}

static bool finished_attempt(const struct scan *s, int number)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == EV_FINISH && s->v[i].attempt == number)
			return true;
	return false;
}

static void history_of(const struct scan *s, struct quiz_history *h)
{
	memset(h, 0, sizeof(*h));
	h->best = h->last = -1;
	for (size_t i = 0; i < s->n; i++) {
		const struct qevent *e = &s->v[i];
		if (e->kind == EV_START) {
			h->started++;
			if (!finished_attempt(s, e->attempt))
				h->open = e->attempt;
		} else if (e->kind == EV_FINISH) {
			struct quiz_finish_record f;
			if (!quiz_record_read_finish(e->data, &f, NULL))
				continue;
			h->finished++;
			h->passed |= f.passed;
			h->last = f.percent;
			if (f.percent > h->best)
				h->best = f.percent;
		}
	}
}

bool quiz_store_history(struct store *store, const char *quiz_id, struct quiz_history *out,
			struct error *err)
{
	struct scan s;
	if (!scan_quiz(store, quiz_id, &s, err))
		return false;
	history_of(&s, out);
	scan_release(&s);
	return true;
}

static bool append(struct store *store, const char *kind, const char *item, const char *hash,
		   const char *data, int64_t at_ms, struct error *err)
{
	struct store_event ev = {
		.at_ms = at_ms, .kind = kind, .item = item, .hash = hash, .data = data
	};
	return store_append(store, &ev, err);
}

/* The hash of every drawn question's current version, to tell which were edited since. */
static void mark_edited(struct quiz_attempt *a, const struct quiz_set *set)
{
	for (size_t i = 0; i < a->n_slots; i++) {
		const struct quiz_question *now = quiz_set_find_question(set, a->slots[i].q->id);
		a->slots[i].edited = !now || strcmp(now->hash, a->slots[i].q->hash) != 0;
	}
}

static bool replay(struct quiz_attempt *a, const struct scan *s, size_t from, struct error *err)
{
	for (size_t i = from; i < s->n; i++) {
		const struct qevent *e = &s->v[i];
		if (e->kind != EV_TRY || e->attempt != a->number)
			continue;
		struct quiz_try_record r;
		if (!quiz_record_read_try(e->data, &r, err))
			return false;
		long slot = quiz_attempt_slot(a, r.question);
		bool ok = slot >= 0;
		if (!ok)
			error_set(err,
				  "a recorded try names question '%s', which the attempt lacks",
				  r.question);
		else
			ok = quiz_attempt_replay(a, (size_t)slot, r.response, r.seconds, e->at_ms,
						 err);
		quiz_try_record_release(&r);
		if (!ok)
			return false;
	}
	return true;
}

bool quiz_store_resume(struct store *store, const struct quiz *quiz, const struct quiz_set *set,
		       quiz_question_parse_fn parse, int64_t now_ms, struct quiz_attempt **out,
		       struct error *err)
{
	*out = NULL;
	struct scan s;
	if (!scan_quiz(store, quiz->id, &s, err))
		return false;
	struct quiz_history h;
	history_of(&s, &h);
	struct quiz_attempt *a = NULL;
	bool ok = true;
	if (!h.open)
		goto done;
	size_t start = 0;
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].kind == EV_START && s.v[i].attempt == h.open)
			start = i;
	a = quiz_record_read_start(s.v[start].data, quiz->id, s.v[start].at_ms, parse, err);
	ok = a && replay(a, &s, start + 1, err);
	if (!ok) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		error_set(err, "cannot resume attempt %d at quiz '%s': %s", h.open, quiz->id, msg);
		goto done;
	}
	mark_edited(a, set);
	if (a->deadline_ms && now_ms >= a->deadline_ms)
		ok = quiz_store_finish(store, a, now_ms, QUIZ_FINISH_TIME, err);
done:
	scan_release(&s);
	if (!ok) {
		quiz_attempt_free(a);
		return false;
	}
	*out = a;
	return true;
}

struct quiz_attempt *quiz_store_start(struct store *store, const struct quiz *quiz,
				      const struct quiz_set *set, uint64_t seed, int64_t now_ms,
				      struct error *err)
{
	struct scan s;
	if (!scan_quiz(store, quiz->id, &s, err))
		return NULL;
	struct quiz_history h;
	history_of(&s, &h);
	char **seen = NULL;
	size_t n_seen = 0;
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].kind == EV_START)
			quiz_record_question_ids(s.v[i].data, &seen, &n_seen);
	scan_release(&s);
	struct quiz_attempt *a = NULL;
	if (h.open) {
		error_set(err, "attempt %d at quiz '%s' is still open", h.open, quiz->id);
		goto out;
	}
	if (quiz->attempts > 0 && h.started >= quiz->attempts) {
		error_set(err, "no attempts left at quiz '%s': %d of %d used", quiz->id, h.started,
			  quiz->attempts);
		goto out;
	}
	a = quiz_attempt_start_seen(quiz, set, h.started + 1, seed, now_ms, seen, n_seen, err);
	if (!a)
		goto out;
	mark_edited(a, set);
	char *data = quiz_record_start(a, err);
	bool ok = data && append(store, STORE_QUIZ_START, quiz->id, quiz->hash, data, now_ms, err);
	free(data);
	if (!ok) {
		quiz_attempt_free(a);
		a = NULL;
	}
out:
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
	return a;
}

bool quiz_store_submit(struct store *store, struct quiz_attempt *a, size_t slot,
		       const char *response, double seconds, int64_t now_ms,
		       struct quiz_grade *grade, struct error *err)
{
	size_t before = slot < a->n_slots ? a->slots[slot].n_tries : 0;
	if (!quiz_attempt_submit(a, slot, response, seconds, now_ms, grade, err))
		return false;
	struct quiz_slot *s = &a->slots[slot];
	if (s->n_tries == before)
		return true; /* not gradable: nothing to record */
	char *data = quiz_record_try(a, slot);
	bool ok = append(store, STORE_QUIZ_TRY, a->quiz_id, s->q->hash, data, now_ms, err);
	free(data);
	if (!ok) {
		/* Take the try back: the learner must not see a grade that was not saved. */
		s->n_tries--;
		free(s->tries[s->n_tries].response);
		s->finished = false;
	}
	return ok;
}

bool quiz_store_finish(struct store *store, struct quiz_attempt *a, int64_t now_ms,
		       enum quiz_finish_reason reason, struct error *err)
{
	if (a->finished_ms)
		return true;
	struct quiz_attempt before = *a;
	quiz_attempt_finish(a, now_ms, reason);
	char *data = quiz_record_finish(a);
	bool ok = append(store, STORE_QUIZ_FINISH, a->quiz_id, NULL, data, a->finished_ms, err);
	free(data);
	if (!ok) {
		a->finished_ms = 0;
		a->reason = before.reason;
		for (size_t i = 0; i < a->n_slots; i++) {
			struct quiz_slot *s = &a->slots[i];
			s->finished =
				s->n_tries && (s->tries[s->n_tries - 1].fraction >= 1 - 1e-9 ||
					       s->n_tries >= quiz_question_tries(s->q));
		}
	}
	return ok;
}

bool quiz_store_abandon(struct store *store, const char *quiz_id, const char *why, int64_t now_ms,
			struct error *err)
{
	struct quiz_history h;
	if (!quiz_store_history(store, quiz_id, &h, err))
		return false;
	if (!h.open)
		return true;
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "attempt", h.open);
	cJSON_AddNumberToObject(root, "score", 0);
	cJSON_AddNumberToObject(root, "max", 0);
	cJSON_AddNumberToObject(root, "percent", 0);
	cJSON_AddBoolToObject(root, "passed", false);
	cJSON_AddStringToObject(root, "reason", "abandoned");
	cJSON_AddStringToObject(root, "why", why ? why : "");
	char *data = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	bool ok = data && append(store, STORE_QUIZ_FINISH, quiz_id, NULL, data, now_ms, err);
	cJSON_free(data);
	return ok;
}

uint64_t quiz_store_seed(int64_t now_ms)
{
	struct quiz_rng rng = { (uint64_t)now_ms ^ ((uint64_t)getpid() << 32) };
	return quiz_rng_next(&rng);
}
