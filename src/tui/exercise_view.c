/*
 * The exercise screen's state and lines.
 */
#include "tui/exercise_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/utf8.h"

/* Log lines shown under a failure. */
#define LOG_TAIL 8

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
	if (v->last.status == CHECK_ERROR)
		return; /* the tasks keep the states of the last run that ran */
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

static void add_log(struct exercise_view *v, const char *log, int width)
{
	size_t total = 0;
	for (const char *p = log; *p; p++)
		total += *p == '\n';
	size_t skip = total > LOG_TAIL ? total - LOG_TAIL : 0, i = 0;
	for (const char *p = log; *p; i++) {
		size_t n = strcspn(p, "\n");
		if (i >= skip) {
			char *line = xasprintf("      %.*s", (int)n, p);
			for (char *c = line; *c; c++)
				if (*c == '\t' || *c == '\r')
					*c = ' ';
			add_wrapped(v, EV_LOG, line, width, 8);
			free(line);
		}
		p += n;
		if (*p)
			p++;
	}
}

static void build_failure(struct exercise_view *v, const struct check_task_result *t, int width)
{
	char *line;
	line = xasprintf("    step:     %s", t->step);
	add_wrapped(v, EV_DETAIL, line, width, 14);
	free(line);
	if (t->event) {
		line = xasprintf("    sent:     %s", t->event);
		add_wrapped(v, EV_DETAIL, line, width, 14);
		free(line);
	}
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
			char *line = xasprintf(
				"%zu of %zu tasks pass (%s, %lld ms)%s", v->last.n_passed,
				v->last.n_tasks, exercise_lang_name(v->lang), (long long)v->last.ms,
				v->last.status == CHECK_PASS
					? ": well done. Press n for the next exercise."
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
	if (v->confirm == EV_CONFIRM_LANG) {
		add(v, EV_TEXT, "");
		char *q = xasprintf("Switch this exercise from %s to %s? Your %s files move to a "
				    ".old-* folder and the %s starter is copied in. Press L again "
				    "to confirm, any other key to cancel.",
				    exercise_lang_name(v->lang),
				    exercise_lang_name(exercise_view_other_lang(v)),
				    exercise_lang_name(v->lang),
				    exercise_lang_name(exercise_view_other_lang(v)));
		add_wrapped(v, EV_NOTICE, q, width, 0);
		free(q);
	} else if (v->confirm != EV_CONFIRM_NONE) {
		add(v, EV_TEXT, "");
		add_wrapped(
			v, EV_NOTICE,
			v->confirm == EV_CONFIRM_SOLUTION
				? "Show the reference solution before passing? It is recorded as "
				  "requested. Press s again to confirm, any other key to cancel."
				: "Reset to the starter? Your files move to a .old-* folder. Press "
				  "x "
				  "again to confirm, any other key to cancel.",
			width, 0);
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
