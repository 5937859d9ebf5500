# The catalogue is loaded once per execution environment, outside the handler.
python3 -m zipfile -c app.zip lambda_function.py
aws lambda update-function-code --function-name product-lookup --zip-file fileb://app.zip
rm -f app.zip
