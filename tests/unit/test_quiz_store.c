/*
 * Attempts through the learner's store: a child killed with SIGKILL in the middle of an attempt
 * loses none of its submitted answers, a quiz edited after the start is graded against the
 * stored copy (and the finish record says so), attempt and time limits hold across restarts.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "course/quiz_load.h"
#include "harness.h"
#include "quiz/quiz_store.h"
#include "store/store.h"

static const char *const QUIZ_V1 =
	"id: demo\ntitle: Demo\npass: 60\nquestions:\n"
	"  - {id: d-mc, type: mc, text: t, hints: [h], options: [{text: a, fraction: 1},"
	" {text: b}, {text: c}]}\n"
	"  - {id: d-num, type: numeric, text: t, answers: [{value: 900}]}\n"
	"  - {id: d-order, type: order, text: t, items: [x, y, z]}\n";

/* The same quiz with d-mc's key moved from a to b. */
static const char *const QUIZ_V2 =
	"id: demo\ntitle: Demo\npass: 60\nquestions:\n"
	"  - {id: d-mc, type: mc, text: t, hints: [h], options: [{text: a},"
	" {text: b, fraction: 1}, {text: c}]}\n"
	"  - {id: d-num, type: numeric, text: t, answers: [{value: 900}]}\n"
	"  - {id: d-order, type: order, text: t, items: [x, y, z]}\n";

static struct quiz_set *set_of(const char *text)
{
	struct diags d = DIAGS_INIT;
	struct quiz_set *set = xcalloc(1, sizeof(*set));
	set->quizzes = xcalloc(1, sizeof(*set->quizzes));
	set->quizzes[0] = quiz_parse(text, strlen(text), "quizzes/demo.yaml", NULL, &d);
	set->n = 1;
	if (d.n)
		printf("# the test quiz does not lint: %s\n", d.v[0].msg);
	diags_release(&d);
	return set;
}

static struct store *open_db(const char *path)
{
	struct error err;
	struct store *st = store_open(path, &err);
	if (!st)
		printf("# %s\n", err.msg);
	return st;
}

static size_t slot_of(const struct quiz_attempt *a, const char *id)
{
	long i = quiz_attempt_slot(a, id);
	return i < 0 ? 0 : (size_t)i;
}

