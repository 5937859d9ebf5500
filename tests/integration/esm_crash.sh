#!/bin/bash
# kill -9 of the cloud with 1,000 messages flowing from SQS through an event source mapping
# into a function (which copies each body to another queue with boto3): after a restart, and
# the visibility timeout passed on the virtual clock, every message has been processed (its
# copy is in "done") or is still in its queue or DLQ. None is lost. TAP.
#
#   esm_crash.sh path/to/lambda-tutor
TUTOR=${1:?usage: esm_crash.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
FLOW="$(dirname "$0")/esm_flow.py"
if ! $PY -c 'import boto3' 2>/dev/null; then
	echo "1..0 # SKIP no boto3 for /usr/bin/python3"
	exit 0
fi
start_cloud
ok $? "serve starts"
$PY "$FLOW" setup "$E" 1000 10 0.5
ok $? "1,000 messages queued and mapped to a function"
wait_until "some are processed" sh -c "[ \$($PY $FLOW count $E done) -ge 20 ]"
left=$($PY "$FLOW" left "$E")
kill -9 "$CLOUD_PID"
wait "$CLOUD_PID" 2>/dev/null
CLOUD_PID=
check "messages were still queued or in flight when the cloud was killed" test "$left" -gt 0
note "killed with $left messages queued or in flight"
start_cloud
ok $? "the cloud starts again after kill -9"
advance 31
out=$($PY "$FLOW" drain "$E" 120)
ok $? "the mapping resumes and drains the queue"
note "drained in $out s"
advance 31
sleep 1
out=$($PY "$FLOW" audit "$E" 1000)
note "$out"
check "no message is lost" contains "$out" "lost 0 "
stop_cloud
ok $? "the cloud stops cleanly"
finish
