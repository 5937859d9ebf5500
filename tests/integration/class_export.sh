#!/bin/sh
# A simulated class of 200 learners (tests/gen_class.c writes their records as the tutor does):
# the trainer's dashboard against the generator's truth, files that are corrupt, half-written,
# locked or missing, every export format (xAPI checked by npm's xapi-validation when
# tests/xapi has it installed, else by the structural rules of xAPI 1.0.3 written below),
# stable statement ids, merging, and names that would break a careless CSV.
#
#   class_export.sh LAMBDA_TUTOR GEN_CLASS SOURCE_ROOT
set -u
tutor=$1
gen=$2
root=$3
tmp=$(mktemp -d /tmp/class-export.XXXXXX)
lock_pid=
trap '[ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
export LC_ALL=C.UTF-8 LAMBDA_TUTOR_COURSE="$root/lessons"
unset LAMBDA_TUTOR_DB
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is needed to read the exports"; exit 0; }
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

class="$tmp/class"
now=1790000000000
"$gen" "$class" 200 7 "$now" >"$tmp/truth.json" 2>"$tmp/gen.err"
check "the generator wrote 200 learner files" [ "$(ls "$class" | grep -c '\.db$')" -eq 200 ]

"$tutor" trainer "$class" --once --json --now "$now" >"$tmp/dash.json" 2>"$tmp/err"
check "the dashboard prints JSON" [ $? -eq 0 ]
check "every learner's module, page, failed checks, hints, hand and state match the truth" \
	py "$tmp/truth.json" "$tmp/dash.json" <<'PY'
import json, sys
truth = {l['id']: l for l in json.load(open(sys.argv[1]))['learners']}
dash = {l['id']: l for l in json.load(open(sys.argv[2]))['learners']}
bad = [(i, k, t[k], dash[i][k]) for i, t in truth.items()
       for k in ('module', 'page', 'failed_checks', 'hints', 'hand', 'state') if dash[i][k] != t[k]]
for b in bad[:5]:
    print('# %s %s: want %r, got %r' % b)
