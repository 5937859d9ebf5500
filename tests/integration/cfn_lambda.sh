#!/bin/sh
# CloudFormation and the SAM transform with Lambda versions and aliases, with both AWS CLIs:
# AutoPublishAlias publishing a version per code change and moving its alias, explicit
# AWS::Lambda::Version and AWS::Lambda::Alias, a failing alias rolling the whole stack back,
# and deleting the stack; a queue's Tags, a rule target's RoleArn and a mapping's ScalingConfig.
# Usage: cfn_lambda.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"

if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud || exit 1
test_role
CF="awsl cloudformation"

# template MSG: the application, its handler's answer MSG.
template() {
	cat <<YAML
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      InlineCode: |
        import json
        def handler(event, context):
            for r in event.get("Records", []):
                print("EVENT", context.function_version, context.invoked_function_arn, r["body"])
            out = {"msg": "$1", "version": context.function_version}
            if "requestContext" in event:
                out["path"] = event.get("rawPath") or event["path"]
                return {"statusCode": 200, "body": json.dumps(out)}
            return out
      AutoPublishAlias: live
      FunctionUrlConfig:
        AuthType: NONE
      Events:
        Rest:
          Type: Api
          Properties:
            Path: /hello
            Method: get
        Http:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: get
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 1
      Policies:
        - AmazonS3ReadOnlyAccess
        - SQSPollerPolicy:
            QueueName: orders
  Jobs:
    Type: AWS::SQS::Queue
  PlainRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
      Policies:
        - PolicyName: reads
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: '*'
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Role: !GetAtt PlainRole.Arn
      Code:
        ZipFile: |
          import json
          def handler(event, context):
              out = {"version": context.function_version}
              if "requestContext" in event:
                  return {"statusCode": 200, "body": json.dumps(out)}
              return out
  PlainV1:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Plain
      Description: first
  PlainProd:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Plain
      FunctionVersion: !GetAtt PlainV1.Version
      Name: prod
  PlainApi:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: plain-rest
  PlainResource:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref PlainApi
      ParentId: !GetAtt PlainApi.RootResourceId
      PathPart: plain
  PlainGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref PlainApi
      ResourceId: !Ref PlainResource
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${PlainProd}/invocations"
  PlainDeployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: PlainGet
    Properties:
      RestApiId: !Ref PlainApi
  PlainStage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref PlainApi
      DeploymentId: !Ref PlainDeployment
      StageName: v1
  PlainRestPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref PlainProd
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:aws:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${PlainApi}/*/GET/plain"
  PlainHttp:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: plain-http
      ProtocolType: HTTP
  PlainIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref PlainHttp
      IntegrationType: AWS_PROXY
      IntegrationUri: !Ref PlainProd
      PayloadFormatVersion: '2.0'
  PlainRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref PlainHttp
      RouteKey: GET /plain
      Target: !Sub "integrations/\${PlainIntegration}"
  PlainHttpStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref PlainHttp
      StageName: \$default
      AutoDeploy: true
  PlainHttpPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref PlainProd
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:aws:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${PlainHttp}/*/*/plain"
Outputs:
  Alias:
    Value: !Ref FnAliaslive
  Prod:
    Value: !Ref PlainProd
  RestUrl:
    Value: !Sub "https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.amazonaws.com/Prod/hello"
  HttpUrl:
    Value: !Sub "https://\${ServerlessHttpApi}.execute-api.\${AWS::Region}.amazonaws.com/items/7"
  PlainRestUrl:
    Value: !Sub "https://\${PlainApi}.execute-api.\${AWS::Region}.amazonaws.com/v1/plain"
  PlainHttpUrl:
    Value: !Sub "https://\${PlainHttp}.execute-api.\${AWS::Region}.amazonaws.com/plain"
  FnUrl:
    Value: !GetAtt FnUrl.FunctionUrl
YAML
}

