/*
 * Folder watching with inotify and a polling fallback.
 */
#include "check/watch.h"

#include <dirent.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/path.h"
#include "core/xalloc.h"

#define MASK                                                                                     \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF | \
	 IN_MOVE_SELF | IN_ATTRIB)
/* However long a burst of events lasts, a change is reported within this. */
#define BURST_MAX_MS 300

struct watch {
	char *dir;
	int fd; /* inotify, or -1 */
	int wd;
	bool polling;
	bool present;
	uint64_t snapshot;
};

/* Editors' scratch files and the tutor's own ones are not saves. */
static bool ignored(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '.' || (n && name[n - 1] == '~') || strcmp(name, "4913") == 0 ||
	       strcmp(name, "__pycache__") == 0 || (n > 4 && strcmp(name + n - 4, ".pyc") == 0);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

static uint64_t snapshot_dir(const char *dir, int depth)
{
	uint64_t h = 0xcbf29ce484222325ull;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (ignored(e->d_name))
			continue;
		char *p = path_join(dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0) {
			uint64_t k = 0;
			for (const char *s = e->d_name; *s; s++)
				k = mix(k, (unsigned char)*s);
			k = mix(k, (uint64_t)st.st_size);
			k = mix(k, (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
					   (uint64_t)st.st_mtim.tv_nsec);
			if (S_ISDIR(st.st_mode) && depth < 3)
				k = mix(k, snapshot_dir(p, depth + 1));
			h += k; /* order-independent: readdir's order is not stable */
		}
		free(p);
	}
	closedir(d);
	return h;
}

static void arm(struct watch *w)
{
	if (w->fd < 0)
		return;
	w->wd = inotify_add_watch(w->fd, w->dir, MASK);
}

struct watch *watch_open(const char *dir, bool force_polling)
{
	struct watch *w = xcalloc(1, sizeof(*w));
	w->dir = xstrdup(dir);
	w->fd = force_polling ? -1 : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->wd = -1;
	w->polling = w->fd < 0;
	w->present = path_is_dir(dir);
	if (w->present)
		arm(w);
	w->snapshot = snapshot_dir(dir, 0);
	return w;
}

void watch_close(struct watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
	free(w);
}

bool watch_is_polling(const struct watch *w)
{
	return w->polling;
}

int watch_fd(const struct watch *w)
{
	return w->fd;
}

/*
 * Read what inotify has; true when a relevant change is among it. *settled tells whether the
 * last relevant event ends a save (a file closed after writing, moved into place, its mode
 * set, or deleted) rather than starting one (a file created, or moved away to be replaced).
 */
static bool drain(struct watch *w, bool *self_gone, bool *settled)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
				*self_gone = true;
			} else if (ev->len && !ignored(ev->name)) {
				changed = true;
				*settled = (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB |
							IN_DELETE)) != 0;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}

/*
 * Wait for quiet: the rest of an editor's save arrives within a few milliseconds. After an
 * event that ends a save, WATCH_SETTLE_MS of quiet is enough; after one that starts a save
 * (the new file is still to come), WATCH_DEBOUNCE_MS.
 */
static void settle(struct watch *w, bool settled)
{
	int64_t start = clock_mono_ms();
	for (;;) {
		if (clock_mono_ms() - start > BURST_MAX_MS)
			return;
		if (w->fd < 0) {
			usleep(WATCH_DEBOUNCE_MS * 1000);
			w->snapshot = snapshot_dir(w->dir, 0);
			return;
		}
		struct pollfd p = { w->fd, POLLIN, 0 };
		if (poll(&p, 1, settled ? WATCH_SETTLE_MS : WATCH_DEBOUNCE_MS) <= 0)
			return;
		bool gone = false;
		drain(w, &gone, &settled);
		if (gone)
			return;
	}
}

enum watch_event watch_wait(struct watch *w, int timeout_ms, volatile sig_atomic_t *stop)
{
	int64_t deadline = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
	for (;;) {
		if (stop && *stop)
			return WATCH_STOPPED;
		bool present = path_is_dir(w->dir);
		if (w->present && !present) {
			w->present = false;
			w->wd = -1;
			return WATCH_GONE;
		}
		if (!w->present && present) {
			w->present = true;
			arm(w);
			w->snapshot = snapshot_dir(w->dir, 0);
			return WATCH_BACK;
		}
		int wait = WATCH_POLL_MS;
		bool last = false;
		if (deadline >= 0) {
			int64_t left = deadline - clock_mono_ms();
			/* A timeout of 0 still looks once: a screen's tick polls this way. */
			last = left <= WATCH_POLL_MS;
			wait = left <= 0 ? 0 : left < wait ? (int)left : wait;
		}
		if (w->fd >= 0 && w->present) {
			struct pollfd p = { w->fd, POLLIN, 0 };
			if (poll(&p, 1, wait) > 0) {
				bool gone = false, settled = false;
				if (drain(w, &gone, &settled) && !gone) {
					settle(w, settled);
					return WATCH_CHANGED;
				}
			}
			if (last)
				return WATCH_TIMEOUT;
			continue;
		}
		if (wait > 0)
			usleep((useconds_t)wait * 1000);
		if (w->present) {
			uint64_t s = snapshot_dir(w->dir, 0);
			if (s != w->snapshot) {
				settle(w, false);
				w->snapshot = snapshot_dir(w->dir, 0);
				return WATCH_CHANGED;
			}
		}
		if (last)
			return WATCH_TIMEOUT;
	}
}
