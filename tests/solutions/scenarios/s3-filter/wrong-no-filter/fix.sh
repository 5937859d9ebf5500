# Tempting: drop the filter, so that every object invokes the function.
arn=$(aws lambda get-function-configuration --function-name photo-intake --query FunctionArn --output text)
cat > notification.json <<JSON
{"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "$arn", "Events": ["s3:ObjectCreated:*"]}]}
JSON
aws s3api put-bucket-notification-configuration --bucket scen-photo-uploads --notification-configuration file://notification.json
rm -f notification.json
