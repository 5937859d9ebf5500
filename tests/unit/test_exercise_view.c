/*
 * The exercise screen's rules, without curses: hints one level at a time, the solution only
 * after a pass or a confirmed request, reset confirmed, task ticks from the last run that ran,
 * and lines that show what a learner needs (sent, got, expected, why) within the width.
 */
#include <stdlib.h>
#include <string.h>

#include "course/exercise_load.h"
#include "harness.h"
#include "tui/exercise_view.h"
#include "tui/utf8.h"

static const char yaml[] = "id: ex\ntitle: Ex\nkind: code\nbrief: b.md\nfunction: {name: f}\n"
			   "starters:\n"
			   "  python: {runtime: python3.12, handler: a.h, files: [a.py]}\n"
			   "  nodejs: {runtime: nodejs20.x, handler: a.h, files: [a.mjs]}\n"
			   "tasks:\n"
			   "  - {id: one, text: First task, why: First reason}\n"
			   "  - {id: two, text: Second task, why: Second reason}\n"
			   "hints: [Look at the event, Use a default]\n"
			   "steps:\n  - deploy\n  - invoke:\n      expect:\n"
			   "        - {task: one, error: false}\n"
			   "        - {task: two, field: body.x, equals: 1}\n"
			   "minutes: 5\n";

/* A result as check_run() leaves it, owned like one. */
static void fake_result(struct check_result *r, const struct exercise *ex, bool one, bool two,
			enum check_status status)
{
	memset(r, 0, sizeof(*r));
	r->exercise = ex;
	r->status = status;
	r->n_tasks = ex->n_tasks;
	r->tasks = calloc(ex->n_tasks, sizeof(*r->tasks));
	bool pass[2] = { one, two };
	for (size_t i = 0; i < 2; i++) {
		r->tasks[i].task = &ex->tasks[i];
		r->tasks[i].pass = pass[i];
		r->n_passed += pass[i];
		if (!pass[i]) {
			r->tasks[i].step = strdup("invoke 2");
			r->tasks[i].event = strdup("{\"name\":\"Ada\"}");
			r->tasks[i].got = strdup("body.x = 2");
			r->tasks[i].expected = strdup("body.x: equal to 1");
			r->tasks[i].why = ex->tasks[i].why;
			r->tasks[i].log = strdup("START RequestId: r1\nhello from the handler\n"
						 "REPORT RequestId: r1\tDuration: 1 ms\t\n");
		}
	}
	r->n_steps = 0;
	if (status == CHECK_ERROR)
		snprintf(r->error.msg, sizeof(r->error.msg), "the handler file 'a.py' is missing");
}

static bool has_line(const struct exercise_view *v, const char *needle, enum ev_kind kind)
{
	for (size_t i = 0; i < v->n_lines; i++)
		if (strstr(v->lines[i].text, needle) && v->lines[i].kind == kind)
			return true;
	return false;
}

static struct exercise *load(struct diags *d)
{
	return exercise_parse(yaml, strlen(yaml), "ex.yaml", NULL, "m", d);
}

TEST(exercise_view__ticks_follow_the_last_run)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex = load(&d);
	struct exercise_view v;
	exercise_view_init(&v, ex, EXERCISE_PYTHON);
	exercise_view_build(&v, 60);
	ok(has_line(&v, "· First task", EV_TASK_TODO), "unchecked tasks show a dot");
	struct check_result r;
	exercise_view_start(&v);
	exercise_view_step(&v, 1);
	exercise_view_build(&v, 60);
	ok(has_line(&v, "Checking", EV_HEADING), "a running check shows its steps");
	fake_result(&r, ex, true, false, CHECK_FAIL);
	exercise_view_finish(&v, &r);
	exercise_view_build(&v, 60);
	ok(has_line(&v, "✓ First task", EV_TASK_PASS), "a passed task is ticked");
	ok(has_line(&v, "✗ Second task", EV_TASK_FAIL), "a failed task is crossed");
	ok(has_line(&v, "sent:     {", EV_DETAIL) && has_line(&v, "  \"name\": \"Ada\"", EV_DETAIL),
	   "what was sent, pretty-printed");
	ok(has_line(&v, "got:      body.x = 2", EV_DETAIL), "what came back");
	ok(has_line(&v, "expected: body.x: equal to 1", EV_DETAIL), "what was expected");
	ok(has_line(&v, "why:      Second reason", EV_DETAIL), "and why it matters");
	ok(has_line(&v, "hello from the handler", EV_LOG), "the handler's log");
	ok(has_line(&v, "1 of 2 tasks pass", EV_NOTICE), "the summary");
	ok(!v.passed_once, "not passed yet");
	fake_result(&r, ex, false, false, CHECK_ERROR);
	exercise_view_finish(&v, &r);
	exercise_view_build(&v, 60);
	ok(has_line(&v, "could not run: the handler file 'a.py' is missing", EV_NOTICE),
	   "a check that could not run says why");
	ok(v.task_state[0] == -1 && v.task_state[1] == -1,
	   "and clears the ticks: nothing was judged on this code");
	fake_result(&r, ex, true, true, CHECK_PASS);
	exercise_view_finish(&v, &r);
	exercise_view_build(&v, 120);
	ok(v.passed_once && has_line(&v, "n goes on to the next step", EV_TASK_PASS),
	   "a pass says how to go on, and does not move on by itself");
	exercise_view_release(&v);
	exercise_free(ex);
	diags_release(&d);
}

