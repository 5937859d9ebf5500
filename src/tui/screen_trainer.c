/*
 * The trainer's dashboard: agenda and session clock, the roster, the heat map of learners by
 * module, the raised hands and a question's answers, re-read from the class directory about
 * every 2 s. All figures come from class/roster.h; this file only draws them.
 */
#include "tui/screen_trainer.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class/class.h"
#include "class/hands.h"
#include "class/live.h"
#include "class/pace.h"
#include "class/roster.h"
#include "class/seen.h"
#include "core/clock.h"
#include "core/diag.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "quiz/quiz.h"
#include "store/store.h"
#include "tui/mdline.h"
#include "tui/mdview.h"
#include "tui/prompt.h"
#include "tui/screen_review.h"
#include "tui/theme.h"
#include "tui/tui.h"
#include "tui/utf8.h"

#define REFRESH_MS      2000
#define REFRESH_LIVE_MS 250 /* while a live question takes answers */

_Static_assert(PACE_MSG_MAX < PROMPT_MAX, "a broadcast fits the prompt");

static struct {
	const char *dir;
	const char *question;
	struct class_room room;
	struct roster roster;
	struct pace pace;
	struct roster_agenda agenda;
	struct roster_answer *answers;
	size_t n_answers;
	char *question_text;  /* as the learners' attempts stored it, or NULL */
	const char **waiting; /* learners with no answer yet, borrowed from room */
	size_t n_waiting;
	int64_t loaded_ms, now_ms;
	long refresh_ms; /* what the last refresh took */
	size_t top;      /* first roster row shown */
	char problem[300];
	enum {
		TYPE_NONE,
		TYPE_BROADCAST,
		TYPE_PUSH
	} typing;             /* the line being written */
	struct prompt line;   /* what it says so far */
	bool confirm_restart; /* s pressed once on a running clock */
	struct live live;     /* the live question, when one was pushed */
	struct live_tally tally;
	struct quiz_set *quizzes;           /* the course's, for its text; loaded once */
	const struct quiz_question *live_q; /* in quizzes */
	struct seen_book *seen;             /* a served class: when each learner last synced */
} tr;

static void unload(void)
{
	seen_book_free(tr.seen);
	tr.seen = NULL;
	screen_review_release();
	live_tally_release(&tr.tally);
	quiz_set_free(tr.quizzes);
	tr.quizzes = NULL;
	tr.live_q = NULL;
	roster_release(&tr.roster);
	class_room_release(&tr.room);
	roster_answers_free(tr.answers, tr.n_answers);
	tr.answers = NULL;
	tr.n_answers = 0;
	free(tr.question_text);
	tr.question_text = NULL;
	free(tr.waiting);
	tr.waiting = NULL;
	tr.n_waiting = 0;
}

static void reload(const struct course *course)
{
	int64_t t0 = clock_mono_ms();
	roster_release(&tr.roster);
	roster_answers_free(tr.answers, tr.n_answers);
	tr.answers = NULL;
	tr.n_answers = 0;
	free(tr.question_text);
	tr.question_text = NULL;
	free(tr.waiting);
	tr.waiting = NULL;
	tr.n_waiting = 0;
	struct error err;
	error_clear(&err);
	tr.problem[0] = '\0';
	if (!pace_read(tr.dir, &tr.pace, &err) || !class_reruns_use(tr.dir, &err) ||
	    !class_room_refresh(&tr.room, tr.dir, NULL, &err))
		error_format(&err, tr.problem, sizeof tr.problem);
	tr.now_ms = clock_wall_ms();
	tr.seen = seen_book_reload(tr.seen, tr.dir);
	roster_build(&tr.roster, &tr.room, course, tr.now_ms);
	roster_agenda(&tr.roster, course, tr.pace.started_ms ? tr.pace.started_ms : tr.now_ms,
		      tr.now_ms, &tr.agenda);
	if (tr.question) {
		tr.answers = roster_answers(&tr.room, tr.question, &tr.n_answers);
		struct quiz_question *q = roster_question(&tr.room, tr.question);
		tr.question_text = q ? xstrdup(q->text) : NULL;
		/* One paragraph on the panel: line breaks and tabs become spaces. */
		for (char *c = tr.question_text; c && *c; c++)
			if ((unsigned char)*c < 0x20)
				*c = ' ';
		quiz_question_free(q);
		tr.waiting = roster_unanswered(&tr.room, tr.question, &tr.n_waiting);
	}
	live_tally_release(&tr.tally);
	tr.live_q = NULL;
	if (!live_read(tr.dir, &tr.live, &err) && !tr.problem[0])
		error_format(&err, tr.problem, sizeof tr.problem);
	if (tr.live.id) {
		if (!tr.quizzes && course->quiz_dir) {
			struct diags d = DIAGS_INIT;
			tr.quizzes = quiz_set_load(course->quiz_dir, course, &d);
			diags_release(&d);
		}
		tr.live_q =
			tr.quizzes ? quiz_set_find_question(tr.quizzes, tr.live.question) : NULL;
		live_tally_build(&tr.room, &tr.live, tr.live_q, &tr.tally);
	}
	long m, p;
	roster_present_page(course, &tr.agenda, &m, &p);
	presenter_follow(m, p);
	tr.loaded_ms = clock_mono_ms();
	tr.refresh_ms = (long)(tr.loaded_ms - t0);
}

