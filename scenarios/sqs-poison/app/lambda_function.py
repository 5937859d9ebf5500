import json

import boto3

table = boto3.resource("dynamodb").Table("orders")


def lambda_handler(event, context):
    # Every message of the batch is parsed before anything is saved.
    orders = [json.loads(record["body"]) for record in event["Records"]]
    for order in orders:
        table.put_item(Item={"id": order["id"], "qty": int(order["qty"])})
        print(f"saved order {order['id']}")
    return {"saved": len(orders)}
