/*
 * Quiz files: every lint rule at its exact line and column, the canonical hash, the stored
 * copy's round trip, the checks across files, and the real quizzes against the real course.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "harness.h"

/* Every diagnostic of parsing text as path, sorted, one per line. Caller frees. */
static char *lint_text(const char *path, const char *text, const struct course *course)
{
	struct diags d = DIAGS_INIT;
	struct quiz *q = quiz_parse(text, strlen(text), path, course, &d);
	quiz_free(q);
	diags_sort(&d);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < d.n; i++) {
		char *s = diags_format(&d, i);
		strbuf_addf(&sb, "%s%s", i ? "\n" : "", s);
		free(s);
	}
	diags_release(&d);
	return strbuf_detach(&sb);
}

#define lints_as(text, want, what)                                    \
	do {                                                          \
		char *got_ = lint_text("quizzes/x.yaml", text, NULL); \
		is_str(got_, want, what);                             \
		free(got_);                                           \
	} while (0)

#define HEAD "id: x\ntitle: X\nquestions:\n"

TEST(quiz_lint__a_good_quiz_is_clean)
{
	lints_as(HEAD "  - id: a\n    type: mc\n    text: t\n    options:\n"
		      "      - {text: yes, fraction: 1}\n      - {text: no}\n",
		 "", "no diagnostics");
}

TEST(quiz_lint__keys_types_and_ids)
{
	lints_as("id: x\ntitel: X\nquestions:\n"
		 "  - id: a\n    type: mcq\n    text: t\n"
		 "  - id: a\n    type: tf\n    text: t\n    answer: yes\n    hint: [h]\n",
		 "quizzes/x.yaml:1:1: missing required key 'title' in quiz\n"
		 "quizzes/x.yaml:2:1: unknown key 'titel' in quiz (did you mean 'title'?)\n"
		 "quizzes/x.yaml:5:11: unknown question type 'mcq' (did you mean 'mc'?); types "
		 "are mc, mc_multi, tf, numeric, short, match, order\n"
		 "quizzes/x.yaml:7:5: duplicate question id 'a' (first at line 4)\n"
		 "quizzes/x.yaml:10:13: 'answer' must be true or false, not a string\n"
		 "quizzes/x.yaml:11:5: unknown key 'hint' in question 'a' (did you mean 'hints'?)",
		 "unknown keys, types, a duplicate id");
	lints_as("id: Bad_Id\ntitle: X\nquestions:\n  - id: A b\n    type: tf\n    text: t\n"
		 "    answer: true\n",
		 "quizzes/x.yaml:1:5: quiz 'Bad_Id' must live in a file named 'Bad_Id.yaml'\n"
		 "quizzes/x.yaml:1:5: quiz id 'Bad_Id' must use only a-z, 0-9 and '-'\n"
		 "quizzes/x.yaml:4:9: question id 'A b' must use only a-z, 0-9 and '-'",
		 "ids and file names");
}

TEST(quiz_lint__unreachable_answer_keys)
{
	lints_as(HEAD "  - id: a\n    type: mc\n    text: t\n    options:\n"
		      "      - {text: p, fraction: 0.5}\n      - {text: q}\n",
		 "quizzes/x.yaml:8:7: no option has fraction 1 (100%): the question cannot be "
		 "answered right",
		 "single choice without a right option");
	lints_as(HEAD "  - id: a\n    type: mc_multi\n    text: t\n    options:\n"
		      "      - {text: p, fraction: 0.5}\n      - {text: q, fraction: 0.25}\n"
		      "      - {text: r, fraction: -1}\n",
		 "quizzes/x.yaml:8:7: the positive fractions add up to 75%, not 100%",
		 "multiple choice not adding up");
	lints_as(HEAD "  - id: a\n    type: mc_multi\n    text: t\n    options:\n"
		      "      - {text: p, fraction: 0.5}\n      - {text: q, fraction: 0.5}\n"
		      "      - {text: r}\n",
		 "quizzes/x.yaml:8:7: ticking every option scores 100%; give wrong options "
		 "negative fractions",
		 "tick-everything scores full marks");
	lints_as(HEAD "  - id: a\n    type: numeric\n    text: t\n    answers:\n"
		      "      - {value: 3, fraction: 0.5}\n      - {value: '*'}\n",
		 "quizzes/x.yaml:8:7: no answer has fraction 1 (100%): the question cannot be "
		 "answered right",
		 "numeric without a full answer");
	lints_as(HEAD "  - id: a\n    type: order\n    text: t\n    items: [one]\n"
		      "    grading: longest_ordred_subset\n",
		 "quizzes/x.yaml:7:12: an ordering question needs at least 2 items, not 1\n"
		 "quizzes/x.yaml:8:14: unknown grading 'longest_ordred_subset' (did you mean "
		 "'longest_ordered_subset'?)",
		 "ordering with one item and a misspelt grading");
	lints_as(HEAD "  - id: a\n    type: match\n    text: t\n    pairs:\n"
		      "      - {item: x, answer: '1'}\n      - {item: y, answer: '1'}\n"
		      "    distractors: ['2', '2']\n",
		 "quizzes/x.yaml:9:27: answer '1' appears twice\n"
		 "quizzes/x.yaml:10:24: answer '2' appears twice",
		 "matching with duplicate answers");
	lints_as(HEAD "  - id: a\n    type: match\n    text: t\n    pairs:\n"
		      "      - {item: x, answer: '1'}\n",
		 "quizzes/x.yaml:8:7: a matching question needs at least 2 pairs, not 1",
		 "matching with one pair");
	lints_as(HEAD "  - id: a\n    type: short\n    text: t\n    answers:\n"
		      "      - {pattern: x, fraction: 0.5}\n",
		 "quizzes/x.yaml:8:7: no answer has fraction 1 (100%): the question cannot be "
		 "answered right",
		 "short answer without a full answer");
}

