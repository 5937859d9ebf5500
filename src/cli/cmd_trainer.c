/*
 * lambda-tutor trainer DIR: the live dashboard of a class, its pacing (start the clock, open
 * modules up to a point, broadcast a line), and --once to print the dashboard and leave.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "class/class.h"
#include "class/hands.h"
#include "class/live.h"
#include "class/pace.h"
#include "class/rerun.h"
#include "class/roster.h"
#include "class/seen.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/diag.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "quiz/quiz.h"
#include "store/store.h"
#include "tui/screen_trainer.h"

static const char *cmd_pace_word(const struct roster_agenda *ag)
{
	if (ag->segment < 0)
		return "not started";
	double d = ag->room - ag->expected;
	return d > 0.25 ? "ahead" : d < -0.25 ? "behind" : "on time";
}

/* Whether the trainer acknowledged row's hand since it went up. */
static bool hand_seen(const char *dir, const struct roster_row *row)
{
	int64_t seen = dir ? hands_seen_ms(dir, row->learner->id) : 0;
	return seen && seen >= row->hand_ms;
}

/* trainer DIR --ack LEARNER: the learner's tutor lowers the hand and says it was seen. */
static int ack_hand(const char *dir, const char *learner, int64_t now)
{
	char *file = xasprintf("%s.db", learner);
	char *path = path_join(dir, file);
	bool known = !strchr(learner, '/') && learner[0] != '.' && path_is_file(path);
	free(file);
	free(path);
	if (!known) {
		cli_error("--ack: %s has no record file in %s", learner, dir);
		return CLI_USAGE;
	}
	struct error err;
	error_clear(&err);
	if (!hands_see(dir, learner, now, &err)) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	printf("%s's hand acknowledged: their tutor lowers it\n", learner);
	return CLI_OK;
}