static int state_role(enum roster_state s)
{
	switch (s) {
	case ROSTER_ACTIVE:
		return TUI_NORMAL;
	case ROSTER_IDLE:
		return TUI_DIM;
	case ROSTER_STUCK:
		return TUI_MARKER;
	case ROSTER_DONE:
		return TUI_DONE;
	case ROSTER_UNREADABLE:
		return TUI_NOTICE;
	case ROSTER_NSTATES:
		break;
	}
	abort();
}

/*
 * text wrapped at spaces into cols columns, from row y over at most rows rows (a word wider
 * than cols is cut); control characters read as spaces. The rows it took.
 */
static int put_wrapped(int y, int x, int rows, int cols, const char *text, int role)
{
	int r = 0;
	const char *p = text;
	while (*p && r < rows && cols > 0) {
		while (*p == ' ' || (unsigned char)*p < 0x20)
			p = *p ? p + 1 : p;
		if (!*p)
			break;
		size_t end = 0, fit = 0;
		int used = 0;
		while (p[end]) {
			size_t w_end = end;
			while (p[w_end] == ' ' || (p[w_end] && (unsigned char)p[w_end] < 0x20))
				w_end++;
			size_t w_start = w_end;
			while (p[w_end] && p[w_end] != ' ' && (unsigned char)p[w_end] >= 0x20)
				w_end++;
			if (w_end == w_start)
				break;
			int w = utf8_width(p + end, w_end - end);
			if (used + w > cols)
				break;
			used += w;
			end = fit = w_end;
		}
		if (!fit) { /* one word wider than the line */
			int w;
			fit = utf8_fit(p, strlen(p), cols, &w);
			if (!fit)
				break;
		}
		char *part = xstrndup(p, fit);
		for (char *c = part; *c; c++)
			if ((unsigned char)*c < 0x20)
				*c = ' ';
		tui_put(y + r++, x, part, cols, role);
		free(part);
		p += fit;
	}
	return r;
}

/* Markdown md rendered into cols columns from row y, at most rows rows; the rows it took. */
static int put_markdown(int y, int x, int rows, int cols, const char *md)
{
	struct mdview v = MDVIEW_INIT;
	if (!mdview_layout(&v, md, strlen(md), cols))
		return put_wrapped(y, x, rows, cols, md, TUI_NORMAL);
	size_t n = v.n_lines;
	while (n && !v.lines[n - 1].len)
		n--; /* no blank line below the last paragraph */
	int r = 0;
	for (size_t i = 0; i < n && r < rows; i++)
		mdline_draw(y + r++, x, cols, &v.lines[i], i, NULL, 0, 0);
	mdview_release(&v);
	return r;
}

/* Inline Markdown (an option's text) as the reader sees it, on one line. Caller frees. */
static char *md_plain(const char *md)
{
	struct mdview v = MDVIEW_INIT;
	struct strbuf sb = STRBUF_INIT;
	if (!mdview_layout(&v, md, strlen(md), 400)) {
		strbuf_addstr(&sb, md);
		return strbuf_detach(&sb);
	}
	for (size_t i = 0; i < v.n_lines; i++)
		if (v.lines[i].len)
			strbuf_addf(&sb, "%s%s", sb.len ? " " : "", v.lines[i].text);
	mdview_release(&v);
	return strbuf_detach(&sb);
}

/* "label (n): a b c", wrapped over the rows left; the rows it took. */
static int put_names(int y, int x, int rows, int cols, const char *label, const char **names,
		     size_t n, int role)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s (%zu):", label, n);
	for (size_t k = 0; k < n; k++)
		strbuf_addf(&sb, " %s", names[k]);
	int r = put_wrapped(y, x, rows, cols, sb.buf, role);
	strbuf_release(&sb);
	return r;
}

static const char *pace_word(void)
{
	if (!tr.pace.started_ms)
		return "not started";
	double d = tr.agenda.room - tr.agenda.expected;
	return d > 0.25 ? "ahead" : d < -0.25 ? "behind" : "on time";
}

