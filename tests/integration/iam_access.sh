#!/bin/sh
# What decides a principal's access beyond its own policies, as learners reach it: the AWS
# CLI v2 (an access key made inactive, a group and its policy, tags on a role, a permissions
# boundary, the policy simulator), then every operation through boto3 in both Pythons
# (iam_access.py), each in a fresh account of its own.
# Usage: iam_access.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)

start_cloud || exit 1

set -- $(new_account)
k=$1 s=$2 acct=$3
c() { AWS_ACCESS_KEY_ID=$k AWS_SECRET_ACCESS_KEY=$s timeout 120 aws2 --endpoint-url "$E" --output json "$@" 2>&1; }
c iam create-user --user-name dev >/dev/null
set -- $(c iam create-access-key --user-name dev --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
dk=$1 ds=$2
d() { AWS_ACCESS_KEY_ID=$dk AWS_SECRET_ACCESS_KEY=$ds timeout 120 aws2 --endpoint-url "$E" --output json "$@" 2>&1; }

out=$(c iam update-access-key --user-name dev --access-key-id "$dk" --status Inactive)
check "update-access-key --status Inactive ($out)" [ -z "$out" ]
out=$(d sts get-caller-identity)
check "an inactive key is refused as AWS refuses it" contains "$out" \
	"An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid."
c iam update-access-key --user-name dev --access-key-id "$dk" --status Active >/dev/null
out=$(d sts get-caller-identity)
check "... and works again once Active" contains "$out" "\"Arn\": \"arn:aws:iam::$acct:user/dev\""

out=$(d sqs list-queues)
check "a user without a policy may not list queues" contains "$out" \
	"because no identity-based policy allows the sqs:ListQueues action"
c iam create-group --group-name devs >/dev/null
c iam add-user-to-group --group-name devs --user-name dev >/dev/null
c iam put-group-policy --group-name devs --policy-name q --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ListQueues","sqs:CreateQueue"],"Resource":"*"}]}' >/dev/null
out=$(c iam get-group --group-name devs)
check "create-group, add-user-to-group: get-group lists the user" contains "$out" '"UserName": "dev"'
out=$(d sqs list-queues)
check "... whose group's policy now lets it list queues ($out)" [ -z "$out" ]
out=$(c iam list-groups-for-user --user-name dev --query 'Groups[].GroupName' --output text)
check "list-groups-for-user" [ "$out" = devs ]

c iam create-role --role-name tagged --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
c iam tag-role --role-name tagged --tags Key=team,Value=blue >/dev/null
out=$(c iam list-role-tags --role-name tagged --query 'Tags[0].[Key,Value]' --output text)
check "tag-role, list-role-tags" [ "$out" = "team	blue" ]

c iam attach-user-policy --user-name dev --policy-arn arn:aws:iam::aws:policy/AdministratorAccess >/dev/null
c iam put-user-permissions-boundary --user-name dev \
	--permissions-boundary arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess >/dev/null
out=$(d sqs create-queue --queue-name q)
check "put-user-permissions-boundary: an administrator capped to S3 reads may not create a queue" \
	contains "$out" "An error occurred (AccessDenied) when calling the CreateQueue operation: User: arn:aws:iam::$acct:user/dev is not authorized to perform: sqs:CreateQueue on resource: arn:aws:sqs:us-east-1:$acct:q because no permissions boundary allows the sqs:CreateQueue action"
out=$(c iam simulate-principal-policy --policy-source-arn "arn:aws:iam::$acct:user/dev" \
	--action-names sqs:CreateQueue s3:GetObject --query 'EvaluationResults[].EvalDecision' --output text)
check "simulate-principal-policy answers as the cloud enforces ($out)" [ "$out" = "implicitDeny	allowed" ]
c iam delete-user-permissions-boundary --user-name dev >/dev/null
out=$(d sqs create-queue --queue-name q)
check "delete-user-permissions-boundary: it may again" contains "$out" '"QueueUrl"'
out=$(c iam simulate-custom-policy --action-names s3:PutObject --resource-arns 'arn:aws:s3:::b/k' \
	--policy-input-list '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}' \
	--query 'EvaluationResults[0].[EvalDecision,MatchedStatements[0].SourcePolicyId]' --output text)
check "simulate-custom-policy: an explicit deny and the policy that holds it ($out)" \
	[ "$out" = "explicitDeny	PolicyInputList.1" ]

for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	"$py" "$DIR/iam_access.py" "$E" "$WS" >"$WORK/py" 2>"$WORK/pyerr"
	status=$?
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
