import json
import os


def lambda_handler(event, context):
    item = (event.get("queryStringParameters") or {}).get("item", "")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"item": item, "price": 10 * len(item),
                            "currency": os.environ["CURRENCY"]}),
    }
