#!/bin/sh
# NO_COLOR draws without a single colour, the selection and matches in reverse video instead;
# so does a terminal without colours (vt100).
. "$(dirname "$0")/lib.sh"

esc=$(printf '\033')
e2e_start NO_COLOR=1
e2e_wait "Modules"
e2e_keys 3 Enter
e2e_wait "page 1/"
e2e_keys / a
e2e_wait "match 1 of"
pane=$(tmux -L "$E2E_SOCK" capture-pane -p -e -t e2e)
if printf '%s\n' "$pane" | grep -qE "$esc\[([0-9;]*;)?(3[0-7]|4[0-7]|38|48|9[0-7]|10[0-7])(;[0-9;]*)?m"; then
	e2e_fail "a colour was drawn with NO_COLOR set"
fi
printf '%s\n' "$pane" | grep -q "$esc\[[0-9;]*7m" || e2e_fail "no reverse video for the match"
e2e_keys Escape Escape q q
e2e_exited 0
e2e_kill

e2e_start TERM=vt100
e2e_wait "Modules"
pane=$(tmux -L "$E2E_SOCK" capture-pane -p -e -t e2e)
if printf '%s\n' "$pane" | grep -qE "$esc\[([0-9;]*;)?(3[0-7]|4[0-7]|38|48)(;[0-9;]*)?m"; then
	e2e_fail "a colour was drawn on a terminal without colours"
fi
printf '%s\n' "$pane" | grep -q "$esc\[[0-9;]*7m" || e2e_fail "no reverse video for the selection"
e2e_keys q
e2e_exited 0
echo "ok - NO_COLOR and a monochrome terminal: no colours, reverse video instead"
