/*
 * The roster: one pass over each learner's events, then states against the room's median.
 */
#include "class/roster.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "quiz/quiz.h"
#include "store/store.h"

const char *roster_state_name(enum roster_state state)
{
	switch (state) {
	case ROSTER_ACTIVE:
		return "active";
	case ROSTER_IDLE:
		return "idle";
	case ROSTER_STUCK:
		return "stuck";
	case ROSTER_DONE:
		return "done";
	case ROSTER_UNREADABLE:
		return "unreadable";
	case ROSTER_NSTATES:
		break;
	}
	abort();
}

static bool is(const struct class_event *ev, const char *kind)
{
	return strcmp(ev->kind, kind) == 0;
}

/* A hand event's data: {"up": true|false, "note": "..."}; no "up" means raised. */
static void read_hand(const struct class_event *ev, struct roster_row *row)
{
	cJSON *doc = ev->data ? cJSON_Parse(ev->data) : NULL;
	const cJSON *up = cJSON_GetObjectItemCaseSensitive(doc, "up");
	row->hand = !cJSON_IsBool(up) || cJSON_IsTrue(up);
	row->hand_ms = ev->at_ms;
	free(row->hand_note);
	row->hand_note = NULL;
	const cJSON *note = cJSON_GetObjectItemCaseSensitive(doc, "note");
	if (row->hand && cJSON_IsString(note) && note->valuestring[0])
		row->hand_note = xstrdup(note->valuestring);
	cJSON_Delete(doc);
}

/* Distinct pages seen, counted with a small sorted set of "module\0page" keys. */
struct seen {
	char **keys;
	size_t n;
	size_t *per_module; /* pages seen per course module */
};

static void seen_add(struct seen *s, const struct course *course, const struct class_event *ev)
{
	char *key = xasprintf("%s/%s", ev->module, ev->item);
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->keys[mid], key);
		if (c == 0) {
			free(key);
			return;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->keys = xreallocarray(s->keys, s->n + 1, sizeof *s->keys);
	memmove(s->keys + lo + 1, s->keys + lo, (s->n - lo) * sizeof *s->keys);
	s->keys[lo] = key;
	s->n++;
	long m = course ? course_module_index(course, ev->module) : -1;
	if (m >= 0 && course_page_index(&course->modules[m], ev->item) >= 0)
		s->per_module[m]++;
}

/* The first failing task of a check run's data, as "task: got …", or its error. */
static char *fail_message(const char *data)
{
	cJSON *doc = data ? cJSON_Parse(data) : NULL;
	char *out = NULL;
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (cJSON_IsString(err) && err->valuestring[0])
		out = xstrdup(err->valuestring);
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "tasks"))
	{
		if (out || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "pass")))
			continue;
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(t, "text");
		const cJSON *got = cJSON_GetObjectItemCaseSensitive(t, "got");
		out = xasprintf("%s%s%s", cJSON_IsString(text) ? text->valuestring : "a task",
				cJSON_IsString(got) ? ": got " : "",
				cJSON_IsString(got) ? got->valuestring : "");
	}
	cJSON_Delete(doc);
	return out;
}

/* A pass the trainer's re-run did not reproduce (grade --class) is no pass. */
static bool passed_run(const struct class_learner *l, const struct class_event *ev)
{
	return is(ev, STORE_CHECK_RUN) && ev->item && ev->data &&
	       strstr(ev->data, "\"status\":\"passed\"") && !class_rerun_failed(l, ev);
}

/* The ids of what l finished: exercises passed and quizzes taken (borrowed). Caller frees. */
static const char **finished_items(const struct class_learner *l, size_t *n)
{
	const char **ids = NULL;
	*n = 0;
	for (size_t i = 0; i < l->n_events; i++) {
		const struct class_event *ev = &l->events[i];
		bool took = is(ev, STORE_QUIZ_FINISH) && ev->item &&
			    !(ev->data && strstr(ev->data, "\"reason\":\"abandoned\""));
		if (!took && !passed_run(l, ev))
			continue;
		bool have = false;
		for (size_t k = 0; k < *n && !have; k++)
			have = !strcmp(ids[k], ev->item);
		if (!have) {
			ids = xreallocarray(ids, *n + 1, sizeof *ids);
			ids[(*n)++] = ev->item;
		}
	}
	return ids;
}

