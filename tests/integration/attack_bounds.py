"""
Bounded resources: a handler that floods its output, writes lines longer than an event, or
writes bytes that are not text cannot grow the cloud without limit nor break the readers of
its logs; CloudWatch Logs keeps AWS's limits and honours retention policies; the cloud says
what its state takes on disk. Each case names what a hostile handler or client does and
what must come of it. TAP.

    python3 attack_bounds.py path/to/lambda-tutor
"""

import contextlib
import json
import os
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "runtimes"))
sys.path.insert(0, HERE)
from rtlib import Tap  # noqa: E402
from cloudlib import Cloud, zip_files  # noqa: E402
import cloudlib  # noqa: E402

try:
    import boto3  # noqa: F401
    from botocore.exceptions import ClientError
except ImportError:
    print("1..0 # SKIP no boto3 for %s" % sys.executable)
    sys.exit(0)

CAP_MB = 4
EVENT_MAX = 262144 - 26  # a function's line, as Lambda cuts it

FLOOD = r'''
import sys
def handler(event, context):
    line = "f" * 9999 + "\n"
    for _ in range(event["lines"]):
        sys.stdout.write(line)
    sys.stdout.flush()
    return "done"
'''
LONG = r'''
import sys
def handler(event, context):
    sys.stdout.write("\u20ac" * 500000 + "\n")
    sys.stdout.buffer.write(b"bin\xff\xfe\x00tail\n")
    sys.stdout.flush()
    return "done"
'''


def code_of(fn):
    try:
        fn()
        return None
    except ClientError as e:
        return e.response["Error"]["Code"]


def wait_for(cond, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


def create(lam, name, text, timeout=30):
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=cloudlib.role_for(lam), Handler="app.handler",
                        Code={"ZipFile": zip_files({"app.py": text})}, Timeout=timeout,
                        MemorySize=256)


def test_disk(t, cloud):
    t.match(r"its state takes [\d.]+ MB on disk \(database [\d.]+ MB.*logs [\d.]+ MB of at most "
            r"%d MB\)" % CAP_MB, cloud.log_tail(), "serve says at start what the state takes")
    d = cloud.health().get("disk", {})
    t.ok(d.get("bytes", 0) > 0 and d.get("databaseBytes", 0) > 0 and
         d.get("logBytesLimit") == CAP_MB << 20, "/_tutor/health says it too", d)


def test_flood(t, cloud, lam, logs):
    """Six functions each write 2 MB of output, one after the other: 12 MB for a 4 MB cap."""
    for i in range(6):
        create(lam, "flood%d" % i, FLOOD)
    for i in range(6):
        r = lam.invoke(FunctionName="flood%d" % i, Payload=json.dumps({"lines": 200}).encode())
        t.ok(r["StatusCode"] == 200 and "FunctionError" not in r,
             "flood%d writes 2 MB of output" % i, r.get("FunctionError"))

    def within():
        return cloud.health()["disk"]["logBytes"] <= CAP_MB << 20
    t.ok(wait_for(within), "the logs the workspace keeps stay within the cap",
         cloud.health()["disk"])

    def stored():
        return {g["logGroupName"]
                for g in logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/flood")
                ["logGroups"] if g["storedBytes"] > 0}

    def oldest_gone():
        groups = stored()
        return "/aws/lambda/flood0" not in groups and "/aws/lambda/flood5" in groups
    t.ok(wait_for(oldest_gone), "the streams written to longest ago went first, the newest is kept",
         sorted(stored()))
    ev = logs.filter_log_events(logGroupName="/aws/lambda/flood5",
                                filterPattern='"REPORT RequestId"')["events"]
    t.eq(len(ev), 1, "the newest invocation's REPORT line is there")
    db = os.path.join(cloud.workspace, ".cloud", "cloud.db")

    def size():
        return sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    # The write-ahead log is folded back at SQLite's checkpoints, which readers on a busy machine
    # put off until the next write: ask for one, as the next write would.
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=5)) as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as e:
        print("# checkpoint: %s" % e)
    wait_for(lambda: size() < (3 * CAP_MB + 8) << 20)
    t.ok(size() < (3 * CAP_MB + 8) << 20, "the database holds %.1f MB after 12 MB of output" %
         (size() / 1048576.0))


