#!/bin/sh
# CloudWatch through boto3 in both Pythons (Debian's botocore 1.29 speaks the query protocol,
# 1.43 JSON 1.0, and also rpc-v2-cbor when asked), against one cloud on its stepped clock.
# Usage: cloudwatch_clients.sh LAMBDA-TUTOR
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
	grep -E '^#' "$WORK/out" | head -40
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
	suffix=$(echo "$py" | tr -c 'a-z0-9' '-')
	run "$py" "$py" "$DIR/cloudwatch_boto3.py" "$E" "$WS" "$suffix"
	# A botocore whose CloudWatch model lists rpc-v2-cbor speaks it too.
	if "$py" -c 'import botocore.session as s, sys; m = s.get_session().get_service_model("cloudwatch"); sys.exit("smithy-rpc-v2-cbor" not in (getattr(m, "metadata", {}).get("protocols") or []))' 2>/dev/null; then
		run "$py cbor" "$py" "$DIR/cloudwatch_boto3.py" "$E" "$WS" "${suffix}cbor" cbor
	else
		echo "# skip $py over CBOR: its CloudWatch model has no rpc-v2-cbor"
	fi
done
finish
