# Tempting: all the memory there is.
aws lambda update-function-configuration --function-name monthly-report --memory-size 10240
