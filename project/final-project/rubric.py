"""The final project's automatic rubric, run by `lambda-tutor project check`.

It reads the learner's stack in the local cloud, drives it with a set of images it makes
itself (Pillow), and scores each criterion of rubric.yaml with its evidence. It deploys nothing
and changes only what it uploads (under a prefix of its own run) and a queue it subscribes to
the topic, both removed at the end. Prints one JSON object:
{"criteria": [{"id", "points", "max", "evidence": [{"check", "pass", "detail"}]}], "points", "max"}.

Each step is named on stderr as it starts, so that the tutor can show progress.

Usage: python3 rubric.py PROJECT_DIR STACK   (AWS_ENDPOINT_URL and the learner's keys set)
"""
import io
import json
import os
import re
import sys
import time
import urllib.parse
import uuid

import boto3
from botocore.exceptions import BotoCoreError, ClientError

try:
    from PIL import Image
except ImportError:  # the checks that need images say so
    Image = None

WAIT_S = float(os.environ.get("RUBRIC_WAIT_S", "90"))  # polled: it returns once done
CRITERIA = ["functionality", "error-handling", "iam", "configuration", "monitoring",
            "code-docs", "performance"]


class Rubric:
    def __init__(self):
        self.scores = {c: [] for c in CRITERIA}

    def add(self, criterion, check, ok, detail):
        self.scores[criterion].append({"check": check, "pass": bool(ok), "detail": detail})
        return ok

    def result(self):
        out = {"criteria": [], "points": 0, "max": 0}
        for c in CRITERIA:
            ev = self.scores[c]
            pts = sum(1 for e in ev if e["pass"])
            out["criteria"].append({"id": c, "points": pts, "max": len(ev), "evidence": ev})
            out["points"] += pts
            out["max"] += len(ev)
        return out


def step(what):
    print(f"rubric: {what}", file=sys.stderr, flush=True)


def client(name):
    return boto3.client(name, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
                        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))


def image_bytes(fmt, size, exif_rotate=False):
    img = Image.new("RGB", size, (200, 80, 40))
    buf = io.BytesIO()
    if exif_rotate and fmt == "JPEG":
        exif = Image.Exif()
        exif[0x0112] = 6  # rotated 90 degrees
        img.save(buf, fmt, exif=exif)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def stack_resources(cfn, stack):
    res = {}
    for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]:
        res.setdefault(r["ResourceType"], []).append(r["PhysicalResourceId"])
    return res


# AWS's managed policy that SAM gives every function for its logs: its "*" is AWS's choice.
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def role_statements(iam, role):
    docs = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        docs.append(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
    for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        if p["PolicyArn"] == BASIC_EXECUTION:
            continue
        pol = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]
        v = iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=pol["DefaultVersionId"])
        docs.append(v["PolicyVersion"]["Document"])
    out = []
    for d in docs:
        if isinstance(d, str):
            d = json.loads(urllib_unquote(d))
        st = d.get("Statement", [])
        out.extend(st if isinstance(st, list) else [st])
    return out


def urllib_unquote(s):
    return urllib.parse.unquote(s)


def function_config(fn):
    """GetFunctionConfiguration as the service answers it: newer members (LoggingConfig)
    that an older botocore would drop are kept."""
    import urllib.request
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    url = f"{endpoint}/2015-03-31/functions/{urllib.parse.quote(fn, safe='')}/configuration"
    req = AWSRequest(method="GET", url=url)
    creds = boto3.session.Session().get_credentials()
    SigV4Auth(creds, "lambda", os.environ.get("AWS_DEFAULT_REGION", "us-east-1")).add_auth(req)
    with urllib.request.urlopen(urllib.request.Request(url, headers=dict(req.headers))) as r:
        return json.loads(r.read())


