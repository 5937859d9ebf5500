import json
import time


def lambda_handler(event, context):
    order_id = event["orderId"]
    tier = event["tier"]
    amount = float(event["amount"])

    # TODO: write one line in the embedded metric format: namespace "Shop", metric
    # "OrderValue" (the amount), dimension "Tier". This plain line is no metric.
    print(f"order {order_id}: {tier} {amount}")

    return {"orderId": order_id, "accepted": True}
