"""The protocol codecs' answers, read by the clients' own parsers.

    python3 proto_clients.py PROTO-ENCODE

Each case has proto-encode write one answer (or error) in one protocol, and this Python's
botocore parse it as a client would; the parsed value must be what was encoded. Run with
Debian's Python (botocore 1.29: query for SQS and CloudWatch) and the newer one (1.43: JSON
for SQS, JSON and CBOR for CloudWatch): each checks the protocols its botocore speaks. TAP.
"""

import calendar
import datetime
import io
import json
import subprocess
import sys

try:
    import botocore
    import botocore.parsers
    import botocore.session
    from botocore.compat import HTTPHeaders
    from botocore.response import StreamingBody
except ImportError:
    print("1..0 # SKIP botocore is not installed for %s" % sys.executable)
    sys.exit(0)

PROTOCOLS = {"rest-json": 1, "json": 2, "query": 3, "rest-xml": 4, "smithy-rpc-v2-cbor": 5}
ENCODE = sys.argv[1]
SESSION = botocore.session.get_session()
n = 0
failed = 0


def ok(cond, what, detail=""):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what))
    if not cond:
        failed += 1
        for line in str(detail).splitlines():
            print("#   " + line)


def speaks(model, proto):
    m = SESSION.get_service_model(model)
    return proto in (m.metadata.get("protocols") or [m.protocol])


def encode(svc, proto, op, output, error=None):
    args = [ENCODE, svc, str(PROTOCOLS[proto]), op, json.dumps(output) if error is None else "-"]
    args += list(error or [])
    raw = subprocess.run(args, capture_output=True, check=True).stdout
    head, _, body = raw.partition(b"\n\n")
    lines = head.decode().split("\n")
    headers = HTTPHeaders()
    for line in lines[1:]:
        k, _, v = line.partition(": ")
        headers[k] = v
    return int(lines[0]), headers, body


