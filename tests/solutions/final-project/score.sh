#!/bin/sh
# Deploy the reference solution into a fresh cloud and score it with the rubric (by hand:
# a few minutes on a loaded machine, too slow for the suite). Usage: score.sh TUTOR
TUTOR=$1
. "$(dirname "$0")/../../integration/cloud_lib.sh"
export LAMBDA_TUTOR_DB=$WORK/records.db
start_cloud || { echo "no cloud"; time "$TUTOR" project check --workspace "$WS"; }
learner_keys
export AWS_ENDPOINT_URL=$E AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
"$TUTOR" project start --workspace "$WS" >/dev/null
cp -R "$(dirname "$0")/reference/." "$WS/final-project/"
cd "$WS/final-project"
# The local cloud's Lambda cannot read packaged code from S3 yet: the handler goes inline.
/usr/bin/python3 - <<'PY'
import re
t = open("template.yaml").read()
code = open("src/app.py").read()
inline = "InlineCode: |\n" + "".join("        " + l if l.strip() else "\n" for l in code.splitlines(True))
t = t.replace("CodeUri: src/", inline.rstrip("\n")).replace("Handler: app.", "Handler: index.")
# Nor can CloudFormation set a bucket's notification yet: the S3 event is added after deploy.
t = re.sub(r"\n      Events:\n        Upload:\n(          .*\n|            .*\n|              .*\n|                .*\n|                  .*\n)+", "\n", t)
open("inline.yaml", "w").write(t)
PY
time aws cloudformation deploy --template-file inline.yaml --stack-name final-project --capabilities CAPABILITY_IAM 2>&1 | tail -5
fn=$(aws cloudformation describe-stack-resource --stack-name final-project --logical-resource-id ImageFunction --query StackResourceDetail.PhysicalResourceId --output text)
arn=$(aws lambda get-function-configuration --function-name "$fn" --query FunctionArn --output text)
in=final-project-in-$ACCT
aws lambda add-permission --function-name "$fn" --statement-id s3 --action lambda:InvokeFunction --principal s3.amazonaws.com --source-arn "arn:aws:s3:::$in" >/dev/null
aws s3api put-bucket-notification-configuration --bucket "$in" --notification-configuration "{\"LambdaFunctionConfigurations\": [{\"LambdaFunctionArn\": \"$arn\", \"Events\": [\"s3:ObjectCreated:*\"], \"Filter\": {\"Key\": {\"FilterRules\": [{\"Name\": \"prefix\", \"Value\": \"uploads/\"}]}}}]}"
time "$TUTOR" project check --workspace "$WS"
