#!/bin/sh
# DynamoDB and Kinesis through boto3 (client and resource layers, in both Pythons) and the AWS
# SDK for JavaScript v3 (client and document client), against one cloud.
# Usage: dynamodb_clients.sh LAMBDA-TUTOR SOURCE-ROOT
TUTOR=$1
ROOT=$2
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)

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
finish
