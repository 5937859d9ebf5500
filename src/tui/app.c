/*
 * The state screens share: the learner's position and the pages viewed, read once from the
 * store's log and kept in step with every page view appended since.
 */
#include "tui/tui.h"

#include <stdlib.h>
#include <string.h>

#include "course/course.h"
#include "store/store.h"

static bool mark_viewed(const struct store_event *ev, void *ctx)
{
	struct app *app = ctx;
	if (!ev->module || !ev->item)
		return true;
	long m = course_module_index(app->course, ev->module);
	if (m < 0)
		return true; /* a module since removed from the course */
	long p = course_page_index(&app->course->modules[m], ev->item);
	if (p >= 0) {
		const char *now = app->course->modules[m].pages[p].hash;
		app->viewed[m][p] = true;
		app->changed[m][p] = ev->hash && ev->hash[0] && strcmp(ev->hash, now) != 0;
	}
	return true;
}

bool app_init(struct app *app, const struct course *course, struct store *store, struct error *err)
{
	memset(app, 0, sizeof(*app));
	app->course = course;
	app->store = store;
	app->module = -1;
	app->page = -1;
	size_t nm = course->n_modules ? course->n_modules : 1;
	app->viewed = xcalloc(nm, sizeof(*app->viewed));
	app->changed = xcalloc(nm, sizeof(*app->changed));
	for (size_t m = 0; m < course->n_modules; m++) {
		app->viewed[m] = xcalloc(course->modules[m].n_pages + 1, sizeof(bool));
		app->changed[m] = xcalloc(course->modules[m].n_pages + 1, sizeof(bool));
	}
	if (!store)
		return true;

	if (!store_each(store, STORE_PAGE_VIEW, mark_viewed, app, err))
		goto fail;
	char *module = NULL, *page = NULL;
	if (!store_position(store, &module, &page, err))
		goto fail;
	if (module && page) {
		long m = course_module_index(course, module);
		long p = m >= 0 ? course_page_index(&course->modules[m], page) : -1;
		if (p >= 0) {
			app->module = m;
			app->page = p;
			app->resume = true;
		}
	}
	free(module);
	free(page);
	return true;
fail:
	app_release(app);
	return false;
}

void app_release(struct app *app)
{
	if (app->release_items)
		app->release_items(app);
	app->release_items = NULL;
	free(app->workspace);
	free(app->reached);
	app->workspace = NULL;
	for (size_t m = 0; app->course && m < app->course->n_modules; m++) {
		if (app->viewed)
			free(app->viewed[m]);
		if (app->changed)
			free(app->changed[m]);
	}
	free(app->viewed);
	free(app->changed);
	app->viewed = NULL;
	app->changed = NULL;
}

void app_view_page(struct app *app, long m, long p)
{
	const struct course_module *mod = &app->course->modules[m];
	const struct course_page *page = &mod->pages[p];
	app->module = m;
	app->page = p;
	if (!app->store)
		return;
	struct store_event ev = {
		.kind = STORE_PAGE_VIEW,
		.module = mod->id,
		.item = page->id,
		.hash = page->hash,
	};
	struct error err;
	error_clear(&err);
	if (!store_append(app->store, &ev, &err)) {
		char line[600];
		error_format(&err, line, sizeof(line));
		app_error(app, "not saved: %s", line);
		return;
	}
	app->viewed[m][p] = true;
	app->changed[m][p] = false;
}

bool app_page_viewed(const struct app *app, long m, long p)
{
	return app->viewed && app->viewed[m][p];
}

bool app_page_changed(const struct app *app, long m, long p)
{
	return app->changed && app->changed[m][p];
}

size_t app_viewed_count(const struct app *app, long m)
{
	size_t n = 0;
	for (size_t i = 0; i < app->course->n_modules; i++) {
		if (m >= 0 && (size_t)m != i)
			continue;
		for (size_t p = 0; p < app->course->modules[i].n_pages; p++)
			n += app->viewed[i][p];
	}
	return n;
}
