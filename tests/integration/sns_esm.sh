#!/bin/bash
# SNS and SQS event source mappings with the real AWS CLI, and handlers that call SQS through
# boto3 with no endpoint in their code: a topic fanned out to Lambda (AWS's SNS event, as an
# asynchronous invocation), to SQS (the JSON envelope, and raw), and to an email mailbox; an
# event source mapping with ReportBatchItemFailures (partial failures, the whole batch failing
# on an empty itemIdentifier, a handler error) and the queue's redrive to its DLQ; SAM's SNS
# event with SqsSubscription, deployed and run. TAP.
#
#   sns_esm.sh path/to/lambda-tutor
TUTOR=${1:?usage: sns_esm.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
# Every wait below is for a delivery, a handled batch or a message left in flight after it.
WAIT_SETTLES=1
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud
test_role
ok $? "serve starts"
ACCT=$(ctl /_tutor/health | json_get account)
ARN=arn:aws:sqs:us-east-1:$ACCT
attr_of() { # attr_of QUEUE ATTRIBUTE
	awsl sqs get-queue-attributes --queue-url "$E/$ACCT/$1" --attribute-names "$2" \
		--query "Attributes.$2" --output text
}
at_least() { [ "$(attr_of "$1" ApproximateNumberOfMessages)" -ge "$2" ]; }
count_is() { [ "$(attr_of "$1" ApproximateNumberOfMessages)" = "$2" ]; }
inflight_is() { [ "$(attr_of "$1" ApproximateNumberOfMessagesNotVisible)" = "$2" ]; }
for q in inbox raw seen done work work-dlq; do
	awsl sqs create-queue --queue-name $q >/dev/null
done

# Handlers that use boto3 with no endpoint_url: the runtime points them at the local cloud.
mkdir -p "$WORK/rec" "$WORK/batch"
cat >"$WORK/rec/lambda_function.py" <<'PY'
import json, os, boto3
sqs = boto3.client("sqs")
def lambda_handler(event, context):
    url = sqs.get_queue_url(QueueName="seen")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
PY
cat >"$WORK/batch/lambda_function.py" <<'PY'
import boto3
sqs = boto3.client("sqs")
def lambda_handler(event, context):
    url = sqs.get_queue_url(QueueName="done")["QueueUrl"]
    failures = []
    for r in event["Records"]:
        body = r["body"]
        if body == "crash":
            raise RuntimeError("crash")
        sqs.send_message(QueueUrl=url, MessageBody=body)
        if body.startswith("fail"):
            failures.append({"itemIdentifier": r["messageId"]})
        if body == "emptyid":
            failures.append({"itemIdentifier": ""})
    return {"batchItemFailures": failures}
PY
make_zip "$WORK/rec.zip" "$WORK/rec"
make_zip "$WORK/batch.zip" "$WORK/batch"
awsl lambda create-function --function-name recorder --runtime python3.12 --timeout 30 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/rec.zip" >/dev/null
ok $? "create-function recorder"
awsl lambda create-function --function-name batcher --runtime python3.12 --timeout 30 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/batch.zip" >/dev/null
ok $? "create-function batcher"

# SNS.
T=$(awsl sns create-topic --name alerts --query TopicArn --output text)
ok $? "aws sns create-topic"
check "... the topic's ARN" test "$T" = "arn:aws:sns:us-east-1:$ACCT:alerts"
awsl sns subscribe --topic-arn "$T" --protocol lambda \
	--notification-endpoint "arn:aws:lambda:us-east-1:$ACCT:function:recorder" >/dev/null
ok $? "subscribe a function"
awsl sns subscribe --topic-arn "$T" --protocol sqs --notification-endpoint "$ARN:inbox" >/dev/null
ok $? "subscribe a queue"
awsl sns subscribe --topic-arn "$T" --protocol sqs --notification-endpoint "$ARN:raw" \
	--attributes RawMessageDelivery=true >/dev/null
ok $? "subscribe a queue with RawMessageDelivery"
awsl sns subscribe --topic-arn "$T" --protocol email --notification-endpoint ada@example.com >/dev/null
ok $? "subscribe an email address"
out=$(awsl sns get-topic-attributes --topic-arn "$T" --query Attributes.Policy --output text)
check "get-topic-attributes: the default policy grants the owner's account" contains "$out" \
	"\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":\"$ACCT\"}}"
out=$(awsl sns get-topic-attributes --topic-arn "$T" --query Attributes.EffectiveDeliveryPolicy --output text)
check "... and SNS's default delivery policy" contains "$out" '"numRetries":3'
allow_service "$ARN:inbox" sns "$T" && allow_service "$ARN:raw" sns "$T" &&
	allow_service "arn:aws:lambda:us-east-1:$ACCT:function:recorder" sns "$T"
ok $? "queue policies and the function's permission for the topic"
out=$(awsl sns subscribe --topic-arn "$T" --protocol carrier-pigeon --notification-endpoint x 2>&1)
check "an unknown protocol: InvalidParameter" contains "$out" "InvalidParameter"
out=$(awsl sns list-subscriptions-by-topic --topic-arn "$T" --query 'length(Subscriptions)')
check "list-subscriptions-by-topic lists 4" test "$out" = 4
check "list-topics lists it" contains "$(awsl sns list-topics)" "$T"
out=$(awsl sns publish --topic-arn "$T" --subject "Disk" --message "disk full" \
	--message-attributes '{"level":{"DataType":"String","StringValue":"high"}}' 2>&1)
ok $? "aws sns publish with a subject and attributes"
check "... answers a MessageId" contains "$out" '"MessageId"'
wait_until "the queue receives the notification" queue_has inbox
env=$(awsl sqs receive-message --queue-url "$E/$ACCT/inbox" --query 'Messages[0].Body' --output text)
note "$env"
check "... as SNS's JSON envelope" contains "$env" '"Type":"Notification"'
check "... with the message, subject and topic" contains "$env" '"Message":"disk full"'
check "... Subject" contains "$env" '"Subject":"Disk"'
check "... attributes as Type/Value" contains "$env" '"level":{"Type":"String","Value":"high"}'
wait_until "the raw subscription receives the bare message" queue_has raw
out=$(awsl sqs receive-message --queue-url "$E/$ACCT/raw" --message-attribute-names All)
check "... the body is the message" contains "$out" '"Body": "disk full"'
check "... the attributes are the queue message's" contains "$out" '"StringValue": "high"'
wait_until "the function, calling SQS through boto3, recorded its SNS event" queue_has seen
ev=$(awsl sqs receive-message --queue-url "$E/$ACCT/seen" --query 'Messages[0].Body' --output text)
note "$ev"
check "... EventSource aws:sns" contains "$ev" '"EventSource": "aws:sns"'
check "... Sns.Message" contains "$ev" '"Message": "disk full"'
check "... Sns.Subject" contains "$ev" '"Subject": "Disk"'
check "... Sns.MessageAttributes" contains "$ev" '"level": {"Type": "String", "Value": "high"}'
check "... Sns.Type Notification" contains "$ev" '"Type": "Notification"'
mail=$(ctl "/_tutor/mailbox?address=ada@example.com")
check "the mailbox holds the confirmation" contains "$mail" "Subscription Confirmation"
check "... and the message with its subject" contains "$mail" '"subject":"Disk","message":"disk full"'
out=$(sigcurl sns -s -X POST "$E/" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data 'Action=Publish&Version=2010-03-31&Message=x')
check "Publish without a topic: an SNS ErrorResponse" contains "$out" '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code>'
awsl sns delete-topic --topic-arn "$T"
ok $? "delete-topic"
out=$(awsl sns publish --topic-arn "$T" --message x 2>&1)
check "publishing to it then: NotFound" contains "$out" "NotFound"

# Event source mapping with partial batch failures; the queue redrives after 2 receives.
awsl sqs set-queue-attributes --queue-url "$E/$ACCT/work" --attributes \
	"{\"VisibilityTimeout\":\"60\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$ARN:work-dlq\\\",\\\"maxReceiveCount\\\":\\\"2\\\"}\"}"
out=$(awsl lambda create-event-source-mapping --function-name batcher --event-source-arn "$ARN:work" \
	--batch-size 10 --function-response-types ReportBatchItemFailures 2>&1)
ok $? "aws lambda create-event-source-mapping"
note "$out"
U=$(printf '%s' "$out" | json_get UUID)
check "... State Creating" contains "$out" '"State": "Creating"'
check "... FunctionResponseTypes" contains "$out" '"ReportBatchItemFailures"'
out=$(awsl lambda get-event-source-mapping --uuid "$U")
check "get-event-source-mapping: Enabled" contains "$out" '"State": "Enabled"'
out=$(awsl lambda list-event-source-mappings --function-name batcher --query 'length(EventSourceMappings)')
check "list-event-source-mappings --function-name" test "$out" = 1
out=$(awsl lambda create-event-source-mapping --function-name batcher --event-source-arn "$ARN:work" 2>&1)
check "a second mapping of the same pair: ResourceConflictException" contains "$out" "ResourceConflictException"
out=$(awsl lambda create-event-source-mapping --function-name batcher --event-source-arn "$ARN:work-dlq" --batch-size 50 2>&1)
check "batch size 50 without a window: InvalidParameterValueException" contains "$out" "InvalidParameterValueException"
out=$(awsl lambda create-event-source-mapping --function-name batcher --event-source-arn "$ARN:nope" 2>&1)
check "a missing queue is refused" contains "$out" "InvalidParameterValueException"

awsl sqs send-message-batch --queue-url "$E/$ACCT/work" --entries \
	'[{"Id":"a","MessageBody":"ok-1"},{"Id":"b","MessageBody":"fail-1"},{"Id":"c","MessageBody":"ok-2"}]' >/dev/null
wait_until "the batch was handled" at_least done 3
wait_until "the successes are deleted; the reported failure stays in flight" inflight_is work 1
advance 61
wait_until "after the visibility timeout the failure is retried" at_least done 4
advance 61
wait_until "... and after maxReceiveCount it is redriven to the DLQ" queue_has work-dlq
out=$(awsl sqs receive-message --queue-url "$E/$ACCT/work-dlq")
check "... the failed message, only" contains "$out" '"Body": "fail-1"'
awsl sqs purge-queue --queue-url "$E/$ACCT/work-dlq"
awsl sqs purge-queue --queue-url "$E/$ACCT/done"

# An empty itemIdentifier fails the whole batch: the good message is not deleted either.
awsl sqs send-message-batch --queue-url "$E/$ACCT/work" --entries \
	'[{"Id":"a","MessageBody":"emptyid"},{"Id":"b","MessageBody":"ok-3"}]' >/dev/null
wait_until "a batch with an empty itemIdentifier stays in flight whole" inflight_is work 2
advance 61
# The second receive and its failure are over before the clock moves on to the third.
settled
advance 61
wait_until "... and both messages reach the DLQ" count_is work-dlq 2

# A handler error returns the whole batch too.
awsl lambda update-event-source-mapping --uuid "$U" --function-response-types '[]' >/dev/null
ok $? "update-event-source-mapping drops ReportBatchItemFailures"
awsl sqs send-message --queue-url "$E/$ACCT/work" --message-body crash >/dev/null
wait_until "a handler error leaves the message in flight" inflight_is work 1
awsl lambda delete-event-source-mapping --uuid "$U" >/dev/null
ok $? "delete-event-source-mapping"
out=$(awsl lambda get-event-source-mapping --uuid "$U" 2>&1)
check "... then get: ResourceNotFoundException" contains "$out" "ResourceNotFoundException"
# SAM's SNS event with SqsSubscription: the transform puts a queue between the topic and the
# function (the queue, its policy for the topic, the subscription, an event source mapping),
# and a notification reaches the handler as an SQS record holding SNS's envelope.
cat >"$WORK/sam.yaml" <<'YAML'
Transform: AWS::Serverless-2016-10-31
Resources:
  News:
    Type: AWS::SNS::Topic
  Seen:
    Type: AWS::SQS::Queue
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json, os, boto3
        sqs = boto3.client("sqs")
        def handler(event, context):
            for r in event["Records"]:
                sqs.send_message(QueueUrl=os.environ["SEEN"], MessageBody=json.dumps(r))
      Environment:
        Variables:
          SEEN: !Ref Seen
      Policies:
        - SQSSendMessagePolicy:
            QueueName: !GetAtt Seen.QueueName
      Events:
        Buffered:
          Type: SNS
          Properties:
            Topic: !Ref News
            SqsSubscription: true
Outputs:
  Topic:
    Value: !Ref News
  Seen:
    Value: !Ref Seen
YAML
out=$(awsl cloudformation deploy --template-file "$WORK/sam.yaml" --stack-name via \
	--capabilities CAPABILITY_IAM 2>&1)
check "deploy a SAM SNS event with SqsSubscription: true" contains "$out" "Successfully created"
note "$out"
out=$(awsl cloudformation describe-stack-resources --stack-name via \
	--query 'StackResources[].[LogicalResourceId,ResourceType]' --output text)
for r in "ReaderBufferedQueue	AWS::SQS::Queue" "ReaderBufferedQueuePolicy	AWS::SQS::QueuePolicy" \
	"ReaderBuffered	AWS::SNS::Subscription" \
	"ReaderBufferedEventSourceMapping	AWS::Lambda::EventSourceMapping"; do
	check "... $r" contains "$out" "$r"
done
if contains "$out" "ReaderBufferedPermission"; then ok 1 "... no permission for SNS to invoke"; else ok 0 "... no permission for SNS to invoke"; fi
via_output() {
	awsl cloudformation describe-stacks --stack-name via \
		--query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
VT=$(via_output Topic)
SEEN=$(via_output Seen)
seen_has() { [ "$(awsl sqs get-queue-attributes --queue-url "$SEEN" \
	--attribute-names ApproximateNumberOfMessages \
	--query Attributes.ApproximateNumberOfMessages --output text)" -gt 0 ]; }
out=$(awsl sns list-subscriptions-by-topic --topic-arn "$VT" \
	--query 'Subscriptions[0].[Protocol,Endpoint]' --output text)
check "... the topic's subscription is the queue's ($out)" contains "$out" "sqs	$ARN:via-ReaderBufferedQueue"
awsl sns publish --topic-arn "$VT" --message "through a queue" >/dev/null
ok $? "publish to the stack's topic"
wait_until "the handler ran from the queue" seen_has
rec=$(awsl sqs receive-message --queue-url "$SEEN" --query 'Messages[0].Body' --output text)
note "$rec"
check "... an SQS record" contains "$rec" '"eventSource": "aws:sqs"'
check "... whose body is SNS's envelope" contains "$rec" '\"Message\":\"through a queue\"'
check "... of the stack's topic" contains "$rec" "\\\"TopicArn\\\":\\\"$VT\\\""
awsl cloudformation delete-stack --stack-name via

stop_cloud
ok $? "the cloud stops cleanly"
finish
