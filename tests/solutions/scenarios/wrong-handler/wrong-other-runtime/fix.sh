# Tempting: "it works on my laptop", so change the runtime.
aws lambda update-function-configuration --function-name greeter --runtime python3.12
