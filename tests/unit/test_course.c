/*
 * Unit tests for the course loader and every lint rule, each with its exact line and column.
 * Small courses are written into a temporary folder; tests/unit/fixtures/good is a whole one.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "course/course.h"
#include "course/lint.h"
#include "harness.h"

static char tmp[] = "/tmp/lt-test-course-XXXXXX";

/* Write text to rel under the temporary folder, creating folders on the way. */
static void put_bytes(const char *rel, const char *text, size_t len)
{
	char *dir = path_dirname(rel);
	path_mkdirs(dir, 0755, NULL);
	free(dir);
	FILE *fp = fopen(rel, "wb");
	if (!fp) {
		perror(rel);
		exit(2);
	}
	fwrite(text, 1, len, fp);
	fclose(fp);
}

static void put(const char *rel, const char *text)
{
	put_bytes(rel, text, strlen(text));
}

static const char *const course_yaml = "id: demo\n"
				       "title: Demo\n"
				       "minutes: 20\n"
				       "modules:\n"
				       "  - m1\n";

static const char *const module_yaml = "id: m1\n"
				       "title: One\n"
				       "minutes: 20\n"
				       "objectives:\n"
				       "  - Learn\n"
				       "pages:\n"
				       "  - id: intro\n"
				       "    title: Intro\n"
				       "    file: intro.md\n";

/* A clean one-module course in folder c, with course.yaml and m1/module.yaml as given. */
static void course_at(const char *c, const char *course, const char *module)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/course.yaml", c);
	put(path, course ? course : course_yaml);
	snprintf(path, sizeof(path), "%s/m1/module.yaml", c);
	put(path, module ? module : module_yaml);
	snprintf(path, sizeof(path), "%s/m1/intro.md", c);
	put(path, "# Intro\n\nSome text.\n");
}

/* Every diagnostic of lint on folder c, sorted, one per line. Caller frees. */
static char *lint_of(const char *c)
{
	struct diags d = DIAGS_INIT;
	bool clean = course_lint(c, &d);
	diags_sort(&d);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < d.n; i++) {
		char *s = diags_format(&d, i);
		strbuf_addf(&sb, "%s%s", i ? "\n" : "", s);
		free(s);
	}
	if (clean != (d.n == 0))
		strbuf_addstr(&sb, "\n(course_lint's answer disagrees with its diagnostics)");
	diags_release(&d);
	return strbuf_detach(&sb);
}

#define lints_as(c, want, what)           \
	do {                              \
		char *got_ = lint_of(c);  \
		is_str(got_, want, what); \
		free(got_);               \
	} while (0)

TEST(course_load__reads_the_good_fixture)
{
	struct diags d = DIAGS_INIT;
	struct course *c = course_load(LT_SOURCE_DIR "/tests/unit/fixtures/good", &d);
	ok(c != NULL, "loads");
	is_int(d.n, 0, "no diagnostics");
	if (!c)
		return;
	is_str(c->id, "good-course", "course id");
	is_str(c->title, "A Good Course", "course title");
	is_str(c->summary, "Two modules, three pages.", "summary");
	is_int(c->minutes, 30, "course minutes");
	ok(c->quiz_dir == NULL && c->scenario_dir == NULL, "no quizzes or scenarios");
	ok(c->root[0] == '/', "root is absolute");
	is_int(c->n_modules, 2, "two modules");
	const struct course_module *m = &c->modules[0];
	is_str(m->id, "basics", "module id");
	is_str(m->dir, "01-basics", "module folder");
	is_str(m->title, "The basics", "module title");
	is_int(m->minutes, 20, "module minutes");
	is_int(m->n_objectives, 2, "objectives");
	is_str(m->objectives[1], "Write a handler", "objective text");
	is_int(m->n_pages, 2, "pages");
	ok(m->quiz == NULL, "no quiz");
	const struct course_page *p = &m->pages[0];
	is_str(p->id, "intro", "page id");
	is_str(p->title, "Introduction: what `Lambda` is", "page title");
	ok(p->file[0] == '/' && str_ends_with(p->file, "/01-basics/intro.md"),
	   "page file is absolute");
	is_str(p->hash, "c22d568b1d07902019a44856c4275ef11c9c7af4945003bb2d4107bde88671d8",
	       "page hash is the SHA-256 of its bytes");
	is_int(p->line, 8, "page id line");
	is_int(p->col, 9, "page id column");
	is_int(course_page_count(c), 3, "three pages in all");
	is_int(course_module_index(c, "deeper"), 1, "module index");
	is_int(course_module_index(c, "nope"), -1, "unknown module");
	ok(course_find_module(c, "deeper") == &c->modules[1], "find module");
	is_int(course_page_index(m, "handler"), 1, "page index");
	ok(course_find_page(m, "nope") == NULL, "unknown page");
	ok(course_find_page(&c->modules[1], "memory") != NULL, "flow-style page");
	struct error err;
	size_t len = 0;
	char *text = course_page_text(c, p, &len, &err);
	ok(text && strncmp(text, "# Introduction", 14) == 0, "page text");
	char h[SHA256_HEX_LEN + 1];
	sha256_hex(text, len, h);
	is_str(h, p->hash, "text matches the hash");
	free(text);
	course_free(c);
	course_free(NULL);
	diags_release(&d);
}

