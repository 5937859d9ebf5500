import json
import time


def load_catalogue():
    # Reading the catalogue from the configuration store takes about half a second.
    time.sleep(0.5)
    return {"A-100": 1299, "B-200": 450, "C-300": 8999, "D-400": 15}


def lambda_handler(event, context):
    catalogue = load_catalogue()
    sku = event["sku"]
    print(json.dumps({"message": "lookup", "sku": sku}))
    return {"sku": sku, "price_cents": catalogue[sku]}
