import json
import urllib.parse


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        print(f"processed {key} from {bucket}")
    return {"processed": len(event["Records"])}
