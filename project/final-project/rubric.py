"""The final project's automatic rubric, run by `lambda-tutor project check`.

It reads the learner's stack in the local cloud, drives it with a set of images it makes
itself (Pillow), and scores each criterion of rubric.yaml with its evidence: it decodes every
output, waits (on the cloud's settle control, stepping the learner's own account's clock past
Lambda's retries, at most SETTLE_S seconds of it) until the bad files' events reach the DLQ or
on-failure destination, reads the Errors alarm's move to ALARM and its notification, and
judges the role by the least-privilege report of the calls the function made. It deploys
nothing and changes only what it uploads (under a prefix of its own run), the failed events it
reads back, a queue it subscribes to the topics and a copy of the Duration alarm that its
calls provoke, both removed at the end. Prints one JSON object:
{"criteria": [{"id", "points", "max", "evidence": [{"check", "pass", "detail"}]}], "points", "max"}.

Each step is named on stderr as it starts, so that the tutor can show progress.

Usage: python3 rubric.py PROJECT_DIR STACK   (AWS_ENDPOINT_URL and the learner's keys set;
LAMBDA_TUTOR_CONTROL: the workspace's control socket)
"""
import http.client
import io
import json
import os
import re
import socket
import sys
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor


class Unused:
    """First on sys.meta_path: the AWS CRT and pyOpenSSL, which botocore and urllib3 load when
    the machine has them, for nothing the rubric does over plain HTTP on loopback. Without
    them, boto3 and its first client start with a third less CPU."""

    def find_spec(self, name, path=None, target=None):
        if name in ("awscrt", "OpenSSL"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Unused())

import boto3  # noqa: E402 (after the finder above)
from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402

try:
    from PIL import Image
except ImportError:  # the checks that need images say so
    Image = None

WAIT_S = float(os.environ.get("RUBRIC_WAIT_S", "90"))  # polled: it returns once done
# Account clock moved on past the retries (1 and 2 minutes after the failures), throttled
# attempts and the alarm's minutes: at most the 300 s an account exercise may step.
SETTLE_S = 300
PROBE_PREFIX = "rubric-"
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
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


class Control:
    """The tutor's controls (/_tutor/...) on the workspace's control socket, for one account."""

    def __init__(self, path, account):
        self.path, self.account = path, account

    def call(self, method, path, timeout=60):
        sep = "&" if "?" in path else "?"
        conn = http.client.HTTPConnection("localhost", timeout=timeout + 10)
        conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.sock.settimeout(timeout + 10)
        conn.sock.connect(self.path)
        try:
            conn.request(method, f"{path}{sep}account={self.account}")
            r = conn.getresponse()
            body = r.read()
        finally:
            conn.close()
        if r.status >= 300:
            raise RuntimeError(f"{path}: {r.status} {body[:200]!r}")
        return json.loads(body) if body else {}

    def settle(self, advance=0):
        """Until the account's work is done, its clock moved on advance seconds on the way."""
        o = self.call("POST", f"/_tutor/settle?advance={advance}&timeout=30", 30)
        for _ in range(8):
            if o.get("settled"):
                break
            o = self.call("POST", f"/_tutor/settle?until={o['target']}&timeout=30", 30)
        return o

    def settle_now(self):
        """Until the work under way is done (at most 30 s), the clock left where it is: the
        retries due later wait for settle()."""
        return self.call("POST", "/_tutor/settle?advance=0&timeout=30", 30)

    def now_ms(self):
        return self.call("GET", "/_tutor/clock")["now"]


T0 = time.monotonic()


def step(what):
    """Name the step starting (RUBRIC_TIMES=1: with the seconds since the start)."""
    at = f" (+{time.monotonic() - T0:.1f} s)" if os.environ.get("RUBRIC_TIMES") else ""
    print(f"rubric: {what}{at}", file=sys.stderr, flush=True)


def client(name):
    return boto3.client(name, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
                        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))