# settle STACK: poll until the stack's status is no longer IN_PROGRESS; prints it. The polls
# are plain signed requests (a CLI start per poll cost a second of CPU each); the CLI says why
# when there is no status to read.
settle() {
	i=0
	while [ $i -lt 600 ]; do
		st=$(sigcurl cloudformation -s "$E/" --data 'Action=DescribeStacks&Version=2010-05-15' \
			--data-urlencode "StackName=$1" |
			sed -n 's:.*<StackStatus>\([^<]*\)</StackStatus>.*:\1:p' | head -1)
		case "$st" in
		"")
			st=$($CF describe-stacks --stack-name "$1" --query 'Stacks[0].StackStatus' \
				--output text 2>&1)
			break
			;;
		*IN_PROGRESS*) ;;
		*) break ;;
		esac
		i=$((i + 1))
		sleep 0.2
	done
	echo "$st"
}

# via_api OUTPUT: GET the URL of stack st's output OUTPUT (AWS's execute-api form) through the
# local cloud's API Gateway door, by the API's host name as on AWS.
via_api() {
	u=$(output "$1")
	host=$(echo "$u" | sed -n 's|^https://\([a-z0-9]*\)\.execute-api\.us-east-1\.amazonaws\.com/.*|\1|p')
	[ -n "$host" ] || { echo "no API URL in $1: $u"; return; }
	curl -s "http://$host.execute-api.localhost:${E##*:}/${u#https://*/}"
}

# output KEY: an output's value in stack st.
output() {
	$CF describe-stacks --stack-name st --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" \
		--output text 2>&1
}

# physical LOGICAL-ID: a resource's physical id in stack st.
physical() {
	$CF describe-stack-resources --stack-name st --logical-resource-id "$1" \
		--query 'StackResources[0].PhysicalResourceId' --output text 2>&1
}

template one >"$WORK/t.yaml"
out=$($CF deploy --template-file "$WORK/t.yaml" --stack-name st --capabilities CAPABILITY_IAM 2>&1)
contains "$out" "Successfully created/updated stack"
ok $? "2.x: deploy creates the stack"
note "$out"
out=$($CF describe-stack-resources --stack-name st \
	--query 'StackResources[].[ResourceType,ResourceStatus]' --output text 2>&1)
for t in AWS::Lambda::Function AWS::Lambda::Version AWS::Lambda::Alias AWS::IAM::Role \
	AWS::Lambda::EventSourceMapping AWS::Lambda::Permission AWS::ApiGateway::RestApi \
	AWS::ApiGateway::Resource AWS::ApiGateway::Method AWS::ApiGateway::Deployment \
	AWS::ApiGateway::Stage AWS::ApiGatewayV2::Api AWS::ApiGatewayV2::Integration \
	AWS::ApiGatewayV2::Route AWS::ApiGatewayV2::Stage; do
	echo "$out" | grep -q "^$t	CREATE_COMPLETE"
	ok $? "$t created"
done
FN=$(physical Fn)
PLAIN=$(physical Plain)
out=$($CF describe-stacks --stack-name st --query 'Stacks[0].Outputs' --output text 2>&1)
contains "$out" ":function:$FN:live" && contains "$out" ":function:$PLAIN:prod"
ok $? "the outputs name the aliases"
# SAM's Api and HttpApi events: the implicit ServerlessRestApi (stage Prod) and ServerlessHttpApi
# ($default), their URLs by !Sub, each running the function through its alias; and the same by
# hand with AWS::ApiGateway::* and AWS::ApiGatewayV2::* in front of an AWS::Lambda::Alias.
out=$(via_api RestUrl)
[ "$out" = '{"msg": "one", "version": "1", "path": "/hello"}' ]
ok $? "SAM Api event: ServerlessRestApi's Prod stage runs the alias live ($out)"
out=$(via_api HttpUrl)
[ "$out" = '{"msg": "one", "version": "1", "path": "/items/7"}' ]
ok $? "SAM HttpApi event: ServerlessHttpApi runs the alias live ($out)"
out=$(via_api PlainRestUrl)
[ "$out" = '{"version": "1"}' ]
ok $? "AWS::ApiGateway::Method's AWS_PROXY integration runs the alias prod ($out)"
out=$(via_api PlainHttpUrl)
[ "$out" = '{"version": "1"}' ]
ok $? "AWS::ApiGatewayV2::Route to its Integration runs the alias prod ($out)"
API=$(physical ServerlessRestApi)
out=$(awsl apigateway get-resources --rest-api-id "$API" --query 'items[].path' --output text 2>&1)
[ "$(echo $out | tr ' ' '\n' | sort | paste -sd' ')" = "/ /hello" ]
ok $? "the REST API's resources, read by a client ($out)"
# SAM's FunctionUrlConfig with AutoPublishAlias: the URL is the alias's, open by its policy.
out=$(curl -s "$(output FnUrl)")
[ "$out" = '{"msg": "one", "version": "1", "path": "/"}' ]
ok $? "SAM FunctionUrlConfig: the alias's function URL runs version 1 ($out)"
out=$(awsl lambda get-function-url-config --function-name "$(physical Fn)" --qualifier live \
	--query FunctionUrl --output text 2>&1)
