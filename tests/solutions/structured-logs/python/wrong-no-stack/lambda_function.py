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
    except ValueError:
        logger.error("order rejected", extra={"orderId": order_id})
        return {"orderId": order_id, "status": "rejected"}

    logger.info("order accepted", extra={"orderId": order_id, "total": total})
    return {"orderId": order_id, "status": "accepted"}