def image_bytes(fmt, size, exif_rotate=False):
    """An image of size in fmt, made once and kept in the user's cache (the 20-megapixel JPEG
    takes a second or more to encode on a busy machine)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "lambda-tutor", "rubric",
                        f"v1-{size[0]}x{size[1]}{'-r' if exif_rotate else ''}.{fmt.lower()}")
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        pass
    img = Image.new("RGB", size, (200, 80, 40))
    buf = io.BytesIO()
    if exif_rotate and fmt == "JPEG":
        exif = Image.Exif()
        exif[0x0112] = 6  # rotated 90 degrees
        img.save(buf, fmt, exif=exif)
    elif fmt == "WEBP":
        img.save(buf, fmt, method=0)  # the fastest encoding
    else:
        img.save(buf, fmt)
    data = buf.getvalue()
    try:  # written aside and renamed: a run beside this one reads it whole or not at all
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass
    return data


def stack_resources(cfn, stack):
    res = {}
    for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]:
        res.setdefault(r["ResourceType"], []).append(r["PhysicalResourceId"])
    return res


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


# The hidden set: name, format, size as stored; the JPEG under 2000 px is EXIF-rotated 90 degrees.
CASES = [("photo one.png", "PNG", (1200, 800)), ("été/rotated.jpg", "JPEG", (900, 600)),
         ("anim.gif", "GIF", (640, 480)), ("pic.webp", "WEBP", (1000, 1000)),
         ("camera/20 megapixel.jpg", "JPEG", (5472, 3648))]
FORMAT_NAMES = {"jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP", "png": "PNG", "gif": "GIF"}


def rotated(fmt, size):
    return fmt == "JPEG" and size[0] < 2000


def upright(fmt, size):
    return (size[1], size[0]) if rotated(fmt, size) else size


def near(a, b):
    return abs(a - b) <= 1


def fits(w, h, up, size):
    """Whether w x h is up resized to size: as a width, or as the longest side (never
    enlarged)."""
    uw, uh = up
    return near(w, min(size, uw)) or near(max(w, h), min(size, max(uw, uh)))


def same_aspect(w, h, up):
    a = up[0] / up[1]
    return w > 0 and h > 0 and (abs(w / h - a) <= 0.02 * a or near(w, h * a) or near(h, w / a))


def decode(s3, bucket, key):
    """The object's (format, width, height, metadata) as Pillow reads its bytes."""
    obj = s3.get_object(Bucket=bucket, Key=key)
    body = obj["Body"].read()
    try:
        img = Image.open(io.BytesIO(body))
        return img.format, img.width, img.height, obj.get("Metadata") or {}
    except Exception:  # an output that is not an image
        return None, 0, 0, obj.get("Metadata") or {}


def judge_outputs(decoded, run, sizes, formats):
    """(missing, skewed): each case's size x format its outputs lack (by their decoded bytes
    and dimensions), and the outputs whose aspect ratio is not the upright source's."""
    by_case = {name: [] for name, _, _ in CASES}
    stems = sorted(((n.rsplit(".", 1)[0], n) for n, _, _ in CASES), key=lambda x: -len(x[0]))
    for key, d in decoded.items():
        rel = key.split(f"rubric-{run}/", 1)[-1]
        name = next((n for stem, n in stems if stem in rel), None)
        if name:
            by_case[name].append((key, d))
    missing, skewed = [], []
    for name, fmt, size in CASES:
        up = upright(fmt, size)
        outs = by_case[name]
        for s in sizes:
            for f in formats:
                want = FORMAT_NAMES.get(f, f.upper())
                if not any(d[0] == want and fits(d[1], d[2], up, s) for _, d in outs):
                    missing.append(f"{name}: no {want} of {s} px")
        skewed += [f"{k.rsplit('/', 1)[-1]} {d[1]}x{d[2]} (source {up[0]}x{up[1]})"
                   for k, d in outs if not same_aspect(d[1], d[2], up)]
    return missing, skewed


def drain(sqs, url, run, rounds=5):
    """The bodies of the messages on url that name this run's keys, deleted; the others are
    made visible again at once."""
    got = []
    for _ in range(rounds):
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                   VisibilityTimeout=30).get("Messages", [])
        if not msgs:
            break
        for m in msgs:
            if f"rubric-{run}/" in m["Body"] or url.endswith("/" + PROBE_PREFIX + run):
                got.append(m["Body"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            else:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                              VisibilityTimeout=0)
    return got


def queue_url(sqs, arn):
    parts = arn.split(":")
    return sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]


