"""SQS FIFO queues through boto3: names and attributes, group and deduplication ids, the
five-minute deduplication window on the account's clock (content-based and by id, per queue or
per group), order within a group and a group closed while a message of it is in flight,
sequence numbers, batches, and AWS's error for each misuse. Run by Debian's Python (botocore
1.29: SQS's query protocol) and the Python on PATH (botocore 1.43: AWS JSON 1.0). Phase "esm"
adds a Lambda mapping on a FIFO queue: in order per group, a failed message holding its group
until it succeeds, partial batch responses, Lambda's limits; the clock moves only by the
settle control. Phase "targets": EventBridge rule targets and Scheduler targets on FIFO queues
with SqsParameters' MessageGroupId. TAP on stdout.
Usage: sqs_fifo.py ENDPOINT WORKSPACE queues|esm|targets"""
import io, json, os, sys, zipfile
import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

E, WS, PHASE = sys.argv[1], sys.argv[2], sys.argv[3]
KEY, SECRET, ACCOUNT = cloudlib.new_account(WS)
kw = dict(endpoint_url=E, region_name="us-east-1", aws_access_key_id=KEY,
          aws_secret_access_key=SECRET)
sqs = boto3.client("sqs", **kw)
n = failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def error(fn, **args):
    """(code, message) of the error fn(**args) raises, or (None, None)."""
    try:
        fn(**args)
    except sqs.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


def refused(label, want_code, want_msg, fn, **args):
    code, msg = error(fn, **args)
    ok(code == want_code and (want_msg is None or msg == want_msg),
       "%s: %s %s" % (label, code, msg))


def control(method, path):
    status, body = cloudlib.control(WS, method, path, timeout=120)
    if status != 200:
        raise RuntimeError("%s %s: %d %s" % (method, path, status, body))
    return json.loads(body) if body else {}


def advance(seconds):
    control("POST", "/_tutor/clock/advance?seconds=%d&account=%s" % (seconds, ACCOUNT))


def settle(advance_s=0):
    r = control("POST", "/_tutor/settle?advance=%d&timeout=120&account=%s" % (advance_s, ACCOUNT))
    ok(r["settled"], "the cloud settles (advance %d s): %s" % (advance_s, r.get("busy", "")))


def count(url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


def receive(url, most=10, **extra):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=most, AttributeNames=["All"],
                               **extra).get("Messages", [])


FIFO_NAME = ("The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
             "underscores, must end with .fifo suffix and be 1 to 80 in length.")

