#!/bin/sh
# SQS -> Lambda through an event source mapping, batch size 10: messages per second from the
# mapping's creation until the queue is empty (N messages queued first; the handler, Python,
# returns at once; it has never run, so the span includes its concurrent cold starts). Beside
# it, what a user would otherwise run here: moto_server (from the Python on PATH, if it has
# moto) serves SQS but runs Lambda functions only in Docker, so the comparison is its SQS
# alone, receive 10 + delete batch in a loop, no function.
#
#   bench/esm.sh [BUILD_DIR]        (default: build; N=20000 messages)
#
# Target (issue 5): >= 2,000 messages/s on 2 cores.
set -eu
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
n=${N:-20000}
flow=$root/tests/integration/esm_flow.py
[ -x "$tutor" ] || { echo "bench/esm.sh: no $tutor; build first" >&2; exit 2; }
/usr/bin/python3 -c 'import boto3' || { echo "bench/esm.sh: needs python3-boto3" >&2; exit 2; }

bench_tmp esm
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
bench_serve "$tutor" "$tmp/ws"
E=http://127.0.0.1:$port
# The cloud checks every signature: its clients sign with the workspace learner's keys (the
# peer, which checks none, keeps the test keys it was started with).
cred=$tmp/ws/.cloud/credentials
AWS_ACCESS_KEY_ID=$(awk '$1 == "aws_access_key_id" {print $3}' "$cred")
AWS_SECRET_ACCESS_KEY=$(awk '$1 == "aws_secret_access_key" {print $3}' "$cred")
/usr/bin/python3 - "$flow" "$E" "$n" "$tmp/ws/.cloud/control.sock" <<'PY'
import importlib.util, os, sys, time
spec = importlib.util.spec_from_file_location("flow", sys.argv[1])
flow = importlib.util.module_from_spec(spec)
spec.loader.exec_module(flow)
endpoint, n = sys.argv[2], int(sys.argv[3])
sqs, lam = flow.clients(endpoint)
# Queue first, without a mapping; then time from the mapping's creation to an empty queue.
work = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
for start in range(0, n, 10):
    sqs.send_message_batch(QueueUrl=work, Entries=[
        {"Id": str(i), "MessageBody": "m%06d" % i} for i in range(start, min(n, start + 10))])
import io, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return {'batchItemFailures': []}\n")
lam.create_function(FunctionName="sink", Runtime="python3.12", Handler="lambda_function.lambda_handler",
                    Role=flow.cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
arn = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
# No warm-up: the pollers' first batches start their environments cold, concurrently, inside
# the timed span.
t0 = time.monotonic()
lam.create_event_source_mapping(FunctionName="sink", EventSourceArn=arn, BatchSize=10)
took = flow.drain(endpoint, 600, t0)
if took is None:
    print("lambda-tutor ESM: did not drain in 600 s")
    sys.exit(1)
# Every batch must have succeeded the first time: a cold start left waiting would show here as
# an error (Sandbox.Timedout), and in the time as the visibility timeout.
import json, subprocess
# The tutor's controls are on the workspace's control socket.
metrics = json.loads(subprocess.run(
    ["curl", "-sf", "--unix-socket", sys.argv[4], "http://localhost/_tutor/metrics?function=sink"],
    check=True, capture_output=True, timeout=30).stdout)
errors = sum(m["Errors"] for m in metrics["Metrics"])
calls = sum(m["Invocations"] for m in metrics["Metrics"])
if errors or not calls:
    print("lambda-tutor ESM: %d of %d invocations failed" % (errors, calls))
    sys.exit(1)
print("lambda-tutor  SQS -> ESM (batch 10) -> Python function: %d messages in %.2f s = %.0f messages/s (target >= 2000)"
      % (n, took, n / took))
PY
if python3 -c 'import moto, flask' 2>/dev/null && command -v moto_server >/dev/null; then
	mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	moto_server -p "$mport" >"$tmp/moto.log" 2>&1 &
	peer_pid=$!
	i=0
	until curl -sf "http://127.0.0.1:$mport/moto-api/" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 200 ] || break; sleep 0.05
	done
	python3 - "http://127.0.0.1:$mport" "$n" <<'PY'
import sys, time, boto3
endpoint, n = sys.argv[1], int(sys.argv[2])
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
q = sqs.create_queue(QueueName="work")["QueueUrl"]
for start in range(0, n, 10):
    sqs.send_message_batch(QueueUrl=q, Entries=[{"Id": str(i), "MessageBody": "m%06d" % i}
                                                for i in range(start, min(n, start + 10))])
t0 = time.monotonic()
done = 0
while done < n:
    ms = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10).get("Messages", [])
    if not ms:
        break
    sqs.delete_message_batch(QueueUrl=q, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                  for i, m in enumerate(ms)])
    done += len(ms)
took = time.monotonic() - t0
print("moto_server   SQS receive 10 + delete batch, no function (its Lambda needs Docker): %d messages in %.2f s = %.0f messages/s"
      % (done, took, done / took))
PY
else
	echo "moto_server: absent (no moto in the Python on PATH); nothing to compare"
fi
