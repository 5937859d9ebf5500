#!/bin/bash
# SNS subscription filter policies with the real AWS CLI: aws sns subscribe --attributes
# FilterPolicy=... on a queue and on a function, publish with message attributes, and only the
# matching messages are delivered; a MessageBody policy on the JSON body; AWS's InvalidParameter
# for a bad policy on Subscribe and SetSubscriptionAttributes; removing a policy. TAP.
#
#   sns_filtering.sh path/to/lambda-tutor
TUTOR=${1:?usage: sns_filtering.sh LAMBDA_TUTOR}
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
for q in all red body; do
	awsl sqs create-queue --queue-name $q >/dev/null
done
# The bodies of the messages in a queue, one a line, each received once (hidden for 12 hours).
bodies() {
	awsl sqs receive-message --queue-url "$E/$ACCT/$1" --max-number-of-messages 10 \
		--visibility-timeout 43200 \
		--query 'Messages[].Body' --output text | tr '\t' '\n' | sort
}

mkdir -p "$WORK/fn"
cat >"$WORK/fn/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    print("GOT " + event["Records"][0]["Sns"]["Message"])
PY
make_zip "$WORK/fn.zip" "$WORK/fn"
awsl lambda create-function --function-name sink --runtime python3.12 --timeout 30 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/fn.zip" >/dev/null
ok $? "create-function sink"
# What the function received, one message a line, in order.
got() {
	awsl logs filter-log-events --log-group-name /aws/lambda/sink --filter-pattern '"GOT"' \
		--query 'events[].message' --output text 2>/dev/null | tr '\t' '\n' |
		sed -n 's/^GOT \([^[:space:]]*\).*/\1/p'
}

T=$(awsl sns create-topic --name orders --query TopicArn --output text)
ok $? "create-topic"
for q in all red body; do
	allow_service "$ARN:$q" sns "$T" || echo "# no policy on $q"
done
allow_service "arn:aws:lambda:us-east-1:$ACCT:function:sink" sns "$T"
ok $? "the queues' policies and the function's permission let the topic deliver"
awsl sns subscribe --topic-arn "$T" --protocol sqs --notification-endpoint "$ARN:all" \
	--attributes RawMessageDelivery=true >/dev/null
ok $? "subscribe a queue without a policy"
S_RED=$(awsl sns subscribe --topic-arn "$T" --protocol sqs --notification-endpoint "$ARN:red" \
	--attributes "RawMessageDelivery=true,FilterPolicy='{\"color\":[\"red\"],\"size\":[{\"numeric\":[\">\",5]}]}'" \
	--query SubscriptionArn --output text)
ok $? "aws sns subscribe --attributes FilterPolicy=... on a queue"
S_FN=$(awsl sns subscribe --topic-arn "$T" --protocol lambda \
	--notification-endpoint "arn:aws:lambda:us-east-1:$ACCT:function:sink" \
	--attributes "FilterPolicy='{\"color\":[\"red\",{\"prefix\":\"gr\"}]}'" \
	--query SubscriptionArn --output text)
ok $? "aws sns subscribe --attributes FilterPolicy=... on a function"
S_BODY=$(awsl sns subscribe --topic-arn "$T" --protocol sqs --notification-endpoint "$ARN:body" \
	--attributes '{"RawMessageDelivery":"true","FilterPolicyScope":"MessageBody","FilterPolicy":"{\"order\":{\"total\":[{\"numeric\":[\">=\",100]}]}}"}' \
	--query SubscriptionArn --output text)
ok $? "subscribe a queue with a MessageBody policy"
out=$(awsl sns get-subscription-attributes --subscription-arn "$S_RED")
check "get-subscription-attributes shows the FilterPolicy" contains "$out" '"FilterPolicy": "{\"color\":[\"red\"],'
check "... and the default FilterPolicyScope" contains "$out" '"FilterPolicyScope": "MessageAttributes"'

pub() { # pub MESSAGE COLOR SIZE
	awsl sns publish --topic-arn "$T" --message "$1" --message-attributes \
		"{\"color\":{\"DataType\":\"String\",\"StringValue\":\"$2\"},\"size\":{\"DataType\":\"Number\",\"StringValue\":\"$3\"}}" >/dev/null
}
pub red-big red 10
ok $? "publish red, size 10"
pub blue-big blue 10
ok $? "publish blue, size 10"
pub red-small red 1
ok $? "publish red, size 1"
pub green-big green 7
ok $? "publish green, size 7"
awsl sns publish --topic-arn "$T" --message '{"order":{"total":250,"id":"a"}}' >/dev/null
awsl sns publish --topic-arn "$T" --message '{"order":{"total":20,"id":"b"}}' >/dev/null
awsl sns publish --topic-arn "$T" --message 'plain text' >/dev/null
ok $? "publish three bodies without attributes"

