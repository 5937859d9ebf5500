/*
 * The export formats. Every format is built from the copied events only, so two exports of
 * the same files are byte for byte the same.
 */
#include "class/export.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "class/csv.h"
#include "class/review.h"
#include "class/titles.h"
#include "class/xapi.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "course/quiz_load.h"
#include "quiz/quiz.h"
#include "store/store.h"

int export_format_from_name(const char *name)
{
	static const char *const names[] = { "grades", "wide", "long", "items", "xapi" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

int export_attempts_from_name(const char *name)
{
	static const char *const names[] = { "first", "last", "highest", "all" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

/* ISO 8601 UTC with milliseconds, as xAPI wants it; "" for 0. */
static void iso_time(int64_t ms, char out[32])
{
	if (ms <= 0) {
		out[0] = '\0';
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

/* The namespace of lambda-tutor's statement ids (a fixed random UUID). */
static const unsigned char uuid_namespace[16] = { 0x3c, 0x1f, 0x6e, 0x52, 0x9a, 0x0d, 0x4b, 0x7e,
						  0x8f, 0x21, 0x5d, 0x44, 0xc6, 0x09, 0xa3, 0x7b };

static void uuid5(const char *name, char out[37])
{
	size_t len = strlen(name);
	unsigned char *buf = xmalloc(16 + len);
	memcpy(buf, uuid_namespace, 16);
	memcpy(buf + 16, name, len);
	unsigned char md[SHA1_LEN];
	sha1(buf, 16 + len, md);
	free(buf);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10],
		 md[11], md[12], md[13], md[14], md[15]);
}

void export_uuid(const char *learner, int64_t event_id, char out[37])
{
	char *name = xasprintf("%s/%lld", learner, (long long)event_id);
	uuid5(name, out);
	free(name);
}

/* ---- what the room holds: quizzes, their questions, exercises ---- */

struct names {
	char **v;
	size_t n;
};

static long names_find(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return (long)i;
	return -1;
}

static size_t names_add(struct names *s, const char *name)
{
	long at = names_find(s, name);
	if (at >= 0)
		return (size_t)at;
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n] = xstrdup(name);
	return s->n++;
}

static void names_release(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct names){ 0 };
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every learner's record, built once. */
struct built {
	struct class_record *recs;
	size_t n;
	struct review_standing *stand; /* the final project's, per learner; NULL until built */
	bool any_rubric, any_review;   /* whether any learner has one */
};

/* Whether t knows the course's exercises, so that an id it lacks is not the course's. */
static bool knows_exercises(const struct titles *t)
{
	return titles_count(t, TITLES_EXERCISE) > 0;
}

static bool unknown_exercise(const struct titles *t, const char *id)
{
	return knows_exercises(t) && !titles_find(t, TITLES_EXERCISE, id, NULL, NULL);
}

/* The records of room; a run of an exercise the course (t, may be NULL) does not have is
 * marked EXPORT_NOT_IN_COURSE and credits nothing: a record names what it likes. */
static void build_all(const struct class_room *room, const struct titles *t, struct built *b)
{
	*b = (struct built){ .n = room->n };
	b->recs = xcalloc(room->n ? room->n : 1, sizeof *b->recs);
	for (size_t i = 0; i < room->n; i++) {
		class_record_build(&room->learners[i], &b->recs[i]);
		for (size_t k = 0; k < b->recs[i].n_runs; k++) {
			struct class_run *run = &b->recs[i].runs[k];
			if (unknown_exercise(t, run->exercise)) {
				run->status = EXPORT_NOT_IN_COURSE;
				run->passed = 0;
			}
		}
	}
}

size_t export_unknown_exercises(const struct class_room *room, const struct titles *t,
				struct strbuf *ids)
{
	size_t n = 0;
	struct names seen = { 0 };
	for (size_t i = 0; knows_exercises(t) && i < room->n; i++) {
		if (room->learners[i].file != CLASS_FILE_OK)
			continue;
		struct class_record r;
		class_record_build(&room->learners[i], &r);
		for (size_t k = 0; k < r.n_runs; k++) {
			if (!unknown_exercise(t, r.runs[k].exercise))
				continue;
			n++;
			size_t before = seen.n;
			if (names_add(&seen, r.runs[k].exercise) == before)
				strbuf_addf(ids, "%s'%s'", before ? ", " : "", r.runs[k].exercise);
		}
		class_record_release(&r);
	}
	names_release(&seen);
	return n;
}

static void built_release(struct built *b)
{
	for (size_t i = 0; i < b->n; i++) {
		class_record_release(&b->recs[i]);
		if (b->stand)
			review_standing_release(&b->stand[i]);
	}
	free(b->recs);
	free(b->stand);
}

/* Each learner's final project, from their records and the class's reviews (may be NULL). */
static void build_standings(const struct class_room *room, const struct review_set *reviews,
			    struct built *b)
{
	b->stand = xcalloc(room->n ? room->n : 1, sizeof *b->stand);
	for (size_t i = 0; i < room->n; i++) {
		if (room->learners[i].file != CLASS_FILE_OK) {
			for (int k = 0; k < REVIEW_N; k++)
				b->stand[i].auto_points[k] = b->stand[i].auto_max[k] = -1;
			continue;
		}
		review_standing_build(&room->learners[i], reviews, &b->stand[i]);
		b->any_rubric |= b->stand[i].rubric;
		b->any_review |= b->stand[i].n_reviews > 0;
	}
}

static bool counts(const struct class_attempt *a)
{
	return a->finish && !a->abandoned;
}

static char **quizzes_of(const struct built *b, size_t *n)
{
	struct names s = { 0 };
	for (size_t i = 0; i < b->n; i++)
		for (size_t k = 0; k < b->recs[i].n_attempts; k++)
			names_add(&s, b->recs[i].attempts[k].quiz);
	if (s.n)
		qsort(s.v, s.n, sizeof *s.v, cmp_str);
	*n = s.n;
	return s.v;
}

char **export_quizzes(const struct class_room *room, size_t *n)
{
	struct built b;
	build_all(room, NULL, &b);
	char **v = quizzes_of(&b, n);
	built_release(&b);
	return v;
}

/* The learner's graded attempt at quiz: the best finished one (the quiz's grade). */
static const struct class_attempt *best_attempt(const struct class_record *r, const char *quiz)
{
	const struct class_attempt *best = NULL;
	for (size_t k = 0; k < r->n_attempts; k++) {
		const struct class_attempt *a = &r->attempts[k];
		if (counts(a) && strcmp(a->quiz, quiz) == 0 &&
		    (!best || a->percent > best->percent))
			best = a;
	}
	return best;
}

static const struct class_run *best_run(const struct class_record *r, const char *exercise)
{
	const struct class_run *best = NULL;
	for (size_t k = 0; k < r->n_runs; k++) {
		const struct class_run *run = &r->runs[k];
		if (strcmp(run->exercise, exercise) == 0 && (!best || run->passed > best->passed))
			best = run;
	}
	return best;
}

struct catalogue {
	struct names quizzes, exercises;
	struct names *questions; /* per quiz, in order of first appearance */
	double **qmax;           /* per quiz, per question */
	double *qtotal;          /* per quiz: the max of a finished attempt */
	int *extotal;            /* per exercise: tasks */
};

static void catalogue_build(const struct built *b, struct catalogue *c)
{
	*c = (struct catalogue){ 0 };
	for (size_t i = 0; i < b->n; i++) {
		for (size_t k = 0; k < b->recs[i].n_attempts; k++)
			names_add(&c->quizzes, b->recs[i].attempts[k].quiz);
		for (size_t k = 0; k < b->recs[i].n_runs; k++)
			names_add(&c->exercises, b->recs[i].runs[k].exercise);
	}
	if (c->quizzes.n)
		qsort(c->quizzes.v, c->quizzes.n, sizeof(char *), cmp_str);
	if (c->exercises.n)
		qsort(c->exercises.v, c->exercises.n, sizeof(char *), cmp_str);
	size_t nq = c->quizzes.n ? c->quizzes.n : 1;
	c->questions = xcalloc(nq, sizeof *c->questions);
	c->qmax = xcalloc(nq, sizeof *c->qmax);
	c->qtotal = xcalloc(nq, sizeof *c->qtotal);
	c->extotal = xcalloc(c->exercises.n ? c->exercises.n : 1, sizeof *c->extotal);
	for (size_t i = 0; i < b->n; i++) {
		for (size_t k = 0; k < b->recs[i].n_attempts; k++) {
			const struct class_attempt *a = &b->recs[i].attempts[k];
			size_t q = (size_t)names_find(&c->quizzes, a->quiz);
			for (size_t s = 0; s < a->n_questions; s++) {
				size_t before = c->questions[q].n;
				size_t at = names_add(&c->questions[q], a->questions[s]);
				if (at == before) {
					c->qmax[q] =
						xreallocarray(c->qmax[q], at + 1, sizeof(double));
					c->qmax[q][at] = 1;
				}
			}
			for (size_t t = 0; t < a->n_tries; t++) {
				long at = names_find(&c->questions[q], a->tries[t].question);
				if (at >= 0)
					c->qmax[q][at] = a->tries[t].max;
			}
			if (counts(a) && a->max > c->qtotal[q])
				c->qtotal[q] = a->max;
		}
		for (size_t k = 0; k < b->recs[i].n_runs; k++) {
			const struct class_run *run = &b->recs[i].runs[k];
			size_t e = (size_t)names_find(&c->exercises, run->exercise);
			if (run->total > c->extotal[e])
				c->extotal[e] = run->total;
		}
	}
}

static void catalogue_release(struct catalogue *c)
{
	for (size_t q = 0; q < c->quizzes.n; q++) {
		names_release(&c->questions[q]);
		free(c->qmax[q]);
	}
	free(c->questions);
	free(c->qmax);
	free(c->qtotal);
	free(c->extotal);
	names_release(&c->quizzes);
	names_release(&c->exercises);
}

/* ---- grades.csv ---- */

static void split_name(const char *name, char **first, char **last)
{
	const char *sp = strrchr(name, ' ');
	if (!sp) {
		*first = xstrdup(name);
		*last = xstrdup("");
		return;
	}
	*first = xstrndup(name, (size_t)(sp - name));
	*last = xstrdup(sp + 1);
}

static void grade_row(struct strbuf *out, const char *assignment, int64_t at_ms,
		      const struct class_learner *l, double raw, double max)
{
	char ts[32];
	char *first, *last;
	iso_time(at_ms, ts);
	split_name(l->name, &first, &last);
	csv_text(out, assignment, true);
	csv_text(out, "", false); /* duedate: the tutor has none */
	csv_text(out, ts, false);
	csv_text(out, l->id, false);
	csv_text(out, last, false);
	csv_text(out, first, false);
	csv_text(out, "", false); /* email */
	csv_num(out, raw, false);
	csv_num(out, 0, false); /* late_submission_penalty */
	csv_num(out, raw > 0 ? raw : 0, false);
	csv_num(out, max, false);
	csv_end(out);
	free(first);
	free(last);
}

/* ---- the final project: the automatic rubric and the trainer's review, per criterion ---- */

#define PROJECT_REVIEW_MAX (REVIEW_N * REVIEW_SCORE_MAX)

static int auto_max_of(const struct built *b, int k)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->stand[i].auto_max[k] >= 0)
			return b->stand[i].auto_max[k];
	return -1;
}

static int64_t last_review_ms(const struct review_standing *s)
{
	int64_t t = 0;
	for (int k = 0; k < REVIEW_N; k++)
		if (s->reviews[k] && s->reviews[k]->at_ms > t)
			t = s->reviews[k]->at_ms;
	return t;
}

/* grades.csv: "final-project" the review's total, "final-project-auto" the rubric's. */
static void grades_project(const struct class_room *room, const struct built *b, struct strbuf *out)
{
	int auto_max = 0;
	for (int k = 0; k < REVIEW_N; k++)
		auto_max += auto_max_of(b, k) > 0 ? auto_max_of(b, k) : 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0 ? !b->any_review : !b->any_rubric)
			continue;
		for (size_t i = 0; i < room->n; i++) {
			const struct review_standing *s = &b->stand[i];
			if (room->learners[i].file != CLASS_FILE_OK)
				continue;
			if (pass == 0)
				grade_row(out, REVIEW_PROJECT, last_review_ms(s),
					  &room->learners[i], s->review_total, PROJECT_REVIEW_MAX);
			else
				grade_row(out, REVIEW_PROJECT "-auto", s->rubric ? s->rubric_ms : 0,
					  &room->learners[i], s->auto_total,
					  s->rubric ? s->auto_total_max : auto_max);
		}
	}
}

