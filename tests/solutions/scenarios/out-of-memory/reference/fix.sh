aws lambda update-function-configuration --function-name monthly-report --memory-size 512
