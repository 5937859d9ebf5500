#!/bin/sh
# Class mode with real Unix users: two learners and a trainer in the trainer's group. Each
# learner's file is theirs (0640, the class's group); the other learner cannot list, read,
# change, delete or rename it; the trainer reads every file, read-only, and the learner can
# still write after the trainer has read. Needs root (to add the users); skips otherwise.
#
#   class_perms.sh LAMBDA_TUTOR GEN_CLASS STORE_HELPER
set -u
tutor=$1
gen=$2
helper=$3
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
	echo "1..0 # SKIP needs root, useradd and runuser to make two learners and a trainer"
	exit 77
fi
tag=$$
group=lt-trainers-$tag
ann=lt-ann-$tag
ben=lt-ben-$tag
tr=lt-trainer-$tag
base=$(mktemp -d /tmp/class-perms.XXXXXX)
chmod 755 "$base"
cleanup() {
	for u in $ann $ben $tr; do userdel "$u" 2>/dev/null; done
	groupdel "$group" 2>/dev/null
	rm -rf "$base"
}
trap cleanup EXIT INT TERM
groupadd "$group" && useradd -M -N -s /bin/sh "$ann" && useradd -M -N -s /bin/sh "$ben" &&
	useradd -M -N -s /bin/sh -G "$group" "$tr" || { echo "1..0 # SKIP cannot add users"; exit 77; }
export LC_ALL=C.UTF-8
unset LAMBDA_TUTOR_DB
as() { u=$1; shift; runuser -u "$u" -- env HOME="$base" "$@"; }
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

dir="$base/class"
chmod 777 "$base"
as "$tr" "$tutor" class init "$dir" --trainer-group "$group" >"$base/init.out" 2>&1
check "the trainer prepares the class with class init" [ $? -eq 0 ]
check "class init says what it did" grep -q "mode 3773" "$base/init.out"
check "the folder is 3773 and the trainers' group's" \
	[ "$(stat -c '%a %G' "$dir")" = "3773 $group" ]
now=1790000000000
as "$ann" "$gen" "$dir" 1 3 "$now" 0 >/dev/null 2>"$base/ann.err"
check "a learner creates her file in the class" [ -f "$dir/learner-000.db" ]
as "$ben" "$gen" "$dir" 1 4 "$now" 1 >/dev/null 2>"$base/ben.err"
check "so does the other" [ -f "$dir/learner-001.db" ]
check "her file is hers, 0640, in the trainers' group" \
	[ "$(stat -c '%U %a %G' "$dir/learner-000.db")" = "$ann 640 $group" ]
check "the other learner cannot list the class" fails as "$ben" ls "$dir"
check "nor read her file" fails as "$ben" cat "$dir/learner-000.db"
check "nor read it through the tutor" fails as "$ben" "$tutor" export --db "$dir/learner-000.db" --format long
as "$ben" "$tutor" export --format long "$dir/learner-000.db" >/dev/null 2>"$base/err"
check "which says why in one line" grep -q "learner-000.*denied\|permission denied" "$base/err"
check "nor change it" fails as "$ben" sh -c "echo x >>'$dir/learner-000.db'"
check "nor delete it" fails as "$ben" rm -f "$dir/learner-000.db"
check "nor rename it" fails as "$ben" mv "$dir/learner-000.db" "$dir/mine.db"
check "her file is still there" [ -f "$dir/learner-000.db" ]
as "$tr" "$tutor" trainer "$dir" --once --json --now "$now" >"$base/dash.json" 2>"$base/err"
check "the trainer's dashboard reads the class" [ $? -eq 0 ]
check "and both learners' records" [ "$(grep -c '"file":.*"ok"' "$base/dash.json")" -eq 2 ]
as "$tr" "$tutor" export --class "$dir" --format grades >"$base/grades.csv" 2>"$base/err"
check "the trainer exports the class" [ $? -eq 0 ] && grep -q "learner-001" "$base/grades.csv"
check "the trainer cannot change a learner's file" fails as "$tr" sh -c "echo x >>'$dir/learner-000.db'"
as "$ann" "$helper" view "$dir/learner-000.db" core-concepts what-is-lambda >/dev/null 2>"$base/err"
check "after the trainer read it, she still records" [ $? -eq 0 ]
check "and her file kept its mode" [ "$(stat -c '%U %a' "$dir/learner-000.db")" = "$ann 640" ]
as "$tr" "$tutor" trainer "$dir" --message "Break until 11:00" >/dev/null 2>"$base/err"
check "the trainer broadcasts a message" grep -q "Break until 11:00" "$dir/.trainer.json"
check "which learners can read" as "$ann" grep -q "Break" "$dir/.trainer.json"
check "but not replace" fails as "$ann" sh -c "echo '{}' >'$dir/.trainer.json'"

# Root prepares a class: the trainers' group still sets the pace, and learners still cannot.
dir2="$base/class2"
"$tutor" class init "$dir2" --trainer-group "$group" >"$base/init2.out" 2>&1
check "root prepares a class too" [ $? -eq 0 ]
check "its trainer file is the trainers' group's, 0664" \
	[ "$(stat -c '%U %a %G' "$dir2/.trainer.json")" = "root 664 $group" ]
as "$tr" "$tutor" trainer "$dir2" --message "Lunch at 12:30" >/dev/null 2>"$base/err"
check "a trainer who did not create it broadcasts" grep -q "Lunch at 12:30" "$dir2/.trainer.json"
check "the file is still root's, 0664" [ "$(stat -c '%U %a' "$dir2/.trainer.json")" = "root 664" ]
check "a learner reads it" as "$ann" grep -q "Lunch" "$dir2/.trainer.json"
check "but cannot change it" fails as "$ann" sh -c "echo '{}' >'$dir2/.trainer.json'"

# The class server on a Unix socket, learners as real users: each is who the kernel says,
# whatever name they type, and one learner's token is no one else's to read.
served="$base/served"
sock="$base/class.sock"
as "$tr" "$tutor" class serve "$served" --socket "$sock" >"$base/serve.out" 2>"$base/serve.err" &
spid=$!
i=0
until grep -q '^class code ' "$base/serve.out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 300 ] && kill -0 "$spid" 2>/dev/null || break
	sleep 0.1
done
code=$(sed -n 's/^class code //p' "$base/serve.out")
check "the trainer serves the class on a Unix socket" [ -n "$code" ]
for u in "$ann" "$ben"; do
	install -d -o "$u" -m 700 "$base/home-$u"
done
as "$ann" "$tutor" --db "$base/home-$ann/me.db" --learner "$ben" join "unix:$sock" "$code" \
	>"$base/join-ann.out" 2>&1
check "a learner joins as the user the kernel says, not the name she typed" \
	[ -f "$served/$ann.db" ] && [ ! -f "$served/$ben.db" ]
as "$ben" "$tutor" --db "$base/home-$ben/me.db" join "unix:$sock" "$code" >"$base/join-ben.out" 2>&1
check "the other learner gets a record of his own" [ -f "$served/$ben.db" ]
check "a learner's token is readable by that learner alone" \
	[ "$(stat -c '%a %U' "$base/home-$ann/me.db.class.json")" = "600 $ann" ]
check "the other learner cannot read it to speak for her" \
	fails as "$ben" cat "$base/home-$ann/me.db.class.json"
check "the served records are the trainer's alone" \
	[ "$(stat -c '%a %U' "$served")" = "700 $tr" ]
kill $(pgrep -P "$spid") "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

echo "1..$n"
exit $failed
