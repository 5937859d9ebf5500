import json


def lambda_handler(event, context):
    # TODO: greet event["name"] (or "World") and return the request ID too
    return {
        'statusCode': 200,
        'body': json.dumps('Hello from Lambda!')
    }
