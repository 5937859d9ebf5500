#!/usr/bin/env python3
"""Generate the C tables of the local cloud's AWS protocol codecs from AWS's API models.

    gen_models.py SDK_APIS_DIR BOTOCORE_DATA_DIR OUT.c

Two sources, merged (README.md says why):
  - the structure (operations, HTTP bindings, members, locations, protocols) from the AWS SDK
    for JavaScript v2's apis/<model>.min.json, which is recent but carries no constraints,
    errors or shape names;
  - the constraints (min, max, pattern, enum), the modelled errors and, for a protocol that
    only the older model speaks (SQS's query), that protocol's serialization hints, from
    botocore's data/<service>/<version>/service-2.json, matched member path by member path.

Only the standard library; no documentation text is read into the output.
"""

import json
import os
import sys

# (aws-sdk model id, botocore folder, facts neither model carries)
SERVICES = [
    ("lambda-2015-03-31", "lambda", {}),
    ("logs-2014-03-28", "logs", {}),
    ("s3-2006-03-01", "s3", {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}),
    ("sqs-2012-11-05", "sqs", {}),
    ("sns-2010-03-31", "sns", {}),
    ("events-2015-10-07", "events", {}),
    ("apigateway-2015-07-09", "apigateway", {"input_path": True}),
    ("apigatewayv2-2018-11-29", "apigatewayv2", {}),
    ("elasticloadbalancingv2-2015-12-01", "elbv2", {}),
    # The newest clients speak smithy-rpc-v2-cbor (and could speak JSON 1.0) to CloudWatch,
    # with the same shapes as its query model and awsQueryCompatible errors.
    ("monitoring-2010-08-01", "cloudwatch", {
        "cbor": "GraniteServiceVersion20100801",
        "target_prefix": "GraniteServiceVersion20100801",
        "json_version": "1.0",
        "extra_protocols": ["smithy-rpc-v2-cbor", "json"],
        "query_compatible": True,
    }),
    ("xray-2016-04-12", "xray", {}),
    ("iam-2010-05-08", "iam", {}),
    ("sts-2011-06-15", "sts", {}),
    ("ssm-2014-11-06", "ssm", {}),
    ("secretsmanager-2017-10-17", "secretsmanager", {}),
    ("kms-2014-11-01", "kms", {}),
    ("cloudformation-2010-05-15", "cloudformation", {}),
    ("dynamodb-2012-08-10", "dynamodb", {}),
    ("streams.dynamodb-2012-08-10", "dynamodbstreams", {}),
    ("kinesis-2013-12-02", "kinesis", {}),
    ("scheduler-2021-06-30", "scheduler", {}),
    ("codedeploy-2014-10-06", "codedeploy", {}),
]

# How each service words a request that breaks the model's constraints (README.md):
#   coral: "N validation error(s) detected: Value 'x' at 'memberPath' failed to satisfy
#          constraint: ..." under the given code;
#   query: SQS's MissingParameter ("The request must contain the parameter X.") and
#          InvalidParameterValue ("Value v for parameter X is invalid. Reason: ...");
#   none: the service checks its requests itself.
# API Gateway's REST API names body members under the operation's input ("createRestApiInput.
# name"): the apigw_path fact.
VALIDATION = {
    "lambda": ("coral", "ValidationException"),
    "logs": ("coral", "InvalidParameterException"),
    "s3": ("none", ""),
    "sqs": ("query", ""),
    "sns": ("coral", "ValidationError"),
    "events": ("coral", "ValidationException"),
    "apigateway": ("coral", "BadRequestException"),
    "apigatewayv2": ("coral", "BadRequestException"),
    "elbv2": ("coral", "ValidationError"),
    "cloudwatch": ("coral", "ValidationError"),
    "xray": ("coral", "InvalidRequestException"),
    "iam": ("coral", "ValidationError"),
    "sts": ("coral", "ValidationError"),
    "ssm": ("coral", "ValidationException"),
    "secretsmanager": ("coral", "InvalidParameterException"),
    "kms": ("coral", "ValidationException"),
    "cloudformation": ("coral", "ValidationError"),
    "dynamodb": ("coral", "ValidationException"),
    "dynamodbstreams": ("coral", "ValidationException"),
    "kinesis": ("coral", "ValidationException"),
    "scheduler": ("coral", "ValidationException"),
    "codedeploy": ("none", ""),
}