static cJSON *json_dashboard(const struct roster *r, const struct course *course,
			     const struct pace *p, const struct roster_agenda *ag, int64_t now,
			     const struct class_room *room, const char *question, const char *dir)
{
	cJSON *j = cJSON_CreateObject();
	struct seen_book *seen = dir ? seen_book_load(dir) : NULL;
	cJSON *s = cJSON_AddObjectToObject(j, "session");
	cJSON_AddNumberToObject(s, "started_ms", (double)p->started_ms);
	cJSON_AddNumberToObject(s, "elapsed_ms", (double)(p->started_ms ? ag->elapsed_ms : 0));
	cJSON_AddNumberToObject(s, "segment", (double)(ag->segment + 1));
	cJSON_AddNumberToObject(s, "expected", round(ag->expected * 100) / 100);
	cJSON_AddNumberToObject(s, "room", round(ag->room * 100) / 100);
	cJSON_AddStringToObject(s, "pace", p->started_ms ? cmd_pace_word(ag) : "not started");
	cJSON_AddNumberToObject(s, "open_through", p->open_through);
	cJSON_AddStringToObject(s, "message", p->message);
	cJSON_AddNumberToObject(s, "median_step_ms", (double)r->median_step_ms);
	size_t same, differ;
	class_reruns_count(&same, &differ);
	cJSON *rr = cJSON_AddObjectToObject(j, "reruns");
	cJSON_AddNumberToObject(rr, "reproduced", (double)same);
	cJSON_AddNumberToObject(rr, "not_reproduced", (double)differ);
	cJSON *ls = cJSON_AddArrayToObject(j, "learners");
	for (size_t i = 0; i < r->n; i++) {
		const struct roster_row *row = &r->rows[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", row->learner->id);
		cJSON_AddStringToObject(o, "name", row->learner->name);
		cJSON_AddStringToObject(o, "file", class_file_name(row->learner->file));
		if (row->learner->problem)
			cJSON_AddStringToObject(o, "problem", row->learner->problem);
		if (row->module_id) {
			cJSON_AddStringToObject(o, "module", row->module_id);
			cJSON_AddStringToObject(o, "page", row->page_id);
		} else {
			cJSON_AddNullToObject(o, "module");
			cJSON_AddNullToObject(o, "page");
		}
		cJSON_AddNumberToObject(o, "module_number", (double)(row->module + 1));
		cJSON_AddNumberToObject(o, "step", (double)(row->step + 1));
		cJSON_AddNumberToObject(o, "time_on_step_s",
					row->module_id ? (double)((now - row->step_since_ms) / 1000)
						       : 0);
		cJSON_AddNumberToObject(o, "failed_checks", row->failed_checks);
		cJSON_AddNumberToObject(o, "failed_since_pass", row->failed_open);
		cJSON_AddNumberToObject(o, "progress", round(row->progress * 100) / 100);
		if (row->scenario) {
			cJSON *sc = cJSON_AddObjectToObject(o, "scenario");
			cJSON_AddStringToObject(sc, "id", row->scenario);
			int64_t until = row->scenario_fixed_ms ? row->scenario_fixed_ms : now;
			cJSON_AddNumberToObject(sc, "seconds",
						(double)((until - row->scenario_since_ms) / 1000));
			cJSON_AddBoolToObject(sc, "fixed", row->scenario_fixed_ms != 0);
		}
		if (row->fail_exercise) {
			cJSON *f = cJSON_AddObjectToObject(o, "failing");
			cJSON_AddStringToObject(f, "exercise", row->fail_exercise);
			cJSON_AddNumberToObject(f, "runs", row->fail_streak);
			cJSON_AddNumberToObject(f, "minutes",
						(double)((now - row->fail_since_ms) / 60000));
			if (row->fail_message)
				cJSON_AddStringToObject(f, "message", row->fail_message);
			else
				cJSON_AddNullToObject(f, "message");
		} else {
			cJSON_AddNullToObject(o, "failing");
		}
		cJSON_AddNumberToObject(o, "hints", row->hints);
		cJSON_AddNumberToObject(o, "refused", row->refused);
		cJSON *un = cJSON_AddArrayToObject(o, "unreproduced");
		struct class_record rec;
		class_record_build(row->learner, &rec);
		for (size_t k = 0; k < rec.n_runs; k++) {
			const struct rerun *v = rec.runs[k].unreproduced;
			if (!v)
				continue;
			cJSON *u = cJSON_CreateObject();
			cJSON_AddStringToObject(u, "exercise", rec.runs[k].exercise);
			cJSON_AddStringToObject(u, "recorded", v->recorded);
			cJSON_AddStringToObject(u, "rerun", v->now);
			cJSON_AddStringToObject(u, "why", v->why);
			cJSON_AddItemToArray(un, u);
		}
		class_record_release(&rec);
		if (row->refused_why)
			cJSON_AddStringToObject(o, "refused_why", row->refused_why);
		cJSON *q = cJSON_AddObjectToObject(o, "quiz");
		for (size_t m = 0; m < r->n_modules; m++)
			if (!isnan(row->quiz_best[m]) && course->modules[m].quiz)
				cJSON_AddNumberToObject(q, course->modules[m].quiz,
							round(row->quiz_best[m] * 10) / 10);
		cJSON_AddNumberToObject(o, "last_activity_ms", (double)row->last_ms);
		cJSON_AddStringToObject(o, "state", roster_state_name(row->state));
		cJSON_AddBoolToObject(o, "hand", row->hand);
		if (row->hand) {
			cJSON_AddNumberToObject(o, "hand_age_s",
						(double)((now - row->hand_ms) / 1000));
			cJSON_AddBoolToObject(o, "hand_seen", hand_seen(dir, row));
		}
		if (row->hand_note)
			cJSON_AddStringToObject(o, "note", row->hand_note);
		struct seen sn;
		if (seen_book_get(seen, row->learner->id, &sn)) {
			char words[240];
			seen_words(&sn, now, words, sizeof words);
			cJSON_AddNumberToObject(o, "seen_ms", (double)sn.seen_ms);
			cJSON_AddBoolToObject(o, "syncing", !words[0]);
			if (words[0])
				cJSON_AddStringToObject(o, "sync", words);
		}
		cJSON_AddItemToArray(ls, o);
	}
	seen_book_free(seen);
	cJSON *heat = cJSON_AddArrayToObject(j, "heat");
	for (size_t m = 0; m < r->n_modules; m++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "module", course->modules[m].id);
		for (int st = 0; st < ROSTER_NSTATES; st++)
			cJSON_AddNumberToObject(o, roster_state_name((enum roster_state)st),
						(double)r->heat[m * ROSTER_NSTATES + (size_t)st]);
		cJSON_AddItemToArray(heat, o);
	}
	size_t nh;
	size_t *hands = roster_hands(r, &nh);
	cJSON *h = cJSON_AddArrayToObject(j, "hands");
	for (size_t k = 0; k < nh; k++)
		cJSON_AddItemToArray(h, cJSON_CreateString(r->rows[hands[k]].learner->id));
	free(hands);
	if (question) {
		size_t na;
		struct roster_answer *a = roster_answers(room, question, &na);
		cJSON *ans = cJSON_AddObjectToObject(j, "answers");
		cJSON_AddStringToObject(ans, "question", question);
		struct quiz_question *q = roster_question(room, question);
		if (q)
			cJSON_AddStringToObject(ans, "text", q->text);
		else
			cJSON_AddNullToObject(ans, "text");
		quiz_question_free(q);
		size_t total = 0;
		for (size_t k = 0; k < na; k++)
			total += a[k].count;
		cJSON_AddNumberToObject(ans, "answered", (double)total);
		cJSON *arr = cJSON_AddArrayToObject(ans, "responses");
		for (size_t k = 0; k < na; k++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "response", a[k].response);
			if (a[k].label)
				cJSON_AddStringToObject(o, "label", a[k].label);
			cJSON_AddNumberToObject(o, "count", (double)a[k].count);
			cJSON_AddNumberToObject(o, "percent",
						round(1000.0 * (double)a[k].count / (double)total) /
							10);
			cJSON_AddNumberToObject(o, "right", (double)a[k].right);
			cJSON_AddItemToArray(arr, o);
		}
		roster_answers_free(a, na);
		size_t nw;
		const char **waiting = roster_unanswered(room, question, &nw);
		cJSON *w = cJSON_AddArrayToObject(ans, "not_answered");
		for (size_t k = 0; k < nw; k++)
			cJSON_AddItemToArray(w, cJSON_CreateString(waiting[k]));
		free(waiting);
	}
	return j;
}

