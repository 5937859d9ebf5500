import json
import time


def lambda_handler(event, context):
    order_id = event["orderId"]
    tier = event["tier"]
    amount = float(event["amount"])

    record = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": "Shop",
                    "Dimensions": [[]],
                    "Metrics": [{"Name": "OrderValue", "Unit": "None"}],
                }
            ],
        },
        "Tier": tier,
        "OrderValue": amount,
        "orderId": order_id,
    }
    print(json.dumps(record))

    return {"orderId": order_id, "accepted": True}
