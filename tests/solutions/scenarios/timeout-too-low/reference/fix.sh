# A timeout a few seconds above the pricing service's latency.
aws lambda update-function-configuration --function-name price-quote --timeout 5
