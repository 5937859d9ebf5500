#!/bin/bash
# The local cloud driven by the real AWS CLI (Debian's /usr/bin/aws, with --endpoint-url):
# Python and Node.js functions created, invoked, updated, listed, described and deleted, their
# concurrency set, their logs read with `aws logs tail` and `filter-log-events`, and the
# errors the CLI shows for missing functions. TAP.
#
#   cloud_cli.sh path/to/lambda-tutor
TUTOR=${1:?usage: cloud_cli.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud
test_role
ok $? "serve starts"

mkdir -p "$WORK/py" "$WORK/py2" "$WORK/node"
cat >"$WORK/py/lambda_function.py" <<'PY'
import json, logging, os
logger = logging.getLogger()
logger.setLevel(logging.INFO)
def lambda_handler(event, context):
    logger.info("got %s", json.dumps(event))
    print("printed by", context.function_name)
    return {"statusCode": 200, "body": json.dumps({"hello": event.get("name", "world"),
            "color": os.environ.get("COLOR", "none")})}
PY
cat >"$WORK/py2/lambda_function.py" <<'PY'
def lambda_handler(event, context):
    return {"version": 2}
PY
cat >"$WORK/node/index.mjs" <<'JS'
export const handler = async (event, context) => {
  console.log("node got", JSON.stringify(event));
  return { statusCode: 200, body: `hi ${event.name} from ${context.functionName}` };
};
JS
make_zip "$WORK/py.zip" "$WORK/py"
make_zip "$WORK/py2.zip" "$WORK/py2"
make_zip "$WORK/node.zip" "$WORK/node"

out=$(awsl lambda create-function --function-name hello-py --runtime python3.12 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/py.zip" 2>&1)
ok $? "aws lambda create-function (python3.12)"
check "... reports State Pending, as Lambda answers a create" contains "$out" '"State": "Pending"'
check "... reason Creating" contains "$out" '"StateReasonCode": "Creating"'
check "aws lambda wait function-active-v2" awsl lambda wait function-active-v2 --function-name hello-py
out=$(awsl lambda get-function-configuration --function-name hello-py 2>&1)
check "... then get-function-configuration finds it Active" contains "$out" '"State": "Active"'
check "... its last update Successful" contains "$out" '"LastUpdateStatus": "Successful"'
check "... and the CodeSha256 of the zip" contains "$out" "\"CodeSha256\": \"$(/usr/bin/python3 -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$WORK/py.zip")\""
out=$(awsl lambda create-function --function-name hello-node --runtime nodejs22.x \
	--handler index.handler --role $ROLE --zip-file "fileb://$WORK/node.zip" 2>&1)
ok $? "aws lambda create-function (nodejs22.x)"

out=$(awsl lambda invoke --function-name hello-py --cli-binary-format raw-in-base64-out \
	--payload '{"name":"Ada"}' --log-type Tail "$WORK/out.json" 2>&1)
ok $? "aws lambda invoke (python)"
check "... StatusCode 200" contains "$out" '"StatusCode": 200'
check "... the handler's answer" grep -q 'hello\\": \\"Ada' "$WORK/out.json"
tail_log=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys,base64; print(base64.b64decode(json.load(sys.stdin)["LogResult"]).decode())')
note "$tail_log"
check "--log-type Tail returns the log with REPORT" grep -q '^REPORT RequestId: ' <<<"$tail_log"
check "... Python's logging format" grep -qP '^\[INFO\]\t\d{4}-\d\d-\d\dT[\d:.]+Z\t[0-9a-f-]{36}\tgot \{"name": "Ada"\}$' <<<"$tail_log"
check "... and print() output" grep -q '^printed by hello-py$' <<<"$tail_log"

out=$(awsl lambda invoke --function-name hello-node --cli-binary-format raw-in-base64-out \
	--payload '{"name":"Grace"}' "$WORK/out.json" 2>&1)
ok $? "aws lambda invoke (node)"
check "... the Node handler's answer" grep -q 'hi Grace from hello-node' "$WORK/out.json"

out=$(awsl lambda update-function-configuration --function-name hello-py \
	--environment 'Variables={COLOR=blue}' --memory-size 256 --timeout 10 2>&1)
ok $? "aws lambda update-function-configuration"
check "... shows the new memory size" contains "$out" '"MemorySize": 256'
check "... and its update InProgress, as Lambda answers one" contains "$out" '"LastUpdateStatus": "InProgress"'
check "aws lambda wait function-updated-v2" awsl lambda wait function-updated-v2 --function-name hello-py

# Tags: on create, TagResource, UntagResource, ListTags, GetFunction's Tags, Lambda's refusals.
tags_of() { /usr/bin/python3 -c 'import json,sys; print(" ".join("%s=%s" % kv for kv in sorted(json.loads(sys.argv[1])["Tags"].items())))' "$1"; }
out=$(awsl lambda create-function --function-name tagged --runtime python3.12 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/py.zip" \
	--tags team=blue,env=dev 2>&1)
ok $? "create-function --tags"
FARN=$(json_field "$out" FunctionArn)
check "tag-resource" awsl lambda tag-resource --resource "$FARN" --tags env=prod,cost=42
check "untag-resource" awsl lambda untag-resource --resource "$FARN" --tag-keys cost
out=$(awsl lambda list-tags --resource "$FARN" 2>&1)
check "list-tags: the create's tags, one changed" test "$(tags_of "$out")" = "env=prod team=blue"
out=$(awsl lambda get-function --function-name tagged 2>&1)
check "get-function shows the Tags" test "$(tags_of "$out")" = "env=prod team=blue"
out=$(awsl lambda tag-resource --resource "$FARN:1" --tags a=b 2>&1)
check "tags on a version are refused" contains "$out" \
	"(InvalidParameterValueException) when calling the TagResource operation: Tags on function aliases and versions are not supported. Please specify a function ARN."
out=$(awsl lambda list-tags --resource "${FARN%tagged}nope" 2>&1)
check "tags of a function that does not exist" contains "$out" \
	"(ResourceNotFoundException) when calling the ListTags operation: Function not found: ${FARN%tagged}nope"
tags51=$(/usr/bin/python3 -c 'print(",".join("k%d=v" % i for i in range(49)))')
out=$(awsl lambda tag-resource --resource "$FARN" --tags "$tags51" 2>&1)
check "more than 50 tags are refused" contains "$out" "Number of tags exceeds resource tag limit."
check "aws lambda delete-function (tagged)" awsl lambda delete-function --function-name tagged
awsl lambda invoke --function-name hello-py --cli-binary-format raw-in-base64-out \
	--payload '{}' "$WORK/out.json" >/dev/null 2>&1
check "the new environment reaches the handler" grep -q 'color\\": \\"blue' "$WORK/out.json"

out=$(awsl lambda update-function-code --function-name hello-py --zip-file "fileb://$WORK/py2.zip" 2>&1)
ok $? "aws lambda update-function-code"
awsl lambda invoke --function-name hello-py "$WORK/out.json" >/dev/null 2>&1
check "the new code runs at once" grep -q '"version": 2' "$WORK/out.json"

out=$(awsl lambda list-functions --query 'Functions[].FunctionName' --output text 2>&1)
check "aws lambda list-functions lists both" test "$(echo $out | tr ' \t' '\n\n' | sort | tr '\n' ' ')" = "hello-node hello-py "
out=$(awsl lambda get-function --function-name hello-node 2>&1)
ok $? "aws lambda get-function"
check "... has Configuration and Code.Location" bash -c "grep -q '\"Location\": \"$E/_tutor/code/' <<<'$out' && grep -q '\"Runtime\": \"nodejs22.x\"' <<<'$out'"
loc=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["Code"]["Location"])')
curl -s -o "$WORK/dl.zip" "$loc"
check "Code.Location serves the deployed zip" cmp -s "$WORK/dl.zip" "$WORK/node.zip"
out=$(awsl lambda get-function-configuration --function-name arn:aws:lambda:us-east-1:000000000000:function:hello-py 2>&1)
# Another account's function is refused before it is looked up, as Lambda does without a
# statement in that function's policy for this account.
check "a function named by its ARN in another account is refused: no resource-based policy allows it" \
	contains "$out" "(AccessDeniedException) when calling the GetFunctionConfiguration operation: User: arn:aws:iam::$ACCT:root is not authorized to perform: lambda:GetFunctionConfiguration on resource: arn:aws:lambda:us-east-1:000000000000:function:hello-py because no resource-based policy allows the lambda:GetFunctionConfiguration action"
acct=$(awsl lambda get-function-configuration --function-name hello-py --query FunctionArn --output text 2>&1 | cut -d: -f5)
out=$(awsl lambda get-function-configuration --function-name "arn:aws:lambda:us-east-1:$acct:function:hello-py" 2>&1)
check "... and by its own ARN" contains "$out" '"FunctionName": "hello-py"'

out=$(awsl lambda put-function-concurrency --function-name hello-py --reserved-concurrent-executions 0 2>&1)
ok $? "aws lambda put-function-concurrency"
out=$(awsl lambda invoke --function-name hello-py "$WORK/out.json" 2>&1)
check "a throttled invoke shows TooManyRequestsException" contains "$out" "TooManyRequestsException"
check "... with its reason" contains "$out" "Rate Exceeded."
out=$(awsl lambda get-function-concurrency --function-name hello-py 2>&1)
check "aws lambda get-function-concurrency" contains "$out" '"ReservedConcurrentExecutions": 0'
awsl lambda delete-function-concurrency --function-name hello-py >/dev/null 2>&1
ok $? "aws lambda delete-function-concurrency"
out=$(awsl lambda get-account-settings 2>&1)
check "aws lambda get-account-settings" contains "$out" '"ConcurrentExecutions": 1000'

sleep 0.5
out=$(awsl logs tail /aws/lambda/hello-py --since 1h --format short 2>&1)
ok $? "aws logs tail /aws/lambda/NAME"
note "$out"
check "... shows START, END and REPORT" bash -c "grep -q 'START RequestId' <<<'$out' && grep -q 'REPORT RequestId' <<<'$out'"
out=$(awsl logs filter-log-events --log-group-name /aws/lambda/hello-py --filter-pattern '"printed by"' 2>&1)
ok $? "aws logs filter-log-events"
check "... finds the printed line" contains "$out" 'printed by hello-py'
check "... and only matching lines" bash -c "! grep -q 'START RequestId' <<<'$out'"
out=$(awsl logs describe-log-streams --log-group-name /aws/lambda/hello-node 2>&1)
check "aws logs describe-log-streams names [\$LATEST] streams" contains "$out" '[$LATEST]'
out=$(awsl logs describe-log-groups 2>&1)
check "aws logs describe-log-groups" contains "$out" '"logGroupName": "/aws/lambda/hello-node"'

out=$(awsl lambda delete-function --function-name hello-node 2>&1)
ok $? "aws lambda delete-function"
out=$(awsl lambda get-function --function-name hello-node 2>&1)
status=$?
check "the CLI reports a deleted function as ResourceNotFoundException" contains "$out" "An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: arn:aws:lambda:us-east-1:"
check "... and fails" test "$status" != 0
out=$(awsl lambda create-function --function-name bad --runtime python3.12 --handler a.b \
	--role $ROLE --memory-size 20000 --zip-file "fileb://$WORK/py.zip" 2>&1)
check "the CLI shows AWS's validation message" contains "$out" "Member must have value less than or equal to 10240"

# The tests' CLI commands run in a zygote of each CLI (cloud_lib.sh): what a command reads and
# prints, its environment, working directory and exit status are its own, as in a process of
# its own; a command whose start-up environment differs runs the real CLI. LT_REAL_<name> set
# to /bin/false shows which of the two ran.
for name in aws aws2; do
	if [ -z "$(eval echo "\${LT_ZYGOTE_$name:-}")" ]; then
		echo "# skip the $name zygote: not in use here"
		continue
	fi
	real=$(eval echo "\$LT_REAL_$name")
	z() { LT_REAL_aws=/bin/false LT_REAL_aws2=/bin/false "$name" --endpoint-url "$E" "$@"; }
	want=$("$real" --endpoint-url "$E" --output text sts get-caller-identity --query Account 2>&1)
	out=$(z --output text sts get-caller-identity --query Account 2>&1)
	check "$name zygote: a command runs there, as the real CLI runs it ($want)" \
		test "$out" = "$want" -a "$out" = "$ACCT"
	read -r k2 s2 a2 < <(new_account)
	out=$(AWS_ACCESS_KEY_ID=$k2 AWS_SECRET_ACCESS_KEY=$s2 z --output text sts get-caller-identity \
		--query Account 2>&1)
	check "$name zygote: the command's own environment (another account's keys)" test "$out" = "$a2"
	out=$(z lambda get-function --function-name nowhere 2>&1)
	status=$?
	"$real" --endpoint-url "$E" lambda get-function --function-name nowhere >/dev/null 2>&1
	check "$name zygote: the real CLI's exit status for an error ($status)" test "$status" = $?
	check "$name zygote: ... and its message on standard error" contains "$out" "(ResourceNotFoundException)"
	mkdir -p "$WORK/cwd-$name"
	printf '{"FunctionName":"nowhere"}' >"$WORK/cwd-$name/in.json"
	out=$(cd "$WORK/cwd-$name" && z lambda get-function --cli-input-json file://in.json 2>&1)
	check "$name zygote: a path relative to the command's working directory" contains "$out" \
		"function:nowhere"
	z s3 mb "s3://zygote-$name" >/dev/null 2>&1
	printf 'read from standard input' | z s3 cp - "s3://zygote-$name/in" >/dev/null 2>&1
	out=$(z s3 cp "s3://zygote-$name/in" - 2>&1)
	check "$name zygote: the command's standard input and output (s3 cp -)" \
		test "$out" = "read from standard input"
	mkdir -p "$WORK/home-$name"
	HOME=$WORK/home-$name z --output text sts get-caller-identity >/dev/null 2>&1
	check "$name zygote: another HOME runs the real CLI (here /bin/false)" test $? = 1
	# A command blocked on its standard input, its client killed.
	exec {held}< <(sleep 30)
	sleeper=$!
	timeout 1 "$name" --endpoint-url "$E" s3 cp - "s3://zygote-$name/held" <&$held >/dev/null 2>&1
	check "$name zygote: a client killed while its command runs" test $? = 124
	zpid=$(eval echo "\$ZYGOTE_PID_$name")
	i=0
	while [ -n "$(pgrep -P "$zpid")" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	check "$name zygote: ... ends the command" test -z "$(pgrep -P "$zpid")"
	exec {held}<&-
	kill "$sleeper" 2>/dev/null
done
stop_cloud
ok $? "the cloud stops cleanly"
finish
