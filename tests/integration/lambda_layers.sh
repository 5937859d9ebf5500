#!/bin/sh
# Lambda layers through both AWS CLIs: publish, read, list, share and delete layer versions;
# functions in Python, Node.js and a custom runtime that find their layers' files under /opt
# in the order they list them (sys.path, NODE_PATH, PATH, LD_LIBRARY_PATH, /opt/bootstrap);
# Lambda's errors for bad Layers; a deleted version keeps serving the functions that use it;
# another account uses a layer once its policy allows. Usage: lambda_layers.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"

if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud || exit 1
test_role
command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1' && HAVE_V1=1 || HAVE_V1=
L="awsl lambda"
py_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Two layers: A (a Python module, a Node.js package, a program in bin/), then B, whose
# shared_util.py replaces A's when a function lists B after A.
mkdir -p "$WORK/a/python" "$WORK/a/bin" "$WORK/a/nodejs/node_modules/shared" "$WORK/b/python"
echo "VALUE = 'a'" >"$WORK/a/python/shared_util.py"
printf '#!/bin/sh\necho hello-from-layer\n' >"$WORK/a/bin/hello"
chmod +x "$WORK/a/bin/hello"
echo "exports.who = () => 'layer-a';" >"$WORK/a/nodejs/node_modules/shared/index.js"
echo "VALUE = 'b'" >"$WORK/b/python/shared_util.py"
make_zip "$WORK/a.zip" "$WORK/a"
make_zip "$WORK/b.zip" "$WORK/b"

out=$($L publish-layer-version --layer-name shared --zip-file "fileb://$WORK/a.zip" \
	--compatible-runtimes python3.12 nodejs20.x --compatible-architectures x86_64 \
	--description "utilities" --license-info MIT 2>&1)
if contains "$out" "NotImplemented"; then
	note "$out"
	echo "1..0 # SKIP the cloud's router does not serve Lambda's table operations yet"
	exit 0
fi
A1=$(printf '%s' "$out" | py_get 'd["LayerVersionArn"]' 2>/dev/null)
case "$A1" in *":layer:shared:1") ok 0 "publish-layer-version: version 1" ;; *)
	note "$out"
	ok 1 "publish-layer-version: version 1"
	;;
esac
ACCT=$(printf '%s' "$A1" | cut -d: -f5)
contains "$out" '"CodeSha256": "'
ok $? "the version's CodeSha256"
contains "$out" "/_tutor/layer/$ACCT/shared/1"
ok $? "Content.Location serves the zip"
loc=$(printf '%s' "$out" | py_get 'd["Content"]["Location"]')
curl -sf "$loc" -o "$WORK/got.zip" && cmp -s "$WORK/got.zip" "$WORK/a.zip"
ok $? "the zip at Content.Location is the one published"
out=$($L publish-layer-version --layer-name shared-b --zip-file "fileb://$WORK/b.zip" 2>&1)
B1=$(printf '%s' "$out" | py_get 'd["LayerVersionArn"]' 2>/dev/null)
ok $? "publish a second layer"

out=$($L get-layer-version --layer-name shared --version-number 1 2>&1)
contains "$out" '"LicenseInfo": "MIT"' && contains "$out" '"python3.12"'
ok $? "get-layer-version"
out=$($L get-layer-version-by-arn --arn "$A1" 2>&1)
contains "$out" '"Version": 1'
ok $? "get-layer-version-by-arn"
out=$($L get-layer-version --layer-name shared --version-number 9 2>&1)
contains "$out" "ResourceNotFoundException" && contains "$out" "The resource you requested does not exist."
ok $? "a missing version: ResourceNotFoundException"
out=$($L get-layer-version --layer-name shared --version-number 0 2>&1)
contains "$out" "Layer Version Cannot be less than 1"
ok $? "version 0: Lambda's error"
out=$($L list-layers --compatible-runtime nodejs20.x 2>&1)
contains "$out" '"LayerName": "shared"' && ! contains "$out" '"shared-b"'
ok $? "list-layers filters by runtime"
out=$($L list-layer-versions --layer-name shared 2>&1)
contains "$out" "$A1"
ok $? "list-layer-versions"

# Permissions.
out=$($L get-layer-version-policy --layer-name shared --version-number 1 2>&1)
contains "$out" "No policy is associated with the given resource."
ok $? "no policy yet"
out=$($L add-layer-version-permission --layer-name shared --version-number 1 \
	--statement-id all --action lambda:GetLayerVersion --principal '*' 2>&1)
contains "$out" '\"Principal\":\"*\"'
ok $? "add-layer-version-permission: everyone"
out=$($L add-layer-version-permission --layer-name shared --version-number 1 \
	--statement-id all --action lambda:GetLayerVersion --principal '*' 2>&1)
contains "$out" "ResourceConflictException" && contains "$out" "The statement id (all) provided already exists"
ok $? "the same statement id again: ResourceConflictException"
out=$($L add-layer-version-permission --layer-name shared --version-number 1 \
	--statement-id one --action lambda:GetLayerVersion --principal 210987654321 2>&1)