[ "$out" = "$(output FnUrl)" ]
ok $? "get-function-url-config --qualifier live names it ($out)"
HTTP=$(physical ServerlessHttpApi)
out=$(awsl apigatewayv2 get-routes --api-id "$HTTP" --query 'Items[].RouteKey' --output text 2>&1)
[ "$out" = "GET /items/{id}" ]
ok $? "the HTTP API's routes, read by a client ($out)"

# The roles are IAM's: SAM's implicit FnRole with its policies, and the template's own.
FNROLE=$(physical FnRole)
out=$(awsl iam get-role --role-name "$FNROLE" --query Role.Arn --output text 2>&1)
[ "$out" = "arn:aws:iam::$ACCT:role/$FNROLE" ]
ok $? "SAM's FnRole is an IAM role ($out)"
out=$(awsl lambda get-function-configuration --function-name "$FN" --query Role --output text 2>&1)
[ "$out" = "arn:aws:iam::$ACCT:role/$FNROLE" ]
ok $? "the function runs as it"
out=$(awsl iam list-attached-role-policies --role-name "$FNROLE" \
	--query 'AttachedPolicies[].PolicyName' --output text 2>&1)
contains "$out" AWSLambdaBasicExecutionRole && contains "$out" AmazonS3ReadOnlyAccess
ok $? "FnRole's managed policies: the basic execution role and Policies' name ($out)"
out=$(awsl iam get-role-policy --role-name "$FNROLE" --policy-name FnRolePolicy1 2>&1)
contains "$out" sqs:ReceiveMessage && contains "$out" ":orders"
ok $? "FnRole's inline FnRolePolicy1: SQSPollerPolicy for the queue orders"
PROLE=$(physical PlainRole)
out=$(awsl iam get-role-policy --role-name "$PROLE" --policy-name reads \
	--query 'PolicyDocument.Statement[0].Action' --output text 2>&1)
[ "$out" = s3:GetObject ]
ok $? "AWS::IAM::Role: its inline policy ($out)"
out=$(awsl iam list-attached-role-policies --role-name "$PROLE" \
	--query 'AttachedPolicies[].PolicyArn' --output text 2>&1)
[ "$out" = arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole ]
ok $? "AWS::IAM::Role: its managed policy ($out)"
awsl lambda invoke --function-name "$FN:live" "$WORK/o1.json" >"$WORK/inv" 2>&1
contains "$(cat "$WORK/o1.json")" '"msg": "one", "version": "1"'
ok $? "the alias live runs version 1 ($(cat "$WORK/o1.json"))"
awsl lambda invoke --function-name "$PLAIN" --qualifier prod "$WORK/o2.json" >"$WORK/inv" 2>&1
contains "$(cat "$WORK/o2.json")" '"version": "1"'
ok $? "AWS::Lambda::Alias prod runs AWS::Lambda::Version 1"
out=$(awsl lambda get-function-configuration --function-name "$PLAIN:1" \
	--query Description --output text 2>&1)
[ "$out" = first ]
ok $? "the version's Description ($out)"

# SAM's SQS event of a function with AutoPublishAlias maps the queue to the alias.
out=$(awsl lambda list-event-source-mappings --function-name "$FN" \
	--query 'EventSourceMappings[].FunctionArn' --output text 2>&1)
contains "$out" ":function:$FN:live"
ok $? "the SQS event's mapping targets the alias ($out)"
QURL=$(awsl sqs get-queue-url --queue-name "$(physical Jobs | sed 's|.*/||')" --query QueueUrl \
	--output text 2>&1)