states = {s: sum(1 for t in truth.values() if t['state'] == s) for s in ('active', 'idle', 'stuck', 'done')}
print('# states in the truth: %r' % states)
sys.exit(1 if bad or len(dash) != 200 or min(states.values()) == 0 else 0)
PY
check "the heat map counts every learner once" py "$tmp/dash.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if sum(sum(v for k, v in m.items() if k != 'module') for m in d['heat']) == 200 else 1)
PY
# The live question panel: recomputed here from the files, with the options' text.
question=$(python3 -c '
import glob, json, sqlite3, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.db")):
    for (d,) in sqlite3.connect(f).execute("select data from events where kind = \"quiz_try\" order by id"):
        print(json.loads(d)["question"]); sys.exit(0)
' "$class")
"$tutor" trainer "$class" --once --json --now "$now" --question "$question" >"$tmp/q.json" 2>"$tmp/err"
check "the question panel shows the text, each answer's share and who has not answered" \
	py "$class" "$tmp/q.json" "$question" <<'PY'
import collections, glob, json, os, sqlite3, sys
cls, dash, q = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
want, waiting = collections.Counter(), []
for f in sorted(glob.glob(cls + "/*.db")):
    # A question can be drawn by two quizzes (a module's and the final check): the learner's
    # first answer is the last try of the first quiz attempt that holds it.
    tries = [(item, json.loads(d)) for (item, d) in sqlite3.connect(f).execute(
        "select item, data from events where kind = 'quiz_try' order by id")]
    tries = [(item, t) for (item, t) in tries if t["question"] == q]
    if not tries:
        waiting.append(os.path.basename(f)[:-3])
        continue
    first = (tries[0][0], tries[0][1]["attempt"])
    want[[t for (item, t) in tries if (item, t["attempt"]) == first][-1]["response"]] += 1
a = dash["answers"]
got = {r["response"]: r["count"] for r in a["responses"]}
pct = sum(r["percent"] for r in a["responses"])
print("# %s: %s; %d answered, %d waiting, %s" % (q, " ".join(a["text"].split())[:60],
      a["answered"], len(a["not_answered"]),
      [(r.get("label"), r["count"], r["percent"]) for r in a["responses"]][:3]))
labelled = all(r.get("label") for r in a["responses"]) or all(
    not r.get("label") for r in a["responses"])
sys.exit(0 if got == dict(want) and a["text"] and abs(pct - 100) < 0.5 and labelled
         and a["answered"] == sum(want.values()) and sorted(a["not_answered"]) == sorted(waiting)
         else 1)
PY
check "the hands queue lists the hands up" py "$tmp/truth.json" "$tmp/dash.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))['learners']
d = json.load(open(sys.argv[2]))
sys.exit(0 if sorted(d['hands']) == sorted(l['id'] for l in t if l['hand']) else 1)
PY

# Files the dashboard must survive: corrupt, half-written, locked, missing.
head -c 8192 /dev/urandom >"$class/zz-corrupt.db"
# Cut in the middle: the pages past it are referenced, so reading them fails (a cut near the end
# may fall in a page's free space, which a reader never notices).
size=$(wc -c <"$class/learner-010.db")
head -c $((size / 2 + 100)) "$class/learner-010.db" >"$class/zz-half.db"
ln -s "$tmp/nowhere.db" "$class/zz-missing.db"
cp "$class/learner-011.db" "$class/zz-locked.db"
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA locking_mode=EXCLUSIVE"); c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True); time.sleep(60)' "$class/zz-locked.db" >"$tmp/lock.out" &
lock_pid=$!
i=0
while ! grep -q locked "$tmp/lock.out" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$tutor" trainer "$class" --once --json --now "$now" >"$tmp/dash2.json" 2>"$tmp/err"
check "the dashboard still works beside broken files" [ $? -eq 0 ]
check "each broken file is shown as what it is, the rest still counted" py "$tmp/dash2.json" <<'PY'
import json, sys
d = {l['id']: l for l in json.load(open(sys.argv[1]))['learners']}
want = {'zz-corrupt': 'corrupt', 'zz-half': 'corrupt', 'zz-missing': 'missing', 'zz-locked': 'locked'}
bad = [(k, v, d.get(k, {}).get('file')) for k, v in want.items() if d.get(k, {}).get('file') != v]
for b in bad:
    print('# %s: want %s, got %s' % b)
ok = not bad and all(d[k]['state'] == 'unreadable' for k in want) and len(d) == 204
ok = ok and sum(1 for l in d.values() if l['file'] == 'ok') == 200
sys.exit(0 if ok else 1)
PY
kill "$lock_pid" 2>/dev/null
wait "$lock_pid" 2>/dev/null
lock_pid=
rm -f "$class"/zz-*

# Exports.
for f in grades wide long items xapi; do
	"$tutor" export --class "$class" --format $f --out "$tmp/$f.out" 2>"$tmp/$f.err"
	check "export --format $f exits 0" [ $? -eq 0 ]
done
check "grades.csv has nbgrader's columns and one row per assignment and learner" \
	py "$tmp/grades.out" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
head = 'assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,late_submission_penalty,score,max_score'
assignments = {r[0] for r in rows[1:]}
sys.exit(0 if ','.join(rows[0]) == head and len(rows) - 1 == 200 * len(assignments) and len(assignments) > 5 else 1)
PY
check "names with quotes, commas, newlines and formulas survive and are neutralised" \
	py "$tmp/grades.out" "$tmp/wide.out" <<'PY'
import csv, sys
ok = True
for path in sys.argv[1:]:
    for r in csv.reader(open(path, newline='')):
        for cell in r:
            if cell[:1] in ('=', '+', '-', '@', '\t', '\r'):
                print('# live formula in %s: %r' % (path, cell)); ok = False
wide = {r[0]: r for r in csv.reader(open(sys.argv[2], newline=''))}
ok = ok and wide['learner-000'][1] == 'O\'Brien, "Bobby"'
ok = ok and wide['learner-001'][1] == '\'=HYPERLINK("http://x","y")'
ok = ok and wide['learner-002'][1] == 'Ana\nNewline'
sys.exit(0 if ok else 1)
PY
check "the wide CSV has a max row and one row per learner" py "$tmp/wide.out" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
ok = rows[1][0] == '(max)' and len(rows) == 202 and all(len(r) == len(rows[0]) for r in rows)
ok = ok and any(c.startswith('q:') for c in rows[0]) and any(c.startswith('ex:') for c in rows[0])
sys.exit(0 if ok else 1)
PY
check "the long CSV has one row per try and per check run in the records" \
	py "$tmp/long.out" "$class" <<'PY'
import csv, glob, sqlite3, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))[1:]
want = 0
for f in glob.glob(sys.argv[2] + '/*.db'):
    c = sqlite3.connect('file:%s?mode=ro' % f, uri=True)
    want += c.execute("select count(*) from events where kind in ('quiz_try','check_run')").fetchone()[0]
    c.close()
