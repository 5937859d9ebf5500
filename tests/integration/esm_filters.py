"""FilterCriteria on SQS event source mappings, through boto3: patterns on a JSON body
(exact, numeric, prefix, suffix, anything-but, exists, $or; a wildcard is refused, as Lambda's
filter rules have none), on a plain-string body and on message attributes; messages no filter
matches are deleted from the queue, never handed to the function nor left to be redriven; an
update clears the filters; invalid criteria are refused with Lambda's errors. Phase "after" runs against the same workspace after a restart: the
filters were kept. TAP on stdout. Usage: esm_filters.py ENDPOINT WORKSPACE before|after"""
import io, json, os, sys, time, zipfile
import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

E, WS, PHASE = sys.argv[1], sys.argv[2], sys.argv[3]
KEY, SECRET, ACCOUNT = cloudlib.learner_keys(WS)
kw = dict(endpoint_url=E, region_name="us-east-1", aws_access_key_id=KEY,
          aws_secret_access_key=SECRET)
ddb, lam, sqs = (boto3.client(s, **kw) for s in ("dynamodb", "lambda", "sqs"))
n = failed = 0
TIMEOUT = 120


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def until(fn, timeout=TIMEOUT):
    """Poll fn until it returns something true, or give up after timeout seconds."""
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.1)


# The function logs the id of every record it is handed (a JSON body's "id", else the body)
# to the table "log", under the name of its queue.
HANDLER = r'''
import json, boto3
log = boto3.resource("dynamodb").Table("log")
def handler(event, context):
    for r in event["Records"]:
        try:
            key = json.loads(r["body"])["id"]
        except Exception:
            key = r["body"]
        queue = r["eventSourceARN"].rsplit(":", 1)[1]
        log.update_item(Key={"id": queue}, UpdateExpression="SET seen = list_append(if_not_exists(seen, :e), :k)",
                        ExpressionAttributeValues={":e": [], ":k": [key]})
'''


def seen(queue):
    item = ddb.get_item(TableName="log", Key={"id": {"S": queue}}).get("Item", {})
    return sorted(v["S"] for v in item.get("seen", {}).get("L", []))


def url(queue):
    return sqs.get_queue_url(QueueName=queue)["QueueUrl"]