awsl sqs send-message --queue-url "$QURL" --message-body from-the-queue >/dev/null 2>&1
# Until the mapping has delivered it (the cloud knows), rather than a CLI start per look.
ctl "/_tutor/settle?timeout=60" -X POST >/dev/null
i=0
while [ $i -lt 150 ]; do
	logs=$(awsl logs filter-log-events --log-group-name "/aws/lambda/$FN" \
		--filter-pattern EVENT --query 'events[].message' --output text 2>/dev/null)
	contains "$logs" from-the-queue && break
	i=$((i + 1))
	sleep 0.2
done
contains "$logs" "EVENT 1 " && contains "$logs" ":function:$FN:live from-the-queue"
ok $? "a message runs version 1 through the alias ($(echo $logs))"

# A second deploy with changed code, by the 1.x CLI: a new version, the alias moved to it.
template two >"$WORK/t.yaml"
if command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1'; then
	dep() { AWS_ENDPOINT_URL=$E aws cloudformation "$@"; }
	cli=1.x
else
	dep() { $CF "$@"; }
	cli=2.x
fi
out=$(dep deploy --template-file "$WORK/t.yaml" --stack-name st --capabilities CAPABILITY_IAM 2>&1)
contains "$out" "Successfully created/updated stack"
ok $? "$cli: a second deploy updates the stack"
out=$(dep describe-stacks --stack-name st --query 'Stacks[0].StackStatus' --output text 2>&1)
[ "$out" = UPDATE_COMPLETE ]
ok $? "$cli: UPDATE_COMPLETE ($out)"
out=$(awsl lambda list-versions-by-function --function-name "$FN" --query 'Versions[].Version' \
	--output text 2>&1)
[ "$(echo $out)" = '$LATEST 1 2' ]
ok $? "the changed code is version 2; version 1 is kept ($out)"
awsl lambda invoke --function-name "$FN:live" "$WORK/o3.json" >"$WORK/inv" 2>&1
contains "$(cat "$WORK/o3.json")" '"msg": "two", "version": "2"'
ok $? "the alias live moved to version 2 ($(cat "$WORK/o3.json"))"
out=$(via_api RestUrl)
[ "$out" = '{"msg": "two", "version": "2", "path": "/hello"}' ]
ok $? "the REST API follows the alias to version 2 ($out)"
out=$(via_api HttpUrl)
[ "$out" = '{"msg": "two", "version": "2", "path": "/items/7"}' ]
ok $? "the HTTP API follows it too ($out)"
out=$(curl -s "$(output FnUrl)")
[ "$out" = '{"msg": "two", "version": "2", "path": "/"}' ]
ok $? "... and the alias's function URL ($out)"

# An alias of a version that does not exist: the stack fails and rolls back completely.
cat >"$WORK/bad.yaml" <<YAML
Resources:
  F:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: doomed
      Handler: index.handler
      Runtime: python3.12
      Role: $ROLE
      Code:
        ZipFile: "def handler(e, c): return 1"
  A:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref F
      FunctionVersion: "9"
      Name: live
YAML
$CF create-stack --stack-name bad --template-body "file://$WORK/bad.yaml" >/dev/null 2>&1
out=$(settle bad)
[ "$out" = ROLLBACK_COMPLETE ]
ok $? "the failed stack is ROLLBACK_COMPLETE ($out)"
out=$($CF describe-stack-events --stack-name bad \
	--query 'StackEvents[?ResourceStatus==`CREATE_FAILED`].ResourceStatusReason' --output text 2>&1)
contains "$out" "Function not found: arn:aws:lambda:us-east-1:$ACCT:function:doomed:9"
ok $? "an alias of a missing version: CREATE_FAILED with Lambda's error ($out)"
out=$(awsl lambda get-function --function-name doomed 2>&1)
contains "$out" "ResourceNotFoundException"
ok $? "the rollback deleted the function"

