# Tempting: fix the file part of the handler, not the function part.
aws lambda update-function-configuration --function-name greeter --handler app.handler