/* "up 4m: the note", how long a hand has been up; "" when none is. */
static const char *hand_text(const struct roster_row *row, int64_t now, char *buf, size_t len)
{
	if (!row->hand)
		return "";
	long age = (long)((now - row->hand_ms) / 60000);
	snprintf(buf, len, "up %ldm%s%s", age < 0 ? 0 : age, row->hand_note ? ": " : "",
		 row->hand_note ? row->hand_note : "");
	return buf;
}

static void print_text(const struct roster *r, const struct course *course, const struct pace *p,
		       const struct roster_agenda *ag, int64_t now, const char *dir)
{
	if (p->started_ms) {
		long min = (long)(ag->elapsed_ms / 60000);
		printf("Session %ld:%02ld of %ld min, ", min / 60, min % 60,
		       (long)(ag->total_ms / 60000));
		if (ag->segment >= 0 && (size_t)ag->segment < course->n_modules)
			printf("now module %ld %s, %ld min left; ", ag->segment + 1,
			       course->modules[ag->segment].title, roster_minutes_left(ag));
		printf("room %s\n", cmd_pace_word(ag));
	} else {
		printf("Session not started (trainer DIR --start now)\n");
	}
	if (p->message[0])
		printf("Message: %s\n", p->message);
	printf("%-14s %-20s %4s %6s %5s %5s %-9s %s\n", "learner", "module/step", "min", "fails",
	       "hints", "quiz", "state", "hand");
	for (size_t i = 0; i < r->n; i++) {
		const struct roster_row *row = &r->rows[i];
		char where[64] = "-";
		if (row->module >= 0)
			snprintf(where, sizeof where, "%ld.%ld %.14s", row->module + 1,
				 row->step + 1, row->page_id);
		double best = NAN;
		for (size_t m = 0; m < r->n_modules; m++)
			if (!isnan(row->quiz_best[m]))
				best = row->quiz_best[m];
		char quiz[16] = "-";
		if (!isnan(best))
			snprintf(quiz, sizeof quiz, "%.0f%%", best);
		long mins = row->module_id ? (long)((now - row->step_since_ms) / 60000) : 0;
		char hand[PACE_MSG_MAX + 32];
		printf("%-14.14s %-20.20s %4ld %6d %5d %5s %-9s %s\n", row->learner->id, where,
		       mins, row->failed_open, row->hints, quiz,
		       row->state == ROSTER_UNREADABLE ? class_file_name(row->learner->file)
						       : roster_state_name(row->state),
		       hand_text(row, now, hand, sizeof hand));
	}
	size_t same, differ;
	class_reruns_count(&same, &differ);
	if (same + differ)
		printf("re-runs: %zu reproduced, %zu not reproduced\n", same, differ);
	for (size_t i = 0; i < r->n; i++) {
		struct class_record rec;
		class_record_build(r->rows[i].learner, &rec);
		for (size_t k = 0; k < rec.n_runs; k++)
			if (rec.runs[k].unreproduced)
				printf("%s: %s recorded %s, re-run %s: not reproduced%s%s\n",
				       r->rows[i].learner->id, rec.runs[k].exercise,
				       rec.runs[k].unreproduced->recorded,
				       rec.runs[k].unreproduced->now[0]
					       ? rec.runs[k].unreproduced->now
					       : "impossible",
				       rec.runs[k].unreproduced->why[0] ? " — " : "",
				       rec.runs[k].unreproduced->why);
		class_record_release(&rec);
	}
	struct seen_book *seen = dir ? seen_book_load(dir) : NULL;
	for (size_t i = 0; i < r->n; i++) {
		struct seen sn;
		char words[240] = "";
		if (seen_book_get(seen, r->rows[i].learner->id, &sn))
			seen_words(&sn, now, words, sizeof words);
		if (words[0])
			printf("%s: %s\n", r->rows[i].learner->id, words);
	}
	seen_book_free(seen);
	for (size_t i = 0; i < r->n; i++)
		if (r->rows[i].refused)
			printf("%s: the class server refused %d event%s; last: %s\n",
			       r->rows[i].learner->id, r->rows[i].refused,
			       r->rows[i].refused == 1 ? "" : "s", r->rows[i].refused_why);
	bool any = false;
	for (size_t i = 0; i < r->n; i++) {
		const struct roster_row *row = &r->rows[i];
		if (!row->scenario)
			continue;
		if (!any)
			printf("\nscenario       learner        minutes state\n");
		any = true;
		int64_t until = row->scenario_fixed_ms ? row->scenario_fixed_ms : now;
		printf("%-14.14s %-14.14s %7ld %s\n", row->scenario, row->learner->id,
		       (long)((until - row->scenario_since_ms) / 60000),
		       row->scenario_fixed_ms ? "fixed" : "in progress");
	}
	printf("\nmodule        ");
	for (int st = 0; st < ROSTER_NSTATES; st++)
		printf("%11s", roster_state_name((enum roster_state)st));
	printf("\n");
	for (size_t m = 0; m < r->n_modules; m++) {
		printf("%-14.14s", course->modules[m].id);
		for (int st = 0; st < ROSTER_NSTATES; st++)
			printf("%11zu", r->heat[m * ROSTER_NSTATES + (size_t)st]);
		printf("\n");
	}
}

