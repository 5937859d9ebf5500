# Also right: enough memory for the export, and a longer timeout for the larger months.
aws lambda update-function-configuration --function-name monthly-report --memory-size 1024 --timeout 30
