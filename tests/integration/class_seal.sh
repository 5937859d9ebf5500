#!/bin/sh
# A sealed class with real Unix users: the tutor installed setgid to a seal group reads the
# class key, then drops the group; learners cannot read the key, record under another's name,
# or make a forged check run or quiz answer count. Each forgery is tried as the learner would
# (sqlite3 on their own file, another's name, a tutor without the key) and must be caught by
# the trainer's dashboard and exports. Needs root (to add the users); skips otherwise.
#
#   class_seal.sh LAMBDA_TUTOR STORE_HELPER
set -u
tutor=$1
helper=$2
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
	echo "1..0 # SKIP needs root, useradd and runuser to make learners, a trainer and a setgid tutor"
	exit 77
fi
tag=$$
group=lt-trainers-$tag
seal=lt-seal-$tag
ann=lt-ann-$tag
cy=lt-cy-$tag
ben=lt-ben-$tag
tr=lt-trainer-$tag
tr2=lt-helper-$tag
base=$(mktemp -d /tmp/class-seal.XXXXXX)
# A check starts the learner's cloud in the background; the test stops each one it started.
stop_clouds() {
	for lock in "$base"/home-*/ws/.cloud/lock; do
		[ -f "$lock" ] || continue
		pid=$(cut -d' ' -f1 "$lock")
		[ -n "$pid" ] && kill "$pid" 2>/dev/null
		i=0
		while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	done
}
cleanup() {
	stop_clouds
	for u in $ann $ben $cy $tr $tr2; do
		userdel "$u" 2>/dev/null
	done
	groupdel "$group" 2>/dev/null
	groupdel "$seal" 2>/dev/null
	rm -rf "$base"
}
trap cleanup EXIT INT TERM
groupadd "$group" && groupadd "$seal" && useradd -M -N -s /bin/sh "$ann" && useradd -M -N -s /bin/sh "$cy" &&
	useradd -M -N -s /bin/sh "$ben" && useradd -M -N -s /bin/sh -G "$group" "$tr" &&
	useradd -M -N -s /bin/sh -G "$group" "$tr2" ||
	{ echo "1..0 # SKIP cannot add users"; exit 77; }
export LC_ALL=C.UTF-8 NO_COLOR=1
unset LAMBDA_TUTOR_DB LAMBDA_TUTOR_COURSE LAMBDA_TUTOR_WORKSPACE
as() { u=$1; shift; runuser -u "$u" -- env HOME="$base/home-$u" "$@"; }
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
fails() { ! "$@" >/dev/null 2>&1; }
note() { sed 's/^/# /' "$1"; }

# The tutor as a shared host installs it: setgid to the seal group, the cloud beside it.
chmod 755 "$base"
mkdir "$base/bin"
cp "$tutor" "$base/bin/lambda-tutor"
ln -s "$(dirname "$tutor")/lambda-tutor-cloud" "$base/bin/lambda-tutor-cloud"
chgrp "$seal" "$base/bin/lambda-tutor" && chmod 2755 "$base/bin/lambda-tutor"
lt=$base/bin/lambda-tutor
for u in $ann $ben $cy $tr $tr2; do mkdir -m 700 "$base/home-$u" && chown "$u" "$base/home-$u"; done

dir="$base/class"
chmod 777 "$base"
as "$tr" "$lt" class init "$dir" --trainer-group "$group" >"$base/init.out" 2>&1
check "the trainer prepares a sealed class with the setgid tutor" [ $? -eq 0 ]
note "$base/init.out"
check "class init says it wrote the key" grep -q "class key" "$base/init.out"
check "the key is 0440 in the seal group" \
	[ "$(stat -c '%a %G' "$dir/.seal.key")" = "440 $seal" ]
check "a learner cannot read the key" fails as "$ann" cat "$dir/.seal.key"
check "nor replace it" fails as "$ann" sh -c "echo 00 >'$dir/.seal.key'"

# Ann records a real check run through the tutor: it is sealed.
record() { # record USER [OPTIONS...]: one check run of hello-world, recorded in the class
	u=$1
	shift
	as "$u" "$@" check hello-world --class "$dir" --workspace "$base/home-$u/ws" \
		>"$base/$u.out" 2>"$base/$u.err"
	rc=$?
	stop_clouds
	return $rc
}
record "$ann" "$lt"
check "a learner's check run is recorded in the class" [ -f "$dir/$ann.db" ]
check "in her own file" [ "$(stat -c '%U %G %a' "$dir/$ann.db")" = "$ann $group 640" ]
check "and sealed" [ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from events where kind=\"check_run\" and length(seal)=64").fetchone()[0])' "$dir/$ann.db")" = 1 ]

