#!/bin/sh
# IAM and STS as learners reach them: the AWS CLI v2 (/usr/bin/aws) and the AWS CLI v1 on PATH
# (a role made from a trust policy file, a managed policy attached, an inline policy, the
# caller's identity, a session assumed and used, IAM's own refusals), then every operation
# through boto3 in both Pythons (iam_boto3.py), each in a fresh account of its own.
# Usage: iam_clients.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)

start_cloud || exit 1

cat >"$WORK/trust.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
JSON

# cli LABEL AWS-PROGRAM: one CLI's walk through IAM and STS, in a fresh account.
cli() {
	label=$1
	prog=$2
	if ! "$prog" --version >/dev/null 2>&1; then
		echo "# skip $label: $prog does not run"
		return 0
	fi
	set -- $(new_account)
	k=$1 s=$2 acct=$3
	c() { AWS_ACCESS_KEY_ID=$k AWS_SECRET_ACCESS_KEY=$s timeout 120 "$prog" --endpoint-url "$E" --output json "$@" 2>&1; }
	out=$(c sts get-caller-identity)
	check "$label: get-caller-identity names the account's root" contains "$out" "\"Arn\": \"arn:aws:iam::$acct:root\""
	out=$(c iam create-role --role-name fn-role --assume-role-policy-document "file://$WORK/trust.json")
	contains "$out" "\"Arn\": \"arn:aws:iam::$acct:role/fn-role\"" && contains "$out" '"Service": "lambda.amazonaws.com"'
	ok $? "$label: create-role from a trust policy file"
	[ $? = 0 ] || note "$out"
	out=$(c iam create-role --role-name bad --assume-role-policy-document '{"Statement": []}')
	check "$label: a trust policy with no statement: MalformedPolicyDocument" contains "$out" \
		"An error occurred (MalformedPolicyDocument) when calling the CreateRole operation: Syntax errors in policy."
	c iam attach-role-policy --role-name fn-role \
		--policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole >/dev/null
	out=$(c iam list-attached-role-policies --role-name fn-role)
	check "$label: attach-role-policy of AWSLambdaBasicExecutionRole" contains "$out" '"PolicyName": "AWSLambdaBasicExecutionRole"'
	c iam put-role-policy --role-name fn-role --policy-name read \
		--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::in/*"}]}' >/dev/null
	out=$(c iam get-role-policy --role-name fn-role --policy-name read)
	check "$label: put/get-role-policy (the document decoded)" contains "$out" '"Resource": "arn:aws:s3:::in/*"'
	out=$(c iam get-role --role-name nobody)
	check "$label: get-role of a missing role: NoSuchEntity" contains "$out" \
		"(NoSuchEntity) when calling the GetRole operation: The role with name nobody cannot be found."
	out=$(c sts assume-role --role-arn "arn:aws:iam::$acct:role/fn-role" --role-session-name s1)
	check "$label: assume-role with the root's keys: AccessDenied" contains "$out" \
		"(AccessDenied) when calling the AssumeRole operation: Roles may not be assumed by root accounts."
	# A user of the account with AdministratorAccess assumes it, as a learner would.
	c iam create-user --user-name ops >/dev/null
	c iam attach-user-policy --user-name ops --policy-arn arn:aws:iam::aws:policy/AdministratorAccess >/dev/null
	set -- $(c iam create-access-key --user-name ops --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
	k=$1 s=$2
	out=$(c sts assume-role --role-arn "arn:aws:iam::$acct:role/fn-role" --role-session-name s1)
	check "$label: assume-role of a role that trusts only Lambda: AccessDenied" contains "$out" \
		"(AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::$acct:user/ops is not authorized to perform: sts:AssumeRole"
	c iam update-assume-role-policy --role-name fn-role --policy-document \
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"$acct\"},\"Action\":\"sts:AssumeRole\"}]}" >/dev/null
	out=$(c sts assume-role --role-arn "arn:aws:iam::$acct:role/fn-role" --role-session-name s1 --query Credentials --output text)
	set -- $out
	# text output: AccessKeyId Expiration SecretAccessKey SessionToken
	out=$(AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$3 AWS_SESSION_TOKEN=$4 timeout 120 "$prog" --endpoint-url "$E" --output json sts get-caller-identity 2>&1)
	check "$label: the assumed session is the role's" contains "$out" "\"Arn\": \"arn:aws:sts::$acct:assumed-role/fn-role/s1\""
	out=$(AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$3 AWS_SESSION_TOKEN=$4 timeout 120 "$prog" --endpoint-url "$E" --output json iam list-roles 2>&1)
	check "$label: ... and may not do what its role does not allow" contains "$out" \
		"(AccessDenied) when calling the ListRoles operation: User: arn:aws:sts::$acct:assumed-role/fn-role/s1 is not authorized to perform: iam:ListRoles"
}
cli "AWS CLI v2" aws2
if command -v aws >/dev/null 2>&1 && [ "$(command -v aws)" != /usr/bin/aws ]; then
	cli "AWS CLI $(aws --version 2>&1 | cut -d' ' -f1 | cut -d/ -f2)" aws
else
	echo "# skip the AWS CLI v1: none on PATH besides /usr/bin/aws"
fi

# The tests' helper: an execution role with a managed policy, on the learner's account.
out=$(make_role helper-role service-role/AWSLambdaSQSQueueExecutionRole 2>&1)
check "make_role prints the role's ARN" [ "$out" = "arn:aws:iam::$ACCT:role/helper-role" ]
out=$(awsl iam list-attached-role-policies --role-name helper-role 2>&1)
check "... with the managed policy attached" contains "$out" '"PolicyName": "AWSLambdaSQSQueueExecutionRole"'

# Resource-based policies with the AWS CLI: another account reads a bucket, sends to a queue
# and publishes to a topic once their policies let it, in AWS's words until then.
set -- $(new_account)
ka=$1 sa=$2 aa=$3
set -- $(new_account)
kb=$1 sb=$2 ab=$3
ca() { AWS_ACCESS_KEY_ID=$ka AWS_SECRET_ACCESS_KEY=$sa timeout 120 aws2 --endpoint-url "$E" --output json "$@" 2>&1; }
cb() { AWS_ACCESS_KEY_ID=$kb AWS_SECRET_ACCESS_KEY=$sb timeout 120 aws2 --endpoint-url "$E" --output json "$@" 2>&1; }
printf hi >"$WORK/hi.txt"
ca s3api create-bucket --bucket "share-$aa" >/dev/null
ca s3api put-object --bucket "share-$aa" --key hi.txt --body "$WORK/hi.txt" >/dev/null
out=$(cb s3api get-object --bucket "share-$aa" --key hi.txt "$WORK/got.txt")
check "AWS CLI: another account may not read a bucket its policy does not open" contains "$out" \
	"An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::$ab:root is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::share-$aa/hi.txt\" because no resource-based policy allows the s3:GetObject action"
ca s3api put-bucket-policy --bucket "share-$aa" --policy "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ab:root\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::share-$aa/*\"}]}" >/dev/null
rm -f "$WORK/got.txt"
out=$(cb s3api get-object --bucket "share-$aa" --key hi.txt "$WORK/got.txt")
check "AWS CLI: ... and may once the bucket policy names it" [ "$(cat "$WORK/got.txt" 2>/dev/null)" = hi ]
[ -f "$WORK/got.txt" ] || note "$out"
qurl=$(ca sqs create-queue --queue-name shared --query QueueUrl --output text)
out=$(cb sqs send-message --queue-url "$qurl" --message-body x)
check "AWS CLI: another account may not send to a queue without its policy" contains "$out" \
	"because no resource-based policy allows the sqs:SendMessage action"
ca sqs add-permission --queue-url "$qurl" --label b --aws-account-ids "$ab" --actions SendMessage >/dev/null
out=$(cb sqs send-message --queue-url "$qurl" --message-body x)
check "AWS CLI: ... and may after add-permission" contains "$out" '"MessageId"'
# A topic's AddPermission and RemovePermission write and remove a statement of its policy.
tarn=$(ca sns create-topic --name shared --query TopicArn --output text)
out=$(cb sns publish --topic-arn "$tarn" --message x)
check "AWS CLI: another account may not publish to a topic without its policy" contains "$out" \
	"because no resource-based policy allows the sns:Publish action"
out=$(ca sns add-permission --topic-arn "$tarn" --label b --aws-account-id "$ab" \
	--action-name Publish GetTopicAttributes)
check "AWS CLI: sns add-permission ($out)" [ -z "$out" ]
out=$(ca sns get-topic-attributes --topic-arn "$tarn" --query Attributes.Policy --output text)
check "AWS CLI: ... writes SNS's statement after the default one" contains "$out" \
	"\"AWS:SourceOwner\":\"$aa\"}}},{\"Sid\":\"b\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ab:root\"},\"Action\":[\"SNS:Publish\",\"SNS:GetTopicAttributes\"],\"Resource\":\"$tarn\"}"
out=$(cb sns publish --topic-arn "$tarn" --message x)
check "AWS CLI: ... and the other account may publish" contains "$out" '"MessageId"'
out=$(ca sns add-permission --topic-arn "$tarn" --label b --aws-account-id "$ab" --action-name Publish)
check "AWS CLI: ... a label twice: InvalidParameter" contains "$out" \
	"(InvalidParameter) when calling the AddPermission operation: Invalid parameter: Statement already exists"
out=$(ca sns add-permission --topic-arn "$tarn" --label c --aws-account-id "$ab" \
	--action-name Publish SetSubscriptionAttributes)
check "AWS CLI: ... an action out of a topic's scope: InvalidParameter" contains "$out" \
	"Invalid parameter: Policy statement action out of service scope!"
ca sns remove-permission --topic-arn "$tarn" --label b >/dev/null
out=$(cb sns publish --topic-arn "$tarn" --message x)
check "AWS CLI: sns remove-permission takes it away again" contains "$out" \
	"because no resource-based policy allows the sns:Publish action"
out=$(ca sns get-topic-attributes --topic-arn "$tarn" --query Attributes.Policy --output text)
if contains "$out" '"Sid":"b"'; then ok 1 "AWS CLI: ... and its statement is gone"; else ok 0 "AWS CLI: ... and its statement is gone"; fi

# The least-privilege report, on the learner's account.
out=$("$TUTOR" iam report no-such-fn --workspace "$WS" 2>&1)
status=$?
[ "$status" != 0 ] && contains "$out" "Function not found:" &&
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ]
ok $? "iam report of a function that does not exist fails with one line"
note "$out"
mkdir -p "$WORK/idle"
printf 'def handler(event, context):\n    return 1\n' >"$WORK/idle/app.py"
make_zip "$WORK/idle.zip" "$WORK/idle"
create_fn idle-fn python3.12 app.handler "$WORK/idle.zip" >/dev/null
out=$("$TUTOR" iam report idle-fn --workspace "$WS" 2>&1)
check "iam report of a function that made no call says so" contains "$out" "has made no AWS call"
out=$("$TUTOR" iam report idle-fn --json --workspace "$WS" 2>&1)
check "iam report --json" contains "$out" '"function":"idle-fn"'
out=$("$TUTOR" iam report 2>&1)
check "iam report without a function: a usage line" contains "$out" "which function?"

for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	# Resource-based policies (and, once, a mapping whose role changes) in both Pythons.
	if [ "$py" = python3 ]; then esm=--esm; else esm=; fi
	"$py" "$DIR/iam_boto3.py" "$E" "$WS" >"$WORK/py" 2>"$WORK/pyerr"
	status=$?
	"$py" "$DIR/iam_resource.py" "$E" "$WS" $esm >>"$WORK/py" 2>>"$WORK/pyerr" || status=1
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$py: ${line#* - }" ;;
		"not ok "*) ok 1 "$py: ${line#* - }" ;;
		"# "*) echo "$line" ;;
		esac
	done <"$WORK/py"
	[ $status = 0 ] || { ok 1 "$py exits 0"; note "$(tail -20 "$WORK/pyerr")"; }
done
finish
