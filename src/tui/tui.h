/*
 * The terminal UI: one loop, one screen at a time. tui.c owns the loop (erase, draw, refresh,
 * read a key), handles resize, signals, the mouse wheel, the `?` help overlay and the notice
 * below 80x24 once for every screen. A screen is a vtable (like tmux's struct window_mode) in its
 * own screen_<name>.c; it keeps its state in its own file or in struct app, draws only by reading,
 * and moves by keys.
 *
 * To add a screen: define `const struct tui_screen screen_x = { .name = "x", .draw = ...,
 * .key = ..., .keys = ... };` declare it below, and open it with app_goto(app, &screen_x).
 *
 * Only tui/ includes <curses.h>; screens draw through it and the theme in tui/theme.h.
 */
#ifndef TUI_TUI_H
#define TUI_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class/room.h"
#include "core/error.h"
#include "core/xalloc.h"

struct app;
struct course;
struct course_path;
struct exercise;
struct exercise_set;
struct quiz_set;
struct store;

struct check_cloud;

/* Find or start a workspace's cloud: where it is and the learner's keys, or false and err. */
typedef bool (*tui_cloud_fn)(const char *ws, struct check_cloud *out, struct error *err);

/* What a key handler did with a key. */
enum input_result {
	INPUT_IGNORED, /* not mine: the loop applies the common keys (? q Esc, wheel) */
	INPUT_HANDLED, /* done; redraw */
	INPUT_QUIT,    /* leave the tutor now */
};

/* One line of the `?` overlay: the keys and what they do. Arrays end with { NULL, NULL }. */
struct tui_key_help {
	const char *keys;
	const char *what;
};

/* Not "struct screen": <curses.h> already owns that tag. */
struct tui_screen {
	const char *name;
	/* Called each time the screen becomes current (opened or returned to). Optional. */
	void (*enter)(struct app *app);
	/*
	 * Called before draw when the terminal size changed, the screen became current, or
	 * app->relayout was set: compute what depends on the size (wrapped text). Optional.
	 */
	void (*layout)(struct app *app, int rows, int cols);
	/* Draw the whole screen; rows x cols is at least TUI_MIN_ROWS x TUI_MIN_COLS. */
	void (*draw)(const struct app *app, int rows, int cols);
	/* A key (see the TUI_KEY_* notes below). */
	enum input_result (*key)(struct app *app, int key);
	/* Called about every 100 ms when no key came; true asks for a redraw. Optional. */
	bool (*tick)(struct app *app);
	/*
	 * A descriptor the loop waits on beside the keyboard (a watched folder's inotify), or
	 * -1: when it becomes readable, tick is called at once instead of at the next 100 ms.
	 * Optional.
	 */
	int (*wake_fd)(void);
	/* Free what the screen keeps between frames; called once when the loop ends. Optional. */
	void (*release)(void);
	/* The keys this screen adds to the `?` overlay. Optional. */
	const struct tui_key_help *keys;
};

extern const struct tui_screen screen_home, screen_module, screen_page, screen_list, screen_shell;

/*
 * Keys reach screens as ints: curses KEY_* codes for function keys, characters below 0x100
 * as themselves ('q', 27 for Esc), and other characters as TUI_KEY_UNICODE | code point, so a
 * character never reads as a KEY_* code. TUI_KEY_WHEEL_* come from the mouse wheel; a screen
 * that ignores them gets KEY_UP / KEY_DOWN instead.
 */
#define TUI_KEY_UNICODE    0x40000000
#define TUI_KEY_WHEEL_UP   0x20000001
#define TUI_KEY_WHEEL_DOWN 0x20000002
#define TUI_KEY_ESC        27
#define TUI_KEY_CTRL(c)    ((c)&0x1f)

/* The code point a key stands for, or -1 when it is a function key. */
long tui_key_char(int key);

#define TUI_MIN_ROWS  24
#define TUI_MIN_COLS  80
#define TUI_STACK_MAX 16

enum {
	TUI_FLAG_FIRST_FRAME = 1 << 0, /* draw once and leave (bench/first_frame.sh) */
	/* The trainer's screens: the learner's common keys (X C S P H L V) neither work nor show.
	 */
	TUI_FLAG_TRAINER = 1 << 1,
};

/*
 * The state every screen shares. The course and store are borrowed from the command that runs
 * the TUI.
 */
