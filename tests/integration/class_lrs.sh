#!/bin/sh
# The hands-on review and xAPI to a Learning Record Store: a small generated class, a trainer's
# reviews recorded and carried by every export, then statements sent to a real HTTP LRS
# (tests/xapi/lrs_stub.py, which enforces the statements API's rules and checks each
# interaction's components and response): batches, the version header, Basic auth, a second
# run that sends nothing twice, retries on 503 and on a hung LRS, a refused statement found in
# its batch, a conflict, both set aside and never sent again, an unreachable LRS that loses
# nothing, endpoints that are not URLs refused in one line.
#
#   class_lrs.sh LAMBDA_TUTOR GEN_CLASS SOURCE_ROOT
set -u
tutor=$1
gen=$2
root=$3
tmp=$(mktemp -d /tmp/class-lrs.XXXXXX)
stub_pid=
stop_stub() {
	[ -n "$stub_pid" ] && kill "$stub_pid" 2>/dev/null && wait "$stub_pid" 2>/dev/null
	stub_pid=
}
trap 'stop_stub; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
export LC_ALL=C.UTF-8 LAMBDA_TUTOR_COURSE="$root/lessons" XDG_DATA_HOME="$tmp/data"
unset LAMBDA_TUTOR_DB LAMBDA_TUTOR_LRS_AUTH
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is needed for the LRS"; exit 0; }
n=0
failed=0
check() { # check DESCRIPTION COMMAND...
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=1
	fi
}
py() { python3 - "$@"; }
# start_stub ARGS...: an LRS on an ephemeral port; sets $url.
start_stub() {
	rm -f "$tmp/port"
	python3 "$root/tests/xapi/lrs_stub.py" "$tmp/port" "$@" &
	stub_pid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	url="http://127.0.0.1:$(cat "$tmp/port")/xapi"
}
state() { curl -s "${url%/xapi}/_stub/state"; }
field() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }

class="$tmp/class"
"$gen" "$class" 6 11 1790000000000 >/dev/null 2>"$tmp/gen.err"
check "the generator wrote 6 learner files" [ "$(ls "$class" | grep -c '\.db$')" -eq 6 ]

# The hands-on review.
mkdir -p "$tmp/ws/final-project/src"
printf 'import json\n\ndef handler(event, context):\n    return {"statusCode": 200}\n' \
	>"$tmp/ws/final-project/src/app.py"
"$tutor" review "$class" learner-003 error-handling 3 "retries, but no DLQ on the async path" \
	>"$tmp/out" 2>&1
check "a review is recorded" [ $? -eq 0 ]
"$tutor" review "$class" learner-003 monitoring 2 "no alarm on errors" >/dev/null 2>&1
"$tutor" review "$class" learner-003 error-handling 4 "DLQ added after the review" >/dev/null 2>&1
"$tutor" review "$class" learner-004 iam 1 "one role for everything, with *" >/dev/null 2>&1
"$tutor" review "$class" learner-003 iam 5 >/dev/null 2>"$tmp/err"
check "a score out of range is refused in one line" \
	[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]
"$tutor" review "$class" learner-003 speed 2 >/dev/null 2>"$tmp/err"
check "an unknown criterion is refused in one line" \
	[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]
"$tutor" review "$class" nobody iam 2 >/dev/null 2>"$tmp/err"
check "a learner the class does not have is refused" [ $? -eq 2 ]
check "the reviews file is the trainer's, not world-readable" \
	[ "$(stat -c %a "$class/.reviews.db")" = 640 ]
"$tutor" review "$class" learner-003 --workspace "$tmp/ws" --json >"$tmp/review.json" 2>"$tmp/err"
check "the review view shows the code, the checks and the latest review per criterion" \
	py "$tmp/review.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = {x['criterion']: x for x in r['criteria']}
ok = r['files'] == ['src/app.py'] and isinstance(r['checks'], dict) and r['checks']
ok = ok and c['error-handling']['review']['score'] == 4 and 'DLQ added' in c['error-handling']['review']['comment']
ok = ok and c['monitoring']['review']['score'] == 2 and 'review' not in c['iam'] and r['review_total'] == 6
sys.exit(0 if ok else 1)
PY
"$tutor" review "$class" learner-003 --workspace "$tmp/ws" >"$tmp/review.txt" 2>&1
check "the text view numbers the code's lines" grep -q '^   4      return {"statusCode": 200}' "$tmp/review.txt"

for f in grades wide long xapi; do
	"$tutor" export --class "$class" --format $f --out "$tmp/$f.out" 2>>"$tmp/export.err"
done
check "grades.csv has the review total of 28 for every learner" py "$tmp/grades.out" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline='')) if r['assignment'] == 'final-project']
by = {r['student_id']: r for r in rows}
sys.exit(0 if len(rows) == 6 and by['learner-003']['raw_score'] == '6' and by['learner-003']['max_score'] == '28'
         and by['learner-004']['raw_score'] == '1' and by['learner-005']['raw_score'] == '0' else 1)
