#!/bin/sh
# Start the tutor, open module 2, read its first page and search it, quit; a relaunch offers
# "Continue" on that page, selected, and Enter opens exactly it.
. "$(dirname "$0")/lib.sh"

module2=$(ls -d "$LESSONS"/02-* | head -1)
[ -d "$module2" ] || e2e_fail "no module 2 in $LESSONS"
title=$(e2e_page_title "$module2" 1)
[ -n "$title" ] || e2e_fail "no first page title in $module2/module.yaml"
# The page's own first heading is its title (lint checks), so its longest word is on the page.
word=$(printf '%s\n' "$title" | tr -c 'A-Za-z' '\n' | awk 'length > length(w) { w = $0 } END { print w }')
short=$(printf '%s' "$title" | cut -c1-20)

first=$(e2e_page_title "$(ls -d "$LESSONS"/01-* | head -1)" 1 | cut -c1-20)

e2e_start
e2e_wait "Modules"
e2e_wait "Course progress: 0 of"
e2e_wait "▸ Start: $first"
e2e_keys 2
e2e_wait "Module 2 of"
e2e_wait "Objectives"
e2e_wait "$short"
e2e_keys Enter
e2e_wait "page 1/"
e2e_wait "$short"

# The mouse wheel scrolls (an X10 mouse report: button 64+1, wheel down, at 10,10).
before=$(e2e_capture | head -1)
tmux -L "$E2E_SOCK" send-keys -t e2e -l "$(printf '\033[Ma**')"
i=0
while [ "$(e2e_capture | head -1)" = "$before" ]; do
	i=$((i + 1))
	[ $i -lt $((E2E_WAIT * 10)) ] || e2e_fail "the mouse wheel did not scroll"
	sleep 0.1
done
e2e_keys g

e2e_keys /
e2e_wait "/▏"
e2e_keys "$word"
e2e_wait "match 1 of"
e2e_keys Enter
e2e_wait "/$word ·"
# The current match is drawn in its own colours: black on magenta.
tmux -L "$E2E_SOCK" capture-pane -p -e -t e2e | grep -q "$(printf '\033')\[[0-9;]*45m" ||
	e2e_fail "no highlighted match in the pane"
e2e_keys Escape
e2e_wait_gone "/$word ·"
e2e_wait "/ search"
e2e_keys '?'
e2e_wait "Keys: page"
e2e_keys Escape
e2e_wait_gone "Keys: page"

e2e_keys q
e2e_wait "Module 2 of"
e2e_wait "◀ reading"
e2e_keys q
e2e_wait "Course progress: 1 of"
e2e_keys q
e2e_exited 0
[ -s "$LAMBDA_TUTOR_DB" ] || e2e_fail "no record file at $LAMBDA_TUTOR_DB"
e2e_kill

# Relaunch: Continue is there and selected; Enter lands on the same page.
e2e_start
e2e_wait "▸ Continue: $short"
e2e_wait "(module 2, page 1 of"
e2e_keys Enter
e2e_wait "page 1/"
tmux -L "$E2E_SOCK" capture-pane -p -t e2e | head -1 | grep -qF "$short" ||
	e2e_fail "the title bar does not name '$title'"
e2e_keys q q q
e2e_exited 0
echo "ok - read, searched, resumed on '$title'"