static bool parse_start(const char *s, int64_t now, int64_t *out)
{
	if (!strcmp(s, "now")) {
		*out = now;
		return true;
	}
	int h, m;
	char extra;
	if (sscanf(s, "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
		return false;
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = 0;
	*out = (int64_t)mktime(&tm) * 1000;
	return true;
}

/* The course's quizzes and pools, for the live question's text and options. NULL on error. */
static struct quiz_set *load_quizzes(const struct course *course)
{
	if (!course->quiz_dir)
		return NULL;
	struct diags d = DIAGS_INIT;
	struct quiz_set *set = quiz_set_load(course->quiz_dir, course, &d);
	diags_release(&d);
	return set;
}

/* What a live command asks for. */
struct live_req {
	const char *push, *quiz; /* a question, or a whole quiz's first */
	long seconds;
	bool next, close, reveal;
};

/*
 * trainer DIR --push Q | --push-quiz QUIZ [--seconds N] | --next | --close | --reveal: the live
 * question's file. --next closes the question of a pushed quiz and pushes its next one.
 */
static int live_command(const char *dir, const struct course *course, const struct live_req *rq,
			int64_t now)
{
	struct error err;
	error_clear(&err);
	struct live l;
	int rc = CLI_USAGE;
	struct quiz_set *set = NULL;
	if (!live_read(dir, &l, &err))
		goto fail;
	if (rq->push || rq->quiz || rq->next)
		set = load_quizzes(course);
	if (rq->push) {
		const struct quiz_question *q = set ? quiz_set_find_question(set, rq->push) : NULL;
		if (!q) {
			cli_error("--push: the course has no question '%s'", rq->push);
			goto out;
		}
		live_push(&l, q, rq->seconds, now);
	} else if (rq->quiz) {
		const struct quiz *z = set ? quiz_set_find(set, rq->quiz) : NULL;
		if (!z || z->pool) {
			cli_error("--push-quiz: the course has no quiz '%s'", rq->quiz);
			goto out;
		}
		if (!live_push_quiz(&l, z, 0, rq->seconds, now)) {
			cli_error("--push-quiz: %s has no questions of its own to push", z->id);
			goto out;
		}
	} else if (!l.id) {
		cli_error("no live question: push one first (trainer DIR --push QUESTION)");
		goto out;
	} else if (rq->next) {
		const struct quiz *z = l.quiz[0] && set ? quiz_set_find(set, l.quiz) : NULL;
		if (!l.quiz[0]) {
			cli_error("--next: %s was pushed on its own, not as part of a quiz",
				  l.question);
			goto out;
		}
		if (!z) {
			cli_error("--next: the course no longer has the quiz '%s'", l.quiz);
			goto out;
		}
		if (!live_push_quiz(&l, z, (size_t)l.index + 1,
				    rq->seconds ? rq->seconds : l.seconds, now)) {
			live_close(&l, now);
			if (!live_write(dir, &l, &err))
				goto fail;
			printf("%s is over: its %d questions were pushed\n", z->id, l.count);
			rc = CLI_OK;
			goto out;
		}
	}
	if (rq->close)
		live_close(&l, now);
	if (rq->reveal && !l.revealed_ms) {
		live_close(&l, now); /* the answer is shown once nobody can answer */
		l.revealed_ms = now;
	}
	if (!live_write(dir, &l, &err))
		goto fail;
	if (rq->push || rq->quiz || rq->next) {
		char of[160] = "";
		if (l.quiz[0])
			snprintf(of, sizeof of, " (%d of %d in %s)", l.index + 1, l.count, l.quiz);
		printf("pushed %s%s to the room%s\n", l.question, of,
		       l.closes_ms ? ", closing when its timer runs out" : "");
	}
	if (rq->close)
		printf("%s closed\n", l.question);
	if (rq->reveal)
		printf("%s: the right answer is shown to the room\n", l.question);
	rc = CLI_OK;
	goto out;
fail:
	cli_print_error(&err);
out:
	quiz_set_free(set);
	return rc;
}

/* The live question's panel, as --once prints it. */
static void print_live(const struct live *l, const struct quiz_question *q,
		       const struct live_tally *t, int64_t now)
{
	const char *state = live_open(l, now, 0) ? "open" : "closed";
	printf("\nLive question %s (", l->question);
	if (l->quiz[0])
		printf("%d of %d in %s, ", l->index + 1, l->count, l->quiz);
	printf("%s", state);
	if (live_open(l, now, 0) && l->closes_ms)
		printf(", %ld s left", (long)((live_left_ms(l, now) + 999) / 1000));
	printf("%s): %zu of %zu answered\n", l->revealed_ms ? ", revealed" : "", t->answered,
	       t->answered + t->n_waiting);
	if (q) {
		size_t len = strcspn(q->text, "\n");
		printf("%.*s\n", (int)len, q->text);
	}
	for (size_t k = 0; k < t->n_bars; k++)
		printf("  %-40.40s %4zu %4.0f%% %s\n", t->bars[k].label, t->bars[k].count,
		       t->answered ? 100.0 * (double)t->bars[k].count / (double)t->answered : 0.0,
		       l->revealed_ms && t->bars[k].right ? "right" : "");
	if (t->n_waiting) {
		printf("not yet (%zu):", t->n_waiting);
		for (size_t k = 0; k < t->n_waiting; k++)
			printf(" %s", t->waiting[k]);
		printf("\n");
	}
}

static cJSON *json_live(const struct live *l, const struct quiz_question *q,
			const struct live_tally *t, int64_t now)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "push", (double)l->id);
	cJSON_AddStringToObject(o, "question", l->question);
	if (l->quiz[0]) {
		cJSON *z = cJSON_AddObjectToObject(o, "quiz");
		cJSON_AddStringToObject(z, "id", l->quiz);
		cJSON_AddNumberToObject(z, "index", l->index);
		cJSON_AddNumberToObject(z, "count", l->count);
	}
	if (q)
		cJSON_AddStringToObject(o, "text", q->text);
	cJSON_AddBoolToObject(o, "open", live_open(l, now, 0));
	cJSON_AddNumberToObject(o, "left_s", (double)((live_left_ms(l, now) + 999) / 1000));
	cJSON_AddBoolToObject(o, "revealed", l->revealed_ms != 0);
	cJSON_AddNumberToObject(o, "answered", (double)t->answered);
	cJSON_AddNumberToObject(o, "right", (double)t->right);
	cJSON *bars = cJSON_AddArrayToObject(o, "bars");
	for (size_t k = 0; k < t->n_bars; k++) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "label", t->bars[k].label);
		cJSON_AddNumberToObject(b, "count", (double)t->bars[k].count);
		cJSON_AddNumberToObject(b, "percent",
					t->answered ? round(1000.0 * (double)t->bars[k].count /
							    (double)t->answered) /
							      10
						    : 0);
		/* The right answer stays off the panel until it is revealed to the room. */
		if (l->revealed_ms)
			cJSON_AddBoolToObject(b, "right", t->bars[k].right);
		cJSON_AddItemToArray(bars, b);
	}
	cJSON *w = cJSON_AddArrayToObject(o, "not_answered");
	for (size_t k = 0; k < t->n_waiting; k++)
		cJSON_AddItemToArray(w, cJSON_CreateString(t->waiting[k]));
	cJSON *a = cJSON_AddArrayToObject(o, "answered_by");
	for (size_t k = 0; k < t->answered; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(t->answered_by[k]));
	return o;
}

