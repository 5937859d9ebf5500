/*
 * Exercise progress from the records: one pass over the check runs and one over the solutions.
 */
#include "check/progress.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/store.h"

struct scan {
	const struct exercise_set *set;
	struct exercise_progress *p;
};

static struct exercise_progress *find(struct scan *s, const char *id)
{
	for (size_t i = 0; id && i < s->set->n; i++)
		if (strcmp(s->set->v[i]->id, id) == 0)
			return &s->p[i];
	return NULL;
}

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? xstrdup(src) : NULL;
}

static bool on_run(const struct store_event *ev, void *ctx)
{
	struct scan *s = ctx;
	struct exercise_progress *p = find(s, ev->item);
	cJSON *o = p && ev->data ? cJSON_Parse(ev->data) : NULL;
	if (!o)
		return true;
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(o, "status");
	const char *st = cJSON_IsString(status) ? status->valuestring : "";
	p->runs++;
	p->last_ms = ev->at_ms;
	const cJSON *lang = cJSON_GetObjectItemCaseSensitive(o, "language");
	if (cJSON_IsString(lang))
		snprintf(p->language, sizeof(p->language), "%s", lang->valuestring);
	const cJSON *passed = cJSON_GetObjectItemCaseSensitive(o, "passed");
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(o, "total");
	p->last_passed = cJSON_IsNumber(passed) ? (size_t)passed->valuedouble : 0;
	p->last_total = cJSON_IsNumber(total) ? (size_t)total->valuedouble : 0;
	set_str(&p->failing_task, NULL);
	set_str(&p->failing_text, NULL);
	set_str(&p->error, NULL);
	if (strcmp(st, "passed") == 0) {
		p->state = PROGRESS_PASSED;
	} else if (p->state != PROGRESS_PASSED) {
		/* A pass stays a pass; a later failure still names what fails now. */
		p->state = strcmp(st, "error") == 0 ? PROGRESS_ERROR : PROGRESS_FAILING;
	}
	if (strcmp(st, "error") == 0) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
		set_str(&p->error, cJSON_IsString(e) ? e->valuestring : "the check could not run");
	}
	const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(o, "tasks");
	for (const cJSON *t = tasks ? tasks->child : NULL; t; t = t->next) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "pass")))
			continue;
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "id");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(t, "text");
		if (strcmp(st, "failed") == 0 && cJSON_IsString(id)) {
			set_str(&p->failing_task, id->valuestring);
			set_str(&p->failing_text, cJSON_IsString(text) ? text->valuestring : NULL);
		}
		break;
	}
	cJSON_Delete(o);
	return true;
}

static bool on_solution(const struct store_event *ev, void *ctx)
{
	struct scan *s = ctx;
	struct exercise_progress *p = find(s, ev->item);
	if (!p)
		return true;
	if (!p->solution_seen && p->state != PROGRESS_PASSED)
		p->solution_first = true;
	p->solution_seen = true;
	return true;
}

static bool on_event(const struct store_event *ev, void *ctx)
{
	if (strcmp(ev->kind, STORE_CHECK_RUN) == 0)
		return on_run(ev, ctx);
	if (strcmp(ev->kind, STORE_SOLUTION) == 0)
		return on_solution(ev, ctx);
	return true;
}

bool progress_load(struct store *store, const struct exercise_set *set,
		   struct exercise_progress **out, struct error *err)
{
	struct exercise_progress *p = xcalloc(set->n + 1, sizeof(*p));
	for (size_t i = 0; i < set->n; i++)
		p[i].ex = set->v[i];
	*out = p;
	if (!store)
		return true;
	struct scan s = { set, p };
	/* One pass in the log's order: a solution seen before the first pass is told apart. */
	return store_each(store, NULL, on_event, &s, err);
}

void progress_free(struct exercise_progress *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		free(p[i].failing_task);
		free(p[i].failing_text);
		free(p[i].error);
	}
	free(p);
}

const char *progress_state_name(enum progress_state state)
{
	switch (state) {
	case PROGRESS_NOT_STARTED:
		return "not started";
	case PROGRESS_FAILING:
		return "failing";
	case PROGRESS_ERROR:
		return "error";
	case PROGRESS_PASSED:
		return "passed";
	}
	abort();
}

bool progress_done(const struct exercise_progress *p)
{
	return p->state == PROGRESS_PASSED;
}

static bool on_view(const struct store_event *ev, void *ctx)
{
	struct course_progress *cp = ctx;
	long m = course_module_index(cp->course, ev->module);
	long p = m < 0 ? -1 : course_page_index(&cp->course->modules[m], ev->item);
	if (p >= 0)
		cp->viewed[m][p] = true;
	return true;
}

