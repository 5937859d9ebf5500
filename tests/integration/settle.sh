#!/bin/bash
# The settle control (POST /_tutor/settle): it answers once the caller's account has no
# invocation in flight, no asynchronous event leased or due and no event source mapping with
# work, and with advance it moves the virtual clock through each due retry, letting each settle.
# Everything is observed right after each answer, never after a fixed wait. TAP.
#
#   settle.sh path/to/lambda-tutor
TUTOR=${1:?usage: settle.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
start_cloud
ok $? "serve starts"
ACCT=$(ctl /_tutor/health | json_get account)

mkdir -p "$WORK/poison" "$WORK/slow"
cat >"$WORK/poison/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    print("attempt for", event.get("n"))
    raise ValueError("cannot digest %s" % event.get("n"))
PY
cat >"$WORK/slow/lambda_function.py" <<'PY'
import time
def lambda_handler(event, context):
    time.sleep(event.get("seconds", 0))
    print("slept", event.get("seconds", 0))
    return "done"
PY
make_zip "$WORK/poison.zip" "$WORK/poison"
make_zip "$WORK/slow.zip" "$WORK/slow"
create_fn poison python3.13 lambda_function.lambda_handler "$WORK/poison.zip" >/dev/null
create_fn slow python3.13 lambda_function.lambda_handler "$WORK/slow.zip" ',"Timeout":10' >/dev/null
printf '{"QueueName":"dlq"}' >"$WORK/q.json"
sigcurl sqs -s -X POST "$E/" -H 'X-Amz-Target: AmazonSQS.CreateQueue' \
	-H 'Content-Type: application/x-amz-json-1.0' --data-binary @"$WORK/q.json" >/dev/null
printf '{"DeadLetterConfig":{"TargetArn":"arn:aws:sqs:us-east-1:%s:dlq"}}' "$ACCT" >"$WORK/dlq.json"
api PUT /2015-03-31/functions/poison/configuration "$WORK/dlq.json" | grep -q "HTTP 200"
ok $? "the poison function has a dead-letter queue"

attempts() { # how many times poison ran: its START lines in the log group
	printf '{"logGroupName":"/aws/lambda/poison"}' >"$WORK/f.json"
	sigcurl logs -s -X POST "$E/" -H 'X-Amz-Target: Logs_20140328.FilterLogEvents' \
		-H 'Content-Type: application/x-amz-json-1.1' --data-binary @"$WORK/f.json" |
		grep -o '"message":"START RequestId' | wc -l
}
settle() { ctl "/_tutor/settle$1" -X POST; }

echo '{"n": 7}' >"$WORK/ev.json"
lcurl -s -X POST "$E/2015-03-31/functions/poison/invocations" -H 'X-Amz-Invocation-Type: Event' \
	--data-binary @"$WORK/ev.json" -o /dev/null -w '%{http_code}' | grep -q 202
ok $? "an asynchronous invocation is accepted"
out=$(settle "")
check "settle answers settled" contains "$out" '"settled":true'
check "... without moving the clock" contains "$out" '"advanced_ms":0'
[ "$(attempts)" = 1 ]
ok $? "the first attempt has run by the time settle answers (got $(attempts))"

out=$(settle "?advance=30")
check "settle?advance=30 settles" contains "$out" '"settled":true'
[ "$(attempts)" = 1 ]
ok $? "30 s is not enough for the first retry (got $(attempts))"
settle "?advance=30" >/dev/null
[ "$(attempts)" = 2 ]
ok $? "30 s more and the retry after a minute has run (got $(attempts))"
out=$(settle "?advance=600")
check "ten minutes later" contains "$out" '"settled":true'
[ "$(attempts)" = 3 ]
ok $? "the second retry has run too: three attempts in all (got $(attempts))"
printf '{"QueueUrl":"%s/%s/dlq","MaxNumberOfMessages":10}' "$E" "$ACCT" >"$WORK/r.json"
sigcurl sqs -s -X POST "$E/" -H 'X-Amz-Target: AmazonSQS.ReceiveMessage' \
	-H 'Content-Type: application/x-amz-json-1.0' --data-binary @"$WORK/r.json" >"$WORK/dlq.out"
grep -q '\\"n\\": 7' "$WORK/dlq.out"
ok $? "the event is in the dead-letter queue when settle answers"

# One retry that would be due after the end is not run: advance stops at its end. (The clock
# also runs in real time: 45 s leaves the retry 15 s away while the attempts are counted, however
# busy the machine.)
lcurl -s -X POST "$E/2015-03-31/functions/poison/invocations" -H 'X-Amz-Invocation-Type: Event' \
	--data-binary @"$WORK/ev.json" -o /dev/null
settle "?advance=45" >/dev/null
[ "$(attempts)" = 4 ]
ok $? "advance=45 runs the new event once and no retry (got $(attempts))"
settle "?advance=15" >/dev/null
[ "$(attempts)" = 5 ]
ok $? "15 s more and its retry is due and runs (got $(attempts))"

# Settle waits for an invocation in flight, and says so when it runs out of time.
echo '{"seconds": 2}' >"$WORK/slow.json"
lcurl -s -X POST "$E/2015-03-31/functions/slow/invocations" -H 'X-Amz-Invocation-Type: Event' \
	--data-binary @"$WORK/slow.json" -o /dev/null
out=$(settle "?timeout=0.3")
check "a 2-second invocation is not over in 0.3 s" contains "$out" '"settled":false'
check "... and settle says what is going on" contains "$out" '"busy":"'
out=$(settle "")
check "waiting longer, it settles" contains "$out" '"settled":true'
printf '{"logGroupName":"/aws/lambda/slow"}' >"$WORK/f.json"
sigcurl logs -s -X POST "$E/" -H 'X-Amz-Target: Logs_20140328.FilterLogEvents' \
	-H 'Content-Type: application/x-amz-json-1.1' --data-binary @"$WORK/f.json" | grep -q 'slept 2'
ok $? "... and the invocation's log is there"

# Another account's work does not hold this one up.
lcurl -s -X POST "$E/2015-03-31/functions/slow/invocations" -H 'X-Amz-Invocation-Type: Event' \
	--data-binary @"$WORK/slow.json" -o /dev/null
read -r _ _ other < <(new_account)
out=$(ctl "/_tutor/settle?timeout=1&account=$other" -X POST)
check "another account settles at once while this one is busy" contains "$out" '"settled":true'
settle "" >/dev/null

# An event source mapping's messages are all delivered by the time settle answers.
printf '{"QueueName":"work"}' >"$WORK/q.json"
sigcurl sqs -s -X POST "$E/" -H 'X-Amz-Target: AmazonSQS.CreateQueue' \
	-H 'Content-Type: application/x-amz-json-1.0' --data-binary @"$WORK/q.json" >/dev/null
printf '{"FunctionName":"slow","EventSourceArn":"arn:aws:sqs:us-east-1:%s:work","BatchSize":1}' \
	"$ACCT" >"$WORK/esm.json"
api POST /2015-03-31/event-source-mappings/ "$WORK/esm.json" | grep -q "HTTP 202"
ok $? "an event source mapping from a queue to the slow function"
for i in 1 2 3; do
	printf '{"QueueUrl":"%s/%s/work","MessageBody":"m%s"}' "$E" "$ACCT" "$i" >"$WORK/s.json"
	sigcurl sqs -s -X POST "$E/" -H 'X-Amz-Target: AmazonSQS.SendMessage' \
		-H 'Content-Type: application/x-amz-json-1.0' --data-binary @"$WORK/s.json" >/dev/null
done
out=$(settle "")
check "settle answers once the mapping is idle" contains "$out" '"settled":true'
printf '{"QueueUrl":"%s/%s/work","AttributeNames":["All"]}' "$E" "$ACCT" >"$WORK/a.json"
sigcurl sqs -s -X POST "$E/" -H 'X-Amz-Target: AmazonSQS.GetQueueAttributes' \
	-H 'Content-Type: application/x-amz-json-1.0' --data-binary @"$WORK/a.json" >"$WORK/attrs"
grep -q '"ApproximateNumberOfMessages":"0"' "$WORK/attrs" &&
	grep -q '"ApproximateNumberOfMessagesNotVisible":"0"' "$WORK/attrs"
ok $? "... every message processed and deleted"

# A DynamoDB stream's records are all processed by the time settle answers, and a batch that
# waits out a retry's backoff is a due point that advance moves to, not work to wait for.
mkdir -p "$WORK/tally"
cat >"$WORK/tally/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    ids = [r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]]
    for i in ids:
        print("record", i)
    if "bad" in ids:
        raise ValueError("a bad record")
PY
make_zip "$WORK/tally.zip" "$WORK/tally"
create_fn tally python3.13 lambda_function.lambda_handler "$WORK/tally.zip" >/dev/null
ddb() { # ddb OPERATION JSON
	sigcurl dynamodb -s -X POST "$E/" -H "X-Amz-Target: DynamoDB_20120810.$1" \
		-H 'Content-Type: application/x-amz-json-1.0' --data-binary "$2"
}
stream=$(ddb CreateTable '{"TableName":"orders","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_IMAGE"}}' |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["TableDescription"]["LatestStreamArn"])')
check "a table with a stream" contains "$stream" ":table/orders/stream/"
printf '{"FunctionName":"tally","EventSourceArn":"%s","StartingPosition":"TRIM_HORIZON","BatchSize":10,"MaximumRetryAttempts":1}' \
	"$stream" >"$WORK/esm.json"
api POST /2015-03-31/event-source-mappings/ "$WORK/esm.json" | grep -q "HTTP 202"
ok $? "a mapping from the stream to a function"
seen() { # seen ID: how many times tally was handed the record ID
	printf '{"logGroupName":"/aws/lambda/tally"}' >"$WORK/f.json"
	sigcurl logs -s -X POST "$E/" -H 'X-Amz-Target: Logs_20140328.FilterLogEvents' \
		-H 'Content-Type: application/x-amz-json-1.1' --data-binary @"$WORK/f.json" |
		$PY -c 'import json,sys; print(sum(e["message"].split() == ["record", sys.argv[1]]
			for e in json.load(sys.stdin).get("events", [])))' "$1"
}
for i in a b c; do
	ddb PutItem "{\"TableName\":\"orders\",\"Item\":{\"id\":{\"S\":\"$i\"}}}" >/dev/null
