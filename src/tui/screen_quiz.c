/*
 * The quiz screen. State and moves live in quiz_view.c; grading in quiz/; records in
 * quiz/quiz_store.c. This file lays text out, draws, and turns keys into view moves and tries.
 */
#include "tui/screen_quiz.h"

#include <cjson/cJSON.h>
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class/live.h"
#include "core/clock.h"
#include "core/diag.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "quiz/quiz_store.h"
#include "store/store.h"
#include "tui/class_mode.h"
#include "tui/mdline.h"
#include "tui/mdview.h"
#include "tui/quiz_view.h"
#include "tui/theme.h"
#include "tui/utf8.h"

static struct {
	struct quiz_set *set;
	const struct quiz *quiz; /* in set */
	struct quiz_attempt *a;
	struct quiz_view v;
	bool ready;
	struct mdview body;           /* the question, or the intro, or the result */
	struct mdview feedback;       /* after a try */
	int64_t shown_ms;             /* when the current question was shown: seconds per try */
	int64_t last_second;          /* for the countdown */
	int screen_rows, screen_cols; /* as last laid out */
	struct quiz_history before;   /* the learner's attempts before this one */
	/* A live question (class/live.h): one question, answered once, graded at the reveal. */
	bool live;
	struct quiz live_quiz;                   /* the one-question quiz it is shown as */
	struct quiz_question *live_questions[1]; /* borrowed from set */
	int64_t live_id;                         /* the push */
	char *live_response;                     /* what was sent; NULL before */
	double live_fraction;
	bool live_revealed; /* the feedback shows the right answer */
} qs;

static void quiz_release(void)
{
	if (qs.ready)
		quiz_view_release(&qs.v);
	quiz_attempt_free(qs.a);
	quiz_set_free(qs.set);
	mdview_release(&qs.body);
	mdview_release(&qs.feedback);
	free(qs.live_response);
	memset(&qs, 0, sizeof(qs));
}

static void add_right_answer(struct strbuf *md, const struct quiz_question *q);

bool screen_quiz_live(struct app *app, struct error *err)
{
	static char live_id[] = "live", live_title[] = "Live question from the trainer";
	quiz_release();
	const struct live *l = &app->live;
	if (!app->course->quiz_dir)
		return error_set(err, "the course has no quizzes folder");
	struct diags d = DIAGS_INIT;
	qs.set = quiz_set_load(app->course->quiz_dir, app->course, &d);
	diags_release(&d);
	const struct quiz_question *q = qs.set ? quiz_set_find_question(qs.set, l->question) : NULL;
	if (!q || strcmp(q->hash, l->hash) != 0) {
		error_set(err,
			  "the trainer pushed question '%s', which your course %s: update the "
			  "course to answer it",
			  l->question, q ? "holds in another version" : "does not have");
		quiz_release();
		return false;
	}
	qs.live = true;
	qs.live_id = l->id;
	qs.live_questions[0] = (struct quiz_question *)q;
	qs.live_quiz = (struct quiz){ .id = live_id,
				      .title = live_title,
				      .pass = QUIZ_DEFAULT_PASS,
				      .shuffle_options = false,
				      .questions = qs.live_questions,
				      .n_questions = 1 };
	int64_t now = clock_wall_ms();
	qs.quiz = &qs.live_quiz;
	qs.a = quiz_attempt_start(&qs.live_quiz, qs.set, 1, quiz_store_seed(now), now, err);
	if (!qs.a) {
		quiz_release();
		return false;
	}
	quiz_view_init(&qs.v, qs.a);
	qs.v.phase = QUIZ_VIEW_ANSWER;
	qs.ready = true;
	qs.shown_ms = now;
	app->relayout = true;
	return true;
}

bool screen_quiz_is_live(int64_t push)
{
	return qs.ready && qs.live && (qs.live_id == push || push < 0);
}

const char *screen_quiz_id(void)
{
	return qs.ready && !qs.live && qs.quiz ? qs.quiz->id : NULL;
}

/* The live question's state under the answer: sent, closed, and the right answer revealed. */
static void layout_live(const struct app *app, int width)
{
	const struct live *l = &app->live;
	bool same = l->id == qs.live_id;
	bool open = same && live_open(l, clock_wall_ms(), 0);
	qs.live_revealed = same && l->revealed_ms;
	const struct quiz_question *q = qs.a->slots[0].q;
	struct strbuf md = STRBUF_INIT;
	if (qs.live_response)
		strbuf_addstr(&md, "**Answer recorded.** ");
	else if (!open)
		strbuf_addstr(&md, "**The question is closed.** ");
	if (qs.live_revealed) {
		if (qs.live_response)
			strbuf_addstr(&md, qs.live_fraction >= 0.999 ? "You were right.\n"
					   : qs.live_fraction > 0    ? "You were partly right.\n"
								     : "Not this time.\n");
		add_right_answer(&md, q);
		if (q->general_feedback)
			strbuf_addf(&md, "\n%s\n", q->general_feedback);
	} else {
		strbuf_addstr(&md, "The trainer reveals the right answer to the room.\n");
	}
	mdview_layout(&qs.feedback, md.buf ? md.buf : "", md.len, width);
	strbuf_release(&md);
}

