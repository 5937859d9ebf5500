# Bound the retries, split the failing batch, and keep what fails in a queue.
uuid=$(aws lambda list-event-source-mappings --function-name ledger-writer --query 'EventSourceMappings[0].UUID' --output text)
qurl=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs create-queue --queue-name ledger-failures --query QueueUrl --output text)
qarn=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs get-queue-attributes --queue-url "$qurl" --attribute-names QueueArn --query Attributes.QueueArn --output text)
aws lambda update-event-source-mapping --uuid "$uuid" --maximum-retry-attempts 2 \
  --bisect-batch-on-function-error --destination-config "{\"OnFailure\":{\"Destination\":\"$qarn\"}}"
