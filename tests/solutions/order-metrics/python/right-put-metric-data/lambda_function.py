import boto3

# Made once per execution environment, reused by every invocation it serves.
cloudwatch = boto3.client("cloudwatch")


def lambda_handler(event, context):
    order_id = event["orderId"]
    cloudwatch.put_metric_data(
        Namespace="Shop",
        MetricData=[
            {
                "MetricName": "OrderValue",
                "Dimensions": [{"Name": "Tier", "Value": event["tier"]}],
                "Value": float(event["amount"]),
                "Unit": "None",
            }
        ],
    )
    return {"orderId": order_id, "accepted": True}