/* The agenda from row y: bar, now, clock, the broadcast. The row below what it drew. */
static int draw_agenda(const struct course *course, int y, int cols)
{
	int x = 1, width = cols - 2;
	int64_t total = tr.agenda.total_ms ? tr.agenda.total_ms : 1;
	for (size_t m = 0; m < course->n_modules; m++) {
		int w = (int)((int64_t)width * course->modules[m].minutes * 60000 / total);
		if (w < 3)
			w = 3;
		char cell[64];
		snprintf(cell, sizeof cell, "%zu %d'%s", m + 1, course->modules[m].minutes,
			 pace_module_open(&tr.pace, (long)m + 1) ? "" : " locked");
		bool now = tr.pace.started_ms && tr.agenda.segment == (long)m;
		tui_fill(y, x, w - 1, now ? TUI_SELECTED : TUI_BAR_TODO);
		tui_put(y, x, cell, w - 1, now ? TUI_SELECTED : TUI_DIM);
		x += w;
	}
	/* Now, under the agenda bar (never over a module's number): where the clock is. */
	if (tr.pace.started_ms && tr.agenda.elapsed_ms >= 0 && tr.agenda.elapsed_ms < total &&
	    x > 1) {
		int at = 1 + (int)((int64_t)(x - 2) * tr.agenda.elapsed_ms / total);
		if (at + 5 <= cols - 1)
			tui_put(y + 1, at, "▲ now", 5, TUI_ACCENT);
		else
			tui_put(y + 1, at - 4, "now ▲", 5, TUI_ACCENT);
	}
	y++;
	char line[256];
	if (tr.pace.started_ms) {
		long min = (long)(tr.agenda.elapsed_ms / 60000);
		snprintf(line, sizeof line,
			 "clock %ld:%02ld / %ld:%02ld · room %s · %ld min left in segment",
			 min / 60, min % 60, (long)(tr.agenda.total_ms / 3600000),
			 (long)(tr.agenda.total_ms / 60000 % 60), pace_word(),
			 roster_minutes_left(&tr.agenda));
	} else {
		snprintf(line, sizeof line, "session not started: press s to start the clock");
	}
	tui_put(y + 1, 1, line, cols - 2, TUI_ACCENT);
	if (tr.pace.message[0]) {
		snprintf(line, sizeof line, "broadcast: %s", tr.pace.message);
		return y + 2 + put_wrapped(y + 2, 1, 2, cols - 2, line, TUI_NOTICE);
	}
	return y + 2;
}

static void draw_roster(const struct course *course, int y, int rows, int cols)
{
	char line[512];
	snprintf(line, sizeof line, "%-14s %-18s %4s %5s %5s %5s %-10s %s", "learner", "step",
		 "min", "fails", "hints", "quiz", "state", "last");
	tui_put(y, 1, line, cols - 2, TUI_DIM);
	for (int r = 0; r < rows - 1 && tr.top + (size_t)r < tr.roster.n; r++) {
		const struct roster_row *row = &tr.roster.rows[tr.top + (size_t)r];
		char where[64] = "-";
		if (row->module >= 0)
			snprintf(where, sizeof where, "%ld.%ld %s", row->module + 1, row->step + 1,
				 row->page_id);
		double best = NAN;
		for (size_t m = 0; m < tr.roster.n_modules; m++)
			if (!isnan(row->quiz_best[m]))
				best = row->quiz_best[m];
		char quiz[16] = "-";
		if (!isnan(best))
			snprintf(quiz, sizeof quiz, "%.0f%%", best);
		long mins = row->module_id ? (long)((tr.now_ms - row->step_since_ms) / 60000) : 0;
		long ago = row->last_ms ? (long)((tr.now_ms - row->last_ms) / 60000) : -1;
		char last[300] = "-";
		if (ago >= 0)
			snprintf(last, sizeof last, "%ldm ago", ago);
		/* A served class: a tutor that stopped syncing, or whose syncs fail, shows. */
		struct seen sn;
		char sync[240] = "";
		if (seen_book_get(tr.seen, row->learner->id, &sn))
			seen_words(&sn, tr.now_ms, sync, sizeof sync);
		if (sync[0]) {
			size_t len = strlen(last);
			snprintf(last + len, sizeof last - len, " · %s", sync);
		}
		snprintf(line, sizeof line, "%-14.14s %-18.18s %4ld %5d %5d %5s %-10s %s%s",
			 row->learner->id, where, mins, row->failed_open, row->hints, quiz,
			 row->state == ROSTER_UNREADABLE ? class_file_name(row->learner->file)
							 : roster_state_name(row->state),
			 last, row->hand ? " ✋" : "");
		/* The top row is the learner o (Enter) opens for review. */
		if (r == 0)
			tui_put(y + 1, 0, "›", 1, TUI_ACCENT);
		tui_put(y + 1 + r, 1, line, cols - 2,
			sync[0] ? TUI_NOTICE : state_role(row->state));
	}
	(void)course;
}

