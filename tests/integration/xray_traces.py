"""X-Ray trace context carried across services, through boto3 against a running cloud.

Usage: xray_traces.py ENDPOINT ROLE-ARN. Prints one line per check, "0 WHAT" when it holds
and "1 WHAT: DETAIL" when not, for xray_clients.sh to report.

A request's X-Amzn-Trace-Id (added to boto3's requests here, as an instrumented client
sends it) is continued by a synchronous and an asynchronous Invoke, a function URL, SQS
(the message's AWSTraceHeader, and so the event source mapping's invocation), SNS and S3
notifications: the same root, the AWS::Lambda segment's parent the caller's segment, the
decision Sampled=0 honoured. A function's own SDK calls carry its _X_AMZN_TRACE_ID on, so
a request through two functions and a queue is one trace. A stage with tracing on records
API Gateway's own segment, the parent of Lambda's; an asynchronous invocation's segment shows
its Dwell Time and Attempt; an SQS batch's invocation links to its other messages' traces.
"""
import io
import json
import secrets
import sys
import time
import urllib.request
import zipfile

import boto3

E, ROLE = sys.argv[1], sys.argv[2]
KW = dict(endpoint_url=E, region_name="us-east-1")
lam, sqs, sns, s3, xr, logs = (boto3.client(n, **KW) for n in ("lambda", "sqs", "sns", "s3", "xray", "logs"))
HEADER = {"v": None}


def add_header(request, **_):
    if HEADER["v"]:
        request.headers["X-Amzn-Trace-Id"] = HEADER["v"]


for cl in (lam, sqs, sns, s3):
    cl.meta.events.register("before-send", add_header)


def report(cond, what, detail=""):
    print(("0 " if cond else "1 ") + what + ("" if cond else ": " + str(detail)[:1500]), flush=True)


def new_trace():
    return "1-%08x-%s" % (int(time.time()), secrets.token_hex(12)), secrets.token_hex(8)


def call_in(header, fn, *a, **kw):
    HEADER["v"] = header
    try:
        return fn(*a, **kw)
    finally:
        HEADER["v"] = None


def parse(h):
    return dict(kv.split("=", 1) for kv in h.split(";") if "=" in kv)


def docs_of(tid):
    t = xr.batch_get_traces(TraceIds=[tid])["Traces"]
    return [json.loads(s["Document"]) for tr in t for s in tr["Segments"]]


def wait_docs(tid, want, seconds=30):
    end = time.time() + seconds
    while True:
        d = docs_of(tid)
        if want(d) or time.time() > end:
            return d
        time.sleep(0.2)


def lambda_segments(docs, function):
    svc = [d for d in docs if d.get("origin") == "AWS::Lambda" and d["name"] == function]
    fn = [d for d in docs if d.get("origin") == "AWS::Lambda::Function" and d["name"] == function]
    return svc, fn


def has_function(function, n=1):
    return lambda docs: len(lambda_segments(docs, function)[1]) >= n


HANDLER = b'''
import json, os, boto3

def handler(event, context):
    trace = os.environ.get("_X_AMZN_TRACE_ID", "")
    print(json.dumps({"trace": trace, "event": event}))
    nxt = event.get("next") if isinstance(event, dict) else None
    if nxt == "sqs":
        boto3.client("sqs").send_message(QueueUrl=event["queue"], MessageBody="{\\"from\\": \\"hop\\"}")
    elif nxt == "invoke":
        boto3.client("lambda").invoke(FunctionName=event["target"], Payload=b"{}")
    if isinstance(event, dict) and "httpMethod" in event:
        return {"statusCode": 200, "body": json.dumps({"trace": trace})}
    return {"trace": trace}
'''
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", HANDLER)
code = buf.getvalue()
for name, mode in (("tr-sink", "Active"), ("tr-hop", "Active"), ("tr-pass", "PassThrough")):
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=ROLE,
                        Code={"ZipFile": code}, TracingConfig={"Mode": mode}, Timeout=10)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)


def invoke(name, header, event=None, **kw):
    r = call_in(header, lam.invoke, FunctionName=name, Payload=json.dumps(event or {}).encode(), **kw)
    return json.loads(r["Payload"].read() or b"null")


