#!/bin/bash
# SQS through both of its protocols: the query protocol of Debian's aws CLI 2.9 and boto3 1.26,
# and AWS JSON 1.0 (curl, and botocore >= 1.31 when the Python on PATH has it): queues,
# attributes, send/receive/delete (single and batch), message attributes and their MD5s, long
# polling, visibility timeouts on the virtual clock, redrive to a DLQ after maxReceiveCount,
# purge, tags, durability across a restart, and AWS-shaped errors for bad input. TAP.
#
#   sqs_protocols.sh path/to/lambda-tutor
TUTOR=${1:?usage: sqs_protocols.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud
ok $? "serve starts"
ACCT=$(ctl /_tutor/health | json_get account)

out=$(awsl sqs create-queue --queue-name orders --attributes VisibilityTimeout=30 2>&1)
ok $? "aws sqs create-queue"
Q=$(printf '%s' "$out" | json_get QueueUrl)
check "... answers the queue's URL" test "$Q" = "$E/$ACCT/orders"
out=$(awsl sqs create-queue --queue-name orders --attributes VisibilityTimeout=30 2>&1)
ok $? "creating it again with the same attributes is fine"
out=$(awsl sqs create-queue --queue-name orders --attributes VisibilityTimeout=10 2>&1)
check "... with other attributes: QueueAlreadyExists" contains "$out" "QueueAlreadyExists"
out=$(awsl sqs create-queue --queue-name 'bad name!' 2>&1)
check "a bad queue name: InvalidParameterValue" contains "$out" "InvalidParameterValue"
out=$(awsl sqs create-queue --queue-name x --attributes VisibilityTimeout=50000 2>&1)
check "VisibilityTimeout 50000: InvalidAttributeValue" contains "$out" "InvalidAttributeValue"
awsl sqs create-queue --queue-name orders-dlq >/dev/null
out=$(awsl sqs list-queues --queue-name-prefix orders)
check "list-queues --queue-name-prefix" contains "$out" "$E/$ACCT/orders-dlq"
check "get-queue-url" test "$(awsl sqs get-queue-url --queue-name orders --query QueueUrl --output text)" = "$Q"
out=$(awsl sqs get-queue-url --queue-name nope 2>&1)
check "get-queue-url of a missing queue: AWS.SimpleQueueService.NonExistentQueue" \
	contains "$out" "AWS.SimpleQueueService.NonExistentQueue"

out=$(awsl sqs send-message --queue-url "$Q" --message-body 'order <1> & "more"' \
	--message-attributes '{"kind":{"DataType":"String","StringValue":"book"},"qty":{"DataType":"Number","StringValue":"2"},"raw":{"DataType":"Binary","BinaryValue":"AAEC"}}' 2>&1)
ok $? "send-message with attributes (the CLI checks both MD5s)"
check "... MD5OfMessageBody" contains "$out" "\"MD5OfMessageBody\": \"$(printf '%s' 'order <1> & "more"' | md5sum | cut -d' ' -f1)\""
out=$(awsl sqs receive-message --queue-url "$Q" --attribute-names All --message-attribute-names All 2>&1)
ok $? "receive-message"
note "$out"
check "... the body, escaped and back" contains "$out" '"Body": "order <1> & \"more\""'
check "... ApproximateReceiveCount 1" contains "$out" '"ApproximateReceiveCount": "1"'
check "... SentTimestamp" contains "$out" '"SentTimestamp"'
check "... the binary attribute" contains "$out" '"BinaryValue": "AAEC"'
RH=$(json_py "$out" 'print(d["Messages"][0]["ReceiptHandle"])')
out=$(awsl sqs receive-message --queue-url "$Q" 2>&1)
check "an in-flight message is not received again" test -z "$out"
advance 31
out=$(awsl sqs receive-message --queue-url "$Q" --attribute-names ApproximateReceiveCount 2>&1)
check "after the visibility timeout it is: ApproximateReceiveCount 2" contains "$out" '"ApproximateReceiveCount": "2"'
RH2=$(json_py "$out" 'print(d["Messages"][0]["ReceiptHandle"])')
awsl sqs change-message-visibility --queue-url "$Q" --receipt-handle "$RH2" --visibility-timeout 0
ok $? "change-message-visibility 0"
out=$(awsl sqs receive-message --queue-url "$Q" 2>&1)
check "... makes it visible at once" contains "$out" '"Body"'
RH3=$(json_py "$out" 'print(d["Messages"][0]["ReceiptHandle"])')
awsl sqs delete-message --queue-url "$Q" --receipt-handle "$RH3"
ok $? "delete-message"
out=$(awsl sqs delete-message --queue-url "$Q" --receipt-handle garbage 2>&1)
check "a malformed receipt handle: ReceiptHandleIsInvalid" contains "$out" "ReceiptHandleIsInvalid"
advance 60
check "a deleted message does not come back" test -z "$(awsl sqs receive-message --queue-url "$Q")"

out=$(awsl sqs send-message-batch --queue-url "$Q" --entries \
	'[{"Id":"a","MessageBody":"one"},{"Id":"b","MessageBody":"two"},{"Id":"c","MessageBody":"three","DelaySeconds":120}]' 2>&1)
ok $? "send-message-batch"
check "... three successful" test "$(json_py "$out" 'print(len(d["Successful"]))')" = 3
out=$(awsl sqs send-message-batch --queue-url "$Q" --entries '[{"Id":"a","MessageBody":"1"},{"Id":"a","MessageBody":"2"}]' 2>&1)
check "repeated batch ids: BatchEntryIdsNotDistinct" contains "$out" "BatchEntryIdsNotDistinct"
out=$(awsl sqs receive-message --queue-url "$Q" --max-number-of-messages 10 --visibility-timeout 0 2>&1)
check "receive --visibility-timeout 0 gets each message once, and leaves them visible" \
	test "$(json_py "$out" 'print(len(d["Messages"]), len({m["MessageId"] for m in d["Messages"]}))')" = "2 2"
out=$(awsl sqs receive-message --queue-url "$Q" --max-number-of-messages 10 2>&1)
check "receive --max-number-of-messages 10 gets the two not delayed" test "$(json_py "$out" 'print(len(d["Messages"]))')" = 2
entries=$(json_py "$out" 'import json; print(json.dumps([{"Id": "e%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(d["Messages"])]))')
out=$(awsl sqs delete-message-batch --queue-url "$Q" --entries "$entries" 2>&1)
check "delete-message-batch" test "$(json_py "$out" 'print(len(d["Successful"]))')" = 2
# A failed entry's Code is the query protocol's code, as SQS answers it.
out=$(awsl sqs delete-message-batch --queue-url "$Q" --entries '[{"Id":"g","ReceiptHandle":"garbage"}]' 2>&1)
check "delete-message-batch of a malformed handle: failed entry ReceiptHandleIsInvalid" \
	test "$(json_py "$out" 'print(d["Failed"][0]["Code"], d["Failed"][0]["SenderFault"])')" = "ReceiptHandleIsInvalid True"
vis=$(json_py "$entries" 'import json; print(json.dumps([dict(e, VisibilityTimeout=5) for e in d]))')
out=$(awsl sqs change-message-visibility-batch --queue-url "$Q" --entries "$vis" 2>&1)
check "change-message-visibility-batch of deleted messages: AWS.SimpleQueueService.MessageNotInflight" \
	test "$(json_py "$out" 'print(len(d["Failed"]), d["Failed"][0]["Code"])')" = "2 AWS.SimpleQueueService.MessageNotInflight"
out=$(awsl sqs get-queue-attributes --queue-url "$Q" --attribute-names All)
check "the delayed message counts as delayed" contains "$out" '"ApproximateNumberOfMessagesDelayed": "1"'
advance 121
out=$(awsl sqs receive-message --queue-url "$Q" 2>&1)
check "... and arrives after its DelaySeconds" contains "$out" '"Body": "three"'
out=$(awsl sqs receive-message --queue-url "$Q" --max-number-of-messages 11 2>&1)
check "MaxNumberOfMessages 11: InvalidParameterValue" contains "$out" "InvalidParameterValue"

# Long polling: a receive waiting 20 s gets a message sent 1 s later (with curl: the CLI's own
# start-up, seconds on a loaded machine, would decide which request comes first).
form() { sigcurl sqs -s -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data "$1" "$E/"; }
( sleep 1; form "Action=SendMessage&Version=2012-11-05&QueueUrl=$Q&MessageBody=late" >/dev/null ) &
sender=$!
out=$(form "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=$Q&WaitTimeSeconds=20")
wait $sender
check "long polling returns the message sent while it waited" contains "$out" '<Body>late</Body>'
awsl sqs purge-queue --queue-url "$Q"
ok $? "purge-queue"
advance 60
check "... empties the queue" test -z "$(awsl sqs receive-message --queue-url "$Q")"

# Redrive: maxReceiveCount 2.
awsl sqs set-queue-attributes --queue-url "$Q" --attributes \
	"{\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:$ACCT:orders-dlq\\\",\\\"maxReceiveCount\\\":\\\"2\\\"}\"}"
ok $? "set-queue-attributes RedrivePolicy"
out=$(awsl sqs get-queue-attributes --queue-url "$Q" --attribute-names RedrivePolicy)
check "... get-queue-attributes shows it" contains "$out" "maxReceiveCount"
out=$(awsl sqs set-queue-attributes --queue-url "$Q" --attributes '{"RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:'$ACCT':nope\",\"maxReceiveCount\":2}"}' 2>&1)
check "a redrive policy to a missing queue is refused" contains "$out" "does not exist"
awsl sqs send-message --queue-url "$Q" --message-body poison >/dev/null
for i in 1 2; do
	out=$(awsl sqs receive-message --queue-url "$Q")
	check "receive $i of the poison message" contains "$out" '"Body": "poison"'
	advance 31
done
check "the third receive finds nothing: it moved" test -z "$(awsl sqs receive-message --queue-url "$Q")"
out=$(awsl sqs receive-message --queue-url "$E/$ACCT/orders-dlq")
check "... to the dead-letter queue" contains "$out" '"Body": "poison"'

# Malformed requests get the protocols' errors.
out=$(sigcurl sqs -s -X POST "$E/" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data 'Action=SendMessage&QueueUrl=%zz' -w '\nHTTP %{http_code}')
check "a bad %-escape: 400 MalformedQueryString" contains "$out" "<Code>MalformedQueryString</Code>"
check "... with Type Sender" contains "$out" "<Type>Sender</Type>"
check "... HTTP 400" contains "$out" "HTTP 400"
out=$(sigcurl sqs -s -X POST "$E/" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data 'Action=Frobnicate&Version=2012-11-05')
check "an unknown action: InvalidAction" contains "$out" "<Code>InvalidAction</Code>"
out=$(sigcurl sqs -s -X POST "$E/" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data "Action=SendMessage&Version=2012-11-05&QueueUrl=$Q")
check "SendMessage without a body: MissingParameter" contains "$out" "<Code>MissingParameter</Code>"

# AWS JSON 1.0.
jpost() { # jpost ACTION BODY: prints headers and body
	sigcurl sqs -s -i -X POST "$E/" -H "X-Amz-Target: AmazonSQS.$1" \
		-H 'Content-Type: application/x-amz-json-1.0' --data-binary "$2"
}
out=$(jpost SendMessage "{\"QueueUrl\":\"$Q\",\"MessageBody\":\"json hello\"}")
check "JSON 1.0 SendMessage answers MessageId" contains "$out" '"MessageId"'
check "... as application/x-amz-json-1.0" grep -qi 'content-type: application/x-amz-json-1.0' <<<"$out"
out=$(jpost ReceiveMessage "{\"QueueUrl\":\"$Q\",\"MaxNumberOfMessages\":10,\"MessageSystemAttributeNames\":[\"All\"]}")
check "JSON 1.0 ReceiveMessage gets what the query protocol sent" contains "$out" '"Body":"json hello"'
out=$(jpost GetQueueUrl '{"QueueName":"nope"}')
check "JSON 1.0 error: __type com.amazonaws.sqs#QueueDoesNotExist" contains "$out" '"__type":"com.amazonaws.sqs#QueueDoesNotExist"'
check "... and x-amzn-query-error for query-compatible clients" grep -qi 'x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender' <<<"$out"
out=$(jpost SendMessage '{"QueueUrl": ')
check "malformed JSON: SerializationException" contains "$out" "SerializationException"
out=$(jpost Frobnicate '{}')
check "an unknown JSON target: UnknownOperationException" contains "$out" "UnknownOperationException"

# boto3 1.26 (query protocol) and, when present, botocore >= 1.31 (JSON protocol).
cat >"$WORK/sdk.py" <<'PY'
import sys, boto3, botocore
c = boto3.client("sqs", endpoint_url=sys.argv[1], region_name="us-east-1")
q = c.create_queue(QueueName="sdk-" + botocore.__version__.replace(".", "-"))["QueueUrl"]
c.send_message(QueueUrl=q, MessageBody="from sdk", MessageAttributes={"a": {"DataType": "String", "StringValue": "b"}})
m = c.receive_message(QueueUrl=q, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"][0]
assert m["Body"] == "from sdk" and m["MessageAttributes"]["a"]["StringValue"] == "b", m
c.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])
try:
    c.get_queue_url(QueueName="nope")
    print("no error")