static void draw_side(const struct course *course, int y, int rows, int x, int cols)
{
	int r = tr.live.id ? trainer_live_draw(y, x, rows, cols, false) + 1 : 0;
	tui_put(y + r++, x, "learners by module", cols, TUI_H3);
	size_t most = 1;
	for (size_t m = 0; m < tr.roster.n_modules; m++) {
		size_t n = 0;
		for (int s = 0; s < ROSTER_NSTATES; s++)
			n += tr.roster.heat[m * ROSTER_NSTATES + (size_t)s];
		if (n > most)
			most = n;
	}
	for (size_t m = 0; m < tr.roster.n_modules && r < rows; m++, r++) {
		size_t active = tr.roster.heat[m * ROSTER_NSTATES + ROSTER_ACTIVE];
		size_t stuck = tr.roster.heat[m * ROSTER_NSTATES + ROSTER_STUCK];
		size_t idle = tr.roster.heat[m * ROSTER_NSTATES + ROSTER_IDLE];
		size_t n = active + stuck + idle + tr.roster.heat[m * ROSTER_NSTATES + ROSTER_DONE];
		char label[32];
		snprintf(label, sizeof label, "%zu %3zu ", m + 1, n);
		int w = tui_put(y + r, x, label, cols, TUI_NORMAL);
		int bar = cols - w - 8;
		int len = (int)((double)n * bar / (double)most);
		tui_bar(y + r, x + w, len > 0 ? len : 1, active, n ? n : 1);
		if (stuck) {
			snprintf(label, sizeof label, " %zu!", stuck);
			tui_put(y + r, x + w + (len > 0 ? len : 1), label, 6, TUI_MARKER);
		}
	}
	(void)course;
	size_t nh;
	size_t *hands = roster_hands(&tr.roster, &nh);
	if (r + 2 < rows) {
		char head[48];
		snprintf(head, sizeof head, "hands up: %zu", nh);
		tui_put(y + ++r, x, head, cols, TUI_H3);
		r++;
	}
	for (size_t k = 0; k < nh && r < rows; k++) {
		const struct roster_row *row = &tr.roster.rows[hands[k]];
		char line[400];
		int64_t seen = hands_seen_ms(tr.dir, row->learner->id);
		long age = (long)((tr.now_ms - row->hand_ms) / 60000);
		snprintf(line, sizeof line, "%s: %s (up %ldm%s)", row->learner->id,
			 row->hand_note ? row->hand_note : "(no note)", age < 0 ? 0 : age,
			 seen && seen >= row->hand_ms ? ", acknowledged" : "");
		r += put_wrapped(y + r, x, rows - r, cols, line,
				 seen && seen >= row->hand_ms ? TUI_DIM : TUI_NOTICE);
	}
	free(hands);
	/* Stuck on what: the exercise failing in a row, for how long, and its last failure. */
	size_t n_failing = 0;
	for (size_t i = 0; i < tr.roster.n; i++)
		n_failing += tr.roster.rows[i].fail_streak >= ROSTER_STUCK_FAILS;
	if (n_failing && r + 2 < rows) {
		char head[48];
		snprintf(head, sizeof head, "failing in a row: %zu", n_failing);
		tui_put(y + ++r, x, head, cols, TUI_H3);
		r++;
	}
	for (size_t i = 0; i < tr.roster.n && r < rows; i++) {
		const struct roster_row *row = &tr.roster.rows[i];
		if (row->fail_streak < ROSTER_STUCK_FAILS || !row->fail_exercise)
			continue;
		char line[400];
		snprintf(line, sizeof line, "%s: %s ×%d, %ld min — %s", row->learner->id,
			 row->fail_exercise, row->fail_streak,
			 (long)((tr.now_ms - row->fail_since_ms) / 60000),
			 row->fail_message ? row->fail_message : "no detail");
		r += put_wrapped(y + r, x, rows - r, cols, line, TUI_NOTICE);
	}
	/* Check results the trainer ran again (grade --class) and did not get. */
	bool head_shown = false;
	for (size_t i = 0; i < tr.roster.n && r < rows; i++) {
		const struct class_learner *l = tr.roster.rows[i].learner;
		for (size_t e = 0; e < l->n_events && r < rows; e++) {
			if (strcmp(l->events[e].kind, STORE_CHECK_RUN) != 0 ||
			    !class_rerun_failed(l, &l->events[e]))
				continue;
			if (!head_shown && r + 2 < rows) {
				tui_put(y + ++r, x, "not reproduced (grade --class)", cols, TUI_H3);
				r++;
			}
			head_shown = true;
			char line[320];
			snprintf(line, sizeof line, "%s: %s", l->id, l->events[e].item);
			tui_put(y + r++, x, line, cols, TUI_STATUS_ERROR);
		}
	}
	/* Who is in which troubleshooting scenario, and for how long. */
	size_t n_scen = 0;
	for (size_t i = 0; i < tr.roster.n; i++)
		n_scen += tr.roster.rows[i].scenario != NULL;
	if (n_scen && r + 2 < rows) {
		char head[48];
		snprintf(head, sizeof head, "in scenarios: %zu", n_scen);
		tui_put(y + ++r, x, head, cols, TUI_H3);
		r++;
	}
	for (size_t i = 0; i < tr.roster.n && r < rows; i++) {
		const struct roster_row *row = &tr.roster.rows[i];
		if (!row->scenario)
			continue;
		int64_t until = row->scenario_fixed_ms ? row->scenario_fixed_ms : tr.now_ms;
		char line[320];
		snprintf(line, sizeof line, "%s: %s, %s %ld min", row->learner->id, row->scenario,
			 row->scenario_fixed_ms ? "fixed in" : "for",
			 (long)((until - row->scenario_since_ms) / 60000));
		tui_put(y + r++, x, line, cols, row->scenario_fixed_ms ? TUI_DONE : TUI_NORMAL);
	}
	if (tr.question && r + 2 < rows) {
		size_t total = 0;
		for (size_t k = 0; k < tr.n_answers; k++)
			total += tr.answers[k].count;
		char head[160];
		snprintf(head, sizeof head, "answers: %s · %zu of %zu answered", tr.question, total,
			 total + tr.n_waiting);
		tui_put(y + ++r, x, head, cols, TUI_H3);
		r++;
		/* The question's text, its Markdown rendered, over up to four lines. */
		if (tr.question_text)
			r += put_markdown(y + r, x, rows - r < 4 ? rows - r : 4, cols,
					  tr.question_text);
		/* The option's text when there is one, so the room's answers read as asked. */
		int width = cols / 3 > 40 ? 40 : cols / 3;
		for (size_t k = 0; k < tr.n_answers && r < rows; k++, r++) {
			const struct roster_answer *a = &tr.answers[k];
			char line[200];
			char *label = md_plain(a->label ? a->label : a->response);
			snprintf(line, sizeof line, "%-*.*s %3zu %3.0f%% %s", width, width, label,
				 a->count, total ? 100.0 * (double)a->count / (double)total : 0.0,
				 a->right ? "✓" : " ");
			free(label);
			int w = tui_put(y + r, x, line, cols, TUI_NORMAL);
			int bar = cols - w - 1;
			if (bar > 0 && total)
				tui_bar(y + r, x + w + 1, bar, a->count, total);
		}
		if (tr.n_waiting && r < rows)
			r += put_names(y + r, x, rows - r, cols, "not yet", tr.waiting,
				       tr.n_waiting, TUI_NOTICE);
	}
}