bool screen_quiz_load(struct app *app, const char *quiz_id, struct error *err)
{
	quiz_release();
	if (!app->course->quiz_dir)
		return error_set(err, "the course has no quizzes folder");
	struct diags d = DIAGS_INIT;
	qs.set = quiz_set_load(app->course->quiz_dir, app->course, &d);
	if (d.n) {
		char *line = diags_format(&d, 0);
		error_set(err, "%s", line);
		free(line);
		diags_release(&d);
		goto fail;
	}
	diags_release(&d);
	qs.quiz = quiz_set_find(qs.set, quiz_id);
	if (!qs.quiz || qs.quiz->pool) {
		error_set(err, "no quiz '%s' in %s; see 'lambda-tutor quiz --list'", quiz_id,
			  app->course->quiz_dir);
		goto fail;
	}
	long m = class_mode_quiz_module(app->course, quiz_id);
	if (class_mode_locked(app, m)) {
		error_set(err, "module %ld is not open yet: the trainer opens it", m + 1);
		goto fail;
	}
	int64_t now = clock_wall_ms();
	qs.before.best = qs.before.last = -1;
	if (app->store && !quiz_store_history(app->store, qs.quiz->id, &qs.before, err))
		goto fail;
	if (app->store) {
		if (!quiz_store_resume(app->store, qs.quiz, qs.set, quiz_question_parse, now, &qs.a,
				       err)) {
			/* Damaged records must not lock the learner out of the quiz for good. */
			char why[sizeof(err->msg)];
			snprintf(why, sizeof(why), "%s", err->msg);
			if (!quiz_store_abandon(app->store, qs.quiz->id, why, now, err))
				goto fail;
			app_error(app, "%s; a new attempt starts", why);
		}
		if (!qs.a)
			qs.a = quiz_store_start(app->store, qs.quiz, qs.set, quiz_store_seed(now),
						now, err);
	} else {
		qs.a = quiz_attempt_start(qs.quiz, qs.set, 1, quiz_store_seed(now), now, err);
	}
	if (!qs.a)
		goto fail;
	quiz_view_init(&qs.v, qs.a);
	qs.ready = true;
	qs.shown_ms = now;
	app->relayout = true;
	return true;
fail:
	quiz_release();
	return false;
}

/* ---- layout: Markdown for the body and the feedback ---- */

static const char *state_word(const struct quiz_grade *g)
{
	switch (g->state) {
	case QUIZ_RIGHT:
		return "Correct.";
	case QUIZ_PARTIAL:
		return "Partially correct.";
	case QUIZ_WRONG:
		return "Incorrect.";
	}
	abort();
}

/* Whether feedback starts by saying right or wrong itself ("Right.", "Yes;", "No:"): the state word
   before it would say it twice. */
static bool opens_with_verdict(const char *fb)
{
	static const char *const words[] = { "Right", "Correct", "Yes",      "Exactly",
					     "No",    "Wrong",   "Incorrect" };
	if (!fb)
		return false;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t len = strlen(words[i]);
		if (strncmp(fb, words[i], len) == 0 && fb[len] && strchr(".,;:!", fb[len]))
			return true;
	}
	return false;
}

static void add_right_answer(struct strbuf *md, const struct quiz_question *q)
{
	strbuf_addstr(md, "\n**The right answer:** ");
	switch (q->type) {
	case QUIZ_MC:
	case QUIZ_MC_MULTI:
	case QUIZ_TF: {
		bool first = true;
		for (size_t i = 0; i < q->n_answers; i++)
			if (q->answers[i].fraction > 0) {
				strbuf_addf(md, "%s%s", first ? "" : "; ", q->answers[i].text);
				first = false;
			}
		break;
	}
	case QUIZ_NUMERIC:
	case QUIZ_SHORT: {
		char *r = quiz_correct_response(q);
		strbuf_addf(md, "`%s`", r);
		free(r);
		break;
	}
	case QUIZ_MATCH:
		for (size_t i = 0; i < q->n_answers; i++)
			strbuf_addf(md, "%s%s → %s", i ? "; " : "", q->answers[i].text,
				    q->answers[i].match);
		break;
	case QUIZ_ORDER:
		for (size_t i = 0; i < q->n_answers; i++)
			strbuf_addf(md, "%s%s", i ? " → " : "", q->answers[i].text);
		break;
	}
	strbuf_addch(md, '\n');
}

static void add_option_feedback(struct strbuf *md, const struct quiz_slot *s,
				const struct quiz_grade *g, const char *response, bool verdict)
{
	const struct quiz_question *q = s->q;
	if (q->type == QUIZ_MC_MULTI) {
		for (size_t i = 0; i < q->n_answers; i++) {
			/* Ticked options are listed in the response, in file order. */
			char key[24];
			snprintf(key, sizeof(key), "%zu", i);
			bool ticked = false;
			for (const char *p = response; *p;) {
				size_t len = strcspn(p, ",");
				ticked |= len == strlen(key) && strncmp(p, key, len) == 0;
				p += len + (p[len] == ',');
			}
			if (ticked && q->answers[i].feedback)
				strbuf_addf(md, "\n- *%s*: %s\n", q->answers[i].text,
					    q->answers[i].feedback);
		}
		return;
	}
	if (g->matched < 0 || (size_t)g->matched >= q->n_answers ||
	    !q->answers[g->matched].feedback)
		return;
	const char *fb = q->answers[g->matched].feedback;
	if (verdict) {
		/* The feedback's own verdict, bold as the state word would have been. */
		size_t len = strcspn(fb, ".,;:!") + 1;
		strbuf_addf(md, "**%.*s**%s\n", (int)len, fb, fb + len);
	} else {
		strbuf_addf(md, "\n%s\n", fb);
	}
}