def test_long_lines(t, cloud, lam, logs):
    create(lam, "long", LONG)
    r = lam.invoke(FunctionName="long", Payload=b"{}")
    t.ok(r["StatusCode"] == 200 and "FunctionError" not in r,
         "a handler writes a 1.5 MB line of 3-byte characters, and bytes that are not text")
    try:
        ev = logs.filter_log_events(logGroupName="/aws/lambda/long")["events"]
    except Exception as e:  # the answer is not JSON in UTF-8
        t.ok(False, "its logs can be read", repr(e)[:400])
        return
    long = [e["message"] for e in ev if e["message"].startswith("\u20ac")]
    t.ok(len(long) == 1 and len(long[0].encode()) <= EVENT_MAX and
         set(long[0]) == {"\u20ac"},
         "the long line is one event cut on a whole character within %d bytes" % EVENT_MAX,
         [len(m.encode()) for m in long])
    binary = [e["message"] for e in ev if e["message"].startswith("bin")]
    t.eq(binary, ["bin\ufffd\ufffd\ufffdtail"], "bytes that are not text read as U+FFFD")


def test_logs_api(t, cloud, logs):
    logs.create_log_group(logGroupName="/app/kept")
    t.eq(code_of(lambda: logs.put_log_events(
        logGroupName="/app/kept", logStreamName="nope",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "x"}])),
        "ResourceNotFoundException", "PutLogEvents to a stream that does not exist is refused")
    logs.create_log_stream(logGroupName="/app/kept", logStreamName="s")
    t.eq(code_of(lambda: logs.create_log_stream(logGroupName="/app/kept", logStreamName="s")),
         "ResourceAlreadyExistsException", "CreateLogStream twice is refused")
    now = int(time.time() * 1000)
    t.eq(code_of(lambda: logs.put_log_events(
        logGroupName="/app/kept", logStreamName="s",
        logEvents=[{"timestamp": now, "message": "y" * (1048576 - 25)}])),
        "InvalidParameterException", "an event over 1 MB is refused")
    t.eq(code_of(lambda: logs.put_retention_policy(logGroupName="/app/kept",
                                                   retentionInDays=2)),
         "InvalidParameterException", "a retention CloudWatch does not offer is refused")
    logs.put_retention_policy(logGroupName="/app/kept", retentionInDays=1)
    g = logs.describe_log_groups(logGroupNamePrefix="/app/kept")["logGroups"][0]
    t.eq(g.get("retentionInDays"), 1, "DescribeLogGroups shows the retention")
    r = logs.put_log_events(logGroupName="/app/kept", logStreamName="s",
                            logEvents=[{"timestamp": now - 2 * 86400000, "message": "old"},
                                       {"timestamp": now, "message": "today"}])
    t.eq(r.get("rejectedLogEventsInfo"), {"expiredLogEventEndIndex": 0},
         "an event older than the retention is rejected as expired")
    t.eq([e["message"] for e in logs.filter_log_events(logGroupName="/app/kept")["events"]],
         ["today"], "the event of today is kept")
    status, body = cloud.control("POST", "/_tutor/clock/advance?seconds=90000", timeout=10)
    t.eq(status, 200, "the clock moves on a day and an hour", body)
    t.ok(wait_for(lambda: not logs.filter_log_events(logGroupName="/app/kept")["events"]),
         "a day and an hour later the retention has expired it")
    logs.delete_retention_policy(logGroupName="/app/kept")
    g = logs.describe_log_groups(logGroupNamePrefix="/app/kept")["logGroups"][0]
    t.ok("retentionInDays" not in g, "DeleteRetentionPolicy keeps events forever again", g)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LAMBDA_TUTOR")
    t = Tap()
    cloud = Cloud(binary, args=["--logs-max-mb", str(CAP_MB)], prefix="attack-bounds-")
    try:
        cloud.start()
        lam = cloud.client("lambda", read_timeout=120)
        logs = cloud.client("logs")
        for test, args in ((test_disk, (t, cloud)), (test_flood, (t, cloud, lam, logs)),
                           (test_long_lines, (t, cloud, lam, logs)),
                           (test_logs_api, (t, cloud, logs))):
            try:
                test(*args)
            except Exception:
                import traceback
                t.ok(False, "%s raised" % test.__name__, traceback.format_exc())
        t.eq(cloud.stop(), 0, "the cloud stops cleanly", cloud.log_tail())
    finally:
        cloud.cleanup()
    print("1..%d" % t.n, flush=True)
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
