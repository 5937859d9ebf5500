#!/bin/sh
# What the local cloud does not serve, as a new user would ask it: services it does not offer
# and operations its services leave out, through the AWS CLI v2 (/usr/bin/aws), the AWS CLI v1
# on PATH and boto3 in both Pythons. Every answer must be an AWS error the client parses
# ("An error occurred (NotImplemented) when calling the Op operation: ... the local cloud does
# not offer ..."), never "(Unknown)", another service's error or a silent success; and asking
# changes nothing.
# Usage: cloud_unserved.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)

start_cloud || exit 1

# Each line: OPERATION, what the message names, then the CLI's arguments.
cat >"$WORK/cases" <<'EOF'
ListWorkGroups athena athena list-work-groups
ListHostedZones route53 route53 list-hosted-zones
DescribeVpcs ec2 ec2 describe-vpcs
GetDatabases glue glue get-databases
ListStateMachines states stepfunctions list-state-machines
DescribeFileSystems elasticfilesystem efs describe-file-systems
ListFleets gamelift gamelift list-fleets
ListCodeSigningConfigs ListCodeSigningConfigs lambda list-code-signing-configs
CreatePlatformApplication CreatePlatformApplication sns create-platform-application --name app --platform GCM --attributes A=B
CreateArchive CreateArchive events create-archive --archive-name a1 --event-source-arn arn:aws:events:us-east-1:123456789012:event-bus/default
CreateExportTask CreateExportTask logs create-export-task --log-group-name g --from 0 --to 1 --destination b
EOF

# cli LABEL AWS-PROGRAM: run every case through one AWS CLI.
cli() {
	label=$1
	prog=$2
	if ! "$prog" --version >/dev/null 2>&1; then
		echo "# skip $label: $prog does not run"
		return 0
	fi
	while read -r op names args; do
		# shellcheck disable=SC2086 # the arguments are words
		timeout 120 "$prog" --endpoint-url "$E" --output json $args >"$WORK/out" 2>&1
		status=$?
		out=$(cat "$WORK/out")
		[ $status != 0 ] &&
			contains "$out" "An error occurred (NotImplemented) when calling the $op operation: " &&
			contains "$out" "local cloud does not offer" && contains "$out" "$names"
		ok $? "$label: ${args%% --*} answers NotImplemented naming $names"
		[ $status != 0 ] || note "exit status 0: $out"
	done <"$WORK/cases"
}
cli "AWS CLI v2" aws2
if command -v aws >/dev/null 2>&1 && [ "$(command -v aws)" != /usr/bin/aws ]; then
	cli "AWS CLI $(aws --version 2>&1 | cut -d' ' -f1 | cut -d/ -f2)" aws
else
	echo "# skip the AWS CLI v1: none on PATH besides /usr/bin/aws"
fi

for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	"$py" "$DIR/unserved_boto3.py" "$E" "$WS" >"$WORK/py" 2>"$WORK/pyerr"
	status=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$py: ${line#* - }" ;;
		"not ok "*) ok 1 "$py: ${line#* - }" ;;
		"# "*) echo "$line" ;;
		esac
	done <"$WORK/py"
	[ $status = 0 ] || { ok 1 "$py exits 0"; note "$(cat "$WORK/pyerr")"; }
done

# Nothing was made by what was refused, and the cloud still serves.
out=$(sigcurl logs -s -X POST "$E/" -H 'X-Amz-Target: Logs_20140328.DescribeLogGroups' \
	-H 'Content-Type: application/x-amz-json-1.1' -d '{}')
check "no log group was made by the refused PutRetentionPolicy" contains "$out" '"logGroups":[]'
out=$(awsl lambda list-functions 2>&1)
check "the cloud still serves after all that" contains "$out" '"Functions": []'
finish
