#!/bin/sh
# The trainer's dashboard and exports over a simulated class of 200 learners (tests/gen_class.c):
# the first read of every file, a refresh (what the live dashboard does every 2 s: unchanged
# files are kept, changed ones read again, and the class server's .seen.json, the roster and the
# directory's owner read again only when they changed), the roster built from the events, and an
# export of every format. Targets: a refresh with its roster <= 100 ms; an export of 200
# learners <= 1 s. The load average is printed with the figures: on a busy machine they are
# not the code's.
#
#   bench/dashboard.sh [BUILD_DIR]      (default: build)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
tutor="$build/lambda-tutor"
gen="$build/tests/integration/gen-class"
[ -x "$tutor" ] && [ -x "$gen" ] || { echo "dashboard.sh: build first (ninja -C $build)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/bench-dashboard.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LAMBDA_TUTOR_COURSE="$root/lessons" LC_ALL=C.UTF-8
now=1790000000000
echo "generating 200 learners..."
"$gen" "$tmp/class" 200 11 "$now" >/dev/null
# A served class: the server's book of when it heard from each learner, and a roster of them all.
python3 - "$tmp/class" "$now" <<'PY'
import json, os, sys
d, now = sys.argv[1], int(sys.argv[2])
names = sorted(f[:-3] for f in os.listdir(d) if f.endswith(".db"))
with open(os.path.join(d, ".seen.json"), "w") as f:
    json.dump({n: {"seen_ms": now, "ok_ms": now, "fail_ms": 0} for n in names}, f)
with open(os.path.join(d, ".roster"), "w") as f:
    f.write("".join(n + "\n" for n in names))
PY
runs=${RUNS:-5}
echo "dashboard over $(ls "$tmp/class" | grep -c '\.db$') learner files ($(du -sh "$tmp/class" | cut -f1)), best of $runs:"
best_read=999999 best_refresh=999999
i=0
while [ $i -lt $runs ]; do
	"$tutor" trainer "$tmp/class" --once --json --now "$now" >"$tmp/dash.json"
	set -- $(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["timing_ms"]; print(t["read"], t["refresh"] + t["roster"])' "$tmp/dash.json")
	best_read=$(python3 -c 'import sys; print(min(float(sys.argv[1]), float(sys.argv[2])))' "$best_read" "$1")
	best_refresh=$(python3 -c 'import sys; print(min(float(sys.argv[1]), float(sys.argv[2])))' "$best_refresh" "$2")
	i=$((i + 1))
done
echo "  first read of every file:     $best_read ms"
echo "  refresh + roster:             $best_refresh ms (target <= 100)"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
if ! command -v /usr/bin/time >/dev/null 2>&1; then
	echo "dashboard.sh: the exports are timed with GNU time (apt-get install time)" >&2
	exit 2
fi
for f in grades wide long items xapi; do
	best=999999 cpu=999999
	i=0
	while [ $i -lt $runs ]; do
		/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$tutor" export --class "$tmp/class" --format $f --out "$tmp/out.$f"
		set -- $(cat "$tmp/time")
		best=$(python3 -c 'import sys; print(min(float(sys.argv[1]), 1000 * float(sys.argv[2])))' "$best" "$1")
		cpu=$(python3 -c 'import sys; print(min(float(sys.argv[1]), 1000 * (float(sys.argv[2]) + float(sys.argv[3]))))' "$cpu" "$2" "$3")
		i=$((i + 1))
	done
	printf '  export --format %-7s %7.0f ms wall, %5.0f ms CPU (target <= 1000), %s bytes\n' "$f" "$best" "$cpu" "$(wc -c <"$tmp/out.$f")"
done
