#!/bin/sh
# S3 in the local cloud with the real AWS CLI: buckets, objects, listing, copies, ranges,
# keys that try to leave the bucket, AWS-shaped errors, and a large upload that streams to
# disk instead of memory.
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
start_cloud || exit 1

check "make a bucket" awsl s3 mb s3://photos
out=$(awsl s3 mb s3://Bad_Name 2>&1)
contains "$out" InvalidBucketName; ok $? "a bad bucket name is refused with InvalidBucketName"
printf 'hello\n' >"$WORK/h.txt"
check "upload with aws s3 cp" awsl s3 cp "$WORK/h.txt" "s3://photos/in/a b+c.txt"
check "upload a key with ../" awsl s3 cp "$WORK/h.txt" "s3://photos/../../outside.txt"
check "upload a key that is an absolute path" awsl s3api put-object --bucket photos \
	--key /etc/passwd-copy --body "$WORK/h.txt"
# Every file under the storage folder has a name the cloud chose; nothing left the bucket.
names=$(find "$WS/.cloud/s3" -type f | sed "s|$WS/.cloud/s3/||" | sort)
bad=$(printf '%s\n' "$names" | grep -Ev '^[0-9]{12}/photos/[0-9a-f]{32}$' || true)
[ -z "$bad" ] && [ "$(printf '%s\n' "$names" | wc -l)" = 3 ]
ok $? "objects are stored as random names inside the bucket's folder"
[ ! -e "$WS/outside.txt" ] && [ ! -e "$WS/.cloud/outside.txt" ]
ok $? "a ../ key wrote nothing outside the bucket"
out=$(awsl s3 cp "s3://photos/../../outside.txt" - 2>&1)
[ "$out" = hello ]; ok $? "the ../ key reads back as a plain key"
out=$(awsl s3 ls --recursive s3://photos/)
contains "$out" "in/a b+c.txt" && contains "$out" "../../outside.txt"
ok $? "aws s3 ls --recursive lists keys with spaces, + and ../"
out=$(awsl s3 ls s3://photos/)
contains "$out" "PRE in/"; ok $? "aws s3 ls groups by the / delimiter"
out=$(awsl s3api head-object --bucket photos --key "in/a b+c.txt")
contains "$out" '"ETag": "\"b1946ac92492d2347c6235b4d2611184\""'
ok $? "the ETag is the quoted MD5"
check "put with a type and metadata" awsl s3api put-object --bucket photos --key meta.json \
	--body "$WORK/h.txt" --content-type application/json --metadata owner=ana,step=2
out=$(awsl s3api head-object --bucket photos --key meta.json)
contains "$out" '"ContentType": "application/json"' && contains "$out" '"owner": "ana"'
ok $? "Content-Type and x-amz-meta-* are kept"
note "$out"
out=$(awsl s3api list-objects-v2 --bucket photos --max-keys 1)
contains "$out" '"IsTruncated": true' && contains "$out" NextContinuationToken
ok $? "max-keys truncates with a continuation token"
tok=$(printf '%s' "$out" | python3 -c 'import json,sys;print(json.load(sys.stdin)["NextContinuationToken"])')
out=$(awsl s3api list-objects-v2 --bucket photos --max-keys 10 --continuation-token "$tok")
n_keys=$(printf '%s' "$out" | python3 -c 'import json,sys;print(json.load(sys.stdin)["KeyCount"])')
[ "$n_keys" = 3 ]; ok $? "the continuation token resumes after the first key"
out=$(awsl s3api list-objects-v2 --bucket photos --prefix in/)
contains "$out" '"Key": "in/a b+c.txt"' && ! contains "$out" meta.json
ok $? "prefix filters the listing"
check "copy an object" awsl s3api copy-object --bucket photos --key copy.txt \
	--copy-source "photos/in/a b+c.txt"
awsl s3api get-object --bucket photos --key copy.txt --range bytes=1-3 "$WORK/part" >/dev/null
[ "$(cat "$WORK/part")" = ell ]; ok $? "a Range read returns the bytes asked for"
out=$(awsl s3api get-object --bucket photos --key nope "$WORK/x" 2>&1)
contains "$out" NoSuchKey; ok $? "a missing key is NoSuchKey"
out=$(awsl s3api get-object --bucket nobucket --key x "$WORK/x" 2>&1)
contains "$out" NoSuchBucket; ok $? "a missing bucket is NoSuchBucket"
# Object tags: x-amz-tagging on PutObject and CopyObject, and the tagging subresource.
check "put-object --tagging" awsl s3api put-object --bucket photos --key tagged.txt \
	--body "$WORK/h.txt" --tagging 'team=blue&note=a%20b'
out=$(awsl s3api get-object-tagging --bucket photos --key tagged.txt)
[ "$(printf '%s' "$out" | python3 -c 'import json,sys;print(sorted((t["Key"],t["Value"]) for t in json.load(sys.stdin)["TagSet"]))')" = "[('note', 'a b'), ('team', 'blue')]" ]
ok $? "get-object-tagging answers the header's tags, decoded"
out=$(awsl s3api get-object --bucket photos --key tagged.txt "$WORK/x")
contains "$out" '"TagCount": 2'; ok $? "get-object counts them (x-amz-tagging-count)"
awsl s3api copy-object --bucket photos --key tagged2.txt --copy-source photos/tagged.txt >/dev/null
out=$(awsl s3api get-object-tagging --bucket photos --key tagged2.txt)
contains "$out" '"team"'; ok $? "a copy keeps the tags (TaggingDirective COPY)"
awsl s3api copy-object --bucket photos --key tagged2.txt --copy-source photos/tagged.txt \
	--tagging-directive REPLACE --tagging 'only=one' >/dev/null
out=$(awsl s3api get-object-tagging --bucket photos --key tagged2.txt)
contains "$out" '"only"' && ! contains "$out" '"team"'; ok $? "... or takes the request's (REPLACE)"
check "put-object-tagging replaces the set" awsl s3api put-object-tagging --bucket photos \
	--key tagged.txt --tagging 'TagSet=[{Key=k,Value=v}]'
out=$(awsl s3api get-object-tagging --bucket photos --key tagged.txt)
contains "$out" '"k"' && ! contains "$out" '"team"'; ok $? "... as get-object-tagging shows"
many=$(python3 -c 'import json;print(json.dumps({"TagSet":[{"Key":"k%d"%i,"Value":"v"} for i in range(11)]}))')
out=$(awsl s3api put-object-tagging --bucket photos --key tagged.txt --tagging "$many" 2>&1)
contains "$out" BadRequest && contains "$out" 'cannot be greater than 10'; ok $? "11 tags: BadRequest"
out=$(awsl s3api put-object --bucket photos --key t3.txt --body "$WORK/h.txt" --tagging 'a=1&a=2' 2>&1)
contains "$out" InvalidTag; ok $? "a key twice in x-amz-tagging: InvalidTag"
out=$(awsl s3api head-object --bucket photos --key t3.txt 2>&1)
contains "$out" '(404)'; ok $? "... and nothing is stored"
check "delete-object-tagging" awsl s3api delete-object-tagging --bucket photos --key tagged.txt
out=$(awsl s3api get-object-tagging --bucket photos --key tagged.txt)
contains "$out" '"TagSet": []'; ok $? "... leaves an empty TagSet"
out=$(awsl s3api get-object-tagging --bucket photos --key nope 2>&1)
contains "$out" NoSuchKey; ok $? "the tags of a missing key: NoSuchKey"
awsl s3api delete-objects --bucket photos --delete '{"Objects":[{"Key":"tagged.txt"},{"Key":"tagged2.txt"}]}' >/dev/null
out=$(awsl s3 rb s3://photos 2>&1)
contains "$out" BucketNotEmpty; ok $? "a bucket with objects is not deleted"
out=$(sigcurl s3 -s -X PUT --data-binary '<NotificationConfiguration><bad' "$E/photos?notification=")
contains "$out" "<Code>MalformedXML</Code>"; ok $? "malformed XML gets MalformedXML"

# A large single PUT streams to disk: the cloud's peak memory stays far below the body.
MB=${S3_BIG_MB:-300}
hwm_before=$(awk '/VmHWM/ {print $2}' "/proc/$CLOUD_PID/status")
head -c $((MB * 1024 * 1024)) /dev/zero | sigcurl s3 -s -o /dev/null -w '%{http_code}' -X PUT \
	-H 'Content-Type: application/octet-stream' -T - "$E/photos/big.bin" >"$WORK/code"
[ "$(cat "$WORK/code")" = 200 ]; ok $? "a ${MB} MB upload (chunked, no length) is accepted"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$CLOUD_PID/status")
[ $((hwm - hwm_before)) -lt 65536 ]
ok $? "the cloud's peak memory grew by less than 64 MB ($(((hwm - hwm_before) / 1024)) MB)"
out=$(awsl s3api head-object --bucket photos --key big.bin)
contains "$out" "\"ContentLength\": $((MB * 1024 * 1024))"; ok $? "the stored size is whole"
size=$(sigcurl s3 -s "$E/photos/big.bin" | wc -c)
[ "$size" = $((MB * 1024 * 1024)) ]; ok $? "the large object reads back whole"
ls "$WS/.cloud/s3/.spool" | grep -q . && spool=1 || spool=0
[ $spool = 0 ]; ok $? "no spooled body is left behind"

# aws s3 cp splits files over 8 MB into a multipart upload and reads them back in ranges.
head -c 20000000 /dev/urandom >"$WORK/multi"
check "aws s3 cp of a 20 MB file (multipart upload)" awsl s3 cp --only-show-errors \
	"$WORK/multi" s3://photos/multi.bin
awsl s3 cp --only-show-errors s3://photos/multi.bin "$WORK/multi.back"
cmp -s "$WORK/multi" "$WORK/multi.back"; ok $? "it downloads (ranged GETs) byte for byte"
out=$(awsl s3api head-object --bucket photos --key multi.bin)
contains "$out" '-3\""'; ok $? "a multipart ETag names its part count"
# Copying it S3 to S3 is a multipart upload of UploadPartCopy parts (each a range of it).
check "aws s3 cp of the 20 MB object to another key (UploadPartCopy)" awsl s3 cp \
	--only-show-errors s3://photos/multi.bin s3://photos/multi-copy.bin
awsl s3 cp --only-show-errors s3://photos/multi-copy.bin "$WORK/multi.copy"
cmp -s "$WORK/multi" "$WORK/multi.copy"; ok $? "the copy is the object byte for byte"
awsl s3 rm --only-show-errors s3://photos/multi-copy.bin
uid=$(awsl s3api create-multipart-upload --bucket photos --key part.bin --query UploadId --output text)
out=$(awsl s3api upload-part-copy --bucket photos --key part.bin --upload-id "$uid" --part-number 1 \
	--copy-source photos/multi.bin --copy-source-range bytes=0-9 --query CopyPartResult.ETag \
	--output text 2>&1)
[ "$out" = "\"$(head -c 10 "$WORK/multi" | md5sum | cut -d' ' -f1)\"" ]
ok $? "upload-part-copy of a range: the part is those bytes (its ETag their MD5)" || note "$out"
out=$(awsl s3api upload-part-copy --bucket photos --key part.bin --upload-id "$uid" --part-number 2 \
	--copy-source photos/multi.bin --copy-source-range bytes=0-20000000 2>&1)
contains "$out" InvalidRange; ok $? "a range past the source's end is InvalidRange" || note "$out"
out=$(awsl s3api upload-part-copy --bucket photos --key part.bin --upload-id "$uid" --part-number 2 \
	--copy-source photos/multi.bin --copy-source-if-match '"0123"' 2>&1)
contains "$out" PreconditionFailed; ok $? "a source whose ETag changed is PreconditionFailed" || note "$out"
out=$(awsl s3api upload-part-copy --bucket photos --key part.bin --upload-id "$uid" --part-number 2 \
	--copy-source photos/multi.bin --expected-source-bucket-owner 999999999999 2>&1)
contains "$out" AccessDenied; ok $? "another source bucket owner expected is AccessDenied" || note "$out"
awsl s3api abort-multipart-upload --bucket photos --key part.bin --upload-id "$uid"
out=$(sigcurl s3 -s -H 'Range: bytes=19999990-' "$E/photos/multi.bin" | wc -c)
[ "$out" = 10 ]; ok $? "an open-ended Range reads to the end"
out=$(sigcurl s3 -s -X PUT --data x "$E/photos/k?partNumber=1&uploadId=nope")
contains "$out" NoSuchUpload; ok $? "a part for an unknown upload is NoSuchUpload"
# A part under 5 MB that is not the last is refused when the upload completes.
uid=$(awsl s3api create-multipart-upload --bucket photos --key small.bin --query UploadId --output text)
e1=$(awsl s3api upload-part --bucket photos --key small.bin --upload-id "$uid" --part-number 1 \
	--body "$WORK/h.txt" --query ETag --output text | tr -d '"')
e2=$(awsl s3api upload-part --bucket photos --key small.bin --upload-id "$uid" --part-number 2 \
	--body "$WORK/h.txt" --query ETag --output text | tr -d '"')
out=$(awsl s3api complete-multipart-upload --bucket photos --key small.bin --upload-id "$uid" \
	--multipart-upload "{\"Parts\":[{\"PartNumber\":1,\"ETag\":\"$e1\"},{\"PartNumber\":2,\"ETag\":\"$e2\"}]}" 2>&1)
contains "$out" EntityTooSmall; ok $? "a small part that is not the last is EntityTooSmall" || note "$out"
# A header the cloud would not act on is refused, not dropped.
out=$(awsl s3api put-object --bucket photos --key acl.txt --body "$WORK/h.txt" --acl public-read 2>&1)
contains "$out" NotImplemented && contains "$out" "PutObject with ACL"
ok $? "put-object --acl is refused (NotImplemented), naming ACL" || note "$out"
out=$(awsl s3api head-object --bucket photos --key acl.txt 2>&1)
contains "$out" "Not Found"; ok $? "... and nothing was stored" || note "$out"
# ... but its default, what S3 does anyway, is served.
check "put-object --acl bucket-owner-full-control, S3's default, is served" awsl s3api put-object \
	--bucket photos --key acl.txt --body "$WORK/h.txt" --acl bucket-owner-full-control
# Checksums and encryption through boto3, in each Python that has it (the newer botocore sends a
# CRC32 with every upload by itself).
for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	"$py" "$(dirname "$0")/s3_checksums.py" "$E" "$(echo "$py" | tr -c 'a-z0-9' '-')" \
		>"$WORK/sums" 2>&1
	status=$?
	grep -E '^(ok|not ok) ' "$WORK/sums" | while IFS= read -r line; do
		case "$line" in
		"ok "*) echo "ok $py: ${line#* - }" ;;
		*) echo "not ok $py: ${line#* - }" ;;
		esac
	done >"$WORK/sums.tap"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "${line#ok }" ;;
		*) ok 1 "${line#not ok }" ;;
		esac
	done <"$WORK/sums.tap"
	[ $status = 0 ] || { ok 1 "$py s3_checksums.py exits 0"; note "$(tail -20 "$WORK/sums")"; }
done
check "aws s3 rm --recursive empties the bucket" awsl s3 rm --recursive s3://photos
check "aws s3 rb removes it" awsl s3 rb s3://photos
out=$(awsl s3 ls 2>&1)
! contains "$out" photos; ok $? "the bucket is gone from ListBuckets"
stop_cloud; ok $? "the cloud stops cleanly"
finish
