#!/bin/sh
# lambda-tutor check, reset and watch against a real cloud: a starter fails with sent/got/
# expected/why, a reference passes and is recorded, bad handlers (missing, syntax error,
# endless loop, megabytes of output) get a clear report, an account exercise with no
# function says so, and watch mode follows saves and a deleted folder.
# Usage: check_cli.sh TUTOR SOURCE-ROOT
TUTOR=$1
SRC=$2
. "$(dirname "$0")/cloud_lib.sh"
export LAMBDA_TUTOR_DB=$WORK/records.db NO_COLOR=1
start_cloud || { echo "1..0 # SKIP no cloud"; exit 0; }
SOL=$SRC/tests/solutions
ck() { "$TUTOR" check --workspace "$WS" "$@"; }
runs() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from events where kind='check_run'\").fetchone()[0])" "$LAMBDA_TUTOR_DB"; }

# A fresh starter: the folder is created and the report explains every failure.
out=$(ck hello-world 2>&1)
ok $([ $? = 1 ] && echo 0 || echo 1) "the untouched starter fails with exit 1"
check "its folder is created from the python starter" test -f "$WS/hello-world/lambda_function.py"
contains "$out" "sent:" && contains "$out" "got:" && contains "$out" "expected:" &&
	contains "$out" "why:"
ok $? "a failure shows sent, got, expected and why"
contains "$out" "REPORT RequestId:"
ok $? "and the function's REPORT line"
contains "$out" "expected: body.message: equal to \"Hello, "
ok $? "the expected greeting names the random name sent"

# JSON for programs.
json=$(ck hello-world --json 2>/dev/null)
printf '%s\n' "$json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["status"] == "failed" and r["exercise"] == "hello-world" and r["total"] == 5, r
t = [t for t in r["tasks"] if not t["pass"]][0]
assert t["event"] and t["got"] and t["expected"] and t["why"], t
assert len(r["hash"]) == 64 and r["steps"][0]["kind"] == "deploy"
'
ok $? "--json gives status, tasks with event/got/expected/why, steps and the content hash"

# A reference solution passes, in both languages, and every run is recorded.
before=$(runs)
ck hello-world --dir "$SOL/hello-world/python/reference" >/dev/null 2>&1
ok $? "the python reference passes with exit 0"
ck hello-world --lang nodejs --dir "$SOL/hello-world/nodejs/reference" >/dev/null 2>&1
ok $? "the nodejs reference passes with exit 0"
after=$(runs)
ok $([ "$after" = $((before + 2)) ] && echo 0 || echo 1) "each run is appended to the records ($before -> $after)"
python3 - "$LAMBDA_TUTOR_DB" <<'PY'
import json, sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
    "select module, item, hash, data from events where kind='check_run' order by id desc limit 1").fetchone()
module, item, hash_, data = row
d = json.loads(data)
assert module == "core-concepts" and item == "hello-world", row
assert len(hash_) == 64 and d["hash"] == hash_, hash_
assert d["status"] == "passed" and d["duration_ms"] >= 0 and len(d["tasks"]) == 5, d
assert all("pass" in t and "id" in t for t in d["tasks"])
PY
ok $? "a record holds the module, exercise, content hash, duration and per-task results"

# Bad handlers get a clear message.
rm "$WS/hello-world/lambda_function.py"
out=$(ck hello-world 2>&1)
ok $([ $? = 2 ] && echo 0 || echo 1) "a missing handler file is exit 2"
contains "$out" "handler file 'lambda_function.py' is missing"
ok $? "and says which file is missing"
printf 'def lambda_handler(event, context)\n    return 1\n' >"$WS/hello-world/lambda_function.py"
out=$(ck hello-world 2>&1)
ok $([ $? = 1 ] && echo 0 || echo 1) "a syntax error fails the tasks (exit 1)"
contains "$out" "Runtime.UserCodeSyntaxError"
ok $? "and the report names Runtime.UserCodeSyntaxError"
printf 'def lambda_handler(event, context):\n    while True:\n        pass\n' \
	>"$WS/hello-world/lambda_function.py"
out=$(ck hello-world 2>&1)
ok $([ $? = 1 ] && echo 0 || echo 1) "an endless loop fails (exit 1) instead of hanging"
contains "$out" "timed out"
ok $? "and the report says the task timed out"
printf 'import sys\ndef lambda_handler(event, context):\n    sys.stdout.write("x" * 4000000)\n    return {}\n' \
	>"$WS/hello-world/lambda_function.py"
