import pricing  # from the layer: /opt/python is on sys.path


def lambda_handler(event, context):
    return pricing.quote(event["cents"], event["currency"])
