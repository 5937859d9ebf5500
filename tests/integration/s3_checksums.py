"""S3's additional checksums and server-side encryption through boto3, as its own defaults send
them (newer botocore adds a CRC32 to every upload and asks for checksums on every read) and as a
script asks: each algorithm verified on upload, a wrong one refused with BadDigest, a malformed
one with InvalidRequest, the checksum returned on GetObject and HeadObject with ChecksumMode
ENABLED; SSE-S3 echoed by default, aws:kms with its key; ACLs' default accepted; the bucket owner
condition (ExpectedBucketOwner) on every operation that takes it; multipart uploads with a
ChecksumAlgorithm: each part's checksum, the checksum of checksums ("-N") on completion, HeadObject
and GetObjectAttributes. TAP on stdout.
Usage: s3_checksums.py ENDPOINT SUFFIX (each Python gets a bucket of its own)."""
import base64, hashlib, sys, zlib
import boto3, botocore
from botocore.config import Config

endpoint, suffix = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="us-east-1")
s3 = boto3.client("s3", **kw)
n = failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def code_of(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return "no error"


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def b64(raw):
    return base64.b64encode(raw).decode()


data = b"checksums, as S3 keeps them\n" * 37
want = {
    "CRC32": b64(zlib.crc32(data).to_bytes(4, "big")),
    "CRC32C": b64(crc32c(data).to_bytes(4, "big")),
    "SHA1": b64(hashlib.sha1(data).digest()),
    "SHA256": b64(hashlib.sha256(data).digest()),
}
print("# botocore %s" % botocore.__version__)
bucket = "sums-" + "-".join(p for p in suffix.split("-") if p)
s3.create_bucket(Bucket=bucket)

for alg, value in want.items():
    key = "by-" + alg
    try:
        r = s3.put_object(Bucket=bucket, Key=key, Body=data, ChecksumAlgorithm=alg)
    except botocore.exceptions.MissingDependencyException:
        # Newer botocore computes CRC32C only with the CRT, which not every Python has.
        for _ in range(4):
            n += 1
            print("ok %d - %s # SKIP this botocore needs botocore[crt] for it" % (n, alg))
        continue
    ok(r.get("Checksum" + alg) == value, "put_object with ChecksumAlgorithm %s: %s" % (alg, value))
    r = s3.put_object(Bucket=bucket, Key=key + "-given", Body=data, **{"Checksum" + alg: value})
    ok(r.get("Checksum" + alg) == value, "... with Checksum%s given, verified" % alg)
    got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    ok(got.get("Checksum" + alg) == value and got["Body"].read() == data,
       "get_object with ChecksumMode ENABLED returns it")
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    ok(head.get("Checksum" + alg) == value, "... and head_object")

wrong = b64(zlib.crc32(b"something else").to_bytes(4, "big"))
ok(code_of(lambda: s3.put_object(Bucket=bucket, Key="bad", Body=data, ChecksumCRC32=wrong))
   == "BadDigest", "a CRC32 that does not match the body: BadDigest")
ok(code_of(lambda: s3.put_object(Bucket=bucket, Key="bad", Body=data, ChecksumSHA256="bad"))
   == "InvalidRequest", "a malformed SHA256: InvalidRequest")
ok(code_of(lambda: s3.head_object(Bucket=bucket, Key="bad")) == "404",
   "... and neither was stored")
ranged = s3.get_object(Bucket=bucket, Key="by-SHA256", ChecksumMode="ENABLED", Range="bytes=0-9")
ok("ChecksumSHA256" not in ranged, "a range has no checksum of the whole object")

# What this botocore sends by itself (a CRC32 on upload when it is new enough), and reads back.
r = s3.put_object(Bucket=bucket, Key="plain", Body=data)
ok(r["ServerSideEncryption"] == "AES256", "an upload is encrypted with SSE-S3 by default, echoed")
got = s3.get_object(Bucket=bucket, Key="plain")
ok(got["Body"].read() == data and got["ServerSideEncryption"] == "AES256",
   "get_object reads it back, encrypted AES256")

r = s3.put_object(Bucket=bucket, Key="aes", Body=b"x", ServerSideEncryption="AES256")
ok(r["ServerSideEncryption"] == "AES256", "ServerSideEncryption AES256, echoed")
r = s3.put_object(Bucket=bucket, Key="kms", Body=b"x", ServerSideEncryption="aws:kms")
arn = r.get("SSEKMSKeyId", "")
ok(r["ServerSideEncryption"] == "aws:kms" and arn.startswith("arn:aws:kms:us-east-1:")
   and ":key/" in arn, "aws:kms without a key: the account's aws/s3 key, echoed (%s)" % arn)
head = s3.head_object(Bucket=bucket, Key="kms")
ok(head["ServerSideEncryption"] == "aws:kms" and head.get("SSEKMSKeyId") == arn,
   "head_object answers with the object's encryption and key")
kms = boto3.client("kms", **kw)
key_id = kms.create_key()["KeyMetadata"]["KeyId"]
r = s3.put_object(Bucket=bucket, Key="kms2", Body=b"x", ServerSideEncryption="aws:kms",
                  SSEKMSKeyId=key_id)
ok(r.get("SSEKMSKeyId", "").endswith(key_id), "aws:kms with a key of the account's")
ok(code_of(lambda: s3.put_object(Bucket=bucket, Key="k3", Body=b"x", ServerSideEncryption="aws:kms",
                                 SSEKMSKeyId="0b0b0b0b-0b0b-0b0b-0b0b-0b0b0b0b0b0b"))
   == "KMS.NotFoundException", "... a key that does not exist is refused")

# An explicit default is what S3 does anyway: served; an ACL that would grant is refused.
r = s3.put_object(Bucket=bucket, Key="acl", Body=b"x", ACL="bucket-owner-full-control")
ok("ETag" in r, "put_object with ACL bucket-owner-full-control, the only ACL S3 takes by default")
ok(code_of(lambda: s3.put_object(Bucket=bucket, Key="acl2", Body=b"x", ACL="public-read"))
   == "NotImplemented", "... public-read is not offered, and says so")

# Multipart uploads with a ChecksumAlgorithm: every part carries the checksum, the object the
# checksum of the parts' checksums with "-N" (the digest of their raw values one after the other).
def raw_sum(alg, b):
    if alg == "CRC32":
        return zlib.crc32(b).to_bytes(4, "big")
    if alg == "SHA1":
        return hashlib.sha1(b).digest()
    return hashlib.sha256(b).digest()


MiB = 1024 * 1024
pieces = [b"a" * (5 * MiB), b"the last part is small\n"]
whole = b"".join(pieces)
for alg in ("CRC32", "SHA1", "SHA256"):
    key, member = "multi-" + alg, "Checksum" + alg
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm=alg)
    ok(up.get("ChecksumAlgorithm") == alg, "create_multipart_upload with ChecksumAlgorithm %s" % alg)
    uid, done, sums = up["UploadId"], [], []
    for i, piece in enumerate(pieces, 1):
        value = b64(raw_sum(alg, piece))
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=i, Body=piece,
                           **{member: value})
        sums.append(value)
        done.append({"PartNumber": i, "ETag": r["ETag"], member: r.get(member)})
    ok([d[member] for d in done] == sums, "... each upload_part answers its %s" % member)
    lp = s3.list_parts(Bucket=bucket, Key=key, UploadId=uid)
    ok([p.get(member) for p in lp["Parts"]] == sums and lp.get("ChecksumAlgorithm") == alg,
       "... list_parts shows them")
    if alg == "CRC32":
        other = b64(hashlib.sha256(pieces[1]).digest())
        ok(code_of(lambda: s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=2,
                                          Body=pieces[1], ChecksumSHA256=other))
           == "InvalidRequest", "... a part with another kind of checksum: InvalidRequest")
        bad = [dict(d) for d in done]
        bad[0][member] = b64(zlib.crc32(b"not the part").to_bytes(4, "big"))
        ok(code_of(lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={"Parts": bad})) == "InvalidPart",
           "... completing with a part's checksum that is not its own: InvalidPart")
    composite = b64(raw_sum(alg, b"".join(base64.b64decode(v) for v in sums))) + "-2"
    r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                     MultipartUpload={"Parts": done})
    ok(r.get(member) == composite, "... complete_multipart_upload answers the checksum of "
       "checksums %s (%s)" % (composite, r.get(member)))
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    ok(head.get(member) == composite and head["ContentLength"] == len(whole),
       "... head_object with ChecksumMode ENABLED answers it")
    got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    ok(got["Body"].read() == whole and got.get(member) == composite,
       "... get_object reads the whole object back, with it")
    at = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=[
        "ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"])
    parts = at.get("ObjectParts", {})
    ok(at.get("Checksum", {}).get(member) == composite[:-2] and at.get("ObjectSize") == len(whole)
       and at.get("ETag") == head["ETag"].strip('"') and at.get("StorageClass") == "STANDARD",
       "... get_object_attributes: the checksum of checksums, the size, the bare ETag (%s)"
       % at.get("Checksum"))
    ok(parts.get("TotalPartsCount") == 2
       and [(p["PartNumber"], p["Size"], p.get(member)) for p in parts.get("Parts", [])]
       == [(i, len(pc), sums[i - 1]) for i, pc in enumerate(pieces, 1)],
       "... and ObjectParts: each part's number, size and checksum")
    first = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["ObjectParts"],
                                     MaxParts=1)["ObjectParts"]
    rest = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["ObjectParts"],
                                    MaxParts=1, PartNumberMarker=first["NextPartNumberMarker"])
    rest = rest["ObjectParts"]
    ok([p["PartNumber"] for p in first["Parts"]] == [1] and first["IsTruncated"]
       and [p["PartNumber"] for p in rest["Parts"]] == [2] and not rest["IsTruncated"],
       "... pages of parts: at most MaxParts, from NextPartNumberMarker")
