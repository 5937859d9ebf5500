#!/bin/sh
# A bucket's own configurations in the local S3 with both AWS CLIs (the 1.x first on PATH and
# Debian's 2.x): versioning (versions, delete markers, ListObjectVersions, reads and deletes by
# VersionId, Suspended's "null" version), default encryption applied to uploads, the public
# access block new buckets get (BlockPublicPolicy refusing a public policy) and bucket tags,
# each with S3's errors; then the same through boto3 in each Python (s3_versions.py).
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
start_cloud || exit 1
printf 'one\n' >"$WORK/one.txt"
printf 'two\n' >"$WORK/two.txt"

for cli in aws aws2; do
	command -v "$cli" >/dev/null 2>&1 || { echo "# skip $cli: not installed"; continue; }
	c() { "$cli" --endpoint-url "$E" --output json "$@"; }
	b=conf-$cli
	check "$cli: make a bucket" c s3api create-bucket --bucket "$b"

	# Versioning.
	out=$(c s3api get-bucket-versioning --bucket "$b")
	! contains "$out" Status; ok $? "$cli: a new bucket has never been versioned" || note "$out"
	check "$cli: enable versioning" c s3api put-bucket-versioning --bucket "$b" \
		--versioning-configuration Status=Enabled
	out=$(c s3api get-bucket-versioning --bucket "$b")
	contains "$out" '"Status": "Enabled"'; ok $? "$cli: versioning reads back Enabled" || note "$out"
	! contains "$out" MFADelete; ok $? "$cli: MFADelete is not answered, never configured" || note "$out"
	v1=$(c s3api put-object --bucket "$b" --key doc --body "$WORK/one.txt" --query VersionId --output text)
	v2=$(c s3api put-object --bucket "$b" --key doc --body "$WORK/two.txt" --query VersionId --output text)
	[ -n "$v1" ] && [ "$v1" != null ] && [ "$v1" != None ] && [ "$v1" != "$v2" ]
	ok $? "$cli: each PUT makes a version of its own ($v1, $v2)"
	c s3api get-object --bucket "$b" --key doc "$WORK/got" >/dev/null
	[ "$(cat "$WORK/got")" = two ]; ok $? "$cli: a read without VersionId gets the newest"
	c s3api get-object --bucket "$b" --key doc --version-id "$v1" "$WORK/got" >/dev/null
	[ "$(cat "$WORK/got")" = one ]; ok $? "$cli: --version-id reads the older version"
	out=$(c s3api delete-object --bucket "$b" --key doc)
	contains "$out" '"DeleteMarker": true'; ok $? "$cli: a delete makes a delete marker" || note "$out"
	marker=$(json_field "$out" VersionId)
	out=$(c s3api get-object --bucket "$b" --key doc "$WORK/got" 2>&1)
	contains "$out" NoSuchKey; ok $? "$cli: behind a delete marker the key is NoSuchKey" || note "$out"
	out=$(c s3api get-object --bucket "$b" --key doc --version-id "$marker" "$WORK/got" 2>&1)
	contains "$out" MethodNotAllowed; ok $? "$cli: reading the marker itself is MethodNotAllowed" || note "$out"
	out=$(c s3api get-object --bucket "$b" --key doc --version-id 0123456789abcdef0123456789abcdef "$WORK/got" 2>&1)
	contains "$out" NoSuchVersion; ok $? "$cli: a version that is not there is NoSuchVersion" || note "$out"
	out=$(c s3api get-object --bucket "$b" --key doc --version-id not-an-id "$WORK/got" 2>&1)
	contains "$out" InvalidArgument && contains "$out" "Invalid version id specified"
	ok $? "$cli: a malformed version id is InvalidArgument" || note "$out"
	out=$(c s3api list-objects-v2 --bucket "$b")
	! contains "$out" '"Key": "doc"'; ok $? "$cli: ListObjectsV2 leaves a deleted key out" || note "$out"
	out=$(c s3api list-object-versions --bucket "$b")
	listed=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d.get("Versions",[])), len(d.get("DeleteMarkers",[])), [v["IsLatest"] for v in d["Versions"]], d["DeleteMarkers"][0]["IsLatest"], d["DeleteMarkers"][0]["VersionId"]==sys.argv[1])' "$marker")
	[ "$listed" = "2 1 [False, False] True True" ]
	ok $? "$cli: ListObjectVersions lists two versions and the marker, the marker latest" || note "$listed" "$out"
	out=$(c s3api list-object-versions --bucket "$b" --max-items 1 2>&1)
	contains "$out" NextToken; ok $? "$cli: ListObjectVersions pages" || note "$out"
	check "$cli: deleting the marker by its VersionId" c s3api delete-object --bucket "$b" --key doc --version-id "$marker"
	c s3api get-object --bucket "$b" --key doc "$WORK/got" >/dev/null
	[ "$(cat "$WORK/got")" = two ]; ok $? "$cli: ... brings the newest version back"
	out=$(c s3api delete-bucket --bucket "$b" 2>&1)
	contains "$out" BucketNotEmpty; ok $? "$cli: a bucket holding versions is not empty" || note "$out"
	check "$cli: suspend versioning" c s3api put-bucket-versioning --bucket "$b" \
		--versioning-configuration Status=Suspended
	c s3api put-object --bucket "$b" --key doc --body "$WORK/one.txt" >/dev/null
	c s3api put-object --bucket "$b" --key doc --body "$WORK/one.txt" >/dev/null
	out=$(c s3api list-object-versions --bucket "$b" --prefix doc --query 'Versions[].VersionId' --output text)
	[ "$(printf '%s' "$out" | tr '\t' '\n' | sort | tr '\n' ' ')" = "$(printf '%s\n' "$v1" "$v2" null | sort | tr '\n' ' ')" ]
	ok $? "$cli: Suspended keeps one \"null\" version beside the older ones" || note "$out"
	out=$(c s3api put-bucket-versioning --bucket "$b" --versioning-configuration Status=Off 2>&1)
	contains "$out" MalformedXML; ok $? "$cli: a status that is not Enabled or Suspended is MalformedXML" || note "$out"

	# Default encryption.
	out=$(c s3api get-bucket-encryption --bucket "$b")
	contains "$out" '"SSEAlgorithm": "AES256"'; ok $? "$cli: a bucket's default encryption is SSE-S3" || note "$out"
	check "$cli: default encryption aws:kms" c s3api put-bucket-encryption --bucket "$b" \
		--server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},"BucketKeyEnabled":true}]}'
	out=$(c s3api put-object --bucket "$b" --key enc --body "$WORK/one.txt")
	contains "$out" '"ServerSideEncryption": "aws:kms"' && contains "$out" ':key/'
	ok $? "$cli: an upload that asks for nothing gets the bucket's aws:kms" || note "$out"
	out=$(c s3api head-object --bucket "$b" --key enc)
	contains "$out" '"ServerSideEncryption": "aws:kms"'; ok $? "$cli: ... and reads back so" || note "$out"
	out=$(c s3api put-object --bucket "$b" --key plain --body "$WORK/one.txt" --server-side-encryption AES256)
	contains "$out" '"ServerSideEncryption": "AES256"'; ok $? "$cli: an upload that asks for AES256 keeps it" || note "$out"
	out=$(c s3api put-bucket-encryption --bucket "$b" \
		--server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256","KMSMasterKeyID":"k"}}]}' 2>&1)
	contains "$out" InvalidArgument; ok $? "$cli: a KMS key with AES256 is InvalidArgument" || note "$out"
	check "$cli: delete the default encryption" c s3api delete-bucket-encryption --bucket "$b"
	out=$(c s3api put-object --bucket "$b" --key enc2 --body "$WORK/one.txt")
	contains "$out" '"ServerSideEncryption": "AES256"'; ok $? "$cli: ... and uploads are SSE-S3 again" || note "$out"

	# Public access block.
	out=$(c s3api get-public-access-block --bucket "$b")
	contains "$out" '"BlockPublicPolicy": true' && contains "$out" '"RestrictPublicBuckets": true'
	ok $? "$cli: a new bucket blocks public access" || note "$out"
	policy="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::$b/*\"}]}"
	out=$(c s3api put-bucket-policy --bucket "$b" --policy "$policy" 2>&1)
	contains "$out" AccessDenied && contains "$out" BlockPublicPolicy
	ok $? "$cli: BlockPublicPolicy refuses a public policy" || note "$out"
	check "$cli: delete the public access block" c s3api delete-public-access-block --bucket "$b"
	out=$(c s3api get-public-access-block --bucket "$b" 2>&1)
	contains "$out" NoSuchPublicAccessBlockConfiguration; ok $? "$cli: ... then there is none" || note "$out"
	check "$cli: ... and the public policy is taken" c s3api put-bucket-policy --bucket "$b" --policy "$policy"
	check "$cli: a block of one setting" c s3api put-public-access-block --bucket "$b" \
		--public-access-block-configuration BlockPublicAcls=true
	out=$(c s3api get-public-access-block --bucket "$b")
	contains "$out" '"BlockPublicAcls": true' && contains "$out" '"BlockPublicPolicy": false'
	ok $? "$cli: settings left out are false" || note "$out"

	# Tags.
	out=$(c s3api get-bucket-tagging --bucket "$b" 2>&1)
	contains "$out" NoSuchTagSet; ok $? "$cli: a bucket without tags is NoSuchTagSet" || note "$out"
	check "$cli: tag the bucket" c s3api put-bucket-tagging --bucket "$b" \
		--tagging 'TagSet=[{Key=team,Value=blue},{Key=stage,Value=dev}]'
	out=$(c s3api get-bucket-tagging --bucket "$b")
	contains "$out" '"Key": "team"' && contains "$out" '"Value": "dev"'
	ok $? "$cli: the tags read back" || note "$out"
	out=$(c s3api put-bucket-tagging --bucket "$b" --tagging 'TagSet=[{Key=aws:x,Value=y}]' 2>&1)
	contains "$out" InvalidTag; ok $? "$cli: an aws: key is InvalidTag" || note "$out"
	out=$(c s3api put-bucket-tagging --bucket "$b" --tagging 'TagSet=[{Key=a,Value=1},{Key=a,Value=2}]' 2>&1)
	contains "$out" InvalidTag; ok $? "$cli: a key given twice is InvalidTag" || note "$out"
	check "$cli: delete the tags" c s3api delete-bucket-tagging --bucket "$b"
	out=$(c s3api get-bucket-tagging --bucket "$b" 2>&1)
	contains "$out" NoSuchTagSet; ok $? "$cli: ... and they are gone" || note "$out"

	# Emptying a versioned bucket takes every version and marker, as with AWS.
	c s3api list-object-versions --bucket "$b" --output json | python3 -c '
import json, sys
d = json.load(sys.stdin)
objs = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in d.get("Versions", []) + d.get("DeleteMarkers", [])]
print(json.dumps({"Objects": objs, "Quiet": True}))' >"$WORK/del.json"
	check "$cli: delete every version" c s3api delete-objects --bucket "$b" --delete "file://$WORK/del.json"
	check "$cli: the bucket can go" c s3api delete-bucket --bucket "$b"
