/*
 * Whether curses knows the terminal, asked without starting curses. Kept apart from tui.c:
 * <term.h> defines macros (lines, columns, bell ...) that would leak into any file using it.
 */
#ifndef TUI_TERMINFO_H
#define TUI_TERMINFO_H

#include <stdbool.h>

/*
 * True when $TERM has a terminfo entry curses can use on fd. newterm() on an unknown terminal
 * leaks its half-made screen; setupterm() fails cleanly, so ask it first.
 */
bool terminfo_known(int fd);

#endif
