/*
 * The theme's colour pairs and attributes, built once from the table in theme.h.
 */
#include "tui/theme.h"

#include <assert.h>
#include <stdlib.h>

struct role_def {
	short fg, bg;
	attr_t attr, mono;
};

static const struct role_def roles[] = {
#define TUI_ROLE_DEF(name, f, b, a, m) { .fg = (f), .bg = (b), .attr = (a), .mono = (m) },
	TUI_THEME(TUI_ROLE_DEF)
#undef TUI_ROLE_DEF
};
static_assert(sizeof(roles) / sizeof(roles[0]) == TUI_ROLE_COUNT, "theme table size mismatch");

static bool colour;

void theme_init(void)
{
	const char *no_color = getenv("NO_COLOR");
	colour = !(no_color && no_color[0]) && has_colors() && start_color() == OK && COLORS >= 8;
	if (!colour)
		return;
	/* -1 (the terminal's own colours) needs use_default_colors(); without it, white on black.
	 */
	bool defaults = use_default_colors() == OK;
	for (int i = 0; i < TUI_ROLE_COUNT; i++) {
		short fg = roles[i].fg, bg = roles[i].bg;
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		init_pair((short)(i + 1), fg, bg);
	}
}

bool theme_colour(void)
{
	return colour;
}

attr_t theme_attr(int role)
{
	assert(role >= 0 && role < TUI_ROLE_COUNT);
	if (!colour)
		return roles[role].mono;
	return roles[role].attr | COLOR_PAIR(role + 1);
}
