#!/bin/sh
# The final project's commands against a real cloud: start copies the starter, check scores
# an account with no stack at zero on every criterion (it never passes on nothing deployed),
# review records a trainer's score, and export gives both per criterion as long CSV, wide CSV
# and xAPI statements.
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
export LAMBDA_TUTOR_DB=$WORK/records.db
start_cloud || { echo "1..0 # SKIP no cloud"; exit 0; }
/usr/bin/python3 -c 'import boto3' 2>/dev/null || { echo "1..0 # SKIP no boto3 in /usr/bin/python3"; exit 0; }
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; status=1; }
status=0

"$TUTOR" project start --workspace "$WS" >"$WORK/start.out" 2>&1 &&
	[ -f "$WS/final-project/template.yaml" ] && [ -f "$WS/final-project/src/app.py" ] &&
	ok "start copies the Python starter" || fail "start: $(cat "$WORK/start.out")"
"$TUTOR" project start --workspace "$WS" >/dev/null 2>&1 && fail "a second start overwrote the work" ||
	ok "a second start keeps the learner's work"

"$TUTOR" project check --json --workspace "$WS" >"$WORK/check.json"
rc=$?
/usr/bin/python3 - "$WORK/check.json" <<'PY' && [ $rc = 1 ] && ok "check with no stack: every criterion 0, with the reason; exit 1" || fail "check with no stack (exit $rc): $(head -c 300 "$WORK/check.json")"
import json, sys
o = json.load(open(sys.argv[1]))
ids = [c["id"] for c in o["criteria"]]
assert ids == ["functionality", "error-handling", "iam", "configuration", "monitoring",
               "code-docs", "performance"], ids
assert o["points"] == 0 and o["max"] == 7
assert all("final-project" in c["evidence"][0]["detail"] for c in o["criteria"])
PY

"$TUTOR" project review iam 3 "grants match the code" --workspace "$WS" >/dev/null &&
	ok "a review is recorded" || fail "review"
"$TUTOR" project review iam 9 --workspace "$WS" >/dev/null 2>&1 && fail "a score of 9 was taken" ||
	ok "a score outside 0 to 4 is refused"
"$TUTOR" project review speed 2 --workspace "$WS" >/dev/null 2>&1 && fail "an unknown criterion was taken" ||
	ok "an unknown criterion is refused"

"$TUTOR" project export --workspace "$WS" >"$WORK/long.csv"
grep -q '^"[^"]*",iam,0,1,3,4,"grants match the code"$' "$WORK/long.csv" &&
	[ "$(wc -l <"$WORK/long.csv")" = 8 ] && ok "long export: a row per criterion, automatic and review" ||
	fail "long export: $(cat "$WORK/long.csv")"
"$TUTOR" project export --format wide --workspace "$WS" | tail -1 | grep -q ',0/1,3/4,' &&
	ok "wide export: one row, both scores per criterion" || fail "wide export"
"$TUTOR" project export --format xapi --workspace "$WS" >"$WORK/xapi.jsonl"
/usr/bin/python3 - "$WORK/xapi.jsonl" <<'PY' && ok "xAPI export: a scored statement per criterion, the review in its extensions" || fail "xapi export: $(head -c 300 "$WORK/xapi.jsonl")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 7
for s in lines:
    assert s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/scored"
    assert s["object"]["id"].startswith("https://lambda-tutor.invalid/project/final-project/criterion/")
    assert s["result"]["score"]["max"] == 1 and s["result"]["score"]["raw"] == 0
    assert s["actor"]["account"]["name"]
iam = [s for s in lines if s["object"]["id"].endswith("/iam")][0]
assert iam["result"]["extensions"]["https://lambda-tutor.invalid/xapi/review"]["score"] == 3
PY
echo "1..$n"
exit $status
