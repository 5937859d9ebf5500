#!/bin/sh
# The tutor refuses, with one line and a non-zero status, what it cannot work with: no terminal,
# a course that does not lint (printing every problem), a record file it cannot open.
set -u
: "${TUTOR:?TUTOR must name the lambda-tutor binary}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lt-refuse.XXXXXX")
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_DATA_HOME="$tmp/data" LAMBDA_TUTOR_DB="$tmp/records.db"
n=0
status=0
check() { # check WANT-STATUS WANT-TEXT DESCRIPTION -- COMMAND...
	want=$1 text=$2 what=$3
	shift 4
	out=$("$@" 2>&1 </dev/null)
	got=$?
	n=$((n + 1))
	if [ "$got" = "$want" ] && printf '%s\n' "$out" | grep -qF -- "$text"; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what (status $got)"
		printf '%s\n' "$out" | sed 's/^/#   /'
		status=1
	fi
}

check 2 "the tutor needs a terminal" "a pipe is not a terminal" -- "$TUTOR"
lines=$("$TUTOR" </dev/null 2>&1 | wc -l)
n=$((n + 1))
[ "$lines" = 1 ] && echo "ok $n - in one line" || { echo "not ok $n - $lines lines"; status=1; }

mkdir -p "$tmp/course/01-a"
cat >"$tmp/course/course.yaml" <<'YAML'
id: broken
title: A broken course
summary: One module whose minutes do not add up.
minutes: 30
modules:
  - 01-a
YAML
cat >"$tmp/course/01-a/module.yaml" <<'YAML'
id: a
title: A
minutes: 20
objectives:
  - Learn
pages:
  - id: p
    title: P
    file: missing.md
YAML
check 1 "course.yaml" "a course that does not lint is refused with its problems" -- \
	"$TUTOR" --course "$tmp/course"
check 1 "does not lint; not starting" "and says it does not start" -- "$TUTOR" --course "$tmp/course"
check 2 "cannot open course" "a missing course folder" -- "$TUTOR" --course "$tmp/nowhere"

printf 'this is not a database, just text that is long enough to look like one......\n' \
	>"$tmp/garbage.db"
check 2 "garbage.db" "a file that is not a database" -- "$TUTOR" --db "$tmp/garbage.db"
mkdir -p "$tmp/ro"
chmod 555 "$tmp/ro"
if [ "$(id -u)" != 0 ]; then
	check 2 "ro" "a read-only record folder" -- "$TUTOR" --db "$tmp/ro/sub/records.db"
fi
check 2 "unexpected argument" "an unknown argument" -- "$TUTOR" tutor extra

# A terminal curses does not know (script(1) gives the tutor a terminal without tmux).
if command -v script >/dev/null 2>&1; then
	check 2 "cannot use terminal type 'no-such-terminal'" "an unknown TERM is refused in one line" -- \
		script -qec "env TERM=no-such-terminal '$TUTOR'" /dev/null
	check 0 "rc=2" "with status 2" -- \
		script -qec "env TERM=no-such-terminal '$TUTOR' 2>/dev/null; echo rc=\$?" /dev/null
fi

# A class with a roster records only the names on it (on a shared host too).
mkdir -p "$tmp/cls"
printf '# morning group\nbob\n' >"$tmp/roster.txt"
check 0 "1 name from" "the trainer sets a class's roster" -- \
	"$TUTOR" class roster "$tmp/cls" --set "$tmp/roster.txt"
check 2 "'eve' is not on this class's roster; ask the trainer" \
	"a name not on the roster gets no record in the class" -- \
	env -u LAMBDA_TUTOR_DB "$TUTOR" --class "$tmp/cls" --learner eve list
check 0 "Progress:" "a name on it does" -- \
	env -u LAMBDA_TUTOR_DB "$TUTOR" --class "$tmp/cls" --learner bob list
printf 'bob\nBob Smith\n' >"$tmp/bad-roster.txt"
check 2 "$tmp/bad-roster.txt:2:1: 'Bob Smith' cannot name a learner" \
	"a roster line that cannot be a learner's name is refused with its place" -- \
	"$TUTOR" class roster "$tmp/cls" --set "$tmp/bad-roster.txt"

# A record file another process holds locked (past the store's busy timeout).
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/locked.db" "$tmp/held" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("CREATE TABLE t(x)")
db.execute("BEGIN EXCLUSIVE")
db.execute("INSERT INTO t VALUES (1)")
open(sys.argv[2], "w").close()
time.sleep(30)
PY
	holder=$!
	i=0
	while [ ! -f "$tmp/held" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check 2 "is locked by another process" "a record file locked by another process" -- \
		"$TUTOR" --db "$tmp/locked.db"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
fi
echo "1..$n"
exit $status
