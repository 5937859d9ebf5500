#!/bin/bash
# An Application Load Balancer in front of a function with the real AWS CLI (aws elbv2) and
# curl: create-load-balancer, create-target-group --target-type lambda, register-targets
# (refused without the function's permission for elasticloadbalancing.amazonaws.com, as in
# AWS), create-listener; requests become ALB target group events, the answer becomes the
# response (statusCode, statusDescription, headers, body, isBase64Encoded), multi-value
# headers when the target group says so, and the load balancer's own 502 and 503 pages. TAP.
#
#   apigw_alb.sh path/to/lambda-tutor
TUTOR=${1:?usage: apigw_alb.sh LAMBDA_TUTOR}
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


def lambda_handler(event, context):
    if event["path"] == "/bad":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if event["path"] == "/boom":
        raise RuntimeError("boom")
    return {"statusCode": 202, "statusDescription": "202 Accepted", "isBase64Encoded": False,
            "headers": {"Content-Type": "application/json", "X-One": "1"},
            "multiValueHeaders": {"X-Two": ["a", "b"], "Content-Type": ["application/json"]},
            "body": json.dumps(event)}
PY
make_zip "$WORK/py.zip" "$WORK/py"
awsl lambda create-function --function-name web --runtime python3.12 \
	--handler lambda_function.lambda_handler --role $ROLE --zip-file "fileb://$WORK/py.zip" >/dev/null
ok $? "create-function"
ARN=$(awsl lambda get-function --function-name web --query Configuration.FunctionArn --output text)

out=$(awsl elbv2 create-load-balancer --name web-lb --subnets subnet-0a subnet-0b)
ok $? "elbv2 create-load-balancer"
LB=$(json_py "$out" 'print(d["LoadBalancers"][0]["LoadBalancerArn"])')
DNS=$(json_py "$out" 'print(d["LoadBalancers"][0]["DNSName"])')
json_py "$out" 'lb = d["LoadBalancers"][0]; assert lb["State"]["Code"] == "active" and lb["Type"] == "application" and len(lb["AvailabilityZones"]) == 2, lb'
ok $? "it is an active application load balancer in two zones ($DNS)"
TG=$(awsl elbv2 create-target-group --name web-tg --target-type lambda \
	--query 'TargetGroups[0].TargetGroupArn' --output text)
ok $? "create-target-group --target-type lambda"
out=$(awsl elbv2 create-target-group --name ec2-tg --protocol HTTP --port 80 --vpc-id vpc-1 2>&1)
contains "$out" ValidationError; ok $? "a target group of instances is refused"
out=$(awsl elbv2 register-targets --target-group-arn "$TG" --targets "Id=$ARN" 2>&1)
contains "$out" "AccessDenied" && contains "$out" "elasticloadbalancing principal does not have permission"
ok $? "register-targets without the function's permission: AccessDenied"
awsl lambda add-permission --function-name web --statement-id elb \
	--action lambda:InvokeFunction --principal elasticloadbalancing.amazonaws.com \
	--source-arn "$TG" >/dev/null
ok $? "add-permission for elasticloadbalancing.amazonaws.com"
check "register-targets" awsl elbv2 register-targets --target-group-arn "$TG" --targets "Id=$ARN"
out=$(curl -s -w ' %{http_code}' "$E/_aws/elb/web-lb/x")
contains "$out" "503 Service Temporarily Unavailable" && contains "$out" " 503"
ok $? "without a listener: 503"
out=$(awsl elbv2 create-listener --load-balancer-arn "$LB" --protocol HTTP --port 80 \
	--default-actions "Type=forward,TargetGroupArn=$TG")
ok $? "create-listener forwarding to the target group"
out=$(awsl elbv2 describe-target-health --target-group-arn "$TG" \
	--query 'TargetHealthDescriptions[0].TargetHealth.State' --output text)
[ "$out" = healthy ]; ok $? "describe-target-health: $out"

curl -s -D "$WORK/h" -o "$WORK/b" "$E/_aws/elb/web-lb/hello?a=1&a=2&b=x%20y" -H 'X-Multi: one' \
	-H 'X-Multi: two'
