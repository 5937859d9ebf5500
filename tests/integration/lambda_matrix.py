"""
The misbehaving-handler matrix (issue 3, "Bad input and faults") against a real cloud.

Starts `lambda-tutor serve --port 0` on a temporary workspace, deploys the fixture handlers of
fixtures/handlers/ with boto3 (the SDK a learner uses), and checks that each fault is contained and
reported as AWS reports it while the cloud keeps serving: an endless loop, a memory bomb, a
segfault, exit(1), 100 MB to stdout, children left sleeping, a runtime that never polls, a result
posted twice, an unknown request id, oversized payloads. Then many invocations of such handlers,
and no process, file descriptor or memory may leak. TAP on stdout.

Every function carries MATRIX_MARK=<run id> in its environment, which its processes and their
children inherit: scanning /proc for it finds whatever an execution environment left behind.

    python3 lambda_matrix.py path/to/lambda-tutor        (or LAMBDA_TUTOR=path)
    MATRIX_ROUNDS=1000 (default) sets the length of the leak run.
"""

import base64
import concurrent.futures
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "runtimes"))
from rtlib import Tap  # noqa: E402
import cloudlib  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures", "handlers")
RUN_ID = uuid.uuid4().hex[:12]


def zip_dir(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for root, _, files in os.walk(path):
            for name in sorted(files):
                full = os.path.join(root, name)
                info = zipfile.ZipInfo(os.path.relpath(full, path))
                info.external_attr = (os.stat(full).st_mode & 0xFFFF) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(full, "rb") as f:
                    z.writestr(info, f.read())
    return buf.getvalue()


def zip_files(folder, names):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            z.write(os.path.join(folder, name), name)
    return buf.getvalue()


def marked_pids(mark):
    """Live processes whose environment holds MATRIX_MARK=<mark…>."""
    needle = ("MATRIX_MARK=" + mark).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                env = f.read()
            with open("/proc/%s/stat" % entry, "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and any(v.startswith(needle) for v in env.split(b"\0")):
            pids.append(int(entry))
    return pids


def host_pids(mark, inner):
    """
    The host's pids of an environment's processes given as the handler saw them: in a PID
    namespace of its own they are that namespace's (the last field of NSpid). None for a pid
    that no live process with MATRIX_MARK=<mark> has.
    """
    found = {}
    for pid in marked_pids(mark):
        try:
            with open("/proc/%d/status" % pid) as f:
                nspid = next((l.split()[1:] for l in f if l.startswith("NSpid:")), [str(pid)])
        except OSError:
            continue
        found[int(nspid[-1])] = pid
    return [found.get(k) for k in inner]


def process_mark(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            for v in f.read().split(b"\0"):
                if v.startswith(b"MATRIX_MARK="):
                    return v[len("MATRIX_MARK="):].decode()
    except OSError:
        pass
    return None


def describe(pgids):
    """The processes of some process groups, for a failure message."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                pgid = os.getpgid(int(entry))
                if pgid in pgids:
                    with open("/proc/%s/cmdline" % entry, "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")[:100]
                    out.append("pgid %d pid %s: %s" % (pgid, entry, cmd))
            except OSError:
                continue
    return "\n  ".join([""] + sorted(out))


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def wait_until(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class Cloud:
    def __init__(self, binary):
        self.workspace = tempfile.mkdtemp(prefix="lambda-matrix-")
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--workspace",
                                      self.workspace],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.endpoint = None
        self.err = []
        found = threading.Event()

        def read():
            for raw in iter(self.proc.stderr.readline, b""):
                line = raw.decode("utf-8", "replace")
                self.err.append(line)
                m = re.search(r"serving .* on (http://[\w.:\[\]]+)", line)
                if m and not found.is_set():
                    self.endpoint = m.group(1)
                    found.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        found.wait(15)
        if not self.endpoint:
            self.stop()
            raise RuntimeError("the cloud did not start:\n" + "".join(self.err))

    @property
    def pid(self):
        return self.proc.pid

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def cleanup(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        shutil.rmtree(self.workspace, ignore_errors=True)


class Matrix:
    def __init__(self, t, cloud):
        import boto3
        from botocore.config import Config

        self.t = t
        self.cloud = cloud
        # An account of its own, from the control socket, as a check's is.
        key, secret, _ = cloudlib.new_account(cloud.workspace)
        self.lam = boto3.client(
            "lambda", endpoint_url=cloud.endpoint, region_name="us-east-1",
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": 0}, read_timeout=300, connect_timeout=5))
        self.functions = []

    def create(self, name, runtime, handler, code, timeout=30, memory=128):
        self.lam.create_function(
            FunctionName=name, Runtime=runtime, Role=cloudlib.role_for(self.lam), Handler=handler,
            Code={"ZipFile": code}, Timeout=timeout, MemorySize=memory,
            Environment={"Variables": {"MATRIX_MARK": "%s-%s" % (RUN_ID, name)}})
        self.functions.append(name)

    def invoke(self, name, event=None, payload=None):
        """(status, function error, parsed payload or raw text, log tail, seconds)."""
        start = time.time()
        resp = self.lam.invoke(FunctionName=name, LogType="Tail",
                               Payload=payload if payload is not None else json.dumps(event or {}))
        elapsed = time.time() - start
        raw = resp["Payload"].read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw[:300].decode("utf-8", "replace")
        tail = base64.b64decode(resp.get("LogResult", "") or "").decode("utf-8", "replace")
        return resp["StatusCode"], resp.get("FunctionError"), body, tail, elapsed

    def still_serves(self, name, label, after_flood=False):
        status, ferr, body, _, _ = self.invoke(name, {"mode": "ok"})
        if (after_flood and isinstance(body, dict) and
                body.get("errorType") == "Runtime.OutOfMemory"):
            # Node.js queues what the pipe does not take at once; while the cloud drains
            # 100 MB line by line, that queue counts against the function's 128 MB, and
            # the environment may die of it on the next call. A new one must then answer.
            print("# %s: the flooded environment ran out of memory on the next call" % label)
            status, ferr, body, _, _ = self.invoke(name, {"mode": "ok"})
        self.t.ok(status == 200 and ferr is None and isinstance(body, dict) and body.get("ok"),
                  "%s: the function answers again afterwards" % label,
                  "status=%r error=%r body=%r" % (status, ferr, body))

    def fault(self, name, mode, error_type, message_re=None, report_re=None, label=None):
        label = label or "%s %s" % (name, mode)
        status, ferr, body, tail, elapsed = self.invoke(name, {"mode": mode})
        detail = "status=%r error=%r body=%r\ntail=%s" % (status, ferr, body, tail[-1500:])
        self.t.ok(status == 200 and ferr == "Unhandled",
                  "%s: 200 with X-Amz-Function-Error: Unhandled" % label, detail)
        got_type = body.get("errorType") if isinstance(body, dict) else None
        self.t.eq(got_type, error_type, "%s: errorType %s" % (label, error_type), detail)
        if message_re:
            msg = body.get("errorMessage", "") if isinstance(body, dict) else str(body)
            self.t.match(message_re, msg, "%s: errorMessage" % label)
        if report_re:
            self.t.match(report_re, tail, "%s: REPORT line" % label)
        self.still_serves(name, label)
        return body, tail


def deploy(t, cloud):
    m = Matrix(t, cloud)
    py_dir = os.path.join(FIXTURES, "python")
    node_dir = os.path.join(FIXTURES, "node")
    m.create("py", "python3.11", "misbehave.handler", zip_files(py_dir, ["misbehave.py"]))
    m.create("py-timeout", "python3.11", "misbehave.handler", zip_files(py_dir, ["misbehave.py"]),
             timeout=3)
    m.create("node", "nodejs22.x", "misbehave.handler", zip_files(node_dir, ["misbehave.js"]))
    m.create("node-timeout", "nodejs22.x", "misbehave.handler",
             zip_files(node_dir, ["misbehave.js"]), timeout=3)
    m.create("never-polls", "provided.al2023", "unused",
             zip_dir(os.path.join(FIXTURES, "provided", "never_polls")), timeout=2)
    m.create("double-post", "provided.al2023", "unused",
             zip_dir(os.path.join(FIXTURES, "provided", "double_post")), timeout=5)
    return m


def contract(m):
    """The runtime clients inside the real cloud: context, environment and log lines."""
    t = m.t
    iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    m.create("py-ctx", "python3.12", "ctx.handler",
             zip_files(os.path.join(FIXTURES, "python"), ["ctx.py", "logs.py"]), memory=256)
    m.create("node-ctx", "nodejs22.x", "ctx.handler",
             zip_files(os.path.join(FIXTURES, "node"), ["ctx.js", "logs.js"]), memory=256)
    arn = r"^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:%s$"
    status, ferr, got, tail, _ = m.invoke("py-ctx", {})
    if not t.ok(ferr is None and isinstance(got, dict), "python context: invoked", (got, tail)):
        return
    t.eq((got["function_name"], got["function_version"], got["memory_limit_in_mb"]),
         ("py-ctx", "$LATEST", "256"), "python context: name, version, memory (str)")
    t.match(arn % "py-ctx", got["invoked_function_arn"], "python context: invoked_function_arn")
    t.eq(got["log_group_name"], "/aws/lambda/py-ctx", "python context: log_group_name")
    t.match(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$", got["log_stream_name"],
            "python context: log_stream_name")
    t.ok(0 < got["remaining"] <= 30000, "python context: remaining time under the 30 s timeout",
         got["remaining"])
    t.match(r"^START RequestId: %s Version: \$LATEST$" % re.escape(got["aws_request_id"]), tail,
            "python context: aws_request_id is the invocation's RequestId")

    status, ferr, got, tail, _ = m.invoke("node-ctx", {})
    if not t.ok(ferr is None and isinstance(got, dict), "node context: invoked", (got, tail)):
        return
    t.eq((got["functionName"], got["functionVersion"], got["memoryLimitInMB"]),
         ("node-ctx", "$LATEST", "256"), "node context: name, version, memoryLimitInMB (string)")
    t.match(arn % "node-ctx", got["invokedFunctionArn"], "node context: invokedFunctionArn")
    t.ok(0 < got["remaining"] <= 30000, "node context: remaining time", got["remaining"])
    t.match(r"^START RequestId: %s Version: \$LATEST$" % re.escape(got["awsRequestId"]), tail,
            "node context: awsRequestId is the invocation's RequestId")

    # boto3 inside a handler reaches the local cloud with no endpoint in the learner's code.
    m.create("py-sdk", "python3.11", "sdk_call.handler",
             zip_files(os.path.join(FIXTURES, "python"), ["sdk_call.py"]))
    _, ferr, got, tail, _ = m.invoke("py-sdk", {})
    t.ok(ferr is None and isinstance(got, dict) and "py-sdk" in got.get("functions", []),
         "python boto3 in a handler: lists the cloud's own functions via AWS_ENDPOINT_URL",
         (got, tail[-1500:]))

    # Pillow (Debian's python3-pil) inside an environment, for the image-processing project.
    if subprocess.run(["/usr/bin/python3", "-c", "import PIL"], capture_output=True).returncode:
        t.ok(True, "python Pillow in a handler # SKIP python3-pil is not installed")
    else:
        m.create("py-pil", "python3.11", "pil_resize.handler",
                 zip_files(os.path.join(FIXTURES, "python"), ["pil_resize.py"]), memory=512)
        _, ferr, got, tail, _ = m.invoke("py-pil", {"width": 1200, "height": 800, "max": 300})
        t.ok(ferr is None and isinstance(got, dict) and got.get("size") == [300, 200]
             and got.get("jpeg_bytes", 0) > 0, "python Pillow in a handler: an image resized",
             (got, tail[-1500:]))

    m.lam.update_function_configuration(FunctionName="py-ctx", Handler="logs.handler")
    m.lam.update_function_configuration(FunctionName="node-ctx", Handler="logs.handler")
    time.sleep(0.2)
    _, ferr, got, tail, _ = m.invoke("py-ctx", "ev")
    rid = re.search(r"START RequestId: (\S+)", tail)
    rid = re.escape(rid.group(1)) if rid else "-"
    t.match(r"^\[WARNING\]\t%s\t%s\twarned ev$" % (iso, rid), tail,
            "python logs through the cloud: [WARNING]\\t<time>\\t<id>\\t<message>")
    t.match(r"^plain print ev$", tail, "python logs through the cloud: print() unchanged")
    _, ferr, got, tail, _ = m.invoke("node-ctx", "ev")
    rid = re.search(r"START RequestId: (\S+)", tail)
    rid = re.escape(rid.group(1)) if rid else "-"
    t.match(r"^%s\t%s\tINFO\tlogged 3 items for ev$" % (iso, rid), tail,
            "node logs through the cloud: <time>\\t<id>\\tINFO\\t<message>")
    t.match(r"^%s\t%s\tWARN\twarned$" % (iso, rid), tail, "node logs through the cloud: WARN")


def language_faults(m, lang):
    t, cloud = m.t, m.cloud
    status, ferr, body, tail, _ = m.invoke(lang, {"mode": "ok"})
    t.ok(status == 200 and ferr is None and isinstance(body, dict) and body.get("ok"),
         "%s: a well-behaved invocation works" % lang, (status, ferr, body, tail))

    body, tail = m.fault(lang + "-timeout", "loop", "Sandbox.Timedout",
                         r"Task timed out after 3\.00 seconds$",
                         r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms"
                         r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t(Init Duration: "
                         r"[\d.]+ ms\t)?Status: timeout", label="%s endless loop" % lang)
    t.match(r"Task timed out after 3\.00 seconds", tail,
            "%s endless loop: 'Task timed out' in the log" % lang)
    m.fault(lang, "oom", "Runtime.OutOfMemory", None,
            r"Status: error\tError Type: Runtime\.OutOfMemory", label="%s memory bomb" % lang)
    m.fault(lang, "segv", "Runtime.ExitError",
            r"^RequestId: \S+ Error: Runtime exited with (error: )?signal: segmentation fault",
            label="%s segfault" % lang)
    m.fault(lang, "exit", "Runtime.ExitError",
            r"^RequestId: \S+ Error: Runtime exited with error: exit status 1$",
            label="%s exit(1)" % lang)
    m.fault(lang, "big", "Function.ResponseSizeTooLarge",
            # AWS's words; the emulator (RIE) also gives the size: "size (N bytes) exceeded".
            r"^Response payload size (\(\d+ bytes\) )?exceeded maximum allowed payload size "
            r"\(6291556 bytes\)\.$", label="%s 7 MB response" % lang)

    # 100 MB to stdout: the invocation completes, the cloud's memory stays bounded.
    before = rss_kib(cloud.pid)
    status, ferr, body, tail, elapsed = m.invoke(lang, {"mode": "flood"})
    grown = (rss_kib(cloud.pid) - before) // 1024
    t.ok(status == 200 and ferr is None and body == {"flooded_mib": 100},
         "%s 100 MB to stdout: the invocation completes" % lang,
         (status, ferr, body, "%.1fs" % elapsed))
    t.ok(grown < 64, "%s 100 MB to stdout: the cloud grew %d MB (< 64)" % (lang, grown))
    t.ok(len(tail.encode()) <= 4096, "%s 100 MB to stdout: the log tail is at most 4 KB" % lang)
    m.still_serves(lang, "%s 100 MB to stdout" % lang, after_flood=True)

    # Children left sleeping, one of them in its own session: gone with the environment.
    status, ferr, body, _, _ = m.invoke(lang, {"mode": "fork"})
    kids = body.get("children", []) if isinstance(body, dict) else []
    kids = [k for k in host_pids("%s-%s" % (RUN_ID, lang), kids) if k]
    t.ok(len(kids) == 2 and all(alive(k) for k in kids),
         "%s forked children: both sleeping after the invocation" % lang, body)
    m.invoke(lang, {"mode": "exit"})
    t.ok(wait_until(lambda: not any(alive(k) for k in kids), 15),
         "%s forked children: killed with their environment (setsid too)" % lang,
         [k for k in kids if alive(k)])
    m.still_serves(lang, "%s forked children" % lang)



def payload_limits(m):
    t = m.t
    # A payload over 6 MB is refused by the Lambda API itself.
    try:
        m.invoke("py", payload=b'"' + b"x" * (6 * 1024 * 1024 + 200) + b'"')
        t.ok(False, "7 MB request: RequestTooLargeException")
    except Exception as e:  # botocore.exceptions.ClientError
        code = getattr(e, "response", {}).get("Error", {}).get("Code")
        status = getattr(e, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
        t.eq((code, status), ("RequestTooLargeException", 413),
             "7 MB request: RequestTooLargeException (413)")
    m.still_serves("py", "7 MB request")



def custom_runtimes(m):
    t = m.t
    # A runtime that never polls: the invocation times out, its processes are killed.
    status, ferr, body, tail, elapsed = m.invoke("never-polls", {})
    detail = (status, ferr, body, tail[-800:], "%.1fs" % elapsed)
    t.ok(ferr == "Unhandled", "never polls: the invocation fails", detail)
    t.ok(isinstance(body, dict) and body.get("errorType") == "Sandbox.Timedout",
         "never polls: errorType Sandbox.Timedout", detail)
    t.ok(wait_until(lambda: not marked_pids(RUN_ID + "-never-polls"), 15),
         "never polls: its processes are gone", marked_pids(RUN_ID + "-never-polls"))

    # Rule-breaking custom runtime: unknown request id and a second result.
    _, ferr1, first, _, _ = m.invoke("double-post", {})
    _, ferr2, second, tail2, _ = m.invoke("double-post", {})
    ok_shape = isinstance(second, dict)
    t.ok(ferr1 is None and isinstance(first, dict) and first.get("second_code") == "none",
         "custom runtime: the first result is the one returned", first)
    t.eq(ok_shape and (second.get("unknown_code"),
                       (second.get("unknown_body") or {}).get("errorType")),
         ("400", "InvalidRequestID"), "unknown request id: 400 InvalidRequestID", second)
    t.eq(ok_shape and (second.get("second_code"),
                       (second.get("second_body") or {}).get("errorType")),
         ("403", "InvalidStateTransition"), "response posted twice: 403 InvalidStateTransition",
         second)



def leaks(m):
    t, cloud = m.t, m.cloud
    # Many invocations of misbehaving handlers: no process, descriptor or memory leaks.
    rounds = int(os.environ.get("MATRIX_ROUNDS", "1000"))
    # Reach the steady state first: both environments warm, one crash and restart behind them.
    for mode in ("raise", "exit", "ok") + ("raise",) * 10:
        m.invoke("py", {"mode": mode})
        m.invoke("node", {"mode": mode})
    fds_before, rss_before = fd_count(cloud.pid), rss_kib(cloud.pid)

    def rounds_of(first):
        """Every other round, one function's: each function is invoked one call at a time."""
        errors = crashes = 0
        for i in range(first, rounds, 2):
            lang = "py" if i % 2 == 0 else "node"
            mode = "exit" if i % 50 == 49 else ("raise" if i % 3 else "ok")
            status, ferr, body, _, _ = m.invoke(lang, {"mode": mode})
            if mode == "ok" and ferr is not None:
                errors += 1
            if mode != "ok" and ferr != "Unhandled":
                errors += 1
            crashes += mode == "exit"
        return errors, crashes

    # The two functions' rounds side by side, as two clients would call them.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(rounds_of, (0, 1)))
    errors, crashes = sum(c[0] for c in counts), sum(c[1] for c in counts)
    t.eq(errors, 0, "%d invocations (%d crashes): every result as expected" % (rounds, crashes))
    wait_until(lambda: fd_count(cloud.pid) <= fds_before, 3)
    fds_after, rss_after = fd_count(cloud.pid), rss_kib(cloud.pid)
    t.ok(fds_after <= fds_before + 2, "after %d invocations: the cloud's descriptors %d -> %d"
         % (rounds, fds_before, fds_after))
    t.ok(rss_after - rss_before < 32 * 1024, "after %d invocations: the cloud's memory %d -> %d KiB"
         % (rounds, rss_before, rss_after))
    # What is left is warm environments: one process group per function at most.
    groups = {}
    for pid in marked_pids(RUN_ID):
        groups.setdefault(process_mark(pid), set()).add(os.getpgid(pid))
    t.ok(all(len(g) == 1 for g in groups.values()),
         "after %d invocations: at most one execution environment per function is left"
         % rounds, "\n".join("%s: %s" % (k, describe(sorted(v))) for k, v in groups.items()))

    for name in m.functions:
        m.lam.delete_function(FunctionName=name)
    t.ok(wait_until(lambda: not marked_pids(RUN_ID), 20),
         "deleted functions: no process of theirs is left", marked_pids(RUN_ID))
    status = m.lam.list_functions()["ResponseMetadata"]["HTTPStatusCode"]
    t.eq(status, 200, "the cloud still answers after the whole matrix")


def main():
    binary = os.environ.get("LAMBDA_TUTOR") or (sys.argv[1] if len(sys.argv) > 1 else None)
    try:
        import boto3  # noqa: F401
    except ImportError:
        print("1..0 # SKIP boto3 is not installed for %s" % sys.executable)
        return 0
    if not binary or not os.access(binary, os.X_OK):
        print("1..0 # SKIP no lambda-tutor binary given")
        return 0
    t = Tap()
    cloud = Cloud(binary)
    state = {}

    def section(fn, *args):
        def run(tap):
            if "m" not in state:
                tap.ok(False, "%s: nothing deployed" % fn.__name__)
                return
            fn(state["m"], *args)
        run.__name__ = fn.__name__ + "".join("_" + a for a in args)
        return run

    def deployment(tap):
        state["m"] = deploy(tap, cloud)

    def shutdown(tap):
        m = state.get("m") or Matrix(tap, cloud)
        # One more environment warm, with children, then stop the cloud: nothing may outlive it.
        m.create("last", "python3.11", "misbehave.handler",
                 zip_files(os.path.join(FIXTURES, "python"), ["misbehave.py"]))
        m.invoke("last", {"mode": "fork"})
        code = cloud.stop()
        tap.eq(code, 0, "SIGTERM: the cloud exits 0")
        tap.ok(wait_until(lambda: not marked_pids(RUN_ID), 15),
               "SIGTERM: no execution environment or child outlives the cloud",
               marked_pids(RUN_ID))

    only = os.environ.get("MATRIX_ONLY", "")
    sections = [deployment, section(contract), section(language_faults, "py"), section(language_faults, "node"),
                section(payload_limits), section(custom_runtimes), section(leaks), shutdown]
    if only:
        sections = [deployment] + [s for s in sections[1:-1] if re.search(only, s.__name__)] + [shutdown]
    try:
        return t.run(sections)
    finally:
        cloud.cleanup()
        if t.failed:
            sys.stderr.write("".join(cloud.err[-40:]))


if __name__ == "__main__":
    sys.exit(main())
