#!/bin/bash
# The local cloud's Lambda behaviour through its wire protocols, with curl: a custom runtime
# with the classic shell bootstrap, warm reuse, timeouts, crashes, memory, concurrency, the
# Runtime API's status codes, bad input of every kind, restarts and the workspace lock. TAP.
#
#   cloud_api.sh path/to/lambda-tutor
TUTOR=${1:?usage: cloud_api.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"

start_cloud --idle-seconds 60
test_role
ok $? "serve starts on a free port and answers its health check"

# --- a custom runtime: the shell bootstrap of AWS's tutorial, unchanged -----------------------
mkdir -p "$WORK/sh"
cat >"$WORK/sh/bootstrap" <<'SH'
#!/bin/sh
set -eu
# Initialization - load function handler
. "$LAMBDA_TASK_ROOT/$(echo "$_HANDLER" | cut -d. -f1).sh"
# Processing
while true
do
  HEADERS="$(mktemp)"
  # Get an event. The HTTP request will block until one is received
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  # Extract request ID by scraping response headers received above
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  # Run the handler function from the script
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")
  # Send the response
  curl -s "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response"  -d "$RESPONSE"
  rm -f "$HEADERS"
done
SH
cat >"$WORK/sh/function.sh" <<'SH'
handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="Echoing request: '$EVENT_DATA'"
  echo $RESPONSE
}
SH
chmod +x "$WORK/sh/bootstrap"
make_zip "$WORK/sh.zip" "$WORK/sh"
out=$(create_fn shell provided.al2023 function.handler "$WORK/sh.zip")
check "CreateFunction answers 201 for a custom runtime" contains "$out" "HTTP 201"
check "the configuration names the function's ARN" contains "$out" '"FunctionArn":"arn:aws:lambda:us-east-1:'
echo '{"hello":"world"}' >"$WORK/ev.json"
lcurl -s -D "$WORK/h" -o "$WORK/body" -X POST "$E/2015-03-31/functions/shell/invocations" \
	-H 'X-Amz-Log-Type: Tail' --data-binary @"$WORK/ev.json"
