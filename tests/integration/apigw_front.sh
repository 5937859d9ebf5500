#!/bin/bash
# HTTP front doors with the real AWS CLI and curl: a function URL (create, get, conflict,
# delete) and an HTTP API by quick create, requests becoming payload 2.0 events, and the
# handler's answer becoming the response by API Gateway's rules (statusCode, headers,
# cookies, base64 bodies, a plain value as a 200 JSON body, 502 on a function error or a
# malformed answer, 500 without the function's permission, 404 for an unknown API), and an
# AWS_IAM function URL refusing unsigned requests. TAP.
#
#   apigw_front.sh path/to/lambda-tutor
TUTOR=${1:?usage: apigw_front.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud
test_role
ok $? "serve starts"
mkdir -p "$WORK/web"
cat >"$WORK/web/lambda_function.py" <<'PY'
import base64
import json


def lambda_handler(event, context):
    path = event["rawPath"]
    if path == "/echo":
        return {"statusCode": 201, "headers": {"Content-Type": "application/json", "X-Seen": "yes"},
                "cookies": ["a=1", "b=2"], "body": json.dumps(event)}
    if path == "/plain":
        return {"hello": "world"}
    if path == "/bytes":
        return {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"},
                "isBase64Encoded": True, "body": base64.b64encode(b"\x00\x01\x02").decode()}
    if path == "/bad":
        return {"statusCode": "teapot"}
    raise RuntimeError("boom")
PY
make_zip "$WORK/web.zip" "$WORK/web"
awsl lambda create-function --function-name web --runtime python3.12 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/web.zip" >/dev/null
ok $? "create-function"
out=$(awsl lambda create-function-url-config --function-name web --auth-type NONE)
ok $? "create-function-url-config"
URL=$(json_py "$out" 'print(d["FunctionUrl"])')
contains "$URL" "/_aws/lambda-url/"; ok $? "the URL is served by the cloud: $URL"
out=$(awsl lambda create-function-url-config --function-name web --auth-type NONE 2>&1)
contains "$out" ResourceConflictException; ok $? "a second URL is a conflict"
out=$(awsl lambda get-function-url-config --function-name web)
[ "$(json_py "$out" 'print(d["FunctionUrl"])')" = "$URL" ]; ok $? "get-function-url-config"

# As in AWS, a public URL answers only once the function's policy opens it to everyone.
code=$(curl -s -o "$WORK/b" -w '%{http_code}' "${URL}plain")
[ "$code" = 403 ] && grep -q '"Message":[[:space:]]*"Forbidden"' "$WORK/b"
ok $? "a NONE URL without lambda:InvokeFunctionUrl in the policy is 403 Forbidden ($code)"
out=$(awsl lambda add-permission --function-name web --statement-id public-url \
	--action lambda:InvokeFunctionUrl --principal '*' --function-url-auth-type AWS_IAM 2>&1)
ok $? "add-permission for the wrong auth type"
code=$(curl -s -o /dev/null -w '%{http_code}' "${URL}plain")
[ "$code" = 403 ]; ok $? "... does not open a NONE URL ($code)"
awsl lambda remove-permission --function-name web --statement-id public-url >/dev/null
out=$(awsl lambda add-permission --function-name web --statement-id public-url \
	--action lambda:InvokeFunctionUrl --principal '*' --function-url-auth-type NONE 2>&1)
ok $? "add-permission --action lambda:InvokeFunctionUrl --function-url-auth-type NONE"
contains "$out" '"lambda:FunctionUrlAuthType\":\"NONE\"'; ok $? "... the statement keeps the condition"
code=$(curl -s -o /dev/null -w '%{http_code}' "${URL}plain")
[ "$code" = 200 ]; ok $? "... and opens the URL ($code)"

curl -s -D "$WORK/h" -o "$WORK/b" -X POST "${URL}echo?x=1&y=two" -H 'Content-Type: application/json' \
	-H 'Cookie: c=3' --data '{"n":1}'
grep -q '^HTTP/1.1 201' "$WORK/h"; ok $? "statusCode becomes the status"
grep -qi '^X-Seen: yes' "$WORK/h" && [ "$(grep -ci '^Set-Cookie:' "$WORK/h")" = 2 ]
ok $? "headers and cookies become response headers"
json_py "$(cat "$WORK/b")" '
assert d["version"] == "2.0" and d["rawPath"] == "/echo", d
assert d["requestContext"]["http"]["method"] == "POST"
assert d["queryStringParameters"] == {"x": "1", "y": "two"}, d["queryStringParameters"]
assert d["body"] == "{\"n\":1}" and d["isBase64Encoded"] is False
assert d["cookies"] == ["c=3"] and d["headers"]["content-type"] == "application/json"'
ok $? "the function got a payload 2.0 event"
out=$(curl -s -w ' %{http_code} %{content_type}' "${URL}plain")
[ "$out" = '{"hello": "world"} 200 application/json' ]; ok $? "a plain value is a 200 JSON body ($out)"
out=$(curl -s -w ' %{http_code}' -d 'a=1&b=2' "${URL}plain")
[ "$out" = '{"hello": "world"} 200' ]; ok $? "a form POST reaches the function, not another service"
curl -s "${URL}bytes" | od -An -tx1 | tr -d ' \n' >"$WORK/bytes"
[ "$(cat "$WORK/bytes")" = 000102 ]; ok $? "isBase64Encoded bodies are decoded"
out=$(curl -s -w ' %{http_code}' "${URL}bad")
[ "$out" = '{"message":"Internal Server Error"} 502' ]; ok $? "a malformed answer is a 502 ($out)"
out=$(curl -s -w ' %{http_code}' "${URL}boom")
[ "$out" = '{"message":"Internal Server Error"} 502' ]; ok $? "a function error is a 502"

ARN=$(awsl lambda get-function --function-name web --query Configuration.FunctionArn --output text)
out=$(awsl apigatewayv2 create-api --name web-api --protocol-type HTTP --target "$ARN")
ok $? "apigatewayv2 create-api --target (quick create)"
EP=$(json_py "$out" 'print(d["ApiEndpoint"])')
API=$(json_py "$out" 'print(d["ApiId"])')
out=$(curl -s -w ' %{http_code}' "$EP/echo?q=1")
[ "$out" = '{"message":"Internal Server Error"} 500' ]
ok $? "without permission for apigateway.amazonaws.com: 500 ($out)"
check "add-permission for apigateway.amazonaws.com" awsl lambda add-permission --function-name web \
	--statement-id apigw --action lambda:InvokeFunction --principal apigateway.amazonaws.com
out=$(curl -s "$EP/echo?q=1")
json_py "$out" 'assert d["routeKey"] == "$default" and d["requestContext"]["apiId"] == "'"$API"'", d'
ok $? "the HTTP API's \$default route invokes the function with payload 2.0"
out=$(awsl apigatewayv2 get-apis --query 'Items[].ApiId' --output text)
[ "$out" = "$API" ]; ok $? "get-apis lists it"
out=$(curl -s -w ' %{http_code}' "$E/_aws/execute-api/nosuchapi/x")
[ "$out" = '{"message":"Not Found"} 404' ]; ok $? "an unknown API is 404 Not Found"
awsl lambda create-function --function-name private --runtime python3.12 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/web.zip" >/dev/null
PRIV=$(awsl lambda create-function-url-config --function-name private --auth-type AWS_IAM \
	--query FunctionUrl --output text)
ok $? "an AWS_IAM function URL"
out=$(curl -s -w ' %{http_code}' "${PRIV}plain")
[ "$out" = '{"Message":"Forbidden"} 403' ]; ok $? "an unsigned request to it is 403 ($out)"
out=$(lcurl -s -w ' %{http_code}' "${PRIV}plain")
[ "$out" = '{"hello": "world"} 200' ]; ok $? "one signed by the account reaches the function ($out)"
out=$(curl -s -w ' %{http_code}' --aws-sigv4 'aws:amz:us-east-1:lambda' \
	--user "$AWS_ACCESS_KEY_ID:not-the-secret" "${PRIV}plain")
[ "$out" = '{"Message":"Forbidden"} 403' ]; ok $? "one with a wrong secret is 403 ($out)"
other=$(ctl /_tutor/accounts -X POST)
out=$(curl -s -w ' %{http_code}' --aws-sigv4 'aws:amz:us-east-1:lambda' \
	--user "$(json_field "$other" AccessKeyId):$(json_field "$other" SecretAccessKey)" "${PRIV}plain")
[ "$out" = '{"Message":"Forbidden"} 403' ]; ok $? "one signed by another account is 403 ($out)"
check "delete-function-url-config" awsl lambda delete-function-url-config --function-name web
out=$(curl -s -w ' %{http_code}' "${URL}plain")
[ "$out" = '{"message":"Not Found"} 404' ]; ok $? "a deleted URL is 404"
stop_cloud; ok $? "the cloud stops cleanly"
finish
