#!/bin/sh
# Stream event source mappings, their clock stepped by the test
# (esm_streams.py, with boto3). Usage: esm_streams.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
if ! python3 -c 'import boto3' 2>/dev/null; then
	echo "1..0 # SKIP python3 has no boto3"
	exit 0
fi
start_cloud || exit 1
python3 "$(dirname "$0")/esm_streams.py" "$E"
status=$?
[ $status = 0 ] || note "$(tail -20 "$WORK/serve.log")"
exit $status
