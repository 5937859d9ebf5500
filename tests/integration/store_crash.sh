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

saves() { # the number of "saved" lines in FILE
	if [ -f "$1" ]; then
		grep -c '^saved ' "$1" || true
	else
		echo 0
	fi
}

# One round: start the writer on a file, kill it after some ms, verify the file. With
# MIDSTREAM, the ms count from the writer's first new save, however slow the disk.
round() { # round N DB SAVED MS [MIDSTREAM]
	before=$(saves "$3")
	when="after starting"
	[ "${5:-}" = midstream ] && when="after its first save"
	"$helper" hammer "$2" >>"$3" 2>"$tmp/err" &
	pid=$!
	if [ "${5:-}" = midstream ]; then
		tries=0
		while [ "$(saves "$3")" -le "$before" ] && [ $tries -lt 1000 ] &&
			kill -0 "$pid" 2>/dev/null; do
			sleep 0.01
			tries=$((tries + 1))
		done
	fi
	sleep "$(printf '%d.%03d' $(($4 / 1000)) $(($4 % 1000)))"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	if [ -s "$tmp/err" ]; then
		echo "not ok $1 - the writer failed: $(cat "$tmp/err")"
		exit 1
	fi
	if result=$("$helper" verify "$2" <"$3"); then
		echo "ok $1 - killed $4 ms $when: $result"
	else
		echo "not ok $1 - killed $4 ms $when: $result"
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
	round "$i" "$db" "$tmp/saved" "$(random_ms)" midstream
	i=$((i + 1))
done
saved=$(saves "$tmp/saved")
if [ "$saved" -lt "$rounds" ]; then
	echo "# only $saved events were saved in $rounds rounds: the test proved little"
	exit 1
fi
