"""Stream event source mappings on the stepped clock, through boto3: order within a shard,
retries that hold the shard, bisection, ReportBatchItemFailures, record age, tumbling windows,
filters, on-failure records, and a Kinesis stream read in parallel lanes. Retries back off on
the virtual clock (a second, then doubling, at most a minute), which the test steps past. It
waits for conditions only (a slow machine takes longer, never fails), each for at most
TIMEOUT seconds of real time.
TAP on stdout. Usage: esm_streams.py ENDPOINT WORKSPACE"""
import io, json, os, re, sys, time, zipfile
import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

E, WS = sys.argv[1], sys.argv[2]
key, secret, ACCOUNT = cloudlib.learner_keys(WS)
kw = dict(endpoint_url=E, region_name="us-east-1", aws_access_key_id=key,
          aws_secret_access_key=secret)
ddb, lam, sqs = (boto3.client(s, **kw) for s in ("dynamodb", "lambda", "sqs"))
kin = boto3.client("kinesis", **kw)
n = failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def advance(seconds):
    status, body = cloudlib.control(WS, "POST", "/_tutor/clock/advance?seconds=%d" % seconds)
    if status != 200:
        raise RuntimeError("the clock did not move: %d %s" % (status, body))


TIMEOUT = 120


def until(fn, step=0, timeout=TIMEOUT):
    """Poll fn until it returns something true, or give up after timeout seconds. With step,
    the clock is advanced by step seconds after each second of polling, past every retry's
    backoff and every window."""
    end = time.time() + timeout
    stepped = time.time()
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        if step and time.time() - stepped >= 1:
            advance(step)
            stepped = time.time()
        time.sleep(0.05)


def last_result(uuid):
    return lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"]


# One function for every case: it logs each record it sees to the table "log" (the key, how
# many times), fails on a record marked poison, and answers per its environment.
HANDLER = r'''
import json, os, boto3
log = boto3.resource("dynamodb").Table("log")
def handler(event, context):
    mode = os.environ.get("MODE", "")
    if "window" in event:
        state = event["state"] or {}
        state["n"] = state.get("n", 0) + len(event["Records"])
        if event["isFinalInvokeForWindow"]:
            log.put_item(Item={"id": "window-" + event["window"]["start"], "n": state["n"]})
        return {"state": state}
    failures = []
    for r in event["Records"]:
        if "kinesis" in r:
            import base64
            key, poison, seq = base64.b64decode(r["kinesis"]["data"]).decode(), False, r["kinesis"]["sequenceNumber"]
        else:
            img = r["dynamodb"].get("NewImage", {})
            key, poison, seq = r["dynamodb"]["Keys"]["id"]["S"], "poison" in img, r["dynamodb"]["SequenceNumber"]
        if poison:
            if mode == "report":
                failures.append({"itemIdentifier": seq})
                break
            raise Exception("poison record " + key)
        log.update_item(Key={"id": os.environ["CASE"]}, UpdateExpression="SET seen = list_append(if_not_exists(seen, :e), :k)",
                        ExpressionAttributeValues={":e": [], ":k": [key]})
    return {"batchItemFailures": failures}
'''
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("f.py", HANDLER)
CODE = buf.getvalue()
ddb.create_table(TableName="log", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                 BillingMode="PAY_PER_REQUEST")


def seen(case):
    item = ddb.get_item(TableName="log", Key={"id": {"S": case}}).get("Item", {})
    return [v["S"] for v in item.get("seen", {}).get("L", [])]


def setup(case, mode="", **mapping):
    """A table with a stream, the function for this case, a DLQ, and the mapping."""
    ddb.create_table(TableName=case, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = ddb.describe_table(TableName=case)["Table"]["LatestStreamArn"]
    lam.create_function(FunctionName=case, Runtime="python3.12", Handler="f.handler", Timeout=30,
                        Role=cloudlib.role_for(lam), Code={"ZipFile": CODE},
                        Environment={"Variables": {"CASE": case, "MODE": mode}})
    q = sqs.create_queue(QueueName=case + "-dlq")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    m = lam.create_event_source_mapping(FunctionName=case, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                        DestinationConfig={"OnFailure": {"Destination": qarn}}, **mapping)
    return q, m


def put(case, keys, poison=()):
    for k in keys:
        item = {"id": {"S": k}}
        if k in poison:
            item["poison"] = {"BOOL": True}
        ddb.put_item(TableName=case, Item=item)


def failures(q):
    msgs = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in msgs]


keys = ["k%02d" % i for i in range(30)]

