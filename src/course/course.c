/*
 * Loading a course: course.yaml, then each module folder's module.yaml, then every page's
 * bytes (hashed, and checked as text). Every problem is reported, located in the file the
 * author has to edit; a course with any problem is never handed out. A start of the tutor
 * takes the pages' files and hashes from the record of a clean lint when it still holds
 * (lint_cache.h), and reads only the YAML.
 */
#include "course/course.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "course/lint.h"
#include "course/lint_cache.h"
#include "course/ynode.h"

/* A course or module longer than a day is a typo. */
#define MAX_MINUTES 1440
/* Bounds that keep hostile files from costing more than a real course ever could. */
#define MAX_MODULES    64
#define MAX_PAGES      256
#define MAX_OBJECTIVES 64
#define MAX_KEYS       64
/* A page longer than two hours' reading belongs in a book. */
#define MAX_PAGE_MINUTES 120

/* How many items of list to read: all, up to max, past which one line says why not. */
static size_t bounded(const struct ynode *list, const char *key, size_t max, const char *path,
		      struct diags *d)
{
	if (list->n_items <= max)
		return list->n_items;
	diags_add(d, path, list->line, list->col, "'%s' has %zu items; at most %zu are allowed",
		  key, list->n_items, max);
	return max;
}

static const struct yschema_key course_keys[] = {
	{ "id", YS_STRING, true },       { "title", YS_STRING, true },
	{ "summary", YS_STRING, false }, { "minutes", YS_INT, true },
	{ "quizzes", YS_STRING, false }, { "scenarios", YS_STRING, false },
	{ "modules", YS_SEQ, true },     { NULL, YS_ANY, false },
};

static const struct yschema_key module_keys[] = {
	{ "id", YS_STRING, true },      { "title", YS_STRING, true }, { "minutes", YS_INT, true },
	{ "objectives", YS_SEQ, true }, { "pages", YS_SEQ, true },    { "quiz", YS_STRING, false },
	{ "exercises", YS_SEQ, false }, { NULL, YS_ANY, false },
};

static const struct yschema_key page_keys[] = {
	{ "id", YS_STRING, true },    { "title", YS_STRING, true },  { "file", YS_STRING, true },
	{ "minutes", YS_INT, false }, { "further", YS_BOOL, false }, { "exercises", YS_SEQ, false },
	{ NULL, YS_ANY, false },
};

static const struct yschema_key exercise_ref_keys[] = {
	{ "id", YS_STRING, true },
	{ "further", YS_BOOL, false },
	{ NULL, YS_ANY, false },
};

size_t course_count_words(const char *text, size_t len)
{
	size_t n = 0;
	bool in_word = false, counts = false;
	for (size_t i = 0; i <= len; i++) {
		unsigned char ch = i < len ? (unsigned char)text[i] : ' ';
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			/* A token of markup alone ("|", "---", "#") is not a word. */
			n += in_word && counts;
			in_word = counts = false;
			continue;
		}
		in_word = true;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch >= 0x80)
			counts = true;
	}
	return n;
}

int course_page_minutes(const struct course_page *page)
{
	if (page->minutes > 0)
		return page->minutes;
	size_t m = (page->words + COURSE_WORDS_PER_MINUTE / 2) / COURSE_WORDS_PER_MINUTE;
	return m < 1 ? 1 : (int)m;
}

/* An error from a lower layer as a diagnostic: located when it is, else as it stands. */
static void add_error(struct diags *d, const struct error *err)
{
	if (err->path[0] && err->line > 0)
		diags_add(d, err->path, err->line, err->col, "%s", err->msg);
	else
		diags_add(d, "", 0, 0, "%s", err->msg);
}

/*
 * Check node against keys; true when it is a mapping worth reading on. A mapping with more
 * keys than any schema here could want is refused before ynode_check_map(), whose duplicate
 * check compares every pair with every other.
 */
