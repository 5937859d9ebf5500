"""What the local cloud does not serve, asked through boto3: every answer is an AWS error the
client parses (NotImplemented, HTTP 501, naming what is missing), never an unparseable body
or a silent success. One protocol of each kind: query, ec2, rest-xml, rest-json, JSON 1.0 and
1.1, and CBOR where the botocore in use speaks it. TAP on stdout.

Usage: unserved_boto3.py ENDPOINT WORKSPACE (signed with the learner's keys)
"""

import os
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

ENDPOINT, WS = sys.argv[1], sys.argv[2]
KEY, SECRET, _ = cloudlib.learner_keys(WS)

# (service, operation, parameters, what the message must name). Services the cloud does not
# offer, then operations that services it does offer leave out.
CASES = [
    ("athena", "ListWorkGroups", {}, "athena"),
    ("route53", "ListHostedZones", {}, "route53"),
    ("ec2", "DescribeVpcs", {}, "ec2"),
    ("glue", "GetDatabases", {}, "glue"),
    ("stepfunctions", "ListStateMachines", {}, "states"),
    ("efs", "DescribeFileSystems", {}, "elasticfilesystem"),
    ("gamelift", "ListFleets", {}, "gamelift"),
    ("lambda", "ListCodeSigningConfigs", {}, "ListCodeSigningConfigs"),
    ("sns", "CreatePlatformApplication",
     {"Name": "app", "Platform": "GCM", "Attributes": {"A": "B"}}, "CreatePlatformApplication"),
    ("events", "CreateArchive",
     {"ArchiveName": "a1",
      "EventSourceArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"},
     "CreateArchive"),
    ("logs", "CreateExportTask", {"logGroupName": "g", "fromTime": 0, "to": 1,
                                   "destination": "b"},
     "CreateExportTask"),
    ("sqs", "ListDeadLetterSourceQueues",
     {"QueueUrl": ENDPOINT + "/123456789012/q"}, "ListDeadLetterSourceQueues"),
]

n = 0
failed = 0


def ok(cond, desc):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (n, desc))
    if not cond:
        failed += 1


session = boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                                region_name="us-east-1")
config = Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=60)
for service, op, params, names in CASES:
    label = "%s %s (botocore %s)" % (service, op, botocore.__version__)
    client = session.client(service, endpoint_url=ENDPOINT, config=config)
    method = getattr(client, botocore.xform_name(op))
    try:
        out = method(**params)
    except ClientError as e:
        error = e.response.get("Error", {})
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = error.get("Message", "")
        good = (error.get("Code") == "NotImplemented" and status == 501
                and "local cloud does not offer" in message and names in message)
        ok(good, label + ": NotImplemented, 501, naming " + names)
        if not good:
            print("# code %r, status %r, message %r" % (error.get("Code"), status, message))
    except Exception as e:  # an answer botocore cannot read
        ok(False, label + ": NotImplemented, 501, naming " + names)
        print("# %s: %s" % (type(e).__name__, e))
    else:
        ok(False, label + ": NotImplemented, 501, naming " + names)
        print("# answered as a success: %r" % (out,))

print("1..%d" % n)
sys.exit(1 if failed else 0)
