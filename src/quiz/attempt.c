/*
 * Attempts: what is frozen when one starts (the questions drawn, their copies, the order of
 * questions and options, all from one seed), tries with Moodle's interactive penalties, the
 * time limit and the score. Times are arguments, so tests can step them by hand.
 */
#include "quiz/quiz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

uint64_t quiz_rng_next(struct quiz_rng *rng)
{
	/* splitmix64 (Steele, Lea, Flood 2014): every seed, zero included, gives a full stream. */
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

size_t quiz_rng_below(struct quiz_rng *rng, size_t n)
{
	/* Rejection sampling: no modulo bias, so every order is equally likely. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do {
		x = quiz_rng_next(rng);
	} while (x >= limit);
	return (size_t)(x % n);
}

void quiz_rng_shuffle(struct quiz_rng *rng, size_t *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = quiz_rng_below(rng, i);
		size_t t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static size_t *identity(size_t n)
{
	size_t *v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = i;
	return v;
}

static bool is_identity(const size_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] != i)
			return false;
	return true;
}

/* Freeze the presentation of one question. */
static void setup_slot(struct quiz_slot *s, const struct quiz *quiz, struct quiz_rng *rng)
{
	const struct quiz_question *q = s->q;
	bool shuffle = quiz->shuffle_options && q->shuffle;
	s->n_order = q->n_answers;
	s->order = identity(q->n_answers);
	switch (q->type) {
	case QUIZ_MC:
	case QUIZ_MC_MULTI:
		if (shuffle)
			quiz_rng_shuffle(rng, s->order, s->n_order);
		break;
	case QUIZ_TF:
	case QUIZ_NUMERIC:
	case QUIZ_SHORT:
		break;
	case QUIZ_MATCH:
		s->n_menu = quiz_match_choice_count(q);
		s->menu = identity(s->n_menu);
		if (shuffle) {
			quiz_rng_shuffle(rng, s->order, s->n_order);
			quiz_rng_shuffle(rng, s->menu, s->n_menu);
		}
		break;
	case QUIZ_ORDER:
		/* Always shuffled, and never handed out already solved. */
		quiz_rng_shuffle(rng, s->order, s->n_order);
		if (s->n_order >= 2 && is_identity(s->order, s->n_order)) {
			size_t first = s->order[0];
			memmove(s->order, s->order + 1, (s->n_order - 1) * sizeof(*s->order));
			s->order[s->n_order - 1] = first;
		}
		break;
	}
}

static bool chosen(const struct quiz_question **v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->id, id) == 0)
			return true;
	return false;
}

static bool tagged(const struct quiz_question *q, char *const *tags, size_t n_tags)
{
	if (!n_tags)
		return true;
	for (size_t i = 0; i < q->n_tags; i++)
		for (size_t j = 0; j < n_tags; j++)
			if (strcmp(q->tags[i], tags[j]) == 0)
				return true;
	return false;
}

static size_t times_seen(const char *id, char *const *seen, size_t n_seen)
{
	size_t k = 0;
	for (size_t i = 0; i < n_seen; i++)
		k += strcmp(seen[i], id) == 0;
	return k;
}

/*
 * Draw d's questions into v (which has room); false and err when the pool is too small. As in
 * Moodle (MDL-6340), questions the learner has seen least come first: the candidates are
 * shuffled, then stably sorted by how often they were seen.
 */