bool course_progress_load(struct course_progress *cp, struct store *store,
			  const struct course *course, const struct course_path *path,
			  const struct exercise_set *set, struct error *err)
{
	memset(cp, 0, sizeof(*cp));
	cp->course = course;
	cp->path = path;
	cp->set = set;
	cp->viewed = xcalloc(course->n_modules + 1, sizeof(*cp->viewed));
	cp->quiz = xcalloc(course->n_modules + 1, sizeof(*cp->quiz));
	for (size_t m = 0; m < course->n_modules; m++) {
		cp->viewed[m] = xcalloc(course->modules[m].n_pages + 1, sizeof(bool));
		cp->quiz[m].best = cp->quiz[m].last = -1;
	}
	if (!progress_load(store, set, &cp->ex, err))
		return false;
	if (!store)
		return true;
	cp->has_records = true;
	if (!store_each(store, STORE_PAGE_VIEW, on_view, cp, err))
		return false;
	for (size_t m = 0; m < course->n_modules; m++)
		if (course->modules[m].quiz &&
		    !quiz_store_history(store, course->modules[m].quiz, &cp->quiz[m], err))
			return false;
	return true;
}

void course_progress_release(struct course_progress *cp)
{
	for (size_t m = 0; cp->course && cp->viewed && m < cp->course->n_modules; m++)
		free(cp->viewed[m]);
	free(cp->viewed);
	free(cp->quiz);
	progress_free(cp->ex, cp->set ? cp->set->n : 0);
	memset(cp, 0, sizeof(*cp));
}

const struct exercise_progress *course_progress_exercise(const struct course_progress *cp,
							 const struct exercise *ex)
{
	for (size_t i = 0; ex && cp->ex && i < cp->set->n; i++)
		if (cp->set->v[i] == ex || strcmp(cp->set->v[i]->id, ex->id) == 0)
			return &cp->ex[i];
	return NULL;
}

bool course_progress_done(const struct course_progress *cp, size_t m, size_t i)
{
	const struct path_item *it = &cp->path->modules[m].items[i];
	switch (it->kind) {
	case PATH_PAGE:
		return cp->viewed[m][it->page];
	case PATH_EXERCISE: {
		const struct exercise_progress *p = course_progress_exercise(cp, it->ex);
		return p && progress_done(p);
	}
	case PATH_QUIZ:
		return cp->quiz[m].finished > 0;
	}
	abort();
}

bool course_progress_next(const struct course_progress *cp, long *m, long *i)
{
	size_t nm = cp->path->n_modules;
	/* Every core item once, starting after the given one and wrapping around. */
	size_t total = 0;
	for (size_t k = 0; k < nm; k++)
		total += cp->path->modules[k].n_core;
	if (!total)
		return false;
	long mm = *m < 0 ? 0 : *m, ii = *m < 0 ? -1 : *i;
	for (size_t step = 0; step <= total; step++) {
		ii++;
		while ((size_t)ii >= cp->path->modules[mm].n_core) {
			mm = (mm + 1) % (long)nm;
			ii = 0;
			if (cp->path->modules[mm].n_core)
				break;
		}
		if ((size_t)ii < cp->path->modules[mm].n_core &&
		    !course_progress_done(cp, (size_t)mm, (size_t)ii)) {
			*m = mm;
			*i = ii;
			return true;
		}
	}
	return false;
}

const struct exercise *course_progress_first_unfinished(const struct course_progress *cp)
{
	for (int further = 0; further < 2; further++)
		for (size_t m = 0; m < cp->path->n_modules; m++) {
			const struct module_path *mp = &cp->path->modules[m];
			for (size_t i = 0; i < mp->n_items; i++) {
				const struct path_item *it = &mp->items[i];
				if (it->kind != PATH_EXERCISE ||
				    (i >= mp->n_core) != (further == 1))
					continue;
				if (!course_progress_done(cp, m, i))
					return it->ex;
			}
		}
	return NULL;
}

/* ---- scenarios ---- */

struct scen_scan {
	const char *id;
	struct scenario_progress *st;
};

static bool scan_scenario_event(const struct store_event *ev, void *vctx)
{
	struct scen_scan *s = vctx;
	if (!ev->item || strcmp(ev->item, s->id) != 0 || !ev->module ||
	    strcmp(ev->module, SCENARIO_MODULE) != 0)
		return true;
	if (strcmp(ev->kind, STORE_SCENARIO) == 0) {
		memset(s->st, 0, sizeof(*s->st));
		s->st->started_ms = ev->at_ms;
	} else if (strcmp(ev->kind, STORE_HINT) == 0 && s->st->started_ms) {
		s->st->hints++;
	} else if (strcmp(ev->kind, STORE_CHECK_RUN) == 0 && s->st->started_ms) {
		s->st->checks++;
		if (!s->st->fixed_ms && ev->data && strstr(ev->data, "\"status\":\"passed\""))
			s->st->fixed_ms = ev->at_ms;
	}
	return true;
}

void scenario_progress_load(struct store *store, const char *id, struct scenario_progress *out)
{
	memset(out, 0, sizeof(*out));
	struct scen_scan s = { id, out };
	if (store && id)
		store_each(store, NULL, scan_scenario_event, &s, NULL);
}