def logged(fn, conf, text, wait_s=10):
    """Whether a log event of the function's names text (polled: logs trail the invocation)."""
    logs = client("logs")
    group = conf.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{fn}"
    since = int((time.time() - 3600) * 1000)
    deadline = time.monotonic() + wait_s
    while True:
        kw = {"logGroupName": group, "startTime": since}
        try:
            for _ in range(20):
                page = logs.filter_log_events(**kw)
                if any(text in e.get("message", "") for e in page.get("events", [])):
                    return True
                if not page.get("nextToken"):
                    break
                kw["nextToken"] = page["nextToken"]
        except ClientError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def as_list(v):
    return v if isinstance(v, list) else [v] if v is not None else []


def check(project, stack):
    rb = Rubric()
    step(f"reading the stack {stack}")
    cfn, s3, lam, iam = client("cloudformation"), client("s3"), client("lambda"), client("iam")
    try:
        res = stack_resources(cfn, stack)
    except (ClientError, BotoCoreError) as err:
        for c in CRITERIA:
            rb.add(c, "the stack is deployed", False, f"stack {stack}: {err}")
        return rb
    fns = res.get("AWS::Lambda::Function", [])
    buckets = res.get("AWS::S3::Bucket", [])
    if not fns or len(buckets) < 2:
        for c in CRITERIA:
            rb.add(c, "the stack has a function and two buckets", False,
                   f"functions {fns}, buckets {buckets}")
        return rb
    fn = fns[0]
    conf = function_config(fn)
    env = conf.get("Environment", {}).get("Variables", {})
    out_bucket = env.get("OUTPUT_BUCKET")
    in_bucket = next((b for b in buckets if b != out_bucket), buckets[0])

    # ---- functionality ----
    notif = s3.get_bucket_notification_configuration(Bucket=in_bucket)
    lfc = notif.get("LambdaFunctionConfigurations", [])
    rules = {r["Name"].lower(): r["Value"] for c in lfc
             for r in c.get("Filter", {}).get("Key", {}).get("FilterRules", [])}
    prefix = rules.get("prefix", "")
    rb.add("functionality", "uploads to the input bucket invoke the function", bool(lfc),
           f"{len(lfc)} notification(s) on {in_bucket}")
    rb.add("error-handling", "a prefix filter: the function's writes cannot invoke it",
           bool(prefix) or in_bucket != out_bucket, f"filter rules {rules}")
    topics = res.get("AWS::SNS::Topic", [])
    sqs, sns = client("sqs"), client("sns")
    probe_url = None
    if topics and Image:
        probe_url = sqs.create_queue(QueueName=f"rubric-{uuid.uuid4().hex[:12]}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=probe_url, AttributeNames=["QueueArn"])
        # The probe queue lets the topic send to it, as SNS needs.
        qarn = arn["Attributes"]["QueueArn"]
        sqs.set_queue_attributes(QueueUrl=probe_url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": qarn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topics[0]}}}]})})
        sns.subscribe(TopicArn=topics[0], Protocol="sqs", Endpoint=qarn)
    run = uuid.uuid4().hex[:8]
    sizes = [int(s) for s in env.get("SIZES", "").split(",") if s.strip().isdigit()]
    formats = [f.strip().lower() for f in env.get("FORMATS", "").split(",") if f.strip()]
    outputs_ok = False
    if Image and lfc:
        cases = [("photo one.png", "PNG", (1200, 800)), ("été/rotated.jpg", "JPEG", (900, 600)),
                 ("anim.gif", "GIF", (640, 480)), ("pic.webp", "WEBP", (1000, 1000)),
                 ("camera/20 megapixel.jpg", "JPEG", (5472, 3648))]
        keys = []
        step(f"uploading {len(cases) + 2} files to {in_bucket}")
        for name, fmt, size in cases:
            key = f"{prefix}rubric-{run}/{name}"
            s3.put_object(Bucket=in_bucket, Key=key,
                          Body=image_bytes(fmt, size, fmt == "JPEG" and size[0] < 2000))
            keys.append((key, size))
        s3.put_object(Bucket=in_bucket, Key=f"{prefix}rubric-{run}/bad.jpg", Body=b"not an image")
        s3.put_object(Bucket=in_bucket, Key=f"{prefix}rubric-{run}/cut.png",
                      Body=image_bytes("PNG", (800, 600))[:200])
        found = []
        step(f"waiting for the outputs in {out_bucket}")
        deadline = time.monotonic() + WAIT_S
        want = len(keys) * max(1, len(sizes)) * max(1, len(formats))
        while time.monotonic() < deadline:
            listed = s3.list_objects_v2(Bucket=out_bucket).get("Contents", []) if out_bucket else []
            found = [o["Key"] for o in listed if f"rubric-{run}" in o["Key"]]
            if len(found) >= want:
                break
            time.sleep(0.5)
        rb.add("functionality", "every image gives every size and format", len(found) >= want,
               f"{len(found)} of {want} outputs in {out_bucket}")
        ratios, meta = [], []
        for k in found[:8]:
            obj = s3.get_object(Bucket=out_bucket, Key=k)
            meta.append(bool(obj.get("Metadata")))
            try:
                w, h = Image.open(io.BytesIO(obj["Body"].read())).size
                ratios.append((k, w, h))
            except Exception as err:  # an output that is not an image
                ratios.append((k, 0, 0))
        kept = all(w and h and (abs(w / h - 1.5) < 0.02 or abs(w / h - 1.0) < 0.02
                                or abs(w / h - 4 / 3) < 0.02 or abs(h / w - 1.5) < 0.02)
                   for _, w, h in ratios)
        rb.add("functionality", "aspect ratios kept", bool(ratios) and kept,
               ", ".join(f"{k.rsplit('/', 1)[-1]} {w}x{h}" for k, w, h in ratios[:4]))
        rb.add("functionality", "outputs carry metadata", bool(meta) and all(meta),
               f"{sum(meta)} of {len(meta)} with metadata")
        outputs_ok = len(found) >= want
        bad = [k for k in found if "bad" in k or "cut" in k]
        rb.add("error-handling", "bad files produce no output", not bad,
               f"outputs of bad files: {bad[:3]}")
        if probe_url:
            step("reading the notifications")
            got = 0
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and got < len(keys):
                m = sqs.receive_message(QueueUrl=probe_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=1).get("Messages", [])
                got += sum(1 for x in m if f"rubric-{run}" in x["Body"])
            rb.add("functionality", "one notification per upload", got == len(keys),
                   f"{got} notifications for {len(keys)} uploads")
        for k in found:
            s3.delete_object(Bucket=out_bucket, Key=k)
        rb.add("error-handling", "bad files are logged", logged(fn, conf, f"rubric-{run}/bad.jpg"),
               f"a log line naming {prefix}rubric-{run}/bad.jpg")
    else:
        rb.add("functionality", "images can be made and uploaded", False,
               "Pillow is missing" if not Image else "no notification")
    if probe_url:
        sqs.delete_queue(QueueUrl=probe_url)

    # ---- error handling ----
    step("reading the failure destination and retries")
    dlq = conf.get("DeadLetterConfig", {}).get("TargetArn")
    try:
        eic = lam.get_function_event_invoke_config(FunctionName=fn)
    except ClientError:
        eic = {}
    on_failure = eic.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    rb.add("error-handling", "failures reach a DLQ or an on-failure destination",
           bool(dlq or on_failure), f"DeadLetterConfig {dlq}, OnFailure {on_failure}")
    retries = eic.get("MaximumRetryAttempts", 2)
    rb.add("error-handling", "at most two retries", retries <= 2, f"MaximumRetryAttempts {retries}")

    # ---- IAM ----
    step("reading the execution role's policies")
    role = conf["Role"].rsplit("/", 1)[-1]
    try:
        stmts = role_statements(iam, role)
    except ClientError as err:
        stmts = []
        rb.add("iam", "the role's policies can be read", False, str(err))
    allows = [s for s in stmts if s.get("Effect") == "Allow"]
    wild_actions = [a for s in allows for a in as_list(s.get("Action"))
                    if a == "*" or a.endswith(":*")]
    wild_res = [s for s in allows if "*" in as_list(s.get("Resource"))]
    rb.add("iam", "no action wildcards (*, service:*)", not wild_actions, f"{wild_actions[:4]}")
    rb.add("iam", "no resource *", not wild_res, f"{len(wild_res)} statement(s) on *")
    rb.add("iam", "the role grants something", bool(allows), f"{len(allows)} Allow statement(s)")

    # ---- configuration ----
    step("reading the configuration")
    rb.add("configuration", "sizes and formats from variables", bool(sizes) and bool(formats),
           f"SIZES={env.get('SIZES')} FORMATS={env.get('FORMATS')}")
    rb.add("configuration", "the output bucket from a variable", bool(out_bucket),
           f"OUTPUT_BUCKET={out_bucket}")
    secret = [k for k in env if re.search(r"SECRET|PASSWORD|TOKEN|PRIVATE|ACCESS_KEY", k, re.I)]
    rb.add("configuration", "no secrets in variables", not secret, f"suspicious: {secret}")
    code = ""
    for root, _, files in os.walk(project):
        for f in files:
            if f.endswith((".py", ".mjs", ".js")) and "node_modules" not in root:
                with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
                    code += fh.read()
    hard = [b for b in buckets if b in code]
    rb.add("configuration", "no bucket names in the code", not hard, f"found: {hard}")

    # ---- monitoring ----
    step("reading the alarms, the log format and the metrics")
    cw = client("cloudwatch")
    alarms = cw.describe_alarms().get("MetricAlarms", [])
    mine = [a for a in alarms
            if any(d.get("Value") == fn for d in a.get("Dimensions", []))]
    metrics = {a.get("MetricName") for a in mine}
    rb.add("monitoring", "an alarm on Errors", "Errors" in metrics, f"alarms on {sorted(metrics)}")
    rb.add("monitoring", "an alarm on Duration", "Duration" in metrics,
           f"alarms on {sorted(metrics)}")
    fmt = conf.get("LoggingConfig", {}).get("LogFormat", "Text")
    rb.add("monitoring", "JSON logs", fmt == "JSON", f"LogFormat {fmt}")
    custom = [m for m in cw.list_metrics().get("Metrics", [])
              if not m["Namespace"].startswith("AWS/")]
    rb.add("monitoring", "a custom metric", bool(custom and outputs_ok),
           ", ".join(sorted({f"{m['Namespace']}/{m['MetricName']}" for m in custom}))[:200]
           or "none")

    # ---- code quality and documentation ----
    step("reading the code and the README")
    readme = os.path.join(project, "README.md")
    words = len(open(readme, encoding="utf-8").read().split()) if os.path.exists(readme) else 0
    rb.add("code-docs", "a README beside the template", words >= 80 and "TODO" not in
           (open(readme, encoding="utf-8").read() if words else "TODO"), f"{words} words")
    lines = code.count("\n")
    rb.add("code-docs", "the handler is small (at most 300 lines)", 0 < lines <= 300,
           f"{lines} lines of code")
    funcs = len(re.findall(r"^\s*(def |function |const \w+ = (async )?\()", code, re.M))
    rb.add("code-docs", "split into functions", funcs >= 3, f"{funcs} functions")

    # ---- performance and cost ----
    mem, timeout = conf.get("MemorySize", 128), conf.get("Timeout", 3)
    rb.add("performance", "memory chosen (not the default)", mem != 128 and mem <= 3008,
           f"MemorySize {mem}")
    rb.add("performance", "timeout bounded (at most 60 s)", timeout <= 60, f"Timeout {timeout}")
    return rb


def main():
    if len(sys.argv) != 3:
        print("usage: rubric.py PROJECT_DIR STACK", file=sys.stderr)
        return 2
    try:
        rb = check(sys.argv[1], sys.argv[2])
    except (ClientError, BotoCoreError) as err:
        print(json.dumps({"error": str(err)}))
        return 1
    print(json.dumps(rb.result()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
