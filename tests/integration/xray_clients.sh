#!/bin/sh
# AWS X-Ray's trace store through Debian's CLI 2.9 (--endpoint-url), the pyenv 1.x CLI
# (AWS_ENDPOINT_URL) and boto3 in both Pythons: PutTraceSegments (a bad segment comes back
# unprocessed), GetTraceSummaries over a time range, BatchGetTraces with an unknown id, and
# GetServiceGraph refused as not offered; the segments Lambda records for an actively traced
# function's sampled invocation.
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
		/usr/bin/aws --endpoint-url "$E" --output json "$@"
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
	out=$(cli $v xray get-service-graph --start-time $((T - 60)) --end-time $((T + 60)) 2>&1)
	contains "$out" "does not offer AWS X-Ray's GetServiceGraph"
	ok $? "$v: get-service-graph is refused as not offered" || note "$out"
done
# A function with active tracing: Lambda records its own segments for the sampled invocation.
mkdir -p "$WORK/fn"
printf 'def handler(event, context):\n    return 1\n' >"$WORK/fn/app.py"
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
try:
    x.get_trace_summaries(StartTime=t - 60, EndTime=t + 60, FilterExpression='service("none")')
    raise SystemExit("a filter expression was answered as if every trace matched it")
except x.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "NotImplemented", e.response
print("fine")
PY
)
	contains "$out" fine
	ok $? "boto3 $py: put_trace_segments, get_trace_summaries, batch_get_traces" || note "$out"
done
stop_cloud
ok $? "the cloud stops cleanly"
finish
