#!/bin/sh
# AWS X-Ray's trace store through Debian's CLI 2.9 (--endpoint-url), the pyenv 1.x CLI
# (AWS_ENDPOINT_URL) and boto3 in both Pythons: PutTraceSegments (a bad segment comes back
# unprocessed), GetTraceSummaries over a time range, BatchGetTraces with an unknown id, and
# GetServiceGraph, filter expressions and their errors; the segments
# Lambda records for an actively traced function's sampled invocation and those its handler
# sends the X-Ray daemon over UDP; Powertools for AWS Lambda (TypeScript: tracer, logger,
# metrics) and the X-Ray SDK for Node.js in a Node.js handler calling S3 through SDK v3;
# Active tracing refused for a role that may not write to X-Ray; the trace context carried
# across Invoke, function URLs, SQS, SNS and S3 (xray_traces.py, boto3);
# `lambda-tutor tune` (power tuning) of a CPU-bound function.
# Usage: xray_clients.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi

start_cloud || exit 1
test_role
command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1' && HAVE_V1=1 || HAVE_V1=
cli() {
	which=$1
	shift
	if [ "$which" = v2 ]; then
		aws2 --endpoint-url "$E" --output json "$@"
	else
		AWS_ENDPOINT_URL=$E aws --output json "$@"
	fi
}
T=$(date +%s)
i=0
for v in v2 v1; do
	if [ "$v" = v1 ] && [ -z "$HAVE_V1" ]; then
		echo "# skip the 1.x CLI: none on PATH"
		continue
	fi
	i=$((i + 1))
	TID=$(printf '1-%08x-%024x' "$T" "$i")
	ROOT="{\"name\":\"checkout-$v\",\"id\":\"70de5b6f19ff9a0$i\",\"trace_id\":\"$TID\",\"start_time\":$T.100,\"end_time\":$T.350,\"fault\":true}"
	SUB="{\"name\":\"DynamoDB\",\"id\":\"70de5b6f19ff9a1$i\",\"trace_id\":\"$TID\",\"parent_id\":\"70de5b6f19ff9a0$i\",\"type\":\"subsegment\",\"start_time\":$T.120,\"end_time\":$T.300}"
	out=$(cli $v xray put-trace-segments --trace-segment-documents "$ROOT" "$SUB" \
		'{"name":"bad","id":"zz","trace_id":"1-2-3","start_time":1}' 2>&1)
	json_py "$out" 'u = d["UnprocessedTraceSegments"]; assert [x["ErrorCode"] for x in u] == ["InvalidId"], u'
	ok $? "$v: put-trace-segments stores two, returns the bad one unprocessed" || note "$out"
	out=$(cli $v xray get-trace-summaries --start-time $((T - 60)) --end-time $((T + 60)) 2>&1)
	json_py "$out" '
s = [x for x in d["TraceSummaries"] if x["Id"] == "'"$TID"'"]
assert len(s) == 1 and s[0]["Duration"] == 0.25 and s[0]["HasFault"] is True and s[0]["HasError"] is False and s[0]["EntryPoint"]["Name"] == "checkout-'"$v"'", d
'
	ok $? "$v: get-trace-summaries: duration 0.25 s, a fault, the entry point" || note "$out"
	out=$(cli $v xray batch-get-traces --trace-ids "$TID" 1-00000000-000000000000000000000000 2>&1)
	json_py "$out" '