static void layout_feedback(int width)
{
	struct quiz_slot *s = &qs.a->slots[qs.v.slot];
	struct strbuf md = STRBUF_INIT;
	const struct quiz_grade *g = &qs.v.grade;
	if (s->n_tries) {
		const struct quiz_try *t = &s->tries[s->n_tries - 1];
		/* Choices list their own feedback; a single matched answer may speak for itself. */
		enum quiz_type type = s->q->type;
		bool listed = type == QUIZ_MC_MULTI || type == QUIZ_MATCH || type == QUIZ_ORDER;
		const char *fb = !listed && g->matched >= 0 && (size_t)g->matched < s->q->n_answers
					 ? s->q->answers[g->matched].feedback
					 : NULL;
		bool verdict = opens_with_verdict(fb) && !g->unit_wrong;
		if (!verdict)
			strbuf_addf(&md, "**%s** ", state_word(g));
		if (g->unit_wrong)
			strbuf_addf(&md, "(The unit was missing or unknown: %.0f%% off.) ",
				    s->q->unit_penalty * 100);
		add_option_feedback(&md, s, g, t->response, verdict);
		if (s->finished) {
			strbuf_addf(&md, "\nMark: %.2f of %.2f", t->mark, s->q->mark);
			if (t->penalty > 0)
				strbuf_addf(&md, " (%.0f%% off for %zu extra %s)", t->penalty * 100,
					    s->n_tries - 1, s->n_tries == 2 ? "try" : "tries");
			strbuf_addstr(&md, ".\n");
			if (g->state != QUIZ_RIGHT)
				add_right_answer(&md, s->q);
			if (s->q->general_feedback)
				strbuf_addf(&md, "\n%s\n", s->q->general_feedback);
		} else {
			if (s->n_tries - 1 < s->q->n_hints)
				strbuf_addf(&md, "\n**Hint:** %s\n", s->q->hints[s->n_tries - 1]);
			size_t left = quiz_question_tries(s->q) - s->n_tries;
			strbuf_addf(
				&md, "\nTry again: %zu %s left; the next is worth %.0f%% less.\n",
				left, left == 1 ? "try" : "tries", quiz_slot_next_penalty(s) * 100);
		}
	}
	mdview_layout(&qs.feedback, md.buf ? md.buf : "", md.len, width);
	strbuf_release(&md);
}

static void add_page_title(struct strbuf *md, size_t n, const struct course *course,
			   const char *link)
{
	const char *slash = strchr(link, '/');
	char *mid = slash ? xstrndup(link, (size_t)(slash - link)) : NULL;
	const struct course_module *m = mid ? course_find_module(course, mid) : NULL;
	const struct course_page *p = m ? course_find_page(m, slash + 1) : NULL;
	if (p)
		strbuf_addf(md, "%zu. %s › %s\n", n, m->title, p->title);
	else
		strbuf_addf(md, "%zu. `%s`\n", n, link);
	free(mid);
}

static void layout_result(const struct app *app, struct strbuf *md)
{
	double score, max;
	quiz_attempt_score(qs.a, &score, &max);
	bool passed = quiz_attempt_passed(qs.a);
	strbuf_addf(md, "# Score: %.2f of %.2f (%.0f%%)\n\n", score, max,
		    quiz_attempt_percent(qs.a));
	strbuf_addf(md, "**%s** The pass mark is %.0f%%.", passed ? "Passed." : "Not passed yet.",
		    qs.a->pass);
	if (qs.a->reason == QUIZ_FINISH_TIME)
		strbuf_addstr(md, " The time ran out.");
	const char *links[64];
	size_t n = quiz_view_review_links(&qs.v, links, 64);
	if (n) {
		strbuf_addstr(md, "\n\n## Review these pages (press the number to open one)\n\n");
		for (size_t i = 0; i < n; i++)
			add_page_title(md, i + 1, app->course, links[i]);
	} else if (score >= max - 1e-9) {
		strbuf_addstr(md, "\n\nEvery question right: nothing to review.\n");
	}
	strbuf_addstr(md, "\n\n## Question by question\n\n");
	for (size_t i = 0; i < qs.a->n_slots; i++) {
		const struct quiz_slot *s = &qs.a->slots[i];
		double m = quiz_slot_mark(s);
		const char *sign = !s->n_tries              ? "–"
				   : m >= s->q->mark - 1e-9 ? "✓"
				   : m > 1e-9               ? "½"
							    : "✗";
		/* The first line of the question, plain. */
		size_t len = strcspn(s->q->text, "\n");
		strbuf_addf(md, "%zu. %s %.*s — %.2f/%.2f%s\n", i + 1, sign, (int)len, s->q->text,
			    m, s->q->mark, s->n_tries ? "" : " (not answered)");
		if (s->edited)
			strbuf_addstr(md, "   (graded as it was when the attempt started; it has "
					  "changed since)\n");
	}
}

