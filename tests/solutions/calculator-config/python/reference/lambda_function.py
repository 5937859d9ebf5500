import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

OPERATIONS = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
}


def respond(status, body):
    return {"statusCode": status, "body": json.dumps(body)}


def is_number(value):
    # bool is a subclass of int: reject True and False explicitly
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def lambda_handler(event, context):
    op = event.get("operation")
    if op not in OPERATIONS:
        return respond(400, {"error": f"unknown operation: {op!r}"})
    if "a" not in event or "b" not in event:
        return respond(400, {"error": "both operands 'a' and 'b' are required"})
    a, b = event["a"], event["b"]
    if not is_number(a) or not is_number(b):
        return respond(400, {"error": "operands must be numbers"})
    if op == "divide" and b == 0:
        return respond(400, {"error": "cannot divide by zero"})
    result = OPERATIONS[op](a, b)
    logger.info("%s %s %s = %s", op, a, b, result)
    return respond(200, {"result": result})
