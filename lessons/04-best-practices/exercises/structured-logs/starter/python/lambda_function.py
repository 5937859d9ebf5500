import logging

logger = logging.getLogger()


def check_total(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"total must be a number above 0, not {value!r}")
    return value


def lambda_handler(event, context):
    order_id = event.get("orderId")
    try:
        total = check_total(event.get("total"))
    except ValueError as err:
        # TODO: log at ERROR, with orderId as a field and the stack trace.
        print(f"rejected {order_id}: {err}")
        return {"orderId": order_id, "status": "rejected"}

    # TODO: log at INFO, with orderId and total as fields.
    print(f"accepted {order_id} for {total}")
    return {"orderId": order_id, "status": "accepted"}