# Invoke with a sampled header: the trace goes on, under the caller's segment.
tid, parent = new_trace()
got = parse(invoke("tr-sink", "Root=%s;Parent=%s;Sampled=1" % (tid, parent))["trace"])
docs = docs_of(tid)
svc, fn = lambda_segments(docs, "tr-sink")
report(got.get("Root") == tid and got.get("Sampled") == "1" and got.get("Parent") not in (None, parent),
       "Invoke with X-Amzn-Trace-Id: the handler's _X_AMZN_TRACE_ID has its root, Sampled=1, the function segment as parent", got)
report(len(svc) == 1 and svc[0].get("parent_id") == parent and len(fn) == 1 and fn[0]["id"] == got.get("Parent")
       and fn[0].get("parent_id") == svc[0]["id"],
       "... and the trace holds Lambda's segments under the caller's segment", docs)

# Sampled=0: the decision is honoured, nothing is recorded.
tid, parent = new_trace()
got = parse(invoke("tr-sink", "Root=%s;Parent=%s;Sampled=0" % (tid, parent))["trace"])
r = xr.batch_get_traces(TraceIds=[tid])
report(got.get("Root") == tid and got.get("Sampled") == "0" and r["Traces"] == [] and r["UnprocessedTraceIds"] == [tid],
       "Sampled=0 is honoured: the root goes on, no segment is recorded", (got, r))

# PassThrough: the context goes on as it came, Lambda records nothing itself.
tid, parent = new_trace()
got = parse(invoke("tr-pass", "Root=%s;Parent=%s;Sampled=1" % (tid, parent))["trace"])
report(got == {"Root": tid, "Parent": parent, "Sampled": "1"} and docs_of(tid) == [],
       "PassThrough: the header reaches the handler as sent, no Lambda segments", got)

# A malformed header is no trace: Lambda starts its own.
got = parse(invoke("tr-pass", "Root=1-nothex;Sampled=1")["trace"])
report(got.get("Root", "").startswith("1-") and got.get("Root") != "1-nothex" and got.get("Sampled") == "0",
       "a malformed X-Amzn-Trace-Id is ignored: a new root", got)

# Asynchronous invocation: the queued event keeps its trace.
tid, parent = new_trace()
call_in("Root=%s;Parent=%s;Sampled=1" % (tid, parent), lam.invoke, FunctionName="tr-sink",
        InvocationType="Event", Payload=b'{"async": true}')
docs = wait_docs(tid, has_function("tr-sink"))
svc, fn = lambda_segments(docs, "tr-sink")
report(len(fn) == 1 and len(svc) == 1 and svc[0].get("parent_id") == parent,
       "InvocationType Event: the asynchronous invocation continues the caller's trace", docs)

# Function URL: the request's header goes on.
url = lam.create_function_url_config(FunctionName="tr-sink", AuthType="NONE")["FunctionUrl"]
lam.add_permission(FunctionName="tr-sink", StatementId="url", Action="lambda:InvokeFunctionUrl",
                   Principal="*", FunctionUrlAuthType="NONE")
tid, parent = new_trace()
req = urllib.request.Request(url, headers={"X-Amzn-Trace-Id": "Root=%s;Parent=%s;Sampled=1" % (tid, parent)})
with urllib.request.urlopen(req, timeout=30) as resp:
    body = json.loads(resp.read())
got = parse(body["trace"])
svc, fn = lambda_segments(docs_of(tid), "tr-sink")
report(got.get("Root") == tid and len(svc) == 1 and svc[0].get("parent_id") == parent,
       "function URL: the request's X-Amzn-Trace-Id is continued", (body, svc))

