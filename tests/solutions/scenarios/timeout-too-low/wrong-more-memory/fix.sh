# Tempting: more memory makes functions faster; it does not make the dependency answer sooner.
aws lambda update-function-configuration --function-name price-quote --memory-size 1024
