#!/bin/sh
# The cost of checking SigV4 signatures: the cloud's verification of one request (signing key
# kept, a small body, and a key's first request of the day, which derives its signing key),
# beside the whole round trip of a signed request to a real cloud on loopback (the checker's
# client, kept alive), and, as the peer, botocore signing the same request (what a Python
# client pays on its side for every call).
#
#   bench/sigv4.sh [BUILD_DIR]        (default: build)
#
# Target (issue 12): verification <= 10 us a request. Times are CPU time (the process's), which
# a busy machine inflates far less than wall time; the round trip's wall time is shown too.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
bin=$build/bench/bench-sigv4-verify
n=${RUNS:-20000}

die() {
	echo "bench/sigv4.sh: $*" >&2
	exit 2
}
[ -x "$bin" ] || die "no $bin; build first (meson setup build && meson compile -C build)"
out=$("$bin" "$n") || die "the benchmark failed"
get() { echo "$out" | awk -v k="$1" '$1 == k {print $2}'; }
peer=$(/usr/bin/python3 - "$n" 2>/dev/null <<'PY'
import sys, time
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
n = max(100, int(sys.argv[1]) // 20)
creds = Credentials("AKIABENCHMARKKEY0000", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
signer = SigV4Auth(creds, "lambda", "us-east-1")
t0 = time.process_time()
for _ in range(n):
    req = AWSRequest(method="POST", url="http://127.0.0.1:4566/2015-03-31/functions/bench/invocations",
                     data=b"{" * 200, headers={"Content-Type": "application/json"})
    signer.add_auth(req)
print("%.1f" % ((time.process_time() - t0) / n * 1e6))
PY
)
load=$(cut -d' ' -f1 /proc/loadavg)
trip=$(get round_trip_us)
trip_cpu=$(get round_trip_cpu_us)
small=$(get verify_200B_us)
printf 'SigV4 verification, %s requests; %s cores, load %s\n' "$n" "$(nproc)" "$load"
printf '%-58s %10s\n' "" "us/request (CPU time)"
printf '%-58s %10s\n' "verify, signing key kept, empty body" "$(get verify_empty_us)"
printf '%-58s %10s\n' "verify, signing key kept, 200-byte body" "$small"
printf '%-58s %10s\n' "verify, a key's first request (derives its key)" "$(get verify_new_key_us)"
printf '%-58s %10s\n' "round trip of a signed GetAccountSettings, client+cloud" "$(get round_trip_cpu_us)"
printf '%-58s %10s\n' "... its wall time (loopback, kept alive)" "$trip"
if [ -n "$peer" ]; then
	printf '%-58s %10s\n' "peer: botocore 1.29 signing the 200-byte request" "$peer"
else
	printf '%-58s %10s\n' "peer: botocore signing (Debian's python3-botocore missing)" "-"
fi
awk -v v="$small" -v t="$trip_cpu" -v p="${peer:-0}" 'BEGIN {
	printf "verification is %.1f%% of the round trip'"'"'s CPU time", 100 * v / t
	if (p > 0) printf ", %.0fx faster than botocore signs", p / v
	printf "; target <= 10 us: %s\n", (v <= 10 ? "met" : "MISSED")
}'