# API Gateway (REST, Lambda proxy): the request's header goes on to the function.
apigw = boto3.client("apigateway", **KW)
api = apigw.create_rest_api(name="tr-api")["id"]
root = [r for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/"][0]["id"]
fn_arn = lam.get_function(FunctionName="tr-sink")["Configuration"]["FunctionArn"]
apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="AWS_PROXY",
                      integrationHttpMethod="POST",
                      uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/%s/invocations" % fn_arn)
apigw.create_deployment(restApiId=api, stageName="prod")
lam.add_permission(FunctionName="tr-sink", StatementId="apigw", Action="lambda:InvokeFunction",
                   Principal="apigateway.amazonaws.com", SourceArn="arn:aws:execute-api:us-east-1:%s:%s/*/*/*" % (fn_arn.split(":")[4], api))
tid, parent = new_trace()
req = urllib.request.Request("%s/_aws/execute-api/%s/prod/" % (E, api),
                             headers={"X-Amzn-Trace-Id": "Root=%s;Parent=%s;Sampled=1" % (tid, parent)})
with urllib.request.urlopen(req, timeout=30) as resp:
    body = json.loads(resp.read())
svc, fn = lambda_segments(docs_of(tid), "tr-sink")
report(parse(body["trace"]).get("Root") == tid and len(svc) == 1 and svc[0].get("parent_id") == parent,
       "API Gateway REST proxy: the request's X-Amzn-Trace-Id is continued", (body, svc))

# SQS: the sender's header becomes the message's AWSTraceHeader; the attribute wins.
q = sqs.create_queue(QueueName="tr-plain")["QueueUrl"]
tid, parent = new_trace()
h = "Root=%s;Parent=%s;Sampled=1" % (tid, parent)
call_in(h, sqs.send_message, QueueUrl=q, MessageBody="one")
tid2, parent2 = new_trace()
h2 = "Root=%s;Parent=%s;Sampled=1" % (tid2, parent2)
call_in(h, sqs.send_message, QueueUrl=q, MessageBody="two",
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": h2}})
sqs.send_message(QueueUrl=q, MessageBody="three")
m = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"]
by = {x["Body"]: x.get("Attributes", {}).get("AWSTraceHeader") for x in m}
report(by == {"one": h, "two": h2, "three": None},
       "SQS: SendMessage's X-Amzn-Trace-Id becomes AWSTraceHeader, MessageSystemAttributes wins, none without", by)
try:
    sqs.send_message(QueueUrl=q, MessageBody="bad",
                     MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "nonsense"}})
    report(False, "SQS: a malformed AWSTraceHeader is refused", "accepted")
except sqs.exceptions.ClientError as e:
    report("AWSTraceHeader" in e.response["Error"]["Message"], "SQS: a malformed AWSTraceHeader is refused", e.response["Error"])

# SQS event source mapping: the invocation continues the message's trace.
q2 = sqs.create_queue(QueueName="tr-esm")["QueueUrl"]
q2_arn = sqs.get_queue_attributes(QueueUrl=q2, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
lam.create_event_source_mapping(FunctionName="tr-sink", EventSourceArn=q2_arn, BatchSize=1)
tid, parent = new_trace()
h = "Root=%s;Parent=%s;Sampled=1" % (tid, parent)
call_in(h, sqs.send_message, QueueUrl=q2, MessageBody="queued")
docs = wait_docs(tid, has_function("tr-sink"))
svc, fn = lambda_segments(docs, "tr-sink")
report(len(fn) == 1 and svc and svc[0].get("parent_id") == parent,
       "SQS event source mapping: the invocation continues the message's AWSTraceHeader", docs)
ev = logs.filter_log_events(logGroupName="/aws/lambda/tr-sink", filterPattern='"%s"' % tid)["events"]
seen = [json.loads(e["message"]) for e in ev if e["message"].startswith("{")]
report(any(r["event"].get("Records", [{}])[0].get("attributes", {}).get("AWSTraceHeader") == h for r in seen),
       "... and the event's attributes.AWSTraceHeader is the message's", seen)

# SNS to Lambda.
topic = sns.create_topic(Name="tr-topic")["TopicArn"]
lam.add_permission(FunctionName="tr-sink", StatementId="sns", Action="lambda:InvokeFunction",
                   Principal="sns.amazonaws.com", SourceArn=topic)
fn_arn = lam.get_function(FunctionName="tr-sink")["Configuration"]["FunctionArn"]
sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn_arn)
tid, parent = new_trace()
call_in("Root=%s;Parent=%s;Sampled=1" % (tid, parent), sns.publish, TopicArn=topic, Message="hello")
docs = wait_docs(tid, has_function("tr-sink"))
svc, fn = lambda_segments(docs, "tr-sink")
report(len(fn) == 1 and svc and svc[0].get("parent_id") == parent,
       "SNS: the subscribed function continues the publisher's trace", docs)

