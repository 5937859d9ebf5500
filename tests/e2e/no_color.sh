#!/bin/sh
# NO_COLOR draws without a single colour, the selection and matches in reverse video instead.
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
echo "ok - NO_COLOR: no colours, reverse video instead"
