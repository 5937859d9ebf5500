#!/bin/sh
# FilterCriteria and ScalingConfig on SQS event source mappings: boto3 (esm_filters.py,
# esm_scaling.py) before and after a restart of the cloud on the same workspace, and the AWS
# CLI's --filter-criteria. TAP.
# Usage: esm_filters.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)
if ! python3 -c 'import boto3' 2>/dev/null; then
	echo "1..0 # SKIP python3 has no boto3"
	exit 0
fi
# run PHASE [SCRIPT]: the TAP lines of SCRIPT (esm_filters.py), numbered on.
run() {
	script=${2:-esm_filters.py}
	python3 "$DIR/$script" "$E" "$WS" "$1" >"$WORK/out" 2>"$WORK/err"
	status=$?
	grep -E '^(ok|not ok) ' "$WORK/out" >"$WORK/lines"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$1: ${line#* - }" ;;
		*) ok 1 "$1: ${line#* - }" ;;
		esac
	done <"$WORK/lines"
	[ $status = 0 ] || { ok 1 "$script $1 exits 0"; note "$(tail -20 "$WORK/err")"; }
}
start_cloud || exit 1
run before
run before esm_scaling.py
if [ -x /usr/bin/aws ]; then
	awsl sqs create-queue --queue-name cli >/dev/null
	out=$(awsl lambda create-event-source-mapping \
		--function-name f --event-source-arn arn:aws:sqs:us-east-1:$ACCT:cli \
		--filter-criteria '{"Filters":[{"Pattern":"{\"body\":{\"kind\":[\"order\"]}}"}]}' 2>&1)
	check "aws lambda create-event-source-mapping --filter-criteria" contains "$out" \
		'"Pattern": "{\"body\":{\"kind\":[\"order\"]}}"'
	out=$(awsl lambda create-event-source-mapping \
		--function-name f --event-source-arn arn:aws:sqs:us-east-1:$ACCT:cli \
		--filter-criteria '{"Filters":[{"Pattern":"{\"body\":"}]}' 2>&1)
	check "... an invalid pattern: Invalid filter pattern definition." contains "$out" \
		"(InvalidParameterValueException) when calling the CreateEventSourceMapping operation: Invalid filter pattern definition."
else
	echo "# skip the AWS CLI: not installed"
fi
stop_cloud
ok $? "the cloud stops cleanly"
start_cloud || exit 1
run after
run after esm_scaling.py
stop_cloud
ok $? "the cloud stops cleanly again"
finish