/* The wide CSV's columns of the project: review score and comment, rubric points. */
static void wide_project_head(const struct built *b, struct strbuf *out)
{
	for (int k = 0; b->any_review && k < REVIEW_N; k++) {
		char *col = xasprintf("review:%s", review_criteria[k]);
		csv_text(out, col, false);
		free(col);
		col = xasprintf("comment:%s", review_criteria[k]);
		csv_text(out, col, false);
		free(col);
	}
	if (b->any_review)
		csv_text(out, "review:total", false);
	for (int k = 0; b->any_rubric && k < REVIEW_N; k++) {
		char *col = xasprintf("rubric:%s", review_criteria[k]);
		csv_text(out, col, false);
		free(col);
	}
}

static void wide_project_max(const struct built *b, struct strbuf *out)
{
	for (int k = 0; b->any_review && k < REVIEW_N; k++) {
		csv_num(out, REVIEW_SCORE_MAX, false);
		csv_text(out, "", false);
	}
	if (b->any_review)
		csv_num(out, PROJECT_REVIEW_MAX, false);
	for (int k = 0; b->any_rubric && k < REVIEW_N; k++) {
		int m = auto_max_of(b, k);
		csv_num(out, m >= 0 ? m : NAN, false);
	}
}

static void wide_project_row(const struct built *b, size_t i, struct strbuf *out)
{
	const struct review_standing *s = &b->stand[i];
	for (int k = 0; b->any_review && k < REVIEW_N; k++) {
		csv_num(out, s->reviews[k] ? s->reviews[k]->score : NAN, false);
		csv_text(out, s->reviews[k] ? s->reviews[k]->comment : "", false);
	}
	if (b->any_review)
		csv_num(out, s->n_reviews ? s->review_total : NAN, false);
	for (int k = 0; b->any_rubric && k < REVIEW_N; k++)
		csv_num(out, s->auto_points[k] >= 0 ? s->auto_points[k] : NAN, false);
}

/* The long CSV's rows of the project: kind "rubric" per criterion, then kind "review" with
 * the comment as its response. */
static void long_project(const struct class_learner *l, const struct review_standing *s,
			 struct strbuf *out)
{
	char ts[32];
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < REVIEW_N; k++) {
			const struct review *r = s->reviews[k];
			if (pass == 0 ? s->auto_points[k] < 0 : !r)
				continue;
			double mark = pass == 0 ? s->auto_points[k] : r->score;
			double max = pass == 0 ? s->auto_max[k] : r->max;
			iso_time(pass == 0 ? s->rubric_ms : r->at_ms, ts);
			csv_text(out, l->id, true);
			csv_text(out, l->name, false);
			csv_text(out, pass == 0 ? "rubric" : "review", false);
			csv_text(out, REVIEW_PROJECT, false);
			csv_num(out, 1, false);
			csv_text(out, review_criteria[k], false);
			csv_text(out, "", false);
			csv_num(out, 1, false);
			csv_text(out, pass == 0 ? "" : r->comment, false);
			csv_num(out, max > 0 ? mark / max : 0, false);
			csv_num(out, 0, false);
			csv_num(out, mark, false);
			csv_num(out, max, false);
			csv_text(out, "", false);
			csv_text(out, ts, false);
			csv_end(out);
		}
	}
}

