"""Resource-based policies in the router's decision, through boto3: a bucket policy, a queue
policy and a topic policy each allow what the caller's identity policies do not within its
account, open the resource to another account (whose identity must allow too), and deny
explicitly over any allow; AWS's denial messages name which kind of policy was missing. With
--esm, an SQS event source mapping stops polling while its function's execution role may not
receive from the queue (its LastProcessingResult says why) and goes on once it may.
TAP on stdout.

Usage: iam_resource.py ENDPOINT WORKSPACE [--esm]
"""
import json
import os
import sys
import time

import boto3
import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

endpoint, ws = sys.argv[1], sys.argv[2]
esm = "--esm" in sys.argv[3:]
n = failed = 0


def ok(cond, what, detail=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)
    if not cond and detail is not None:
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)


def error_of(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def client(service, k, s):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=k, aws_secret_access_key=s)


# Two accounts: the owner (A) of a bucket, a queue and a topic, and another (B). Each has a
# user with no identity policy of its own, and B a user allowed everything.
ka, sa, a = cloudlib.new_account(ws)
kb, sb, b = cloudlib.new_account(ws)


def user(k, s, name, policy=None):
    iam = client("iam", k, s)
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


ALL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
a_none = user(ka, sa, "reader")
a_all = user(ka, sa, "admin", ALL)
b_none = user(kb, sb, "guest")
b_all = user(kb, sb, "partner", ALL)
ua, ub_root, ub_none, ub_all = ("arn:aws:iam::%s:user/reader" % a, "arn:aws:iam::%s:root" % b,
                                "arn:aws:iam::%s:user/guest" % b,
                                "arn:aws:iam::%s:user/partner" % b)

# ---- S3: a bucket policy ----
bucket = "rp-%s" % a
s3a = client("s3", ka, sa)
s3a.create_bucket(Bucket=bucket)
s3a.put_object(Bucket=bucket, Key="in/a.txt", Body=b"hello")
obj = 'resource: "arn:aws:s3:::%s/in/a.txt"' % bucket


def get_as(creds):
    return error_of(lambda: client("s3", *creds).get_object(Bucket=bucket, Key="in/a.txt"))


# A copy reads its source: s3:PutObject on the target is not enough without s3:GetObject on
# the object copied (CopyObject and UploadPartCopy alike).
writer = user(ka, sa, "writer", doc({"Effect": "Allow", "Action": "s3:PutObject",
                                      "Resource": "arn:aws:s3:::%s/out/*" % bucket}))
s3w = client("s3", *writer)
src = {"Bucket": bucket, "Key": "in/a.txt"}
code, msg = error_of(lambda: s3w.copy_object(Bucket=bucket, Key="out/c.txt", CopySource=src))
ok(code == "AccessDenied" and "s3:GetObject on %s" % obj in (msg or ""),
   "S3: CopyObject without s3:GetObject on its source is AccessDenied", (code, msg))
up = s3a.create_multipart_upload(Bucket=bucket, Key="out/p.txt")["UploadId"]
code, msg = error_of(lambda: s3w.upload_part_copy(Bucket=bucket, Key="out/p.txt", UploadId=up,
                                                  PartNumber=1, CopySource=src))
ok(code == "AccessDenied" and "s3:GetObject on %s" % obj in (msg or ""),
   "S3: UploadPartCopy without s3:GetObject on its source is AccessDenied", (code, msg))