TEST(exercise_view__events_fold_and_tracebacks_break)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex = load(&d);
	struct exercise_view v;
	exercise_view_init(&v, ex, EXERCISE_PYTHON);
	struct check_result r;
	fake_result(&r, ex, true, false, CHECK_FAIL);
	free(r.tasks[1].event);
	r.tasks[1].event = strdup("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7}");
	free(r.tasks[1].log);
	r.tasks[1].log =
		strdup("START RequestId: r1\n[ERROR] ZeroDivisionError: division by "
		       "zero\rTraceback (most recent call last):\r  File \"/var/task/a.py\", "
		       "line 2, in h\r    return 1 / 0\nEND RequestId: r1\n");
	exercise_view_finish(&v, &r);
	exercise_view_build(&v, 80);
	ok(has_line(&v, "  \"e\": 5", EV_DETAIL) && !has_line(&v, "\"f\": 6", EV_DETAIL),
	   "a long event is folded after its first lines");
	ok(has_line(&v, "more lines (f shows whole events)", EV_LOG), "saying how to unfold it");
	v.unfold = true;
	exercise_view_build(&v, 80);
	ok(has_line(&v, "  \"g\": 7", EV_DETAIL), "unfolded, all of it shows");
	ok(has_line(&v, "Traceback (most recent call last):", EV_LOG) &&
		   !has_line(&v, "zero Traceback", EV_LOG),
	   "a traceback's lines are lines of their own");
	ok(has_line(&v, "    return 1 / 0", EV_LOG), "down to the failing line");
	exercise_view_start(&v);
	exercise_view_cancel_run(&v);
	exercise_view_build(&v, 80);
	ok(!v.running && has_line(&v, "✗ Second task", EV_TASK_FAIL),
	   "a cancelled check leaves the last verdict");
	exercise_view_release(&v);
	exercise_free(ex);
	diags_release(&d);
}

TEST(exercise_view__hints_come_one_level_at_a_time)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex = load(&d);
	struct exercise_view v;
	exercise_view_init(&v, ex, EXERCISE_PYTHON);
	is_int(exercise_view_hint(&v), 1, "first level");
	exercise_view_build(&v, 60);
	ok(has_line(&v, "1. Look at the event", EV_HINT) && !has_line(&v, "Use a default", EV_HINT),
	   "only the first hint shows");
	is_int(exercise_view_hint(&v), 2, "second level");
	is_int(exercise_view_hint(&v), 0, "none left");
	exercise_view_release(&v);
	exercise_free(ex);
	diags_release(&d);
}

TEST(exercise_view__solution_and_reset_need_confirmation)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex = load(&d);
	struct exercise_view v;
	exercise_view_init(&v, ex, EXERCISE_PYTHON);
	bool confirmed;
	ok(!exercise_view_want_solution(&v, &confirmed), "before a pass, the first s asks");
	ok(exercise_view_question(&v) && strstr(exercise_view_question(&v), "s: yes"),
	   "and says how to confirm, for the status line");
	exercise_view_cancel(&v);
	ok(!exercise_view_want_solution(&v, &confirmed), "another key cancelled: it asks again");
	ok(exercise_view_want_solution(&v, &confirmed) && confirmed,
	   "s twice shows it, recorded as requested");
	struct check_result r;
	fake_result(&r, ex, true, true, CHECK_PASS);
	exercise_view_finish(&v, &r);
	ok(exercise_view_want_solution(&v, &confirmed) && !confirmed,
	   "after a pass it shows at once");
	exercise_view_show_solution(&v, "def h(e, c):\n    return 1\n");
	exercise_view_build(&v, 60);
	ok(has_line(&v, "    return 1", EV_CODE), "the solution's lines");
	ok(!exercise_view_want_reset(&v), "the first x asks");
	ok(exercise_view_want_reset(&v), "the second x confirms");
	is_int(exercise_view_other_lang(&v), EXERCISE_NODEJS, "Python switches to Node.js");
	ok(!exercise_view_want_lang(&v), "the first L asks");
	ok(exercise_view_question(&v) && strstr(exercise_view_question(&v), "Switch to Node.js?"),
	   "and says what happens");
	exercise_view_cancel(&v);
	ok(!exercise_view_want_lang(&v), "after a cancel, L asks again");
	ok(exercise_view_want_lang(&v), "the second L confirms");
	exercise_view_release(&v);
	exercise_free(ex);
	diags_release(&d);
}

TEST(exercise_view__lines_fit_the_width)
{
	struct diags d = DIAGS_INIT;
	struct exercise *ex = load(&d);
	struct exercise_view v;
	exercise_view_init(&v, ex, EXERCISE_PYTHON);
	struct check_result r;
	fake_result(&r, ex, false, false, CHECK_FAIL);
	exercise_view_finish(&v, &r);
	exercise_view_build(&v, 30);
	bool fits = true;
	for (size_t i = 0; i < v.n_lines; i++)
		if (v.lines[i].kind != EV_CODE &&
		    utf8_width(v.lines[i].text, strlen(v.lines[i].text)) > 30) {
			fits = false;
			printf("#   too wide: '%s'\n", v.lines[i].text);
		}
	ok(fits, "every line but code fits in 30 columns");
	exercise_view_release(&v);
	exercise_free(ex);
	diags_release(&d);
}

int main(void)
{
	RUN(exercise_view__ticks_follow_the_last_run);
	RUN(exercise_view__events_fold_and_tracebacks_break);
	RUN(exercise_view__hints_come_one_level_at_a_time);
	RUN(exercise_view__solution_and_reset_need_confirmation);
	RUN(exercise_view__lines_fit_the_width);
	return done();
}
