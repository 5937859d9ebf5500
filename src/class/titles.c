/*
 * The course's names of its activities, in one sorted table keyed by kind and id.
 */
#include "class/titles.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/error.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/exercise_load.h"
#include "course/ynode.h"
#include "quiz/quiz.h"

#define NAME_COLS 90

struct name {
	int kind;
	char *id, *name, *description;
};

struct titles {
	struct name *v;
	size_t n, cap;
	size_t per_kind[TITLES_PROJECT + 1]; /* how many of each kind */
};

/* Text on one line: each run of white space one space, none at the ends. Caller frees. */
static char *one_line(const char *text, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	bool space = false;
	for (size_t i = 0; i < len && text[i]; i++) {
		char c = text[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = sb.len > 0;
			continue;
		}
		if (space)
			strbuf_addch(&sb, ' ');
		space = false;
		strbuf_addch(&sb, c);
	}
	return strbuf_detach(&sb);
}

char *titles_question_name(const char *text)
{
	char *line = one_line(text ? text : "", SIZE_MAX);
	size_t n = strlen(line);
	/* The question itself when it is short enough (a scenario often comes first), else the
	 * first sentence: up to a full stop, question or exclamation mark before a space. */
	const char *ask = strchr(line, '?');
	bool asked = ask && (size_t)(ask - line) < NAME_COLS * 4 / 3;
	if (asked)
		n = (size_t)(ask - line) + 1;
	for (size_t i = 0; !asked && i + 1 < n; i++)
		if ((line[i] == '.' || line[i] == '!' || line[i] == ':') && line[i + 1] == ' ') {
			n = i + (line[i] == ':' ? 0 : 1);
			break;
		}
	if (!asked && n > NAME_COLS) {
		size_t cut = NAME_COLS;
		while (cut > NAME_COLS / 2 && line[cut] != ' ')
			cut--;
		while (cut > 0 && ((unsigned char)line[cut] & 0xC0) == 0x80)
			cut--; /* never inside a UTF-8 sequence */
		line[cut] = '\0';
		char *out = xasprintf("%s…", line);
		free(line);
		return out;
	}
	line[n] = '\0';
	return line;
}

/* The first paragraph of a Markdown brief, headings skipped, on one line. Caller frees. */
static char *brief_paragraph(const char *path)
{
	struct error err;
	size_t len = 0;
	char *text = path ? path_read_file(path, 1 << 20, &len, &err) : NULL;
	if (!text)
		return xstrdup("");
	const char *p = text, *start = NULL, *end = text + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		bool blank = strspn(p, " \t\r") >= (size_t)(eol - p);
		if (!start && !blank && *p != '#')
			start = p;
		else if (start && (blank || *p == '#'))
			break;
		p = eol < end ? eol + 1 : end;
	}
	char *out = start ? one_line(start, (size_t)(p - start)) : xstrdup("");
	free(text);
	return out;
}

static void add(struct titles *n, enum titles_kind kind, const char *id, const char *name,
		const char *desc)
{
	if (!id)
		return;
	if (n->n == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 64;
		n->v = xreallocarray(n->v, n->cap, sizeof *n->v);
	}
	n->per_kind[kind]++;
	n->v[n->n++] = (struct name){ kind, xstrdup(id), one_line(name ? name : "", SIZE_MAX),
				      one_line(desc ? desc : "", SIZE_MAX) };
}

static int cmp_name(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	return x->kind != y->kind ? x->kind - y->kind : strcmp(x->id, y->id);
}

/* The final project's rubric beside the course: its title and each criterion's. */
static void add_rubric(struct titles *n, const struct course *course)
{
	char *path = xasprintf("%s/../project/final-project/rubric.yaml", course->root);
	struct error err;
	struct ynode *doc = path_is_file(path) ? ynode_load(path, &err) : NULL;
	free(path);
	if (!doc)
		return;
	const char *title = ynode_str(ynode_get(doc, "title"));
	if (title)
		add(n, TITLES_PROJECT, ynode_str(ynode_get(doc, "id")), title,
		    "The course's final project: an image-processing application");
	const struct ynode *cs = ynode_get(doc, "criteria");
	for (size_t i = 0; cs && cs->kind == YNODE_SEQ && i < cs->n_items; i++) {
		const struct ynode *c = cs->items[i];
		add(n, TITLES_CRITERION, ynode_str(ynode_get(c, "id")),
		    ynode_str(ynode_get(c, "title")), ynode_str(ynode_get(c, "review")));
	}
	ynode_free(doc);
}

struct titles *titles_load(const struct course *course, const struct quiz_set *quizzes)
{
	struct titles *n = xcalloc(1, sizeof *n);
	if (!course)
		return n;
	for (size_t m = 0; m < course->n_modules; m++) {
		const struct course_module *cm = &course->modules[m];
		char *desc = xasprintf("Module %zu of %s", m + 1, course->title);
		add(n, TITLES_MODULE, cm->id, cm->title, desc);
		free(desc);
		for (size_t p = 0; p < cm->n_pages; p++) {
			char *id = xasprintf("%s/%s", cm->id, cm->pages[p].id);
			desc = xasprintf("A page of %s", cm->title);
			add(n, TITLES_PAGE, id, cm->pages[p].title, desc);
			free(desc);
			free(id);
		}
	}
	for (size_t i = 0; quizzes && i < quizzes->n; i++) {
		const struct quiz *q = quizzes->quizzes[i];
		add(n, TITLES_QUIZ, q->id, q->title, q->intro ? q->intro : q->title);
		for (size_t k = 0; k < q->n_questions; k++) {
			char *name = titles_question_name(q->questions[k]->text);
			add(n, TITLES_QUESTION, q->questions[k]->id, name, q->questions[k]->text);
			free(name);
		}
	}
	struct diags d = DIAGS_INIT;
	struct exercise_set *exs = exercise_set_load(course, &d);
	diags_release(&d);
	for (size_t i = 0; exs && i < exs->n; i++) {
		char *desc = brief_paragraph(exs->v[i]->brief_path);
		add(n, TITLES_EXERCISE, exs->v[i]->id, exs->v[i]->title,
		    desc[0] ? desc : exs->v[i]->title);
		free(desc);
	}
	exercise_set_free(exs);
	add_rubric(n, course);
	if (n->n)
		qsort(n->v, n->n, sizeof *n->v, cmp_name);
	return n;
}

void titles_free(struct titles *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		free(n->v[i].id);
		free(n->v[i].name);
		free(n->v[i].description);
	}
	free(n->v);
	free(n);
}

bool titles_find(const struct titles *n, enum titles_kind kind, const char *id, const char **name,
		 const char **description)
{
	if (!n || !id || !n->n)
		return false;
	struct name key = { (int)kind, (char *)id, NULL, NULL };
	const struct name *hit = bsearch(&key, n->v, n->n, sizeof *n->v, cmp_name);
	if (!hit)
		return false;
	if (name)
		*name = hit->name;
	if (description)
		*description = hit->description;
	return true;
}

size_t titles_count(const struct titles *n, enum titles_kind kind)
{
	return n ? n->per_kind[kind] : 0;
}
