aws lambda update-function-configuration --function-name greeter --handler lambda_function.lambda_handler
