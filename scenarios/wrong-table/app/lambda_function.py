import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def lambda_handler(event, context):
    note_id = event["id"]
    print(json.dumps({"message": "saving note", "id": note_id, "table": table.name}))
    table.put_item(Item={"id": note_id, "text": event["text"]})
    return {"saved": note_id}
