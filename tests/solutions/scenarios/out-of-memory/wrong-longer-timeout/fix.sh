# Tempting: it "dies", so give it more time.
aws lambda update-function-configuration --function-name monthly-report --timeout 60