static bool check_map(const struct ynode *node, const struct yschema_key *keys, const char *what,
		      const char *path, struct diags *d)
{
	if (node->kind == YNODE_MAP && node->n_pairs > MAX_KEYS) {
		diags_add(d, path, node->line, node->col, "%s has %zu keys; at most %d are allowed",
			  what, node->n_pairs, MAX_KEYS);
		return false;
	}
	ynode_check_map(node, keys, what, path, d);
	return node->kind == YNODE_MAP;
}

/* The value of key when it is a string (ynode_check_map() reported it otherwise). */
static char *take_str(const struct ynode *map, const char *key)
{
	const struct ynode *v = ynode_get(map, key);
	return ynode_has_type(v, YS_STRING) ? xstrdup(v->value) : NULL;
}

static char *take_id(const struct ynode *map, const char *what, const char *path, struct diags *d,
		     int *line, int *col)
{
	const struct ynode *v = ynode_get(map, "id");
	if (!ynode_has_type(v, YS_STRING))
		return NULL;
	if (!lint_valid_id(v->value)) {
		char buf[80];
		diags_add(d, path, v->line, v->col,
			  "%s id '%s' may only use lower-case letters, digits and '-'", what,
			  lint_clip(v->value, buf, sizeof(buf)));
	}
	if (line) {
		*line = v->line;
		*col = v->col;
	}
	return xstrdup(v->value);
}

/* The minutes of a course or module, 0 when missing or wrong. */
static int take_minutes(const struct ynode *map, const char *path, struct diags *d)
{
	const struct ynode *v = ynode_get(map, "minutes");
	long long m;
	if (!v || !ynode_as_int(v, &m))
		return 0;
	if (m <= 0 || m > MAX_MINUTES) {
		diags_add(d, path, v->line, v->col, "'minutes' must be between 1 and %d, not %lld",
			  MAX_MINUTES, m);
		return 0;
	}
	return (int)m;
}

static char *real_or_copy(const char *path)
{
	char *r = realpath(path, NULL);
	return r ? r : xstrdup(path);
}

/* The quizzes or scenarios folder, resolved; NULL when absent, wrong or not on disk. */
static char *take_folder(const struct ynode *doc, const char *key, const char *path,
			 const char *dir, struct diags *d)
{
	const struct ynode *v = ynode_get(doc, key);
	if (!ynode_has_type(v, YS_STRING))
		return NULL;
	char buf[80];
	if (v->value[0] == '/') {
		diags_add(
			d, path, v->line, v->col,
			"'%s' must be a folder relative to the course folder, not an absolute path",
			key);
		return NULL;
	}
	if (!dir)
		return NULL;
	char *full = path_join(dir, v->value);
	char *out = NULL;
	if (path_is_dir(full))
		out = real_or_copy(full);
	else
		diags_add(d, path, v->line, v->col, "%s folder '%s' does not exist", key,
			  lint_clip(v->value, buf, sizeof(buf)));
	free(full);
	return out;
}

/* Hash and check the page file full, named by v in module.yaml at path. */
static void read_page_file(struct course_page *p, const char *full, const struct ynode *v,
			   const char *path, struct diags *d)
{
	char buf[80];
	if (!path_is_file(full)) {
		diags_add(d, path, v->line, v->col,
			  path_is_dir(full) ? "page file '%s' is a folder, not a Markdown file"
					    : "page file '%s' does not exist",
			  lint_clip(v->value, buf, sizeof(buf)));
		return;
	}
	struct error err;
	error_clear(&err);
	size_t len = 0;
	char *text = path_read_file(full, LINT_PAGE_MAX, &len, &err);
	if (!text) {
		diags_add(d, path, v->line, v->col, "%s", err.msg);
		return;
	}
	sha256_hex(text, len, p->hash);
	p->words = course_count_words(text, len);
	lint_page_text(text, len, full, p->title, d);
	p->file = real_or_copy(full);
	free(text);
}

/* The ids of the exercises a page introduces (checked against the module's list later). */
static void read_page_exercises(struct course_page *p, const struct ynode *list, const char *path,
				struct diags *d)
{
	if (!list || list->kind != YNODE_SEQ)
		return;
	p->exercises = xcalloc(list->n_items + 1, sizeof(*p->exercises));
	for (size_t i = 0; i < list->n_items && i < MAX_PAGES; i++) {
		const struct ynode *e = list->items[i];
		if (!ynode_has_type(e, YS_STRING) || !lint_valid_id(e->value)) {
			diags_add(d, path, e->line, e->col,
				  "a page's exercise %zu must be an exercise id of the module",
				  i + 1);
			continue;
		}
		p->exercises[p->n_exercises++] = xstrdup(e->value);
	}
}