except c.exceptions.QueueDoesNotExist:
    print("QueueDoesNotExist")
print("ok", botocore.__version__)
PY
out=$(/usr/bin/python3 "$WORK/sdk.py" "$E" 2>&1)
check "boto3 1.26 (query): send, receive with attributes, delete, modelled errors" contains "$out" "QueueDoesNotExist"
note "$out"
if command -v python3 >/dev/null && python3 -c 'import botocore, sys; sys.exit(tuple(map(int, botocore.__version__.split(".")[:2])) < (1, 31))' 2>/dev/null; then
	out=$(python3 "$WORK/sdk.py" "$E" 2>&1)
	check "botocore $(python3 -c 'import botocore; print(botocore.__version__)') (JSON 1.0): the same" contains "$out" "QueueDoesNotExist"
	note "$out"
else
	echo "ok $((n + 1)) # SKIP no botocore >= 1.31 on PATH"
	n=$((n + 1))
fi

# Tags: given at creation, added, removed and listed; the attributes change without them.
out=$(awsl sqs create-queue --queue-name tagged --tags team=red,cost=7 2>&1)
ok $? "create-queue --tags"
TQ=$(printf '%s' "$out" | json_get QueueUrl)
out=$(awsl sqs list-queue-tags --queue-url "$TQ" 2>&1)
check "list-queue-tags answers the creation's tags" \
	test "$(json_py "$out" 'print(sorted(d["Tags"].items()))')" = "[('cost', '7'), ('team', 'red')]"
