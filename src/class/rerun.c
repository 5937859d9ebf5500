/*
 * The trainer's re-runs of check runs, as one JSON file in the class folder.
 */
#include "class/rerun.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/xalloc.h"

void rerun_set_add(struct rerun_set *s, const struct rerun *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].event == v->event && !strcmp(s->v[i].learner, v->learner) &&
		    !strcmp(s->v[i].exercise, v->exercise)) {
			const char *l = s->v[i].learner, *e = s->v[i].exercise;
			s->v[i] = *v;
			s->v[i].learner = l;
			s->v[i].exercise = e;
			return;
		}
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n] = *v;
	s->v[s->n].learner = xstrdup(v->learner);
	s->v[s->n].exercise = xstrdup(v->exercise);
	s->n++;
}

const struct rerun *rerun_find(const struct rerun_set *s, const char *learner, const char *exercise,
			       int64_t event)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->v[i].event == event && !strcmp(s->v[i].learner, learner) &&
		    !strcmp(s->v[i].exercise, exercise))
			return &s->v[i];
	return NULL;
}

static void copy(const cJSON *o, const char *name, char *out, size_t n)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	snprintf(out, n, "%s", v ? v : "");
}

/* By learner, exercise, then the latest run first. */
static int cmp_latest_first(const void *a, const void *b)
{
	const struct rerun *x = a, *y = b;
	int c = strcmp(x->learner, y->learner);
	if (!c)
		c = strcmp(x->exercise, y->exercise);
	return c ? c : (x->event < y->event) - (x->event > y->event);
}

bool rerun_read(const char *dir, struct rerun_set *out, struct error *err)
{
	*out = (struct rerun_set){ 0 };
	char *path = path_join(dir, RERUN_FILE);
	bool ok = true;
	char *text = path_is_file(path) ? path_read_file(path, 64u << 20, NULL, err) : NULL;
	if (!text) {
		ok = !path_is_file(path);
		free(path);
		return ok;
	}
	cJSON *doc = cJSON_Parse(text);
	if (!cJSON_IsObject(doc)) {
		ok = error_set(err, "'%s' is not the trainer's re-runs (run grade --class again)",
			       path);
	}
	const cJSON *learner, *top = ok ? doc : NULL;
	cJSON_ArrayForEach(learner, top)
	{
		const cJSON *last;
		cJSON_ArrayForEach(last, learner)
		{
			/* The exercise's last run's verdict, then those of its earlier runs. */
			const cJSON *earlier = cJSON_GetObjectItemCaseSensitive(last, "earlier");
			int n_earlier = cJSON_IsArray(earlier) ? cJSON_GetArraySize(earlier) : 0;
			for (int k = -1; k < n_earlier; k++) {
				const cJSON *ex = k < 0 ? last : cJSON_GetArrayItem(earlier, k);
				struct rerun v = { .learner = learner->string,
						   .exercise = last->string };
				const cJSON *n = cJSON_GetObjectItemCaseSensitive(ex, "event");
				v.event = cJSON_IsNumber(n) && fabs(n->valuedouble) < 9e15
						  ? (int64_t)n->valuedouble
						  : 0;
				n = cJSON_GetObjectItemCaseSensitive(ex, "at_ms");
				v.at_ms = cJSON_IsNumber(n) && fabs(n->valuedouble) < 9e15
						  ? (int64_t)n->valuedouble
						  : 0;
				v.reproduced = cJSON_IsTrue(
					cJSON_GetObjectItemCaseSensitive(ex, "reproduced"));
				copy(ex, "recorded", v.recorded, sizeof v.recorded);
				copy(ex, "now", v.now, sizeof v.now);
				copy(ex, "why", v.why, sizeof v.why);
				if (v.learner && v.exercise && cJSON_IsObject(ex))
					rerun_set_add(out, &v);
			}
		}
	}
	cJSON_Delete(doc);
	free(text);
	free(path);
	return ok;
}

bool rerun_write(const char *dir, const struct rerun_set *s, struct error *err)
{
	struct rerun_set all;
	if (!rerun_read(dir, &all, err))
		rerun_set_release(&all); /* a damaged file is replaced */
	for (size_t i = 0; i < s->n; i++)
		rerun_set_add(&all, &s->v[i]);
	/* Per learner and exercise, the latest run's verdict, the others in its "earlier". */
	if (all.n)
		qsort(all.v, all.n, sizeof *all.v, cmp_latest_first);
	cJSON *doc = cJSON_CreateObject();
	for (size_t i = 0; i < all.n; i++) {
		const struct rerun *v = &all.v[i];
		cJSON *l = cJSON_GetObjectItemCaseSensitive(doc, v->learner);
		if (!l)
			l = cJSON_AddObjectToObject(doc, v->learner);
		cJSON *o = cJSON_GetObjectItemCaseSensitive(l, v->exercise);
		if (o) {
			cJSON *earlier = cJSON_GetObjectItemCaseSensitive(o, "earlier");
			if (!earlier)
				earlier = cJSON_AddArrayToObject(o, "earlier");
			cJSON_AddItemToArray(earlier, o = cJSON_CreateObject());
		} else {
			o = cJSON_AddObjectToObject(l, v->exercise);
		}
		cJSON_AddNumberToObject(o, "event", (double)v->event);
		cJSON_AddNumberToObject(o, "at_ms", (double)v->at_ms);
		cJSON_AddStringToObject(o, "recorded", v->recorded);
		cJSON_AddStringToObject(o, "now", v->now);
		cJSON_AddBoolToObject(o, "reproduced", v->reproduced);
		if (v->why[0])
			cJSON_AddStringToObject(o, "why", v->why);
	}
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	char *path = path_join(dir, RERUN_FILE);
	bool ok = path_write_file(path, text, strlen(text), 0640, err);
	free(path);
	free(text);
	rerun_set_release(&all);
	return ok;
}

void rerun_set_release(struct rerun_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free((char *)s->v[i].learner);
		free((char *)s->v[i].exercise);
	}
	free(s->v);
	*s = (struct rerun_set){ 0 };
}