/* The module's exercises: folder names, or {id, further} for a going-further one. */
static void read_exercise_refs(struct course_module *m, const struct ynode *list, const char *path,
			       struct diags *d)
{
	if (!list || list->kind != YNODE_SEQ)
		return;
	size_t n = bounded(list, "exercises", MAX_PAGES, path, d);
	m->exercises = xcalloc(n + 1, sizeof(*m->exercises));
	char buf[80];
	for (size_t i = 0; i < n; i++) {
		const struct ynode *item = list->items[i];
		const struct ynode *id = item;
		bool further = false;
		if (item->kind == YNODE_MAP) {
			char what[32];
			snprintf(what, sizeof(what), "exercise %zu", i + 1);
			if (!check_map(item, exercise_ref_keys, what, path, d))
				continue;
			id = ynode_get(item, "id");
			const struct ynode *fv = ynode_get(item, "further");
			if (fv)
				ynode_as_bool(fv, &further);
			if (!id)
				continue;
		}
		if (!ynode_has_type(id, YS_STRING) || !lint_valid_id(id->value)) {
			diags_add(d, path, id->line, id->col,
				  "exercise %zu must be an exercise folder name made of lower-case "
				  "letters, digits and '-'",
				  i + 1);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < m->n_exercises && !dup; j++)
			dup = strcmp(m->exercises[j].id, id->value) == 0;
		if (dup) {
			diags_add(d, path, id->line, id->col, "exercise '%s' is listed twice",
				  lint_clip(id->value, buf, sizeof(buf)));
			continue;
		}
		struct course_exercise_ref *r = &m->exercises[m->n_exercises++];
		r->id = xstrdup(id->value);
		r->further = further;
		r->line = id->line;
		r->col = id->col;
	}
}

/* Every exercise a page introduces must be one of the module's. */
static void check_page_exercises(const struct course_module *m, const struct ynode *pages,
				 const char *path, struct diags *d)
{
	char buf[80];
	for (size_t i = 0; pages && i < pages->n_items; i++) {
		const struct ynode *list = ynode_get(pages->items[i], "exercises");
		for (size_t k = 0; list && list->kind == YNODE_SEQ && k < list->n_items; k++) {
			const char *id = ynode_str(list->items[k]);
			bool found = false;
			for (size_t j = 0; id && j < m->n_exercises && !found; j++)
				found = strcmp(m->exercises[j].id, id) == 0;
			if (id && !found)
				diags_add(d, path, list->items[k]->line, list->items[k]->col,
					  "the page introduces exercise '%s', which the module's "
					  "'exercises' does not list",
					  lint_clip(id, buf, sizeof(buf)));
		}
	}
}

/* Core pages first, then the going-further ones, each in their order in module.yaml. */
static void order_pages(struct course_module *m)
{
	struct course_page *sorted = xcalloc(m->n_pages + 1, sizeof(*sorted));
	size_t k = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < m->n_pages; i++)
			if (m->pages[i].further == (pass == 1))
				sorted[k++] = m->pages[i];
	free(m->pages);
	m->pages = sorted;
	m->n_core = 0;
	while (m->n_core < m->n_pages && !m->pages[m->n_core].further)
		m->n_core++;
}