TEST(quiz_store__kill_9_mid_attempt_keeps_every_answer)
{
	struct quiz_set *set = set_of(QUIZ_V1);
	struct quiz *qz = set->quizzes[0];
	/* The parent kills the child once it reports two saved answers, like a crash would. */
	int ready[2];
	if (pipe(ready) != 0) {
		ok(0, "pipe");
		quiz_set_free(set);
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		struct error err;
		struct quiz_grade g;
		struct store *st = open_db("crash.db");
		struct quiz_attempt *a = quiz_store_start(st, qz, set, 1234, 1000, &err);
		if (!a)
			_exit(3);
		if (!quiz_store_submit(st, a, slot_of(a, "d-mc"), "1", 4.5, 2000, &g, &err) ||
		    !quiz_store_submit(st, a, slot_of(a, "d-num"), "900", 3, 3000, &g, &err))
			_exit(4);
		if (write(ready[1], "k", 1) != 1)
			_exit(5);
		for (;;)
			pause(); /* no close, no finish: only SIGKILL ends this */
	}
	close(ready[1]);
	char c = 0;
	if (read(ready[0], &c, 1) == 1)
		kill(pid, SIGKILL);
	close(ready[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child died by SIGKILL");

	struct store *st = open_db("crash.db");
	struct quiz_attempt *a = NULL;
	struct error err;
	error_clear(&err);
	bool resumed = quiz_store_resume(st, qz, set, quiz_question_parse, 4000, &a, &err);
	ok(resumed, "resume: %s", resumed ? "ok" : err.msg);
	ok(a != NULL, "the attempt is open again");
	if (!a) {
		store_close(st);
		quiz_set_free(set);
		return;
	}
	struct quiz_attempt *fresh = quiz_attempt_start(qz, set, 1, 1234, 1000, &err);
	bool same = fresh->n_slots == a->n_slots;
	for (size_t i = 0; same && i < a->n_slots; i++)
		same = strcmp(fresh->slots[i].q->id, a->slots[i].q->id) == 0 &&
		       memcmp(fresh->slots[i].order, a->slots[i].order,
			      a->slots[i].n_order * sizeof(size_t)) == 0;
	ok(same, "questions and options come back in the order frozen at the start");
	quiz_attempt_free(fresh);
	const struct quiz_slot *mc = &a->slots[slot_of(a, "d-mc")];
	const struct quiz_slot *num = &a->slots[slot_of(a, "d-num")];
	is_int(mc->n_tries, 1, "the wrong choice is kept");
	is_str(mc->n_tries ? mc->tries[0].response : "", "1", "with its response");
	ok(!mc->finished, "and the question is still open (one hint, two tries)");
	is_int(num->n_tries, 1, "the number is kept");
	ok(num->finished && fabs(quiz_slot_mark(num) - 1) < 1e-9, "and scored 1");
	ok(fabs(mc->tries[0].seconds - 4.5) < 1e-9, "seconds are kept");

	struct quiz_grade g;
	ok(quiz_store_submit(st, a, slot_of(a, "d-mc"), "0", 2, 5000, &g, &err),
	   "the second try goes on");
	ok(quiz_store_submit(st, a, slot_of(a, "d-order"), "0,1,2", 2, 6000, &g, &err),
	   "the last question");
	ok(quiz_store_finish(st, a, 7000, QUIZ_FINISH_SUBMITTED, &err), "finish");
	double score, max;
	quiz_attempt_score(a, &score, &max);
	ok(fabs(score - (2 + (1 - 0.3333333))) < 1e-6 && max == 3, "score 2.667 of 3 (%g)", score);
	quiz_attempt_free(a);

	struct quiz_history h;
	ok(quiz_store_history(st, "demo", &h, &err), "history");
	ok(h.started == 1 && h.finished == 1 && h.open == 0 && h.passed, "one attempt, passed");
	ok(fabs(h.best - 100 * (2 + 0.6666667) / 3) < 1e-3, "best %.2f%%", h.best);
	a = NULL;
	ok(quiz_store_resume(st, qz, set, quiz_question_parse, 8000, &a, &err) && !a,
	   "nothing to resume once finished");
	store_close(st);
	quiz_set_free(set);
}

struct finish_data {
	char *data;
};

static bool last_finish(const struct store_event *ev, void *ctx)
{
	struct finish_data *f = ctx;
	free(f->data);
	f->data = xstrdup(ev->data);
	return true;
}

TEST(quiz_store__edited_quiz_is_graded_against_the_started_version)
{
	struct quiz_set *v1 = set_of(QUIZ_V1), *v2 = set_of(QUIZ_V2);
	struct error err;
	struct store *st = open_db("edit.db");
	struct quiz_attempt *a = quiz_store_start(st, v1->quizzes[0], v1, 77, 1000, &err);
	ok(a != NULL, "started on version 1");
	quiz_attempt_free(a);
	store_close(st);

	st = open_db("edit.db");
	a = NULL;
	ok(quiz_store_resume(st, v2->quizzes[0], v2, quiz_question_parse, 2000, &a, &err) && a,
	   "resumed with version 2 on disk");
	if (!a) {
		store_close(st);
		quiz_set_free(v1);
		quiz_set_free(v2);
		return;
	}
	size_t i = slot_of(a, "d-mc");
	ok(a->slots[i].edited, "the edited question is marked");
	ok(!a->slots[slot_of(a, "d-num")].edited, "the others are not");
	struct quiz_grade g;
	ok(quiz_store_submit(st, a, i, "0", 1, 3000, &g, &err) && g.fraction == 1,
	   "version 1's key still scores 1");
	ok(quiz_store_finish(st, a, 4000, QUIZ_FINISH_SUBMITTED, &err), "finish");
	struct finish_data f = { NULL };
	store_each(st, STORE_QUIZ_FINISH, last_finish, &f, &err);
	ok(f.data && strstr(f.data, "\"edited\":[\"d-mc\"]"), "the record says so: %s",
	   f.data ? f.data : "(none)");
	free(f.data);
	quiz_attempt_free(a);
	store_close(st);
	quiz_set_free(v1);
	quiz_set_free(v2);
}

TEST(quiz_store__attempt_and_time_limits_hold_across_restarts)
{
	struct quiz_set *set = set_of(QUIZ_V1);
	struct quiz *qz = set->quizzes[0];
	qz->attempts = 1;
	qz->time_limit_ms = 60000;
	struct error err;
	struct store *st = open_db("limits.db");
	struct quiz_attempt *a = quiz_store_start(st, qz, set, 5, 1000, &err);
	ok(a != NULL, "first attempt");
	quiz_attempt_free(a);
	a = quiz_store_start(st, qz, set, 6, 2000, &err);
	ok(a == NULL, "no second start while one is open");
	is_str(err.msg, "attempt 1 at quiz 'demo' is still open", "says why");
	store_close(st);

	st = open_db("limits.db");
	a = NULL;
	ok(quiz_store_resume(st, qz, set, quiz_question_parse, 120000, &a, &err) && a,
	   "resumed after the deadline");
	ok(a && a->finished_ms == 61000 && a->reason == QUIZ_FINISH_TIME,
	   "finished as of the deadline");
	quiz_attempt_free(a);
	struct quiz_history h;
	quiz_store_history(st, "demo", &h, &err);
	ok(h.finished == 1 && h.open == 0, "and recorded");
	a = quiz_store_start(st, qz, set, 7, 130000, &err);
	ok(a == NULL, "the attempt limit holds");
	is_str(err.msg, "no attempts left at quiz 'demo': 1 of 1 used", "says why");
	store_close(st);
	quiz_set_free(set);
}

TEST(quiz_store__a_second_attempt_draws_what_the_first_did_not_show)
{
	const char *pool = "id: bank\ntitle: Bank\nkind: pool\nquestions:\n"
			   "  - {id: b1, type: tf, text: t, answer: true}\n"
			   "  - {id: b2, type: tf, text: t, answer: true}\n"
			   "  - {id: b3, type: tf, text: t, answer: true}\n"
			   "  - {id: b4, type: tf, text: t, answer: true}\n";
	const char *quiz = "id: drawn\ntitle: Drawn\ndraw: [{from: bank, count: 2}]\n";
	struct diags d = DIAGS_INIT;
	struct quiz_set *set = xcalloc(1, sizeof(*set));
	set->quizzes = xcalloc(2, sizeof(*set->quizzes));
	set->quizzes[0] = quiz_parse(pool, strlen(pool), "quizzes/bank.yaml", NULL, &d);
	set->quizzes[1] = quiz_parse(quiz, strlen(quiz), "quizzes/drawn.yaml", NULL, &d);
	set->n = 2;
	is_int(d.n, 0, "the pool and the quiz lint");
	diags_release(&d);
	struct error err;
	struct store *st = open_db("draws.db");
	struct quiz_attempt *a = quiz_store_start(st, set->quizzes[1], set, 1, 1000, &err);
	ok(a && a->n_slots == 2, "two drawn");
	char first[2][8] = { "", "" };
	for (size_t i = 0; a && i < 2; i++)
		snprintf(first[i], sizeof(first[i]), "%s", a->slots[i].q->id);
	ok(a && quiz_store_finish(st, a, 2000, QUIZ_FINISH_SUBMITTED, &err), "finished");
	quiz_attempt_free(a);
	a = quiz_store_start(st, set->quizzes[1], set, 1, 3000, &err); /* the same seed */
	bool fresh = a && a->n_slots == 2;
	for (size_t i = 0; fresh && i < 2; i++)
		fresh = strcmp(a->slots[i].q->id, first[0]) != 0 &&
			strcmp(a->slots[i].q->id, first[1]) != 0;
	ok(fresh, "the second attempt gets the two not yet shown");
	quiz_attempt_free(a);
	store_close(st);
	quiz_set_free(set);
}

TEST(quiz_store__damaged_records_can_be_abandoned)
{
	struct quiz_set *set = set_of(QUIZ_V1);
	struct quiz *qz = set->quizzes[0];
	struct error err;
	struct store *st = open_db("damaged.db");
	struct store_event ev = { .kind = STORE_QUIZ_START,
				  .item = "demo",
				  .data = "{\"attempt\": 1, \"seed\": \"1\", \"deadline_ms\": 0,"
					  " \"pass\": 50, \"questions\": [{\"id\": \"x\"}]}" };
	ok(store_append(st, &ev, &err), "a damaged start is in the records");
	struct quiz_attempt *a = NULL;
	ok(!quiz_store_resume(st, qz, set, quiz_question_parse, 1000, &a, &err) && !a,
	   "it cannot be resumed");
	is_str(err.msg,
	       "cannot resume attempt 1 at quiz 'demo': a stored question lacks its id, hash or "
	       "copy",
	       "and says why");
	ok(quiz_store_abandon(st, "demo", err.msg, 2000, &err), "abandoned");
	struct quiz_history h;
	quiz_store_history(st, "demo", &h, &err);
	ok(h.open == 0 && h.finished == 1 && !h.passed, "closed without a pass");
	a = quiz_store_start(st, qz, set, 3, 3000, &err);
	ok(a && a->number == 2, "a new attempt starts");
	quiz_attempt_free(a);
	store_close(st);
	quiz_set_free(set);
}

int main(void)
{
	char tmp[] = "/tmp/lt-test-quiz-store-XXXXXX";
	if (!mkdtemp(tmp) || chdir(tmp) != 0) {
		printf("Bail out! cannot make a temporary folder\n");
		return 1;
	}
	RUN(quiz_store__kill_9_mid_attempt_keeps_every_answer);
	RUN(quiz_store__edited_quiz_is_graded_against_the_started_version);
	RUN(quiz_store__attempt_and_time_limits_hold_across_restarts);
	RUN(quiz_store__a_second_attempt_draws_what_the_first_did_not_show);
	RUN(quiz_store__damaged_records_can_be_abandoned);
	char *cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", tmp);
	free(cmd);
	return done();
}
