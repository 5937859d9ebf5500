#!/bin/sh
# Every exercise against its solutions in a real cloud: each reference passes twice with the
# same result, each known-wrong solution fails on the task it names (lambda-tutor selftest).
# With --scenarios: every troubleshooting scenario against its right and wrong fixes instead.
# Usage: selftest.sh TUTOR [--scenarios]
TUTOR=$1
KIND=${2:---exercises}
. "$(dirname "$0")/cloud_lib.sh"
export LAMBDA_TUTOR_DB=$WORK/records.db
start_cloud || { echo "1..0 # SKIP no cloud"; exit 0; }
"$TUTOR" selftest "$KIND" --workspace "$WS"
