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
else
	echo "# skip the 1.x CLI: none on PATH"
fi

# After a restart the versions and aliases are still there.
stop_cloud
start_cloud || exit 1
out=$($L invoke --function-name cli --qualifier beta "$WORK/o3.json" 2>&1)
contains "$out" '"ExecutedVersion": "1"' && contains "$(cat "$WORK/o3.json")" '"code": "one"'
ok $? "after a restart: the alias and its version"
finish