static void read_page(struct course_module *m, const struct ynode *item, size_t index,
		      const char *path, const char *dir, struct lint_cache *known, struct diags *d)
{
	char what[32];
	snprintf(what, sizeof(what), "page %zu", index);
	if (!check_map(item, page_keys, what, path, d))
		return;
	struct course_page *p = &m->pages[m->n_pages++];
	p->line = item->line;
	p->col = item->col;
	p->id = take_id(item, "page", path, d, &p->line, &p->col);
	if (p->id) {
		for (size_t i = 0; i + 1 < m->n_pages; i++) {
			if (m->pages[i].id && strcmp(m->pages[i].id, p->id) == 0) {
				char buf[80];
				diags_add(d, path, p->line, p->col,
					  "duplicate page id '%s' (first at line %d)",
					  lint_clip(p->id, buf, sizeof(buf)), m->pages[i].line);
				break;
			}
		}
	}
	p->title = take_str(item, "title");
	const struct ynode *fv = ynode_get(item, "further");
	bool further = false;
	if (fv && ynode_as_bool(fv, &further))
		p->further = further;
	const struct ynode *mv = ynode_get(item, "minutes");
	long long minutes;
	if (mv && ynode_as_int(mv, &minutes)) {
		if (minutes <= 0 || minutes > MAX_PAGE_MINUTES)
			diags_add(d, path, mv->line, mv->col,
				  "a page's 'minutes' must be between 1 and %d, not %lld",
				  MAX_PAGE_MINUTES, minutes);
		else
			p->minutes = (int)minutes;
	}
	read_page_exercises(p, ynode_get(item, "exercises"), path, d);
	const struct ynode *v = ynode_get(item, "file");
	if (!ynode_has_type(v, YS_STRING))
		return;
	if (!path_is_safe_relative(v->value)) {
		char buf[80];
		diags_add(d, path, v->line, v->col,
			  "page file '%s' must stay inside the course folder: no absolute path, "
			  "no '..'",
			  lint_clip(v->value, buf, sizeof(buf)));
		return;
	}
	if (!dir)
		return;
	const char *file, *hash;
	if (known) {
		if (lint_cache_page(known, m->id, p->id, &file, &hash, &p->words)) {
			p->file = xstrdup(file);
			memcpy(p->hash, hash, sizeof(p->hash));
		}
		return;
	}
	char *full = path_join(dir, v->value);
	read_page_file(p, full, v, path, d);
	free(full);
}

static void read_module_doc(struct course_module *m, const struct ynode *doc, const char *path,
			    const char *dir, struct lint_cache *known, struct diags *d)
{
	if (!check_map(doc, module_keys, "module", path, d))
		return;
	m->id_line = doc->line;
	m->id_col = doc->col;
	m->id = take_id(doc, "module", path, d, &m->id_line, &m->id_col);
	m->title = take_str(doc, "title");
	m->minutes = take_minutes(doc, path, d);
	const struct ynode *mv = ynode_get(doc, "minutes");
	m->minutes_line = mv ? mv->line : doc->line;
	m->minutes_col = mv ? mv->col : doc->col;

	const struct ynode *objs = ynode_get(doc, "objectives");
	if (objs && objs->kind == YNODE_SEQ) {
		if (objs->n_items == 0)
			diags_add(d, path, objs->line, objs->col,
				  "'objectives' must list at least one objective");
		size_t n = bounded(objs, "objectives", MAX_OBJECTIVES, path, d);
		m->objectives = xcalloc(n + 1, sizeof(*m->objectives));
		for (size_t i = 0; i < n; i++) {
			const struct ynode *o = objs->items[i];
			if (ynode_has_type(o, YS_STRING))
				m->objectives[m->n_objectives++] = xstrdup(o->value);
			else
				diags_add(d, path, o->line, o->col,
					  "objective %zu must be a string, not %s", i + 1,
					  ynode_kind_name(o));
		}
	}

	const struct ynode *pages = ynode_get(doc, "pages");
	if (pages && pages->kind == YNODE_SEQ) {
		if (pages->n_items == 0)
			diags_add(d, path, pages->line, pages->col,
				  "'pages' must list at least one page");
		size_t n = bounded(pages, "pages", MAX_PAGES, path, d);
		m->pages = xcalloc(n + 1, sizeof(*m->pages));
		for (size_t i = 0; i < n; i++)
			read_page(m, pages->items[i], i + 1, path, dir, known, d);
		order_pages(m);
		if (m->n_pages && !m->n_core)
			diags_add(d, path, pages->line, pages->col,
				  "every page is 'further: true'; the module's core path needs at "
				  "least one page");
	}

	read_exercise_refs(m, ynode_get(doc, "exercises"), path, d);
	if (pages && pages->kind == YNODE_SEQ)
		check_page_exercises(m, pages, path, d);

	const struct ynode *quiz = ynode_get(doc, "quiz");
	if (ynode_has_type(quiz, YS_STRING)) {
		m->quiz = xstrdup(quiz->value);
		m->quiz_line = quiz->line;
		m->quiz_col = quiz->col;
	}
}

