# Tempting: the right action, on every parameter of the account (its secrets too).
cat > policy.json <<JSON
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]}
JSON
aws iam put-role-policy --role-name checkout-price-role --policy-name read-discount --policy-document file://policy.json
rm -f policy.json