static bool draw(const struct quiz_draw *d, const struct quiz_set *set,
		 const struct quiz_question **v, size_t *n, struct quiz_rng *rng, char *const *seen,
		 size_t n_seen, struct error *err)
{
	const struct quiz *pool = quiz_set_find(set, d->from);
	if (!pool)
		return error_set(err, "cannot draw from '%s': no such quiz or pool", d->from);
	size_t *cand = xcalloc(pool->n_questions + 1, sizeof(*cand));
	size_t *count = xcalloc(pool->n_questions + 1, sizeof(*count));
	size_t m = 0;
	for (size_t i = 0; i < pool->n_questions; i++)
		if (tagged(pool->questions[i], d->tags, d->n_tags) &&
		    !chosen(v, *n, pool->questions[i]->id))
			cand[m++] = i;
	if (m < d->count) {
		free(cand);
		free(count);
		return error_set(err, "cannot draw %zu questions from '%s': it has %zu to give",
				 d->count, d->from, m);
	}
	quiz_rng_shuffle(rng, cand, m);
	for (size_t i = 0; i < m; i++)
		count[i] = times_seen(pool->questions[cand[i]]->id, seen, n_seen);
	for (size_t i = 1; i < m; i++) /* insertion sort: stable, and pools are small */
		for (size_t j = i; j > 0 && count[j - 1] > count[j]; j--) {
			size_t t = count[j];
			count[j] = count[j - 1];
			count[j - 1] = t;
			t = cand[j];
			cand[j] = cand[j - 1];
			cand[j - 1] = t;
		}
	for (size_t i = 0; i < d->count; i++)
		v[(*n)++] = pool->questions[cand[i]];
	free(cand);
	free(count);
	return true;
}

struct quiz_attempt *quiz_attempt_start(const struct quiz *quiz, const struct quiz_set *set,
					int number, uint64_t seed, int64_t now_ms,
					struct error *err)
{
	return quiz_attempt_start_seen(quiz, set, number, seed, now_ms, NULL, 0, err);
}

struct quiz_attempt *quiz_attempt_start_seen(const struct quiz *quiz, const struct quiz_set *set,
					     int number, uint64_t seed, int64_t now_ms,
					     char *const *seen, size_t n_seen, struct error *err)
{
	struct quiz_rng rng = { seed };
	size_t cap = quiz->n_questions;
	for (size_t i = 0; i < quiz->n_draws; i++)
		cap += quiz->draws[i].count;
	const struct quiz_question **v = xcalloc(cap + 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < quiz->n_questions; i++)
		v[n++] = quiz->questions[i];
	for (size_t i = 0; i < quiz->n_draws; i++)
		if (!draw(&quiz->draws[i], set, v, &n, &rng, seen, n_seen, err)) {
			free(v);
			return NULL;
		}
	size_t *order = identity(n);
	if (quiz->shuffle_questions)
		quiz_rng_shuffle(&rng, order, n);

	struct quiz_attempt *a = xcalloc(1, sizeof(*a));
	a->quiz_id = xstrdup(quiz->id);
	a->quiz_title = xstrdup(quiz->title);
	a->number = number;
	a->seed = seed;
	a->pass = quiz->pass;
	a->started_ms = now_ms;
	a->deadline_ms = quiz->time_limit_ms ? now_ms + quiz->time_limit_ms : 0;
	a->n_slots = n;
	a->slots = xcalloc(n ? n : 1, sizeof(*a->slots));
	for (size_t i = 0; i < n; i++) {
		a->slots[i].q = quiz_question_dup(v[order[i]]);
		setup_slot(&a->slots[i], quiz, &rng);
	}
	free(order);
	free(v);
	return a;
}

void quiz_attempt_free(struct quiz_attempt *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_slots; i++) {
		struct quiz_slot *s = &a->slots[i];
		quiz_question_free(s->q);
		free(s->order);
		free(s->menu);
		for (size_t t = 0; t < s->n_tries; t++)
			free(s->tries[t].response);
		free(s->tries);
	}
	free(a->slots);
	free(a->quiz_id);
	free(a->quiz_title);
	free(a);
}

bool quiz_attempt_open(const struct quiz_attempt *a, int64_t now_ms)
{
	return !a->finished_ms && (!a->deadline_ms || now_ms < a->deadline_ms);
}

double quiz_slot_next_penalty(const struct quiz_slot *slot)
{
	return slot->q->penalty * (double)slot->n_tries;
}

double quiz_slot_mark(const struct quiz_slot *slot)
{
	return slot->n_tries ? slot->tries[slot->n_tries - 1].mark : 0;
}

