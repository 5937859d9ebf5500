/*
 * Class mode for the learner: the trainer's pace, and the raised hand.
 */
#include "tui/class_mode.h"

#include <cjson/cJSON.h>
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "class/hands.h"
#include "class/pace.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "store/store.h"
#include "tui/prompt.h"
#include "tui/theme.h"

static bool record_hand(struct app *app, bool up, const char *text);

/* The trainer acknowledged the hand (trainer DIR --ack): lower it in the learner's records and
 * say so. True when it was. */
static bool hand_answered(struct app *app)
{
	if (!app->hand || !app->hand_up_ms || !app->store)
		return false;
	const char *path = store_path(app->store);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t len = strlen(base);
	if (len > 3 && !strcmp(base + len - 3, ".db"))
		len -= 3;
	char *me = xstrndup(base, len); /* the file is named after the learner */
	int64_t seen = hands_seen_ms(app->class_dir, me);
	free(me);
	if (seen < app->hand_up_ms || !record_hand(app, false, NULL))
		return false;
	app->hand = false;
	app->hand_up_ms = 0;
	app_status(app, "The trainer saw your hand and is coming (hand lowered)");
	return true;
}

bool class_mode_poll(struct app *app)
{
	if (!app->class_dir)
		return false;
	int64_t now = clock_mono_ms();
	if (app->pace_polled_ms && now - app->pace_polled_ms < CLASS_MODE_POLL_MS)
		return false;
	app->pace_polled_ms = now;
	struct pace p;
	struct error err;
	if (!pace_read(app->class_dir, &p, &err))
		return false; /* a damaged trainer file locks nothing */
	bool changed = p.open_through != app->open_through;
	changed |= hand_answered(app);
	app->open_through = p.open_through;
	if (p.message[0] && p.message_ms != app->pace_seen_ms) {
		app->pace_seen_ms = p.message_ms;
		app_status(app, "Trainer: %s", p.message);
		changed = true;
	}
	return changed;
}

bool class_mode_locked(const struct app *app, long m)
{
	return app->class_dir && app->open_through > 0 && m + 1 > app->open_through;
}

static struct prompt note;

static bool record_hand(struct app *app, bool up, const char *text)
{
	cJSON *data = cJSON_CreateObject();
	cJSON_AddBoolToObject(data, "up", up);
	if (text && text[0])
		cJSON_AddStringToObject(data, "note", text);
	char *json = cJSON_PrintUnformatted(data);
	cJSON_Delete(data);
	const char *module = app->module >= 0 ? app->course->modules[app->module].id : NULL;
	struct store_event ev = { .kind = STORE_HAND, .module = module, .data = json };
	struct error err;
	error_clear(&err);
	bool ok = store_append(app->store, &ev, &err);
	free(json);
	if (!ok) {
		char line[600];
		error_format(&err, line, sizeof line);
		app_error(app, "not saved: %s", line);
	}
	return ok;
}

static void hand_enter(struct app *app)
{
	prompt_clear(&note);
	if (!app->store) {
		app_back(app);
		app_error(app, "no records: a hand cannot be raised");
		return;
	}
	if (app->hand) {
		if (record_hand(app, false, NULL)) {
			app->hand = false;
			app_status(app, "Hand lowered");
		}
		app_back(app);
	}
}

static void hand_draw(const struct app *app, int rows, int cols)
{
	tui_title(app, "Raise your hand", "", cols);
	tui_put(2, 2, "The trainer sees your hand in the room's queue. A note helps (optional):",
		cols - 4, TUI_NORMAL);
	tui_fill(4, 2, cols - 4, TUI_SELECTED);
	int w = tui_put(4, 2, note.buf, cols - 6, TUI_SELECTED);
	tui_put(4, 2 + w, "▏", 1, TUI_SELECTED);
	tui_footer(app, "Enter raise the hand · Esc cancel · H again later lowers it", rows, cols);
}

static enum input_result hand_key(struct app *app, int key)
{
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (record_hand(app, true, note.buf)) {
			app->hand = true;
			app->hand_up_ms = clock_wall_ms();
			app_status(app, "Hand raised: the trainer will come by");
		}
		app_back(app);
		return INPUT_HANDLED;
	case TUI_KEY_ESC:
		app_back(app);
		return INPUT_HANDLED;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		prompt_backspace(&note);
		return INPUT_HANDLED;
	case TUI_KEY_CTRL('w'):
		prompt_delete_word(&note);
		return INPUT_HANDLED;
	}
	long c = tui_key_char(key);
	if (c > 0)
		prompt_insert(&note, (uint32_t)c);
	return INPUT_HANDLED;
}

const struct tui_screen screen_hand = {
	.name = "hand",
	.enter = hand_enter,
	.draw = hand_draw,
	.key = hand_key,
};
