#!/bin/sh
# DynamoDB, DynamoDB Streams and Kinesis through both AWS CLIs: Debian's 2.9 (--endpoint-url)
# and the pyenv 1.x (AWS_ENDPOINT_URL), each on tables and streams of its own, then the TTL
# and the stream on the stepped virtual clock. Usage: dynamodb_cli.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"

start_cloud || exit 1
command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1' && HAVE_V1=1 || HAVE_V1=
# cli NAME ARGS...: the CLI called NAME ("v2" or "v1") with the endpoint its way.
cli() {
	which=$1
	shift
	if [ "$which" = v2 ]; then
		aws2 --endpoint-url "$E" --output json "$@"
	else
		AWS_ENDPOINT_URL=$E aws --output json "$@"
	fi
}
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

for v in v2 v1; do
	if [ "$v" = v1 ] && [ -z "$HAVE_V1" ]; then
		echo "# skip the 1.x CLI: none on PATH"
		continue
	fi
	T=orders-$v
	out=$(cli $v dynamodb create-table --table-name "$T" \
		--attribute-definitions AttributeName=customer,AttributeType=S \
		AttributeName=n,AttributeType=N AttributeName=state,AttributeType=S \
		--key-schema AttributeName=customer,KeyType=HASH AttributeName=n,KeyType=RANGE \
		--global-secondary-indexes \
		'IndexName=by-state,KeySchema=[{AttributeName=state,KeyType=HASH}],Projection={ProjectionType=ALL}' \
		--billing-mode PAY_PER_REQUEST \
		--stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES 2>&1)
	contains "$out" '"TableStatus": "CREATING"'
	ok $? "$v: create-table"
	check "$v: wait table-exists" cli $v dynamodb wait table-exists --table-name "$T"
	check "$v: put-item" cli $v dynamodb put-item --table-name "$T" \
		--item '{"customer":{"S":"ada"},"n":{"N":"1"},"total":{"N":"10.50"},"state":{"S":"open"}}'
	out=$(cli $v dynamodb get-item --table-name "$T" --key '{"customer":{"S":"ada"},"n":{"N":"1.0"}}' 2>&1)
	contains "$out" '"N": "10.5"'
	ok $? "$v: get-item answers the number in its canonical form"
	out=$(cli $v dynamodb update-item --table-name "$T" --key '{"customer":{"S":"ada"},"n":{"N":"1"}}' \
		--update-expression 'SET #t = #t + :d ADD visits :one' \
		--expression-attribute-names '{"#t":"total"}' \
		--expression-attribute-values '{":d":{"N":"0.25"},":one":{"N":"1"}}' \
		--return-values UPDATED_NEW 2>&1)
	contains "$out" '"N": "10.75"'
	ok $? "$v: update-item sums exactly"
	out=$(cli $v dynamodb update-item --table-name "$T" --key '{"customer":{"S":"ada"},"n":{"N":"1"}}' \
		--update-expression 'SET status = :s' --expression-attribute-values '{":s":{"S":"x"}}' 2>&1)
	contains "$out" 'ValidationException) when calling the UpdateItem operation: Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status'
	ok $? "$v: a reserved word, in DynamoDB's words"
	out=$(cli $v dynamodb put-item --table-name "$T" --item '{"customer":{"S":"ada"},"n":{"N":"1"}}' \
		--condition-expression 'attribute_not_exists(customer)' 2>&1)
	contains "$out" 'ConditionalCheckFailedException) when calling the PutItem operation: The conditional request failed'
	ok $? "$v: a failed condition"
	out=$(cli $v dynamodb update-item --table-name "$T" --key '{"customer":{"S":"ada"},"n":{"N":"1"}}' \
		--update-expression 'SET a =' 2>&1)
	contains "$out" 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "="'
	ok $? "$v: a syntax error names its token"
	# Twelve items, read back in pages of five.
	items=
	i=2
	while [ $i -le 12 ]; do
		items="$items{\"PutRequest\":{\"Item\":{\"customer\":{\"S\":\"ada\"},\"n\":{\"N\":\"$i\"},\"state\":{\"S\":\"s$((i % 2))\"}}}},"
		i=$((i + 1))
	done
	printf '{"%s":[%s]}' "$T" "${items%,}" >"$WORK/batch.json"
	out=$(cli $v dynamodb batch-write-item --request-items "file://$WORK/batch.json" 2>&1)
	contains "$out" '"UnprocessedItems": {}'
	ok $? "$v: batch-write-item"
	out=$(cli $v dynamodb query --table-name "$T" --key-condition-expression 'customer = :c' \
		--expression-attribute-values '{":c":{"S":"ada"}}' --page-size 5 \
		--projection-expression n 2>&1)
	count=$(printf '%s' "$out" | jq_py 'd["Count"]' 2>/dev/null)
	last=$(printf '%s' "$out" | jq_py 'd["Items"][-1]["n"]["N"]' 2>/dev/null)
	[ "$count" = 12 ] && [ "$last" = 12 ]
	ok $? "$v: query in pages of five sees all 12, in numeric order (count $count, last $last)"
	out=$(cli $v dynamodb query --table-name "$T" --index-name by-state \
		--key-condition-expression '#s = :s' --expression-attribute-names '{"#s":"state"}' \
		--expression-attribute-values '{":s":{"S":"s1"}}' --select COUNT 2>&1)
	contains "$out" '"Count": 5'
	ok $? "$v: a query of the global index"
	seg0=$(cli $v dynamodb scan --table-name "$T" --segment 0 --total-segments 2 --select COUNT | jq_py 'd["Count"]')
	seg1=$(cli $v dynamodb scan --table-name "$T" --segment 1 --total-segments 2 --select COUNT | jq_py 'd["Count"]')
	[ $((seg0 + seg1)) = 12 ]
	ok $? "$v: two scan segments see every item once ($seg0 + $seg1)"
	out=$(cli $v dynamodb transact-write-items --transact-items \
		"[{\"ConditionCheck\":{\"TableName\":\"$T\",\"Key\":{\"customer\":{\"S\":\"ada\"},\"n\":{\"N\":\"2\"}},\"ConditionExpression\":\"attribute_not_exists(n)\"}},{\"Put\":{\"TableName\":\"$T\",\"Item\":{\"customer\":{\"S\":\"bob\"},\"n\":{\"N\":\"1\"}}}}]" 2>&1)
	contains "$out" 'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]'
	ok $? "$v: a transaction cancelled, with its reasons"
	out=$(cli $v dynamodb get-item --table-name "$T" --key '{"customer":{"S":"bob"},"n":{"N":"1"}}' 2>&1)
	[ -z "$out" ] || ! contains "$out" '"Item"'
	ok $? "$v: and nothing of it written"
	out=$(cli $v dynamodb batch-get-item --request-items \
		"{\"$T\":{\"Keys\":[{\"customer\":{\"S\":\"ada\"},\"n\":{\"N\":\"3\"}}],\"ProjectionExpression\":\"n\"}}" 2>&1)
	contains "$out" '"N": "3"'
	ok $? "$v: batch-get-item"
	out=$(cli $v dynamodb transact-get-items --transact-items \
		"[{\"Get\":{\"TableName\":\"$T\",\"Key\":{\"customer\":{\"S\":\"ada\"},\"n\":{\"N\":\"3\"}}}}]" 2>&1)
	check "$v: transact-get-items" contains "$out" '"N": "3"'
	out=$(cli $v dynamodb delete-item --table-name "$T" --key '{"customer":{"S":"ada"},"n":{"N":"12"}}' \
		--return-values ALL_OLD 2>&1)
	check "$v: delete-item returns the old item" contains "$out" '"N": "12"'
	out=$(cli $v dynamodb list-tables 2>&1)
	check "$v: list-tables" contains "$out" "\"$T\""
	out=$(cli $v dynamodb update-table --table-name "$T" --billing-mode PROVISIONED \
		--provisioned-throughput ReadCapacityUnits=3,WriteCapacityUnits=4 2>&1)
	check "$v: update-table to provisioned" contains "$out" '"WriteCapacityUnits": 4'
	tarn=$(cli $v dynamodb describe-table --table-name "$T" | jq_py 'd["Table"]["TableArn"]')
	cli $v dynamodb tag-resource --resource-arn "$tarn" --tags Key=team,Value=a >/dev/null 2>&1
	out=$(cli $v dynamodb list-tags-of-resource --resource-arn "$tarn" 2>&1)
	check "$v: tag-resource, list-tags-of-resource" contains "$out" '"Value": "a"'
	out=$(cli $v dynamodbstreams list-streams --table-name "$T" 2>&1)
	check "$v: dynamodbstreams list-streams" contains "$out" "table/$T/stream/"
	# The table's stream.
	arn=$(cli $v dynamodb describe-table --table-name "$T" | jq_py 'd["Table"]["LatestStreamArn"]')
	shard=$(cli $v dynamodbstreams describe-stream --stream-arn "$arn" | jq_py 'd["StreamDescription"]["Shards"][0]["ShardId"]')
	it=$(cli $v dynamodbstreams get-shard-iterator --stream-arn "$arn" --shard-id "$shard" \
		--shard-iterator-type TRIM_HORIZON | jq_py 'd["ShardIterator"]')
	out=$(cli $v dynamodbstreams get-records --shard-iterator "$it" | jq_py '",".join(r["eventName"] for r in d["Records"][:2])')
	[ "$out" = "INSERT,MODIFY" ]
	ok $? "$v: the stream has the insert and the update ($out)"
	# Kinesis.
	S=clicks-$v
	check "$v: kinesis create-stream" cli $v kinesis create-stream --stream-name "$S" --shard-count 2
	check "$v: kinesis wait stream-exists" cli $v kinesis wait stream-exists --stream-name "$S"
	if [ "$v" = v2 ]; then
		data=$(printf hello | base64)
	else
		data=hello
	fi
	out=$(cli $v kinesis put-record --stream-name "$S" --partition-key beta --data "$data" 2>&1)
	contains "$out" '"ShardId": "shardId-000000000001"'
	ok $? "$v: put-record lands where MD5(beta) says"
	out=$(cli $v kinesis put-records --stream-name "$S" --records \
		"Data=$data,PartitionKey=alpha" "Data=$data,PartitionKey=gamma" 2>&1)
	contains "$out" '"FailedRecordCount": 0'
	ok $? "$v: put-records"
	it=$(cli $v kinesis get-shard-iterator --stream-name "$S" --shard-id shardId-000000000000 \
		--shard-iterator-type TRIM_HORIZON | jq_py 'd["ShardIterator"]')
	out=$(cli $v kinesis get-records --shard-iterator "$it" | jq_py 'len(d["Records"])')
	[ "$out" = 2 ]
	ok $? "$v: shard 0 holds alpha and gamma ($out)"
	out=$(cli $v kinesis describe-stream-summary --stream-name "$S" | jq_py 'd["StreamDescriptionSummary"]["OpenShardCount"]')
	[ "$out" = 2 ]
	ok $? "$v: describe-stream-summary"
	out=$(cli $v kinesis list-shards --stream-name "$S" 2>&1)
	check "$v: kinesis list-shards" contains "$out" '"ShardId": "shardId-000000000001"'
	check "$v: kinesis delete-stream" cli $v kinesis delete-stream --stream-name "$S"