# Order within a shard.
q, m = setup("order", BatchSize=7)
ok(m["StartingPosition"] == "TRIM_HORIZON" and m["BatchSize"] == 7 and m["ParallelizationFactor"] == 1
   and m["MaximumRetryAttempts"] == -1 and m["MaximumRecordAgeInSeconds"] == -1
   and m["BisectBatchOnFunctionError"] is False and m["TumblingWindowInSeconds"] == 0,
   "a stream mapping shows Lambda's defaults")
put("order", keys)
ok(until(lambda: seen("order") == keys), "records reach the function in the order they were written")
# Each batch puts its last record's age as the function's IteratorAge (AWS/Lambda).
clock_now = json.loads(cloudlib.control(WS, "GET", "/_tutor/clock")[1])["now"] / 1000
cw = boto3.client("cloudwatch", **kw)
age = until(lambda: cw.get_metric_statistics(
    Namespace="AWS/Lambda", MetricName="IteratorAge", Dimensions=[{"Name": "FunctionName", "Value": "order"}],
    StartTime=clock_now - 86400, EndTime=clock_now + 86400, Period=172800,
    Statistics=["SampleCount", "Maximum"])["Datapoints"])
ok(age and age[0]["SampleCount"] >= 5 and age[0]["Maximum"] >= 0 and age[0]["Unit"] == "Milliseconds",
   "IteratorAge: one value a batch, in milliseconds (%s)" % age)

