/*
 * The state the tutor's screens share, against a real record file: where a relaunch resumes,
 * which pages count as read, which changed since they were read. No terminal needed.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/path.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "harness.h"
#include "store/store.h"
#include "tui/tui.h"

/* Two modules of two pages; hashes are what the pages hold now. */
static struct course_page pages_a[2], pages_b[2];
static struct course_module modules[2];
static struct course course;

static void set_page(struct course_page *p, const char *id, const char *hash)
{
	p->id = xstrdup(id);
	p->title = xstrdup(id);
	snprintf(p->hash, sizeof(p->hash), "%s", hash);
}

static void make_course(void)
{
	set_page(&pages_a[0], "intro", "aaaa");
	set_page(&pages_a[1], "more", "bbbb");
	set_page(&pages_b[0], "first", "cccc");
	set_page(&pages_b[1], "second", "dddd");
	modules[0].id = xstrdup("a");
	modules[0].pages = pages_a;
	modules[0].n_pages = 2;
	modules[1].id = xstrdup("b");
	modules[1].pages = pages_b;
	modules[1].n_pages = 2;
	course.modules = modules;
	course.n_modules = 2;
}

static void free_course(void)
{
	for (size_t m = 0; m < 2; m++) {
		free(modules[m].id);
		for (size_t p = 0; p < 2; p++) {
			free(modules[m].pages[p].id);
			free(modules[m].pages[p].title);
		}
	}
}

static char dir[] = "/tmp/test-tui-app.XXXXXX";

static struct store *open_store(void)
{
	struct error err;
	char *path = path_join(dir, "learner.db");
	struct store *s = store_open(path, &err);
	if (!s)
		printf("#   %s\n", err.msg);
	free(path);
	return s;
}

static void view(struct store *s, const char *module, const char *page, const char *hash)
{
	struct error err;
	struct store_event ev = {
		.kind = STORE_PAGE_VIEW, .module = module, .item = page, .hash = hash
	};
	ok(store_append(s, &ev, &err), "recorded %s/%s", module, page);
}

TEST(app_init__without_records_has_no_position)
{
	struct store *s = open_store();
	struct app app;
	struct error err;
	ok(app_init(&app, &course, s, &err), "app_init");
	ok(!app.resume && app.module == -1 && app.page == -1, "nothing to resume");
	is_int(app_viewed_count(&app, -1), 0, "nothing read");
	app_release(&app);
	store_close(s);
}

TEST(app_view_page__records_and_a_relaunch_resumes_there)
{
	struct store *s = open_store();
	struct app app;
	struct error err;
	app_init(&app, &course, s, &err);
	app_view_page(&app, 1, 1);
	ok(app.status[0] == '\0', "no error shown");
	ok(app_page_viewed(&app, 1, 1), "the page counts as read at once");
	is_int(app_viewed_count(&app, 1), 1, "one page of module b");
	app_release(&app);
	store_close(s);

	s = open_store();
	ok(app_init(&app, &course, s, &err), "relaunch");
	ok(app.resume, "there is a place to resume");
	is_int(app.module, 1, "module b");
	is_int(app.page, 1, "its second page");
	ok(app_page_viewed(&app, 1, 1) && !app_page_viewed(&app, 0, 0), "read pages come back");
	app_release(&app);
	store_close(s);
}

TEST(app_init__marks_pages_changed_since_read)
{
	struct store *s = open_store();
	view(s, "a", "intro", "old-hash");
	view(s, "a", "more", "bbbb");
	view(s, "gone", "page", "eeee");      /* a module since removed */
	view(s, "a", "removed-page", "ffff"); /* a page since removed */
	struct app app;
	struct error err;
	ok(app_init(&app, &course, s, &err), "app_init");
	ok(app_page_changed(&app, 0, 0), "a page read under another hash changed");
	ok(!app_page_changed(&app, 0, 1), "a page read under its hash did not");
	is_int(app_viewed_count(&app, 0), 2, "both count as read");
	ok(!app.resume, "a last view of a page that is gone gives no place to resume");
	app_view_page(&app, 0, 0);
	ok(!app_page_changed(&app, 0, 0), "reading it again clears the mark");
	app_release(&app);
	store_close(s);
}

TEST(app_view_page__without_a_store_only_moves)
{
	struct app app;
	struct error err;
	ok(app_init(&app, &course, NULL, &err), "app_init without records");
	app_view_page(&app, 0, 1);
	ok(app.module == 0 && app.page == 1, "the position moves");
	ok(!app_page_viewed(&app, 0, 1), "but nothing is recorded");
	app_release(&app);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	make_course();
	RUN(app_init__without_records_has_no_position);
	RUN(app_view_page__records_and_a_relaunch_resumes_there);
	/* A fresh learner for the next tests. */
	char *path = path_join(dir, "learner.db");
	char *wal = path_join(dir, "learner.db-wal"), *shm = path_join(dir, "learner.db-shm");
	unlink(path);
	unlink(wal);
	unlink(shm);
	RUN(app_init__marks_pages_changed_since_read);
	RUN(app_view_page__without_a_store_only_moves);
	unlink(path);
	unlink(wal);
	unlink(shm);
	rmdir(dir);
	free_course();
	free(path);
	free(wal);
	free(shm);
	return done();
}