done

# TTL on the virtual clock, with the stream telling who deleted.
T=sessions
check "create a table for TTL" awsl dynamodb create-table --table-name $T \
	--attribute-definitions AttributeName=id,AttributeType=S --key-schema AttributeName=id,KeyType=HASH \
	--billing-mode PAY_PER_REQUEST --stream-specification StreamEnabled=true,StreamViewType=OLD_IMAGE
now=$(ctl /_tutor/clock/now -f | jq_py 'd["now"] // 1000')
check "put an item that expires in a minute" awsl dynamodb put-item --table-name $T \
	--item "{\"id\":{\"S\":\"old\"},\"exp\":{\"N\":\"$((now + 60))\"}}"
check "update-time-to-live" awsl dynamodb update-time-to-live --table-name $T \
	--time-to-live-specification Enabled=true,AttributeName=exp
out=$(awsl dynamodb describe-time-to-live --table-name $T 2>&1)
contains "$out" '"TimeToLiveStatus": "ENABLED"'
ok $? "describe-time-to-live"
ctl "/_tutor/clock/advance?seconds=120" -f -X POST >/dev/null
# The settle control answers once the account has no item past its TTL left to delete.
out=$(ctl "/_tutor/settle?account=$ACCT" -f -X POST)
contains "$out" '"settled":true'
ok $? "settle waits for the TTL deletion"
out=$(awsl dynamodb scan --table-name $T --select COUNT 2>&1)
contains "$out" '"Count": 0'
ok $? "the item is deleted once the clock passes its expiry"
arn=$(awsl dynamodb describe-table --table-name $T | jq_py 'd["Table"]["LatestStreamArn"]')
shard=$(awsl dynamodbstreams describe-stream --stream-arn "$arn" | jq_py 'd["StreamDescription"]["Shards"][0]["ShardId"]')
it=$(awsl dynamodbstreams get-shard-iterator --stream-arn "$arn" --shard-id "$shard" \
	--shard-iterator-type TRIM_HORIZON | jq_py 'd["ShardIterator"]')
