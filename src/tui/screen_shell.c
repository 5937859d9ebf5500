/*
 * How to point a shell at the local cloud: the one line to run, and what it sets. The lines
 * are `lambda-tutor env`'s own output, run as a child of this program, so that the keys shown
 * are the ones the learner's shell will get. S opens it from anywhere; y copies the line.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "tui/items.h"
#include "tui/theme.h"
#include "tui/tui.h"
#include "tui/utf8.h"

static struct {
	char *command; /* what to run in the shell */
	char **lines;  /* what it prints */
	size_t n;
	char error[1100];
} sh;

static void shell_release(void)
{
	free(sh.command);
	for (size_t i = 0; i < sh.n; i++)
		free(sh.lines[i]);
	free(sh.lines);
	memset(&sh, 0, sizeof(sh));
}

/* Single-quoted for sh, when it needs quoting at all. Caller frees. */
static char *shell_word(const char *s)
{
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+")] ==
	    '\0')
		return xstrdup(s);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addch(&sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(&sb, "'\\''");
		else
			strbuf_addch(&sb, *s);
	}
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb);
}

/* The workspace's option, when it is not the default one. Caller frees. */
static char *workspace_option(const char *ws)
{
	const char *home = getenv("HOME");
	char *dflt = home ? xasprintf("%s/lambda-workshop", home) : NULL;
	bool is_default = dflt && strcmp(dflt, ws) == 0;
	free(dflt);
	if (is_default)
		return xstrdup("");
	char *w = shell_word(ws);
	char *opt = xasprintf(" --workspace %s", w);
	free(w);
	return opt;
}

static void run_env(struct app *app)
{
	shell_release();
	if (!app->workspace) {
		snprintf(sh.error, sizeof(sh.error),
			 "no workspace: open the tutor with "
			 "'lambda-tutor'");
		return;
	}
	char *opt = workspace_option(app->workspace);
	sh.command = xasprintf("eval \"$(lambda-tutor env%s)\"", opt);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		snprintf(sh.error, sizeof(sh.error), "cannot find this program to run 'env'");
		free(opt);
		return;
	}
	self[n] = '\0';
	char *exe = shell_word(self);
	char *cmd = xasprintf("%s env%s 2>&1 </dev/null", exe, opt);
	free(exe);
	free(opt);
	FILE *p = popen(cmd, "r");
	free(cmd);
	if (!p) {
		snprintf(sh.error, sizeof(sh.error), "cannot run 'lambda-tutor env'");
		return;
	}
	char buf[1024];
	while (fgets(buf, sizeof(buf), p)) {
		buf[strcspn(buf, "\n")] = '\0';
		sh.lines = xreallocarray(sh.lines, sh.n + 1, sizeof(*sh.lines));
		sh.lines[sh.n++] = xstrdup(buf);
	}
	int status = pclose(p);
	if (status != 0 && sh.n)
		snprintf(sh.error, sizeof(sh.error), "%s", sh.lines[0]);
}

static void shell_enter(struct app *app)
{
	run_env(app);
}

/* A line over as many rows as it needs (never cut), up to y_max; the next free row. */
static int put_wrapped(int y, int x, int width, const char *text, int role, int y_max)
{
	size_t len = strlen(text);
	while (y < y_max) {
		size_t fit = utf8_fit(text, len, width, NULL);
		tui_putn(y++, x, text, fit, width, role);
		text += fit;
		len -= fit;
		if (!len || !fit)
			break;
		x += x < 6 ? 2 : 0; /* continuation lines stand out by their indent */
	}
	return y;
}

static void shell_draw(const struct app *app, int rows, int cols)
{
	tui_title(app, "Point a shell at the local cloud", "the AWS CLI, boto3, the SDKs", cols);
	int y = 2;
	tui_put(y++, 2, "In another terminal, run:", cols - 4, TUI_STRONG);
	y++;
	if (sh.command)
		tui_put(y++, 4, sh.command, cols - 6, TUI_CODE);
	y++;
	tui_put(y++, 2, "It points the AWS CLI, boto3 and the SDKs at your own account of the",
		cols - 4, TUI_NORMAL);
	tui_put(y++, 2,
		"local cloud: the account the console (C) shows. Then try, for instance:", cols - 4,
		TUI_NORMAL);
	tui_put(y++, 4, "aws lambda list-functions", cols - 6, TUI_CODE);
	y++;
	if (sh.error[0]) {
		y = put_wrapped(y, 2, cols - 4, sh.error, TUI_STATUS_ERROR, rows - 2);
	} else if (sh.n) {
		tui_put(y++, 2, "What it sets:", cols - 4, TUI_H2);
		for (size_t i = 0; i < sh.n && y < rows - 2; i++)
			y = put_wrapped(y, 4, cols - 6, sh.lines[i], TUI_DIM, rows - 2);
	}
	tui_footer(app, "y copy the line · C console · X exercises · ? help · q back", rows, cols);
}

static enum input_result shell_key(struct app *app, int key)
{
	if (key != 'y')
		return INPUT_IGNORED;
	if (sh.command && tui_clipboard(sh.command, strlen(sh.command)))
		app_status(app, "copied: %s", sh.command);
	else
		app_error(app, "cannot write to the terminal to copy");
	return INPUT_HANDLED;
}

static const struct tui_key_help shell_keys[] = {
	{ "y", "copy the line to the clipboard (OSC 52)" },
	{ "q, Esc", "back" },
	{ NULL, NULL },
};

const struct tui_screen screen_shell = {
	.name = "shell",
	.enter = shell_enter,
	.draw = shell_draw,
	.key = shell_key,
	.release = shell_release,
	.keys = shell_keys,
};
