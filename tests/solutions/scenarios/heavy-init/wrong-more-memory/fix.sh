# Tempting: more memory means more CPU; a wait does not get shorter with CPU.
aws lambda update-function-configuration --function-name product-lookup --memory-size 2048