/* An exercise's column or assignment name: its id, marked when the course lacks it. Caller
 * frees. */
static char *exercise_label(const struct built *b, const char *prefix, const char *id)
{
	for (size_t i = 0; i < b->n; i++)
		for (size_t k = 0; k < b->recs[i].n_runs; k++)
			if (!strcmp(b->recs[i].runs[k].exercise, id) &&
			    !strcmp(b->recs[i].runs[k].status, EXPORT_NOT_IN_COURSE))
				return xasprintf("%s%s (" EXPORT_NOT_IN_COURSE ")", prefix, id);
	return xasprintf("%s%s", prefix, id);
}

static void export_grades(const struct class_room *room, const struct built *b,
			  const struct catalogue *c, struct strbuf *out)
{
	strbuf_addstr(out, "assignment,duedate,timestamp,student_id,last_name,first_name,email,"
			   "raw_score,late_submission_penalty,score,max_score\r\n");
	for (size_t q = 0; q < c->quizzes.n; q++) {
		for (size_t i = 0; i < room->n; i++) {
			if (room->learners[i].file != CLASS_FILE_OK)
				continue;
			const struct class_attempt *a = best_attempt(&b->recs[i], c->quizzes.v[q]);
			grade_row(out, c->quizzes.v[q], a ? a->finish->at_ms : 0,
				  &room->learners[i], a ? a->score : 0, a ? a->max : c->qtotal[q]);
		}
	}
	for (size_t e = 0; e < c->exercises.n; e++) {
		char *label = exercise_label(b, "", c->exercises.v[e]);
		for (size_t i = 0; i < room->n; i++) {
			if (room->learners[i].file != CLASS_FILE_OK)
				continue;
			const struct class_run *run = best_run(&b->recs[i], c->exercises.v[e]);
			grade_row(out, label, run ? run->ev->at_ms : 0, &room->learners[i],
				  run ? run->passed : 0, c->extotal[e]);
		}
		free(label);
	}
	grades_project(room, b, out);
}

/* ---- wide ---- */

static void export_wide(const struct class_room *room, const struct built *b,
			const struct catalogue *c, struct strbuf *out)
{
	strbuf_addstr(out, "student_id,name");
	for (size_t q = 0; q < c->quizzes.n; q++) {
		for (size_t k = 0; k < c->questions[q].n; k++) {
			char *col = xasprintf("q:%s/%s", c->quizzes.v[q], c->questions[q].v[k]);
			csv_text(out, col, false);
			free(col);
		}
		char *col = xasprintf("quiz:%s", c->quizzes.v[q]);
		csv_text(out, col, false);
		free(col);
	}
	for (size_t e = 0; e < c->exercises.n; e++) {
		char *col = exercise_label(b, "ex:", c->exercises.v[e]);
		csv_text(out, col, false);
		free(col);
	}
	wide_project_head(b, out);
	csv_end(out);
	/* The maximum of each column, in a row no learner can be named (names have no parens). */
	strbuf_addstr(out, "(max),");
	for (size_t q = 0; q < c->quizzes.n; q++) {
		for (size_t k = 0; k < c->questions[q].n; k++)
			csv_num(out, c->qmax[q][k], false);
		csv_num(out, c->qtotal[q], false);
	}
	for (size_t e = 0; e < c->exercises.n; e++)
		csv_num(out, c->extotal[e], false);
	wide_project_max(b, out);
	csv_end(out);
	for (size_t i = 0; i < room->n; i++) {
		const struct class_learner *l = &room->learners[i];
		if (l->file != CLASS_FILE_OK)
			continue;
		csv_text(out, l->id, true);
		csv_text(out, l->name, false);
		for (size_t q = 0; q < c->quizzes.n; q++) {
			const struct class_attempt *a = best_attempt(&b->recs[i], c->quizzes.v[q]);
			for (size_t k = 0; k < c->questions[q].n; k++) {
				double mark = NAN, max;
				bool had = false;
				for (size_t s = 0; a && s < a->n_questions; s++)
					had |= strcmp(a->questions[s], c->questions[q].v[k]) == 0;
				if (had)
					class_attempt_mark(a, c->questions[q].v[k], &mark, &max);
				csv_num(out, mark, false);
			}
			csv_num(out, a ? a->score : NAN, false);
		}
		for (size_t e = 0; e < c->exercises.n; e++) {
			const struct class_run *run = best_run(&b->recs[i], c->exercises.v[e]);
			csv_num(out, run ? run->passed : NAN, false);
		}
		wide_project_row(b, i, out);
		csv_end(out);
	}
}

/* ---- long ---- */

/* A learner's answer to a live question (class/live.h), read from its event; false if none. */
struct live_row {
	const char *question, *response;
	double fraction, seconds;
	int64_t push;
	cJSON *doc; /* the strings point into it; the caller deletes it */
};

static bool live_row(const struct class_event *ev, struct live_row *out)
{
	*out = (struct live_row){ 0 };
	if (strcmp(ev->kind, STORE_LIVE_ANSWER) != 0 || !ev->item || !ev->data)
		return false;
	out->doc = cJSON_Parse(ev->data);
	const cJSON *push = cJSON_GetObjectItemCaseSensitive(out->doc, "push");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(out->doc, "fraction");
	const cJSON *sec = cJSON_GetObjectItemCaseSensitive(out->doc, "seconds");
	out->response =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(out->doc, "response"));
	if (!out->response || !cJSON_IsNumber(push) || !(push->valuedouble > 0) ||
	    !(push->valuedouble < 9e15)) {
		cJSON_Delete(out->doc);
		out->doc = NULL;
		return false;
	}
	out->question = ev->item;
	out->push = (int64_t)push->valuedouble;
	out->fraction = cJSON_IsNumber(f) ? f->valuedouble : 0;
	out->seconds = cJSON_IsNumber(sec) ? sec->valuedouble : 0;
	return true;
}

static void export_long(const struct class_room *room, const struct built *b, struct strbuf *out)
{
	strbuf_addstr(out, "student_id,name,kind,assessment,attempt,item_id,slot,try,response,"
			   "fraction,penalty,mark,max_mark,seconds,timestamp\r\n");
	for (size_t i = 0; i < room->n; i++) {
		const struct class_learner *l = &room->learners[i];
		const struct class_record *r = &b->recs[i];
		char ts[32];
		for (size_t k = 0; k < r->n_attempts; k++) {
			const struct class_attempt *a = &r->attempts[k];
			for (size_t t = 0; t < a->n_tries; t++) {
				const struct class_try *tr = &a->tries[t];
				iso_time(tr->ev->at_ms, ts);
				csv_text(out, l->id, true);
				csv_text(out, l->name, false);
				csv_text(out, "quiz", false);
				csv_text(out, a->quiz, false);
				csv_num(out, a->number, false);
				csv_text(out, tr->question, false);
				csv_num(out, tr->slot, false);
				csv_num(out, tr->try_no, false);
				csv_text(out, tr->response, false);
				csv_num(out, tr->fraction, false);
				csv_num(out, tr->penalty, false);
				csv_num(out, tr->mark, false);
				csv_num(out, tr->max, false);
				csv_num(out, tr->seconds, false);
				csv_text(out, ts, false);
				csv_end(out);
			}
		}
		for (size_t k = 0; k < r->n_runs; k++) {
			const struct class_run *run = &r->runs[k];
			int n = 0;
			for (size_t j = 0; j <= k; j++)
				n += strcmp(r->runs[j].exercise, run->exercise) == 0;
			iso_time(run->ev->at_ms, ts);
			csv_text(out, l->id, true);
			csv_text(out, l->name, false);
			csv_text(out, "exercise", false);
			csv_text(out, run->module, false);
			csv_num(out, n, false);
			csv_text(out, run->exercise, false);
			csv_text(out, "", false);
			csv_num(out, n, false);
			csv_text(out, run->status, false);
			csv_num(out, run->total ? (double)run->passed / run->total : 0, false);
			csv_num(out, 0, false);
			csv_num(out, run->passed, false);
			csv_num(out, run->total, false);
			csv_text(out, "", false);
			csv_text(out, ts, false);
			csv_end(out);
		}
		for (size_t e = 0; l->file == CLASS_FILE_OK && e < l->n_events; e++) {
			struct live_row lr;
			if (!live_row(&l->events[e], &lr))
				continue;
			iso_time(l->events[e].at_ms, ts);
			csv_text(out, l->id, true);
			csv_text(out, l->name, false);
			csv_text(out, "live", false);
			csv_text(out, "live", false);
			char push[24]; /* the push's time in ms: all its digits */
			snprintf(push, sizeof push, "%lld", (long long)lr.push);
			csv_text(out, push, false);
			csv_text(out, lr.question, false);
			csv_text(out, "", false);
			csv_num(out, 1, false);
			csv_text(out, lr.response, false);
			csv_num(out, lr.fraction, false);
			csv_num(out, 0, false);
			csv_num(out, lr.fraction, false);
			csv_num(out, 1, false);
			csv_num(out, lr.seconds, false);
			csv_text(out, ts, false);
			csv_end(out);
			cJSON_Delete(lr.doc);
		}
		long_project(l, &b->stand[i], out);
	}
}

