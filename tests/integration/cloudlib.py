"""
What the Python integration tests share about a local cloud: a real one (lambda-tutor serve) on
its own temporary workspace and port, started, killed and restarted at will; the learner's key
pair of a workspace, fresh accounts and the tutor's controls on the control socket; boto3
clients and raw HTTP requests signed with SigV4 (the cloud checks every signature); and small
zips of handler code.

    cloud = Cloud(binary)        # a fresh workspace; nothing runs yet
    cloud.start()                # serve it; cloud.endpoint, cloud.account, cloud.keys
    s3 = cloud.client("s3")      # signed with the learner's keys
    cloud.control("POST", "/_tutor/clock/advance?seconds=60")
    cloud.kill()                 # kill -9; cloud.start() serves the same workspace again
    cloud.cleanup()              # stop whatever runs, remove the workspace
"""

import datetime
import hashlib
import hmac
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
import urllib.error
import urllib.parse
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
        self.keys = None  # (access key, secret) of the learner's account
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
                    self.keys = learner_keys(self.workspace)[:2]
                    self.port_health()
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
        """The tutor's /_tutor/health, on the control socket."""
        status, body = self.control("GET", "/_tutor/health", timeout=5)
        if status != 200:
            raise ValueError("health: %d %s" % (status, body))
        return json.loads(body)

    def port_health(self):
        """The port's bare health answer (OSError until it listens)."""
        with urllib.request.urlopen(self.endpoint + "/_tutor/health", timeout=5) as r:
            return json.load(r)

    def control(self, method, path, timeout=30):
        """(status, body text) of one of the tutor's controls, on the control socket."""
        return control(self.workspace, method, path, timeout)

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
                            aws_access_key_id=self.keys[0],
                            aws_secret_access_key=self.keys[1],
                            config=Config(**config) if config else None)

    def signed(self, method, target, host=None, service="s3"):
        """The headers that sign a request for target (path and query exactly as sent) as
        the learner, its payload unsigned: {name: value}, Host included."""
        return sign_raw(self.keys[0], self.keys[1], method, host or "127.0.0.1:%d" % self.port,
                        target, service)

    def signed_lines(self, method, target, host="x", service="s3"):
        """The same as header lines (bytes, each ending CRLF) for a raw request."""
        return b"".join(b"%s: %s\r\n" % (k.encode(), v.encode())
                        for k, v in self.signed(method, target, host, service).items())

    def request(self, method, path, body=None, headers=None, timeout=30, sign=True):
        """(status, {header: value} lower-cased, body bytes) of one HTTP request, signed as
        the learner's S3 request unless sign is False."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        hdrs = dict(self.signed(method, path)) if sign else {}
        hdrs.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=hdrs)
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


def learner_keys(workspace):
    """(access key, secret, account) from <workspace>/.cloud/credentials."""
    keys = {}
    with open(os.path.join(workspace, ".cloud", "credentials")) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                keys[k.strip()] = v.strip()
    return keys["aws_access_key_id"], keys["aws_secret_access_key"], keys["aws_account_id"]


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def control(workspace, method, path, timeout=30):
    """(status, body text) of a request to the tutor's controls on the control socket."""
    conn = _UnixHTTPConnection(os.path.join(workspace, ".cloud", "control.sock"), timeout)
    try:
        conn.request(method, path, headers={"Content-Length": "0"})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def new_account(workspace):
    """(access key, secret, account) of a fresh account made through the control socket."""
    status, body = control(workspace, "POST", "/_tutor/accounts")
    if status != 200:
        raise RuntimeError("cannot make an account: %d %s" % (status, body))
    d = json.loads(body)
    return d["AccessKeyId"], d["SecretAccessKey"], d["Account"]


LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def make_role(iam, name, managed=("service-role/AWSLambdaBasicExecutionRole",)):
    """An execution role Lambda may assume, with AWS managed policies attached by their path
    and name; returns its ARN. iam is a boto3 IAM client of the account."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
    for m in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/" + m)
    return arn


_roles = {}


def allow_service(client, target_arn, service, source_arn):
    """Let service ("sns", "s3", "events") deliver to the queue or topic target_arn for
    source_arn, as AWS wants: a statement in its policy. client: the owner's sqs or sns
    client."""
    action = "sqs:SendMessage" if ":sqs:" in target_arn else "sns:Publish"
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service + ".amazonaws.com"},
        "Action": action, "Resource": target_arn,
        "Condition": {"ArnLike": {"aws:SourceArn": source_arn}}}]})
    if ":sqs:" in target_arn:
        url = client.get_queue_url(QueueName=target_arn.split(":")[5])["QueueUrl"]
        client.set_queue_attributes(QueueUrl=url, Attributes={"Policy": doc})
    else:
        client.set_topic_attributes(TopicArn=target_arn, AttributeName="Policy",
                                    AttributeValue=doc)


def role_for(client, name="lambda-role", managed=("AdministratorAccess",)):
    """The ARN of the execution role the tests' functions run with, made once per cloud and
    account with the credentials and endpoint of client (any boto3 client of the account):
    it trusts Lambda and, by default, lets its handlers call any service."""
    import boto3
    creds = client._request_signer._credentials
    key = (client.meta.endpoint_url, creds.access_key, name)
    if key not in _roles:
        iam = boto3.client("iam", endpoint_url=client.meta.endpoint_url, region_name="us-east-1",
                           aws_access_key_id=creds.access_key,
                           aws_secret_access_key=creds.secret_key,
                           aws_session_token=creds.token)
        try:
            arn = iam.create_role(RoleName=name,
                                  AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        for m in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/" + m)
        _roles[key] = arn
    return _roles[key]


def signed_request(endpoint, access_key, secret, method, path, body=None, headers=None,
                   service="lambda", token=None, timeout=60):
    """(status, headers, body bytes) of a request signed as botocore signs for service."""
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    req = AWSRequest(method=method, url=endpoint + path, data=body or b"", headers=hdrs)
    creds = Credentials(access_key, secret, token)
    (S3SigV4Auth if service == "s3" else SigV4Auth)(creds, service, "us-east-1").add_auth(req)
    prepared = urllib.request.Request(endpoint + path, data=body, method=method,
                                      headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def chunked_put(endpoint, access_key, secret, path, data, chunk_size=8192, signed=True,
                tamper=False):
    """(status, body) of an S3 PUT of data as aws-chunked, as the SDKs stream an upload:
    signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), or unsigned ones with a CRC32
    trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER). tamper flips a byte of the first chunk."""
    import base64
    import datetime
    import hashlib
    import hmac
    import zlib
    from urllib.parse import urlsplit

    host = urlsplit(endpoint).netloc
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = "%s/us-east-1/s3/aws4_request" % day
    mode = ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD" if signed
            else "STREAMING-UNSIGNED-PAYLOAD-TRAILER")

    def h(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = h(h(h(h(("AWS4" + secret).encode(), day), "us-east-1"), "s3"), "aws4_request")
    headers = {"host": host, "x-amz-content-sha256": mode, "x-amz-date": amz_date,
               "content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    if not signed:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    names = sorted(headers)
    creq = "\n".join(["PUT", path, "", "".join("%s:%s\n" % (n, headers[n]) for n in names),
                      ";".join(names), mode])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    seed = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    body, prev = b"", seed
    empty = hashlib.sha256(b"").hexdigest()
    pieces = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for i, piece in enumerate(pieces):
        sent = piece
        if tamper and i == 0 and piece:
            sent = bytes([piece[0] ^ 1]) + piece[1:]
        if signed:
            s = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty,
                           hashlib.sha256(piece).hexdigest()])
            prev = hmac.new(key, s.encode(), hashlib.sha256).hexdigest()
            body += b"%x;chunk-signature=%s\r\n" % (len(sent), prev.encode())
        else:
            body += b"%x\r\n" % len(sent)
        if piece or signed:
            body += sent + b"\r\n"
    if not signed:
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        body += b"x-amz-checksum-crc32:%s\r\n\r\n" % crc.encode()
    headers["Authorization"] = ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
                                "Signature=%s" % (access_key, scope, ";".join(names), seed))
    headers["Content-Length"] = str(len(body))
    conn = http.client.HTTPConnection(host, timeout=60)
    try:
        conn.request("PUT", path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _quote(s):
    return urllib.parse.quote(s, safe="-_.~")


def sign_raw(access_key, secret, method, host, target, service="s3", now=None):
    """SigV4 headers (Host, X-Amz-Date, X-Amz-Content-Sha256: UNSIGNED-PAYLOAD,
    Authorization) for target as sent: its path is signed byte for byte, as S3 signs it (a
    path with broken escapes included), its query re-encoded and sorted as SigV4 wants."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    path, _, query = target.partition("?")
    pairs = []
    for part in query.split("&") if query else []:
        k, _, v = part.partition("=")
        pairs.append((_quote(urllib.parse.unquote(k)), _quote(urllib.parse.unquote(v))))
    cquery = "&".join("%s=%s" % kv for kv in sorted(pairs))
    payload = "UNSIGNED-PAYLOAD"
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    names = sorted(headers)
    creq = "\n".join([method, path, cquery,
                      "".join("%s:%s\n" % (n, headers[n]) for n in names),
                      ";".join(names), payload])
    scope = "%s/us-east-1/%s/aws4_request" % (day, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])

    def h(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = h(h(h(h(("AWS4" + secret).encode(), day), "us-east-1"), service), "aws4_request")
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    return {"Host": host, "X-Amz-Date": amz_date, "X-Amz-Content-Sha256": payload,
            "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
                             "Signature=%s" % (access_key, scope, ";".join(names), sig)}
