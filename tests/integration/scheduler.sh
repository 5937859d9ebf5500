#!/bin/bash
# EventBridge Scheduler through boto3 in both Pythons (scheduler.py, each as an account of its
# own in one cloud), and its commands in both AWS CLIs. Usage: scheduler.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)

start_cloud || exit 1
# run LABEL COMMAND...: a TAP script's lines, numbered on.
run() {
	label=$1
	shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	status=$?
	grep -E '^(ok|not ok) ' "$WORK/out" >"$WORK/lines"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$label: ${line#* - }" ;;
		*) ok 1 "$label: ${line#* - }" ;;
		esac
	done <"$WORK/lines"
	[ $status = 0 ] || { ok 1 "$label exits 0"; note "$(tail -20 "$WORK/err")"; }
}
for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	run "$py" "$py" "$DIR/scheduler.py" "$E" "$WS"
done

# Both AWS CLIs: create, get, list, delete.
read -r akey asecret acct < <(new_account)
for cli in aws2 aws; do
	command -v "$cli" >/dev/null 2>&1 || { echo "# skip $cli: not installed"; continue; }
	c() { AWS_ACCESS_KEY_ID=$akey AWS_SECRET_ACCESS_KEY=$asecret AWS_DEFAULT_REGION=us-east-1 \
		"$cli" --endpoint-url "$E" --output json "$@"; }
	name=cli-$(echo "$cli" | tr -c 'a-z0-9' '-')
	out=$(c scheduler create-schedule --name "$name" --schedule-expression 'rate(5 minutes)' \
		--flexible-time-window Mode=OFF \
		--target "Arn=arn:aws:sqs:us-east-1:$acct:nowhere,RoleArn=arn:aws:iam::$acct:role/s" 2>&1)
	check "$cli scheduler create-schedule" contains "$out" "schedule/default/$name"
	out=$(c scheduler get-schedule --name "$name" 2>&1)
	check "$cli scheduler get-schedule" contains "$out" '"ScheduleExpression": "rate(5 minutes)"'
	out=$(c scheduler list-schedules --query 'Schedules[].Name' --output text 2>&1)
	check "$cli scheduler list-schedules" contains "$out" "$name"
	out=$(c scheduler create-schedule --name bad --schedule-expression 'rate(5 seconds)' \
		--flexible-time-window Mode=OFF \
		--target "Arn=arn:aws:sqs:us-east-1:$acct:nowhere,RoleArn=arn:aws:iam::$acct:role/s" 2>&1)
	check "$cli: a bad expression is refused" contains "$out" "Invalid Schedule Expression rate(5 seconds)."
	c scheduler delete-schedule --name "$name" >/dev/null 2>&1
	ok $? "$cli scheduler delete-schedule"
done

# Each account's schedules keep its own clock: stepping the fresh account's clock past a
# one-time schedule an hour ahead fires it into the account's queue; the learner's clock does
# not move.
c() { AWS_ACCESS_KEY_ID=$akey AWS_SECRET_ACCESS_KEY=$asecret AWS_DEFAULT_REGION=us-east-1 \
	aws2 --endpoint-url "$E" --output json "$@"; }
now_of() { ctl "/_tutor/clock$1" -f | python3 -c 'import json,sys; print(json.load(sys.stdin)["now"])'; }
qurl=$(c sqs create-queue --queue-name ticks --query QueueUrl --output text)
before=$(now_of "")
ms=$(now_of "?account=$acct")
at=$(date -u -d "@$((ms / 1000 + 3600))" +%Y-%m-%dT%H:%M:%S)
out=$(c scheduler create-schedule --name later --schedule-expression "at($at)" \
	--flexible-time-window Mode=OFF \
	--target "Arn=arn:aws:sqs:us-east-1:$acct:ticks,RoleArn=arn:aws:iam::$acct:role/s,Input=tick" 2>&1)
check "a one-time schedule an hour ahead of the account's clock" contains "$out" "schedule/default/later"
ctl "/_tutor/clock/advance?account=$acct&seconds=3660" -f -X POST >/dev/null
got=
for _ in $(seq 1 30); do
	got=$(c sqs receive-message --queue-url "$qurl" --wait-time-seconds 1 \
		--query 'Messages[0].Body' --output text 2>&1)
	[ "$got" = tick ] && break
done
check "it fires when the account's clock passes it" [ "$got" = tick ]
after=$(now_of "")
check "the learner's clock did not move with it" [ $((after - before)) -lt 3600000 ]
stop_cloud
ok $? "the cloud stops cleanly"
finish
