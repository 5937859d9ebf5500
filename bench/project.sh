#!/bin/sh
# Time the final project's whole check: `lambda-tutor project check` against a deployed
# reference solution (the rubric's uploads, the settle that moves the account's clock through
# the retries until the failed events are in the DLQ and the errors alarm has fired, decoding
# every output, the reads of the notifications, the least-privilege report, alarms, logs and
# metrics), deploy excluded; the rubric's steps are printed with the second each started at. Beside it, in the same run,
# the AWS CLI's one call `aws lambda get-function-configuration` on the same cloud: the ratio
# says how many CLI calls' worth of time a whole check costs.
#
#   bench/project.sh [BUILD_DIR] [python|nodejs]   (default: build, python)
#
# The Node.js reference needs its npm packages (npm ci, from npm's cache when it has them).
# Target (issue 18): the whole check <= 10 s on a quiet 2-core machine. The load average is
# printed before and after: on a busy machine every figure grows.
set -eu
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
lang=${2:-python}
tutor=$build/lambda-tutor
runs=${RUNS:-3}

die() {
	echo "bench/project.sh: $*" >&2
	exit 2
}
[ -x "$tutor" ] || die "no $tutor; build first (meson setup build && meson compile -C build)"
[ -x /usr/bin/aws ] || die "Debian's AWS CLI (/usr/bin/aws) is missing"
case $lang in
python) sol=$root/tests/solutions/final-project/reference ;;
nodejs) sol=$root/tests/solutions/final-project/nodejs ;;
*) die "the language is python or nodejs, not $lang" ;;
esac

bench_tmp project
export LAMBDA_TUTOR_DB="$tmp/learner.db" LAMBDA_TUTOR_COURSE="$root/lessons" NO_COLOR=1
export RUBRIC_TIMES=1 # each step's line says when it started
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
load() { cut -d' ' -f1-3 /proc/loadavg; }
load0=$(load)
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The reference, where the learner's work would be, packaged by hand and deployed (not timed).
d=$ws/final-project
cp -R "$sol/." "$d/"
if [ -f "$d/src/package.json" ]; then
	(cd "$d/src" && npm ci --omit=dev --no-audit --no-fund --prefer-offline >/dev/null 2>&1) ||
		die "npm ci failed for the Node.js reference"
fi
t0=$(ms)
(
	cd "$d" && (cd src && zip -qr -X ../code.zip .) &&
		/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" s3 mb s3://bench-artifacts >/dev/null &&
		/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" s3 cp code.zip s3://bench-artifacts/code.zip >/dev/null &&
		sed "s|CodeUri: src/|CodeUri: s3://bench-artifacts/code.zip|" template.yaml >packaged.yaml &&
		/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" cloudformation deploy --template-file \
			packaged.yaml --stack-name final-project --capabilities CAPABILITY_IAM >/dev/null
) || die "the $lang reference did not deploy"
deploy=$(($(ms) - t0))

: >"$tmp/cli"
for r in $(seq "$runs"); do
	fn=$(aws cloudformation describe-stack-resources --stack-name final-project \
		--query 'StackResources[?ResourceType==`AWS::Lambda::Function`].PhysicalResourceId' \
		--output text)
	t0=$(ms)
	aws lambda get-function-configuration --function-name "$fn" >/dev/null
	echo $(($(ms) - t0)) >>"$tmp/cli"
done
cli=$(median <"$tmp/cli")

# What of a check is the rubric's interpreter starting: Python with boto3 and Pillow imported.
: >"$tmp/py"
for r in $(seq "$runs"); do
	t0=$(ms)
	/usr/bin/python3 -c 'import boto3, PIL.Image' || die "/usr/bin/python3 lacks boto3 or Pillow"
	echo $(($(ms) - t0)) >>"$tmp/py"
done
py=$(median <"$tmp/py")

# The first check meets a function with no environment yet (as a learner's first check does);
# the ones after it find one warm.
: >"$tmp/check"
for r in $(seq "$runs"); do
	t0=$(ms)
	"$tutor" project check --json --workspace "$ws" >"$tmp/out" 2>"$tmp/progress" ||
		die "the reference does not score every point: $(head -c 400 "$tmp/out")"
	echo $(($(ms) - t0)) >>"$tmp/check"
	[ "$r" = 1 ] && cp "$tmp/progress" "$tmp/progress.first"
done
c=$(median <"$tmp/check")
first=$(head -n 1 "$tmp/check")
printf '%-28s %9d ms (not timed below)\n' "deploy ($lang reference)" "$deploy"
printf '%-28s %9d ms (median of %d: %s) %9.1fx\n' "project check (whole)" "$c" "$runs" \
	"$(paste -sd' ' "$tmp/check")" "$(echo "$c $cli" | awk '{ print $1 / ($2 ? $2 : 1) }')"
printf '%-28s %9d ms (the first, a cold environment)\n' "project check (first)" "$first"
printf '%-28s %9d ms (median of %d; part of each check)\n' "python3 + boto3 + Pillow" "$py" \
	"$runs"
printf '%-28s %9d ms (one call, median of %d)\n' "aws CLI call" "$cli" "$runs"
printf 'whole check %d ms, first %d ms: %s the 10 s target (issue 18); load average %s before, %s after, %s cores\n' \
	"$c" "$first" "$([ "$c" -le 10000 ] && [ "$first" -le 10000 ] && echo meets || echo MISSES)" \
	"$load0" "$(load)" "$(nproc)"
printf 'the first check'"'"'s steps: %s\n' "$(sed 's/^rubric: //' "$tmp/progress.first" | paste -sd';' -)"
printf 'the last check'"'"'s steps: %s\n' "$(sed 's/^rubric: //' "$tmp/progress" | paste -sd';' -)"
echo "(scenarios' start and check, <= 2 s each: bench/scenario.sh)"
