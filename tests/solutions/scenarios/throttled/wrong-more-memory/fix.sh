# Tempting: "Rate Exceeded" sounds like capacity, so add memory.
aws lambda update-function-configuration --function-name place-order --memory-size 512