TEST(quiz_lint__fractions_penalties_and_tolerances)
{
	lints_as(HEAD "  - id: a\n    type: mc\n    text: t\n    penalty: 2\n    options:\n"
		      "      - {text: p, fraction: 1}\n      - {text: q, fraction: -150%}\n"
		      "      - {text: r, fraction: lots}\n",
		 "quizzes/x.yaml:7:14: penalty 2 is outside 0..1\n"
		 "quizzes/x.yaml:10:29: fraction -1.5 is outside -1..1\n"
		 "quizzes/x.yaml:11:29: 'fraction' must be a number from -1 to 1 or a "
		 "percentage, not a string",
		 "fractions and penalties out of range");
	lints_as(HEAD "  - id: a\n    type: numeric\n    text: t\n    answers:\n"
		      "      - {value: ten, tolerance: -1, tolerance_type: nominl}\n",
		 "quizzes/x.yaml:8:17: 'value' must be a number or \"*\", not a string\n"
		 "quizzes/x.yaml:8:33: tolerance -1 is negative\n"
		 "quizzes/x.yaml:8:53: unknown tolerance_type 'nominl' (did you mean "
		 "'nominal'?)",
		 "numeric values and tolerances");
}

static struct course *fake_course(void)
{
	struct course *c = xcalloc(1, sizeof(*c));
	c->n_modules = 1;
	c->modules = xcalloc(1, sizeof(*c->modules));
	c->modules[0].id = xstrdup("core-concepts");
	c->modules[0].n_pages = 1;
	c->modules[0].pages = xcalloc(1, sizeof(*c->modules[0].pages));
	c->modules[0].pages[0].id = xstrdup("limits");
	return c;
}

TEST(quiz_lint__review_links_must_exist)
{
	struct course *c = fake_course();
	char *got = lint_text("quizzes/x.yaml",
			      HEAD "  - id: a\n    type: tf\n    text: t\n    answer: true\n"
				   "    review: [core-concepts/limits, core-concepts/limts,\n"
				   "             nope/limits, justapage]\n",
			      c);
	is_str(got,
	       "quizzes/x.yaml:8:36: review link 'core-concepts/limts': module 'core-concepts' "
	       "has no page 'limts'\n"
	       "quizzes/x.yaml:9:14: review link 'nope/limits': the course has no module "
	       "'nope'\n"
	       "quizzes/x.yaml:9:27: review link 'justapage' must be module-id/page-id",
	       "each bad link at its place");
	free(got);
	free(c->modules[0].pages[0].id);
	free(c->modules[0].pages);
	free(c->modules[0].id);
	free(c->modules);
	free(c);
}

TEST(quiz_lint__links_into_an_unread_module_are_not_reported)
{
	/* A second module whose module.yaml did not parse: loaded without an id. */
	struct course *c = fake_course();
	c->modules = xrealloc(c->modules, 2 * sizeof(*c->modules));
	memset(&c->modules[1], 0, sizeof(c->modules[1]));
	c->n_modules = 2;
	char *got = lint_text("quizzes/x.yaml",
			      HEAD "  - id: a\n    type: tf\n    text: t\n    answer: true\n"
				   "    review: [core-concepts/limts, event-sources/s3-events]\n",
			      c);
	is_str(got,
	       "quizzes/x.yaml:8:14: review link 'core-concepts/limts': module 'core-concepts' "
	       "has no page 'limts'",
	       "a link into a readable module is still checked, one into the unread module is not");
	free(got);
	free(c->modules[0].pages[0].id);
	free(c->modules[0].pages);
	free(c->modules[0].id);
	free(c->modules);
	free(c);
}

