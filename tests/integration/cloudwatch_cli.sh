#!/bin/sh
# CloudWatch through both AWS CLIs: Debian's 2.9 (--endpoint-url; the query protocol) and the
# pyenv 1.x (AWS_ENDPOINT_URL; JSON 1.0), each on metrics of its own: put-metric-data,
# get-metric-statistics, get-metric-data with an expression, list-metrics, a refusal; then
# Lambda's own metrics from a failing function, and an alarm on its Errors that goes to ALARM
# on the stepped virtual clock and notifies an SNS topic a queue is subscribed to.
# Usage: cloudwatch_cli.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi

start_cloud || exit 1
test_role
command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1' && HAVE_V1=1 || HAVE_V1=
# cli NAME ARGS...: the CLI called NAME ("v2" or "v1") with the endpoint its way.
cli() {
	which=$1
	shift
	if [ "$which" = v2 ]; then
		aws2 --endpoint-url "$E" --output json "$@"
	elif [ "$1" = sqs ]; then
		# The 1.x CLI sends SQS to queue.amazonaws.com whatever AWS_ENDPOINT_URL says (its
		# SSL common-name customization), unless --endpoint-url is given.
		aws --endpoint-url "$E" --output json "$@"
	else
		AWS_ENDPOINT_URL=$E aws --output json "$@"
	fi
}
# iso [SECONDS-AHEAD]: the virtual clock's now (plus that), as ISO 8601.
iso() {
	ms=$(ctl /_tutor/clock -f | json_get now)
	date -u -d "@$((ms / 1000 + ${1:-0}))" +%Y-%m-%dT%H:%M:%SZ
}
# minute: the start of the virtual clock's minute.
minute() {
	ms=$(ctl /_tutor/clock -f | json_get now)
	date -u -d "@$((ms / 60000 * 60))" +%Y-%m-%dT%H:%M:%SZ
}
alarm_is() { # alarm_is CLI NAME STATE
	[ "$(cli "$1" cloudwatch describe-alarms --alarm-names "$2" \
		--query 'MetricAlarms[0].StateValue' --output text)" = "$3" ]
}

mkdir -p "$WORK/fail"
cat >"$WORK/fail/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    raise RuntimeError("the payment service is down")
PY
make_zip "$WORK/fail.zip" "$WORK/fail"

for v in v2 v1; do
	if [ "$v" = v1 ] && [ -z "$HAVE_V1" ]; then
		echo "# skip the 1.x CLI: none on PATH"
		continue
	fi
	NS=Shop-$v
	T0=$(minute)
	TS=$(iso)
	check "$v: put-metric-data --value --dimensions" cli $v cloudwatch put-metric-data \
		--namespace "$NS" --metric-name Orders --value 3 --unit Count \
		--dimensions Store=paris --timestamp "$TS"
	check "$v: put-metric-data --metric-data" cli $v cloudwatch put-metric-data --namespace "$NS" \
		--metric-data "[{\"MetricName\":\"Orders\",\"Value\":4,\"Unit\":\"Count\",\"Timestamp\":\"$TS\",\"Dimensions\":[{\"Name\":\"Store\",\"Value\":\"paris\"}]},{\"MetricName\":\"Orders\",\"Values\":[1,2],\"Counts\":[1,3],\"Dimensions\":[{\"Name\":\"Store\",\"Value\":\"lyon\"}],\"Timestamp\":\"$TS\"}]"
	END=$(iso 120)
	out=$(cli $v cloudwatch get-metric-statistics --namespace "$NS" --metric-name Orders \
		--dimensions Name=Store,Value=paris --start-time "$T0" --end-time "$END" --period 120 \
		--statistics Sum Maximum SampleCount 2>&1)
	json_py "$out" 'p = d["Datapoints"]; assert len(p) == 1 and p[0]["Sum"] == 7 and p[0]["Maximum"] == 4 and p[0]["SampleCount"] == 2 and p[0]["Unit"] == "Count"'
	ok $? "$v: get-metric-statistics: Sum 7, Maximum 4, SampleCount 2" || note "$out"
	cat >"$WORK/q.json" <<JSON