out=$(bodies all)
note "$out"
check "the queue without a policy got all 7" test "$(printf '%s\n' "$out" | grep -c .)" = 7
out=$(bodies red)
note "$out"
check "the queue with a policy got only red with size > 5" test "$out" = "red-big"
out=$(bodies body)
note "$out"
check "the MessageBody policy passed only the order over 100" test "$out" = '{"order":{"total":250,"id":"a"}}'

got_sorted() { got | sort | tr '\n' ' '; }
wait_until "the function ran for the messages that match it" output_is "green-big red-big red-small " got_sorted
# Filtered messages were never queued for the function: publish a last matching one, and when
# it has run, nothing else has.
pub red-last red 2
wait_until "... and for a last red one" output_has red-last got
out=$(got | sort | tr '\n' ' ')
note "$out"
check "the function never received blue or the bodies" test "$out" = "green-big red-big red-last red-small "

# PublishBatch: each entry fanned out and filtered as Publish's message is.
out=$(awsl sns publish-batch --topic-arn "$T" --publish-batch-request-entries \
	'[{"Id":"a","Message":"batch-red","MessageAttributes":{"color":{"DataType":"String","StringValue":"red"},"size":{"DataType":"Number","StringValue":"9"}}},{"Id":"b","Message":"batch-blue","MessageAttributes":{"color":{"DataType":"String","StringValue":"blue"},"size":{"DataType":"Number","StringValue":"9"}}}]' 2>&1)
check "publish-batch: both entries Successful" test "$(json_py "$out" 'print(sorted(x["Id"] for x in d["Successful"]), d["Failed"])')" = "['a', 'b'] []"
out=$(bodies all)
check "... the queue without a policy got both ($(echo $out))" test "$(echo $out)" = "batch-blue batch-red red-last"
out=$(bodies red)
check "... the red queue only the red one ($(echo $out))" test "$(echo $out)" = "batch-red"

# AWS's errors.
out=$(awsl sns subscribe --topic-arn "$T" --protocol sqs --notification-endpoint "$ARN:all" \
	--attributes '{"FilterPolicy":"{\"a\":[1],\"b\":[1],\"c\":[1],\"d\":[1],\"e\":[1],\"f\":[1]}"}' 2>&1)
note "$out"
check "Subscribe with six keys: InvalidParameter" contains "$out" "(InvalidParameter)"
check "... with AWS's message" contains "$out" "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy can not have more than 5 keys"
out=$(awsl sns set-subscription-attributes --subscription-arn "$S_RED" --attribute-name FilterPolicy \
	--attribute-value '{"size":[{"numeric":[">",10,"<",5]}]}' 2>&1)
check "SetSubscriptionAttributes with an upside-down range" contains "$out" "Invalid parameter: FilterPolicy: Bottom must be less than top"
out=$(awsl sns set-subscription-attributes --subscription-arn "$S_RED" --attribute-name FilterPolicy \
	--attribute-value '{"color":[{"regex":"r.*"}]}' 2>&1)
check "an unknown operator" contains "$out" "Invalid parameter: FilterPolicy: Unrecognized match type regex"
out=$(awsl sns set-subscription-attributes --subscription-arn "$S_RED" --attribute-name FilterPolicy \
	--attribute-value '{"color": ["red"' 2>&1)
check "a policy that is not JSON" contains "$out" "Invalid parameter: FilterPolicy: failed to parse JSON."
out=$(awsl sns set-subscription-attributes --subscription-arn "$S_BODY" --attribute-name FilterPolicyScope \
	--attribute-value MessageAttributes 2>&1)
check "a nested policy cannot move to MessageAttributes" contains "$out" "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"
out=$(awsl sns set-subscription-attributes --subscription-arn "$S_FN" --attribute-name FilterPolicyScope \
	--attribute-value Body 2>&1)
check "an unknown scope" contains "$out" "Invalid parameter: FilterPolicyScope: Invalid value [Body]"
out=$(awsl sns get-subscription-attributes --subscription-arn "$S_RED" --query Attributes.FilterPolicy --output text)
check "a refused policy leaves the old one" test "$out" = '{"color":["red"],"size":[{"numeric":[">",5]}]}'

# Change and remove a policy.
awsl sns set-subscription-attributes --subscription-arn "$S_RED" --attribute-name FilterPolicy \
	--attribute-value '{"color":[{"anything-but":["red"]}]}'
ok $? "set-subscription-attributes FilterPolicy anything-but red"
pub blue-2 blue 1
pub red-2 red 9
check "now the queue gets blue, not red" test "$(bodies red)" = "blue-2"
awsl sns set-subscription-attributes --subscription-arn "$S_RED" --attribute-name FilterPolicy \
	--attribute-value ''
ok $? "an empty FilterPolicy removes the policy"
out=$(awsl sns get-subscription-attributes --subscription-arn "$S_RED")
check "... it is gone from the attributes" test "$(contains "$out" FilterPolicy && echo y)" = ""
pub red-3 red 9
check "... and every message is delivered again" test "$(bodies red)" = "red-3"

stop_cloud
ok $? "the cloud stops cleanly"
finish
