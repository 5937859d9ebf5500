/*
 * Attempt records as JSON through cJSON: built from our structs at the edge, read back into
 * them, and each cJSON tree deleted once in the function that made it.
 */
#include "quiz/record.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static cJSON *index_array(const size_t *v, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)v[i]));
	return arr;
}

static char *print(cJSON *root)
{
	char *s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!s) {
		fputs("lambda-tutor: out of memory\n", stderr);
		abort();
	}
	char *out = xstrdup(s);
	cJSON_free(s);
	return out;
}

char *quiz_record_start(const struct quiz_attempt *a, struct error *err)
{
	for (size_t i = 0; i < a->n_slots; i++)
		if (!a->slots[i].q->canon) {
			error_set(err, "question '%s' has no stored form", a->slots[i].q->id);
			return NULL;
		}
	char seed[17];
	snprintf(seed, sizeof(seed), "%016" PRIx64, a->seed);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "attempt", a->number);
	cJSON_AddStringToObject(root, "title", a->quiz_title ? a->quiz_title : "");
	cJSON_AddStringToObject(root, "seed", seed);
	cJSON_AddNumberToObject(root, "deadline_ms", (double)a->deadline_ms);
	cJSON_AddNumberToObject(root, "pass", a->pass);
	cJSON *qs = cJSON_AddArrayToObject(root, "questions");
	for (size_t i = 0; i < a->n_slots; i++) {
		const struct quiz_slot *s = &a->slots[i];
		cJSON *q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "id", s->q->id);
		cJSON_AddStringToObject(q, "type", quiz_type_name(s->q->type));
		cJSON_AddNumberToObject(q, "mark", s->q->mark);
		cJSON_AddStringToObject(q, "hash", s->q->hash);
		cJSON_AddItemToObject(q, "order", index_array(s->order, s->n_order));
		if (s->menu)
			cJSON_AddItemToObject(q, "menu", index_array(s->menu, s->n_menu));
		cJSON_AddStringToObject(q, "question", s->q->canon);
		cJSON_AddItemToArray(qs, q);
	}
	return print(root);
}

/* An array of distinct indices below n, exactly n long (a permutation). */
static size_t *read_perm(const cJSON *arr, size_t n, struct error *err)
{
	if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) != n) {
		error_set(err, "a stored order has the wrong length");
		return NULL;
	}
	size_t *v = xcalloc(n ? n : 1, sizeof(*v));
	bool *seen = xcalloc(n ? n : 1, sizeof(*seen));
	size_t i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		double d = cJSON_IsNumber(it) ? it->valuedouble : -1;
		if (d < 0 || d >= (double)n || d != floor(d) || seen[(size_t)d]) {
			free(v);
			free(seen);
			error_set(err, "a stored order is not a permutation");
			return NULL;
		}
		seen[(size_t)d] = true;
		v[i++] = (size_t)d;
	}
	free(seen);
	return v;
}

static const char *get_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool get_num(const cJSON *obj, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v))
		return false;
	*out = v->valuedouble;
	return true;
}

static bool read_slot(struct quiz_slot *s, const cJSON *q, quiz_question_parse_fn parse,
		      struct error *err)
{
	const char *id = get_str(q, "id"), *hash = get_str(q, "hash"),
		   *text = get_str(q, "question");
	if (!id || !hash || !text || strlen(hash) != QUIZ_HASH_LEN)
		return error_set(err, "a stored question lacks its id, hash or copy");
	s->q = parse(text, strlen(text), err);
	if (!s->q)
		return false;
	if (strcmp(s->q->id, id) != 0)
		return error_set(err, "stored question '%s' holds question '%s'", id, s->q->id);
	/* parse() hashes the text it read: a damaged copy shows here. */
	if (strcmp(s->q->hash, hash) != 0)
		return error_set(err, "stored question '%s' does not match its hash", id);
	s->n_order = s->q->n_answers;
	s->order = read_perm(cJSON_GetObjectItemCaseSensitive(q, "order"), s->n_order, err);
	if (!s->order)
		return false;
	if (s->q->type == QUIZ_MATCH) {
		s->n_menu = quiz_match_choice_count(s->q);
		s->menu = read_perm(cJSON_GetObjectItemCaseSensitive(q, "menu"), s->n_menu, err);
		if (!s->menu)
			return false;
	}
	return true;
}

