#!/bin/bash
# API Gateway REST APIs with the real AWS CLI, curl and real Python and Node.js handlers:
# create-rest-api, resources ({param}, {proxy+}), methods, AWS_PROXY integrations, deployments,
# stages and test-invoke-method; requests on a stage become payload 1.0 events, and the answer becomes the
# response by the proxy integration's rules. What AWS answers is checked too: 403 Forbidden
# for a stage that does not exist, 403 Missing Authentication Token for a path or method
# that is not deployed, 500 without the function's permission for apigateway.amazonaws.com,
# 502 for a malformed answer or a function error. TAP.
#
#   apigw_rest.sh path/to/lambda-tutor
TUTOR=${1:?usage: apigw_rest.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud
test_role
ok $? "serve starts"
mkdir -p "$WORK/py" "$WORK/js"
cat >"$WORK/py/lambda_function.py" <<'PY'
import base64
import json
import time


def lambda_handler(event, context):
    path = event["path"]
    if path == "/bad":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if path == "/extra":
        return {"statusCode": 200, "body": "x", "cookies": ["a=1"]}
    if path == "/boom":
        raise RuntimeError("boom")
    if path == "/slow":
        time.sleep(3)
    if path == "/png":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "isBase64Encoded": True, "body": base64.b64encode(b"\x89PNG").decode()}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json", "X-Seen": "yes"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": json.dumps(event)}
PY
cat >"$WORK/js/index.mjs" <<'JS'
export const handler = async (event) => ({
  statusCode: 418,
  headers: { "content-type": "text/plain" },
  body: `node saw ${event.httpMethod} ${event.resource} ${event.pathParameters.name}`,
});
JS
make_zip "$WORK/py.zip" "$WORK/py"
make_zip "$WORK/js.zip" "$WORK/js"
awsl lambda create-function --function-name shop --runtime python3.12 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/py.zip" >/dev/null
ok $? "create the Python function"
awsl lambda create-function --function-name greet --runtime nodejs22.x \
	--handler index.handler --role $ROLE --zip-file "fileb://$WORK/js.zip" >/dev/null
ok $? "create the Node.js function"
PYARN=$(awsl lambda get-function --function-name shop --query Configuration.FunctionArn --output text)
JSARN=$(awsl lambda get-function --function-name greet --query Configuration.FunctionArn --output text)
ACCT=$(echo "$PYARN" | cut -d: -f5)

out=$(awsl apigateway create-rest-api --name shop-api --endpoint-configuration types=REGIONAL)
ok $? "create-rest-api"
API=$(json_py "$out" 'print(d["id"])')
ROOT=$(awsl apigateway get-resources --rest-api-id "$API" --query 'items[?path==`/`].id' --output text)
[ -n "$ROOT" ]; ok $? "get-resources has the root resource ($ROOT)"
out=$(awsl apigateway get-rest-apis --query 'items[].name' --output text)
[ "$out" = shop-api ]; ok $? "get-rest-apis lists it"
resource() { # resource PARENT PART: create it, print its id
	awsl apigateway create-resource --rest-api-id "$API" --parent-id "$1" --path-part "$2" \
		--query id --output text
}
ITEMS=$(resource "$ROOT" items) && ITEM=$(resource "$ITEMS" '{id}') &&
	PROXY=$(resource "$ROOT" '{proxy+}') && HELLO=$(resource "$ROOT" hello) &&
	NAME=$(resource "$HELLO" '{name}')
