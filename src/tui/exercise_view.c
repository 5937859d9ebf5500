/*
 * The exercise screen's state and lines.
 */
#include "tui/exercise_view.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/utf8.h"

/* Log lines shown under a failure. */
#define LOG_TAIL 8
/* Lines of an event shown before it is folded (f unfolds). */
#define EVENT_LINES 6

void exercise_view_init(struct exercise_view *v, const struct exercise *ex, enum exercise_lang lang)
{
	memset(v, 0, sizeof(*v));
	v->ex = ex;
	v->lang = lang;
	v->task_state = xcalloc(ex->n_tasks + 1, sizeof(*v->task_state));
	for (size_t i = 0; i < ex->n_tasks; i++)
		v->task_state[i] = -1;
}

static void clear_lines(struct exercise_view *v)
{
	for (size_t i = 0; i < v->n_lines; i++)
		free(v->lines[i].text);
	free(v->lines);
	v->lines = NULL;
	v->n_lines = 0;
}

void exercise_view_release(struct exercise_view *v)
{
	clear_lines(v);
	free(v->task_state);
	free(v->solution);
	if (v->has_last)
		check_result_release(&v->last);
	memset(v, 0, sizeof(*v));
}

void exercise_view_start(struct exercise_view *v)
{
	v->running = true;
	v->steps_done = 0;
	v->confirm = EV_CONFIRM_NONE;
}

void exercise_view_step(struct exercise_view *v, size_t done)
{
	v->steps_done = done;
}

void exercise_view_finish(struct exercise_view *v, struct check_result *r)
{
	if (v->has_last)
		check_result_release(&v->last);
	v->last = *r;
	memset(r, 0, sizeof(*r));
	v->has_last = true;
	v->running = false;
	if (v->last.status == CHECK_ERROR) {
		/* Nothing was judged: no tick or cross may stand for this code. */
		for (size_t i = 0; i < v->ex->n_tasks; i++)
			v->task_state[i] = -1;
		return;
	}
	for (size_t i = 0; i < v->last.n_tasks && i < v->ex->n_tasks; i++)
		v->task_state[i] = v->last.tasks[i].pass ? 1 : 0;
	if (v->last.status == CHECK_PASS)
		v->passed_once = true;
}

size_t exercise_view_hint(struct exercise_view *v)
{
	v->confirm = EV_CONFIRM_NONE;
	if (v->hints_shown >= v->ex->n_hints)
		return 0;
	return ++v->hints_shown;
}

bool exercise_view_want_solution(struct exercise_view *v, bool *confirmed)
{
	*confirmed = false;
	if (v->passed_once) {
		v->confirm = EV_CONFIRM_NONE;
		return true;
	}
	if (v->confirm == EV_CONFIRM_SOLUTION) {
		v->confirm = EV_CONFIRM_NONE;
		*confirmed = true;
		return true;
	}
	v->confirm = EV_CONFIRM_SOLUTION;
	return false;
}

void exercise_view_show_solution(struct exercise_view *v, const char *text)
{
	free(v->solution);
	v->solution = xstrdup(text);
	v->solution_shown = true;
}

bool exercise_view_want_reset(struct exercise_view *v)
{
	if (v->confirm == EV_CONFIRM_RESET) {
		v->confirm = EV_CONFIRM_NONE;
		return true;
	}
	v->confirm = EV_CONFIRM_RESET;
	return false;
}

enum exercise_lang exercise_view_other_lang(const struct exercise_view *v)
{
	return v->lang == EXERCISE_PYTHON ? EXERCISE_NODEJS : EXERCISE_PYTHON;
}

bool exercise_view_want_lang(struct exercise_view *v)
{
	if (!v->ex->starters[exercise_view_other_lang(v)].present) {
		v->confirm = EV_CONFIRM_NONE;
		return false;
	}
	if (v->confirm == EV_CONFIRM_LANG) {
		v->confirm = EV_CONFIRM_NONE;
		return true;
	}
	v->confirm = EV_CONFIRM_LANG;
	return false;
}

void exercise_view_cancel(struct exercise_view *v)
{
	v->confirm = EV_CONFIRM_NONE;
}

void exercise_view_cancel_run(struct exercise_view *v)
{
	v->running = false;
	v->steps_done = 0;
}

