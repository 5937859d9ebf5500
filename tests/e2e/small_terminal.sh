#!/bin/sh
# Below 80x24 the tutor says so instead of drawing; grown to size, it draws the home screen.
E2E_COLS=60 E2E_ROWS=20
. "$(dirname "$0")/lib.sh"

e2e_start
e2e_wait "lambda-tutor needs at least 80x24; this terminal is 60x20"
tmux -L "$E2E_SOCK" resize-window -t e2e -x 100 -y 30
e2e_wait "Modules"
e2e_wait_gone "needs at least"
tmux -L "$E2E_SOCK" resize-window -t e2e -x 79 -y 30
e2e_wait "this terminal is 79x30"
e2e_keys q
e2e_exited 0
echo "ok - a small terminal gets a notice, and a resize brings the screen back"
