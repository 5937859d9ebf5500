/*
 * Class mode for the learner: the trainer's pace, and the raised hand.
 */
#include "tui/class_mode.h"

#include <cjson/cJSON.h>
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "class/room.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "store/store.h"
#include "tui/prompt.h"
#include "tui/screen_exercise.h"
#include "tui/screen_quiz.h"
#include "tui/theme.h"

static bool record_hand(struct app *app, bool up, const char *text);

/* The learner's name on a shared host: the record file is named after them. Caller frees. */
static char *learner_of(const struct app *app)
{
	const char *path = app->store ? store_path(app->store) : "";
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t len = strlen(base);
	if (len > 3 && !strcmp(base + len - 3, ".db"))
		len -= 3;
	return xstrndup(base, len);
}

/* The trainer acknowledged the hand (trainer DIR --ack): lower it in the learner's records and
 * say so. True when it was. */
static bool hand_answered(struct app *app, int64_t seen)
{
	if (!app->hand || !app->hand_up_ms || !app->store)
		return false;
	if (seen < app->hand_up_ms || !record_hand(app, false, NULL))
		return false;
	app->hand = false;
	app->hand_up_ms = 0;
	app_status(app, "The trainer saw your hand and is coming (hand lowered)");
	return true;
}

/* A question the trainer pushed: shown at once, unless a quiz of the learner's is on screen. */
static bool live_changed(struct app *app, const struct live *l)
{
	bool fresh = l->id && l->id != app->live.id;
	bool changed = memcmp(l, &app->live, sizeof *l) != 0;
	app->live = *l;
	if (!fresh || !live_open(l, clock_wall_ms(), 0) || app->live_answered == l->id)
		return changed;
	/* A pushed quiz's next question replaces the one on screen; a learner's own quiz stays. */
	if (app->screen == &screen_quiz && !screen_quiz_is_live(-1)) {
		app_status(app, "The trainer asks the room a question: press L to answer");
		return true;
	}
	struct error err;
	error_clear(&err);
	if (!screen_quiz_live(app, &err)) {
		app_error(app, "%s", err.msg);
		return true;
	}
	if (app->screen != &screen_quiz)
		app_goto(app, &screen_quiz);
	return true;
}

/* New reviews of the learner's project are told once; the list stays for the reviews screen. */
static bool reviews_changed(struct app *app, const struct room *rm)
{
	bool changed = rm->n_reviews != app->n_reviews;
	memcpy(app->reviews, rm->reviews, sizeof rm->reviews);
	app->n_reviews = rm->n_reviews;
	const struct room_review *newest = NULL;
	for (size_t i = 0; i < rm->n_reviews; i++)
		if (rm->reviews[i].at_ms > app->reviews_seen_ms &&
		    (!newest || rm->reviews[i].at_ms > newest->at_ms))
			newest = &rm->reviews[i];
	if (!newest)
		return changed;
	app->reviews_seen_ms = newest->at_ms;
	app_status(app, "The trainer reviewed your project: %s %d/%d%s%s (V shows every review)",
		   newest->criterion, newest->score, newest->max, newest->comment[0] ? ": " : "",
		   newest->comment);
	return true;
}

/* The module of what the screen shows: a page, an exercise or a module's quiz; else -1. */
static long screen_module_of(const struct app *app)
{
	if (app->screen == &screen_page)
		return app->module;
	if (app->screen == &screen_exercise)
		return course_module_index(app->course, screen_exercise_module());
	if (app->screen == &screen_quiz)
		return class_mode_quiz_module(app->course, screen_quiz_id());
	return -1;
}

/*
 * A module closed while the learner is in it closes at once, on whatever screen of it: a check
 * already running finishes and is recorded first, and the screen leaves at the next poll.
 */
static bool leave_closed(struct app *app)
{
	long m = screen_module_of(app);
	if (!class_mode_locked(app, m) || screen_exercise_checking())
		return false;
	if (app->depth > 0) {
		app_back(app); /* a page of the module under it leaves too (page_enter) */
	} else {
		app->browse = m;
		app_replace(app, &screen_module);
	}
	app_error(app, "module %ld was closed by the trainer: it opens again when they say", m + 1);
	return true;
}

long class_mode_quiz_module(const struct course *course, const char *quiz_id)
{
	for (size_t i = 0; quiz_id && i < course->n_modules; i++)
		if (course->modules[i].quiz && !strcmp(course->modules[i].quiz, quiz_id))
			return (long)i;
	return -1;
}

bool class_mode_poll(struct app *app)
{
	if (!app->class_dir && !app->room_db)
		return false;
	int64_t now = clock_mono_ms();
	if (app->pace_polled_ms && now - app->pace_polled_ms < CLASS_MODE_POLL_MS)
		return false;
	app->pace_polled_ms = now;
	struct room rm;
	struct error err;
	error_clear(&err);
	char *me = learner_of(app);
	bool ok = room_read(app->class_dir, app->room_db, me, clock_wall_ms(), &rm, &err);
	free(me);
	if (!ok)
		return false; /* a damaged trainer file locks nothing */
	const struct pace *p = &rm.pace;
	bool changed = p->open_through != app->open_through;
	app->open_through = p->open_through;
	changed |= leave_closed(app);
	if (p->message[0] && p->message_ms != app->pace_seen_ms) {
		app->pace_seen_ms = p->message_ms;
		app_status(app, "Trainer: %s", p->message);
		changed = true;
	}
	/* After the room's broadcast: a tutor that first reads both in one poll (just started,
	 * or busy) says what concerns this learner last, where it stays on the status line. */
	changed |= hand_answered(app, rm.hand_seen_ms);
	changed |= reviews_changed(app, &rm);
	changed |= live_changed(app, &rm.live);
	return changed;
}

void class_mode_live_open(struct app *app)
{
	if (!app->live.id || (!app->class_dir && !app->room_db)) {
		app_status(app, "no live question from the trainer");
		return;
	}
	if (!screen_quiz_is_live(app->live.id)) {
		struct error err;
		error_clear(&err);
		if (!screen_quiz_live(app, &err)) {
			app_error(app, "%s", err.msg);
			return;
		}
	}
	if (app->screen != &screen_quiz)
		app_goto(app, &screen_quiz);
}

bool class_mode_locked(const struct app *app, long m)
{
	struct pace p = { .open_through = app->open_through };
	return (app->class_dir || app->room_db) && m >= 0 && !pace_module_open(&p, m + 1);
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

static void reviews_draw(const struct app *app, int rows, int cols)
{
	tui_title(app, "The trainer's reviews of your project", "", cols);
	int y = 2;
	if (!app->n_reviews)
		tui_put(y, 2,
			"No reviews yet: the trainer scores each criterion in the hands-on "
			"review.",
			cols - 4, TUI_DIM);
	int total = 0, max = 0;
	for (size_t i = 0; i < app->n_reviews && y < rows - 3; i++) {
		const struct room_review *r = &app->reviews[i];
		char line[600];
		snprintf(line, sizeof line, "%-16s %d/%d  %s", r->criterion, r->score, r->max,
			 r->comment);
		tui_put(y++, 2, line, cols - 4, TUI_NORMAL);
		total += r->score;
		max += r->max;
	}
	if (app->n_reviews && y < rows - 2) {
		char line[80];
		snprintf(line, sizeof line, "total %d/%d", total, max);
		tui_put(y + 1, 2, line, cols - 4, TUI_H3);
	}
	tui_footer(app, "q back", rows, cols);
}

const struct tui_screen screen_reviews = {
	.name = "reviews",
	.draw = reviews_draw,
};
