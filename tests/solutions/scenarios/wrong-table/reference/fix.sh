aws lambda update-function-configuration --function-name save-note --environment 'Variables={TABLE_NAME=notes}'
