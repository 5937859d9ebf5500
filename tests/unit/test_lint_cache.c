/*
 * Unit tests for the record of a clean lint (course/lint_cache.c) as course_load_checked() uses
 * it, on copies of the real course and quizzes: a start after a clean lint takes the record's
 * word, and any edit after it (a page, a quiz, an exercise, a new file), even one that keeps
 * the file's size, is linted again and refused.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/path.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/lint_cache.h"
#include "harness.h"

static char *tmp;

/* Copy the real course and quizzes into tmp/name; returns the course folder. */
static char *copy_course(const char *name)
{
	char *cmd = xasprintf("mkdir -p '%s/%s' && cp -r '%s/lessons' '%s/quizzes' '%s/scenarios' "
			      "'%s/%s/'",
			      tmp, name, LT_SOURCE_DIR, LT_SOURCE_DIR, LT_SOURCE_DIR, tmp, name);
	if (system(cmd) != 0)
		printf("# %s failed\n", cmd);
	free(cmd);
	return xasprintf("%s/%s/lessons", tmp, name);
}

static size_t records(void)
{
	char *cmd = xasprintf("ls '%s/cache/lambda-tutor/course-lint' 2>/dev/null | "
			      "grep -c '^[0-9a-f]\\{64\\}$'",
			      tmp);
	FILE *fp = popen(cmd, "r");
	size_t n = 0;
	if (fp && fscanf(fp, "%zu", &n) != 1)
		n = 0;
	if (fp)
		pclose(fp);
	free(cmd);
	return n;
}

/* Replace the first occurrence of from in file by to. */
static bool edit(const char *file, const char *from, const char *to)
{
	size_t len;
	char *text = path_read_file(file, 0, &len, NULL);
	char *at = text ? strstr(text, from) : NULL;
	bool ok = at != NULL;
	if (ok) {
		char *out = xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
		FILE *fp = fopen(file, "w");
		ok = fp && fputs(out, fp) >= 0;
		if (fp)
			ok = fclose(fp) == 0 && ok;
		free(out);
	}
	free(text);
	return ok;
}

/* Load dir as the tutor does; whether it loaded, and whether from the record. */
static bool start(const char *dir, bool *cached, char **first_diag)
{
	struct diags d = DIAGS_INIT;
	struct course *c = course_load_checked(dir, &d);
	*cached = c && c->lint_cached;
	if (first_diag)
		*first_diag = d.n ? diags_format(&d, 0) : NULL;
	bool ok = c != NULL && d.n == 0;
	course_free(c);
	diags_release(&d);
	return ok;
}

static bool same_pages(const struct course *a, const struct course *b)
{
	if (a->n_modules != b->n_modules)
		return false;
	for (size_t m = 0; m < a->n_modules; m++) {
		if (a->modules[m].n_pages != b->modules[m].n_pages)
			return false;
		for (size_t p = 0; p < a->modules[m].n_pages; p++) {
			const struct course_page *x = &a->modules[m].pages[p];
			const struct course_page *y = &b->modules[m].pages[p];
			if (strcmp(x->id, y->id) != 0 || strcmp(x->file, y->file) != 0 ||
			    strcmp(x->hash, y->hash) != 0 || strlen(x->hash) != 64)
				return false;
		}
	}
	return true;
}

static char *page_dir, *quiz_dir, *exercise_dir, *new_file_dir;

TEST(lint_cache__a_fresh_copy_is_linted_but_not_recorded)
{
	quiz_dir = copy_course("quiz");
	exercise_dir = copy_course("exercise");
	new_file_dir = copy_course("new-file");
	page_dir = copy_course("page");
	bool cached;
	/* The files' times are taken before lint reads them, however long lint takes. */
	ok(start(page_dir, &cached, NULL) && !cached, "a copy made just now lints clean");
	is_int(records(), 0, "but its files changed too recently to be trusted: no record");
}