static void put(const char *path, const char *text)
{
	struct error err;
	if (!path_write_file(path, text, strlen(text), 0644, &err))
		printf("# %s\n", err.msg);
}

TEST(quiz_set__checks_across_files)
{
	path_mkdirs("qs", 0755, NULL);
	put("qs/pool.yaml", "id: pool\ntitle: P\nkind: pool\nquestions:\n"
			    "  - {id: p1, type: tf, text: t, answer: true, tags: [a]}\n"
			    "  - {id: p2, type: tf, text: t, answer: true}\n");
	put("qs/final.yaml", "id: final\ntitle: F\ndraw:\n  - {from: pool, count: 3}\n"
			     "  - {from: pool, count: 2, tags: [a]}\n  - {from: pol, count: 1}\n"
			     "questions:\n  - {id: p1, type: tf, text: t, answer: false}\n");
	struct diags d = DIAGS_INIT;
	struct quiz_set *set = quiz_set_load("qs", NULL, &d);
	diags_sort(&d);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < d.n; i++) {
		char *s = diags_format(&d, i);
		strbuf_addf(&sb, "%s%s", i ? "\n" : "", s);
		free(s);
	}
	is_str(sb.buf,
	       "qs/final.yaml:4:5: draw of 3 from 'pool' is larger than the 2 questions it has\n"
	       "qs/final.yaml:5:5: draw of 2 from 'pool' is larger than the 1 questions it has "
	       "with those tags\n"
	       "qs/final.yaml:6:5: draw from 'pol': no such pool or quiz (did you mean "
	       "'pool'?)\n"
	       "qs/pool.yaml:5:5: duplicate question id 'p1' (also at qs/final.yaml:8)",
	       "draws too large, unknown pools, ids shared between files");
	is_int(set->n, 2, "both files are read");
	strbuf_release(&sb);
	diags_release(&d);
	quiz_set_free(set);
}

TEST(quiz_hash__ignores_layout_and_sees_content)
{
	const char *a = HEAD "  - id: h\n    type: mc\n    text: Which?\n    options:\n"
			     "      - {text: yes, fraction: 1}   # a comment\n      - {text: no}\n";
	const char *b = HEAD "- options:\n  - fraction: 1.0\n    text: \"yes\"\n"
			     "  - text: 'no'\n  text: Which?\n  type: mc\n  id: h\n";
	const char *c = HEAD "  - id: h\n    type: mc\n    text: Which one?\n    options:\n"
			     "      - {text: yes, fraction: 1}\n      - {text: no}\n";
	struct diags d = DIAGS_INIT;
	struct quiz *qa = quiz_parse(a, strlen(a), "quizzes/x.yaml", NULL, &d);
	struct quiz *qb = quiz_parse(b, strlen(b), "quizzes/x.yaml", NULL, &d);
	struct quiz *qc = quiz_parse(c, strlen(c), "quizzes/x.yaml", NULL, &d);
	is_int(d.n, 0, "all three are clean");
	is_str(qa->questions[0]->hash, qb->questions[0]->hash,
	       "comments, quoting, key order and 1 vs 1.0 do not change the hash");
	ok(strcmp(qa->questions[0]->hash, qc->questions[0]->hash) != 0,
	   "a changed text changes it");
	is_str(qa->questions[0]->canon,
	       "{\"id\": \"h\", \"options\": [{\"fraction\": 1, \"text\": \"yes\"}, {\"text\": "
	       "\"no\"}], \"text\": \"Which?\", \"type\": \"mc\"}",
	       "the canonical JSON");
	struct error err;
	struct quiz_question *copy =
		quiz_question_parse(qa->questions[0]->canon, strlen(qa->questions[0]->canon), &err);
	ok(copy != NULL, "the stored copy parses");
	is_str(copy ? copy->hash : "", qa->questions[0]->hash, "and hashes the same");
	quiz_question_free(copy);
	const char *broken = "{\"id\": \"h\", \"type\": \"mc\", \"text\": \"t\"}";
	copy = quiz_question_parse(broken, strlen(broken), &err);
	ok(copy == NULL, "a broken copy is refused");
	is_str(err.msg,
	       "stored question does not load: <stored question>:1:1: missing required key "
	       "'options' in question 'h'",
	       "with the reason");
	quiz_free(qa);
	quiz_free(qb);
	quiz_free(qc);
	diags_release(&d);
}

static size_t files_in(const char *dir)
{
	char *cmd = xasprintf("ls '%s' 2>/dev/null | wc -l", dir);
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	if (p) {
		if (fscanf(p, "%zu", &n) != 1)
			n = 0;
		pclose(p);
	}
	free(cmd);
	return n;
}