if PHASE == "queues":
    refused("a .fifo name without FifoQueue=true", "InvalidParameterValue", FIFO_NAME,
            sqs.create_queue, QueueName="a.fifo")
    refused("FifoQueue=true without the .fifo suffix", "InvalidParameterValue", FIFO_NAME,
            sqs.create_queue, QueueName="a", Attributes={"FifoQueue": "true"})
    refused("a FIFO name over 80 characters", "InvalidParameterValue", FIFO_NAME,
            sqs.create_queue, QueueName="q" * 76 + ".fifo", Attributes={"FifoQueue": "true"})
    refused("FifoQueue=yes", "InvalidAttributeValue", "Invalid value for the parameter FifoQueue.",
            sqs.create_queue, QueueName="a.fifo", Attributes={"FifoQueue": "yes"})
    refused("ContentBasedDeduplication on a standard queue", "InvalidAttributeName",
            "Unknown Attribute ContentBasedDeduplication.", sqs.create_queue, QueueName="std",
            Attributes={"ContentBasedDeduplication": "true"})
    refused("DeduplicationScope=everything", "InvalidAttributeValue",
            "Invalid value for the parameter DeduplicationScope.", sqs.create_queue,
            QueueName="a.fifo", Attributes={"FifoQueue": "true", "DeduplicationScope": "everything"})
    ok(sqs.list_queues().get("QueueUrls", []) == [], "... and no queue was made")

    std = sqs.create_queue(QueueName="std", Attributes={"FifoQueue": "false"})["QueueUrl"]
    a = sqs.get_queue_attributes(QueueUrl=std, AttributeNames=["All"])["Attributes"]
    ok("FifoQueue" not in a, "FifoQueue=false makes a standard queue, which shows no FIFO attribute")
    q = sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    ok(q.endswith("/" + ACCOUNT + "/orders.fifo"), "a FIFO queue is made: " + q)
    a = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["All"])["Attributes"]
    ok(a.get("FifoQueue") == "true" and a.get("ContentBasedDeduplication") == "false"
       and a.get("DeduplicationScope") == "messageQueue" and a.get("FifoThroughputLimit") == "perQueue",
       "its FIFO attributes and their defaults: %s" % {k: v for k, v in a.items() if "Dedup" in k or "Fifo" in k})
    ok(sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"] == q,
       "creating it again with the same attributes answers its URL")
    refused("SetQueueAttributes FifoQueue", "InvalidAttributeValue",
            "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
            sqs.set_queue_attributes, QueueUrl=q, Attributes={"FifoQueue": "false"})
    refused("a standard dead-letter queue for a FIFO queue", "InvalidParameterValue", None,
            sqs.set_queue_attributes, QueueUrl=q, Attributes={"RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:%s:std" % ACCOUNT, "maxReceiveCount": 2})})
    hi = sqs.create_queue(QueueName="hi.fifo", Attributes={
        "FifoQueue": "true", "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId"})["QueueUrl"]
    a = sqs.get_queue_attributes(QueueUrl=hi, AttributeNames=["DeduplicationScope", "FifoThroughputLimit"])
    ok(a["Attributes"] == {"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"},
       "high throughput mode's settings are kept: %s" % a["Attributes"])

    # Sends: what a FIFO queue needs, and refuses.
    refused("a send without MessageGroupId", "MissingParameter",
            "The request must contain the parameter MessageGroupId.",
            sqs.send_message, QueueUrl=q, MessageBody="x", MessageDeduplicationId="d")
    refused("a send without a deduplication id nor content-based deduplication",
            "InvalidParameterValue",
            "The queue should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly",
            sqs.send_message, QueueUrl=q, MessageBody="x", MessageGroupId="A")
    refused("a per-message delay", "InvalidParameterValue",
            "Value 5 for parameter DelaySeconds is invalid. Reason: The request include "
            "parameter that is not valid for this queue type.",
            sqs.send_message, QueueUrl=q, MessageBody="x", MessageGroupId="A",
            MessageDeduplicationId="d", DelaySeconds=5)
    refused("a group id with a space", "InvalidParameterValue", None, sqs.send_message,
            QueueUrl=q, MessageBody="x", MessageGroupId="a b", MessageDeduplicationId="d")
    refused("a deduplication id on a standard queue", "InvalidParameterValue",
            "Value d for parameter MessageDeduplicationId is invalid. Reason: The request include "
            "parameter that is not valid for this queue type.",
            sqs.send_message, QueueUrl=std, MessageBody="x", MessageDeduplicationId="d")
    ok(count(q) == 0, "... and nothing was queued")
    r = sqs.send_message(QueueUrl=std, MessageBody="fair", MessageGroupId="tenant-1")
    ok("SequenceNumber" not in r, "a standard queue takes a group id (fair queues), with no sequence number")
    m = receive(std)
    ok(len(m) == 1 and m[0]["Attributes"].get("MessageGroupId") == "tenant-1",
       "... and shows it on the message")

    sq = sqs.create_queue(QueueName="seq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    first = sqs.send_message(QueueUrl=sq, MessageBody="s1", MessageGroupId="S",
                             MessageDeduplicationId="s1")["SequenceNumber"]
    for x in receive(sq):
        sqs.delete_message(QueueUrl=sq, ReceiptHandle=x["ReceiptHandle"])
    second = sqs.send_message(QueueUrl=sq, MessageBody="s2", MessageGroupId="S",
                              MessageDeduplicationId="s2")["SequenceNumber"]
    ok(count(sq) == 1 and second > first,
       "a sequence number is never given again, even once the newest message is deleted: %s, %s"
       % (first, second))

    sent = {}
    seqs = []
    for body, group in [("a1", "A"), ("a2", "A"), ("b1", "B"), ("a3", "A"), ("b2", "B")]:
        r = sqs.send_message(QueueUrl=q, MessageBody=body, MessageGroupId=group,
                             MessageDeduplicationId=body)
        sent[body] = r["MessageId"]
        seqs.append(r.get("SequenceNumber", ""))
    ok(all(len(s) == 20 and s.isdigit() for s in seqs) and seqs == sorted(seqs) and len(set(seqs)) == 5,
       "each send answers a 20-digit sequence number, increasing: %s" % seqs[:2])
    r = sqs.send_message(QueueUrl=q, MessageBody="a1 again", MessageGroupId="A",
                         MessageDeduplicationId="a1")
    ok(r["MessageId"] == sent["a1"] and r["SequenceNumber"] == seqs[0],
       "a duplicate within five minutes is accepted and answered as the first")
    ok(count(q) == 5, "... and not queued")

    m = receive(q, 2)
    ok([x["Body"] for x in m] == ["a1", "a2"], "a receive of two gives the first group's first two")
    at = m[0]["Attributes"]
    ok(at.get("MessageGroupId") == "A" and at.get("MessageDeduplicationId") == "a1"
       and at.get("SequenceNumber") == seqs[0],
       "... with MessageGroupId, MessageDeduplicationId and SequenceNumber")
    m2 = receive(q)
    ok([x["Body"] for x in m2] == ["b1", "b2"], "while A's are in flight, group A is closed: %s"
       % [x["Body"] for x in m2])
    ok(receive(q) == [], "... and with B's in flight too, nothing is given")
    for x in m:
        sqs.delete_message(QueueUrl=q, ReceiptHandle=x["ReceiptHandle"])
    m = receive(q, 10, VisibilityTimeout=30)
    ok([x["Body"] for x in m] == ["a3"], "once they are deleted, A's next comes")
    advance(31)
    m = receive(q)
    ok([(x["Body"], x["Attributes"]["ApproximateReceiveCount"]) for x in m]
       == [("b1", "2"), ("b2", "2"), ("a3", "2")],
       "after their visibility timeout they come again, the oldest group first: %s"
       % [x["Body"] for x in m])
    sqs.delete_message_batch(QueueUrl=q, Entries=[
        {"Id": str(i), "ReceiptHandle": x["ReceiptHandle"]} for i, x in enumerate(m)])
    ok(count(q) == 0, "the queue is empty")

    # The window is five minutes of the account's clock.
    r1 = sqs.send_message(QueueUrl=q, MessageBody="w", MessageGroupId="W", MessageDeduplicationId="w")
    advance(299)
    r2 = sqs.send_message(QueueUrl=q, MessageBody="w", MessageGroupId="W", MessageDeduplicationId="w")
    advance(2)
    r3 = sqs.send_message(QueueUrl=q, MessageBody="w", MessageGroupId="W", MessageDeduplicationId="w")
    ok(r1["MessageId"] == r2["MessageId"] != r3["MessageId"],
       "a deduplication id is remembered for five minutes of the clock, not after")
    ok(count(q) == 2, "... so two messages are queued")
    sqs.purge_queue(QueueUrl=q)
    r4 = sqs.send_message(QueueUrl=q, MessageBody="w", MessageGroupId="W", MessageDeduplicationId="w")
    ok(r4["MessageId"] != r3["MessageId"] and count(q) == 1,
       "a purged queue forgets its deduplication ids: the same id again is a new message")
    refused("a second purge within a minute of the clock", "AWS.SimpleQueueService.PurgeQueueInProgress",
            "Only one PurgeQueue operation on %s is allowed every 60 seconds." % q.rsplit("/", 1)[1],
            sqs.purge_queue, QueueUrl=q)
    advance(60)
    sqs.purge_queue(QueueUrl=q)

    # Content-based deduplication: the body's SHA-256.
    cbd = sqs.create_queue(QueueName="cbd.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    ids = [sqs.send_message(QueueUrl=cbd, MessageBody=b, MessageGroupId="G")["MessageId"]
           for b in ("same", "same", "other")]
    ok(ids[0] == ids[1] != ids[2] and count(cbd) == 2, "content-based deduplication by the body")
    m = receive(cbd)
    import hashlib
    ok(m[0]["Attributes"].get("MessageDeduplicationId") == hashlib.sha256(b"same").hexdigest(),
       "... whose deduplication id is the body's SHA-256")
    r = sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="G",
                         MessageDeduplicationId="explicit")
    ok(r["MessageId"] not in ids, "an explicit id takes the place of the body's hash")

    # Deduplication per group (high throughput mode).
    ids = [sqs.send_message(QueueUrl=hi, MessageBody="x", MessageGroupId=g,
                            MessageDeduplicationId="same")["MessageId"] for g in ("G1", "G2", "G1")]
    ok(ids[0] != ids[1] and ids[2] == ids[0] and count(hi) == 2,
       "with DeduplicationScope=messageGroup an id is deduplicated within its group only")

    # Batches: an entry without its group fails the whole batch, as SQS answers it.
    before = count(q)
    refused("a FIFO batch with an entry lacking MessageGroupId", "InvalidParameterValue",
            "The request must contain the parameter MessageGroupId.", sqs.send_message_batch,
            QueueUrl=q, Entries=[
                {"Id": "1", "MessageBody": "p", "MessageGroupId": "P", "MessageDeduplicationId": "p1"},
                {"Id": "2", "MessageBody": "p", "MessageDeduplicationId": "p2"}])
    ok(count(q) == before, "... and none of its entries is sent")
    r = sqs.send_message_batch(QueueUrl=q, Entries=[
        {"Id": "1", "MessageBody": "p", "MessageGroupId": "P", "MessageDeduplicationId": "p1"},
        {"Id": "2", "MessageBody": "p", "MessageGroupId": "P", "MessageDeduplicationId": "p2",
         "DelaySeconds": 5},
        {"Id": "3", "MessageBody": "p", "MessageGroupId": "P", "MessageDeduplicationId": "p3"}])
    good = {e["Id"]: e for e in r.get("Successful", [])}
    bad = {e["Id"]: e for e in r.get("Failed", [])}
    ok(sorted(good) == ["1", "3"] and "SequenceNumber" in good["1"]
       and bad.get("2", {}).get("Code") == "InvalidParameterValue" and bad["2"].get("SenderFault"),
       "otherwise a batch sends the good entries, with sequence numbers, and fails the bad one")

    # ReceiveRequestAttemptId: a receive retried with its id answers what it answered, for
    # five minutes of the clock, while none of its messages was deleted or changed.
    ra = sqs.create_queue(QueueName="retry.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true",
        "VisibilityTimeout": "60"})["QueueUrl"]
    for b in ("r1", "r2", "r3"):
        sqs.send_message(QueueUrl=ra, MessageBody=b, MessageGroupId="R")
    handles = lambda ms: [(x["Body"], x["ReceiptHandle"]) for x in ms]
    first = receive(ra, 2, ReceiveRequestAttemptId="try-1")
    again = receive(ra, 2, ReceiveRequestAttemptId="try-1")
    ok(len(first) == 2 and handles(again) == handles(first)
       and again[0]["Attributes"]["ApproximateReceiveCount"] == "1",
       "a receive retried with its ReceiveRequestAttemptId answers the same messages and "
       "receipt handles, not counted again: %s" % [x["Body"] for x in again])
    ok(receive(ra, 10, ReceiveRequestAttemptId="try-2") == [],
       "another attempt id is a new receive: the group is in flight")
    advance(50)
    ok(handles(receive(ra, 2, ReceiveRequestAttemptId="try-1")) == handles(first),
       "... retried 50 s later, the same again")
    advance(50)
    ok(receive(ra, 10) == [],
       "the retry started their visibility timeout again: 100 s after the first receive "
       "(timeout 60 s) they are still in flight")
    sqs.delete_message(QueueUrl=ra, ReceiptHandle=first[0]["ReceiptHandle"])
    refused("a retry once one of its messages is deleted", "InvalidParameterValue",
            "Value try-1 for parameter ReceiveRequestAttemptId is invalid. Reason: The "
            "receiveRequestAttemptId is not valid anymore since the receive call is not retryable.",
            sqs.receive_message, QueueUrl=ra, ReceiveRequestAttemptId="try-1")
    advance(301)
    m = receive(ra, 10, ReceiveRequestAttemptId="try-1")
    ok([(x["Body"], x["Attributes"]["ApproximateReceiveCount"]) for x in m]
       == [("r2", "2"), ("r3", "1")],
       "five minutes on, the id is forgotten: a new receive: %s" % [x["Body"] for x in m])
    refused("an attempt id of 129 characters", "InvalidParameterValue", None,
            sqs.receive_message, QueueUrl=ra, ReceiveRequestAttemptId="x" * 129)
    sqs.purge_queue(QueueUrl=std)
    for b in ("s1", "s2"):
        sqs.send_message(QueueUrl=std, MessageBody=b)
    got = [x["Body"] for x in receive(std, 1, ReceiveRequestAttemptId="s")
           + receive(std, 1, ReceiveRequestAttemptId="s")]
    ok(sorted(got) == ["s1", "s2"], "a standard queue ignores the attempt id: %s" % got)
