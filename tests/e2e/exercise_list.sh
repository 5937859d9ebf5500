#!/bin/sh
# The learner's next step is always on screen. From the home screen: C opens the console on the
# learner's account, S shows how to point a shell at it, X lists the exercises with their
# state; a check run from a shell shows in the open list within a second, and Enter opens an
# exercise. `lambda-tutor exercise` with no id opens the first unfinished exercise; after it
# passes, n opens the next unfinished item of the core path. A real cloud runs for the workspace.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SOL="$SRC/tests/solutions"
WS="$E2E_TMP/ws"
REAL_TUTOR=$TUTOR
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
run_as() { # the tutor the pane runs: lambda-tutor ARGS... --workspace WS
	printf '#!/bin/sh\nexec %s "$@" --workspace %s\n' "'$REAL_TUTOR'" "'$WS'" >"$E2E_TMP/lt"
	cat >"$E2E_TMP/tutor" <<EOF
#!/bin/sh
exec '$E2E_TMP/lt' $*
EOF
	chmod +x "$E2E_TMP/lt" "$E2E_TMP/tutor"
	TUTOR="$E2E_TMP/tutor"
}

# Every exercise of the course is in the list.
NEX=$(find "$SRC/lessons" -name exercise.yaml | wc -l)

# 1. The home screen: the console, the shell and the list are a key away.
run_as tutor
e2e_start EDITOR=true
e2e_wait "Introduction to AWS Lambda"
e2e_wait "the Lambda console, on your own account"
e2e_keys C
wait_long "Console: Lambda functions"
e2e_wait "Functions (0)"
e2e_keys q
e2e_wait "the Lambda console, on your own account"
e2e_keys S
e2e_wait "Point a shell at the local cloud"
e2e_wait "eval \"\$(lambda-tutor env --workspace $WS)\""
e2e_wait "AWS_ACCESS_KEY_ID="
e2e_keys q
e2e_keys X
e2e_wait "0 of $NEX passed"
e2e_wait "hello-console"
e2e_wait "not started"
echo "ok 1 - from the home screen: C opens the console, S the env line, X the list"

# 2. The learner does hello-console from a shell, pointed at the cloud by the line S showed, and
# checks it there: the open list follows. Enter opens an exercise.
command -v aws >/dev/null 2>&1 || { echo "ok 2 # SKIP no AWS CLI"; echo "ok 3 # SKIP"; echo "1..3"; exit 0; }
(
	eval "$("$REAL_TUTOR" env --workspace "$WS")" || exit 1
	cd "$SOL/hello-console/python/reference" && python3 -m zipfile -c "$E2E_TMP/fn.zip" \
		lambda_function.py || exit 1
	role=$(aws iam create-role --role-name lambda-role --query Role.Arn --output text \
		--assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}') &&
		aws iam attach-role-policy --role-name lambda-role --policy-arn \
			arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole || exit 1
	aws lambda create-function --function-name hello-world --runtime python3.13 \
		--handler lambda_function.lambda_handler --zip-file "fileb://$E2E_TMP/fn.zip" \
		--role "$role" >/dev/null
) || e2e_fail "the AWS CLI could not create hello-world with the env line's keys"
"$REAL_TUTOR" check hello-console --workspace "$WS" >/dev/null 2>&1 ||
	e2e_fail "hello-console does not pass from the shell"
e2e_wait "1 of $NEX passed"
e2e_wait "passed"
"$REAL_TUTOR" check hello-world --workspace "$WS" >/dev/null 2>&1 &&
	e2e_fail "the starter of hello-world passes"
e2e_wait "failing:"
e2e_keys j Enter
e2e_wait "Hello World: a custom JSON response"
e2e_wait "Tasks"
e2e_keys q
e2e_wait "1 of $NEX passed"
e2e_keys q q
e2e_exited 0
echo "ok 2 - a check run from a shell shows in the open list, and Enter opens the exercise"

# 3. No id: the first unfinished exercise; after a pass, n goes on along the core path.
run_as exercise
e2e_start EDITOR=true
wait_long "Hello World: a custom JSON response"
cp "$SOL/hello-world/python/reference/lambda_function.py" "$WS/hello-world/lambda_function.py"
e2e_keys c
wait_long "5 of 5 tasks pass"
e2e_wait "n goes on to the next step"
e2e_keys n
e2e_wait "Anatomy of a function"
e2e_keys q
e2e_wait "5 of 5 tasks pass"
e2e_keys q
e2e_exited 0
out=$("$REAL_TUTOR" list --workspace "$WS" --json) || e2e_fail "list --json failed"
printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
m = d["modules"][0]
states = {e["id"]: e["state"] for e in m["exercises"]}
assert states == {"hello-console": "passed", "hello-world": "passed"}, states
assert d["next"]["kind"] == "page", d["next"]
' || e2e_fail "list --json: $out"
echo "ok 3 - exercise with no id opens the first unfinished one; n after a pass goes on"
echo "1..3"
