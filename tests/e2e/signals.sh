#!/bin/sh
# Ctrl-C and SIGTERM leave the tutor with exit status 0 and the terminal restored: off the
# alternate screen, back in cooked mode with echo. Even a crash restores the terminal.
. "$(dirname "$0")/lib.sh"

e2e_start
e2e_wait "Modules"
e2e_keys 2
e2e_wait "Module 2 of"
e2e_keys Enter
e2e_wait "page 1/"
e2e_keys C-c
e2e_exited 0
e2e_kill

e2e_start
e2e_wait "Modules"
pid=$(e2e_pid)
[ -n "$pid" ] || e2e_fail "cannot find the tutor's process"
kill -TERM "$pid"
e2e_exited 0
e2e_kill

e2e_start
e2e_wait "Modules"
pid=$(e2e_pid)
kill -HUP "$pid"
e2e_exited 0
e2e_kill

e2e_start
e2e_wait "Modules"
pid=$(e2e_pid)
kill -SEGV "$pid"
e2e_exited 139
e2e_kill

# The benchmark's mode: draw the first frame, then leave as after q.
e2e_start LAMBDA_TUTOR_EXIT_AFTER_FIRST_FRAME=1
e2e_exited 0
echo "ok - Ctrl-C, SIGTERM and SIGHUP restore the terminal and exit 0; so does a crash, 139"