/* ---- item analysis ---- */

struct chosen {
	const struct class_attempt *a;
	double total; /* T(s) */
};

static void pick_attempts(const struct built *b, const char *quiz, enum export_attempts which,
			  struct chosen **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct class_record *r = &b->recs[i];
		const struct class_attempt *pick = NULL;
		for (size_t k = 0; k < r->n_attempts; k++) {
			const struct class_attempt *a = &r->attempts[k];
			if (!counts(a) || strcmp(a->quiz, quiz) != 0)
				continue;
			if (which == EXPORT_ALL) {
				*out = xreallocarray(*out, *n + 1, sizeof **out);
				(*out)[(*n)++] = (struct chosen){ a, 0 };
				continue;
			}
			if (!pick || which == EXPORT_LAST ||
			    (which == EXPORT_HIGHEST && a->score > pick->score) ||
			    (which == EXPORT_FIRST && a->number < pick->number))
				pick = a;
		}
		if (pick) {
			*out = xreallocarray(*out, *n + 1, sizeof **out);
			(*out)[(*n)++] = (struct chosen){ pick, 0 };
		}
	}
}

static int cmp_choice(const void *x, const void *y)
{
	const struct analysis_choice *a = x, *b = y;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->response, b->response);
}

/* The item analysis over records already built, so that several quizzes share one build. */
static void analyse(const struct built *bp, const char *quiz, enum export_attempts which,
		    struct analysis *out)
{
	*out = (struct analysis){ .quiz = xstrdup(quiz) };
	const struct built b = *bp;
	struct chosen *ch;
	size_t S;
	pick_attempts(&b, quiz, which, &ch, &S);
	struct names qs = { 0 };
	for (size_t s = 0; s < S; s++)
		for (size_t k = 0; k < ch[s].a->n_questions; k++)
			names_add(&qs, ch[s].a->questions[k]);
	size_t P = qs.n;
	double *marks = xmalloc((S * P + 1) * sizeof *marks);
	double *max = xmalloc((P ? P : 1) * sizeof *max);
	out->items = xcalloc(P ? P : 1, sizeof *out->items);
	out->n_items = P;
	for (size_t i = 0; i < P; i++) {
		max[i] = 1;
		out->items[i].question = xstrdup(qs.v[i]);
	}
	for (size_t s = 0; s < S; s++) {
		const struct class_attempt *a = ch[s].a;
		for (size_t i = 0; i < P; i++)
			marks[s * P + i] = NAN;
		for (size_t k = 0; k < a->n_questions; k++) {
			size_t i = (size_t)names_find(&qs, a->questions[k]);
			double m, mx;
			class_attempt_mark(a, a->questions[k], &m, &mx);
			marks[s * P + i] = m;
			if (mx > 0)
				max[i] = mx;
			if (!out->items[i].type && a->types[k])
				out->items[i].type = xstrdup(a->types[k]);
			ch[s].total += m;
		}
	}
	for (size_t i = 0; i < P; i++)
		out->items[i].max = max[i];
	struct stats_matrix m = { S, P, marks, max };
	struct stats_item *st = xcalloc(P ? P : 1, sizeof *st);
	stats_compute(&m, st, &out->test);
	if (isnan(out->test.cic) && S > 1) {
		/* A quiz that draws its questions: alpha over the slots, as Moodle's random slots.
		 */
		size_t slots = 0;
		for (size_t s = 0; s < S; s++)
			if (ch[s].a->n_questions > slots)
				slots = ch[s].a->n_questions;
		double *sm = xmalloc((S * slots + 1) * sizeof *sm);
		double *smax = xmalloc((slots ? slots : 1) * sizeof *smax);
		for (size_t k = 0; k < slots; k++)
			smax[k] = 0;
		for (size_t s = 0; s < S; s++) {
			for (size_t k = 0; k < slots; k++) {
				const struct class_attempt *a = ch[s].a;
				double mk = NAN, mx = 0;
				if (k < a->n_questions)
					class_attempt_mark(a, a->questions[k], &mk, &mx);
				sm[s * slots + k] = mk;
				if (mx > smax[k])
					smax[k] = mx;
			}
		}
		struct stats_matrix sl = { S, slots, sm, smax };
		struct stats_item *sst = xcalloc(slots ? slots : 1, sizeof *sst);
		struct stats_test t;
		stats_compute(&sl, sst, &t);
		out->test.cic = t.cic;
		out->test.er = t.er;
		out->test.se = t.se;
		free(sst);
		free(sm);
		free(smax);
	}
	for (size_t i = 0; i < P; i++) {
		struct analysis_item *it = &out->items[i];
		it->st = st[i];
		/* The distractor table: each response's last try, and its choosers' mean total. */
		double *sum = NULL;
		for (size_t s = 0; s < S; s++) {
			const struct class_attempt *a = ch[s].a;
			const char *resp = NULL;
			for (size_t t = 0; t < a->n_tries; t++)
				if (strcmp(a->tries[t].question, it->question) == 0)
					resp = a->tries[t].response;
			if (!resp)
				continue;
			size_t k = 0;
			while (k < it->n_choices && strcmp(it->choices[k].response, resp) != 0)
				k++;
			if (k == it->n_choices) {
				it->choices =
					xreallocarray(it->choices, k + 1, sizeof *it->choices);
				it->choices[k] = (struct analysis_choice){ xstrdup(resp), 0, 0 };
				sum = xreallocarray(sum, k + 1, sizeof *sum);
				sum[k] = 0;
				it->n_choices++;
			}
			it->choices[k].count++;
			sum[k] += ch[s].a->max > 0 ? 100 * ch[s].total / ch[s].a->max : 0;
		}
		for (size_t k = 0; k < it->n_choices; k++)
			it->choices[k].mean_total = sum[k] / (double)it->choices[k].count;
		free(sum);
		if (it->n_choices)
			qsort(it->choices, it->n_choices, sizeof *it->choices, cmp_choice);
	}
	free(st);
	free(marks);
	free(max);
	names_release(&qs);
	free(ch);
}

void analysis_build(const struct class_room *room, const char *quiz, enum export_attempts which,
		    struct analysis *out)
{
	struct built b;
	build_all(room, NULL, &b);
	analyse(&b, quiz, which, out);
	built_release(&b);
}

void analysis_release(struct analysis *a)
{
	for (size_t i = 0; i < a->n_items; i++) {
		free(a->items[i].question);
		free(a->items[i].type);
		for (size_t k = 0; k < a->items[i].n_choices; k++)
			free(a->items[i].choices[k].response);
		free(a->items[i].choices);
	}
	free(a->items);
	free(a->quiz);
	*a = (struct analysis){ 0 };
}

/*
 * The live questions' rows of the item statistics: per question, the learners' answers (each
 * learner's first to each push) and their facility; the test-based figures need a test.
 */
