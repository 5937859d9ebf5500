#!/bin/sh
# The class server (`lambda-tutor class serve`): N learners (default 200) each send a check
# result at the same moment, all acknowledged; every one answers a live question at once; then
# the trainer's dashboard over the class it holds. Targets: all acknowledged <= 2 s; the live
# answers on the trainer's screen <= 1 s; a dashboard refresh <= 100 ms (issue 19).
#
#   bench/class_server.sh [BUILD_DIR] [N]      (default: build, 200)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
[ -x "$build/lambda-tutor" ] && [ -x "$build/lambda-tutor-class" ] ||
	{ echo "class_server.sh: build first (ninja -C $build)" >&2; exit 2; }
export LAMBDA_TUTOR_COURSE="$root/lessons"
exec python3 "$root/bench/class_server.py" "$build" "$root" "${2:-200}"
