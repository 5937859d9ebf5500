#!/bin/bash
# What decoding a request from the API models costs (issue 11): a CreateFunction body as boto3
# sends it, decoded and validated by the protocol codecs (bench/proto_decode.c), median and
# p90 per request; beside it, in the same run, what Python pays for the same body: json.loads
# alone, and botocore building the request from the same parameters (its serializer, which
# also walks the model). Target: decode + validate <= 20 us median.
#
#   bench/proto_decode.sh [BUILD_DIR]        N=20000 (requests per measure)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
N=${N:-20000}
fixtures=$here/../tests/unit/fixtures/proto/new
py=$(command -v python3)

echo "load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
echo
"$build/bench/proto-bench" lambda "$fixtures/lambda-create-function.http" "$N"
echo
"$build/bench/proto-bench" sqs "$fixtures/sqs-send-message-batch.http" "$N"
echo
"$build/bench/proto-bench" monitoring "$fixtures/cloudwatch-put-metric-data-cbor.http" "$N"
echo
"$py" - "$fixtures/lambda-create-function.http" "$N" <<'PY'
import json, sys, time
body = open(sys.argv[1], "rb").read().split(b"\n\n", 1)[1]
n = int(sys.argv[2])
def median(f):
    t = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        f()
        t.append(time.perf_counter_ns() - t0)
    t.sort()
    return t[len(t) // 2] / 1000, t[len(t) * 9 // 10] / 1000
print("peers: the same CreateFunction in Python %s" % sys.version.split()[0])
m, p = median(lambda: json.loads(body))
print("%-28s median %7.2f us   p90 %7.2f us" % ("json.loads", m, p))
try:
    import botocore, botocore.session, botocore.serialize, botocore.validate
except ImportError:
    print("botocore: not installed")
    sys.exit(0)
model = botocore.session.get_session().get_service_model("lambda").operation_model("CreateFunction")
params = json.loads(body)
import base64
params["Code"]["ZipFile"] = base64.b64decode(params["Code"]["ZipFile"])
ser = botocore.serialize.create_serializer("rest-json")
m, p = median(lambda: ser.serialize_to_request(params, model))
print("%-28s median %7.2f us   p90 %7.2f us" % ("botocore %s serialize" % botocore.__version__, m, p))
m, p = median(lambda: botocore.validate.validate_parameters(params, model.input_shape))
print("%-28s median %7.2f us   p90 %7.2f us" % ("botocore validate", m, p))
PY
