/*
 * lambda-tutor list [--short] [--json]: the course's modules in order with their minutes and
 * pages, and the learner's progress read from their records: pages viewed per module and in
 * all, and the page to continue from. Records are only read; a learner who has no file yet
 * gets none created.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "core/diag.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "store/store.h"

struct page_state {
	bool viewed;
	bool changed; /* the page's content differs from what was last viewed */
};

struct progress {
	const struct course *course;
	size_t *first;            /* index in pages of each module's first page */
	struct page_state *pages; /* one per page of the course, in order */
	size_t *viewed;           /* pages viewed per module */
	size_t total, total_viewed;
	long pos_module, pos_page; /* where to continue; -1 when the course has no pages */
	bool resumed;              /* the position comes from the records */
	bool has_records;
};

static bool mark_view(const struct store_event *ev, void *ctx)
{
	struct progress *p = ctx;
	long m = course_module_index(p->course, ev->module);
	if (m < 0)
		return true; /* a module since removed from the course */
	long i = course_page_index(&p->course->modules[m], ev->item);
	if (i < 0)
		return true;
	struct page_state *st = &p->pages[p->first[m] + (size_t)i];
	const char *now = p->course->modules[m].pages[i].hash;
	st->viewed = true;
	st->changed = ev->hash && ev->hash[0] && strcmp(ev->hash, now) != 0;
	return true;
}

/* The last page viewed if it still exists, else the first page not yet viewed. */
static void find_position(struct progress *p, const char *module, const char *page)
{
	const struct course *c = p->course;
	long m = course_module_index(c, module);
	long i = m < 0 ? -1 : course_page_index(&c->modules[m], page);
	if (i >= 0) {
		p->pos_module = m;
		p->pos_page = i;
		p->resumed = true;
		return;
	}
	p->pos_module = p->pos_page = -1;
	for (size_t k = 0; k < c->n_modules; k++) {
		for (size_t j = 0; j < c->modules[k].n_pages; j++) {
			if (p->pos_module < 0) {
				/* Everything viewed: back to the start. */
				p->pos_module = (long)k;
				p->pos_page = (long)j;
			}
			if (!p->pages[p->first[k] + j].viewed) {
				p->pos_module = (long)k;
				p->pos_page = (long)j;
				return;
			}
		}
	}
}

static void progress_release(struct progress *p)
{
	free(p->first);
	free(p->pages);
	free(p->viewed);
}

/* Read the learner's records, if they have any. False with err on a bad file. */
static bool progress_load(struct progress *p, const struct course *c, const char *db_path,
			  struct error *err)
{
	p->course = c;
	p->first = xcalloc(c->n_modules + 1, sizeof(*p->first));
	p->viewed = xcalloc(c->n_modules + 1, sizeof(*p->viewed));
	for (size_t m = 0; m < c->n_modules; m++) {
		p->first[m] = p->total;
		p->total += c->modules[m].n_pages;
	}
	p->pages = xcalloc(p->total + 1, sizeof(*p->pages));

	char *module = NULL, *page = NULL;
	struct stat st;
	bool ok = true;
	if (stat(db_path, &st) == 0 || errno != ENOENT) {
		struct store *store = store_open_readonly(db_path, err);
		ok = store && store_each(store, STORE_PAGE_VIEW, mark_view, p, err) &&
		     store_position(store, &module, &page, err);
		p->has_records = ok;
		store_close(store);
	}
	if (ok) {
		for (size_t m = 0; m < c->n_modules; m++) {
			for (size_t i = 0; i < c->modules[m].n_pages; i++)
				p->viewed[m] += p->pages[p->first[m] + i].viewed;
			p->total_viewed += p->viewed[m];
		}
		find_position(p, module, page);
	}
	free(module);
	free(page);
	return ok;
}

static int percent(size_t part, size_t whole)
{
	return whole ? (int)(part * 100 / whole) : 0;
}

static void print_text(const struct progress *p, const char *db_path, bool brief)
{
	const struct course *c = p->course;
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	const char *tick = utf8 ? "\u2713" : "x";
	const char *sep = utf8 ? " \u203a " : " > ";
	const char *arrow = utf8 ? "\u2190" : "<-";
	const char *dot = utf8 ? " \u00b7 " : ", ";

	printf("%s: %d min, %zu modules, %zu pages\n", c->title, c->minutes, c->n_modules,
	       p->total);
	if (p->has_records)
		printf("Progress: %zu of %zu pages viewed (%d%%)\n", p->total_viewed, p->total,
		       percent(p->total_viewed, p->total));
	else
		printf("Progress: nothing viewed yet (no records at %s)\n", db_path);
	if (p->pos_module >= 0) {
		const struct course_module *m = &c->modules[p->pos_module];
		printf("%s %ld. %s%s%s\n",
		       p->resumed        ? "Continue:"
		       : p->total_viewed ? "Next:"
					 : "Start:",
		       p->pos_module + 1, m->title, sep, m->pages[p->pos_page].title);
	}

	for (size_t k = 0; k < c->n_modules; k++) {
		const struct course_module *m = &c->modules[k];
		bool done = m->n_pages && p->viewed[k] == m->n_pages;
		printf("\n%2zu. %s\n    %d min%s%zu of %zu pages viewed%s\n", k + 1, m->title,
		       m->minutes, dot, p->viewed[k], m->n_pages, done ? " (done)" : "");
		if (brief)
			continue;
		for (size_t i = 0; i < m->n_pages; i++) {
			const struct page_state *st = &p->pages[p->first[k] + i];
			bool here =
				p->resumed && (long)k == p->pos_module && (long)i == p->pos_page;
			printf("    %s %s%s%s%s%s\n", st->viewed ? tick : " ", m->pages[i].title,
			       st->changed ? "  (updated since you read it)" : "", here ? "  " : "",
			       here ? arrow : "", here ? " you are here" : "");
		}
	}
}

