#!/bin/bash
# SQS FIFO queues: sqs_fifo.py with Debian's boto3 (SQS's query protocol) and with the Python on
# PATH (AWS JSON 1.0), each in an account of its own; a Lambda mapping on a FIFO queue; and both
# AWS CLIs (Debian's 2.9 speaks query, the pyenv 1.45 JSON). TAP.
#
#   sqs_fifo.sh path/to/lambda-tutor
TUTOR=${1:?usage: sqs_fifo.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)
# run PYTHON PHASE LABEL: sqs_fifo.py's TAP lines, numbered on.
run() {
	"$1" "$DIR/sqs_fifo.py" "$E" "$WS" "$2" >"$WORK/out" 2>"$WORK/err"
	status=$?
	grep -E '^(ok|not ok) ' "$WORK/out" >"$WORK/lines"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$3: ${line#* - }" ;;
		*) ok 1 "$3: ${line#* - }" ;;
		esac
	done <"$WORK/lines"
	[ $status = 0 ] || { ok 1 "sqs_fifo.py $2 with $3 exits 0"; note "$(tail -20 "$WORK/err")"; }
}
start_cloud || exit 1
if /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
	run /usr/bin/python3 queues "boto3 1.26 (query)"
else
	echo "# skip Debian's boto3: not installed"
fi
if python3 -c 'import boto3' 2>/dev/null; then
	run python3 queues "botocore $(python3 -c 'import botocore; print(botocore.__version__)')"
	run python3 esm "mapping"
else
	echo "# skip the Python on PATH: it has no boto3"
fi

# The AWS CLIs: a FIFO queue, a send with its group and deduplication id, a refusal.
cli() { # cli LABEL COMMAND...: run one CLI's checks
	label=$1
	shift
	out=$("$@" sqs create-queue --queue-name "cli$N.fifo" \
		--attributes FifoQueue=true,ContentBasedDeduplication=true 2>&1)
	check "$label: create-queue cli$N.fifo" contains "$out" "/cli$N.fifo"
	Q=$(json_field "$out" QueueUrl)
	out=$("$@" sqs send-message --queue-url "$Q" --message-body one --message-group-id g 2>&1)
	check "$label: send-message answers a SequenceNumber" contains "$out" '"SequenceNumber": "18'
	id=$(json_field "$out" MessageId)
	out=$("$@" sqs send-message --queue-url "$Q" --message-body one --message-group-id g 2>&1)
	check "$label: the same body again is the same message" contains "$out" "$id"
	out=$("$@" sqs send-message --queue-url "$Q" --message-body two 2>&1)
	check "$label: no group: MissingParameter" contains "$out" \
		"(MissingParameter) when calling the SendMessage operation: The request must contain the parameter MessageGroupId."
	out=$("$@" sqs receive-message --queue-url "$Q" --attribute-names All 2>&1)
	check "$label: receive-message shows the group" contains "$out" '"MessageGroupId": "g"'
	out=$("$@" sqs create-queue --queue-name "cli$N" --attributes FifoQueue=true 2>&1)
	check "$label: FifoQueue=true without .fifo: InvalidParameterValue" contains "$out" \
		"(InvalidParameterValue) when calling the CreateQueue operation: The name of a FIFO queue"
}
if [ -x /usr/bin/aws ]; then
	N=1 cli "aws 2.9" awsl
else
	echo "# skip Debian's AWS CLI: not installed"
fi
if command -v aws >/dev/null && [ "$(command -v aws)" != /usr/bin/aws ]; then
	# aws-cli 1.x sets SQS's legacy endpoint over AWS_ENDPOINT_URL: it takes --endpoint-url.
	N=2 cli "aws 1.x" aws --endpoint-url "$E" --output json
else
	echo "# skip the pyenv AWS CLI: not on PATH"
fi
stop_cloud
ok $? "the cloud stops cleanly"
finish