# rest-xml answers whose root element the models do not name (S3's documented responses).
S3_ROOTS = {
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListObjectVersions": "ListVersionsResult",
    "ListBuckets": "ListAllMyBucketsResult",
    "ListDirectoryBuckets": "ListAllMyDirectoryBucketsResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "ListParts": "ListPartsResult",
    "DeleteObjects": "DeleteResult",
    "GetBucketLocation": "LocationConstraint",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    "GetBucketNotification": "NotificationConfiguration",
    "GetObjectTagging": "Tagging",
    "GetBucketTagging": "Tagging",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketAcl": "AccessControlPolicy",
    "GetObjectAcl": "AccessControlPolicy",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketLifecycleConfiguration": "LifecycleConfiguration",
    "GetBucketLifecycle": "LifecycleConfiguration",
    "GetBucketWebsite": "WebsiteConfiguration",
    "GetBucketLogging": "BucketLoggingStatus",
    "GetBucketRequestPayment": "RequestPaymentConfiguration",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetObjectAttributes": "GetObjectAttributesOutput",
    "ListBucketAnalyticsConfigurations": "ListBucketAnalyticsConfigurationResult",
    "ListBucketInventoryConfigurations": "ListInventoryConfigurationsResult",
    "ListBucketMetricsConfigurations": "ListMetricsConfigurationsResult",
    "ListBucketIntelligentTieringConfigurations":
        "ListBucketIntelligentTieringConfigurationsOutput",
}

# Enums that grew after botocore's December 2022 models (found by comparing them with botocore
# 1.43's): checking them would refuse values AWS accepts today (Lambda's python3.13), so
# they are not checked from the model; a service checks those members itself.
GROWN_ENUMS = {
    "lambda": ["LastUpdateStatusReasonCode", "Runtime", "State", "StateReasonCode"],
    "s3": ["BucketLocationConstraint", "ChecksumAlgorithm", "InventoryOptionalField",
           "ObjectStorageClass", "ReplicationStatus", "ServerSideEncryption", "StorageClass"],
    "sqs": ["MessageSystemAttributeName"],
    "events": ["ConnectionState", "RuleState"],
    "apigateway": ["DomainNameStatus", "SecurityPolicy"],
    "elbv2": ["ActionTypeEnum", "IpAddressType", "ProtocolEnum", "TargetHealthStateEnum"],
    "cloudwatch": ["HistoryItemType", "MetricStreamOutputFormat"],
    "xray": ["TimeRangeType"],
    "iam": ["statusType", "summaryKeyType"],
    "ssm": ["AutomationExecutionStatus", "AutomationSubtype", "ConnectionStatus",
            "DocumentType", "OperatingSystem", "OpsItemFilterKey", "OpsItemStatus",
            "PatchComplianceDataState", "SessionFilterKey", "SignalType",
            "StepExecutionFilterKey"],
    "secretsmanager": ["FilterNameStringType"],
    "kms": ["AlgorithmSpec", "DataKeyPairSpec", "GrantOperation", "KeySpec", "KeyUsageType",
            "MessageType", "SigningAlgorithmSpec", "WrappingKeySpec"],
    "cloudformation": ["ChangeAction", "ChangeSource", "ResourceAttribute", "ResourceStatus",
                       "StackInstanceDetailedStatus", "StackInstanceFilterName",
                       "StackResourceDriftStatus"],
    "dynamodb": ["DestinationStatus", "ReplicaStatus", "TableStatus"],
}

