#!/bin/sh
# A troubleshooting scenario, as a learner does it in a terminal: start it, read the symptom,
# ask for a hint, follow it to the log line that says what is wrong, fix it with the AWS CLI,
# and pass the check; the list then says it was fixed, with the hint counted. A real cloud runs
# for the workspace.
. "$(dirname "$0")/lib.sh"
command -v /usr/bin/aws >/dev/null 2>&1 || { echo "1..0 # SKIP no AWS CLI v2 at /usr/bin/aws"; exit 77; }
WS="$E2E_TMP/ws"
REAL_TUTOR=$TUTOR
stop_cloud() {
	[ -s "$WS/.cloud/lock" ] && kill -TERM "$(awk '{print $1}' "$WS/.cloud/lock")" 2>/dev/null
	e2e_cleanup
}
trap stop_cloud EXIT INT TERM

wait_long() { # the first start launches a cloud and a Python runtime: allow 60 s
	i=0
	while [ $i -lt 600 ]; do
		e2e_capture | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	e2e_fail "waited 60 s for: $1"
}

# The pane runs a shell where `lt` is the tutor on the test's workspace and `aws` the CLI v2
# pointed at its cloud, as `eval "$(lambda-tutor env)"` points a learner's.
mkdir -p "$E2E_TMP/bin"
printf '#!/bin/sh\nexec %s "$@" --workspace %s\n' "'$REAL_TUTOR'" "'$WS'" >"$E2E_TMP/bin/lt"
cat >"$E2E_TMP/bin/aws" <<'EOF2'
#!/bin/sh
exec /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"
EOF2
cat >"$E2E_TMP/shell" <<EOF2
#!/bin/sh
export PATH="$E2E_TMP/bin:\$PATH" AWS_PAGER= PS1='$ '
exec sh -i
EOF2
chmod +x "$E2E_TMP/bin/lt" "$E2E_TMP/bin/aws" "$E2E_TMP/shell"
TUTOR="$E2E_TMP/shell"
e2e_start
e2e_wait '$'

# 1. The list names the scenario by its symptom; start sets it up broken and says only that.
e2e_keys 'lt scenario --list | grep -A3 timeout-too-low' Enter
e2e_wait "spins for about a second"
e2e_keys 'lt scenario start timeout-too-low && eval "$(lt env)" && echo STARTED' Enter
wait_long "STARTED"
e2e_wait "Every price quote fails after a second"
e2e_wait "is ready in your account"
echo "ok 1 - the list shows the symptom; start sets the application up and shows only the symptom"

# 2. A check of the broken application fails, and says how to start over.
e2e_keys clear Enter 'lt scenario check timeout-too-low; echo CHECKED=$?' Enter
wait_long "CHECKED=1"
e2e_wait "0 of 2 tasks pass"
echo "ok 2 - the broken application fails its check"

# 3. The first hint points at the log; the log line says what is wrong.
e2e_keys clear Enter 'lt scenario hint timeout-too-low' Enter
e2e_wait "Hint 1 of 3"
e2e_wait "aws logs tail /aws/lambda/price-quote"
e2e_keys clear Enter 'aws logs tail /aws/lambda/price-quote --since 1h | grep -o "Task timed out after [0-9.]* seconds" | head -1' Enter
wait_long "Task timed out after 1.00 seconds"
echo "ok 3 - the hint leads to the log line: Task timed out after 1.00 seconds"

# 4. The fix with the CLI, then the check passes and says how long it took, hint counted.
e2e_keys clear Enter 'aws lambda update-function-configuration --function-name price-quote --timeout 5 --query Timeout' Enter
wait_long "5"
e2e_keys clear Enter 'lt scenario check timeout-too-low; echo CHECKED=$?' Enter
wait_long "CHECKED=0"
e2e_wait "2 of 2 tasks pass"
e2e_wait "with 1 hint and 2 checks"
echo "ok 4 - after the fix with the AWS CLI the check passes, with the time to fix"

# 5. The records say so.
e2e_keys clear Enter "lt scenario --list --json | python3 -c 'import json,sys; s=[x for x in json.load(sys.stdin) if x[\"id\"]==\"timeout-too-low\"][0]; print(\"STATE\", s[\"state\"], s[\"hints_used\"], s[\"checks\"])'" Enter
e2e_wait "STATE fixed 1 2"
echo "ok 5 - the list says fixed, one hint, two checks"

# 6. The tutor's exercise list shows the scenarios under their own heading, each with its
# state, and the selected one's symptom as its only statement.
e2e_keys clear Enter 'lt; echo TUTOR_EXITED=$?' Enter
e2e_wait "Introduction to AWS Lambda"
e2e_keys X
e2e_wait "Troubleshooting scenarios"
e2e_keys G
e2e_wait "wrong-table"
for i in 1 2 3 4 5 6 7 8 9; do
	e2e_capture | grep -q "▸ *. *timeout-too-low" && break
	e2e_keys k
	sleep 0.1
done
e2e_wait "fixed in 0 min"
e2e_wait "spins for about a second"
e2e_keys q q
e2e_wait "TUTOR_EXITED=0"
echo "ok 6 - the tutor's list shows the scenario fixed, with its symptom"

# 7. A scenario started from the tutor itself: Enter on it in the list sets the application up
# in the learner's account and opens its symptom; h reveals a hint, c checks (the broken
# application fails), and the records count both, as the shell's commands do.
e2e_keys clear Enter 'lt; echo TUTOR_EXITED=$?' Enter
e2e_wait "Introduction to AWS Lambda"
e2e_keys X
e2e_wait "Troubleshooting scenarios"
e2e_keys G
e2e_wait "wrong-table"
for i in 1 2 3; do
	e2e_capture | grep -q "▸ *. *wrong-handler" && break
	e2e_keys k
	sleep 0.1
done
e2e_capture | grep -q "▸ *. *wrong-handler" || e2e_fail "wrong-handler not selected"
e2e_keys Enter
wait_long "Scenario: The greeting service fails instantly"
e2e_wait "scenario wrong-handler is ready in your account"
e2e_keys h
e2e_wait "aws lambda invoke --function-name greeter"
e2e_keys c
wait_long "0 of 2 tasks pass"
e2e_keys q q q
e2e_wait "TUTOR_EXITED=0"
e2e_keys clear Enter "lt scenario --list --json | python3 -c 'import json,sys; s=[x for x in json.load(sys.stdin) if x[\"id\"]==\"wrong-handler\"][0]; print(\"STATE\", s[\"state\"].replace(\" \", \"-\"), s[\"hints_used\"], s[\"checks\"])'" Enter
e2e_wait "STATE in-progress 1 1"
echo "ok 7 - the tutor sets a scenario up, shows its symptom, hint and failing check, recorded"

# 8. In a class (records in the class folder, not LAMBDA_TUTOR_DB), the trainer's dashboard
# shows who is in which scenario, and for how long.
C="$E2E_TMP/class"
e2e_keys clear Enter "lt class init '$C' --trainer-group \$(id -gn) >/dev/null && env -u LAMBDA_TUTOR_DB lt --class '$C' --learner ada scenario start wrong-handler >/dev/null && lt trainer '$C' --once | grep -A1 '^scenario' | tail -1" Enter
wait_long "wrong-handler  ada"
e2e_wait "in progress"
echo "ok 8 - the trainer's dashboard shows the learner in the scenario"
echo "1..8"
