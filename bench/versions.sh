#!/bin/bash
# Versions, aliases, provisioned concurrency and CloudFormation, on one local cloud:
#   - a warm invoke through an alias against the same function's $LATEST, the alias pointing
#     at $LATEST so that both reach the same environment and only resolving the alias differs,
#     the two invoked in turn on one connection (so that a loaded machine's changes reach both alike; the median
#     of the difference within each pair, over every pair of every round, with its 95 %
#     confidence interval, is what resolving the alias costs): target <= 5 us more (issue 14).
#     Beside it, what a loaded machine cannot stretch: the cloud's own CPU per invoke (all its
#     threads' run time), in blocks of the two in turn, the median of the differences with its
#     interval. Each line says whether the target is met: met when the interval's top is
#     within it, not met when its bottom is past it, no verdict otherwise.
#   - the first invoke of a version with provisioned concurrency once READY, against a warm
#     invoke of it: target a warm invoke (<= 1 ms round trip), with no Init Duration; and, for
#     PROV fresh versions on a connection already used, the first invoke's CPU (the cloud's and
#     the environment's) and the cloud's page faults against a warm invoke after the same
#     pause and warm invokes in a row, which a loaded machine does not stretch as it does times
#   - `aws cloudformation deploy` (the 2.x CLI) of a SAM template with a function, an HTTP API
#     and a queue (an SQS event), beside the same CLI's `list-stacks` (its own start and one
#     call): target <= 2 s beyond the CLI's share
# Each line gives the ratio to its peer measured in the same run.
#
#   bench/versions.sh [BUILD_DIR]        N=1000 (pairs a round), ROUNDS=5, DEPLOYS=3,
#                                        BLOCKS=60 pairs of blocks of B=300 invokes, PROV=5
# The function gets 2,048 MB (a whole vCPU, as bench/invoke.sh explains).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
tutor=$(cd "$build" && pwd)/lambda-tutor
N=${N:-1000}
ROUNDS=${ROUNDS:-5}
DEPLOYS=${DEPLOYS:-3}
BLOCKS=${BLOCKS:-60}
B=${B:-300}
PROV=${PROV:-5}
py=/usr/bin/python3
client="$py $here/invoke_client.py"

