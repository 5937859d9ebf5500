/*
 * The hands-on review of one learner, opened from the trainer's dashboard (o): the final
 * project's rubric with the trainer's scores and comments, each exercise's last check with its
 * failing tasks, the functions those checks ran (their configuration as the check deployed
 * them, and the calls' duration, memory and cost from the REPORT lines the record keeps), and
 * the code of the final project and of each exercise as their check runs sent it, read-only,
 * with syntax colour. e records a score, and a comment if given, for a criterion in the
 * class's reviews. Everything is read when the screen opens (and after e), never written
 * but through review_add().
 */
#include "tui/screen_review.h"

#include <cjson/cJSON.h>
#include <curses.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check/console.h"
#include "check/expect.h"
#include "class/class.h"
#include "class/review.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/exercise_load.h"
#include "store/store.h"
#include "tui/items.h"
#include "tui/prompt.h"
#include "tui/syntax.h"
#include "tui/theme.h"
#include "tui/tui.h"

#define CODE_MAX (256 * 1024) /* bytes shown of one file */

struct rline {
	char *text;
	int role;
	unsigned char *cls; /* code: the syntax class of each byte; else NULL */
	int number;         /* code: the line's number */
};

static struct {
	char *dir, *learner, *name;
	const struct class_learner *l; /* while building only */
	struct rline *v;
	size_t n, top;
	bool from_package;
	bool typing;
	struct prompt line;
} rv;

static void add(int role, const char *fmt, ...) XALLOC_PRINTF(2, 3);
static void add(int role, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	char *text;
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text) {
		strbuf_addstr(&sb, "?");
		text = strbuf_detach(&sb);
	}
	rv.v = xreallocarray(rv.v, rv.n + 1, sizeof *rv.v);
	rv.v[rv.n++] = (struct rline){ text, role, NULL, 0 };
}

static void clear_lines(void)
{
	for (size_t i = 0; i < rv.n; i++) {
		free(rv.v[i].text);
		free(rv.v[i].cls);
	}
	free(rv.v);
	rv.v = NULL;
	rv.n = 0;
}

static const char *jstr(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static int jint(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(v) ? v->valueint : 0;
}

static void when(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%H:%M", &tm);
}

static void add_rubric(const struct review_set *cls)
{
	struct review_standing s;
	review_standing_build(rv.l, cls, &s);
	add(TUI_H2, "Final project rubric");
	if (!s.rubric)
		add(TUI_DIM, "  the automatic rubric has not run for this learner");
	for (int k = 0; k < REVIEW_N; k++) {
		char a[16] = "-", r[16] = "-";
		if (s.auto_points[k] >= 0)
			snprintf(a, sizeof a, "%d/%d", s.auto_points[k], s.auto_max[k]);
		if (s.reviews[k])
			snprintf(r, sizeof r, "%d/%d", s.reviews[k]->score, s.reviews[k]->max);
		add(TUI_NORMAL, "  %-16s automatic %-6s review %-5s %s", review_criteria[k], a, r,
		    s.reviews[k] ? s.reviews[k]->comment : "");
		cJSON *ev = s.evidence[k] ? cJSON_Parse(s.evidence[k]) : NULL;
		const cJSON *e;
		int shown = 0;
		cJSON_ArrayForEach(e, ev)
		{
			char *text = cJSON_IsString(e) ? xstrdup(e->valuestring)
						       : cJSON_PrintUnformatted(e);
			if (shown++ < 3)
				add(TUI_DIM, "      %s", text);
			free(text);
		}
		cJSON_Delete(ev);
	}
	add(TUI_ACCENT,
	    "  Review total: %d of %d (%zu of %d criteria reviewed) · e records a score",
	    s.review_total, REVIEW_N * REVIEW_SCORE_MAX, s.n_reviews, REVIEW_N);
	review_standing_release(&s);
}

/* The last check run of each exercise, in the order they were first run. */
static size_t last_runs(const struct class_event **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < rv.l->n_events; i++) {
		const struct class_event *ev = &rv.l->events[i];
		if (strcmp(ev->kind, STORE_CHECK_RUN) != 0 || !ev->item || !ev->data)
			continue;
		size_t k = 0;
		while (k < n && strcmp(out[k]->item, ev->item) != 0)
			k++;
		if (k == n && n == max)
			continue;
		out[k] = ev;
		n += k == n;
	}
	return n;
}

