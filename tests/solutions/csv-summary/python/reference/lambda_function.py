import csv
import io
import json
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")
OUTPUT_BUCKET = os.environ["OUTPUT_BUCKET"]


def summarise(text):
    rows, total = 0, 0.0
    reader = csv.reader(io.StringIO(text))
    next(reader, None)  # the header
    for row in reader:
        if not row or not "".join(row).strip():
            continue
        rows += 1
        total += float(row[1])
    return rows, round(total, 2)


def output_key(key):
    name = key.removeprefix("uploads/").removesuffix(".csv")
    return f"summaries/{name}.json"


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        rows, total = summarise(text)
        summary = {"source": key, "rows": rows, "total": total}
        s3.put_object(
            Bucket=OUTPUT_BUCKET,
            Key=output_key(key),
            Body=json.dumps(summary).encode(),
            ContentType="application/json",
        )
        print(f"summarised s3://{bucket}/{key}: {rows} rows, total {total}")