# Patterns AWS checks today that differ from botocore's December 2022 models, as AWS words them
# in its answers (recorded in 2025: Lambda's names with eusc- regions and $LATEST.PUBLISHED, the
# function URL qualifier that refuses $LATEST and version numbers).
NEWER_PATTERNS = {
    "lambda": {
        "FunctionName": r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?"
                        r"-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)"
                        r"(:(\$LATEST|[a-zA-Z0-9-_]+))?",
        "NamespacedFunctionName": r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|"
                                  r"(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?"
                                  r"([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?",
        "FunctionUrlQualifier": r"((?!^\d+$)^[0-9a-zA-Z-_]+$)",
    },
}

# Enumerations AWS lists in another order than the model in its validation messages (its own
# set's order, recorded in 2025).
ENUM_ORDER = {
    "cloudwatch": {"StateValue": ["INSUFFICIENT_DATA", "ALARM", "OK"]},
}

# Members whose operation AWS now validates against another shape's pattern than the 2022 model
# gives it (recorded in 2025: DeleteFunction quotes the namespaced function name).
NEWER_MEMBER_PATTERNS = {
    "lambda": {("DeleteFunction", "FunctionName"): "NamespacedFunctionName"},
}


def repattern(inp, member, pattern):
    """Gives one member of an input structure a copy of its shape with another pattern."""
    for m in inp.members:
        if m.name == member:
            sh = Shape()
            for k in Shape.__slots__:
                setattr(sh, k, getattr(m.shape, k))
            sh.members = list(m.shape.members)
            sh.flags = list(m.shape.flags)
            sh.pattern = pattern
            m.shape = sh
            return
    die("no member %s to give a newer pattern" % member)


TYPES = ["structure", "list", "map", "string", "integer", "long", "float", "double",
         "boolean", "timestamp", "blob", "bigdecimal"]
LOCATIONS = {None: "PM_BODY", "header": "PM_HEADER", "headers": "PM_HEADERS",
             "querystring": "PM_QUERY", "uri": "PM_URI", "statusCode": "PM_STATUS"}
TS_FORMATS = {None: "PM_TS_DEFAULT", "iso8601": "PM_TS_ISO8601", "rfc822": "PM_TS_RFC822",
              "unixTimestamp": "PM_TS_UNIX"}
PROTOCOLS = {"rest-json": "PROTO_REST_JSON", "json": "PROTO_JSON", "query": "PROTO_QUERY",
             "rest-xml": "PROTO_REST_XML", "smithy-rpc-v2-cbor": "PROTO_CBOR"}


def die(msg):
    sys.stderr.write("gen_models: %s\n" % msg)
    sys.exit(1)


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        die("cannot read the API model %s (%s): run ./quickstart.sh, which installs it"
            % (path, e.strerror))
    except ValueError as e:
        die("%s is not JSON: %s" % (path, e))


def c_str(s):
    if s is None:
        return "NULL"
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= o < 127 and ch != "?":
            out.append(ch)
        else:
            # Octal escapes of the UTF-8 bytes: never run into a following hex digit.
            out.extend("\\%03o" % b for b in ch.encode("utf-8"))
    return '"' + "".join(out) + '"'


def c_num(v):
    if v is None:
        return "0"
    if float(v).is_integer():
        return "%d.0" % int(v)
    return repr(float(v))


class Shape:
    __slots__ = ("index", "type", "members", "min", "max", "pattern", "enum", "flags", "ts",
                 "name", "error", "payload", "xml_name", "xmlns", "key", "enum_c")

    def __init__(self):
        self.index = -1
        self.members = []
        self.min = self.max = self.pattern = None
        self.enum = None
        self.flags = []
        self.ts = None
        self.name = None
        self.error = None
        self.payload = None
        self.xml_name = None
        self.xmlns = None
        self.key = None
        self.enum_c = "NULL"


