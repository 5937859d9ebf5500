#!/bin/sh
# Work on an exercise in the terminal: open hello-world, turn watch mode on (the starter fails),
# save the reference solution from outside as an editor would and see the verdict change,
# reveal a hint, reset to the starter (confirmed) and see it fail again, run an editor that
# exits non-zero, and leave with the terminal restored. A real cloud runs for the workspace.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
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

wait_long() { # the first check starts a cloud and a Python runtime: allow 30 s
	i=0
	while [ $i -lt 300 ]; do
		e2e_capture | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	e2e_fail "waited 30 s for: $1"
}

e2e_start EDITOR=false
wait_long "Tasks"
e2e_wait "Return the invocation's request ID"
test -f "$WS/hello-world/lambda_function.py" || e2e_fail "the starter was not copied"

e2e_keys w
wait_long "1 of 5 tasks pass"
e2e_wait "watching"
e2e_wait "expected: body.message: equal to"

cp "$SRC/tests/solutions/hello-world/python/reference/lambda_function.py" \
	"$WS/hello-world/lambda_function.py.tmp"
mv "$WS/hello-world/lambda_function.py.tmp" "$WS/hello-world/lambda_function.py"
wait_long "5 of 5 tasks pass"
e2e_wait "well done"

e2e_keys h
e2e_wait "Hints"
e2e_wait "Read the name with a default"

e2e_keys x
e2e_wait "Reset to the starter? Your files move to .old-*. x: yes"
e2e_keys x
e2e_wait "your files are in"
grep -q "Hello from Lambda" "$WS/hello-world/lambda_function.py" || e2e_fail "not reset"
ls "$WS"/hello-world/.old-*/lambda_function.py >/dev/null 2>&1 || e2e_fail "old file lost"
wait_long "1 of 5 tasks pass"

e2e_keys e
e2e_wait "exited with status 1"

e2e_keys q
e2e_exited 0
echo "ok - exercise screen: watch, verdict change, hint, reset, editor failure"
