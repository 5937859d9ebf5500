aws lambda delete-function-concurrency --function-name place-order
