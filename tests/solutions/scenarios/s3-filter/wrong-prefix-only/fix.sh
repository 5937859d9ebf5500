# Tempting: the prefix looks odd, change it, and leave the suffix as it is.
arn=$(aws lambda get-function-configuration --function-name photo-intake --query FunctionArn --output text)
cat > notification.json <<JSON
{"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "$arn", "Events": ["s3:ObjectCreated:*"],
  "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads"},
                                     {"Name": "suffix", "Value": ".jpeg"}]}}}]}
JSON
aws s3api put-bucket-notification-configuration --bucket scen-photo-uploads --notification-configuration file://notification.json
rm -f notification.json
