/*
 * The roster, agenda, hands, answers and exports as pure functions of events built here, with
 * learners whose names would break a careless CSV.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class/class.h"
#include "class/export.h"
#include "class/roster.h"
#include "core/diag.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "harness.h"
#include "quiz/quiz.h"
#include "store/store.h"

#define MIN 60000LL
#define T0  1700000000000LL

/* A course of two modules, 20 and 30 minutes, of two pages each. */
static struct course_page pages1[] = { { .id = (char[]){ "intro" } },
				       { .id = (char[]){ "more" } } };
static struct course_page pages2[] = { { .id = (char[]){ "deploy" } },
				       { .id = (char[]){ "logs" } } };
static struct course_module modules[] = {
	{ .id = (char[]){ "m1" },
	  .title = (char[]){ "One" },
	  .minutes = 20,
	  .pages = pages1,
	  .n_pages = 2,
	  .quiz = (char[]){ "q1" } },
	{ .id = (char[]){ "m2" },
	  .title = (char[]){ "Two" },
	  .minutes = 30,
	  .pages = pages2,
	  .n_pages = 2 },
};
static struct course course = {
	.id = (char[]){ "c" }, .minutes = 50, .modules = modules, .n_modules = 2
};

static void ev(struct class_learner *l, int64_t at, const char *kind, const char *module,
	       const char *item, const char *data)
{
	l->events = xreallocarray(l->events, l->n_events + 1, sizeof *l->events);
	l->events[l->n_events] = (struct class_event){
		.id = (int64_t)l->n_events + 1,
		.at_ms = at,
		.kind = xstrdup(kind),
		.module = xstrdup(module),
		.item = xstrdup(item),
		.data = xstrdup(data),
	};
	l->n_events++;
}

static struct class_learner *add(struct class_room *room, const char *id, const char *name)
{
	room->learners = xreallocarray(room->learners, room->n + 1, sizeof *room->learners);
	struct class_learner *l = &room->learners[room->n++];
	*l = (struct class_learner){ .id = xstrdup(id),
				     .name = xstrdup(name),
				     .path = xstrdup(id) };
	return l;
}

static const char *start1 =
	"{\"attempt\":1,\"questions\":[{\"id\":\"a\",\"question\":\"{\\\"id\\\":\\\"a\\\","
	"\\\"type\\\":\\\"mc\\\"}\"},{\"id\":\"b\",\"question\":\"{\\\"type\\\":\\\"tf\\\"}\"}]}";

static void quiz(struct class_learner *l, int64_t at, const char *ra, double fa, const char *rb,
		 double fb)
{
	char *d;
	ev(l, at, STORE_QUIZ_START, "m1", "q1", start1);
	d = xasprintf("{\"attempt\":1,\"question\":\"a\",\"slot\":1,\"try\":1,\"response\":\"%s\","
		      "\"fraction\":%g,\"penalty\":0,\"mark\":%g,\"max\":1,\"seconds\":3.5,"
		      "\"finished\":true}",
		      ra, fa, fa);
	ev(l, at + 1000, STORE_QUIZ_TRY, "m1", "q1", d);
	free(d);
	d = xasprintf("{\"attempt\":1,\"question\":\"b\",\"slot\":2,\"try\":1,\"response\":\"%s\","
		      "\"fraction\":%g,\"penalty\":0,\"mark\":%g,\"max\":1,\"seconds\":2,"
		      "\"finished\":true}",
		      rb, fb, fb);
	ev(l, at + 2000, STORE_QUIZ_TRY, "m1", "q1", d);
	free(d);
	d = xasprintf("{\"attempt\":1,\"score\":%g,\"max\":2,\"percent\":%g,\"passed\":%s,"
		      "\"reason\":\"submitted\"}",
		      fa + fb, 50 * (fa + fb), fa + fb >= 2 ? "true" : "false");
	ev(l, at + 3000, STORE_QUIZ_FINISH, "m1", "q1", d);
	free(d);
}

static const char *failed = "{\"status\":\"failed\",\"passed\":1,\"total\":3}";
static const char *passed = "{\"status\":\"passed\",\"passed\":3,\"total\":3}";

/*
 * ana: read m1, quiz 2/2, now on m2/deploy since T0+30 (active).
 * bob "O'Brien, \"Bob\"": on m1/more since T0+5, three failed checks in a row (stuck), hand up.
 * cy "=cmd|'/c calc'!A1": read every page (done), quiz 1/2.
 * dee: last event T0+1, now T0+40 (idle).
 * eve: file locked (unreadable).
 */