static bool has_id(const char **ids, size_t n, const char *id)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(ids[k], id))
			return true;
	return false;
}

/* row->progress from the core path's exercises and quizzes; pages_seen[m] per module. */
static void core_progress(struct roster_row *row, const struct class_learner *l,
			  const struct course *course, const size_t *pages_seen)
{
	size_t nf;
	const char **fin = finished_items(l, &nf);
	row->progress = course ? (double)course->n_modules : 0;
	for (size_t m = 0; course && m < course->n_modules; m++) {
		const struct course_module *mod = &course->modules[m];
		size_t items = 0, done = 0;
		for (size_t e = 0; e < mod->n_exercises; e++) {
			if (mod->exercises[e].further)
				continue;
			items++;
			done += has_id(fin, nf, mod->exercises[e].id);
		}
		if (mod->quiz) {
			items++;
			done += has_id(fin, nf, mod->quiz);
		}
		if (!items) {
			items = mod->n_core ? mod->n_core : mod->n_pages;
			done = pages_seen[m] < items ? pages_seen[m] : items;
		}
		if (done < items) {
			row->progress = (double)m + (double)done / (double)items;
			break;
		}
	}
	free(fin);
}

/* row->failed_open: failed runs after the last pass of their exercise (read backwards). */
static void open_failures(struct roster_row *row, const struct class_learner *l)
{
	const char **passed = NULL;
	size_t np = 0;
	row->failed_open = 0;
	for (size_t i = l->n_events; i-- > 0;) {
		const struct class_event *ev = &l->events[i];
		if (!is(ev, STORE_CHECK_RUN) || !ev->item || !ev->module ||
		    !strcmp(ev->module, SCENARIO_MODULE))
			continue;
		if (passed_run(l, ev)) {
			if (!has_id(passed, np, ev->item)) {
				passed = xreallocarray(passed, np + 1, sizeof *passed);
				passed[np++] = ev->item;
			}
		} else if (!has_id(passed, np, ev->item)) {
			row->failed_open++;
		}
	}
	free(passed);
}

