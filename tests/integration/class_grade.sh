#!/bin/sh
# lambda-tutor grade against a real cloud: a recorded pass that the code still gives agrees;
# the same record beside code that no longer passes (as if the record had been edited, or
# the code swapped) is marked DIFFERS with exit 1; and grade records nothing itself.
#
#   class_grade.sh LAMBDA_TUTOR SOURCE_ROOT
TUTOR=$1
SRC=$2
. "$(dirname "$0")/cloud_lib.sh"
export LAMBDA_TUTOR_DB=$WORK/records.db NO_COLOR=1 LAMBDA_TUTOR_COURSE=$SRC/lessons
start_cloud || { echo "1..0 # SKIP no cloud"; exit 0; }
SOL=$SRC/tests/solutions/hello-world/python
runs() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from events where kind='check_run'\").fetchone()[0])" "$LAMBDA_TUTOR_DB"; }

"$TUTOR" check --workspace "$WS" hello-world >/dev/null 2>&1
cp "$SOL"/reference/*.py "$WS/hello-world/"
"$TUTOR" check --workspace "$WS" hello-world >/dev/null 2>&1
ok $? "the reference solution passes and is recorded"
before=$(runs)
out=$("$TUTOR" grade --workspace "$WS" hello-world 2>&1)
ok $? "grade agrees with the recorded pass"
note "$out"
contains "$out" "passed 5/5" && ! contains "$out" "DIFFERS"
ok $? "and shows both results"
cp "$SOL"/wrong-hardcoded-name/*.py "$WS/hello-world/"
json=$("$TUTOR" grade --workspace "$WS" hello-world --json 2>/dev/null)
ok $([ $? = 1 ] && echo 0 || echo 1) "code that no longer passes makes grade exit 1"
printf '%s\n' "$json" | python3 -c '
import json, sys
r = json.load(sys.stdin)[0]
assert r["exercise"] == "hello-world" and r["agrees"] is False, r
assert r["recorded"]["status"] == "passed" and r["now"]["status"] == "failed", r
'
ok $? "--json shows the recorded pass beside the failure now"
ok $([ "$(runs)" = "$before" ] && echo 0 || echo 1) "grade records nothing"
"$TUTOR" grade --workspace "$WS" no-such-exercise >/dev/null 2>"$WORK/err"
ok $([ $? = 2 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ] && echo 0 || echo 1) \
	"an unknown exercise is refused in one line"
finish
