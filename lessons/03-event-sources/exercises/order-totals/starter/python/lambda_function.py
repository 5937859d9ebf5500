import os

import boto3

totals = boto3.resource("dynamodb").Table(os.environ["TOTALS_TABLE"])


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        change = record["dynamodb"]
        old = change.get("OldImage")  # absent for an INSERT
        new = change.get("NewImage")  # absent for a REMOVE
        # TODO: work out how this change moves its customer's total (each image has
        # "customer" {"S": ...} and "amount" {"N": ...}), and add it to the customer's item
        # in the totals table -- once only, even when Lambda delivers the record again.
        # TODO: an amount that is not a number cannot be processed: report the record
        # by its change["SequenceNumber"] and go on with the others.
    return {"batchItemFailures": failures}
