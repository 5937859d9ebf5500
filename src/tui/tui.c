/*
 * The loop and the terminal's lifecycle. Everything every screen shares lives here: resize,
 * signals, the mouse wheel, the help overlay, the notice below 80x24 and the drawing helpers.
 */
#include "tui/tui.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "tui/class_mode.h"
#include "tui/clip.h"
#include "tui/items.h"
#include "tui/screen_console.h"
#include "tui/screen_project.h"
#include "tui/terminfo.h"
#include "tui/theme.h"
#include "tui/utf8.h"

static volatile sig_atomic_t got_signal;
static bool started;
static SCREEN *term_screen;
static struct sigaction old_int, old_term, old_hup;
/* Screens entered during the run, released when it ends. */
static const struct tui_screen *used[64];
static size_t n_used;

static void on_signal(int sig)
{
	got_signal = sig;
}

/*
 * A crash (a bug) would leave the terminal raw and on the alternate screen. endwin() is not
 * async-signal-safe, but the process is dying anyway: restoring the terminal is worth the risk
 * (htop does the same). The handler is reset first, so raise() ends the process as before.
 */
static void on_crash(int sig)
{
	if (started)
		endwin();
	raise(sig);
}

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction old_crash[sizeof(crash_signals) / sizeof(crash_signals[0])];

int tui_signal(void)
{
	return got_signal;
}

long tui_key_char(int key)
{
	if (key >= 0 && key < 0x100)
		return key;
	if (key & TUI_KEY_UNICODE)
		return key & ~TUI_KEY_UNICODE;
	return -1;
}

bool tui_begin(struct error *err)
{
	if (started)
		return true;
	/* A curses screen on a pipe or a file is garbage for whoever reads it (ncdu refuses too).
	 */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return error_set(err, "the tutor needs a terminal: stdin and stdout must be a tty");
	/* Without a locale, wide characters come out as bytes; tmux and most terminals are UTF-8.
	 */
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");

	/*
	 * Our handlers go in before curses starts: ncurses only catches signals still at their
	 * default, and its own SIGINT handler calls _exit() without our cleanup.
	 */
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	struct sigaction crash = { 0 };
	crash.sa_handler = on_crash;
	crash.sa_flags = SA_RESETHAND;
	sigemptyset(&crash.sa_mask);
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		sigaction(crash_signals[i], &crash, &old_crash[i]);

	/* newterm(), unlike initscr(), reports an unknown TERM instead of exiting. */
	term_screen = terminfo_known(STDOUT_FILENO) ? newterm(NULL, stdout, stdin) : NULL;
	if (!term_screen) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
			sigaction(crash_signals[i], &old_crash[i], NULL);
		const char *term = getenv("TERM");
		return error_set(err, "cannot use terminal type '%s'", term ? term : "");
	}
	set_term(term_screen);
	started = true;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	timeout(100);
	curs_set(0);
	mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	theme_init();
	return true;
}

void tui_end(void)
{
	if (!started)
		return;
	started = false;
	endwin();
	delscreen(term_screen);
	term_screen = NULL;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		sigaction(crash_signals[i], &old_crash[i], NULL);
}