plain = s3.get_object_attributes(Bucket=bucket, Key="by-SHA256",
                                 ObjectAttributes=["Checksum", "ObjectParts", "ObjectSize"])
ok(plain.get("Checksum", {}).get("ChecksumSHA256") == want["SHA256"] and "ObjectParts" not in plain
   and plain.get("ObjectSize") == len(data),
   "get_object_attributes of an object of one part: its checksum, no ObjectParts")

# The bucket owner condition: every operation that takes ExpectedBucketOwner is refused with 403
# AccessDenied when it names another account, and changes nothing; served when it names the
# bucket's owner.
me = boto3.client("sts", **kw).get_caller_identity()["Account"]
other = "111122223333" if me != "111122223333" else "444455556666"
s3.put_object(Bucket=bucket, Key="own", Body=b"mine")
up = s3.create_multipart_upload(Bucket=bucket, Key="own-mp")["UploadId"]
owner_ops = [
    ("head_bucket", dict()),
    ("get_bucket_location", dict()),
    ("list_objects", dict()),
    ("list_objects_v2", dict()),
    ("list_object_versions", dict()),
    ("get_bucket_notification_configuration", dict()),
    ("put_bucket_notification_configuration", dict(NotificationConfiguration={})),
    ("put_bucket_policy", dict(Policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                      '"Principal":{"AWS":"arn:aws:iam::%s:root"},'
                                      '"Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}'
                                      % (me, bucket))),
    ("get_bucket_policy", dict()),
    ("delete_bucket_policy", dict()),
    ("put_object", dict(Key="own", Body=b"theirs?")),
    ("get_object", dict(Key="own")),
    ("head_object", dict(Key="own")),
    ("copy_object", dict(Key="own-copy", CopySource={"Bucket": bucket, "Key": "own"})),
    ("put_object_tagging", dict(Key="own", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})),
    ("get_object_tagging", dict(Key="own")),
    ("delete_object_tagging", dict(Key="own")),
    ("upload_part", dict(Key="own-mp", UploadId=up, PartNumber=1, Body=b"part")),
    ("list_parts", dict(Key="own-mp", UploadId=up)),
    ("abort_multipart_upload", dict(Key="own-mp", UploadId=up)),
    ("create_multipart_upload", dict(Key="own-mp2")),
    ("delete_objects", dict(Delete={"Objects": [{"Key": "own-copy"}]})),
    ("delete_object", dict(Key="own")),
]
for op, args in owner_ops:
    fn = getattr(s3, op)
    ok(code_of(lambda: fn(Bucket=bucket, ExpectedBucketOwner=other, **args))
       in ("AccessDenied", "403"), "%s with another account's ExpectedBucketOwner: 403 AccessDenied"
       % op)
    ok(code_of(lambda: fn(Bucket=bucket, ExpectedBucketOwner=me, **args)) == "no error",
       "... served with the owner's")
