# Tempting: the error says the table is missing, so create it.
aws dynamodb create-table --table-name notes-2025 --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=id,AttributeType=S --key-schema AttributeName=id,KeyType=HASH
