#!/usr/bin/env python3
"""S3's IAM actions from AWS's API models: the build's generator of iam_s3_actions.c.

Every operation of S3's model (s3-2006-03-01) and S3 Control's (s3control-2018-08-20) is an
s3: action of its own name, but for the exceptions below, which AWS documents in the S3 user
guide's "Required permissions for Amazon S3 API operations" and the Service Authorization
Reference: the operations authorized by another action (or several, or none of S3's), and the
actions no operation is named after (a version's variant of an object action, replication).
The output has the sorted list of actions (what a bucket policy may name) and, per operation
of S3's own model, the actions it needs, and those it needs instead when it names a version.

Usage: gen_s3_actions.py MODELS-DIR OUTPUT.c
"""
import json
import os
import sys

# (model, operation) -> the actions it needs; [] for an operation authorized by another
# service's actions (s3express:, s3-object-lambda:).
RENAMED = {
    ("s3", "ListObjects"): ["ListBucket"],
    ("s3", "ListObjectsV2"): ["ListBucket"],
    ("s3", "HeadBucket"): ["ListBucket"],
    ("s3", "ListBuckets"): ["ListAllMyBuckets"],
    ("s3", "ListDirectoryBuckets"): [],
    ("s3", "CreateSession"): [],
    ("s3", "WriteGetObjectResponse"): [],
    ("s3", "HeadObject"): ["GetObject"],
    ("s3", "SelectObjectContent"): ["GetObject"],
    ("s3", "GetObjectAttributes"): ["GetObject", "GetObjectAttributes"],
    ("s3", "CopyObject"): ["PutObject"],
    ("s3", "CreateMultipartUpload"): ["PutObject"],
    ("s3", "UploadPart"): ["PutObject"],
    ("s3", "UploadPartCopy"): ["PutObject"],
    ("s3", "CompleteMultipartUpload"): ["PutObject"],
    ("s3", "ListParts"): ["ListMultipartUploadParts"],
    ("s3", "ListMultipartUploads"): ["ListBucketMultipartUploads"],
    ("s3", "DeleteObjects"): ["DeleteObject"],
    ("s3", "ListObjectVersions"): ["ListBucketVersions"],
    ("s3", "GetBucketNotificationConfiguration"): ["GetBucketNotification"],
    ("s3", "PutBucketNotificationConfiguration"): ["PutBucketNotification"],
    ("s3", "GetBucketLifecycle"): ["GetLifecycleConfiguration"],
    ("s3", "GetBucketLifecycleConfiguration"): ["GetLifecycleConfiguration"],
    ("s3", "PutBucketLifecycle"): ["PutLifecycleConfiguration"],
    ("s3", "PutBucketLifecycleConfiguration"): ["PutLifecycleConfiguration"],
    ("s3", "DeleteBucketLifecycle"): ["PutLifecycleConfiguration"],
    ("s3", "GetBucketCors"): ["GetBucketCORS"],
    ("s3", "PutBucketCors"): ["PutBucketCORS"],
    ("s3", "DeleteBucketCors"): ["PutBucketCORS"],
    ("s3", "GetBucketEncryption"): ["GetEncryptionConfiguration"],
    ("s3", "PutBucketEncryption"): ["PutEncryptionConfiguration"],
    ("s3", "DeleteBucketEncryption"): ["PutEncryptionConfiguration"],
    ("s3", "GetBucketReplication"): ["GetReplicationConfiguration"],
    ("s3", "PutBucketReplication"): ["PutReplicationConfiguration"],
    ("s3", "DeleteBucketReplication"): ["PutReplicationConfiguration"],
    ("s3", "DeleteBucketTagging"): ["PutBucketTagging"],
    ("s3", "DeleteBucketOwnershipControls"): ["PutBucketOwnershipControls"],
    ("s3", "GetPublicAccessBlock"): ["GetBucketPublicAccessBlock"],
    ("s3", "PutPublicAccessBlock"): ["PutBucketPublicAccessBlock"],
    ("s3", "DeletePublicAccessBlock"): ["PutBucketPublicAccessBlock"],
    ("s3", "GetBucketAccelerateConfiguration"): ["GetAccelerateConfiguration"],
    ("s3", "PutBucketAccelerateConfiguration"): ["PutAccelerateConfiguration"],
    ("s3", "GetObjectLockConfiguration"): ["GetBucketObjectLockConfiguration"],
    ("s3", "PutObjectLockConfiguration"): ["PutBucketObjectLockConfiguration"],
    ("s3control", "GetPublicAccessBlock"): ["GetAccountPublicAccessBlock"],
    ("s3control", "PutPublicAccessBlock"): ["PutAccountPublicAccessBlock"],
    ("s3control", "DeletePublicAccessBlock"): ["PutAccountPublicAccessBlock"],
}
# S3 Control's bucket operations are S3 on Outposts' (s3-outposts: actions).
for op in ("CreateBucket", "DeleteBucket", "GetBucket", "ListRegionalBuckets",
           "GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration",
           "DeleteBucketLifecycleConfiguration", "GetBucketPolicy", "PutBucketPolicy",
           "DeleteBucketPolicy", "GetBucketReplication", "PutBucketReplication",
           "DeleteBucketReplication", "GetBucketTagging", "PutBucketTagging",
           "DeleteBucketTagging", "GetBucketVersioning", "PutBucketVersioning"):
    RENAMED[("s3control", op)] = []