static void quiz_layout(struct app *app, int rows, int cols)
{
	if (!qs.ready)
		return;
	int width = cols - 4;
	qs.screen_rows = rows;
	qs.screen_cols = cols;
	struct strbuf md = STRBUF_INIT;
	switch (qs.v.phase) {
	case QUIZ_VIEW_INTRO:
		strbuf_addf(&md, "# %s\n\n", qs.quiz->title);
		if (qs.quiz->intro)
			strbuf_addf(&md, "%s\n\n", qs.quiz->intro);
		strbuf_addf(&md, "- %zu questions, one at a time; the pass mark is %.0f%%.\n",
			    qs.a->n_slots, qs.a->pass);
		strbuf_addf(&md, "- This is attempt %d", qs.a->number);
		if (qs.quiz->attempts > 0)
			strbuf_addf(&md, " of %d", qs.quiz->attempts);
		if (qs.before.best >= 0)
			strbuf_addf(&md, "; your best so far is %.0f%%", qs.before.best);
		strbuf_addstr(&md, ".\n");
		if (qs.a->deadline_ms)
			strbuf_addf(&md, "- Time limit: %lld minutes; the clock is running.\n",
				    (long long)((qs.a->deadline_ms - qs.a->started_ms) / 60000));
		strbuf_addstr(&md,
			      "- A question with hints can be tried again, for less each time.\n"
			      "- Your answers are saved as you go: leave with q and come back.\n"
			      "\nPress **Enter** to begin.\n");
		break;
	case QUIZ_VIEW_RESULT:
		layout_result(app, &md);
		break;
	case QUIZ_VIEW_ANSWER:
	case QUIZ_VIEW_FEEDBACK: {
		const struct quiz_question *q = qs.a->slots[qs.v.slot].q;
		strbuf_addf(&md, "%s\n", q->text);
		if (q->code)
			strbuf_addf(&md, "\n%s\n", q->code);
		break;
	}
	}
	mdview_layout(&qs.body, md.buf ? md.buf : "", md.len, width);
	strbuf_release(&md);
	if (qs.live && qs.v.phase == QUIZ_VIEW_FEEDBACK)
		layout_live(app, width);
	else if (qs.v.phase == QUIZ_VIEW_FEEDBACK)
		layout_feedback(width);
	else
		mdview_release(&qs.feedback);
}

/* ---- drawing ---- */

/* Rows 2 .. rows-3 scroll by qs.v.scroll; a canvas row r is drawn only when visible. */
static int row_y(int r, int rows)
{
	int y = 2 + r - (int)qs.v.scroll;
	return y >= 2 && y < rows - 2 ? y : -1;
}

static int draw_view(const struct mdview *mv, int r, int rows, int cols)
{
	for (size_t i = 0; i < mv->n_lines; i++, r++) {
		int y = row_y(r, rows);
		if (y >= 0)
			mdline_draw(y, 2, cols - 4, &mv->lines[i], i, NULL, 0, 0);
	}
	return r;
}

/*
 * After a try, what row shows: 1 chosen and right, -1 chosen and wrong, 2 right but not chosen
 * (once the question is finished), 0 nothing.
 */
static int row_verdict(const struct quiz_slot *s, size_t row, size_t idx)
{
	const struct quiz_question *q = s->q;
	switch (q->type) {
	case QUIZ_MC:
	case QUIZ_TF:
	case QUIZ_MC_MULTI: {
		bool chosen = q->type == QUIZ_MC_MULTI ? qs.v.ticked[row] : row == qs.v.cursor;
		bool right = q->answers[idx].fraction > 0;
		if (chosen)
			return right ? 1 : -1;
		return right && s->finished ? 2 : 0;
	}
	case QUIZ_MATCH: {
		long c = qs.v.chosen[row];
		return c >= 0 && s->menu[c] == idx ? 1 : -1;
	}
	case QUIZ_ORDER:
		return quiz_order_row_mark(q->grading, qs.v.arrange, q->n_answers, row);
	default:
		return 0;
	}
}

/* Row r's prefix ("2. [x] ") and text, as drawn. */
static void row_label(size_t row, char *prefix, size_t psize, char *text, size_t tsize)
{
	const struct quiz_slot *s = &qs.a->slots[qs.v.slot];
	const struct quiz_question *q = s->q;
	size_t idx = quiz_view_row_index(&qs.v, row);
	prefix[0] = '\0';
	snprintf(text, tsize, "%s", q->answers[idx].text);
	switch (q->type) {
	case QUIZ_MC:
	case QUIZ_TF:
		snprintf(prefix, psize, "%zu. (%s) ", row + 1, row == qs.v.cursor ? "•" : " ");
		break;
	case QUIZ_MC_MULTI:
		snprintf(prefix, psize, "%zu. [%s] ", row + 1, qs.v.ticked[row] ? "x" : " ");
		break;
	case QUIZ_MATCH: {
		long c = qs.v.chosen[row];
		const char *ans = c >= 0 ? quiz_match_choice(q, s->menu[c]) : "___";
		snprintf(text, tsize, "%s  →  %s", q->answers[idx].text, ans);
		break;
	}
	case QUIZ_ORDER:
		snprintf(prefix, psize, "%zu. ", row + 1);
		break;
	default:
		break;
	}
}

/*
 * The next line of s (n bytes) in width columns, broken at a space when one fits: returns its
 * bytes and sets *adv to where the following line starts.
 */
static size_t wrap_line(const char *s, size_t n, int width, size_t *adv)
{
	size_t fit = utf8_fit(s, n, width > 1 ? width : 1, NULL);
	if (fit >= n) {
		*adv = n;
		return n;
	}
	for (size_t k = fit; k > 0; k--)
		if (s[k] == ' ') {
			*adv = k + 1;
			return k;
		}
	if (fit == 0) { /* a character wider than the line: take it anyway */
		uint32_t cp;
		fit = utf8_decode(s, n, &cp);
	}
	*adv = fit;
	return fit;
}