class Member:
    __slots__ = ("name", "wire", "qwire", "location", "shape", "flags", "ts", "xmlns",
                 "xmlns_prefix")

    def __init__(self, name):
        self.name = name
        self.wire = name
        self.qwire = name
        self.location = None
        self.shape = None
        self.flags = []
        self.ts = None
        self.xmlns = None
        self.xmlns_prefix = None


class Builder:
    """Walks the aws-sdk model's shapes beside botocore's and emits merged shapes."""

    def __init__(self, sdk, bc, query_from_bc, grown, newer=None, enum_order=None):
        self.grown = set(grown)
        self.newer = newer or {}
        self.enum_order = enum_order or {}
        self.sdk = sdk
        self.bc = bc
        self.query_from_bc = query_from_bc
        self.memo = {}
        self.shapes = []
        self.dedupe = {}

    def sdk_target(self, ref):
        """An aws-sdk member or inline shape: (member-level keys, the shape dict)."""
        if "shape" in ref:
            return ref, self.sdk["shapes"][ref["shape"]]
        return ref, ref

    def bc_shape(self, ref):
        if ref is None or self.bc is None:
            return None, None
        name = ref.get("shape")
        return name, self.bc["shapes"].get(name)

    def build(self, ref, bc_ref):
        mref, sh = self.sdk_target(ref)
        bname, bsh = self.bc_shape(bc_ref)
        if bsh is not None and bsh.get("type", "structure") != sh.get("type", "string"):
            bname, bsh = None, None
        key = (id(sh), bname)
        if key in self.memo:
            return self.memo[key]
        out = Shape()
        self.memo[key] = out
        out.type = sh.get("type", "string")
        if out.type not in TYPES:
            die("unknown shape type %r" % out.type)
        out.name = bname
        if bsh is not None:
            for k in ("min", "max", "pattern"):
                if k in bsh:
                    setattr(out, k, bsh[k])
            if bname in self.newer:
                out.pattern = self.newer[bname]
            if "enum" in bsh and bname not in self.grown:
                out.enum = list(bsh["enum"])
                if bname in self.enum_order:
                    if sorted(self.enum_order[bname]) != sorted(out.enum):
                        die("ENUM_ORDER for %s is not the model's set" % bname)
                    out.enum = list(self.enum_order[bname])
        for k, f in (("union", "PM_S_UNION"), ("streaming", "PM_S_STREAMING"),
                     ("eventstream", "PM_S_EVENTSTREAM"), ("document", "PM_S_DOCUMENT"),
                     ("flattened", "PM_S_FLATTENED"), ("sensitive", "PM_S_SENSITIVE")):
            if sh.get(k):
                out.flags.append(f)
        if bsh is not None and bsh.get("union"):
            if "PM_S_UNION" not in out.flags:
                out.flags.append("PM_S_UNION")
        out.ts = sh.get("timestampFormat")
        if isinstance(sh.get("xmlNamespace"), dict):
            out.xmlns = sh["xmlNamespace"].get("uri")
        if out.type == "structure":
            bmembers = (bsh or {}).get("members", {})
            required = set(sh.get("required", []))
            for mname, mref in sh.get("members", {}).items():
                m = self.member(mname, mref, bmembers.get(mname), mname in required)
                out.members.append(m)
            out.payload = sh.get("payload")
        elif out.type == "list":
            bm = (bsh or {}).get("member")
            out.members.append(self.member("member", sh["member"], bm, False))
            if self.query_from_bc and bsh is not None:
                out.flags = [f for f in out.flags if f != "PM_S_FLATTENED"]
                if bsh.get("flattened"):
                    out.flags.append("PM_S_FLATTENED")
        elif out.type == "map":
            out.members.append(self.member("key", sh["key"], (bsh or {}).get("key"), False))
            out.members.append(self.member("value", sh["value"], (bsh or {}).get("value"),
                                           False))
            if self.query_from_bc and bsh is not None:
                out.flags = [f for f in out.flags if f != "PM_S_FLATTENED"]
                if bsh.get("flattened"):
                    out.flags.append("PM_S_FLATTENED")
        return out

    def member(self, name, mref, bc_ref, required):
        m = Member(name)
        m.shape = self.build(mref, bc_ref)
        m.location = mref.get("location")
        if m.location not in LOCATIONS:
            die("unknown location %r" % m.location)
        default = name if m.location is None or m.location == "statusCode" else name
        m.wire = mref.get("locationName", default)
        m.qwire = m.wire
        if self.query_from_bc:
            # As botocore serializes it: the reference's locationName, else its shape's (a
            # flattened map's "Tag", which SQS's TagQueue.Tags has only on the shape).
            _, bsh = self.bc_shape(bc_ref)
            m.qwire = ((bc_ref or {}).get("locationName") or (bsh or {}).get("locationName")
                       or name)
        if name in ("member", "key", "value") and "locationName" not in mref:
            m.wire = None
            m.qwire = None
            if self.query_from_bc:
                m.qwire = (bc_ref or {}).get("locationName")
        if required:
            m.flags.append("PM_M_REQUIRED")
        for k, f in (("flattened", "PM_M_FLATTENED"), ("xmlAttribute", "PM_M_XMLATTR"),
                     ("jsonvalue", "PM_M_JSONVALUE"), ("idempotencyToken", "PM_M_IDEMPOTENCY"),
                     ("streaming", "PM_M_STREAMING"), ("hostLabel", "PM_M_HOSTLABEL")):
            if mref.get(k):
                f_ok = True
                if k == "flattened" and self.query_from_bc:
                    f_ok = False
                if f_ok:
                    m.flags.append(f)
        if self.query_from_bc and (bc_ref or {}).get("flattened"):
            m.flags.append("PM_M_FLATTENED")
        m.ts = mref.get("timestampFormat")
        if isinstance(mref.get("xmlNamespace"), dict):
            m.xmlns = mref["xmlNamespace"].get("uri")
            m.xmlns_prefix = mref["xmlNamespace"].get("prefix")
        return m


