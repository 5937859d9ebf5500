#!/bin/sh
# The final project's commands against a real cloud: start copies the starter, check scores
# an account with no stack at zero on every criterion (it never passes on nothing deployed),
# review records a trainer's score, and export gives both per criterion as long CSV, wide CSV
# and xAPI statements. Then `lambda-tutor selftest --project`: the reference solution and three
# weaker ones, each packaged to S3 and deployed with `aws cloudformation deploy` in an account
# of its own: the reference scores every point, each weaker one loses exactly the checks its
# .solution.json names. With solution names after TUTOR (project_nodejs: nodejs), only those
# are deployed (here, npm packages installed into a copy) and scored.
TUTOR=$1
shift
SOL=$(cd "$(dirname "$0")/../solutions/final-project" && pwd)
RUBRIC=$(cd "$(dirname "$0")/../../project/final-project" && pwd)/rubric.py
. "$(dirname "$0")/cloud_lib.sh"
export LAMBDA_TUTOR_DB=$WORK/records.db
start_cloud || { echo "1..0 # SKIP no cloud"; exit 0; }
/usr/bin/python3 -c 'import boto3' 2>/dev/null || { echo "1..0 # SKIP no boto3 in /usr/bin/python3"; exit 0; }
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; status=1; }
status=0
SOLUTIONS=$*
[ $# -gt 0 ] || {

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
# An assessor's export of a whole class: every learner's records file in a folder.
mkdir -p "$WORK/class"
cp "$WORK/records.db" "$WORK/class/ana.db"
cp "$WORK/records.db" "$WORK/class/bo.db"
"$TUTOR" project export --class "$WORK/class" --workspace "$WS" >"$WORK/class.csv" 2>"$WORK/class.err"
[ "$(wc -l <"$WORK/class.csv")" = 15 ] && [ "$(grep -c ',iam,0,1,3,4,' "$WORK/class.csv")" = 2 ] &&
	ok "class export: a row per criterion for each learner of the folder" ||
	fail "class export: $(cat "$WORK/class.csv" "$WORK/class.err")"
"$TUTOR" project export --format wide "$WORK/class/ana.db" "$WORK/class/bo.db" --workspace "$WS" |
	[ "$(wc -l)" = 3 ] && ok "class export (wide) from named records files: one row each" ||
	fail "class export (wide) from files"
}