int cmd_trainer_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *dir = opts->class_dir, *start = NULL, *open = NULL, *message = NULL;
	const char *question = NULL, *now_arg = NULL, *ack = NULL;
	bool once = false, presenter = false;
	struct live_req rq = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has = i + 1 < argc;
		if (!strcmp(a, "--once"))
			once = true;
		else if (!strcmp(a, "--presenter"))
			presenter = true;
		else if (!strcmp(a, "--start") && has)
			start = argv[++i];
		else if (!strcmp(a, "--open") && has)
			open = argv[++i];
		else if (!strcmp(a, "--message") && has)
			message = argv[++i];
		else if (!strcmp(a, "--question") && has)
			question = argv[++i];
		else if (!strcmp(a, "--now") && has)
			now_arg = argv[++i];
		else if (!strcmp(a, "--ack") && has)
			ack = argv[++i];
		else if (!strcmp(a, "--push") && has)
			rq.push = argv[++i];
		else if (!strcmp(a, "--push-quiz") && has)
			rq.quiz = argv[++i];
		else if (!strcmp(a, "--next"))
			rq.next = true;
		else if (!strcmp(a, "--close"))
			rq.close = true;
		else if (!strcmp(a, "--reveal"))
			rq.reveal = true;
		else if (!strcmp(a, "--seconds") && has) {
			char *end;
			rq.seconds = strtol(argv[++i], &end, 10);
			if (*end || rq.seconds < 1 || rq.seconds > 3600) {
				cli_error("--seconds takes 1 to 3600, not '%s'", argv[i]);
				return CLI_USAGE;
			}
		} else if (a[0] == '-') {
			cli_error("unknown option '%s' for trainer; see 'lambda-tutor trainer "
				  "--help'",
				  a);
			return CLI_USAGE;
		} else if (!dir || dir == opts->class_dir)
			dir = a;
		else {
			cli_error("trainer takes one class directory");
			return CLI_USAGE;
		}
	}
	if (!dir) {
		cli_error("trainer needs a class directory: lambda-tutor trainer DIR");
		return CLI_USAGE;
	}
	struct error err;
	error_clear(&err);
	/* A learner's file locked mid-write is shown as locked, not waited for every refresh. */
	store_set_busy_timeout(100);
	char *course_dir = cli_course_dir(opts);
	struct diags d = DIAGS_INIT;
	struct course *course = course_load(course_dir, &d);
	free(course_dir);
	if (!course) {
		diags_print(&d, stderr);
		diags_release(&d);
		return CLI_USAGE;
	}
	diags_release(&d);
	int rc = CLI_USAGE;
	struct pace p;
	if (!pace_read(dir, &p, &err) || !class_reruns_use(dir, &err)) {
		cli_print_error(&err);
		goto out;
	}
	int64_t now = clock_wall_ms();
	if (now_arg) {
		char *end;
		now = strtoll(now_arg, &end, 10);
		if (*end || now <= 0) {
			cli_error("--now takes milliseconds since the epoch, not '%s'", now_arg);
			goto out;
		}
	}
	if (ack) {
		rc = ack_hand(dir, ack, now);
		goto out;
	}
	if ((rq.push != NULL) + (rq.quiz != NULL) + rq.next > 1) {
		cli_error("push one thing at a time: --push, --push-quiz or --next");
		goto out;
	}
	if (rq.push || rq.quiz || rq.next || rq.close || rq.reveal) {
		rc = live_command(dir, course, &rq, now);
		goto out;
	}
	bool changed = false;
	if (start) {
		if (!parse_start(start, now, &p.started_ms)) {
			cli_error("--start takes 'now' or HH:MM, not '%s'", start);
			goto out;
		}
		changed = true;
	}
	if (open) {
		char *end;
		long n = strtol(open, &end, 10);
		if (!strcmp(open, "all"))
			n = 0;
		else if (*end || n < 1 || (size_t)n > course->n_modules) {
			cli_error("--open takes a module number 1-%zu or 'all', not '%s'",
				  course->n_modules, open);
			goto out;
		}
		p.open_through = (int)n;
		changed = true;
	}
	if (message) {
		if (strchr(message, '\n') || strlen(message) > PACE_MSG_MAX) {
			cli_error("--message must be one line of at most %d bytes", PACE_MSG_MAX);
			goto out;
		}
		snprintf(p.message, sizeof p.message, "%s", message);
		p.message_ms = now;
		changed = true;
	}
	if (changed) {
		if (!pace_write(dir, &p, &err)) {
			cli_print_error(&err);
			goto out;
		}
		if (start)
			printf("session started at %s\n", start);
		if (open)
			printf("%s\n", p.open_through ? "modules open up to the one given"
						      : "all modules open");
		if (message)
			printf("message sent: %s\n", p.message[0] ? p.message : "(cleared)");
	}
	if (!once && (changed || !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))) {
		rc = changed ? CLI_OK : CLI_USAGE;
		if (!changed)
			cli_error("the live dashboard needs a terminal; use --once to print it");
		goto out;
	}
	if (!once) {
		rc = screen_trainer_run(dir, course, question, presenter, &err) ? CLI_OK
										: CLI_USAGE;
		if (rc != CLI_OK)
			cli_print_error(&err);
		goto out;
	}
	struct class_room room = CLASS_ROOM_INIT;
	int64_t t0 = clock_mono_us();
	if (!class_room_load_dir(&room, dir, &err)) {
		cli_print_error(&err);
		goto out;
	}
	struct seen_book *seen = seen_book_load(dir);
	int64_t t1 = clock_mono_us();
	/* What each later refresh of the live dashboard costs: the files that did not change,
	 * the server's .seen.json (read again only when it did). */
	size_t reread = 0;
	if (!class_room_refresh(&room, dir, &reread, &err)) {
		cli_print_error(&err);
		seen_book_free(seen);
		class_room_release(&room);
		goto out;
	}
	seen = seen_book_reload(seen, dir);
	int64_t t2 = clock_mono_us();
	seen_book_free(seen);
	struct roster r;
	roster_build(&r, &room, course, now);
	int64_t t3 = clock_mono_us();
	struct roster_agenda ag;
	roster_agenda(&r, course, p.started_ms ? p.started_ms : now, now, &ag);
	struct live live;
	struct live_tally tally = { 0 };
	struct quiz_set *set = NULL;
	const struct quiz_question *lq = NULL;
	if (!live_read(dir, &live, &err))
		cli_print_error(&err); /* the dashboard shows the rest */
	int64_t t4 = clock_mono_us(), t5 = t4;
	if (live.id) {
		set = load_quizzes(course);
		lq = set ? quiz_set_find_question(set, live.question) : NULL;
		t4 = clock_mono_us();
		live_tally_build(&room, &live, lq, &tally);
		t5 = clock_mono_us();
	}
	if (opts->json) {
		cJSON *j = json_dashboard(&r, course, &p, &ag, now, &room, question, dir);
		if (live.id)
			cJSON_AddItemToObject(j, "live", json_live(&live, lq, &tally, now));
		cJSON *t = cJSON_AddObjectToObject(j, "timing_ms");
		cJSON_AddNumberToObject(t, "read", (double)(t1 - t0) / 1000);
		cJSON_AddNumberToObject(t, "refresh", (double)(t2 - t1) / 1000);
		cJSON_AddNumberToObject(t, "roster", (double)(t3 - t2) / 1000);
		cJSON_AddNumberToObject(t, "refresh_reread", (double)reread);
		cJSON_AddNumberToObject(t, "live", (double)(t5 - t4) / 1000);
		char *text = cJSON_Print(j);
		puts(text);
		free(text);
		cJSON_Delete(j);
	} else {
		print_text(&r, course, &p, &ag, now, dir);
		if (live.id)
			print_live(&live, lq, &tally, now);
	}
	live_tally_release(&tally);
	quiz_set_free(set);
	roster_release(&r);
	class_room_release(&room);
	rc = CLI_OK;
out:
	course_free(course);
	return rc;
}