def reachable(ops, err_shapes):
    out = []
    seen = set()
    stack = [o[4] for o in ops] + [o[5] for o in ops] + list(err_shapes)
    stack.reverse()
    while stack:
        sh = stack.pop()
        if sh is None or id(sh) in seen:
            continue
        seen.add(id(sh))
        out.append(sh)
        stack.extend(reversed([m.shape for m in sh.members]))
    return out


def shown_name(sh):
    """The name a shape keeps in the tables: an error's, and a structure's, which Coral's
    validation messages print before its members (PutEventsRequestEntry(source=...))."""
    return sh.name if sh.error or sh.type == "structure" else None


def local_key(sh):
    return (sh.type, tuple(sorted(sh.flags)), sh.ts, sh.min, sh.max, sh.pattern,
            tuple(sh.enum or ()), shown_name(sh), sh.error, sh.xmlns,
            sh.payload,
            tuple(sorted((m.name, m.wire, m.qwire, m.location, tuple(m.flags), m.ts, m.xmlns)
                         for m in sh.members)))


def minimise(shapes):
    """Merge shapes that are the same all the way down (partition refinement, cycles and
    all), so that the many identical strings and structures are emitted once."""
    cls = {}
    keys = {}
    for sh in shapes:
        cls[id(sh)] = keys.setdefault(local_key(sh), len(keys))
    while True:
        keys = {}
        new = {}
        for sh in shapes:
            ms = tuple(sorted((m.name or "", cls[id(m.shape)]) for m in sh.members))
            new[id(sh)] = keys.setdefault((cls[id(sh)], ms), len(keys))
        if len(set(new.values())) == len(set(cls.values())):
            break
        cls = new
    first = {}
    rep = {}
    for sh in shapes:
        rep[id(sh)] = first.setdefault(cls[id(sh)], sh)
    return rep