static void add_checks(const struct class_event **runs, size_t n)
{
	add(TUI_NORMAL, "%s", "");
	add(TUI_H2, "Last checks");
	if (!n)
		add(TUI_DIM, "  none yet");
	for (size_t i = 0; i < n; i++) {
		cJSON *d = cJSON_Parse(runs[i]->data);
		const char *st = jstr(d, "status");
		char at[16];
		when(runs[i]->at_ms, at, sizeof at);
		bool failed = class_rerun_failed(rv.l, runs[i]);
		add(st && !strcmp(st, "passed") && !failed ? TUI_DONE : TUI_MARKER,
		    "  %-26s %-7s %d/%d  at %s%s", runs[i]->item, st ? st : "error",
		    jint(d, "passed"), jint(d, "total"), at,
		    failed ? "  NOT REPRODUCED on the trainer's cloud" : "");
		if (jstr(d, "error"))
			add(TUI_MARKER, "      error: %s", jstr(d, "error"));
		const cJSON *t;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(d, "tasks"))
		{
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "pass")))
				continue;
			const char *why = jstr(t, "why") ? jstr(t, "why") : jstr(t, "got");
			add(TUI_NORMAL, "      ✗ %s: %s", jstr(t, "id") ? jstr(t, "id") : "?",
			    why ? why : "failed");
		}
		cJSON_Delete(d);
	}
}

/* The functions the checks ran: configuration and what their calls measured and cost. */
static void add_functions(struct app *app, const struct class_event **runs, size_t n)
{
	add(TUI_NORMAL, "%s", "");
	add(TUI_H2, "Functions");
	add(TUI_DIM, "  measured when the learner ran each check, on their own cloud; cost at "
		     "x86_64 on-demand prices");
	const struct exercise_set *set = app_exercises(app);
	for (size_t i = 0; i < n; i++) {
		const struct exercise *ex = set ? exercise_find(set, runs[i]->item) : NULL;
		cJSON *d = cJSON_Parse(runs[i]->data);
		const char *lang_name = jstr(d, "language");
		int lang = lang_name ? exercise_lang_parse(lang_name) : -1;
		if (ex && ex->kind == EXERCISE_CODE) {
			const struct exercise_starter *s =
				lang >= 0 ? &ex->starters[lang] : &ex->starters[0];
			add(TUI_NORMAL, "  %-26s %s · %s · handler %s · %d MB · %d s timeout",
			    ex->id, ex->function ? ex->function : "?",
			    s->runtime  ? s->runtime
			    : lang_name ? lang_name
					: "?",
			    s->handler ? s->handler : "?", ex->memory, ex->timeout);
		} else if (ex) {
			add(TUI_NORMAL,
			    "  %-26s %s in the learner's own account: its configuration is theirs "
			    "(see the rubric's evidence)",
			    ex->id, ex->function ? ex->function : "the application");
		} else if (!strcmp(runs[i]->item, REVIEW_PROJECT)) {
			add(TUI_NORMAL,
			    "  %-26s deployed by the learner in their own account: its "
			    "configuration is in the rubric's evidence",
			    runs[i]->item);
		} else {
			add(TUI_NORMAL, "  %-26s (not an exercise of this course)", runs[i]->item);
		}
		size_t calls = 0;
		double dur = 0, billed = 0, cost = 0, used = 0, size = 0;
		const cJSON *st;
		cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(d, "steps"))
		{
			struct expect_report r;
			if (!jstr(st, "report") ||
			    !expect_parse_report(jstr(st, "report"), &r, NULL, NULL) ||
			    r.duration < 0 || r.billed_duration < 0 || r.memory_size <= 0)
				continue;
			calls++;
			dur += r.duration;
			billed += r.billed_duration;
			size = r.memory_size;
			used = r.max_memory_used > used ? r.max_memory_used : used;
			cost += console_cost(r.billed_duration, (int)r.memory_size, false);
		}
		if (calls)
			add(TUI_DIM,
			    "      %zu call%s · %.1f ms average · %.0f ms billed · %.0f of %.0f MB "
			    "used at most · $%.8f",
			    calls, calls == 1 ? "" : "s", dur / (double)calls, billed, used, size,
			    cost);
		else
			add(TUI_DIM,
			    "      no call's REPORT in the record (checked before it kept them, "
			    "or no invoke step)");
		cJSON_Delete(d);
	}
}

