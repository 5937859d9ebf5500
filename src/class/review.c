/*
 * Reviews of the final project: the class's file of the trainer's reviews, and a learner's
 * standing from it and the learner's own records.
 */
#include "class/review.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/xalloc.h"
#include "store/store.h"

const char *const review_criteria[REVIEW_N] = { "functionality", "error-handling", "iam",
						"configuration", "monitoring",     "code-docs",
						"performance" };

int review_criterion_index(const char *id)
{
	for (int i = 0; id && i < REVIEW_N; i++)
		if (!strcmp(review_criteria[i], id))
			return i;
	return -1;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A review from an event's JSON; false when it is not one. */
static bool review_parse(const char *data, const char *learner, int64_t at_ms, const char *key,
			 struct review *out)
{
	cJSON *o = data ? cJSON_Parse(data) : NULL;
	const char *crit = jstr(o, "criterion");
	const cJSON *score = cJSON_GetObjectItemCaseSensitive(o, "score");
	const char *who = learner ? learner : jstr(o, "learner");
	bool ok = crit && review_criterion_index(crit) >= 0 && cJSON_IsNumber(score) && who;
	if (ok) {
		const cJSON *max = cJSON_GetObjectItemCaseSensitive(o, "max");
		*out = (struct review){
			.learner = xstrdup(who),
			.criterion = xstrdup(crit),
			.comment = xstrdup(jstr(o, "comment") ? jstr(o, "comment") : ""),
			.by = xstrdup(jstr(o, "by") ? jstr(o, "by") : ""),
			.score = score->valueint,
			.max = cJSON_IsNumber(max) ? max->valueint : REVIEW_SCORE_MAX,
			.at_ms = at_ms,
			.key = xstrdup(key),
		};
	}
	cJSON_Delete(o);
	return ok;
}

static void review_release(struct review *r)
{
	free(r->learner);
	free(r->criterion);
	free(r->comment);
	free(r->by);
	free(r->key);
}

static bool load_one(const struct store_event *ev, void *ctx)
{
	struct review_set *s = ctx;
	struct review r;
	char key[48];
	snprintf(key, sizeof key, "reviews/%lld", (long long)ev->id);
	if (!review_parse(ev->data, NULL, ev->at_ms, key, &r))
		return true;
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n++] = r;
	return true;
}

bool review_load(const char *dir, struct review_set *out, struct error *err)
{
	*out = (struct review_set){ 0 };
	char *path = path_join(dir, REVIEW_FILE);
	bool ok = true;
	if (path_is_file(path)) {
		struct store *st = store_open_readonly(path, err);
		ok = st && store_each(st, STORE_REVIEW, load_one, out, err);
		store_close(st);
	}
	free(path);
	return ok;
}

void review_set_release(struct review_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		review_release(&s->v[i]);
	free(s->v);
	*s = (struct review_set){ 0 };
}

bool review_add(const char *dir, const char *learner, const char *criterion, int score,
		const char *comment, const char *by, struct error *err)
{
	if (review_criterion_index(criterion) < 0)
		return error_set(err,
				 "unknown criterion '%s': use functionality, error-handling, "
				 "iam, configuration, monitoring, code-docs or performance",
				 criterion);
	if (score < 0 || score > REVIEW_SCORE_MAX)
		return error_set(err, "a score is 0 to %d, not %d", REVIEW_SCORE_MAX, score);
	if (!learner[0] || strchr(learner, '/') || learner[0] == '.')
		return error_set(err, "'%s' is not a learner's name", learner);
	if (comment && strchr(comment, '\n'))
		return error_set(err, "a comment is one line");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "learner", learner);
	cJSON_AddStringToObject(o, "criterion", criterion);
	cJSON_AddNumberToObject(o, "score", score);
	cJSON_AddNumberToObject(o, "max", REVIEW_SCORE_MAX);
	cJSON_AddStringToObject(o, "comment", comment ? comment : "");
	cJSON_AddStringToObject(o, "by", by ? by : "");
	char *data = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	char *path = path_join(dir, REVIEW_FILE);
	struct store *st = store_open_mode(path, STORE_MODE_CLASS, err);
	struct store_event ev = {
		.kind = STORE_REVIEW, .module = REVIEW_PROJECT, .item = learner, .data = data
	};
	bool ok = st && store_append(st, &ev, err);
	store_close(st);
	free(path);
	free(data);
	return ok;
}

