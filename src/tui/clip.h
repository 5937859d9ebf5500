/*
 * Copying to the terminal's clipboard with OSC 52, the escape sequence xterm, tmux (with
 * set-clipboard on), kitty, iTerm2, WezTerm and foot understand. Terminals that do not, ignore
 * it. Pure: it builds the sequence; the screen writes it.
 */
#ifndef TUI_CLIP_H
#define TUI_CLIP_H

#include <stddef.h>

/* The OSC 52 sequence that puts len bytes of text on the clipboard. Caller frees. */
char *clip_osc52(const char *text, size_t len);

#endif