static void summarise(struct roster_row *row, const struct class_learner *l,
		      const struct course *course, size_t n_modules)
{
	row->module = row->step = -1;
	row->quiz_best = xmalloc((n_modules ? n_modules : 1) * sizeof *row->quiz_best);
	for (size_t m = 0; m < n_modules; m++)
		row->quiz_best[m] = NAN;
	struct seen seen = { NULL, 0, xcalloc(n_modules ? n_modules : 1, sizeof(size_t)) };
	const char *streak_ex = NULL;
	const struct class_event *last_fail = NULL;
	for (size_t i = 0; i < l->n_events; i++) {
		const struct class_event *ev = &l->events[i];
		if (ev->at_ms > row->last_ms)
			row->last_ms = ev->at_ms;
		if (is(ev, STORE_PAGE_VIEW) && ev->module && ev->item) {
			bool moved = !row->module_id || strcmp(row->module_id, ev->module) != 0 ||
				     strcmp(row->page_id, ev->item) != 0;
			if (moved) {
				row->module_id = ev->module;
				row->page_id = ev->item;
				row->step_since_ms = ev->at_ms;
			}
			seen_add(&seen, course, ev);
		} else if (is(ev, STORE_SCENARIO)) {
			row->scenario = ev->item;
			row->scenario_since_ms = ev->at_ms;
			row->scenario_fixed_ms = 0;
		} else if (is(ev, STORE_CHECK_RUN) && ev->module &&
			   strcmp(ev->module, SCENARIO_MODULE) == 0) {
			/* A scenario's check: how the learner stands in it, not on the path. */
			if (row->scenario && ev->item && strcmp(row->scenario, ev->item) == 0 &&
			    !row->scenario_fixed_ms && ev->data &&
			    strstr(ev->data, "\"status\":\"passed\""))
				row->scenario_fixed_ms = ev->at_ms;
		} else if (is(ev, STORE_CHECK_RUN)) {
			bool failed = !ev->data || !strstr(ev->data, "\"status\":\"passed\"");
			if (failed) {
				row->failed_checks++;
				if (streak_ex && ev->item && strcmp(streak_ex, ev->item) == 0) {
					row->fail_streak++;
				} else {
					row->fail_streak = 1;
					row->fail_since_ms = ev->at_ms;
				}
				streak_ex = ev->item;
				last_fail = ev;
			} else {
				row->fail_streak = 0;
				streak_ex = NULL;
				last_fail = NULL;
			}
		} else if (is(ev, STORE_HINT)) {
			row->hints++;
		} else if (is(ev, STORE_SOLUTION)) {
			row->solutions++;
		} else if (is(ev, STORE_REFUSED)) {
			cJSON *doc = ev->data ? cJSON_Parse(ev->data) : NULL;
			const char *why =
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "why"));
			row->refused++;
			free(row->refused_why);
			row->refused_why = xstrdup(why ? why : "");
			cJSON_Delete(doc);
		} else if (is(ev, STORE_HAND)) {
			read_hand(ev, row);
		} else if (is(ev, STORE_QUIZ_FINISH) && ev->item && course) {
			cJSON *doc = ev->data ? cJSON_Parse(ev->data) : NULL;
			const cJSON *pct = cJSON_GetObjectItemCaseSensitive(doc, "percent");
			const cJSON *why = cJSON_GetObjectItemCaseSensitive(doc, "reason");
			bool abandoned =
				cJSON_IsString(why) && !strcmp(why->valuestring, "abandoned");
			for (size_t m = 0; m < n_modules && cJSON_IsNumber(pct) && !abandoned;
			     m++) {
				const char *q = course->modules[m].quiz;
				if (q && strcmp(q, ev->item) == 0 &&
				    (isnan(row->quiz_best[m]) ||
				     pct->valuedouble > row->quiz_best[m]))
					row->quiz_best[m] = pct->valuedouble;
			}
			cJSON_Delete(doc);
		}
	}
	if (last_fail) {
		row->fail_exercise = last_fail->item;
		row->fail_message = fail_message(last_fail->data);
	}
	row->pages_viewed = seen.n;
	core_progress(row, l, course, seen.per_module);
	open_failures(row, l);
	if (row->module_id && course) {
		row->module = course_module_index(course, row->module_id);
		if (row->module >= 0)
			row->step = course_page_index(&course->modules[row->module], row->page_id);
	}
	bool all = course && n_modules > 0;
	for (size_t m = 0; m < n_modules; m++)
		if (seen.per_module[m] < course->modules[m].n_pages)
			all = false;
	row->state = all ? ROSTER_DONE : ROSTER_ACTIVE;
	for (size_t k = 0; k < seen.n; k++)
		free(seen.keys[k]);
	free(seen.keys);
	free(seen.per_module);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

void roster_build(struct roster *r, const struct class_room *room, const struct course *course,
		  int64_t now_ms)
{
	*r = (struct roster){ 0 };
	r->n = room->n;
	r->n_modules = course ? course->n_modules : 0;
	r->rows = xcalloc(room->n ? room->n : 1, sizeof *r->rows);
	int64_t *times = xmalloc((room->n ? room->n : 1) * sizeof *times);
	size_t n_times = 0;
	for (size_t i = 0; i < room->n; i++) {
		struct roster_row *row = &r->rows[i];
		row->learner = &room->learners[i];
		summarise(row, row->learner, course, r->n_modules);
		if (row->learner->file != CLASS_FILE_OK)
			row->state = ROSTER_UNREADABLE;
		else if (row->state != ROSTER_DONE && row->last_ms &&
			 now_ms - row->last_ms >= ROSTER_IDLE_MS)
			row->state = ROSTER_IDLE;
		if (row->state == ROSTER_ACTIVE && row->module_id)
			times[n_times++] = now_ms - row->step_since_ms;
	}
	if (n_times) {
		qsort(times, n_times, sizeof *times, cmp_i64);
		r->median_step_ms = n_times % 2 ? times[n_times / 2]
						: (times[n_times / 2 - 1] + times[n_times / 2]) / 2;
	}
	free(times);
	double limit = ROSTER_STUCK_FACTOR * (double)r->median_step_ms;
	if (limit < ROSTER_STUCK_MIN_MS)
		limit = ROSTER_STUCK_MIN_MS;
	r->heat = xcalloc((r->n_modules ? r->n_modules : 1) * ROSTER_NSTATES, sizeof *r->heat);
	for (size_t i = 0; i < r->n; i++) {
		struct roster_row *row = &r->rows[i];
		if (row->state == ROSTER_ACTIVE &&
		    (row->fail_streak >= ROSTER_STUCK_FAILS ||
		     (row->module_id && (double)(now_ms - row->step_since_ms) > limit)))
			row->state = ROSTER_STUCK;
		if (row->module >= 0)
			r->heat[(size_t)row->module * ROSTER_NSTATES + row->state]++;
		else
			r->not_started[row->state]++;
	}
}