static void export_live_items(const struct class_room *room, struct strbuf *out)
{
	struct {
		const char *question;
		size_t n;
		double sum;
	} *q = NULL;
	size_t nq = 0;
	for (size_t i = 0; i < room->n; i++) {
		const struct class_learner *l = &room->learners[i];
		int64_t last_push = 0;
		for (size_t e = 0; l->file == CLASS_FILE_OK && e < l->n_events; e++) {
			struct live_row lr;
			if (!live_row(&l->events[e], &lr))
				continue;
			if (lr.push != last_push) {
				last_push = lr.push;
				size_t k = 0;
				while (k < nq && strcmp(q[k].question, lr.question) != 0)
					k++;
				if (k == nq) {
					q = xreallocarray(q, nq + 1, sizeof *q);
					q[nq++].question = lr.question;
					q[k].n = 0;
					q[k].sum = 0;
				}
				q[k].n++;
				q[k].sum += lr.fraction;
			}
			cJSON_Delete(lr.doc);
		}
	}
	for (size_t k = 0; k < nq; k++) {
		csv_text(out, "live", true);
		csv_text(out, q[k].question, false);
		csv_text(out, "", false);
		csv_num(out, (double)q[k].n, false);
		csv_num(out, 1, false);
		csv_num(out, 100 * q[k].sum / (double)q[k].n, false);
		for (int c = 0; c < 7; c++)
			csv_text(out, "", false);
		csv_end(out);
	}
	free(q);
}

static void export_items(const struct class_room *room, const struct export_opts *o,
			 struct strbuf *out)
{
	strbuf_addstr(out, "quiz,question,type,attempts,max_mark,facility,sd,discrimination_index,"
			   "discriminative_efficiency,intended_weight,effective_weight,dubious,"
			   "needs_checking\r\n");
	size_t nq;
	struct built b;
	build_all(room, NULL, &b);
	char **quizzes = quizzes_of(&b, &nq);
	for (size_t q = 0; q < nq; q++) {
		if (o->quiz && strcmp(o->quiz, quizzes[q]) != 0)
			continue;
		struct analysis an;
		analyse(&b, quizzes[q], o->attempts, &an);
		for (size_t i = 0; i < an.n_items; i++) {
			const struct analysis_item *it = &an.items[i];
			csv_text(out, an.quiz, true);
			csv_text(out, it->question, false);
			csv_text(out, it->type, false);
			csv_num(out, (double)it->st.n, false);
			csv_num(out, it->max, false);
			csv_num(out, it->st.facility, false);
			csv_num(out, it->st.sd, false);
			csv_num(out, it->st.disc, false);
			csv_num(out, it->st.disc_eff, false);
			csv_num(out, it->st.intended, false);
			csv_num(out, it->st.effective, false);
			csv_text(out, it->st.dubious ? "yes" : "no", false);
			csv_text(out, stats_check_name(it->st.check), false);
			csv_end(out);
		}
		analysis_release(&an);
	}
	if (!o->quiz || !strcmp(o->quiz, "live"))
		export_live_items(room, out);
	for (size_t q = 0; q < nq; q++)
		free(quizzes[q]);
	free(quizzes);
	built_release(&b);
}

/* ---- xAPI 1.0.3 ---- */

#define ADL_VERB     "http://adlnet.gov/expapi/verbs/"
#define ADL_ACTIVITY "http://adlnet.gov/expapi/activities/"

static cJSON *verb(const char *iri_base, const char *name)
{
	cJSON *v = cJSON_CreateObject();
	char *id = xasprintf("%s%s", iri_base, name);
	cJSON_AddStringToObject(v, "id", id);
	free(id);
	cJSON *d = cJSON_AddObjectToObject(v, "display");
	cJSON_AddStringToObject(d, "en-US", name);
	return v;
}

/* An activity whose definition has name and description (language maps) where not NULL. */
static cJSON *activity_desc(const char *id, const char *type, const char *name,
			    const char *description)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "objectType", "Activity");
	cJSON_AddStringToObject(a, "id", id);
	cJSON *def = cJSON_AddObjectToObject(a, "definition");
	if (name && name[0])
		cJSON_AddStringToObject(cJSON_AddObjectToObject(def, "name"), "en-US", name);
	if (description && description[0])
		cJSON_AddStringToObject(cJSON_AddObjectToObject(def, "description"), "en-US",
					description);
	cJSON_AddStringToObject(def, "type", type);
	return a;
}

static cJSON *activity(const char *id, const char *type, const char *name)
{
	return activity_desc(id, type, name, NULL);
}

/* The activity of the course's kind/key, named as the course names it; the key itself (and
 * no description) when the course does not know it. */
static cJSON *course_activity(const struct export_opts *o, enum titles_kind kind, const char *key,
			      const char *iri, const char *type)
{
	const char *name = NULL, *desc = NULL;
	if (!titles_find(o->titles, kind, key, &name, &desc))
		name = key;
	return activity_desc(iri, type, name[0] ? name : key, desc);
}

/*
 * A question's interaction activity: named by the course, else from the text of the copy
 * answered (q, may be NULL); q defines the interaction (its text is the description), or the
 * recorded type alone does.
 */
static cJSON *question_activity(const struct export_opts *o, const struct quiz_question *q,
				const char *qid, const char *iri, const char *type)
{
	const char *name = NULL, *desc = NULL;
	bool known = titles_find(o->titles, TITLES_QUESTION, qid, &name, &desc);
	char *own = q && q->text ? titles_question_name(q->text) : NULL;
	cJSON *object = activity(iri, ADL_ACTIVITY "cmi.interaction",
				 own && own[0]      ? own
				 : known && name[0] ? name
						    : qid);
	free(own);
	cJSON *def = cJSON_GetObjectItem(object, "definition");
	if (q) {
		xapi_define_question(def, q);
	} else {
		if (known && desc[0])
			cJSON_AddStringToObject(cJSON_AddObjectToObject(def, "description"),
						"en-US", desc);
		cJSON_AddStringToObject(def, "interactionType", xapi_interaction_type(type));
	}
	return object;
}

static cJSON *ref(const char *id)
{
	cJSON *arr = cJSON_CreateArray();
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "id", id);
	cJSON_AddItemToArray(arr, a);
	return arr;
}

static void add_score(cJSON *result, double raw, double max)
{
	if (!(max > 0))
		return;
	double lo = raw < 0 ? raw : 0;
	double scaled = raw / max;
	if (scaled > 1)
		scaled = 1;
	if (scaled < -1)
		scaled = -1;
	cJSON *score = cJSON_AddObjectToObject(result, "score");
	cJSON_AddNumberToObject(score, "scaled", round(scaled * 10000) / 10000);
	cJSON_AddNumberToObject(score, "raw", raw > max ? max : raw);
	cJSON_AddNumberToObject(score, "min", lo);
	cJSON_AddNumberToObject(score, "max", max);
}

static void add_duration(cJSON *result, double seconds)
{
	if (seconds < 0 || isnan(seconds))
		return;
	char d[48];
	snprintf(d, sizeof d, "PT%.2fS", seconds);
	cJSON_AddStringToObject(result, "duration", d);
}

struct xapi_ctx {
	const struct export_opts *o;
	const struct class_learner *l;
	const struct class_record *r;
	char *course_iri;
	struct strbuf *out;
	const struct class_event *start; /* the quiz_start event doc was parsed from */
	cJSON *doc;
};

/* The copy of question qid attempt a stored when it started, or NULL. Caller frees. */
static struct quiz_question *stored_question(struct xapi_ctx *x, const struct class_attempt *a,
					     const char *qid)
{
	if (x->start != a->start) {
		cJSON_Delete(x->doc);
		x->doc = a->start->data ? cJSON_Parse(a->start->data) : NULL;
		x->start = a->start;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(x->doc, "questions"))
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
		const cJSON *copy = cJSON_GetObjectItemCaseSensitive(it, "question");
		if (!cJSON_IsString(id) || strcmp(id->valuestring, qid) != 0 ||
		    !cJSON_IsString(copy))
			continue;
		struct error err;
		return quiz_question_parse(copy->valuestring, strlen(copy->valuestring), &err);
	}
	return NULL;
}

