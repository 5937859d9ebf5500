"""SQS -> Lambda through an event source mapping, driven by boto3, for the crash test and the
benchmark. Subcommands (ENDPOINT first):

  setup ENDPOINT N BATCH [DELAY] queues work/done, a function that sleeps DELAY s and copies
                                each body to done, N messages in work, then the mapping
  left ENDPOINT                 messages in work, visible or in flight
  drain ENDPOINT TIMEOUT        wait until work is empty; print the seconds it took
  count ENDPOINT QUEUE          ApproximateNumberOfMessages of QUEUE
  audit ENDPOINT N              every message 0..N-1 is in done, work or work-dlq: print
                                "lost L duplicates D"
"""
import io, os, sys, time, zipfile
import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

def clients(endpoint):
    # The key pair is the environment's (cloud_lib.sh exports the learner's).
    kw = dict(endpoint_url=endpoint, region_name="us-east-1")
    return boto3.client("sqs", **kw), boto3.client("lambda", **kw)

HANDLER = """
import time, boto3
sqs = boto3.client("sqs")
url = None
def lambda_handler(event, context):
    global url
    time.sleep(DELAY)
    if RECORD:
        if url is None:
            url = sqs.get_queue_url(QueueName="done")["QueueUrl"]
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": r["body"]} for i, r in enumerate(event["Records"])])
    return {"batchItemFailures": []}
"""

def setup(endpoint, n, batch, record=True, delay=0.0):
    sqs, lam = clients(endpoint)
    work = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    sqs.create_queue(QueueName="done")
    sqs.create_queue(QueueName="work-dlq")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lambda_function.py", HANDLER.replace("RECORD", str(record)).replace("DELAY", repr(delay)))
    lam.create_function(FunctionName="copier", Runtime="python3.12", Timeout=30,
                        Handler="lambda_function.lambda_handler",
                        Role=cloudlib.role_for(lam),
                        Code={"ZipFile": buf.getvalue()})
    for start in range(0, n, 10):
        sqs.send_message_batch(QueueUrl=work, Entries=[
            {"Id": str(i), "MessageBody": "m%06d" % i} for i in range(start, min(n, start + 10))])
    arn = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(FunctionName="copier", EventSourceArn=arn, BatchSize=batch,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])

def counts(sqs, name):
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

def drain(endpoint, timeout, t0=None):
    sqs, _ = clients(endpoint)
    t0 = t0 or time.monotonic()
    while time.monotonic() - t0 < timeout:
        if counts(sqs, "work") == (0, 0):
            return time.monotonic() - t0
        time.sleep(0.02)
    return None

def audit(endpoint, n):
    sqs, _ = clients(endpoint)
    seen = {}
    for name in ("done", "work", "work-dlq"):
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        while True:
            ms = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                     VisibilityTimeout=3600).get("Messages", [])
            if not ms:
                break
            for m in ms:
                seen[m["Body"]] = seen.get(m["Body"], 0) + 1
    lost = sum(1 for i in range(n) if "m%06d" % i not in seen)
    dup = sum(c - 1 for c in seen.values() if c > 1)
    print("lost %d duplicates %d" % (lost, dup))

if __name__ == "__main__":
    cmd, endpoint = sys.argv[1], sys.argv[2]
    if cmd == "setup":
        setup(endpoint, int(sys.argv[3]), int(sys.argv[4]), True,
              float(sys.argv[5]) if len(sys.argv) > 5 else 0.0)
    elif cmd == "drain":
        took = drain(endpoint, float(sys.argv[3]))
        print("timeout" if took is None else "%.3f" % took)
    elif cmd == "count":
        sqs, _ = clients(endpoint)
        print(counts(sqs, sys.argv[3])[0])
    elif cmd == "left":
        sqs, _ = clients(endpoint)
        print(sum(counts(sqs, "work")))
    elif cmd == "audit":
        audit(endpoint, int(sys.argv[3]))