void tui_die(const char *fmt, ...)
{
	tui_end();
	va_list ap;
	va_start(ap, fmt);
	fputs("lambda-tutor: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

bool tui_clipboard(const char *text, size_t len)
{
	if (!started)
		return false;
	char *seq = clip_osc52(text, len);
	size_t n = strlen(seq), done = 0;
	/* curses has flushed its output by now (keys arrive after refresh), so nothing interleaves.
	 */
	while (done < n) {
		ssize_t w = write(STDOUT_FILENO, seq + done, n - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	free(seq);
	return done == n;
}

/* Drawing helpers */

int tui_putn(int y, int x, const char *s, size_t n, int max_cols, int role)
{
	if (max_cols <= 0)
		return 0;
	int cols;
	size_t fit = utf8_fit(s, n, max_cols, &cols);
	attr_t a = theme_attr(role);
	attrset(a);
	if (fit == n) {
		mvaddnstr(y, x, s, (int)n);
		attrset(A_NORMAL);
		return cols;
	}
	/* Cut: leave a column for the ellipsis. */
	fit = utf8_fit(s, n, max_cols - 1, &cols);
	mvaddnstr(y, x, s, (int)fit);
	addstr("…");
	attrset(A_NORMAL);
	return cols + 1;
}

int tui_put(int y, int x, const char *s, int max_cols, int role)
{
	return tui_putn(y, x, s, strlen(s), max_cols, role);
}

void tui_fill(int y, int x, int cols, int role)
{
	attrset(theme_attr(role));
	mvhline(y, x, ' ', cols - x);
	attrset(A_NORMAL);
}

void tui_bar(int y, int x, int cols, size_t done, size_t total)
{
	int full = total ? (int)((done * (size_t)cols + total / 2) / total) : 0;
	if (done > 0 && full == 0)
		full = 1;
	if (done < total && full == cols)
		full = cols - 1;
	move(y, x);
	attrset(theme_attr(TUI_BAR_DONE));
	for (int i = 0; i < full; i++)
		addstr(theme_colour() ? "█" : "#");
	attrset(theme_attr(TUI_BAR_TODO));
	for (int i = full; i < cols; i++)
		addstr(theme_colour() ? "░" : ".");
	attrset(A_NORMAL);
}

void tui_title(const struct app *app, const char *left, const char *right, int cols)
{
	tui_fill(0, 0, cols, TUI_TITLE);
	int rw = right ? utf8_width(right, strlen(right)) : 0;
	tui_put(0, 1, left, cols - rw - 3, TUI_TITLE);
	if (right)
		tui_put(0, cols - rw - 1, right, rw, TUI_TITLE);
}

void tui_footer(const struct app *app, const char *hints, int rows, int cols)
{
	if (app->status[0]) {
		int role = app->status_is_error ? TUI_STATUS_ERROR : TUI_STATUS;
		tui_fill(rows - 1, 0, cols, role);
		tui_put(rows - 1, 1, app->status, cols - 2, role);
		return;
	}
	if (utf8_width(hints, strlen(hints)) <= cols - 2) {
		tui_put(rows - 1, 1, hints, cols - 2, TUI_FOOTER);
		return;
	}
	/* Too wide for this terminal: every key still, their words left to the help. */
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = hints; *p;) {
		size_t item = strstr(p, " · ") ? (size_t)(strstr(p, " · ") - p) : strlen(p);
		size_t key = strcspn(p, " ");
		strbuf_addf(&sb, "%s%.*s", sb.len ? " " : "", (int)(key < item ? key : item), p);
		p += item;
		if (*p)
			p += strlen(" · ");
	}
	strbuf_addstr(&sb, " · ? says what they do");
	tui_put(rows - 1, 1, sb.buf, cols - 2, TUI_FOOTER);
	strbuf_release(&sb);
}

/* The loop */

static const struct tui_key_help learner_keys[] = {
	{ "X", "the list of exercises, with your progress" },
	{ "C", "the Lambda console, on your own account" },
	{ "S", "point a shell (the AWS CLI, boto3) at it" },
	{ "P", "the final project: its rubric and your scores" },
	{ "?", "show or hide this help" },
	{ "q, Esc", "back (on the home screen: quit)" },
	{ "Ctrl-C", "quit from anywhere" },
	{ "Ctrl-L", "redraw the screen" },
	{ "mouse wheel", "scroll" },
	{ "H", "raise your hand, with a note (class mode)" },
	{ "L", "answer the question the trainer pushed (class mode)" },
	{ "V", "the trainer's reviews of your project (class mode)" },
	{ NULL, NULL },
};

/* On the trainer's screens: none of the learner's. */
static const struct tui_key_help trainer_common_keys[] = {
	{ "?", "show or hide this help" },  { "q, Esc", "back (on the dashboard: quit)" },
	{ "Ctrl-C", "quit from anywhere" }, { "Ctrl-L", "redraw the screen" },
	{ "mouse wheel", "scroll" },        { NULL, NULL },
};

/* The common keys in few words, for a help overlay too short to give them a line each. */
static const char *const learner_short[] = {
	"X exercises", "C console",   "S shell",       "P project",         "? help",
	"q/Esc back",  "Ctrl-C quit", "Ctrl-L redraw", "H raise your hand", NULL,
};
static const char *const trainer_short[] = {
	"? help", "q/Esc back", "Ctrl-C quit", "Ctrl-L redraw", NULL,
};

/* Where the next word of s (from *p) ends, and its width. */
static size_t word_end(const char *s, size_t p, int *w)
{
	size_t e = p;
	while (s[e] && s[e] != ' ')
		e++;
	*w = utf8_width(s + p, e - p);
	return e;
}

/* Rows text takes when wrapped at w columns; drawn from row y when draw (clipped at y_max). */
static int wrap_text(const char *s, int y, int x, int w, int y_max, int role, bool draw)
{
	int rows = 1, col = 0;
	size_t p = 0;
	while (s[p]) {
		while (s[p] == ' ')
			p++;
		if (!s[p])
			break;
		int ww;
		size_t e = word_end(s, p, &ww);
		if (col && col + 1 + ww > w) {
			rows++;
			col = 0;
		}
		if (col)
			col++;
		if (draw && y + rows - 1 < y_max)
			tui_putn(y + rows - 1, x + col, s + p, e - p, w - col, role);
		col += ww;
		p = e;
	}
	return rows;
}

/* Rows the key lines take, descriptions wrapped at w - keycol; drawn when draw. */
static int help_lines(const struct tui_key_help *k, int y, int y_max, int x, int keycol, int w,
		      bool draw)
{
	int taken = 0;
	for (; k && k->keys; k++) {
		if (draw && y + taken < y_max)
			tui_put(y + taken, x, k->keys, keycol - 1, TUI_ACCENT);
		taken += wrap_text(k->what, y + taken, x + keycol, w - keycol, y_max, TUI_HELP,
				   draw);
	}
	return taken;
}

/* The common keys in few words, " · " between them, a line broken between two of them. */
static int help_short(const char *const *items, int y, int y_max, int x, int w, bool draw)
{
	int rows = 1, col = 0;
	for (size_t i = 0; items[i]; i++) {
		const char *item = items[i];
		int iw = utf8_width(item, strlen(item));
		if (col && col + 3 + iw > w) {
			rows++;
			col = 0;
		}
		if (col) {
			if (draw && y + rows - 1 < y_max)
				tui_put(y + rows - 1, x + col, " · ", w - col, TUI_HELP);
			col += 3;
		}
		if (draw && y + rows - 1 < y_max)
			tui_put(y + rows - 1, x + col, item, w - col, TUI_HELP);
		col += iw;
	}
	return rows;
}

/*
 * The keys of the screen, then the common keys, in a box sized to the screen: one column
 * with a line per key; when that is taller than the screen, the common keys beside the
 * screen's (wide screens) or in few words below them; descriptions wrap, never cut.
 */
static void draw_help(const struct app *app, int rows, int cols)
{
	const struct tui_key_help *keys = app->screen->keys;
	bool trainer = app->flags & TUI_FLAG_TRAINER;
	const struct tui_key_help *common_keys = trainer ? trainer_common_keys : learner_keys;
	const char *const *common_short = trainer ? trainer_short : learner_short;
	int keycol = 16;
	int w = cols - 8 < 72 ? cols - 8 : 72;
	int inner = w - 6;
	int n = help_lines(keys, 0, 0, 0, keycol, inner, false);
	int nc = help_lines(common_keys, 0, 0, 0, keycol, inner, false);
	enum {
		ONE,
		TWO,
		SHORT
	} form = ONE;
	int h = n + nc + 5; /* borders, a blank row above each group and below the last */
	int half = 0;
	if (h > rows - 2 && cols >= 96) {
		form = TWO;
		w = cols - 4;
		half = (w - 8) / 2;
		n = help_lines(keys, 0, 0, 0, keycol, half, false);
		nc = help_lines(common_keys, 0, 0, 0, keycol, half, false);
		h = (n > nc ? n : nc) + 4;
	}
	if (h > rows - 2) {
		form = SHORT;
		w = cols - 4 < 76 ? cols - 4 : 76;
		inner = w - 6;
		n = help_lines(keys, 0, 0, 0, keycol, inner, false);
		nc = help_short(common_short, 0, 0, 0, inner, false);
		h = n + nc + 5;
		if (h > rows - 2)
			h = n + nc + 3; /* no blank rows */
		if (h > rows - 2)
			h = rows - 2;
	}
	int top = (rows - h) / 2, left = (cols - w) / 2;
	for (int y = top; y < top + h; y++)
		tui_fill(y, left, left + w, TUI_HELP);
	attrset(theme_attr(TUI_HELP_BORDER));
	mvaddstr(top, left, "┌");
	mvaddstr(top, left + w - 1, "┐");
	mvaddstr(top + h - 1, left, "└");
	mvaddstr(top + h - 1, left + w - 1, "┘");
	for (int x = left + 1; x < left + w - 1; x++) {
		mvaddstr(top, x, "─");
		mvaddstr(top + h - 1, x, "─");
	}
	for (int y = top + 1; y < top + h - 1; y++) {
		mvaddstr(y, left, "│");
		mvaddstr(y, left + w - 1, "│");
	}
	attrset(A_NORMAL);
	char title[96];
	snprintf(title, sizeof(title), " Keys: %s ", app->screen->name);
	tui_put(top, left + 2, title, w - 4, TUI_HELP_BORDER);
	bool blanks = form != SHORT || h == n + nc + 5;
	int y = top + 1 + blanks, x = left + 3, y_max = top + h - 1;
	switch (form) {
	case ONE:
		y += help_lines(keys, y, y_max, x, keycol, inner, true) + 1;
		help_lines(common_keys, y, y_max, x, keycol, inner, true);
		break;
	case TWO:
		help_lines(keys, y, y_max, x, keycol, half, true);
		help_lines(common_keys, y, y_max, x + half + 2, keycol, half, true);
		break;
	case SHORT:
		y += help_lines(keys, y, y_max, x, keycol, inner, true) + blanks;
		help_short(common_short, y, y_max, x, inner, true);
		break;
	}
	tui_put(top + h - 1, left + w - 26, " any key closes this ", 22, TUI_HELP_BORDER);
}

static void draw_too_small(int rows, int cols)
{
	char msg[128];
	snprintf(msg, sizeof(msg), "lambda-tutor needs at least %dx%d; this terminal is %dx%d",
		 TUI_MIN_COLS, TUI_MIN_ROWS, cols, rows);
	const char *hint = "make the window larger, or press q to quit";
	int w = utf8_width(msg, strlen(msg)), hw = utf8_width(hint, strlen(hint));
	int y = rows / 2 - 1;
	tui_put(y < 0 ? 0 : y, w < cols ? (cols - w) / 2 : 0, msg, cols, TUI_NOTICE);
	if (y + 2 < rows)
		tui_put(y + 2, hw < cols ? (cols - hw) / 2 : 0, hint, cols, TUI_DIM);
}

static void draw_frame(struct app *app)
{
	static int last_rows, last_cols;
	erase();
	int rows = LINES, cols = COLS;
	if (rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS) {
		draw_too_small(rows, cols);
	} else {
		if (app->relayout || rows != last_rows || cols != last_cols) {
			app->relayout = false;
			last_rows = rows;
			last_cols = cols;
			if (app->screen->layout)
				app->screen->layout(app, rows, cols);
		}
		app->screen->draw(app, rows, cols);
		if (app->help)
			draw_help(app, rows, cols);
	}
	refresh();
}

/* The mouse event as a key, or 0 when it is not one we use. */
static int mouse_key(void)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return 0;
	if (ev.bstate & BUTTON4_PRESSED)
		return TUI_KEY_WHEEL_UP;
	if (ev.bstate & BUTTON5_PRESSED)
		return TUI_KEY_WHEEL_DOWN;
	return 0;
}

static void common_key(struct app *app, int key)
{
	switch (key) {
	case '?':
		app->help = true;
		break;
	case 'q':
	case TUI_KEY_ESC:
		app_back(app);
		break;
	case TUI_KEY_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	case TUI_KEY_WHEEL_UP:
	case TUI_KEY_WHEEL_DOWN:
		/* A screen that does not scroll by the wheel moves as the arrows do. */
		if (app->screen->key)
			app->screen->key(app, key == TUI_KEY_WHEEL_UP ? KEY_UP : KEY_DOWN);
		break;
	}
	if (app->flags & TUI_FLAG_TRAINER)
		return; /* the learner's keys mean nothing on the trainer's screens */
	switch (key) {
	case 'H':
		app_goto(app, &screen_hand);
		break;
	case 'L':
		class_mode_live_open(app);
		break;
	case 'V':
		if (app->screen != &screen_reviews)
			app_goto(app, &screen_reviews);
		break;
	case 'X':
		if (app->workspace && app->screen != &screen_list)
			app_goto(app, &screen_list);
		break;
	case 'C':
		if (app->workspace && app->screen != &screen_console)
			app_open_console(app);
		break;
	case 'S':
		if (app->workspace && app->screen != &screen_shell)
			app_goto(app, &screen_shell);
		break;
	case 'P':
		if (app->workspace && app->screen != &screen_project)
			app_goto(app, &screen_project);
		break;
	default:
		break;
	}
}

/* One key through the help overlay, the size notice, the screen, then the common keys. */
static void dispatch(struct app *app, int key)
{
	if (key == KEY_RESIZE)
		return; /* curses has resized stdscr; the next frame lays out again */
	if (key == KEY_MOUSE) {
		key = mouse_key();
		if (!key)
			return;
	}
	if (key == TUI_KEY_CTRL('c')) {
		app->quit = true; /* raw terminals deliver Ctrl-C as a key, not a signal */
		return;
	}
	app->status[0] = '\0';
	app->status_is_error = false;
	if (app->help) {
		if (key != TUI_KEY_WHEEL_UP && key != TUI_KEY_WHEEL_DOWN)
			app->help = false;
		return;
	}
	if (LINES < TUI_MIN_ROWS || COLS < TUI_MIN_COLS) {
		if (key == 'q')
			app->quit = true;
		return;
	}
	enum input_result r = app->screen->key ? app->screen->key(app, key) : INPUT_IGNORED;
	if (r == INPUT_QUIT)
		app->quit = true;
	else if (r == INPUT_IGNORED)
		common_key(app, key);
}

/*
 * Whether the terminal has gone for good. A dropped SSH session or a closed pty sends SIGHUP
 * only to a terminal's own session; a tutor whose input is a terminal it does not control
 * (started under setsid, say) learns it from its input, which hangs up: curses then returns at
 * once, forever, and the loop would spin.
 */
static bool input_gone(void)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	int n = poll(&p, 1, 0);
	if (n < 0)
		return errno != EINTR && errno != EAGAIN;
	return n > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

void tui_run(struct app *app, const struct tui_screen *first)
{
	app->depth = 0;
	app->screen = NULL;
	app_goto(app, first);
	bool dirty = true;
	while (!app->quit && !got_signal) {
		if (dirty) {
			draw_frame(app);
			dirty = false;
			if (app->flags & TUI_FLAG_FIRST_FRAME)
				break;
		}
		wint_t wc;
		int fd = app->screen->wake_fd ? app->screen->wake_fd() : -1;
		int r;
		if (fd >= 0) {
			/* Keys curses has buffered first, then the keyboard or fd, whichever comes.
			 */
			timeout(0);
			r = get_wch(&wc);
			timeout(100);
			if (r == ERR) {
				struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 },
						       { fd, POLLIN, 0 } };
				if (poll(p, 2, 100) > 0 && (p[0].revents & POLLIN))
					r = get_wch(&wc);
			}
		} else {
			r = get_wch(&wc);
		}
		if (r == ERR && input_gone()) {
			/* Nothing will ever be read again: leave as SIGHUP would have us. */
			got_signal = SIGHUP;
			break;
		}
		if (r == ERR) {
			if (app->screen->tick && app->screen->tick(app))
				dirty = true;
			if (class_mode_poll(app))
				dirty = true;
			continue;
		}
		int key;
		if (r == KEY_CODE_YES)
			key = (int)wc;
		else
			key = wc < 0x100 ? (int)wc : (int)(TUI_KEY_UNICODE | wc);
		dispatch(app, key);
		dirty = true;
	}
	for (size_t i = 0; i < n_used; i++)
		if (used[i]->release)
			used[i]->release();
	n_used = 0;
}

