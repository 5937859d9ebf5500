"""Provisioned concurrency through boto3: Lambda's errors (on $LATEST, on a missing version,
above the function's reserved concurrency, a version and its alias both configured), a
configuration moving from IN_PROGRESS to READY as its environments are initialised ahead of
time, those environments serving with no cold start (no Init Duration, the initialisation type
provisioned-concurrency), spill-over on demand, the ProvisionedConcurrency* metrics, and
deleting the configuration. TAP on stdout.
Usage: lambda_provisioned.py ENDPOINT WORKSPACE SUFFIX ZIP"""
import base64, json, os, sys, time
import boto3
import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

endpoint, ws, suffix, zip1 = sys.argv[1:5]
key, secret, _ = cloudlib.learner_keys(ws)
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
          aws_secret_access_key=secret)
lam = boto3.client("lambda", **kw)
cw = boto3.client("cloudwatch", **kw)
n = failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def error(fn, code, contains=""):
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


def invoke(qualifier):
    r = lam.invoke(FunctionName=name, Qualifier=qualifier, Payload=b"{}", LogType="Tail")
    return r, json.loads(r["Payload"].read()), base64.b64decode(r.get("LogResult", "")).decode()


def wait_status(qualifier, want, seconds=240):
    got = None
    end = time.time() + seconds
    while time.time() < end:
        got = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
        if got["Status"] == want:
            return got
        time.sleep(0.2)
    return got


name = "prov-" + suffix
code = open(zip1, "rb").read()
lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                    Role=cloudlib.role_for(lam), Code={"ZipFile": code})
lam.publish_version(FunctionName=name)
lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")

ok(error(lambda: lam.put_provisioned_concurrency_config(
    FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1),
    "InvalidParameterValueException", "cannot be applied to unpublished function versions"),
   "on $LATEST: Lambda's error")
ok(error(lambda: lam.put_provisioned_concurrency_config(
    FunctionName=name, Qualifier="9", ProvisionedConcurrentExecutions=1),
    "ResourceNotFoundException"), "on a version that does not exist: ResourceNotFoundException")
ok(error(lambda: lam.put_provisioned_concurrency_config(
    FunctionName=name, Qualifier="nope", ProvisionedConcurrentExecutions=1),
    "ResourceNotFoundException", "Cannot find alias arn"), "on a missing alias: Lambda's error")
ok(error(lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live"),
         "ProvisionedConcurrencyConfigNotFoundException"),
   "get before any: ProvisionedConcurrencyConfigNotFoundException")
lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
ok(error(lambda: lam.put_provisioned_concurrency_config(
    FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=2),
    "InvalidParameterValueException", "reservedConcurrentExecution"),
   "more than the function's reserved concurrency: Lambda's error")
lam.delete_function_concurrency(FunctionName=name)

put = lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live",
                                             ProvisionedConcurrentExecutions=2)
ok(put["RequestedProvisionedConcurrentExecutions"] == 2 and put["Status"] == "IN_PROGRESS",
   "put on the alias: 2 requested, IN_PROGRESS (%s)" % put["Status"])
ok(error(lambda: lam.put_provisioned_concurrency_config(
    FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1),
    "ResourceConflictException"), "its version as well: ResourceConflictException")
got = wait_status("live", "READY")
ok(got["Status"] == "READY" and got["AllocatedProvisionedConcurrentExecutions"] == 2
   and got["AvailableProvisionedConcurrentExecutions"] == 2,
   "the environments are initialised: READY, 2 allocated (%s)" % got["Status"])
listed = lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
ok(len(listed) == 1 and listed[0]["FunctionArn"].endswith(":%s:live" % name),
   "list_provisioned_concurrency_configs: the alias's ARN")

r, p, log = invoke("live")
ok(p["init"] == "provisioned-concurrency" and "Init Duration" not in log
   and r["ExecutedVersion"] == "1",
   "the first invocation is warm, in a provisioned environment (%r)" % p)
r, p, log = invoke("1")
ok(p["init"] == "provisioned-concurrency", "the version itself uses them too")
r, p, log = invoke("$LATEST")
ok(p["init"] == "on-demand" and "Init Duration" in log, "$LATEST starts on demand, cold")

names = set()
end = time.time() + 30
while time.time() < end and "ProvisionedConcurrencyInvocations" not in names:
    ms = cw.list_metrics(Namespace="AWS/Lambda",
                         Dimensions=[{"Name": "FunctionName", "Value": name}])["Metrics"]
    names = {m["MetricName"] for m in ms}
    time.sleep(0.2)
ok({"ProvisionedConcurrencyInvocations", "ProvisionedConcurrentExecutions",
    "ProvisionedConcurrencyUtilization"} <= names, "the ProvisionedConcurrency* metrics")

lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
ok(error(lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live"),
         "ProvisionedConcurrencyConfigNotFoundException"), "deleted: get answers not found")
init = None
end = time.time() + 30
while time.time() < end:
    init = invoke("live")[1]["init"]
    if init == "on-demand":
        break
    time.sleep(0.1)
ok(init == "on-demand", "after the deletion invocations start on demand")

# Kept across a restart: the shell part restarts the cloud and waits for READY again.
lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1",
                                       ProvisionedConcurrentExecutions=1)
print("1..%d" % n)
sys.exit(1 if failed else 0)