static int64_t build(struct class_room *room)
{
	struct class_learner *l = add(room, "ana", "Ana Lima");
	ev(l, T0, STORE_PAGE_VIEW, "m1", "intro", NULL);
	ev(l, T0 + 5 * MIN, STORE_PAGE_VIEW, "m1", "more", NULL);
	quiz(l, T0 + 10 * MIN, "0", 1, "true", 1);
	ev(l, T0 + 30 * MIN, STORE_PAGE_VIEW, "m2", "deploy", NULL);
	ev(l, T0 + 38 * MIN, STORE_HINT, "m2", "ex1", "{\"level\":1}");
	l = add(room, "bob", "O'Brien, \"Bob\"");
	ev(l, T0, STORE_PAGE_VIEW, "m1", "intro", NULL);
	ev(l, T0 + 5 * MIN, STORE_PAGE_VIEW, "m1", "more", NULL);
	ev(l, T0 + 36 * MIN, STORE_CHECK_RUN, "m1", "ex1", passed);
	for (int k = 0; k < 3; k++)
		ev(l, T0 + 37 * MIN + k, STORE_CHECK_RUN, "m1", "ex2", failed);
	ev(l, T0 + 39 * MIN, STORE_HAND, "m1", NULL, "{\"up\":true,\"note\":\"ex2, \\\"why\\\"\"}");
	l = add(room, "cy", "=cmd|'/c calc'!A1");
	ev(l, T0, STORE_PAGE_VIEW, "m1", "intro", NULL);
	ev(l, T0 + 1, STORE_PAGE_VIEW, "m1", "more", NULL);
	quiz(l, T0 + 2 * MIN, "1", 0, "true", 1);
	ev(l, T0 + 9 * MIN, STORE_PAGE_VIEW, "m2", "deploy", NULL);
	ev(l, T0 + 39 * MIN, STORE_PAGE_VIEW, "m2", "logs", NULL);
	l = add(room, "dee", "Dee");
	ev(l, T0 + 1, STORE_PAGE_VIEW, "m1", "intro", NULL);
	l = add(room, "eve", "eve");
	l->file = CLASS_FILE_LOCKED;
	l->problem = xstrdup("'eve.db' is locked by another process");
	return T0 + 40 * MIN;
}

static const struct roster_row *row_of(const struct roster *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->rows[i].learner->id, id))
			return &r->rows[i];
	return NULL;
}

TEST(roster_build__places_and_classifies_each_learner)
{
	struct class_room room = CLASS_ROOM_INIT;
	int64_t now = build(&room);
	struct roster r;
	roster_build(&r, &room, &course, now);
	const struct roster_row *ana = row_of(&r, "ana"), *bob = row_of(&r, "bob");
	is_int(ana->module, 1, "ana is in module 2");
	is_int(ana->step, 0, "on its first page");
	is_int(now - ana->step_since_ms, 10 * MIN, "for ten minutes");
	is_int(ana->hints, 1, "one hint");
	ok(fabs(ana->quiz_best[0] - 100) < 1e-9, "quiz q1 at 100 percent");
	ok(isnan(ana->quiz_best[1]), "module 2 has no quiz score");
	is_str(roster_state_name(ana->state), "active", "ana is active");
	is_int(bob->failed_checks, 3, "bob failed three checks");
	is_int(bob->fail_streak, 3, "in a row");
	is_str(roster_state_name(bob->state), "stuck", "so bob is stuck");
	ok(bob->hand, "bob's hand is up");
	is_str(bob->hand_note, "ex2, \"why\"", "with his note");
	is_str(roster_state_name(row_of(&r, "cy")->state), "done", "cy read every page");
	is_str(roster_state_name(row_of(&r, "dee")->state), "idle", "dee is idle");
	is_str(roster_state_name(row_of(&r, "eve")->state), "unreadable", "eve's file is locked");
	/* Active learners' time on step: ana 10 min, bob 35 min (stuck comes after the median). */
	is_int(r.median_step_ms, (10 * MIN + 35 * MIN) / 2, "median over active learners");
	is_int(r.heat[1 * ROSTER_NSTATES + ROSTER_ACTIVE], 1, "heat: one active in module 2");
	is_int(r.heat[0 * ROSTER_NSTATES + ROSTER_STUCK], 1, "heat: one stuck in module 1");
	is_int(r.heat[1 * ROSTER_NSTATES + ROSTER_DONE], 1, "heat: cy done, last seen in m2");
	size_t nh;
	size_t *h = roster_hands(&r, &nh);
	is_int(nh, 1, "one hand up");
	is_str(r.rows[h[0]].learner->id, "bob", "bob's");
	free(h);
	roster_release(&r);
	class_room_release(&room);
}

