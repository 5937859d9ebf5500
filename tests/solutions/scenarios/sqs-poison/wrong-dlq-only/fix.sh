# Half the fix: a dead-letter queue, but the handler still fails the whole batch for one message.
url=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs get-queue-url --queue-name orders-in --query QueueUrl --output text)
dlq=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs get-queue-url --queue-name orders-dlq --query QueueUrl --output text)
dlq_arn=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs get-queue-attributes --queue-url "$dlq" --attribute-names QueueArn --query Attributes.QueueArn --output text)
cat > attributes.json <<JSON
{"RedrivePolicy": "{\"deadLetterTargetArn\":\"$dlq_arn\",\"maxReceiveCount\":\"3\"}"}
JSON
aws --endpoint-url "$AWS_ENDPOINT_URL" sqs set-queue-attributes --queue-url "$url" --attributes file://attributes.json
rm -f attributes.json