[{"Id":"paris","MetricStat":{"Metric":{"Namespace":"$NS","MetricName":"Orders","Dimensions":[{"Name":"Store","Value":"paris"}]},"Period":120,"Stat":"Sum"},"ReturnData":false},
 {"Id":"lyon","MetricStat":{"Metric":{"Namespace":"$NS","MetricName":"Orders","Dimensions":[{"Name":"Store","Value":"lyon"}]},"Period":120,"Stat":"Sum"},"ReturnData":false},
 {"Id":"share","Expression":"100*lyon/(paris+lyon)","Label":"Lyon's share"}]
JSON
	out=$(cli $v cloudwatch get-metric-data --metric-data-queries "file://$WORK/q.json" \
		--start-time "$T0" --end-time "$END" 2>&1)
	json_py "$out" 'r = d["MetricDataResults"]; assert len(r) == 1 and r[0]["Id"] == "share" and r[0]["Label"] == "Lyon'"'"'s share" and r[0]["Values"] == [50.0], r'
	ok $? "$v: get-metric-data: 100*lyon/(paris+lyon) = 50" || note "$out"
	out=$(cli $v cloudwatch list-metrics --namespace "$NS" 2>&1)
	json_py "$out" 'assert sorted(m["Dimensions"][0]["Value"] for m in d["Metrics"]) == ["lyon", "paris"]'
	ok $? "$v: list-metrics: one metric per dimension set" || note "$out"
	out=$(cli $v cloudwatch put-metric-data --namespace AWS/Shop --metric-name X --value 1 2>&1)
	contains "$out" "InvalidParameterValue"
	ok $? "$v: put-metric-data into an AWS/ namespace is refused" || note "$out"

	FN=checkout-$v
	out=$(cli $v lambda create-function --function-name "$FN" --runtime python3.12 \
		--handler lambda_function.lambda_handler --role $ROLE \
		--zip-file "fileb://$WORK/fail.zip" 2>&1)
	ok $? "$v: create-function $FN" || note "$out"
	TOPIC=$(cli $v sns create-topic --name "alarms-$v" --query TopicArn --output text)
	QURL=$(cli $v sqs create-queue --queue-name "alarms-$v" --query QueueUrl --output text)
	QARN=$(cli $v sqs get-queue-attributes --queue-url "$QURL" --attribute-names QueueArn \
		--query Attributes.QueueArn --output text)
	doc="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"$QARN\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"$TOPIC\"}}}]}"
	check "$v: a queue policy lets the topic send" cli $v sqs set-queue-attributes \
		--queue-url "$QURL" --attributes "{\"Policy\":\"$(printf '%s' "$doc" | sed 's/"/\\"/g')\"}"
	check "$v: subscribe the queue to the topic" cli $v sns subscribe --topic-arn "$TOPIC" \
		--protocol sqs --notification-endpoint "$QARN"
	check "$v: put-metric-alarm on AWS/Lambda Errors of $FN" cli $v cloudwatch put-metric-alarm \
		--alarm-name "$FN-errors" --namespace AWS/Lambda --metric-name Errors \
		--dimensions "Name=FunctionName,Value=$FN" --statistic Sum --period 60 \
		--evaluation-periods 1 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold \
		--treat-missing-data notBreaching --alarm-actions "$TOPIC"
	T0=$(minute)
	for i in 1 2; do
		out=$(cli $v lambda invoke --function-name "$FN" "$WORK/out-$v.json" 2>&1)
		contains "$out" '"FunctionError": "Unhandled"'
		ok $? "$v: invocation $i fails" || note "$out"
	done
	# A CLI call takes seconds on a loaded machine: the two may fall in different minutes.
	END=$(date -u -d "$T0 + 600 seconds" +%Y-%m-%dT%H:%M:%SZ)
	out=$(cli $v cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Errors \
		--dimensions "Name=FunctionName,Value=$FN" --start-time "$T0" --end-time "$END" \
		--period 600 --statistics Sum 2>&1)
	json_py "$out" 'p = d["Datapoints"]; assert [x["Sum"] for x in p] == [2.0], p'
	ok $? "$v: AWS/Lambda Errors of $FN: 2" || note "$out"
	out=$(cli $v cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Duration \
		--dimensions "Name=FunctionName,Value=$FN" --start-time "$T0" --end-time "$END" \
		--period 600 --statistics SampleCount Maximum --unit Milliseconds 2>&1)
	json_py "$out" 'p = d["Datapoints"]; assert len(p) == 1 and p[0]["SampleCount"] == 2 and p[0]["Maximum"] > 0 and p[0]["Unit"] == "Milliseconds", p'
	ok $? "$v: AWS/Lambda Duration of $FN, in milliseconds" || note "$out"
	advance 60
	wait_until "$v: the alarm goes to ALARM once the clock passes the minute" \
		alarm_is $v "$FN-errors" ALARM
	got=
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		got=$(cli $v sqs receive-message --queue-url "$QURL" --wait-time-seconds 2 \
			--query 'Messages[0].Body' --output text 2>&1)
		[ -n "$got" ] && [ "$got" != None ] && break
	done
	json_py "$got" 'm = json.loads(d["Message"]); assert d["Subject"] == "ALARM: \"'"$FN"'-errors\" in US East (N. Virginia)" and m["NewStateValue"] == "ALARM" and m["Trigger"]["Namespace"] == "AWS/Lambda" and m["Trigger"]["Dimensions"] == [{"value": "'"$FN"'", "name": "FunctionName"}], m'
	ok $? "$v: its notification reaches the queue through the topic" || note "$got"
	out=$(cli $v cloudwatch describe-alarm-history --alarm-name "$FN-errors" \
		--history-item-type Action --query 'AlarmHistoryItems[0].HistorySummary' --output text 2>&1)
	[ "$out" = "Successfully executed action $TOPIC" ]
	ok $? "$v: describe-alarm-history records the action" || note "$out"
	check "$v: delete-alarms" cli $v cloudwatch delete-alarms --alarm-names "$FN-errors"
