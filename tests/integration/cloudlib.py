"""
What the Python integration tests share: a real local cloud (lambda-tutor serve) on its own
temporary workspace and port, started, killed and restarted at will; boto3 clients pointed at
it; raw HTTP requests; and small zips of handler code.

    cloud = Cloud(binary)        # a fresh workspace; nothing runs yet
    cloud.start()                # serve it; cloud.endpoint, cloud.account
    s3 = cloud.client("s3")
    cloud.kill()                 # kill -9; cloud.start() serves the same workspace again
    cloud.cleanup()              # stop whatever runs, remove the workspace
"""

import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import zipfile


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zip_files(files):
    """A zip (bytes) of {name: text}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


class Cloud:
    """lambda-tutor serve on one workspace, on one port kept across restarts when it can be."""

    def __init__(self, binary, args=(), env=None, prefix="lt-cloud-"):
        self.binary = binary
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.workspace = tempfile.mkdtemp(prefix=prefix)
        self.log_path = os.path.join(self.workspace, "serve.log")
        self.log = open(self.log_path, "ab")
        self.proc = None
        self.port = free_port()
        self.account = None
        self.kills = 0

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=30):
        """Serve the workspace; True when it had to move to a new port (the old was taken)."""
        moved = False
        for _ in range(5):
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--workspace", self.workspace, "--port", str(self.port)]
                + self.args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                env=self.env, start_new_session=True)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    self.account = self.health()["account"]
                    return moved
                except (OSError, ValueError, KeyError):
                    time.sleep(0.02)
            if self.proc.poll() is None:
                self.kill()
                raise RuntimeError("the cloud did not answer within %d s:\n%s" %
                                   (timeout, self.log_tail()))
            self.port = free_port()
            moved = True
        raise RuntimeError("the cloud did not start:\n" + self.log_tail())

    def health(self):
        with urllib.request.urlopen(self.endpoint + "/_tutor/health", timeout=5) as r:
            return json.load(r)

    def kill(self):
        """kill -9 of the cloud (its environments die with it)."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.kills += 1

    def stop(self, timeout=60):
        """SIGTERM; the exit status, or None when it had to be killed."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.proc.returncode if self.proc else None

    def log_tail(self, n=3000):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read()[-n:].decode("utf-8", "replace")

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.workspace, ignore_errors=True)

    def client(self, service, **config):
        """A boto3 client for service; config goes to botocore's Config."""
        import boto3
        from botocore.config import Config
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(**config) if config else None)

    def request(self, method, path, body=None, headers=None, timeout=30):
        """(status, {header: value} lower-cased, body bytes) of one plain HTTP request."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def raw(self, data, timeout=10, shut=False):
        """Send bytes on a fresh connection; (everything answered, seconds until it closed,
        or None when it was still open after timeout)."""
        s = socket.create_connection(("127.0.0.1", self.port))
        t0 = time.monotonic()
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
            s.settimeout(timeout)
            out = b""
            while True:
                try:
                    b = s.recv(65536)
                except socket.timeout:
                    return out, None
                except ConnectionResetError:
                    return out, time.monotonic() - t0
                if not b:
                    return out, time.monotonic() - t0
                out += b
        finally:
            s.close()