static void take_review(struct review_standing *s, struct review *r)
{
	int k = review_criterion_index(r->criterion);
	if (s->reviews[k] && s->reviews[k]->at_ms > r->at_ms) {
		review_release(r);
		free(r);
		return;
	}
	if (s->reviews[k]) {
		review_release(s->reviews[k]);
		free(s->reviews[k]);
	}
	s->reviews[k] = r;
}

static void take_rubric(struct review_standing *s, const struct class_event *ev)
{
	cJSON *o = ev->data ? cJSON_Parse(ev->data) : NULL;
	const cJSON *crits = cJSON_GetObjectItemCaseSensitive(o, "criteria");
	if (!cJSON_IsArray(crits)) {
		cJSON_Delete(o);
		return;
	}
	s->rubric = true;
	s->rubric_ms = ev->at_ms;
	s->rubric_event = ev->id;
	s->auto_total = s->auto_total_max = 0;
	for (int k = 0; k < REVIEW_N; k++) {
		s->auto_points[k] = s->auto_max[k] = -1;
		free(s->evidence[k]);
		s->evidence[k] = NULL;
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, crits)
	{
		int k = review_criterion_index(jstr(c, "id"));
		const cJSON *pts = cJSON_GetObjectItemCaseSensitive(c, "points");
		const cJSON *max = cJSON_GetObjectItemCaseSensitive(c, "max");
		if (k < 0 || !cJSON_IsNumber(pts) || !cJSON_IsNumber(max))
			continue;
		s->auto_points[k] = pts->valueint;
		s->auto_max[k] = max->valueint;
		s->auto_total += pts->valueint;
		s->auto_total_max += max->valueint;
		const cJSON *evd = cJSON_GetObjectItemCaseSensitive(c, "evidence");
		if (evd)
			s->evidence[k] = cJSON_PrintUnformatted(evd);
	}
	cJSON_Delete(o);
}

void review_standing_build(const struct class_learner *l, const struct review_set *cls,
			   struct review_standing *out)
{
	*out = (struct review_standing){ 0 };
	for (int k = 0; k < REVIEW_N; k++)
		out->auto_points[k] = out->auto_max[k] = -1;
	for (size_t i = 0; i < l->n_events; i++) {
		const struct class_event *ev = &l->events[i];
		if (!ev->module || strcmp(ev->module, REVIEW_PROJECT) != 0)
			continue;
		if (!strcmp(ev->kind, STORE_RUBRIC)) {
			take_rubric(out, ev);
		} else if (!strcmp(ev->kind, STORE_REVIEW)) {
			char *key = xasprintf("%s/%lld/review", l->id, (long long)ev->id);
			struct review *r = xmalloc(sizeof *r);
			if (review_parse(ev->data, l->id, ev->at_ms, key, r))
				take_review(out, r);
			else
				free(r);
			free(key);
		}
	}
	for (size_t i = 0; cls && i < cls->n; i++) {
		const struct review *c = &cls->v[i];
		if (strcmp(c->learner, l->id) != 0)
			continue;
		struct review *r = xmalloc(sizeof *r);
		*r = (struct review){ xstrdup(c->learner),
				      xstrdup(c->criterion),
				      xstrdup(c->comment),
				      xstrdup(c->by),
				      c->score,
				      c->max,
				      c->at_ms,
				      xstrdup(c->key) };
		take_review(out, r);
	}
	for (int k = 0; k < REVIEW_N; k++)
		if (out->reviews[k]) {
			out->review_total += out->reviews[k]->score;
			out->n_reviews++;
		}
}

void review_standing_release(struct review_standing *s)
{
	for (int k = 0; k < REVIEW_N; k++) {
		if (s->reviews[k])
			review_release(s->reviews[k]);
		free(s->reviews[k]);
		free(s->evidence[k]);
	}
	*s = (struct review_standing){ 0 };
}