done
out=$(settle "")
check "settle answers once the stream is read and processed" contains "$out" '"settled":true'
[ "$(seen a)$(seen b)$(seen c)" = 111 ]
ok $? "... each of the three records handed over once (got $(seen a)$(seen b)$(seen c))"
ddb PutItem '{"TableName":"orders","Item":{"id":{"S":"bad"}}}' >/dev/null
out=$(settle "")
check "a batch waiting out its backoff does not hold settle up" contains "$out" '"settled":true'
[ "$(seen bad)" = 1 ]
ok $? "... its first attempt has run (got $(seen bad))"
out=$(settle "?advance=60")
check "advance settles through the retry" contains "$out" '"settled":true'
[ "$(seen bad)" = 2 ]
ok $? "... one retry, then the record is given up on (got $(seen bad))"
ddb PutItem '{"TableName":"orders","Item":{"id":{"S":"d"}}}' >/dev/null
settle "" >/dev/null
[ "$(seen d)" = 1 ]
ok $? "the shard goes on past it (got $(seen d))"

out=$(ctl "/_tutor/settle?advance=-1" -X POST -w '\nHTTP %{http_code}\n')
check "a negative advance is refused, saying why" contains "$out" 'advance must be a number of seconds'
check "... with a 400" contains "$out" 'HTTP 400'
out=$(ctl /_tutor/settle -w '\nHTTP %{http_code}\n')
check "GET is refused with a 405" contains "$out" 'HTTP 405'
stop_cloud
ok $? "the cloud stops cleanly"
finish
