#!/bin/sh
# S3 PutObject -> function invoked through a bucket notification (warm, time scale 1): the
# median, over N uploads one after another, of the time from just before the PutObject
# request to the handler's first line (the key carries the start time; the handler logs the
# difference, on the same clock). Beside it, what a user would otherwise run here:
# moto_server (from the Python on PATH, if it has moto) runs Lambda functions only in Docker,
# so the comparison is its PutObject round trip alone, no function.
#
#   bench/s3_notify.sh [BUILD_DIR]        (default: build; N=200 uploads)
#
# Target (issue 5): median <= 10 ms.
set -eu
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
n=${N:-200}
[ -x "$tutor" ] || { echo "bench/s3_notify.sh: no $tutor; build first" >&2; exit 2; }
/usr/bin/python3 -c 'import boto3' || { echo "bench/s3_notify.sh: needs python3-boto3" >&2; exit 2; }

bench_tmp s3
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
bench_serve "$tutor" "$tmp/ws"
E=http://127.0.0.1:$port
# The cloud checks every signature: its clients sign with the workspace learner's keys (the
# peer, which checks none, keeps the test keys it was started with).
cred=$tmp/ws/.cloud/credentials
AWS_ACCESS_KEY_ID=$(awk '$1 == "aws_access_key_id" {print $3}' "$cred")
AWS_SECRET_ACCESS_KEY=$(awk '$1 == "aws_secret_access_key" {print $3}' "$cred")
LT_ROOT=$root /usr/bin/python3 - "$E" "$n" <<'PY'
import io, statistics, sys, time, zipfile
import boto3
import os
sys.path.insert(0, os.path.join(os.environ["LT_ROOT"], "tests", "integration"))
import cloudlib  # noqa: E402
endpoint, n = sys.argv[1], int(sys.argv[2])
kw = dict(endpoint_url=endpoint, region_name="us-east-1")
s3, lam, logs = (boto3.client(s, **kw) for s in ("s3", "lambda", "logs"))
src = ("import time\n"
       "def lambda_handler(event, context):\n"
       "    now = time.time_ns()\n"
       "    key = event['Records'][0]['s3']['object']['key']\n"
       "    print('LAT %d' % (now - int(key.split('-')[1])))\n")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("lambda_function.py", src)
lam.create_function(FunctionName="sink", Runtime="python3.12", Handler="lambda_function.lambda_handler",
                    Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
arn = lam.get_function(FunctionName="sink")["Configuration"]["FunctionArn"]
s3.create_bucket(Bucket="bench")
lam.add_permission(FunctionName="sink", StatementId="s3", Action="lambda:InvokeFunction",
                   Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bench")
s3.put_bucket_notification_configuration(Bucket="bench", NotificationConfiguration={
    "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})

def lats():
    out, token = [], None
    while True:
        args = dict(logGroupName="/aws/lambda/sink", filterPattern='"LAT"')
        if token:
            args["nextToken"] = token
        try:
            r = logs.filter_log_events(**args)
        except logs.exceptions.ResourceNotFoundException:
            return out
        out += [int(e["message"].split()[1]) / 1e6 for e in r["events"]
                if e["message"].startswith("LAT ")]
        token = r.get("nextToken")
        if not token:
            return out

def wait_for(count):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = lats()
        if len(got) >= count:
            return got
        time.sleep(0.05)
    sys.exit("bench/s3_notify.sh: the function ran %d of %d times" % (len(got), count))

# Warm: one upload starts the environment.
s3.put_object(Bucket="bench", Key="warm-%d" % time.time_ns(), Body=b"x")
wait_for(1)
for i in range(n):
    s3.put_object(Bucket="bench", Key="k-%d" % time.time_ns(), Body=b"x")
    wait_for(i + 2)  # one at a time, so that every invocation finds the environment warm
warm = lats()[1:]
print("local cloud: PutObject -> handler, warm, %d uploads: median %.2f ms, p90 %.2f ms"
      % (len(warm), statistics.median(warm), sorted(warm)[int(len(warm) * 0.9)]))
PY
moto=$(command -v moto_server || true)
if [ -n "$moto" ] && "$moto" --help >/dev/null 2>&1; then
	mport=$((port + 1))
	"$moto" -p "$mport" >"$tmp/moto.log" 2>&1 &
	peer_pid=$!
	i=0
	until curl -s "http://127.0.0.1:$mport/" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "moto_server did not start"; exit 0; }
		sleep 0.1
	done
	/usr/bin/python3 - "http://127.0.0.1:$mport" "$n" <<'PY'
import statistics, sys, time
import boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
s3.create_bucket(Bucket="bench")
t = []
for i in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    s3.put_object(Bucket="bench", Key="k%d" % i, Body=b"x")
    t.append((time.perf_counter() - t0) * 1000)
print("moto_server: PutObject round trip alone (it runs functions only in Docker): median %.2f ms"
      % statistics.median(t))
PY
else
	echo "moto_server: not installed on this machine's PATH; no comparison"
fi