static int text_x(const char *prefix)
{
	return 3 + utf8_width(prefix, strlen(prefix));
}

/* Lines row takes at cols columns. */
static int row_height(size_t row, int cols)
{
	char prefix[32], text[1024];
	row_label(row, prefix, sizeof(prefix), text, sizeof(text));
	int width = cols - 2 - text_x(prefix);
	size_t n = strlen(text), off = 0;
	int lines = 0;
	do {
		size_t adv;
		wrap_line(text + off, n - off, width, &adv);
		off += adv;
		lines++;
	} while (off < n);
	return lines;
}

static int draw_rows(int r, int rows, int cols)
{
	const struct quiz_slot *s = &qs.a->slots[qs.v.slot];
	const struct quiz_question *q = s->q;
	bool answering = qs.v.phase == QUIZ_VIEW_ANSWER;
	if (q->type == QUIZ_NUMERIC || q->type == QUIZ_SHORT) {
		int y = row_y(r, rows);
		if (y >= 0) {
			int w = tui_put(y, 2, "Answer: ", 10, TUI_STRONG);
			int iw = tui_put(y, 2 + w, strbuf_str(&qs.v.input), cols - 6 - w,
					 TUI_NORMAL);
			if (answering)
				tui_put(y, 2 + w + iw, "▏", 1, TUI_ACCENT);
		}
		return r + 1;
	}
	for (size_t row = 0; row < qs.v.n_rows; row++) {
		bool sel = answering && row == qs.v.cursor;
		int role = sel ? TUI_SELECTED : TUI_NORMAL;
		size_t idx = quiz_view_row_index(&qs.v, row);
		char prefix[32], text[1024];
		row_label(row, prefix, sizeof(prefix), text, sizeof(text));
		int x = text_x(prefix), width = cols - 2 - x;
		size_t n = strlen(text), off = 0;
		bool first = true;
		do {
			size_t adv, len = wrap_line(text + off, n - off, width, &adv);
			int y = row_y(r, rows);
			if (y >= 0) {
				if (sel)
					tui_fill(y, 1, cols - 1, TUI_SELECTED);
				if (first) {
					tui_put(y, 1, sel ? "▸" : " ", 1, role);
					/* A live answer's verdict waits for the trainer's reveal.
					 */
					int v = qs.v.phase == QUIZ_VIEW_FEEDBACK &&
								(!qs.live || qs.live_revealed)
							? row_verdict(s, row, idx)
							: 0;
					if (v)
						tui_put(y, 1, v > 0 ? "✓" : "✗", 1,
							v == 2  ? TUI_DIM
							: v > 0 ? TUI_DONE
								: TUI_MARKER);
					tui_put(y, 3, prefix, x - 3, role);
				}
				tui_putn(y, x, text + off, len, width, role);
			}
			off += adv;
			first = false;
			r++;
		} while (off < n);
	}
	if (q->type == QUIZ_MATCH && answering) {
		r++;
		int y = row_y(r++, rows);
		if (y >= 0)
			tui_put(y, 2,
				"Answers (press the number for the highlighted item):", cols - 4,
				TUI_DIM);
		for (size_t m = 0; m < s->n_menu; m++, r++) {
			y = row_y(r, rows);
			char label[512];
			snprintf(label, sizeof(label), "%zu) %s", m + 1,
				 quiz_match_choice(q, s->menu[m]));
			if (y >= 0)
				tui_put(y, 4, label, cols - 6, TUI_NORMAL);
		}
	}
	return r;
}

/* Scroll so that the row under the cursor is on screen (after a move). */
static void show_cursor(void)
{
	if (qs.v.phase != QUIZ_VIEW_ANSWER || !qs.v.n_rows || qs.screen_rows <= 0)
		return;
	int top = (int)qs.body.n_lines + 1;
	for (size_t row = 0; row < qs.v.cursor; row++)
		top += row_height(row, qs.screen_cols);
	int bottom = top + row_height(qs.v.cursor, qs.screen_cols);
	int visible = qs.screen_rows - 4; /* title, blank, footer, status */
	if (top < (int)qs.v.scroll)
		qs.v.scroll = (size_t)top;
	else if (bottom > (int)qs.v.scroll + visible)
		qs.v.scroll = (size_t)(bottom - visible);
}

