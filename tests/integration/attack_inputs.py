"""
Inputs refused as AWS refuses them, never silently altered: S3 keys and bucket names, and the
HTTP framing under every service (lengths, idle connections, uploads too large for one PUT).
Each case names what a hostile or careless client sends and what must come of it. TAP.

    python3 attack_inputs.py path/to/lambda-tutor
"""

import os
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "runtimes"))
sys.path.insert(0, HERE)
from rtlib import Tap  # noqa: E402
from cloudlib import Cloud  # noqa: E402

try:
    import boto3  # noqa: F401
    from botocore.exceptions import ClientError
except ImportError:
    print("1..0 # SKIP no boto3 for %s" % sys.executable)
    sys.exit(0)

IDLE = 2  # the cloud's idle limit for this test, seconds
S3NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def code_of(fn):
    """The AWS error code fn raises, or None when it succeeds."""
    try:
        fn()
        return None
    except ClientError as e:
        return e.response["Error"]["Code"]


def status_line(answer):
    return answer.split(b"\r\n", 1)[0].decode("latin1")


def xml_ok(body):
    try:
        ET.fromstring(body)
        return True
    except ET.ParseError:
        return False


def test_keys(t, cloud, s3):
    s3.create_bucket(Bucket="keys")
    s3.put_object(Bucket="keys", Key="victim", Body=b"good")
    status, _, body = cloud.request("PUT", "/keys/victim%00x", body=b"evil")
    t.eq(status, 400, "a key with %00 is refused", body)
    t.match(r"<Code>InvalidURI</Code>", body.decode(), "... as InvalidURI")
    got = s3.get_object(Bucket="keys", Key="victim")["Body"].read()
    t.eq(got, b"good", "... and the key it would have been cut to is untouched")

    status, _, body = cloud.request("PUT", "/keys/bad%FF%FEutf8", body=b"x")
    t.eq(status, 400, "a key that is not UTF-8 is refused", body)
    status, _, body = cloud.request("PUT", "/keys/half%C3", body=b"x")
    t.eq(status, 400, "a key ending in half a UTF-8 character is refused", body)
    status, _, body = cloud.request("PUT", "/keys/bad%zz", body=b"x")
    t.eq(status, 400, "a key with a broken percent escape is refused", body)
    status, _, body = cloud.request("GET", "/keys")
    t.ok(status == 200 and xml_ok(body), "the bucket's listing is well-formed XML", body[:400])

    exact = "é" * 512  # 1,024 bytes of UTF-8
    s3.put_object(Bucket="keys", Key=exact, Body=b"long")
    t.eq(s3.get_object(Bucket="keys", Key=exact)["Body"].read(), b"long",
         "a key of exactly 1,024 bytes of UTF-8 is stored")
    t.eq(code_of(lambda: s3.put_object(Bucket="keys", Key=exact + "x", Body=b"x")),
         "KeyTooLongError", "a key of 1,025 bytes is refused with KeyTooLongError")

    odd = ["a&b<c>\"d'e", "tab\there", "ctl\x01\x1fx", "del\x7fx", "é/ü 🎉", "plus+space x",
           "per%25cent", "//lead", "trail/", "dots/../x", "?q=1&r", "#frag"]
    for k in odd:
        s3.put_object(Bucket="keys", Key=k, Body=k.encode())
    stored = all(s3.get_object(Bucket="keys", Key=k)["Body"].read() == k.encode() for k in odd)
    t.ok(stored, "keys with XML's, URLs' and control characters are stored as sent")
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket="keys")["Contents"]]
    want = sorted(odd + [exact, "victim"], key=lambda k: k.encode())
    t.eq(listed, want, "ListObjectsV2 lists every key exactly, in UTF-8 byte order")
    listed = [o["Key"] for o in s3.list_objects(Bucket="keys")["Contents"]]
    t.eq(listed, want, "ListObjects (v1) lists every key exactly")
    vers = s3.list_object_versions(Bucket="keys").get("Versions", [])
    t.eq([v["Key"] for v in vers], want, "ListObjectVersions lists every key exactly")
    t.ok(vers and all(v["VersionId"] == "null" and v["IsLatest"] for v in vers),
         "... each the latest version, with the id null of an unversioned bucket", vers[:2])

    for q, tag in (("list-type=2&", "Key"), ("", "Key"), ("versions&", "Key")):
        status, _, body = cloud.request("GET", "/keys?%sencoding-type=url&prefix=ctl" % q)
        t.ok(status == 200 and b"<Key>ctl%01%1Fx</Key>" in body and
             b"<EncodingType>url</EncodingType>" in body,
             "encoding-type=url encodes keys (%s)" % (q.rstrip("&") or "v1"), body[:600])
    status, _, body = cloud.request("GET", "/keys?list-type=2&prefix=a%26")
    t.ok(status == 200 and xml_ok(body) and b"<Key>a&amp;b&lt;c&gt;&quot;d&apos;e</Key>" in body,
         "without encoding-type a key is XML-escaped", body[:600])
    status, _, body = cloud.request("GET", "/keys?list-type=2&prefix=ctl")
    t.ok(b"<Key>ctl&#x1;&#x1F;x</Key>" in body,
         "... and control characters go as character references", body[:600])

    for k in ("éa1", "éa2", "ée1"):
        s3.put_object(Bucket="keys", Key=k, Body=b"1")
    got = [o["Key"] for o in s3.list_objects_v2(Bucket="keys", Prefix="éa").get("Contents", [])]
    t.eq(got, ["éa1", "éa2"], "a prefix is matched by its bytes, whatever the characters")

    status, _, body = cloud.request("PUT", "/keys/copy", headers={
        "x-amz-copy-source": "/keys/victim%00x"})
    t.eq(status, 400, "a copy source with %00 is refused", body)
    status, _, body = cloud.request("PUT", "/keys/copy", headers={
        "x-amz-copy-source": "/keys/%FFx"})
    t.eq(status, 400, "a copy source that is not UTF-8 is refused", body)

    long_type = "text/plain; charset=utf-8; x=" + "y" * 400
    s3.put_object(Bucket="keys", Key="typed", Body=b"t", ContentType=long_type)
    t.eq(s3.head_object(Bucket="keys", Key="typed")["ContentType"], long_type,
         "a long Content-Type is kept whole")