def lower_first(s):
    return s[:1].lower() + s[1:]


def uri_specificity(uri, inp):
    """Sort key: literal segments first, then fewer labels, greedy labels last; then more
    required query literals, then more required header and query members (the matcher skips
    an operation whose required bindings are missing). x-id, which old clients do not send,
    does not count."""
    path, _, query = uri.partition("?")
    segs = [s for s in path.split("/") if s]
    literals = sum(1 for s in segs if "{" not in s)
    greedy = sum(1 for s in segs if s.endswith("+}"))
    labels = sum(1 for s in segs if "{" in s)
    qlits = [q for q in query.split("&") if q and not q.startswith("x-id")]
    bound = 0
    if inp is not None:
        bound = sum(1 for m in inp.members if "PM_M_REQUIRED" in m.flags and
                    m.location in ("header", "querystring"))
    return (greedy, -literals, labels, -len(qlits), -bound, -len(segs))


class Emitter:
    def __init__(self):
        self.lines = []
        self.nshapes = 0
        self.string_lists = {}

    def w(self, s=""):
        self.lines.append(s)

    def strings(self, values):
        key = tuple(values)
        if key in self.string_lists:
            return self.string_lists[key]
        name = "strs_%d" % len(self.string_lists)
        self.string_lists[key] = name
        self.w("static const char *const %s[] = { %s };" % (
            name, ", ".join(c_str(v) for v in values)))
        return name


def flags_expr(flags):
    return " | ".join(flags) if flags else "0"