const char *exercise_view_question(const struct exercise_view *v)
{
	switch (v->confirm) {
	case EV_CONFIRM_NONE:
		return NULL;
	case EV_CONFIRM_SOLUTION:
		return "Show the solution before passing? It is recorded. s: yes · other key: no";
	case EV_CONFIRM_RESET:
		if (v->ex->kind == EXERCISE_SCENARIO)
			return "Set the scenario's application up again, broken as at the start? "
			       "x: yes · other key: no";
		return "Reset to the starter? Your files move to .old-*. x: yes · other key: no";
	case EV_CONFIRM_LANG:
		return v->lang == EXERCISE_PYTHON ? "Switch to Node.js? Python files move to "
						    ".old-*. L: yes · other key: no"
						  : "Switch to Python? Node.js files move to "
						    ".old-*. L: yes · other key: no";
	}
	abort();
}

static void add(struct exercise_view *v, enum ev_kind kind, const char *text)
{
	v->lines = xreallocarray(v->lines, v->n_lines + 1, sizeof(*v->lines));
	v->lines[v->n_lines].text = xstrdup(text);
	v->lines[v->n_lines].kind = kind;
	v->n_lines++;
}

/* Add text wrapped at width columns, continuation lines indented by indent spaces. */
static void add_wrapped(struct exercise_view *v, enum ev_kind kind, const char *text, int width,
			int indent)
{
	if (width < 20)
		width = 20;
	const char *s = text;
	size_t n = strlen(s);
	bool first = true;
	while (first || n) {
		int avail = first ? width : width - indent;
		int cols;
		size_t fit = utf8_fit(s, n, avail, &cols);
		if (fit < n) {
			/* Break at the last space that fits, when there is one. */
			size_t cut = fit;
			while (cut > 0 && s[cut - 1] != ' ')
				cut--;
			if (cut > 0)
				fit = cut;
		}
		if (fit == 0 && n)
			fit = utf8_decode(s, n, &(uint32_t){ 0 });
		char *line = xasprintf("%*s%.*s", first ? 0 : indent, "", (int)fit, s);
		add(v, kind, line);
		free(line);
		s += fit;
		n -= fit;
		first = false;
	}
}

/*
 * The log's last lines. A runtime writes a traceback as one log event whose lines are joined
 * by carriage returns (as CloudWatch keeps it): each of those lines gets a line of its own.
 */
static void add_log(struct exercise_view *v, const char *log, int width)
{
	size_t total = 0;
	for (const char *p = log; *p; p++)
		total += *p == '\n' || *p == '\r';
	size_t skip = total > LOG_TAIL ? total - LOG_TAIL : 0, i = 0;
	for (const char *p = log; *p; i++) {
		size_t n = strcspn(p, "\n\r");
		if (i >= skip) {
			char *line = xasprintf("      %.*s", (int)n, p);
			for (char *c = line; *c; c++)
				if (*c == '\t')
					*c = ' ';
			add_wrapped(v, EV_LOG, line, width, 8);
			free(line);
		}
		p += n;
		if (*p)
			p++;
	}
}

/*
 * An event as a person reads it: pretty-printed JSON, folded to EVENT_LINES lines unless the
 * view is unfolded; text that is not JSON as it is.
 */
static void add_event(struct exercise_view *v, const char *label, const char *event, int width)
{
	cJSON *j = cJSON_Parse(event);
	char *pretty = j ? cJSON_Print(j) : NULL;
	cJSON_Delete(j);
	if (!pretty || !strchr(pretty, '\n')) {
		char *line = xasprintf("    %-10s%s", label, pretty ? pretty : event);
		add_wrapped(v, EV_DETAIL, line, width, 14);
		free(line);
		free(pretty);
		return;
	}
	size_t total = 1;
	for (const char *p = pretty; *p; p++)
		total += *p == '\n';
	size_t shown = 0;
	bool first = true;
	for (const char *p = pretty; *p && (v->unfold || shown < EVENT_LINES); shown++) {
		size_t n = strcspn(p, "\n"), tabs = 0;
		/* cJSON indents with tabs: two spaces a level read better in a narrow column. */
		while (tabs < n && p[tabs] == '\t')
			tabs++;
		char *line = xasprintf("    %-10s%*s%.*s", first ? label : "", (int)(2 * tabs), "",
				       (int)(n - tabs), p + tabs);
		for (char *c = line; *c; c++)
			if (*c == '\t')
				*c = ' ';
		add_wrapped(v, EV_DETAIL, line, width, 16);
		free(line);
		first = false;
		p += n;
		if (*p)
			p++;
	}
	if (shown < total) {
		char *more = xasprintf("              … %zu more lines (f shows whole events)",
				       total - shown);
		add(v, EV_LOG, more);
		free(more);
	}
	free(pretty);
}