void course_read_module_doc(struct course_module *m, const struct ynode *doc, const char *path,
			    const char *dir, struct diags *d)
{
	read_module_doc(m, doc, path, dir, NULL, d);
}

void course_module_release(struct course_module *m)
{
	free(m->id);
	free(m->dir);
	free(m->title);
	for (size_t i = 0; i < m->n_objectives; i++)
		free(m->objectives[i]);
	free(m->objectives);
	for (size_t i = 0; i < m->n_pages; i++) {
		free(m->pages[i].id);
		free(m->pages[i].title);
		free(m->pages[i].file);
		for (size_t k = 0; k < m->pages[i].n_exercises; k++)
			free(m->pages[i].exercises[k]);
		free(m->pages[i].exercises);
	}
	free(m->pages);
	for (size_t i = 0; i < m->n_exercises; i++)
		free(m->exercises[i].id);
	free(m->exercises);
	free(m->quiz);
	free(m->yaml_path);
	memset(m, 0, sizeof(*m));
}

/* Load the module in folder name of the course in dir into m. False when it cannot be read. */
static bool load_module(struct course_module *m, const char *dir, const char *name,
			struct lint_cache *known, struct diags *d)
{
	char *mdir = path_join(dir, name);
	m->dir = xstrdup(name);
	m->yaml_path = path_join(mdir, "module.yaml");
	struct error err;
	error_clear(&err);
	struct ynode *doc = ynode_load(m->yaml_path, &err);
	if (doc) {
		read_module_doc(m, doc, m->yaml_path, mdir, known, d);
		ynode_free(doc);
	} else {
		add_error(d, &err);
	}
	free(mdir);
	return doc != NULL;
}

/* Whether folder name, listed at item, can be a module folder; reports why not. */
static bool check_module_folder(const struct ynode *mods, size_t i, const char *path,
				const char *dir, struct diags *d)
{
	const struct ynode *item = mods->items[i];
	char buf[80];
	if (!ynode_has_type(item, YS_STRING)) {
		diags_add(d, path, item->line, item->col,
			  "module %zu must be a folder name, not %s", i + 1, ynode_kind_name(item));
		return false;
	}
	const char *name = item->value;
	if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		diags_add(d, path, item->line, item->col,
			  "module folder '%s' must be a folder directly inside the course folder",
			  lint_clip(name, buf, sizeof(buf)));
		return false;
	}
	for (size_t j = 0; j < i; j++) {
		const char *other = ynode_str(mods->items[j]);
		if (other && strcmp(other, name) == 0) {
			diags_add(d, path, item->line, item->col,
				  "module folder '%s' is listed twice (first at line %d)",
				  lint_clip(name, buf, sizeof(buf)), mods->items[j]->line);
			return false;
		}
	}
	if (!dir)
		return true;
	char *mdir = path_join(dir, name);
	char *yaml = path_join(mdir, "module.yaml");
	bool ok = true;
	if (!path_is_dir(mdir)) {
		diags_add(d, path, item->line, item->col, "module folder '%s' does not exist",
			  lint_clip(name, buf, sizeof(buf)));
		ok = false;
	} else if (!path_is_file(yaml)) {
		diags_add(d, path, item->line, item->col, "module folder '%s' has no module.yaml",
			  lint_clip(name, buf, sizeof(buf)));
		ok = false;
	}
	free(yaml);
	free(mdir);
	return ok;
}

