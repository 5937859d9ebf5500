import time

import tracing

PRICES = {"A-100": 12.5, "B-200": 40.0, "C-300": 7.25}


def fetch_price(sku):
    """The pricing service: slow, and it fails for a product it does not know."""
    time.sleep(0.15)
    if sku not in PRICES:
        raise LookupError(f"no price for sku {sku}")
    return PRICES[sku]


def lambda_handler(event, context):
    order_id = event["orderId"]
    quantity = int(event.get("quantity", 1))

    # TODO: record this call as the subsegment "pricing" (namespace "remote") of the
    # function's segment, with the annotation orderId, and as a fault when it fails.
    try:
        price = fetch_price(event["sku"])
    except LookupError:
        return {"orderId": order_id, "error": "unpriced"}

    return {"orderId": order_id, "total": round(price * quantity, 2)}