work=$(mktemp -d /tmp/lt-bench-versions.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$tutor" serve --workspace "$work/ws" --port 0 >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 400); do
	[ -s "$work/ws/.cloud/lock" ] && [ -s "$work/ws/.cloud/credentials" ] &&
		curl -sf "http://127.0.0.1:$(awk '{print $2}' "$work/ws/.cloud/lock")/_tutor/health" \
			>/dev/null 2>&1 && break
	sleep 0.05
done
E=http://127.0.0.1:$(awk '{print $2}' "$work/ws/.cloud/lock")
AWS_ACCESS_KEY_ID=$(awk '$1 == "aws_access_key_id" {print $3}' "$work/ws/.cloud/credentials")
AWS_SECRET_ACCESS_KEY=$(awk '$1 == "aws_secret_access_key" {print $3}' "$work/ws/.cloud/credentials")
AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION
L="/usr/bin/aws --endpoint-url $E --output json lambda"
CF="/usr/bin/aws --endpoint-url $E --output json cloudformation"

acct=$(/usr/bin/aws --endpoint-url "$E" sts get-caller-identity --query Account --output text)
/usr/bin/aws --endpoint-url "$E" iam create-role --role-name bench --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
mkdir -p "$work/py"
printf 'def handler(event, context):\n    return event\n' >"$work/py/app.py"
(cd "$work/py" && zip -q ../py.zip app.py)
$L create-function --function-name echo --runtime python3.12 --handler app.handler \
	--memory-size 2048 --role "arn:aws:iam::$acct:role/bench" \
	--zip-file "fileb://$work/py.zip" --publish >/dev/null
$L create-alias --function-name echo --name live --function-version 1 >/dev/null
$L create-alias --function-name echo --name current --function-version '$LATEST' >/dev/null

get() { $py -c "import json,sys; print('%.${3:-3}f' % json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
median() { $py -c "import statistics,sys; print('%.${2:-3}f' % statistics.median(float(x) for x in sys.argv[1].split()))" "$1"; }

# Alias against $LATEST, invoked in turn: each round's medians and the median of the
# difference within its pairs; every difference is kept for the pooled median.
latest="" alias="" diffs=""
: >"$work/diffs"
for _ in $(seq "$ROUNDS"); do
	r=$($client pair "$E" echo echo:current "$N")
	latest="$latest $(get "$r" median_ms 4)" alias="$alias $(get "$r" other_median_ms 4)"
	diffs="$diffs $(get "$r" diff_median_us 1)"
	$py -c 'import json,sys; print("\n".join(map(str, json.loads(sys.argv[1])["diffs_us"])))' "$r" >>"$work/diffs"
done
# The cloud's CPU per invoke, the two in blocks in turn.
cloud_pid=$(awk '{print $1}' "$work/ws/.cloud/lock")
cpu=$($client cpu_pair "$E" echo echo:current "$BLOCKS" "$B" "$cloud_pid")
$py -c 'import json,sys; print("\n".join(map(str, json.loads(sys.argv[1])["diffs_us"])))' "$cpu" >"$work/cpudiffs"
# verdict FILE TARGET: "M us [LO, HI] (n): met|not met|no verdict", the median of the values
# in FILE with its distribution-free 95 % interval (order statistics n/2 -+ 0.98 sqrt(n)).
verdict() {
	$py - "$1" "$2" <<'PY'
import math, statistics, sys
v = sorted(float(x) for x in open(sys.argv[1]) if x.strip())
target, n = float(sys.argv[2]), len(v)
h = 0.98 * math.sqrt(n)
lo, hi = v[max(0, int(math.floor(n / 2 - h)))], v[min(n - 1, int(math.ceil(n / 2 + h)) - 1)]
say = "met" if hi <= target else "not met" if lo > target else "no verdict"
print("%.1f us [%.1f, %.1f] (n=%d): %s" % (statistics.median(v), lo, hi, n, say))
PY
}

# Provisioned concurrency: the first invoke of version 1 once its environment is READY.
$L put-provisioned-concurrency-config --function-name echo --qualifier 1 \
	--provisioned-concurrent-executions 1 >/dev/null
for _ in $(seq 600); do
	st=$($L get-provisioned-concurrency-config --function-name echo --qualifier 1 \
		--query Status --output text)
	[ "$st" = READY ] && break
	sleep 0.1
done
[ "$st" = READY ] || { echo "provisioned concurrency never READY ($st)" >&2; exit 1; }
firstp=$($client first "$E" echo:1)
# Its peer: the same single invoke (a connection of its own, the log tail) of the same
# environment once warm, median of five.
again=""
for _ in 1 2 3 4 5; do again="$again $(get "$($client first "$E" echo:1)" ms 4)"; done
warm1=$($client latency "$E" echo:1 500)
# Fresh versions, each's first invoke against warm ones, in CPU and page faults.
prov=$($client provisioned "$E" echo "$PROV" "$cloud_pid")
pv() { $py -c "import json,sys; r=json.loads(sys.argv[1])[sys.argv[2]]; print('%.2f ms, CPU: the cloud %.2f ms, the environment %.2f ms; the cloud%s page faults %d' % (r['ms'], r['cloud_cpu_ms'], r['env_cpu_ms'], chr(39)+'s', r['cloud_faults']))" "$prov" "$1"; }

# aws cloudformation deploy of a SAM template: a function (its role), an HTTP API (its route,
# integration, stage and permission), a queue and the mapping between them.
cat >"$work/sam.yaml" <<'YAML'
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Msg: {Type: String}
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      InlineCode: |
        import os
        def handler(event, context):
            return {"statusCode": 200, "body": os.environ["MSG"]}
      Environment: {Variables: {MSG: !Ref Msg}}
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}
        Get: {Type: HttpApi, Properties: {Path: /msg, Method: GET}}
  Queue:
    Type: AWS::SQS::Queue
YAML
deploys="" clis=""
for i in $(seq "$DEPLOYS"); do
	t=$($py -c 'import time; print(time.monotonic())')
	$CF deploy --template-file "$work/sam.yaml" --stack-name "bench$i" \
		--capabilities CAPABILITY_IAM --parameter-overrides "Msg=m$i" >/dev/null || {
		$CF describe-stack-events --stack-name "bench$i" --output text \
			--query 'StackEvents[?contains(ResourceStatus, `FAILED`)].[LogicalResourceId,ResourceStatusReason]' >&2
		exit 1
	}
	deploys="$deploys $($py -c "import time; print(time.monotonic() - $t)")"
	t=$($py -c 'import time; print(time.monotonic())')
	$CF list-stacks >/dev/null
	clis="$clis $($py -c "import time; print(time.monotonic() - $t)")"
done
dep=$(median "$deploys" 2)
cli=$(median "$clis" 2)

ratio() { $py -c "import sys; print('%.2fx' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
ml=$(median "$latest" 4) ma=$(median "$alias" 4)
fp=$(get "$firstp" ms 4) w1=$(get "$warm1" median_ms 4)
echo "lambda-tutor local cloud, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); function at 2048 MB"
printf '%-60s %s\n' \
	"warm invoke of \$LATEST, median of $ROUNDS rounds of $N" "$ml ms" \
	"warm invoke through the alias current (\$LATEST), the same" "$ma ms ($(ratio "$ma" "$ml") of \$LATEST)" \
	"alias minus \$LATEST in pairs, median of the rounds (target <= 5 us)" "$(median "$diffs" 1) us (rounds:$diffs)" \
	"alias minus \$LATEST, every pair pooled, 95 % interval" "$(verdict "$work/diffs" 5)" \
	"the cloud's CPU per invoke of \$LATEST, median of $BLOCKS blocks of $B" "$(get "$cpu" cpu_us 1) us" \
	"the cloud's CPU per invoke through the alias, the same" "$(get "$cpu" other_cpu_us 1) us" \
	"alias minus \$LATEST in the cloud's CPU, 95 % interval" "$(verdict "$work/cpudiffs" 5)" \
	"provisioned version 1: first invoke once READY (target <= 1 ms)" "$fp ms ($(ratio "$fp" "$(median "$again" 4)") of the same invoke once warm; Init Duration in its REPORT: $($py -c "import json,sys; print('yes' if json.loads(sys.argv[1])['init_duration'] else 'no')" "$firstp"))" \
	"provisioned version 1: the same single invoke once warm, median of 5" "$(median "$again" 4) ms" \
	"provisioned version 1: warm invoke, median of 500" "$w1 ms" \
	"provisioned, $PROV fresh versions: first invoke once READY, median" "$(pv first)" \
	"provisioned: a warm invoke after the same pause, median" "$(pv paused_warm)" \
	"provisioned: warm invokes in a row, median" "$(pv warm)" \
	"aws cloudformation deploy, SAM function + HTTP API + queue" "$dep s median of $DEPLOYS ($(ratio "$dep" "$cli") of list-stacks)" \
	"aws cloudformation list-stacks (the CLI's own share)" "$cli s" \
	"deploy beyond the CLI's share (target <= 2 s)" "$($py -c "print('%.2f' % ($dep - $cli))") s"
