#!/bin/bash
# Logs Insights over many events (issue 13): `stats avg(@duration) by bin(1m)` over N of
# Lambda's REPORT lines (default 100,000, one every 600 ms), run in-process by the query engine
# (bench/insights.c: every event's fields discovered, filtered and grouped as a query does),
# best and median of RUNS (default 5). Peer in the same run: Python doing only the same
# aggregation with one compiled regular expression and a dict (no query language at all).
# Target: <= 500 ms.
#
#   bench/insights.sh [BUILD_DIR]        N=100000 RUNS=5
set -eu
build=$(cd "${1:-build}" && pwd)
N=${N:-100000}
RUNS=${RUNS:-5}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
ours=$("$build/bench/insights-bench" "$N" "$RUNS" 'stats avg(@duration) by bin(1m)')
echo "$ours"
peer=$(python3 - "$N" "$RUNS" <<'PY'
import re, sys, time
n, runs = int(sys.argv[1]), int(sys.argv[2])
lines = ["REPORT RequestId: 6c1b7a4e-0000-4000-8000-%012d\tDuration: %d.%02d ms\tBilled Duration: %d ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t"
         % (i, 50 + i % 97, i % 100, 51 + i % 97) for i in range(n)]
rx = re.compile(r"^REPORT .*?\tDuration: ([0-9.]+) ms")
ts, cs = [], []
for _ in range(runs):
    t0 = time.perf_counter()
    c0 = time.process_time()
    g = {}
    for i, l in enumerate(lines):
        m = rx.match(l)
        if m:
            b = (1765000000000 + i * 600) // 60000
            s = g.setdefault(b, [0.0, 0])
            s[0] += float(m.group(1))
            s[1] += 1
    avg = {b: s[0] / s[1] for b, s in g.items()}
    ts.append((time.perf_counter() - t0) * 1000)
    cs.append((time.process_time() - c0) * 1000)
ts.sort()
cs.sort()
print("%-34s best %8.1f ms   median %8.1f ms   cpu median %8.1f ms   (%d rows)" % ("Python regex + dict (peer)", ts[0], ts[len(ts) // 2], cs[len(cs) // 2], len(avg)))
PY
)
echo "$peer"
o=$(echo "$ours" | sed 's/.* median *\([0-9.]*\) ms   cpu.*/\1/')
p=$(echo "$peer" | sed 's/.* median *\([0-9.]*\) ms   cpu.*/\1/')
oc=$(echo "$ours" | sed 's/.*cpu median *\([0-9.]*\) ms.*/\1/')
pc=$(echo "$peer" | sed 's/.*cpu median *\([0-9.]*\) ms.*/\1/')
awk -v o="$o" -v p="$p" -v oc="$oc" -v pc="$pc" 'BEGIN { printf "ratio (ours / peer, medians): wall %.2f, cpu %.2f; target 500 ms: %s (wall), %s (cpu)\n", o / p, oc / pc, o <= 500 ? "met" : "missed", oc <= 500 ? "met" : "missed" }'