client("iam", ka, sa).put_user_policy(UserName="writer", PolicyName="read", PolicyDocument=doc(
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/in/*" % bucket}))
code, msg = error_of(lambda: s3w.upload_part_copy(Bucket=bucket, Key="out/p.txt", UploadId=up,
                                                  PartNumber=1, CopySource=src))
ok(code is None, "S3: ... and copies with s3:GetObject on the source", (code, msg))
s3a.abort_multipart_upload(Bucket=bucket, Key="out/p.txt", UploadId=up)

code, msg = get_as(a_none)
ok((code, msg) == ("AccessDenied", "User: %s is not authorized to perform: s3:GetObject on %s "
                   "because no identity-based policy allows the s3:GetObject action" % (ua, obj)),
   "S3: a user of the owner's account with no policy: no identity-based policy allows",
   (code, msg))
code, msg = get_as((kb, sb))
ok((code, msg) == ("AccessDenied", "User: %s is not authorized to perform: s3:GetObject on %s "
                   "because no resource-based policy allows the s3:GetObject action"
                   % (ub_root, obj)),
   "S3: another account's root: no resource-based policy allows", (code, msg))
for bad, want in (
        ("not json", "Policies must be valid JSON and the first byte must be '{'"),
        (doc({"Effect": "Allow", "Action": "s3:GetObject",
              "Resource": "arn:aws:s3:::%s/*" % bucket}), "Missing required field Principal"),
        (doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
              "Resource": "arn:aws:s3:::another-bucket/*"}), "Policy has invalid resource"),
        (doc({"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
              "Resource": "arn:aws:s3:::%s/*" % bucket}), "Policy has invalid action"),
        (doc({"Effect": "Allow", "Principal": "*", "Action": ["s3:Get*", "s3:Frobnicate"],
              "Resource": "arn:aws:s3:::%s/*" % bucket}), "Policy has invalid action"),
        (doc({"Effect": "Maybe", "Principal": "*", "Action": "s3:GetObject",
              "Resource": "arn:aws:s3:::%s/*" % bucket}), "Invalid effect: Maybe")):
    code, msg = error_of(lambda: s3a.put_bucket_policy(Bucket=bucket, Policy=bad))
    ok((code, msg) == ("MalformedPolicy", want),
       "S3: PutBucketPolicy validates the document: %s" % want, (code, msg))
s3a.put_bucket_policy(Bucket=bucket, Policy=doc(
    {"Sid": "Reader", "Effect": "Allow", "Principal": {"AWS": ua}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::%s/in/*" % bucket},
    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": b},
     "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::%s" % bucket, "arn:aws:s3:::%s/in/*" % bucket]},
    {"Sid": "NoWrites", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::%s/locked/*" % bucket}))
code, _ = get_as(a_none)
ok(code is None, "S3: the bucket policy naming the user lets it read (same account: either "
   "policy may allow)", code)
code, _ = get_as((kb, sb))
ok(code is None, "S3: the bucket policy naming the other account lets its root read", code)
s3b = client("s3", *b_all)
s3b.put_object(Bucket=bucket, Key="in/from-b.txt", Body=b"b")
body = s3a.get_object(Bucket=bucket, Key="in/from-b.txt")["Body"].read()
keys = [o["Key"] for o in s3b.list_objects_v2(Bucket=bucket).get("Contents", [])]
ok(body == b"b" and "in/from-b.txt" in keys,
   "S3: ... and its allowed user writes into the owner's bucket and lists it", (body, keys))
code, msg = get_as(b_none)
ok((code, msg) == ("AccessDenied", "User: %s is not authorized to perform: s3:GetObject on %s "
                   "because no identity-based policy allows the s3:GetObject action"
                   % (ub_none, obj)),
   "S3: across accounts both must allow: a user of B with no policy is refused", (code, msg))
code, msg = error_of(lambda: client("s3", *a_all).put_object(
    Bucket=bucket, Key="locked/x", Body=b"x"))
ok(code == "AccessDenied" and msg.endswith("with an explicit deny in a resource-based policy"),
   "S3: a Deny in the bucket policy wins over the user's allow-everything", (code, msg))
code, msg = error_of(lambda: s3a.put_object(Bucket=bucket, Key="locked/x", Body=b"x"))
ok(code == "AccessDenied" and msg.endswith("with an explicit deny in a resource-based policy"),
   "S3: ... and over the owner account's root too", (code, msg))
pol = s3a.get_bucket_policy(Bucket=bucket)["Policy"]
ok("NoWrites" in pol, "S3: the root may still read (and so mend) the bucket policy", pol)

# ---- SQS: a queue policy ----
sqsa = client("sqs", ka, sa)
qurl = sqsa.create_queue(QueueName="shared")["QueueUrl"]
qarn = "arn:aws:sqs:us-east-1:%s:shared" % a
code, msg = error_of(lambda: client("sqs", *b_all).send_message(QueueUrl=qurl, MessageBody="x"))
ok(code == "AccessDenied" and "not authorized to perform: sqs:SendMessage on resource: %s "
   "because no resource-based policy allows the sqs:SendMessage action" % qarn in msg,
   "SQS: another account's user may not send without a queue policy", (code, msg))
sqsa.add_permission(QueueUrl=qurl, Label="partner", AWSAccountIds=[b],
                    Actions=["SendMessage"])
client("sqs", *b_all).send_message(QueueUrl=qurl, MessageBody="from b")
got = sqsa.receive_message(QueueUrl=qurl, WaitTimeSeconds=1).get("Messages", [])
ok([m["Body"] for m in got] == ["from b"],
   "SQS: AddPermission lets the other account send; the message is in the owner's queue", got)
code, msg = error_of(lambda: client("sqs", *b_all).receive_message(QueueUrl=qurl))
ok(code == "AccessDenied" and "because no resource-based policy allows the "
   "sqs:ReceiveMessage action" in msg, "SQS: ... and nothing it was not granted", (code, msg))
sqsa.set_queue_attributes(QueueUrl=qurl, Attributes={"Policy": doc(
    {"Effect": "Allow", "Principal": {"AWS": ua}, "Action": "sqs:*", "Resource": qarn},
    {"Effect": "Deny", "Principal": {"AWS": ua}, "Action": "sqs:PurgeQueue",
     "Resource": qarn})})
sqsr = client("sqs", *a_none)
sqsr.send_message(QueueUrl=qurl, MessageBody="from reader")
code, msg = error_of(lambda: sqsr.purge_queue(QueueUrl=qurl))
ok(code == "AccessDenied" and msg.endswith("with an explicit deny in a resource-based policy"),
   "SQS: a queue policy lets a user without policies send, and denies what it denies",
   (code, msg))

# ---- SNS: a topic policy ----
snsa = client("sns", ka, sa)
tarn = snsa.create_topic(Name="alerts")["TopicArn"]
inbox = sqsa.create_queue(QueueName="inbox")["QueueUrl"]
snsa.subscribe(TopicArn=tarn, Protocol="sqs",
               Endpoint="arn:aws:sqs:us-east-1:%s:inbox" % a)
snsa.publish(TopicArn=tarn, Message="before")
got = sqsa.receive_message(QueueUrl=inbox).get("Messages", [])
ok(got == [], "SNS to a queue of its own account without a queue policy: nothing arrives, "
   "as in AWS", got)
iarn = "arn:aws:sqs:us-east-1:%s:inbox" % a
sqsa.set_queue_attributes(QueueUrl=inbox, Attributes={"Policy": doc(
    {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
     "Action": "sqs:SendMessage", "Resource": iarn,
     "Condition": {"ArnEquals": {"aws:SourceArn": tarn}}})})
code, msg = error_of(lambda: sqsa.set_queue_attributes(QueueUrl=inbox, Attributes={
    "Policy": '{"Statement":[{"Effect":"Allow","Action":"sqs:*"}]}'}))
ok(code == "InvalidAttributeValue" and msg == "Invalid value for the parameter Policy.",
   "SQS: a queue policy IAM would not read is refused with SQS's words", (code, msg))
code, msg = error_of(lambda: snsa.set_topic_attributes(
    TopicArn=tarn, AttributeName="Policy", AttributeValue='{"Statement":"x"}'))
ok(code == "InvalidParameter" and msg == "Invalid parameter: Policy Error: null",
   "SNS: a topic policy IAM would not read is refused with SNS's words", (code, msg))
out_of_scope = "Invalid parameter: Policy statement action out of service scope!"
for actions in ("sqs:SendMessage", ["SNS:Publish", "sqs:*"], "sns:SetSubscriptionAttributes"):
    code, msg = error_of(lambda: snsa.set_topic_attributes(
        TopicArn=tarn, AttributeName="Policy", AttributeValue=doc(
            {"Effect": "Allow", "Principal": "*", "Action": actions, "Resource": tarn})))
    ok((code, msg) == ("InvalidParameter", out_of_scope),
       "SNS: a topic policy with an action out of SNS's topic scope (%s) is refused" % actions,
       (code, msg))
code, msg = error_of(lambda: snsa.create_topic(Name="scoped", Attributes={"Policy": doc(
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": tarn})}))
ok((code, msg) == ("InvalidParameter", out_of_scope),
   "SNS: ... in CreateTopic's Attributes too", (code, msg))
ok("Policy" not in snsa.get_topic_attributes(TopicArn=tarn)["Attributes"] or
   "__default_policy_ID" in snsa.get_topic_attributes(TopicArn=tarn)["Attributes"]["Policy"],
   "SNS: ... and the topic keeps its default policy")
# The default policy grants the owner's account (AWS:SourceOwner): a user of it without any
# policy of its own may publish.
snsr = client("sns", *a_none)
code, msg = error_of(lambda: snsr.publish(TopicArn=tarn, Message="from reader"))
ok(code is None, "SNS: the default topic policy lets a user of the owner's account with no "
   "policy publish (AWS:SourceOwner)", (code, msg))
body = None
for _ in range(50):
    got = sqsa.receive_message(QueueUrl=inbox, WaitTimeSeconds=1).get("Messages", [])
    if got:
        body = json.loads(got[0]["Body"]).get("Message")
        sqsa.delete_message(QueueUrl=inbox, ReceiptHandle=got[0]["ReceiptHandle"])
        break
ok(body == "from reader", "SNS: ... and the subscriber gets it", body)
code, msg = error_of(lambda: snsr.create_topic(Name="readers-own"))
ok(code == "AuthorizationError" and msg.endswith(
   "because no identity-based policy allows the sns:CreateTopic action"),
   "SNS: ... but not what no topic's policy covers", (code, msg))
snsa.set_topic_attributes(TopicArn=tarn, AttributeName="Policy", AttributeValue=doc(
    {"Effect": "Allow", "Principal": "*", "Action": ["sns:Get*", "SNS:Subscribe"],
     "Resource": tarn, "Condition": {"StringEquals": {"AWS:SourceOwner": a}}}))
ok(snsr.get_topic_attributes(TopicArn=tarn)["Attributes"]["TopicArn"] == tarn,
   "SNS: a policy of its own with wildcard SNS actions and AWS:SourceOwner is taken and lets "
   "the user read the topic")
code, msg = error_of(lambda: snsr.publish(TopicArn=tarn, Message="again"))
ok(code == "AuthorizationError", "SNS: ... but no longer publish", (code, msg))
code, msg = error_of(lambda: client("sns", *b_all).get_topic_attributes(TopicArn=tarn))
ok(code == "AuthorizationError" and msg.endswith(
   "because no resource-based policy allows the sns:GetTopicAttributes action"),
   "SNS: AWS:SourceOwner is the caller's account: another account's user is not granted",
   (code, msg))
snsb = client("sns", *b_all)
code, msg = error_of(lambda: snsb.publish(TopicArn=tarn, Message="hi"))
ok(code == "AuthorizationError" and "not authorized to perform: sns:Publish on resource: %s "
   "because no resource-based policy allows the sns:Publish action" % tarn in msg,
   "SNS: another account may not publish without a topic policy", (code, msg))
snsa.set_topic_attributes(TopicArn=tarn, AttributeName="Policy", AttributeValue=doc(
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % b},
     "Action": "sns:Publish", "Resource": tarn}))
snsb.publish(TopicArn=tarn, Message="hi from b")
body = None
for _ in range(50):
    got = sqsa.receive_message(QueueUrl=inbox, WaitTimeSeconds=1).get("Messages", [])
    if got:
        body = json.loads(got[0]["Body"]).get("Message")
        break
ok(body == "hi from b", "SNS: the topic policy lets the other account publish; the owner's "
   "subscriber gets it", body)
code, msg = error_of(lambda: snsb.set_topic_attributes(
    TopicArn=tarn, AttributeName="DisplayName", AttributeValue="x"))
ok(code == "AuthorizationError", "SNS: ... and nothing else", (code, msg))
snsa.add_permission(TopicArn=tarn, Label="sub-b", AWSAccountId=[b], ActionName=["Subscribe"])
pol = json.loads(snsa.get_topic_attributes(TopicArn=tarn)["Attributes"]["Policy"])
mine = [st for st in pol["Statement"] if st.get("Sid") == "sub-b"]
ok(mine == [{"Sid": "sub-b", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % b},
             "Action": "SNS:Subscribe", "Resource": tarn}] and len(pol["Statement"]) == 2,
   "SNS: add_permission adds SNS's statement to the topic's own policy", pol)
snsa.remove_permission(TopicArn=tarn, Label="sub-b")
pol = json.loads(snsa.get_topic_attributes(TopicArn=tarn)["Attributes"]["Policy"])
ok([st.get("Sid") for st in pol["Statement"]] == [None],
   "SNS: remove_permission takes it out again", pol)

# ---- Services delivering: sns.amazonaws.com and s3.amazonaws.com need the queue's policy ----
snsb_root = client("sns", kb, sb)
btopic = snsb_root.create_topic(Name="feed")["TopicArn"]
feed = sqsa.create_queue(QueueName="feed")["QueueUrl"]
farn = "arn:aws:sqs:us-east-1:%s:feed" % a
snsb_root.subscribe(TopicArn=btopic, Protocol="sqs", Endpoint=farn)
snsb_root.publish(TopicArn=btopic, Message="m1")
got = sqsa.receive_message(QueueUrl=feed).get("Messages", [])
ok(got == [], "SNS to another account's queue: without the queue's policy nothing arrives", got)


def from_sns(source):
    return {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": farn,
            "Condition": {"ArnEquals": {"aws:SourceArn": source}}}


sqsa.set_queue_attributes(QueueUrl=feed, Attributes={"Policy": doc(from_sns(btopic))})
snsb_root.publish(TopicArn=btopic, Message="m2")
got = sqsa.receive_message(QueueUrl=feed, WaitTimeSeconds=1).get("Messages", [])
ok([json.loads(m["Body"]).get("Message") for m in got] == ["m2"],
   "... with a policy letting sns.amazonaws.com send for that topic (aws:SourceArn), it does",
   got)
for m in got:
    sqsa.delete_message(QueueUrl=feed, ReceiptHandle=m["ReceiptHandle"])
snsa.subscribe(TopicArn=tarn, Protocol="sqs", Endpoint=farn)
snsa.publish(TopicArn=tarn, Message="m3")
got = sqsa.receive_message(QueueUrl=feed).get("Messages", [])
ok(got == [], "... and a topic the condition does not name, even of the queue's own account, "
   "delivers nothing", got)
conf = {"QueueConfigurations": [{"QueueArn": farn, "Events": ["s3:ObjectCreated:*"]}]}
code, msg = error_of(lambda: s3a.put_bucket_notification_configuration(
    Bucket=bucket, NotificationConfiguration=conf))
ok(code == "InvalidArgument" and "Unable to validate the following destination "
   "configurations" in msg,
   "S3: a queue whose policy does not let s3.amazonaws.com send is refused as a destination",
   (code, msg))
sqsa.set_queue_attributes(QueueUrl=feed, Attributes={"Policy": doc(
    from_sns(btopic),
    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
     "Action": "sqs:SendMessage", "Resource": farn,
     "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::%s" % bucket},
                   "StringEquals": {"aws:SourceAccount": a}}})})
s3a.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=conf)
s3a.put_object(Bucket=bucket, Key="in/new.txt", Body=b"n")
key = None
for _ in range(30):
    got = sqsa.receive_message(QueueUrl=feed, WaitTimeSeconds=1).get("Messages", [])
    recs = [r for m in got for r in json.loads(m["Body"]).get("Records", [])]
    if recs:
        key = recs[0]["s3"]["object"]["key"]
        break
ok(key == "in/new.txt", "... and once its policy allows the bucket (aws:SourceArn, "
   "aws:SourceAccount), S3's events arrive", key)

# ---- EventBridge: a rule delivers to a queue as events.amazonaws.com ----
events = client("events", ka, sa)
events.put_rule(Name="orders-placed", EventPattern=json.dumps({"source": ["shop.orders"]}))
rule = "arn:aws:events:us-east-1:%s:rule/orders-placed" % a
evq = sqsa.create_queue(QueueName="events-in")["QueueUrl"]
evarn = "arn:aws:sqs:us-east-1:%s:events-in" % a
events.put_targets(Rule="orders-placed", Targets=[{"Id": "q", "Arn": evarn}])


def put_event(detail):
    events.put_events(Entries=[{"Source": "shop.orders", "DetailType": "placed",
                                "Detail": json.dumps(detail)}])


sqsa.set_queue_attributes(QueueUrl=evq, Attributes={"Policy": doc(
    {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
     "Action": "sqs:SendMessage", "Resource": evarn,
     "Condition": {"ArnEquals": {"aws:SourceArn": rule + "-other"}}})})
put_event({"n": 1})
got = sqsa.receive_message(QueueUrl=evq).get("Messages", [])
ok(got == [], "EventBridge: a queue policy for another rule keeps this rule's events out", got)
sqsa.set_queue_attributes(QueueUrl=evq, Attributes={"Policy": doc(
    {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
     "Action": "sqs:SendMessage", "Resource": evarn,
     "Condition": {"ArnEquals": {"aws:SourceArn": rule}}})})
put_event({"n": 2})
for _ in range(30):
    got = sqsa.receive_message(QueueUrl=evq, WaitTimeSeconds=1).get("Messages", [])
    if got:
        break
ok([json.loads(m["Body"]).get("detail") for m in got] == [{"n": 2}],
   "... and one naming it (aws:SourceArn) lets them in", got)

if esm:
    # ---- An SQS mapping whose role loses, then regains, its permission to receive ----
    iam = client("iam", ka, sa)
    lam = client("lambda", ka, sa)
    cloudlib.make_role(iam, "poller")
    wq = sqsa.create_queue(QueueName="work")["QueueUrl"]
    warn = "arn:aws:sqs:us-east-1:%s:work" % a
    iam.put_role_policy(RoleName="poller", PolicyName="poll", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                       "sqs:GetQueueAttributes"], "Resource": warn}))
    lam.create_function(FunctionName="worker", Runtime="python3.12", Handler="app.handler",
                        Role="arn:aws:iam::%s:role/poller" % a, Timeout=30,
                        Code={"ZipFile": cloudlib.zip_files(
                            {"app.py": "def handler(event, context):\n    return 1\n"})})
    for _ in range(600):
        if lam.get_function_configuration(FunctionName="worker")["State"] == "Active":
            break
        time.sleep(0.1)
    uuid = lam.create_event_source_mapping(FunctionName="worker", EventSourceArn=warn,
                                           BatchSize=1)["UUID"]

    def left():
        at = sqsa.get_queue_attributes(QueueUrl=wq, AttributeNames=["All"])["Attributes"]
        return int(at["ApproximateNumberOfMessages"]) + \
            int(at["ApproximateNumberOfMessagesNotVisible"])

    def wait(cond, tries=600):
        for _ in range(tries):
            if cond():
                return True
            time.sleep(0.1)
        return False

    sqsa.send_message(QueueUrl=wq, MessageBody="one")
    ok(wait(lambda: left() == 0), "ESM: while the role may receive, the mapping takes the "
       "queue's messages", left())
    iam.delete_role_policy(RoleName="poller", PolicyName="poll")
    problem = ("PROBLEM: The provided execution role does not have permissions to call "
               "ReceiveMessage on SQS")
    seen = wait(lambda: lam.get_event_source_mapping(UUID=uuid).get(
        "LastProcessingResult") == problem)
    sqsa.send_message(QueueUrl=wq, MessageBody="two")
    # Nothing takes it: the pollers look at the role before every receive.
    time.sleep(1.5)
    m = lam.get_event_source_mapping(UUID=uuid)
    ok(seen and left() == 1 and m["State"] == "Enabled",
       "ESM: once the role loses sqs:ReceiveMessage, polling stops and LastProcessingResult "
       "says why", (m.get("LastProcessingResult"), left()))
    iam.put_role_policy(RoleName="poller", PolicyName="poll", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                       "sqs:GetQueueAttributes"], "Resource": warn}))
    ok(wait(lambda: left() == 0) and
       "LastProcessingResult" not in lam.get_event_source_mapping(UUID=uuid),
       "ESM: given the permission back, it polls again and takes the message", left())
    lam.delete_event_source_mapping(UUID=uuid)

    # ---- Lambda: a function's policy opens it to another account ----
    farn = "arn:aws:lambda:us-east-1:%s:function:worker" % a
    lamb = client("lambda", *b_all)
    code, msg = error_of(lambda: lamb.invoke(FunctionName=farn, Payload=b"{}"))
    ok(code == "AccessDeniedException", "Lambda: another account may not invoke without the "
       "function's permission", (code, msg))
    lam.add_permission(FunctionName="worker", StatementId="partner",
                       Action="lambda:InvokeFunction", Principal=b)
    r = lamb.invoke(FunctionName=farn, Payload=b"{}")
    ok(r["StatusCode"] == 200 and r["Payload"].read() == b"1" and "FunctionError" not in r,
       "Lambda: add-permission lets the other account invoke; it runs in the owner's account",
       r)
    code, msg = error_of(lambda: lamb.get_function(FunctionName=farn))
    ok(code == "AccessDeniedException", "Lambda: lambda:InvokeFunction does not grant "
       "lambda:GetFunction", (code, msg))
    lam.add_permission(FunctionName="worker", StatementId="partner-get",
                       Action="lambda:GetFunction", Principal=b)
    code, msg = error_of(lambda: lamb.get_function(FunctionName=farn))
    got = None if code else lamb.get_function(FunctionName=farn)["Configuration"]["FunctionArn"]
    ok(got == farn, "Lambda: ... and lambda:GetFunction granted lets it read the function",
       (code, msg, got))

    # A handler's own calls through each path: its role alone, the bucket's policy naming the
    # role, and a Deny in that policy.
    lam.create_function(FunctionName="reader", Runtime="python3.12", Handler="app.handler",
                        Role="arn:aws:iam::%s:role/poller" % a, Timeout=30,
                        Code={"ZipFile": cloudlib.zip_files({"app.py": (
                            "import boto3\n"
                            "def handler(event, context):\n"
                            "    try:\n"
                            "        return boto3.client('s3').get_object(Bucket=event['b'],"
                            " Key=event['k'])['Body'].read().decode()\n"
                            "    except Exception as e:\n"
                            "        return str(e)\n")})})
    wait(lambda: lam.get_function_configuration(FunctionName="reader")["State"] == "Active")
    session = "arn:aws:sts::%s:assumed-role/poller/reader" % a

    def read(key):
        res = lam.invoke(FunctionName="reader", Payload=json.dumps({"b": bucket, "k": key}))
        return json.loads(res["Payload"].read() or b"null")

    out = read("in/a.txt")
    ok("User: %s is not authorized to perform: s3:GetObject" % session in out and
       out.endswith("because no identity-based policy allows the s3:GetObject action"),
       "handler: its role grants no s3:GetObject: refused", out)
    s3a.put_bucket_policy(Bucket=bucket, Policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:role/poller" % a},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % bucket},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::%s/in/new.txt" % bucket}))
    out = read("in/a.txt")
    ok(out == "hello", "handler: the bucket policy naming its role lets it read", out)
    out = read("in/new.txt")
    ok(out.endswith("with an explicit deny in a resource-based policy"),
       "handler: ... but not what the policy denies", out)

    # A destination is sent with the function's execution role, and the topic's own policy
    # counts too: its default one grants the role, of the owner's account, sns:Publish.
    ftopic = snsa.create_topic(Name="lambda-failures")["TopicArn"]
    fq = sqsa.create_queue(QueueName="failures-in")["QueueUrl"]
    fqarn = "arn:aws:sqs:us-east-1:%s:failures-in" % a
    sqsa.set_queue_attributes(QueueUrl=fq, Attributes={"Policy": doc(
        {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
         "Action": "sqs:SendMessage", "Resource": fqarn,
         "Condition": {"ArnEquals": {"aws:SourceArn": ftopic}}})})
    snsa.subscribe(TopicArn=ftopic, Protocol="sqs", Endpoint=fqarn,
                   Attributes={"RawMessageDelivery": "true"})
    lam.create_function(FunctionName="failing", Runtime="python3.12", Handler="app.handler",
                        Role="arn:aws:iam::%s:role/poller" % a, Timeout=30,
                        Code={"ZipFile": cloudlib.zip_files({"app.py": (
                            "def handler(event, context):\n"
                            "    raise RuntimeError(event['n'])\n")})})
    wait(lambda: lam.get_function_configuration(FunctionName="failing")["State"] == "Active")
    lam.put_function_event_invoke_config(
        FunctionName="failing", MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": ftopic}})

    def failure_records(tries):
        for _ in range(tries):
            got = sqsa.receive_message(QueueUrl=fq, WaitTimeSeconds=1).get("Messages", [])
            if got:
                return [json.loads(m["Body"])["requestPayload"]["n"] for m in got]
        return []

    lam.invoke(FunctionName="failing", InvocationType="Event", Payload=json.dumps({"n": "one"}))
    got = failure_records(60)
    ok(got == ["one"], "destination: a role without sns:Publish sends the record to a topic "
       "of its account under the topic's default policy", got)
    snsa.set_topic_attributes(TopicArn=ftopic, AttributeName="Policy", AttributeValue=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % b},
         "Action": "sns:Publish", "Resource": ftopic}))
    lam.invoke(FunctionName="failing", InvocationType="Event", Payload=json.dumps({"n": "two"}))
    status, body = cloudlib.control(ws, "POST", "/_tutor/settle?timeout=60&account=%s" % a,
                                    timeout=90)
    got = failure_records(2)
    ok('"settled": true' in body.replace('":true', '": true') and got == [],
       "destination: ... and none once the topic's policy no longer grants it", (body, got))

print("1..%d" % n)
sys.exit(1 if failed else 0)