# Names: the kernel says who a learner is.
record "$ben" "$lt" --learner "$ann"
check "a learner cannot record under a classmate's name" [ "$(grep -c . "$base/$ben.err")" -ge 1 ]
check "which is refused in one line that says why" grep -q "login name" "$base/$ben.err"
record "$ben" "$lt" --learner "$tr"
check "nor under the trainer's" [ ! -f "$dir/$tr.db" ]
as "$ben" "$helper" view "$dir/$tr.db" core-concepts what-is-lambda >/dev/null 2>&1
check "a file made by hand under the trainer's name exists" [ -f "$dir/$tr.db" ]

# A tutor that cannot read the key (not setgid) writes nothing unsealed.
record "$ben" "$tutor"
check "a tutor without the key refuses to record" [ ! -f "$dir/$ben.db" ]
check "and says why" grep -q "seals its records" "$base/$ben.err"
record "$ben" "$lt"
check "ben records through the setgid tutor" [ -f "$dir/$ben.db" ]
record "$cy" "$lt"
check "so does cy, who forges nothing" [ -f "$dir/$cy.db" ]

# Forgery on her own file: a pass appended with sqlite3, a seal copied from a real event.
as "$ann" python3 - "$dir/$ann.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("""insert into events(at_ms, kind, module, item, hash, data, seal)
 select at_ms + 1000, kind, module, item, hash,
 '{"status":"passed","passed":5,"total":5,"tasks":[]}', seal from events where kind = 'check_run'""")
db.commit()
PY
check "she appends a forged pass to her own file with sqlite3" [ $? -eq 0 ]
# Ben forges a quiz: a start, a full-marks try and a finish, with no key.
as "$ben" python3 - "$dir/$ben.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for kind, data in [("quiz_start", '{"attempt":1,"order":[]}'),
                   ("quiz_try", '{"attempt":1,"slot":0,"question":"q1","response":"0","fraction":1,"mark":1,"max":1}'),
                   ("quiz_finish", '{"attempt":1,"score":10,"max":10,"percent":100,"passed":true}')]:
    db.execute("insert into events(at_ms, kind, module, item, data) values (1790000000000, ?, 'core-concepts', 'core-concepts', ?)", (kind, data))
db.commit()
PY
check "ben appends a forged quiz attempt to his own file" [ $? -eq 0 ]

as "$tr" "$lt" trainer "$dir" --once --json >"$base/dash.json" 2>"$base/dash.err"
check "the trainer's dashboard reads the class" [ $? -eq 0 ]
state() { python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
rows = rows.get("learners", rows.get("roster", rows)) if isinstance(rows, dict) else rows
for r in rows:
    if r.get("id") == sys.argv[2] or r.get("learner") == sys.argv[2]:
        print(r.get("file"), r.get("problem", ""))
' "$base/dash.json" "$1"; }
state "$ann" >"$base/ann.state"
note "$base/ann.state"
check "her file is marked forged on the dashboard" grep -q "^forged .*fails its seal" "$base/ann.state"
state "$ben" >"$base/ben.state"
check "so is his" grep -q "^forged .*fails its seal" "$base/ben.state"
state "$tr" >"$base/tr.state"
note "$base/tr.state"
check "and the file under the trainer's name, made by ben" grep -q "^forged .*created by $ben" "$base/tr.state"
state "$cy" >"$base/cy.state"
check "cy's sealed record reads as it is" grep -q "^ok" "$base/cy.state"

as "$tr" "$lt" export --class "$dir" --format grades >"$base/grades.csv" 2>"$base/export.err"
check "the trainer exports the grades" [ $? -eq 0 ]
note "$base/export.err"
check "the export names each forged file" \
	[ "$(grep -c "(forged)" "$base/export.err")" -eq 3 ]
check "cy's run is in the grades" grep -q "^hello-world,.*,$cy," "$base/grades.csv"
check "and no forged pass or quiz counts" fails grep -q "$ann\|$ben\|$tr" "$base/grades.csv"
as "$tr" "$lt" export --class "$dir" --format long >"$base/long.csv" 2>/dev/null
check "nor in the long export" fails grep -q "$ann\|$ben" "$base/long.csv"
# A second trainer reads every file (the group) but not the key, with a tutor not setgid.
as "$tr2" "$tutor" export --class "$dir" --format grades >"$base/nokey.csv" 2>"$base/nokey.err"
check "a trainer's tutor without the key counts nothing it cannot verify" \
	[ $? -ne 0 ] && fails grep -q "$cy" "$base/nokey.csv"
check "and says so" grep -q "cannot be verified" "$base/nokey.err"

# The tutor adds nothing to a file changed outside it.
record "$ann" "$lt"
check "her tutor refuses to record on top of the forgery" grep -q "changed outside lambda-tutor" "$base/$ann.err"
echo "1..$n"
exit $failed