static void quiz_draw(const struct app *app, int rows, int cols)
{
	if (!qs.ready)
		return;
	char left[512], right[128];
	snprintf(left, sizeof(left), "Quiz › %s", qs.quiz->title);
	right[0] = '\0';
	if (qs.live) {
		if (app->live.id == qs.live_id && app->live.quiz[0])
			snprintf(left, sizeof(left), "%s · question %d of %d", qs.quiz->title,
				 app->live.index + 1, app->live.count);
		else
			snprintf(left, sizeof(left), "%s", qs.quiz->title);
		int64_t ms =
			app->live.id == qs.live_id ? live_left_ms(&app->live, clock_wall_ms()) : 0;
		bool open = app->live.id == qs.live_id && live_open(&app->live, clock_wall_ms(), 0);
		if (open && app->live.closes_ms)
			snprintf(right, sizeof(right), "%ld s left", (long)((ms + 999) / 1000));
		else
			snprintf(right, sizeof(right), "%s",
				 qs.live_response ? "answered"
				 : open           ? "open"
						  : "closed");
	} else if (qs.v.phase == QUIZ_VIEW_ANSWER || qs.v.phase == QUIZ_VIEW_FEEDBACK) {
		int n = snprintf(right, sizeof(right), "Question %zu of %zu · %zu done",
				 qs.v.slot + 1, qs.a->n_slots, quiz_view_done(&qs.v));
		if (qs.a->deadline_ms && n > 0) {
			int64_t left_ms = qs.a->deadline_ms - clock_wall_ms();
			long s = left_ms > 0 ? (long)(left_ms / 1000) : 0;
			snprintf(right + n, sizeof(right) - (size_t)n, " · %ld:%02ld left", s / 60,
				 s % 60);
		}
	}
	tui_title(app, left, right, cols);
	int r = draw_view(&qs.body, 0, rows, cols);
	const char *hints = "Enter begin · q leave (the attempt is kept)";
	if (qs.v.phase == QUIZ_VIEW_ANSWER || qs.v.phase == QUIZ_VIEW_FEEDBACK) {
		r = draw_rows(r + 1, rows, cols);
		if (qs.v.msg[0]) {
			int y = row_y(++r, rows);
			if (y >= 0)
				tui_put(y, 2, qs.v.msg, cols - 4, TUI_NOTICE);
		}
		if (qs.v.phase == QUIZ_VIEW_FEEDBACK)
			draw_view(&qs.feedback, r + 1, rows, cols);
	}
	switch (qs.v.phase) {
	case QUIZ_VIEW_ANSWER:
		if (qs.live) {
			hints = quiz_view_typing(&qs.v) ? "type the answer · Enter send · Esc leave"
							: "↑↓/digit choose · Space tick · Enter "
							  "send · q leave (L comes back)";
			break;
		}
		switch (qs.a->slots[qs.v.slot].q->type) {
		case QUIZ_NUMERIC:
		case QUIZ_SHORT:
			hints = "type the answer · Enter submit · Tab/Shift-Tab question · Esc "
				"leave";
			break;
		case QUIZ_MC_MULTI:
			hints = "↑↓ move · Space/digit tick · Enter submit · n/p question · F "
				"finish · q leave";
			break;
		case QUIZ_ORDER:
			hints = "↑↓ move · J/K move item · Enter submit · n/p question · F finish "
				"· q leave";
			break;
		case QUIZ_MATCH:
			hints = "↑↓ item · digit/Space/←→ answer · Enter submit · n/p · F finish · "
				"q leave";
			break;
		default:
			hints = "↑↓/digit choose · Enter submit · n/p question · F finish · q "
				"leave";
		}
		if (qs.v.confirm_finish)
			hints = "press F again to finish the attempt now, any other key to go on";
		break;
	case QUIZ_VIEW_FEEDBACK:
		if (qs.live)
			hints = "q back to where you were";
		else if (quiz_view_can_retype(&qs.v))
			hints = "type a new answer · Enter try again · Tab next question · Esc "
				"leave";
		else
			hints = "Enter next · Tab/p next, previous question · ↑↓ scroll · q leave";
		break;
	case QUIZ_VIEW_RESULT:
		hints = "1-9 open a page to review · ↑↓ scroll · q back";
		break;
	case QUIZ_VIEW_INTRO:
		break;
	}
	tui_footer(app, hints, rows, cols);
}

/* ---- keys ---- */

static void finish(struct app *app, enum quiz_finish_reason reason)
{
	struct error err;
	error_clear(&err);
	int64_t now = clock_wall_ms();
	if (app->store) {
		if (!quiz_store_finish(app->store, qs.a, now, reason, &err)) {
			app_error(app, "%s", err.msg);
			return;
		}
	} else {
		quiz_attempt_finish(qs.a, now, reason);
	}
	qs.v.phase = QUIZ_VIEW_RESULT;
	qs.v.scroll = 0;
	app->relayout = true;
}

/* Send the live answer: one `live_answer` event, graded here for a shared host's trainer and
 * again by a class server from its own copy. */
static void submit_live(struct app *app)
{
	int64_t now = clock_wall_ms();
	if (app->live.id != qs.live_id || !live_open(&app->live, now, 0)) {
		app_error(app, "the question is closed: the answer was not sent");
		qs.v.phase = QUIZ_VIEW_FEEDBACK;
		app->relayout = true;
		return;
	}
	const struct quiz_question *q = qs.a->slots[0].q;
	char *r = quiz_view_response(&qs.v);
	struct quiz_grade g;
	quiz_grade(q, r, &g);
	if (!g.valid) {
		quiz_view_graded(&qs.v, &g);
		free(r);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "push", (double)qs.live_id);
	cJSON_AddStringToObject(o, "hash", q->hash);
	cJSON_AddStringToObject(o, "response", r);
	cJSON_AddNumberToObject(o, "seconds", (double)(now - qs.shown_ms) / 1000.0);
	cJSON_AddNumberToObject(o, "fraction", g.fraction);
	char *data = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	struct store_event ev = { .kind = STORE_LIVE_ANSWER, .item = q->id, .data = data };
	struct error err;
	error_clear(&err);
	bool ok = !app->store || store_append(app->store, &ev, &err);
	free(data);
	if (!ok) {
		app_error(app, "not sent: %s", err.msg);
		free(r);
		return;
	}
	qs.live_response = r;
	qs.live_fraction = g.fraction;
	app->live_answered = qs.live_id;
	qs.v.phase = QUIZ_VIEW_FEEDBACK;
	qs.v.scroll = 0;
	app->relayout = true;
}