static const struct class_attempt *attempt_of(const struct class_record *r,
					      const struct class_event *ev)
{
	for (size_t k = 0; k < r->n_attempts; k++) {
		const struct class_attempt *a = &r->attempts[k];
		if (a->start == ev || a->finish == ev)
			return a;
		for (size_t t = 0; t < a->n_tries; t++)
			if (a->tries[t].ev == ev)
				return a;
	}
	return NULL;
}

static const struct class_run *run_of(const struct class_record *r, const struct class_event *ev)
{
	for (size_t k = 0; k < r->n_runs; k++)
		if (r->runs[k].ev == ev)
			return &r->runs[k];
	return NULL;
}

/* The first run of run's exercise, or run itself. */
static const struct class_run *first_run(const struct xapi_ctx *x, const struct class_run *run)
{
	for (size_t k = 0; k < x->r->n_runs; k++)
		if (!strcmp(x->r->runs[k].exercise, run->exercise))
			return &x->r->runs[k];
	return run;
}

/* Time on an exercise up to the end of run: from the start of its first run (a run's event
 * is appended when the run ends, so it started duration_ms before). */
static int64_t exercise_ms(const struct xapi_ctx *x, const struct class_run *run)
{
	const struct class_run *f = first_run(x, run);
	cJSON *doc = f->ev->data ? cJSON_Parse(f->ev->data) : NULL;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "duration_ms");
	int64_t first_ms = cJSON_IsNumber(d) && d->valuedouble > 0 ? (int64_t)d->valuedouble : 0;
	cJSON_Delete(doc);
	int64_t ms = run->ev->at_ms - (f->ev->at_ms - first_ms);
	return ms < 0 ? 0 : ms;
}

/* The exercise of a check run as a performance interaction; *result gets its response. */
static cJSON *exercise_activity(const struct xapi_ctx *x, const struct class_event *ev,
				cJSON **result)
{
	char *iri = xasprintf("%s/exercise/%s", x->course_iri, ev->item);
	cJSON *object = course_activity(x->o, TITLES_EXERCISE, ev->item, iri,
					ADL_ACTIVITY "cmi.interaction");
	free(iri);
	cJSON *doc = ev->data ? cJSON_Parse(ev->data) : NULL;
	char *resp = xapi_define_performance(cJSON_GetObjectItem(object, "definition"),
					     cJSON_GetObjectItemCaseSensitive(doc, "tasks"));
	*result = cJSON_CreateObject();
	cJSON_AddStringToObject(*result, "response", resp);
	free(resp);
	cJSON_Delete(doc);
	return object;
}

/* A statement of x's learner: the actor, context and timestamp around verb, object and
 * result (NULL for none), taking them and parent. */
static cJSON *wrap(const struct xapi_ctx *x, const char *id, cJSON *v, cJSON *object, cJSON *result,
		   const char *registration, cJSON *parent, int64_t at_ms)
{
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "id", id);
	cJSON *actor = cJSON_AddObjectToObject(st, "actor");
	cJSON_AddStringToObject(actor, "objectType", "Agent");
	cJSON_AddStringToObject(actor, "name", x->l->name);
	cJSON *acc = cJSON_AddObjectToObject(actor, "account");
	cJSON_AddStringToObject(acc, "homePage", x->o->base);
	cJSON_AddStringToObject(acc, "name", x->l->id);
	cJSON_AddItemToObject(st, "verb", v);
	cJSON_AddItemToObject(st, "object", object);
	if (result)
		cJSON_AddItemToObject(st, "result", result);
	cJSON *ctx = cJSON_AddObjectToObject(st, "context");
	if (registration)
		cJSON_AddStringToObject(ctx, "registration", registration);
	cJSON *acts = cJSON_AddObjectToObject(ctx, "contextActivities");
	if (parent)
		cJSON_AddItemToObject(acts, "parent", parent);
	cJSON_AddItemToObject(acts, "grouping", ref(x->course_iri));
	cJSON_AddStringToObject(ctx, "platform", "lambda-tutor " LT_VERSION);
	char ts[32];
	iso_time(at_ms, ts);
	if (ts[0])
		cJSON_AddStringToObject(st, "timestamp", ts);
	cJSON_AddStringToObject(st, "version", "1.0.0");
	return st;
}

