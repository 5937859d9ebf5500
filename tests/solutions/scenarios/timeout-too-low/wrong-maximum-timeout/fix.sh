# Tempting: raise the timeout as far as it goes.
aws lambda update-function-configuration --function-name price-quote --timeout 900