elif PHASE == "esm":
    lam = boto3.client("lambda", **kw)
    ddb = boto3.client("dynamodb", **kw)
    # The function logs each body under its group, in the order it handles them; a body
    # "bad" fails on its first delivery. It stops a group at its first failure, returning that
    # message and the group's later ones, as Lambda asks of FIFO partial batch responses.
    HANDLER = r'''
import boto3
log = boto3.resource("dynamodb").Table("fifo_log")
def handler(event, context):
    failed, stopped = [], set()
    for r in event["Records"]:
        a = r["attributes"]
        group = a["MessageGroupId"]
        if group in stopped or (r["body"] == "bad" and a["ApproximateReceiveCount"] == "1"):
            stopped.add(group)
            failed.append({"itemIdentifier": r["messageId"]})
            continue
        log.update_item(Key={"id": group},
                        UpdateExpression="SET seen = list_append(if_not_exists(seen, :e), :b)",
                        ExpressionAttributeValues={":e": [], ":b": [r["body"] + "#" + a["SequenceNumber"][-4:]]})
    return {"batchItemFailures": failed}
'''
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("f.py", HANDLER)
    ddb.create_table(TableName="fifo_log", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    lam.create_function(FunctionName="f", Runtime="python3.12", Handler="f.handler", Timeout=30,
                        Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
    q = sqs.create_queue(QueueName="jobs.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "30"})["QueueUrl"]
    arn = "arn:aws:sqs:us-east-1:%s:jobs.fifo" % ACCOUNT

    for label, args, msg in [
            ("a batching window", dict(BatchSize=5, MaximumBatchingWindowInSeconds=5),
             "Batching window is not supported for FIFO queues"),
            ("a batch of 11", dict(BatchSize=11),
             "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")]:
        try:
            lam.create_event_source_mapping(FunctionName="f", EventSourceArn=arn, **args)
            ok(False, "a FIFO mapping with %s is refused" % label)
        except lam.exceptions.ClientError as e:
            ok(e.response["Error"]["Code"] == "InvalidParameterValueException"
               and e.response["Error"]["Message"] == msg,
               "a FIFO mapping with %s is refused: %s" % (label, e.response["Error"]["Message"]))
    ok(lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == [],
       "... and none is made")

    # Lambda sends async records and dead letters with no message group: no FIFO queue.
    try:
        lam.put_function_event_invoke_config(
            FunctionName="f", DestinationConfig={"OnFailure": {"Destination": arn}})
        ok(False, "a FIFO queue as an on-failure destination is refused")
    except lam.exceptions.ClientError as e:
        ok(e.response["Error"]["Code"] == "InvalidParameterValueException"
           and e.response["Error"]["Message"] == "The destination ARN %s is invalid." % arn,
           "a FIFO queue as an on-failure destination is refused: %s" % e.response["Error"]["Message"])
    try:
        lam.update_function_configuration(FunctionName="f", DeadLetterConfig={"TargetArn": arn})
        ok(False, "a FIFO queue as the dead-letter queue is refused")
    except lam.exceptions.ClientError as e:
        ok(e.response["Error"]["Code"] == "InvalidParameterValueException",
           "a FIFO queue as the dead-letter queue is refused: %s" % e.response["Error"]["Message"])
    cfg = lam.get_function_configuration(FunctionName="f")
    ok("DeadLetterConfig" not in cfg or not cfg["DeadLetterConfig"].get("TargetArn"),
       "... and the function keeps no dead-letter queue")

    def seen(group):
        item = ddb.get_item(TableName="fifo_log", Key={"id": {"S": group}}).get("Item", {})
        return [v["S"].split("#")[0] for v in item.get("seen", {}).get("L", [])]

    def seqs(group):
        item = ddb.get_item(TableName="fifo_log", Key={"id": {"S": group}}).get("Item", {})
        return [v["S"].split("#")[1] for v in item.get("seen", {}).get("L", [])]

    # Sent before the mapping exists, so its first batch holds them all.
    for body, group in [("a1", "A"), ("b1", "B"), ("bad", "A"), ("b2", "B"), ("a3", "A"),
                        ("b3", "B"), ("a4", "A")]:
        sqs.send_message(QueueUrl=q, MessageBody=body, MessageGroupId=group)
    m = lam.create_event_source_mapping(FunctionName="f", EventSourceArn=arn, BatchSize=10,
                                        FunctionResponseTypes=["ReportBatchItemFailures"])
    ok(m["BatchSize"] == 10, "a FIFO mapping with batch size 10 and partial batch responses")
    settle()
    ok(seen("B") == ["b1", "b2", "b3"], "group B is handled in order: %s" % seen("B"))
    ok(seen("A") == ["a1"], "group A stops at its failed message: %s" % seen("A"))
    sqs.send_message(QueueUrl=q, MessageBody="a5", MessageGroupId="A")
    sqs.send_message(QueueUrl=q, MessageBody="b4", MessageGroupId="B")
    settle()
    ok(seen("B") == ["b1", "b2", "b3", "b4"], "later messages of another group go through")
    ok(seen("A") == ["a1"], "while the failed message is in flight its group waits: %s" % seen("A"))
    settle(31)
    ok(seen("A") == ["a1", "bad", "a3", "a4", "a5"],
       "after its visibility timeout it is retried, then the rest of its group, in order: %s" % seen("A"))
    s = seqs("A")
    ok(s == sorted(s), "... in the order of their sequence numbers")
    ok(count(q) == 0, "the queue is empty")
    lam.delete_event_source_mapping(UUID=m["UUID"])

if PHASE == "targets":
    ev = boto3.client("events", **kw)
    sch = boto3.client("scheduler", **kw)
    cbd = sqs.create_queue(QueueName="t.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    plain = sqs.create_queue(QueueName="nocbd.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    cbd_arn = "arn:aws:sqs:us-east-1:%s:t.fifo" % ACCOUNT
    plain_arn = "arn:aws:sqs:us-east-1:%s:nocbd.fifo" % ACCOUNT
    ev.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    for arn in (cbd_arn, plain_arn):
        cloudlib.allow_service(sqs, arn, "events",
                               "arn:aws:events:us-east-1:%s:rule/orders" % ACCOUNT)
    try:
        ev.put_targets(Rule="orders", Targets=[{"Id": "q", "Arn": cbd_arn}])
        ok(False, "a FIFO queue target without SqsParameters is refused")
    except ev.exceptions.ClientError as e:
        ok(e.response["Error"]["Code"] == "ValidationException" and e.response["Error"]["Message"]
           == "Parameter(s) SqsParameters must be specified for target: q.",
           "a FIFO queue target without SqsParameters is refused: %s" % e.response["Error"]["Message"])
    ok(ev.list_targets_by_rule(Rule="orders")["Targets"] == [], "... and none is added")
    r = ev.put_targets(Rule="orders", Targets=[
        {"Id": "q", "Arn": cbd_arn, "SqsParameters": {"MessageGroupId": "orders"}},
        {"Id": "p", "Arn": plain_arn, "SqsParameters": {"MessageGroupId": "orders"}}])
    ok(r["FailedEntryCount"] == 0, "FIFO queue targets with a MessageGroupId are taken")
    t = {x["Id"]: x for x in ev.list_targets_by_rule(Rule="orders")["Targets"]}
    ok(t["q"].get("SqsParameters") == {"MessageGroupId": "orders"},
       "list-targets-by-rule shows the group: %s" % t["q"])
    for i in range(2):
        ev.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": json.dumps({"n": i})}])
    settle()
    got = receive(cbd)
    ok(len(got) == 2 and all(m["Attributes"]["MessageGroupId"] == "orders" for m in got),
       "each event reaches the FIFO queue in the target's group: %s" %
       [m["Attributes"].get("MessageGroupId") for m in got])
    ok([json.loads(m["Body"])["detail"]["n"] for m in got] == [0, 1], "... in order")
    ok(count(plain) == 0,
       "a FIFO queue without content-based deduplication gets no event (AWS requires it)")
    for m in got:
        sqs.delete_message(QueueUrl=cbd, ReceiptHandle=m["ReceiptHandle"])

    role = "arn:aws:iam::%s:role/scheduler" % ACCOUNT
    try:
        sch.create_schedule(Name="plain", ScheduleExpression="rate(1 hour)",
                            FlexibleTimeWindow={"Mode": "OFF"},
                            Target={"Arn": "arn:aws:sqs:us-east-1:%s:q" % ACCOUNT,
                                    "RoleArn": role, "SqsParameters": {"MessageGroupId": "x"}})
        ok(False, "a MessageGroupId for a standard queue is refused")
    except sch.exceptions.ClientError as e:
        ok(e.response["Error"]["Code"] == "ValidationException",
           "a MessageGroupId for a standard queue is refused: %s" % e.response["Error"]["Message"])
    sch.create_schedule(Name="tick", ScheduleExpression="rate(1 hour)",
                        FlexibleTimeWindow={"Mode": "OFF"},
                        Target={"Arn": cbd_arn, "RoleArn": role, "Input": "tick",
                                "SqsParameters": {"MessageGroupId": "ticks"}})
    settle()
    got = receive(cbd)
    ok(len(got) == 1 and got[0]["Body"] == "tick"
       and got[0]["Attributes"]["MessageGroupId"] == "ticks",
       "a schedule sends to the FIFO queue in its SqsParameters' group: %s" %
       [(m["Body"], m["Attributes"].get("MessageGroupId")) for m in got])
    sch.delete_schedule(Name="tick")
print("1..%d" % n)
sys.exit(1 if failed else 0)