# The stack `sam deploy --resolve-s3` makes for its artifacts, as SAM CLI sends it (its
# bootstrap's template and calls: a change set with CAPABILITY_IAM only, tagged
# ManagedStackSource): SAM CLI itself is a PyPI package this machine cannot install.
cat >"$WORK/samcli.json" <<'JSON'
{"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::Serverless-2016-10-31",
 "Description": "Managed Stack for AWS SAM CLI",
 "Metadata": {"SamCliInfo": {"version": "1.120.0", "installationId": "unknown"}},
 "Resources": {
  "SamCliSourceBucket": {"Type": "AWS::S3::Bucket", "Properties": {
   "PublicAccessBlockConfiguration": {"BlockPublicPolicy": "true", "BlockPublicAcls": "true",
    "IgnorePublicAcls": "true", "RestrictPublicBuckets": "true"},
   "BucketEncryption": {"ServerSideEncryptionConfiguration": [
    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]},
   "VersioningConfiguration": {"Status": "Enabled"},
   "Tags": [{"Key": "ManagedStackSource", "Value": "AwsSamCli"}]}},
  "SamCliSourceBucketBucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
   "Bucket": {"Ref": "SamCliSourceBucket"}, "PolicyDocument": {"Statement": [
    {"Action": ["s3:GetObject"], "Effect": "Allow",
     "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::",
      {"Ref": "SamCliSourceBucket"}, "/*"]]},
     "Principal": {"Service": "serverlessrepo.amazonaws.com"},
     "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}},
    {"Action": ["s3:*"], "Effect": "Deny", "Resource": [
     {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "SamCliSourceBucket"}]]},
     {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "SamCliSourceBucket"}, "/*"]]}],
     "Principal": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}}},
 "Outputs": {"SourceBucket": {"Value": {"Ref": "SamCliSourceBucket"}}}}
JSON
MS=aws-sam-cli-managed-default
out=$($CF create-change-set --stack-name $MS --template-body "file://$WORK/samcli.json" \
	--tags Key=ManagedStackSource,Value=AwsSamCli --change-set-type CREATE \
	--change-set-name InitialCreation --capabilities CAPABILITY_IAM 2>&1)
contains "$out" '"StackId"'
ok $? "SAM CLI's managed stack: create-change-set with CAPABILITY_IAM alone ($out)"
$CF wait change-set-create-complete --stack-name $MS --change-set-name InitialCreation
check "SAM CLI's managed stack: execute-change-set" $CF execute-change-set --stack-name $MS \
	--change-set-name InitialCreation
st=$(settle $MS)
[ "$st" = CREATE_COMPLETE ]
ok $? "SAM CLI's managed stack: CREATE_COMPLETE ($st)"
SB=$($CF describe-stacks --stack-name $MS \
	--query 'Stacks[0].Outputs[?OutputKey==`SourceBucket`].OutputValue' --output text 2>&1)
out=$($CF describe-stacks --stack-name $MS --query 'Stacks[0].Tags' --output text 2>&1)
[ "$out" = "ManagedStackSource	AwsSamCli" ]
ok $? "SAM CLI's managed stack: the tag SAM CLI checks ($out)"
out=$(awsl s3api get-bucket-policy --bucket "$SB" --query Policy --output text 2>&1)
contains "$out" "\"Resource\":\"arn:aws:s3:::$SB/*\"" &&
	contains "$out" "\"aws:SourceAccount\":\"$ACCT\""
ok $? "SAM CLI's managed stack: the bucket's policy, its Fn::Join and Refs resolved ($out)"
printf 'zip' >"$WORK/artifact"
# Its Deny of plain HTTP asks for aws:SecureTransport, which no request here carries.
out=$(awsl s3api put-object --bucket "$SB" --key app/abc --body "$WORK/artifact" 2>&1)
contains "$out" '"ServerSideEncryption": "aws:kms"'
ok $? "SAM CLI's managed stack: an artifact uploads, encrypted with aws:kms by the bucket's default ($out)"
vid=$(json_field "$out" VersionId)
out=$(awsl s3api get-bucket-versioning --bucket "$SB" --query Status --output text 2>&1)
[ "$out" = Enabled ] && [ -n "$vid" ]
ok $? "SAM CLI's managed stack: the bucket is versioned ($out, version $vid)"
out=$(awsl s3api get-public-access-block --bucket "$SB" --output text 2>&1)
[ "$out" = "PUBLICACCESSBLOCKCONFIGURATION	True	True	True	True" ]
ok $? "SAM CLI's managed stack: its public access block is on ($out)"
out=$(awsl s3api get-bucket-tagging --bucket "$SB" 2>&1)
contains "$out" '"Value": "AwsSamCli"' && contains "$out" '"Key": "aws:cloudformation:stack-name"'
ok $? "SAM CLI's managed stack: the bucket's tags, CloudFormation's own among them" || note "$out"
# A versioned bucket is empty only without versions: the artifact goes by its VersionId.
awsl s3api delete-object --bucket "$SB" --key app/abc --version-id "$vid" >/dev/null 2>&1
check "SAM CLI's managed stack: delete-stack" $CF delete-stack --stack-name $MS
settle $MS >/dev/null
out=$(awsl s3api head-bucket --bucket "$SB" 2>&1)
contains "$out" "404"
ok $? "SAM CLI's managed stack: deleted, its bucket is gone ($out)"