TEST(quiz_lint__a_clean_result_is_cached_by_content)
{
	char *cwd = getcwd(NULL, 0);
	char *cache = xasprintf("%s/cache", cwd);
	setenv("XDG_CACHE_HOME", cache, 1);
	unsetenv("LAMBDA_TUTOR_NO_CACHE");
	path_mkdirs("cq", 0755, NULL);
	put("cq/one.yaml", "id: one\ntitle: One\nquestions:\n"
			   "  - {id: c1, type: tf, text: t, answer: true}\n");
	struct course *c = fake_course();
	c->quiz_dir = xasprintf("%s/cq", cwd);
	c->modules[0].quiz = xstrdup("one");
	struct diags d = DIAGS_INIT;
	quiz_lint_course(c, true, &d);
	is_int(d.n, 0, "clean");
	char *dir = xasprintf("%s/lambda-tutor/quiz-lint", cache);
	is_int(files_in(dir), 1, "and remembered");
	quiz_lint_course(c, true, &d);
	is_int(d.n, 0, "still clean from the cache");
	put("cq/one.yaml", "id: one\ntitle: One\nquestions:\n"
			   "  - {id: c1, type: tf, text: t, answer: maybe}\n");
	quiz_lint_course(c, true, &d);
	is_int(d.n, 1, "an edit is linted again and its problem found");
	is_int(files_in(dir), 1, "problems are not cached");
	diags_release(&d);
	free(c->modules[0].quiz);
	c->modules[0].quiz = xstrdup("nope");
	put("cq/one.yaml", "id: one\ntitle: One\nquestions:\n"
			   "  - {id: c1, type: tf, text: t, answer: true}\n");
	quiz_lint_course(c, true, &d);
	is_int(d.n, 1, "a module naming another quiz is not hidden by the cache");
	diags_release(&d);
	for (int i = 0; i < 12; i++) {
		char *old = xasprintf("%s/%064d", dir, i);
		put(old, "");
		free(old);
	}
	free(c->modules[0].quiz);
	c->modules[0].quiz = xstrdup("one");
	put("cq/one.yaml", "# edited\nid: one\ntitle: One\nquestions:\n"
			   "  - {id: c1, type: tf, text: t, answer: true}\n");
	quiz_lint_course(c, true, &d);
	is_int(d.n, 0, "clean again");
	is_int(files_in(dir), 8, "and the cache keeps its 8 newest entries");
	free(c->quiz_dir);
	free(c->modules[0].quiz);
	free(c->modules[0].pages[0].id);
	free(c->modules[0].pages);
	free(c->modules[0].id);
	free(c->modules);
	free(c);
	free(dir);
	free(cache);
	free(cwd);
	setenv("LAMBDA_TUTOR_NO_CACHE", "1", 1);
}

TEST(quiz_lint__the_real_quizzes_against_the_real_course)
{
	struct diags d = DIAGS_INIT;
	struct course *c = course_load_checked(LT_SOURCE_DIR "/lessons", &d);
	ok(c != NULL, "the course loads with its quizzes");
	for (size_t i = 0; i < d.n; i++) {
		char *s = diags_format(&d, i);
		printf("# %s\n", s);
		free(s);
	}
	struct quiz_set *set = quiz_set_load(LT_SOURCE_DIR "/quizzes", c, &d);
	is_int(d.n, 0, "every quiz lints clean");
	ok(set->n >= 1, "and there are quizzes");
	for (size_t i = 0; i < set->n; i++)
		for (size_t j = 0; j < set->quizzes[i]->n_questions; j++) {
			const struct quiz_question *q = set->quizzes[i]->questions[j];
			char *r = quiz_correct_response(q);
			struct quiz_grade g;
			quiz_grade(q, r, &g);
			ok(g.valid && g.state == QUIZ_RIGHT, "%s: '%s' is a right answer", q->id,
			   r);
			free(r);
		}
	quiz_set_free(set);
	course_free(c);
	diags_release(&d);
}

int main(void)
{
	char tmp[] = "/tmp/lt-test-quiz-load-XXXXXX";
	if (!mkdtemp(tmp) || chdir(tmp) != 0) {
		printf("Bail out! cannot make a temporary folder\n");
		return 1;
	}
	RUN(quiz_lint__a_good_quiz_is_clean);
	RUN(quiz_lint__keys_types_and_ids);
	RUN(quiz_lint__unreachable_answer_keys);
	RUN(quiz_lint__fractions_penalties_and_tolerances);
	RUN(quiz_lint__review_links_must_exist);
	RUN(quiz_lint__links_into_an_unread_module_are_not_reported);
	RUN(quiz_set__checks_across_files);
	RUN(quiz_hash__ignores_layout_and_sees_content);
	RUN(quiz_lint__a_clean_result_is_cached_by_content);
	RUN(quiz_lint__the_real_quizzes_against_the_real_course);
	char *cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", tmp);
	free(cmd);
	return done();
}
