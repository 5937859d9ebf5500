#!/bin/sh
# What the service layer costs a request: the same signed requests replayed over one keep-alive
# connection against two builds in the same run, alternating, so that the client's cost (signing,
# botocore) is paid once and what is timed is the cloud: the router, the credential check, the
# protocol codec and the service's handler. One representative call per service on the table:
#   Lambda Invoke (a warm Python echo, rest-json), CloudWatch Logs DescribeLogGroups (JSON 1.1),
#   SNS Publish to a topic without subscribers (query), EventBridge PutEvents matching no rule
#   (JSON 1.1), S3 PutObject and GetObject of 1 KiB (rest-xml), SQS SendMessage (JSON 1.0).
# Median and p90 per call, and the ratio of the build to the base build.
#
#   bench/svc.sh BUILD_DIR [BASE_BUILD_DIR]     N=500 requests a call, ROUNDS=3
# BASE_BUILD_DIR is a build of the commit before the change measured (the peer); without it the
# script prints the build's numbers alone. Run it on a quiet machine, e.g. under `nice`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:?usage: bench/svc.sh BUILD_DIR [BASE_BUILD_DIR]}
base=${2:-}
for b in "$build" $base; do
	[ -x "$b/lambda-tutor" ] || { echo "bench/svc.sh: no $b/lambda-tutor; build first" >&2; exit 2; }
done
/usr/bin/python3 -c 'import boto3' || { echo "bench/svc.sh: needs python3-boto3" >&2; exit 2; }
exec /usr/bin/python3 - "$root" "${N:-500}" "${ROUNDS:-3}" "$(cd "$build" && pwd)" \
	${base:+"$(cd "$base" && pwd)"} <<'PY'
import http.client, json, os, statistics, sys, time
root, n, rounds, builds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
sys.path.insert(0, os.path.join(root, "tests", "integration"))
from cloudlib import Cloud, zip_files
import cloudlib
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CALLS = ["lambda Invoke", "logs DescribeLogGroups", "sns Publish", "events PutEvents",
         "s3 PutObject", "s3 GetObject", "sqs SendMessage"]


def signed(cloud, service, method, path, body=b"", headers=None):
    """(method, path, body, headers) signed once, replayed as is."""
    req = AWSRequest(method=method, url=cloud.endpoint + path, data=body, headers=headers or {})
    creds = Credentials(*cloud.keys)
    (S3SigV4Auth if service == "s3" else SigV4Auth)(creds, service, "us-east-1").add_auth(req)
    return method, path, body, dict(req.headers.items())


def setup(cloud):
    """The resources the calls use, and each call's signed request."""
    c = {s: cloud.client(s) for s in ("lambda", "logs", "sns", "s3", "sqs")}
    c["lambda"].create_function(
        FunctionName="echo", Runtime="python3.12", Handler="app.handler", MemorySize=2048,
        Role=cloudlib.role_for(cloud.client("lambda")),
        Code={"ZipFile": zip_files({"app.py": "def handler(event, context):\n    return event\n"})})
    for _ in range(100):
        if c["lambda"].get_function(FunctionName="echo")["Configuration"]["State"] == "Active":
            break
        time.sleep(0.05)
    c["lambda"].invoke(FunctionName="echo", Payload=b"{}")
    c["logs"].create_log_group(logGroupName="/bench/group")
    topic = c["sns"].create_topic(Name="bench")["TopicArn"]
    c["s3"].create_bucket(Bucket="bench")
    c["s3"].put_object(Bucket="bench", Key="k", Body=b"x" * 1024)
    url = c["sqs"].create_queue(QueueName="bench")["QueueUrl"]
    j11 = {"Content-Type": "application/x-amz-json-1.1"}
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    from urllib.parse import urlencode
    return {
        "lambda Invoke": signed(cloud, "lambda", "POST", "/2015-03-31/functions/echo/invocations",
                                b'{"a":1}'),
        "logs DescribeLogGroups": signed(cloud, "logs", "POST", "/", b'{"logGroupNamePrefix":"/bench"}',
                                         dict(j11, **{"X-Amz-Target": "Logs_20140328.DescribeLogGroups"})),
        "sns Publish": signed(cloud, "sns", "POST", "/", urlencode(
            {"Action": "Publish", "Version": "2010-03-31", "TopicArn": topic,
             "Message": "hello"}).encode(), form),
        "events PutEvents": signed(cloud, "events", "POST", "/", json.dumps(
            {"Entries": [{"Source": "bench", "DetailType": "t", "Detail": "{\"a\":1}"}]}).encode(),
            dict(j11, **{"X-Amz-Target": "AWSEvents.PutEvents"})),
        "s3 PutObject": signed(cloud, "s3", "PUT", "/bench/p", b"y" * 1024,
                               {"Content-Type": "application/octet-stream"}),
        "s3 GetObject": signed(cloud, "s3", "GET", "/bench/k"),
        "sqs SendMessage": signed(cloud, "sqs", "POST", "/", json.dumps(
            {"QueueUrl": url, "MessageBody": "hello"}).encode(),
            {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"}),
    }


def run(cloud, req, count):
    method, path, body, headers = req
    conn = http.client.HTTPConnection("127.0.0.1", cloud.port, timeout=60)
    out = []
    try:
        for _ in range(count):
            t0 = time.perf_counter()
            conn.request(method, path, body=body or None, headers=headers)
            r = conn.getresponse()
            data = r.read()
            out.append((time.perf_counter() - t0) * 1000)
            if r.status >= 300:
                raise RuntimeError("%s %s: %d %s" % (method, path, r.status, data[:300]))
    finally:
        conn.close()
    return out


clouds, reqs = [], []
try:
    for b in builds:
        cl = Cloud(os.path.join(b, "lambda-tutor"), prefix="lt-bench-svc-")
        cl.start()
        clouds.append(cl)
        reqs.append(setup(cl))
    times = [{k: [] for k in CALLS} for _ in builds]
    for _ in range(rounds):  # alternate the builds, so that load hits both alike
        for i, cl in enumerate(clouds):
            for k in CALLS:
                run(cl, reqs[i][k], 20)  # warm the connection and the path
                times[i][k] += run(cl, reqs[i][k], n // rounds)
finally:
    for cl in clouds:
        cl.stop()
        cl.cleanup()


def p(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


load = os.getloadavg()[0]
print("service layer: signed requests replayed on one connection, %d a call; load %.1f" %
      (n // rounds * rounds, load))
head = "%-24s %16s" % ("call (ms)", "build med / p90")
if len(builds) > 1:
    head += " %16s %8s" % ("base med / p90", "ratio")
print(head)
for k in CALLS:
    line = "%-24s %7.3f / %6.3f" % (k, statistics.median(times[0][k]), p(times[0][k], 0.9))
    if len(builds) > 1:
        line += " %7.3f / %6.3f %7.2fx" % (statistics.median(times[1][k]), p(times[1][k], 0.9),
                                          statistics.median(times[0][k]) /
                                         statistics.median(times[1][k]))
    print(line)
PY