int trainer_live_draw(int y, int x, int rows, int cols, bool presenter)
{
	if (!tr.live.id)
		return 0;
	int64_t now = clock_wall_ms();
	bool open = live_open(&tr.live, now, 0);
	int r = 0;
	char head[200];
	int n = tr.live.quiz[0] ? snprintf(head, sizeof head, "question %d of %d · ",
					   tr.live.index + 1, tr.live.count)
				: snprintf(head, sizeof head, "live question · ");
	n += snprintf(head + n, sizeof head - (size_t)n, "%zu of %zu answered", tr.tally.answered,
		      tr.tally.answered + tr.tally.n_waiting);
	if (open && tr.live.closes_ms)
		snprintf(head + n, sizeof head - (size_t)n, " · %ld s left",
			 (long)((live_left_ms(&tr.live, now) + 999) / 1000));
	else
		snprintf(head + n, sizeof head - (size_t)n, " · %s",
			 tr.live.revealed_ms ? "revealed"
			 : open              ? "open"
					     : "closed");
	tui_put(y + r++, x, head, cols, TUI_H3);
	/* The question's text, its Markdown rendered, over up to six lines. */
	r += put_markdown(y + r, x, rows - r < 6 ? rows - r : 6, cols,
			  tr.live_q ? tr.live_q->text : tr.live.question);
	int width = cols / 2 > 44 ? 44 : cols / 2;
	for (size_t k = 0; k < tr.tally.n_bars && r < rows; k++, r++) {
		const struct live_bar *b = &tr.tally.bars[k];
		bool mark = tr.live.revealed_ms && b->right;
		char line[200];
		char *label = md_plain(b->label);
		snprintf(line, sizeof line, "%s %-*.*s %3zu %3.0f%%", mark ? "✓" : " ", width,
			 width, label, b->count,
			 tr.tally.answered ? 100.0 * (double)b->count / (double)tr.tally.answered
					   : 0.0);
		free(label);
		int w = tui_put(y + r, x, line, cols, mark ? TUI_DONE : TUI_NORMAL);
		if (cols - w - 1 > 0 && tr.tally.answered)
			tui_bar(y + r, x + w + 1, cols - w - 1, b->count, tr.tally.answered);
	}
	/* Who has and has not answered is the trainer's to see, not the projector's. */
	if (!presenter && tr.tally.answered && r < rows)
		r += put_names(y + r, x, rows - r, cols, "answered", tr.tally.answered_by,
			       tr.tally.answered, TUI_DIM);
	if (!presenter && tr.tally.n_waiting && r < rows)
		r += put_names(y + r, x, rows - r, cols, "not yet", tr.tally.waiting,
			       tr.tally.n_waiting, TUI_NOTICE);
	return r;
}