/* Navigation and the status line */

static void note_used(const struct tui_screen *screen)
{
	for (size_t i = 0; i < n_used; i++)
		if (used[i] == screen)
			return;
	if (n_used < sizeof(used) / sizeof(used[0]))
		used[n_used++] = screen;
}

void app_goto(struct app *app, const struct tui_screen *screen)
{
	note_used(screen);
	if (app->screen && app->depth < TUI_STACK_MAX)
		app->stack[app->depth++] = app->screen;
	app->screen = screen;
	app->relayout = true;
	if (screen->enter)
		screen->enter(app);
}

void app_replace(struct app *app, const struct tui_screen *screen)
{
	note_used(screen);
	app->screen = screen;
	app->relayout = true;
	if (screen->enter)
		screen->enter(app);
}

void app_back(struct app *app)
{
	if (app->depth == 0) {
		app->quit = true;
		return;
	}
	app->screen = app->stack[--app->depth];
	app->relayout = true;
	if (app->screen->enter)
		app->screen->enter(app);
}

XALLOC_PRINTF(3, 0)
static void status_v(struct app *app, bool is_error, const char *fmt, va_list ap)
{
	vsnprintf(app->status, sizeof(app->status), fmt, ap);
	app->status_is_error = is_error;
}

void app_status(struct app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status_v(app, false, fmt, ap);
	va_end(ap);
}

void app_error(struct app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	status_v(app, true, fmt, ap);
	va_end(ap);
}