# S3 notifications.
s3.create_bucket(Bucket="tr-bucket")
lam.add_permission(FunctionName="tr-sink", StatementId="s3", Action="lambda:InvokeFunction",
                   Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::tr-bucket")
s3.put_bucket_notification_configuration(Bucket="tr-bucket", NotificationConfiguration={
    "LambdaFunctionConfigurations": [{"LambdaFunctionArn": fn_arn, "Events": ["s3:ObjectCreated:*"]}]})
tid, parent = new_trace()
call_in("Root=%s;Parent=%s;Sampled=1" % (tid, parent), s3.put_object, Bucket="tr-bucket", Key="a.txt", Body=b"x")
docs = wait_docs(tid, has_function("tr-sink"))
svc, fn = lambda_segments(docs, "tr-sink")
report(len(fn) == 1 and svc and svc[0].get("parent_id") == parent,
       "S3: the notified function continues the trace of the PutObject", docs)

# One request through a function, a queue and another function: one trace. The first
# function's SDK call carries its _X_AMZN_TRACE_ID, as boto3 does inside Lambda.
T0 = time.time()
tid, parent = new_trace()
got = parse(invoke("tr-hop", "Root=%s;Parent=%s;Sampled=1" % (tid, parent), {"next": "sqs", "queue": q2})["trace"])
docs = wait_docs(tid, lambda d: has_function("tr-hop")(d) and has_function("tr-sink")(d))
hsvc, hfn = lambda_segments(docs, "tr-hop")
ssvc, sfn = lambda_segments(docs, "tr-sink")
report(len(hfn) == 1 and len(sfn) == 1 and hfn[0]["id"] == got.get("Parent") and ssvc[0].get("parent_id") == hfn[0]["id"],
       "function -> SQS -> mapping -> function: one trace, the second under the first's segment", docs)
s = xr.get_trace_summaries(StartTime=T0 - 60, EndTime=time.time() + 60)["TraceSummaries"]
mine = [x for x in s if x["Id"] == tid]
report(len(mine) == 1, "... and GetTraceSummaries lists it once", [x["Id"] for x in s])
g = xr.get_service_graph(StartTime=T0 - 60, EndTime=time.time() + 60)["Services"]
hop = [n for n in g if n["Name"] == "tr-hop" and n["Type"] == "AWS::Lambda::Function"]
report(hop and any(e for e in hop[0]["Edges"]),
       "... and the service graph has an edge out of tr-hop's function", g)

# Lambda to Lambda, synchronously.
tid, parent = new_trace()
got = parse(invoke("tr-hop", "Root=%s;Parent=%s;Sampled=1" % (tid, parent), {"next": "invoke", "target": "tr-sink"})["trace"])
docs = docs_of(tid)
ssvc, sfn = lambda_segments(docs, "tr-sink")
report(len(sfn) == 1 and ssvc[0].get("parent_id") == got.get("Parent"),
       "function -> Invoke -> function: one trace", docs)

# API Gateway with tracing on its stage: its own segment (AWS::ApiGateway::Stage, API/STAGE)
# under the caller's, and a Lambda subsegment that is the parent of Lambda's segments.
try:
    apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/tracingEnabled", "value": "maybe"}])
    report(False, "UpdateStage refuses a /tracingEnabled that is no boolean", "accepted")
except apigw.exceptions.ClientError as e:
    report(e.response["Error"]["Code"] == "BadRequestException",
           "UpdateStage refuses a /tracingEnabled that is no boolean", e.response["Error"])
st = apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
    {"op": "replace", "path": "/tracingEnabled", "value": "true"}])
report(st.get("tracingEnabled") is True and apigw.get_stage(restApiId=api, stageName="prod")["tracingEnabled"],
       "UpdateStage turns X-Ray tracing on for a stage", st)
tid, parent = new_trace()
req = urllib.request.Request("%s/_aws/execute-api/%s/prod/" % (E, api),
                             headers={"X-Amzn-Trace-Id": "Root=%s;Parent=%s;Sampled=1" % (tid, parent)})
with urllib.request.urlopen(req, timeout=30) as resp:
    body = json.loads(resp.read())
    answered = parse(resp.headers.get("X-Amzn-Trace-Id") or "")
docs = wait_docs(tid, has_function("tr-sink"))
stage = [d for d in docs if d.get("origin") == "AWS::ApiGateway::Stage"]
svc, fn = lambda_segments(docs, "tr-sink")
sub = (stage[0].get("subsegments") or [{}])[0] if stage else {}
report(len(stage) == 1 and stage[0]["name"] == "tr-api/prod" and stage[0].get("parent_id") == parent
       and stage[0].get("http", {}).get("response", {}).get("status") == 200
       and stage[0].get("aws", {}).get("api_gateway", {}).get("rest_api_id") == api,
       "a traced stage records its AWS::ApiGateway::Stage segment, named API/STAGE, under the caller's", docs)