TEST(roster_build__counts_failures_until_fixed)
{
	struct class_room room = CLASS_ROOM_INIT;
	struct class_learner *l = add(&room, "fay", "Fay");
	ev(l, T0, STORE_PAGE_VIEW, "m1", "intro", NULL);
	ev(l, T0 + 1 * MIN, STORE_CHECK_RUN, "m1", "ex2", failed);
	ev(l, T0 + 2 * MIN, STORE_CHECK_RUN, "m1", "ex2", failed);
	ev(l, T0 + 3 * MIN, STORE_CHECK_RUN, "m1", "ex2", passed);
	ev(l, T0 + 4 * MIN, STORE_CHECK_RUN, "m1", "ex3", failed);
	struct roster r;
	roster_build(&r, &room, &course, T0 + 5 * MIN);
	is_int(r.rows[0].failed_checks, 3, "three failed runs in all");
	is_int(r.rows[0].failed_open, 1, "but ex2 was fixed: one still open");
	roster_release(&r);
	class_room_release(&room);
}

TEST(roster_agenda__tells_ahead_from_behind)
{
	struct class_room room = CLASS_ROOM_INIT;
	int64_t now = build(&room);
	struct roster r;
	roster_build(&r, &room, &course, now);
	struct roster_agenda ag;
	/* 40 min in: module 1 took 20, so 20 of module 2's 30 minutes: segment 1 at 2/3. */
	roster_agenda(&r, &course, now - 40 * MIN, now, &ag);
	is_int(ag.segment, 1, "segment 2 is due");
	ok(fabs(ag.expected - (1 + 2.0 / 3)) < 1e-9, "expected position 1.667");
	is_int(ag.left_in_segment_ms, 10 * MIN, "ten minutes left in it");
	/* Positions by the core path's quizzes and exercises, not pages: ana took q1, and m2 has
	 * neither, so its pages count: 1 + 1/2; bob read m1 but did not take q1: 0; cy 2; dee 0.
	 * Median (0 + 1.5) / 2. */
	ok(row_of(&r, "bob")->progress == 0, "bob's reading does not move him on");
	ok(fabs(row_of(&r, "ana")->progress - 1.5) < 1e-9, "ana's quiz does");
	ok(fabs(ag.room - 0.75) < 1e-9, "room median 0.75, so behind");
	long m, p;
	roster_present_page(&course, &ag, &m, &p);
	is_int(m, 1, "presenter shows module 2");
	is_int(p, 1, "two thirds in: its second page");
	roster_agenda(&r, &course, now + MIN, now, &ag);
	roster_present_page(&course, &ag, &m, &p);
	is_int(m, -1, "nothing to present before the start");
	roster_release(&r);
	class_room_release(&room);
}

TEST(roster_answers__counts_last_tries_of_first_attempts)
{
	struct class_room room = CLASS_ROOM_INIT;
	build(&room);
	size_t n;
	struct roster_answer *a = roster_answers(&room, "a", &n);
	is_int(n, 2, "two different answers to a");
	is_int(a[0].count + a[1].count, 2, "from two learners");
	is_int(a[0].right + a[1].right, 1, "one of them right");
	roster_answers_free(a, n);
	class_room_release(&room);
}

static char *export(const struct class_room *room, enum export_format f)
{
	struct export_opts o = { .format = f, .base = "https://t.example", .course_id = "c" };
	struct strbuf sb = STRBUF_INIT;
	export_room(room, &o, &sb);
	return strbuf_detach(&sb);
}

