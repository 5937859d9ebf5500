def lambda_handler(event, context):
    if event.get("fail"):
        raise RuntimeError("order failed on purpose")
    return {"ok": True}
