/*
 * Generate a simulated class: N learner files in DIR written through store.h and the quiz
 * layer, exactly as the tutor writes them, deterministic from SEED. Learners read the course's
 * pages in order at their own pace, take each finished module's quiz (right with a
 * probability that is their ability), run the module's exercises (failing first, sometimes),
 * ask for hints, raise hands. Some are made idle, stuck or done on purpose.
 *
 *	gen-class DIR N SEED NOW_MS [FIRST] > truth.json
 *
 * prints what each learner's roster row must say: {"learners": [{id, module, page,
 * failed_checks, hints, hand, state}], "session_start_ms": t}. The first three learners carry
 * names with quotes, commas, newlines and formula prefixes.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/exercise_load.h"
#include "course/quiz_load.h"
#include "quiz/quiz.h"
#include "quiz/quiz_store.h"
#include "store/store.h"

static uint64_t rng;

static uint64_t next(void)
{
	/* splitmix64: small, and the same on every machine */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double uniform(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static int64_t between(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(uniform() * (double)(hi - lo));
}

static void die(const char *what, const struct error *err)
{
	fprintf(stderr, "gen-class: %s: ", what);
	error_print(stderr, err);
	exit(2);
}

static void append(struct store *s, int64_t at, const char *kind, const char *module,
		   const char *item, const char *data)
{
	struct error err;
	struct store_event ev = {
		.at_ms = at, .kind = kind, .module = module, .item = item, .data = data
	};
	if (!store_append(s, &ev, &err))
		die("append", &err);
}

/* A response in the quiz's text form: the right one, or a wrong one. Caller frees. */
static char *response(const struct quiz_question *q, bool right)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = q->n_answers;
	switch (q->type) {
	case QUIZ_MC:
	case QUIZ_TF: {
		size_t best = 0;
		for (size_t i = 0; i < n; i++)
			if (q->answers[i].fraction > q->answers[best].fraction)
				best = i;
		size_t pick = right ? best : (best + 1 + (size_t)(next() % (n - 1))) % n;
		if (q->type == QUIZ_TF)
			strbuf_addstr(&sb, pick == 0 ? "true" : "false");
		else
			strbuf_addf(&sb, "%zu", pick);
		break;
	}
	case QUIZ_MC_MULTI:
		for (size_t i = 0; i < n; i++) {
			bool tick =
				right ? q->answers[i].fraction > 0 : q->answers[i].fraction <= 0;
			if (tick)
				strbuf_addf(&sb, "%s%zu", sb.len ? "," : "", i);
		}
		if (!sb.len)
			strbuf_addstr(&sb, "0");
		break;
	case QUIZ_NUMERIC:
		for (size_t i = 0; i < n; i++)
			if (q->answers[i].fraction >= 1 && !q->answers[i].any) {
				strbuf_addf(&sb, "%.10g", q->answers[i].value + (right ? 0 : 1e6));
				break;
			}
		if (!sb.len)
			strbuf_addstr(&sb, "123456789");
		break;
	case QUIZ_SHORT:
		for (size_t i = 0; right && i < n; i++)
			if (q->answers[i].fraction >= 1 && !strchr(q->answers[i].text, '*')) {
				strbuf_addstr(&sb, q->answers[i].text);
				break;
			}
		if (!sb.len)
			strbuf_addstr(&sb, "no idea");
		break;
	case QUIZ_MATCH:
	case QUIZ_ORDER:
		for (size_t i = 0; i < n; i++)
			strbuf_addf(&sb, "%s%zu", i ? "," : "", right ? i : n - 1 - i);
		break;
	}
	return strbuf_detach(&sb);
}

static void take_quiz(struct store *s, const struct quiz *quiz, const struct quiz_set *set,
		      double ability, int64_t *t)
{
	struct error err;
	struct quiz_attempt *a = quiz_store_start(s, quiz, set, next(), *t, &err);
	if (!a)
		die("quiz start", &err);
	for (size_t i = 0; i < a->n_slots; i++) {
		double secs = (double)between(800, 40000) / 1000;
		*t += (int64_t)(secs * 1000);
		char *resp = response(a->slots[i].q, uniform() < ability);
		struct quiz_grade g;
		if (!quiz_store_submit(s, a, i, resp, secs, *t, &g, &err))
			die("quiz submit", &err);
		free(resp);
	}
	*t += 2000;
	if (!quiz_store_finish(s, a, *t, QUIZ_FINISH_SUBMITTED, &err))
		die("quiz finish", &err);
	quiz_attempt_free(a);
}

static void check_run(struct store *s, int64_t at, const struct exercise *ex, bool pass)
{
	size_t total = ex->n_tasks ? ex->n_tasks : 1;
	size_t passed = pass ? total : (size_t)(next() % total);
	char *data = xasprintf("{\"exercise\":\"%s\",\"module\":\"%s\",\"status\":\"%s\","
			       "\"passed\":%zu,\"total\":%zu,\"tasks\":[]}",
			       ex->id, ex->module_id, pass ? "passed" : "failed", passed, total);
	append(s, at, STORE_CHECK_RUN, ex->module_id, ex->id, data);
	free(data);
}

