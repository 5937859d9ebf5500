#!/bin/sh
# Parameter Store from a warm handler: a Python function (boto3 inside the sandbox, its own
# role session's credentials) times N GetParameter round trips of a String, N of a
# SecureString WithDecryption (KMS inside), and, as the peer in the same environment, N
# DynamoDB GetItem round trips; it answers their medians and p90s. Its role allows exactly
# those calls, so the figures include the policy evaluation. The function is invoked
# once to warm it (its cold start and the clients' creation are outside the figures).
#
#   bench/ssm.sh [BUILD_DIR]      (default: build; N=300 calls each)
#
# Target (issue 15): an SSM GetParameter round trip from a warm handler <= 1 ms median.
set -eu
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
n=${N:-300}
[ -x "$tutor" ] || { echo "bench/ssm.sh: no $tutor; build first" >&2; exit 2; }
/usr/bin/python3 -c 'import boto3' || { echo "bench/ssm.sh: needs python3-boto3" >&2; exit 2; }

bench_tmp ssm
bench_serve "$tutor" "$tmp/ws"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
/usr/bin/python3 - "http://127.0.0.1:$port" "$tmp/ws" "$n" <<'PY'
import io, json, sys, zipfile
import boto3

endpoint, ws, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
keys = {}
with open(ws + "/.cloud/credentials") as f:
    for line in f:
        if "=" in line:
            k, v = line.split("=", 1)
            keys[k.strip()] = v.strip()
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id=keys["aws_access_key_id"],
          aws_secret_access_key=keys["aws_secret_access_key"])
ssm, ddb, lam = (boto3.client(s, **kw) for s in ("ssm", "dynamodb", "lambda"))
ssm.put_parameter(Name="/bench/plain", Value="x" * 64, Type="String")
ssm.put_parameter(Name="/bench/secret", Value="y" * 64, Type="SecureString")
ddb.create_table(TableName="bench", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                 BillingMode="PAY_PER_REQUEST")
ddb.put_item(TableName="bench", Item={"id": {"S": "a"}, "v": {"S": "x" * 64}})
code = '''
import statistics, time
import boto3
ssm, ddb = boto3.client("ssm"), boto3.client("dynamodb")

def timed(fn, n):
    for _ in range(20):
        fn()
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t) * 1000)
    xs.sort()
    return [statistics.median(xs), xs[int(len(xs) * 0.9)]]

def handler(event, context):
    n = event["n"]
    if not n:
        return {}
    return {
        "GetParameter": timed(lambda: ssm.get_parameter(Name="/bench/plain"), n),
        "GetParameter, SecureString decrypted": timed(
            lambda: ssm.get_parameter(Name="/bench/secret", WithDecryption=True), n),
        "DynamoDB GetItem (peer)": timed(
            lambda: ddb.get_item(TableName="bench", Key={"id": {"S": "a"}}), n),
    }
'''
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("bench.py", code)
iam = boto3.client("iam", **kw)
role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                            "Principal": {"Service": "lambda.amazonaws.com"}}]}))
iam.put_role_policy(RoleName="bench", PolicyName="read", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "ssm:GetParameter", "dynamodb:GetItem", "logs:CreateLogStream", "logs:PutLogEvents"]}]}))
lam.create_function(FunctionName="bench", Runtime="python3.12", Handler="bench.handler",
                    Role=role["Role"]["Arn"], Code={"ZipFile": buf.getvalue()},
                    Timeout=300, MemorySize=1769)
lam.get_waiter("function_active_v2").wait(FunctionName="bench")
lam.invoke(FunctionName="bench", Payload=json.dumps({"n": 0}))
r = lam.invoke(FunctionName="bench", Payload=json.dumps({"n": n}))
out = json.loads(r["Payload"].read())
if "FunctionError" in r:
    sys.exit("bench/ssm.sh: the handler failed: %s" % out)
peer = out["DynamoDB GetItem (peer)"][0]
print("%-40s %18s %8s" % ("from a warm handler (boto3), N=%d" % n, "median / p90", "vs peer"))
for label, (med, p90) in out.items():
    print("%-40s %7.3f / %6.3f ms %7.2fx" % (label, med, p90, med / peer))
PY