struct quiz_attempt *quiz_record_read_start(const char *data, const char *quiz_id,
					    int64_t started_ms, quiz_question_parse_fn parse,
					    struct error *err)
{
	struct quiz_attempt *a = NULL;
	cJSON *root = cJSON_Parse(data ? data : "");
	if (!cJSON_IsObject(root)) {
		error_set(err, "a quiz_start record is not JSON");
		goto fail;
	}
	double number, deadline, pass;
	const char *seed = get_str(root, "seed");
	const cJSON *qs = cJSON_GetObjectItemCaseSensitive(root, "questions");
	if (!get_num(root, "attempt", &number) || !get_num(root, "deadline_ms", &deadline) ||
	    !get_num(root, "pass", &pass) || !seed || !cJSON_IsArray(qs)) {
		error_set(
			err,
			"a quiz_start record lacks attempt, seed, deadline_ms, pass or questions");
		goto fail;
	}
	a = xcalloc(1, sizeof(*a));
	a->quiz_id = xstrdup(quiz_id);
	a->quiz_title = xstrdup(get_str(root, "title") ? get_str(root, "title") : quiz_id);
	a->number = (int)number;
	a->seed = strtoull(seed, NULL, 16);
	a->pass = pass;
	a->started_ms = started_ms;
	a->deadline_ms = (int64_t)deadline;
	size_t n = (size_t)cJSON_GetArraySize(qs);
	a->slots = xcalloc(n ? n : 1, sizeof(*a->slots));
	const cJSON *q;
	cJSON_ArrayForEach(q, qs)
	{
		struct quiz_slot *s = &a->slots[a->n_slots++];
		if (!read_slot(s, q, parse, err))
			goto fail;
	}
	cJSON_Delete(root);
	return a;
fail:
	cJSON_Delete(root);
	quiz_attempt_free(a);
	return NULL;
}

char *quiz_record_try(const struct quiz_attempt *a, size_t i)
{
	const struct quiz_slot *s = &a->slots[i];
	const struct quiz_try *t = &s->tries[s->n_tries - 1];
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "attempt", a->number);
	cJSON_AddStringToObject(root, "question", s->q->id);
	cJSON_AddNumberToObject(root, "slot", (double)(i + 1));
	cJSON_AddNumberToObject(root, "try", (double)s->n_tries);
	cJSON_AddStringToObject(root, "response", t->response);
	cJSON_AddNumberToObject(root, "fraction", t->fraction);
	cJSON_AddNumberToObject(root, "penalty", t->penalty);
	cJSON_AddNumberToObject(root, "mark", t->mark);
	cJSON_AddNumberToObject(root, "max", s->q->mark);
	cJSON_AddNumberToObject(root, "seconds", t->seconds);
	cJSON_AddBoolToObject(root, "finished", s->finished);
	return print(root);
}

bool quiz_record_read_try(const char *data, struct quiz_try_record *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	cJSON *root = cJSON_Parse(data ? data : "");
	double number, seconds = 0;
	const char *q = get_str(root, "question"), *r = get_str(root, "response");
	bool ok = cJSON_IsObject(root) && get_num(root, "attempt", &number) && q && r;
	if (ok) {
		get_num(root, "seconds", &seconds);
		out->attempt = (int)number;
		out->question = xstrdup(q);
		out->response = xstrdup(r);
		out->seconds = seconds;
	} else {
		error_set(err, "a quiz_try record lacks attempt, question or response");
	}
	cJSON_Delete(root);
	return ok;
}

void quiz_try_record_release(struct quiz_try_record *r)
{
	free(r->question);
	free(r->response);
	memset(r, 0, sizeof(*r));
}

char *quiz_record_finish(const struct quiz_attempt *a)
{
	double score, max;
	quiz_attempt_score(a, &score, &max);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "attempt", a->number);
	cJSON_AddNumberToObject(root, "score", score);
	cJSON_AddNumberToObject(root, "max", max);
	cJSON_AddNumberToObject(root, "percent", quiz_attempt_percent(a));
	cJSON_AddBoolToObject(root, "passed", quiz_attempt_passed(a));
	cJSON_AddStringToObject(root, "reason",
				a->reason == QUIZ_FINISH_TIME ? "time" : "submitted");
	cJSON *edited = cJSON_AddArrayToObject(root, "edited");
	for (size_t i = 0; i < a->n_slots; i++)
		if (a->slots[i].edited)
			cJSON_AddItemToArray(edited, cJSON_CreateString(a->slots[i].q->id));
	cJSON_AddStringToObject(root, "graded_against", "attempt copy");
	return print(root);
}

bool quiz_record_read_finish(const char *data, struct quiz_finish_record *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	cJSON *root = cJSON_Parse(data ? data : "");
	double number;
	bool ok = cJSON_IsObject(root) && get_num(root, "attempt", &number) &&
		  get_num(root, "score", &out->score) && get_num(root, "max", &out->max) &&
		  get_num(root, "percent", &out->percent);
	if (ok) {
		out->attempt = (int)number;
		out->passed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "passed"));
	} else {
		error_set(err, "a quiz_finish record lacks attempt, score, max or percent");
	}
	cJSON_Delete(root);
	return ok;
}

int quiz_record_attempt_number(const char *data)
{
	cJSON *root = cJSON_Parse(data ? data : "");
	double number = 0;
	if (!get_num(root, "attempt", &number) || number < 1 || number > 1e9)
		number = 0;
	cJSON_Delete(root);
	return (int)number;
}

void quiz_record_question_ids(const char *data, char ***ids, size_t *n)
{
	cJSON *root = cJSON_Parse(data ? data : "");
	const cJSON *qs = cJSON_GetObjectItemCaseSensitive(root, "questions");
	const cJSON *q;
	cJSON_ArrayForEach(q, qs)
	{
		const char *id = get_str(q, "id");
		if (!id)
			continue;
		*ids = xreallocarray(*ids, *n + 1, sizeof(**ids));
		(*ids)[(*n)++] = xstrdup(id);
	}
	cJSON_Delete(root);
}
