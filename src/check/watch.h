/*
 * Watching an exercise folder for saves: inotify where the kernel offers it, else a snapshot
 * of names, sizes and modification times compared every POLL interval (rustlings' WSL2
 * lesson). Bursts of events from one save (an editor's temporary file, rename and chmod) are
 * folded into one change. A folder that disappears is reported once, and watched for until it
 * comes back.
 */
#ifndef CHECK_WATCH_H
#define CHECK_WATCH_H

#include <signal.h>
#include <stdbool.h>

#define WATCH_POLL_MS     200
#define WATCH_DEBOUNCE_MS 60
#define WATCH_SETTLE_MS   8

enum watch_event {
	WATCH_CHANGED, /* a file was saved, created, renamed or deleted */
	WATCH_GONE,    /* the folder itself was deleted or moved away */
	WATCH_BACK,    /* the folder exists again */
	WATCH_TIMEOUT,
	WATCH_STOPPED, /* *stop became non-zero */
};

struct watch;

/* Watch dir (which need not exist yet). Never NULL. Close with watch_close(). */
struct watch *watch_open(const char *dir, bool force_polling);
void watch_close(struct watch *w);
bool watch_is_polling(const struct watch *w);
/* The inotify descriptor to poll() on beside other input, or -1 when polling. */
int watch_fd(const struct watch *w);

/*
 * Wait up to timeout_ms (-1: for ever) for the next event, checking *stop (may be NULL) at
 * least every WATCH_POLL_MS.
 */
enum watch_event watch_wait(struct watch *w, int timeout_ms, volatile sig_atomic_t *stop);

#endif