t = d["Traces"]
assert len(t) == 1 and [s["Id"] for s in t[0]["Segments"]] == ["70de5b6f19ff9a0'$i'", "70de5b6f19ff9a1'$i'"], t
assert json.loads(t[0]["Segments"][1]["Document"])["name"] == "DynamoDB"
assert d["UnprocessedTraceIds"] == ["1-00000000-000000000000000000000000"], d
'
	ok $? "$v: batch-get-traces: both segments in time order, the unknown id unprocessed" || note "$out"
	out=$(cli $v xray get-trace-summaries --start-time $((T - 60)) --end-time $((T + 60)) \
		--filter-expression "service(\"checkout-$v\") AND fault AND duration > 0.2" 2>&1)
	json_py "$out" 'assert [x["Id"] for x in d["TraceSummaries"]] == ["'"$TID"'"], d'
	ok $? "$v: get-trace-summaries --filter-expression service(...) AND fault AND duration > 0.2" || note "$out"
	out=$(cli $v xray get-trace-summaries --start-time $((T - 60)) --end-time $((T + 60)) \
		--filter-expression 'service("checkout") {' 2>&1)
	contains "$out" "InvalidRequestException"
	ok $? "$v: a malformed filter expression: InvalidRequestException" || note "$out"
	out=$(cli $v xray get-service-graph --start-time $((T - 60)) --end-time $((T + 60)) 2>&1)
	json_py "$out" '
n = [x for x in d["Services"] if x["Name"] == "checkout-'"$v"'"]
assert len(n) == 1 and n[0]["Root"] is True and n[0]["SummaryStatistics"]["FaultStatistics"]["TotalCount"] == 1, d
assert n[0]["SummaryStatistics"]["TotalResponseTime"] == 0.25 and n[0]["Edges"] == [], n
'
	ok $? "$v: get-service-graph: the service as a root node with its fault and response time" || note "$out"
done
# A function with active tracing: Lambda records its own segments for the sampled invocation.
mkdir -p "$WORK/fn"
cat >"$WORK/fn/app.py" <<'PY'
import json, os, secrets, socket, time


def handler(event, context):
    # What an X-Ray SDK does: a subsegment of the function's segment, sent to the daemon.
    h = dict(kv.split("=", 1) for kv in os.environ["_X_AMZN_TRACE_ID"].split(";"))
    host, port = os.environ["AWS_XRAY_DAEMON_ADDRESS"].split(":")
    now = time.time()
    doc = {"name": "orders-table", "id": secrets.token_hex(8), "trace_id": h["Root"],
           "parent_id": h["Parent"], "type": "subsegment", "namespace": "aws",
           "start_time": now, "end_time": now + 0.01, "annotations": {"tier": "gold"}}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b'{"format": "json", "version": 1}\n' + json.dumps(doc).encode(), (host, int(port)))
    s.sendto(b'{"format": "xml"}\n' + json.dumps(dict(doc, id=secrets.token_hex(8))).encode(), (host, int(port)))
    other = dict(doc, id=secrets.token_hex(8), trace_id="1-%08x-%024x" % (int(now), 7))
    s.sendto(b'{"format": "json", "version": 1}\n' + json.dumps(other).encode(), (host, int(port)))
    return doc["id"]
PY
make_zip "$WORK/fn.zip" "$WORK/fn"
out=$(cli v2 lambda create-function --function-name traced --runtime python3.12 \
	--handler app.handler --role "$ROLE" --zip-file "fileb://$WORK/fn.zip" \
	--tracing-config Mode=Active 2>&1)
ok $? "v2: create-function --tracing-config Mode=Active" || note "$out"
T1=$(date +%s)
check "v2: invoke it" cli v2 lambda invoke --function-name traced "$WORK/r.json"
out=$(cli v2 xray get-trace-summaries --start-time $((T1 - 60)) --end-time $((T1 + 120)) 2>&1)
TID=$(json_py "$out" 'print([x["Id"] for x in d["TraceSummaries"] if x.get("EntryPoint", {}).get("Name") == "traced"][0])' 2>/dev/null)
[ -n "$TID" ]
ok $? "v2: the invocation's trace is listed, its entry point the function" || note "$out"
out=$(cli v2 xray batch-get-traces --trace-ids "$TID" 2>&1)
json_py "$out" '
segs = [json.loads(s["Document"]) for s in d["Traces"][0]["Segments"]]
svc = [s for s in segs if s.get("origin") == "AWS::Lambda"][0]
fn = [s for s in segs if s.get("origin") == "AWS::Lambda::Function"][0]
assert fn["parent_id"] == svc["id"] and fn["name"] == "traced" and fn["fault"] is False, segs
assert [x["name"] for x in fn["subsegments"]] == ["Initialization", "Invocation", "Overhead"], fn
assert svc["start_time"] <= fn["subsegments"][1]["start_time"] < fn["subsegments"][1]["end_time"] <= svc["end_time"], segs
'
ok $? "v2: Lambda's segments: AWS::Lambda, then AWS::Lambda::Function with Initialization, Invocation, Overhead" || note "$out"
SUBID=$(tr -d '"' <"$WORK/r.json")
ok=1
for _ in $(seq 1 50); do
	out=$(cli v2 xray batch-get-traces --trace-ids "$TID" 2>&1)
	contains "$out" "$SUBID" && ok=0 && break
	sleep 0.1