TEST(course_load__accepts_a_clean_course_and_lint_agrees)
{
	course_at("clean", NULL, NULL);
	lints_as("clean", "", "a clean course has nothing to say");
	struct diags d = DIAGS_INIT;
	struct course *c = course_load_checked("clean", &d);
	ok(c && c->n_modules == 1 && c->modules[0].n_pages == 1, "loads checked");
	course_free(c);
	diags_release(&d);
}

TEST(course_exists__says_what_is_missing)
{
	struct error err;
	ok(!course_exists("no-such-folder", &err), "missing folder");
	is_str(err.msg, "cannot open course 'no-such-folder': no such folder", "message");
	path_mkdirs("empty", 0755, NULL);
	ok(!course_exists("empty", &err), "no course.yaml");
	is_str(err.msg, "cannot open course 'empty': no course.yaml", "message");
	put("a-file", "not a course\n");
	ok(!course_exists("a-file", &err), "a file");
	is_str(err.msg, "cannot open course 'a-file': not a folder", "message");
	struct diags d = DIAGS_INIT;
	ok(course_load("empty", &d) == NULL && d.n == 1, "course_load reports it too");
	diags_release(&d);
}

TEST(lint__unknown_keys_suggest_the_known_one)
{
	course_at("unknown", "id: demo\ntitle: Demo\nminutes: 20\nmodlues:\n  - m1\n", NULL);
	lints_as("unknown",
		 "unknown/course.yaml:1:1: missing required key 'modules' in course\n"
		 "unknown/course.yaml:4:1: unknown key 'modlues' in course (did you mean "
		 "'modules'?)",
		 "course.yaml");
	course_at("unknown2", NULL,
		  "id: m1\ntitle: One\nminutes: 20\nobjectives: [a]\n"
		  "pages:\n  - id: intro\n    title: Intro\n    flie: intro.md\n");
	lints_as("unknown2",
		 "unknown2/m1/module.yaml:6:5: missing required key 'file' in page 1\n"
		 "unknown2/m1/module.yaml:8:5: unknown key 'flie' in page 1 (did you mean "
		 "'file'?)",
		 "in a page");
	course_at("unknown3", NULL,
		  "id: m1\ntitle: One\nminutes: 20\nobjectives: [a]\ncolour: red\n"
		  "pages: [{id: intro, title: Intro, file: intro.md}]\n");
	lints_as("unknown3", "unknown3/m1/module.yaml:5:1: unknown key 'colour' in module",
		 "no suggestion when nothing is close");
}

