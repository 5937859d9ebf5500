#!/bin/sh
# The console in the terminal: create a function from the default code, test it with the API
# Gateway template, see the response, the log and the monitor, refuse a memory size Lambda
# refuses, set one it accepts, and find the change in the list and through the API. Then the
# code: edit a file (the save deploys), add one, delete one; the Monitor lists an invocation
# made with the aws CLI and shows the log stream, M its metrics plotted a minute a column (on the
# account's clock, moved ahead) and an alarm made elsewhere with its state; D deletes the function after asking.
. "$(dirname "$0")/lib.sh"
WS="$E2E_TMP/ws"
REAL_TUTOR=$TUTOR
cat >"$E2E_TMP/tutor" <<EOF2
#!/bin/sh
exec '$REAL_TUTOR' console --workspace '$WS'
EOF2
chmod +x "$E2E_TMP/tutor"
TUTOR="$E2E_TMP/tutor"
stop_cloud() {
	[ -s "$WS/.cloud/lock" ] && kill -TERM "$(awk '{print $1}' "$WS/.cloud/lock")" 2>/dev/null
	e2e_cleanup
}
trap stop_cloud EXIT INT TERM
wait_long() {
	i=0
	while [ $i -lt 300 ]; do
		e2e_capture | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	e2e_fail "waited 30 s for: $1"
}

# The editor appends a line; a new file gets a line of its own.
cat >"$E2E_TMP/editor" <<'EOF2'
#!/bin/sh
case "$1" in
*.py) printf '\n# edited in the console\n' >>"$1" ;;
*) printf 'extra = 1\n' >>"$1" ;;
esac
EOF2
chmod +x "$E2E_TMP/editor"
e2e_start EDITOR="$E2E_TMP/editor"
wait_long "Functions (0)"
# The account's clock runs two hours ahead, as after a check's steps: metrics are stamped on
# it, and the Monitor plots up to it.
curl -sf -o /dev/null --unix-socket "$WS/.cloud/control.sock" -X POST \
	'http://localhost/_tutor/clock/advance?seconds=7200' || e2e_fail "cannot advance the clock"
e2e_keys c
e2e_wait "New function"
e2e_keys "greeter python" Enter
wait_long "Function: greeter"
e2e_wait "runtime python3.13"
test -f "$WS/console/greeter/lambda_function.py" || e2e_fail "the code was not kept"

e2e_keys t
e2e_wait "API Gateway AWS Proxy"
e2e_keys 2
wait_long "Hello from Lambda!"
e2e_wait "REPORT RequestId"
e2e_wait "Monitor"
test -f "$WS/console/.events/greeter/apigateway-aws-proxy.json" || e2e_fail "event not saved"
# T tests again with the same saved event (it once read the event's name after freeing it).
e2e_keys T
e2e_wait "Test: apigateway-aws-proxy"
wait_long "Hello from Lambda!"
e2e_keys T
wait_long "Hello from Lambda!"
e2e_wait "Test: apigateway-aws-proxy"
[ "$(ls "$WS/console/.events/greeter")" = "apigateway-aws-proxy.json" ] ||
	e2e_fail "T saved other events: $(ls "$WS/console/.events/greeter" | tr '\n' ' ')"

e2e_keys m
e2e_keys 64 Enter
e2e_wait "from 128 to 10240"
e2e_keys m
e2e_keys 512 Enter
wait_long "configuration of greeter updated"

# Code: the handler's file is listed and selected; Enter edits it and the save deploys.
e2e_keys g
e2e_wait "Code (1 file in"
e2e_wait "▸ lambda_function.py"
e2e_keys Enter
wait_long "deployed greeter"
grep -q "edited in the console" "$WS/console/greeter/lambda_function.py" || e2e_fail "not edited"
port=$(awk '{print $2}' "$WS/.cloud/lock")
api="http://127.0.0.1:$port/2015-03-31/functions/greeter"
# The workspace's own key pair: the cloud checks every signature.
export AWS_ACCESS_KEY_ID=$(awk '$1 == "aws_access_key_id" {print $3}' "$WS/.cloud/credentials")
export AWS_SECRET_ACCESS_KEY=$(awk '$1 == "aws_secret_access_key" {print $3}' "$WS/.cloud/credentials")
lcurl() { curl --aws-sigv4 'aws:amz:us-east-1:lambda' --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"; }
loc=$(lcurl -sf "$api" | sed 's/.*"Location":"\([^"]*\)".*/\1/')
curl -sf -o "$E2E_TMP/deployed.zip" "$loc" || e2e_fail "cannot fetch the package"
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); sys.exit(b"edited in the console" not in z.read("lambda_function.py"))' "$E2E_TMP/deployed.zip" ||
	e2e_fail "the edit was not deployed"