done
json_py "$out" '
segs = [json.loads(s["Document"]) for s in d["Traces"][0]["Segments"]]
fn = [s for s in segs if s.get("origin") == "AWS::Lambda::Function"][0]
sub = [s for s in segs if s["id"] == "'"$SUBID"'"][0]
assert sub["parent_id"] == fn["id"] and sub["name"] == "orders-table" and sub["type"] == "subsegment", segs
assert len(segs) == 3, [s["name"] for s in segs]
'
ok $? "the daemon (UDP, AWS_XRAY_DAEMON_ADDRESS): the handler's subsegment under the function's segment; a wrong header and a foreign trace dropped" || note "$out"
out=$(cli v2 xray get-trace-summaries --start-time $((T1 - 60)) --end-time $((T1 + 120)) \
	--filter-expression 'annotation.tier = "gold" AND service("traced")' 2>&1)
json_py "$out" 'assert [x["Id"] for x in d["TraceSummaries"]] == ["'"$TID"'"], d'
ok $? "v2: a filter on the handler's annotation finds the invocation's trace" || note "$out"
out=$(cli v2 xray get-service-graph --start-time $((T1 - 60)) --end-time $((T1 + 120)) 2>&1)
json_py "$out" '
by = {(x["Name"], x.get("Type")): x for x in d["Services"]}
svc, fn, table = by[("traced", "AWS::Lambda")], by[("traced", "AWS::Lambda::Function")], by[("orders-table", "AWS::orders-table")]
assert svc["Root"] and [e["ReferenceId"] for e in svc["Edges"]] == [fn["ReferenceId"]], d
assert [e["ReferenceId"] for e in fn["Edges"]] == [table["ReferenceId"]], d
assert fn["Edges"][0]["SummaryStatistics"]["OkCount"] == 1 and not table["Root"], d
'
ok $? "v2: get-service-graph: Lambda, the function, and the table its handler called, as edges" || note "$out"

# Powertools for AWS Lambda (TypeScript) and the X-Ray SDK for Node.js, unchanged, in a layer:
# the tracer's subsegment for an SDK v3 call to S3, the logger's JSON records, the metrics' EMF.
PT=$(cd "$(dirname "$0")/../powertools" && pwd)
if [ ! -d "$PT/node_modules/@aws-lambda-powertools/tracer" ]; then
	echo "# skip Powertools: tests/powertools/node_modules is not installed (quickstart.sh)"
else
	mkdir -p "$WORK/pt/nodejs" "$WORK/ptfn"
	cp -r "$PT/node_modules" "$WORK/pt/nodejs/"
	make_zip "$WORK/pt.zip" "$WORK/pt"
	cat >"$WORK/ptfn/index.js" <<'JS'
const { Tracer } = require('@aws-lambda-powertools/tracer');
const { Logger } = require('@aws-lambda-powertools/logger');
const { Metrics, MetricUnit } = require('@aws-lambda-powertools/metrics');
const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');