TEST(lint__missing_required_keys)
{
	course_at("missing", "title: Demo\nminutes: 20\nmodules: [m1]\n",
		  "id: m1\nminutes: 20\nobjectives: [a]\n"
		  "pages: [{id: intro, title: Intro, file: intro.md}]\n");
	lints_as("missing",
		 "missing/course.yaml:1:1: missing required key 'id' in course\n"
		 "missing/m1/module.yaml:1:1: missing required key 'title' in module",
		 "course id and module title");
}

TEST(lint__wrong_types)
{
	course_at("types", "id: demo\ntitle: [Demo]\nminutes: 20\nmodules: m1\n",
		  "id: m1\ntitle: One\nminutes: '20'\nobjectives: Learn\n"
		  "pages: [{id: intro, title: Intro, file: intro.md}]\nquiz: [q]\n");
	lints_as("types",
		 "types/course.yaml:2:8: 'title' must be a string, not a list\n"
		 "types/course.yaml:4:10: 'modules' must be a list, not a string",
		 "course keys");
	course_at("types2", NULL,
		  "id: m1\ntitle: One\nminutes: '20'\nobjectives: Learn\n"
		  "pages: [{id: intro, title: Intro, file: intro.md}, just-a-name]\n"
		  "quiz: [q]\nexercises: {a: 1}\n");
	lints_as("types2",
		 "types2/m1/module.yaml:3:10: 'minutes' must be an integer, not a string\n"
		 "types2/m1/module.yaml:4:13: 'objectives' must be a list, not a string\n"
		 "types2/m1/module.yaml:5:52: page 2 must be a mapping, not a string\n"
		 "types2/m1/module.yaml:6:7: 'quiz' must be a string, not a list\n"
		 "types2/m1/module.yaml:7:12: 'exercises' must be a list, not a mapping",
		 "module keys");
	course_at("types3", "id: demo\ntitle: Demo\nminutes: 20\nmodules:\n  - m1\n  - [m2]\n",
		  NULL);
	lints_as("types3", "types3/course.yaml:6:5: module 2 must be a folder name, not a list",
		 "module list items");
	course_at("types4", NULL,
		  "id: m1\ntitle: One\nminutes: 20\nobjectives:\n  - Learn\n  - {a: b}\n"
		  "pages: [{id: intro, title: Intro, file: intro.md}]\n");
	lints_as("types4", "types4/m1/module.yaml:6:5: objective 2 must be a string, not a mapping",
		 "objectives items");
}

TEST(lint__duplicate_keys_and_ids)
{
	course_at("dups", "id: demo\ntitle: Demo\nminutes: 40\nmodules: [m1, m2]\n", NULL);
	put("dups/m2/module.yaml", "id: m1\ntitle: Two\nminutes: 20\nobjectives: [a]\n"
				   "pages:\n"
				   "  - {id: intro, title: Intro, file: intro.md}\n"
				   "  - {id: intro, title: Intro, file: intro.md}\n"
				   "title: Again\n");
	put("dups/m2/intro.md", "# Intro\n");
	lints_as("dups",
		 "dups/m2/module.yaml:1:5: duplicate module id 'm1' (also in "
		 "dups/m1/module.yaml:1:5)\n"
		 "dups/m2/module.yaml:7:10: duplicate page id 'intro' (first at line 6)\n"
		 "dups/m2/module.yaml:8:1: duplicate key 'title' (first at line 2)",
		 "module ids, page ids and keys");
}

TEST(lint__ids_with_bad_characters)
{
	course_at("ids", "id: Demo Course\ntitle: Demo\nminutes: 20\nmodules: [m1]\n",
		  "id: M_1\ntitle: One\nminutes: 20\nobjectives: [a]\n"
		  "pages: [{id: 'intro page', title: Intro, file: intro.md}]\n");
	lints_as("ids",
		 "ids/course.yaml:1:5: course id 'Demo Course' may only use lower-case letters, "
		 "digits and '-'\n"
		 "ids/m1/module.yaml:1:5: module id 'M_1' may only use lower-case letters, digits "
		 "and '-'\n"
		 "ids/m1/module.yaml:5:14: page id 'intro page' may only use lower-case letters, "
		 "digits and '-'",
		 "course, module and page ids");
	ok(lint_valid_id("a-1"), "a-1 is an id");
	ok(!lint_valid_id("") && !lint_valid_id("a.b") && !lint_valid_id("\xc3\xa9"),
	   "empty, dots and non-ASCII are not");
}