# A failing batch holds its shard: nothing after it runs until its retries are spent (five
# retries back off 1 + 2 + 4 + 8 + 16 seconds: half a minute of the clock, unless stepped).
q, m = setup("blocked", BatchSize=1, MaximumRetryAttempts=5)
put("blocked", ["a", "b", "c"], poison={"b"})
ok(until(lambda: seen("blocked") == ["a"]), "the record before the poison is processed")
ok(until(lambda: last_result(m["UUID"]).startswith("PROBLEM")), "the poison fails")
ok(seen("blocked") == ["a"] and not failures(q), "the poison holds the shard while it is retried")
ok(until(lambda: seen("blocked") == ["a", "c"], step=60), "once its retries are spent the shard moves on")
f = until(lambda: failures(q), step=60)
ok(f and f[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"
   and f[0]["requestContext"]["approximateInvokeCount"] == 6 and f[0]["DDBStreamBatchInfo"]["batchSize"] == 1,
   "the on-failure record: RetryAttemptsExhausted after six invocations")
ok(f and set(f[0]) == {"requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo"}
   and f[0]["responseContext"]["functionError"] == "Unhandled", "in AWS's shape")

# Bisection isolates the poison record; the others are processed. (The batching window of
# five minutes gathers every record written into one batch, however slowly; the test's steps
# of the clock close it.)
q, _ = setup("bisect", BatchSize=10, MaximumBatchingWindowInSeconds=300, BisectBatchOnFunctionError=True,
             MaximumRetryAttempts=0)
put("bisect", keys[:10], poison={"k06"})
f = until(lambda: failures(q), step=60)
ok(until(lambda: set(seen("bisect")) == set(keys[:10]) - {"k06"}, step=60),
   "bisection processes every record but the poison")
ok(f and f[0]["DDBStreamBatchInfo"]["batchSize"] == 1, "and gives up on the poison alone")

# ReportBatchItemFailures: the records before the reported one are done once.
q, _ = setup("report", "report", BatchSize=10, MaximumBatchingWindowInSeconds=300,
             FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=1)
put("report", keys[:6], poison={"k03"})
f = until(lambda: failures(q), step=60)
ok(seen("report") == ["k00", "k01", "k02"],
   "records before the reported failure are not processed again (%s)" % seen("report"))
ok(f and f[0]["DDBStreamBatchInfo"]["batchSize"] == 3,
   "the retries start at the reported record, and give up on the rest of the batch")

# Record age: with retries unbounded, a record past MaximumRecordAgeInSeconds is given up on.
q, _ = setup("aged", BatchSize=1, MaximumRecordAgeInSeconds=60)
put("aged", ["x", "y"], poison={"x"})
f = until(lambda: failures(q), step=60)
ok(f and f[0]["requestContext"]["condition"] == "RecordAgeExceeded", "RecordAgeExceeded")
put("aged", ["z"])
ok(until(lambda: seen("aged") == ["z"]), "and the shard moves on (%s)" % seen("aged"))

# An S3 bucket as the on-failure destination: an object per batch given up on, its key under
# aws/lambda/UUID/SHARD/ by date, the invocation record with the batch as its payload.
s3 = boto3.client("s3", **kw)
s3.create_bucket(Bucket="esm-failures")
q, m = setup("tos3", BatchSize=1, MaximumRetryAttempts=0)
lam.update_event_source_mapping(UUID=m["UUID"], DestinationConfig={
    "OnFailure": {"Destination": "arn:aws:s3:::esm-failures"}})
put("tos3", ["p"], poison={"p"})
prefix = "aws/lambda/%s/" % m["UUID"]
objs = until(lambda: s3.list_objects_v2(Bucket="esm-failures", Prefix=prefix).get("Contents"), step=60)
key = objs[0]["Key"] if objs else ""
ok(re.fullmatch(re.escape(prefix) + r"shardId-[0-9a-f-]+/\d{4}/\d\d/\d\d/\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d-"
                r"[0-9a-f-]{36}", key), "the failed batch is an object of the bucket: %s" % key)
rec = json.loads(s3.get_object(Bucket="esm-failures", Key=key)["Body"].read()) if key else {}
ok(rec.get("requestContext", {}).get("condition") == "RetryAttemptsExhausted"
   and rec.get("DDBStreamBatchInfo", {}).get("batchSize") == 1
   and rec.get("payload", {}).get("Records", [{}])[0].get("dynamodb", {}).get("Keys") == {"id": {"S": "p"}},
   "... holding the invocation record and the batch as its payload")

# Filters: records the pattern does not match are dropped.
q, _ = setup("filtered", BatchSize=10,
             FilterCriteria={"Filters": [{"Pattern": json.dumps({"dynamodb": {"NewImage": {"id": {"S": [{"prefix": "keep"}]}}}})}]})
put("filtered", ["keep1", "drop1", "keep2", "drop2"])
ok(until(lambda: seen("filtered") == ["keep1", "keep2"]), "FilterCriteria keeps what matches")
try:
    lam.create_event_source_mapping(FunctionName="filtered", StartingPosition="LATEST",
                                    EventSourceArn=ddb.describe_table(TableName="filtered")["Table"]["LatestStreamArn"],
                                    FilterCriteria={"Filters": [{"Pattern": "{not json"}]})
    ok(False, "an invalid pattern is refused")
except lam.exceptions.InvalidParameterValueException as e:
    ok("Invalid filter pattern definition." in str(e), "an invalid pattern is refused")

# A stream mapping's on-failure destination is checked when it is configured: a queue, a topic
# or a bucket, named in full; anything else is refused as Lambda refuses it, and not kept.
farn = ddb.describe_table(TableName="filtered")["Table"]["LatestStreamArn"]
for bad in ("arn:aws:dynamodb:us-east-1:%s:table/log" % ACCOUNT,
            "arn:aws:sqs:us-east-1:%s:" % ACCOUNT, "arn:aws:s3:::No_Such_Bucket",
            "arn:aws:lambda:us-east-1:%s:function:filtered" % ACCOUNT):
    try:
        lam.create_event_source_mapping(FunctionName="filtered", StartingPosition="LATEST",
                                        EventSourceArn=farn,
                                        DestinationConfig={"OnFailure": {"Destination": bad}})
        got = None
    except lam.exceptions.InvalidParameterValueException as e:
        got = e.response["Error"]["Message"]
    ok(got == "The provided destination config DestinationConfig(onSuccess=null, "
       "onFailure=OnFailure(destination=%s)) is invalid." % bad,
       "a stream mapping's on-failure destination %s is refused: %s" % (bad, got))
ok(len(lam.list_event_source_mappings(EventSourceArn=farn)["EventSourceMappings"]) == 1,
   "... and no mapping is made")
# A queue's mapping has no destinations (the queue's redrive policy keeps its failures).
sq = sqs.create_queue(QueueName="plain")["QueueUrl"]
sqarn = sqs.get_queue_attributes(QueueUrl=sq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
try:
    lam.create_event_source_mapping(FunctionName="filtered", EventSourceArn=sqarn,
                                    DestinationConfig={"OnFailure": {"Destination": sqarn}})
    got = None
except lam.exceptions.InvalidParameterValueException as e:
    got = e.response["Error"]["Message"]
ok(got == "Unsupported DestinationConfig parameter for given event source mapping type.",
   "a queue's mapping with an on-failure destination is refused: %s" % got)

# Tumbling windows: the state carries across a window's invocations, and its final one sees it.
q, _ = setup("windows", BatchSize=2, TumblingWindowInSeconds=60)
put("windows", keys[:5])


def windows():
    w = [i for i in ddb.scan(TableName="log")["Items"] if i["id"]["S"].startswith("window-")]
    return sum(int(i["n"]["N"]) for i in w) == 5 and w


ok(until(windows, step=60), "a window's final invocation has the state of all its records")

# Kinesis, two lanes: each partition key in order.
kin.create_stream(StreamName="clicks", ShardCount=1)
sarn = kin.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]["StreamARN"]
lam.create_function(FunctionName="clicks", Runtime="python3.12", Handler="f.handler", Timeout=30,
                    Role=cloudlib.role_for(lam), Code={"ZipFile": CODE},
                    Environment={"Variables": {"CASE": "clicks"}})
lam.create_event_source_mapping(FunctionName="clicks", EventSourceArn=sarn, StartingPosition="TRIM_HORIZON",
                                BatchSize=3, ParallelizationFactor=2)
sent = ["%s-%d" % (k, i) for i in range(5) for k in ("red", "blue")]
for s in sent:
    kin.put_record(StreamName="clicks", PartitionKey=s.split("-")[0], Data=s.encode())
got = until(lambda: len(seen("clicks")) == 10 and seen("clicks"))
ok(got and [s for s in got if s.startswith("red")] == [s for s in sent if s.startswith("red")]
   and [s for s in got if s.startswith("blue")] == [s for s in sent if s.startswith("blue")],
   "two lanes keep each partition key's order")
try:
    lam.create_event_source_mapping(FunctionName="clicks", EventSourceArn=sarn)
    ok(False, "StartingPosition is required")
except lam.exceptions.InvalidParameterValueException as e:
    ok("startingPosition" in str(e), "StartingPosition is required")

# A tumbling window's end is a due point of the settle control: settling past it moves the
# clock to the end, lets the final invocation run, and only then answers; nothing is polled.
# In an account of its own, so that no other mapping's work is settled with it.
k2, s2, acct2 = cloudlib.new_account(WS)
kw2 = dict(kw, aws_access_key_id=k2, aws_secret_access_key=s2)
ddb2, lam2, kin2 = (boto3.client(x, **kw2) for x in ("dynamodb", "lambda", "kinesis"))


def settle2(seconds):
    status, body = cloudlib.control(WS, "POST", "/_tutor/settle?advance=%d&timeout=120&account=%s"
                                    % (seconds, acct2), timeout=150)
    r = json.loads(body) if status == 200 else {}
    ok(r.get("settled"), "the account settles, the clock %d s on: %s" % (seconds, r.get("busy", "")))
    return r


def windows2():
    return {i["id"]["S"]: int(i["n"]["N"]) for i in ddb2.scan(TableName="log")["Items"]
            if i["id"]["S"].startswith("window-")}


ddb2.create_table(TableName="log", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                  BillingMode="PAY_PER_REQUEST")
kin2.create_stream(StreamName="ticks", ShardCount=1)
tarn = kin2.describe_stream_summary(StreamName="ticks")["StreamDescriptionSummary"]["StreamARN"]
lam2.create_function(FunctionName="ticks", Runtime="python3.12", Handler="f.handler", Timeout=30,
                     Role=cloudlib.role_for(lam2), Code={"ZipFile": CODE},
                     Environment={"Variables": {"CASE": "ticks"}})
lam2.create_event_source_mapping(FunctionName="ticks", EventSourceArn=tarn, StartingPosition="TRIM_HORIZON",
                                 BatchSize=2, TumblingWindowInSeconds=300)
# The records arrive at the start of a window, so that it stays open while the test looks.
# The account's own clock moves, which Kinesis stamps arrivals by as the mapping reads them.
status, body = cloudlib.control(WS, "GET", "/_tutor/clock?account=" + acct2)
now = json.loads(body)["now"]
cloudlib.control(WS, "POST", "/_tutor/clock/advance?seconds=%d&account=%s" % (300 - (now // 1000) % 300 + 1, acct2))
for i in range(5):
    kin2.put_record(StreamName="ticks", PartitionKey="p", Data=("t%d" % i).encode())
settle2(0)
ok(windows2() == {}, "while its window is open, no final invocation: %s" % windows2())
r = settle2(400)
w = windows2()
ok(list(w.values()) == [5], "settled past the window's end, its final invocation has run, with the "
   "state of all five records: %s" % w)
ok(r.get("advanced_ms", 0) >= 300000, "... and the clock went on to the point asked for")
print("1..%d" % n)
sys.exit(1 if failed else 0)
