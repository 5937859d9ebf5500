#!/bin/bash
# EventBridge's default bus with the real AWS CLI: a rule whose pattern matches Lambda's
# destination records, with an SQS queue and a function as targets; functions whose
# asynchronous invocations succeed and fail send their records there with AWS's detail-types;
# put-events, patterns that do not match, disabled rules, removed targets, scheduled rules
# fired on the stepped clock, targets delivered with their RoleArn, and the errors. TAP.
#
#   eventbridge.sh path/to/lambda-tutor
TUTOR=${1:?usage: eventbridge.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud
test_role
ok $? "serve starts"
ACCT=$(ctl /_tutor/health | json_get account)
ARN=arn:aws:sqs:us-east-1:$ACCT
BUS=arn:aws:events:us-east-1:$ACCT:event-bus/default
for q in results orders; do
	awsl sqs create-queue --queue-name $q >/dev/null
done
# The bodies of the messages in a queue, one a line, each received once (hidden for 12 hours).
bodies() {
	awsl sqs receive-message --queue-url "$E/$ACCT/$1" --max-number-of-messages 10 \
		--visibility-timeout 43200 --query 'Messages[].Body' --output json
}

mkdir -p "$WORK/good" "$WORK/bad" "$WORK/watch"
cat >"$WORK/good/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    return {"doubled": event["n"] * 2}
PY
cat >"$WORK/bad/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    raise ValueError("cannot digest %d" % event["n"])
PY
cat >"$WORK/watch/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    print("SEEN %s %s" % (event["detail-type"].replace(" ", "_"), event["source"]))
PY
for f in good bad watch; do
	make_zip "$WORK/$f.zip" "$WORK/$f"
	awsl lambda create-function --function-name $f --runtime python3.12 --timeout 30 \
		--handler lambda_function.lambda_handler --role $ROLE \
		--zip-file "fileb://$WORK/$f.zip" >/dev/null
	ok $? "create-function $f"
done
seen() {
	awsl logs filter-log-events --log-group-name /aws/lambda/watch --filter-pattern '"SEEN"' \
		--query 'events[].message' --output text 2>/dev/null | tr '\t' '\n' |
		sed -n 's/^SEEN \([^[:space:]]*\) .*/\1/p' | sort | tr '\n' ' '
}

# A rule for Lambda's destination records, with a queue and a function as its targets.
out=$(awsl events put-rule --name lambda-results \
	--event-pattern '{"source":["lambda"],"detail-type":[{"prefix":"Lambda Function Invocation Result"}]}' 2>&1)
ok $? "aws events put-rule with an event pattern"
check "... answers the rule's ARN" contains "$out" "arn:aws:events:us-east-1:$ACCT:rule/lambda-results"
out=$(awsl events put-targets --rule lambda-results --targets \
	"Id=queue,Arn=$ARN:results" "Id=fn,Arn=arn:aws:lambda:us-east-1:$ACCT:function:watch" 2>&1)
ok $? "aws events put-targets: a queue and a function"
allow_service "$ARN:results" events "arn:aws:events:us-east-1:$ACCT:rule/lambda-results" &&
	allow_service arn:aws:lambda:us-east-1:$ACCT:function:watch events \
		"arn:aws:events:us-east-1:$ACCT:rule/lambda-results"
ok $? "the queue's policy and the function's permission let events.amazonaws.com deliver"
check "... no failed entries" contains "$out" '"FailedEntryCount": 0'
out=$(awsl events list-targets-by-rule --rule lambda-results --query 'Targets[].Id' --output text)
check "list-targets-by-rule lists both" test "$out" = "fn	queue"
out=$(awsl events describe-rule --name lambda-results)
check "describe-rule: ENABLED on the default bus" contains "$out" '"State": "ENABLED"'

out=$(awsl lambda put-function-event-invoke-config --function-name good \
	--destination-config "{\"OnSuccess\":{\"Destination\":\"$BUS\"}}" 2>&1)
ok $? "an on-success destination on the default event bus"
out=$(awsl lambda put-function-event-invoke-config --function-name bad --maximum-retry-attempts 0 \
	--destination-config "{\"OnFailure\":{\"Destination\":\"$BUS\"}}" 2>&1)
ok $? "an on-failure destination on the default event bus, no retries"
out=$(awsl lambda put-function-event-invoke-config --function-name good \
	--destination-config "{\"OnSuccess\":{\"Destination\":\"arn:aws:events:us-east-1:$ACCT:event-bus/other\"}}" 2>&1)
check "a bus that does not exist is refused" contains "$out" "InvalidParameterValueException"

awsl lambda invoke --function-name good --invocation-type Event \
	--cli-binary-format raw-in-base64-out --payload '{"n":21}' "$WORK/out.json" >/dev/null
ok $? "invoke good asynchronously"
awsl lambda invoke --function-name bad --invocation-type Event \
	--cli-binary-format raw-in-base64-out --payload '{"n":5}' "$WORK/out.json" >/dev/null
ok $? "invoke bad asynchronously"
wait_until "both records reach the rule's queue" output_is 2 queue_count results
recs=$(bodies results)
note "$recs"
json_py "$recs" '
import sys
evs = {e["detail-type"]: e for e in map(json.loads, d)}
s = evs["Lambda Function Invocation Result - Success"]
f = evs["Lambda Function Invocation Result - Failure"]
assert s["source"] == "lambda" and s["version"] == "0" and s["region"] == "us-east-1"
assert s["detail"]["requestContext"]["condition"] == "Success"
assert s["detail"]["responsePayload"] == {"doubled": 42}
assert s["detail"]["requestPayload"] == {"n": 21}
assert any(r.endswith(":function:good:$LATEST") for r in s["resources"]), s["resources"]
assert f["detail"]["requestContext"]["condition"] == "RetriesExhausted"
assert f["detail"]["responsePayload"]["errorMessage"] == "cannot digest 5"
assert f["detail"]["responseContext"]["functionError"] == "Unhandled"
'
ok $? "... the success and failure records, with AWS's detail-types and the invocation record as detail"
wait_until "the rule's function target saw both" output_is \
	"Lambda_Function_Invocation_Result_-_Failure Lambda_Function_Invocation_Result_-_Success " seen

# put-events and patterns on the detail.
awsl events put-rule --name big-orders \
	--event-pattern '{"source":["shop"],"detail":{"total":[{"numeric":[">=",100]}]}}' >/dev/null
awsl events put-targets --rule big-orders --targets "Id=1,Arn=$ARN:orders" >/dev/null
ok $? "a rule on the detail's numbers, to a queue"
awsl events put-events --entries '[{"Source":"shop","DetailType":"order","Detail":"{\"total\":900}"}]' >/dev/null
check "a queue without a policy for EventBridge gets nothing, as in AWS" test "$(bodies orders)" = "null"
allow_service "$ARN:orders" events "arn:aws:events:us-east-1:$ACCT:rule/big-orders"
ok $? "a queue policy for the rule"
out=$(awsl events put-events --entries \
	'[{"Source":"shop","DetailType":"order","Detail":"{\"total\":250}"},{"Source":"shop","DetailType":"order","Detail":"{\"total\":20}"},{"Source":"shop","DetailType":"order","Detail":"not json"}]' 2>&1)
ok $? "aws events put-events with three entries"
note "$out"
check "... one refused: FailedEntryCount 1" contains "$out" '"FailedEntryCount": 1'
check "... Detail is malformed" contains "$out" "Detail is malformed."
out=$(bodies orders)
note "$out"
json_py "$out" 'assert [json.loads(b)["detail"] for b in d] == [{"total": 250}]'
ok $? "only the order over 100 reached the queue"
awsl events disable-rule --name big-orders
ok $? "disable-rule"
awsl events put-events --entries '[{"Source":"shop","DetailType":"order","Detail":"{\"total\":300}"}]' >/dev/null
check "a disabled rule delivers nothing" test "$(bodies orders)" = "null"
awsl events enable-rule --name big-orders
awsl events put-events --entries '[{"Source":"shop","DetailType":"order","Detail":"{\"total\":400}"}]' >/dev/null
check "enabled again, it does" contains "$(bodies orders)" 'total\":400'

# Scheduled rules fire on the virtual clock, each occurrence a "Scheduled Event". An hourly
# rate: the clock also runs at the wall's pace, and the CLI's calls take seconds each.
awsl sqs create-queue --queue-name ticks >/dev/null
out=$(awsl events put-rule --name hourly --schedule-expression 'rate(1 hour)' 2>&1)
ok $? "aws events put-rule with a rate() schedule"
awsl events put-targets --rule hourly --targets "Id=q,Arn=$ARN:ticks" >/dev/null &&
	allow_service "$ARN:ticks" events "arn:aws:events:us-east-1:$ACCT:rule/hourly"
out=$(awsl events describe-rule --name hourly)
check "describe-rule shows the schedule" contains "$out" '"ScheduleExpression": "rate(1 hour)"'
check "... and no event pattern" test "$(printf '%s' "$out" | grep -c EventPattern)" = 0
check "nothing fires before an hour has passed" test "$(queue_count ticks)" = 0
advance 3600
wait_until "an hour on, the rule fires once" output_is 1 queue_count ticks
advance 7200
wait_until "two hours more, twice more" output_is 3 queue_count ticks
recs=$(bodies ticks)
json_py "$recs" '
evs = [json.loads(b) for b in d]
assert len(evs) == 3, evs
for e in evs:
    assert e["detail-type"] == "Scheduled Event" and e["source"] == "aws.events", e
    assert e["resources"] == ["arn:aws:events:us-east-1:'"$ACCT"':rule/hourly"], e
    assert e["detail"] == {} and e["version"] == "0" and e["account"] == "'"$ACCT"'", e
times = sorted(e["time"] for e in evs)
import datetime
ts = [datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ") for t in times]
assert [(b - a).total_seconds() for a, b in zip(ts, ts[1:])] == [3600, 3600], times
'
ok $? "... AWS's Scheduled Event, the rule its resource, timed an hour apart"
awsl events put-events --entries '[{"Source":"shop","DetailType":"Scheduled Event","Detail":"{}"}]' >/dev/null
check "a schedule-only rule matches no event put on the bus" test "$(queue_count ticks)" = 0
awsl events disable-rule --name hourly
advance 18000
check "a disabled scheduled rule does not fire" test "$(queue_count ticks)" = 0
awsl events enable-rule --name hourly
advance 3600
wait_until "enabled again, it fires an hour later, not for the time it was off" \
	test "$(queue_count ticks)" = 1
out=$(awsl events put-rule --name noon --schedule-expression 'cron(0 12 * * ? *)' 2>&1)
ok $? "a cron() schedule in AWS's six fields"
out=$(awsl events list-rules --name-prefix noon --query 'Rules[0].ScheduleExpression' --output text)
check "... listed with its expression" test "$out" = "cron(0 12 * * ? *)"
for bad in 'rate(1 minutes)' 'rate(5 seconds)' 'cron(0 12 * * * *)' 'cron(0 12 * *)' 'every day'; do
	out=$(awsl events put-rule --name bad --schedule-expression "$bad" 2>&1)
	check "$bad: Parameter ScheduleExpression is not valid." contains "$out" \
		"ValidationException) when calling the PutRule operation: Parameter ScheduleExpression is not valid."
done
awsl events remove-targets --rule hourly --ids q >/dev/null
awsl events delete-rule --name hourly && awsl events delete-rule --name noon
ok $? "delete the scheduled rules"

# A target's RoleArn: EventBridge delivers with the role (which must trust it and may send to
# the target), and the queue then needs no policy of its own; without the permission, or with a
# role that does not trust EventBridge, nothing arrives.
awsl sqs create-queue --queue-name viarole >/dev/null
trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
SEND_ROLE=$(awsl iam create-role --role-name events-send --assume-role-policy-document "$trust" \
	--query Role.Arn --output text)
awsl iam put-role-policy --role-name events-send --policy-name send --policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"$ARN:viarole\"}]}"
ok $? "a role EventBridge may assume, allowed sqs:SendMessage on the queue"
BARE_ROLE=$(awsl iam create-role --role-name events-bare --assume-role-policy-document "$trust" \
	--query Role.Arn --output text)
awsl events put-rule --name roled --event-pattern '{"source":["roled"]}' >/dev/null
out=$(awsl events put-targets --rule roled --targets "Id=1,Arn=$ARN:viarole,RoleArn=$SEND_ROLE" 2>&1)
check "put-targets with a RoleArn" contains "$out" '"FailedEntryCount": 0'
out=$(awsl events list-targets-by-rule --rule roled --query 'Targets[0].RoleArn' --output text)
check "... list-targets-by-rule answers it" test "$out" = "$SEND_ROLE"
awsl events put-events --entries '[{"Source":"roled","DetailType":"t","Detail":"{\"n\":1}"}]' >/dev/null
out=$(bodies viarole)
json_py "$out" 'assert [json.loads(b)["detail"] for b in d] == [{"n": 1}]'
ok $? "... the event reaches the queue through the role, with no queue policy" || note "$out"
awsl events put-targets --rule roled --targets "Id=1,Arn=$ARN:viarole,RoleArn=$BARE_ROLE" >/dev/null
awsl events put-events --entries '[{"Source":"roled","DetailType":"t","Detail":"{\"n\":2}"}]' >/dev/null
check "a role without sqs:SendMessage delivers nothing" test "$(bodies viarole)" = "null"
awsl events put-targets --rule roled --targets "Id=1,Arn=$ARN:viarole,RoleArn=$ROLE" >/dev/null
awsl events put-events --entries '[{"Source":"roled","DetailType":"t","Detail":"{\"n\":3}"}]' >/dev/null
check "a role that does not trust EventBridge delivers nothing" test "$(bodies viarole)" = "null"
out=$(awsl events put-targets --rule roled --targets "Id=2,Arn=$ARN:viarole,RoleArn=arn:aws:iam::$ACCT:user/x" 2>&1)
check "a RoleArn that is no role's ARN: a failed entry" contains "$out" '"FailedEntryCount": 1'
awsl events remove-targets --rule roled --ids 1 >/dev/null && awsl events delete-rule --name roled
ok $? "remove the role's rule"

# Errors and clean-up.
out=$(awsl events put-rule --name bad --event-pattern '{"source":"shop"}' 2>&1)
check "a pattern value that is not an array: InvalidEventPatternException" contains "$out" "InvalidEventPatternException"
out=$(awsl events put-targets --rule nope --targets "Id=1,Arn=$ARN:orders" 2>&1)
check "targets of a missing rule: ResourceNotFoundException" contains "$out" "ResourceNotFoundException"
out=$(awsl events delete-rule --name big-orders 2>&1)
check "a rule with targets cannot be deleted" contains "$out" "Rule can't be deleted since it has targets."
awsl events remove-targets --rule big-orders --ids 1 >/dev/null
ok $? "remove-targets"
awsl events delete-rule --name big-orders
ok $? "then delete-rule"
out=$(awsl events list-rules --query 'Rules[].Name' --output text)
check "list-rules shows the rule left" test "$out" = "lambda-results"

stop_cloud
ok $? "the cloud stops cleanly"
finish
