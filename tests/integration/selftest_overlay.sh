#!/bin/sh
# A solution holds only the files it changes: selftest lays it over the exercise's starter
# (trace-pricing's helper module comes from the starter), drops the starter's files its
# .solution.json "removes", and refuses a "removes" that names no starter file or leaves the
# folder. Usage: selftest_overlay.sh TUTOR SOURCE_ROOT
TUTOR=$1
ROOT=$2
. "$(dirname "$0")/cloud_lib.sh"
export LAMBDA_TUTOR_DB=$WORK/records.db
start_cloud || { echo "1..0 # SKIP no cloud"; exit 0; }
S=$WORK/solutions/trace-pricing/python
REF=$ROOT/tests/solutions/trace-pricing/python/reference
mkdir -p "$S/reference" "$S/wrong-no-helper" "$S/wrong-bad-removes"
cp "$REF/lambda_function.py" "$S/reference/"
cp "$REF/lambda_function.py" "$S/wrong-no-helper/"
echo '{"fails": "answers", "removes": ["tracing.py"]}' >"$S/wrong-no-helper/.solution.json"
cp "$REF/lambda_function.py" "$S/wrong-bad-removes/"
echo '{"fails": "answers", "removes": ["../python/tracing.py"]}' >"$S/wrong-bad-removes/.solution.json"
[ ! -e "$S/reference/tracing.py" ] && [ -e "$ROOT/lessons/04-best-practices/exercises/trace-pricing/starter/python/tracing.py" ]
ok $? "the solutions hold the handler only; the helper is the starter's"
mkdir -p "$WORK/tmp"
TMPDIR=$WORK/tmp "$TUTOR" selftest trace-pricing --solutions "$WORK/solutions" --workspace "$WS" >"$WORK/out" 2>&1
rc=$?
grep -q '^ok [0-9]* - trace-pricing/python/reference passes twice' "$WORK/out"
ok $? "the handler alone, over the starter, passes" || note "$(cat "$WORK/out")"
grep -q "^ok [0-9]* - trace-pricing/python/wrong-no-helper fails on 'answers'" "$WORK/out"
ok $? "the starter's helper removed, the check fails" || note "$(cat "$WORK/out")"
grep -q '^not ok [0-9]* - trace-pricing/python/wrong-bad-removes: .solution.json: "removes" names files inside the starter, not ../python/tracing.py' "$WORK/out"
ok $? "a \"removes\" outside the starter is refused, in one line" || note "$(cat "$WORK/out")"
[ "$rc" = 1 ]
ok $? "selftest exits 1 (got $rc)"
[ -z "$(find "$WORK/tmp" -name 'lt-solution.*')" ]
ok $? "no scratch copy is left behind"
finish