static int print_json(const struct progress *p, const char *db_path)
{
	const struct course *c = p->course;
	cJSON *root = cJSON_CreateObject();
	cJSON *course = cJSON_AddObjectToObject(root, "course");
	cJSON_AddStringToObject(course, "id", c->id);
	cJSON_AddStringToObject(course, "title", c->title);
	cJSON_AddNumberToObject(course, "minutes", c->minutes);
	cJSON *records = cJSON_AddObjectToObject(root, "records");
	cJSON_AddStringToObject(records, "path", db_path);
	cJSON_AddBoolToObject(records, "exists", p->has_records);

	cJSON *modules = cJSON_AddArrayToObject(root, "modules");
	for (size_t k = 0; k < c->n_modules; k++) {
		const struct course_module *m = &c->modules[k];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "number", (double)(k + 1));
		cJSON_AddStringToObject(o, "id", m->id);
		cJSON_AddStringToObject(o, "title", m->title);
		cJSON_AddNumberToObject(o, "minutes", m->minutes);
		cJSON_AddNumberToObject(o, "pages_viewed", (double)p->viewed[k]);
		cJSON_AddNumberToObject(o, "pages_total", (double)m->n_pages);
		cJSON *pages = cJSON_AddArrayToObject(o, "pages");
		for (size_t i = 0; i < m->n_pages; i++) {
			const struct page_state *st = &p->pages[p->first[k] + i];
			cJSON *pg = cJSON_CreateObject();
			cJSON_AddStringToObject(pg, "id", m->pages[i].id);
			cJSON_AddStringToObject(pg, "title", m->pages[i].title);
			cJSON_AddBoolToObject(pg, "viewed", st->viewed);
			cJSON_AddBoolToObject(pg, "changed_since_viewed", st->changed);
			cJSON_AddItemToArray(pages, pg);
		}
		cJSON_AddItemToArray(modules, o);
	}

	cJSON *prog = cJSON_AddObjectToObject(root, "progress");
	cJSON_AddNumberToObject(prog, "pages_viewed", (double)p->total_viewed);
	cJSON_AddNumberToObject(prog, "pages_total", (double)p->total);
	cJSON_AddNumberToObject(prog, "percent", percent(p->total_viewed, p->total));

	if (p->pos_module >= 0) {
		const struct course_module *m = &c->modules[p->pos_module];
		cJSON *pos = cJSON_AddObjectToObject(root, "position");
		cJSON_AddStringToObject(pos, "module", m->id);
		cJSON_AddStringToObject(pos, "module_title", m->title);
		cJSON_AddStringToObject(pos, "page", m->pages[p->pos_page].id);
		cJSON_AddStringToObject(pos, "page_title", m->pages[p->pos_page].title);
		cJSON_AddBoolToObject(pos, "resumed", p->resumed);
	} else {
		cJSON_AddNullToObject(root, "position");
	}
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return CLI_USAGE;
	puts(text);
	free(text);
	return CLI_OK;
}

int cmd_list_run(const struct cli_opts *opts, int argc, char **argv)
{
	bool brief = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--short") == 0 || strcmp(argv[i], "-s") == 0) {
			brief = true;
		} else {
			cli_error("list: unexpected argument '%s'; see 'lambda-tutor list --help'",
				  argv[i]);
			return CLI_USAGE;
		}
	}
	int rc = CLI_USAGE;
	struct error err;
	error_clear(&err);
	struct diags d = DIAGS_INIT;
	struct course *course = NULL;
	struct progress p = { 0 };
	char *db_path = NULL;
	char *dir = cli_course_dir(opts);
	if (!course_exists(dir, &err)) {
		cli_print_error(&err);
		goto out;
	}
	course = course_load_checked(dir, &d);
	if (!course) {
		diags_sort(&d);
		diags_print(&d, stderr);
		rc = CLI_FAIL;
		goto out;
	}
	db_path = cli_db_path(opts, &err);
	if (!db_path || !progress_load(&p, course, db_path, &err)) {
		cli_print_error(&err);
		goto out;
	}
	if (opts->json) {
		rc = print_json(&p, db_path);
	} else {
		print_text(&p, db_path, brief);
		rc = CLI_OK;
	}
out:
	progress_release(&p);
	free(db_path);
	course_free(course);
	diags_release(&d);
	free(dir);
	return rc;
}