check "the shell bootstrap answers through the Runtime API" grep -qF "Echoing request: '{\"hello\":\"world\"}'" "$WORK/body"
tail_log=$(grep -i '^X-Amz-Log-Result:' "$WORK/h" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
note "$tail_log"
check "the log tail has START with the version" contains "$tail_log" "START RequestId: "
check "the log tail has the bootstrap's stderr" contains "$tail_log" '{"hello":"world"}'
check "a cold start reports Init Duration after Max Memory Used" \
	grep -qP '^REPORT RequestId: [0-9a-f-]{36}\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\tMemory Size: 128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9.]+ ms\t$' <<<"$tail_log"
rid=$(grep -i '^x-amzn-RequestId:' "$WORK/h" | cut -d' ' -f2 | tr -d '\r')
check "the Invoke response's x-amzn-RequestId is the invocation's request id" \
	grep -q "^START RequestId: ${rid:-none} " <<<"$tail_log"
check "X-Amz-Executed-Version is \$LATEST" grep -qi 'X-Amz-Executed-Version: \$LATEST' "$WORK/h"
check "no X-Amz-Function-Error on success" bash -c "! grep -qi X-Amz-Function-Error '$WORK/h'"
lcurl -s -D "$WORK/h" -o "$WORK/body" -X POST "$E/2015-03-31/functions/shell/invocations" \
	-H 'X-Amz-Log-Type: Tail' -d '{}'
tail_log=$(grep -i '^X-Amz-Log-Result:' "$WORK/h" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
check "a warm invoke has no Init Duration" bash -c "grep -q '^REPORT' <<<'$tail_log' && ! grep -q 'Init Duration' <<<'$tail_log'"

# DryRun
code=$(lcurl -s -o /dev/null -w '%{http_code}' -X POST "$E/2015-03-31/functions/shell/invocations" -H 'X-Amz-Invocation-Type: DryRun')
check "DryRun answers 204" test "$code" = 204
code=$(lcurl -s -o /dev/null -w '%{http_code}' -X POST "$E/2015-03-31/functions/shell/invocations" -H 'X-Amz-Invocation-Type: Event' -d '{"async":1}')
check "Event answers 202" test "$code" = 202

# --- Python: warm state, errors, timeouts, crashes, memory, oversize ------------------------
mkdir -p "$WORK/py"
cat >"$WORK/py/app.py" <<'PY'
import os, sys, time
count = 0
print("module loaded")
def handler(event, context):
    global count
    count += 1
    action = event.get("action") if isinstance(event, dict) else None
    if action == "sleep":
        time.sleep(event["seconds"])
    elif action == "raise":
        raise ValueError("boom")
    elif action == "exit":
        sys.stdout.flush()
        os._exit(3)
    elif action == "segv":
        import ctypes
        ctypes.string_at(0)
    elif action == "bomb":
        hog = []
        while True:
            hog.append(b"x" * (16 << 20))
    elif action == "big":
        return "x" * (7 << 20)
    elif action == "fake_error":
        return {"errorMessage": "not really", "errorType": "Fake"}
    elif action == "pid":
        with open("/proc/self/stat") as f:
            start = f.read().rsplit(")", 1)[1].split()[19]
        return {"pid": os.getpid(), "start": start}
    elif action == "env":
        return {k: os.environ.get(k) for k in event["keys"]}
    elif action == "alloc":
        block = bytearray(event["mb"] << 20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        del block
    elif action == "hold":
        import subprocess
        subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                          "b = bytearray(int(sys.argv[1]) << 20)\n"
                          "for i in range(0, len(b), 4096): b[i] = 1\n"
                          "print('held', flush=True)\ntime.sleep(120)", str(event["mb"])],
                         stdout=subprocess.PIPE).stdout.readline()
    elif action == "spawn":
        import subprocess
        subprocess.Popen(["sleep", str(event.get("secs", 300))], start_new_session=False)
        return {"spawned": True}
    return {"count": count, "request_id": context.aws_request_id,
            "memory": context.memory_limit_in_mb, "remaining": context.get_remaining_time_in_millis()}
PY
make_zip "$WORK/py.zip" "$WORK/py"
out=$(create_fn py python3.12 app.handler "$WORK/py.zip" ',"Timeout":2,"MemorySize":256,"Environment":{"Variables":{"GREETING":"hi"}}')
check "CreateFunction for python3.12" contains "$out" "HTTP 201"
# Code from S3: Lambda reads the object through S3's GetObject, as AWS does.
sigcurl s3 -s -o /dev/null -X PUT "$E/code-bucket"
sigcurl s3 -s -o /dev/null -X PUT --data-binary @"$WORK/py.zip" "$E/code-bucket/app/py.zip"
printf '{"FunctionName":"pys3","Runtime":"python3.12","Handler":"app.handler","Role":"%s","Code":{"S3Bucket":"code-bucket","S3Key":"app/py.zip"}}' "$ROLE" >"$WORK/create.json"
out=$(api POST /2015-03-31/functions "$WORK/create.json")
sha=$(/usr/bin/python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1],"rb").read()).digest()).decode())' "$WORK/py.zip")
check "CreateFunction with Code.S3Bucket/S3Key takes the object's bytes" contains "$out" "\"CodeSha256\":\"$sha\""
printf '{"FunctionName":"pys3b","Runtime":"python3.12","Handler":"app.handler","Role":"%s","Code":{"S3Bucket":"code-bucket","S3Key":"nope.zip"}}' "$ROLE" >"$WORK/create.json"
out=$(api POST /2015-03-31/functions "$WORK/create.json")
check "... a missing key is S3's NoSuchKey, in Lambda's words" contains "$out" "S3 Error Code: NoSuchKey"
inv() { # inv FUNCTION JSON: invoke; body in $WORK/body, headers in $WORK/h
	lcurl -s -D "$WORK/h" -o "$WORK/body" -X POST "$E/2015-03-31/functions/$1/invocations" \
		-H 'X-Amz-Log-Type: Tail' --data-binary "$2"
}
logtail() { grep -i '^X-Amz-Log-Result:' "$WORK/h" | cut -d' ' -f2 | tr -d '\r' | base64 -d; }
# The host's pid of the process the last "pid" action answered from: in a PID namespace of its
# own the handler sees its namespace's pid (NSpid's last field); its start time tells it apart.
env_host_pid() {
	want=$(grep -oP '"pid": \K[0-9]+' "$WORK/body")
	start=$(grep -oP '"start": "\K[0-9]+' "$WORK/body")
	for st in /proc/[0-9]*/status; do
		p=${st#/proc/}
		p=${p%/status}
		[ "$(awk '/^NSpid:/ {print $NF}' "$st" 2>/dev/null)" = "$want" ] || continue
		[ "$(cut -d')' -f2 "/proc/$p/stat" 2>/dev/null | awk '{print $20}')" = "$start" ] &&
			{ echo "$p"; return; }
	done
	echo 999999
}
inv py '{}'
inv py '{}'
check "module state survives between warm invocations" grep -q '"count": 2' "$WORK/body"
check "the context carries memory_limit_in_mb" grep -q '"memory": "256"' "$WORK/body"
inv py '{"action":"env","keys":["GREETING","AWS_LAMBDA_FUNCTION_NAME","AWS_LAMBDA_FUNCTION_MEMORY_SIZE","AWS_REGION","AWS_EXECUTION_ENV","AWS_LAMBDA_RUNTIME_API","AWS_LAMBDA_LOG_GROUP_NAME","AWS_LAMBDA_LOG_STREAM_NAME","TZ","AWS_ENDPOINT_URL"]}'
body=$(cat "$WORK/body")
note "$body"
check "the function's own variables reach the handler" contains "$body" '"GREETING": "hi"'
check "AWS_EXECUTION_ENV names the runtime" contains "$body" '"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"'
check "the log group is /aws/lambda/NAME" contains "$body" '"AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/py"'
check "the log stream is YYYY/MM/DD/[\$LATEST]hex" grep -qP '"AWS_LAMBDA_LOG_STREAM_NAME": "\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}"' "$WORK/body"
check "AWS_ENDPOINT_URL points at the cloud" contains "$body" "\"AWS_ENDPOINT_URL\": \"$E\""
check "TZ is :UTC" contains "$body" '"TZ": ":UTC"'

inv py '{"action":"raise"}'
check "a handler exception sets X-Amz-Function-Error: Unhandled" grep -qi 'X-Amz-Function-Error: Unhandled' "$WORK/h"
check "the error body has Python's stackTrace" grep -q '"stackTrace"' "$WORK/body"
check "the error type is the exception's class" grep -q '"errorType": "ValueError"' "$WORK/body"
if grep -q '"taskRoot":"/var/task"' <<<"$(ctl /_tutor/health)"; then
	check "the code is at /var/task, as the stack trace shows" grep -q 'File \\"/var/task/app.py\\", line' "$WORK/body"
	inv py '{"action":"env","keys":["LAMBDA_TASK_ROOT","LAMBDA_RUNTIME_DIR","PATH"]}'
	check "LAMBDA_TASK_ROOT is /var/task" grep -q '"LAMBDA_TASK_ROOT": "/var/task"' "$WORK/body"
	check "LAMBDA_RUNTIME_DIR is /var/runtime" grep -q '"LAMBDA_RUNTIME_DIR": "/var/runtime"' "$WORK/body"
	check "PATH is Lambda's" grep -q '"PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin"' "$WORK/body"
fi
inv py '{"action":"env","keys":["AWS_XRAY_DAEMON_ADDRESS","AWS_XRAY_CONTEXT_MISSING"]}'
check "AWS_XRAY_DAEMON_ADDRESS is a UDP port of the cloud's on 127.0.0.1" \
	grep -qP '"AWS_XRAY_DAEMON_ADDRESS": "127\.0\.0\.1:\d+"' "$WORK/body"
check "AWS_XRAY_CONTEXT_MISSING is LOG_ERROR" grep -q '"AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR"' "$WORK/body"
inv py '{"action":"fake_error"}'
check "a result that looks like an error is not a function error" bash -c "! grep -qi X-Amz-Function-Error '$WORK/h'"

inv py '{"action":"sleep","seconds":5}'
t=$(logtail)
check "a timeout answers Sandbox.Timedout" grep -q '"errorType":"Sandbox.Timedout"' "$WORK/body"
check "a timeout says Task timed out after 2.00 seconds" grep -q 'Task timed out after 2.00 seconds' "$WORK/body"
check "the log has the timeout line" grep -qP '^\d{4}-\d\d-\d\dT[\d:.]+Z [0-9a-f-]{36} Task timed out after 2.00 seconds$' <<<"$t"
check "REPORT says Status: timeout" grep -qP '^REPORT .*\tStatus: timeout$' <<<"$t"
check "the timed-out invocation is billed its timeout" grep -qP '^REPORT .*\tDuration: 2000.00 ms\t' <<<"$t"
inv py '{}'
check "after a timeout the next invoke starts a new environment" grep -q '"count": 1' "$WORK/body"

inv py '{"action":"exit"}'
check "a runtime that exits is Runtime.ExitError" grep -q '"errorType":"Runtime.ExitError"' "$WORK/body"
check "the exit status is reported as AWS words it" grep -q 'Error: Runtime exited with error: exit status 3' "$WORK/body"
check "REPORT says Status: error with the type" grep -qP '\tStatus: error\tError Type: Runtime.ExitError$' <<<"$(logtail)"
inv py '{"action":"segv"}'
check "a segfault is signal: segmentation fault" grep -q 'signal: segmentation fault' "$WORK/body"

create_fn bomb python3.12 app.handler "$WORK/py.zip" ',"Timeout":60,"MemorySize":128' >/dev/null
inv bomb '{"action":"bomb"}'
check "a memory bomb dies as Runtime.OutOfMemory" grep -q '"errorType":"Runtime.OutOfMemory"' "$WORK/body"
check "Max Memory Used is the memory size after OOM" grep -qP 'Max Memory Used: 128 MB\t.*Status: error\tError Type: Runtime.OutOfMemory$' <<<"$(logtail)"
inv py '{}'
check "the cloud keeps serving after an OOM" grep -q '"count": 1' "$WORK/body"
used=$(logtail | grep -oP 'Max Memory Used: \K[0-9]+')
check "Max Memory Used is measured, not the configured size ($used MB)" test "${used:-0}" -gt 5 -a "${used:-999}" -lt 200

# Max Memory Used is the environment's peak: what the handler held and let go, and what its
# children hold when it returns.
create_fn peak python3.12 app.handler "$WORK/py.zip" ',"Timeout":60,"MemorySize":1024' >/dev/null
mb=$((100 + $$ % 50))
inv peak "{\"action\":\"alloc\",\"mb\":$mb}"
used=$(logtail | grep -oP 'Max Memory Used: \K[0-9]+')
check "Max Memory Used counts what the handler allocated ($used MB for $mb MB)" \
	test "${used:-0}" -ge $mb -a "${used:-0}" -lt $((mb + 80))
inv peak '{}'
again=$(logtail | grep -oP 'Max Memory Used: \K[0-9]+')
check "... and is the environment's peak, not its memory of the moment ($again MB)" \
	test "${again:-0}" -ge "${used:-1}"
inv peak '{"action":"hold","mb":150}'
held=$(logtail | grep -oP 'Max Memory Used: \K[0-9]+')
check "... and counts the handler's children ($held MB with a child holding 150 MB)" \
	test "${held:-0}" -ge $((mb + 150))

inv py '{"action":"big"}'
check "an oversized response is Function.ResponseSizeTooLarge" grep -q 'Function.ResponseSizeTooLarge' "$WORK/body"

# A length of its own, so that another test's sleep is not taken for it.
secs=$((1000 + $$ % 50000))
inv py "{\"action\":\"spawn\",\"secs\":$secs}"
spid=$(pgrep -f "^sleep $secs\$" | head -1)
check "a child of the handler runs" test -n "$spid"
inv py '{"action":"sleep","seconds":5}'
# Dead is gone or a zombie: whoever adopted it may not reap.
alive() { st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }
for _ in $(seq 200); do alive "${spid:-999999}" || break; sleep 0.05; done
check "the children die with their environment" bash -c "$(declare -f alive); ! alive ${spid:-999999}"

# --- concurrency ------------------------------------------------------------------------------
echo '{"ReservedConcurrentExecutions":0}' >"$WORK/c.json"
out=$(api PUT /2017-10-31/functions/py/concurrency "$WORK/c.json")
check "PutFunctionConcurrency 0" contains "$out" '"ReservedConcurrentExecutions":0'
lcurl -s -D "$WORK/h" -o "$WORK/body" -X POST "$E/2015-03-31/functions/py/invocations" -d '{}'
check "reserved concurrency 0 throttles with 429" grep -q '^HTTP/1.1 429' "$WORK/h"
check "the throttle is TooManyRequestsException" grep -qi 'x-amzn-ErrorType: TooManyRequestsException' "$WORK/h"
check "the throttle gives its Reason" grep -q '"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"' "$WORK/body"
echo '{"ReservedConcurrentExecutions":1}' >"$WORK/c.json"
api PUT /2017-10-31/functions/py/concurrency "$WORK/c.json" >/dev/null
out=$(api GET /2019-09-30/functions/py/concurrency)
check "GetFunctionConcurrency" contains "$out" '{"ReservedConcurrentExecutions":1}'
lcurl -s -o /dev/null -X POST "$E/2015-03-31/functions/py/invocations" -d '{"action":"sleep","seconds":1.9}' &
bg=$!
sleep 0.8
code=$(lcurl -s -o /dev/null -w '%{http_code}' -X POST "$E/2015-03-31/functions/py/invocations" -d '{}')
wait $bg
check "a second concurrent invoke past reserved concurrency 1 is throttled" test "$code" = 429
out=$(api DELETE /2017-10-31/functions/py/concurrency)
check "DeleteFunctionConcurrency answers 204" contains "$out" "HTTP 204"
echo '{"ReservedConcurrentExecutions":950}' >"$WORK/c.json"
out=$(api PUT /2017-10-31/functions/py/concurrency "$WORK/c.json")
check "reserving below 100 unreserved is refused" contains "$out" "below its minimum value of [100]"
out=$(api GET /2016-08-19/account-settings/)
check "GetAccountSettings has the account limit" contains "$out" '"ConcurrentExecutions":1000'

# --- the Runtime API's own status codes --------------------------------------------------------
mkdir -p "$WORK/rapi"
cat >"$WORK/rapi/bootstrap" <<'SH'
#!/bin/sh
base="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  id=$(curl -sS -D - -o /dev/null "$base/invocation/next" | grep -Fi Lambda-Runtime-Aws-Request-Id | tr -d '[:space:]' | cut -d: -f2)
  bad=$(curl -s -o /dev/null -w '%{http_code}' "$base/invocation/not-a-request/response" -d '{}')
  first=$(curl -s -o /dev/null -w '%{http_code}' "$base/invocation/$id/response" -d "{\"bad\":$bad}")
  second=$(curl -s -w ' %{http_code}' "$base/invocation/$id/response" -d '{}')
  late=$(curl -s -o /dev/null -w '%{http_code}' "$base/init/error" -d '{}')
  echo "unknown=$bad first=$first second=$second init_error_after_init=$late"
done
SH
chmod +x "$WORK/rapi/bootstrap"
make_zip "$WORK/rapi.zip" "$WORK/rapi"
create_fn rapi provided.al2 x.y "$WORK/rapi.zip" >/dev/null
inv rapi '{}'
sleep 0.3
inv rapi '{}'
sleep 0.3
printf '{"logGroupName":"/aws/lambda/rapi"}' >"$WORK/f.json"
t=$(sigcurl logs -s "$E/" -H 'X-Amz-Target: Logs_20140328.FilterLogEvents' -H 'Content-Type: application/x-amz-json-1.1' --data-binary @"$WORK/f.json")
note "$t"
check "an unknown request id is 400" contains "$t" "unknown=400"
check "the first response is 202" contains "$t" "first=202"
check "a second response is 403 InvalidStateTransition" contains "$t" 'InvalidStateTransition\"} 403'
check "init/error after init is 403" contains "$t" "init_error_after_init=403"
check "the invoke got the first response" grep -q '{"bad":400}' "$WORK/body"

mkdir -p "$WORK/noboot"
echo 'echo hi' >"$WORK/noboot/run.sh"
make_zip "$WORK/noboot.zip" "$WORK/noboot"
create_fn noboot provided.al2023 x.y "$WORK/noboot.zip" >/dev/null
inv noboot '{}'
check "a custom runtime without bootstrap is Runtime.InvalidEntrypoint" grep -q 'Runtime.InvalidEntrypoint' "$WORK/body"

# --- bad input -----------------------------------------------------------------------------
echo '{"FunctionName": "x", ' >"$WORK/bad.json"
out=$(api POST /2015-03-31/functions "$WORK/bad.json")
check "malformed JSON is InvalidRequestContentException 400" contains "$out" "HTTP 400"
check "... named in the error body" contains "$out" "Could not parse request body into json"
echo '{"FunctionName":"b64","Runtime":"python3.12","Handler":"a.b","Role":"arn:aws:iam::123456789012:role/lambda-role","Code":{"ZipFile":"!!!not base64"}}' >"$WORK/bad.json"
out=$(api POST /2015-03-31/functions "$WORK/bad.json")
check "bad base64 cannot be read as the request's JSON: 400" contains "$out" "HTTP 400"
check "... InvalidRequestContentException, as the blob is decoded with the body" contains "$out" "Could not parse request body into json"
echo "not a zip at all" >"$WORK/junk.zip"
out=$(create_fn junk python3.12 a.b "$WORK/junk.zip")
check "a file that is not a zip is refused with AWS's message" contains "$out" "Could not unzip uploaded file. Please check your file, then try to upload again."
/usr/bin/python3 - "$WORK/evil.zip" "$WORK/link.zip" <<'PY'
import sys, zipfile, stat
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("ok.py", "x = 1\n")
    z.writestr("../../escaped.txt", "gotcha\n")
with zipfile.ZipFile(sys.argv[2], "w") as z:
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    z.writestr(info, "../../../../etc")
PY
out=$(create_fn evil python3.12 ok.handler "$WORK/evil.zip")
check "a zip entry with ../ is refused" contains "$out" "HTTP 400"
check "... and nothing is written outside the workspace" bash -c "! find '$WORK' / -maxdepth 3 -name escaped.txt 2>/dev/null | grep -q ."
out=$(create_fn link python3.12 ok.handler "$WORK/link.zip")
check "a symlink pointing outside the package is refused" contains "$out" "points outside"
out=$(create_fn 'bad name!' python3.12 a.b "$WORK/py.zip")
check "an invalid function name is a ValidationException" contains "$out" "Member must satisfy regular expression pattern"
out=$(create_fn mem python3.12 a.b "$WORK/py.zip" ',"MemorySize":20000')
check "memory above 10240 is refused" contains "$out" "Member must have value less than or equal to 10240"
out=$(create_fn tmo python3.12 a.b "$WORK/py.zip" ',"Timeout":901')
check "a timeout above 900 is refused" contains "$out" "Member must have value less than or equal to 900"
out=$(create_fn old python2.7 a.b "$WORK/py.zip")
check "a retired runtime is refused with AWS's words" contains "$out" "The runtime parameter of python2.7 is no longer supported"
out=$(create_fn res python3.12 a.b "$WORK/py.zip" ',"Environment":{"Variables":{"AWS_REGION":"x"}}')
check "a reserved environment variable is refused" contains "$out" "Reserved keys used in this request: AWS_REGION"
big=$(head -c 5000 /dev/zero | tr '\0' a)
out=$(create_fn envbig python3.12 a.b "$WORK/py.zip" ",\"Environment\":{\"Variables\":{\"BIG\":\"$big\"}}")
check "environment variables over 4 KB are refused" contains "$out" "exceeded the 4KB limit"
out=$(create_fn py python3.12 app.handler "$WORK/py.zip")
check "creating an existing function is a 409 conflict" contains "$out" "HTTP 409"
check "... ResourceConflictException" contains "$out" "Function already exist: py"
out=$(create_fn lay python3.12 app.handler "$WORK/py.zip" ',"Layers":["arn:aws:lambda:us-east-1:123456789012:layer:shared:1"]')
check "a function with another account's layer it may not use is refused" contains "$out" "HTTP 4"
check "... with Lambda's own error" bash -c "! grep -q 'does not offer' <<<'$out'"
out=$(api GET /2015-03-31/functions/lay)
check "... and nothing is created" contains "$out" "HTTP 404"
printf '{"LoggingConfig":{"LogFormat":"Text","ApplicationLogLevel":"DEBUG"}}' >"$WORK/cfg.json"
out=$(api PUT /2015-03-31/functions/py/configuration "$WORK/cfg.json")
check "a log level with the Text format is refused" contains "$out" 'LogLevel is not supported when LogFormat is set to \"Text\"'
printf '{"LoggingConfig":{"LogFormat":"JSON"}}' >"$WORK/cfg.json"
out=$(api PUT /2015-03-31/functions/py/configuration "$WORK/cfg.json")
check "LogFormat JSON is kept, with both levels at INFO" contains "$out" '"LoggingConfig":{"LogFormat":"JSON","ApplicationLogLevel":"INFO","SystemLogLevel":"INFO","LogGroup":"/aws/lambda/py"}'
printf '{"LoggingConfig":{"LogFormat":"Text"}}' >"$WORK/cfg.json"
out=$(api PUT /2015-03-31/functions/py/configuration "$WORK/cfg.json")
check "... and Text again" contains "$out" '"LoggingConfig":{"LogFormat":"Text","LogGroup":"/aws/lambda/py"}'
printf '{"TracingConfig":{"Mode":"Active"}}' >"$WORK/cfg.json"
out=$(api PUT /2015-03-31/functions/py/configuration "$WORK/cfg.json")
check "TracingConfig Active is kept" contains "$out" '"TracingConfig":{"Mode":"Active"}'
inv py '{"action":"env","keys":["_X_AMZN_TRACE_ID"]}'
check "... and X-Ray samples the first invocation of a second" grep -q 'Sampled=1' "$WORK/body"
printf '{"TracingConfig":{"Mode":"PassThrough"}}' >"$WORK/cfg.json"
out=$(api PUT /2015-03-31/functions/py/configuration "$WORK/cfg.json")
inv py '{"action":"env","keys":["_X_AMZN_TRACE_ID"]}'
check "PassThrough samples nothing" grep -q 'Sampled=0' "$WORK/body"
lcurl -s -D "$WORK/h" -o "$WORK/body" "$E/2015-03-31/functions/nope"
check "a missing function is 404 ResourceNotFoundException" grep -qi 'x-amzn-ErrorType: ResourceNotFoundException' "$WORK/h"
check "... with Type and message" grep -q '{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:' "$WORK/body"
head -c $((6 * 1024 * 1024 + 10)) /dev/zero | tr '\0' 1 >"$WORK/huge.json"
out=$(api POST /2015-03-31/functions/py/invocations "$WORK/huge.json")
check "an invoke payload over 6 MB is 413 RequestTooLargeException" contains "$out" "HTTP 413"
head -c $((1024 * 1024 + 8)) /dev/zero | tr '\0' 1 >"$WORK/mb.json"
out=$(lcurl -s -X POST "$E/2015-03-31/functions/py/invocations" -H 'X-Amz-Invocation-Type: Event' \
	--data-binary "@$WORK/mb.json" -w '\nHTTP %{http_code}\n')
check "an Event payload over 1 MB is refused in the Event invocation's words" \
	contains "$out" "1048584 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
echo 'not json' >"$WORK/nj"
out=$(api POST /2015-03-31/functions/py/invocations "$WORK/nj")
check "a payload that is not JSON is refused" contains "$out" "Could not parse payload into json"
inv py '{}'
check "the cloud still serves after all that" grep -q '"count"' "$WORK/body"

# --- logs API ---------------------------------------------------------------------------------
printf '{"logGroupName":"/aws/lambda/shell","filterPattern":"hello"}' >"$WORK/f.json"
out=$(sigcurl logs -s "$E/" -H 'X-Amz-Target: Logs_20140328.FilterLogEvents' -H 'Content-Type: application/x-amz-json-1.1' --data-binary @"$WORK/f.json")
check "FilterLogEvents finds the function's output" contains "$out" '\"hello\":\"world\"'
printf '{"logGroupName":"/aws/lambda/shell","filterPattern":"REPORT"}' >"$WORK/f.json"
out=$(sigcurl logs -s "$E/" -H 'X-Amz-Target: Logs_20140328.FilterLogEvents' -H 'Content-Type: application/x-amz-json-1.1' --data-binary @"$WORK/f.json")
check "the stored REPORT line ends with a newline, as Lambda's do" \
	grep -qP '"message":"REPORT RequestId: [^"]*\\n"' <<<"$out"
printf '{"logGroupName":"/aws/lambda/shell","kmsKeyId":"alias/x"}' >"$WORK/f.json"
out=$(sigcurl logs -s -w '\nHTTP %{http_code}' "$E/" -H 'X-Amz-Target: Logs_20140328.CreateLogGroup' -H 'Content-Type: application/x-amz-json-1.1' --data-binary @"$WORK/f.json")
contains "$out" "CreateLogGroup with kmsKeyId" && contains "$out" "HTTP 501"
ok $? "a member the cloud would drop (kmsKeyId) is refused, named" || note "$out"

# --- accounts -----------------------------------------------------------------------------
other=$(ctl /_tutor/accounts -X POST)
okey=$(json_field "$other" AccessKeyId)
osecret=$(json_field "$other" SecretAccessKey)
out=$(curl -s --aws-sigv4 'aws:amz:us-east-1:lambda' --user "$okey:$osecret" "$E/2015-03-31/functions/")
check "another account's key pair sees another account, with no functions" contains "$out" '"Functions":[]'
now=$(date -u +%Y%m%dT%H%M%SZ)
out=$(curl -s -w ' %{http_code}' "$E/2015-03-31/functions/" -H "X-Amz-Date: $now" \
	-H "Authorization: AWS4-HMAC-SHA256 Credential=AKIAOTHERLEARNER/${now%T*}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=$(printf '%064d' 0)")
check "an access key the cloud never made is UnrecognizedClientException 403" contains "$out" 'The security token included in the request is invalid."} 403'
out=$(curl -s -w ' %{http_code}' "$E/2015-03-31/functions/")
check "an unsigned request is MissingAuthenticationTokenException 403" contains "$out" 'Missing Authentication Token"} 403'

# --- lock, restart --------------------------------------------------------------------------
inv shell '{}'
inv py '{"action":"pid"}'
envpid=$(env_host_pid)
check "an environment is running before the cloud stops" kill -0 "${envpid:-999999}"
"$TUTOR" serve --workspace "$WS" --port 0 >"$WORK/second.log" 2>&1
status=$?
check "a second cloud on the same workspace is refused (exit 2)" test "$status" = 2
check "... saying who serves it" grep -q "already served by another cloud" "$WORK/second.log"
stop_cloud
ok $? "SIGTERM stops the cloud with exit status 0"
check "no execution environment outlives the cloud" bash -c "! kill -0 ${envpid:-999999} 2>/dev/null && ! pgrep -f '^/bin/sh $WS/' >/dev/null"
start_cloud
ok $? "the cloud starts again on the same workspace"
out=$(api GET /2015-03-31/functions/)
check "functions survive a restart" contains "$out" '"FunctionName":"py"'
inv py '{}'
check "... and can be invoked" grep -q '"count": 1' "$WORK/body"
inv py '{"action":"pid"}'
envpid=$(env_host_pid)
inv py '{"action":"spawn","secs":347}'
kill -KILL "$CLOUD_PID"
wait "$CLOUD_PID" 2>/dev/null
CLOUD_PID=
sleep 0.5
check "an environment dies with a cloud killed by SIGKILL" bash -c "$(declare -f alive); ! alive ${envpid:-999999}"
start_cloud
ok $? "a cloud starts after one was killed with SIGKILL"
if [ -w /sys/fs/cgroup/memory ] && [ "${LAMBDA_TUTOR_CGROUPS:-}" != off ]; then
	sleep 0.3
	check "... and kills what the dead cloud's environments left behind" bash -c "! pgrep -f '^sleep 347$'"
fi
inv py '{}'
check "... and serves the functions" grep -q '"count": 1' "$WORK/body"
out=$(api DELETE /2015-03-31/functions/py)
check "DeleteFunction answers 204" contains "$out" "HTTP 204"
out=$(api GET /2015-03-31/functions/py)
check "a deleted function is gone" contains "$out" "HTTP 404"
out=$(ctl /_tutor/reset -X POST)
check "the tutor's reset empties the account" contains "$(api GET /2015-03-31/functions/)" '"Functions":[]'
stop_cloud
finish