static bool add_try(struct quiz_attempt *a, size_t i, const char *response, double seconds,
		    int64_t at_ms, struct quiz_grade *g, struct error *err)
{
	if (i >= a->n_slots)
		return error_set(err, "no question %zu in this attempt", i + 1);
	struct quiz_slot *s = &a->slots[i];
	if (s->finished)
		return error_set(err, "question '%s' is finished; no more tries", s->q->id);
	quiz_grade(s->q, response, g);
	if (!g->valid)
		return true;
	/* As Moodle discards a resubmitted response, the same answer again is not a new try. */
	if (s->n_tries &&
	    strcmp(s->tries[s->n_tries - 1].response, response ? response : "") == 0) {
		g->valid = false;
		snprintf(g->why, sizeof(g->why),
			 "that is the answer you gave last time; change it");
		return true;
	}
	s->tries = xreallocarray(s->tries, s->n_tries + 1, sizeof(*s->tries));
	struct quiz_try *t = &s->tries[s->n_tries++];
	t->response = xstrdup(response ? response : "");
	t->fraction = g->fraction;
	t->penalty = s->q->penalty * (double)(s->n_tries - 1);
	t->mark = fmax(0, g->fraction - t->penalty) * s->q->mark;
	t->seconds = seconds;
	t->at_ms = at_ms;
	if (g->state == QUIZ_RIGHT || s->n_tries >= quiz_question_tries(s->q))
		s->finished = true;
	return true;
}

bool quiz_attempt_submit(struct quiz_attempt *a, size_t i, const char *response, double seconds,
			 int64_t now_ms, struct quiz_grade *grade, struct error *err)
{
	if (a->finished_ms)
		return error_set(err, "the attempt is finished");
	if (a->deadline_ms && now_ms >= a->deadline_ms)
		return error_set(err, "the time is up");
	return add_try(a, i, response, seconds, now_ms, grade, err);
}

bool quiz_attempt_replay(struct quiz_attempt *a, size_t i, const char *response, double seconds,
			 int64_t at_ms, struct error *err)
{
	struct quiz_grade g;
	if (a->finished_ms)
		return error_set(err, "a try follows the end of its attempt");
	size_t before = i < a->n_slots ? a->slots[i].n_tries : 0;
	if (!add_try(a, i, response, seconds, at_ms, &g, err))
		return false;
	if (a->slots[i].n_tries == before)
		return error_set(err, "a recorded response cannot be graded: %s", g.why);
	return true;
}

void quiz_attempt_finish(struct quiz_attempt *a, int64_t now_ms, enum quiz_finish_reason reason)
{
	if (a->finished_ms)
		return;
	if (a->deadline_ms && now_ms > a->deadline_ms) {
		now_ms = a->deadline_ms;
		reason = QUIZ_FINISH_TIME;
	}
	a->finished_ms = now_ms > 0 ? now_ms : 1;
	a->reason = reason;
	for (size_t i = 0; i < a->n_slots; i++)
		a->slots[i].finished = true;
}

void quiz_attempt_score(const struct quiz_attempt *a, double *score, double *max)
{
	double s = 0, m = 0;
	for (size_t i = 0; i < a->n_slots; i++) {
		s += quiz_slot_mark(&a->slots[i]);
		m += a->slots[i].q->mark;
	}
	*score = s;
	*max = m;
}

double quiz_attempt_percent(const struct quiz_attempt *a)
{
	double s, m;
	quiz_attempt_score(a, &s, &m);
	return m > 0 ? 100.0 * s / m : 0;
}

bool quiz_attempt_passed(const struct quiz_attempt *a)
{
	return quiz_attempt_percent(a) + 1e-9 >= a->pass;
}

long quiz_attempt_slot(const struct quiz_attempt *a, const char *id)
{
	for (size_t i = 0; i < a->n_slots; i++)
		if (strcmp(a->slots[i].q->id, id) == 0)
			return (long)i;
	return -1;
}
