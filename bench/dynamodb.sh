#!/bin/sh
# DynamoDB and Kinesis from boto3 (Debian's Python), warm: the median and p90 round trip of
# PutItem and GetItem (one item of a few attributes, N calls each after 50 warm-ups) and of a
# Kinesis PutRecords of 500 records; then a DynamoDB stream feeding a Python function through
# an event source mapping, batch size 100: records per second from the mapping's creation
# until the function has seen all of them (M items written first; the function counts them
# in memory and answers at once; its cold start is inside the span). Beside the round trips,
# moto_server's (from the Python on PATH, when it has moto: a dev machine's peer, skipped
# when absent), measured in the same run with the same client. DynamoDB Local is not the peer:
# its licence is the vendor's own, so it is not installed here.
#
#   bench/dynamodb.sh [BUILD_DIR]      (default: build; N=500 calls, M=20000 items)
#
# Targets (issue 16): PutItem and GetItem <= 1 ms median; PutRecords of 500 <= 10 ms;
# >= 5,000 stream records/s through the mapping on 2 cores.
set -eu
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
n=${N:-500}
m=${M:-20000}
[ -x "$tutor" ] || { echo "bench/dynamodb.sh: no $tutor; build first" >&2; exit 2; }
/usr/bin/python3 -c 'import boto3' || { echo "bench/dynamodb.sh: needs python3-boto3" >&2; exit 2; }

bench_tmp ddb
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
bench_serve "$tutor" "$tmp/ws"
E=http://127.0.0.1:$port
# The cloud checks every signature: its clients sign with the workspace learner's keys (the
# peer, which checks none, keeps the test keys it was started with).
cred=$tmp/ws/.cloud/credentials
AWS_ACCESS_KEY_ID=$(awk '$1 == "aws_access_key_id" {print $3}' "$cred")
AWS_SECRET_ACCESS_KEY=$(awk '$1 == "aws_secret_access_key" {print $3}' "$cred")

# The moto peer, when the Python on PATH has it.
moto=
if command -v moto_server >/dev/null 2>&1; then
	mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	moto_server -H 127.0.0.1 -p "$mport" >"$tmp/moto.log" 2>&1 &
	peer_pid=$!
	i=0
	until curl -sf "http://127.0.0.1:$mport/moto-api/" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 200 ] || break
		sleep 0.05
	done
	curl -sf "http://127.0.0.1:$mport/moto-api/" >/dev/null 2>&1 && moto=http://127.0.0.1:$mport
fi

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
LT_ROOT=$root /usr/bin/python3 - "$E" "$moto" "$n" "$m" <<'PY'
import io, statistics, sys, threading, time, zipfile
import boto3
import os
sys.path.insert(0, os.path.join(os.environ["LT_ROOT"], "tests", "integration"))
import cloudlib  # noqa: E402

endpoint, moto, n, m = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def clients(url):
    # Ours with the learner's keys from the environment; moto takes any.
    kw = dict(endpoint_url=url, region_name="us-east-1")
    return boto3.client("dynamodb", **kw), boto3.client("kinesis", **kw), boto3.client("lambda", **kw)


def timed(fn, runs, warm=50, pause=0):
    for i in range(warm):
        fn(i)
        time.sleep(pause)
    xs = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        xs.append((time.perf_counter() - t) * 1000)
        time.sleep(pause)  # outside the span measured
    xs.sort()
    return statistics.median(xs), xs[int(len(xs) * 0.9)]


def round_trips(url):
    ddb, kin, _ = clients(url)
    ddb.create_table(TableName="bench", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    item = lambda i: {"id": {"S": "item-%06d" % i}, "name": {"S": "teapot"}, "price": {"N": "12.50"},
                      "tags": {"SS": ["kitchen", "tea"]}}
    put = timed(lambda i: ddb.put_item(TableName="bench", Item=item(i)), n)
    get = timed(lambda i: ddb.get_item(TableName="bench", Key={"id": {"S": "item-%06d" % (i % n)}}), n)
    kin.create_stream(StreamName="bench", ShardCount=4)
    kin.get_waiter("stream_exists").wait(StreamName="bench")
    recs = [{"Data": b"x" * 100, "PartitionKey": "key-%d" % i} for i in range(500)]
    # Four shards take 4,000 records a second: a pause between calls keeps under the limit.
    def put_records(i):
        r = kin.put_records(StreamName="bench", Records=recs)
        assert r["FailedRecordCount"] == 0, r["FailedRecordCount"]
    kput = timed(put_records, max(20, n // 10), warm=5, pause=0.15)
    return put, get, kput


ours = round_trips(endpoint)
theirs = round_trips(moto) if moto else None
print("%-28s %16s %16s" % ("boto3, warm, median / p90", "lambda-tutor", "moto_server" if moto else ""))
for label, a, b in zip(("PutItem", "GetItem", "PutRecords of 500"), ours, theirs or (None,) * 3):
    line = "%-28s %7.2f / %5.2f ms" % (label, a[0], a[1])
    if b:
        line += " %7.2f / %5.2f ms  (%.1fx)" % (b[0], b[1], b[0] / a[0])
    print(line)
if not moto:
    print("(moto_server is not on PATH here: no peer figures)")

# A stream through an event source mapping.
ddb, _, lam = clients(endpoint)
ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                 BillingMode="PAY_PER_REQUEST",
                 StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
arn = ddb.describe_table(TableName="orders")["Table"]["LatestStreamArn"]
t0 = time.monotonic()
for start in range(0, m, 25):
    ddb.batch_write_item(RequestItems={"orders": [
        {"PutRequest": {"Item": {"id": {"S": "o%06d" % i}, "n": {"N": str(i)}}}}
        for i in range(start, min(m, start + 25))]})
wrote = time.monotonic() - t0
code = """
seen = 0
def handler(event, context):
    global seen
    seen += len(event["Records"])
    print("SEEN %d" % seen)
    return {}
"""
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("f.py", code)
lam.create_function(FunctionName="sink", Runtime="python3.12", Handler="f.handler", Timeout=30,
                    Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
t0 = time.monotonic()
u = lam.create_event_source_mapping(FunctionName="sink", EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                    BatchSize=100)["UUID"]
# Signed with the learner's keys from the environment, as every client of ours: with any other
# keys the cloud refuses the poll (UnrecognizedClientException), and a poll that fails must not
# pass for "not finished yet".
logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1")
# The mapping's checkpoint is the record count it has finished: poll the log for the last SEEN.
done = None
while time.monotonic() - t0 < 600:
    try:
        ev = logs.filter_log_events(logGroupName="/aws/lambda/sink", filterPattern="SEEN")["events"]
        last = max((int(e["message"].split()[1]) for e in ev), default=0)
    except logs.exceptions.ResourceNotFoundException:
        last = 0  # the function has not logged yet: its group does not exist
    if last >= m:
        done = time.monotonic() - t0
        break
    time.sleep(0.05)
if done is None:
    print("stream -> mapping: did not finish in 600 s")
    sys.exit(1)
print("stream -> mapping, batch 100: %d records in %.2f s = %.0f records/s (writing them took %.2f s)"
      % (m, done, m / done, wrote))
PY
