def lambda_handler(event, context):
    order_id = event.get("order_id")
    quantity = event.get("quantity")
    # TODO: a valid order has a string order_id and a whole-number quantity of at
    # least 1: log "processed order <order_id>" and return.
    # An invalid order must raise an error whose message names the order id.
    print(f"processed order {order_id}")
    return {"order_id": order_id, "quantity": quantity}
