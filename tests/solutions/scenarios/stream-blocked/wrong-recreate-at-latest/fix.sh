# Tempting: start over from now, with bounded retries: the stuck payments are skipped.
uuid=$(aws lambda list-event-source-mappings --function-name ledger-writer --query 'EventSourceMappings[0].UUID' --output text)
arn=$(aws lambda list-event-source-mappings --function-name ledger-writer --query 'EventSourceMappings[0].EventSourceArn' --output text)
aws lambda delete-event-source-mapping --uuid "$uuid"
aws lambda create-event-source-mapping --function-name ledger-writer --event-source-arn "$arn" \
  --starting-position LATEST --maximum-retry-attempts 2 --bisect-batch-on-function-error
