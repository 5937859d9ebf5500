"""ScalingConfig on SQS event source mappings, through boto3: MaximumConcurrency 2 keeps a
mapping to at most two invocations at once (the function records when each began and ended),
the mapping shows it, an update removes it, a value out of Lambda's range is refused. Phase
"after" runs against the same workspace after a restart: the setting was kept. TAP on stdout.
Usage: esm_scaling.py ENDPOINT WORKSPACE before|after"""
import io, os, sys, time, zipfile
import boto3
import botocore
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

E, WS, PHASE = sys.argv[1], sys.argv[2], sys.argv[3]
KEY, SECRET, ACCOUNT = cloudlib.learner_keys(WS)
kw = dict(endpoint_url=E, region_name="us-east-1", aws_access_key_id=KEY,
          aws_secret_access_key=SECRET)
ddb, lam, sqs = (boto3.client(s, **kw) for s in ("dynamodb", "lambda", "sqs"))
# A client that sends what it is given, for the values the cloud must refuse itself.
raw = boto3.client("lambda", config=Config(parameter_validation=False), **kw)
n = failed = 0
QUEUE_ARN = "arn:aws:sqs:us-east-1:" + ACCOUNT + ":scaled"


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def until(fn, timeout=180):
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.2)


# Each invocation stays a second and records its span under its request id.
HANDLER = r'''
import time, boto3
spans = boto3.client("dynamodb")
def handler(event, context):
    began = time.time()
    time.sleep(1.0)
    spans.put_item(TableName="spans", Item={"id": {"S": context.aws_request_id},
                   "began": {"N": repr(began)}, "ended": {"N": repr(time.time())}})
'''


def spans():
    items = ddb.scan(TableName="spans").get("Items", [])
    return [(float(i["began"]["N"]), float(i["ended"]["N"])) for i in items]


def most_at_once(ss):
    edges = sorted([(b, 1) for b, _ in ss] + [(e, -1) for _, e in ss], key=lambda x: (x[0], x[1]))
    now = top = 0
    for _, d in edges:
        now += d
        top = max(top, now)
    return top


def mapping():
    return lam.list_event_source_mappings(EventSourceArn=QUEUE_ARN)["EventSourceMappings"][0]


def code_of(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return "no error"


if PHASE == "before":
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("f.py", HANDLER)
    ddb.create_table(TableName="spans", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    lam.create_function(FunctionName="slow", Runtime="python3.12", Handler="f.handler", Timeout=30,
                        Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
    url = sqs.create_queue(QueueName="scaled", Attributes={"VisibilityTimeout": "120"})["QueueUrl"]
    for i in range(12):
        sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
    m = lam.create_event_source_mapping(FunctionName="slow", BatchSize=1, EventSourceArn=QUEUE_ARN,
                                        ScalingConfig={"MaximumConcurrency": 2})
    ok(m.get("ScalingConfig") == {"MaximumConcurrency": 2},
       "create-event-source-mapping answers its ScalingConfig (%s)" % m.get("ScalingConfig"))
    ok(until(lambda: len(spans()) >= 12), "the twelve messages are each handled (%d)" % len(spans()))
    top = most_at_once(spans())
    ok(1 <= top <= 2, "never more than MaximumConcurrency 2 invocations at once (%d)" % top)
    ok(code_of(lambda: raw.update_event_source_mapping(
        UUID=m["UUID"], ScalingConfig={"MaximumConcurrency": 1})) == "ValidationException",
       "MaximumConcurrency 1 is refused: ValidationException")
    u = lam.update_event_source_mapping(UUID=m["UUID"], ScalingConfig={"MaximumConcurrency": 5})
    ok(u.get("ScalingConfig") == {"MaximumConcurrency": 5}, "update-event-source-mapping changes it")
elif PHASE == "after":
    m = mapping()
    ok(m.get("ScalingConfig") == {"MaximumConcurrency": 5},
       "the mapping kept its ScalingConfig across the restart (%s)" % m.get("ScalingConfig"))
    u = lam.update_event_source_mapping(UUID=m["UUID"], ScalingConfig={})
    ok("ScalingConfig" not in u and "ScalingConfig" not in mapping(),
       "an empty ScalingConfig removes the limit")
print("1..%d" % n)
sys.exit(1 if failed else 0)