PY
check "the wide CSV has a score and a comment column per criterion" py "$tmp/wide.out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
by = {r['student_id']: r for r in rows}
r = by['learner-003']
sys.exit(0 if r['review:error-handling'] == '4' and r['comment:error-handling'] == 'DLQ added after the review'
         and r['review:total'] == '6' and by['(max)']['review:iam'] == '4' else 1)
PY
check "the long CSV has a review row per criterion reviewed, with the comment" py "$tmp/long.out" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline='')) if r['kind'] == 'review']
got = sorted((r['student_id'], r['item_id'], r['mark'], r['response']) for r in rows)
want = [('learner-003', 'error-handling', '4', 'DLQ added after the review'),
        ('learner-003', 'monitoring', '2', 'no alarm on errors'),
        ('learner-004', 'iam', '1', 'one role for everything, with *')]
sys.exit(0 if got == want else 1)
PY
check "xAPI carries each review as scored, with the comment and the trainer" py "$tmp/xapi.out" <<'PY'
import json, sys
st = [json.loads(l) for l in open(sys.argv[1])]
rv = [s for s in st if s['verb']['display']['en-US'] == 'scored' and '/project/final-project/' in s['object']['id']]
ok = len(rv) == 3 and all(s['context'].get('instructor', {}).get('account') for s in rv)
ok = ok and any(s['result']['score']['raw'] == 4 and 'DLQ added' in json.dumps(s['result']) for s in rv)
# Each criterion is named and described as the rubric names it, not by its id.
iam = [s['object']['definition'] for s in rv if s['object']['id'].endswith('/iam')]
ok = ok and iam and iam[0]['name']['en-US'] == 'IAM least privilege' and \
    iam[0]['description']['en-US'].startswith('Do the grants match what the code does')
sys.exit(0 if ok else 1)
PY
if [ -f "$root/tests/xapi/node_modules/xapi-validation/package.json" ] && command -v node >/dev/null; then
	node "$root/tests/xapi/validate.js" <"$tmp/xapi.out" >"$tmp/validate.out" 2>&1
	check "xapi-validation accepts every statement, reviews included" [ $? -eq 0 ]
fi
total=$(wc -l <"$tmp/xapi.out")

# The LRS.
start_stub --auth k1:s3cret
"$tutor" export --class "$class" --lrs "$url" --auth k1:s3cret --batch 40 \
	--lrs-ledger "$tmp/ledger" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "every statement reaches the LRS, which validated each" \
	[ $rc -eq 0 ] && [ "$(state | field stored)" -eq "$total" ]
check "in batches of 40" [ "$(state | field posts)" -eq $(((total + 39) / 40)) ]
check "the ledger holds every id once" [ "$(sort -u "$tmp/ledger" | wc -l)" -eq "$total" ]
"$tutor" export --class "$class" --lrs "$url" --auth k1:s3cret --lrs-ledger "$tmp/ledger" \
	>"$tmp/out2" 2>&1
check "a second run sends nothing twice" \
	[ $? -eq 0 ] && [ "$(state | field requests)" -eq $(((total + 39) / 40)) ] &&
	grep -q "0 sent now, $total sent before" "$tmp/out2"
"$tutor" review "$class" learner-005 code-docs 3 "README explains the deploy" >/dev/null 2>&1
"$tutor" export --class "$class" --lrs "$url" --auth k1:s3cret --lrs-ledger "$tmp/ledger" \
	>"$tmp/out3" 2>&1
check "a new review is the only statement sent next time" \
	[ $? -eq 0 ] && [ "$(state | field stored)" -eq $((total + 1)) ] &&
	grep -q "1 sent now" "$tmp/out3"
"$tutor" export --class "$class" --lrs "$url" --auth k1:wrong --lrs-ledger "$tmp/ledger2" \
	>/dev/null 2>"$tmp/err"