static enum syntax_lang lang_of(const char *file)
{
	const char *dot = strrchr(file, '.');
	if (!dot)
		return SYNTAX_NONE;
	dot++;
	if (!strcmp(dot, "py"))
		return SYNTAX_PYTHON;
	if (!strcmp(dot, "js") || !strcmp(dot, "mjs") || !strcmp(dot, "cjs") || !strcmp(dot, "ts"))
		return SYNTAX_JS;
	return syntax_lang_from_name(dot, strlen(dot));
}

static void add_code_file(const char *root, const char *file)
{
	char *path = path_join(root, file);
	struct error err;
	size_t len = 0;
	char *text = path_read_file(path, CODE_MAX, &len, &err);
	free(path);
	add(TUI_NORMAL, "%s", "");
	add(TUI_H3, "── %s ──", file);
	if (!text) {
		add(TUI_MARKER, "  cannot read it: %s", err.msg);
		return;
	}
	enum syntax_lang lang = lang_of(file);
	int state = 0, number = 1;
	for (const char *p = text; p < text + len; number++) {
		size_t n = strcspn(p, "\n");
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '\t')
				strbuf_addstr(&sb, "    ");
			else
				strbuf_addch(&sb, (unsigned char)p[i] < 0x20 ? '?' : p[i]);
		}
		char *line = strbuf_detach(&sb);
		size_t ll = strlen(line);
		unsigned char *cls = xmalloc(ll + 1);
		syntax_line(lang, line, ll, &state, cls);
		rv.v = xreallocarray(rv.v, rv.n + 1, sizeof *rv.v);
		rv.v[rv.n++] = (struct rline){ line, TUI_CODE_BLOCK, cls, number };
		p += n;
		if (*p == '\n')
			p++;
	}
	free(text);
}

static void add_code(void)
{
	add(TUI_NORMAL, "%s", "");
	add(TUI_H2, "Final project code (read-only)");
	bool temp = false;
	char *ws = review_code_root(rv.dir, rv.l, NULL, &temp);
	char *proj = ws ? path_join(ws, REVIEW_PROJECT) : NULL;
	char **files = NULL;
	size_t nf = 0;
	if (proj && path_is_dir(proj))
		review_list_files(proj, &files, &nf);
	rv.from_package = temp;
	if (!proj || !path_is_dir(proj))
		add(TUI_DIM,
		    "  the class holds no code of %s's final project: neither a workspace "
		    "on this host nor a package from a check run",
		    rv.learner);
	else
		add(TUI_DIM, "  %s",
		    temp ? "as the last check run of final-project sent it to the class" : proj);
	for (size_t i = 0; i < nf; i++) {
		add_code_file(proj, files[i]);
		free(files[i]);
	}
	free(files);
	free(proj);
	if (temp)
		path_remove_tree(ws);
	free(ws);
}