TEST(export_grades__has_nbgrader_columns_and_harmless_names)
{
	struct class_room room = CLASS_ROOM_INIT;
	build(&room);
	char *csv = export(&room, EXPORT_GRADES);
	ok(!strncmp(csv,
		    "assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,"
		    "late_submission_penalty,score,max_score\r\n",
		    118),
	   "nbgrader's eleven columns");
	ok(strstr(csv, "q1,,2023-11-14T22:23:23.000Z,ana,Lima,Ana,,2,0,2,2\r\n") != NULL,
	   "ana's quiz row, split name, finish time");
	ok(strstr(csv, "q1,,,dee,,Dee,,0,0,0,2\r\n") != NULL, "a non-submitter gets raw 0");
	ok(strstr(csv, ",bob,\"\"\"Bob\"\"\",\"O'Brien,\",") != NULL,
	   "a name with a comma and quotes is quoted");
	ok(strstr(csv, ",cy,calc'!A1,'=cmd|'/c,") != NULL, "a formula name is neutralised");
	ok(strstr(csv, "ex2,,2023-11-14T22:50:20.000Z,bob,") != NULL, "exercises are assignments");
	ok(!strstr(csv, ",eve,"), "the locked file has no rows");
	free(csv);
	class_room_release(&room);
}

TEST(export_wide_and_long__one_column_per_item_one_row_per_try)
{
	struct class_room room = CLASS_ROOM_INIT;
	build(&room);
	char *wide = export(&room, EXPORT_WIDE);
	ok(!strncmp(wide,
		    "student_id,name,q:q1/a,q:q1/b,quiz:q1,ex:ex1,ex:ex2\r\n(max),,1,1,2,3,3\r\n",
		    70),
	   "header and maxima");
	ok(strstr(wide, "\r\ncy,'=cmd|'/c calc'!A1,0,1,1,,\r\n") != NULL, "cy's marks, no runs");
	ok(strstr(wide, "\r\nbob,\"O'Brien, \"\"Bob\"\"\",,,,3,1\r\n") != NULL,
	   "bob's best runs, no quiz");
	free(wide);
	char *lng = export(&room, EXPORT_LONG);
	ok(strstr(lng, "ana,Ana Lima,quiz,q1,1,a,1,1,0,1,0,1,1,3.5,2023-11-14T22:23:21.000Z") !=
		   NULL,
	   "ana's first try");
	ok(strstr(lng, "bob,\"O'Brien, \"\"Bob\"\"\",exercise,m1,3,ex2,,3,failed,") != NULL,
	   "bob's third run of ex2");
	size_t rows = 0;
	for (const char *p = lng; (p = strstr(p, "\r\n")); p += 2)
		rows++;
	is_int(rows, 1 + 4 + 4, "header, four tries, four runs");
	free(lng);
	class_room_release(&room);
}

TEST(export_xapi__statements_are_valid_and_stable)
{
	struct class_room room = CLASS_ROOM_INIT;
	build(&room);
	char *a = export(&room, EXPORT_XAPI);
	char *b = export(&room, EXPORT_XAPI);
	is_str(a, b, "a second export is the same, ids included");
	if (getenv("DUMP"))
		fputs(a, stderr);
	size_t n = 0, answered = 0;
	bool all_ok = true;
	for (char *line = a; *line;) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		cJSON *st = cJSON_Parse(line);
		n++;
		const cJSON *id = cJSON_GetObjectItem(st, "id");
		const cJSON *verb = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "verb"), "id");
		const cJSON *obj = cJSON_GetObjectItem(st, "object");
		const cJSON *acc = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "actor"), "account");
		all_ok &= cJSON_IsString(id) && strlen(id->valuestring) == 36 &&
			  id->valuestring[14] == '5' && cJSON_IsString(verb) &&
			  cJSON_IsString(cJSON_GetObjectItem(obj, "id")) &&
			  cJSON_IsString(cJSON_GetObjectItem(acc, "homePage"));
		if (strstr(verb->valuestring, "answered")) {
			answered++;
			const cJSON *def = cJSON_GetObjectItem(obj, "definition");
			const cJSON *it = cJSON_GetObjectItem(def, "interactionType");
			all_ok &= cJSON_IsString(it);
		}
		cJSON_Delete(st);
		line = nl + 1;
	}
	ok(all_ok, "every statement has a version 5 id, a verb IRI, an object and an account");
	is_int(answered, 4, "one answered statement per try");
	/* page views 10, quiz 2 x 4, hint 1, runs 4 and ex1's first pass completed, hand 1 */
	is_int(n, 10 + 8 + 1 + 4 + 1 + 1,
	       "one statement per event, and one per exercise completed");
	ok(strstr(b, "\"interactionType\":\"true-false\"") != NULL, "tf is true-false");
	ok(strstr(b, "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/passed\"") != NULL,
	   "a passed quiz");
	char u1[37], u2[37];
	export_uuid("ana", 1, u1);
	export_uuid("ana", 2, u2);
	ok(strcmp(u1, u2) != 0, "different events, different ids");
	export_uuid("ana", 1, u2);
	is_str(u1, u2, "the same event, the same id");
	free(a);
	free(b);
	class_room_release(&room);
}

