"""A versioned bucket through boto3: versions and delete markers with the headers S3 answers
them with, ListObjectVersions paged by KeyMarker and VersionIdMarker and rolled up by a
delimiter, DeleteObjects by VersionId, CopyObject from an older version, a delete marker
removed bringing the version behind it back, and default encryption with a KMS key of the
account's. TAP on stdout. Usage: s3_versions.py ENDPOINT SUFFIX (each Python gets a bucket)."""
import sys
import boto3, botocore

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


def error_of(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response
    return {"Error": {"Code": "no error"}, "ResponseMetadata": {"HTTPHeaders": {}}}


bucket = "vers-" + "-".join(p for p in suffix.split("-") if p)
s3.create_bucket(Bucket=bucket)
plain = s3.put_object(Bucket=bucket, Key="before", Body=b"0")
ok("VersionId" not in plain, "a bucket never versioned answers a PUT with no VersionId")
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
ids = [s3.put_object(Bucket=bucket, Key="a/k", Body=b"v%d" % i)["VersionId"] for i in range(3)]
ok(len(set(ids)) == 3, "three PUTs, three versions")
head = s3.head_object(Bucket=bucket, Key="a/k")
ok(head.get("VersionId") == ids[2], "HeadObject names the current version")
old = s3.get_object(Bucket=bucket, Key="a/k", VersionId=ids[0])
ok(old["Body"].read() == b"v0" and old["VersionId"] == ids[0], "GetObject by VersionId")
listed = s3.list_object_versions(Bucket=bucket, Prefix="before")["Versions"]
ok([v["VersionId"] for v in listed] == ["null"],
   "an object from before versioning is the version \"null\"")

# Paging through a key's versions, newest first.
seen, km, vm = [], None, None
while True:
    args = dict(Bucket=bucket, Prefix="a/", MaxKeys=1)
    if km:
        args.update(KeyMarker=km, VersionIdMarker=vm)
    page = s3.list_object_versions(**args)
    seen += [v["VersionId"] for v in page.get("Versions", [])]
    if not page["IsTruncated"]:
        break
    km, vm = page["NextKeyMarker"], page["NextVersionIdMarker"]
ok(seen == ids[::-1], "KeyMarker and VersionIdMarker page through the versions, newest first")
rolled = s3.list_object_versions(Bucket=bucket, Delimiter="/")
ok([p["Prefix"] for p in rolled.get("CommonPrefixes", [])] == ["a/"],
   "a delimiter rolls versions up into common prefixes")

# Delete markers.
d = s3.delete_object(Bucket=bucket, Key="a/k")
marker = d.get("VersionId")
ok(d.get("DeleteMarker") is True and marker and marker not in ids, "DeleteObject makes a marker")
r = error_of(lambda: s3.get_object(Bucket=bucket, Key="a/k"))
h = r["ResponseMetadata"]["HTTPHeaders"]
ok(r["Error"]["Code"] == "NoSuchKey" and h.get("x-amz-delete-marker") == "true"
   and h.get("x-amz-version-id") == marker,
   "GetObject behind a marker: NoSuchKey with x-amz-delete-marker and the marker's id")
r = error_of(lambda: s3.head_object(Bucket=bucket, Key="a/k", VersionId=marker))
ok(r["ResponseMetadata"]["HTTPStatusCode"] == 405, "HeadObject of the marker is 405")
r = error_of(lambda: s3.copy_object(Bucket=bucket, Key="c",
                                    CopySource={"Bucket": bucket, "Key": "a/k"}))
ok(r["Error"]["Code"] == "NoSuchKey", "CopyObject from a deleted key is NoSuchKey")
cp = s3.copy_object(Bucket=bucket, Key="c",
                    CopySource={"Bucket": bucket, "Key": "a/k", "VersionId": ids[1]})
ok(cp.get("CopySourceVersionId") == ids[1] and cp.get("VersionId"),
   "CopyObject from an older version names both versions")
ok(s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"v1", "... and copies that version")
r = error_of(lambda: s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "c"}))
ok(r["Error"]["Code"] == "InvalidRequest", "CopyObject of the current object onto itself is refused")
put = s3.put_object(Bucket=bucket, Key="doc", Body=b"first")
s3.put_object(Bucket=bucket, Key="doc", Body=b"second")
back = s3.copy_object(Bucket=bucket, Key="doc",
                      CopySource={"Bucket": bucket, "Key": "doc", "VersionId": put["VersionId"]})
ok(back.get("CopySourceVersionId") == put["VersionId"] and back.get("VersionId")
   and back["VersionId"] != put["VersionId"]
   and s3.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"first",
   "copying an old version onto its own key restores it as a new current version")
ok(len(s3.list_object_versions(Bucket=bucket, Prefix="doc")["Versions"]) == 3,
   "... and keeps the versions it was restored over")

# DeleteObjects by VersionId: a version for good, and a marker for a key.
r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
    {"Key": "a/k", "VersionId": ids[0]}, {"Key": "c"},
    {"Key": "a/k", "VersionId": "bad id"}]})
deleted = {(x["Key"], x.get("VersionId")): x for x in r.get("Deleted", [])}
ok(("a/k", ids[0]) in deleted and deleted[("c", None)].get("DeleteMarker") is True
   and deleted[("c", None)].get("DeleteMarkerVersionId"),
   "DeleteObjects removes a version and marks a key")
ok([e["Code"] for e in r.get("Errors", [])] == ["InvalidArgument"],
   "DeleteObjects names a malformed version id among its errors")
left = s3.list_object_versions(Bucket=bucket, Prefix="a/")
ok([v["VersionId"] for v in left["Versions"]] == [ids[2], ids[1]],
   "the version deleted by id is gone, the others stay")
s3.delete_object(Bucket=bucket, Key="a/k", VersionId=marker)
ok(s3.get_object(Bucket=bucket, Key="a/k")["Body"].read() == b"v2",
   "deleting the marker brings the newest version back")
s3.delete_object(Bucket=bucket, Key="a/k", VersionId=ids[2])
ok(s3.get_object(Bucket=bucket, Key="a/k")["Body"].read() == b"v1",
   "deleting the current version makes the one before current")

# Default encryption with a key of the account's.
kms = boto3.client("kms", **kw)
key = kms.create_key()["KeyMetadata"]
s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                           "KMSMasterKeyID": key["KeyId"]}}]})
got = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
ok(got["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID") == key["KeyId"],
   "the default encryption reads back with its key")
put = s3.put_object(Bucket=bucket, Key="secret", Body=b"s")
ok(put.get("ServerSideEncryption") == "aws:kms" and put.get("SSEKMSKeyId") == key["Arn"],
   "an upload is encrypted with the bucket's key")
r = error_of(lambda: s3.put_bucket_encryption(
    Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"}}]}))
ok(r["Error"]["Code"] == "NotImplemented", "dual-layer encryption is refused, named")

print("1..%d" % n)
sys.exit(1 if failed else 0)