/* The statement for one event, or NULL for an event no statement describes. */
static cJSON *statement(struct xapi_ctx *x, const struct class_event *ev)
{
	const char *base = x->course_iri;
	cJSON *object = NULL, *v = NULL, *result = NULL, *parent = NULL;
	char *registration = NULL;
	char *iri = NULL;
	if (!strcmp(ev->kind, STORE_PAGE_VIEW) && ev->module && ev->item) {
		v = verb(ADL_VERB, "experienced");
		iri = xasprintf("%s/%s/%s", base, ev->module, ev->item);
		char *key = xasprintf("%s/%s", ev->module, ev->item);
		object = course_activity(x->o, TITLES_PAGE, key, iri, ADL_ACTIVITY "lesson");
		free(key);
		free(iri);
		iri = xasprintf("%s/%s", base, ev->module);
		parent = ref(iri);
	} else if (!strcmp(ev->kind, STORE_QUIZ_START) && ev->item) {
		const struct class_attempt *a = attempt_of(x->r, ev);
		if (!a)
			return NULL;
		v = verb(ADL_VERB, "attempted");
		iri = xasprintf("%s/quiz/%s", base, ev->item);
		object = course_activity(x->o, TITLES_QUIZ, ev->item, iri,
					 ADL_ACTIVITY "assessment");
		registration = xmalloc(37);
		export_uuid(x->l->id, a->start->id, registration);
	} else if (!strcmp(ev->kind, STORE_QUIZ_TRY) && ev->item) {
		const struct class_attempt *a = attempt_of(x->r, ev);
		const struct class_try *tr = NULL;
		for (size_t t = 0; a && t < a->n_tries; t++)
			if (a->tries[t].ev == ev)
				tr = &a->tries[t];
		if (!tr)
			return NULL;
		const char *type = NULL;
		for (size_t k = 0; k < a->n_questions; k++)
			if (!strcmp(a->questions[k], tr->question))
				type = a->types[k];
		struct quiz_question *q = stored_question(x, a, tr->question);
		v = verb(ADL_VERB, "answered");
		iri = xasprintf("%s/quiz/%s/%s", base, ev->item, tr->question);
		object = question_activity(x->o, q, tr->question, iri, type);
		free(iri);
		iri = xasprintf("%s/quiz/%s", base, ev->item);
		parent = ref(iri);
		result = cJSON_CreateObject();
		add_score(result, tr->mark, tr->max);
		cJSON_AddBoolToObject(result, "success", tr->fraction >= 1);
		cJSON_AddBoolToObject(result, "completion", tr->finished);
		char *resp = xapi_response(type, q, tr->response);
		cJSON_AddStringToObject(result, "response", resp);
		free(resp);
		quiz_question_free(q);
		add_duration(result, tr->seconds);
		registration = xmalloc(37);
		export_uuid(x->l->id, a->start->id, registration);
	} else if (!strcmp(ev->kind, STORE_LIVE_ANSWER) && ev->item) {
		struct live_row lr;
		if (!live_row(ev, &lr))
			return NULL;
		/* The question as the course holds it, when that is the version answered. */
		const struct quiz_question *q =
			x->o->quizzes ? quiz_set_find_question(x->o->quizzes, lr.question) : NULL;
		const char *hash =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(lr.doc, "hash"));
		if (q && (!hash || strcmp(hash, q->hash) != 0))
			q = NULL;
		const char *type = q ? quiz_type_name(q->type) : NULL;
		v = verb(ADL_VERB, "answered");
		iri = xasprintf("%s/live/%s", base, lr.question);
		object = question_activity(x->o, q, lr.question, iri, NULL);
		free(iri);
		/* Each push is an activity of its own: the room's answers to it group under it. */
		iri = xasprintf("%s/live/push/%lld", base, (long long)lr.push);
		parent = ref(iri);
		result = cJSON_CreateObject();
		double max = q && q->mark > 0 ? q->mark : 1;
		add_score(result, lr.fraction * max, max);
		cJSON_AddBoolToObject(result, "success", lr.fraction >= 0.999);
		cJSON_AddBoolToObject(result, "completion", true);
		char *resp = xapi_response(type, q, lr.response);
		cJSON_AddStringToObject(result, "response", resp);
		free(resp);
		add_duration(result, lr.seconds);
		cJSON_Delete(lr.doc);
	} else if (!strcmp(ev->kind, STORE_QUIZ_FINISH) && ev->item) {
		const struct class_attempt *a = attempt_of(x->r, ev);
		if (!a)
			return NULL;
		if (a->abandoned)
			v = verb("https://w3id.org/xapi/adl/verbs/", "abandoned");
		else
			v = verb(ADL_VERB, a->passed ? "passed" : "failed");
		iri = xasprintf("%s/quiz/%s", base, ev->item);
		object = course_activity(x->o, TITLES_QUIZ, ev->item, iri,
					 ADL_ACTIVITY "assessment");
		result = cJSON_CreateObject();
		if (!a->abandoned) {
			add_score(result, a->score, a->max);
			cJSON_AddBoolToObject(result, "success", a->passed);
		}
		cJSON_AddBoolToObject(result, "completion", !a->abandoned);
		add_duration(result, (double)(a->finish->at_ms - a->start->at_ms) / 1000);
		registration = xmalloc(37);
		export_uuid(x->l->id, a->start->id, registration);
	} else if (!strcmp(ev->kind, STORE_CHECK_RUN) && ev->item) {
		const struct class_run *run = run_of(x->r, ev);
		/* No statement about an activity the course does not have. */
		if (!run || !strcmp(run->status, EXPORT_NOT_IN_COURSE))
			return NULL;
		bool passed = !strcmp(run->status, "passed");
		v = verb(ADL_VERB, passed ? "passed" : "failed");
		object = exercise_activity(x, ev, &result);
		if (run->module) {
			iri = xasprintf("%s/%s", base, run->module);
			parent = ref(iri);
		}
		add_score(result, run->passed, run->total);
		cJSON_AddBoolToObject(result, "success", passed);
		cJSON_AddBoolToObject(result, "completion", passed);
		add_duration(result, (double)exercise_ms(x, run) / 1000);
	} else if ((!strcmp(ev->kind, STORE_HINT) || !strcmp(ev->kind, STORE_SOLUTION)) &&
		   ev->item) {
		if (unknown_exercise(x->o->titles, ev->item))
			return NULL;
		v = verb(ADL_VERB, "interacted");
		iri = xasprintf("%s/exercise/%s/%s", base, ev->item, ev->kind);
		const char *title = NULL;
		if (!titles_find(x->o->titles, TITLES_EXERCISE, ev->item, &title, NULL))
			title = ev->item;
		bool hint = !strcmp(ev->kind, STORE_HINT);
		char *name = xasprintf("%s of %s", hint ? "A hint" : "The solution", title);
		char *desc = xasprintf(hint ? "The next hint of the exercise %s"
					    : "The reference solution of the exercise %s",
				       title);
		object = activity_desc(iri, ADL_ACTIVITY "interaction", name, desc);
		free(name);
		free(desc);
		free(iri);
		iri = xasprintf("%s/exercise/%s", base, ev->item);
		parent = ref(iri);
	} else if (!strcmp(ev->kind, STORE_HAND)) {
		cJSON *doc = ev->data ? cJSON_Parse(ev->data) : NULL;
		const cJSON *up = cJSON_GetObjectItemCaseSensitive(doc, "up");
		const cJSON *note = cJSON_GetObjectItemCaseSensitive(doc, "note");
		bool raised = !cJSON_IsBool(up) || cJSON_IsTrue(up);
		if (raised) {
			v = verb(ADL_VERB, "asked");
			iri = xasprintf("%s/help", base);
			object = activity_desc(iri, ADL_ACTIVITY "interaction", "Raised hand",
					       "A learner asked the trainer for help");
			if (cJSON_IsString(note) && note->valuestring[0]) {
				result = cJSON_CreateObject();
				cJSON_AddStringToObject(result, "response", note->valuestring);
			}
		}
		cJSON_Delete(doc);
		if (!raised)
			return NULL;
	} else {
		return NULL;
	}
	free(iri);
	char id[37];
	export_uuid(x->l->id, ev->id, id);
	cJSON *st = wrap(x, id, v, object, result, registration, parent, ev->at_ms);
	free(registration);
	return st;
}

static void add_line(struct strbuf *out, const cJSON *st)
{
	char *text = cJSON_PrintUnformatted(st);
	strbuf_addstr(out, text);
	strbuf_addch(out, '\n');
	free(text);
}

/*
 * For the first passing run of an exercise, besides its "passed": the exercise "completed",
 * with the time it took from the first run. Its id is derived from the run's, so it is stable
 * too. NULL for any other event.
 */
static cJSON *completed_statement(const struct xapi_ctx *x, const struct class_event *ev,
				  const cJSON *passed)
{
	if (strcmp(ev->kind, STORE_CHECK_RUN) != 0)
		return NULL;
	const struct class_run *run = run_of(x->r, ev);
	if (!run || strcmp(run->status, "passed") != 0)
		return NULL;
	for (const struct class_run *r = x->r->runs; r < run; r++)
		if (!strcmp(r->exercise, run->exercise) && !strcmp(r->status, "passed"))
			return NULL;
	cJSON *st = cJSON_Duplicate(passed, true);
	char *name = xasprintf("%s/%lld/completed", x->l->id, (long long)ev->id);
	char id[37];
	uuid5(name, id);
	free(name);
	cJSON_ReplaceItemInObjectCaseSensitive(st, "id", cJSON_CreateString(id));
	cJSON_ReplaceItemInObjectCaseSensitive(st, "verb", verb(ADL_VERB, "completed"));
	return st;
}

/* A rubric criterion's evidence ({check, pass, detail}) as a performance's tasks. */
static cJSON *evidence_tasks(const char *evidence)
{
	cJSON *ev = evidence ? cJSON_Parse(evidence) : NULL;
	cJSON *tasks = cJSON_CreateArray();
	const cJSON *e;
	cJSON_ArrayForEach(e, ev)
	{
		const cJSON *check = cJSON_GetObjectItemCaseSensitive(e, "check");
		if (!cJSON_IsString(check))
			continue;
		struct strbuf id = STRBUF_INIT;
		for (const char *p = check->valuestring; *p && id.len < 64; p++) {
			char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
			bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
			if (word)
				strbuf_addch(&id, c);
			else if (id.len && strbuf_str(&id)[id.len - 1] != '-')
				strbuf_addch(&id, '-');
		}
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "id", strbuf_str(&id));
		cJSON_AddStringToObject(t, "text", check->valuestring);
		cJSON_AddBoolToObject(t, "pass",
				      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "pass")));
		cJSON_AddItemToArray(tasks, t);
		strbuf_release(&id);
	}
	cJSON_Delete(ev);
	return tasks;
}

static char *project_iri(const struct xapi_ctx *x, const char *criterion)
{
	return criterion ? xasprintf("%s/project/" REVIEW_PROJECT "/%s", x->course_iri, criterion)
			 : xasprintf("%s/project/" REVIEW_PROJECT, x->course_iri);
}

/*
 * The final project's statements: "scored" per criterion of the last automatic rubric (a
 * performance of its evidence), and per criterion the trainer reviewed, "scored" with the
 * review's score, the comment in the result and the trainer as the instructor.
 */