TEST(analysis_build__keeps_first_attempts_and_distractors)
{
	struct class_room room = CLASS_ROOM_INIT;
	build(&room);
	struct analysis an;
	analysis_build(&room, "q1", EXPORT_FIRST, &an);
	is_int(an.test.n, 2, "two finished attempts");
	is_int(an.n_items, 2, "two questions");
	/* a: ana 1, cy 0 -> F 50; b: both 1 -> F 100. */
	ok(fabs(an.items[0].st.facility - 50) < 1e-9, "facility of a");
	ok(fabs(an.items[1].st.facility - 100) < 1e-9, "facility of b");
	is_str(an.items[1].type, "tf", "b's type from the attempt's copy");
	is_int(an.items[0].n_choices, 2, "two responses to a");
	/* ana chose 0 and scored 2/2 = 100 %; cy chose 1 and scored 1/2 = 50 %. */
	const struct analysis_choice *c0 = !strcmp(an.items[0].choices[0].response, "0")
						   ? &an.items[0].choices[0]
						   : &an.items[0].choices[1];
	ok(fabs(c0->mean_total - 100) < 1e-9, "who chose 0 scored 100 percent");
	analysis_release(&an);
	class_room_release(&room);
}

/* One sealed file of the running user's in dir, with a failed check run and a page view. */
static char *sealed_file(const char *dir, const char *me, const unsigned char *key)
{
	struct error err;
	char *path = xasprintf("%s/%s.db", dir, me);
	struct store *s = store_open(path, &err);
	struct store_event run = { .kind = STORE_CHECK_RUN, .item = "ex1", .data = failed };
	struct store_event view = { .kind = STORE_PAGE_VIEW, .module = "m1", .item = "intro" };
	ok(s && store_seal(s, key, me, &err) && store_append(s, &run, &err) &&
		   store_append(s, &view, &err),
	   "a sealed record in %s", dir);
	store_close(s);
	return path;
}

TEST(class_room__counts_no_forged_file_of_a_sealed_class)
{
	unsigned char key[STORE_SEAL_KEY_LEN];
	memset(key, 0x5a, sizeof(key));
	struct passwd *pw = getpwuid(geteuid());
	const char *me = pw ? pw->pw_name : "root";
	char root[] = "/tmp/test-class-seal-XXXXXX";
	if (!mkdtemp(root)) {
		ok(false, "mkdtemp");
		return;
	}
	char *honest = xasprintf("%s/honest", root), *forged = xasprintf("%s/forged", root);
	struct error err;
	ok(path_mkdirs(honest, 0700, &err) && path_mkdirs(forged, 0700, &err), "two classes");
	char *good = sealed_file(honest, me, key);
	char *bad = sealed_file(forged, me, key);
	sqlite3 *db = NULL;
	ok(sqlite3_open(bad, &db) == SQLITE_OK &&
		   sqlite3_exec(
			   db,
			   "INSERT INTO events(at_ms, kind, item, data) VALUES (1, 'check_run',"
			   " 'ex1', '{\"status\":\"passed\",\"passed\":3,\"total\":3}')",
			   NULL, NULL, NULL) == SQLITE_OK,
	   "the learner appends a pass with sqlite3");
	sqlite3_close(db);
	/* A file named after someone else: the kernel says it is ours. */
	char *impostor = xasprintf("%s/trainer-%d.db", honest, (int)getpid());
	struct store *s = store_open(impostor, &err);
	store_close(s);

	class_seal_key(key);
	struct class_room room = CLASS_ROOM_INIT;
	class_room_add_file(&room, good);
	class_room_add_file(&room, bad);
	class_room_add_file(&room, impostor);
	ok(room.learners[0].file == CLASS_FILE_OK && room.learners[0].n_events == 2,
	   "a sealed file of its owner's is read");
	ok(room.learners[1].file == CLASS_FILE_FORGED && room.learners[1].n_events == 0,
	   "the file with a forged pass counts for nothing");
	ok(room.learners[1].problem && strstr(room.learners[1].problem, "event 3 fails its seal"),
	   "and says which event: %s", room.learners[1].problem);
	ok(room.learners[2].file == CLASS_FILE_FORGED &&
		   strstr(room.learners[2].problem, "was created by"),
	   "a file named after another user is forged: %s", room.learners[2].problem);
	is_str(class_file_name(room.learners[2].file), "forged", "its state is 'forged'");
	class_room_release(&room);
	class_seal_key(NULL);
	class_room_add_file(&room, bad);
	ok(room.learners[0].file == CLASS_FILE_FORGED && room.learners[0].problem &&
		   strstr(room.learners[0].problem, "event 3 does not follow"),
	   "without a class key no seal is checked, but the pass added with sqlite3 carries "
	   "no chain after events that do: %s",
	   room.learners[0].problem);
	class_room_release(&room);
	unlink(good);
	unlink(bad);
	unlink(impostor);
	char *rm = xasprintf("rm -rf '%s'", root);
	ok(system(rm) == 0, "cleans up");
	free(rm);
	free(good);
	free(bad);
	free(impostor);
	free(honest);
	free(forged);
}