/* Each exercise's code as its last check run sent it to the class, read-only. */
static void add_exercise_code(const struct class_event **runs, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!strcmp(runs[k]->item, REVIEW_PROJECT))
			continue; /* above */
		add(TUI_NORMAL, "%s", "");
		add(TUI_H2, "%s code (read-only)", runs[k]->item);
		char *root = review_code_unpack(rv.dir, rv.l, runs[k]->item);
		if (!root) {
			add(TUI_DIM, "  no check run of %s came with its code", runs[k]->item);
			continue;
		}
		add(TUI_DIM, "  as the last check run of %s that came with its code sent it",
		    runs[k]->item);
		char **files = NULL;
		size_t nf = 0;
		review_list_files(root, &files, &nf);
		for (size_t i = 0; i < nf; i++) {
			add_code_file(root, files[i]);
			free(files[i]);
		}
		free(files);
		path_remove_tree(root);
		free(root);
	}
}

static void build(struct app *app)
{
	clear_lines();
	struct review_set cls = { 0 };
	struct error err;
	error_clear(&err);
	if (!review_load(rv.dir, &cls, &err))
		add(TUI_STATUS_ERROR, "%s", err.msg);
	add_rubric(&cls);
	review_set_release(&cls);
	const struct class_event *runs[256];
	size_t n = last_runs(runs, sizeof runs / sizeof runs[0]);
	add_checks(runs, n);
	add_functions(app, runs, n);
	add_code();
	add_exercise_code(runs, n);
}

static void review_draw(const struct app *app, int rows, int cols)
{
	char left[300];
	snprintf(left, sizeof left, "Review · %s (%s)", rv.learner, rv.name);
	tui_title(app, left, rv.from_package ? "code from its package" : "", cols);
	int body = rows - 2;
	for (int r = 0; r < body && rv.top + (size_t)r < rv.n; r++) {
		const struct rline *l = &rv.v[rv.top + (size_t)r];
		int y = 1 + r;
		if (!l->cls) {
			tui_put(y, 1, l->text, cols - 2, l->role);
			continue;
		}
		char num[16];
		snprintf(num, sizeof num, "%4d  ", l->number);
		int x = 1 + tui_put(y, 1, num, cols - 2, TUI_DIM);
		size_t len = strlen(l->text);
		for (size_t i = 0; i < len && x < cols - 1;) {
			size_t j = i + 1;
			while (j < len && l->cls[j] == l->cls[i])
				j++;
			int role = l->cls[i] == SYN_KEYWORD   ? TUI_KEYWORD
				   : l->cls[i] == SYN_STRING  ? TUI_STRING
				   : l->cls[i] == SYN_NUMBER  ? TUI_NUMBER
				   : l->cls[i] == SYN_COMMENT ? TUI_COMMENT
				   : l->cls[i] == SYN_PUNCT   ? TUI_PUNCT
				   : l->cls[i] == SYN_KEY     ? TUI_KEY
							      : TUI_CODE_BLOCK;
			x += tui_putn(y, x, l->text + i, j - i, cols - 1 - x, role);
			i = j;
		}
	}
	if (rv.typing) {
		int y = rows - 1;
		tui_fill(y, 0, cols, TUI_NORMAL);
		int x = tui_put(y, 0, "criterion score [comment]: ", cols, TUI_ACCENT);
		int w = tui_put(y, x, rv.line.buf, cols - x - 26, TUI_NORMAL);
		tui_put(y, x + w, "▏", 1, TUI_ACCENT);
		tui_put(y, cols - 24, "Enter record · Esc drop", 23, TUI_DIM);
		return;
	}
	tui_footer(app, "↑↓ PgUp PgDn scroll · e record a score · q back", rows, cols);
}

/* "criterion score comment…" into the class's reviews. A line refused stays for the next e,
 * and the screen leaves the line so the error shows. */
