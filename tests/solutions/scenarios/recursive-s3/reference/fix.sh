# Only customers' uploads invoke the function; its own thumbnails do not.
arn=$(aws lambda get-function-configuration --function-name thumbnailer --query FunctionArn --output text)
cat > notification.json <<JSON
{"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "$arn", "Events": ["s3:ObjectCreated:*"],
  "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}}}]}
JSON
aws s3api put-bucket-notification-configuration --bucket scen-photo-library --notification-configuration file://notification.json
rm -f notification.json
