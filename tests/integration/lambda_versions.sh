#!/bin/sh
# Lambda versions and aliases: boto3 in both Pythons (lambda_versions.py), then both AWS
# CLIs for the operations and the qualifiers a learner types.
# Usage: lambda_versions.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)

if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud || exit 1
test_role
L="awsl lambda"

# Two packages of one function: the code says which it is, the rest comes from the context.
for v in one two; do
	mkdir -p "$WORK/$v"
	cat >"$WORK/$v/app.py" <<PY
import os
def handler(event, context):
    return {"code": "$v", "greeting": os.environ.get("GREETING"),
            "version": context.function_version, "arn": context.invoked_function_arn,
            "env_version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")}
PY
	make_zip "$WORK/$v.zip" "$WORK/$v"
done

# run LABEL COMMAND...: a TAP script's lines, numbered on.
run() {
	label=$1
	shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	status=$?
	grep -E '^(ok|not ok) ' "$WORK/out" >"$WORK/lines"
	grep -E '^# ' "$WORK/out"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$label: ${line#* - }" ;;
		*) ok 1 "$label: ${line#* - }" ;;
		esac
	done <"$WORK/lines"
	[ $status = 0 ] || { ok 1 "$label exits 0"; note "$(tail -20 "$WORK/err")"; }
}
for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	suffix=$(echo "$py" | tr -c 'a-z0-9' '-')
	run "$py" "$py" "$DIR/lambda_versions.py" "$E" "$WS" "$suffix" "$WORK/one.zip" "$WORK/two.zip"
done

# The 2.x CLI, as the course's commands run.
check "create-function" $L create-function --function-name cli --runtime python3.12 \
	--handler app.handler --role $ROLE --zip-file "fileb://$WORK/one.zip"
out=$($L publish-version --function-name cli --description first 2>&1)
contains "$out" '"Version": "1"'
ok $? "publish-version"
check "update-function-code" $L update-function-code --function-name cli \
	--zip-file "fileb://$WORK/two.zip"
out=$($L publish-version --function-name cli --query Version --output text 2>&1)
[ "$out" = 2 ]
ok $? "publish-version after a change: 2 ($out)"
out=$($L create-alias --function-name cli --name live --function-version 1 \
	--routing-config '{"AdditionalVersionWeights":{"2":0.5}}' 2>&1)
contains "$out" '"2": 0.5'
ok $? "create-alias with --routing-config"
out=$($L invoke --function-name cli:1 "$WORK/o1.json" 2>&1)
contains "$out" '"ExecutedVersion": "1"' && contains "$(cat "$WORK/o1.json")" '"code": "one"'
ok $? "invoke NAME:1"
out=$($L invoke --function-name cli --qualifier live "$WORK/o2.json" 2>&1)
contains "$out" '"ExecutedVersion": "'
ok $? "invoke --qualifier live: $(printf '%s' "$out" | tr -d '\n ')"
out=$($L list-aliases --function-name cli --query 'Aliases[].Name' --output text 2>&1)
[ "$out" = live ]
ok $? "list-aliases"
out=$($L update-alias --function-name cli --name live --function-version 2 \
	--routing-config '{"AdditionalVersionWeights":{}}' 2>&1)
contains "$out" '"FunctionVersion": "2"'
ok $? "update-alias: all to version 2"
out=$($L list-versions-by-function --function-name cli --query 'Versions[].Version' \
	--output text 2>&1)
[ "$(echo $out)" = '$LATEST 1 2' ]
ok $? "list-versions-by-function ($out)"
out=$($L delete-function --function-name cli --qualifier 2 2>&1)
contains "$out" "ResourceConflictException"
ok $? "delete-function --qualifier 2 while an alias points to it: refused"
check "delete-alias" $L delete-alias --function-name cli --name live
check "delete-function --qualifier 2" $L delete-function --function-name cli --qualifier 2
check "create-alias beta -> 1" $L create-alias --function-name cli --name beta --function-version 1

# A version or an alias has a policy of its own, and invoking through its ARN is checked
# against that policy only (here by S3 checking a notification's destination).
out=$($L add-permission --function-name cli --qualifier beta --statement-id s3-beta \
	--action lambda:InvokeFunction --principal s3.amazonaws.com 2>&1)
contains "$out" ':function:cli:beta'
ok $? "add-permission --qualifier beta: the alias's ARN is the resource"
out=$($L get-policy --function-name cli --qualifier beta --query Policy --output text 2>&1)
contains "$out" '"Sid":"s3-beta"'
ok $? "get-policy --qualifier beta"
out=$($L get-policy --function-name cli 2>&1)
contains "$out" "ResourceNotFoundException"
ok $? "get-policy of the function: none of its own"
out=$($L add-permission --function-name cli:1 --statement-id v1 --action lambda:InvokeFunction \
	--principal sns.amazonaws.com 2>&1)