TEST(lint__folders_and_files_that_do_not_exist)
{
	course_at("refs",
		  "id: demo\ntitle: Demo\nminutes: 20\nquizzes: qz\nscenarios: /abs\n"
		  "modules:\n  - m1\n  - m9\n  - m1\n  - ../m1\n  - nomod\n",
		  "id: m1\ntitle: One\nminutes: 20\nobjectives: [a]\npages:\n"
		  "  - {id: intro, title: Intro, file: intro.md}\n"
		  "  - {id: gone, title: Gone, file: gone.md}\n"
		  "  - {id: up, title: Up, file: ../course.yaml}\n"
		  "  - {id: abs, title: Abs, file: /etc/passwd}\n"
		  "  - {id: dir, title: Dir, file: sub}\n");
	path_mkdirs("refs/nomod", 0755, NULL);
	path_mkdirs("refs/m1/sub", 0755, NULL);
	lints_as("refs",
		 "refs/course.yaml:4:10: quizzes folder 'qz' does not exist\n"
		 "refs/course.yaml:5:12: 'scenarios' must be a folder relative to the course "
		 "folder, not an absolute path\n"
		 "refs/course.yaml:8:5: module folder 'm9' does not exist\n"
		 "refs/course.yaml:9:5: module folder 'm1' is listed twice (first at line 7)\n"
		 "refs/course.yaml:10:5: module folder '../m1' must be a folder directly inside "
		 "the course folder\n"
		 "refs/course.yaml:11:5: module folder 'nomod' has no module.yaml\n"
		 "refs/m1/module.yaml:7:35: page file 'gone.md' does not exist\n"
		 "refs/m1/module.yaml:8:31: page file '../course.yaml' must stay inside the "
		 "course folder: no absolute path, no '..'\n"
		 "refs/m1/module.yaml:9:33: page file '/etc/passwd' must stay inside the course "
		 "folder: no absolute path, no '..'\n"
		 "refs/m1/module.yaml:10:33: page file 'sub' is a folder, not a Markdown file",
		 "every missing or escaping reference");
}

TEST(lint__module_minutes_add_up_to_the_course)
{
	course_at("sum", "id: demo\ntitle: Demo\nminutes: 120\nmodules: [m1, m2]\n", NULL);
	put("sum/m2/module.yaml", "id: m2\ntitle: Two\nminutes: 95\nobjectives: [a]\n"
				  "pages: [{id: intro, title: Intro, file: intro.md}]\n");
	put("sum/m2/intro.md", "# Intro\n");
	lints_as("sum", "sum/course.yaml:3:10: module minutes add up to 115, course says 120",
		 "the sum is located at the course's minutes");
	course_at("minutes", "id: demo\ntitle: Demo\nminutes: 0\nmodules: [m1]\n",
		  "id: m1\ntitle: One\nminutes: -5\nobjectives: [a]\n"
		  "pages: [{id: intro, title: Intro, file: intro.md}]\n");
	lints_as("minutes",
		 "minutes/course.yaml:3:10: 'minutes' must be between 1 and 1440, not 0\n"
		 "minutes/m1/module.yaml:3:10: 'minutes' must be between 1 and 1440, not -5",
		 "minutes must be positive; no sum is made of wrong minutes");
}

