#!/bin/sh
# DynamoDB and Kinesis through boto3 (client and resource layers, in both Pythons) and the AWS
# SDK for JavaScript v3 (client and document client), against one cloud; then what they wrote
# survives a restart of the cloud.
# Usage: dynamodb_clients.sh LAMBDA-TUTOR SOURCE-ROOT
TUTOR=$1
ROOT=$2
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

start_cloud || exit 1
# run LABEL COMMAND...: a TAP script's lines, numbered on.
run() {
	label=$1
	shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	status=$?
	grep -E '^(ok|not ok) ' "$WORK/out" | while IFS= read -r line; do
		echo "$line"
	done >"$WORK/lines"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$label: ${line#* - }" ;;
		*) ok 1 "$label: ${line#* - }" ;;
		esac
	done <"$WORK/lines"
	[ $status = 0 ] || { ok 1 "$label exits 0"; note "$(cat "$WORK/err")"; }
}
for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	suffix=$(echo "$py" | tr -c 'a-z0-9' '-')
	run "$py" "$py" "$DIR/dynamodb_boto3.py" "$E" "$suffix"
done
if [ -d "$ROOT/node_modules/@aws-sdk/lib-dynamodb" ] && command -v node >/dev/null 2>&1; then
	run "SDK v3" env NODE_PATH="$ROOT/node_modules" node "$DIR/dynamodb_sdk.mjs" "$E"
else
	echo "# skip the SDK v3: npm install has not run in $ROOT"
fi

# What is written survives a restart: the items, the stream's records, a Kinesis shard.
check "a table for the restart" awsl dynamodb create-table --table-name kept \
	--attribute-definitions AttributeName=id,AttributeType=S \
	--key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST \
	--stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE
check "an item in it" awsl dynamodb put-item --table-name kept \
	--item '{"id":{"S":"a"},"n":{"N":"12345678901234567890.123456789012345678"}}'
check "a Kinesis stream" awsl kinesis create-stream --stream-name kept --shard-count 1
check "a record in it" awsl kinesis put-record --stream-name kept --partition-key k \
	--data "$(printf kept | base64)"
stop_cloud
ok $? "the cloud stops cleanly"
start_cloud || exit 1
out=$(awsl dynamodb get-item --table-name kept --key '{"id":{"S":"a"}}' 2>&1)
check "after a restart the item is there, its number whole" contains "$out" \
	'"N": "12345678901234567890.123456789012345678"'
arn=$(awsl dynamodb describe-table --table-name kept | jq_py 'd["Table"]["LatestStreamArn"]')
shard=$(awsl dynamodbstreams describe-stream --stream-arn "$arn" | jq_py 'd["StreamDescription"]["Shards"][0]["ShardId"]')
it=$(awsl dynamodbstreams get-shard-iterator --stream-arn "$arn" --shard-id "$shard" \
	--shard-iterator-type TRIM_HORIZON | jq_py 'd["ShardIterator"]')
out=$(awsl dynamodbstreams get-records --shard-iterator "$it" | jq_py '",".join(r["eventName"] for r in d["Records"])')
check "... and the stream's record ($out)" test "$out" = INSERT
it=$(awsl kinesis get-shard-iterator --stream-name kept --shard-id shardId-000000000000 \
	--shard-iterator-type TRIM_HORIZON | jq_py 'd["ShardIterator"]')
out=$(awsl kinesis get-records --shard-iterator "$it" | jq_py '",".join(r["Data"] for r in d["Records"])')
check "... and the Kinesis record ($out)" test "$out" = "$(printf kept | base64)"
# A day of the account's own clock later, the stream keeps the record no more (24 hours).
ctl "/_tutor/clock/advance?seconds=90000&account=$ACCT" -f -X POST >/dev/null
left=1
i=0
while [ $i -lt 50 ]; do
	it=$(awsl dynamodbstreams get-shard-iterator --stream-arn "$arn" --shard-id "$shard" \
		--shard-iterator-type TRIM_HORIZON | jq_py 'd["ShardIterator"]')
	left=$(awsl dynamodbstreams get-records --shard-iterator "$it" | jq_py 'len(d["Records"])')
	[ "$left" = 0 ] && break
	sleep 0.2
	i=$((i + 1))
done
check "a day on the account's clock, the stream's record is trimmed ($left left)" test "$left" = 0
stop_cloud
ok $? "the cloud stops cleanly"
finish