# Add a file: it is created, opened, deployed and listed.
e2e_keys a
e2e_wait "New file"
e2e_keys "lib/util.py" Enter
wait_long "lib/util.py"
e2e_wait "Code (2 files in"
# Delete it, after a question: n keeps it, y deletes it and deploys without it.
e2e_keys Down
e2e_wait "▸ lib/util.py"
e2e_keys d
e2e_wait "Delete lib/util.py"
e2e_keys n
e2e_wait "nothing deleted"
e2e_keys d
e2e_wait "Delete lib/util.py"
e2e_keys y
wait_long "Code (1 file in"
test -f "$WS/console/greeter/lib/util.py" && e2e_fail "the file was not deleted"

# An invocation from elsewhere shows in the Monitor, which reads the log group by itself.
if command -v aws >/dev/null 2>&1; then
	AWS_DEFAULT_REGION=us-east-1 \
		aws --endpoint-url "http://127.0.0.1:$port" lambda invoke --function-name greeter \
		"$E2E_TMP/out.json" >/dev/null || e2e_fail "aws lambda invoke failed"
else
	lcurl -sf -d '{}' "$api/invocations" >/dev/null || e2e_fail "invoke failed"
fi
n=0
until [ "$(e2e_capture | grep -cE '^ *20[0-9-]+T[0-9:.]+Z +(cold|warm) ')" -ge 2 ]; do
	n=$((n + 1))
	[ $n -lt $((E2E_WAIT * 10)) ] || e2e_fail "the second invocation did not show in the Monitor"
	sleep 0.1
done
e2e_keys G
e2e_wait "Log stream"
e2e_wait '[$LATEST]'
# M: the metrics Lambda published for it (GetMetricData), and an alarm made elsewhere on them.
curl --aws-sigv4 'aws:amz:us-east-1:monitoring' --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-sf -o /dev/null "http://127.0.0.1:$port/" -H 'Content-Type: application/x-amz-json-1.0' \
	-H 'X-Amz-Target: GraniteServiceVersion20100801.PutMetricAlarm' -d '{"AlarmName":"greeter-calls",
	"Namespace":"AWS/Lambda","MetricName":"Invocations","Statistic":"Sum","Period":60,
	"EvaluationPeriods":1,"Threshold":100,"ComparisonOperator":"GreaterThanThreshold",
	"Dimensions":[{"Name":"FunctionName","Value":"greeter"}]}' || e2e_fail "PutMetricAlarm failed"
e2e_keys r M
wait_long "Monitor: metrics of greeter"
wait_long "greeter-calls "
# ... and what its role was used for: the least-privilege report.
wait_long "Permissions: what the role of greeter was used for"
e2e_capture | grep -qE '^ *invocations +[.▁▂▃▄▅▆▇█]*█[.▁▂▃▄▅▆▇█]* +max [1-9]' ||
	e2e_fail "no invocations plotted: $(e2e_capture | grep -E 'invocations|duration')"
e2e_capture | grep -qE '^ *duration p99 \(ms\) +[.▁▂▃▄▅▆▇█]*█' || e2e_fail "no p99 duration plotted"
e2e_capture | grep -qE '^ *errors +\.*[▁.]* +max 0' || e2e_fail "errors plotted without errors"
# Traces: with active tracing, a call a traced caller sampled is drawn as a waterfall, Lambda's
# segments and the function's Invocation under it.
lcurl -sf -X PUT -d '{"TracingConfig":{"Mode":"Active"}}' "$api/configuration" >/dev/null ||
	e2e_fail "cannot turn tracing on"
lcurl -sf -d '{}' -H "X-Amzn-Trace-Id: Root=1-$(printf %08x "$(date +%s)")-0123456789abcdef01234567;Sampled=1" \
	"$api/invocations" >/dev/null || e2e_fail "the traced invoke failed"
e2e_keys r M
wait_long "Traces of greeter (X-Ray"
wait_long "-0123456789abcdef01234567"
e2e_capture | grep -qE '^ +greeter +AWS::Lambda::Function +\|[ █]*█' ||
	e2e_fail "no function segment drawn: $(e2e_capture | grep -A4 'Traces of')"