contains "$out" ':function:cli:1\"'
ok $? "add-permission on NAME:1"
out=$($L get-policy --function-name cli --qualifier 1 --query Policy --output text 2>&1)
contains "$out" '"Sid":"v1"' && ! contains "$out" s3-beta
ok $? "get-policy --qualifier 1: the version's statements only"
out=$($L add-permission --function-name cli --qualifier nosuch --statement-id x \
	--action lambda:InvokeFunction --principal s3.amazonaws.com 2>&1)
contains "$out" "Cannot find alias arn: " && contains "$out" ":function:cli:nosuch"
ok $? "add-permission on a missing alias: $(echo "$out" | tail -1)"
out=$($L add-permission --function-name cli --qualifier '$LATEST' --statement-id x \
	--action lambda:InvokeFunction --principal s3.amazonaws.com 2>&1)
contains "$out" 'We currently do not support adding policies for $LATEST.'
ok $? "add-permission on \$LATEST: refused"
BETA=$($L get-alias --function-name cli --name beta --query AliasArn --output text)
FN=${BETA%:beta}
awsl s3api create-bucket --bucket vbucket >/dev/null 2>&1
notify() {
	awsl s3api put-bucket-notification-configuration --bucket vbucket \
		--notification-configuration \
		"{\"LambdaFunctionConfigurations\":[{\"LambdaFunctionArn\":\"$1\",\"Events\":[\"s3:ObjectCreated:*\"]}]}" 2>&1
}
out=$(notify "$BETA")
[ -z "$out" ]
ok $? "S3 notification to the alias: allowed by the alias's policy ($out)"
out=$(notify "$FN")
contains "$out" "Unable to validate the following destination configurations"
ok $? "S3 notification to the function: its own policy does not have the alias's statement"
out=$(notify "$FN:1")
contains "$out" "Unable to validate"
ok $? "S3 notification to version 1: its policy grants SNS only"
check "remove-permission --qualifier beta" $L remove-permission --function-name cli \
	--qualifier beta --statement-id s3-beta
out=$(notify "$BETA")
contains "$out" "Unable to validate"
ok $? "S3 notification to the alias after remove-permission: refused"
check "add-permission --qualifier beta again" $L add-permission --function-name cli \
	--qualifier beta --statement-id kept --action lambda:InvokeFunction \
	--principal s3.amazonaws.com
check "create-alias doomed" $L create-alias --function-name cli --name doomed --function-version 1
check "add-permission --qualifier doomed" $L add-permission --function-name cli \
	--qualifier doomed --statement-id gone --action lambda:InvokeFunction --principal '*'
check "delete-alias doomed" $L delete-alias --function-name cli --name doomed
check "create-alias doomed again" $L create-alias --function-name cli --name doomed \
	--function-version 1
out=$($L get-policy --function-name cli --qualifier doomed 2>&1)
contains "$out" "ResourceNotFoundException"
ok $? "a deleted alias's policy goes with it"

# A function URL of an alias (Qualifier) is its own URL, opened by the alias's policy, and runs
# the alias's version; the function's own URL runs $LATEST.
out=$($L create-function-url-config --function-name cli --qualifier beta --auth-type NONE 2>&1)
contains "$out" ':function:cli:beta"'
ok $? "create-function-url-config --qualifier beta: the alias's ARN"
BURL=$(json_field "$out" FunctionUrl)
out=$($L create-function-url-config --function-name cli --auth-type NONE 2>&1)
contains "$out" ':function:cli"'
ok $? "create-function-url-config: the function's own"
FURL=$(json_field "$out" FunctionUrl)
[ -n "$BURL" ] && [ -n "$FURL" ] && [ "$BURL" != "$FURL" ]
ok $? "two URLs ($BURL, $FURL)"
out=$($L create-function-url-config --function-name cli:beta --auth-type NONE 2>&1)
contains "$out" ResourceConflictException
ok $? "a second URL for the alias: refused"
out=$($L get-function-url-config --function-name cli --qualifier beta --query FunctionUrl \
	--output text 2>&1)
[ "$out" = "$BURL" ]
ok $? "get-function-url-config --qualifier beta ($out)"
out=$($L list-function-url-configs --function-name cli \
	--query 'FunctionUrlConfigs[].FunctionArn' --output text 2>&1)
