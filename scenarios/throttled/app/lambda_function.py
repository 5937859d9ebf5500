import json


def lambda_handler(event, context):
    order_id = event["order_id"]
    quantity = int(event["quantity"])
    print(json.dumps({"message": "order accepted", "order_id": order_id, "quantity": quantity}))
    return {"accepted": order_id, "quantity": quantity}
