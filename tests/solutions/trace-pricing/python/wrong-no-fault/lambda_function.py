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

    trace_id, parent_id, sampled = tracing.current_trace()
    sub = {
        "type": "subsegment",
        "name": "pricing",
        "namespace": "remote",
        "id": tracing.new_id(),
        "trace_id": trace_id,
        "parent_id": parent_id,
        "start_time": time.time(),
        "annotations": {"orderId": order_id},
    }
    try:
        price = fetch_price(event["sku"])
    except LookupError as err:
        return {"orderId": order_id, "error": "unpriced"}
    finally:
        sub["end_time"] = time.time()
        if sampled:
            tracing.send(sub)

    return {"orderId": order_id, "total": round(price * quantity, 2)}
