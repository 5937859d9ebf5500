/*
 * The quiz screen's state and moves, without curses.
 */
#include "tui/quiz_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static struct quiz_slot *slot_of(const struct quiz_view *v)
{
	return &v->a->slots[v->slot];
}

bool quiz_view_typing(const struct quiz_view *v)
{
	if (!v->a->n_slots || v->phase != QUIZ_VIEW_ANSWER)
		return false;
	enum quiz_type t = slot_of(v)->q->type;
	return t == QUIZ_NUMERIC || t == QUIZ_SHORT;
}

size_t quiz_view_rows(const struct quiz_view *v)
{
	return v->n_rows;
}

size_t quiz_view_row_index(const struct quiz_view *v, size_t r)
{
	const struct quiz_slot *s = slot_of(v);
	if (s->q->type == QUIZ_ORDER)
		return v->arrange[r];
	return r < s->n_order ? s->order[r] : r;
}

static void clear_slot_state(struct quiz_view *v)
{
	free(v->ticked);
	free(v->arrange);
	free(v->chosen);
	v->ticked = NULL;
	v->arrange = NULL;
	v->chosen = NULL;
	v->n_rows = 0;
	v->cursor = 0;
	strbuf_reset(&v->input);
	v->msg[0] = '\0';
	v->confirm_finish = false;
}

/* Row showing file index i, or 0. */
static size_t row_of(const struct quiz_slot *s, size_t i)
{
	for (size_t r = 0; r < s->n_order; r++)
		if (s->order[r] == i)
			return r;
	return 0;
}

/* Parse "a,b,c" (or "-") into at most n longs; returns the count. */
static size_t split_ints(const char *s, long *out, size_t n)
{
	size_t k = 0;
	while (*s && k < n) {
		char *end;
		long x = strtol(s, &end, 10);
		if (end == s) {
			x = -1;
			end = (char *)s + (*s == '-');
		}
		out[k++] = x;
		s = end;
		if (*s != ',')
			break;
		s++;
	}
	return k;
}

/* Put the state back to what response says (the last try of a resumed question). */
static void restore(struct quiz_view *v, const char *response)
{
	struct quiz_slot *s = slot_of(v);
	size_t n = s->q->n_answers;
	long *ints = xcalloc(n + 1, sizeof(*ints));
	size_t k = split_ints(response, ints, n);
	switch (s->q->type) {
	case QUIZ_MC:
		if (k == 1 && ints[0] >= 0)
			v->cursor = row_of(s, (size_t)ints[0]);
		break;
	case QUIZ_TF:
		v->cursor = strcmp(response, "false") == 0 ? 1 : 0;
		break;
	case QUIZ_MC_MULTI:
		for (size_t i = 0; i < k; i++)
			if (ints[i] >= 0 && (size_t)ints[i] < n)
				v->ticked[row_of(s, (size_t)ints[i])] = true;
		break;
	case QUIZ_NUMERIC:
	case QUIZ_SHORT:
		strbuf_addstr(&v->input, response);
		break;
	case QUIZ_MATCH:
		for (size_t i = 0; i < k && i < n; i++) {
			long choice = ints[i];
			size_t r = row_of(s, i);
			v->chosen[r] = -1;
			for (size_t m = 0; choice >= 0 && m < s->n_menu; m++)
				if (s->menu[m] == (size_t)choice)
					v->chosen[r] = (long)m;
		}
		break;
	case QUIZ_ORDER:
		if (k == n)
			for (size_t i = 0; i < n; i++)
				v->arrange[i] = (size_t)ints[i];
		break;
	}
	free(ints);
}

void quiz_view_goto(struct quiz_view *v, size_t slot)
{
	clear_slot_state(v);
	if (slot >= v->a->n_slots)
		return;
	v->slot = slot;
	struct quiz_slot *s = slot_of(v);
	v->n_rows = s->q->type == QUIZ_NUMERIC || s->q->type == QUIZ_SHORT ? 0 : s->n_order;
	v->ticked = xcalloc(v->n_rows + 1, sizeof(*v->ticked));
	v->arrange = xcalloc(v->n_rows + 1, sizeof(*v->arrange));
	v->chosen = xcalloc(v->n_rows + 1, sizeof(*v->chosen));
	for (size_t r = 0; r < v->n_rows; r++) {
		v->arrange[r] = s->order[r];
		v->chosen[r] = -1;
	}
	v->phase = QUIZ_VIEW_ANSWER;
	if (s->n_tries) {
		const char *last = s->tries[s->n_tries - 1].response;
		restore(v, last);
		quiz_grade(s->q, last, &v->grade);
		/* As it was left: the mark if finished, else the hint and the tries left. */
		v->phase = QUIZ_VIEW_FEEDBACK;
	}
}

