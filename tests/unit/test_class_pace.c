/*
 * The trainer's file (class/pace.h) and the dashboard's refresh, which reads again only the
 * learner files that changed, over real record files in a temporary class directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class/class.h"
#include "class/pace.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "harness.h"
#include "store/store.h"

static char dir[] = "/tmp/test-class-pace.XXXXXX";

static void view(const char *learner, const char *page)
{
	char *path = xasprintf("%s/%s.db", dir, learner);
	struct error err;
	struct store *s = store_open_mode(path, STORE_MODE_CLASS, &err);
	struct store_event ev = { .kind = STORE_PAGE_VIEW, .module = "m1", .item = page };
	ok(s && store_append(s, &ev, &err), "record a page view for %s", learner);
	store_close(s);
	free(path);
}

TEST(pace__round_trips_and_locks_after_the_open_module)
{
	struct pace p, back;
	struct error err;
	ok(pace_read(dir, &p, &err), "a missing trainer file reads as no pace");
	is_int(p.open_through, 0, "everything open");
	ok(pace_module_open(&p, 6), "so module 6 is open");
	p.started_ms = 1700000000000;
	p.open_through = 2;
	snprintf(p.message, sizeof p.message, "Break until 11:00");
	p.message_ms = 1700000001000;
	ok(pace_write(dir, &p, &err), "write the trainer file");
	ok(pace_read(dir, &back, &err), "read it back");
	is_int(back.started_ms, 1700000000000, "start time");
	is_int(back.open_through, 2, "open through module 2");
	is_str(back.message, "Break until 11:00", "message");
	ok(pace_module_open(&back, 2) && !pace_module_open(&back, 3), "module 3 is locked");
	char *path = path_join(dir, PACE_FILE);
	ok(path_write_file(path, "[1,2]", 5, 0644, &err), "damage the trainer file");
	ok(!pace_read(dir, &back, &err), "a trainer file that is not an object is refused");
	ok(strstr(err.msg, "not a trainer file") != NULL, "saying why");
	ok(path_write_file(path, "{\"message\":\"two\\nlines\"}", 24, 0644, &err),
	   "write two lines");
	ok(pace_read(dir, &back, &err), "read them");
	is_str(back.message, "two", "a message is one line");
	unlink(path);
	free(path);
}

TEST(class_room_refresh__reads_again_only_what_changed)
{
	view("ana", "intro");
	view("bob", "intro");
	struct class_room room = CLASS_ROOM_INIT;
	struct error err;
	size_t reread = 0;
	ok(class_room_refresh(&room, dir, &reread, &err), "first read");
	is_int(room.n, 2, "two learners");
	is_int(reread, 2, "both files read");
	/*
	 * Read as the files' owner, a first read may create their write-ahead logs, a change
	 * seen while reading: those files are read once more, then left alone.
	 */
	ok(class_room_refresh(&room, dir, &reread, &err), "refresh");
	ok(class_room_refresh(&room, dir, &reread, &err), "refresh again");
	is_int(reread, 0, "nothing changed, nothing read");
	view("bob", "more");
	ok(class_room_refresh(&room, dir, &reread, &err), "refresh after bob moved");
	is_int(reread, 1, "only bob's file read again");
	is_int(room.learners[1].n_events, 2, "bob has two events now");
	is_str(room.learners[0].id, "ana", "still sorted by name");
	char *path = xasprintf("%s/ana.db", dir);
	unlink(path);
	free(path);
	ok(class_room_refresh(&room, dir, &reread, &err), "refresh after ana's file went");
	is_int(room.n, 1, "one learner left");
	is_str(room.learners[0].id, "bob", "bob");
	class_room_release(&room);
	ok(!class_room_refresh(&room, "/nonexistent/class", &reread, &err),
	   "a class directory that is not there is an error");
	ok(strstr(err.msg, "cannot read class directory") != NULL, "in one line");
	class_room_release(&room);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(pace__round_trips_and_locks_after_the_open_module);
	RUN(class_room_refresh__reads_again_only_what_changed);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return done();
}
