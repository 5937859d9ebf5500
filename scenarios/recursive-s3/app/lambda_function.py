import urllib.parse

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        # A stand-in for resizing: the first kilobyte is the "thumbnail".
        thumb = "thumbs/" + key
        s3.put_object(Bucket=bucket, Key=thumb, Body=body[:1024])
        print(f"thumbnail of {key} written to {thumb}")
    return {"thumbnails": len(event["Records"])}