static void xapi_project(const struct xapi_ctx *x, const struct review_standing *s,
			 struct strbuf *out)
{
	for (int k = 0; s->rubric && k < REVIEW_N; k++) {
		if (s->auto_points[k] < 0)
			continue;
		char *iri = project_iri(x, review_criteria[k]);
		cJSON *object = course_activity(x->o, TITLES_CRITERION, review_criteria[k], iri,
						ADL_ACTIVITY "cmi.interaction");
		free(iri);
		cJSON *tasks = evidence_tasks(s->evidence[k]);
		char *resp =
			xapi_define_performance(cJSON_GetObjectItem(object, "definition"), tasks);
		cJSON_Delete(tasks);
		cJSON *result = cJSON_CreateObject();
		add_score(result, s->auto_points[k], s->auto_max[k]);
		cJSON_AddBoolToObject(result, "success", s->auto_points[k] == s->auto_max[k]);
		cJSON_AddBoolToObject(result, "completion", true);
		cJSON_AddStringToObject(result, "response", resp);
		free(resp);
		iri = project_iri(x, NULL);
		char *name = xasprintf("%s/%lld/rubric/%s", x->l->id, (long long)s->rubric_event,
				       review_criteria[k]);
		char id[37];
		uuid5(name, id);
		free(name);
		cJSON *st = wrap(x, id, verb(ADL_VERB, "scored"), object, result, NULL, ref(iri),
				 s->rubric_ms);
		free(iri);
		add_line(out, st);
		cJSON_Delete(st);
	}
	for (int k = 0; k < REVIEW_N; k++) {
		const struct review *r = s->reviews[k];
		if (!r)
			continue;
		char *iri = project_iri(x, review_criteria[k]);
		cJSON *object = course_activity(x->o, TITLES_CRITERION, review_criteria[k], iri,
						ADL_ACTIVITY "cmi.interaction");
		free(iri);
		cJSON *def = cJSON_GetObjectItem(object, "definition");
		cJSON_AddStringToObject(def, "interactionType", "performance");
		cJSON *result = cJSON_CreateObject();
		add_score(result, r->score, r->max);
		cJSON_AddBoolToObject(result, "success", r->score == r->max);
		cJSON_AddBoolToObject(result, "completion", true);
		char *resp = xasprintf("%s[.]%d", review_criteria[k], r->score);
		cJSON_AddStringToObject(result, "response", resp);
		free(resp);
		char *ext = xasprintf("%s/xapi/comment", x->o->base);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(result, "extensions"), ext,
					r->comment);
		free(ext);
		iri = project_iri(x, NULL);
		char id[37];
		uuid5(r->key, id);
		cJSON *st = wrap(x, id, verb(ADL_VERB, "scored"), object, result, NULL, ref(iri),
				 r->at_ms);
		free(iri);
		if (r->by[0]) {
			cJSON *ins = cJSON_CreateObject();
			cJSON_AddStringToObject(ins, "objectType", "Agent");
			cJSON_AddStringToObject(ins, "name", r->by);
			cJSON *acc = cJSON_AddObjectToObject(ins, "account");
			cJSON_AddStringToObject(acc, "homePage", x->o->base);
			cJSON_AddStringToObject(acc, "name", r->by);
			cJSON_AddItemToObject(cJSON_GetObjectItem(st, "context"), "instructor",
					      ins);
		}
		add_line(out, st);
		cJSON_Delete(st);
	}
}

static void export_xapi(const struct class_room *room, const struct built *b,
			const struct export_opts *o, struct strbuf *out)
{
	char *course_iri = xasprintf("%s/xapi/%s", o->base, o->course_id ? o->course_id : "course");
	for (size_t i = 0; i < room->n; i++) {
		struct xapi_ctx x = { o,   &room->learners[i], &b->recs[i], course_iri, out, NULL,
				      NULL };
		for (size_t k = 0; k < room->learners[i].n_events; k++) {
			const struct class_event *ev = &room->learners[i].events[k];
			cJSON *st = statement(&x, ev);
			if (!st)
				continue;
			add_line(out, st);
			cJSON *done = completed_statement(&x, ev, st);
			if (done)
				add_line(out, done);
			cJSON_Delete(done);
			cJSON_Delete(st);
		}
		cJSON_Delete(x.doc);
		if (room->learners[i].file == CLASS_FILE_OK)
			xapi_project(&x, &b->stand[i], out);
	}
	free(course_iri);
}

void export_room(const struct class_room *room, const struct export_opts *o, struct strbuf *out)
{
	struct built b;
	struct catalogue c;
	if (o->format == EXPORT_ITEMS) {
		export_items(room, o, out);
		return;
	}
	build_all(room, o->titles, &b);
	build_standings(room, o->reviews, &b);
	switch (o->format) {
	case EXPORT_GRADES:
	case EXPORT_WIDE:
		catalogue_build(&b, &c);
		if (o->format == EXPORT_GRADES)
			export_grades(room, &b, &c, out);
		else
			export_wide(room, &b, &c, out);
		catalogue_release(&c);
		break;
	case EXPORT_LONG:
		export_long(room, &b, out);
		break;
	case EXPORT_XAPI:
		export_xapi(room, &b, o, out);
		break;
	case EXPORT_ITEMS:
		break;
	}
	built_release(&b);
}

/* ---- merging ---- */

static bool seen_add(struct names *seen, const char *key)
{
	/* A linear set would be quadratic on 100k rows: keep it sorted and search it. */
	size_t lo = 0, hi = seen->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(seen->v[mid], key);
		if (c == 0)
			return false;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	seen->v = xreallocarray(seen->v, seen->n + 1, sizeof *seen->v);
	memmove(seen->v + lo + 1, seen->v + lo, (seen->n - lo) * sizeof *seen->v);
	seen->v[lo] = xstrdup(key);
	seen->n++;
	return true;
}

static char *xapi_id(const char *line, size_t len)
{
	char *text = xstrndup(line, len);
	cJSON *doc = cJSON_Parse(text);
	free(text);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
	char *out = cJSON_IsString(id) ? xstrdup(id->valuestring) : NULL;
	cJSON_Delete(doc);
	return out;
}

bool export_merge(char *const *paths, size_t n, struct strbuf *out, struct error *err)
{
	struct names seen = { 0 };
	char *header = NULL;
	bool json = false, ok = true;
	for (size_t f = 0; f < n && ok; f++) {
		size_t len;
		char *text = path_read_file(paths[f], 0, &len, err);
		if (!text) {
			ok = false;
			break;
		}
		bool is_json = len > 0 && text[0] == '{';
		if (f == 0)
			json = is_json;
		if (is_json != json) {
			ok = error_set(err, "cannot merge '%s': it is not in the format of '%s'",
				       paths[f], paths[0]);
			free(text);
			break;
		}
		size_t at = 0;
		bool first = true;
		while (at < len) {
			size_t rl = json ? strcspn(text + at, "\n") + 1
					 : csv_record_len(text + at, len - at);
			if (at + rl > len)
				rl = len - at;
			char *rec = xstrndup(text + at, rl);
			at += rl;
			while (rl && (rec[rl - 1] == '\n' || rec[rl - 1] == '\r'))
				rec[--rl] = '\0';
			if (!rl) {
				free(rec);
				continue;
			}
			if (!json && first) {
				first = false;
				if (!header) {
					header = xstrdup(rec);
					strbuf_addf(out, "%s\r\n", rec);
				} else if (strcmp(header, rec) != 0) {
					ok = error_set(
						err,
						"cannot merge '%s': its columns differ from '%s'",
						paths[f], paths[0]);
					free(rec);
					break;
				}
				free(rec);
				continue;
			}
			char *key = json ? xapi_id(rec, rl) : xstrdup(rec);
			if (!key) {
				ok = error_set(err,
					       "cannot merge '%s': a line is not an xAPI statement",
					       paths[f]);
				free(rec);
				break;
			}
			if (seen_add(&seen, key))
				strbuf_addf(out, json ? "%s\n" : "%s\r\n", rec);
			free(key);
			free(rec);
		}
		free(text);
	}
	free(header);
	names_release(&seen);
	return ok;
}