TEST(lint__empty_lists)
{
	course_at("empty-lists", "id: demo\ntitle: Demo\nminutes: 20\nmodules: []\n", NULL);
	lints_as("empty-lists",
		 "empty-lists/course.yaml:4:10: 'modules' must list at least one module folder",
		 "no modules");
	course_at("empty-lists2", NULL,
		  "id: m1\ntitle: One\nminutes: 20\nobjectives: []\npages:\n");
	lints_as("empty-lists2",
		 "empty-lists2/m1/module.yaml:4:13: 'objectives' must list at least one "
		 "objective\n"
		 "empty-lists2/m1/module.yaml:5:7: 'pages' must be a list, not null",
		 "no objectives, pages left empty");
	course_at("empty-lists3", NULL,
		  "id: m1\ntitle: One\nminutes: 20\nobjectives: [a]\npages: []\n");
	lints_as("empty-lists3",
		 "empty-lists3/m1/module.yaml:5:8: 'pages' must list at least one page",
		 "an empty list of pages");
}

TEST(lint__first_heading_is_the_page_title)
{
	course_at("heading", NULL, NULL);
	put("heading/m1/intro.md", "Some words first.\n\n## Introduction\n");
	lints_as("heading",
		 "heading/m1/intro.md:3:1: first heading 'Introduction' differs from the page's "
		 "title 'Intro' in module.yaml",
		 "a different heading, located in the page");
	put("heading/m1/intro.md", "```\n# Intro\n```\n\nNo heading here.\n    # Intro\n");
	lints_as("heading", "heading/m1/intro.md:1:1: page has no heading; start it with '# Intro'",
		 "headings in code do not count");
	put("heading/m1/intro.md", "Intro\n---\n");
	lints_as("heading", "", "a setext heading counts");
	put("heading/m1/intro.md", "\xef\xbb\xbf  # *Intro* #  \r\n");
	lints_as("heading", "", "BOM, indent, emphasis, closing hashes and CRLF are fine");
}

TEST(lint__pages_are_utf8_text)
{
	course_at("utf8", NULL, NULL);
	/* Line 3: "é" is one character, so the bad byte is in column 3. */
	put("utf8/m1/intro.md", "# Intro\n\n\xc3\xa9x\xc3(\n");
	lints_as("utf8", "utf8/m1/intro.md:3:3: invalid UTF-8 (byte 0xc3); pages must be UTF-8",
		 "a truncated sequence");
	put("utf8/m1/intro.md", "# Intro\n\xed\xa0\x80\n");
	lints_as("utf8", "utf8/m1/intro.md:2:1: invalid UTF-8 (byte 0xed); pages must be UTF-8",
		 "a surrogate");
	put("utf8/m1/intro.md", "# Intro\n\xc0\xaf \xf4\x90\x80\x80\n");
	lints_as("utf8", "utf8/m1/intro.md:2:1: invalid UTF-8 (byte 0xc0); pages must be UTF-8",
		 "an overlong form, reported once");
	put_bytes("utf8/m1/intro.md", "# Intro\nab\0c\n", 13);
	lints_as("utf8", "utf8/m1/intro.md:2:3: page contains a NUL byte; pages must be text",
		 "a NUL byte");
	put("utf8/m1/intro.md", "# Intro \xf0\x9f\x9a\x80\n");
	lints_as("utf8",
		 "utf8/m1/intro.md:1:1: first heading 'Intro \xf0\x9f\x9a\x80' differs from the "
		 "page's title 'Intro' in module.yaml",
		 "four-byte characters are text");
}

TEST(lint__malformed_yaml_is_located)
{
	course_at("yaml", NULL, "id: m1\ntitle: One\n  minutes: 20\n");
	lints_as("yaml", "yaml/m1/module.yaml:3:10: mapping values are not allowed in this context",
		 "libyaml's problem and mark");
	course_at("yaml2", "id: demo\ntitle: &t Demo\nsummary: *t\nminutes: 20\nmodules: [m1]\n",
		  NULL);
	lints_as("yaml2",
		 "yaml2/course.yaml:3:10: aliases (*name) are not supported; repeat the content "
		 "instead",
		 "aliases");
	course_at("yaml3", "- a\n- b\n", NULL);
	lints_as("yaml3", "yaml3/course.yaml:1:1: course must be a mapping, not a list",
		 "a list instead of a mapping");
	course_at("yaml4", NULL, "id: m1\ntitle: \"One\n");
	lints_as("yaml4",
		 "yaml4/m1/module.yaml:3:1: found unexpected end of stream while scanning a "
		 "quoted scalar",
		 "an unterminated string");
}

