#!/bin/bash
# Secrets Manager, rotation, a function's KMSKeyArn and the Parameters and Secrets extension
# through boto3 in both Pythons (secrets_manager.py, each as an account of its own in one
# cloud). Usage: secrets_manager.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)

start_cloud || exit 1
for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	"$py" "$DIR/secrets_manager.py" "$E" "$WS" >"$WORK/out" 2>"$WORK/err"
	status=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$py: ${line#* - }" ;;
		"not ok "*) ok 1 "$py: ${line#* - }" ;;
		esac
	done <"$WORK/out"
	[ $status = 0 ] || { ok 1 "$py exits 0"; note "$(tail -20 "$WORK/err")"; }
done
[ "$failed" = 0 ] || note "the cloud's log:" "$(tail -20 "$WORK/serve.log")"
stop_cloud
ok $? "the cloud stops cleanly"
finish
