def lambda_handler(event, context):
    return {"version": context.function_version, "price": 100 - event["discount"]}