awsl sqs tag-queue --queue-url "$TQ" --tags team=blue,stage=dev
ok $? "tag-queue"
awsl sqs untag-queue --queue-url "$TQ" --tag-keys cost
ok $? "untag-queue"
awsl sqs set-queue-attributes --queue-url "$TQ" --attributes VisibilityTimeout=45
out=$(awsl sqs list-queue-tags --queue-url "$TQ" 2>&1)
check "... a new value replaces the old, a removed key is gone, attributes leave them be" \
	test "$(json_py "$out" 'print(sorted(d["Tags"].items()))')" = "[('stage', 'dev'), ('team', 'blue')]"
out=$(awsl sqs list-queue-tags --queue-url "$Q" 2>&1)
! contains "$out" Tags
ok $? "an untagged queue lists no tags"
out=$(awsl sqs list-queue-tags --queue-url "$E/$ACCT/nope" 2>&1)
check "list-queue-tags of a missing queue: NonExistentQueue" contains "$out" "NonExistentQueue"
long=$(head -c 129 /dev/zero | tr '\0' k)
out=$(awsl sqs tag-queue --queue-url "$TQ" --tags "$long=v" 2>&1)
check "a tag key over 128 characters: InvalidParameterValue" contains "$out" "InvalidParameterValue"

# Durable: messages survive a restart.
awsl sqs send-message --queue-url "$Q" --message-body durable >/dev/null
stop_cloud
ok $? "the cloud stops"
start_cloud
ok $? "... and starts again"
out=$(awsl sqs receive-message --queue-url "$Q" --max-number-of-messages 10)
check "a message sent before the restart is still there" contains "$out" '"Body": "durable"'
out=$(awsl sqs list-queue-tags --queue-url "$TQ" 2>&1)
check "... and the queue's tags" contains "$out" '"team": "blue"'
awsl sqs delete-queue --queue-url "$Q"
ok $? "delete-queue"
out=$(awsl sqs send-message --queue-url "$Q" --message-body x 2>&1)
check "... then sending to it: NonExistentQueue" contains "$out" "NonExistentQueue"
stop_cloud
ok $? "the cloud stops cleanly"
finish
