import os
from decimal import Decimal

import boto3
from botocore.exceptions import ClientError

totals = boto3.resource("dynamodb").Table(os.environ["TOTALS_TABLE"])


def amount(image):
    """The image's customer and amount; ValueError when the amount is not a number."""
    if not image:
        return None, Decimal(0)
    if "N" not in image["amount"]:
        raise ValueError(f"amount is not a number: {image['amount']}")
    return image["customer"]["S"], Decimal(image["amount"]["N"])


def apply(customer, delta, event_id):
    """Add delta to the customer's total, unless this record was applied before."""
    try:
        totals.update_item(
            Key={"customer": customer},
            UpdateExpression="ADD #t :delta, applied :ids",
            ConditionExpression="NOT contains(applied, :id)",
            ExpressionAttributeNames={"#t": "total"},
            ExpressionAttributeValues={":delta": delta, ":ids": {event_id}, ":id": event_id},
        )
    except ClientError as e:
        if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        change = record["dynamodb"]
        try:
            old_customer, old = amount(change.get("OldImage"))
            new_customer, new = amount(change.get("NewImage"))
        except ValueError as e:
            print(f"cannot process {change['SequenceNumber']}: {e}")
            failures.append({"itemIdentifier": change["SequenceNumber"]})
            continue
        deltas = {}
        if old_customer:
            deltas[old_customer] = deltas.get(old_customer, 0) - old
        if new_customer:
            deltas[new_customer] = deltas.get(new_customer, 0) + new
        for customer, delta in deltas.items():
            apply(customer, delta, record["eventID"])
    return {"batchItemFailures": failures}
