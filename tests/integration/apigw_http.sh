#!/bin/bash
# API Gateway HTTP APIs beyond quick create, with the real AWS CLI and curl: integrations in
# payload format 2.0 and 1.0, routes ("GET /items/{id}", "ANY /{proxy+}", "$default"),
# the most specific route winning, stages ($default with auto-deploy, a named one served
# only once deployed), 404 Not Found when no route matches, 500 without permission. TAP.
#
#   apigw_http.sh path/to/lambda-tutor
TUTOR=${1:?usage: apigw_http.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud
test_role
ok $? "serve starts"
mkdir -p "$WORK/py"
cat >"$WORK/py/lambda_function.py" <<'PY'
import json
import time


def lambda_handler(event, context):
    if event.get("rawPath") == "/slow":
        time.sleep(3)
    return {"statusCode": 200, "body": json.dumps(event)}
PY
make_zip "$WORK/py.zip" "$WORK/py"
awsl lambda create-function --function-name echo --runtime python3.12 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/py.zip" >/dev/null
ok $? "create-function"
ARN=$(awsl lambda get-function --function-name echo --query Configuration.FunctionArn --output text)
ACCT=$(echo "$ARN" | cut -d: -f5)

out=$(awsl apigatewayv2 create-api --name items --protocol-type HTTP)
ok $? "create-api without a target"
API=$(json_py "$out" 'print(d["ApiId"])')
EP=$(json_py "$out" 'print(d["ApiEndpoint"])')
V2=$(awsl apigatewayv2 create-integration --api-id "$API" --integration-type AWS_PROXY \
	--integration-uri "$ARN" --payload-format-version 2.0 --query IntegrationId --output text)
ok $? "create-integration, payload 2.0"
V1=$(awsl apigatewayv2 create-integration --api-id "$API" --integration-type AWS_PROXY \
	--integration-uri "$ARN" --payload-format-version 1.0 --query IntegrationId --output text)
ok $? "create-integration, payload 1.0"
route() { # route KEY INTEGRATION: create it, print its id
	awsl apigatewayv2 create-route --api-id "$API" --route-key "$1" --target "integrations/$2" \
		--query RouteId --output text
}
R1=$(route 'GET /items/{id}' "$V2") && R2=$(route 'GET /items/special' "$V1") &&
	R3=$(route 'ANY /{proxy+}' "$V2") && R4=$(route 'POST /items/{id}' "$V2")
ok $? "create-route: GET /items/{id}, GET /items/special, ANY /{proxy+}, POST /items/{id}"
out=$(awsl apigatewayv2 create-route --api-id "$API" --route-key 'GET /items/{id}' \
	--target "integrations/$V2" 2>&1)
contains "$out" ConflictException; ok $? "a route key twice is a conflict"
out=$(awsl apigatewayv2 create-route --api-id "$API" --route-key 'FETCH /x' 2>&1)
contains "$out" BadRequestException; ok $? "a malformed route key is refused"
out=$(awsl apigatewayv2 get-routes --api-id "$API" --query 'length(Items)')
[ "$out" = 4 ]; ok $? "get-routes lists four"

out=$(curl -s -w ' %{http_code}' "$EP/items/1")
[ "$out" = '{"message":"Not Found"} 404' ]; ok $? "without a stage: 404 Not Found ($out)"
awsl apigatewayv2 create-stage --api-id "$API" --stage-name '$default' --auto-deploy >/dev/null
ok $? "create-stage \$default --auto-deploy"
out=$(curl -s -w ' %{http_code}' "$EP/items/1")
[ "$out" = '{"message":"Internal Server Error"} 500' ]; ok $? "without permission: 500 ($out)"
awsl lambda add-permission --function-name echo --statement-id apigw \
	--action lambda:InvokeFunction --principal apigateway.amazonaws.com \
	--source-arn "arn:aws:execute-api:us-east-1:$ACCT:$API/*" >/dev/null
ok $? "add-permission for apigateway.amazonaws.com"

out=$(curl -s "$EP/items/42?a=1&a=2")
json_py "$out" '
assert d["version"] == "2.0" and d["routeKey"] == "GET /items/{id}", d
assert d["pathParameters"] == {"id": "42"} and d["rawPath"] == "/items/42"
assert d["queryStringParameters"] == {"a": "1,2"} and d["rawQueryString"] == "a=1&a=2"
assert d["requestContext"]["stage"] == "$default" and d["requestContext"]["apiId"] == "'"$API"'"'
ok $? "GET /items/42 takes GET /items/{id}, payload 2.0"
out=$(curl -s "$EP/items/special")
json_py "$out" 'assert d["resource"] == "/items/special" and d["httpMethod"] == "GET" and "multiValueHeaders" in d, d'
ok $? "a literal path beats a variable: GET /items/special, payload 1.0"
out=$(curl -s -X POST -d x "$EP/items/42")
json_py "$out" 'assert d["routeKey"] == "POST /items/{id}", d'
ok $? "the method picks among routes of one path"
out=$(curl -s -X DELETE "$EP/items/42")
json_py "$out" 'assert d["routeKey"] == "ANY /{proxy+}" and d["pathParameters"] == {"proxy": "items/42"}, d'
ok $? "a method no route has falls to ANY /{proxy+}"
check "delete-route ANY /{proxy+}" awsl apigatewayv2 delete-route --api-id "$API" --route-id "$R3"
out=$(curl -s -w ' %{http_code}' -X DELETE "$EP/items/42")
[ "$out" = '{"message":"Not Found"} 404' ]; ok $? "no route matches: 404 Not Found ($out)"
route '$default' "$V2" >/dev/null
out=$(curl -s -X DELETE "$EP/items/42")
json_py "$out" 'assert d["routeKey"] == "$default" and "pathParameters" not in d, d'
ok $? "the \$default route catches the rest"

QUICKLY=$(awsl apigatewayv2 create-integration --api-id "$API" --integration-type AWS_PROXY \
	--integration-uri "$ARN" --payload-format-version 2.0 --timeout-in-millis 1000 \
	--query IntegrationId --output text) && route 'GET /slow' "$QUICKLY" >/dev/null
ok $? "a route whose integration times out after a second"
start=$(date +%s%N)
out=$(curl -s -w ' %{http_code}' "$EP/slow")
ms=$((($(date +%s%N) - start) / 1000000))
[ "$out" = '{"message":"Service Unavailable"} 503' ] && [ $ms -lt 2900 ]
ok $? "a function slower than the integration's timeout: 503 after ${ms} ms ($out)"
awsl apigatewayv2 create-stage --api-id "$API" --stage-name dev --stage-variables mode=test >/dev/null
ok $? "create-stage dev (no auto-deploy)"
out=$(curl -s -w ' %{http_code}' "$EP/dev/items/1")
[ "$out" = '{"message":"Not Found"} 404' ]; ok $? "an undeployed named stage is not served ($out)"
awsl apigatewayv2 create-deployment --api-id "$API" --stage-name dev >/dev/null
ok $? "create-deployment --stage-name dev"
out=$(curl -s "$EP/dev/items/1")
json_py "$out" 'assert d["routeKey"] == "GET /items/{id}" and d["requestContext"]["stage"] == "dev" and d["rawPath"] == "/dev/items/1" and d["stageVariables"] == {"mode": "test"}, d'
ok $? "once deployed, /dev/... is the dev stage"
out=$(awsl apigatewayv2 create-api --name corsy --protocol-type HTTP \
	--cors-configuration AllowOrigins=https://example.com 2>&1)
contains "$out" BadRequestException && contains "$out" corsConfiguration
ok $? "a CORS configuration, which the cloud would not apply, is refused"
out=$(awsl apigatewayv2 create-api --name tagged --protocol-type HTTP --tags team=blue \
	--query ApiId --output text)
[ "$(awsl apigatewayv2 get-api --api-id "$out" --query Tags.team --output text)" = blue ] &&
	awsl apigatewayv2 delete-api --api-id "$out"
ok $? "an API's tags are kept"
DEP=$(awsl apigatewayv2 create-deployment --api-id "$API" --query DeploymentId --output text)
out=$(awsl apigatewayv2 delete-deployment --api-id "$API" --deployment-id "$DEP" 2>&1 &&
	awsl apigatewayv2 get-deployment --api-id "$API" --deployment-id "$DEP" 2>&1)
contains "$out" NotFoundException; ok $? "delete-deployment of a deployment no stage uses"
out=$(awsl apigatewayv2 get-stages --api-id "$API" --query 'Items[].StageName' --output text)
[ "$out" = "\$default	dev" ]; ok $? "get-stages ($out)"

out=$(awsl apigatewayv2 create-api --name quick --protocol-type HTTP --target "$ARN")
QUICK=$(json_py "$out" 'print(d["ApiId"])')
out=$(awsl apigatewayv2 get-routes --api-id "$QUICK" --query 'Items[0].RouteKey' --output text)
[ "$out" = '$default' ]; ok $? "quick create makes a \$default route"
out=$(curl -s -w ' %{http_code}' -H "Host: $QUICK.execute-api.localhost" "$E/any/path")
[ "$out" = '{"message":"Internal Server Error"} 500' ]; ok $? "quick create too needs the permission"
awsl lambda add-permission --function-name echo --statement-id quick \
	--action lambda:InvokeFunction --principal apigateway.amazonaws.com \
	--source-arn "arn:aws:execute-api:us-east-1:$ACCT:$QUICK/*/\$default" >/dev/null
out=$(curl -s -H "Host: $QUICK.execute-api.localhost" "$E/any/path")
json_py "$out" 'assert d["routeKey"] == "$default" and d["rawPath"] == "/any/path", d'
ok $? "Host: <api-id>.execute-api.localhost serves the API"
check "delete-api" awsl apigatewayv2 delete-api --api-id "$API"
out=$(curl -s -w ' %{http_code}' "$EP/items/1")
[ "$out" = '{"message":"Not Found"} 404' ]; ok $? "a deleted API is 404"
stop_cloud; ok $? "the cloud stops cleanly"
# An HTTP API of an older workspace (a row made by quick create) becomes a document on start.
$PY -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO apigw_apis VALUES (?, ?, ?, ?, ?)", ("oldapi0001", sys.argv[2], "old", sys.argv[3], 1764230400000))
db.commit()' "$WS/.cloud/cloud.db" "$ACCT" "$ARN"
ok $? "an older workspace's quick-created API"
start_cloud
out=$(awsl apigatewayv2 get-apis --query 'Items[].Name' --output text)
[ "$out" = "quick	old" ]; ok $? "survives a restart, beside the older one ($out)"
awsl lambda add-permission --function-name echo --statement-id old \
	--action lambda:InvokeFunction --principal apigateway.amazonaws.com \
	--source-arn "arn:aws:execute-api:us-east-1:$ACCT:oldapi0001/*" >/dev/null
out=$(curl -s "$E/_aws/execute-api/oldapi0001/hi")
json_py "$out" 'assert d["routeKey"] == "$default" and d["rawPath"] == "/hi", d'
ok $? "which serves its \$default route"
stop_cloud; ok $? "the cloud stops cleanly again"
finish
