# Allow the role to read that one parameter, and nothing else.
acct=$(aws sts get-caller-identity --query Account --output text)
cat > policy.json <<JSON
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter",
  "Resource": "arn:aws:ssm:us-east-1:$acct:parameter/shop/config/discount-percent"}]}
JSON
aws iam put-role-policy --role-name checkout-price-role --policy-name read-discount --policy-document file://policy.json
rm -f policy.json
