import json
import os

import boto3

# The names come from the function's configuration; the values never do.
HOST_PARAMETER = os.environ["DB_HOST_PARAMETER"]
SECRET_ID = os.environ["DB_SECRET_ID"]


def lambda_handler(event, context):
    # TODO: read the SecureString parameter HOST_PARAMETER (decrypted) and the secret
    # SECRET_ID (its SecretString is JSON with "username" and "password"), once per
    # execution environment, and answer the host and the user name. Never the password.
    return {"host": None, "user": None}