def empty(queue):
    a = sqs.get_queue_attributes(QueueUrl=url(queue), AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return a["ApproximateNumberOfMessages"] == "0" and a["ApproximateNumberOfMessagesNotVisible"] == "0"


def send(queue, body, attrs=None):
    extra = {}
    if attrs:
        extra["MessageAttributes"] = {k: {"DataType": "String", "StringValue": v} for k, v in attrs.items()}
    sqs.send_message(QueueUrl=url(queue), MessageBody=body, **extra)


def mapping_of(queue):
    arn = "arn:aws:sqs:us-east-1:" + ACCOUNT + ":" + queue
    return lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"][0]


ORDERS = [{"Pattern": json.dumps({"body": {"kind": ["order"], "total": [{"numeric": [">", 100]}]}})},
          {"Pattern": json.dumps({"body": {"kind": [{"prefix": "vip-"}], "note": [{"exists": False}]}})},
          {"Pattern": json.dumps({"body": {"$or": [{"region": [{"anything-but": ["eu", "us"]}]},
                                                   {"urgent": [True]}]}})}]

if PHASE == "before":
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("f.py", HANDLER)
    ddb.create_table(TableName="log", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    lam.create_function(FunctionName="f", Runtime="python3.12", Handler="f.handler", Timeout=30,
                        Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
    for q in ("orders", "pings"):
        sqs.create_queue(QueueName=q)

    # Patterns on a JSON body: a message passes when one filter matches it.
    m = lam.create_event_source_mapping(FunctionName="f", BatchSize=10,
                                        EventSourceArn="arn:aws:sqs:us-east-1:" + ACCOUNT + ":orders",
                                        FilterCriteria={"Filters": ORDERS})
    ok(m["FilterCriteria"] == {"Filters": ORDERS}, "the mapping shows its FilterCriteria")
    sent = {"a": {"kind": "order", "total": 150}, "b": {"kind": "order", "total": 50},
            "c": {"kind": "vip-refund"}, "d": {"kind": "vip-refund", "note": "x"},
            "e": {"kind": "other", "region": "ap"}, "f": {"kind": "other", "region": "eu"},
            "g": {"kind": "other", "urgent": True}}
    for k, body in sent.items():
        send("orders", json.dumps(dict(body, id=k)))
    send("orders", "not json at all")
    ok(until(lambda: empty("orders")), "every message leaves the queue, matched or not")
    ok(until(lambda: seen("orders") == ["a", "c", "e", "g"]),
       "the function sees only the messages a filter matches (%s)" % seen("orders"))

    # A plain-string body, and message attributes.
    PINGS = [{"Pattern": json.dumps({"body": ["ping"]})},
             {"Pattern": json.dumps({"messageAttributes": {"level": {"stringValue": ["high"]}}})},
             {"Pattern": json.dumps({"body": [{"suffix": "-urgent"}]})}]
    lam.create_event_source_mapping(FunctionName="f", BatchSize=10,
                                    EventSourceArn="arn:aws:sqs:us-east-1:" + ACCOUNT + ":pings",
                                    FilterCriteria={"Filters": PINGS})
    send("pings", "ping")
    send("pings", "pong")
    send("pings", "pang", {"level": "high"})
    send("pings", "pung", {"level": "low"})
    send("pings", "call-urgent")
    ok(until(lambda: empty("pings")), "the pings all leave the queue")
    ok(until(lambda: seen("pings") == ["call-urgent", "pang", "ping"]),
       "a plain-string body, a suffix and a message attribute match (%s)" % seen("pings"))

    # Errors: nothing is created or changed.
    arn = "arn:aws:sqs:us-east-1:" + ACCOUNT + ":pings"
    for label, fc, err in [
            ("a pattern that is not JSON", {"Filters": [{"Pattern": "{not json"}]}, "InvalidParameterValueException"),
            ("a pattern that is not an object", {"Filters": [{"Pattern": "[1]"}]}, "InvalidParameterValueException"),
            ("a value that is not a list", {"Filters": [{"Pattern": '{"body": "ping"}'}]}, "InvalidParameterValueException"),
            # Lambda's filter rules have no wildcard (EventBridge's patterns do).
            ("a wildcard", {"Filters": [{"Pattern": '{"body": [{"wildcard": "p*"}]}'}]},
             "InvalidParameterValueException"),
            ("six filters", {"Filters": [{"Pattern": '{"body": ["x"]}'}] * 6}, "ValidationException")]:
        try:
            lam.update_event_source_mapping(UUID=mapping_of("pings")["UUID"], FilterCriteria=fc)
            ok(False, label + " is refused")
        except lam.exceptions.ClientError as e:
            ok(e.response["Error"]["Code"] == err, "%s is refused: %s" % (label, e.response["Error"]["Code"]))
    ok(mapping_of("pings")["FilterCriteria"] == {"Filters": PINGS}, "... and the filters stay as they were")
else:
    # After a restart: the filters were kept, and still apply.
    ok(mapping_of("orders")["FilterCriteria"] == {"Filters": ORDERS}, "after a restart the filters are kept")
    send("orders", json.dumps({"id": "h", "kind": "order", "total": 10}))
    send("orders", json.dumps({"id": "i", "kind": "order", "total": 1000}))
    ok(until(lambda: empty("orders")), "the new messages leave the queue")
    ok(until(lambda: seen("orders") == ["a", "c", "e", "g", "i"]),
       "... and only the matching one reaches the function (%s)" % seen("orders"))
    # An empty FilterCriteria removes the filters.
    m = lam.update_event_source_mapping(UUID=mapping_of("pings")["UUID"], FilterCriteria={})
    ok("FilterCriteria" not in m, "an empty FilterCriteria removes the filters")
    send("pings", "pong again")
    ok(until(lambda: seen("pings") == ["call-urgent", "pang", "ping", "pong again"]),
       "then every message passes")
print("1..%d" % n)
sys.exit(1 if failed else 0)
