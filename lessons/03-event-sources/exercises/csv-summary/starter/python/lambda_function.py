import json
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")
OUTPUT_BUCKET = os.environ.get("OUTPUT_BUCKET", "")


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        # TODO: decode the key, read the CSV object, count its rows and add up its
        # amounts, then write {"source", "rows", "total"} as summaries/NAME.json
        # to OUTPUT_BUCKET.
        print(f"new object s3://{bucket}/{key}")
