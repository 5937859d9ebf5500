import json
import time


def ask_pricing_service(items, unit_cents):
    # The pricing service is a slow dependency: it answers in a little over a second.
    time.sleep(1.1)
    return items * unit_cents


def lambda_handler(event, context):
    items = int(event["items"])
    unit = int(event["unit_cents"])
    print(json.dumps({"message": "asking the pricing service", "items": items}))
    total = ask_pricing_service(items, unit)
    return {"items": items, "total_cents": total}