static void build_failure(struct exercise_view *v, const struct check_task_result *t, int width)
{
	char *line;
	line = xasprintf("    step:     %s", t->step);
	add_wrapped(v, EV_DETAIL, line, width, 14);
	free(line);
	if (t->event)
		add_event(v, "sent:", t->event, width);
	line = xasprintf("    got:      %s", t->got);
	add_wrapped(v, EV_DETAIL, line, width, 14);
	free(line);
	line = xasprintf("    expected: %s", t->expected);
	add_wrapped(v, EV_DETAIL, line, width, 14);
	free(line);
	if (t->why) {
		line = xasprintf("    why:      %s", t->why);
		add_wrapped(v, EV_DETAIL, line, width, 14);
		free(line);
	}
}

void exercise_view_build(struct exercise_view *v, int width)
{
	clear_lines(v);
	const struct exercise *ex = v->ex;
	add(v, EV_HEADING, "Tasks");
	if (v->has_last && !v->running) {
		if (v->last.status == CHECK_ERROR) {
			char *line = xasprintf("The check could not run: %s", v->last.error.msg);
			add_wrapped(v, EV_NOTICE, line, width, 2);
			free(line);
		} else {
			char *line = xasprintf("%zu of %zu tasks pass (%s, %lld ms)%s",
					       v->last.n_passed, v->last.n_tasks,
					       exercise_lang_name(v->lang), (long long)v->last.ms,
					       v->last.status == CHECK_PASS
						       ? ": well done. n goes on to the next step."
						       : "");
			add_wrapped(v, v->last.status == CHECK_PASS ? EV_TASK_PASS : EV_NOTICE,
				    line, width, 2);
			free(line);
		}
	}
	for (size_t i = 0; i < ex->n_tasks; i++) {
		int st = v->task_state[i];
		char *line = xasprintf("%s %s",
				       st == 1   ? "✓"
				       : st == 0 ? "✗"
						 : "·",
				       ex->tasks[i].text);
		add_wrapped(v,
			    st == 1   ? EV_TASK_PASS
			    : st == 0 ? EV_TASK_FAIL
				      : EV_TASK_TODO,
			    line, width, 2);
		free(line);
		if (st == 0 && v->has_last && !v->running && i < v->last.n_tasks &&
		    v->last.tasks[i].got)
			build_failure(v, &v->last.tasks[i], width);
	}
	if (v->running) {
		add(v, EV_TEXT, "");
		add(v, EV_HEADING, "Checking");
		for (size_t i = 0; i < ex->n_steps; i++) {
			char *line = xasprintf("%s %s",
					       i < v->steps_done    ? "·"
					       : i == v->steps_done ? "▸"
								    : " ",
					       ex->steps[i].name);
			add_wrapped(v, i < v->steps_done ? EV_STEP_DONE : EV_STEP_RUNNING, line,
				    width, 2);
			free(line);
		}
	} else if (v->has_last && v->last.status != CHECK_ERROR) {
		/* The log of the first failure, once. */
		for (size_t i = 0; i < v->last.n_tasks; i++) {
			if (!v->last.tasks[i].pass && v->last.tasks[i].log) {
				add(v, EV_TEXT, "");
				add_wrapped(v, EV_DETAIL,
					    "    log of the first failing invocation:", width, 4);
				add_log(v, v->last.tasks[i].log, width);
				break;
			}
		}
	}
	if (v->folder_gone) {
		add(v, EV_TEXT, "");
		add_wrapped(v, EV_NOTICE,
			    "The exercise folder was deleted. Watching for it to come back; x "
			    "recreates it from the starter.",
			    width, 0);
	}
	if (v->hints_shown) {
		add(v, EV_TEXT, "");
		add(v, EV_HEADING, "Hints");
		for (size_t i = 0; i < v->hints_shown; i++) {
			char *line = xasprintf("%zu. %s", i + 1, ex->hints[i]);
			add_wrapped(v, EV_HINT, line, width, 3);
			free(line);
		}
	}
	if (v->solution_shown && v->solution) {
		add(v, EV_TEXT, "");
		add(v, EV_HEADING, "Reference solution");
		const char *p = v->solution;
		while (*p) {
			size_t n = strcspn(p, "\n");
			char *line = xasprintf("  %.*s", (int)n, p);
			add(v, EV_CODE, line);
			free(line);
			p += n;
			if (*p)
				p++;
		}
	}
}