static void submit(struct app *app)
{
	if (qs.live) {
		submit_live(app);
		return;
	}
	struct error err;
	error_clear(&err);
	struct quiz_grade g;
	int64_t now = clock_wall_ms();
	double seconds = (double)(now - qs.shown_ms) / 1000.0;
	char *r = quiz_view_response(&qs.v);
	bool ok = app->store ? quiz_store_submit(app->store, qs.a, qs.v.slot, r, seconds, now, &g,
						 &err)
			     : quiz_attempt_submit(qs.a, qs.v.slot, r, seconds, now, &g, &err);
	free(r);
	if (!ok) {
		app_error(app, "%s", err.msg);
		if (!quiz_attempt_open(qs.a, now))
			finish(app, QUIZ_FINISH_TIME);
		return;
	}
	quiz_view_graded(&qs.v, &g);
	if (g.valid)
		qs.v.scroll = 0;
	app->relayout = true;
}

static void after_feedback(struct app *app)
{
	if (!quiz_view_next(&qs.v)) {
		finish(app, QUIZ_FINISH_SUBMITTED);
		return;
	}
	qs.shown_ms = clock_wall_ms();
	qs.v.scroll = 0;
	app->relayout = true;
}

/* Open review page i of the result in the reader; back returns to the result. */
static void open_review(struct app *app, size_t i)
{
	const char *links[64];
	size_t n = quiz_view_review_links(&qs.v, links, 64);
	if (i >= n) {
		app_status(app, "no page %zu to review", i + 1);
		return;
	}
	const char *slash = strchr(links[i], '/');
	if (!slash) {
		app_error(app, "review link '%s' names no page", links[i]);
		return;
	}
	char *mid = xstrndup(links[i], (size_t)(slash - links[i]));
	long m = course_module_index(app->course, mid);
	long p = m < 0 ? -1 : course_page_index(&app->course->modules[m], slash + 1);
	free(mid);
	if (p < 0) {
		app_error(app, "page '%s' is not in the course", links[i]);
		return;
	}
	app->module = m;
	app->page = p;
	app_goto(app, &screen_page);
}

static bool is_enter(int key)
{
	return key == '\r' || key == '\n' || key == KEY_ENTER;
}

