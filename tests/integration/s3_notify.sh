#!/bin/bash
# S3 bucket notifications with the real AWS CLI and boto3 inside handlers: the resource policy
# S3 needs (add-permission) and AWS's error without it, event types and prefix/suffix filters,
# AWS's S3 event record delivered as an asynchronous invocation and to an SQS queue, a handler
# that reads the upload and writes its result to another bucket with boto3.client("s3") and no
# endpoint in its code, and recursive loop detection stopping a function that writes back
# into the bucket that triggers it. TAP.
#
#   s3_notify.sh path/to/lambda-tutor
TUTOR=${1:?usage: s3_notify.sh LAMBDA_TUTOR}
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
FN_ARN=arn:aws:lambda:us-east-1:$ACCT:function

mkdir -p "$WORK/upper" "$WORK/loop"
cat >"$WORK/upper/lambda_function.py" <<'PY'
import json
import urllib.parse

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.put_object(Bucket="results", Key="upper/" + key, Body=body.upper())
        s3.put_object(Bucket="results", Key="events/" + key, Body=json.dumps(event).encode())
    return {"done": len(event["Records"])}
PY
cat >"$WORK/loop/lambda_function.py" <<'PY'
import urllib.parse

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    record = event["Records"][0]
    key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
    s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key=key + "+", Body=b"again")
PY
make_zip "$WORK/upper.zip" "$WORK/upper"
make_zip "$WORK/loop.zip" "$WORK/loop"
for f in upper loop; do
	awsl lambda create-function --function-name $f --runtime python3.12 \
		--handler lambda_function.lambda_handler --role $ROLE \
		--zip-file "fileb://$WORK/$f.zip" >/dev/null
	ok $? "create-function $f"
done
for b in uploads results loopy; do awsl s3 mb s3://$b >/dev/null; done

conf() { # conf FUNCTION [FILTER-RULES-JSON]
	filter=
	[ -z "${2:-}" ] || filter=',"Filter":{"Key":{"FilterRules":'"$2"'}}'
	printf '{"LambdaFunctionConfigurations":[{"Id":"on-upload","LambdaFunctionArn":"%s:%s","Events":["s3:ObjectCreated:*"]%s}]}' \
		"$FN_ARN" "$1" "$filter"
}
conf upper '[{"Name":"suffix","Value":".txt"},{"Name":"prefix","Value":"in/"}]' >"$WORK/n.json"
out=$(awsl s3api put-bucket-notification-configuration --bucket uploads \
	--notification-configuration "file://$WORK/n.json" 2>&1)
contains "$out" InvalidArgument && contains "$out" "Unable to validate the following destination configurations"
ok $? "without add-permission S3 refuses the function as AWS does"
note "$out"
out=$(awsl lambda add-permission --function-name upper --statement-id s3-other \
	--action lambda:InvokeFunction --principal s3.amazonaws.com \
	--source-arn arn:aws:s3:::some-other-bucket 2>&1)
ok $? "add-permission for another bucket"
out=$(awsl s3api put-bucket-notification-configuration --bucket uploads \
	--notification-configuration "file://$WORK/n.json" 2>&1)
contains "$out" InvalidArgument; ok $? "a permission for another bucket does not do"
awsl lambda add-permission --function-name upper --statement-id s3-uploads \
	--action lambda:InvokeFunction --principal s3.amazonaws.com \
	--source-arn arn:aws:s3:::uploads --source-account "$ACCT" >"$WORK/perm.json" 2>&1
ok $? "add-permission for the bucket"
out=$(awsl lambda add-permission --function-name upper --statement-id s3-uploads \
	--action lambda:InvokeFunction --principal s3.amazonaws.com 2>&1)
contains "$out" ResourceConflictException; ok $? "a repeated statement id is a conflict"
out=$(awsl lambda get-policy --function-name upper --query Policy --output text)
json_py "$out" 'assert [s["Sid"] for s in d["Statement"]] == ["s3-other", "s3-uploads"]; assert d["Statement"][1]["Condition"]["ArnLike"]["AWS:SourceArn"] == "arn:aws:s3:::uploads"'
ok $? "get-policy returns both statements with their conditions"
check "remove-permission" awsl lambda remove-permission --function-name upper --statement-id s3-other
out=$(awsl lambda remove-permission --function-name upper --statement-id s3-other 2>&1)
contains "$out" ResourceNotFoundException; ok $? "removing it again is ResourceNotFoundException"
check "put-bucket-notification-configuration with the permission" \
	awsl s3api put-bucket-notification-configuration --bucket uploads \
	--notification-configuration "file://$WORK/n.json"
