#!/bin/sh
# Lambda's LoggingConfig: the JSON log format (platform records, Python's logging and Node's
# console as JSON objects), application and system log levels that filter, a custom log group,
# and the errors for a bad configuration. The pyenv 1.x CLI and boto3 1.43 set it (Debian's
# 2.9 CLI and botocore 1.29 predate LoggingConfig); Debian's CLI and boto3 read the logs back.
# Usage: lambda_logging.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if ! command -v aws >/dev/null 2>&1 || ! aws --version 2>&1 | grep -q '^aws-cli/1'; then
	echo "1..0 # SKIP no 1.x AWS CLI on PATH (the one that knows --logging-config)"
	exit 0
fi

start_cloud || exit 1
test_role
v1() { AWS_ENDPOINT_URL=$E aws --output json "$@"; }
# events GROUP: the group's messages, one JSON string a line, read by Debian's CLI.
events() {
	awsl logs filter-log-events --log-group-name "$1" --query 'events[].message' 2>&1
}

mkdir -p "$WORK/py" "$WORK/node"
cat >"$WORK/py/app.py" <<'PY'
import logging

logger = logging.getLogger("orders")


def handler(event, context):
    logger.debug("cart contents %s", event.get("items"))
    logger.info("order received", extra={"order_id": "o-17"})
    logger.warning("stock low for %s", "sku-9", extra={"sku": "sku-9"})
    print("a plain print line")
    if event.get("fail"):
        try:
            raise ValueError("card declined")
        except ValueError:
            logger.exception("payment failed")
    return {"ok": True}
PY
make_zip "$WORK/py.zip" "$WORK/py"
cat >"$WORK/node/index.js" <<'JS'
exports.handler = async () => {
	console.debug('debug detail');
	console.log('hello from node');
	console.warn('disk almost full');
	console.error('order failed', new TypeError('bad total'));
	return 'done';
};
JS
make_zip "$WORK/node.zip" "$WORK/node"

FN=orders
out=$(v1 lambda create-function --function-name $FN --runtime python3.12 --handler app.handler \
	--role $ROLE --zip-file "fileb://$WORK/py.zip" \
	--logging-config LogFormat=JSON,ApplicationLogLevel=WARN 2>&1)
json_py "$out" 'assert d["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/orders"}, d.get("LoggingConfig")'
ok $? "v1: create-function --logging-config LogFormat=JSON,ApplicationLogLevel=WARN" || note "$out"
out=$(v1 lambda get-function-configuration --function-name $FN --query LoggingConfig 2>&1)
json_py "$out" 'assert d == {"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/orders"}, d'
ok $? "v1: get-function-configuration returns it" || note "$out"

out=$(v1 lambda invoke --function-name $FN --payload '{"items": 3}' "$WORK/r1.json" 2>&1)
ok $? "v1: invoke" || note "$out"
out=$(events /aws/lambda/$FN)
json_py "$out" '
recs = [json.loads(m) for m in d if m.startswith("{")]
types = [r.get("type") for r in recs if "type" in r]
assert types == ["platform.initStart", "platform.start", "platform.report"], types
assert not any(m.startswith(("START", "END", "REPORT", "INIT_START")) for m in d), d
init = recs[0]["record"]
assert init["functionName"] == "orders" and init["functionVersion"] == "$LATEST" and init["phase"] == "init" and init["runtimeVersion"].startswith("python:3.12"), init
rep = [r for r in recs if r.get("type") == "platform.report"][0]
assert rep["time"].endswith("Z") and len(rep["time"]) == 24, rep
m = rep["record"]["metrics"]
assert rep["record"]["status"] == "success" and m["durationMs"] > 0 and m["billedDurationMs"] >= 1 and m["memorySizeMB"] == 128 and m["maxMemoryUsedMB"] > 0 and "initDurationMs" in m, rep
assert rep["record"]["requestId"] == recs[1]["record"]["requestId"]
'
ok $? "JSON format: platform.initStart, platform.start and platform.report records, no text lines" || note "$out"
json_py "$out" '
app = [json.loads(m) for m in d if m.startswith("{") and "level" in json.loads(m)]
assert [a["level"] for a in app] == ["WARN"], app
w = app[0]
assert w["message"] == "stock low for sku-9" and w["logger"] == "orders" and w["sku"] == "sku-9" and w["timestamp"].endswith("Z") and len(w["requestId"]) == 36, w
assert not any("plain print" in m for m in d), d
'
ok $? "ApplicationLogLevel WARN: the warning as JSON with its extra field; INFO, DEBUG and print() dropped" || note "$out"

out=$(v1 lambda update-function-configuration --function-name $FN \
	--logging-config ApplicationLogLevel=DEBUG,SystemLogLevel=DEBUG 2>&1)
