#!/bin/sh
# Keys stay live while a check runs: ? shows the help, and q cancels the check at once (the
# handler here never finishes starting). Nothing is recorded for a cancelled check, the
# screen stays, and the next check runs as usual.
. "$(dirname "$0")/lib.sh"
WS="$E2E_TMP/ws"
REAL_TUTOR=$TUTOR
cat >"$E2E_TMP/tutor" <<EOF2
#!/bin/sh
exec '$REAL_TUTOR' exercise hello-world --workspace '$WS' --lang python
EOF2
chmod +x "$E2E_TMP/tutor"
TUTOR="$E2E_TMP/tutor"
stop_cloud() {
	[ -s "$WS/.cloud/lock" ] && kill -TERM "$(awk '{print $1}' "$WS/.cloud/lock")" 2>/dev/null
	e2e_cleanup
}
trap stop_cloud EXIT INT TERM
runs() {
	python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from events where kind='check_run'\").fetchone()[0])" "$LAMBDA_TUTOR_DB" 2>/dev/null || echo 0
}
wait_long() { # the first check starts a cloud and a Python runtime: allow 30 s
	i=0
	while [ $i -lt 300 ]; do
		e2e_capture | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	e2e_fail "waited 30 s for: $1"
}

e2e_start EDITOR=true
wait_long "Tasks"
before=$(runs)
# A handler that sleeps while it starts: the check waits on its first invocation.
printf 'import time\ntime.sleep(60)\n\ndef lambda_handler(event, context):\n    return {}\n' \
	>"$WS/hello-world/lambda_function.py"
e2e_keys c
wait_long "Checking"
e2e_keys '?'
e2e_wait "Keys: exercise"
e2e_keys Escape
e2e_wait_gone "Keys: exercise"
e2e_wait "Checking"
e2e_keys X
e2e_wait "a check is running: q cancels it"
e2e_keys q
e2e_wait "check cancelled"
e2e_wait_gone "Checking"
after=$(runs)
[ "$after" = "$before" ] || e2e_fail "a cancelled check was recorded ($before -> $after)"
echo "ok 1 - ? works during a check, and q cancels it at once; nothing is recorded"

printf 'def lambda_handler(event, context):\n    return {}\n' >"$WS/hello-world/lambda_function.py"
e2e_keys c
wait_long "of 5 tasks pass"
[ "$(runs)" = $((before + 1)) ] || e2e_fail "the next check was not recorded"
e2e_keys q
e2e_exited 0
echo "ok 2 - the next check runs and is recorded"
echo "1..2"
