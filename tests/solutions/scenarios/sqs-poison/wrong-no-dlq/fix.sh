# Half the fix: a partial batch response, but nowhere for the bad message to go: it loops for ever.
python3 -m zipfile -c app.zip lambda_function.py
aws lambda update-function-code --function-name order-saver --zip-file fileb://app.zip
rm -f app.zip
uuid=$(aws lambda list-event-source-mappings --function-name order-saver --query 'EventSourceMappings[0].UUID' --output text)
aws lambda update-event-source-mapping --uuid "$uuid" --function-response-types ReportBatchItemFailures
