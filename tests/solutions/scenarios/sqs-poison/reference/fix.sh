# Report only the bad message, and let the queue move it to the dead-letter queue.
python3 -m zipfile -c app.zip lambda_function.py
aws lambda update-function-code --function-name order-saver --zip-file fileb://app.zip
rm -f app.zip
uuid=$(aws lambda list-event-source-mappings --function-name order-saver --query 'EventSourceMappings[0].UUID' --output text)
aws lambda update-event-source-mapping --uuid "$uuid" --function-response-types ReportBatchItemFailures
url=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs get-queue-url --queue-name orders-in --query QueueUrl --output text)
dlq=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs get-queue-url --queue-name orders-dlq --query QueueUrl --output text)
dlq_arn=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs get-queue-attributes --queue-url "$dlq" --attribute-names QueueArn --query Attributes.QueueArn --output text)
cat > attributes.json <<JSON
{"RedrivePolicy": "{\"deadLetterTargetArn\":\"$dlq_arn\",\"maxReceiveCount\":\"3\"}"}
JSON
aws --endpoint-url "$AWS_ENDPOINT_URL" sqs set-queue-attributes --queue-url "$url" --attributes file://attributes.json
rm -f attributes.json