def test_buckets(t, cloud, s3):
    bad = ["xn--bucket", "sthree-bucket", "amzn-s3-demo-bucket", "bucket-s3alias",
           "bucket--ol-s3", "bucket.mrap", "bucket--x-s3", "bucket--table-s3", "192.168.5.4",
           "a..b", "-ab", "ab-", ".ab", "ab.", "Bucket", "ab", "a" * 64, "bucket_name",
           "buck et"]
    wrong = []
    for b in bad:
        status, _, body = cloud.request("PUT", "/" + b.replace(" ", "%20"))
        if status != 400 or b"<Code>InvalidBucketName</Code>" not in body:
            wrong.append("%s: %d" % (b, status))
    t.ok(not wrong, "every name AWS's rules forbid is refused with InvalidBucketName",
         "\n".join(wrong))
    good = ["a.b-c", "1.2.3", "192.168.5.4.5", "abc", "a" * 63, "x-n--ok", "bucket-s3"]
    made = [b for b in good if code_of(lambda b=b: s3.create_bucket(Bucket=b)) is None]
    t.eq(made, good, "names within the rules are accepted")
    listed = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    t.ok(not (set(bad) & listed), "no refused name was created", sorted(listed))


def start(cloud, method, path):
    """A raw request's first lines, signed as the learner (host x, the payload unsigned)."""
    return b"%s %s HTTP/1.1\r\n" % (method.encode(), path.encode()) + cloud.signed_lines(
        method, path)


def test_framing(t, cloud, s3):
    s3.create_bucket(Bucket="frames")
    ans, _ = cloud.raw(start(cloud, "PUT", "/frames/two") + b"Content-Length: 5\r\n"
                       b"Content-Length: 10\r\n\r\nhelloworld")
    t.ok(status_line(ans).startswith("HTTP/1.1 400"),
         "two different Content-Length headers answer 400", ans[:300])
    ans, _ = cloud.raw(start(cloud, "PUT", "/frames/both") + b"Content-Length: 5\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    t.ok(status_line(ans).startswith("HTTP/1.1 400"),
         "a Content-Length beside Transfer-Encoding answers 400", ans[:300])
    ans, _ = cloud.raw(start(cloud, "PUT", "/frames/same") + b"Content-Length: 5\r\n"
                       b"Content-Length: 5\r\n\r\nhello", timeout=IDLE + 5)
    t.ok(status_line(ans).startswith("HTTP/1.1 200"),
         "two equal Content-Length headers are one (RFC 9112)", ans[:300])
    ans, took = cloud.raw(start(cloud, "PUT", "/frames/long") + b"Content-Length: 5\r\n\r\n"
                          b"helloSURPLUS BYTES\r\n\r\n", timeout=IDLE + 5)
    t.ok(ans.count(b"HTTP/1.1 ") == 2 and b"HTTP/1.1 400" in ans and took is not None,
         "bytes past the Content-Length are no request: 400, and the connection closes", ans)
    got = s3.get_object(Bucket="frames", Key="long")["Body"].read()
    t.eq(got, b"hello", "... and the object holds what the length said")
    ans, took = cloud.raw(start(cloud, "PUT", "/frames/short") + b"Content-Length: 50\r\n\r\n"
                          b"hello", timeout=IDLE + 8)
    t.ok(took is not None and took < IDLE + 5,
         "a body that stops short of its length is cut off after the idle limit",
         "closed after %r s" % took)
    t.eq(code_of(lambda: s3.head_object(Bucket="frames", Key="short")), "404",
         "... and nothing of it is stored")
    ans, took = cloud.raw(b"", timeout=IDLE + 8)
    t.ok(took is not None and took < IDLE + 5, "a connection that sends nothing is closed",
         "closed after %r s" % took)
    status, _, _ = cloud.request("GET", "/frames")
    t.eq(status, 200, "the cloud serves on after all that")

    head = (start(cloud, "PUT", "/frames/huge") + b"Expect: 100-continue\r\n"
            b"Content-Length: 6000000000\r\n\r\n")
    t0 = time.monotonic()
    ans, _ = cloud.raw(head, timeout=10)
    t.ok(status_line(ans).startswith("HTTP/1.1 400") and b"<Code>EntityTooLarge</Code>" in ans
         and b"100 Continue" not in ans,
         "a PUT of 6 GB is refused with EntityTooLarge before any of its body", ans[:400])
    t.ok(time.monotonic() - t0 < 5, "... at once")
    ans, _ = cloud.raw(head.replace(b"Expect: 100-continue\r\n", b"") + b"x" * 65536, timeout=10)
    t.ok(b"<Code>EntityTooLarge</Code>" in ans,
         "... also when the client sends its body without waiting", ans[:400])
    t.eq(code_of(lambda: s3.head_object(Bucket="frames", Key="huge")), "404",
         "... and nothing is stored")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LAMBDA_TUTOR")
    t = Tap()
    cloud = Cloud(binary, env={"LAMBDA_TUTOR_HTTP_IDLE": str(IDLE)}, prefix="attack-inputs-")
    try:
        cloud.start()
        s3 = cloud.client("s3")
        for test in (test_keys, test_buckets, test_framing):
            try:
                test(t, cloud, s3)
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