print('# %d rows, %d events' % (len(rows), want))
sys.exit(0 if len(rows) == want else 1)
PY
check "item statistics cover every quiz question attempted" py "$tmp/items.out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
ok = len(rows) > 20 and all(0 <= float(r['facility']) <= 100 for r in rows if r['facility'])
sys.exit(0 if ok else 1)
PY

"$tutor" export --class "$class" --format xapi >"$tmp/xapi2.out"
check "a second xAPI export is the same, statement ids included" cmp -s "$tmp/xapi.out" "$tmp/xapi2.out"
check "every statement id is unique" py "$tmp/xapi.out" <<'PY'
import json, sys
ids = [json.loads(l)['id'] for l in open(sys.argv[1])]
sys.exit(0 if len(ids) == len(set(ids)) and len(ids) > 1000 else 1)
PY
if [ -f "$root/tests/xapi/node_modules/xapi-validation/package.json" ] && command -v node >/dev/null; then
	node "$root/tests/xapi/validate.js" <"$tmp/xapi.out" >"$tmp/validate.out" 2>&1
	check "xapi-validation accepts every statement" [ $? -eq 0 ]
	sed 's/^/# /' "$tmp/validate.out" | tail -5
else
	echo "# xapi-validation is not installed (npm install --prefix tests/xapi): structural check only"
fi
check "every statement keeps xAPI 1.0.3's structural rules" py "$tmp/xapi.out" <<'PY'
import json, re, sys
uuid = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')
iri = re.compile(r'^[a-z][a-z0-9+.-]*:\S+$')
ts = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$')
dur = re.compile(r'^PT(\d+(\.\d+)?S)$')
kinds = {'true-false', 'choice', 'fill-in', 'long-fill-in', 'matching', 'performance', 'sequencing', 'likert', 'numeric', 'other'}
bad = 0
for n, line in enumerate(open(sys.argv[1]), 1):
    s = json.loads(line)
    errs = []
    if not uuid.match(s.get('id', '')): errs.append('id')
    a = s.get('actor', {})
    if a.get('objectType') != 'Agent' or not iri.match(a.get('account', {}).get('homePage', '')) or not a['account'].get('name'): errs.append('actor')
    v = s.get('verb', {})
    if not iri.match(v.get('id', '')) or not isinstance(v.get('display', {}).get('en-US'), str): errs.append('verb')
    o = s.get('object', {})
    if o.get('objectType') != 'Activity' or not iri.match(o.get('id', '')): errs.append('object')
    d = o.get('definition', {})
    if d.get('type', '').endswith('cmi.interaction') and d.get('interactionType') not in kinds: errs.append('interactionType')
    r = s.get('result')
    if r:
        sc = r.get('score')
        if sc and not (-1 <= sc['scaled'] <= 1 and sc['min'] <= sc['raw'] <= sc['max'] and sc['min'] < sc['max']): errs.append('score')
        if 'duration' in r and not dur.match(r['duration']): errs.append('duration')
    c = s.get('context', {})
    if 'registration' in c and not uuid.match(c['registration']): errs.append('registration')
    for k, acts in c.get('contextActivities', {}).items():
        if not isinstance(acts, list) or not all(iri.match(x.get('id', '')) for x in acts): errs.append(k)
    if not ts.match(s.get('timestamp', '')): errs.append('timestamp')
    if errs:
        bad += 1
        if bad < 5: print('# line %d: %s' % (n, ', '.join(errs)))
sys.exit(1 if bad else 0)
PY
check "quiz answers carry their interaction's components, pattern and an xAPI response" \
	py "$tmp/xapi.out" <<'PY'
