import json

import boto3

table = boto3.resource("dynamodb").Table("orders")


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            table.put_item(Item={"id": order["id"], "qty": int(order["qty"])})
            print(f"saved order {order['id']}")
        except (ValueError, KeyError, TypeError) as err:
            print(f"cannot save message {record['messageId']}: {err}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