# `aws cloudformation package` uploads a function's CodeUri and a layer's ContentUri to S3 (the
# 1.x CLI: its S3 client honours AWS_ENDPOINT_URL, the 2.9 CLI's does not), and the stack's
# Lambda reads them from there.
if command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1'; then
	P="$WORK/pkg"
	mkdir -p "$P/src" "$P/layer/python"
	printf 'import shared\ndef handler(event, context):\n    return {"from_layer": shared.VALUE}\n' \
		>"$P/src/app.py"
	printf 'VALUE = "layer-ok"\n' >"$P/layer/python/shared.py"
	cat >"$P/t.yaml" <<'YAML'
Transform: AWS::Serverless-2016-10-31
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
      CompatibleRuntimes: [python3.12]
      RetentionPolicy: Delete
  Pkg:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Layers: [!Ref Shared]
YAML
	v1cf() { AWS_ENDPOINT_URL=$E aws cloudformation "$@"; }
	awsl s3api create-bucket --bucket artifacts >/dev/null 2>&1
	out=$(v1cf package --template-file "$P/t.yaml" --s3-bucket artifacts \
		--output-template-file "$P/out.yaml" 2>&1)
	grep -q "CodeUri: s3://artifacts/" "$P/out.yaml" && grep -q "ContentUri: s3://artifacts/" "$P/out.yaml"
	ok $? "1.x: package uploads the code and the layer to the local S3"
	out=$(v1cf deploy --template-file "$P/out.yaml" --stack-name pkg \
		--capabilities CAPABILITY_IAM 2>&1)
	contains "$out" "Successfully created/updated stack"
	ok $? "1.x: deploy of the packaged template"
	note "$(echo "$out" | tail -3)"
	PKG=$($CF describe-stack-resources --stack-name pkg --logical-resource-id Pkg \
		--query 'StackResources[0].PhysicalResourceId' --output text 2>&1)
	awsl lambda invoke --function-name "$PKG" "$WORK/o4.json" >"$WORK/inv" 2>&1
	contains "$(cat "$WORK/o4.json")" '"from_layer": "layer-ok"'
	ok $? "the function's code and its layer came from S3 ($(cat "$WORK/o4.json"))"
	check "delete-stack pkg" $CF delete-stack --stack-name pkg
	settle pkg >/dev/null
	out=$(awsl lambda list-layers --query 'Layers[].LayerName' --output text 2>&1)
	! contains "$out" Shared
	ok $? "the layer with RetentionPolicy Delete went with its stack ($out)"
else
	echo "# skip package: no 1.x CLI on PATH"
fi

check "delete-stack" $CF delete-stack --stack-name st
settle st >/dev/null
out=$(awsl lambda list-functions --query 'Functions[].FunctionName' --output text 2>&1)
! contains "$out" "$FN" && ! contains "$out" "$PLAIN"
ok $? "deleting the stack deletes its functions, versions and aliases ($out)"
out=$(awsl iam get-role --role-name "$FNROLE" 2>&1)
contains "$out" NoSuchEntity
ok $? "... and its roles"
out=$(awsl apigateway get-rest-apis --query 'items[].id' --output text 2>&1)$(awsl apigatewayv2 \
	get-apis --query 'Items[].ApiId' --output text 2>&1)
