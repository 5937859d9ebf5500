#!/bin/sh
# A cloud left running from an older build is replaced: once lambda-tutor-cloud's file has been
# replaced (a rebuild, an upgrade), the next command that needs the cloud stops the old server
# (SIGTERM, state kept) and starts the new one; while the file is unchanged the same server
# keeps serving. TAP.
#
#   cloud_upgrade.sh LAMBDA_TUTOR LAMBDA_TUTOR_CLOUD
set -u
tmp=$(mktemp -d /tmp/cloud-upgrade.XXXXXX)
ws="$tmp/ws"
cleanup() {
	[ -f "$ws/.cloud/lock" ] && kill "$(cut -d' ' -f1 "$ws/.cloud/lock")" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkdir -p "$tmp/bin"
cp "$1" "$2" "$tmp/bin/" || exit 1
tutor="$tmp/bin/lambda-tutor"
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
		failed=$((failed + 1))
	fi
}
holder() { cut -d' ' -f1 "$ws/.cloud/lock"; }
endpoint() { "$tutor" env --workspace "$ws" | sed -n 's/^export AWS_ENDPOINT_URL=//p'; }

e1=$(endpoint)
check "env starts a cloud ($e1)" test -n "$e1"
p1=$(holder)
check "it answers its health check" curl -fsS -o /dev/null "$e1/_tutor/health"
e2=$(endpoint)
check "while its program is unchanged, the same cloud serves" test "$(holder)" = "$p1" -a "$e2" = "$e1"

cp "$tmp/bin/lambda-tutor-cloud" "$tmp/bin/.new" && mv "$tmp/bin/.new" "$tmp/bin/lambda-tutor-cloud"
e3=$(endpoint)
p3=$(holder)
check "after the program is replaced, a new cloud serves (pid $p1 -> $p3)" test "$p3" != "$p1"
check "... and answers its health check" curl -fsS -o /dev/null "$e3/_tutor/health"
gone=1
for _ in 1 2 3 4 5 6 7 8 9 10; do
	kill -0 "$p1" 2>/dev/null || { gone=0; break; }
	sleep 0.5
done
check "... the old one has exited" test "$gone" = 0
echo "1..$n"
[ "$failed" = 0 ]
