#!/bin/sh
# kill -9 a process that appends events as fast as it can, at a random moment, several times
# over one record file. Every event it reported as saved must be in the file, the events must
# form one unbroken sequence, and the file must pass PRAGMA integrity_check. The first rounds
# kill the writer within milliseconds, while it creates and migrates a fresh file.
#
#   store_crash.sh STORE_HELPER [ROUNDS]
set -eu
helper=$1
rounds=${2:-8}
tmp=$(mktemp -d /tmp/store-crash.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
db=$tmp/records/learner.db

random_ms() { # a delay between 20 and 400 ms
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((20 + n % 381))
}

# One round: start the writer on a file, kill it after some ms, verify the file.
round() { # round N DB SAVED MS
	"$helper" hammer "$2" >>"$3" 2>"$tmp/err" &
	pid=$!
	sleep "$(printf '%d.%03d' $(($4 / 1000)) $(($4 % 1000)))"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	if [ -s "$tmp/err" ]; then
		echo "not ok $1 - the writer failed: $(cat "$tmp/err")"
		exit 1
	fi
	if result=$("$helper" verify "$2" <"$3"); then
		echo "ok $1 - killed after $4 ms: $result"
	else
		echo "not ok $1 - killed after $4 ms: $result"
		exit 1
	fi
}

early=3
echo "1..$((rounds + early))"
# Killed while the file and its directory are being created and migrated: what the next
# open finds must be a valid record file, empty or not.
i=1
while [ "$i" -le "$early" ]; do
	round "$i" "$tmp/early-$i/learner.db" "$tmp/early-$i.saved" $((i * i * 3))
	i=$((i + 1))
done
# Killed mid-stream, over and over on one file.
while [ "$i" -le $((rounds + early)) ]; do
	round "$i" "$db" "$tmp/saved" "$(random_ms)"
	i=$((i + 1))
done
saved=$(grep -c '^saved ' "$tmp/saved" || true)
if [ "$saved" -lt "$rounds" ]; then
	echo "# only $saved events were saved in $rounds rounds: the test proved little"
	exit 1
fi
