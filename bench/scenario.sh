#!/bin/sh
# Time the troubleshooting scenarios: for each, `lambda-tutor scenario start` (take down what a
# previous start left, build the application in the learner's account and break it) and
# `lambda-tutor scenario check` once the reference fix is applied (the check's own steps,
# random inputs, settling and the clock moved through retries included). Beside them, in the
# same run, the AWS CLI's one call `aws lambda get-function-configuration` on the same cloud:
# the ratio says how many CLI calls' worth of time a setup or a check costs. "in-proc" is the
# time the tutor itself measures (setup_ms of `start --json`, duration_ms of `check --json`):
# the wall time less starting the program, loading the course and finding the cloud.
#
#   bench/scenario.sh [BUILD_DIR]        (default: build)
#
# Targets (issue 18): setting up a scenario <= 2 s; checking a scenario <= 2 s, on a quiet
# 2-core machine.
set -eu
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
runs=${RUNS:-3}

die() {
	echo "bench/scenario.sh: $*" >&2
	exit 2
}
[ -x "$tutor" ] || die "no $tutor; build first (meson setup build && meson compile -C build)"
command -v aws >/dev/null || die "the AWS CLI is missing"
command -v python3 >/dev/null || die "python3 is missing"

bench_tmp scenario
export LAMBDA_TUTOR_DB="$tmp/learner.db" LAMBDA_TUTOR_COURSE="$root/lessons" NO_COLOR=1
ws=$tmp/ws
mkdir -p "$ws"
"$tutor" serve --workspace "$ws" --port 0 >"$tmp/serve.log" 2>&1 &
serve_pid=$!
i=0
until [ -s "$ws/.cloud/lock" ] && "$tutor" env --workspace "$ws" --no-start >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || die "the cloud did not start: $(cat "$tmp/serve.log")"
	sleep 0.05
done
eval "$("$tutor" env --workspace "$ws" --no-start)"
export AWS_PAGER=

ms() { python3 -c 'import time; print(int(time.monotonic() * 1000))'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The peer: one AWS CLI call against the same cloud.
"$tutor" scenario start wrong-handler --workspace "$ws" >/dev/null
: >"$tmp/cli"
for r in $(seq "$runs"); do
	t0=$(ms)
	aws lambda get-function-configuration --function-name greeter >/dev/null
	echo $(($(ms) - t0)) >>"$tmp/cli"
done
cli=$(median <"$tmp/cli")

printf '%-18s %9s %9s %10s %10s %10s %10s\n' scenario "start ms" "check ms" "(in-proc)" \
	"(in-proc)" "start/CLI" "check/CLI"
worst_start=0 worst_check=0
for dir in "$root"/scenarios/*/; do
	name=$(basename "$dir")
	fix=$root/tests/solutions/scenarios/$name/reference
	: >"$tmp/start"
	: >"$tmp/check"
	: >"$tmp/start_in"
	: >"$tmp/check_in"
	for r in $(seq "$runs"); do
		t0=$(ms)
		"$tutor" scenario start "$name" --workspace "$ws" --json >"$tmp/out" ||
			die "$name: start failed"
		echo $(($(ms) - t0)) >>"$tmp/start"
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["setup_ms"])' \
			"$tmp/out" >>"$tmp/start_in"
		(cd "$fix" && sh -e fix.sh >/dev/null 2>&1) || die "$name: the reference fix failed"
		t0=$(ms)
		"$tutor" scenario check "$name" --workspace "$ws" --json >"$tmp/out" ||
			die "$name: the reference fix does not pass"
		echo $(($(ms) - t0)) >>"$tmp/check"
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["duration_ms"])' \
			"$tmp/out" >>"$tmp/check_in"
	done
	s=$(median <"$tmp/start")
	c=$(median <"$tmp/check")
	si=$(median <"$tmp/start_in")
	ci=$(median <"$tmp/check_in")
	[ "$s" -gt "$worst_start" ] && worst_start=$s
	[ "$c" -gt "$worst_check" ] && worst_check=$c
	printf '%-18s %9d %9d %10d %10d %9.1fx %9.1fx\n' "$name" "$s" "$c" "$si" "$ci" \
		"$(echo "$s $cli" | awk '{ print $1 / ($2 ? $2 : 1) }')" \
		"$(echo "$c $cli" | awk '{ print $1 / ($2 ? $2 : 1) }')"
done
printf '%-18s %9d ms (one call, median of %d)\n' "aws CLI call" "$cli" "$runs"
printf 'slowest start %d ms (target <= 2000), slowest check %d ms (target <= 2000); load average %s, %s cores\n' \
	"$worst_start" "$worst_check" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