contains "$out" '\"AWS\":\"arn:aws:iam::210987654321:root\"'
ok $? "an account as principal"
out=$($L get-layer-version-policy --layer-name shared --version-number 1 2>&1)
contains "$out" '\"Sid\":\"all\"' && contains "$out" '\"Sid\":\"one\"'
ok $? "get-layer-version-policy: both statements"
check "remove-layer-version-permission" $L remove-layer-version-permission --layer-name shared \
	--version-number 1 --statement-id one
out=$($L remove-layer-version-permission --layer-name shared --version-number 1 \
	--statement-id one 2>&1)
contains "$out" "Statement one is not found in resource policy."
ok $? "removing it again: not found"

# A Python function with both layers, B after A.
mkdir -p "$WORK/fpy"
cat >"$WORK/fpy/app.py" <<'EOF'
import json, os, subprocess, sys
import shared_util
def handler(event, context):
    return {"value": shared_util.VALUE,
            "path": [p for p in sys.path if "/opt" in p or "opt-" in p][:2],
            "hello": subprocess.run(["hello"], capture_output=True, text=True).stdout.strip(),
            "ld": os.environ.get("LD_LIBRARY_PATH", "")}
EOF
make_zip "$WORK/fpy.zip" "$WORK/fpy"
out=$($L create-function --function-name py --runtime python3.12 --handler app.handler \
	--role $ROLE --zip-file "fileb://$WORK/fpy.zip" --layers "$A1" "$B1" 2>&1)
contains "$out" "\"Arn\": \"$A1\"" && contains "$out" "\"Arn\": \"$B1\""
ok $? "create-function with two layers: Layers in its configuration"
$L invoke --function-name py "$WORK/py.json" >/dev/null 2>&1
out=$(cat "$WORK/py.json")
contains "$out" '"value": "b"'
ok $? "the later layer's file wins: $out"
contains "$out" 'python/lib/python3' && contains "$out" '"hello": "hello-from-layer"'
ok $? "sys.path has the layers' python folders, PATH their bin"
contains "$out" '/opt/lib' || contains "$out" 'opt-'
ok $? "LD_LIBRARY_PATH ends with the layers' lib"

# A Node.js function: require() finds the layer's package.
mkdir -p "$WORK/fnode"
echo "const s = require('shared'); exports.handler = async () => ({ who: s.who() });" \
	>"$WORK/fnode/index.js"
make_zip "$WORK/fnode.zip" "$WORK/fnode"
check "create-function (Node.js, one layer)" $L create-function --function-name nd \
	--runtime nodejs22.x --handler index.handler --role $ROLE \
	--zip-file "fileb://$WORK/fnode.zip" --layers "$A1"
$L invoke --function-name nd "$WORK/nd.json" >/dev/null 2>&1
contains "$(cat "$WORK/nd.json")" '"who":"layer-a"'
ok $? "Node.js requires the layer's package: $(cat "$WORK/nd.json")"

# A custom runtime whose bootstrap comes from a layer.
mkdir -p "$WORK/rt" "$WORK/crt"
cat >"$WORK/rt/bootstrap" <<'EOF'
#!/bin/sh
set -eu
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
	h=$(mktemp)
	event=$(curl -sS -D "$h" "$api/invocation/next")
	id=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$h" | tr -d '\r' | cut -d' ' -f2)
	rm -f "$h"
	. "$LAMBDA_TASK_ROOT/function.sh"
	curl -sS -X POST "$api/invocation/$id/response" -d "$(handle "$event")" >/dev/null
done
EOF
chmod +x "$WORK/rt/bootstrap"
echo 'handle() { printf "{\"echo\": %s}" "$1"; }' >"$WORK/crt/function.sh"
make_zip "$WORK/rt.zip" "$WORK/rt"
make_zip "$WORK/crt.zip" "$WORK/crt"
R1=$($L publish-layer-version --layer-name shell-runtime --zip-file "fileb://$WORK/rt.zip" \
	--compatible-runtimes provided.al2023 --query LayerVersionArn --output text 2>&1)
check "create-function (provided.al2023, bootstrap in a layer)" $L create-function \
	--function-name sh --runtime provided.al2023 --handler function.handle --role $ROLE \
	--zip-file "fileb://$WORK/crt.zip" --layers "$R1"
$L invoke --function-name sh --cli-binary-format raw-in-base64-out --payload '{"n":7}' \
	"$WORK/sh.json" >/dev/null 2>&1
contains "$(cat "$WORK/sh.json")" '"echo": {"n":7}'
ok $? "the layer's /opt/bootstrap serves: $(cat "$WORK/sh.json")"

# Bad Layers, as Lambda words them.
bad() { # bad DESCRIPTION NEEDLE LAYER-ARNS...
	desc=$1 needle=$2
	shift 2
	out=$($L create-function --function-name bad --runtime python3.12 --handler app.handler \
		--role $ROLE --zip-file "fileb://$WORK/fpy.zip" --layers "$@" 2>&1)
	if contains "$out" "$needle"; then
		ok 0 "$desc"
	else
		ok 1 "$desc"
		note "$out"
	fi
}
bad "six layers" "Cannot reference more than 5 layers." "$A1" "$B1" "$R1" \
	"${A1%:1}:2" "${A1%:1}:3" "${A1%:1}:4"