def parse(model, proto, op, status, headers, body):
    opm = SESSION.get_service_model(model).operation_model(op)
    resp = {"status_code": status, "headers": headers, "body": body}
    if status < 300 and opm.has_streaming_output:
        resp["body"] = StreamingBody(io.BytesIO(body), len(body))
    parsed = botocore.parsers.create_parser(proto).parse(resp, opm.output_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def plain(v):
    """Parsed values made comparable with what was encoded: datetimes as epoch seconds."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, datetime.datetime):
        return calendar.timegm(v.utctimetuple()) + v.microsecond / 1e6
    if isinstance(v, StreamingBody):
        return v.read()
    return v


# (botocore model, our service, protocol, operation, output, what the client must see)
ANSWERS = [
    ("lambda", "lambda", "rest-json", "Invoke",
     {"StatusCode": 200, "FunctionError": "Unhandled", "LogResult": "bG9n",
      "ExecutedVersion": "$LATEST", "Payload": "eyJvayI6MX0="},
     {"StatusCode": 200, "FunctionError": "Unhandled", "LogResult": "bG9n",
      "ExecutedVersion": "$LATEST", "Payload": b'{"ok":1}'}),
    ("lambda", "lambda", "rest-json", "GetFunctionConfiguration",
     {"FunctionName": "f", "MemorySize": 128, "Environment": {"Variables": {"A": "b"}}}, None),
    ("sqs", "sqs", "query", "ReceiveMessage",
     {"Messages": [{"MessageId": "m", "Body": "b", "Attributes": {"SentTimestamp": "1"},
                    "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}}]},
     None),
    ("sqs", "sqs", "json", "ReceiveMessage",
     {"Messages": [{"MessageId": "m", "Body": "b", "Attributes": {"SentTimestamp": "1"}}]},
     None),
    ("sqs", "sqs", "query", "GetQueueAttributes", {"Attributes": {"VisibilityTimeout": "30"}},
     None),
    ("sqs", "sqs", "query", "SendMessageBatch",
     {"Successful": [{"Id": "a", "MessageId": "m", "MD5OfMessageBody": "x"}],
      "Failed": [{"Id": "b", "SenderFault": True, "Code": "c"}]}, None),
    ("sns", "sns", "query", "ListTopics", {"Topics": [{"TopicArn": "t"}], "NextToken": "n"},
     None),
    ("sns", "sns", "query", "GetTopicAttributes", {"Attributes": {"Policy": "{}"}}, None),
    ("cloudwatch", "monitoring", "query", "GetMetricStatistics",
     {"Label": "L", "Datapoints": [{"Timestamp": 1700000000, "Sum": 2.5, "Unit": "Count"}]},
     None),
    ("cloudwatch", "monitoring", "smithy-rpc-v2-cbor", "GetMetricStatistics",
     {"Label": "L", "Datapoints": [{"Timestamp": 1700000000, "Sum": 2.5, "Unit": "Count"}]},
     None),
    ("cloudwatch", "monitoring", "json", "GetMetricStatistics",
     {"Label": "L", "Datapoints": [{"Timestamp": 1700000000.5, "Sum": 2.5, "Unit": "Count"}]},
     None),
    ("s3", "s3", "rest-xml", "ListObjectsV2",
     {"Name": "b", "KeyCount": 1, "IsTruncated": False, "CommonPrefixes": [{"Prefix": "p/"}],
      "Contents": [{"Key": "k", "LastModified": 1700000000, "Size": 5, "ETag": '"e"'}]}, None),
    ("s3", "s3", "rest-xml", "HeadObject",
     {"ContentLength": 5, "LastModified": 1700000000, "Metadata": {"owner": "ada"},
      "ETag": '"e"', "ContentType": "text/plain"}, None),
    ("s3", "s3", "rest-xml", "GetBucketLocation", {"LocationConstraint": "eu-west-1"}, None),
    ("s3", "s3", "rest-xml", "CreateMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u"},
     None),
    ("s3", "s3", "rest-xml", "GetBucketNotificationConfiguration",
     {"QueueConfigurations": [{"Id": "i", "QueueArn": "arn:q", "Events": ["s3:ObjectCreated:*"],
                               "Filter": {"Key": {"FilterRules": [{"Name": "prefix",
                                                                   "Value": "a/"}]}}}]}, None),
    ("s3", "s3", "rest-xml", "GetObjectTagging", {"TagSet": [{"Key": "k", "Value": "v"}]}, None),
    ("iam", "iam", "query", "CreateRole",
     {"Role": {"Path": "/", "RoleName": "r", "RoleId": "AROA", "Arn": "arn:aws:iam::1:role/r",
               "CreateDate": 1700000000, "Tags": [{"Key": "k", "Value": "v"}]}}, None),
    ("sts", "sts", "query", "GetCallerIdentity",
     {"UserId": "u", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:root"}, None),
    ("dynamodb", "dynamodb", "json", "GetItem",
     {"Item": {"pk": {"S": "a"}, "b": {"B": "AAE="}, "l": {"L": [{"N": "1"}]}}},
     {"Item": {"pk": {"S": "a"}, "b": {"B": b"\x00\x01"}, "l": {"L": [{"N": "1"}]}}}),
    ("logs", "logs", "json", "GetLogEvents",
     {"events": [{"timestamp": 1700000000000, "message": "m", "ingestionTime": 1}],
      "nextForwardToken": "f"}, None),
]

# (botocore model, our service, protocol, operation, (code, status, message[, fields]), the
# error code and message the client must see)
ERRORS = [
    ("lambda", "lambda", "rest-json", "GetFunction",
     ("ResourceNotFoundException", "404", "Function not found: f"), "ResourceNotFoundException"),
    ("sqs", "sqs", "json", "GetQueueUrl",
     ("AWS.SimpleQueueService.NonExistentQueue", "400", "gone"),
     "AWS.SimpleQueueService.NonExistentQueue"),
    ("sqs", "sqs", "query", "GetQueueUrl", ("QueueDoesNotExist", "400", "gone"),
     "AWS.SimpleQueueService.NonExistentQueue"),
    ("s3", "s3", "rest-xml", "ListObjectsV2",
     ("NoSuchBucket", "404", "The specified bucket does not exist", '{"BucketName":"b"}'),
     "NoSuchBucket"),
    ("cloudwatch", "monitoring", "smithy-rpc-v2-cbor", "GetMetricData",
     ("InvalidNextToken", "400", "bad token"), "InvalidNextToken"),
    ("cloudwatch", "monitoring", "json", "GetMetricData",
     ("InvalidNextToken", "400", "bad token"), "InvalidNextToken"),
    ("cloudwatch", "monitoring", "query", "GetMetricData",
     ("InvalidNextToken", "400", "bad token"), "InvalidNextToken"),
    ("dynamodb", "dynamodb", "json", "GetItem",
     ("ResourceNotFoundException", "400", "Requested resource not found"),
     "ResourceNotFoundException"),
    ("iam", "iam", "query", "GetRole", ("NoSuchEntity", "404", "The role r cannot be found."),
     "NoSuchEntity"),
]


def main():
    print("# botocore %s" % botocore.__version__)
    for model, svc, proto, op, output, want in ANSWERS:
        if not speaks(model, proto):
            continue
        what = "%s %s %s" % (proto, model, op)
        try:
            got = plain(parse(model, proto, op, *encode(svc, proto, op, output)))
        except Exception as e:  # a client that cannot parse the answer is the failure
            ok(False, what, repr(e))
            continue
        want = output if want is None else want
        ok(got == want, what, "got:  %r\nwant: %r" % (got, want))
    for model, svc, proto, op, error, code in ERRORS:
        if not speaks(model, proto):
            continue
        what = "%s %s error %s" % (proto, model, error[0])
        try:
            status, headers, body = encode(svc, proto, op, {}, error)
            got = parse(model, proto, op, status, headers, body).get("Error", {})
        except Exception as e:
            ok(False, what, repr(e))
            continue
        ok(got.get("Code") == code and got.get("Message") == error[2] and
           status == int(error[1]), what, "got: %r %d" % (got, status))
    print("1..%d" % n)
    sys.exit(1 if failed else 0)


main()