static void record(struct app *app)
{
	rv.typing = false;
	char crit[64] = "", *rest = rv.line.buf;
	long score = -1;
	int used = 0;
	if (sscanf(rest, "%63s %ld %n", crit, &score, &used) < 2) {
		app_error(app,
			  "write the criterion and a score 0-%d, then a comment if you like: "
			  "e.g. monitoring 3 add an alarm on throttles",
			  REVIEW_SCORE_MAX);
		return;
	}
	struct passwd *pw = getpwuid(getuid());
	const char *by = getenv("USER") ? getenv("USER") : pw ? pw->pw_name : "";
	struct error err;
	error_clear(&err);
	if (score > REVIEW_SCORE_MAX ||
	    !review_add(rv.dir, rv.learner, crit, (int)score, rest + used, by, &err)) {
		if (score > REVIEW_SCORE_MAX)
			error_set(&err, "a score is 0 to %d, not %ld", REVIEW_SCORE_MAX, score);
		app_error(app, "%s", err.msg);
		return;
	}
	app_status(app, "%s's %s: %ld of %d recorded", rv.learner, crit, score, REVIEW_SCORE_MAX);
	prompt_clear(&rv.line);
	/* The learner's events are the dashboard's: rebuild from the same pointer. */
	build(app);
}

static enum input_result typing_key(struct app *app, int key)
{
	switch (key) {
	case TUI_KEY_ESC:
		rv.typing = false;
		app_status(app, "nothing recorded");
		return INPUT_HANDLED;
	case '\r':
	case '\n':
	case KEY_ENTER:
		record(app);
		return INPUT_HANDLED;
	case KEY_BACKSPACE:
	case 127:
	case TUI_KEY_CTRL('h'):
		prompt_backspace(&rv.line);
		return INPUT_HANDLED;
	case TUI_KEY_CTRL('u'):
		prompt_clear(&rv.line);
		return INPUT_HANDLED;
	default: {
		long cp = tui_key_char(key);
		if (cp >= 0)
			prompt_insert(&rv.line, (uint32_t)cp);
		return INPUT_HANDLED;
	}
	}
}

static size_t scrolled(long by)
{
	long page = LINES - 2, max = (long)rv.n - page;
	long top = (long)rv.top + by;
	if (top > max)
		top = max;
	return top < 0 ? 0 : (size_t)top;
}

static enum input_result review_key(struct app *app, int key)
{
	if (rv.typing)
		return typing_key(app, key);
	switch (key) {
	case 'j':
	case KEY_DOWN:
		rv.top = scrolled(1);
		return INPUT_HANDLED;
	case 'k':
	case KEY_UP:
		rv.top = scrolled(-1);
		return INPUT_HANDLED;
	case ' ':
	case KEY_NPAGE:
		rv.top = scrolled(LINES - 3);
		return INPUT_HANDLED;
	case KEY_PPAGE:
		rv.top = scrolled(-(LINES - 3));
		return INPUT_HANDLED;
	case 'g':
	case KEY_HOME:
		rv.top = 0;
		return INPUT_HANDLED;
	case 'G':
	case KEY_END:
		rv.top = scrolled((long)rv.n);
		return INPUT_HANDLED;
	case 'e':
		rv.typing = true;
		return INPUT_HANDLED;
	case 'q':
	case TUI_KEY_ESC:
		app_back(app);
		return INPUT_HANDLED;
	}
	return INPUT_IGNORED;
}

static const struct tui_key_help review_keys[] = {
	{ "↑↓ j k", "scroll" },
	{ "PgUp PgDn g G", "a page, the top, the end" },
	{ "e", "record a score, a comment optional: CRITERION SCORE [COMMENT]" },
	{ "q", "back to the dashboard" },
	{ NULL, NULL },
};

static const struct tui_screen screen_review = {
	.name = "review",
	.draw = review_draw,
	.key = review_key,
	.keys = review_keys,
};

void screen_review_open(struct app *app, const char *dir, const struct class_learner *l)
{
	free(rv.dir);
	free(rv.learner);
	free(rv.name);
	rv.dir = xstrdup(dir);
	rv.learner = xstrdup(l->id);
	rv.name = xstrdup(l->name ? l->name : l->id);
	rv.l = l;
	rv.top = 0;
	rv.typing = false;
	build(app);
	app_goto(app, &screen_review);
}

void screen_review_release(void)
{
	clear_lines();
	free(rv.dir);
	free(rv.learner);
	free(rv.name);
	rv.dir = rv.learner = rv.name = NULL;
	rv.l = NULL;
}
