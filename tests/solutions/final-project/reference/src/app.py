"""Resize and convert each uploaded image to the configured widths and formats."""
import io
import json
import os
import time
import urllib.parse

import boto3
from PIL import Image, ImageOps

s3 = boto3.client("s3")
sns = boto3.client("sns")

OUTPUT_BUCKET = os.environ["OUTPUT_BUCKET"]
TOPIC_ARN = os.environ["TOPIC_ARN"]
SIZES = [int(s) for s in os.environ.get("SIZES", "800").split(",")]
FORMATS = [f.strip().lower() for f in os.environ.get("FORMATS", "jpeg").split(",")]
NAMESPACE = os.environ.get("METRIC_NAMESPACE", "ImageProcessor")
MAX_PIXELS = int(os.environ.get("MAX_PIXELS", str(40_000_000)))
PIL_FORMAT = {"jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP", "png": "PNG"}


def log(message, **fields):
    print(json.dumps({"message": message, **fields}))


def open_image(body):
    """The image, upright (EXIF rotation applied), in RGB; ValueError when it is not one."""
    try:
        img = Image.open(io.BytesIO(body))
        if img.width * img.height > MAX_PIXELS:
            raise ValueError(f"{img.width}x{img.height} is over {MAX_PIXELS} pixels")
        # A JPEG is decoded at a half, quarter or eighth of its size when that still covers
        # the largest output on both sides: a 20-megapixel photo in a fraction of the time
        # and memory (what Pillow's thumbnail() does).
        img.draft("RGB", (max(SIZES), max(SIZES)))
        img.load()
    except (OSError, Image.DecompressionBombError) as err:
        raise ValueError(f"not a readable image: {err}") from err
    return ImageOps.exif_transpose(img).convert("RGB")


def render(img, width, fmt):
    """img at width (never enlarged, aspect kept) in format fmt: (bytes, w, h)."""
    w = min(width, img.width)
    h = max(1, round(img.height * w / img.width))
    out = io.BytesIO()
    img.resize((w, h)).save(out, PIL_FORMAT[fmt])
    return out.getvalue(), w, h


def emit_metric(processed, saved):
    print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
        {"Namespace": NAMESPACE, "Dimensions": [[]],
         "Metrics": [{"Name": "ImagesProcessed", "Unit": "Count"},
                     {"Name": "BytesSaved", "Unit": "Bytes"}]}]},
        "ImagesProcessed": processed, "BytesSaved": saved}))


def process(bucket, key):
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    img = open_image(body)
    produced, saved = [], 0
    for width in SIZES:
        for fmt in FORMATS:
            data, w, h = render(img, width, fmt)
            out_key = f"{key.rsplit('.', 1)[0]}-{width}.{fmt}"
            s3.put_object(Bucket=OUTPUT_BUCKET, Key=out_key, Body=data,
                          Metadata={"source-key": urllib.parse.quote(key),
                                    "width": str(w), "height": str(h)})
            produced.append({"key": out_key, "width": w, "height": h, "bytes": len(data)})
            saved += max(0, len(body) - len(data))
    sns.publish(TopicArn=TOPIC_ARN, Message=json.dumps({"source": key, "outputs": produced}))
    emit_metric(1, saved)
    log("processed", key=key, outputs=len(produced))


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        try:
            process(bucket, key)
        except ValueError as err:
            # Raised again: after the retries the event goes to the on-failure queue.
            log("rejected", key=key, reason=str(err))
            raise
    return {"processed": len(event["Records"])}
