"""
Shared pieces of the runtime client tests: TAP output, the fixture paths, and an execution
environment started the way the cloud starts one (same command line, cwd and variables), but
talking to the mock Runtime API.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback

from mock_runtime_api import MockRuntimeApi

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
RUNTIMES = os.path.join(SOURCE_ROOT, "src", "cloud", "runtimes")
FIXTURES = os.path.join(SOURCE_ROOT, "tests", "integration", "fixtures", "handlers")

REQUEST_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ISO_MS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name), flush=True)
        if not cond:
            self.failed += 1
            if detail is not None:
                for line in str(detail).splitlines()[:40]:
                    print("#   " + line, flush=True)
        return cond

    def eq(self, got, want, name, context=""):
        return self.ok(got == want, name, "got:  %r\nwant: %r\n%s" % (got, want, context))

    def match(self, pattern, text, name):
        return self.ok(re.search(pattern, text or "", re.M) is not None, name,
                       "pattern: %r\ntext: %r" % (pattern, (text or "")[:2000]))

    def run(self, tests):
        for test in tests:
            try:
                test(self)
            except Exception:
                self.ok(False, "%s raised" % test.__name__, traceback.format_exc())
        print("1..%d" % self.n, flush=True)
        return 1 if self.failed else 0


class Environment:
    """One runtime client process, its output collected, and the mock API it polls."""

    def __init__(self, argv, code_dir, handler, extra_env=None, memory="128"):
        self.api = MockRuntimeApi("fixture").start()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": code_dir,
            "AWS_LAMBDA_FUNCTION_NAME": "fixture",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": memory,
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fixture",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "AKIDLOCALTUTOR",
            "AWS_SECRET_ACCESS_KEY": "local-secret",
            "AWS_SESSION_TOKEN": "local-token",
            "TZ": ":UTC",
            "PYTHONDONTWRITEBYTECODE": "1",  # keep the fixtures' folder clean
        }
        env.update(extra_env or {})
        self.proc = subprocess.Popen(argv, cwd=code_dir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.out = []
        self.err = []
        self.readers = [self._drain(self.proc.stdout, self.out),
                        self._drain(self.proc.stderr, self.err)]

    @staticmethod
    def _drain(stream, sink):
        def run():
            for line in iter(stream.readline, b""):
                sink.append(line.decode("utf-8", "replace"))
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def invoke(self, event, **kw):
        """Queue an event and wait for what the client posted (None on timeout)."""
        wait = kw.pop("wait", 60)  # generous for loaded machines: only a failure waits it out
        request_id = self.api.invoke(event, **kw)
        return request_id, self.api.result(request_id, wait)

    def stdout(self):
        """What the client wrote so far, once the reader has caught up (quiet for 50 ms)."""
        last, quiet_since, end = -1, time.time(), time.time() + 3
        while time.time() < end:
            n = len(self.out)
            if n != last:
                last, quiet_since = n, time.time()
            elif time.time() - quiet_since >= 0.05:
                break
            time.sleep(0.01)
        return "".join(self.out)

    def stderr(self):
        return "".join(self.err)

    def wait_exit(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for t in self.readers:
            t.join(2)
        self.api.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def python_interpreter():
    """The cloud runs Python handlers on Debian's interpreter; fall back to PATH's for the tests."""
    if os.access("/usr/bin/python3", os.X_OK):
        return "/usr/bin/python3"
    return shutil.which("python3")


def python_env(handler, code_dir=None, extra_env=None):
    code_dir = code_dir or os.path.join(FIXTURES, "python")
    argv = [python_interpreter(), "-u", os.path.join(RUNTIMES, "python", "bootstrap.py")]
    return Environment(argv, code_dir, handler, extra_env)


def node_env(handler, code_dir=None, extra_env=None):
    code_dir = code_dir or os.path.join(FIXTURES, "node")
    argv = [shutil.which("node"), os.path.join(RUNTIMES, "node", "bootstrap.js")]
    return Environment(argv, code_dir, handler, extra_env)


def wait_for(pred, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def skip(reason):
    print("1..0 # SKIP %s" % reason, flush=True)
    sys.exit(0)  # with the TAP protocol a skip is the plan "1..0 # SKIP"; 77 would be an error
