#!/bin/sh
# No regression from the service layer's port (issue 11): bench/invoke.sh, bench/s3_notify.sh
# and bench/esm.sh against BUILD_DIR and against the build of BASE (default 6ffc83a^, the
# commit before the port), in one run, the two alternating (which goes first swaps each round),
# so that whatever else loads the machine reaches both alike. Each build runs its own commit's
# script: the later cloud checks every signature and runs functions under an execution role, so
# the later scripts sign and create one, which the earlier cloud did not know.
#
#   bench/svc_port.sh BUILD_DIR [BASE]    ROUNDS=3; N_INVOKE=2000 COLD=10 SECS=5 N_S3=100 N_ESM=5000
#
# BASE is checked out with `git worktree add --detach` under /tmp (BASE_DIR, kept, so that a second run
# builds nothing) and its lambda-tutor built there. Prints each figure's median over the
# rounds, per build, and the ratio of BUILD_DIR's to BASE's (above 1 for a time: slower; below 1
# for a rate: slower), with the load average it ran under.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$(cd "${1:?usage: bench/svc_port.sh BUILD_DIR [BASE]}" && pwd)
rev=${2:-6ffc83a^}
rounds=${ROUNDS:-3}
[ -x "$build/lambda-tutor" ] || { echo "bench/svc_port.sh: no $build/lambda-tutor; build first" >&2; exit 2; }
sha=$(git -C "$root" rev-parse --short "$rev^{commit}") ||
	{ echo "bench/svc_port.sh: no commit $rev" >&2; exit 2; }
base=${BASE_DIR:-/tmp/lt-bench-base-$sha}
if [ ! -x "$base/build/lambda-tutor" ] || [ ! -x "$base/build/lambda-tutor-cloud" ]; then
	[ -d "$base" ] || git -C "$root" worktree add --detach "$base" "$sha" >/dev/null
	[ -d "$base/build" ] || meson setup "$base/build" "$base" --buildtype=debugoptimized >/dev/null
	echo "building $sha's lambda-tutor in $base/build" >&2
	meson compile -C "$base/build" -j 2 lambda-tutor lambda-tutor-cloud >/dev/null
fi
# The base's scripts use the same peers: the ones installed here, rather than npm again.
[ -e "$base/bench/node_modules" ] || [ ! -d "$here/node_modules" ] ||
	ln -s "$here/node_modules" "$base/bench/node_modules"
out=$(mktemp -d /tmp/lt-bench-port.XXXXXX)
trap 'rm -rf "$out"' EXIT INT TERM

# The scripts' peers (moto_server, lambda-local) are not what is compared here: moto_server
# is left off PATH, which the scripts take as absent.
peerless=
IFS=:
for d in $PATH; do
	[ -x "$d/moto_server" ] || peerless=${peerless:+$peerless:}$d
done
unset IFS
# run TREE BUILD WHICH ROUND: the three scripts of TREE against BUILD, outputs kept per round.
run() {
	PATH=$peerless N=${N_INVOKE:-2000} COLD=${COLD:-10} SECS=${SECS:-5} "$1/bench/invoke.sh" "$2" \
		>"$out/invoke.$3.$4" 2>&1 || echo "bench/invoke.sh failed ($3)" >&2
	PATH=$peerless N=${N_S3:-100} "$1/bench/s3_notify.sh" "$2" >"$out/s3.$3.$4" 2>&1 ||
		echo "bench/s3_notify.sh failed ($3)" >&2
	PATH=$peerless N=${N_ESM:-5000} "$1/bench/esm.sh" "$2" >"$out/esm.$3.$4" 2>&1 ||
		echo "bench/esm.sh failed ($3)" >&2
	cut -d' ' -f1 /proc/loadavg >>"$out/load"
}
r=1
while [ "$r" -le "$rounds" ]; do
	if [ $((r % 2)) -eq 1 ]; then
		run "$base" "$base/build" base "$r"
		run "$root" "$build" new "$r"
	else
		run "$root" "$build" new "$r"
		run "$base" "$base/build" base "$r"
	fi
	echo "round $r of $rounds done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
	r=$((r + 1))
done

/usr/bin/python3 - "$out" "$rounds" "$sha" "$(git -C "$root" rev-parse --short HEAD)" <<'PY'
import os, re, statistics, sys
out, rounds, base_sha, new_sha = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
# (file, label, regex of the figure, True when more is better)
FIGS = [
    ("invoke", "warm invoke, Python echo, median (ms)", r"^warm invoke, Python echo, median.*\s([\d.]+) ms$", False),
    ("invoke", "warm invoke, Python echo, p99 (ms)", r"^warm invoke, Python echo, p99.*\s([\d.]+) ms$", False),
    ("invoke", "warm invokes/s, 4 clients", r"^warm invokes/s.*\s(\d+)$", True),
    ("invoke", "cold invoke, Python echo, median (ms)", r"^cold invoke, Python echo, median round trip\s+([\d.]+) ms", False),
    ("invoke", "warm invoke, Node.js echo, median (ms)", r"^warm invoke, Node.js echo, median\s+([\d.]+) ms$", False),
    ("s3", "S3 PutObject -> handler, median (ms)", r"^local cloud: PutObject -> handler.*?median ([\d.]+) ms", False),
    ("s3", "S3 PutObject -> handler, p90 (ms)", r"^local cloud: PutObject -> handler.*?p90 ([\d.]+) ms", False),
    ("esm", "SQS -> ESM -> function (messages/s)", r"^lambda-tutor\s+SQS -> ESM.*?= (\d+) messages/s", True),
]

def values(kind, which, rx):
    got = []
    for r in range(1, rounds + 1):
        try:
            text = open(os.path.join(out, "%s.%s.%d" % (kind, which, r))).read()
        except OSError:
            continue
        m = re.search(rx, text, re.M)
        if m:
            got.append(float(m.group(1)))
    return got

loads = [float(x) for x in open(os.path.join(out, "load")).read().split()]
print("service layer port: %s (new) against %s (base), %d rounds alternating; load average "
      "%.1f to %.1f (median %.1f), %d cores"
      % (new_sha, base_sha, rounds, min(loads), max(loads), statistics.median(loads),
         os.cpu_count()))
print("%-42s %12s %12s %8s" % ("median over the rounds", "base", "new", "new/base"))
failed = False
for kind, label, rx, more_better in FIGS:
    b, n = values(kind, "base", rx), values(kind, "new", rx)
    if not b or not n:
        print("%-42s %12s %12s %8s" % (label, "%d runs" % len(b), "%d runs" % len(n), "-"))
        failed = True
        continue
    mb, mn = statistics.median(b), statistics.median(n)
    print("%-42s %12.2f %12.2f %8.2f" % (label, mb, mn, mn / mb if mb else float("nan")))
if failed:
    for f in sorted(os.listdir(out)):
        if f != "load":
            sys.stderr.write("--- %s\n%s" % (f, open(os.path.join(out, f)).read()[-800:]))
    sys.exit(1)
PY