# deploy NAME KEY SECRET ACCOUNT: package and deploy the solution NAME (the reference with the
# folder's files over it) as the stack final-project; the rubric's JSON to $WORK/NAME.json.
deploy() {
	d=$WORK/sol-$1
	mkdir -p "$d"
	case $1 in
	nodejs) cp -R "$SOL/nodejs/." "$d/" ;; # a whole solution, not a change to the reference
	*) cp -R "$SOL/reference/." "$d/" && { [ "$1" = reference ] || cp -R "$SOL/$1/." "$d/"; } ;;
	esac
	# A Node.js handler's packages go into the zip, as a learner's `npm ci` puts them there
	# (from npm's cache when it has them); without npm or the registry, the run says so.
	if [ -f "$d/src/package.json" ] && ! (cd "$d/src" && timeout 300 npm ci --omit=dev \
		--no-audit --no-fund --prefer-offline) >"$WORK/$1.npm" 2>&1; then
		echo "npm ci failed: $(tail -n 1 "$WORK/$1.npm")" >"$WORK/$1.skip"
		return
	fi
	(
		export AWS_ACCESS_KEY_ID=$2 AWS_SECRET_ACCESS_KEY=$3 AWS_ENDPOINT_URL="$E"
		# What `aws cloudformation package` does, by hand: Debian's AWS CLI (2.9) would upload
		# to AWS itself, as its package command ignores --endpoint-url for S3.
		cd "$d" && (cd src && zip -qr -X ../code.zip .) &&
			aws2 --endpoint-url "$E" s3 mb "s3://artifacts-$4" >/dev/null &&
			aws2 --endpoint-url "$E" s3 cp code.zip "s3://artifacts-$4/code.zip" >/dev/null &&
			sed "s|CodeUri: src/|CodeUri: s3://artifacts-$4/code.zip|" template.yaml >packaged.yaml &&
			aws2 --endpoint-url "$E" cloudformation deploy --template-file packaged.yaml \
				--stack-name final-project --capabilities CAPABILITY_IAM >/dev/null ||
			{
				aws2 --endpoint-url "$E" cloudformation describe-stack-events \
					--stack-name final-project --output text \
					--query 'StackEvents[?contains(ResourceStatus,`FAILED`)].[LogicalResourceId,ResourceStatusReason]' \
					>"$WORK/$1.events"
				false
			} &&
			LAMBDA_TUTOR_CONTROL=$CTL RUBRIC_WAIT_S=240 timeout 400 /usr/bin/python3 "$RUBRIC" "$d" \
				final-project >"$WORK/$1.json"
	) >"$WORK/$1.log" 2>&1
}
# Without solution names: `lambda-tutor selftest --project` deploys the reference and each
# weaker solution of tests/solutions/final-project and holds each to its .solution.json.
if [ $# -eq 0 ]; then
	"$TUTOR" selftest --project --workspace "$WS" >"$WORK/selftest.tap" 2>&1
	rc=$?
	grep -q '^ok .* - final-project/reference, deployed, scores' "$WORK/selftest.tap" &&
		[ "$(grep -c '^ok .* - final-project/wrong-' "$WORK/selftest.tap")" -ge 3 ] || rc=1
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			n=$((n + 1))
			echo "$line" | sed "s/^\(not \)\{0,1\}ok [0-9]* - /\1ok $n - selftest: /"
			;;
		esac
	done <"$WORK/selftest.tap"
	[ $rc = 0 ] || { fail "selftest --project (exit $rc): $(tail -n 3 "$WORK/selftest.tap" | tr '\n' ' ')"; }
	echo "1..$n"
	exit $status
fi
# One after the other: four image processors at once starve each other on a busy machine.
for s in $SOLUTIONS; do
	# shellcheck disable=SC2046
	deploy "$s" $(new_account)
done
for s in $SOLUTIONS; do
	if [ -f "$WORK/$s.skip" ]; then
		n=$((n + 1))
		echo "ok $n - $s # SKIP $(cat "$WORK/$s.skip")"
	elif /usr/bin/python3 - "$WORK/$s.json" "$SOL/$s/.solution.json" "${RUBRIC%.py}.yaml" \
		>"$WORK/$s.why" 2>&1 <<'PY'; then
import json, os, sys
import yaml
o = json.load(open(sys.argv[1]))
# The checks run are the ones rubric.yaml lists (the tutor shows that list before a run).
listed = {c["id"]: c["checks"] for c in yaml.safe_load(open(sys.argv[3]))["criteria"]}
ran = {c["id"]: [e["check"] for e in c["evidence"]] for c in o["criteria"]}
assert ran == listed, f"rubric.py ran {ran}, rubric.yaml lists {listed}"
loses = json.load(open(sys.argv[2]))["loses"] if os.path.exists(sys.argv[2]) else []
bad = [e for c in o["criteria"] for e in c["evidence"] if not e["pass"]]
failed = [e["check"] for e in bad]
assert sorted(failed) == sorted(loses), f"failed {bad}, expected to fail {loses}"
total = sum(len(v) for v in listed.values())
assert o["points"] == o["max"] - len(loses) and o["max"] == total, (o["points"], o["max"])
print(f"{o['points']} of {o['max']}" + (f", losing only {', '.join(loses)}" if loses else ""))
PY
		ok "$s, packaged and deployed, scores $(cat "$WORK/$s.why")"
	else
		fail "$s: $(tail -n 3 "$WORK/$s.why" "$WORK/$s.log" | tr '\n' ' ')"
		grep -q "Failed to create" "$WORK/$s.log" && note "$(cat "$WORK/$s.events")"
	fi
done

echo "1..$n"
exit $status
