"""
Nothing acknowledged is lost: bursts at every durable path of the local cloud at once, a kill -9
of the cloud at a random moment of each burst, a restart, and in the end an audit of every
request the cloud answered with a 2xx.

Paths, and what the audit allows (AWS's own guarantees; stricter where the cloud is exact):
  async    Invoke (Event) of sink                 sink ran it: at least once
  sqs      SendMessage to a queue nobody reads     in the queue: exactly once
  esm      SendMessage to sink's mapped queue      sink ran it: at least once
  sns      Publish to a topic with an SQS and a    in the queue and run by sink: at least once
           Lambda subscriber                       each
  s3       PutObject to a bucket that notifies     the object, byte for byte: exactly; the
           sink and a queue                        notification in both: at least once each
  dest     Invoke (Event) of judge, whose event    its invocation record in the OnSuccess or the
           invoke config has no retries            OnFailure queue, as the event asked: at least
                                                   once
  dlq      Invoke (Event) of doomed, which always  the event in its dead-letter queue: at least
           fails                                   once
  events   PutEvents on the default bus, a rule    in the queue and run by sink: at least once
           with an SQS and a Lambda target         each
  ddb      PutItem to a table whose stream is      the item: exactly; run by sink: at least once
           mapped to sink
"At least once" is bounded: an id accepted in round r is seen at most 1 + (kills after r)
times, since a kill re-runs at most what it interrupted. Requests not answered 2xx may or may
not have taken effect; the audit only bounds their copies the same way.

    python3 crash_harness.py path/to/lambda-tutor
    CRASH_ROUNDS=20 (default) rounds, CRASH_SEED=N to replay one run's timings. TAP on stdout.
"""

import json
import os
import random
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "runtimes"))
sys.path.insert(0, HERE)
from rtlib import Tap  # noqa: E402
from cloudlib import Cloud, zip_files  # noqa: E402
import cloudlib  # noqa: E402

try:
    import boto3  # noqa: F401
except ImportError:
    print("1..0 # SKIP no boto3 for %s" % sys.executable)
    sys.exit(0)

ROUNDS = int(os.environ.get("CRASH_ROUNDS", "20"))
SEED = int(os.environ.get("CRASH_SEED", str(int(time.time()))))
TIME_SCALE = 10  # retries and visibility timeouts pass ten times as fast
VISIBILITY = 120  # virtual seconds: 12 s, far above a cold start on a loaded machine
DRAIN_SECONDS = 150  # real seconds for everything accepted to be delivered after the last kill
ACCOUNT = None  # the account of the harness's credentials

SINK = r'''
import urllib.parse
def ids(event):
    out = []
    if "id" in event:
        out.append(event["id"])
    for r in event.get("Records", []):
        if "body" in r:
            out.append(r["body"])
        elif "Sns" in r:
            out.append(r["Sns"]["Message"])
        elif "s3" in r:
            out.append(urllib.parse.unquote_plus(r["s3"]["object"]["key"]))
        elif "dynamodb" in r:
            out.append(r["dynamodb"]["Keys"]["id"]["S"])
    detail = event.get("detail")
    if isinstance(detail, dict) and "id" in detail:
        out.append(detail["id"])
    return out
def handler(event, context):
    print("MARK " + " ".join(ids(event)))
'''
JUDGE = r'''
def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("asked to fail " + event["id"])
    return {"id": event["id"]}
'''
DOOMED = r'''
def handler(event, context):
    raise RuntimeError("always fails " + event["id"])
'''


def zip_one(text):
    return zip_files({"app.py": text})


class Clients:
    """One boto3 client per service, shared by the writer threads; never retrying."""

    def __init__(self, cloud):
        kw = dict(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=60,
                  max_pool_connections=20)
        self.lam = cloud.client("lambda", **kw)
        self.sqs = cloud.client("sqs", **kw)
        self.sns = cloud.client("sns", **kw)
        self.s3 = cloud.client("s3", **kw)
        self.events = cloud.client("events", **kw)
        self.ddb = cloud.client("dynamodb", **kw)
        self.logs = cloud.client("logs")
        self.endpoint = cloud.endpoint

    def queue_url(self, name):
        return "%s/%s/%s" % (self.endpoint, ACCOUNT, name)


def queue_arn(name):
    return "arn:aws:sqs:us-east-1:%s:%s" % (ACCOUNT, name)