out=$(ck hello-world 2>&1)
ok $([ $? = 1 ] && echo 0 || echo 1) "megabytes of output still give a verdict"
ok $([ ${#out} -lt 60000 ] && echo 0 || echo 1) "and the report stays short (${#out} bytes)"

# Reset keeps the learner's files aside.
"$TUTOR" reset hello-world --workspace "$WS" --yes >/dev/null 2>&1
ok $? "reset --yes succeeds"
check "the starter is back" grep -q "Hello from Lambda" "$WS/hello-world/lambda_function.py"
ls "$WS"/hello-world/.old-*/lambda_function.py >/dev/null 2>&1
ok $? "the old file is kept in .old-*"
"$TUTOR" reset hello-world --workspace "$WS" </dev/null >/dev/null 2>&1
ok $([ $? = 2 ] && echo 0 || echo 1) "reset without a terminal needs --yes"

# Usage errors.
out=$(ck helo-world 2>&1)
ok $([ $? = 2 ] && echo 0 || echo 1) "an unknown exercise is exit 2"
contains "$out" "did you mean 'hello-world'"
ok $? "with a suggestion"

# An account exercise with nothing in the account.
out=$(ck hello-console 2>&1)
ok $([ $? = 1 ] && echo 0 || echo 1) "an account exercise with no function fails"
contains "$out" "no function named 'hello-world' in your account"
ok $? "and says the function does not exist"

# The learner builds hello-world with the real AWS CLI; the account exercise then passes, and
# fails on the task whose setting they change.
if [ -x /usr/bin/aws ] && command -v zip >/dev/null; then
	mkdir -p "$WORK/hello"
	cp "$SRC/lessons/01-core-concepts/exercises/hello-world/starter/python/lambda_function.py" \
		"$WORK/hello/"
	make_zip "$WORK/hello.zip" "$WORK/hello"
	test_role
	awsl lambda create-function --function-name hello-world --runtime python3.12 \
		--handler lambda_function.lambda_handler --zip-file "fileb://$WORK/hello.zip" \
		--role "$ROLE" >/dev/null 2>&1
	ok $? "aws lambda create-function makes hello-world in the learner's account"
	ck hello-console >/dev/null 2>&1
	ok $? "then the account exercise passes"
	awsl lambda update-function-configuration --function-name hello-world \
		--memory-size 256 >/dev/null 2>&1
	out=$(ck hello-console --json 2>/dev/null)
	printf '%s\n' "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
failed = [t["id"] for t in r["tasks"] if not t["pass"]]
assert failed == ["defaults"], failed
t = r["tasks"][2]
assert "(MemorySize) = 256" in t["got"] and "128" in t["expected"], t'
	ok $? "after aws lambda update-function-configuration --memory-size 256 only 'defaults' fails"
	mem=$(awsl lambda get-function-configuration --function-name hello-world \
		--query MemorySize --output text 2>/dev/null)
	ok $([ "$mem" = 256 ] && echo 0 || echo 1) "and the check changed nothing in the account"
else
	note "no /usr/bin/aws or zip: the AWS CLI cases are skipped"
fi

# Watch mode: a save re-runs the check; a deleted folder is reported and awaited.
"$TUTOR" check --workspace "$WS" hello-world --watch >"$WORK/watch.out" 2>&1 &
WATCH_PID=$!
wait_for() { # wait_for TEXT: poll the watch output for up to 20 s
	i=0
	while [ $i -lt 200 ]; do
		grep -q "$1" "$WORK/watch.out" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
wait_for "Watching"
ok $? "watch starts with a first check"
cp "$SOL/hello-world/python/reference/lambda_function.py" "$WS/hello-world/lambda_function.py"
wait_for "5 of 5 tasks pass"
ok $? "saving the reference re-runs the check and it passes"
mv "$WS/hello-world" "$WORK/moved"
wait_for "was deleted"
ok $? "a deleted folder is reported"
mv "$WORK/moved" "$WS/hello-world"
wait_for "the folder is back"
ok $? "and checked again when it comes back"
kill -INT $WATCH_PID
wait $WATCH_PID
ok $? "Ctrl-C ends watch mode with exit 0"

finish
