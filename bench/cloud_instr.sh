#!/bin/bash
# What the cloud spends on a request, counted in instructions (valgrind's callgrind), which a
# busy machine does not change as it changes times: N warm DynamoDB PutItem calls from boto3
# (one item of four attributes) and N/10 Kinesis PutRecords of 500 records, each build's cloud
# run under callgrind with its counters zeroed after the warm-up and dumped after the calls.
# Prints the instructions per call of the whole cloud, of the request's path (on_request),
# and, with a base build, the ratio. The boto3 client is not counted.
#
#   bench/cloud_instr.sh BUILD_DIR [BASE_BUILD_DIR]     (N=300 by default)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
n=${N:-300}
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
	{ echo "bench/cloud_instr.sh: needs valgrind" >&2; exit 2; }
/usr/bin/python3 -c 'import boto3' || { echo "bench/cloud_instr.sh: needs python3-boto3" >&2; exit 2; }
tmp=$(mktemp -d /tmp/bench-instr.XXXXXX)
vg=
cleanup() {
	[ -n "$vg" ] && kill -TERM "$vg" 2>/dev/null && wait "$vg" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# measure BUILD LABEL MODE: prints "LABEL MODE total request" (instructions per call).
measure() {
	local build=$1 label=$2 mode=$3 ws=$tmp/ws-$2-$3 calls
	mkdir -p "$ws"
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$label.$mode" \
		"$build/lambda-tutor-cloud" serve --workspace "$ws" --port 0 >"$tmp/log" 2>&1 &
	vg=$!
	local i=0 port=
	until [ -s "$ws/.cloud/lock" ] && port=$(awk '{print $2}' "$ws/.cloud/lock") &&
		curl -sf "http://127.0.0.1:$port/_tutor/health" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 1200 ] || { echo "bench/cloud_instr.sh: the cloud did not start" >&2; exit 1; }
		sleep 0.1
	done
	calls=$n
	[ "$mode" = kinesis ] && calls=$(((n + 9) / 10))
	AWS_ACCESS_KEY_ID=$(awk '$1 == "aws_access_key_id" {print $3}' "$ws/.cloud/credentials") \
	AWS_SECRET_ACCESS_KEY=$(awk '$1 == "aws_secret_access_key" {print $3}' "$ws/.cloud/credentials") \
	AWS_DEFAULT_REGION=us-east-1 /usr/bin/python3 - "http://127.0.0.1:$port" "$calls" "$vg" "$mode" <<'PY'
import subprocess, sys, time
import boto3
url, n, pid, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ddb = boto3.client("dynamodb", endpoint_url=url)
kin = boto3.client("kinesis", endpoint_url=url)
item = lambda i: {"id": {"S": "item-%06d" % i}, "name": {"S": "teapot"}, "price": {"N": "12.50"},
                  "tags": {"SS": ["kitchen", "tea"]}}
recs = [{"Data": b"x" * 100, "PartitionKey": "key-%d" % i} for i in range(500)]
if mode == "dynamodb":
    ddb.create_table(TableName="bench", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    call = lambda i: ddb.put_item(TableName="bench", Item=item(i))
else:
    # Enough shards that 500 records a call stay under the per-shard write limit.
    kin.create_stream(StreamName="bench", ShardCount=64)
    kin.get_waiter("stream_exists").wait(StreamName="bench")
    call = lambda i: kin.put_records(StreamName="bench", Records=recs)
for i in range(5):
    call(i)
subprocess.run(["callgrind_control", "-z", pid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
for i in range(n):
    call(i)
    if mode != "dynamodb":
        time.sleep(0.1)  # within every shard's 1,000 records a second
subprocess.run(["callgrind_control", "-d", pid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
PY
	kill -TERM "$vg" && wait "$vg" 2>/dev/null || true
	vg=
	local f=$tmp/cg.$label.$mode.1
	local total req
	total=$(awk '/^summary:/ {print $2}' "$f")
	req=$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null | awk '/server\.c:on_request / {gsub(",", "", $1); print $1; exit}')
	echo "$label $mode $((total / calls)) $((${req:-0} / calls))"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); N=$n"
{
	for mode in dynamodb kinesis; do
		measure "$(cd "$1" && pwd)" build $mode
		[ -n "${2:-}" ] && measure "$(cd "$2" && pwd)" base $mode
	done
} >"$tmp/out"
printf '%-34s %14s %14s\n' "instructions per call" "whole cloud" "request path"
while read -r label mode total req; do
	name="PutItem"
	[ "$mode" = kinesis ] && name="PutRecords of 500"
	printf '%-34s %14s %14s\n' "$name ($label)" "$total" "$req"
done <"$tmp/out"
if [ -n "${2:-}" ]; then
	for mode in dynamodb kinesis; do
		awk -v m=$mode '$2 == m && $1 == "build" {b = $4} $2 == m && $1 == "base" {a = $4}
			END {if (a) printf "%-34s %14s %14.2fx\n", m " request path, build/base", "", b / a}' "$tmp/out"
	done
fi
