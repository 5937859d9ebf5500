# Also right: a timeout with room to spare, and more memory with it (more CPU, same wait).
aws lambda update-function-configuration --function-name price-quote --timeout 10 --memory-size 512