import json, re, sys
num = re.compile(r'^-?\d+(\.\d+)?([eE][-+]?\d+)?$')
seen, bad, runs, completed = set(), 0, {}, set()
def ids(d, key): return {c['id'] for c in d.get(key, [])}
for line in open(sys.argv[1]):
    s = json.loads(line)
    d, r, verb = s['object'].get('definition', {}), s.get('result', {}), s['verb']['display']['en-US']
    kind, resp, errs = d.get('interactionType'), r.get('response'), []
    if verb == 'answered':
        seen.add(kind)
        pats = d.get('correctResponsesPattern')
        if not pats or not all(isinstance(p, str) for p in pats): errs.append('pattern')
        if not d.get('description', {}).get('en-US'): errs.append('description')
        if kind in ('choice', 'sequencing'):
            ok = set(resp.split('[,]')) <= ids(d, 'choices') if resp else True
            if not d.get('choices') or not ok: errs.append('choices')
        elif kind == 'matching':
            pairs = [p.split('[.]') for p in resp.split('[,]')] if resp else []
            if not all(len(p) == 2 and p[0] in ids(d, 'source') and p[1] in ids(d, 'target') for p in pairs): errs.append('matching')
        elif kind == 'true-false':
            if resp not in ('true', 'false') or pats[0] not in ('true', 'false'): errs.append('true-false')
        elif kind == 'numeric':
            if not all(all(num.match(x) for x in p.split('[:]') if x) for p in pats): errs.append('numeric pattern')
        elif kind != 'fill-in':
            errs.append('type %s' % kind)
    elif verb in ('passed', 'failed') and s['object']['id'].split('/')[-2] == 'exercise':
        if kind != 'performance' or 'duration' not in r or r.get('completion') != (verb == 'passed'): errs.append('exercise')
        if verb == 'passed': runs.setdefault(s['object']['id'], s['actor']['account']['name'])
    elif verb == 'completed':
        completed.add((s['object']['id'], s['actor']['account']['name']))
    if errs:
        bad += 1
        if bad < 5: print('# %s: %s' % (s['object']['id'], ', '.join(errs)))
want = {'choice', 'true-false', 'numeric', 'fill-in', 'matching', 'sequencing'}
print('# interaction types seen: %s' % sorted(seen))
sys.exit(1 if bad or not want <= seen or not completed else 0)
PY
check "every activity has the course's name and a description, not its id" \
	py "$tmp/xapi.out" "$root" <<'PY'
import glob, json, os, re, sys
root = sys.argv[2]
def title(path):
    for line in open(path):
        m = re.match(r'^title: *"?(.*?)"? *$', line)
        if m: return m.group(1)
want = {}
for f in glob.glob(os.path.join(root, 'lessons/*/exercises/*/exercise.yaml')):
    want['exercise/' + os.path.basename(os.path.dirname(f))] = title(f)
for f in glob.glob(os.path.join(root, 'quizzes/*.yaml')):
    want['quiz/' + os.path.basename(f)[:-5]] = title(f)
bad, named = 0, set()
for line in open(sys.argv[1]):
    s = json.loads(line)
    o = s['object']
    d, tail = o['definition'], o['id'].split('/xapi/', 1)[1].split('/', 1)[1]
    name = d.get('name', {}).get('en-US', '')
    desc = d.get('description', {}).get('en-US', '')
    errs = []
    if not name or name == tail.rsplit('/', 1)[-1]: errs.append('name %r' % name)
    if not desc: errs.append('no description')
    if tail in want:
        named.add(tail)
        if name != want[tail]: errs.append('name %r, the course says %r' % (name, want[tail]))
    if errs:
        bad += 1
        if bad < 5: print('# %s: %s' % (o['id'], '; '.join(errs)))
print('# %d exercises and quizzes checked against their files' % len(named))
sys.exit(1 if bad or len(named) < 8 else 0)
PY

# Merging: two overlapping exports give each statement and each row once.
"$tutor" export --format xapi "$class/learner-003.db" "$class/learner-004.db" >"$tmp/part1.jsonl"
"$tutor" export --format xapi "$class/learner-004.db" "$class/learner-005.db" >"$tmp/part2.jsonl"
"$tutor" export --format xapi "$class/learner-003.db" "$class/learner-004.db" "$class/learner-005.db" >"$tmp/all3.jsonl"
"$tutor" export --merge "$tmp/part1.jsonl" "$tmp/part2.jsonl" >"$tmp/merged.jsonl"
check "merged xAPI exports hold each statement once" [ "$(sort "$tmp/merged.jsonl" | md5sum)" = "$(sort "$tmp/all3.jsonl" | md5sum)" ]
"$tutor" export --format long "$class/learner-003.db" "$class/learner-004.db" >"$tmp/l1.csv"
"$tutor" export --format long "$class/learner-004.db" "$class/learner-005.db" >"$tmp/l2.csv"
"$tutor" export --format long "$class/learner-003.db" "$class/learner-004.db" "$class/learner-005.db" >"$tmp/l3.csv"
"$tutor" export --merge "$tmp/l1.csv" "$tmp/l2.csv" >"$tmp/lm.csv"
check "merged long CSVs hold each row once" [ "$(sort "$tmp/lm.csv" | md5sum)" = "$(sort "$tmp/l3.csv" | md5sum)" ]
"$tutor" export --merge "$tmp/l1.csv" "$tmp/grades.out" >/dev/null 2>"$tmp/err"
check "merging CSVs of different formats is refused in one line" \
	[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]