ok $? "create-resource: items, {id}, {proxy+}, hello/{name}"
out=$(awsl apigateway get-resource --rest-api-id "$API" --resource-id "$ITEM" --query path --output text)
[ "$out" = "/items/{id}" ]; ok $? "a resource's path is its parents' parts ($out)"
out=$(awsl apigateway create-resource --rest-api-id "$API" --parent-id "$ITEMS" --path-part '{other}' 2>&1)
contains "$out" "only one is allowed"; ok $? "a second variable sibling is refused"
out=$(awsl apigateway create-resource --rest-api-id "$API" --parent-id "$PROXY" --path-part x 2>&1)
contains "$out" "greedy path variable"; ok $? "a greedy resource has no children"
out=$(awsl apigateway create-resource --rest-api-id "$API" --parent-id "$ROOT" --path-part 'a b' 2>&1)
contains "$out" BadRequestException; ok $? "a path part with a space is refused"
uri() { echo "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/$1/invocations"; }
method() { # method RESOURCE VERB FUNCTION-ARN
	awsl apigateway put-method --rest-api-id "$API" --resource-id "$1" --http-method "$2" \
		--authorization-type NONE >/dev/null &&
		awsl apigateway put-integration --rest-api-id "$API" --resource-id "$1" \
			--http-method "$2" --type AWS_PROXY --integration-http-method POST \
			--uri "$(uri "$3")" >/dev/null
}
out=$(awsl apigateway create-deployment --rest-api-id "$API" --stage-name prod 2>&1)
contains "$out" "doesn't contain any methods"; ok $? "a deployment needs a method"
method "$ITEM" GET "$PYARN" && method "$PROXY" ANY "$PYARN" && method "$NAME" GET "$JSARN"
ok $? "put-method and put-integration (AWS_PROXY) on three resources"
out=$(awsl apigateway get-integration --rest-api-id "$API" --resource-id "$ITEM" --http-method GET)
json_py "$out" 'assert d["type"] == "AWS_PROXY" and d["httpMethod"] == "POST" and d["uri"].endswith("/invocations"), d'
ok $? "get-integration"
out=$(awsl apigateway put-method --rest-api-id "$API" --resource-id "$ITEM" --http-method GET \
	--authorization-type NONE 2>&1)
contains "$out" ConflictException; ok $? "a method twice is a conflict"
out=$(awsl apigateway test-invoke-method --rest-api-id "$API" --resource-id "$ITEM" --http-method GET \
	--path-with-query-string '/items/5?x=1' --headers X-Test=yes)
json_py "$out" '
assert d["status"] == 200 and "Method completed with status: 200" in d["log"], d
e = __import__("json").loads(d["body"])
assert e["pathParameters"] == {"id": "5"} and e["queryStringParameters"] == {"x": "1"}, e
assert e["headers"]["X-Test"] == "yes" and e["requestContext"]["stage"] == "test-invoke-stage", e'
ok $? "test-invoke-method calls the undeployed method, no permission needed"
out=$(awsl apigateway test-invoke-method --rest-api-id "$API" --resource-id "$PROXY" --http-method GET \
	--path-with-query-string /bad --query '[status, log]' --output text)
contains "$out" 502 && contains "$out" "Malformed Lambda proxy response"
ok $? "and shows why an answer is a 502"

out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/prod/items/1")
[ "$out" = '{"message":"Forbidden"} 403' ]; ok $? "before a deployment the stage is Forbidden ($out)"
awsl apigateway create-deployment --rest-api-id "$API" --stage-name prod \
	--variables color=green >/dev/null
ok $? "create-deployment --stage-name prod"
out=$(awsl apigateway get-stages --rest-api-id "$API")
json_py "$out" 's = d["item"][0]; assert s["stageName"] == "prod" and s["deploymentId"] and s["variables"] == {"color": "green"}, d'
ok $? "get-stages shows the stage, its deployment and variables"

out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/prod/items/1")
[ "$out" = '{"message":"Internal server error"} 500' ]
ok $? "without permission for apigateway.amazonaws.com: 500 ($out)"
awsl lambda add-permission --function-name shop --statement-id apigw \
	--action lambda:InvokeFunction --principal apigateway.amazonaws.com \
	--source-arn "arn:aws:execute-api:us-east-1:$ACCT:$API/*/*/*" >/dev/null &&
	awsl lambda add-permission --function-name greet --statement-id apigw \
		--action lambda:InvokeFunction --principal apigateway.amazonaws.com \
		--source-arn "arn:aws:execute-api:us-east-1:$ACCT:$API/prod/GET/hello/*" >/dev/null
ok $? "add-permission for apigateway.amazonaws.com"

curl -s -D "$WORK/h" -o "$WORK/b" "$E/_aws/execute-api/$API/prod/items/42?color=red&color=blue&q=a%26b" \
	-H 'X-Multi: one' -H 'X-Multi: two'
grep -q '^HTTP/1.1 200' "$WORK/h" && grep -qi '^X-Seen: yes' "$WORK/h" &&
	[ "$(grep -ci '^Set-Cookie:' "$WORK/h")" = 2 ]
