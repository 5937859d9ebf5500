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
check "counts per module" has "2 of 6 pages viewed" "$tmp/out"
check "marks a page that changed since it was read" has "(updated since you read it)" "$tmp/out"
check "marks where the learner is" has "you are here" "$tmp/out"
check "does not change the records" cmp -s "$db" "$tmp/before.db"

db2="$XDG_DATA_HOME/lambda-tutor/bo.db"
"$helper" view "$db2" core-concepts what-is-lambda
"$helper" view "$db2" core-concepts a-page-since-removed
"$tutor" list --course "$course" --learner bo >"$tmp/out" 2>"$tmp/err"
check "a last page since removed from the course is not where to continue" \
	grep -qE '^Next: 1\. .* › Anatomy of a function' "$tmp/out"

mkdir "$tmp/class"
cp "$db" "$tmp/class/ada.db"
"$tutor" list --course "$course" --class "$tmp/class" --learner ada >"$tmp/out" 2>"$tmp/err"
check "--class reads the learner's file in the class directory" has "Progress: 3 of " "$tmp/out"

list --short
check "--short lists modules without pages" [ "$(grep -c '✓' "$tmp/out")" -eq 0 ]
check "--short still shows the progress" has "2 of 6 pages viewed" "$tmp/out"

list --json
check "--json exits 0" [ $? -eq 0 ]
check "--json is the same data" python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
mods = d["modules"]
assert len(mods) == 6 and sum(m["minutes"] for m in mods) == d["course"]["minutes"] == 120
assert d["progress"]["pages_viewed"] == 3
assert d["progress"]["pages_total"] == sum(m["pages_total"] for m in mods)
assert mods[0]["pages_viewed"] == 2 and mods[0]["pages"][0]["viewed"]
assert mods[0]["pages"][1]["changed_since_viewed"] and not mods[0]["pages"][0]["changed_since_viewed"]
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