/* A quiz_start holding the real canonical copy of one question, as the tutor stores it. */
static char *start_with(const struct quiz_question *q)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "attempt", 1);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", q->id);
	cJSON_AddStringToObject(o, "question", q->canon);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "questions"), o);
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	return text;
}

static void answer(struct class_learner *l, const char *start, const char *response,
		   double fraction)
{
	ev(l, T0, STORE_QUIZ_START, "m1", "q1", start);
	char *d = xasprintf("{\"attempt\":1,\"question\":\"push\",\"slot\":1,\"try\":1,"
			    "\"response\":\"%s\",\"fraction\":%g,\"penalty\":0,\"mark\":%g,"
			    "\"max\":1,\"seconds\":4,\"finished\":true}",
			    response, fraction, fraction);
	ev(l, T0 + 1000, STORE_QUIZ_TRY, "m1", "q1", d);
	free(d);
}

TEST(roster_answers__label_the_options_and_name_who_has_not_answered)
{
	const char *yaml = "id: q1\ntitle: Q\nquestions:\n"
			   "  - {id: push, type: mc, text: 'Which service pushes events?',"
			   " options: [{text: Amazon SQS, fraction: 0},"
			   " {text: Amazon SNS, fraction: 1}, {text: AWS Glue, fraction: 0}]}\n";
	struct diags d = DIAGS_INIT;
	struct quiz *qz = quiz_parse(yaml, strlen(yaml), "quizzes/q1.yaml", NULL, &d);
	ok(qz && qz->n_questions == 1 && qz->questions[0]->canon, "a quiz of one question");
	diags_release(&d);
	if (!qz || !qz->n_questions || !qz->questions[0]->canon) {
		quiz_free(qz);
		return;
	}
	char *start = start_with(qz->questions[0]);
	struct class_room room = CLASS_ROOM_INIT;
	answer(add(&room, "ana", "Ana"), start, "1", 1);
	answer(add(&room, "bo", "Bo"), start, "1", 1);
	answer(add(&room, "cy", "Cy"), start, "0", 0);
	add(&room, "dee", "Dee");
	ev(&room.learners[3], T0, STORE_PAGE_VIEW, "m1", "intro", NULL);
	struct class_learner *broken = add(&room, "eve", "Eve");
	broken->file = CLASS_FILE_CORRUPT;

	struct quiz_question *q = roster_question(&room, "push");
	ok(q && strcmp(q->text, "Which service pushes events?") == 0,
	   "the question's text comes from the copy an attempt stored");
	quiz_question_free(q);
	ok(!roster_question(&room, "nowhere"), "a question nobody started has no copy");
	size_t n;
	struct roster_answer *a = roster_answers(&room, "push", &n);
	is_int(n, 2, "two different answers");
	ok(n == 2 && a[0].count == 2 && a[0].label && strcmp(a[0].label, "Amazon SNS") == 0,
	   "the most given answer is labelled with its option's text: %s",
	   n && a[0].label ? a[0].label : "(none)");
	ok(n == 2 && a[1].label && strcmp(a[1].label, "Amazon SQS") == 0 && a[1].right == 0,
	   "and so is the wrong one");
	roster_answers_free(a, n);
	size_t nw;
	const char **w = roster_unanswered(&room, "push", &nw);
	ok(nw == 1 && strcmp(w[0], "dee") == 0,
	   "dee has not answered yet; an unreadable file is not counted as waiting");
	free(w);
	class_room_release(&room);
	free(start);
	quiz_free(qz);
}