[ -z "$out" ]
ok $? "... and its REST and HTTP APIs ($out)"
# A SAM DeploymentPreference end to end, on real Lambda and CloudWatch: an update of the code
# shifts the alias 10 % at a time on the account's clock (Canary10Percent5Minutes), completes
# once the clock passes five minutes, and a later update rolls back when its alarm is in ALARM.
# gradual MSG: the template, its handler's answer MSG (SAM publishes a version when the code's
# text changes, not when a parameter it substitutes does).
gradual() {
	cat <<YAML
Transform: AWS::Serverless-2016-10-31
Resources:
  Errors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: gd-errors
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: gd}]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
  Gd:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: gd
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context):\\n    return '$1'\\n"
      AutoPublishAlias: live
      DeploymentPreference:
        Type: Canary10Percent5Minutes
        Alarms: [!Ref Errors]
YAML
}
# shift_to MSG NAME: start an update of stack gd to the code answering MSG, by a change set
# NAME (deploy would wait for the whole deployment).
shift_to() {
	gradual "$1" >"$WORK/gd-$2.yaml"
	$CF create-change-set --stack-name gd --change-set-name "$2" --capabilities CAPABILITY_IAM \
		--template-body "file://$WORK/gd-$2.yaml" >/dev/null 2>&1
	end=$(($(date +%s) + 120))
	while [ "$(date +%s)" -lt $end ]; do
		cs=$($CF describe-change-set --stack-name gd --change-set-name "$2" \
			--query Status --output text 2>&1)
		case "$cs" in CREATE_COMPLETE | FAILED) break ;; esac
		sleep 0.2
	done
	$CF execute-change-set --stack-name gd --change-set-name "$2" >/dev/null 2>&1
}
# weights: the alias live as "VERSION {EXTRA: WEIGHT}".
weights() {
	awsl lambda get-alias --function-name gd --name live \
		--query '[FunctionVersion, RoutingConfig.AdditionalVersionWeights]' --output json 2>&1 |
		tr -d ' \n'
}
# until_weights WANT: poll until weights prints WANT; prints the last.
until_weights() {
	end=$(($(date +%s) + 120))
	while [ "$(date +%s)" -lt $end ]; do
		w=$(weights)
		[ "$w" = "$1" ] && break
		sleep 0.2
	done
	echo "$w"
}
gradual one >"$WORK/gd.yaml"
out=$($CF deploy --template-file "$WORK/gd.yaml" --stack-name gd --capabilities CAPABILITY_IAM 2>&1)
contains "$out" "Successfully created/updated stack"
ok $? "gradual: the stack with a DeploymentPreference is created ($(echo "$out" | tail -1))"
shift_to two c2
out=$(until_weights '["1",{"2":0.1}]')
[ "$out" = '["1",{"2":0.1}]' ]
ok $? "gradual: the update sends 10 % to version 2 first ($out)"
dep=$(awsl deploy list-deployments --query 'deployments[0]' --output text 2>&1)
out=$(awsl deploy get-deployment --deployment-id "$dep" --query deploymentInfo.status \
	--output text 2>&1)
[ "$out" = InProgress ]
ok $? "gradual: CodeDeploy shows the deployment $dep in progress ($out)"
st=$($CF describe-stacks --stack-name gd --query 'Stacks[0].StackStatus' --output text 2>&1)
[ "$st" = UPDATE_IN_PROGRESS ]
ok $? "gradual: the stack stays UPDATE_IN_PROGRESS while the canary runs ($st)"
ctl "/_tutor/clock/advance?seconds=300" -f -X POST >/dev/null
st=$(settle gd)
[ "$st" = UPDATE_COMPLETE ]
ok $? "gradual: five minutes later by the account's clock the update completes ($st)"
out=$(weights)
[ "$out" = '["2",null]' ] || [ "$out" = '["2",{}]' ]
ok $? "gradual: all traffic on version 2 ($out)"
awsl lambda invoke --function-name gd:live "$WORK/gd.json" >/dev/null 2>&1
contains "$(cat "$WORK/gd.json")" '"two"'
ok $? "gradual: the alias runs the new code ($(cat "$WORK/gd.json"))"
shift_to three c3
out=$(until_weights '["2",{"3":0.1}]')
[ "$out" = '["2",{"3":0.1}]' ]
ok $? "gradual: the next update starts its canary ($out)"
v1cw() { AWS_ENDPOINT_URL=$E aws cloudwatch "$@"; }
if command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1'; then
	v1cw set-alarm-state --alarm-name gd-errors --state-value ALARM --state-reason test \
		>/dev/null 2>&1