contains "$out" ':function:cli:beta' && [ "$(echo $out | wc -w)" = 2 ]
ok $? "list-function-url-configs lists both ($(echo $out))"
out=$($L list-function-url-configs --function-name cli --page-size 1 \
	--query 'FunctionUrlConfigs[].FunctionArn' --output text 2>&1)
contains "$out" ':function:cli:beta' && [ "$(echo $out | wc -w)" = 2 ]
ok $? "list-function-url-configs --page-size 1 follows NextMarker to both ($(echo $out))"
out=$($L get-function-url-config --function-name cli --qualifier gone 2>&1)
contains "$out" ResourceNotFoundException
ok $? "a URL of a missing alias: ResourceNotFoundException"
check "add-permission --qualifier beta InvokeFunctionUrl" $L add-permission --function-name cli \
	--qualifier beta --statement-id url --action lambda:InvokeFunctionUrl --principal '*' \
	--function-url-auth-type NONE
out=$(curl -s "$BURL")
contains "$out" '"code": "one"' && contains "$out" '"version": "1"' && contains "$out" ':function:cli:beta"'
ok $? "the alias's URL runs the alias's version 1 ($out)"
out=$(curl -s -o /dev/null -w '%{http_code}' "$FURL")
[ "$out" = 403 ]
ok $? "the function's URL is not opened by the alias's policy ($out)"
check "add-permission InvokeFunctionUrl" $L add-permission --function-name cli \
	--statement-id url --action lambda:InvokeFunctionUrl --principal '*' \
	--function-url-auth-type NONE
out=$(curl -s "$FURL")
contains "$out" '"code": "two"' && contains "$out" '"version": "$LATEST"'
ok $? "the function's URL runs \$LATEST ($out)"
out=$($L update-function-url-config --function-name cli --qualifier beta --auth-type AWS_IAM \
	--query AuthType --output text 2>&1)
[ "$out" = AWS_IAM ]
ok $? "update-function-url-config --qualifier beta ($out)"
out=$(curl -s -o /dev/null -w '%{http_code}' "$BURL")
[ "$out" = 403 ]
ok $? "an unsigned request to the AWS_IAM URL: 403 ($out)"
check "delete-function-url-config --qualifier beta" $L delete-function-url-config \
	--function-name cli --qualifier beta
out=$($L get-function-url-config --function-name cli --qualifier beta 2>&1)
contains "$out" ResourceNotFoundException
ok $? "the alias's URL is gone"
out=$(curl -s "$FURL")
contains "$out" '"code": "two"'
ok $? "the function's URL stays"
check "create-function-url-config --qualifier doomed" $L create-function-url-config \
	--function-name cli --qualifier doomed --auth-type NONE
check "delete-alias doomed (with a URL)" $L delete-alias --function-name cli --name doomed
out=$($L list-function-url-configs --function-name cli \
	--query 'FunctionUrlConfigs[].FunctionArn' --output text 2>&1)
! contains "$out" doomed && [ "$(echo $out | wc -w)" = 1 ]
ok $? "deleting an alias deletes its URL ($out)"

# An event source mapping can target an alias: its batches run through the alias, and the
# mapping lists under the function's name.
mkdir -p "$WORK/esm"
cat >"$WORK/esm/app.py" <<'PY'
def handler(event, context):
    for r in event["Records"]:
        print("RAN", context.function_version, context.invoked_function_arn, r["body"])
PY
make_zip "$WORK/esm.zip" "$WORK/esm"
check "create-function esmfn --publish" $L create-function --function-name esmfn \
	--runtime python3.12 --handler app.handler --role $ROLE --zip-file "fileb://$WORK/esm.zip" \
	--publish
check "create-alias esmfn live -> 1" $L create-alias --function-name esmfn --name live \
	--function-version 1
QURL=$(awsl sqs create-queue --queue-name vq --query QueueUrl --output text)
QARN=$(awsl sqs get-queue-attributes --queue-url "$QURL" --attribute-names QueueArn \
	--query Attributes.QueueArn --output text)
out=$($L create-event-source-mapping --function-name esmfn:nosuch --event-source-arn "$QARN" 2>&1)
contains "$out" "InvalidParameterValueException"
ok $? "a mapping to a missing alias: refused"
out=$($L create-event-source-mapping --function-name esmfn:live --event-source-arn "$QARN" \
	--batch-size 1 2>&1)
contains "$out" ':function:esmfn:live"'
ok $? "create-event-source-mapping --function-name NAME:ALIAS: FunctionArn is the alias's"
out=$($L list-event-source-mappings --function-name esmfn --query 'EventSourceMappings[].FunctionArn' \
	--output text 2>&1)
