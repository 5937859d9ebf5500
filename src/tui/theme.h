/*
 * The colour theme: one row per role (ncdu's X-macro table). Each role has a colour form
 * (foreground, background, attributes; -1 is the terminal's default colour) and a monochrome
 * form used when NO_COLOR is set or the terminal has no colours.
 */
#ifndef TUI_THEME_H
#define TUI_THEME_H

#include <curses.h>
#include <stdbool.h>

/* X(role, fg, bg, attributes in colour, attributes in monochrome) */
#define TUI_THEME(X)                                                        \
	X(NORMAL, -1, -1, A_NORMAL, A_NORMAL)                               \
	X(TITLE, COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD)       \
	X(FOOTER, -1, -1, A_DIM, A_NORMAL)                                  \
	X(STATUS, COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE)            \
	X(STATUS_ERROR, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD) \
	X(SELECTED, COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE)           \
	X(DIM, -1, -1, A_DIM, A_DIM)                                        \
	X(ACCENT, COLOR_CYAN, -1, A_BOLD, A_BOLD)                           \
	X(DONE, COLOR_GREEN, -1, A_BOLD, A_BOLD)                            \
	X(BAR_DONE, COLOR_GREEN, -1, A_NORMAL, A_NORMAL)                    \
	X(BAR_TODO, -1, -1, A_DIM, A_DIM)                                   \
	X(NOTICE, COLOR_YELLOW, -1, A_BOLD, A_BOLD)                         \
	X(HELP, -1, -1, A_NORMAL, A_NORMAL)                                 \
	X(HELP_BORDER, COLOR_CYAN, -1, A_BOLD, A_BOLD)                      \
	X(H1, COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE)                 \
	X(H2, COLOR_GREEN, -1, A_BOLD, A_BOLD)                              \
	X(H3, COLOR_YELLOW, -1, A_BOLD, A_BOLD)                             \
	X(EMPH, -1, -1, A_ITALIC, A_UNDERLINE)                              \
	X(STRONG, -1, -1, A_BOLD, A_BOLD)                                   \
	X(CODE, COLOR_YELLOW, -1, A_NORMAL, A_BOLD)                         \
	X(CODE_BLOCK, -1, -1, A_NORMAL, A_NORMAL)                           \
	X(KEYWORD, COLOR_MAGENTA, -1, A_BOLD, A_BOLD)                       \
	X(STRING, COLOR_GREEN, -1, A_NORMAL, A_NORMAL)                      \
	X(NUMBER, COLOR_CYAN, -1, A_NORMAL, A_NORMAL)                       \
	X(COMMENT, COLOR_BLUE, -1, A_DIM, A_DIM)                            \
	X(PUNCT, -1, -1, A_DIM, A_NORMAL)                                   \
	X(KEY, COLOR_BLUE, -1, A_BOLD, A_BOLD)                              \
	X(LINK, COLOR_BLUE, -1, A_UNDERLINE, A_UNDERLINE)                   \
	X(URL, -1, -1, A_DIM, A_DIM)                                        \
	X(QUOTE, COLOR_WHITE, -1, A_DIM, A_NORMAL)                          \
	X(TABLE, COLOR_CYAN, -1, A_DIM, A_DIM)                              \
	X(BULLET, COLOR_CYAN, -1, A_BOLD, A_BOLD)                           \
	X(RULE, -1, -1, A_DIM, A_DIM)                                       \
	X(MARKER, COLOR_RED, -1, A_BOLD, A_BOLD)                            \
	X(MATCH, COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_UNDERLINE | A_BOLD) \
	X(MATCH_CURRENT, COLOR_BLACK, COLOR_MAGENTA, A_BOLD, A_REVERSE)

enum tui_role {
#define TUI_ROLE_ENUM(name, fg, bg, attr, mono) TUI_##name,
	TUI_THEME(TUI_ROLE_ENUM)
#undef TUI_ROLE_ENUM
	TUI_ROLE_COUNT
};

/* After initscr(): colours unless NO_COLOR is set or the terminal has none. */
void theme_init(void);
/* Whether roles are drawn in colour. */
bool theme_colour(void);
/* The attributes (colour pair included) to draw role with. */
attr_t theme_attr(int role);

#endif