def fn_arn(name):
    return "arn:aws:lambda:us-east-1:%s:function:%s" % (ACCOUNT, name)


QUEUES = ["plain", "esm-src", "sns-q", "s3-q", "ok-q", "fail-q", "dlq-q", "eb-q"]


def setup(cl):
    for q in QUEUES:
        cl.sqs.create_queue(QueueName=q, Attributes={"VisibilityTimeout": str(VISIBILITY)})
    for name, text in (("sink", SINK), ("judge", JUDGE), ("doomed", DOOMED)):
        cl.lam.create_function(FunctionName=name, Runtime="python3.12", Role=cloudlib.role_for(cl.lam),
                               Handler="app.handler", Code={"ZipFile": zip_one(text)},
                               Timeout=30)
    for sid, principal in (("sns", "sns.amazonaws.com"), ("s3", "s3.amazonaws.com"),
                           ("events", "events.amazonaws.com")):
        cl.lam.add_permission(FunctionName="sink", StatementId=sid, Action="lambda:InvokeFunction",
                              Principal=principal)
    cl.lam.put_function_event_invoke_config(
        FunctionName="judge", MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": queue_arn("ok-q")},
                           "OnFailure": {"Destination": queue_arn("fail-q")}})
    cl.lam.put_function_event_invoke_config(FunctionName="doomed", MaximumRetryAttempts=0)
    cl.lam.update_function_configuration(FunctionName="doomed",
                                         DeadLetterConfig={"TargetArn": queue_arn("dlq-q")})
    cl.lam.create_event_source_mapping(FunctionName="sink", EventSourceArn=queue_arn("esm-src"),
                                       BatchSize=10)
    topic = cl.sns.create_topic(Name="crash")["TopicArn"]
    # The queues take the services' deliveries as their policies allow, as in AWS.
    cloudlib.allow_service(cl.sqs, queue_arn("sns-q"), "sns", topic)
    cloudlib.allow_service(cl.sqs, queue_arn("s3-q"), "s3", "arn:aws:s3:::crash-bucket")
    cloudlib.allow_service(cl.sqs, queue_arn("eb-q"), "events",
                           "arn:aws:events:us-east-1:%s:rule/crash" % ACCOUNT)
    cl.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn("sns-q"),
                     Attributes={"RawMessageDelivery": "true"})
    cl.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn_arn("sink"))
    cl.s3.create_bucket(Bucket="crash-bucket")
    cl.s3.put_bucket_notification_configuration(
        Bucket="crash-bucket",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": fn_arn("sink"), "Events": ["s3:ObjectCreated:*"]}],
            "QueueConfigurations": [
                {"QueueArn": queue_arn("s3-q"), "Events": ["s3:ObjectCreated:*"]}]})
    cl.ddb.create_table(TableName="crash", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST",
                        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    stream = cl.ddb.describe_table(TableName="crash")["Table"]["LatestStreamArn"]
    cl.lam.create_event_source_mapping(FunctionName="sink", EventSourceArn=stream,
                                       StartingPosition="TRIM_HORIZON", BatchSize=10)
    cl.events.put_rule(Name="crash", EventPattern=json.dumps({"source": ["crash.test"]}))
    cl.events.put_targets(Rule="crash", Targets=[{"Id": "q", "Arn": queue_arn("eb-q")},
                                                 {"Id": "fn", "Arn": fn_arn("sink")}])
    return topic


def senders(cl, topic):
    """path -> a function sending the request for one id (raises unless answered 2xx)."""

    def async_invoke(i):
        r = cl.lam.invoke(FunctionName="sink", InvocationType="Event",
                          Payload=json.dumps({"id": i}).encode())
        assert r["StatusCode"] == 202

    def dest(i):
        fail = int(i.rsplit("-", 1)[1]) % 2 == 0
        r = cl.lam.invoke(FunctionName="judge", InvocationType="Event",
                          Payload=json.dumps({"id": i, "fail": fail}).encode())
        assert r["StatusCode"] == 202

    def dlq(i):
        r = cl.lam.invoke(FunctionName="doomed", InvocationType="Event",
                          Payload=json.dumps({"id": i}).encode())
        assert r["StatusCode"] == 202

    def events(i):
        r = cl.events.put_events(Entries=[{"Source": "crash.test", "DetailType": "crash",
                                           "Detail": json.dumps({"id": i})}])
        assert r.get("FailedEntryCount", 0) == 0

    return {
        "async": async_invoke,
        "sqs": lambda i: cl.sqs.send_message(QueueUrl=cl.queue_url("plain"), MessageBody=i),
        "esm": lambda i: cl.sqs.send_message(QueueUrl=cl.queue_url("esm-src"), MessageBody=i),
        "sns": lambda i: cl.sns.publish(TopicArn=topic, Message=i),
        "s3": lambda i: cl.s3.put_object(Bucket="crash-bucket", Key=i, Body=i.encode()),
        "dest": dest,
        "dlq": dlq,
        "events": events,
        "ddb": lambda i: cl.ddb.put_item(TableName="crash", Item={"id": {"S": i}}),
    }


class Ledger:
    """What was sent, and what the cloud acknowledged, per path: id -> round."""

    def __init__(self):
        self.acked = {}
        self.tried = {}
        self.errors = {}
        self.lock = threading.Lock()

    def record(self, path, i, rnd, ok, err=None):
        with self.lock:
            self.tried.setdefault(path, {})[i] = rnd
            if ok:
                self.acked.setdefault(path, {})[i] = rnd
            elif err:
                self.errors.setdefault(path, set()).add(err)


def burst(send, ledger, rnd, stop):
    """Send requests on every path until stop is set."""

    def writer(path, fn):
        n = 0
        while not stop.is_set():
            i = "%s-%d-%d" % (path, rnd, n)
            n += 1
            try:
                fn(i)
                ledger.record(path, i, rnd, True)
            except Exception as e:  # the cloud died under the request, or refused it
                ledger.record(path, i, rnd, False, type(e).__name__)
                time.sleep(0.01)

    threads = [threading.Thread(target=writer, args=(p, f), daemon=True)
               for p, f in send.items()]
    for t in threads:
        t.start()
    return threads


def drain_queue(cl, name, counts):
    """Receive and delete what a queue holds now; add each body to counts."""
    url = cl.queue_url(name)
    while True:
        ms = cl.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                    VisibilityTimeout=VISIBILITY).get("Messages", [])
        if not ms:
            return
        for m in ms:
            counts[name][m["Body"]] = counts[name].get(m["Body"], 0) + 1
        cl.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(ms)])