TEST(lint__quiz_needs_a_quizzes_folder)
{
	course_at("quiz", NULL,
		  "id: m1\ntitle: One\nminutes: 20\nobjectives: [a]\n"
		  "pages: [{id: intro, title: Intro, file: intro.md}]\nquiz: m1-quiz\n");
	lints_as("quiz",
		 "quiz/m1/module.yaml:6:7: quiz 'm1-quiz' cannot be found: the course has no "
		 "quizzes folder",
		 "a quiz with nowhere to come from");
	struct diags d = DIAGS_INIT;
	struct course *c = course_load("quiz", &d);
	ok(c && c->modules[0].quiz && strcmp(c->modules[0].quiz, "m1-quiz") == 0,
	   "course_load keeps the quiz id");
	course_free(c);
	diags_release(&d);
	course_at("quiz2",
		  "id: demo\ntitle: Demo\nminutes: 20\nquizzes: ../qz\nscenarios: sc\n"
		  "modules: [m1]\n",
		  NULL);
	path_mkdirs("qz", 0755, NULL);
	path_mkdirs("quiz2/sc", 0755, NULL);
	c = course_load_checked("quiz2", &d);
	ok(c && c->quiz_dir && str_ends_with(c->quiz_dir, "/qz") && c->quiz_dir[0] == '/',
	   "quizzes folder resolved, outside the course is fine");
	ok(c && c->scenario_dir && str_ends_with(c->scenario_dir, "/quiz2/sc"),
	   "scenarios folder resolved");
	is_int(d.n, 0, "no diagnostics");
	course_free(c);
	diags_release(&d);
}

TEST(lint__reports_every_problem_sorted_and_loads_nothing)
{
	course_at("many", "id: demo\ntitle: Demo\nminutes: 25\nmodules: [m1]\n",
		  "id: m1\ntitel: One\nminutes: 20\nobjectives: []\n"
		  "pages: [{id: intro, title: Intro, file: intro.md}]\n");
	put("many/m1/intro.md", "# Other\n");
	struct diags d = DIAGS_INIT;
	struct course *c = course_load("many", &d);
	ok(c == NULL, "nothing is handed out");
	is_int(d.n, 5, "five problems");
	diags_release(&d);
	lints_as("many",
		 "many/course.yaml:3:10: module minutes add up to 20, course says 25\n"
		 "many/m1/intro.md:1:1: first heading 'Other' differs from the page's title "
		 "'Intro' in module.yaml\n"
		 "many/m1/module.yaml:1:1: missing required key 'title' in module\n"
		 "many/m1/module.yaml:2:1: unknown key 'titel' in module (did you mean 'title'?)\n"
		 "many/m1/module.yaml:4:13: 'objectives' must list at least one objective",
		 "sorted by file, line and column");
}

TEST(lint__messages_stay_on_one_short_line)
{
	char buf[80];
	is_str(lint_clip("a\nb\tc", buf, sizeof(buf)), "a?b?c", "control characters");
	char long_id[200];
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	lint_clip(long_id, buf, sizeof(buf));
	is_int(strlen(buf), 63, "long values are cut");
	ok(str_ends_with(buf, "..."), "with an ellipsis");
	char accents[130] = "";
	for (int i = 0; i < 64; i++)
		strcat(accents, "\xc3\xa9");
	lint_clip(accents, buf, sizeof(buf));
	is_int(strlen(buf), 63, "cut on a character boundary");
	course_at("clip", "id: \"a\\nb\"\ntitle: Demo\nminutes: 20\nmodules: [m1]\n", NULL);
	lints_as("clip",
		 "clip/course.yaml:1:5: course id 'a?b' may only use lower-case letters, digits "
		 "and '-'",
		 "a newline in a value does not split the line");
}