e2e_capture | grep -qE '^ +Invocation +\|[ █]*█[ █]*\| +[0-9.]+ ms' ||
	e2e_fail "no Invocation bar: $(e2e_capture | grep -A6 'Traces of')"
# An SQS batch of messages from two traces: the invocation continues the first message's
# trace, and Lambda's segment links to the other's, drawn under it as X-Ray links them.
scurl() {
	curl --aws-sigv4 'aws:amz:us-east-1:sqs' --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-sf "http://127.0.0.1:$port/" -H 'Content-Type: application/x-amz-json-1.0' \
		-H "X-Amz-Target: AmazonSQS.$1" -d "$2"
}
account=$(awk '$1 == "aws_account_id" {print $3}' "$WS/.cloud/credentials")
qurl=$(scurl CreateQueue '{"QueueName":"orders"}' | sed 's/.*"QueueUrl":"\([^"]*\)".*/\1/')
[ -n "$qurl" ] || e2e_fail "CreateQueue failed"
now=$(printf %08x "$(date +%s)")
header() { printf '{"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1-%s-%s;Parent=%s;Sampled=1"}}' "$now" "$1" "$2"; }
scurl SendMessageBatch "{\"QueueUrl\":\"$qurl\",\"Entries\":[
	{\"Id\":\"a\",\"MessageBody\":\"a\",\"MessageSystemAttributes\":$(header aaaaaaaaaaaaaaaaaaaaaaaa 00000000000000aa)},
	{\"Id\":\"b\",\"MessageBody\":\"b\",\"MessageSystemAttributes\":$(header bbbbbbbbbbbbbbbbbbbbbbbb 00000000000000bb)}]}" \
	>/dev/null || e2e_fail "SendMessageBatch failed"
lcurl -sf -o /dev/null -d "{\"FunctionName\":\"greeter\",\"BatchSize\":10,
	\"EventSourceArn\":\"arn:aws:sqs:us-east-1:$account:orders\",\"MaximumBatchingWindowInSeconds\":1}" \
	"http://127.0.0.1:$port/2015-03-31/event-source-mappings/" || e2e_fail "CreateEventSourceMapping failed"
n=0
until e2e_capture | grep -qE '^ +┄ linked: 1-'"$now"'-(a{24} from segment 0{14}aa|b{24} from segment 0{14}bb)$'; do
	n=$((n + 1))
	[ $n -lt $((E2E_WAIT * 2)) ] || e2e_fail "no link drawn: $(e2e_capture | grep -A8 'Traces of')"
	e2e_keys r M
	sleep 0.5
done
e2e_capture | grep -B1 -E '^ +┄ linked: ' | head -1 | grep -qE '^ +greeter +AWS::Lambda +\|' ||
	e2e_fail "the link is not under Lambda's segment: $(e2e_capture | grep -A8 'Traces of')"

# Deployed from elsewhere: r fetches the new package, the older copy is kept aside.
python3 - "$E2E_TMP/new.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return 'cli'\n")
    z.writestr("from_cli.py", "X = 1\n")
PY
printf '{"ZipFile":"%s"}' "$(base64 -w0 "$E2E_TMP/new.zip")" >"$E2E_TMP/code.json"
lcurl -sf -X PUT -H 'Content-Type: application/json' --data-binary @"$E2E_TMP/code.json" \
	"$api/code" >/dev/null || e2e_fail "UpdateFunctionCode failed"
e2e_keys r g
wait_long "from_cli.py"
e2e_wait "Code (2 files in"
grep -q "return 'cli'" "$WS/console/greeter/lambda_function.py" || e2e_fail "not fetched again"
grep -l "edited in the console" "$WS"/console/.old/greeter-*/lambda_function.py >/dev/null ||
	e2e_fail "the older copy was not kept"

e2e_keys q
wait_long "512 MB"

# D deletes the function, after a question.
e2e_keys D
e2e_wait "Delete the function greeter?"
e2e_keys x
e2e_wait "nothing deleted"
e2e_keys D
e2e_keys y
wait_long "Functions (0)"
lcurl -s -o /dev/null -w '%{http_code}' "$api" | grep -q 404 || e2e_fail "still there"

e2e_keys q
e2e_exited 0
echo "ok - console: create, test, configuration, code, monitor, delete"
