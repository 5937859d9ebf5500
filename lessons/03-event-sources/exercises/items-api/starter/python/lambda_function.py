import json
import os

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ.get("ITEMS_BUCKET", "")


def respond(status, data):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(data),
    }


def lambda_handler(event, context):
    method = event.get("httpMethod")
    resource = event.get("resource")
    # TODO: route on method and resource:
    #   GET /items/{id}  -> 200 with the item from items/<id>.json, or 404
    #   GET /items       -> 200 {"items": [...]}, honouring ?limit=N (1 to 100, default 10)
    #   POST /items      -> validate the JSON body, store the item, 201 with it
    #   anything else    -> 405
    return respond(200, {"method": method, "resource": resource})
