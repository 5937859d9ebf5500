"""Lambda versions and aliases through boto3, as a learner's deployment script uses them:
publish versions (CodeSha256 and RevisionId preconditions, an unchanged function answering
with its last version), list them, invoke $LATEST, a version and an alias (the version that
ran in ExecutedVersion, the function's own context, its START line and its log stream),
aliases with routing weights splitting invocations, and Lambda's errors for bad weights,
missing versions and aliases. TAP on stdout.
Usage: lambda_versions.py ENDPOINT WORKSPACE SUFFIX ZIP1 ZIP2 (each Python gets functions of its
own; requests are signed with the learner's keys)."""
import base64, json, os, sys
import boto3
import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

endpoint, ws, suffix, zip1, zip2 = sys.argv[1:6]
key, secret, _ = cloudlib.learner_keys(ws)
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
          aws_secret_access_key=secret)
lam = boto3.client("lambda", **kw)
logs = boto3.client("logs", **kw)
n = failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def error(fn, code, contains=""):
    """The error code and message fn raises, checked; prints what came otherwise."""
    try:
        got = fn()
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        if err["Code"] == code and contains in err.get("Message", ""):
            return True
        print("# got %s: %s" % (err["Code"], err.get("Message")))
        return False
    print("# no error: %r" % (got,))
    return False


def invoke(qualifier=None):
    args = dict(FunctionName=name, Payload=b"{}", LogType="Tail")
    if qualifier:
        args["Qualifier"] = qualifier
    r = lam.invoke(**args)
    return r, json.loads(r["Payload"].read()), base64.b64decode(r.get("LogResult", "")).decode()


name = "greet-" + suffix
code1, code2 = open(zip1, "rb").read(), open(zip2, "rb").read()
f = lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                        Role=cloudlib.role_for(lam),
                        Code={"ZipFile": code1}, Environment={"Variables": {"GREETING": "one"}})
ok(f["Version"] == "$LATEST", "create_function: $LATEST")

ok(error(lambda: lam.publish_version(FunctionName=name, CodeSha256="abc"),
         "InvalidParameterValueException", "CodeSHA256 (abc) is different"),
   "publish_version with another CodeSha256: Lambda's error")
ok(error(lambda: lam.publish_version(FunctionName=name, RevisionId="nope"),
         "PreconditionFailedException"),
   "publish_version with another RevisionId: PreconditionFailedException")
v1 = lam.publish_version(FunctionName=name, CodeSha256=f["CodeSha256"], Description="first")
ok(v1["Version"] == "1" and v1["FunctionArn"].endswith(":%s:1" % name)
   and v1["Description"] == "first", "publish_version: version 1, its ARN qualified")
again = lam.publish_version(FunctionName=name)
ok(again["Version"] == "1", "publishing an unchanged function answers with version 1")

lam.update_function_code(FunctionName=name, ZipFile=code2)
lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"GREETING": "two"}})
v2 = lam.publish_version(FunctionName=name)
ok(v2["Version"] == "2" and v2["CodeSha256"] != v1["CodeSha256"], "publish_version: version 2")

vs = lam.list_versions_by_function(FunctionName=name)["Versions"]
ok([v["Version"] for v in vs] == ["$LATEST", "1", "2"], "list_versions_by_function: $LATEST, 1, 2")
page = lam.list_versions_by_function(FunctionName=name, MaxItems=2)
ok(len(page["Versions"]) == 2 and page.get("NextMarker"), "list_versions_by_function pages")

got = lam.get_function_configuration(FunctionName=name + ":1")
ok(got["Version"] == "1" and got["Environment"]["Variables"]["GREETING"] == "one",
   "get_function_configuration of version 1: its frozen configuration")
got = lam.get_function(FunctionName=name, Qualifier="2")
ok(got["Configuration"]["Version"] == "2", "get_function with Qualifier 2")

r, p, log = invoke("1")
ok(r["ExecutedVersion"] == "1" and p["code"] == "one" and p["greeting"] == "one"
   and p["version"] == "1" and p["arn"].endswith(":%s:1" % name),
   "invoke version 1: its code, configuration, context and ExecutedVersion (%r)" % p)
ok("Version: 1" in log, "version 1's START line says Version: 1")
r, p, log = invoke()
ok(r["ExecutedVersion"] == "$LATEST" and p["code"] == "two" and p["version"] == "$LATEST",
   "invoke without a qualifier: $LATEST")
ok("Version: $LATEST" in log, "$LATEST's START line")
streams = logs.describe_log_streams(logGroupName="/aws/lambda/" + name)["logStreams"]
ok(any("[1]" in s["logStreamName"] for s in streams)
   and any("[$LATEST]" in s["logStreamName"] for s in streams),
   "log streams name the version that wrote them")
ok(error(lambda: invoke("7"), "ResourceNotFoundException",
         "Function not found: arn:aws:lambda:us-east-1:"),
   "invoke a version that does not exist: ResourceNotFoundException")

# Aliases.
a = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="prod")
ok(a["AliasArn"].endswith(":%s:live" % name) and a["FunctionVersion"] == "1", "create_alias live -> 1")
ok(error(lambda: lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1"),
         "ResourceConflictException"), "the same alias again: ResourceConflictException")
ok(error(lambda: lam.create_alias(FunctionName=name, Name="x", FunctionVersion="9"),
         "ResourceNotFoundException"), "an alias of a missing version: ResourceNotFoundException")
ok(error(lambda: lam.create_alias(FunctionName=name, Name="w", FunctionVersion="1",
                                  RoutingConfig={"AdditionalVersionWeights": {"2": 1.5}}),
         "ValidationException", "less than or equal to 1.0"), "a weight above 1: ValidationException")