out=$(awsl s3api get-bucket-notification-configuration --bucket uploads)
json_py "$out" '
c = d["LambdaFunctionConfigurations"][0]
assert c["Id"] == "on-upload" and c["Events"] == ["s3:ObjectCreated:*"]
rules = {r["Name"]: r["Value"] for r in c["Filter"]["Key"]["FilterRules"]}
assert rules == {"suffix": ".txt", "prefix": "in/"}, rules'
ok $? "get-bucket-notification-configuration returns it"
note "$out"
printf '{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"%s:upper","Events":["s3:ObjectMade:*"]}]}' "$FN_ARN" >"$WORK/bad.json"
out=$(awsl s3api put-bucket-notification-configuration --bucket uploads \
	--notification-configuration "file://$WORK/bad.json" 2>&1)
contains "$out" InvalidArgument; ok $? "an unknown event type is InvalidArgument"

printf 'shout this\n' >"$WORK/a.txt"
awsl s3 cp "$WORK/a.txt" "s3://uploads/in/my notes.txt" >/dev/null
awsl s3 cp "$WORK/a.txt" "s3://uploads/in/photo.jpg" >/dev/null
awsl s3 cp "$WORK/a.txt" "s3://uploads/other/x.txt" >/dev/null
result() { [ "$(awsl s3 cp "s3://results/upper/in/my notes.txt" - 2>/dev/null)" = "SHOUT THIS" ]; }
wait_until "the upload's function wrote its result to another bucket with boto3" result
awsl s3 cp "s3://results/events/in/my notes.txt" "$WORK/event.json" >/dev/null 2>&1
json_py "$(cat "$WORK/event.json")" '
r = d["Records"][0]
assert r["eventVersion"] == "2.1" and r["eventSource"] == "aws:s3" and r["awsRegion"] == "us-east-1"
assert r["eventName"] == "ObjectCreated:Put", r["eventName"]
assert r["eventTime"].endswith("Z") and "principalId" in r["userIdentity"]
assert r["requestParameters"]["sourceIPAddress"]
assert "x-amz-request-id" in r["responseElements"] and "x-amz-id-2" in r["responseElements"]
s = r["s3"]
assert s["s3SchemaVersion"] == "1.0" and s["configurationId"] == "on-upload"
assert s["bucket"]["name"] == "uploads" and s["bucket"]["arn"] == "arn:aws:s3:::uploads"
assert "principalId" in s["bucket"]["ownerIdentity"]
o = s["object"]
assert o["key"] == "in/my+notes.txt", o["key"]
assert o["size"] == 11 and len(o["eTag"]) == 32 and o["sequencer"]'
ok $? "the function got AWS's S3 event record (key URL-encoded, size, eTag, sequencer)"
runs=$(attempt_count upper)
[ "$runs" = 1 ]; ok $? "the suffix and prefix filters kept the .jpg and other/ uploads out ($runs runs)"

# Deletions and copies, to an SQS queue.
awsl sqs create-queue --queue-name s3-events >/dev/null
QARN=arn:aws:sqs:us-east-1:$ACCT:s3-events
printf '{"QueueConfigurations":[{"Id":"gone","QueueArn":"%s","Events":["s3:ObjectRemoved:*","s3:ObjectCreated:Copy"]}]}' "$QARN" >"$WORK/q.json"
out=$(awsl s3api put-bucket-notification-configuration --bucket results \
	--notification-configuration "file://$WORK/q.json" 2>&1)
check "a queue without a policy for S3 is refused, as AWS does" contains "$out" \
	"Permissions on the destination queue do not allow S3 to publish notifications from this bucket [$QARN]"
note "$out"
allow_service "$QARN" s3 arn:aws:s3:::results
ok $? "a queue policy lets s3.amazonaws.com send for the bucket"
check "a queue configuration" awsl s3api put-bucket-notification-configuration --bucket results \
	--notification-configuration "file://$WORK/q.json"
awsl s3 rm "s3://results/events/in/my notes.txt" >/dev/null
awsl s3api copy-object --bucket results --key copied --copy-source "results/upper/in/my notes.txt" >/dev/null
msgs=$(awsl sqs receive-message --queue-url "$E/$ACCT/s3-events" --max-number-of-messages 10 \
	--wait-time-seconds 2)
json_py "$msgs" '
names = sorted(__import__("json").loads(m["Body"])["Records"][0]["eventName"] for m in d["Messages"])
assert names == ["ObjectCreated:Copy", "ObjectRemoved:Delete"], names'
ok $? "a delete and a copy reached the queue as S3 event records"
note "$msgs"

# EventBridge: with an EventBridgeConfiguration every change of the bucket goes to the default
# event bus as AWS sends it (source aws.s3, "Object Created" / "Object Deleted").
awsl s3 mb s3://bussed >/dev/null
awsl sqs create-queue --queue-name s3-bus >/dev/null
awsl events put-rule --name s3-objects \
	--event-pattern '{"source":["aws.s3"],"detail-type":["Object Created","Object Deleted"],"detail":{"bucket":{"name":["bussed"]}}}' >/dev/null
awsl events put-targets --rule s3-objects \
	--targets "Id=q,Arn=arn:aws:sqs:us-east-1:$ACCT:s3-bus" >/dev/null &&
	allow_service "arn:aws:sqs:us-east-1:$ACCT:s3-bus" events \
		"arn:aws:events:us-east-1:$ACCT:rule/s3-objects"
ok $? "a rule for the bucket's S3 events, to a queue"
out=$(awsl s3api put-bucket-notification-configuration --bucket bussed \
	--notification-configuration '{"EventBridgeConfiguration":{}}' 2>&1)
ok $? "put-bucket-notification-configuration with an EventBridgeConfiguration"
note "$out"
out=$(awsl s3api get-bucket-notification-configuration --bucket bussed 2>&1)
check "... get-bucket-notification-configuration answers it" contains "$out" EventBridgeConfiguration
note "$out"
awsl s3 cp "$WORK/a.txt" s3://bussed/in/b.txt >/dev/null
awsl s3 rm s3://bussed/in/b.txt >/dev/null
wait_until "both events reach the rule's queue" output_is 2 queue_count s3-bus
msgs=$(awsl sqs receive-message --queue-url "$E/$ACCT/s3-bus" --max-number-of-messages 10 \
	--query 'Messages[].Body' --output json)
note "$msgs"
json_py "$msgs" '
evs = sorted((json.loads(b) for b in d), key=lambda e: e["detail-type"])
assert [e["detail-type"] for e in evs] == ["Object Created", "Object Deleted"], evs
assert all(e["source"] == "aws.s3" and e["resources"] == ["arn:aws:s3:::bussed"] for e in evs), evs
c, x = evs[0]["detail"], evs[1]["detail"]
assert c["bucket"]["name"] == "bussed" and c["object"]["key"] == "in/b.txt", c
assert c["reason"] == "PutObject" and c["object"]["size"] > 0 and c["object"]["etag"], c
assert x["reason"] == "DeleteObject" and x["deletion-type"] == "Permanently Deleted", x'
ok $? "... as AWS sends them: source, detail-types, the bucket as resource, the detail"

# Recursion: a function writing into the bucket that triggers it is stopped.
check "add-permission for the looping function" awsl lambda add-permission \
	--function-name loop --statement-id s3 --action lambda:InvokeFunction \
	--principal s3.amazonaws.com --source-arn arn:aws:s3:::loopy
conf loop >"$WORK/loop.json"
out=$(awsl s3api put-bucket-notification-configuration --bucket loopy \
	--notification-configuration "file://$WORK/loop.json" 2>&1)
ok $? "the looping function's notification"
note "$out"
awsl s3 cp "$WORK/a.txt" s3://loopy/start >/dev/null
stopped() {
	awsl logs filter-log-events --log-group-name /aws/lambda/loop \
		--filter-pattern '"RECURSIVE LOOP DETECTED"' --query 'length(events)' --output text |
		grep -qx 1
}
wait_until "the loop is stopped and the learner told in the function's log" stopped
runs=$(attempt_count loop)
[ "$runs" = 16 ]; ok $? "the function ran 16 times before the loop was stopped ($runs)"
stop_cloud; ok $? "the cloud stops cleanly"
finish
