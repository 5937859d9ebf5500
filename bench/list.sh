#!/bin/sh
# Time `lambda-tutor list` over the whole course, and its peak memory, beside learnyounode's
# `list` (npm) measured in the same run. Builds nothing: point it at a build directory.
#
#   bench/list.sh [BUILD_DIR]        (default: build)
#
# Targets (DESIGN.md): median <= 15 ms wall and <= 10 MiB peak RSS on a 2-core machine.
# Needs hyperfine and python3; learnyounode is installed from bench/package.json into
# bench/node_modules on first use (npm). Without it, our numbers are printed alone.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
helper=$build/tests/integration/store-helper
runs=${RUNS:-50}

die() {
	echo "bench/list.sh: $*" >&2
	exit 2
}
[ -x "$tutor" ] || die "no $tutor; build first (meson setup build && meson compile -C build)"
command -v hyperfine >/dev/null || die "hyperfine is missing (apt-get install hyperfine)"
command -v python3 >/dev/null || die "python3 is missing"

tmp=$(mktemp -d /tmp/bench-list.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LAMBDA_TUTOR_DB="$tmp/learner.db"
export LAMBDA_TUTOR_COURSE="$root/lessons"

# A learner half-way through: every page of the first three modules viewed, twice.
if [ -x "$helper" ]; then
	"$tutor" list --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for rnd in range(2):
    for m in d["modules"][:3]:
        for p in m["pages"]:
            print(m["id"], p["id"])' | while read -r module page; do
		"$helper" view "$LAMBDA_TUTOR_DB" "$module" "$page"
	done
	viewed=$("$tutor" list --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["progress"]["pages_viewed"])')
	records="with $viewed pages viewed"
else
	records="without records (no $helper to write them)"
fi
"$tutor" list >/dev/null || die "lambda-tutor list fails; run it by hand to see why"

# Peak RSS in KiB: the largest of 10 runs of a command. GNU time measures the command alone;
# python's RUSAGE_CHILDREN is the fallback (it may count the forked interpreter too).
peak_kib() {
	if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
		max=0
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kib=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1)
			[ "$kib" -gt "$max" ] && max=$kib
		done
		echo "$max"
		return
	fi
	python3 - "$@" <<'PY'
import resource, subprocess, sys
for _ in range(10):
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

peer=$here/node_modules/.bin/learnyounode
if [ ! -x "$peer" ] && command -v npm >/dev/null; then
	echo "installing learnyounode into bench/node_modules ..."
	(cd "$here" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1) ||
		echo "bench/list.sh: npm install failed; printing lambda-tutor's numbers alone"
fi
# learnyounode keeps its state under HOME; give it a scratch one.
peer_home="$tmp/home"
mkdir -p "$peer_home"
have_peer=false
if [ -x "$peer" ] && HOME="$peer_home" "$peer" list >/dev/null 2>&1; then
	have_peer=true
elif [ -x "$peer" ]; then
	echo "bench/list.sh: learnyounode is installed but its list fails; printing ours alone"
fi

echo "lambda-tutor list, $records; $runs runs each; $(nproc) cores"
load_before=$(cut -d' ' -f1 /proc/loadavg)
# `lambda-tutor version` does nothing but start: it shows what start-up alone costs (the
# dynamic loader mapping and relocating every library the binary links).
if $have_peer; then
	HOME="$peer_home" hyperfine -N --warmup 5 --runs "$runs" --style none \
		--export-json "$tmp/times.json" -n "lambda-tutor list" "$tutor list" \
		-n "learnyounode list" "$peer list" -n "(start-up only)" "$tutor version" \
		-n "(/bin/true)" /bin/true >/dev/null
else
	hyperfine -N --warmup 5 --runs "$runs" --style none --export-json "$tmp/times.json" \
		-n "lambda-tutor list" "$tutor list" -n "(start-up only)" "$tutor version" \
		-n "(/bin/true)" /bin/true >/dev/null
fi
ours_kib=$(peak_kib "$tutor" list)
start_kib=$(peak_kib "$tutor" version)
true_kib=$(peak_kib /bin/true)
peer_kib=
if $have_peer; then
	peer_kib=$(HOME="$peer_home" peak_kib "$peer" list)
fi

python3 - "$tmp/times.json" "$load_before" "$ours_kib" $peer_kib "$start_kib" "$true_kib" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
rss = [int(k) for k in sys.argv[3:]]
# Wall time on a shared machine is mostly waiting for a core: the load average and what
# /bin/true takes in the same run say how much of it.
load_after = open("/proc/loadavg").read().split()[0]
print(f"load average (1 min) {sys.argv[2]} before, {load_after} after")
# CPU time (user + system) moves less than wall time when other work shares the machine.
print(f"{'':20} {'median':>10} {'mean ± sd':>18} {'cpu':>9} {'peak RSS':>10}")
for r, kib in zip(results, rss):
    ms = r["median"] * 1000
    cpu = (r["user"] + r["system"]) * 1000
    print(f"{r['command']:20} {ms:8.1f} ms {r['mean']*1000:9.1f} ± {r['stddev']*1000:4.1f} ms"
          f" {cpu:6.1f} ms {kib/1024:6.1f} MiB")
ours = results[0]
ms, mib = ours["median"] * 1000, rss[0] / 1024
if results[1]["command"] == "learnyounode list":
    peer = results[1]
    print(f"lambda-tutor is {peer['median']/ours['median']:.1f}x faster than learnyounode"
          f" (median) and uses {rss[1]/rss[0]:.1f}x less memory (peak RSS)")
print(f"target median <= 15 ms: {'met' if ms <= 15 else 'MISSED'} ({ms:.1f} ms);"
      f" peak RSS <= 10 MiB: {'met' if mib <= 10 else 'MISSED'} ({mib:.1f} MiB)")
PY