const tracer = new Tracer({ serviceName: 'shop' });
const logger = new Logger({ serviceName: 'shop' });
const metrics = new Metrics({ namespace: 'Shop', serviceName: 'shop' });
const s3 = tracer.captureAWSv3Client(new S3Client({ forcePathStyle: true }));

exports.handler = async (event, context) => {
	logger.addContext(context);
	const segment = tracer.getSegment();
	const sub = segment.addNewSubsegment('## store');
	tracer.setSegment(sub);
	tracer.putAnnotation('shop', 'north');
	try {
		await s3.send(new PutObjectCommand({ Bucket: 'receipts', Key: event.id, Body: 'paid' }));
		metrics.addDimension('channel', 'web');
		metrics.addMetric('Orders', MetricUnit.Count, 1);
		metrics.addMetric('OrderValue', MetricUnit.NoUnit, event.value);
		logger.info('order stored', { orderId: event.id });
	} finally {
		sub.close();
		tracer.setSegment(segment);
		metrics.publishStoredMetrics();
	}
	return { traceId: tracer.getRootXrayTraceId(), sub: sub.id };
};
JS
	make_zip "$WORK/ptfn.zip" "$WORK/ptfn"
	cli v2 s3 mb s3://receipts >/dev/null 2>&1
	LV=$(cli v2 lambda publish-layer-version --layer-name powertools --zip-file "fileb://$WORK/pt.zip" \
		--compatible-runtimes nodejs22.x --query LayerVersionArn --output text 2>&1)
	out=$(cli v2 lambda create-function --function-name shop --runtime nodejs22.x \
		--handler index.handler --role "$ROLE" --zip-file "fileb://$WORK/ptfn.zip" \
		--tracing-config Mode=Active --layers "$LV" 2>&1)
	ok $? "v2: a traced Node.js function with Powertools in a layer" || note "$LV $out"
	T2=$(date +%s)
	for k in 1 2; do
		cli v2 lambda invoke --function-name shop --cli-binary-format raw-in-base64-out \
			--payload "{\"id\":\"o-$k\",\"value\":$((k * 20))}" "$WORK/pt$k.json" >"$WORK/ptinv.json" 2>&1
	done
	out=$(cat "$WORK/pt2.json")
	json_py "$out" 'assert d["traceId"].startswith("1-") and len(d["sub"]) == 16, d'
	ok $? "Powertools: the handler stores two orders" || note "$out $(cat "$WORK/ptinv.json")"
	PTID=$(json_py "$out" 'print(d["traceId"])' 2>/dev/null)
	PSUB=$(json_py "$out" 'print(d["sub"])' 2>/dev/null)
	# The tracer sends its subsegment over UDP as the handler ends, at the function's CPU share
	# (128 MB: 7% of a vCPU): on a busy machine it lands well after the invocation's answer.
	for _ in $(seq 1 150); do
		out=$(cli v2 xray batch-get-traces --trace-ids "$PTID" 2>&1)
		contains "$out" "$PSUB" && contains "$out" PutObject && break
		sleep 0.1
	done
	json_py "$out" '
segs = [json.loads(s["Document"]) for s in d["Traces"][0]["Segments"]]
fn = [s for s in segs if s.get("origin") == "AWS::Lambda::Function"][0]
sub = [s for s in segs if s["id"] == "'"$PSUB"'"][0]
assert sub["parent_id"] == fn["id"] and sub["name"] == "## store", sub
assert sub["annotations"]["shop"] == "north", sub
s3 = [x for x in sub.get("subsegments", []) + segs if x["name"] == "S3" and x.get("parent_id", sub["id"]) == sub["id"]]
assert s3 and s3[0]["namespace"] == "aws" and s3[0]["aws"]["operation"] == "PutObject", segs
assert s3[0]["http"]["response"]["status"] == 200, s3
'
	ok $? "X-Ray SDK for Node.js (Powertools tracer): the handler's subsegment with the S3 PutObject call under the function" || note "$out"
	out=$(cli v2 xray get-service-graph --start-time $((T2 - 60)) --end-time $((T2 + 120)) 2>&1)
	json_py "$out" '
