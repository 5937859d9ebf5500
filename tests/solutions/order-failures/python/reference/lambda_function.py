class InvalidOrder(Exception):
    """An order no retry can make valid."""


def lambda_handler(event, context):
    order_id = event.get("order_id")
    quantity = event.get("quantity")
    if not isinstance(order_id, str) or not order_id:
        raise InvalidOrder(f"order {order_id!r}: order_id must be a non-empty string")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidOrder(f"order {order_id}: quantity must be a whole number >= 1, not {quantity!r}")
    print(f"processed order {order_id}: {quantity} x {event.get('item')}")
    return {"order_id": order_id, "status": "processed"}
