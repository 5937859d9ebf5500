#!/bin/bash
# A Node.js handler using the AWS SDK v3 as AWS's runtime provides it (new S3Client({}), no
# endpoint in the code) against the local S3: put an object, read it back, list it. Skips
# when the SDK is not installed (quickstart.sh runs npm install for package.json). TAP.
#
#   s3_node.sh path/to/lambda-tutor SOURCE_ROOT
TUTOR=${1:?usage: s3_node.sh LAMBDA_TUTOR SOURCE_ROOT}
ROOT=${2:?usage: s3_node.sh LAMBDA_TUTOR SOURCE_ROOT}
if [ ! -d "$ROOT/node_modules/@aws-sdk/client-s3" ] || [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP the AWS SDK for Node.js is not installed (npm install) or no aws CLI"
	exit 0
fi
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
start_cloud
test_role
ok $? "serve starts"
mkdir -p "$WORK/node"
cat >"$WORK/node/index.mjs" <<'JS'
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";

const s3 = new S3Client({});

export const handler = async (event) => {
	await s3.send(new PutObjectCommand({ Bucket: event.bucket, Key: "from node/a.txt",
		Body: "written by node", ContentType: "text/plain" }));
	const got = await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: "from node/a.txt" }));
	const listed = await s3.send(new ListObjectsV2Command({ Bucket: event.bucket }));
	return { body: await got.Body.transformToString(), type: got.ContentType,
		keys: (listed.Contents || []).map((o) => o.Key) };
};
JS
make_zip "$WORK/node.zip" "$WORK/node"
awsl s3 mb s3://node-bucket >/dev/null
awsl lambda create-function --function-name n --runtime nodejs22.x --handler index.handler \
	--role $ROLE --zip-file "fileb://$WORK/node.zip" >/dev/null
ok $? "create a Node.js function"
awsl lambda invoke --function-name n --cli-binary-format raw-in-base64-out \
	--payload '{"bucket":"node-bucket"}' "$WORK/out.json" >"$WORK/inv.json"
json_py "$(cat "$WORK/out.json")" '
assert d["body"] == "written by node", d
assert d["type"] == "text/plain" and d["keys"] == ["from node/a.txt"], d'
ok $? "new S3Client({}) wrote, read and listed through the local S3"
note "$(cat "$WORK/out.json")"
out=$(awsl s3 cp "s3://node-bucket/from node/a.txt" -)
[ "$out" = "written by node" ]; ok $? "the object is whole for the AWS CLI too"
stop_cloud; ok $? "the cloud stops cleanly"
finish
