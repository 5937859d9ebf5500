#!/bin/sh
# A class served on a Unix socket, with real Unix users on one host: the kernel names each
# learner (SO_PEERCRED), so none can join or send under a classmate's name; the server's
# copies are the trainer's alone; a module the trainer closes is closed to `check` over the
# socket too. Needs root (to add the users); skips otherwise.
#
#   class_socket.sh LAMBDA_TUTOR
set -u
tutor=$1
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null || ! command -v runuser >/dev/null; then
	echo "1..0 # SKIP needs root, useradd and runuser to make a trainer and learners"
	exit 77
fi
tag=$$
tr=lt-str-$tag
ann=lt-sann-$tag
ben=lt-sben-$tag
base=$(mktemp -d /tmp/class-socket.XXXXXX)
spid=
cleanup() {
	# The throwaway users run only what this test started: the server, by its ids.
	for u in $tr $ann $ben; do
		for p in $(pgrep -u "$u" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	[ -n "$spid" ] && wait "$spid" 2>/dev/null
	for u in $tr $ann $ben; do
		userdel "$u" 2>/dev/null
	done
	rm -rf "$base"
}
trap cleanup EXIT INT TERM
useradd -M -N -s /bin/sh "$tr" && useradd -M -N -s /bin/sh "$ann" && useradd -M -N -s /bin/sh "$ben" ||
	{ echo "1..0 # SKIP cannot add users"; exit 77; }
export LC_ALL=C.UTF-8 NO_COLOR=1
unset LAMBDA_TUTOR_DB LAMBDA_TUTOR_WORKSPACE
course=$(cd "$(dirname "$0")/../../lessons" && pwd)
chmod 755 "$base"
for u in $tr $ann $ben; do mkdir -m 700 "$base/home-$u" && chown "$u" "$base/home-$u"; done
mkdir -m 1777 "$base/run"
as() { u=$1; shift; runuser -u "$u" -- env HOME="$base/home-$u" LAMBDA_TUTOR_COURSE="$course" "$tutor" "$@"; }
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
dir="$base/home-$tr/class"
sock="$base/run/class.sock"
as "$tr" class serve "$dir" --socket "$sock" >"$base/serve.out" 2>&1 &
spid=$!
i=0
while ! grep -q "^class code" "$base/serve.out" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
code=$(sed -n 's/^class code //p' "$base/serve.out")
check "the trainer serves the class on a Unix socket" [ -n "$code" ] && [ -S "$sock" ]
as "$ann" join "unix:$sock" "$code" >"$base/ann.out" 2>&1
check "a learner joins as the user the kernel says" grep -q "as '$ann'" "$base/ann.out"
as "$ben" --learner "$ann" join "unix:$sock" "$code" >"$base/ben.out" 2>&1
rc=$?
check "another cannot join under her name, in one line" \
	[ $rc -eq 2 ] && [ "$(wc -l <"$base/ben.out")" -eq 1 ] && grep -q "login name" "$base/ben.out"
as "$ben" join "unix:$sock" "$code" >"$base/ben2.out" 2>&1
check "he joins as himself" grep -q "as '$ben'" "$base/ben2.out"
check "the server keeps each record 0600, the trainer's, in a 0700 folder" \
	[ "$(stat -c '%U %a' "$dir/$ann.db") $(stat -c '%U %a' "$dir")" = "$tr 600 $tr 700" ]
check "no learner reads a classmate's copy" sh -c "! runuser -u '$ben' -- cat '$dir/$ann.db' >/dev/null 2>&1"
check "nothing is made under a name typed" [ "$(ls "$dir" | grep -c '\.db$')" -eq 2 ]
as "$tr" trainer "$dir" --open 1 >/dev/null 2>&1
as "$ann" check calculator --workspace "$base/home-$ann/ws" >"$base/check.out" 2>&1
rc=$?
check "a module the trainer closed is closed to check over the socket" \
	[ $rc -eq 2 ] && grep -q "module 2 is not open yet" "$base/check.out"
check "and no cloud was started for it" [ ! -e "$base/home-$ann/ws/.cloud/lock" ]
echo "1..$n"
exit $failed
