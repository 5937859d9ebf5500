import json
import os

import boto3

HOST_PARAMETER = os.environ["DB_HOST_PARAMETER"]
SECRET_ID = os.environ["DB_SECRET_ID"]

# Made once per execution environment, reused by every invocation it serves.
ssm = boto3.client("ssm")
secrets = boto3.client("secretsmanager")
_host = None
_credentials = None


def lambda_handler(event, context):
    global _host, _credentials
    if _host is None:
        _host = ssm.get_parameter(Name=HOST_PARAMETER, WithDecryption=True)["Parameter"]["Value"]
    if _credentials is None:
        _credentials = json.loads(secrets.get_secret_value(SecretId=SECRET_ID)["SecretString"])
    return {"host": _host, "user": _credentials["username"]}