int64_t trainer_live_shown(void)
{
	if (!tr.live.id || (!tr.live.revealed_ms && !live_open(&tr.live, clock_wall_ms(), 0)))
		return 0;
	return tr.live.id;
}

/* c closes the live question, v reveals its answer: DIR/.live.json, which the room reads. */
static void live_key(struct app *app, bool reveal)
{
	if (!tr.live.id) {
		app_status(app, "no live question: push one with trainer DIR --push QUESTION");
		return;
	}
	int64_t now = clock_wall_ms();
	if (!tr.live.closed_ms && live_open(&tr.live, now, 0))
		tr.live.closed_ms = now;
	if (reveal && !tr.live.revealed_ms)
		tr.live.revealed_ms = now;
	struct error err;
	if (!live_write(tr.dir, &tr.live, &err)) {
		char line[600];
		error_format(&err, line, sizeof line);
		app_error(app, "%s", line);
		return;
	}
	app_status(app, reveal ? "the right answer is shown to the room" : "question closed");
	reload(app->course);
}

/* n pushes the next question of a pushed quiz, closing the one on screen. */
static void next_key(struct app *app)
{
	const struct quiz *z =
		tr.live.quiz[0] && tr.quizzes ? quiz_set_find(tr.quizzes, tr.live.quiz) : NULL;
	if (!z) {
		app_status(app, "no quiz is being pushed: trainer DIR --push-quiz QUIZ starts one");
		return;
	}
	int64_t now = clock_wall_ms();
	bool more = live_push_quiz(&tr.live, z, (size_t)tr.live.index + 1, tr.live.seconds, now);
	if (!more)
		live_close(&tr.live, now);
	struct error err;
	if (!live_write(tr.dir, &tr.live, &err)) {
		char line[600];
		error_format(&err, line, sizeof line);
		app_error(app, "%s", line);
		return;
	}
	if (more)
		app_status(app, "question %d of %d pushed to the room", tr.live.index + 1,
			   tr.live.count);
	else
		app_status(app, "%s is over: its %d questions were pushed", z->id, tr.live.count);
	reload(app->course);
}

static void trainer_draw(const struct app *app, int rows, int cols)
{
	char right[160];
	size_t same, differ;
	class_reruns_count(&same, &differ);
	if (same + differ)
		snprintf(right, sizeof right, "%zu learners · re-runs %zu ✓ %zu ✗ · refresh %ld ms",
			 tr.roster.n, same, differ, tr.refresh_ms);
	else
		snprintf(right, sizeof right, "%zu learners · refresh %ld ms", tr.roster.n,
			 tr.refresh_ms);
	char left[300];
	snprintf(left, sizeof left, "Trainer · %s", tr.dir);
	tui_title(app, left, right, cols);
	int top = draw_agenda(app->course, 1, cols);
	if (tr.problem[0])
		tui_put(top++, 1, tr.problem, cols - 2, TUI_STATUS_ERROR);
	int side = cols >= 110 ? 40 : 0;
	int body = rows - 2 - top;
	if (side) {
		draw_roster(app->course, top, body, cols - side - 1);
		draw_side(app->course, top, body, cols - side, side - 1);
	} else {
		int half = body * 2 / 3;
		draw_roster(app->course, top, half, cols);
		draw_side(app->course, top + half, body - half, 1, cols - 2);
	}
	if (tr.typing) {
		int y = rows - 1;
		tui_fill(y, 0, cols, TUI_NORMAL);
		int x = tui_put(y, 0,
				tr.typing == TYPE_PUSH ? "push (question or quiz, seconds): "
						       : "broadcast: ",
				cols, TUI_ACCENT);
		int w = tui_put(y, x, tr.line.buf, cols - x - 30, TUI_NORMAL);
		tui_put(y, x + w, "▏", 1, TUI_ACCENT);
		tui_put(y, cols - 28,
			tr.typing == TYPE_PUSH ? "Enter push · Esc cancel"
					       : "Enter send · Esc cancel",
			27, TUI_DIM);
		return;
	}
	tui_footer(app,
		   tr.live.id ? (tr.live.quiz[0]
					 ? "↑↓ · m broadcast · Q push · a acknowledge · c "
					   "close · v reveal · n next · o review · q quit"
					 : "↑↓ · m broadcast · Q push · a acknowledge · c "
					   "close · v reveal · p presenter · o review · q quit")
			      : "↑↓ · +/- modules · m broadcast · s clock · Q push · a acknowledge "
				"· p presenter · o review · q quit",
		   rows, cols);
}

