#!/bin/bash
# Asynchronous invocation on the virtual clock, with the real AWS CLI: InvocationType Event
# (202), the poison event retried after 1 and then 2 minutes and then sent to the dead-letter
# queue (RequestID, ErrorCode, ErrorMessage) and the on-failure destination (AWS's invocation
# record), the on-success destination, MaximumRetryAttempts, MaximumEventAgeInSeconds,
# reserved concurrency 0, the event invoke config API and its errors, and events waiting for a
# retry surviving a restart of the cloud. TAP.
#
#   async_invoke.sh path/to/lambda-tutor
TUTOR=${1:?usage: async_invoke.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
# Every wait below is for an attempt, a delivery or a record that ends the work before it.
WAIT_SETTLES=1
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud
test_role
ok $? "serve starts"
ACCT=$(ctl /_tutor/health | json_get account)

mkdir -p "$WORK/poison" "$WORK/good"
cat >"$WORK/poison/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    raise ValueError("cannot digest %s" % event.get("n"))
PY
cat >"$WORK/good/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    return {"doubled": event.get("n", 0) * 2}
PY
make_zip "$WORK/poison.zip" "$WORK/poison"
make_zip "$WORK/good.zip" "$WORK/good"
for q in dlq failures successes; do
	awsl sqs create-queue --queue-name $q >/dev/null
done
QURL=$E/$ACCT
ARN=arn:aws:sqs:us-east-1:$ACCT
awsl lambda create-function --function-name poison --runtime python3.12 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/poison.zip" \
	--dead-letter-config TargetArn=$ARN:dlq >"$WORK/create.json" 2>&1
ok $? "create-function with --dead-letter-config"
check "... GetFunctionConfiguration shows the DeadLetterConfig" \
	grep -q "\"TargetArn\": \"$ARN:dlq\"" "$WORK/create.json"
awsl lambda create-function --function-name good --runtime python3.12 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/good.zip" \
	>/dev/null 2>&1
ok $? "create-function good"

out=$(awsl lambda put-function-event-invoke-config --function-name poison \
	--destination-config "{\"OnFailure\":{\"Destination\":\"$ARN:failures\"}}" 2>&1)
ok $? "put-function-event-invoke-config with an on-failure destination"
check "... answers the defaults: 2 retries" contains "$out" '"MaximumRetryAttempts": 2'
check "... and 6 hours" contains "$out" '"MaximumEventAgeInSeconds": 21600'
out=$(awsl lambda put-function-event-invoke-config --function-name poison \
	--maximum-retry-attempts 3 2>&1)
check "MaximumRetryAttempts 3 is refused" contains "$out" "ValidationException"
out=$(awsl lambda put-function-event-invoke-config --function-name poison \
	--maximum-event-age-in-seconds 59 2>&1)
# botocore checks minimums itself, so the CLI may refuse 59 before the cloud sees it.
printf '%s' "$out" | grep -qE 'ValidationException|valid min value: 60'
ok $? "MaximumEventAgeInSeconds 59 is refused (by the cloud, or first by the CLI)"
out=$(awsl lambda put-function-event-invoke-config --function-name poison \
	--destination-config '{"OnFailure":{"Destination":"arn:aws:s3:::bucket"}}' 2>&1)
check "an S3 destination is refused" contains "$out" "InvalidParameterValueException"
# Lambda checks a destination when it is configured: an ARN of a service it does not send to,
# or one that names no queue, topic, function or bus, is refused, and nothing is kept.
for bad in "arn:aws:dynamodb:us-east-1:$ACCT:table/t" "arn:aws:sqs:us-east-1:$ACCT:" \
	"arn:aws:sns:us-east-1::alerts" "arn:aws:events:us-east-1:$ACCT:rule/r"; do
	out=$(awsl lambda put-function-event-invoke-config --function-name good \
		--destination-config "{\"OnSuccess\":{\"Destination\":\"$ARN:successes\"},\"OnFailure\":{\"Destination\":\"$bad\"}}" 2>&1)
	check "an on-failure destination $bad is refused as Lambda refuses it" contains "$out" \
		"(InvalidParameterValueException) when calling the PutFunctionEventInvokeConfig operation: The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=$ARN:successes), onFailure=OnFailure(destination=$bad)) is invalid."
done
out=$(awsl lambda put-function-event-invoke-config --function-name good \
	--destination-config '{"OnSuccess":{"Destination":"arn:aws:s3:::bucket"}}' 2>&1)
check "an S3 bucket is no on-success destination" contains "$out" \
	"DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:s3:::bucket), onFailure=null) is invalid."
out=$(awsl lambda put-function-event-invoke-config --function-name good \
	--destination-config '{"OnFailure":{"Destination":"not-an-arn"}}' 2>&1)
check "a destination that is no ARN: the model's ValidationException" contains "$out" \
	"Value 'not-an-arn' at 'destinationConfig.onFailure.destination' failed to satisfy constraint"
out=$(awsl lambda get-function-event-invoke-config --function-name good 2>&1)
check "... and good has no EventInvokeConfig after them" contains "$out" "ResourceNotFoundException"
out=$(awsl lambda get-function-event-invoke-config --function-name good 2>&1)
check "get-function-event-invoke-config without one: ResourceNotFoundException" \
	contains "$out" "ResourceNotFoundException"
out=$(awsl lambda get-function-event-invoke-config --function-name poison 2>&1)
check "get-function-event-invoke-config keeps the destination" contains "$out" "$ARN:failures"

# The poison event: tried at once, after 1 minute, after 2 more; then DLQ and destination.
out=$(awsl lambda invoke --function-name poison --invocation-type Event \
	--cli-binary-format raw-in-base64-out --payload '{"n":7}' "$WORK/out.json" 2>&1)
ok $? "invoke --invocation-type Event"
check "... StatusCode 202" contains "$out" '"StatusCode": 202'
wait_until "the first attempt ran" attempts_are poison 1
advance 30
# Nothing of the account in flight or due on its clock: had the retry come early, it would have run.
settled
check "... no retry 30 s later" attempts_are poison 1
advance 30
wait_until "the second attempt 1 minute after the first" attempts_are poison 2
advance 60
settled
check "... no third attempt 1 minute after the second" attempts_are poison 2
check "... nothing in the DLQ yet" queue_empty dlq
advance 60
wait_until "the third attempt 2 minutes after the second" attempts_are poison 3
wait_until "the event reaches the DLQ" queue_has dlq
dl=$(awsl sqs receive-message --queue-url "$QURL/dlq" --message-attribute-names All)
note "$dl"
check "... with the event as its body" contains "$dl" '"Body": "{\"n\":7}"'
check "... RequestID" contains "$dl" '"RequestID"'
check "... ErrorCode 200, a Number" contains "$(json_py "$dl" 'm=d["Messages"][0]["MessageAttributes"]["ErrorCode"]; print(m["DataType"], m["StringValue"])')" "Number 200"
check "... ErrorMessage" contains "$dl" 'cannot digest 7'
rid=$(json_py "$dl" 'print(d["Messages"][0]["MessageAttributes"]["RequestID"]["StringValue"])')
check "... the RequestID is the one every attempt ran under" attempts_with_id poison "$rid" 3
wait_until "the on-failure destination receives the invocation record" queue_has failures
rec=$(awsl sqs receive-message --queue-url "$QURL/failures" --query 'Messages[0].Body' --output text)
note "$rec"
check "... condition RetriesExhausted" contains "$rec" '"condition":"RetriesExhausted"'
check "... approximateInvokeCount 3" contains "$rec" '"approximateInvokeCount":3'
check "... the request payload" contains "$rec" '"requestPayload":{"n":7}'
check "... functionError Unhandled" contains "$rec" '"functionError":"Unhandled"'
check "... the response payload's errorMessage" contains "$rec" '"errorMessage":"cannot digest 7"'
check "... the function ARN with \$LATEST" contains "$rec" "function:poison:\$LATEST"

awsl sqs purge-queue --queue-url "$QURL/dlq"

# On success.
awsl lambda put-function-event-invoke-config --function-name good \
	--destination-config "{\"OnSuccess\":{\"Destination\":\"$ARN:successes\"}}" >/dev/null 2>&1
awsl lambda invoke --function-name good --invocation-type Event \
	--cli-binary-format raw-in-base64-out --payload '{"n":21}' "$WORK/out.json" >/dev/null 2>&1
wait_until "the on-success destination receives the record" queue_has successes
rec=$(awsl sqs receive-message --queue-url "$QURL/successes" --query 'Messages[0].Body' --output text)
check "... condition Success" contains "$rec" '"condition":"Success"'
check "... the response payload" contains "$rec" '"responsePayload":{"doubled":42}'

# MaximumRetryAttempts 0: one attempt, then the DLQ at once.
awsl lambda update-function-event-invoke-config --function-name poison \
	--maximum-retry-attempts 0 >/dev/null 2>&1
ok $? "update-function-event-invoke-config --maximum-retry-attempts 0"
out=$(awsl lambda get-function-event-invoke-config --function-name poison 2>&1)
check "... keeps the destination it did not name" contains "$out" "$ARN:failures"
awsl lambda invoke --function-name poison --invocation-type Event \
	--cli-binary-format raw-in-base64-out --payload '{"n":8}' "$WORK/out.json" >/dev/null 2>&1
wait_until "with no retries the event reaches the DLQ without the clock moving" queue_has dlq
dl=$(awsl sqs receive-message --queue-url "$QURL/dlq" --message-attribute-names All)
check "... the right event" contains "$dl" '{\"n\":8}'

# MaximumEventAgeInSeconds 60: the retry due after a minute finds the event too old.
awsl lambda put-function-event-invoke-config --function-name poison --maximum-event-age-in-seconds 60 \
	--destination-config "{\"OnFailure\":{\"Destination\":\"$ARN:failures\"}}" >/dev/null 2>&1
awsl sqs purge-queue --queue-url "$QURL/failures"
awsl lambda invoke --function-name poison --invocation-type Event \
	--cli-binary-format raw-in-base64-out --payload '{"n":9}' "$WORK/out.json" >/dev/null 2>&1
wait_until "the aged event's first attempt" attempts_match poison 9 1
advance 61
wait_until "an event older than its maximum age goes to the destination" queue_has failures
rec=$(awsl sqs receive-message --queue-url "$QURL/failures" --query 'Messages[0].Body' --output text)
check "... condition EventAgeExceeded" contains "$rec" '"condition":"EventAgeExceeded"'
check "... after one attempt" contains "$rec" '"approximateInvokeCount":1'

# Reserved concurrency 0: straight to the DLQ, no attempt.
awsl sqs purge-queue --queue-url "$QURL/dlq"
awsl lambda delete-function-event-invoke-config --function-name poison
ok $? "delete-function-event-invoke-config"
out=$(awsl lambda get-function-event-invoke-config --function-name poison 2>&1)
check "... then get says ResourceNotFoundException" contains "$out" "ResourceNotFoundException"
awsl lambda put-function-concurrency --function-name poison --reserved-concurrent-executions 0 >/dev/null
before=$(attempt_count poison)
awsl lambda invoke --function-name poison --invocation-type Event \
	--cli-binary-format raw-in-base64-out --payload '{"n":10}' "$WORK/out.json" >/dev/null 2>&1
wait_until "reserved concurrency 0 sends the event to the DLQ" queue_has dlq
dl=$(awsl sqs receive-message --queue-url "$QURL/dlq" --message-attribute-names All)
check "... with ErrorCode 429" contains "$(json_py "$dl" 'print(d["Messages"][0]["MessageAttributes"]["ErrorCode"]["StringValue"])')" "429"
check "... and no attempt" test "$(attempt_count poison)" = "$before"
awsl lambda delete-function-concurrency --function-name poison

# A restart keeps the events waiting for a retry.
awsl lambda put-function-event-invoke-config --function-name poison \
	--destination-config "{\"OnFailure\":{\"Destination\":\"$ARN:failures\"}}" >/dev/null 2>&1
awsl sqs purge-queue --queue-url "$QURL/failures"
awsl lambda invoke --function-name poison --invocation-type Event \
	--cli-binary-format raw-in-base64-out --payload '{"n":11}' "$WORK/out.json" >/dev/null 2>&1
wait_until "the event's first attempt before the restart" attempts_match poison 11 1
stop_cloud
ok $? "the cloud stops"
start_cloud
ok $? "the cloud starts again"
advance 60
wait_until "after the restart the retry still comes" attempts_match poison 11 2
advance 120
wait_until "... and the third attempt, then the destination" queue_has failures

stop_cloud
ok $? "the cloud stops cleanly"
finish