def alarm_watches(a, fn, metric):
    """Whether alarm a watches metric of function fn (a metric, or metric math over it)."""
    if a.get("MetricName") == metric:
        return any(d.get("Value") == fn for d in a.get("Dimensions", []))
    for q in a.get("Metrics", []):
        m = q.get("MetricStat", {}).get("Metric", {})
        if m.get("MetricName") == metric and any(d.get("Value") == fn
                                                 for d in m.get("Dimensions", [])):
            return True
    return False


def went_to_alarm(cw, name, since_ms):
    """Whether alarm name moved to ALARM since since_ms (account clock), the actions it ran
    then, and the actions it ran before, from its history."""
    moved, actions, before = False, [], []
    items = cw.describe_alarm_history(AlarmName=name, MaxRecords=100).get("AlarmHistoryItems", [])
    for h in items:
        if h["Timestamp"].timestamp() * 1000 < since_ms - 1000:
            if h.get("HistoryItemType") == "Action":
                before.append(h.get("HistorySummary", ""))
            continue
        if h.get("HistoryItemType") == "StateUpdate":
            try:
                new = json.loads(h.get("HistoryData", "{}")).get("newState", {})
            except ValueError:
                new = {}
            moved |= new.get("stateValue") == "ALARM"
        elif h.get("HistoryItemType") == "Action":
            actions.append(h.get("HistorySummary", ""))
    return moved, actions, before


TWIN_KEYS = ("Namespace", "MetricName", "Dimensions", "Statistic", "ExtendedStatistic",
             "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "ComparisonOperator",
             "TreatMissingData", "EvaluateLowSampleCountPercentile", "Metrics", "AlarmActions")


def duration_twin(cw, alarms, since_ms, now_ms, run):
    """Provoke the Duration alarm with this run's own calls: what its metric, statistic and
    period saw of them (GetMetricData, as the alarm reads it), and a copy of it, actions
    included, whose threshold is half the slowest of those values, put now so that the cloud
    evaluates it on the same data as the clock moves on. A copy and not the alarm itself:
    no calls of the learner's function last the 20 s its threshold rightly sits at, and its
    state is left as it is. (name of the copy or None, what was seen)."""
    a = next((a for a in alarms if a.get("AlarmActions")), alarms[0] if alarms else None)
    if not a:
        return None, "no alarm on the function's Duration"
    period = int(a.get("Period") or 60)
    if a.get("Metrics"):
        queries = a["Metrics"]
    else:
        stat = {"Metric": {k: a[k] for k in ("Namespace", "MetricName", "Dimensions") if k in a},
                "Period": period, "Stat": a.get("ExtendedStatistic") or a.get("Statistic")}
        if a.get("Unit"):
            stat["Unit"] = a["Unit"]
        queries = [{"Id": "duration", "MetricStat": stat, "ReturnData": True}]
    try:
        got = cw.get_metric_data(MetricDataQueries=queries,
                                 StartTime=(since_ms - period * 1000) / 1000,
                                 EndTime=(now_ms + period * 1000) / 1000)
    except (ClientError, BotoCoreError) as err:
        return None, f"its metric cannot be read: {err}"
    values = [v for r in got.get("MetricDataResults", []) for v in r.get("Values", [])]
    if not values:
        return None, (f"its metric {a.get('Namespace')}/{a.get('MetricName')} has no data "
                      "from this run's calls: it watches something the function does not "
                      "produce")
    peak = max(values)
    ms = "" if a.get("Metrics") else " ms"  # metric math may scale it
    name = f"{PROBE_PREFIX}{run}-duration"
    twin = {k: a[k] for k in TWIN_KEYS if k in a}
    twin.update(AlarmName=name, Threshold=peak / 2, ActionsEnabled=True,
                AlarmDescription=f"The final project's rubric: {a['AlarmName']} with its "
                f"threshold at half of {peak:g}{ms}; removed by the rubric")
    try:
        cw.put_metric_alarm(**twin)
    except (ClientError, BotoCoreError) as err:
        return None, f"a copy of {a['AlarmName']} cannot be made: {err}"
    return name, (f"provoked: a copy at {peak / 2:.4g}{ms}, half of the {peak:.4g}{ms} its "
                  "statistic saw of this run's calls")