struct app {
	const struct course *course;
	struct store *store; /* NULL: nothing is recorded (tests) */
	const struct tui_screen *screen;
	const struct tui_screen *stack[TUI_STACK_MAX]; /* where `back` returns to */
	size_t depth;
	long module, page; /* the page being read, or read last; -1 before any */
	bool **viewed;     /* viewed[m][p]: pages ever viewed, from the store */
	bool **changed;    /* changed[m][p]: the page differs from what was last viewed */
	bool resume;       /* the store had a position at start */
	bool help;         /* the `?` overlay is open */
	bool relayout;     /* call the screen's layout before the next draw */
	long browse;       /* the module the module screen shows */
	bool quit;
	unsigned flags;   /* TUI_FLAG_* */
	char status[256]; /* one line for the bottom bar; "" when none */
	bool status_is_error;
	/* Class mode (tui/class_mode.h): NULL class_dir outside it, and nothing is locked. */
	const char *class_dir;
	int open_through;       /* modules after this one are locked; 0: all open */
	int64_t pace_seen_ms;   /* the trainer's message shown last */
	int64_t pace_polled_ms; /* when the trainer's file was read last */
	bool hand;              /* the learner's hand is up */
	int64_t hand_up_ms;     /* when it went up (wall clock); 0: not in this session */
	/* A record joined to a class server: the trainer's room is read from its copy. */
	const char *room_db;
	struct live live;      /* the trainer's live question as last read; id 0: none */
	int64_t live_answered; /* the push answered in this session */
	struct room_review reviews[ROOM_REVIEWS_MAX]; /* the trainer's reviews of the learner */
	size_t n_reviews;
	int64_t reviews_seen_ms; /* the newest review told */
	/*
	 * The learner's workspace and its cloud, for what opens exercises, the console and the
	 * shell setup (tui/items.h): NULL workspace when there is none (tests).
	 */
	char *workspace;
	tui_cloud_fn cloud;
	struct check_cloud *reached; /* NULL until asked for */
	/* The course's exercises, quizzes and core paths, loaded on first use (tui/items.h). */
	struct exercise_set *exercises;
	bool exercises_borrowed;
	struct quiz_set *quizzes;
	struct course_path *path;
	struct exercise_set *scenarios; /* the troubleshooting scenarios, loaded on first use */
	void (*release_items)(struct app *app); /* frees them; set by tui/items.c */
};

/*
 * Fill app for course and store: position and viewed pages come from the store's log.
 * False and err when the store cannot be read. Release with app_release().
 */
bool app_init(struct app *app, const struct course *course, struct store *store, struct error *err);
void app_release(struct app *app);

/* Open screen on top of the current one; `back` returns. */
void app_goto(struct app *app, const struct tui_screen *screen);
/* Replace the current screen (no way back to it). */
void app_replace(struct app *app, const struct tui_screen *screen);
/* Return to the previous screen; leaving the first one quits. */
void app_back(struct app *app);
/* Show a line in the status bar until the next key. */
void app_status(struct app *app, const char *fmt, ...) XALLOC_PRINTF(2, 3);
void app_error(struct app *app, const char *fmt, ...) XALLOC_PRINTF(2, 3);

/*
 * Make module m, page p the position and append a page view (with the page's hash) to the
 * store. A failed write shows in the status bar: the learner keeps reading, the record says so.
 */
void app_view_page(struct app *app, long m, long p);
/* Whether page p of module m was ever viewed. */
bool app_page_viewed(const struct app *app, long m, long p);
/* Whether it changed since it was last viewed (its hash differs from the last view's). */
bool app_page_changed(const struct app *app, long m, long p);
/* Pages viewed in module m (or the whole course when m < 0). */
size_t app_viewed_count(const struct app *app, long m);

/*
 * Terminal lifecycle. tui_begin() refuses a stdin or stdout that is not a terminal (err, false).
 * It installs SIGINT/SIGTERM/SIGHUP handlers that only set a flag, before initscr(), so curses
 * leaves them alone and every exit goes through the loop and tui_end(). Both are idempotent.
 */
bool tui_begin(struct error *err);
void tui_end(void);
/* Restore the terminal, print "lambda-tutor: <message>" and exit 2. */
_Noreturn void tui_die(const char *fmt, ...) XALLOC_PRINTF(1, 2);
/* The signal that stopped the loop, or 0. */
int tui_signal(void);

/*
 * Put len bytes of text on the terminal's clipboard (OSC 52). True when the sequence was
 * written; whether the terminal honours it cannot be known.
 */
bool tui_clipboard(const char *text, size_t len);

/* Run screen until quit, a signal or (with TUI_FLAG_FIRST_FRAME) the first frame. */
void tui_run(struct app *app, const struct tui_screen *first);

/*
 * Drawing helpers for screens: UTF-8 text cropped to a number of columns (never bytes), with
 * "…" when cut. Return the columns used.
 */
int tui_put(int y, int x, const char *s, int max_cols, int role);
/* The same, with n bytes of s. */
int tui_putn(int y, int x, const char *s, size_t n, int max_cols, int role);
/* Fill a row from x to cols with spaces in role. */
void tui_fill(int y, int x, int cols, int role);
/* A bar of width cols showing done of total. */
void tui_bar(int y, int x, int cols, size_t done, size_t total);
/* The title bar on row 0 and the key hints on the last row, the status line when set. */
void tui_title(const struct app *app, const char *left, const char *right, int cols);
void tui_footer(const struct app *app, const char *hints, int rows, int cols);

#endif
