"""Resize and convert uploaded images (the course's final project): complete the TODOs."""
import json
import os
import urllib.parse

import boto3
from PIL import Image

s3 = boto3.client("s3")
sns = boto3.client("sns")

OUTPUT_BUCKET = os.environ["OUTPUT_BUCKET"]
TOPIC_ARN = os.environ["TOPIC_ARN"]
SIZES = [int(s) for s in os.environ.get("SIZES", "800").split(",")]
FORMATS = [f.strip().lower() for f in os.environ.get("FORMATS", "jpeg").split(",")]


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        # TODO: read the object, open it with Pillow (bad files: log and raise, so that the
        # event reaches the failure destination), resize to each width in SIZES keeping the
        # aspect ratio, save in each format, put to OUTPUT_BUCKET with metadata, publish one
        # notification, and emit a custom metric.
        print(json.dumps({"message": "received", "bucket": bucket, "key": key}))
    return {"status": "todo"}
