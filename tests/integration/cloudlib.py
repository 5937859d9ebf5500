"""What the Python integration tests share about a local cloud: the learner's key pair of a
workspace, fresh accounts and the tutor's controls on the control socket, and requests to the
AWS endpoint signed with SigV4 by botocore's own signer (the cloud checks every signature).
"""
import http.client
import json
import os
import socket
import urllib.error
import urllib.request


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
