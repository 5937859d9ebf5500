/*
 * Drawing laid-out Markdown lines (tui/mdview.h) with the theme, search matches highlighted.
 */
#ifndef TUI_MDLINE_H
#define TUI_MDLINE_H

#include <stddef.h>

#include "tui/mdview.h"

/* The theme role (enum tui_role) that draws a style. */
int mdline_role(int style);

/*
 * Draw line (index li of its view) at y, x within cols columns. matches (n, sorted as
 * mdview_search() returns them) are highlighted; match number current more strongly.
 */
void mdline_draw(int y, int x, int cols, const struct mdview_line *line, size_t li,
		 const struct mdview_match *matches, size_t n, size_t current);

/*
 * The same, with the code of a code line scrolled hoff columns to the right. Text hidden on
 * either side of a code line is marked with an arrow.
 */
void mdline_draw_at(int y, int x, int cols, const struct mdview_line *line, size_t li,
		    const struct mdview_match *matches, size_t n, size_t current, int hoff);

#endif