bad "two versions of one layer" "are versions of the same layer." "$A1" "$A1"
bad "a version that does not exist" "Layer version ${A1%:1}:9 does not exist." "${A1%:1}:9"
bad "a layer ARN without its version" "at 'layers' failed to satisfy constraint" "${A1%:1}"
bad "another region" "Layers are not in the same region as the function." \
	"$(printf '%s' "$A1" | sed 's/us-east-1/eu-west-1/')"
out=$($L get-function --function-name bad 2>&1)
contains "$out" "ResourceNotFoundException"
ok $? "a refused function is not created"

# Deleting a version: gone from the lists, still there for the functions using it.
check "delete-layer-version" $L delete-layer-version --layer-name shared --version-number 1
check "deleting it again succeeds" $L delete-layer-version --layer-name shared --version-number 1
out=$($L list-layer-versions --layer-name shared 2>&1)
contains "$out" '"LayerVersions": []'
ok $? "the deleted version is not listed"
check "update-function-configuration (a new environment)" $L update-function-configuration \
	--function-name py --environment 'Variables={STAGE=two}'
$L invoke --function-name py "$WORK/py2.json" >/dev/null 2>&1
contains "$(cat "$WORK/py2.json")" '"value": "b"'
ok $? "the function keeps its layers' files"
out=$($L publish-layer-version --layer-name shared --zip-file "fileb://$WORK/a.zip" \
	--query Version 2>&1)
[ "$out" = 2 ]
ok $? "numbers are not reused: the next version is 2 ($out)"

# Another account: refused, then allowed by the layer's policy.
okeys=$(new_account)
OKEY=$(echo "$okeys" | cut -d' ' -f1)
OSECRET=$(echo "$okeys" | cut -d' ' -f2)
other() { AWS_ACCESS_KEY_ID=$OKEY AWS_SECRET_ACCESS_KEY=$OSECRET awsl lambda "$@"; }
# Its functions run with an execution role of its own account's, as Lambda wants.
OROLE=$(
	export AWS_ACCESS_KEY_ID=$OKEY AWS_SECRET_ACCESS_KEY=$OSECRET
	make_role other-role
)
mkdir -p "$WORK/fimp"
printf 'import shared_util\ndef handler(event, context):\n    return {"value": shared_util.VALUE}\n' \
	>"$WORK/fimp/app.py"
make_zip "$WORK/fimp.zip" "$WORK/fimp"
out=$(other create-function --function-name xa --runtime python3.12 --handler app.handler \
	--role "$OROLE" --zip-file "fileb://$WORK/fpy.zip" --layers "$B1" 2>&1)
contains "$out" "AccessDeniedException"
ok $? "another account may not use a private layer"
check "share it with everyone" $L add-layer-version-permission --layer-name shared-b \
	--version-number 1 --statement-id all --action lambda:GetLayerVersion --principal '*'
out=$(other create-function --function-name xa --runtime python3.12 --handler app.handler \
	--role "$OROLE" --zip-file "fileb://$WORK/fimp.zip" --layers "$B1" 2>&1)
contains "$out" "\"Arn\": \"$B1\""
ok $? "then it may"
other invoke --function-name xa "$WORK/xa.json" >/dev/null 2>&1
contains "$(cat "$WORK/xa.json")" '"value": "b"'
ok $? "and its function imports the shared layer"

# The 1.x CLI.
if [ -n "$HAVE_V1" ]; then
	out=$(AWS_ENDPOINT_URL=$E aws --output json lambda publish-layer-version \
		--layer-name v1-layer --zip-file "fileb://$WORK/b.zip" 2>&1)
	contains "$out" ':layer:v1-layer:1"'
	ok $? "1.x: publish-layer-version"
	out=$(AWS_ENDPOINT_URL=$E aws --output json lambda list-layers 2>&1)
	contains "$out" '"v1-layer"'
	ok $? "1.x: list-layers"
	out=$(AWS_ENDPOINT_URL=$E aws --output json lambda get-layer-version-by-arn \
		--arn "${A1%:shared:1}:v1-layer:1" 2>&1)
	contains "$out" '"Version": 1'
	ok $? "1.x: get-layer-version-by-arn"
else
	echo "# skip the 1.x CLI: none on PATH"
fi

# After a restart the functions still see their layers.
stop_cloud
start_cloud || exit 1
$L invoke --function-name sh --cli-binary-format raw-in-base64-out --payload '{"n":8}' \
	"$WORK/sh2.json" >/dev/null 2>&1
contains "$(cat "$WORK/sh2.json")" '"echo": {"n":8}'
ok $? "after a restart: the layer's bootstrap"
out=$($L get-layer-version --layer-name shared --version-number 2 --query Version 2>&1)
[ "$out" = 2 ]
ok $? "after a restart: the layer versions"
finish