TEST(lint_cache__a_clean_lint_is_recorded_and_taken)
{
	sleep(LINT_CACHE_SETTLE_S + 1);
	const char *dirs[] = { page_dir, quiz_dir, exercise_dir, new_file_dir };
	for (size_t i = 0; i < 4; i++) {
		bool cached;
		ok(start(dirs[i], &cached, NULL) && !cached, "%zu: linted once settled", i);
		ok(start(dirs[i], &cached, NULL) && cached, "%zu: the next start takes the record",
		   i);
	}
	is_int(records(), 4, "one record per course folder");

	struct diags d = DIAGS_INIT;
	struct course *full = course_load_linted(page_dir, &d);
	struct course *fast = course_load_checked(page_dir, &d);
	ok(full && !full->lint_cached, "lint itself never takes the record");
	ok(fast && fast->lint_cached, "a start does");
	ok(full && fast && same_pages(full, fast),
	   "and has every page's file and hash as a full lint computes them");
	course_free(full);
	course_free(fast);

	setenv("LAMBDA_TUTOR_NO_CACHE", "1", 1);
	fast = course_load_checked(page_dir, &d);
	ok(fast && !fast->lint_cached, "LAMBDA_TUTOR_NO_CACHE=1 lints every time");
	course_free(fast);
	unsetenv("LAMBDA_TUTOR_NO_CACHE");
	is_int(d.n, 0, "all clean");
	diags_release(&d);
}

/* Break the course in dir with an edit of the same size; it must be refused, twice. */
static void refused_after(const char *dir, const char *file, const char *from, const char *to,
			  const char *want)
{
	char *path = xasprintf("%s/%s", dir, file);
	struct stat before, after;
	ok(stat(path, &before) == 0 && edit(path, from, to) && stat(path, &after) == 0 &&
		   before.st_size == after.st_size,
	   "%s edited, its size unchanged", file);
	bool cached;
	char *diag = NULL;
	ok(!start(dir, &cached, &diag), "the start refuses the course");
	ok(diag && strstr(diag, want), "and says why: %s", diag ? diag : "(nothing)");
	free(diag);
	ok(!start(dir, &cached, NULL), "and so does the next: problems are never recorded");
	ok(edit(path, to, from) && start(dir, &cached, NULL) && !cached,
	   "put back, it lints clean again");
	free(path);
}

TEST(lint_cache__an_edit_after_a_recorded_lint_is_caught)
{
	refused_after(page_dir, "01-core-concepts/execution-environment.md",
		      "# The execution environment\n", "# The execution environmenT\n",
		      "differs from the page's title");
	refused_after(quiz_dir, "../quizzes/core-concepts.yaml", "- id: cc-max-timeout\n",
		      "- id: cc-max-timeouT\n", "question id 'cc-max-timeouT'");
	refused_after(exercise_dir, "01-core-concepts/exercises/hello-world/exercise.yaml",
		      "\nkind: code\n", "\nkind: cods\n", "unknown exercise kind 'cods'");

	char *extra = xasprintf("%s/../quizzes/extra.yaml", new_file_dir);
	ok(path_write_file(extra, "id: extra\nquestions: 3\n", 22, 0644, NULL),
	   "a new quiz file added to the quizzes folder");
	bool cached;
	char *diag = NULL;
	bool started = start(new_file_dir, &cached, &diag);
	ok(!started && diag && strstr(diag, "extra.yaml"), "is linted and refused: %s",
	   diag ? diag : "(nothing)");
	free(diag);
	unlink(extra);
	free(extra);
}

int main(void)
{
	char dir[] = "/tmp/lt-test-lint-cache-XXXXXX";
	if (!mkdtemp(dir)) {
		printf("Bail out! cannot make a temporary folder\n");
		return 1;
	}
	tmp = dir;
	char *cache = xasprintf("%s/cache", tmp);
	setenv("XDG_CACHE_HOME", cache, 1);
	unsetenv("LAMBDA_TUTOR_NO_CACHE");
	RUN(lint_cache__a_fresh_copy_is_linted_but_not_recorded);
	RUN(lint_cache__a_clean_lint_is_recorded_and_taken);
	RUN(lint_cache__an_edit_after_a_recorded_lint_is_caught);
	char *cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", tmp);
	free(cmd);
	free(cache);
	free(page_dir);
	free(quiz_dir);
	free(exercise_dir);
	free(new_file_dir);
	return done();
}
