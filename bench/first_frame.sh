#!/bin/sh
# Time to the tutor's first frame, two ways, in a real terminal (a tmux pane, 100x30):
#
#  1. exact: hyperfine runs the tutor with LAMBDA_TUTOR_EXIT_AFTER_FIRST_FRAME=1, which loads
#     the course and the records, draws the home screen once and exits;
#  2. as a learner sees it: start the program in a fresh tmux window and poll the pane until
#     the whole first screen is there, beside learnyounode's menu (npm) measured the same way,
#     and beside a printf of the same text, which is what tmux and the polling cost alone.
#
# Before timing, one exact run is recorded with script(1) in the same pane, to make sure that
# what is timed really puts the home screen on the terminal before it exits.
#
#   bench/first_frame.sh [BUILD_DIR]        (default: build)
#
# Target (issue 2): first TUI frame <= 50 ms. Needs tmux, hyperfine and python3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
runs=${RUNS:-30}

die() {
	echo "bench/first_frame.sh: $*" >&2
	exit 2
}
[ -x "$tutor" ] || die "no $tutor; build first (meson setup build && meson compile -C build)"
command -v tmux >/dev/null || die "tmux is missing (apt-get install tmux)"
command -v hyperfine >/dev/null || die "hyperfine is missing (apt-get install hyperfine)"
command -v python3 >/dev/null || die "python3 is missing"

tmp=$(mktemp -d /tmp/bench-frame.XXXXXX)
sock="bench-frame-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
export HOME="$tmp/home" LAMBDA_TUTOR_DB="$tmp/learner.db"
export LAMBDA_TUTOR_COURSE="$root/lessons" LC_ALL=C.UTF-8
mkdir -p "$HOME"
"$tutor" list >/dev/null || die "the course does not load; run 'lambda-tutor lint' to see why"

tmux -L "$sock" -f /dev/null new-session -d -s bench -x 100 -y 30 "exec sleep 3600"

# 0. The timed run must draw the home screen: record one in a pane and look for it.
tmux -L "$sock" new-window -t bench -n check \
	"LAMBDA_TUTOR_EXIT_AFTER_FIRST_FRAME=1 script -q -e -c '$tutor' '$tmp/frame.raw' \
	 >/dev/null 2>&1; touch '$tmp/frame.done'; exec sleep 3600"
i=0
while [ ! -f "$tmp/frame.done" ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || die "the first-frame run did not finish in 30 s"
	sleep 0.1
done
grep -q "Course progress" "$tmp/frame.raw" ||
	die "LAMBDA_TUTOR_EXIT_AFTER_FIRST_FRAME=1 exits without drawing the home screen"

load_before=$(cut -d' ' -f1 /proc/loadavg)
# 1. hyperfine inside the pane, so that the tutor has a terminal; it reports to a JSON file.
tmux -L "$sock" new-window -t bench -n exact \
	"LAMBDA_TUTOR_EXIT_AFTER_FIRST_FRAME=1 hyperfine --warmup 5 --runs $runs --style none \
	 --output=inherit --export-json '$tmp/exact.json' -n 'first frame' \
	 '$tutor </dev/tty >/dev/tty' -n 'list' '$tutor list >/dev/null' \
	 >'$tmp/hyperfine.log' 2>&1; touch '$tmp/exact.done'; \
	 exec sleep 3600"
i=0
while [ ! -f "$tmp/exact.done" ]; do
	i=$((i + 1))
	[ $i -lt 1200 ] || die "hyperfine did not finish in 120 s"
	sleep 0.1
done
[ -s "$tmp/exact.json" ] || die "hyperfine failed: $(cat "$tmp/hyperfine.log")"

# 2. Poll the pane of a fresh window until the first screen is complete.
peer=$here/node_modules/.bin/learnyounode
if [ ! -x "$peer" ] && command -v npm >/dev/null; then
	echo "installing learnyounode into bench/node_modules ..."
	(cd "$here" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1) || true
fi
mkdir -p "$tmp/peer-home"

python3 - "$sock" "$tmp/exact.json" "$tutor" "$peer" "$tmp/peer-home" "$runs" "$load_before" <<'PY'
import json, os, statistics, subprocess, sys, time

sock, exact_json, tutor, peer, peer_home, runs, load_before = sys.argv[1:8]
runs = int(runs)

def tmux(*args):
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True).stdout

def visible(cmd, text, n):
    """Milliseconds from starting cmd in a new window to text showing in its pane."""
    out = []
    for i in range(n + 2):
        t0 = time.perf_counter()
        tmux("new-window", "-d", "-t", "bench", "-n", "poll", cmd + "; exec sleep 3600")
        while True:
            if text in tmux("capture-pane", "-p", "-t", "bench:poll"):
                break
            if time.perf_counter() - t0 > 10:
                raise SystemExit(f"bench/first_frame.sh: '{text}' never showed for {cmd}")
        ms = (time.perf_counter() - t0) * 1000
        tmux("kill-window", "-t", "bench:poll")
        if i >= 2:  # two warm-up runs
            out.append(ms)
    return out

exact, listing = json.load(open(exact_json))["results"][:2]
print(f"first frame, {runs} runs each; {os.cpu_count()} cores; terminal 100x30 (tmux);"
      f" load average (1 min) {load_before} before the exact runs,"
      f" {open('/proc/loadavg').read().split()[0]} after")
ms = exact["median"] * 1000
print(f"  exact (draw once and exit, hyperfine):  median {ms:6.1f} ms"
      f"   mean {exact['mean']*1000:6.1f} ± {exact['stddev']*1000:4.1f} ms")
# The same course and records loaded without a terminal: what the screen itself costs is the
# difference.
print(f"  lambda-tutor list, same run:            median {listing['median']*1000:6.1f} ms"
      f"   (the screen adds {ms - listing['median']*1000:+.1f} ms)")
# CPU time is steadier than wall time on a busy machine.
cpu = lambda r: (r["user"] + r["system"]) * 1000
print(f"  CPU (user + system), mean:              first frame {cpu(exact):5.1f} ms,"
      f" list {cpu(listing):5.1f} ms")

ours = visible(f"env LC_ALL=C.UTF-8 '{tutor}'", "Course progress", runs)
floor = visible("printf 'Course progress'", "Course progress", runs)
print(f"  as seen in the pane (start to full screen, tmux polling):")
print(f"    lambda-tutor home screen       median {statistics.median(ours):6.1f} ms")
print(f"    printf of the same text        median {statistics.median(floor):6.1f} ms"
      f"   (what tmux and the polling cost alone)")
if os.access(peer, os.X_OK):
    theirs = visible(f"env HOME='{peer_home}' '{peer}'", "HTTP JSON API SERVER", runs)
    print(f"    learnyounode menu (npm)        median {statistics.median(theirs):6.1f} ms")
    print(f"  lambda-tutor shows its first screen "
          f"{statistics.median(theirs)/statistics.median(ours):.1f}x sooner than learnyounode")
else:
    print("    learnyounode is not installed (npm); our numbers alone")
print(f"target first frame <= 50 ms: {'met' if ms <= 50 else 'MISSED'} ({ms:.1f} ms)")
PY