void roster_release(struct roster *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->rows[i].quiz_best);
		free(r->rows[i].hand_note);
		free(r->rows[i].fail_message);
		free(r->rows[i].refused_why);
	}
	free(r->rows);
	free(r->heat);
	*r = (struct roster){ 0 };
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

long roster_minutes_left(const struct roster_agenda *ag)
{
	return (long)((ag->left_in_segment_ms + 59999) / 60000);
}

void roster_agenda(const struct roster *r, const struct course *course, int64_t started_ms,
		   int64_t now_ms, struct roster_agenda *out)
{
	*out = (struct roster_agenda){ .segment = -1 };
	size_t nm = course ? course->n_modules : 0;
	for (size_t m = 0; m < nm; m++)
		out->total_ms += (int64_t)course->modules[m].minutes * 60000;
	out->elapsed_ms = now_ms - started_ms;
	if (out->elapsed_ms >= 0) {
		int64_t at = 0;
		out->segment = (long)nm;
		for (size_t m = 0; m < nm; m++) {
			int64_t len = (int64_t)course->modules[m].minutes * 60000;
			if (out->elapsed_ms < at + len) {
				out->segment = (long)m;
				out->segment_frac =
					len ? (double)(out->elapsed_ms - at) / (double)len : 0;
				out->left_in_segment_ms = at + len - out->elapsed_ms;
				break;
			}
			at += len;
		}
		out->expected = (double)out->segment + out->segment_frac;
	}
	double *pos = xmalloc((r->n ? r->n : 1) * sizeof *pos);
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct roster_row *row = &r->rows[i];
		if (row->state == ROSTER_UNREADABLE)
			continue;
		pos[n++] = row->progress;
	}
	if (n) {
		qsort(pos, n, sizeof *pos, cmp_double);
		out->room = n % 2 ? pos[n / 2] : (pos[n / 2 - 1] + pos[n / 2]) / 2;
	}
	free(pos);
}

void roster_present_page(const struct course *course, const struct roster_agenda *ag, long *m,
			 long *p)
{
	*m = *p = -1;
	if (!course || ag->segment < 0 || (size_t)ag->segment >= course->n_modules)
		return;
	const struct course_module *cm = &course->modules[ag->segment];
	if (!cm->n_pages)
		return;
	*m = ag->segment;
	*p = (long)(ag->segment_frac * (double)cm->n_pages);
	if (*p >= (long)cm->n_pages)
		*p = (long)cm->n_pages - 1;
}

static const struct roster *hands_of;

static int cmp_hand(const void *a, const void *b)
{
	int64_t x = hands_of->rows[*(const size_t *)a].hand_ms;
	int64_t y = hands_of->rows[*(const size_t *)b].hand_ms;
	return (x > y) - (x < y);
}

size_t *roster_hands(const struct roster *r, size_t *n)
{
	size_t *idx = xmalloc((r->n ? r->n : 1) * sizeof *idx);
	*n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->rows[i].hand)
			idx[(*n)++] = i;
	hands_of = r;
	qsort(idx, *n, sizeof *idx, cmp_hand);
	hands_of = NULL;
	return idx;
}

static int cmp_answer(const void *a, const void *b)
{
	const struct roster_answer *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->response, y->response);
}