report(sub.get("name") == "Lambda" and sub.get("namespace") == "aws" and len(svc) == 1
       and svc[0].get("parent_id") == sub.get("id") and parse(body["trace"]).get("Root") == tid,
       "... its Lambda subsegment is the parent of Lambda's segments: the header passed on names it", (stage, svc))
report(answered.get("Root") == tid and answered.get("Sampled") == "1",
       "... and the response carries X-Amzn-Trace-Id with the trace's root", answered)
tid, parent = new_trace()
req = urllib.request.Request("%s/_aws/execute-api/%s/prod/" % (E, api),
                             headers={"X-Amzn-Trace-Id": "Root=%s;Parent=%s;Sampled=0" % (tid, parent)})
with urllib.request.urlopen(req, timeout=30) as resp:
    body = json.loads(resp.read())
r = xr.batch_get_traces(TraceIds=[tid])
report(parse(body["trace"]).get("Sampled") == "0" and r["Traces"] == [],
       "... Sampled=0 goes on to the function and nothing is recorded", (body, r))
g = xr.get_service_graph(StartTime=time.time() - 300, EndTime=time.time() + 60)["Services"]
node = [n for n in g if n.get("Type") == "AWS::ApiGateway::Stage" and n.get("Name") == "tr-api/prod"]
report(bool(node) and bool(node[0]["Edges"]),
       "... and the service graph has the stage as a node with an edge on", node)
apigw.create_stage(restApiId=api, stageName="beta", tracingEnabled=True,
                   deploymentId=apigw.get_stage(restApiId=api, stageName="prod")["deploymentId"])
report(apigw.get_stage(restApiId=api, stageName="beta")["tracingEnabled"] is True,
       "CreateStage with tracingEnabled keeps it", "")

# An asynchronous invocation: Lambda's service segment shows the wait in its queue.
tid, parent = new_trace()
call_in("Root=%s;Parent=%s;Sampled=1" % (tid, parent), lam.invoke, FunctionName="tr-sink",
        InvocationType="Event", Payload=b'{"dwell": true}')
docs = wait_docs(tid, has_function("tr-sink"))
svc, fn = lambda_segments(docs, "tr-sink")
subs = {s["name"]: s for s in (svc[0].get("subsegments", []) if svc else [])}
dw, at = subs.get("Dwell Time"), subs.get("Attempt #1")
report(dw and at and dw["start_time"] == svc[0]["start_time"] and dw["end_time"] <= at["start_time"] + 1e-6
       and at["end_time"] <= svc[0]["end_time"] + 1e-6 and fn and fn[0]["start_time"] >= dw["end_time"] - 1e-3,
       "InvocationType Event: the AWS::Lambda segment holds Dwell Time, then Attempt #1", svc)

# An SQS batch of messages from two traces: the invocation continues the first message's
# trace, and Lambda's segment links to the other's.
q3 = sqs.create_queue(QueueName="tr-batch")["QueueUrl"]
q3_arn = sqs.get_queue_attributes(QueueUrl=q3, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
(ta, pa), (tb, pb) = new_trace(), new_trace()
sqs.send_message_batch(QueueUrl=q3, Entries=[
    {"Id": "a", "MessageBody": "a", "MessageSystemAttributes": {"AWSTraceHeader": {
        "DataType": "String", "StringValue": "Root=%s;Parent=%s;Sampled=1" % (ta, pa)}}},
    {"Id": "b", "MessageBody": "b", "MessageSystemAttributes": {"AWSTraceHeader": {
        "DataType": "String", "StringValue": "Root=%s;Parent=%s;Sampled=1" % (tb, pb)}}}])
lam.create_event_source_mapping(FunctionName="tr-sink", EventSourceArn=q3_arn, BatchSize=10,
                                MaximumBatchingWindowInSeconds=1)
end = time.time() + 30
svc = []
while time.time() < end and not svc:
    for t in (ta, tb):
        s_, f_ = lambda_segments(docs_of(t), "tr-sink")
        if s_:
            svc, mine, other = s_, (t, pa if t == ta else pb), ((tb, pb) if t == ta else (ta, pa))
            break
    time.sleep(0.2)
links = svc[0].get("links", []) if svc else []
report(svc and svc[0].get("parent_id") == mine[1]
       and {"trace_id": other[0], "id": other[1]} in [{"trace_id": l.get("trace_id"), "id": l.get("id")} for l in links]
       and not any(l.get("trace_id") == mine[0] for l in links),
       "SQS batch: Lambda's segment continues the first message's trace and links to the other's", svc)