ok $? "statusCode, headers and multiValueHeaders become the response"
json_py "$(cat "$WORK/b")" '
assert d["resource"] == "/items/{id}" and d["path"] == "/items/42" and d["httpMethod"] == "GET", d
assert d["pathParameters"] == {"id": "42"}, d["pathParameters"]
assert d["queryStringParameters"] == {"color": "blue", "q": "a&b"}, d["queryStringParameters"]
assert d["multiValueQueryStringParameters"]["color"] == ["red", "blue"]
assert d["multiValueHeaders"]["X-Multi"] == ["one", "two"], d["multiValueHeaders"]
assert d["stageVariables"] == {"color": "green"}
rc = d["requestContext"]
assert rc["resourcePath"] == "/items/{id}" and rc["stage"] == "prod" and rc["path"] == "/prod/items/42"
assert rc["identity"]["sourceIp"] == "127.0.0.1" and rc["requestId"] and rc["apiId"] == "'"$API"'"
assert d["body"] is None and d["isBase64Encoded"] is False'
ok $? "the function got a payload 1.0 event"
awsl apigateway update-stage --rest-api-id "$API" --stage-name prod --patch-operations \
	op=replace,path=/variables/color,value=blue op=remove,path=/variables/none >/dev/null
out=$(curl -s "$E/_aws/execute-api/$API/prod/items/42")
json_py "$out" 'assert d["stageVariables"] == {"color": "blue"}, d'
ok $? "update-stage changes a stage variable the next request sees"
out=$(awsl apigateway update-stage --rest-api-id "$API" --stage-name prod \
	--patch-operations op=replace,path=/cacheClusterEnabled,value=true 2>&1)
contains "$out" BadRequestException; ok $? "a patch path update-stage does not keep is refused"
out=$(awsl apigateway create-rest-api --name walled --policy '{"Version":"2012-10-17"}' 2>&1)
contains "$out" BadRequestException && contains "$out" policy &&
	! awsl apigateway get-rest-apis --output text | grep -q walled
ok $? "a resource policy, which the cloud would not enforce, is refused and nothing made"
out=$(awsl apigateway get-models --rest-api-id "$API" 2>&1)
contains "$out" NotImplemented && contains "$out" GetModels
ok $? "an operation the cloud does not offer says so, naming it ($out)"
out=$(curl -s -X POST --data 'n=1' "$E/_aws/execute-api/$API/prod/deep/down/here")
json_py "$out" 'assert d["resource"] == "/{proxy+}" and d["pathParameters"] == {"proxy": "deep/down/here"} and d["body"] == "n=1", d'
ok $? "ANY /{proxy+} takes what nothing more specific does"
out=$(curl -s -w ' %{http_code}' -X POST "$E/_aws/execute-api/$API/prod/items/42")
[ "$out" = '{"message":"Missing Authentication Token"} 403' ]
ok $? "a method the resource lacks: 403 Missing Authentication Token"
out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/prod/items")
[ "$out" = '{"message":"Missing Authentication Token"} 403' ]
ok $? "a resource without methods: 403 Missing Authentication Token"
out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/prod/hello/ada")
[ "$out" = 'node saw GET /hello/{name} ada 418' ]; ok $? "a Node.js handler behind /hello/{name} ($out)"
out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/prod/bad")
[ "$out" = '{"message":"Internal server error"} 502' ]; ok $? "a body that is not a string: 502"
out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/prod/extra")
[ "$out" = '{"message":"Internal server error"} 502' ]; ok $? "a member payload 1.0 does not have: 502"
out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/prod/boom")
[ "$out" = '{"message":"Internal server error"} 502' ]; ok $? "a function error: 502"
out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/test/items/1")
[ "$out" = '{"message":"Forbidden"} 403' ]; ok $? "a stage that does not exist: 403 Forbidden"

out=$(curl -s "$E/_aws/execute-api/$API/prod/png")
[ "$out" = iVBORw== ]; ok $? "without binary media types a base64 body goes out as text ($out)"
out=$(curl -s -X POST -H 'Content-Type: application/octet-stream' --data-binary 'ab' "$E/_aws/execute-api/$API/prod/up")
json_py "$out" 'assert d["isBase64Encoded"] is False and d["body"] == "ab", d'
ok $? "and a request body is text"
awsl apigateway update-rest-api --rest-api-id "$API" --patch-operations \
	'op=add,path=/binaryMediaTypes/image~1png' 'op=add,path=/binaryMediaTypes/application~1octet-stream' \
	--query binaryMediaTypes --output text >"$WORK/types"
