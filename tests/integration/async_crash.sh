#!/bin/bash
# kill -9 of the cloud just after it accepted asynchronous invocations (Invoke with
# X-Amz-Invocation-Type: Event answered 202), while some run and others wait: after a restart
# every accepted event runs (the function copies each event to a queue with boto3, then
# sleeps). At least once, as Lambda's own queue: none is lost. TAP.
#
#   async_crash.sh path/to/lambda-tutor
TUTOR=${1:?usage: async_crash.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if ! $PY -c 'import boto3' 2>/dev/null; then
	echo "1..0 # SKIP no boto3 for /usr/bin/python3"
	exit 0
fi
N=8
start_cloud
ok $? "serve starts"
ACCT=$(ctl /_tutor/health | json_get account)
awsl sqs create-queue --queue-name seen >/dev/null
ok $? "create the queue the function writes to"
mkdir -p "$WORK/fn"
cat >"$WORK/fn/lambda_function.py" <<'PY'
import json, time, boto3
sqs = boto3.client("sqs")
def lambda_handler(event, context):
    url = sqs.get_queue_url(QueueName="seen")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    time.sleep(2)
PY
make_zip "$WORK/fn.zip" "$WORK/fn"
out=$(create_fn copier python3.12 lambda_function.lambda_handler "$WORK/fn.zip" ',"Timeout":30')
check "create the function" contains "$out" '"FunctionName":"copier"'
accepted=0
for i in $(seq 1 $N); do
	code=$(lcurl -s -o /dev/null -w '%{http_code}' -X POST \
		"$E/2015-03-31/functions/copier/invocations" \
		-H 'X-Amz-Invocation-Type: Event' -d "{\"n\":$i}")
	[ "$code" = 202 ] && accepted=$((accepted + 1))
done
kill -9 "$CLOUD_PID"
wait "$CLOUD_PID" 2>/dev/null
CLOUD_PID=
check "$N events were accepted (202) before the kill" test "$accepted" = $N
start_cloud
ok $? "the cloud starts again after kill -9"
# The numbers the function has seen, sorted and unique.
seen() {
	$PY - "$E" "$ACCT" <<'PY'
import json, sys, boto3
sqs = boto3.client("sqs", endpoint_url=sys.argv[1], region_name="us-east-1")
url = "%s/%s/seen" % (sys.argv[1], sys.argv[2])
got = set()
while True:
    r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    ms = r.get("Messages", [])
    if not ms:
        break
    for m in ms:
        got.add(json.loads(m["Body"])["n"])
    sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(ms)])
print(" ".join(map(str, sorted(got))))
PY
}
all=$(seq -s ' ' 1 $N)
got=
all_seen() {
	for v in $(seen); do got="$got $v"; done
	[ "$(printf '%s\n' $got | sort -nu | tr '\n' ' ')" = "$all " ]
}
wait_until "every accepted event ran after the restart" all_seen
note "seen: $(printf '%s\n' $got | sort -nu | tr '\n' ' ')"
stop_cloud
ok $? "the cloud stops cleanly"
finish