contains "$out" ':function:esmfn:live'
ok $? "list-event-source-mappings --function-name NAME lists the alias's mapping"
out=$($L list-event-source-mappings --function-name esmfn:1 \
	--query 'length(EventSourceMappings)' 2>&1)
[ "$out" = 0 ]
ok $? "list-event-source-mappings --function-name NAME:1: none ($out)"
awsl sqs send-message --queue-url "$QURL" --message-body via-alias >/dev/null
# Until the mapping has delivered it (the cloud knows), rather than a CLI start per look.
ctl "/_tutor/settle?timeout=60" -X POST >/dev/null
i=0
while [ $i -lt 150 ]; do
	logs=$(awsl logs filter-log-events --log-group-name /aws/lambda/esmfn \
		--filter-pattern RAN --query 'events[].message' --output text 2>/dev/null)
	contains "$logs" via-alias && break
	i=$((i + 1))
	sleep 0.2
done
contains "$logs" "RAN 1 " && contains "$logs" ":function:esmfn:live via-alias"
ok $? "the message ran version 1 through the alias ($(echo $logs))"

# A user with no policies of their own invokes through the alias only when the alias's own
# policy lets them: the function's policy opens the function, not its aliases (Lambda checks
# a qualified ARN against its qualifier's policy, as for services above).
acct=$(awsl sts get-caller-identity --query Account --output text)
awsl iam create-user --user-name caller >/dev/null
keys=$(awsl iam create-access-key --user-name caller \
	--query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
asuser() (
	export AWS_ACCESS_KEY_ID="${keys%%	*}" AWS_SECRET_ACCESS_KEY="${keys#*	}"
	$L "$@"
)
out=$(asuser invoke --function-name cli:beta "$WORK/u1.json" 2>&1)
contains "$out" AccessDeniedException
ok $? "a user without permission invoking the alias: AccessDeniedException"
check "add-permission for the user on the function" $L add-permission --function-name cli \
	--statement-id user-fn --action lambda:InvokeFunction \
	--principal "arn:aws:iam::$acct:user/caller"
out=$(asuser invoke --function-name cli "$WORK/u2.json" 2>&1)
contains "$out" '"StatusCode": 200'
ok $? "the function's policy lets the user invoke the function"
out=$(asuser invoke --function-name cli:beta "$WORK/u3.json" 2>&1)
contains "$out" AccessDeniedException
ok $? "... and not its alias beta"
check "add-permission for the user on the alias" $L add-permission --function-name cli \
	--qualifier beta --statement-id user-beta --action lambda:InvokeFunction \
	--principal "arn:aws:iam::$acct:user/caller"
out=$(asuser invoke --function-name cli:beta "$WORK/u4.json" 2>&1)
contains "$out" '"ExecutedVersion": "1"'
ok $? "the alias's policy lets the user invoke through the alias"
check "remove-permission on the alias" $L remove-permission --function-name cli \
	--qualifier beta --statement-id user-beta
out=$(asuser invoke --function-name cli:beta "$WORK/u5.json" 2>&1)
contains "$out" AccessDeniedException
ok $? "the permission removed, the alias is closed to the user again"

# The 1.x CLI.
if command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1'; then
	v1() { AWS_ENDPOINT_URL=$E aws --output json lambda "$@"; }
	out=$(v1 publish-version --function-name cli 2>&1)
	contains "$out" '"Version": "3"'
	ok $? "1.x: publish-version: 3, as 2 is not reused"
	out=$(v1 publish-version --function-name cli 2>&1)
	contains "$out" '"Version": "3"'
	ok $? "1.x: publishing it unchanged answers with version 3"
	out=$(v1 create-alias --function-name cli --name gamma --function-version 1 2>&1)
	contains "$out" ':function:cli:gamma"'
	ok $? "1.x: create-alias"
	out=$(v1 get-alias --function-name cli --name gamma 2>&1)
	contains "$out" '"FunctionVersion": "1"'
	ok $? "1.x: get-alias"
	out=$(v1 get-policy --function-name cli --qualifier beta 2>&1)
	contains "$out" 'kept'
	ok $? "1.x: get-policy --qualifier beta"
else
	echo "# skip the 1.x CLI: none on PATH"
fi

# After a restart the versions and aliases are still there.
stop_cloud
start_cloud || exit 1
out=$($L invoke --function-name cli --qualifier beta "$WORK/o3.json" 2>&1)
contains "$out" '"ExecutedVersion": "1"' && contains "$(cat "$WORK/o3.json")" '"code": "one"'
ok $? "after a restart: the alias and its version"
out=$($L get-policy --function-name cli --qualifier beta --query Policy --output text 2>&1)
contains "$out" '"Sid":"kept"'
ok $? "after a restart: the alias's policy"
finish
