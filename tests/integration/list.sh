#!/bin/sh
# lambda-tutor list over the real course: progress read from records written by the store,
# the same in --json, records never created or changed, and one-line errors for bad files.
#
#   list.sh LAMBDA_TUTOR STORE_HELPER SOURCE_ROOT
set -u
tutor=$1
helper=$2
root=$3
tmp=$(mktemp -d /tmp/list-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LC_ALL=C.UTF-8
unset LAMBDA_TUTOR_DB LAMBDA_TUTOR_COURSE
export XDG_DATA_HOME="$tmp/data"
course="$root/lessons"
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
has() { grep -qF -- "$1" "$2"; }
lines() { [ "$(wc -l <"$2")" -eq "$1" ]; }

list() { "$tutor" list --course "$course" --learner ada "$@" >"$tmp/out" 2>"$tmp/err"; }

list
check "exits 0 without records" [ $? -eq 0 ]
check "says nothing was viewed" has "Progress: nothing viewed yet" "$tmp/out"
check "starts from the first page" has "Start: 1. " "$tmp/out"
check "lists six modules" [ "$(grep -cE '^ [1-6]\. ' "$tmp/out")" -eq 6 ]
check "shows minutes" has "20 min" "$tmp/out"
check "does not create a record file" [ ! -e "$XDG_DATA_HOME/lambda-tutor" ]

db="$XDG_DATA_HOME/lambda-tutor/ada.db"
"$helper" view "$db" core-concepts what-is-lambda
"$helper" view "$db" core-concepts function-anatomy 0000-not-the-current-hash
"$helper" view "$db" removed-module some-page
"$helper" view "$db" event-sources s3-events
cp "$db" "$tmp/before.db"

list
check "exits 0 with records" [ $? -eq 0 ]
check "counts the pages viewed" has "Progress: 3 of " "$tmp/out"
check "continues from the last page viewed" grep -qE '^Continue: 3\. .* › ' "$tmp/out"
check "ticks viewed pages" [ "$(grep -c '✓' "$tmp/out")" -eq 3 ]
check "counts per module" has "2 of 10 pages viewed" "$tmp/out"
check "gives each module's core path in minutes" grep -qE '^    20 min, core path 20 min' "$tmp/out"
check "lists the exercises with their state" grep -qE '^      +4 min  Exercise hello-world: .* not started$' "$tmp/out"
check "lists the quiz with its minutes" grep -qE '^      +5 min  Quiz core-concepts: .* not taken$' "$tmp/out"
check "sets going-further items apart" grep -qE '^    Going further \([0-9]+ min, outside the core path\)$' "$tmp/out"
check "names the next unfinished item of the core path" grep -qE '^Next unfinished: 1\. .* page Exercise: Hello World$' "$tmp/out"
check "marks a page that changed since it was read" has "(updated since you read it)" "$tmp/out"
check "marks where the learner is" has "you are here" "$tmp/out"
check "does not change the records" cmp -s "$db" "$tmp/before.db"

db2="$XDG_DATA_HOME/lambda-tutor/bo.db"
"$helper" view "$db2" core-concepts what-is-lambda
"$helper" view "$db2" core-concepts a-page-since-removed
"$tutor" list --course "$course" --learner bo >"$tmp/out" 2>"$tmp/err"
check "a last page since removed from the course is not where to continue" \
	grep -qE '^Next: 1\. .* › Exercise: Hello World' "$tmp/out"

mkdir "$tmp/class"
cp "$db" "$tmp/class/ada.db"
"$tutor" list --course "$course" --class "$tmp/class" --learner ada >"$tmp/out" 2>"$tmp/err"
check "--class reads the learner's file in the class directory" has "Progress: 3 of " "$tmp/out"

list --short
check "--short lists modules without pages" [ "$(grep -c '✓' "$tmp/out")" -eq 0 ]
check "--short still shows the progress" has "2 of 10 pages viewed" "$tmp/out"

# A failing run, a passing one and a solution seen first, as the tutor and `check` record them.
"$helper" event "$db" check_run core-concepts hello-world \
	'{"status":"failed","language":"python","passed":1,"total":3,"tasks":[{"id":"greeting","text":"Greet","pass":false}]}'
"$helper" event "$db" solution first-function calculator '{"reason":"requested before passing"}'
"$helper" event "$db" check_run first-function calculator \
	'{"status":"passed","language":"nodejs","passed":6,"total":6,"tasks":[]}'
list
check "a failing exercise names its failing task" grep -qE 'Exercise hello-world: .* failing: greeting · python, last check 20[0-9-]+ [0-9:]+$' "$tmp/out"
check "a pass after the solution says so" grep -qE 'Exercise calculator: .* passed after seeing the solution · nodejs' "$tmp/out"
nex=$(find "$course" -name exercise.yaml | wc -l)
check "exercises passed count in the progress" has "1 of $nex exercises passed" "$tmp/out"
cp "$db" "$tmp/before.db"

list --json
check "--json exits 0" [ $? -eq 0 ]
check "--json is the same data" python3 - "$tmp/out" "$nex" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
mods = d["modules"]
assert len(mods) == 6 and sum(m["minutes"] for m in mods) == d["course"]["minutes"] == 120
assert d["progress"]["pages_viewed"] == 3
assert d["progress"]["pages_total"] == sum(m["pages_total"] for m in mods)
assert mods[0]["pages_viewed"] == 2 and mods[0]["pages"][0]["viewed"]
page = {p["id"]: p for p in mods[0]["pages"]}
assert page["function-anatomy"]["changed_since_viewed"] and not page["what-is-lambda"]["changed_since_viewed"]
assert page["runtimes"]["further"] and not page["what-is-lambda"]["further"]
assert all(p["minutes"] >= 1 for p in mods[0]["pages"])
for m in mods:
    assert m["core_minutes"] <= m["minutes"], m["id"]
    assert [q["id"] for q in m["quizzes"]] == [m["core_path"][-1]["id"]]
ex = {e["id"]: e for m in mods for e in m["exercises"]}
assert len(ex) == int(sys.argv[2]) and ex["order-failures"]["further"] and not ex["items-api"]["further"]
assert ex["order-totals"]["further"] and ex["order-totals"]["minutes"] == 8
assert ex["custom-runtime"]["further"] and not ex["shared-layer"]["further"]
assert ex["hello-world"]["state"] == "failing" and ex["hello-world"]["failing_task"]["id"] == "greeting"
assert ex["hello-world"]["language"] == "python" and ex["hello-world"]["last_check"]["total"] == 3
assert ex["calculator"]["state"] == "passed" and ex["calculator"]["solution_before_pass"]
assert ex["items-api"]["state"] == "not started" and ex["items-api"]["last_check"] is None
assert [c["kind"] for c in mods[0]["core_path"]] == ["page", "page", "exercise", "exercise", "page", "page", "quiz"]
assert d["next"]["kind"] == "page" and d["next"]["id"] == "exercise-hello-world"
assert d["progress"]["exercises_passed"] == 1 and d["progress"]["quizzes_total"] == 6
assert d["position"]["module"] == "event-sources" and d["position"]["resumed"]
assert d["records"]["exists"]
PY

printf 'SQLite format 3\000 and then nothing but garbage, garbage, garbage ...' >"$tmp/bad.db"
head -c 4096 /dev/urandom >>"$tmp/bad.db"
list --db "$tmp/bad.db"
check "a corrupt record file exits 2" [ $? -eq 2 ]
check "with one line naming the file" has "is corrupt or not a database" "$tmp/err"
check "only one line" lines 1 "$tmp/err"

python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("create table t(x)"); c.commit()' "$tmp/other.db"
list --db "$tmp/other.db"
check "a foreign SQLite file exits 2" [ $? -eq 2 ]
check "and is named as not ours" has "is not a lambda-tutor record file" "$tmp/err"

"$tutor" list --course "$tmp/nowhere" >"$tmp/out" 2>"$tmp/err"
check "a missing course exits 2" [ $? -eq 2 ]
check "with one line" lines 1 "$tmp/err"

mkdir "$tmp/course"
for d in lessons quizzes scenarios; do
	[ -d "$root/$d" ] && cp -r "$root/$d" "$tmp/course/"
done
printf 'colour: blue\n' >>"$tmp/course/lessons/02-first-function/module.yaml"
"$tutor" list --course "$tmp/course/lessons" >"$tmp/out" 2>"$tmp/err"
check "a course that does not lint exits 1" [ $? -eq 1 ]
check "printing its problems located" grep -qE 'module\.yaml:[0-9]+:[0-9]+: .*colour' "$tmp/err"

"$tutor" list --help >"$tmp/out" 2>&1
check "--help explains the command" has "Usage: lambda-tutor list" "$tmp/out"
"$tutor" list --bogus >"$tmp/out" 2>"$tmp/err"
check "an unknown option exits 2" [ $? -eq 2 ]

echo "1..$n"
exit $failed
