#!/bin/sh
# `lambda-tutor tune` (issue 13): a warm Python function that sleeps 100 ms, tuned at 6 memory
# sizes (128, 256, 512, 1024, 1536, 3008) with N counted calls each (default 10) plus the
# warm-up call tune makes at each size: wall time of the whole run (copy, updates, calls,
# delete). Peer in the same run: the bare calls alone, 6 x (N + 1) sequential invokes of the
# same function through boto3 (a warm 100 ms floor), and the ratio.
#
#   bench/tune.sh [BUILD_DIR]      (default: build; N=10)
#
# Target: tune over 6 sizes x 10 calls of a warm 100 ms function <= 10 s of wall time.
set -eu
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
n=${N:-10}
[ -x "$tutor" ] || { echo "bench/tune.sh: no $tutor; build first" >&2; exit 2; }
/usr/bin/python3 -c 'import boto3' || { echo "bench/tune.sh: needs python3-boto3" >&2; exit 2; }

bench_tmp tune
bench_serve "$tutor" "$tmp/ws"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
peer=$(/usr/bin/python3 - "http://127.0.0.1:$port" "$tmp/ws" "$n" <<'PY'
import io, json, sys, time, zipfile
import boto3

endpoint, ws, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
keys = {}
with open(ws + "/.cloud/credentials") as f:
    for line in f:
        if "=" in line:
            k, v = line.split("=", 1)
            keys[k.strip()] = v.strip()
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id=keys["aws_access_key_id"],
          aws_secret_access_key=keys["aws_secret_access_key"])
lam, iam = boto3.client("lambda", **kw), boto3.client("iam", **kw)
role = iam.create_role(RoleName="sleepy", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
    "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", "import time\ndef handler(event, context):\n    time.sleep(0.1)\n    return 1\n")
lam.create_function(FunctionName="sleepy", Runtime="python3.12", Handler="app.handler",
                    Role=role, Code={"ZipFile": buf.getvalue()},
                    MemorySize=128)
lam.invoke(FunctionName="sleepy")
t0 = time.monotonic()
for _ in range(6 * (n + 1)):
    lam.invoke(FunctionName="sleepy")
print("%.2f" % (time.monotonic() - t0))
PY
)
t0=$(date +%s.%N)
"$tutor" tune sleepy --memory 128,256,512,1024,1536,3008 --invocations "$n" \
	--workspace "$tmp/ws" >"$tmp/tune.out" 2>"$tmp/tune.err" || {
	cat "$tmp/tune.err" >&2
	exit 1
}
t1=$(date +%s.%N)
ours=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
sed -n '/^  Memory/,/^$/p' "$tmp/tune.out"
printf '%-44s %6s s\n' "lambda-tutor tune, 6 sizes x $n (+1 warm-up)" "$ours"
printf '%-44s %6s s\n' "the same calls alone, boto3 (peer)" "$peer"
awk -v o="$ours" -v p="$peer" 'BEGIN { printf "ratio (tune / bare calls): %.2f; target 10 s: %s\n", o / p, o <= 10 ? "met" : "missed" }'