s3.put_object(Bucket=bucket, Key="kept", Body=b"kept")
code_of(lambda: s3.put_object(Bucket=bucket, Key="kept", Body=b"overwritten",
                              ExpectedBucketOwner=other))
code_of(lambda: s3.delete_object(Bucket=bucket, Key="kept", ExpectedBucketOwner=other))
ok(s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"kept",
   "a refused put_object or delete_object changed nothing")
s3.put_object(Bucket=bucket, Key="src", Body=b"source")
ok(code_of(lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                                  ExpectedSourceBucketOwner=other)) in ("AccessDenied", "403"),
   "copy_object with another account's ExpectedSourceBucketOwner: 403 AccessDenied")
ok(code_of(lambda: s3.head_object(Bucket=bucket, Key="dst")) == "404", "... and copied nothing")
ok(code_of(lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                                  ExpectedSourceBucketOwner=me)) == "no error", "... served with the owner's")
ok(code_of(lambda: s3.get_object(Bucket=bucket, Key="src", ExpectedBucketOwner="not-an-account"))
   == "InvalidBucketOwnerAWSAccountID", "an ExpectedBucketOwner that is no account id: "
   "InvalidBucketOwnerAWSAccountID")

# Newer botocore checks what it reads against the checksum S3 returns: a client that asks for it
# on every read gets the same bytes.
strict = boto3.client("s3", config=Config(response_checksum_validation="when_supported"), **kw) \
    if tuple(int(x) for x in botocore.__version__.split(".")[:2]) >= (1, 36) else s3