done

# boto3, in each Python that has it.
for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	"$py" "$(dirname "$0")/s3_versions.py" "$E" "$(echo "$py" | tr -c 'a-z0-9' '-')" \
		>"$WORK/py" 2>&1
	status=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$py: ${line#* - }" ;;
		"not ok "*) ok 1 "$py: ${line#* - }" ;;
		esac
	done <"$WORK/py"
	[ $status = 0 ] || { ok 1 "$py s3_versions.py exits 0"; note "$(tail -20 "$WORK/py")"; }
done
# A stack's versioned bucket that still holds versions fails to delete, named once.
printf 'Resources:\n  Bkt:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: cfn-kept\n      VersioningConfiguration: {Status: Enabled}\n' \
	>"$WORK/stack.yaml"
check "a stack with a versioned bucket deploys" awsl cloudformation deploy --stack-name kept \
	--template-file "$WORK/stack.yaml"
awsl s3api put-object --bucket cfn-kept --key k --body "$WORK/one.txt" >/dev/null
awsl s3api delete-object --bucket cfn-kept --key k >/dev/null
awsl cloudformation delete-stack --stack-name kept
for _ in $(seq 60); do
	out=$(awsl cloudformation describe-stacks --stack-name kept \
		--query 'Stacks[0].[StackStatus,StackStatusReason]' --output text 2>&1)
	contains "$out" IN_PROGRESS || break
	sleep 0.5
done
[ "$out" = "$(printf 'DELETE_FAILED\tThe following resource(s) failed to delete: [Bkt]. ')" ]
ok $? "the bucket that failed to delete is named once" || note "$out"
stop_cloud; ok $? "the cloud stops cleanly"
finish
