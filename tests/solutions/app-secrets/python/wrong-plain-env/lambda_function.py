import os

# Wrong on purpose: the values are taken from plain environment variables (with a default
# written in the code), where anyone who may read the function's configuration sees them.
def lambda_handler(event, context):
    return {"host": os.environ.get("DB_HOST", "db-100.internal"),
            "user": os.environ.get("DB_USER", "orders")}
