import os

import boto3

ssm = boto3.client("ssm")
PARAMETER = os.environ.get("DISCOUNT_PARAMETER", "/shop/config/discount-percent")


def lambda_handler(event, context):
    # The discount is configuration: the marketing team changes it without a deploy.
    percent = int(ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"])
    price = int(event["price_cents"])
    total = price - price * percent // 100
    print(f"price {price} with {percent}% off: {total}")
    return {"price_cents": price, "discount_percent": percent, "total_cents": total}