def emit_service(em, sid, bcdir, facts, sdk_dir, bc_dir, svc_index):
    sdk = load_json(os.path.join(sdk_dir, sid + ".min.json"))
    version = sid.rsplit("-", 3)
    version = "-".join(version[1:]) if len(version) == 4 else None
    bc_path = os.path.join(bc_dir, bcdir, version, "service-2.json")
    bc = load_json(bc_path)
    meta = sdk["metadata"]
    bmeta = bc["metadata"]
    protocols = list(meta.get("protocols") or [meta["protocol"]])
    for p in facts.get("extra_protocols", []):
        if p not in protocols:
            protocols.append(p)
    query_from_bc = "query" not in protocols and bmeta.get("protocol") == "query"
    if query_from_bc:
        protocols.append("query")
    for p in protocols:
        if p not in PROTOCOLS:
            die("%s: unknown protocol %r" % (sid, p))
    b = Builder(sdk, bc, query_from_bc, GROWN_ENUMS.get(bcdir, []),
                NEWER_PATTERNS.get(bcdir), ENUM_ORDER.get(bcdir))

    ops = []
    for oname in sorted(sdk["operations"]):
        op = sdk["operations"][oname]
        bop = bc["operations"].get(oname, {})
        inp = b.build(op["input"], bop.get("input")) if "input" in op else None
        for (o, mname), pname in NEWER_MEMBER_PATTERNS.get(bcdir, {}).items():
            if o == oname and inp is not None:
                repattern(inp, mname, NEWER_PATTERNS[bcdir][pname])
        out = b.build(op["output"], bop.get("output")) if "output" in op else None
        wrapper = (op.get("output") or {}).get("resultWrapper")
        if query_from_bc:
            wrapper = (bop.get("output") or {}).get("resultWrapper")
        if out is not None and "query" in protocols and wrapper is None and "output" in op:
            wrapper = None
        http = op.get("http", {})
        errors = [e["shape"] for e in bop.get("errors", [])]
        ops.append((oname, http.get("method", "POST"), http.get("requestUri", "/"),
                    http.get("responseCode", 200), inp, out, wrapper, errors,
                    bool(op.get("deprecated"))))

    # Error shapes: botocore's, by name.
    err_shapes = []
    for ename in sorted(bc["shapes"]):
        bsh = bc["shapes"][ename]
        if not bsh.get("exception"):
            continue
        sh = Shape()
        sh.type = "structure"
        sh.name = ename
        err = bsh.get("error", {})
        sh.error = (err.get("code", ename), err.get("httpStatusCode", 0),
                    err.get("senderFault", not bsh.get("fault", False)))
        for mname, mref in bsh.get("members", {}).items():
            m = Member(mname)
            m.wire = mref.get("locationName", mname)
            m.qwire = m.wire
            m.location = mref.get("location")
            target = bc["shapes"][mref["shape"]]
            ms = Shape()
            ms.type = target.get("type", "string")
            if ms.type not in ("string", "integer", "long", "boolean", "double", "float",
                               "timestamp", "blob"):
                ms.type = "string"
            m.shape = ms
            b.shapes.append(ms)
            sh.members.append(m)
        err_shapes.append(sh)

    shapes = reachable(ops, err_shapes)
    rep = minimise(shapes)
    order = []
    for sh in shapes:
        if rep[id(sh)] is sh:
            sh.index = len(order)
            order.append(sh)
    for sh in shapes:
        sh.index = rep[id(sh)].index
        if sh.type == "structure":
            # Members sorted by model name (bsearch in validation and encoding).
            sh.members.sort(key=lambda m: m.name)

    pre = "s%d" % svc_index
    em.w("/* %s */" % sid)
    em.w("static const struct proto_shape %s_shapes[%d];" % (pre, len(order)))
    for sh in order:
        if sh.members:
            rows = []
            for m in sh.members:
                rows.append("{ %s, %s, %s, %s, &%s_shapes[%d], %s, %s, %s, %s }" % (
                    c_str(m.name if sh.type == "structure" else None),
                    c_str(m.wire), c_str(m.qwire), c_str(lower_first(m.name)),
                    pre, m.shape.index, LOCATIONS[m.location], flags_expr(m.flags),
                    TS_FORMATS[m.ts], c_str(m.xmlns)))
            em.w("static const struct proto_member %s_m%d[] = {\n\t%s,\n};" % (
                pre, sh.index, ",\n\t".join(rows)))
        if sh.enum:
            sh.enum_c = em.strings(sh.enum)
    em.w("static const struct proto_shape %s_shapes[%d] = {" % (pre, len(order)))
    for sh in order:
        flags = list(sh.flags)
        if sh.min is not None:
            flags.append("PM_S_MIN")
        if sh.max is not None:
            flags.append("PM_S_MAX")
        if sh.error is not None:
            flags.append("PM_S_EXCEPTION")
            if sh.error[2]:
                flags.append("PM_S_SENDER_FAULT")
        payload = -1
        if sh.payload is not None:
            payload = [m.name for m in sh.members].index(sh.payload)
        # type, flags, ts, nmembers, payload, members, min, max, pattern, enums, nenums,
        # name, error_code, error_status, xmlns
        em.w("\t{ PM_%s, %s, %s, %d, %d, %s, %s, %s, %s, %s, %d, %s, %s, %d, %s }," % (
            sh.type.upper(), flags_expr(flags), TS_FORMATS[sh.ts], len(sh.members), payload,
            ("%s_m%d" % (pre, sh.index)) if sh.members else "NULL",
            c_num(sh.min), c_num(sh.max), c_str(sh.pattern), sh.enum_c, len(sh.enum or []),
            c_str(shown_name(sh)),
            c_str(sh.error[0] if sh.error else None), sh.error[1] if sh.error else 0,
            c_str(sh.xmlns)))
    em.w("};")
    # Operations, sorted by name.
    rows = []
    for (oname, method, uri, code, inp, out, wrapper, errors, _) in ops:
        root = None
        if bcdir == "s3":
            root = S3_ROOTS.get(oname)
        errs = em.strings(errors) if errors else "NULL"
        rows.append("{ %s, %s, %s, %d, %s, %s, %s, %s, %s, %d }" % (
            c_str(oname), c_str(method), c_str(uri), code,
            ("&%s_shapes[%d]" % (pre, inp.index)) if inp else "NULL",
            ("&%s_shapes[%d]" % (pre, out.index)) if out else "NULL",
            c_str(wrapper), c_str(root), errs, len(errors)))
    em.w("static const struct proto_op %s_ops[] = {\n\t%s,\n};" % (pre, ",\n\t".join(rows)))
    # REST operations in matching order: most specific template first.
    # A deprecated operation that shares its template with its successor (S3's
    # PutBucketNotification) comes after it.
    rest = sorted(range(len(ops)), key=lambda i: (uri_specificity(ops[i][2], ops[i][4]), ops[i][8],
                                                   ops[i][0]))
    em.w("static const unsigned short %s_rest[] = { %s };" % (
        pre, ", ".join(str(i) for i in rest)))
    em.w("static const struct proto_shape *const %s_errors[] = { %s };" % (
        pre, ", ".join("&%s_shapes[%d]" % (pre, s.index) for s in err_shapes) or "NULL"))

    pmask = " | ".join("PROTO_BIT(%s)" % PROTOCOLS[p] for p in protocols)
    vstyle, vcode = VALIDATION[bcdir]
    signing = meta.get("signingName") or bmeta.get("signingName") or meta["endpointPrefix"]
    xmlns = meta.get("xmlNamespace") or bmeta.get("xmlNamespace") or facts.get("xmlns")
    target = meta.get("targetPrefix") or facts.get("target_prefix")
    json_version = meta.get("jsonVersion") or facts.get("json_version")
    qc = "awsQueryCompatible" in meta or facts.get("query_compatible", False)
    return ("{ .model = %s, .signing_name = %s, .endpoint_prefix = %s, .target_prefix = %s,"
            " .json_version = %s, .xmlns = %s, .cbor_name = %s, .protocol = %s,"
            " .protocols = %s, .query_compatible = %s, .validation = PM_V_%s,"
            " .validation_code = %s, .input_path = %s, .ops = %s_ops, .nops = %d, .rest = %s_rest,"
            " .errors = %s_errors, .nerrors = %d }" % (
                c_str(sid), c_str(signing), c_str(meta["endpointPrefix"]), c_str(target),
                c_str(json_version), c_str(xmlns), c_str(facts.get("cbor")),
                PROTOCOLS[protocols[0]], pmask, "true" if qc else "false",
                vstyle.upper(), c_str(vcode),
                "true" if facts.get("input_path") else "false", pre, len(ops), pre, pre, len(err_shapes)))


def main():
    if len(sys.argv) != 4:
        die("usage: gen_models.py SDK_APIS_DIR BOTOCORE_DATA_DIR OUT.c")
    sdk_dir, bc_dir, out_path = sys.argv[1:]
    if not os.path.isdir(sdk_dir):
        die("the AWS SDK's API models are missing (%s): run ./quickstart.sh, or npm install "
            "--prefix src/cloud/proto/models" % sdk_dir)
    if not os.path.isdir(bc_dir):
        die("botocore's API models are missing (%s): apt-get install python3-botocore"
            % bc_dir)
    em = Emitter()
    em.w("/* Generated by gen_models.py from AWS's API models. Do not edit. */")
    em.w('#include "cloud/proto/model.h"')
    em.w()
    rows = []
    for i, (sid, bcdir, facts) in enumerate(SERVICES):
        rows.append(emit_service(em, sid, bcdir, facts, sdk_dir, bc_dir, i))
    em.w("const struct proto_service proto_services[] = {\n\t%s,\n};" % ",\n\t".join(rows))
    em.w("const size_t proto_nservices = %d;" % len(rows))
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(em.lines) + "\n")
    os.replace(tmp, out_path)


if __name__ == "__main__":
    main()
