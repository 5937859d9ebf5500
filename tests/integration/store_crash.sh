#!/bin/sh
# kill -9 a process that appends events as fast as it can, at a random moment, several times
# over one record file. Every event it reported as saved must be in the file, the events must
# form one unbroken sequence, and the file must pass PRAGMA integrity_check.
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

echo "1..$rounds"
i=1
while [ "$i" -le "$rounds" ]; do
	ms=$(random_ms)
	"$helper" hammer "$db" >>"$tmp/saved" 2>"$tmp/err" &
	pid=$!
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	if [ -s "$tmp/err" ]; then
		echo "not ok $i - round $i: the writer failed: $(cat "$tmp/err")"
		exit 1
	fi
	if result=$("$helper" verify "$db" <"$tmp/saved"); then
		echo "ok $i - killed after ${ms} ms: $result"
	else
		echo "not ok $i - killed after ${ms} ms: $result"
		exit 1
	fi
	i=$((i + 1))
done
saved=$(grep -c '^saved ' "$tmp/saved" || true)
if [ "$saved" -lt "$rounds" ]; then
	echo "# only $saved events were saved in $rounds rounds: the test proved little"
	exit 1
fi