static long first_open(const struct quiz_view *v, size_t from)
{
	size_t n = v->a->n_slots;
	for (size_t k = 0; k < n; k++) {
		size_t i = (from + k) % n;
		if (!v->a->slots[i].finished)
			return (long)i;
	}
	return -1;
}

void quiz_view_init(struct quiz_view *v, struct quiz_attempt *a)
{
	memset(v, 0, sizeof(*v));
	v->a = a;
	if (a->finished_ms || !a->n_slots) {
		v->phase = QUIZ_VIEW_RESULT;
		return;
	}
	long open = first_open(v, 0);
	quiz_view_goto(v, open < 0 ? 0 : (size_t)open);
	if (quiz_view_done(v) == 0 && open == 0 && !a->slots[0].n_tries)
		v->phase = QUIZ_VIEW_INTRO;
}

void quiz_view_release(struct quiz_view *v)
{
	clear_slot_state(v);
	strbuf_release(&v->input);
}

void quiz_view_move(struct quiz_view *v, int delta)
{
	if (!v->n_rows)
		return;
	if (delta < 0)
		v->cursor = v->cursor > 0 ? v->cursor - 1 : 0;
	else if (v->cursor + 1 < v->n_rows)
		v->cursor++;
}

void quiz_view_cycle(struct quiz_view *v, int delta)
{
	struct quiz_slot *s = slot_of(v);
	if (s->q->type != QUIZ_MATCH || !v->n_rows || !s->n_menu)
		return;
	long c = v->chosen[v->cursor];
	long n = (long)s->n_menu;
	if (c < 0)
		c = delta > 0 ? 0 : n - 1;
	else
		c = ((c + delta) % n + n) % n;
	v->chosen[v->cursor] = c;
}

void quiz_view_toggle(struct quiz_view *v)
{
	if (!v->n_rows)
		return;
	switch (slot_of(v)->q->type) {
	case QUIZ_MC_MULTI:
		v->ticked[v->cursor] = !v->ticked[v->cursor];
		break;
	case QUIZ_MATCH:
		quiz_view_cycle(v, 1);
		break;
	default:
		break;
	}
}

void quiz_view_digit(struct quiz_view *v, int d)
{
	struct quiz_slot *s = slot_of(v);
	if (d < 1)
		return;
	size_t r = (size_t)d - 1;
	switch (s->q->type) {
	case QUIZ_MC:
	case QUIZ_TF:
		if (r < v->n_rows)
			v->cursor = r;
		break;
	case QUIZ_MC_MULTI:
		if (r < v->n_rows) {
			v->cursor = r;
			v->ticked[r] = !v->ticked[r];
		}
		break;
	case QUIZ_MATCH:
		if (r < s->n_menu && v->n_rows) {
			v->chosen[v->cursor] = (long)r;
			if (v->cursor + 1 < v->n_rows)
				v->cursor++;
		}
		break;
	default:
		break;
	}
}

void quiz_view_shift(struct quiz_view *v, int delta)
{
	if (slot_of(v)->q->type != QUIZ_ORDER || !v->n_rows)
		return;
	size_t from = v->cursor;
	if ((delta < 0 && from == 0) || (delta > 0 && from + 1 >= v->n_rows))
		return;
	size_t to = delta < 0 ? from - 1 : from + 1;
	size_t t = v->arrange[from];
	v->arrange[from] = v->arrange[to];
	v->arrange[to] = t;
	v->cursor = to;
}

bool quiz_view_can_retype(const struct quiz_view *v)
{
	if (!v->a->n_slots || v->phase != QUIZ_VIEW_FEEDBACK || slot_of(v)->finished)
		return false;
	enum quiz_type t = slot_of(v)->q->type;
	return t == QUIZ_NUMERIC || t == QUIZ_SHORT;
}