def marks(cl):
    """id -> how many times sink ran with it, from its log group."""
    seen = {}
    kw = dict(logGroupName="/aws/lambda/sink", filterPattern='"MARK"')
    while True:
        r = cl.logs.filter_log_events(**kw)
        for e in r.get("events", []):
            for i in e["message"].split()[1:]:
                seen[i] = seen.get(i, 0) + 1
        if not r.get("nextToken"):
            return seen
        kw["nextToken"] = r["nextToken"]


def record_id(body):
    """The id of an invocation record (destinations) or a raw payload (DLQ)."""
    try:
        o = json.loads(body)
    except ValueError:
        return body
    return o.get("requestPayload", o).get("id", body)


def evidence(cl, counts):
    """path -> id -> copies delivered so far."""
    for q in ("plain", "sns-q", "s3-q", "ok-q", "fail-q", "dlq-q", "eb-q"):
        drain_queue(cl, q, counts)
    seen = marks(cl)
    by_record = {}
    for q in ("ok-q", "fail-q", "dlq-q"):
        by_record[q] = {}
        for body, k in counts[q].items():
            i = record_id(body)
            by_record[q][i] = by_record[q].get(i, 0) + k
    eb = {}
    for body, k in counts["eb-q"].items():
        i = json.loads(body)["detail"]["id"]
        eb[i] = eb.get(i, 0) + k
    s3q = {}
    for body, k in counts["s3-q"].items():
        for r in json.loads(body).get("Records", []):
            i = r["s3"]["object"]["key"]
            s3q[i] = s3q.get(i, 0) + k
    return {
        "async": {"sink": seen},
        "sqs": {"queue": counts["plain"]},
        "esm": {"sink": seen},
        "sns": {"queue": counts["sns-q"], "sink": seen},
        "s3": {"sink": seen, "queue": s3q},
        "dest": {"record": {**by_record["ok-q"], **by_record["fail-q"]}},
        "dlq": {"queue": by_record["dlq-q"]},
        "events": {"queue": eb, "sink": seen},
        "ddb": {"sink": seen},
    }