static void check_module_ids(const struct course *c, struct diags *d)
{
	for (size_t i = 1; i < c->n_modules; i++) {
		const struct course_module *m = &c->modules[i];
		if (!m->id)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct course_module *o = &c->modules[j];
			if (o->id && strcmp(o->id, m->id) == 0) {
				char buf[80];
				diags_add(d, m->yaml_path, m->id_line, m->id_col,
					  "duplicate module id '%s' (also in %s:%d:%d)",
					  lint_clip(m->id, buf, sizeof(buf)), o->yaml_path,
					  o->id_line, o->id_col);
				break;
			}
		}
	}
}

static void read_modules(struct course *c, const struct ynode *doc, const char *path,
			 const char *dir, struct lint_cache *known, struct diags *d)
{
	const struct ynode *mods = ynode_get(doc, "modules");
	if (!mods || mods->kind != YNODE_SEQ)
		return;
	if (mods->n_items == 0)
		diags_add(d, path, mods->line, mods->col,
			  "'modules' must list at least one module folder");
	size_t n = bounded(mods, "modules", MAX_MODULES, path, d);
	c->modules = xcalloc(n + 1, sizeof(*c->modules));
	/* Minutes are compared only when every module could be counted. */
	bool counted = dir != NULL && c->minutes > 0 && mods->n_items > 0;
	long sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (!check_module_folder(mods, i, path, dir, d) || !dir) {
			counted = false;
			continue;
		}
		struct course_module *m = &c->modules[c->n_modules++];
		if (!load_module(m, dir, mods->items[i]->value, known, d) || m->minutes <= 0)
			counted = false;
		sum += m->minutes;
	}
	check_module_ids(c, d);
	const struct ynode *minutes = ynode_get(doc, "minutes");
	if (counted && sum != c->minutes)
		diags_add(d, path, minutes->line, minutes->col,
			  "module minutes add up to %ld, course says %d", sum, c->minutes);
}

static void read_doc(struct course *c, const struct ynode *doc, const char *path, const char *dir,
		     struct lint_cache *known, struct diags *d)
{
	if (!check_map(doc, course_keys, "course", path, d))
		return;
	c->id = take_id(doc, "course", path, d, NULL, NULL);
	c->title = take_str(doc, "title");
	c->summary = take_str(doc, "summary");
	c->minutes = take_minutes(doc, path, d);
	c->quiz_dir = take_folder(doc, "quizzes", path, dir, d);
	c->scenario_dir = take_folder(doc, "scenarios", path, dir, d);
	read_modules(c, doc, path, dir, known, d);
}

void course_read_doc(struct course *c, const struct ynode *doc, const char *path, const char *dir,
		     struct diags *d)
{
	read_doc(c, doc, path, dir, NULL, d);
}

bool course_exists(const char *dir, struct error *err)
{
	if (path_is_file(dir))
		return error_set(err, "cannot open course '%s': not a folder", dir);
	if (!path_is_dir(dir))
		return error_set(err, "cannot open course '%s': no such folder", dir);
	char *yaml = path_join(dir, "course.yaml");
	bool ok = path_is_file(yaml);
	free(yaml);
	if (!ok)
		return error_set(err, "cannot open course '%s': no course.yaml", dir);
	return true;
}

/*
 * Load whatever can be loaded; NULL only when there is no course at all. With known, pages
 * are not read: their files and hashes come from the record of a clean lint.
 */
static struct course *load(const char *dir, const char *root, struct lint_cache *known,
			   struct diags *d)
{
	struct error err;
	error_clear(&err);
	if (!course_exists(dir, &err)) {
		add_error(d, &err);
		return NULL;
	}
	struct course *c = xcalloc(1, sizeof(*c));
	c->root = root ? xstrdup(root) : real_or_copy(dir);
	c->yaml_path = path_join(dir, "course.yaml");
	struct ynode *doc = ynode_load(c->yaml_path, &err);
	if (!doc) {
		add_error(d, &err);
		return c;
	}
	read_doc(c, doc, c->yaml_path, dir, known, d);
	ynode_free(doc);
	return c;
}

struct course *course_load(const char *dir, struct diags *d)
{
	size_t before = d->n;
	struct course *c = load(dir, NULL, NULL, d);
	if (d->n > before) {
		course_free(c);
		return NULL;
	}
	return c;
}