def sns_messages(bodies):
    """SNS envelopes (TopicArn, Message) from the probe queue's bodies."""
    out = []
    for b in bodies:
        try:
            o = json.loads(b)
        except ValueError:
            continue
        if isinstance(o, dict) and "TopicArn" in o:
            out.append((o["TopicArn"], o.get("Message", "")))
    return out


def check(project, stack):
    rb = Rubric()
    step(f"reading the stack {stack}")
    cfn, s3, lam = client("cloudformation"), client("s3"), client("lambda")
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
    account = conf["FunctionArn"].split(":")[4]
    sock = os.environ.get("LAMBDA_TUTOR_CONTROL")
    ctl = Control(sock, account) if sock and os.path.exists(sock) else None
    env = conf.get("Environment", {}).get("Variables", {})
    out_bucket = env.get("OUTPUT_BUCKET")
    in_bucket = next((b for b in buckets if b != out_bucket), buckets[0])
    t0 = ctl.now_ms() if ctl else int(time.time() * 1000)
    seen = {(i["RequestId"], i["Started"]) for i in invocations(ctl, fn)}

    # Where failures and alarms go, read first: the probe queue hears every topic among them.
    dlq = conf.get("DeadLetterConfig", {}).get("TargetArn")
    try:
        eic = lam.get_function_event_invoke_config(FunctionName=fn)
    except ClientError:
        eic = {}
    on_failure = eic.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    failure_targets = [a for a in (dlq, on_failure) if a]
    cw = client("cloudwatch")
    mine = [a for a in cw.describe_alarms().get("MetricAlarms", [])
            if alarm_watches(a, fn, "Errors") or alarm_watches(a, fn, "Duration")]
    errors_alarms = [a for a in mine if alarm_watches(a, fn, "Errors")]
    duration_alarms = [a for a in mine if alarm_watches(a, fn, "Duration")]
    topics = res.get("AWS::SNS::Topic", [])
    heard = set(topics) | {t for t in failure_targets if ":sns:" in t}
    heard |= {t for a in mine for t in a.get("AlarmActions", []) if ":sns:" in t}

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
    sqs, sns = client("sqs"), client("sns")
    run = uuid.uuid4().hex[:8]
    probe_url = None
    if heard and Image:
        probe_url = sqs.create_queue(QueueName=PROBE_PREFIX + run)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=probe_url, AttributeNames=["QueueArn"])
        # The probe queue lets the topics send to it, as SNS needs.
        sqs.set_queue_attributes(QueueUrl=probe_url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": arn["Attributes"]["QueueArn"],
                "Condition": {"ArnEquals": {"aws:SourceArn": sorted(heard)}}}]})})
        for t in sorted(heard):
            try:
                sns.subscribe(TopicArn=t, Protocol="sqs",
                              Endpoint=arn["Attributes"]["QueueArn"])
            except ClientError:  # a topic that does not exist: the checks say so
                pass
    sizes = [int(s) for s in env.get("SIZES", "").split(",") if s.strip().isdigit()]
    formats = [f.strip().lower() for f in env.get("FORMATS", "").split(",") if f.strip()]
    outputs_ok, heard_msgs, settled = False, [], None
    twin = (None, "not provoked: the images could not be uploaded" if ctl else
            "not provoked: no control socket (LAMBDA_TUTOR_CONTROL)")
    if Image and lfc:
        step(f"uploading {len(CASES) + 2} files to {in_bucket}")
        keys = [f"{prefix}rubric-{run}/{name}" for name, _, _ in CASES]
        bad_keys = [f"{prefix}rubric-{run}/bad.jpg", f"{prefix}rubric-{run}/cut.png"]
        # The bad files first: their attempts start before the images can fill a reserved
        # concurrency, so their retries are over well within the clock's step.
        s3.put_object(Bucket=in_bucket, Key=bad_keys[0], Body=b"not an image")
        s3.put_object(Bucket=in_bucket, Key=bad_keys[1],
                      Body=image_bytes("PNG", (800, 600))[:200])
        # One after the other, as a user uploads, each once the last is done: one environment
        # serves them all, instead of a burst of cold starts that share the machine's cores
        # (each loading the SDK and the imaging library) and time out on a busy one.
        for key, (_, fmt, size) in zip(keys, CASES):
            if ctl:
                ctl.settle_now()
            s3.put_object(Bucket=in_bucket, Key=key,
                          Body=image_bytes(fmt, size, rotated(fmt, size)))
        want = len(keys) * max(1, len(sizes)) * max(1, len(formats))
        found = []
        deadline = time.monotonic() + WAIT_S
        if ctl:
            ctl.settle_now()
            twin = duration_twin(cw, duration_alarms, t0, ctl.now_ms(), run)
            # Every attempt over: the first ones, throttled ones and retries, the failed
            # events delivered, the alarms evaluated at each minute on the way.
            step(f"moving your account's clock on {SETTLE_S} s: outputs, retries, failures, "
                 "alarms")
            settled = ctl.settle(SETTLE_S)
        else:
            step(f"waiting for the outputs in {out_bucket}")
        while True:
            listed = s3.list_objects_v2(Bucket=out_bucket).get("Contents", []) if out_bucket else []
            found = [o["Key"] for o in listed if f"rubric-{run}" in o["Key"]]
            if len(found) >= want or ctl or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        step(f"decoding {len(found)} outputs")
        with ThreadPoolExecutor(4) as pool:
            decoded = dict(zip(found, pool.map(lambda k: decode(s3, out_bucket, k), found)))
        missing, skewed = judge_outputs(decoded, run, sizes, formats)
        rb.add("functionality", "every image gives every size and format, as decoded",
               bool(sizes and formats) and not missing,
               f"{len(found)} outputs for {want} wanted" +
               (f"; {'; '.join(missing[:3])}" if missing else
                f" ({', '.join(sorted({d[0] or '?' for d in decoded.values()}))})"))
        rb.add("functionality", "aspect ratios kept, EXIF rotation applied",
               bool(decoded) and not skewed,
               "; ".join(skewed[:3]) if skewed else f"{len(decoded)} outputs upright, in ratio")
        meta = [bool(d[3]) for d in decoded.values()]
        rb.add("functionality", "outputs carry metadata", bool(meta) and all(meta),
               f"{sum(meta)} of {len(meta)} with metadata")
        outputs_ok = not missing and bool(found)
        bad = [k for k in found if "/bad" in k or "/cut" in k]
        rb.add("error-handling", "bad files produce no output", not bad,
               f"outputs of bad files: {bad[:3]}")
        for k in found:
            s3.delete_object(Bucket=out_bucket, Key=k)
        if probe_url:
            step("reading the notifications")
            heard_msgs = sns_messages(drain(sqs, probe_url, run, rounds=20))
            done = [m for t, m in heard_msgs if t in topics and f"rubric-{run}/" in m
                    and "requestPayload" not in m]
            rb.add("functionality", "one notification per upload", len(done) == len(keys),
                   f"{len(done)} notifications for {len(keys)} uploads")
        else:
            rb.add("functionality", "one notification per upload", False, "no SNS topic")
        rb.add("error-handling", "bad files are logged", logged(fn, conf, bad_keys[0]),
               f"a log line naming {bad_keys[0]}")

        # The bad files' events, after the retries, where failures go.
        step("reading the failed events")
        bodies, where = [], []
        for t in failure_targets:
            if ":sqs:" in t:
                try:
                    bodies += drain(sqs, queue_url(sqs, t), run)
                    where.append(t.rsplit(":", 1)[-1])
                except ClientError as err:
                    where.append(f"{t}: {err}")
            elif ":sns:" in t:
                bodies += [m for tt, m in heard_msgs if tt == t]
                where.append(t.rsplit(":", 1)[-1])
            else:
                where.append(f"{t} (the rubric reads SQS and SNS targets)")
        reached = [k for k in bad_keys
                   if any(k.split("/", 1)[-1] in b and in_bucket in b for b in bodies)]
        rb.add("error-handling", "bad files reach the DLQ or on-failure destination, reprocessable",
               bool(failure_targets) and len(reached) == len(bad_keys),
               f"{len(reached)} of {len(bad_keys)} bad files (bucket and key) in "
               f"{', '.join(where) or 'no DLQ and no on-failure destination'}" +
               ("" if settled is None or settled.get("settled") else
                f"; the cloud was still busy: {settled.get('busy')}"))
    else:
        rb.add("functionality", "images can be made and uploaded", False,
               "Pillow is missing" if not Image else "no notification")
    if probe_url:
        sqs.delete_queue(QueueUrl=probe_url)

    retries = eic.get("MaximumRetryAttempts", 2)
    rb.add("error-handling", "at most two retries", retries <= 2, f"MaximumRetryAttempts {retries}")

    # ---- IAM ----
    step("reading the least-privilege report of the function's calls")
    if ctl:
        try:
            rep = ctl.call("GET", f"/_tutor/iam/report/{urllib.parse.quote(fn, safe='')}")
        except (OSError, RuntimeError, ValueError) as err:
            rep = {"error": str(err)}
    else:
        rep = {"error": "no control socket (LAMBDA_TUTOR_CONTROL)"}
    # The managed policy SAM gives every function for its logs: its "*" is AWS's choice.
    grants = [g for g in rep.get("used", []) + rep.get("unused", [])
              if g.get("policy") != BASIC_EXECUTION]
    wild = [f"{g.get('action', g.get('notAction'))} on {g.get('resource')}" for g in grants
            if "notAction" in g or action_wild(g.get("action", ""))
            or "*" in as_list(g.get("resource"))]
    unused = [f"{g.get('action')} on {g.get('resource')}" for g in rep.get("unused", [])
              if g.get("policy") != BASIC_EXECUTION]
    denied = [f"{c['action']} on {c['resource']}" for c in rep.get("calls", [])
              if c.get("decision") != "allowed"]
    why = rep.get("error")
    rb.add("iam", "no wildcard grants (*, service:*, resource *)", not why and grants and not wild,
           why or f"{len(grants)} grants; wildcards: {wild[:3]}")
    rb.add("iam", "no unused grants (the calls the function made)",
           not why and grants and not unused,
           why or f"unused of {len(grants)}: {unused[:3]}")
    rb.add("iam", "no call of the function denied", not why and rep.get("calls") and not denied,
           why or f"{len(rep.get('calls', []))} kinds of call; denied: {denied[:3]}")

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
    fired, notified, how = False, False, "no alarm on the function's Errors"
    for a in errors_alarms:
        name = a["AlarmName"]
        moved, actions, before = went_to_alarm(cw, name, t0)
        told = [t for t, m in heard_msgs if name in m and "ALARM" in m]
        ok_actions = [x for x in actions if x.startswith("Successfully")]
        now = cw.describe_alarms(AlarmNames=[name]).get("MetricAlarms", [{}])[0]
        if not moved and a.get("StateValue") == "ALARM" and now.get("StateValue") == "ALARM":
            # In ALARM since an earlier run: these failures kept it there, and an alarm
            # notifies on a change of state only. Its earlier notification stands.
            sent = [x for x in before if x.startswith("Successfully")]
            fired, notified = True, bool(sent)
            how = (f"{name}: in ALARM since an earlier run, kept there by these failures; "
                   + (f"it notified then ({sent[0].rsplit(' ', 1)[-1]})" if sent
                      else "it notified no one then"))
        else:
            fired, notified = fired or moved, notified or (moved and bool(told))
            how = (f"{name}: " + ("went to ALARM" if moved else
                                  f"never went to ALARM ({now.get('StateValue')})") +
                   (f", notified {ok_actions[0].rsplit(' ', 1)[-1] if ok_actions else '?'}"
                    if told else f", no notification ({'; '.join(actions[:1]) or 'no action'})"))
        if notified:
            break
    rb.add("monitoring", "the Errors alarm goes to ALARM on failures and notifies",
           fired and notified, how)
    fine = [a for a in duration_alarms if a.get("AlarmActions")
            and a.get("Threshold", 0) < conf.get("Timeout", 3) * 1000
            and all(t in heard for t in a["AlarmActions"] if ":sns:" in t)]
    # Provoked: the copy of the alarm with a threshold its own data crosses went to ALARM
    # and its notification came through.
    name, saw = twin
    fired_twin = False
    if name:
        moved, actions, _ = went_to_alarm(cw, name, t0)
        told = [t for t, m in heard_msgs if name in m and "ALARM" in m]
        fired_twin = moved and bool(told)
        saw += ("; it went to ALARM" if moved else "; it never went to ALARM") + \
            (f" and notified {told[0].rsplit(':', 1)[-1]}" if told else
             f", no notification ({'; '.join(actions[:1]) or 'no action'})")
        cw.delete_alarms(AlarmNames=[name])
    rb.add("monitoring", "the Duration alarm, below the timeout, goes to ALARM on slow calls "
           "and notifies", bool(fine) and fired_twin,
           "; ".join(f"{a['AlarmName']}: {a.get('ExtendedStatistic') or a.get('Statistic')} > "
                     f"{a.get('Threshold')} ms (timeout {conf.get('Timeout', 3)} s), actions "
                     f"{a.get('AlarmActions')}" for a in duration_alarms) +
           f"; {saw}" if duration_alarms else "no alarm on the function's Duration")
    fmt = conf.get("LoggingConfig", {}).get("LogFormat", "Text")
    rb.add("monitoring", "JSON logs", fmt == "JSON", f"LogFormat {fmt}")
    custom = [m for m in cw.list_metrics().get("Metrics", [])
              if not m["Namespace"].startswith("AWS/")]
    rb.add("monitoring", "a custom metric", bool(custom and outputs_ok),
           ", ".join(sorted({f"{m['Namespace']}/{m['MetricName']}" for m in custom}))[:200]
           or "none")

    # ---- code quality and documentation ----
    step("reading the code and the README")
    readme_path = os.path.join(project, "README.md")
    readme = open(readme_path, encoding="utf-8").read() if os.path.exists(readme_path) else ""
    words = len(readme.split())
    rb.add("code-docs", "a README beside the template", words >= 80 and "TODO" not in readme,
           f"{words} words")
    lines = code.count("\n")
    rb.add("code-docs", "the handler is small (at most 300 lines)", 0 < lines <= 300,
           f"{lines} lines of code")
    funcs = len(re.findall(r"^\s*(def |function |const \w+ = (async )?\()", code, re.M))
    rb.add("code-docs", "split into functions", funcs >= 3, f"{funcs} functions")

    # ---- performance and cost ----
    step("reading the run's durations, memory and cost")
    mem, timeout = conf.get("MemorySize", 128), conf.get("Timeout", 3)
    invs = [i for i in invocations(ctl, fn) if (i["RequestId"], i["Started"]) not in seen]
    good = [i for i in invs if not i.get("ErrorType") and i.get("Status") != "error"]
    used = max((i.get("MaxMemoryUsedMB", 0) for i in good), default=0)
    slow = max((i.get("DurationMs", 0) for i in good), default=0)
    cost = sum(i.get("CostUSDx86_64", 0) for i in good) / len(good) * 1e6 if good else 0
    rb.add("performance", "memory fits the largest image (at most 80 % used)",
           bool(good) and used <= 0.8 * mem,
           f"Max Memory Used {used} of {mem} MB over {len(good)} calls; slowest "
           f"{slow:.0f} ms; ${cost:.2f} per million calls")
    tuned = re.search(r"\btune\b", readme) and re.search(rf"\b{mem}\b", readme)
    rb.add("performance", "memory chosen with evidence (tune's figures in the README)",
           bool(tuned) and mem != 128,
           f"MemorySize {mem}; the README " +
           ("names tune and that size" if tuned else "does not name tune and that size"))
    rb.add("performance", "timeout bounded (at most 60 s)", timeout <= 60, f"Timeout {timeout}")
    return rb


def invocations(ctl, fn):
    """The function's last 100 invocations (duration, memory used, cost), newest first."""
    try:
        o = ctl.call("GET", f"/_tutor/metrics?function={urllib.parse.quote(fn)}")
        return o.get("Invocations", [])
    except (AttributeError, OSError, RuntimeError, ValueError):
        return []


def action_wild(a):
    return a == "*" or a.split(":", 1)[-1] == "*" and ":" in a


def main():
    global T0
    T0 = time.monotonic()
    if len(sys.argv) != 3:
        print("usage: rubric.py PROJECT_DIR STACK", file=sys.stderr)
        return 2
    try:
        rb = check(sys.argv[1], sys.argv[2])
    except (ClientError, BotoCoreError) as err:
        print(json.dumps({"error": str(err)}))
        return 1
    if os.environ.get("RUBRIC_TIMES"):
        step("done")
    print(json.dumps(rb.result()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