/*
 * The push line, "QUESTION [SECONDS]" or "QUIZ [SECONDS]": the question (or the quiz's
 * first) goes to the room at once, as trainer DIR --push / --push-quiz do.
 */
static void push_line(struct app *app, const char *text)
{
	char id[LIVE_ID_MAX] = "";
	long seconds = 0;
	char extra;
	int got = sscanf(text, " %127s %ld %c", id, &seconds, &extra);
	if (got < 1 || got > 2 || seconds < 0 || seconds > 3600) {
		app_error(app, "push what? a question or quiz id, then seconds if timed (0-3600)");
		return;
	}
	if (!tr.quizzes && app->course->quiz_dir) {
		struct diags d = DIAGS_INIT;
		tr.quizzes = quiz_set_load(app->course->quiz_dir, app->course, &d);
		diags_release(&d);
	}
	const struct quiz_question *q = tr.quizzes ? quiz_set_find_question(tr.quizzes, id) : NULL;
	const struct quiz *z = q || !tr.quizzes ? NULL : quiz_set_find(tr.quizzes, id);
	int64_t now = clock_wall_ms();
	if (q) {
		live_push(&tr.live, q, seconds, now);
	} else if (!z || z->pool || !live_push_quiz(&tr.live, z, 0, seconds, now)) {
		app_error(app, "the course has no question or quiz '%s' to push", id);
		return;
	}
	struct error err;
	if (!live_write(tr.dir, &tr.live, &err)) {
		char line[600];
		error_format(&err, line, sizeof line);
		app_error(app, "%s", line);
		return;
	}
	if (z)
		app_status(app, "pushed %s to the room: question 1 of %d (n moves on)", z->id,
			   tr.live.count);
	else
		app_status(app, "pushed %s to the room%s", q->id, seconds ? ", timed" : "");
	reload(app->course);
}

/*
 * a: acknowledge a hand, the top row's learner's if theirs is up, else the one up longest
 * and not yet acknowledged. Their tutor lowers it and tells them the trainer is coming.
 */
static void ack_key(struct app *app)
{
	size_t nh;
	size_t *hands = roster_hands(&tr.roster, &nh);
	const struct roster_row *pick = NULL;
	if (tr.top < tr.roster.n && tr.roster.rows[tr.top].hand)
		pick = &tr.roster.rows[tr.top];
	for (size_t k = 0; k < nh && !pick; k++) {
		const struct roster_row *row = &tr.roster.rows[hands[k]];
		if (hands_seen_ms(tr.dir, row->learner->id) < row->hand_ms)
			pick = row;
	}
	free(hands);
	if (!pick) {
		app_status(app, "no hand is waiting");
		return;
	}
	struct error err;
	error_clear(&err);
	if (!hands_see(tr.dir, pick->learner->id, clock_wall_ms(), &err)) {
		char line[600];
		error_format(&err, line, sizeof line);
		app_error(app, "%s", line);
		return;
	}
	app_status(app, "%s's hand acknowledged: their tutor lowers it", pick->learner->id);
	reload(app->course);
}

static bool write_pace(struct app *app)
{
	struct error err;
	if (!pace_write(tr.dir, &tr.pace, &err)) {
		char line[600];
		error_format(&err, line, sizeof line);
		app_error(app, "%s", line);
		return false;
	}
	return true;
}

static void write_open(struct app *app)
{
	if (!write_pace(app))
		return;
	if (tr.pace.open_through)
		app_status(app, "modules 1-%d open", tr.pace.open_through);
	else
		app_status(app, "all modules open");
}

/* The broadcast line: Enter sends it to every learner's tutor (empty clears it), Esc drops it. */
static enum input_result typing_key(struct app *app, int key)
{
	switch (key) {
	case TUI_KEY_ESC:
		tr.typing = TYPE_NONE;
		app_status(app, "nothing sent");
		return INPUT_HANDLED;
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (tr.typing == TYPE_PUSH) {
			tr.typing = TYPE_NONE;
			push_line(app, tr.line.buf);
			return INPUT_HANDLED;
		}
		tr.typing = TYPE_NONE;
		/* typing_key keeps the line within PACE_MSG_MAX bytes. */
		memcpy(tr.pace.message, tr.line.buf, tr.line.len + 1);
		tr.pace.message_ms = clock_wall_ms();
		if (write_pace(app))
			app_status(app,
				   tr.pace.message[0] ? "sent to the room" : "broadcast cleared");
		return INPUT_HANDLED;
	case KEY_BACKSPACE:
	case 127:
	case TUI_KEY_CTRL('h'):
		prompt_backspace(&tr.line);
		return INPUT_HANDLED;
	case TUI_KEY_CTRL('u'):
		prompt_clear(&tr.line);
		return INPUT_HANDLED;
	case TUI_KEY_CTRL('w'):
		prompt_delete_word(&tr.line);
		return INPUT_HANDLED;
	default: {
		long cp = tui_key_char(key);
		/* The line is kept to what the learners' status line carries. */
		if (cp >= 0 && tr.line.len + 4 <= PACE_MSG_MAX)
			prompt_insert(&tr.line, (uint32_t)cp);
		return INPUT_HANDLED;
	}
	}
}