by = {(x["Name"], x.get("Type")): x for x in d["Services"]}
fn = by[("shop", "AWS::Lambda::Function")]
s3 = [x for x in d["Services"] if x.get("Type") == "AWS::S3"]
assert s3 and s3[0]["ReferenceId"] in [e["ReferenceId"] for e in fn["Edges"]], d
'
	ok $? "v2: get-service-graph: the Node.js function calls S3" || note "$out"
	for _ in $(seq 1 30); do
		out=$(cli v2 logs filter-log-events --log-group-name /aws/lambda/shop 2>&1)
		contains "$out" 'order stored' && contains "$out" 'OrderValue' && break
		sleep 0.1
	done
	json_py "$out" '
msgs = [e["message"] for e in d["events"]]
recs = [json.loads(m) for m in msgs if m.startswith("{") and "order stored" in m]
assert len(recs) == 2 and recs[0]["level"] == "INFO" and recs[0]["service"] == "shop", recs
assert recs[0]["orderId"] == "o-1" and recs[0]["function_request_id"] and recs[0]["xray_trace_id"].startswith("1-"), recs
'
	ok $? "Powertools logger: JSON records with level, service, request id, trace id and the order" || note "$out"
	out=$(cli v2 cloudwatch get-metric-statistics --namespace Shop --metric-name OrderValue \
		--dimensions Name=service,Value=shop Name=channel,Value=web \
		--start-time $((T2 - 120)) --end-time $((T2 + 120)) --period 3600 \
		--statistics Sum SampleCount Maximum 2>&1)
	json_py "$out" '
p = d["Datapoints"]
assert sum(x["Sum"] for x in p) == 60 and sum(x["SampleCount"] for x in p) == 2 and max(x["Maximum"] for x in p) == 40, p
'
	ok $? "Powertools metrics (EMF): OrderValue by service and channel, sum 60 over two orders" || note "$out"
fi

# Active tracing needs the execution role to write to X-Ray, as Lambda checks.
XROLE=$(make_role xray-basic)
out=$(cli v2 lambda create-function --function-name untraceable --runtime python3.12 \
	--handler app.handler --role "$XROLE" --zip-file "fileb://$WORK/fn.zip" \
	--tracing-config Mode=Active 2>&1)
check "Active tracing with a role that may not write to X-Ray: Lambda's refusal" \
	contains "$out" "The provided execution role does not have permissions to call PutTraceSegments on XRAY"
out=$(cli v2 lambda create-function --function-name untraceable --runtime python3.12 \
	--handler app.handler --role "$XROLE" --zip-file "fileb://$WORK/fn.zip" 2>&1)
out=$(cli v2 lambda update-function-configuration --function-name untraceable \
	--tracing-config Mode=Active 2>&1)
check "... and UpdateFunctionConfiguration's" contains "$out" "PutTraceSegments on XRAY"
awsl iam attach-role-policy --role-name xray-basic \
	--policy-arn arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess >/dev/null 2>&1
out=$(cli v2 lambda update-function-configuration --function-name untraceable \
	--tracing-config Mode=Active --query TracingConfig.Mode --output text 2>&1)
check "... with AWSXRayDaemonWriteAccess attached, tracing is turned on" test "$out" = Active

# The trace context across Invoke (sync, async), function URLs, SQS and its mapping, SNS, S3.
if python3 -c 'import boto3' 2>/dev/null; then
	python3 "$(dirname "$0")/xray_traces.py" "$E" "$ROLE" >"$WORK/traces.out" 2>&1
	rc=$?
	while read -r st what; do
		case $st in 0 | 1) ok "$st" "$what" ;; esac
	done <"$WORK/traces.out"
	ok $rc "xray_traces.py ran to its end" || note "$(tail -20 "$WORK/traces.out")"
else
	echo "# skip the trace propagation checks: no boto3 for python3"
fi