/* The last try at question in l's first attempt that holds it, or NULL. */
static const struct class_try *first_last_try(const struct class_record *rec, const char *question)
{
	const struct class_try *last = NULL;
	for (size_t a = 0; a < rec->n_attempts && !last; a++)
		for (size_t t = 0; t < rec->attempts[a].n_tries; t++)
			if (strcmp(rec->attempts[a].tries[t].question, question) == 0)
				last = &rec->attempts[a].tries[t];
	return last;
}

struct quiz_question *roster_question(const struct class_room *room, const char *question)
{
	struct quiz_question *q = NULL;
	for (size_t i = 0; i < room->n && !q; i++) {
		const struct class_learner *l = &room->learners[i];
		for (size_t e = 0; e < l->n_events && !q; e++) {
			const struct class_event *ev = &l->events[e];
			if (strcmp(ev->kind, STORE_QUIZ_START) != 0 || !ev->data ||
			    !strstr(ev->data, question))
				continue;
			cJSON *doc = cJSON_Parse(ev->data);
			const cJSON *it;
			cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "questions"))
			{
				const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
				const cJSON *copy =
					cJSON_GetObjectItemCaseSensitive(it, "question");
				if (!cJSON_IsString(id) || strcmp(id->valuestring, question) != 0 ||
				    !cJSON_IsString(copy))
					continue;
				struct error err;
				q = quiz_question_parse(copy->valuestring,
							strlen(copy->valuestring), &err);
				break;
			}
			cJSON_Delete(doc);
		}
	}
	return q;
}

char *roster_response_label(const struct quiz_question *q, const char *response)
{
	if (!q || (q->type != QUIZ_MC && q->type != QUIZ_MC_MULTI && q->type != QUIZ_TF))
		return NULL;
	if (q->type == QUIZ_TF)
		return xstrdup(strcmp(response, "true") == 0    ? "True"
			       : strcmp(response, "false") == 0 ? "False"
								: response);
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = response; *p;) {
		char *end;
		long k = strtol(p, &end, 10);
		if (end == p || k < 0 || (size_t)k >= q->n_answers) {
			strbuf_release(&sb);
			return NULL;
		}
		if (sb.len)
			strbuf_addstr(&sb, "; ");
		strbuf_addstr(&sb, q->answers[k].text);
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',') {
			strbuf_release(&sb);
			return NULL;
		}
	}
	return strbuf_detach(&sb);
}

struct roster_answer *roster_answers(const struct class_room *room, const char *question, size_t *n)
{
	struct roster_answer *out = NULL;
	*n = 0;
	for (size_t i = 0; i < room->n; i++) {
		struct class_record rec;
		class_record_build(&room->learners[i], &rec);
		/* The learner's first attempt that holds the question, its last try. */
		const struct class_try *last = first_last_try(&rec, question);
		if (last && last->response) {
			size_t k = 0;
			while (k < *n && strcmp(out[k].response, last->response) != 0)
				k++;
			if (k == *n) {
				out = xreallocarray(out, *n + 1, sizeof *out);
				out[(*n)++] = (struct roster_answer){ xstrdup(last->response), 0, 0,
								      NULL };
			}
			out[k].count++;
			if (last->fraction >= 1)
				out[k].right++;
		}
		class_record_release(&rec);
	}
	struct quiz_question *q = *n ? roster_question(room, question) : NULL;
	for (size_t k = 0; k < *n; k++)
		out[k].label = roster_response_label(q, out[k].response);
	quiz_question_free(q);
	if (*n)
		qsort(out, *n, sizeof *out, cmp_answer);
	return out;
}

const char **roster_unanswered(const struct class_room *room, const char *question, size_t *n)
{
	const char **ids = xcalloc(room->n ? room->n : 1, sizeof *ids);
	*n = 0;
	for (size_t i = 0; i < room->n; i++) {
		if (room->learners[i].file != CLASS_FILE_OK || room->learners[i].trainer)
			continue;
		struct class_record rec;
		class_record_build(&room->learners[i], &rec);
		if (!first_last_try(&rec, question))
			ids[(*n)++] = room->learners[i].id;
		class_record_release(&rec);
	}
	return ids;
}

void roster_answers_free(struct roster_answer *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].response);
		free(a[i].label);
	}
	free(a);
}