"$tutor" export --class "$class" --format nonsense >/dev/null 2>"$tmp/err"
check "an unknown format is refused in one line" [ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]

# A record names an exercise the course does not have (a forged or stale record): every
# export marks its runs and credits nothing for them, and says so once on stderr.
mkdir "$tmp/odd"
cp "$class/learner-003.db" "$class/learner-004.db" "$tmp/odd/"
python3 - "$tmp/odd/learner-003.db" "$(dirname "$0")" <<'PY'
import json, sqlite3, sys, time
sys.path.insert(0, sys.argv[2])
import record_chain
con = sqlite3.connect(sys.argv[1])
run = {"exercise": "made-up", "module": "core-concepts", "status": "passed", "passed": 9, "total": 9, "tasks": []}
record_chain.append(con, int(time.time() * 1000), "check_run", "core-concepts", "made-up", json.dumps(run))
con.commit()
PY
for f in grades wide long xapi; do
	"$tutor" export --class "$tmp/odd" --format $f --out "$tmp/odd.$f" 2>"$tmp/odd.$f.err"
done
check "each export says once that a run names an exercise the course lacks" \
	sh -c 'for f in grades wide long xapi; do [ "$(wc -l <"$1/odd.$f.err")" -eq 1 ] &&
		grep -q "1 check run names exercises the course does not have (.made-up.)" "$1/odd.$f.err" || exit 1; done' _ "$tmp"
"$tutor" export --class "$tmp/odd" --format items >/dev/null 2>"$tmp/odd.items.err"
check "the item statistics, which hold no exercise, say nothing of it" [ ! -s "$tmp/odd.items.err" ]
check "grades, wide and long mark it and credit nothing; xAPI makes no statement of it" \
	py "$tmp" <<'PY'
import csv, json, sys
d = sys.argv[1]
bad = []
g = [r for r in csv.DictReader(open(d + '/odd.grades', newline='')) if 'made-up' in r['assignment']]
if not g or not all(r['assignment'] == 'made-up (not in the course)' and float(r['raw_score']) == 0 for r in g):
    bad.append('grades %r' % g)
w = list(csv.DictReader(open(d + '/odd.wide', newline='')))
col = 'ex:made-up (not in the course)'
if col not in w[0] or 'ex:made-up' in w[0] or \
        not all(r[col] in ('', '0') for r in w if r['student_id'] != '(max)'):
    bad.append('wide %r' % [(r['student_id'], r.get(col)) for r in w])
l = [r for r in csv.DictReader(open(d + '/odd.long', newline='')) if r['item_id'] == 'made-up']
if len(l) != 1 or l[0]['response'] != 'not in the course' or float(l[0]['mark']) != 0:
    bad.append('long %r' % l)
if any('/exercise/made-up' in line for line in open(d + '/odd.xapi')):
    bad.append('xapi')
for b in bad: print('# ' + b[:300])
sys.exit(1 if bad else 0)
PY
"$tutor" grade --class "$tmp/odd" --json >"$tmp/odd.grade" 2>"$tmp/err"
check "grade --class names the run of an exercise the course lacks as not reproduced" \
	[ $? -eq 1 ] && py "$tmp/odd.grade" <<'PY'
import json, sys
v = [x for x in json.load(open(sys.argv[1])) if x['exercise'] == 'made-up']
sys.exit(0 if len(v) == 1 and v[0]['reproduced'] is False and v[0]['learner'] == 'learner-003'
         and "no exercise 'made-up'" in v[0]['why'] and v[0]['recorded'] == 'passed 9/9' else 1)
PY

"$tutor" stats first-function --class "$class" --json >"$tmp/stats.json" 2>"$tmp/err"
check "stats analyses a quiz over the class" py "$tmp/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = s['test']
ok = t['attempts'] > 50 and s['items'] and all('facility' in i and 'responses' in i for i in s['items'])
ok = ok and t['cic'] is not None and abs(t['error_ratio'] - 100 * (1 - t['cic'] / 100) ** 0.5) < 0.01
sys.exit(0 if ok else 1)
PY
"$tutor" stats no-such-quiz --class "$class" >/dev/null 2>"$tmp/err"
check "stats on a quiz nobody took says so in one line" [ $? -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]

echo "1..$n"
exit $failed