TEST(course_read_module_doc__checks_without_the_disk)
{
	struct error err;
	const char *text = "id: m1\ntitle: One\nminutes: 20\nobjectives: [a, b]\n"
			   "pages: [{id: p, title: P, file: nowhere.md}]\nquiz: q\n";
	struct ynode *doc = ynode_parse(text, strlen(text), "m.yaml", &err);
	struct course_module m = { 0 };
	struct diags d = DIAGS_INIT;
	course_read_module_doc(&m, doc, "m.yaml", NULL, &d);
	is_int(d.n, 0, "files are not looked for");
	is_int(m.n_pages, 1, "the page is read");
	is_str(m.pages[0].hash, "", "and not hashed");
	is_str(m.quiz, "q", "quiz");
	is_int(m.quiz_line, 6, "quiz line");
	course_module_release(&m);
	course_module_release(&m);
	ynode_free(doc);
	diags_release(&d);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

TEST(course_read_module_doc__bounds_long_lists)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "id: m1\ntitle: One\nminutes: 20\nobjectives: [a]\npages:\n");
	for (int i = 0; i < 300; i++)
		strbuf_addf(&sb, "  - {id: p%d, title: P, file: p.md}\n", i);
	struct error err;
	struct ynode *doc = ynode_parse(sb.buf, sb.len, "m.yaml", &err);
	struct course_module m = { 0 };
	struct diags d = DIAGS_INIT;
	course_read_module_doc(&m, doc, "m.yaml", NULL, &d);
	is_int(d.n, 1, "one problem");
	char *s = d.n ? diags_format(&d, 0) : NULL;
	is_str(s, "m.yaml:6:3: 'pages' has 300 items; at most 256 are allowed", "says the bound");
	free(s);
	is_int(m.n_pages, 256, "reads up to the bound");
	course_module_release(&m);
	ynode_free(doc);
	diags_release(&d);
	strbuf_reset(&sb);
	for (int i = 0; i < 5000; i++)
		strbuf_addf(&sb, "k%d: 1\n", i);
	doc = ynode_parse(sb.buf, sb.len, "m.yaml", &err);
	course_read_module_doc(&m, doc, "m.yaml", NULL, &d);
	is_int(d.n, 1, "a mapping with thousands of keys is one problem");
	s = d.n ? diags_format(&d, 0) : NULL;
	is_str(s, "m.yaml:1:1: module has 5000 keys; at most 64 are allowed", "says the bound");
	free(s);
	course_module_release(&m);
	ynode_free(doc);
	diags_release(&d);
	strbuf_release(&sb);
}

int main(void)
{
	if (!mkdtemp(tmp) || chdir(tmp) != 0) {
		perror("cannot make a temporary folder");
		return 2;
	}
	RUN(course_load__reads_the_good_fixture);
	RUN(course_load__accepts_a_clean_course_and_lint_agrees);
	RUN(course_exists__says_what_is_missing);
	RUN(lint__unknown_keys_suggest_the_known_one);
	RUN(lint__missing_required_keys);
	RUN(lint__wrong_types);
	RUN(lint__duplicate_keys_and_ids);
	RUN(lint__ids_with_bad_characters);
	RUN(lint__folders_and_files_that_do_not_exist);
	RUN(lint__module_minutes_add_up_to_the_course);
	RUN(lint__empty_lists);
	RUN(lint__first_heading_is_the_page_title);
	RUN(lint__pages_are_utf8_text);
	RUN(lint__malformed_yaml_is_located);
	RUN(lint__quiz_needs_a_quizzes_folder);
	RUN(lint__reports_every_problem_sorted_and_loads_nothing);
	RUN(lint__messages_stay_on_one_short_line);
	RUN(course_read_module_doc__checks_without_the_disk);
	RUN(course_read_module_doc__bounds_long_lists);
	if (nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		printf("# could not remove %s\n", tmp);
	return done();
}
