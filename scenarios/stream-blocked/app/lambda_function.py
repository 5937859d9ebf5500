import json


def lambda_handler(event, context):
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage")
        if not image:
            continue
        payment_id = image["id"]["S"]
        raw = image["amount"]
        amount = int(raw["N"] if "N" in raw else raw["S"])
        print(f"recorded payment {payment_id} amount {amount}")
    return {"recorded": len(event["Records"])}