out=$(awsl dynamodbstreams get-records --shard-iterator "$it" 2>&1)
contains "$out" '"PrincipalId": "dynamodb.amazonaws.com"'
ok $? "the stream records the removal as the service's"
out=$(awsl dynamodb delete-table --table-name $T 2>&1)
contains "$out" '"TableStatus": "DELETING"'
ok $? "delete-table"
out=$(awsl dynamodb describe-table --table-name $T 2>&1)
contains "$out" "Requested resource not found: Table: $T not found"
ok $? "a deleted table is not found"
# TTL by the account's clock: an account's step expires its items, not the base account's.
keys=$(new_account)
AK=$(echo "$keys" | cut -d' ' -f1)
AS=$(echo "$keys" | cut -d' ' -f2)
AA=$(echo "$keys" | cut -d' ' -f3)
acct() { AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$AS awsl "$@"; }
for who in awsl acct; do
	check "$who: a table for TTL" $who dynamodb create-table --table-name ttl2 \
		--attribute-definitions AttributeName=id,AttributeType=S \
		--key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST
	check "$who: update-time-to-live" $who dynamodb update-time-to-live --table-name ttl2 \
		--time-to-live-specification Enabled=true,AttributeName=exp
	now=$(ctl "/_tutor/clock/now?account=$AA" -f | jq_py 'd["now"] // 1000')
	# An hour ahead: however slow the machine, the base clock does not get there in the test.
	check "$who: an item expiring in an hour" $who dynamodb put-item --table-name ttl2 \
		--item "{\"id\":{\"S\":\"s\"},\"exp\":{\"N\":\"$((now + 3600))\"}}"
done
ctl "/_tutor/clock/advance?seconds=3700&account=$AA" -f -X POST >/dev/null
out=$(ctl "/_tutor/settle?account=$AA" -f -X POST)
contains "$out" '"settled":true'
ok $? "settle waits for the account's TTL deletion"
out=$(acct dynamodb scan --table-name ttl2 --select COUNT 2>&1)
contains "$out" '"Count": 0'
ok $? "the account's item is deleted once the account's clock passes its expiry"
out=$(awsl dynamodb scan --table-name ttl2 --select COUNT 2>&1)
contains "$out" '"Count": 1'
ok $? "the base account's item, on the base clock, stays"
check "delete the base account's TTL table" awsl dynamodb delete-table --table-name ttl2
finish