ok(strict.get_object(Bucket=bucket, Key="by-CRC32")["Body"].read() == data,
   "a read validated against its CRC32 (botocore %s)" % botocore.__version__)

# ListMultipartUploads: the uploads in progress in a bucket of their own, by key then in the
# order they were initiated, paged by KeyMarker and UploadIdMarker, rolled up by a delimiter.
lb = bucket + "-mpu"
s3.create_bucket(Bucket=lb)
ids = [s3.create_multipart_upload(Bucket=lb, Key=k, **extra)["UploadId"] for k, extra in [
    ("b", {}), ("a", {"ChecksumAlgorithm": "SHA256"}), ("b", {}), ("d/1", {}), ("d/2", {})]]
got = s3.list_multipart_uploads(Bucket=lb)
ok([(u["Key"], u["UploadId"]) for u in got.get("Uploads", [])]
   == [("a", ids[1]), ("b", ids[0]), ("b", ids[2]), ("d/1", ids[3]), ("d/2", ids[4])]
   and not got["IsTruncated"],
   "ListMultipartUploads lists the uploads by key, then in the order they were initiated")
first = got["Uploads"][0]
ok(first.get("ChecksumAlgorithm") == "SHA256" and first.get("StorageClass") == "STANDARD"
   and first.get("Initiated") is not None,
   "... each with its ChecksumAlgorithm, storage class and time initiated")
seen, args = [], {}
while True:
    page = s3.list_multipart_uploads(Bucket=lb, MaxUploads=2, **args)
    seen += [u["UploadId"] for u in page.get("Uploads", [])]
    if not page["IsTruncated"]:
        break
    args = dict(KeyMarker=page["NextKeyMarker"], UploadIdMarker=page["NextUploadIdMarker"])
ok(seen == [ids[1], ids[0], ids[2], ids[3], ids[4]],
   "MaxUploads pages, KeyMarker and UploadIdMarker resume after the last upload")
rolled = s3.list_multipart_uploads(Bucket=lb, Delimiter="/")
ok([p["Prefix"] for p in rolled.get("CommonPrefixes", [])] == ["d/"]
   and [u["Key"] for u in rolled["Uploads"]] == ["a", "b", "b"],
   "a delimiter rolls uploads up into common prefixes")
ok([u["Key"] for u in s3.list_multipart_uploads(Bucket=lb, Prefix="d/")["Uploads"]]
   == ["d/1", "d/2"], "a prefix selects the uploads")
for k, i in zip(["b", "a", "b", "d/1", "d/2"], ids):
    s3.abort_multipart_upload(Bucket=lb, Key=k, UploadId=i)
ok("Uploads" not in s3.list_multipart_uploads(Bucket=lb), "an aborted upload is no longer listed")
s3.delete_bucket(Bucket=lb)

print("1..%d" % n)
sys.exit(1 if failed else 0)