/*
 * The full lint, recording a clean answer at record (when not NULL) for the next start: the
 * files' identities are taken before lint reads any of them, so that a file changed while it
 * runs is linted again next time.
 */
static struct course *load_and_lint(const char *dir, const char *root, const char *record,
				    struct diags *d)
{
	size_t before = d->n;
	struct lint_cache *snap = record && root ? lint_cache_snapshot(root) : NULL;
	struct course *c = load(dir, root, NULL, d);
	if (snap && c && c->quiz_dir) {
		size_t n = strlen(c->root);
		bool inside = strncmp(c->quiz_dir, c->root, n) == 0 &&
			      (c->quiz_dir[n] == '/' || c->quiz_dir[n] == '\0');
		if (!inside && !lint_cache_add_tree(snap, c->quiz_dir)) {
			lint_cache_free(snap);
			snap = NULL;
		}
	}
	if (c)
		lint_refs(c, record != NULL, d);
	if (d->n > before) {
		lint_cache_free(snap);
		course_free(c);
		return NULL;
	}
	if (snap)
		lint_cache_save(snap, c, record);
	lint_cache_free(snap);
	return c;
}

struct course *course_load_checked(const char *dir, struct diags *d)
{
	char *root = realpath(dir, NULL);
	char *record = root ? lint_cache_path(root) : NULL;
	struct lint_cache *known = lint_cache_open(record);
	struct course *c = NULL;
	if (known) {
		/* Anything amiss, and the full lint says what. */
		struct diags quiet = DIAGS_INIT;
		c = load(dir, root, known, &quiet);
		if (c && (quiet.n || lint_cache_missed(known))) {
			course_free(c);
			c = NULL;
		}
		diags_release(&quiet);
		lint_cache_free(known);
		if (c)
			c->lint_cached = true;
	}
	if (!c)
		c = load_and_lint(dir, root, record, d);
	free(record);
	free(root);
	return c;
}

struct course *course_load_linted(const char *dir, struct diags *d)
{
	return load_and_lint(dir, NULL, NULL, d);
}

bool course_lint(const char *dir, struct diags *d)
{
	struct course *c = course_load_linted(dir, d);
	course_free(c);
	return c != NULL;
}

void course_free(struct course *course)
{
	if (!course)
		return;
	free(course->root);
	free(course->id);
	free(course->title);
	free(course->summary);
	free(course->quiz_dir);
	free(course->scenario_dir);
	for (size_t i = 0; i < course->n_modules; i++)
		course_module_release(&course->modules[i]);
	free(course->modules);
	free(course->yaml_path);
	free(course);
}

const struct course_module *course_find_module(const struct course *course, const char *id)
{
	long i = course_module_index(course, id);
	return i < 0 ? NULL : &course->modules[i];
}

const struct course_page *course_find_page(const struct course_module *module, const char *id)
{
	long i = course_page_index(module, id);
	return i < 0 ? NULL : &module->pages[i];
}

long course_module_index(const struct course *course, const char *id)
{
	if (!course || !id)
		return -1;
	for (size_t i = 0; i < course->n_modules; i++)
		if (course->modules[i].id && strcmp(course->modules[i].id, id) == 0)
			return (long)i;
	return -1;
}

long course_page_index(const struct course_module *module, const char *id)
{
	if (!module || !id)
		return -1;
	for (size_t i = 0; i < module->n_pages; i++)
		if (module->pages[i].id && strcmp(module->pages[i].id, id) == 0)
			return (long)i;
	return -1;
}

char *course_page_text(const struct course *course, const struct course_page *page, size_t *len,
		       struct error *err)
{
	if (!page || !page->file) {
		error_set(err, "the page has no file");
		return NULL;
	}
	return path_read_file(page->file, LINT_PAGE_MAX, len, err);
}

size_t course_core_page_count(const struct course *course)
{
	size_t n = 0;
	for (size_t i = 0; course && i < course->n_modules; i++)
		n += course->modules[i].n_core;
	return n;
}

size_t course_page_count(const struct course *course)
{
	size_t n = 0;
	for (size_t i = 0; course && i < course->n_modules; i++)
		n += course->modules[i].n_pages;
	return n;
}