check "wrong credentials: exit 1, one line naming --auth, nothing in the ledger" \
	[ $? -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- '--auth' "$tmp/err" &&
	[ ! -s "$tmp/ledger2" ]
curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-u k1:s3cret --data "[$(head -1 "$tmp/xapi.out")]" "$url/statements" >"$tmp/code"
check "the LRS itself refuses a request without the version header" [ "$(cat "$tmp/code")" = 400 ]
stop_stub

start_stub --fail-first 2
"$tutor" export --class "$class" --lrs "$url" --lrs-ledger "$tmp/ledger3" --lrs-timeout 2 \
	>"$tmp/out" 2>"$tmp/err"
check "503s are retried until the LRS takes the statements" \
	[ $? -eq 0 ] && [ "$(state | field stored)" -eq $((total + 1)) ]
stop_stub

start_stub --hang-first 1
"$tutor" export --class "$class" --lrs "$url" --lrs-ledger "$tmp/ledger4" --lrs-timeout 0.5 \
	>"$tmp/out" 2>"$tmp/err"
check "a request the LRS does not answer in time is retried" \
	[ $? -eq 0 ] && [ "$(state | field stored)" -eq $((total + 1)) ]
stop_stub

bad=$(sed -n '7s/^{"id":"\([^"]*\)".*/\1/p' "$tmp/xapi.out")
conflict=$(sed -n '20s/^{"id":"\([^"]*\)".*/\1/p' "$tmp/xapi.out")
start_stub --reject-id "$bad" --seed-conflict "$conflict"
"$tutor" export --class "$class" --lrs "$url" --lrs-ledger "$tmp/ledger5" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a refused statement and a conflict are named, the rest of their batch is stored" \
	[ $rc -eq 1 ] && [ "$(state | field stored)" -eq $((total - 1)) ] &&
	grep -q "$bad" "$tmp/err" && grep -q "$conflict.*different statement" "$tmp/err" &&
	[ "$(wc -l <"$tmp/err")" -eq 2 ]
check "neither is in the ledger; both are set aside, with why, beside it" \
	[ "$(wc -l <"$tmp/ledger5")" -eq $((total - 1)) ] && ! grep -q "$bad" "$tmp/ledger5" &&
	grep -q "^$bad [0-9a-f]\{64\} HTTP 400: " "$tmp/ledger5.refused" &&
	grep -q "^$conflict [0-9a-f]\{64\} HTTP 409: " "$tmp/ledger5.refused" &&
	[ "$(stat -c %a "$tmp/ledger5.refused")" = 600 ]
offered() { state | python3 -c "import json,sys; print(json.load(sys.stdin)['offered'].get('$1', 0))"; }
before_bad=$(offered "$bad")
before_requests=$(state | field requests)
"$tutor" export --class "$class" --lrs "$url" --lrs-ledger "$tmp/ledger5" >"$tmp/out" 2>"$tmp/err"
check "the next run sends neither again, says nothing of them on stderr and exits 0" \
	[ $? -eq 0 ] && [ "$(offered "$bad")" -eq "$before_bad" ] &&
	[ "$(state | field requests)" -eq "$before_requests" ] && [ ! -s "$tmp/err" ] &&
	grep -q " 0 refused, 2 set aside (refused before), 0 kept" "$tmp/out"
# A statement whose content changed is another statement: it is offered again.
grep "\"id\":\"$bad\"" "$tmp/xapi.out" | sed 's/"platform":"[^"]*"/"platform":"changed"/' \
	>"$tmp/changed.jsonl"
"$tutor" export --merge "$tmp/changed.jsonl" --lrs "$url" --lrs-ledger "$tmp/ledger5" \
	>"$tmp/out" 2>"$tmp/err"
check "a set-aside statement whose content changed is offered again, and refused once more" \
	[ $? -eq 1 ] && [ "$(offered "$bad")" -eq $((before_bad + 1)) ] && grep -q "$bad" "$tmp/err"
stop_stub

# An LRS that is down: nothing is lost, the next run sends everything.
start_stub
port=$(cat "$tmp/port")
stop_stub
"$tutor" export --class "$class" --lrs "http://127.0.0.1:$port/xapi" --lrs-ledger "$tmp/ledger6" \
	--lrs-timeout 0.3 >"$tmp/out" 2>"$tmp/err"
check "an LRS that cannot be reached: exit 1, every statement kept for the next run" \
	[ $? -eq 1 ] && grep -q "$((total + 1)) kept for the next run" "$tmp/out" &&
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/ledger6" ]
start_stub
"$tutor" export --class "$class" --lrs "$url" --lrs-ledger "$tmp/ledger6" >"$tmp/out" 2>"$tmp/err"
check "once it is back, the next run sends them all" \
	[ $? -eq 0 ] && [ "$(state | field stored)" -eq $((total + 1)) ]
"$tutor" export --merge "$tmp/xapi.out" --lrs "$url" --lrs-ledger "$tmp/ledger7" >"$tmp/out" 2>&1
check "a file exported before is sent too; the LRS stores nothing twice" \
	[ $? -eq 0 ] && [ "$(state | field stored)" -eq $((total + 1)) ] &&
	[ "$(state | field duplicates)" -eq "$total" ]
stop_stub
"$tutor" export --class "$class" --format wide --lrs "$url" >/dev/null 2>"$tmp/err"
check "--lrs with another format is refused in one line" \
	[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]
for bad_url in "http://127.0.0.1:" "http://127.0.0.1:/xapi" "http://:8080/xapi" \
	"http://127.0.0.1:99999/xapi" "http://127.0.0.1:80a/xapi" "http://k:s@127.0.0.1/xapi" \
	"ftp://127.0.0.1/xapi" "http://" "http://[::1/xapi" "http://lrs example/xapi" \
	"http://127.0.0.1/xapi?x=1" "127.0.0.1:8080"; do
	"$tutor" export --class "$class" --lrs "$bad_url" --lrs-ledger "$tmp/ledger8" \
		>/dev/null 2>"$tmp/err"
	check "--lrs '$bad_url' is refused in one line, before anything is sent" \
		[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- "--lrs" "$tmp/err" &&
		[ ! -e "$tmp/ledger8" ]
done

echo "1..$n"
exit $failed