json_py "$out" 'assert d["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "DEBUG", "LogGroup": "/aws/lambda/orders"}, d["LoggingConfig"]'
ok $? "v1: update-function-configuration keeps the format and changes both levels" || note "$out"
out=$(v1 lambda invoke --function-name $FN --payload '{"items": 5, "fail": true}' "$WORK/r2.json" 2>&1)
ok $? "v1: invoke again" || note "$out"
out=$(events /aws/lambda/$FN)
json_py "$out" '
recs = [json.loads(m) for m in d if m.startswith("{")]
last = max(i for i, r in enumerate(recs) if r.get("type") == "platform.initStart")
recs = recs[last:]
levels = [r["level"] for r in recs if "level" in r]
assert levels == ["DEBUG", "INFO", "WARN", "ERROR"], levels
err = [r for r in recs if r.get("level") == "ERROR"][0]
assert err["errorType"] == "ValueError" and err["errorMessage"] == "card declined" and err["stackTrace"] and err["message"] == "payment failed", err
done = [r for r in recs if r.get("type") == "platform.runtimeDone"]
assert len(done) == 1 and done[0]["record"]["status"] == "success", done
assert any("plain print line" in m for m in d)
'
ok $? "DEBUG levels: every record, the exception with its type, message and stack, platform.runtimeDone" || note "$out"

out=$(v1 lambda update-function-configuration --function-name $FN \
	--logging-config LogFormat=Text,ApplicationLogLevel=INFO 2>&1)
contains "$out" 'InvalidParameterValueException' &&
	contains "$out" 'LogLevel is not supported when LogFormat is set to "Text"'
ok $? "v1: a level with the Text format is refused as Lambda refuses it" || note "$out"
out=$(v1 lambda update-function-configuration --function-name $FN \
	--logging-config LogFormat=XML 2>&1)
contains "$out" 'ValidationException' && contains "$out" 'loggingConfig.logFormat'
ok $? "v1: an unknown LogFormat is a ValidationException" || note "$out"
out=$(v1 lambda update-function-configuration --function-name $FN \
	--logging-config 'LogFormat=Text,LogGroup=/shop/orders' 2>&1)
json_py "$out" 'assert d["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/shop/orders"}, d["LoggingConfig"]'
ok $? "v1: back to Text (the levels go) with a custom log group" || note "$out"
check "v1: invoke once more" v1 lambda invoke --function-name $FN "$WORK/r3.json"
out=$(events /shop/orders)
json_py "$out" '
assert any(m.startswith("START RequestId: ") for m in d) and any(m.startswith("REPORT RequestId: ") for m in d), d
assert any(m.startswith("[WARNING]\t") and "stock low for sku-9" in m for m in d), d
assert not any("order received" in m for m in d), "Python logs WARNING and up in Text format: %r" % d
'
ok $? "the custom log group receives the text log (START, [WARNING] lines, REPORT)" || note "$out"

# boto3 1.43 sets a Node.js function's levels; Debian's boto3 reads the log group.
out=$(python3 - "$E" "$WORK/node.zip" "$ROLE" <<'PY' 2>&1
import sys, boto3
lam = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1")
c = lam.create_function(FunctionName="node-logs", Runtime="nodejs22.x", Handler="index.handler",
                        Role=sys.argv[3], Code={"ZipFile": open(sys.argv[2], "rb").read()},
                        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN",
                                       "SystemLogLevel": "WARN"})
assert c["LoggingConfig"]["SystemLogLevel"] == "WARN", c["LoggingConfig"]
r = lam.invoke(FunctionName="node-logs")
assert r["Payload"].read() == b'"done"'
print("invoked")
PY
)
contains "$out" invoked
ok $? "boto3 (python3): a Node.js function with LogFormat JSON, levels WARN" || note "$out"
out=$(/usr/bin/python3 - "$E" <<'PY' 2>&1
import json, sys, boto3
logs = boto3.client("logs", endpoint_url=sys.argv[1], region_name="us-east-1")
msgs = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/node-logs")["events"]]
recs = [json.loads(m) for m in msgs]
assert not any("type" in r for r in recs), "SystemLogLevel WARN drops start and report: %r" % msgs
assert [r["level"] for r in recs] == ["WARN", "ERROR"], msgs
w, e = recs
assert w["message"] == "disk almost full" and len(w["requestId"]) == 36 and w["timestamp"].endswith("Z"), w
assert e["message"].startswith("order failed TypeError: bad total") and e["errorType"] == "TypeError" and e["errorMessage"] == "bad total" and isinstance(e["stackTrace"], list), e
print("read")
PY
)
contains "$out" read
ok $? "Debian boto3: console.warn and console.error as JSON; INFO, DEBUG and the platform's INFO records dropped" || note "$out"

stop_cloud
ok $? "the cloud stops cleanly"
finish