grep -q '^HTTP/1.1 202' "$WORK/h" && grep -qi '^X-One: 1' "$WORK/h" && ! grep -qi '^X-Two' "$WORK/h"
ok $? "statusCode and headers become the response; multiValueHeaders do not while off"
json_py "$(cat "$WORK/b")" '
assert d["requestContext"]["elb"]["targetGroupArn"] == "'"$TG"'", d
assert d["httpMethod"] == "GET" and d["path"] == "/hello" and d["isBase64Encoded"] is False
assert d["queryStringParameters"]["a"] in ("1", "2") and "multiValueHeaders" not in d
assert d["headers"]["x-multi"], d["headers"]'
ok $? "the function got an ALB event"
out=$(curl -s "http://$DNS:${E##*:}/from-dns")
json_py "$out" 'assert d["path"] == "/from-dns", d'
ok $? "the DNSName answers on the cloud's port"
out=$(curl -s -w ' %{http_code}' "$E/_aws/elb/web-lb/bad")
contains "$out" "<title>502 Bad Gateway</title>" && contains "$out" " 502"
ok $? "a body that is not a string: the load balancer's 502 page"
out=$(curl -s -w ' %{http_code}' "$E/_aws/elb/web-lb/boom")
contains "$out" "502 Bad Gateway" && contains "$out" " 502"; ok $? "a function error: 502"

awsl elbv2 modify-target-group-attributes --target-group-arn "$TG" \
	--attributes Key=lambda.multi_value_headers.enabled,Value=true >/dev/null
ok $? "modify-target-group-attributes: multi-value headers on"
curl -s -D "$WORK/h" -o "$WORK/b" "$E/_aws/elb/web-lb/hello?a=1&a=2" -H 'X-Multi: one' \
	-H 'X-Multi: two'
[ "$(grep -ci '^X-Two:' "$WORK/h")" = 2 ] && ! grep -qi '^X-One' "$WORK/h"
ok $? "then the response takes multiValueHeaders only"
json_py "$(cat "$WORK/b")" '
assert d["multiValueHeaders"]["x-multi"] == ["one", "two"], d
assert d["multiValueQueryStringParameters"] == {"a": ["1", "2"]} and "headers" not in d'
ok $? "and the event has multiValueHeaders and multiValueQueryStringParameters"

out=$(awsl elbv2 describe-load-balancers --names web-lb --query 'LoadBalancers[0].DNSName' --output text)
[ "$out" = "$DNS" ]; ok $? "describe-load-balancers --names"
out=$(awsl elbv2 describe-target-groups --load-balancer-arn "$LB" --query 'TargetGroups[0].TargetGroupName' --output text)
[ "$out" = web-tg ]; ok $? "describe-target-groups --load-balancer-arn"
L=$(awsl elbv2 describe-listeners --load-balancer-arn "$LB" --query 'Listeners[0].ListenerArn' --output text)
contains "$L" ":listener/app/web-lb/"; ok $? "describe-listeners ($L)"
out=$(awsl elbv2 delete-target-group --target-group-arn "$TG" 2>&1)
contains "$out" ResourceInUse; ok $? "a target group in use is not deleted"
check "delete-listener" awsl elbv2 delete-listener --listener-arn "$L"
awsl elbv2 create-listener --load-balancer-arn "$LB" --protocol HTTP --port 80 \
	--default-actions 'Type=fixed-response,FixedResponseConfig={StatusCode=418,ContentType=text/plain,MessageBody=teapot}' >/dev/null
out=$(curl -s -w ' %{http_code}' "$E/_aws/elb/web-lb/any")
[ "$out" = 'teapot 418' ]; ok $? "a fixed-response listener answers by itself ($out)"
check "delete-load-balancer" awsl elbv2 delete-load-balancer --load-balancer-arn "$LB"
check "delete-target-group" awsl elbv2 delete-target-group --target-group-arn "$TG"
out=$(awsl elbv2 describe-load-balancers --query 'length(LoadBalancers)')
[ "$out" = 0 ]; ok $? "none left"
out=$(curl -s -w ' %{http_code}' "$E/_aws/elb/web-lb/x")
contains "$out" " 503"; ok $? "a deleted load balancer does not answer"
stop_cloud; ok $? "the cloud stops cleanly"
finish