static void start_clock(struct app *app)
{
	if (tr.pace.started_ms && !tr.confirm_restart) {
		tr.confirm_restart = true;
		app_status(app, "the clock is running; press s again to restart it from now");
		return;
	}
	tr.confirm_restart = false;
	tr.pace.started_ms = clock_wall_ms();
	if (write_pace(app)) {
		app_status(app, "session clock started");
		reload(app->course);
	}
}

static enum input_result trainer_key(struct app *app, int key)
{
	long n = (long)app->course->n_modules;
	if (tr.typing)
		return typing_key(app, key);
	if (key != 's')
		tr.confirm_restart = false;
	switch (key) {
	case 'j':
	case KEY_DOWN:
		if (tr.top + 1 < tr.roster.n)
			tr.top++;
		return INPUT_HANDLED;
	case 'k':
	case KEY_UP:
		if (tr.top)
			tr.top--;
		return INPUT_HANDLED;
	case '+':
		tr.pace.open_through = tr.pace.open_through == 0 || tr.pace.open_through >= n
					       ? 0
					       : tr.pace.open_through + 1;
		write_open(app);
		return INPUT_HANDLED;
	case '-':
		tr.pace.open_through = tr.pace.open_through == 0  ? (int)n - 1
				       : tr.pace.open_through > 1 ? tr.pace.open_through - 1
								  : 1;
		write_open(app);
		return INPUT_HANDLED;
	case 'm':
		tr.typing = TYPE_BROADCAST;
		prompt_set(&tr.line, tr.pace.message);
		return INPUT_HANDLED;
	case 'Q':
		tr.typing = TYPE_PUSH;
		prompt_clear(&tr.line);
		return INPUT_HANDLED;
	case 'a':
		ack_key(app);
		return INPUT_HANDLED;
	case 's':
		start_clock(app);
		return INPUT_HANDLED;
	case 'p':
		app_goto(app, &screen_presenter);
		return INPUT_HANDLED;
	case 'r':
		reload(app->course);
		return INPUT_HANDLED;
	case 'c':
		live_key(app, false);
		return INPUT_HANDLED;
	case 'v':
		live_key(app, true);
		return INPUT_HANDLED;
	case 'n':
		next_key(app);
		return INPUT_HANDLED;
	case 'o':
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (tr.top < tr.roster.n)
			screen_review_open(app, tr.dir, tr.roster.rows[tr.top].learner);
		return INPUT_HANDLED;
	}
	return INPUT_IGNORED;
}

bool trainer_refresh(const struct course *course)
{
	long every = live_open(&tr.live, clock_wall_ms(), 0) ? REFRESH_LIVE_MS : REFRESH_MS;
	if (clock_mono_ms() - tr.loaded_ms < every)
		return false;
	reload(course);
	return true;
}

static bool trainer_tick(struct app *app)
{
	return trainer_refresh(app->course);
}

static const struct tui_key_help trainer_keys[] = {
	{ "↑↓ j k", "scroll the roster" },
	{ "+ -", "open one module more or fewer for the learners" },
	{ "m", "broadcast a line to every learner (empty clears it)" },
	{ "s", "start the session clock now (twice to restart it)" },
	{ "p", "presenter view (q comes back)" },
	{ "c", "close the live question (trainer DIR --push QUESTION pushes one)" },
	{ "v", "reveal the live question's right answer to the room" },
	{ "n", "next question of a pushed quiz (trainer DIR --push-quiz QUIZ)" },
	{ "Q", "push a question (or a whole quiz) to the room: its id, then seconds if timed" },
	{ "a", "acknowledge a hand: the top row's, else the one up longest" },
	{ "o Enter", "review the learner in the roster's top row: code, checks, functions" },
	{ "r", "refresh now (it refreshes every 2 s)" },
	{ NULL, NULL },
};

static const struct tui_screen screen_trainer = {
	.name = "trainer",
	.draw = trainer_draw,
	.key = trainer_key,
	.tick = trainer_tick,
	.keys = trainer_keys,
};

bool screen_trainer_run(const char *dir, const struct course *course, const char *question,
			bool presenter, struct error *err)
{
	tr.dir = dir;
	tr.question = question;
	struct app app;
	if (!app_init(&app, course, NULL, err))
		return false;
	app.flags |= TUI_FLAG_TRAINER;
	reload(course);
	if (!tui_begin(err)) {
		unload();
		app_release(&app);
		return false;
	}
	tui_run(&app, presenter ? &screen_presenter : &screen_trainer);
	tui_end();
	unload();
	app_release(&app);
	return true;
}