else
	awsl cloudwatch set-alarm-state --alarm-name gd-errors --state-value ALARM \
		--state-reason test >/dev/null 2>&1
fi
st=$(settle gd)
[ "$st" = UPDATE_ROLLBACK_COMPLETE ]
ok $? "gradual: its alarm in ALARM rolls the stack back ($st)"
out=$(weights)
[ "$out" = '["2",null]' ] || [ "$out" = '["2",{}]' ]
ok $? "gradual: traffic is back on version 2 alone ($out)"
out=$($CF describe-stack-events --stack-name gd --output text \
	--query 'StackEvents[].ResourceStatusReason' 2>&1)
contains "$out" "alarm gd-errors is in ALARM"
ok $? "gradual: a stack event says why"
check "gradual: delete-stack gd" $CF delete-stack --stack-name gd
settle gd >/dev/null

# Messaging properties the local services now apply: a queue's Tags (and their update), a rule
# target's RoleArn, an SQS mapping's ScalingConfig.
msg_template() {
	cat <<YAML
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      Tags:
        - {Key: team, Value: $1}
        - {Key: $2, Value: "yes"}
  ToQueue:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: send
          PolicyDocument:
            Version: '2012-10-17'
            Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Q.Arn}]
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [cfn-msg]}
      Targets:
        - {Id: q, Arn: !GetAtt Q.Arn, RoleArn: !GetAtt ToQueue.Arn}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: $ROLE
      Code:
        ZipFile: |
          def handler(event, context):
              return len(event["Records"])
  Work:
    Type: AWS::SQS::Queue
  Map:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Work.Arn
      ScalingConfig: {MaximumConcurrency: 2}
YAML
}
msg_template red cost >"$WORK/msg.yaml"
out=$($CF deploy --template-file "$WORK/msg.yaml" --stack-name msg --capabilities CAPABILITY_IAM 2>&1)
ok $? "messaging: deploy a queue with Tags, a rule target with a RoleArn, a mapping with ScalingConfig" ||
	note "$out"
res() {
	$CF describe-stack-resources --stack-name msg --logical-resource-id "$1" \
		--query 'StackResources[0].PhysicalResourceId' --output text 2>&1
}
MQ=$(res Q)
out=$(awsl sqs list-queue-tags --queue-url "$MQ" --query 'Tags.[team, cost]' --output text 2>&1)
[ "$out" = "red	yes" ]
ok $? "messaging: the queue's Tags, read by ListQueueTags ($out)"
RULE=$(res Rule)
out=$(awsl events list-targets-by-rule --rule "$RULE" --query 'Targets[0].RoleArn' --output text 2>&1)
contains "$out" ":role/"
ok $? "messaging: the rule's target has its RoleArn ($out)"
awsl events put-events --entries '[{"Source":"cfn-msg","DetailType":"t","Detail":"{}"}]' >/dev/null
out=$(awsl sqs receive-message --queue-url "$MQ" --query 'Messages[0].Body' --output text 2>&1)
contains "$out" '"source":"cfn-msg"'
ok $? "messaging: an event reaches the queue through the target's role ($out)"
out=$(awsl lambda get-event-source-mapping --uuid "$(res Map)" \
	--query 'ScalingConfig.MaximumConcurrency' --output text 2>&1)
[ "$out" = 2 ]
ok $? "messaging: the mapping's ScalingConfig MaximumConcurrency ($out)"
msg_template blue stage >"$WORK/msg.yaml"
out=$($CF deploy --template-file "$WORK/msg.yaml" --stack-name msg --capabilities CAPABILITY_IAM 2>&1)
ok $? "messaging: deploy changed Tags" || note "$out"
out=$(awsl sqs list-queue-tags --queue-url "$MQ" --output json 2>&1)
contains "$out" '"team": "blue"' && contains "$out" '"stage": "yes"' && ! contains "$out" cost
ok $? "messaging: the update retags the queue, the tag it dropped gone ($out)"
check "messaging: delete-stack msg" $CF delete-stack --stack-name msg
settle msg >/dev/null
finish
