#!/bin/sh
# Switch an exercise's language on the exercise screen, as `lambda-tutor reset --lang` does:
# L asks, another key cancels, L again moves the Python files aside and copies the Node.js
# starter in; the title, the records of the choice and a check follow the new language. The
# `?` overlay lists L, and H (raise a hand) among the keys every screen has.
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
wait_long() {
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
e2e_wait "python"
test -f "$WS/hello-world/lambda_function.py" || e2e_fail "the Python starter was not copied"
echo "# mine" >>"$WS/hello-world/lambda_function.py"

e2e_keys '?'
e2e_wait "switch Python <-> Node.js"
e2e_wait "raise your hand"
e2e_keys Escape
e2e_wait_gone "switch Python <-> Node.js"
e2e_wait "L lang"

e2e_keys L
e2e_wait "Switch to Node.js? Python files move to .old-*."
e2e_keys j
e2e_wait_gone "Switch to Node.js?"
test -f "$WS/hello-world/lambda_function.py" || e2e_fail "a cancelled switch moved the files"

e2e_keys L
e2e_wait "L: yes · other key: no"
e2e_keys L
e2e_wait "now in nodejs; your files are in"
e2e_wait "nodejs"
test -f "$WS/hello-world/index.mjs" || e2e_fail "no Node.js starter"
test -f "$WS/hello-world/lambda_function.py" && e2e_fail "the Python file is still in place"
grep -l "# mine" "$WS"/hello-world/.old-*/lambda_function.py >/dev/null 2>&1 ||
	e2e_fail "the Python files were not kept aside"
grep -qx nodejs "$WS/hello-world/.language" || e2e_fail "the choice was not recorded"

e2e_keys c
wait_long "tasks pass"
e2e_wait "tasks pass (nodejs"

e2e_keys q
e2e_exited 0
echo "ok - exercise screen: switch the language, kept aside, checked in the new one"
