# Looks structured, but the lines are printed by hand: no message, no request id, and the
# error's stack trace left empty.
import json


def lambda_handler(event, context):
    order_id = event.get("orderId")
    total = event.get("total")
    if isinstance(total, bool) or not isinstance(total, (int, float)) or total <= 0:
        print(json.dumps({"level": "ERROR", "orderId": order_id, "stackTrace": []}))
        return {"orderId": order_id, "status": "rejected"}
    print(json.dumps({"level": "INFO", "orderId": order_id, "total": total}))
    return {"orderId": order_id, "status": "accepted"}