[ "$(cat "$WORK/types")" = "image/png	application/octet-stream" ]
ok $? "update-rest-api adds binary media types"
out=$(curl -s -H 'Accept: image/png' "$E/_aws/execute-api/$API/prod/png")
[ "$out" = iVBORw== ]; ok $? "which take effect only once deployed"
awsl apigateway create-deployment --rest-api-id "$API" --stage-name prod >/dev/null
curl -s -H 'Accept: image/png' "$E/_aws/execute-api/$API/prod/png" | od -An -tx1 | tr -d ' \n' >"$WORK/png"
[ "$(cat "$WORK/png")" = 89504e47 ]; ok $? "then Accept: image/png gets the decoded bytes"
out=$(curl -s -H 'Accept: text/html, image/png' "$E/_aws/execute-api/$API/prod/png")
[ "$out" = iVBORw== ]; ok $? "only the first Accept type counts"
out=$(curl -s -X POST -H 'Content-Type: application/octet-stream' --data-binary 'ab' "$E/_aws/execute-api/$API/prod/up")
json_py "$out" 'assert d["isBase64Encoded"] is True and d["body"] == "YWI=", d'
ok $? "and a binary request body arrives base64-encoded"
SLOW=$(resource "$ROOT" slow) &&
	awsl apigateway put-method --rest-api-id "$API" --resource-id "$SLOW" --http-method GET \
		--authorization-type NONE >/dev/null &&
	awsl apigateway put-integration --rest-api-id "$API" --resource-id "$SLOW" --http-method GET \
		--type AWS_PROXY --integration-http-method POST --uri "$(uri "$PYARN")" \
		--timeout-in-millis 1000 >/dev/null &&
	awsl apigateway create-deployment --rest-api-id "$API" --stage-name prod >/dev/null
ok $? "a method whose integration times out after a second"
start=$(date +%s%N)
out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/prod/slow")
ms=$((($(date +%s%N) - start) / 1000000))
[ "$out" = '{"message":"Endpoint request timed out"} 504' ] && [ $ms -lt 2900 ]
ok $? "a function slower than the integration's timeout: 504 after ${ms} ms ($out)"
NEW=$(resource "$ROOT" fresh) && method "$NEW" GET "$PYARN"
ok $? "a new resource and method after the deployment"
out=$(curl -s "$E/_aws/execute-api/$API/prod/fresh")
json_py "$out" 'assert d["resource"] == "/{proxy+}", d'
ok $? "an undeployed resource is not served: the deployed /{proxy+} answers"
awsl apigateway create-deployment --rest-api-id "$API" --stage-name prod >/dev/null
out=$(curl -s "$E/_aws/execute-api/$API/prod/fresh")
json_py "$out" 'assert d["resource"] == "/fresh", d'
ok $? "after create-deployment it is"
out=$(curl -s -H "Host: $API.execute-api.localhost" "$E/prod/items/7")
json_py "$out" 'assert d["pathParameters"] == {"id": "7"}, d'
ok $? "Host: <api-id>.execute-api.localhost serves the API too"
out=$(curl -s "$E/restapis/$API/prod/_user_request_/items/8")
json_py "$out" 'assert d["pathParameters"] == {"id": "8"}, d'
ok $? "so does /restapis/<api-id>/<stage>/_user_request_/<path>"

check "delete-resource" awsl apigateway delete-resource --rest-api-id "$API" --resource-id "$HELLO"
out=$(awsl apigateway get-resources --rest-api-id "$API" --query 'length(items)')
[ "$out" = 6 ]; ok $? "deleting a resource deletes its children ($out left)"
check "delete-rest-api" awsl apigateway delete-rest-api --rest-api-id "$API"
out=$(awsl apigateway get-rest-api --rest-api-id "$API" 2>&1)
contains "$out" NotFoundException; ok $? "a deleted API is not found"
out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/$API/prod/items/1")
[ "$out" = '{"message":"Not Found"} 404' ]; ok $? "nor served"
stop_cloud; ok $? "the cloud stops cleanly"
finish
