# Tempting: delete the function and create it again, with new settings while at it.
aws lambda get-function --function-name place-order --query Code.Location --output text > url.txt
python3 -c "import urllib.request,sys; open('code.zip','wb').write(urllib.request.urlopen(open('url.txt').read().strip()).read())"
role=$(aws lambda get-function-configuration --function-name place-order --query Role --output text)
aws lambda delete-function --function-name place-order
aws lambda create-function --function-name place-order --runtime python3.13 \
  --handler lambda_function.lambda_handler --role "$role" \
  --memory-size 256 --timeout 10 --zip-file fileb://code.zip
rm -f url.txt code.zip