TEST(roster_build__says_what_a_learner_is_failing_on)
{
	static const char *fail_a =
		"{\"status\":\"failed\",\"passed\":1,\"total\":3,\"error\":null,\"tasks\":["
		"{\"id\":\"a\",\"text\":\"Return 200\",\"pass\":true},"
		"{\"id\":\"b\",\"text\":\"Put JSON in body\",\"pass\":false,"
		"\"got\":\"body = \\\"hi\\\"\"}]}";
	static const char *fail_err = "{\"status\":\"error\",\"error\":\"no handler file\"}";
	struct class_room room = CLASS_ROOM_INIT;
	struct class_learner *ana = add(&room, "ana", "Ana");
	ev(ana, T0, STORE_CHECK_RUN, "m1", "ex0", fail_a);
	ev(ana, T0 + 1 * MIN, STORE_CHECK_RUN, "m1", "ex1", fail_err);
	ev(ana, T0 + 2 * MIN, STORE_CHECK_RUN, "m1", "ex1", fail_a);
	ev(ana, T0 + 3 * MIN, STORE_CHECK_RUN, "m1", "ex1", fail_a);
	struct class_learner *bo = add(&room, "bo", "Bo");
	ev(bo, T0, STORE_CHECK_RUN, "m1", "ex1", fail_a);
	ev(bo, T0 + MIN, STORE_CHECK_RUN, "m1", "ex1", passed);
	struct class_learner *cy = add(&room, "cy", "Cy");
	ev(cy, T0, STORE_CHECK_RUN, "m1", "ex1", fail_err);
	struct roster r;
	roster_build(&r, &room, &course, T0 + 10 * MIN);
	const struct roster_row *a = &r.rows[0], *b = &r.rows[1], *c = &r.rows[2];
	ok(a->fail_exercise && strcmp(a->fail_exercise, "ex1") == 0 && a->fail_streak == 3,
	   "ana fails ex1, three runs in a row");
	ok(a->fail_since_ms == T0 + 1 * MIN, "since her first failure on it, not on ex0");
	is_str(a->fail_message, "Put JSON in body: got body = \"hi\"",
	       "her last failure's first failing task, and what it got");
	ok(!b->fail_exercise && !b->fail_message, "bo's pass clears what he was failing on");
	is_str(c->fail_message, "no handler file", "a run that could not start gives its error");
	roster_release(&r);
	class_room_release(&room);
}

TEST(roster_minutes_left__rounds_up)
{
	struct roster_agenda ag = { .left_in_segment_ms = 20 * MIN - 5 };
	is_int(roster_minutes_left(&ag), 20, "20 min left a moment into a 20-minute segment");
	ag.left_in_segment_ms = 19 * MIN;
	is_int(roster_minutes_left(&ag), 19, "19 at exactly 19");
	ag.left_in_segment_ms = 1;
	is_int(roster_minutes_left(&ag), 1, "1 until the segment ends");
	ag.left_in_segment_ms = 0;
	is_int(roster_minutes_left(&ag), 0, "0 when it has");
}

int main(void)
{
	RUN(roster_build__places_and_classifies_each_learner);
	RUN(roster_build__counts_failures_until_fixed);
	RUN(roster_agenda__tells_ahead_from_behind);
	RUN(roster_answers__counts_last_tries_of_first_attempts);
	RUN(export_grades__has_nbgrader_columns_and_harmless_names);
	RUN(export_wide_and_long__one_column_per_item_one_row_per_try);
	RUN(export_xapi__statements_are_valid_and_stable);
	RUN(analysis_build__keeps_first_attempts_and_distractors);
	RUN(class_room__counts_no_forged_file_of_a_sealed_class);
	RUN(roster_answers__label_the_options_and_name_who_has_not_answered);
	RUN(roster_build__says_what_a_learner_is_failing_on);
	RUN(roster_minutes_left__rounds_up);
	return done();
}
