"""
Concurrent cold starts of one function against a real cloud: every invocation of a burst of
BURST_SIZE simultaneous invokes, with no environment warm, must get its own event back, quickly.

A burst starts BURST_SIZE environments at once. Each one must poll /invocation/next and be given
exactly the invocation it was started for: an invocation left behind waits out the 10 s init
cap plus the function's timeout and ends as Sandbox.Timedout; one delivered to the wrong
environment comes back as another invocation's event. Rounds use a new function each, then the
same function again after UpdateFunctionConfiguration retired its environments, for Python and
Node.js. TAP on stdout.

    python3 cold_burst.py path/to/lambda-tutor        (or LAMBDA_TUTOR=path)
    BURST_ROUNDS=3 (default) sets the number of bursts per function.
"""

import base64
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
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "runtimes"))
from rtlib import Tap  # noqa: E402
import cloudlib  # noqa: E402

BURST_SIZE = 8
ROUNDS = int(os.environ.get("BURST_ROUNDS", "3"))
TIMEOUT = 15  # the function's, seconds: a stranded invocation takes 10 s more than this
# Every answer of a burst within this, seconds: a second or two alone, more beside the suite's
# other tests; a stranded invocation waits the init cap and the timeout (25 s) and fails.
QUICK = 20
MEMORY = 2048  # a whole vCPU each, as from 1,769 MB: CPU shares are not what this tests

HANDLERS = {
    "python3.12": ("app.handler", "app.py",
                   "def handler(event, context):\n"
                   "    return {'event': event}\n"),
    "nodejs22.x": ("h.handler", "h.js",
                   "exports.handler = async (event) => ({ event });\n"),
}


def zip_one(name, text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, text)
    return base64.b64encode(buf.getvalue()).decode()


class Cloud:
    def __init__(self, binary):
        self.workspace = tempfile.mkdtemp(prefix="cold-burst-")
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

        threading.Thread(target=read, daemon=True).start()
        found.wait(15)
        if not self.endpoint:
            self.cleanup()
            raise RuntimeError("the cloud did not start:\n" + "".join(self.err))

    def request(self, method, path, body=None, timeout=60):
        """(status, headers, body bytes), signed by the learner's key pair."""
        key, secret, _ = cloudlib.learner_keys(self.workspace)
        return cloudlib.signed_request(self.endpoint, key, secret, method, path, body,
                                       timeout=timeout)

    def role(self):
        """The ARN of the functions' execution role (cloudlib.role_for), made once."""
        import boto3
        key, secret, _ = cloudlib.learner_keys(self.workspace)
        return cloudlib.role_for(boto3.client("iam", endpoint_url=self.endpoint,
                                              region_name="us-east-1", aws_access_key_id=key,
                                              aws_secret_access_key=secret))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
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


def burst(cloud, name, label):
    """Fire BURST_SIZE invokes at once; a list of (seconds, status, error header, body)."""
    results = [None] * BURST_SIZE
    start = threading.Barrier(BURST_SIZE)

    def one(i):
        event = json.dumps({"burst": label, "i": i}).encode()
        start.wait()
        t = time.monotonic()
        try:
            status, headers, body = cloud.request(
                "POST", "/2015-03-31/functions/%s/invocations" % name, event, timeout=120)
            results[i] = (time.monotonic() - t, status, headers.get("X-Amz-Function-Error"),
                          body)
        except OSError as e:
            results[i] = (time.monotonic() - t, 0, None, str(e).encode())

    threads = [threading.Thread(target=one, args=(i,)) for i in range(BURST_SIZE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def check_burst(t, cloud, name, label):
    results = burst(cloud, name, label)
    wrong = []
    for i, (secs, status, ferr, body) in enumerate(results):
        try:
            got = json.loads(body)
        except ValueError:
            got = None
        if status != 200 or ferr or not isinstance(got, dict) or \
                got.get("event") != {"burst": label, "i": i}:
            wrong.append("invoke %d: %.2f s, status %s, %s, %s" %
                         (i, secs, status, ferr, body[:200].decode("utf-8", "replace")))
    slowest = max(r[0] for r in results)
    print("# %s: answers after %s s" % (label, " ".join("%.2f" % r[0] for r in sorted(results))),
          flush=True)
    t.ok(not wrong, "%s: %d concurrent cold invokes each answered with its own event" %
         (label, BURST_SIZE), "\n".join(wrong))
    t.ok(slowest < QUICK, "%s: the slowest answered in %.2f s, under %d s (timeout %d s)" %
         (label, slowest, QUICK, TIMEOUT),
         "an invocation waited for a runtime that never asked for it")


def create(t, cloud, name, runtime):
    handler, filename, code = HANDLERS[runtime]
    body = {"FunctionName": name, "Runtime": runtime, "Handler": handler, "Role": cloud.role(),
            "Timeout": TIMEOUT, "MemorySize": MEMORY,
            "Code": {"ZipFile": zip_one(filename, code)}}
    status, _, raw = cloud.request("POST", "/2015-03-31/functions", json.dumps(body).encode())
    return t.eq(status, 201, "create %s (%s)" % (name, runtime), raw[:300])


def retire(t, cloud, name, round_no):
    """A configuration change: the function's idle environments retire, the next start cold."""
    body = {"Environment": {"Variables": {"ROUND": str(round_no)}}}
    status, _, raw = cloud.request("PUT", "/2015-03-31/functions/%s/configuration" % name,
                                   json.dumps(body).encode())
    return t.eq(status, 200, "%s: configuration changed (round %d)" % (name, round_no), raw[:300])


def run_bursts(t, cloud):
    for runtime in HANDLERS:
        short = "py" if runtime.startswith("python") else "node"
        # A new function per round: nothing of it has ever run.
        for r in range(ROUNDS):
            name = "burst-%s-%d" % (short, r)
            if create(t, cloud, name, runtime):
                check_burst(t, cloud, name, "%s new function, round %d" % (short, r))
        # The same function after its environments retired.
        name = "burst-%s-0" % short
        for r in range(1, ROUNDS):
            if retire(t, cloud, name, r):
                check_burst(t, cloud, name, "%s after a configuration change, round %d" %
                            (short, r))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LAMBDA_TUTOR")
    if not binary:
        print("usage: cold_burst.py path/to/lambda-tutor", file=sys.stderr)
        return 2
    t = Tap()
    cloud = Cloud(binary)
    try:
        code = t.run([lambda tap: run_bursts(tap, cloud)])
        status = cloud.stop()
        if status != 0:
            print("# the cloud exited with %s:\n# %s" % (status, "# ".join(cloud.err[-20:])))
            code = 1
        return code
    finally:
        cloud.cleanup()


if __name__ == "__main__":
    sys.exit(main())
