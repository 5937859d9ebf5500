import time


def lambda_handler(event, context):
    if event.get("slow"):
        time.sleep(1.2)
    if event.get("fail"):
        raise RuntimeError("order failed on purpose")
    return {"ok": True}