# The analytics, inventory, metrics and intelligent-tiering configurations: Get and List need
# Get<Kind>Configuration, Put and Delete Put<Kind>Configuration.
for kind in ("Analytics", "Inventory", "Metrics", "IntelligentTiering"):
    RENAMED[("s3", "GetBucket%sConfiguration" % kind)] = ["Get%sConfiguration" % kind]
    RENAMED[("s3", "ListBucket%sConfigurations" % kind)] = ["Get%sConfiguration" % kind]
    RENAMED[("s3", "PutBucket%sConfiguration" % kind)] = ["Put%sConfiguration" % kind]
    RENAMED[("s3", "DeleteBucket%sConfiguration" % kind)] = ["Put%sConfiguration" % kind]

# An object operation that names a version (VersionId) needs the version's action instead.
VERSIONED = {
    "GetObject": ["GetObjectVersion"],
    "HeadObject": ["GetObjectVersion"],
    "GetObjectAcl": ["GetObjectVersionAcl"],
    "PutObjectAcl": ["PutObjectVersionAcl"],
    "GetObjectTagging": ["GetObjectVersionTagging"],
    "PutObjectTagging": ["PutObjectVersionTagging"],
    "DeleteObject": ["DeleteObjectVersion"],
    "DeleteObjectTagging": ["DeleteObjectVersionTagging"],
    "GetObjectTorrent": ["GetObjectVersionTorrent"],
    "GetObjectAttributes": ["GetObjectVersion", "GetObjectVersionAttributes"],
}

# Actions no operation is named after or renamed to, besides the versions' above: what S3
# authorizes in replication, retention and ownership, and in the console.
EXTRA = [
    "BypassGovernanceRetention", "GetObjectVersionForReplication", "GetStorageLensDashboard",
    "InitiateReplication", "ObjectOwnerOverrideToBucketOwner", "PutAccessPointPublicAccessBlock",
    "ReplicateDelete", "ReplicateObject", "ReplicateTags",
]


def operations(models, prefix):
    names = sorted(f for f in os.listdir(models) if f.startswith(prefix + "-") and
                   f.endswith(".min.json") and f[len(prefix) + 1:len(prefix) + 2].isdigit())
    if not names:
        sys.exit("gen_s3_actions.py: no %s model in %s" % (prefix, models))
    with open(os.path.join(models, names[-1])) as f:
        return sorted(json.load(f)["operations"])


def actions_of(model, op):
    return RENAMED.get((model, op), [op])


def c_list(names):
    return "{ " + "".join('"%s", ' % n for n in names) + "NULL }"


def main():
    models, out = sys.argv[1], sys.argv[2]
    s3_ops = operations(models, "s3")
    control_ops = operations(models, "s3control")
    for (model, op) in RENAMED:
        if op not in (s3_ops if model == "s3" else control_ops):
            sys.exit("gen_s3_actions.py: %s has no operation %s: the table is out of date" %
                     (model, op))
    actions = set(EXTRA)
    for op in s3_ops:
        actions.update(actions_of("s3", op))
        actions.update(VERSIONED.get(op, []))
    for op in control_ops:
        actions.update(actions_of("s3control", op))
    lines = [
        "/* Generated by gen_s3_actions.py from AWS's API models: do not edit. */",
        '#include "cloud/iam/s3_actions.h"',
        "",
        "#include <stddef.h>",
        "#include <string.h>",
        "",
        "const char *const iam_s3_actions[] = {",
    ]
    lines += ['\t"%s",' % a for a in sorted(actions)]
    lines += ["};", "const size_t iam_s3_nactions = sizeof(iam_s3_actions) / "
              "sizeof(iam_s3_actions[0]);", "",
              "static const struct {", "\tconst char *op;", "\tconst char *actions[3];",
              "\tconst char *versioned[3];", "} ops[] = {"]
    for op in s3_ops:
        lines.append('\t{ "%s", %s, %s },' % (op, c_list(actions_of("s3", op)),
                                              c_list(VERSIONED.get(op, actions_of("s3", op)))))
    lines += ["};", "",
              "const char *const *iam_s3_op_actions(const char *op, bool version)", "{",
              "\tsize_t lo = 0, hi = sizeof(ops) / sizeof(ops[0]);", "\twhile (lo < hi) {",
              "\t\tsize_t mid = (lo + hi) / 2;", "\t\tint c = strcmp(op, ops[mid].op);",
              "\t\tif (c == 0)",
              "\t\t\treturn version ? ops[mid].versioned : ops[mid].actions;",
              "\t\tif (c < 0)", "\t\t\thi = mid;", "\t\telse", "\t\t\tlo = mid + 1;", "\t}",
              "\treturn NULL;", "}", ""]
    with open(out, "w") as f:
        f.write("\n".join(lines))


main()
