"""EventBridge Scheduler through boto3, the clock stepped by the test: schedule groups and tags,
at() with Scheduler's context attributes, rate() from now or a StartDate up to an EndDate,
cron() in a time zone, a flexible window, every kind of target the cloud invokes, the
dead-letter queue and its attributes, retries against a throttled target, and the errors.
TAP on stdout. Usage: scheduler.py ENDPOINT WORKSPACE (it makes an account of its own; the
clock it steps is the base clock every account follows)."""
import datetime, io, json, os, sys, time, zipfile, zoneinfo
import boto3, botocore

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

E, WS = sys.argv[1], sys.argv[2]
KEY, SECRET, ACCOUNT = cloudlib.new_account(WS)
kw = dict(endpoint_url=E, region_name="us-east-1", aws_access_key_id=KEY,
          aws_secret_access_key=SECRET)
sch, sqs, lam, kin, ddb, sns, events, cw = (boto3.client(s, **kw) for s in (
    "scheduler", "sqs", "lambda", "kinesis", "dynamodb", "sns", "events", "cloudwatch"))
ROLE = "arn:aws:iam::%s:role/scheduler" % ACCOUNT
OFF = {"Mode": "OFF"}
n = failed = 0
# ActionAfterCompletion came to the API in 2023: older botocore cannot send it.
HAS_AFTER = "ActionAfterCompletion" in sch.meta.service_model.operation_model(
    "CreateSchedule").input_shape.members


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def control(method, path):
    status, body = cloudlib.control(WS, method, path)
    if status != 200:
        raise RuntimeError("%s %s: %d %s" % (method, path, status, body))
    return body


def clock():
    return json.loads(control("GET", "/_tutor/clock"))["now"]


def advance(seconds):
    control("POST", "/_tutor/clock/advance?seconds=%d" % seconds)


def until(fn, timeout=120):
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(0.05)


def error(fn, **args):
    try:
        fn(**args)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S")


def queue(name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(url):
    """Every message now visible in the queue, each received once and deleted (a message
    only hidden would come back when the test steps the clock a day): (body, attributes)."""
    out = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=43200,
                                   MessageAttributeNames=["All"]).get("Messages", [])
        if not msgs:
            return out
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        out += [(m["Body"], {k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()})
                for m in msgs]


def wait_count(url, want, timeout=120):
    """Collect messages until want arrived (or the time is up); then look once more for extras."""
    got, end = [], time.time() + timeout
    while len(got) < want and time.time() < end:
        got += drain(url)
        time.sleep(0.05)
    time.sleep(0.3)
    return got + drain(url)


# ---- Schedule groups and their tags ----
names = [g["Name"] for g in sch.list_schedule_groups()["ScheduleGroups"]]
ok(names == ["default"], "the default group is there from the start")
garn = sch.create_schedule_group(Name="team", Tags=[{"Key": "owner", "Value": "ops"}])["ScheduleGroupArn"]
ok(garn == "arn:aws:scheduler:us-east-1:%s:schedule-group/team" % ACCOUNT, "create-schedule-group answers its ARN")
ok(error(sch.create_schedule_group, Name="team") == ("ConflictException", "Schedule group team already exists."),
   "a second group of that name: ConflictException")
g = sch.get_schedule_group(Name="team")
ok(g["State"] == "ACTIVE" and g["Arn"] == garn and "CreationDate" in g, "get-schedule-group")
sch.tag_resource(ResourceArn=garn, Tags=[{"Key": "stage", "Value": "dev"}])
sch.untag_resource(ResourceArn=garn, TagKeys=["owner"])
ok(sch.list_tags_for_resource(ResourceArn=garn)["Tags"] == [{"Key": "stage", "Value": "dev"}],
   "tags: added and removed")
ok([g["Name"] for g in sch.list_schedule_groups()["ScheduleGroups"]] == ["default", "team"],
   "list-schedule-groups, by name")
ok(error(sch.delete_schedule_group, Name="default")[0] == "ValidationException",
   "the default group cannot be deleted")
ok(error(sch.get_schedule_group, Name="nope") == ("ResourceNotFoundException", "Schedule group nope does not exist."),
   "a missing group: ResourceNotFoundException")

