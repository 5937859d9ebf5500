import json
import time


def load_catalogue():
    # Reading the catalogue from the configuration store takes about half a second.
    time.sleep(0.5)
    return {"A-100": 1299, "B-200": 450, "C-300": 8999, "D-400": 15}


# Once per execution environment, at its cold start.
CATALOGUE = load_catalogue()


def lambda_handler(event, context):
    sku = event["sku"]
    print(json.dumps({"message": "lookup", "sku": sku}))
    return {"sku": sku, "price_cents": CATALOGUE[sku]}