bool quiz_view_retype(struct quiz_view *v, bool clear)
{
	if (!quiz_view_can_retype(v))
		return false;
	v->phase = QUIZ_VIEW_ANSWER;
	if (clear)
		strbuf_setlen(&v->input, 0);
	return true;
}

void quiz_view_type(struct quiz_view *v, const char *utf8)
{
	if (v->input.len + strlen(utf8) < 200)
		strbuf_addstr(&v->input, utf8);
	v->msg[0] = '\0';
}

void quiz_view_backspace(struct quiz_view *v)
{
	size_t len = v->input.len;
	if (!len)
		return;
	len--;
	while (len && ((unsigned char)v->input.buf[len] & 0xc0) == 0x80)
		len--;
	strbuf_setlen(&v->input, len);
}

char *quiz_view_response(const struct quiz_view *v)
{
	const struct quiz_slot *s = slot_of(v);
	struct strbuf sb = STRBUF_INIT;
	switch (s->q->type) {
	case QUIZ_MC:
		strbuf_addf(&sb, "%zu", s->order[v->cursor]);
		break;
	case QUIZ_TF:
		strbuf_addstr(&sb, v->cursor == 0 ? "true" : "false");
		break;
	case QUIZ_MC_MULTI: {
		bool first = true;
		/* In file order, so the same ticks always read the same. */
		for (size_t i = 0; i < s->q->n_answers; i++) {
			size_t r = row_of(s, i);
			if (r < v->n_rows && v->ticked[r] && s->order[r] == i) {
				strbuf_addf(&sb, first ? "%zu" : ",%zu", i);
				first = false;
			}
		}
		break;
	}
	case QUIZ_NUMERIC:
	case QUIZ_SHORT:
		strbuf_addstr(&sb, strbuf_str(&v->input));
		break;
	case QUIZ_MATCH:
		for (size_t i = 0; i < s->q->n_answers; i++) {
			long c = v->chosen[row_of(s, i)];
			if (i)
				strbuf_addch(&sb, ',');
			if (c < 0)
				strbuf_addch(&sb, '-');
			else
				strbuf_addf(&sb, "%zu", s->menu[c]);
		}
		break;
	case QUIZ_ORDER:
		for (size_t r = 0; r < v->n_rows; r++)
			strbuf_addf(&sb, r ? ",%zu" : "%zu", v->arrange[r]);
		break;
	}
	return strbuf_detach(&sb);
}

void quiz_view_graded(struct quiz_view *v, const struct quiz_grade *grade)
{
	v->confirm_finish = false;
	if (!grade->valid) {
		snprintf(v->msg, sizeof(v->msg), "%s", grade->why);
		return;
	}
	v->grade = *grade;
	v->msg[0] = '\0';
	v->phase = QUIZ_VIEW_FEEDBACK;
}

bool quiz_view_next(struct quiz_view *v)
{
	if (!v->a->n_slots)
		return false;
	if (v->phase == QUIZ_VIEW_FEEDBACK && !slot_of(v)->finished) {
		v->phase = QUIZ_VIEW_ANSWER; /* try again, the last response still in place */
		return true;
	}
	long open = first_open(v, v->slot + 1);
	if (open < 0)
		return false;
	quiz_view_goto(v, (size_t)open);
	return true;
}

void quiz_view_skip(struct quiz_view *v, int delta)
{
	size_t n = v->a->n_slots;
	if (!n)
		return;
	size_t to = delta > 0 ? (v->slot + 1) % n : (v->slot + n - 1) % n;
	quiz_view_goto(v, to);
}

size_t quiz_view_done(const struct quiz_view *v)
{
	size_t n = 0;
	for (size_t i = 0; i < v->a->n_slots; i++)
		n += v->a->slots[i].finished;
	return n;
}

size_t quiz_view_review_links(const struct quiz_view *v, const char **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < v->a->n_slots; i++) {
		const struct quiz_slot *s = &v->a->slots[i];
		if (quiz_slot_mark(s) >= s->q->mark - 1e-9)
			continue;
		for (size_t j = 0; j < s->q->n_review; j++) {
			bool seen = false;
			for (size_t m = 0; m < k; m++)
				seen |= strcmp(out[m], s->q->review[j]) == 0;
			if (!seen && k < max)
				out[k++] = s->q->review[j];
		}
	}
	return k;
}