done

# Each account's metrics and alarms keep its own clock: a fresh account steps its clock 20
# minutes ahead, puts a datapoint at its own now, and its alarm goes to ALARM when that
# account's clock passes the next minute; the learner's clock does not move.
set -- $(new_account)
akey=$1 asecret=$2 acct=$3
ca() { AWS_ACCESS_KEY_ID=$akey AWS_SECRET_ACCESS_KEY=$asecret aws2 --endpoint-url "$E" \
	--output json "$@"; }
before=$(ctl /_tutor/clock -f | json_get now)
ctl "/_tutor/clock/advance?account=$acct&seconds=1200" -f -X POST >/dev/null
ms=$(ctl "/_tutor/clock?account=$acct" -f | json_get now)
check "the account's clock is 20 minutes ahead of the learner's" [ $((ms - before)) -ge 1200000 ]
TS=$(date -u -d "@$((ms / 1000))" +%Y-%m-%dT%H:%M:%SZ)
check "put-metric-data at the account's now" ca cloudwatch put-metric-data --namespace Own \
	--metric-name Load --value 5 --timestamp "$TS"
check "put-metric-alarm in the account" ca cloudwatch put-metric-alarm --alarm-name own-load \
	--namespace Own --metric-name Load --statistic Maximum --period 60 --evaluation-periods 1 \
	--threshold 1 --comparison-operator GreaterThanOrEqualToThreshold
ctl "/_tutor/clock/advance?account=$acct&seconds=60" -f -X POST >/dev/null
own_alarm() { [ "$(ca cloudwatch describe-alarms --alarm-names own-load \
	--query 'MetricAlarms[0].StateValue' --output text)" = ALARM ]; }
wait_until "its alarm goes to ALARM on the account's clock" own_alarm
after=$(ctl /_tutor/clock -f | json_get now)
check "the learner's clock did not move with it" [ $((after - before)) -lt 1200000 ]
stop_cloud
ok $? "the cloud stops cleanly"
finish