static enum input_result typing_key(struct app *app, int key)
{
	long c = tui_key_char(key);
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		quiz_view_backspace(&qs.v);
		return INPUT_HANDLED;
	}
	if (c >= 0x20 && c != 0x7f && key != TUI_KEY_ESC) {
		char buf[8];
		int n = 0;
		if (c < 0x80) {
			buf[n++] = (char)c;
		} else if (c < 0x800) {
			buf[n++] = (char)(0xc0 | (c >> 6));
			buf[n++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			buf[n++] = (char)(0xe0 | (c >> 12));
			buf[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[n++] = (char)(0x80 | (c & 0x3f));
		} else {
			buf[n++] = (char)(0xf0 | (c >> 18));
			buf[n++] = (char)(0x80 | ((c >> 12) & 0x3f));
			buf[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[n++] = (char)(0x80 | (c & 0x3f));
		}
		buf[n] = '\0';
		quiz_view_type(&qs.v, buf);
		return INPUT_HANDLED;
	}
	(void)app;
	return INPUT_IGNORED;
}

static void skip(struct app *app, int delta)
{
	quiz_view_skip(&qs.v, delta);
	qs.shown_ms = clock_wall_ms();
	qs.v.scroll = 0;
	app->relayout = true;
}

static enum input_result answer_key(struct app *app, int key)
{
	if (qs.live && (key == 'F' || key == 'n' || key == 'p' || key == '\t' || key == KEY_BTAB))
		return INPUT_HANDLED;
	if (qs.v.confirm_finish) {
		qs.v.confirm_finish = false;
		if (key == 'F') {
			finish(app, QUIZ_FINISH_SUBMITTED);
			return INPUT_HANDLED;
		}
	}
	if (is_enter(key)) {
		submit(app);
		return INPUT_HANDLED;
	}
	if (key == '\t') {
		skip(app, 1);
		return INPUT_HANDLED;
	}
	if (key == KEY_BTAB) {
		skip(app, -1);
		return INPUT_HANDLED;
	}
	if (quiz_view_typing(&qs.v))
		return typing_key(app, key);
	switch (key) {
	case KEY_UP:
	case 'k':
		quiz_view_move(&qs.v, -1);
		show_cursor();
		return INPUT_HANDLED;
	case KEY_DOWN:
	case 'j':
		quiz_view_move(&qs.v, 1);
		show_cursor();
		return INPUT_HANDLED;
	case ' ':
		quiz_view_toggle(&qs.v);
		return INPUT_HANDLED;
	case KEY_RIGHT:
	case 'l':
		quiz_view_cycle(&qs.v, 1);
		return INPUT_HANDLED;
	case KEY_LEFT:
	case 'h':
		quiz_view_cycle(&qs.v, -1);
		return INPUT_HANDLED;
	case 'K':
	case '-':
	case KEY_SR:
		quiz_view_shift(&qs.v, -1);
		show_cursor();
		return INPUT_HANDLED;
	case 'J':
	case '+':
	case KEY_SF:
		quiz_view_shift(&qs.v, 1);
		show_cursor();
		return INPUT_HANDLED;
	case 'n':
		skip(app, 1);
		return INPUT_HANDLED;
	case 'p':
		skip(app, -1);
		return INPUT_HANDLED;
	case 'F':
		qs.v.confirm_finish = true;
		return INPUT_HANDLED;
	default:
		if (key >= '1' && key <= '9') {
			quiz_view_digit(&qs.v, key - '0');
			show_cursor();
			return INPUT_HANDLED;
		}
		return INPUT_IGNORED;
	}
}

static enum input_result quiz_key(struct app *app, int key)
{
	if (!qs.ready)
		return INPUT_IGNORED;
	if (key == KEY_NPAGE) {
		qs.v.scroll += 10;
		return INPUT_HANDLED;
	}
	if (key == KEY_PPAGE) {
		qs.v.scroll = qs.v.scroll > 10 ? qs.v.scroll - 10 : 0;
		return INPUT_HANDLED;
	}
	switch (qs.v.phase) {
	case QUIZ_VIEW_INTRO:
		if (is_enter(key) || key == ' ') {
			qs.v.phase = QUIZ_VIEW_ANSWER;
			qs.shown_ms = clock_wall_ms();
			app->relayout = true;
			return INPUT_HANDLED;
		}
		return INPUT_IGNORED;
	case QUIZ_VIEW_ANSWER:
		return answer_key(app, key);
	case QUIZ_VIEW_FEEDBACK:
	case QUIZ_VIEW_RESULT:
		if (qs.live && key != KEY_DOWN && key != KEY_UP && key != 'j' && key != 'k')
			return INPUT_IGNORED;
		/* A typed answer with tries left: letters start the next try, n and p among
		   them, and Backspace edits the last one. */
		if (qs.v.phase == QUIZ_VIEW_FEEDBACK) {
			long c = tui_key_char(key);
			bool erase = key == KEY_BACKSPACE || key == 127 || key == 8;
			bool letter = c > 0x20 && c != 0x7f && key != TUI_KEY_ESC;
			if ((erase || letter) && quiz_view_retype(&qs.v, letter)) {
				qs.shown_ms = clock_wall_ms();
				app->relayout = true;
				return typing_key(app, key);
			}
		}
		if (key == KEY_DOWN || key == 'j' || key == TUI_KEY_WHEEL_DOWN) {
			qs.v.scroll++;
			return INPUT_HANDLED;
		}
		if (key == KEY_UP || key == 'k' || key == TUI_KEY_WHEEL_UP) {
			qs.v.scroll = qs.v.scroll ? qs.v.scroll - 1 : 0;
			return INPUT_HANDLED;
		}
		if (qs.v.phase == QUIZ_VIEW_FEEDBACK &&
		    (is_enter(key) || key == ' ' || key == 'n')) {
			after_feedback(app);
			return INPUT_HANDLED;
		}
		if (qs.v.phase == QUIZ_VIEW_FEEDBACK &&
		    (key == '\t' || key == KEY_BTAB || key == 'p')) {
			skip(app, key == '\t' ? 1 : -1);
			return INPUT_HANDLED;
		}
		if (qs.v.phase == QUIZ_VIEW_RESULT && key >= '1' && key <= '9') {
			open_review(app, (size_t)(key - '1'));
			return INPUT_HANDLED;
		}
		return INPUT_IGNORED;
	}
	return INPUT_IGNORED;
}

static bool quiz_tick(struct app *app)
{
	if (qs.ready && qs.live) {
		/* The timer, the close and the reveal as the trainer's room says. */
		int64_t now = clock_wall_ms();
		bool open = app->live.id == qs.live_id && live_open(&app->live, now, 0);
		bool revealed = app->live.id == qs.live_id && app->live.revealed_ms;
		if (!open && qs.v.phase == QUIZ_VIEW_ANSWER) {
			qs.v.phase = QUIZ_VIEW_FEEDBACK;
			app->relayout = true;
			return true;
		}
		if (revealed != qs.live_revealed && qs.v.phase == QUIZ_VIEW_FEEDBACK) {
			app->relayout = true;
			return true;
		}
		if (now / 1000 != qs.last_second) {
			qs.last_second = now / 1000;
			return true;
		}
		return false;
	}
	if (!qs.ready || !qs.a->deadline_ms || qs.a->finished_ms)
		return false;
	int64_t now = clock_wall_ms();
	if (now >= qs.a->deadline_ms) {
		finish(app, QUIZ_FINISH_TIME);
		return true;
	}
	if (now / 1000 != qs.last_second) {
		qs.last_second = now / 1000;
		return true;
	}
	return false;
}

static const struct tui_key_help quiz_keys[] = {
	{ "↑ ↓, j k", "move between options, items or pairs" },
	{ "1-9", "choose option N; tick it (multiple choice); answer N (matching)" },
	{ "Space", "tick (multiple choice); next answer (matching)" },
	{ "J K, + -", "move the item up or down (ordering)" },
	{ "Enter", "submit; after feedback, go on" },
	{ "n p, Tab", "next, previous question without answering" },
	{ "PgDn PgUp", "scroll a long question or its feedback" },
	{ "F F", "finish the attempt now" },
	{ "q, Esc", "leave; the attempt is kept and resumes" },
	{ NULL, NULL },
};

const struct tui_screen screen_quiz = {
	.name = "quiz",
	.layout = quiz_layout,
	.draw = quiz_draw,
	.key = quiz_key,
	.tick = quiz_tick,
	.release = quiz_release,
	.keys = quiz_keys,
};