static const char *const tricky[] = {
	"O'Brien, \"Bobby\"",
	"=HYPERLINK(\"http://x\",\"y\")",
	"Ana\nNewline",
};

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: gen-class DIR N SEED NOW_MS [FIRST]\n");
		return 2;
	}
	const char *dir = argv[1];
	int n = atoi(argv[2]);
	rng = strtoull(argv[3], NULL, 10);
	int64_t now = strtoll(argv[4], NULL, 10);
	int first = argc == 6 ? atoi(argv[5]) : 0; /* the number of the first learner */
	struct diags d = DIAGS_INIT;
	struct course *course = course_load(LT_SOURCE_DIR "/lessons", &d);
	if (!course) {
		diags_print(&d, stderr);
		return 2;
	}
	struct quiz_set *set = quiz_set_load(course->quiz_dir, course, &d);
	struct exercise_set *exs = exercise_set_load(course, &d);
	diags_release(&d);
	struct error err;
	if (!path_mkdirs(dir, 0700, &err))
		die("mkdir", &err);
	size_t total_pages = course_page_count(course);
	/* The session began 70 minutes ago: the room should be in module 4 (20+30 < 70 < 75). */
	int64_t start = now - 70 * 60000;
	cJSON *truth = cJSON_CreateObject();
	cJSON_AddNumberToObject(truth, "session_start_ms", (double)start);
	cJSON *arr = cJSON_AddArrayToObject(truth, "learners");
	for (int i = first; i < first + n; i++) {
		char id[32];
		snprintf(id, sizeof id, "learner-%03d", i);
		char *file = xasprintf("%s/%s.db", dir, id);
		struct store *s = store_open_mode(file, STORE_MODE_CLASS, &err);
		if (!s)
			die("open", &err);
		char name[64];
		snprintf(name, sizeof name, "Learner %03d", i);
		store_meta_set(s, STORE_META_LEARNER, i < 3 ? tricky[i] : name, &err);
		double ability = 0.35 + 0.6 * uniform();
		bool done = i % 29 == 5, idle = i % 23 == 7, stuck = i % 17 == 3 && !done;
		/* How many pages the learner has read: spread around the room's pace. */
		size_t target = done ? total_pages : (size_t)between(3, (int64_t)total_pages - 1);
		int64_t t = start + between(0, 120000);
		size_t read = 0;
		const char *mod = NULL, *page = NULL;
		int failed = 0, hints = 0;
		for (size_t m = 0; m < course->n_modules && read < target; m++) {
			const struct course_module *cm = &course->modules[m];
			for (size_t p = 0; p < cm->n_pages && read < target; p++) {
				append(s, t, STORE_PAGE_VIEW, cm->id, cm->pages[p].id, NULL);
				mod = cm->id;
				page = cm->pages[p].id;
				read++;
				t += between(20000, 60000);
			}
			bool module_done = read < target || done;
			for (size_t e = 0; exs && e < exs->n && module_done; e++) {
				const struct exercise *ex = exs->v[e];
				if (strcmp(ex->module_id, cm->id) != 0)
					continue;
				while (uniform() > ability) {
					check_run(s, t, ex, false);
					failed++;
					t += between(10000, 30000);
					if (uniform() < 0.5) {
						append(s, t, STORE_HINT, cm->id, ex->id,
						       "{\"level\":1}");
						hints++;
					}
				}
				check_run(s, t, ex, true);
				t += between(5000, 20000);
			}
			const struct quiz *q = cm->quiz ? quiz_set_find(set, cm->quiz) : NULL;
			if (q && module_done)
				take_quiz(s, q, set, ability, &t);
		}
		/* The last step began at the last page view: keep everyone's time on it short. */
		int64_t last = now - between(10000, 90000);
		if (idle)
			last = now - between(6, 15) * 60000;
		if (t > last)
			last = t;
		idle = now - last >= 5 * 60000;
		stuck = stuck && !idle;
		append(s, last - 5000, STORE_PAGE_VIEW, mod, page, NULL);
		if (stuck) {
			const struct exercise *ex = exs && exs->n ? exs->v[0] : NULL;
			for (int k = 0; ex && k < 3; k++) {
				check_run(s, last - 3000 + k * 1000, ex, false);
				failed++;
			}
		}
		bool hand = i % 11 == 2;
		if (hand) {
			char *note =
				xasprintf("{\"up\":true,\"note\":\"help with %s, please\"}", page);
			append(s, last - 1000, STORE_HAND, mod, NULL, note);
			free(note);
		}
		store_close(s);
		cJSON *row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "id", id);
		cJSON_AddStringToObject(row, "module", mod);
		cJSON_AddStringToObject(row, "page", page);
		cJSON_AddNumberToObject(row, "failed_checks", failed);
		cJSON_AddNumberToObject(row, "hints", hints);
		cJSON_AddBoolToObject(row, "hand", hand);
		cJSON_AddStringToObject(row, "state",
					done    ? "done"
					: idle  ? "idle"
					: stuck ? "stuck"
						: "active");
		cJSON_AddItemToArray(arr, row);
		free(file);
	}
	char *text = cJSON_Print(truth);
	puts(text);
	free(text);
	cJSON_Delete(truth);
	exercise_set_free(exs);
	quiz_set_free(set);
	course_free(course);
	return 0;
}