# ---- at(), with the context attributes ----
ticks, ticks_arn = queue("ticks")
dead, dead_arn = queue("dead")
t0 = clock()
at = (t0 // 1000 + 3600) * 1000
INPUT = ('{"arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>",'
         '"n":"<aws.scheduler.attempt-number>","id":"<aws.scheduler.execution-id>"}')
arn = sch.create_schedule(Name="once", ScheduleExpression="at(%s)" % iso(at), FlexibleTimeWindow=OFF,
                          Target={"Arn": ticks_arn, "RoleArn": ROLE, "Input": INPUT})["ScheduleArn"]
ok(arn == "arn:aws:scheduler:us-east-1:%s:schedule/default/once" % ACCOUNT, "create-schedule answers its ARN")
s = sch.get_schedule(Name="once")
ok(s["ScheduleExpressionTimezone"] == "UTC" and s["State"] == "ENABLED" and s["GroupName"] == "default"
   and s["Target"]["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
   and s["FlexibleTimeWindow"] == OFF and "CreationDate" in s,
   "get-schedule: UTC, ENABLED, the default retry policy")
ok(error(sch.create_schedule, Name="once", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
         Target={"Arn": ticks_arn, "RoleArn": ROLE}) == ("ConflictException", "Schedule once already exists."),
   "a second schedule of that name: ConflictException")
advance(1800)
ok(wait_count(ticks, 0, 0) == [], "half an hour before, nothing")
advance(1800)
got = wait_count(ticks, 1)
body = json.loads(got[0][0]) if len(got) == 1 else {}
ok(len(got) == 1, "at the hour, the one invocation")
ok(body.get("arn") == arn and body.get("at") == iso(at) + "Z" and body.get("n") == "1"
   and len(body.get("id", "")) == 16, "... its Input with the context attributes filled in")
advance(86400)
ok(wait_count(ticks, 0, 0) == [], "a day later, nothing more")

# ---- rate(): from now without a StartDate, hourly; disabled by an update; deleted ----
sch.create_schedule(Name="hourly", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
                    Target={"Arn": ticks_arn, "RoleArn": ROLE, "Input": "tick"})
ok(len(wait_count(ticks, 1)) == 1, "a rate without StartDate invokes at once")
advance(3600)
ok(len(wait_count(ticks, 1)) == 1, "and every hour after")
sch.update_schedule(Name="hourly", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
                    State="DISABLED", Target={"Arn": ticks_arn, "RoleArn": ROLE, "Input": "tick"})
advance(7200)
ok(wait_count(ticks, 0, 0) == [], "disabled by update-schedule, it rests")
listed = sch.list_schedules(State="DISABLED")["Schedules"]
ok([(x["Name"], x["State"], x["Target"]["Arn"]) for x in listed] == [("hourly", "DISABLED", ticks_arn)],
   "list-schedules by state, with the target's ARN")
sch.delete_schedule(Name="hourly")
ok(error(sch.get_schedule, Name="hourly") == ("ResourceNotFoundException", "Schedule hourly does not exist."),
   "deleted: ResourceNotFoundException")

# ---- cron() in a time zone ----
zone = zoneinfo.ZoneInfo("America/New_York")
now = datetime.datetime.fromtimestamp(clock() / 1000, zone)
nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
if nine <= now:
    nine = (now + datetime.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    nine = nine.replace(tzinfo=zone)
sch.create_schedule(Name="nine-ny", ScheduleExpression="cron(0 9 * * ? *)",
                    ScheduleExpressionTimezone="America/New_York", FlexibleTimeWindow=OFF,
                    Target={"Arn": ticks_arn, "RoleArn": ROLE, "Input": '{"at":"<aws.scheduler.scheduled-time>"}'})
advance(int(nine.timestamp() - clock() / 1000) + 1)
got = wait_count(ticks, 1)
want = nine.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
ok(len(got) == 1 and json.loads(got[0][0])["at"] == want, "9:00 in New York is %s" % want)
sch.delete_schedule(Name="nine-ny")

# ---- StartDate, EndDate and ActionAfterCompletion ----
start = (clock() // 1000 + 7200)
extra = {"ActionAfterCompletion": "DELETE"} if HAS_AFTER else {}
sch.create_schedule(Name="window", GroupName="team", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
                    StartDate=datetime.datetime.fromtimestamp(start, datetime.timezone.utc),
                    EndDate=datetime.datetime.fromtimestamp(start + 9000, datetime.timezone.utc),
                    Target={"Arn": ticks_arn, "RoleArn": ROLE, "Input": "w"}, **extra)
advance(3600)
ok(wait_count(ticks, 0, 0) == [], "nothing before the StartDate")
advance(3600)
ok(len(wait_count(ticks, 1)) == 1, "the first at the StartDate")
advance(3 * 3600)
ok(len(wait_count(ticks, 2)) == 2, "then hourly, the last before the EndDate")
if HAS_AFTER:
    ok(error(sch.get_schedule, Name="window", GroupName="team")[0] == "ResourceNotFoundException",
       "ActionAfterCompletion DELETE: gone after its last invocation")
old = datetime.datetime.fromtimestamp(clock() / 1000 - 3600, datetime.timezone.utc)
ok(error(sch.create_schedule, Name="late", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
         StartDate=old, Target={"Arn": ticks_arn, "RoleArn": ROLE})
   == ("ValidationException", "The StartDate you specify cannot be earlier than 5 minutes ago."),
   "a StartDate an hour ago is refused")

# ---- A flexible window ----
at = (clock() // 1000 + 600) * 1000
sch.create_schedule(Name="flex", ScheduleExpression="at(%s)" % iso(at),
                    FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 30},
                    Target={"Arn": ticks_arn, "RoleArn": ROLE, "Input": '{"at":"<aws.scheduler.scheduled-time>"}'})
advance(600 + 1800 + 1)
got = wait_count(ticks, 1)
ok(len(got) == 1 and json.loads(got[0][0])["at"] == iso(at) + "Z",
   "FLEXIBLE: invoked within its window, the scheduled time the one it was due")
ok(error(sch.create_schedule, Name="flex2", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "FLEXIBLE"},
         Target={"Arn": ticks_arn, "RoleArn": ROLE})[0] == "ValidationException",
   "FLEXIBLE without MaximumWindowInMinutes is refused")


# ---- Every kind of target ----
def at_soon(name, target, **more):
    sch.create_schedule(Name=name, ScheduleExpression="at(%s)" % iso((clock() // 1000 + 60) * 1000),
                        FlexibleTimeWindow=OFF, Target=dict(RoleArn=ROLE, **target), **more)


out, out_arn = queue("out")

# A function: its asynchronous invocation's record goes to the queue "out" on success.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("f.py", "def handler(event, context):\n    return event\n")
lam.create_function(FunctionName="echo", Runtime="python3.12", Handler="f.handler",
                    Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
lam.put_function_event_invoke_config(FunctionName="echo",
                                     DestinationConfig={"OnSuccess": {"Destination": out_arn}})
fn_arn = "arn:aws:lambda:us-east-1:%s:function:echo" % ACCOUNT
at_soon("to-lambda", {"Arn": fn_arn, "Input": '{"job":"nightly"}'})
advance(61)
got = wait_count(out, 1, 60)
rec = json.loads(got[0][0]) if got else {}
ok(rec.get("requestPayload") == {"job": "nightly"} and rec.get("responsePayload") == {"job": "nightly"},
   "a function is invoked asynchronously with the Input as its event")

# A topic, its subscriber a queue.
topic = sns.create_topic(Name="news")["TopicArn"]
cloudlib.allow_service(sqs, out_arn, "sns", topic)
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=out_arn, Attributes={"RawMessageDelivery": "true"})
at_soon("to-topic", {"Arn": topic, "Input": "extra!"})
advance(61)
got = wait_count(out, 1)
ok([b for b, _ in got] == ["extra!"], "a topic gets the Input published")

# The event bus, a rule sending to the queue.
events.put_rule(Name="scheduled", EventPattern='{"source":["app.scheduler"]}')
events.put_targets(Rule="scheduled", Targets=[{"Id": "q", "Arn": out_arn}])
cloudlib.allow_service(sqs, out_arn, "events", "arn:aws:events:us-east-1:%s:rule/*" % ACCOUNT)
bus = "arn:aws:events:us-east-1:%s:event-bus/default" % ACCOUNT
at_soon("to-bus", {"Arn": bus, "Input": '{"report":"daily"}',
                   "EventBridgeParameters": {"DetailType": "Report due", "Source": "app.scheduler"}})
advance(61)
got = wait_count(out, 1)
ev = json.loads(got[0][0]) if got else {}
ok(ev.get("detail-type") == "Report due" and ev.get("source") == "app.scheduler"
   and ev.get("detail") == {"report": "daily"}
   and ev.get("resources") == ["arn:aws:scheduler:us-east-1:%s:schedule/default/to-bus" % ACCOUNT],
   "the bus gets an event: EventBridgeParameters, the Input as detail, the schedule as resource")
ok(error(sch.create_schedule, Name="bus2", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
         Target={"Arn": bus, "RoleArn": ROLE})[0] == "ValidationException",
   "an event bus target without EventBridgeParameters is refused")

# A Kinesis stream.
kin.create_stream(StreamName="clicks", ShardCount=1)
stream = kin.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"]
at_soon("to-stream", {"Arn": stream, "Input": '{"click":1}', "KinesisParameters": {"PartitionKey": "user-1"}})
advance(61)
shard = kin.list_shards(StreamName="clicks")["Shards"][0]["ShardId"]
it = kin.get_shard_iterator(StreamName="clicks", ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
recs = until(lambda: kin.get_records(ShardIterator=it)["Records"])
ok([(r["Data"], r["PartitionKey"]) for r in recs or []] == [(b'{"click":1}', "user-1")],
   "a stream gets a record: the Input, KinesisParameters' partition key (%s)"
   % [(r["Data"][:40], r["PartitionKey"]) for r in recs or []])

# A universal target: DynamoDB's PutItem with the Input as its request.
ddb.create_table(TableName="runs", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                 BillingMode="PAY_PER_REQUEST")
at_soon("to-ddb", {"Arn": "arn:aws:scheduler:::aws-sdk:dynamodb:putItem",
                   "Input": '{"TableName":"runs","Item":{"id":{"S":"<aws.scheduler.scheduled-time>"}}}'})
advance(61)
items = until(lambda: ddb.scan(TableName="runs")["Items"])
ok(len(items or []) == 1 and items[0]["id"]["S"].endswith("Z"),
   "a universal target calls DynamoDB's PutItem with the Input as its request")
code, msg = error(sch.create_schedule, Name="glue", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
                  Target={"Arn": "arn:aws:scheduler:::aws-sdk:glue:getDatabases", "RoleArn": ROLE})
ok(code == "ValidationException" and "glue" in msg, "a universal target the cloud does not offer is refused")
ok(error(sch.create_schedule, Name="ecs", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
         Target={"Arn": "arn:aws:ecs:us-east-1:%s:cluster/c" % ACCOUNT, "RoleArn": ROLE})[0]
   == "ValidationException", "an ECS target is refused")

# ---- The dead-letter queue ----
missing = "arn:aws:lambda:us-east-1:%s:function:missing" % ACCOUNT
at_soon("to-nowhere", {"Arn": missing, "Input": '{"lost":true}', "DeadLetterConfig": {"Arn": dead_arn}})
advance(61)
got = wait_count(dead, 1)
body, attrs = got[0] if got else ("", {})
ok(body == '{"lost":true}', "a target that does not exist: the Input goes to the dead-letter queue")
ok(attrs.get("ERROR_CODE") == "ResourceNotFoundException" and attrs.get("RETRY_ATTEMPTS") == "0"
   and "EXHAUSTED_RETRY_CONDITION" not in attrs
   and attrs.get("SCHEDULE_ARN") == "arn:aws:scheduler:us-east-1:%s:schedule/default/to-nowhere" % ACCOUNT
   and attrs.get("TARGET_ARN") == missing and attrs.get("SCHEDULED_TIME", "").endswith("Z")
   and attrs.get("ERROR_MESSAGE") and len(attrs.get("EXECUTION_ID", "")) == 16,
   "... with Scheduler's attributes, not retried")

# ---- Retries against a throttled target ----
# A function with no concurrency reserved throttles every synchronous invoke (429,
# TooManyRequestsException), a failure a retry may cure: Scheduler retries it after 1, 2, 4...
# seconds of the clock, and after MaximumRetryAttempts sends the Input to the dead-letter
# queue. The test moves the clock a few seconds at a time and looks only at what arrived.
lam.create_function(FunctionName="busy", Runtime="python3.12", Handler="f.handler",
                    Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
lam.put_function_concurrency(FunctionName="busy", ReservedConcurrentExecutions=0)
at_soon("to-busy", {"Arn": "arn:aws:scheduler:::aws-sdk:lambda:invoke",
                    "Input": '{"FunctionName":"busy"}',
                    "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
                    "DeadLetterConfig": {"Arn": dead_arn}})
advance(61)
got, steps = [], 0
while not got and steps < 40:
    got = drain(dead)
    if not got:
        advance(2)
        steps += 1
body, attrs = got[0] if got else ("", {})
ok(len(got) == 1 and body == '{"FunctionName":"busy"}',
   "a throttled target: the Input reaches the dead-letter queue once the retries are spent")
ok(attrs.get("ERROR_CODE") == "TooManyRequestsException" and attrs.get("RETRY_ATTEMPTS") == "3"
   and attrs.get("EXHAUSTED_RETRY_CONDITION") == "MaximumRetryAttempts",
   "... after 3 retries, with the throttle's code and the condition that ended them: %s"
   % {k: v for k, v in attrs.items() if k in ("ERROR_CODE", "RETRY_ATTEMPTS", "EXHAUSTED_RETRY_CONDITION")})
r = cw.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Throttles",
                             Dimensions=[{"Name": "FunctionName", "Value": "busy"}],
                             StartTime=datetime.datetime.fromtimestamp(clock() / 1000 - 86400, datetime.timezone.utc),
                             EndTime=datetime.datetime.fromtimestamp(clock() / 1000 + 60, datetime.timezone.utc),
                             Period=86400, Statistics=["Sum"])
ok(sum(d["Sum"] for d in r["Datapoints"]) == 4, "... four attempts, each throttled (AWS/Lambda Throttles: %s)"
   % [d["Sum"] for d in r["Datapoints"]])

# The age limit ends them instead when it comes first: a retry would be due past it.
at_soon("to-busy-aged", {"Arn": "arn:aws:scheduler:::aws-sdk:lambda:invoke",
                         "Input": '{"FunctionName":"busy","Qualifier":"$LATEST"}',
                         "RetryPolicy": {"MaximumRetryAttempts": 100, "MaximumEventAgeInSeconds": 60},
                         "DeadLetterConfig": {"Arn": dead_arn}})
advance(61)
got, steps = [], 0
while not got and steps < 40:
    got = drain(dead)
    if not got:
        advance(4)
        steps += 1
body, attrs = got[0] if got else ("", {})
ok(attrs.get("EXHAUSTED_RETRY_CONDITION") == "MaximumEventAgeInSeconds"
   and attrs.get("ERROR_CODE") == "TooManyRequestsException",
   "with a 60 s age limit the retries end on it: %s" % {k: v for k, v in attrs.items()
                                                         if k in ("RETRY_ATTEMPTS", "EXHAUSTED_RETRY_CONDITION")})

# ---- Errors ----
for bad in ("cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "rate(10 seconds)", "rate(1 minutes)",
            "rate()", "at(2021-12-31T23:59:59Z)", "at(2021-12-31)", " rate(10 minutes)"):
    ok(error(sch.create_schedule, Name="bad", ScheduleExpression=bad, FlexibleTimeWindow=OFF,
             Target={"Arn": ticks_arn, "RoleArn": ROLE})
       == ("ValidationException", "Invalid Schedule Expression %s." % bad),
       "%s: Invalid Schedule Expression" % bad)
ok(error(sch.create_schedule, Name="bad", ScheduleExpression="cron(0 9 * * ? *)", FlexibleTimeWindow=OFF,
         ScheduleExpressionTimezone="Mars/Olympus", Target={"Arn": ticks_arn, "RoleArn": ROLE})[0]
   == "ValidationException", "an unknown time zone is refused")
ok(error(sch.create_schedule, Name="bad", GroupName="nope", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
         Target={"Arn": ticks_arn, "RoleArn": ROLE})
   == ("ResourceNotFoundException", "Schedule group nope does not exist."), "a missing group")
ok(error(sch.create_schedule, Name="bad", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
         Target={"Arn": ticks_arn, "RoleArn": ROLE, "RetryPolicy": {"MaximumRetryAttempts": 500}})[0]
   == "ValidationException", "a retry policy past 185 attempts")
ok(error(sch.update_schedule, Name="nope", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
         Target={"Arn": ticks_arn, "RoleArn": ROLE})
   == ("ResourceNotFoundException", "Schedule nope does not exist."), "update-schedule of a missing one")
ok(all(s["Name"] != "bad" for s in sch.list_schedules()["Schedules"]), "no refused schedule was made")

# Deleting a group deletes its schedules.
sch.create_schedule(Name="in-team", GroupName="team", ScheduleExpression="rate(1 day)", FlexibleTimeWindow=OFF,
                    Target={"Arn": ticks_arn, "RoleArn": ROLE})
sch.delete_schedule_group(Name="team")
ok(error(sch.get_schedule, Name="in-team", GroupName="team")[0] == "ResourceNotFoundException"
   and [g["Name"] for g in sch.list_schedule_groups()["ScheduleGroups"]] == ["default"],
   "deleting a group deletes its schedules")
page = sch.list_schedules(MaxResults=2)
rest = sch.list_schedules(MaxResults=100, NextToken=page["NextToken"])["Schedules"]
every = [s["Name"] for s in sch.list_schedules()["Schedules"]]
ok(len(page["Schedules"]) == 2 and [s["Name"] for s in page["Schedules"] + rest] == every,
   "list-schedules pages with NextToken")

print("1..%d" % n)
sys.exit(1 if failed else 0)