ok(error(lambda: lam.create_alias(FunctionName=name, Name="w", FunctionVersion="1",
                                  RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}),
         "InvalidParameterValueException", "already included"),
   "the alias's own version as the additional one: Lambda's error")
ok(error(lambda: lam.create_alias(FunctionName=name, Name="w", FunctionVersion="$LATEST",
                                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}),
         "InvalidParameterValueException", "$LATEST is not supported"),
   "weights on an alias of $LATEST: Lambda's error")
r, p, _ = invoke("live")
ok(r["ExecutedVersion"] == "1" and p["arn"].endswith(":%s:live" % name),
   "invoke through the alias: version 1 runs, invoked as the alias")
ok(lam.get_alias(FunctionName=name, Name="live")["Description"] == "prod", "get_alias")

u = lam.update_alias(FunctionName=name, Name="live",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
ok(u["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.3}, "update_alias: 30 % to version 2")
ok(error(lambda: lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                                  RevisionId="stale"), "PreconditionFailedException"),
   "update_alias with a stale RevisionId: PreconditionFailedException")
seen = {"1": 0, "2": 0}
for _ in range(60):
    seen[invoke("live")[0]["ExecutedVersion"]] += 1
ok(seen["1"] + seen["2"] == 60 and 5 <= seen["2"] <= 33,
   "60 invocations through the alias split by weight: %r" % seen)
lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                 RoutingConfig={"AdditionalVersionWeights": {}})
r, p, _ = invoke("live")
ok(r["ExecutedVersion"] == "2" and p["code"] == "two", "after the shift: version 2 through the alias")
aliases = lam.list_aliases(FunctionName=name)["Aliases"]
ok([x["Name"] for x in aliases] == ["live"], "list_aliases")
lam.create_alias(FunctionName=name, Name="old", FunctionVersion="1")
ok([x["Name"] for x in lam.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]] == ["old"],
   "list_aliases of one version")

# Asynchronous invocations of an alias and of a version, with the alias's own event invoke
# config: the invocation record names the alias and the version that ran.
sqs = boto3.client("sqs", **kw)
qurl = sqs.create_queue(QueueName="done-" + suffix)["QueueUrl"]
qarn = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
cfg = lam.put_function_event_invoke_config(FunctionName=name, Qualifier="old",
                                           DestinationConfig={"OnSuccess": {"Destination": qarn}})
ok(cfg["FunctionArn"].endswith(":%s:old" % name), "put_function_event_invoke_config of an alias")
arns = [x["FunctionArn"] for x in
        lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]]
ok(len(arns) == 1 and arns[0].endswith(":old"), "list_function_event_invoke_configs: the alias's")
ok(error(lambda: lam.get_function_event_invoke_config(FunctionName=name),
         "ResourceNotFoundException"), "the function itself has none")
r = lam.invoke(FunctionName=name, Qualifier="old", InvocationType="Event", Payload=b'{"n": 1}')
ok(r["StatusCode"] == 202, "an Event invocation of an alias: 202")
record = None
for _ in range(120):
    msgs = sqs.receive_message(QueueUrl=qurl, WaitTimeSeconds=1).get("Messages", [])
    if msgs:
        record = json.loads(msgs[0]["Body"])
        break
ok(record is not None
   and record["requestContext"]["functionArn"].endswith(":%s:old" % name)
   and record["responseContext"]["executedVersion"] == "1"
   and record["responsePayload"]["code"] == "one"
   and record["responsePayload"]["arn"].endswith(":%s:old" % name),
   "it ran version 1 as the alias; the record says so (%r)" % (record,))
r = lam.invoke(FunctionName=name + ":2", InvocationType="Event", Payload=b"{}")
ok(r["StatusCode"] == 202, "an Event invocation of version 2 by a qualified name: 202")
ok(error(lambda: lam.invoke(FunctionName=name, Qualifier="9", InvocationType="Event",
                            Payload=b"{}"), "ResourceNotFoundException"),
   "an Event invocation of a missing version: ResourceNotFoundException")
lam.delete_function_event_invoke_config(FunctionName=name, Qualifier="old")

# Deleting.
ok(error(lambda: lam.delete_function(FunctionName=name, Qualifier="1"),
         "ResourceConflictException"), "deleting a version an alias points to: ResourceConflictException")
lam.delete_alias(FunctionName=name, Name="old")
ok(error(lambda: lam.get_alias(FunctionName=name, Name="old"), "ResourceNotFoundException"),
   "delete_alias, then get_alias: ResourceNotFoundException")
lam.delete_function(FunctionName=name, Qualifier="1")
ok([v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
   == ["$LATEST", "2"], "delete_function with Qualifier 1 deletes that version only")
ok(error(lambda: invoke("1"), "ResourceNotFoundException"), "the deleted version is gone")
lam.update_function_configuration(FunctionName=name, Description="three")
ok(lam.publish_version(FunctionName=name)["Version"] == "3", "numbers are not reused: version 3")
lam.delete_function(FunctionName=name)
ok(error(lambda: lam.get_alias(FunctionName=name, Name="live"), "ResourceNotFoundException"),
   "deleting the function deletes its versions and aliases")
p = lam.create_function(FunctionName=name + "-p", Runtime="python3.12", Handler="app.handler",
                        Role=cloudlib.role_for(lam),
                        Code={"ZipFile": code1}, Publish=True)
ok(p["Version"] == "1" and p["FunctionArn"].endswith(":1"), "create_function with Publish: version 1")
p = lam.update_function_code(FunctionName=name + "-p", ZipFile=code2, Publish=True)
ok(p["Version"] == "2", "update_function_code with Publish: version 2")
lam.delete_function(FunctionName=name + "-p")
print("1..%d" % n)
sys.exit(1 if failed else 0)