# lambda-tutor tune: a CPU-bound function at two sizes, run in a copy signed with the
# learner's keys. That CPU follows memory is judged by the handler's own clocks: at 128 MB
# (a 128/1769 share of a vCPU) its wall time is many times its CPU time, and a loaded
# machine only adds wall time, so no comparison of two wall times can flake.
mkdir -p "$WORK/cpu"
cat >"$WORK/cpu/app.py" <<'PY'
import time


def handler(event, context):
    wall, cpu = time.perf_counter(), time.process_time()
    total = sum(i * i for i in range(event["n"]))
    return {"sum": total, "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
PY
make_zip "$WORK/cpu.zip" "$WORK/cpu"
out=$(cli v2 lambda create-function --function-name crunch --runtime python3.12 \
	--handler app.handler --role "$ROLE" --zip-file "fileb://$WORK/cpu.zip" --memory-size 512 2>&1)
ok $? "v2: create-function crunch" || note "$out"
out=$("$TUTOR" tune crunch --memory 1769,128 --invocations 2 --payload '{"n": 200000}' \
	--strategy speed --json --workspace "$WS" 2>"$WORK/tune.err")
json_py "$out" '
r = d["results"]
assert [x["memoryMB"] for x in r] == [128, 1769], r
for x in r:
    assert x["averageBilledDurationMs"] >= x["averageDurationMs"] > 0, x
    want = x["averageBilledDurationMs"] / 1000 * x["memoryMB"] / 1024 * 0.0000166667 + 0.0000002
    assert abs(x["averageCostUSD"] - want) < 1e-12, (x, want)
best = min(r, key=lambda x: x["averageDurationMs"])
assert d["recommended"]["memoryMB"] == best["memoryMB"] and d["strategy"] == "speed" and d["function"] == "crunch", d
'
ok $? "tune --json: duration and cost at 128 and 1769 MB, the fastest recommended for speed" || note "$out $(cat "$WORK/tune.err")"
contains "$(cat "$WORK/tune.err")" "128 MB: 2 calls done"
ok $? "tune: progress on stderr" || note "$(cat "$WORK/tune.err")"
out=$(cli v2 lambda get-function-configuration --function-name crunch-tune 2>&1)
contains "$out" ResourceNotFoundException
ok $? "tune: the copy is deleted when done" || note "$out"
out=$(cli v2 lambda get-function-configuration --function-name crunch --query MemorySize 2>&1)
check "tune: the function itself keeps its memory" test "$out" = 512
out=$("$TUTOR" tune crunch --memory 64 --workspace "$WS" 2>&1)
check "tune --memory 64: Lambda's bounds in one line" contains "$out" "outside Lambda's 128-10240 MB"
out=$("$TUTOR" tune nowhere --memory 128 --workspace "$WS" 2>&1)
check "tune of an unknown function: the cloud's error" contains "$out" "Function not found"
out=$("$TUTOR" tune crunch --memory 256 --invocations 1 --payload '{}' --workspace "$WS" 2>&1)
check "tune stops on a function error" contains "$out" "the function failed at 256 MB"
out=$("$TUTOR" tune crunch --memory 128 --invocations 1 --payload '{"n": 10}' --strategy cost --workspace "$WS" 2>/dev/null)
check "tune: the text report recommends and says how to set it" contains "$out" "--memory-size 128"
out=$(cli v2 lambda update-function-configuration --function-name crunch --memory-size 128 2>&1)
cli v2 lambda invoke --function-name crunch --payload '{"n": 300000}' \
	--cli-binary-format raw-in-base64-out "$WORK/crunch.json" >/dev/null 2>&1
out=$(cat "$WORK/crunch.json")
json_py "$out" 'assert d["cpu"] > 0 and d["wall"] > 4 * d["cpu"], d'
ok $? "128 MB has a 128/1769 share of a vCPU: wall time over 4x the handler's CPU time" || note "$out"

for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	out=$("$py" - "$E" "$T" <<'PY' 2>&1
import json, sys, time, boto3
x = boto3.client("xray", endpoint_url=sys.argv[1], region_name="us-east-1")
t = int(sys.argv[2])
tid = "1-%08x-%024x" % (t, 99 + len(sys.executable))
doc = {"name": "api", "id": "a1b2c3d4e5f60718", "trace_id": tid, "start_time": t + 0.5,
       "end_time": t + 0.75, "error": True}
r = x.put_trace_segments(TraceSegmentDocuments=[json.dumps(doc)])
assert r["UnprocessedTraceSegments"] == [], r
s = x.get_trace_summaries(StartTime=t - 60, EndTime=t + 60)["TraceSummaries"]
mine = [v for v in s if v["Id"] == tid]
assert len(mine) == 1 and mine[0]["HasError"] and mine[0]["Duration"] == 0.25, s
b = x.batch_get_traces(TraceIds=[tid])["Traces"]
assert json.loads(b[0]["Segments"][0]["Document"]) == doc, b
def ids(expr):
    r = x.get_trace_summaries(StartTime=t - 60, EndTime=t + 60, FilterExpression=expr)
    return sorted(v["Id"] for v in r["TraceSummaries"] if v["Id"] in (tid, tid2))
tid2 = "1-%08x-%024x" % (t, 199 + len(sys.executable))
root = {"name": "shop", "id": "b1b2c3d4e5f60718", "trace_id": tid2, "start_time": t + 1,
        "end_time": t + 3, "fault": True, "origin": "AWS::ApiGateway::Stage",
        "http": {"request": {"method": "POST", "url": "https://shop.example/orders"},
                 "response": {"status": 502}}}
fn = {"name": "orders", "id": "c1b2c3d4e5f60718", "trace_id": tid2, "parent_id": "b1b2c3d4e5f60718",
      "start_time": t + 1.5, "end_time": t + 2.5, "origin": "AWS::Lambda::Function",
      "annotations": {"tier": "gold", "items": 3},
      "subsegments": [{"name": "DynamoDB", "id": "d1b2c3d4e5f60718", "start_time": t + 2,
                       "end_time": t + 2.2, "throttle": True, "namespace": "aws"}]}
r = x.put_trace_segments(TraceSegmentDocuments=[json.dumps(root), json.dumps(fn)])
assert r["UnprocessedTraceSegments"] == [], r
assert ids('service("orders")') == [tid2], "service"
assert ids('service("shop") { fault } AND annotation.tier = "gold"') == [tid2], "service block"
assert ids('service("orders") { fault }') == [], "the fault is shop's, not orders'"
assert tid in ids("error") and tid2 not in ids("error"), "error"
assert ids("throttle") == [tid2] and tid2 not in ids("ok") and tid in ids("!fault"), "flags"
assert ids("responsetime >= 2 AND duration < 2.5") == [tid2], "times"
assert ids('http.status = 502 AND http.url CONTAINS "/orders" AND http.method = "POST"') == [tid2], "http"
assert ids("annotation.items > 2 OR annotation[missing]") == [tid2], "annotations"
assert ids('edge("shop", "orders")') == [tid2] and ids('edge("orders", "shop")') == [], "edge"
assert ids('id(name: "orders", type: "AWS::Lambda::Function")') == [tid2], "id"
for bad in ['service("orders"', 'responsetime > "slow"', "nonsense", "fault AND"]:
    try:
        x.get_trace_summaries(StartTime=t - 60, EndTime=t + 60, FilterExpression=bad)
        raise SystemExit("a bad expression was answered: " + bad)
    except x.exceptions.InvalidRequestException as e:
        assert "at column" in e.response["Error"]["Message"], e.response
print("fine")
PY
)
	contains "$out" fine
	ok $? "boto3 $py: put_trace_segments, get_trace_summaries (filter expressions and their errors), batch_get_traces" || note "$out"
done
stop_cloud
ok $? "the cloud stops cleanly"
finish
