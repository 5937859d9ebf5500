/*
 * Who may join a class (class/names.h: the roster, a freed name), the grace a live answer gets
 * after the question stops taking answers (class/live.h), and a refresh that reads the roster
 * and the server's .seen.json again only when they change, over a temporary class folder.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class/class.h"
#include "class/live.h"
#include "class/names.h"
#include "class/seen.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "harness.h"
#include "quiz/quiz.h"

static char dir[] = "/tmp/test-class-names.XXXXXX";

TEST(names_parse__takes_one_name_a_line_and_refuses_bad_ones)
{
	struct error err;
	size_t n;
	char **names = names_parse("# group A\nada\n  bob  # late\n\nc.d_e-1\n", "r.txt", &n, &err);
	ok(names != NULL, "a roster with comments and blank lines parses");
	is_int(n, 3, "three names");
	is_str(names[1], "bob", "spaces and comments trimmed");
	names_list_free(names, n);
	error_clear(&err);
	ok(!names_parse("ada\nBob Smith\n", "r.txt", &n, &err), "a name with a space is refused");
	is_str(err.path, "r.txt", "naming the file");
	is_int(err.line, 2, "and the line");
	error_clear(&err);
	ok(!names_parse("ada\nada\n", "r.txt", &n, &err), "a name twice is refused");
	ok(strstr(err.msg, "twice") != NULL, "saying so");
	error_clear(&err);
	ok(!names_parse("# nobody\n", "r.txt", &n, &err), "a roster of no name is refused");
}

TEST(names_allowed__without_a_roster_anyone_with_one_only_its_names)
{
	struct error err;
	error_clear(&err);
	ok(names_allowed(dir, "zed", &err), "no roster: any name");
	char *src = path_join(dir, "in.txt");
	ok(path_write_file(src, "ada\nbob\n", 8, 0600, &err), "write a roster");
	size_t n = 0;
	ok(names_roster_set(dir, src, &n, &err), "set it");
	is_int(n, 2, "two names");
	ok(names_allowed(dir, "bob", &err), "bob may join");
	ok(!names_allowed(dir, "zed", &err), "zed may not");
	ok(strstr(err.msg, "not on this class's roster") != NULL, "in words");
	free(src);
}

TEST(names_free__marks_then_retire_moves_the_records_aside)
{
	struct error err;
	error_clear(&err);
	ok(!names_free(dir, "ada", &err), "a name that has not joined cannot be freed");
	char *db = path_join(dir, "ada.db");
	ok(path_write_file(db, "records", 7, 0600, &err), "ada's records");
	ok(!names_freed(dir, "ada"), "not freed yet");
	ok(names_free(dir, "ada", &err), "the trainer frees ada");
	ok(names_freed(dir, "ada"), "ada is freed");
	char *moved = NULL;
	ok(names_retire(dir, "ada", &moved, &err), "ada joins again");
	ok(moved && strstr(moved, "/.freed/ada-") != NULL, "the old records went to .freed/");
	ok(moved && path_is_file(moved) && !path_is_file(db), "moved, not copied");
	ok(!names_freed(dir, "ada"), "and the mark is gone");
	free(moved);
	free(db);
}

TEST(live__answers_count_for_the_grace_after_a_close_or_a_new_push)
{
	struct quiz_question q1 = { .id = (char *)"q1", .hash = "h1" };
	struct quiz_question q2 = { .id = (char *)"q2", .hash = "h2" };
	struct live l = { 0 };
	live_push(&l, &q1, 0, 1000000);
	ok(live_open(&l, 1005000, 0), "open until closed");
	is_int(live_until_ms(&l, 1005000), 0, "still taking answers");
	live_close(&l, 1010000);
	ok(!live_open(&l, 1010001, 0), "closed for the room's screens");
	ok(live_open(&l, 1010000 + LIVE_GRACE_MS - 1, LIVE_GRACE_MS),
	   "an answer on its way counts for the grace");
	ok(!live_open(&l, 1010000 + LIVE_GRACE_MS, LIVE_GRACE_MS), "and not after it");
	live_push(&l, &q2, 30, 1020000);
	ok(l.prev_id == 1000000 && !strcmp(l.prev_question, "q1") && !strcmp(l.prev_hash, "h1"),
	   "a new push keeps the one it replaced");
	is_int(l.prev_until_ms, 1010000, "which stopped when it was closed");
	live_push(&l, &q1, 0, 1025000);
	is_int(l.prev_until_ms, 1025000, "an open one stops when replaced (--next)");
	is_int(l.id, 1025000, "the new push is the live one");
	struct error err;
	error_clear(&err);
	ok(live_write(dir, &l, &err), "written");
	struct live back;
	ok(live_read(dir, &back, &err), "and read back");
	ok(back.prev_id == l.prev_id && back.prev_until_ms == l.prev_until_ms &&
		   !strcmp(back.prev_question, "q2"),
	   "with the push it replaced");
	struct live t = { 0 };
	live_push(&t, &q1, 10, 2000000);
	ok(live_open(&t, 2000000 + 10000 + LIVE_GRACE_MS - 1, LIVE_GRACE_MS),
	   "a timed question takes answers for the grace past its timer");
	is_int(live_until_ms(&t, 2020000), 2010000, "and stopped when the timer ran out");
}

static void write_text(const char *d, const char *name, const char *text)
{
	char *path = path_join(d, name);
	struct error err;
	if (!path_write_file(path, text, strlen(text), 0644, &err))
		printf("# cannot write %s: %s\n", path, err.msg);
	free(path);
}

TEST(class_room_refresh__reads_the_roster_again_when_it_changes)
{
	struct passwd *pw = getpwuid(geteuid());
	char *d = path_join(dir, "owned");
	struct error err;
	ok(pw && path_mkdirs(d, 0755, &err), "a class folder of this user");
	char *file = xasprintf("%s.db", pw->pw_name);
	write_text(d, file, "");
	struct class_room room = CLASS_ROOM_INIT;
	ok(class_room_refresh(&room, d, NULL, &err) && room.n == 1, "the owner's file is read");
	ok(room.learners[0].trainer, "without a roster, the owner's file is the trainer's");
	char *listed = xasprintf("%s\nada\n", pw->pw_name);
	write_text(d, NAMES_ROSTER, listed);
	ok(class_room_refresh(&room, d, NULL, &err) && !room.learners[0].trainer,
	   "a roster that lists the owner, set between refreshes, makes them a learner");
	write_text(d, NAMES_ROSTER, "ada\n");
	ok(class_room_refresh(&room, d, NULL, &err) && room.learners[0].trainer,
	   "and one that no longer does, the trainer again");
	class_room_release(&room);
	free(listed);
	free(file);
	free(d);
}

TEST(seen_book_reload__keeps_the_book_until_the_file_changes)
{
	char *d = path_join(dir, "seen");
	struct error err;
	ok(path_mkdirs(d, 0755, &err), "a class folder");
	ok(!seen_book_reload(NULL, d), "no file, no book");
	write_text(d, SEEN_FILE, "{\"ada\": {\"seen_ms\": 5}}");
	struct seen_book *b = seen_book_reload(NULL, d);
	struct seen s;
	ok(b && seen_book_get(b, "ada", &s) && s.seen_ms == 5, "the file is read");
	ok(seen_book_reload(b, d) == b, "and not again while it is unchanged");
	write_text(d, SEEN_FILE, "{\"ada\": {\"seen_ms\": 6000}}");
	b = seen_book_reload(b, d);
	ok(b && seen_book_get(b, "ada", &s) && s.seen_ms == 6000, "a new version is read");
	char *path = path_join(d, SEEN_FILE);
	unlink(path);
	ok(!seen_book_reload(b, d), "a removed file leaves no book");
	free(path);
	free(d);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(names_parse__takes_one_name_a_line_and_refuses_bad_ones);
	RUN(names_allowed__without_a_roster_anyone_with_one_only_its_names);
	RUN(names_free__marks_then_retire_moves_the_records_aside);
	RUN(live__answers_count_for_the_grace_after_a_close_or_a_new_push);
	RUN(class_room_refresh__reads_the_roster_again_when_it_changes);
	RUN(seen_book_reload__keeps_the_book_until_the_file_changes);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return done();
}
