#!/bin/sh
# Every exercise against its solutions in a real cloud: each reference passes twice with the
# same result, each known-wrong solution fails on the task it names (lambda-tutor selftest).
# Usage: selftest.sh TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
export LAMBDA_TUTOR_DB=$WORK/records.db
start_cloud || { echo "1..0 # SKIP no cloud"; exit 0; }
"$TUTOR" selftest --workspace "$WS"
