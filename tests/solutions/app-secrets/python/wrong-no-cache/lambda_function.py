import json
import os

import boto3

# Wrong on purpose: both values are read again at every invocation.
def lambda_handler(event, context):
    ssm = boto3.client("ssm")
    secrets = boto3.client("secretsmanager")
    host = ssm.get_parameter(Name=os.environ["DB_HOST_PARAMETER"],
                             WithDecryption=True)["Parameter"]["Value"]
    creds = json.loads(secrets.get_secret_value(
        SecretId=os.environ["DB_SECRET_ID"])["SecretString"])
    return {"host": host, "user": creds["username"]}