def dest_wrong_queue(counts, acked):
    """Ids of judge whose record went to the other queue than the one the event asked for."""
    wrong = []
    for q, want_fail in (("ok-q", False), ("fail-q", True)):
        for body in counts[q]:
            o = json.loads(body)
            p = o.get("requestPayload", {})
            if p.get("id") in acked and bool(p.get("fail")) != want_fail:
                ctx = o.get("requestContext", {})
                wrong.append("%s (%s after %s attempts: %s)" % (
                    p.get("id"), ctx.get("condition"), ctx.get("approximateInvokeCount"),
                    json.dumps(o.get("responsePayload"))[:200]))
    return wrong


def missing(ev, acked):
    out = {}
    for path, ids in acked.items():
        for where, seen in ev[path].items():
            gone = [i for i in ids if seen.get(i, 0) < 1]
            if gone:
                out["%s/%s" % (path, where)] = gone
    return out


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LAMBDA_TUTOR")
    t = Tap()
    rng = random.Random(SEED)
    print("# seed %d, %d rounds" % (SEED, ROUNDS), flush=True)
    cloud = Cloud(binary, args=["--time-scale", str(TIME_SCALE)], prefix="crash-harness-")
    ledger = Ledger()
    global ACCOUNT
    try:
        cloud.start()
        ACCOUNT = cloud.account
        cl = Clients(cloud)
        topic = setup(cl)
        t.ok(True, "set up every durable path (queues, functions, mappings, topic, bucket, table, rule)")
        for rnd in range(ROUNDS):
            if rnd > 0 and cloud.start():
                cl = Clients(cloud)
            stop = threading.Event()
            threads = burst(senders(cl, topic), ledger, rnd, stop)
            time.sleep(rng.uniform(0.3, 1.5))
            cloud.kill()
            stop.set()
            for th in threads:
                th.join(60)
        total = sum(len(v) for v in ledger.acked.values())
        t.ok(total > 0 and len(ledger.acked) == len(senders(cl, topic)),
             "%d rounds of bursts, each cut by kill -9: %d requests acknowledged" %
             (ROUNDS, total),
             "acknowledged per path: %r\nerrors: %r" %
             ({p: len(v) for p, v in ledger.acked.items()}, ledger.errors))
        cloud.start()
        cl = Clients(cloud)
        counts = {q: {} for q in QUEUES}
        deadline = time.monotonic() + DRAIN_SECONDS
        while True:
            ev = evidence(cl, counts)
            gone = missing(ev, ledger.acked)
            if not gone or time.monotonic() > deadline:
                break
            time.sleep(1)
        for path in sorted(ledger.acked):
            ids = ledger.acked[path]
            lost = {w: g for w, g in gone.items() if w.startswith(path + "/")}
            t.ok(not lost, "%s: none of %d acknowledged lost" % (path, len(ids)),
                 "\n".join("%s: %d lost, e.g. %s" % (w, len(g), " ".join(g[:8]))
                           for w, g in lost.items()))
            exact = path in ("sqs",)
            over = []
            for where, seen in ev[path].items():
                for i, rnd in ledger.tried[path].items():
                    bound = 1 if exact else 1 + (ROUNDS - rnd)
                    if seen.get(i, 0) > bound:
                        over.append("%s/%s x%d" % (where, i, seen[i]))
            t.ok(not over, "%s: %s" % (path, "exactly once" if exact else
                                       "no more copies than the kills since it was sent"),
                 " ".join(over[:10]))
        wrong = dest_wrong_queue(counts, ledger.acked.get("dest", {}))
        t.ok(not wrong, "dest: each record in the queue its outcome names", " ".join(wrong[:10]))
        bad = []
        for i in ledger.acked.get("s3", {}):
            body = cl.s3.get_object(Bucket="crash-bucket", Key=i)["Body"].read()
            if body != i.encode():
                bad.append(i)
        t.ok(not bad, "s3: every acknowledged object holds exactly what was put", " ".join(bad[:10]))
        missing_items = [i for i in ledger.acked.get("ddb", {})
                         if "Item" not in cl.ddb.get_item(TableName="crash",
                                                          Key={"id": {"S": i}})]
        t.ok(not missing_items, "ddb: every acknowledged item is in the table",
             " ".join(missing_items[:10]))
        t.ok(cloud.stop() == 0, "the cloud stops cleanly after the audit", cloud.log_tail())
    except Exception:
        import traceback
        t.ok(False, "the harness ran", traceback.format_exc() + "\n" + cloud.log_tail())
    finally:
        cloud.cleanup()
    print("1..%d" % t.n, flush=True)
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
