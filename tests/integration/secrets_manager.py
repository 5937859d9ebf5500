"""Secrets Manager through boto3: secrets and versions, staging labels, KMS keys (the default
one and the caller's), deletion with a recovery window on the virtual clock, RestoreSecret,
tags, filters and pages, GetRandomPassword, resource policies, AWS's errors; and rotation by
a rotation function through its four steps, a failed step leaving AWSPENDING, and a
scheduled rotation when the account's clock is stepped.
TAP on stdout. Usage: secrets_manager.py ENDPOINT WORKSPACE (it makes accounts of its own)."""
import base64, json, os, sys, time, urllib.error, urllib.request
import boto3, botocore

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

E, WS = sys.argv[1], sys.argv[2]
KEY, SECRET, ACCOUNT = cloudlib.new_account(WS)
kw = dict(endpoint_url=E, region_name="us-east-1", aws_access_key_id=KEY,
          aws_secret_access_key=SECRET)
sm, kms, lam, iam = (boto3.client(s, **kw) for s in ("secretsmanager", "kms", "lambda", "iam"))
n = failed = 0


def ok(cond, what, got=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
        if got is not None:
            print("# got: %r" % (got,))
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def error(fn, **args):
    try:
        fn(**args)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None, None


def advance(seconds):
    status, body = cloudlib.control(WS, "POST", "/_tutor/clock/advance?account=%s&seconds=%d"
                                    % (ACCOUNT, seconds))
    if status != 200:
        raise RuntimeError(body)


def wait_for(cond, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    return cond()


def stages(secret):
    return sm.describe_secret(SecretId=secret).get("VersionIdsToStages", {})


# ---- Secrets and versions ----
r = sm.create_secret(Name="prod/db", SecretString='{"user":"app","password":"one"}',
                     Description="orders database", Tags=[{"Key": "team", "Value": "orders"}])
arn, v1 = r["ARN"], r["VersionId"]
ok(arn.startswith("arn:aws:secretsmanager:us-east-1:%s:secret:prod/db-" % ACCOUNT)
   and len(arn) == len("arn:aws:secretsmanager:us-east-1:%s:secret:prod/db-" % ACCOUNT) + 6
   and r["Name"] == "prod/db", "CreateSecret: the ARN ends in six random characters", r)
g = sm.get_secret_value(SecretId="prod/db")
ok(g["SecretString"] == '{"user":"app","password":"one"}' and g["VersionId"] == v1
   and g["VersionStages"] == ["AWSCURRENT"], "GetSecretValue by name", g)
ok(sm.get_secret_value(SecretId=arn)["VersionId"] == v1, "... by ARN")
ok(sm.get_secret_value(SecretId=arn[:-7])["VersionId"] == v1, "... by the ARN less its suffix")
code, msg = error(sm.get_secret_value, SecretId="prod/nope")
ok(code == "ResourceNotFoundException" and msg == "Secrets Manager can't find the specified secret.",
   "an unknown secret: ResourceNotFoundException", (code, msg))
code, msg = error(sm.create_secret, Name="prod/db", SecretString="x")
ok(code == "ResourceExistsException"
   and msg == "The operation failed because the secret prod/db already exists.",
   "CreateSecret of a name taken: ResourceExistsException", (code, msg))
code, _ = error(sm.create_secret, Name="bad name?", SecretString="x")
ok(code == "ValidationException", "a name with a space: ValidationException, as AWS answers", code)

p = sm.put_secret_value(SecretId="prod/db", SecretString='{"user":"app","password":"two"}')
v2 = p["VersionId"]
ok(p["VersionStages"] == ["AWSCURRENT"] and v2 != v1, "PutSecretValue makes AWSCURRENT", p)
st = stages("prod/db")
ok(st == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}, "... and the old one AWSPREVIOUS", st)
ok(json.loads(sm.get_secret_value(SecretId="prod/db", VersionStage="AWSPREVIOUS")
              ["SecretString"])["password"] == "one", "GetSecretValue by VersionStage")
ok(json.loads(sm.get_secret_value(SecretId="prod/db", VersionId=v1)["SecretString"])
   ["password"] == "one", "GetSecretValue by VersionId")
tok = "a" * 32
p1 = sm.put_secret_value(SecretId="prod/db", SecretString="three", ClientRequestToken=tok,
                         VersionStages=["STAGED"])
p2 = sm.put_secret_value(SecretId="prod/db", SecretString="three", ClientRequestToken=tok,
                         VersionStages=["STAGED"])
ok(p1["VersionId"] == p2["VersionId"] == tok, "the same token and value again: the same version")
code, msg = error(sm.put_secret_value, SecretId="prod/db", SecretString="four",
                  ClientRequestToken=tok)
ok(code == "ResourceExistsException", "the same token, another value: ResourceExistsException",
   (code, msg))
ok(sm.get_secret_value(SecretId="prod/db")["VersionId"] == v2,
   "a custom label leaves AWSCURRENT where it was")
sm.update_secret_version_stage(SecretId="prod/db", VersionStage="AWSCURRENT",
                               MoveToVersionId=v1, RemoveFromVersionId=v2)
st = stages("prod/db")
ok(st.get(v1) == ["AWSCURRENT"] and st.get(v2) == ["AWSPREVIOUS"],
   "UpdateSecretVersionStage moves AWSCURRENT back; AWSPREVIOUS follows", st)
code, msg = error(sm.update_secret_version_stage, SecretId="prod/db", VersionStage="AWSCURRENT",
                  MoveToVersionId=v2)
ok(code == "InvalidParameterException" and v1 in msg,
   "... moving it without RemoveFromVersionId is refused", (code, msg))
sm.update_secret_version_stage(SecretId="prod/db", VersionStage="AWSCURRENT",
                               MoveToVersionId=v2, RemoveFromVersionId=v1)
vers = sm.list_secret_version_ids(SecretId="prod/db")["Versions"]
ok(sorted(v["VersionId"] for v in vers) == sorted([v1, v2, tok]),
   "ListSecretVersionIds", vers)

u = sm.update_secret(SecretId="prod/db", Description="orders DB", SecretString="five")
ok("VersionId" in u and sm.get_secret_value(SecretId="prod/db")["SecretString"] == "five",
   "UpdateSecret with a value makes a new AWSCURRENT", u)
d = sm.describe_secret(SecretId="prod/db")
ok(d["Description"] == "orders DB" and d["Tags"] == [{"Key": "team", "Value": "orders"}]
   and "LastAccessedDate" in d and "RotationEnabled" not in d,
   "DescribeSecret: description, tags, last accessed", d)

b = sm.create_secret(Name="blob", SecretBinary=b"\x00\x01binary\xff")
ok(sm.get_secret_value(SecretId="blob")["SecretBinary"] == b"\x00\x01binary\xff",
   "a binary secret", b)
# Secrets Manager encrypts with a data key: values past KMS's 4,096 bytes, up to 64 KiB.
big = "".join(chr(97 + i % 26) for i in range(5000))
sm.create_secret(Name="big", SecretString=big)
ok(sm.get_secret_value(SecretId="big")["SecretString"] == big, "a 5,000-byte secret")
most = "x" * 65536
sm.put_secret_value(SecretId="big", SecretString=most)
ok(sm.get_secret_value(SecretId="big")["SecretString"] == most,
   "PutSecretValue of 65,536 bytes, the most a secret holds")
sm.create_secret(Name="big-blob", SecretBinary=bytes(range(256)) * 256)
ok(sm.get_secret_value(SecretId="big-blob")["SecretBinary"] == bytes(range(256)) * 256,
   "a binary secret of 65,536 bytes")
code, msg = error(sm.put_secret_value, SecretId="big", SecretString=most + "x")
ok((code, msg) == ("InvalidParameterException", "1 validation error detected: Value at "
                   "'secretString' failed to satisfy constraint: Member must have length less "
                   "than or equal to 65536"), "65,537 bytes: refused", (code, msg))
code, msg = error(sm.create_secret, Name="too-big", SecretBinary=b"\0" * 65537)
ok(code == "InvalidParameterException" and "'secretBinary'" in msg,
   "... and CreateSecret of a 65,537-byte binary, which is not made", (code, msg))
code, msg = error(sm.describe_secret, SecretId="too-big")
ok(code == "ResourceNotFoundException", "... nothing half-written", (code, msg))
for big_one in ("big", "big-blob"):
    sm.delete_secret(SecretId=big_one, ForceDeleteWithoutRecovery=True)
empty = sm.create_secret(Name="empty")
ok("VersionId" not in empty, "CreateSecret with no value makes no version", empty)
code, msg = error(sm.get_secret_value, SecretId="empty")
ok(code == "ResourceNotFoundException" and "staging label: AWSCURRENT" in msg,
   "... and GetSecretValue says there is no value", (code, msg))

# ---- KMS ----
kid = kms.create_key(Description="secrets")["KeyMetadata"]["KeyId"]
sm.create_secret(Name="own-key", SecretString="mine", KmsKeyId=kid)
ok(sm.get_secret_value(SecretId="own-key")["SecretString"] == "mine"
   and sm.describe_secret(SecretId="own-key")["KmsKeyId"] == kid,
   "a secret under the caller's own key")
kms.disable_key(KeyId=kid)
code, msg = error(sm.get_secret_value, SecretId="own-key")
ok(code == "DecryptionFailure", "its key disabled: DecryptionFailure", (code, msg))
code, msg = error(sm.put_secret_value, SecretId="own-key", SecretString="x")
ok(code == "EncryptionFailure", "... and PutSecretValue: EncryptionFailure", (code, msg))
kms.enable_key(KeyId=kid)
ok(any(a["AliasName"] == "alias/aws/secretsmanager" for a in kms.list_aliases()["Aliases"]),
   "the AWS managed key alias/aws/secretsmanager was made on first use")

# ---- Tags, lists, filters, pages ----
sm.tag_resource(SecretId="blob", Tags=[{"Key": "team", "Value": "media"}, {"Key": "x", "Value": "y"}])
sm.untag_resource(SecretId="blob", TagKeys=["x"])
ok(sm.describe_secret(SecretId="blob")["Tags"] == [{"Key": "team", "Value": "media"}],
   "TagResource, UntagResource")
names = [s["Name"] for s in sm.list_secrets()["SecretList"]]
ok(names == ["prod/db", "blob", "empty", "own-key"], "ListSecrets by creation", names)
f = sm.list_secrets(Filters=[{"Key": "name", "Values": ["prod/"]}])["SecretList"]
ok([s["Name"] for s in f] == ["prod/db"], "a name filter (a prefix)")
f = sm.list_secrets(Filters=[{"Key": "tag-value", "Values": ["media"]}])["SecretList"]
ok([s["Name"] for s in f] == ["blob"], "a tag-value filter")
f = sm.list_secrets(Filters=[{"Key": "description", "Values": ["ORDERS"]}])["SecretList"]
ok([s["Name"] for s in f] == ["prod/db"], "a description filter ignores case")
f = sm.list_secrets(Filters=[{"Key": "name", "Values": ["!prod"]}])["SecretList"]
ok([s["Name"] for s in f] == ["blob", "empty", "own-key"], "a negated filter")
page1 = sm.list_secrets(MaxResults=3)
page2 = sm.list_secrets(MaxResults=3, NextToken=page1["NextToken"])
ok(len(page1["SecretList"]) == 3 and [s["Name"] for s in page2["SecretList"]] == ["own-key"]
   and "NextToken" not in page2, "pages with NextToken")
code, _ = error(sm.list_secrets, NextToken="garbage")
ok(code == "InvalidNextTokenException", "a made-up NextToken", code)

# ---- Deleting and restoring ----
code, msg = error(sm.delete_secret, SecretId="blob", RecoveryWindowInDays=3)
ok(code == "InvalidParameterException" and "between 7 and 30" in msg,
   "a recovery window of 3 days is refused", (code, msg))
dr = sm.delete_secret(SecretId="blob", RecoveryWindowInDays=7)
ok("DeletionDate" in dr, "DeleteSecret with a recovery window", dr)
code, msg = error(sm.get_secret_value, SecretId="blob")
ok(code == "InvalidRequestException" and "marked for deletion" in msg,
   "a secret marked for deletion cannot be read", (code, msg))
ok("DeletedDate" in sm.describe_secret(SecretId="blob"), "... but is described, with DeletedDate")
ok("blob" not in [s["Name"] for s in sm.list_secrets()["SecretList"]],
   "... and listed only with IncludePlannedDeletion" if "IncludePlannedDeletion" in
   sm.meta.service_model.operation_model("ListSecrets").input_shape.members else
   "... and not listed")
code, msg = error(sm.create_secret, Name="blob", SecretString="x")
ok(code == "InvalidRequestException" and "scheduled for deletion" in msg,
   "its name cannot be taken meanwhile", (code, msg))
sm.restore_secret(SecretId="blob")
ok(sm.get_secret_value(SecretId="blob")["SecretBinary"] == b"\x00\x01binary\xff",
   "RestoreSecret brings it back")
sm.delete_secret(SecretId="blob", RecoveryWindowInDays=7)
advance(8 * 86400)
code, _ = error(sm.describe_secret, SecretId="blob")
ok(code == "ResourceNotFoundException", "after its recovery window (on the virtual clock) it is gone",
   code)
code, msg = error(sm.delete_secret, SecretId="empty", ForceDeleteWithoutRecovery=True,
                  RecoveryWindowInDays=7)
ok(code == "InvalidParameterException", "ForceDeleteWithoutRecovery with a window is refused",
   (code, msg))
sm.delete_secret(SecretId="empty", ForceDeleteWithoutRecovery=True)
ok(error(sm.describe_secret, SecretId="empty")[0] == "ResourceNotFoundException",
   "ForceDeleteWithoutRecovery deletes at once")

# ---- GetRandomPassword, resource policies ----
pw = sm.get_random_password(PasswordLength=40, ExcludePunctuation=True)["RandomPassword"]
ok(len(pw) == 40 and pw.isalnum() and any(ch.isdigit() for ch in pw)
   and any(ch.isupper() for ch in pw) and any(ch.islower() for ch in pw),
   "GetRandomPassword: length, every included type", pw)
pw = sm.get_random_password(PasswordLength=20, ExcludeCharacters="abcdefABCDEF0123456789",
                            ExcludePunctuation=True)["RandomPassword"]
ok(not set(pw) & set("abcdefABCDEF0123456789"), "... ExcludeCharacters", pw)
code, _ = error(sm.get_random_password, PasswordLength=8, ExcludeNumbers=True,
                ExcludePunctuation=True, ExcludeUppercase=True, ExcludeLowercase=True)
ok(code == "InvalidParameterException", "... with nothing left to draw from", code)
pol = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
                  "Action": "secretsmanager:DeleteSecret", "Resource": "*"}]})
sm.put_resource_policy(SecretId="prod/db", ResourcePolicy=pol)
ok(json.loads(sm.get_resource_policy(SecretId="prod/db")["ResourcePolicy"]) == json.loads(pol),
   "Put/GetResourcePolicy")
code, _ = error(sm.put_resource_policy, SecretId="prod/db", ResourcePolicy="{not json")
ok(code == "MalformedPolicyDocumentException", "a malformed policy", code)
code, _ = error(sm.put_resource_policy, SecretId="prod/db", ResourcePolicy=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": "*",
                                             "Action": "secretsmanager:*", "Resource": "*"}]}))
ok(code == "MalformedPolicyDocumentException", "a policy whose Effect is neither Allow nor Deny",
   code)
ok(json.loads(sm.get_resource_policy(SecretId="prod/db")["ResourcePolicy"]) == json.loads(pol),
   "... and the policy before it stays")
sm.delete_resource_policy(SecretId="prod/db")

# ---- Rotation ----
ROTATOR = '''import boto3, json
sm = boto3.client("secretsmanager")
def lambda_handler(event, context):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    meta = sm.describe_secret(SecretId=arn)
    versions = meta["VersionIdsToStages"]
    if token not in versions or "AWSPENDING" not in versions[token]:
        raise ValueError("version %s is not pending" % token)
    sm.tag_resource(SecretId=arn, Tags=[{"Key": "step-" + step, "Value": token}])
    if step == "createSecret":
        try:
            sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        except sm.exceptions.ResourceNotFoundException:
            pw = sm.get_random_password(ExcludePunctuation=True)["RandomPassword"]
            sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=pw,
                                VersionStages=["AWSPENDING"])
    elif step == "testSecret":
        value = sm.get_secret_value(SecretId=arn, VersionStage="AWSPENDING")["SecretString"]
        if "FAIL_TEST" in meta.get("Description", ""):
            raise RuntimeError("the new password does not work")
    elif step == "finishSecret":
        for v, st in versions.items():
            if "AWSCURRENT" in st and v != token:
                sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT",
                                               MoveToVersionId=token, RemoveFromVersionId=v)
'''
role = cloudlib.make_role(iam, "rotator-role")
iam.put_role_policy(RoleName="rotator-role", PolicyName="rotate", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
        "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage",
        "secretsmanager:TagResource", "secretsmanager:GetRandomPassword"],
        "Resource": "*"}]}))
fn = lam.create_function(FunctionName="rotator", Runtime="python3.12",
                         Handler="lambda_function.lambda_handler", Role=role, Timeout=30,
                         Code={"ZipFile": cloudlib.zip_files({"lambda_function.py": ROTATOR})})
fn_arn = fn["FunctionArn"]
wait_for(lambda: lam.get_function_configuration(FunctionName="rotator")["State"] == "Active")
sm.create_secret(Name="rotated", SecretString="initial")
code, msg = error(sm.rotate_secret, SecretId="rotated", RotationLambdaARN=fn_arn,
                  RotationRules={"AutomaticallyAfterDays": 1})
ok(code == "AccessDeniedException" and "secretsmanager.amazonaws.com" in msg,
   "RotateSecret without the function's permission for Secrets Manager", (code, msg))
lam.add_permission(FunctionName="rotator", StatementId="sm", Action="lambda:InvokeFunction",
                   Principal="secretsmanager.amazonaws.com")
code, msg = error(sm.rotate_secret, SecretId="rotated", RotationLambdaARN=fn_arn,
                  RotationRules={"AutomaticallyAfterDays": 1, "ScheduleExpression": "rate(1 days)"})
ok(code == "InvalidParameterException", "AutomaticallyAfterDays and ScheduleExpression both", code)
first = sm.get_secret_value(SecretId="rotated")["VersionId"]
rot = sm.rotate_secret(SecretId="rotated", RotationLambdaARN=fn_arn,
                       RotationRules={"AutomaticallyAfterDays": 1})
token = rot["VersionId"]
ok(rot["ARN"] == sm.describe_secret(SecretId="rotated")["ARN"] and token != first,
   "RotateSecret answers the new version's id", rot)
done = wait_for(lambda: sm.get_secret_value(SecretId="rotated")["VersionId"] == token
                and "LastRotatedDate" in sm.describe_secret(SecretId="rotated"))
ok(done, "the rotation function's four steps made the new version AWSCURRENT",
   stages("rotated"))
d = sm.describe_secret(SecretId="rotated")
tags = {t["Key"]: t["Value"] for t in d.get("Tags", [])}
ok(all(tags.get("step-" + s) == token for s in
       ("createSecret", "setSecret", "testSecret", "finishSecret")),
   "... invoked with each step, the secret's ARN and the token", tags)
ok(d["VersionIdsToStages"].get(first) == ["AWSPREVIOUS"] and d.get("RotationEnabled") is True
   and d.get("RotationLambdaARN") == fn_arn and "LastRotatedDate" in d
   and d.get("RotationRules", {}).get("AutomaticallyAfterDays") == 1,
   "... the old version AWSPREVIOUS; DescribeSecret shows the rotation", d)
ok(sm.get_secret_value(SecretId="rotated")["SecretString"] != "initial", "a new value")

# A step that fails leaves AWSPENDING on the new version.
sm.update_secret(SecretId="rotated", Description="FAIL_TEST")
cur = sm.get_secret_value(SecretId="rotated")["VersionId"]
bad = sm.rotate_secret(SecretId="rotated")["VersionId"]
pending = wait_for(lambda: sm.describe_secret(SecretId="rotated").get("Tags") and
                   {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId="rotated")["Tags"]}
                   .get("step-testSecret") == bad)
st = stages("rotated")
ok(pending and st.get(bad) == ["AWSPENDING"] and st.get(cur) == ["AWSCURRENT"],
   "a failed testSecret leaves AWSPENDING and AWSCURRENT where they were", st)
code, msg = error(sm.rotate_secret, SecretId="rotated")
ok(code == "InvalidRequestException" and "previous rotation" in msg,
   "RotateSecret again: the previous rotation isn't complete", (code, msg))
sm.update_secret(SecretId="rotated", Description="fixed")
rotated_at = sm.describe_secret(SecretId="rotated")["LastRotatedDate"]
ok(wait_for(lambda: sm.get_secret_value(SecretId="rotated")["VersionId"] == bad
            and sm.describe_secret(SecretId="rotated")["LastRotatedDate"] != rotated_at),
   "... and it is reattempted with the same token", stages("rotated"))

# The schedule: a day on the account's clock brings the next rotation.
before = sm.get_secret_value(SecretId="rotated")["VersionId"]
advance(86400 + 60)
ok(wait_for(lambda: sm.get_secret_value(SecretId="rotated")["VersionId"] != before),
   "a day later on the virtual clock, the scheduled rotation ran", stages("rotated"))
sm.cancel_rotate_secret(SecretId="rotated")
ok(sm.describe_secret(SecretId="rotated").get("RotationEnabled") is False,
   "CancelRotateSecret turns rotation off")

# ---- A function's KMSKeyArn and the console's encryption helpers ----
ekey = kms.create_key(Description="lambda variables")["KeyMetadata"]["Arn"]
blob = kms.encrypt(KeyId=ekey, Plaintext=b"hunter2",
                   EncryptionContext={"LambdaFunctionName": "enc"})["CiphertextBlob"]
erole = cloudlib.make_role(iam, "enc-role")
iam.put_role_policy(RoleName="enc-role", PolicyName="decrypt", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt",
                                             "Resource": ekey}]}))
DECRYPTER = '''import base64, boto3, os
kms = boto3.client("kms")
def lambda_handler(event, context):
    blob = base64.b64decode(os.environ["DB_PASSWORD"])
    ctx = {"LambdaFunctionName": os.environ["AWS_LAMBDA_FUNCTION_NAME"]}
    return kms.decrypt(CiphertextBlob=blob, EncryptionContext=ctx)["Plaintext"].decode()
'''
code, msg = error(lam.create_function, FunctionName="enc-bad", Runtime="python3.12",
                  Handler="lambda_function.lambda_handler", Role=erole,
                  KMSKeyArn=ekey[:-36] + "00000000-0000-0000-0000-000000000000",
                  Code={"ZipFile": cloudlib.zip_files({"lambda_function.py": DECRYPTER})})
ok(code == "InvalidParameterValueException" and "CreateGrant" in msg,
   "CreateFunction with a KMSKeyArn that names no key", (code, msg))
lam.create_function(FunctionName="enc", Runtime="python3.12", Timeout=30,
                    Handler="lambda_function.lambda_handler", Role=erole, KMSKeyArn=ekey,
                    Environment={"Variables": {"DB_PASSWORD": base64.b64encode(blob).decode()}},
                    Code={"ZipFile": cloudlib.zip_files({"lambda_function.py": DECRYPTER})})
wait_for(lambda: lam.get_function_configuration(FunctionName="enc")["State"] == "Active")
ok(lam.get_function_configuration(FunctionName="enc").get("KMSKeyArn") == ekey,
   "the configuration shows KMSKeyArn")
res = lam.invoke(FunctionName="enc")
ok(json.loads(res["Payload"].read() or b"null") == "hunter2" and "FunctionError" not in res,
   "a variable encrypted client-side is decrypted by the handler with its role")
kms.disable_key(KeyId=ekey)
try:
    lam.invoke(FunctionName="enc")
    code = status = None
except botocore.exceptions.ClientError as e:
    code, status = e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
ok(code == "KMSDisabledException" and status == 502,
   "its key disabled, the invocation fails with KMSDisabledException (502)", (code, status))
kms.enable_key(KeyId=ekey)
ok(json.loads(lam.invoke(FunctionName="enc")["Payload"].read() or b"null") == "hunter2",
   "enabled again, it runs")
# Lambda decrypts the variables with the function's role: without kms:Decrypt it cannot.
iam.delete_role_policy(RoleName="enc-role", PolicyName="decrypt")
try:
    lam.invoke(FunctionName="enc")
    code = status = msg = None
except botocore.exceptions.ClientError as e:
    code, status = e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    msg = e.response["Error"]["Message"]
ok(code == "KMSAccessDeniedException" and status == 502 and
   "assumed-role/enc-role/enc is not authorized to perform: kms:Decrypt" in (msg or ""),
   "its role without kms:Decrypt, the invocation fails with KMSAccessDeniedException (502)",
   (code, status, msg))
iam.put_role_policy(RoleName="enc-role", PolicyName="decrypt", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt",
                                             "Resource": ekey}]}))
lam.update_function_configuration(FunctionName="enc", KMSKeyArn="")
ok("KMSKeyArn" not in lam.get_function_configuration(FunctionName="enc"),
   "KMSKeyArn set to \"\" goes back to Lambda's own key")

# ---- The Parameters and Secrets Lambda Extension ----
ssm = boto3.client("ssm", **kw)
ssm.put_parameter(Name="/app/color", Value="blue", Type="String")
sm.create_secret(Name="ext-secret", SecretString="v1")
xrole = cloudlib.make_role(iam, "ext-role")
iam.put_role_policy(RoleName="ext-role", PolicyName="read", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameter",
         "Resource": "arn:aws:ssm:us-east-1:%s:parameter/app/*" % ACCOUNT},
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}))
READER = '''import json, os, urllib.error, urllib.request
def get(path, token=True):
    port = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773")
    req = urllib.request.Request("http://localhost:%s%s" % (port, path))
    if token:
        req.add_header("X-Aws-Parameters-Secrets-Token", os.environ["AWS_SESSION_TOKEN"])
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return [r.status, json.loads(r.read())]
    except urllib.error.HTTPError as e:
        return [e.code, None]
def lambda_handler(event, context):
    p = get("/systemsmanager/parameters/get?name=%2Fapp%2Fcolor")
    s = get("/secretsmanager/get?secretId=ext-secret")
    return {"param": [p[0], p[1] and p[1]["Parameter"]["Value"]],
            "secret": [s[0], s[1] and s[1]["SecretString"]],
            "denied": get("/systemsmanager/parameters/get?name=%2Fother")[0],
            "anonymous": get("/secretsmanager/get?secretId=ext-secret", False)[0],
            "port": os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")}
'''
EXT = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:11"
lam.create_function(FunctionName="ext", Runtime="python3.12", Timeout=60,
                    Handler="lambda_function.lambda_handler", Role=xrole, Layers=[EXT],
                    Environment={"Variables": {"SECRETS_MANAGER_TTL": "60"}},
                    Code={"ZipFile": cloudlib.zip_files({"lambda_function.py": READER})})
wait_for(lambda: lam.get_function_configuration(FunctionName="ext")["State"] == "Active")
ok([lay["Arn"] for lay in lam.get_function_configuration(FunctionName="ext")["Layers"]] == [EXT],
   "a function takes AWS's Parameters and Secrets extension layer")
got = json.loads(lam.invoke(FunctionName="ext")["Payload"].read() or b"null")
port = got and got.pop("port")
ok(got == {"param": [200, "blue"], "secret": [200, "v1"], "denied": 400, "anonymous": 401},
   "the extension answers a parameter and a secret with the role's session; a parameter the "
   "role may not read and a request without the token are refused", got)


def port_taken(p):
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", int(p))) == 0


# Lambda's extension listens on localhost:2773: the handler is told another port only when
# another program (another cloud on this machine) holds that one.
ok(port is None or (port != "2773" and port_taken(2773)),
   "the extension is on localhost:2773, where the handler looks without being told", port)
# PARAMETERS_SECRETS_EXTENSION_HTTP_PORT moves it, as it moves AWS's. Two environments on
# one port: each request is answered by the environment whose token it carries, with that
# environment's role (one may read the parameter, the other may not).
P = str(cloudlib.free_port())
nrole = cloudlib.make_role(iam, "ext-none-role")
for name, role in (("ext-a", xrole), ("ext-b", nrole)):
    lam.create_function(FunctionName=name, Runtime="python3.12", Timeout=60,
                        Handler="lambda_function.lambda_handler", Role=role, Layers=[EXT],
                        Environment={"Variables": {"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": P}},
                        Code={"ZipFile": cloudlib.zip_files({"lambda_function.py": READER})})
    wait_for(lambda: lam.get_function_configuration(FunctionName=name)["State"] == "Active")
a = json.loads(lam.invoke(FunctionName="ext-a")["Payload"].read() or b"null")
b = json.loads(lam.invoke(FunctionName="ext-b")["Payload"].read() or b"null")
ok(a and b and a["port"] == P and b["port"] == P and a["param"] == [200, "blue"] and
   b["param"][0] == 400 and b["secret"][0] == 400,
   "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT names the port; two environments on it are each "
   "answered with their own role", (a, b))
ok(port_taken(P), "... the cloud listens on it", P)
try:
    r = urllib.request.urlopen(urllib.request.Request(
        "http://127.0.0.1:%s/secretsmanager/get?secretId=ext-secret" % P,
        headers={"X-Aws-Parameters-Secrets-Token": "not-a-session"}), timeout=20)
    status = r.status
except urllib.error.HTTPError as e:
    status = e.code
ok(status == 401, "... and refuses a token that is no environment's", status)
for name in ("ext-a", "ext-b"):
    lam.delete_function(FunctionName=name)
ok(wait_for(lambda: not port_taken(P)),
   "the port is closed once no environment wants it", P)
sm.put_secret_value(SecretId="ext-secret", SecretString="v2")
got = json.loads(lam.invoke(FunctionName="ext")["Payload"].read() or b"null")
ok(got and got["secret"] == [200, "v1"], "... it keeps the secret for SECRETS_MANAGER_TTL", got)
advance(61)
got = json.loads(lam.invoke(FunctionName="ext")["Payload"].read() or b"null")
ok(got and got["secret"] == [200, "v2"], "... and reads it again once that has passed", got)

# ---- CloudFormation: secrets, keys, aliases, SAM's KMSDecryptPolicy ----
cfn = boto3.client("cloudformation", **kw)
STACK = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Plain: {Type: String}
  KeyText: {Type: String}
  Rotate: {Type: String}
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: !Ref KeyText
      EnableKeyRotation: !Ref Rotate
      PendingWindowInDays: 7
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: root
            Effect: Allow
            Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}
            Action: kms:*
            Resource: '*'
  KeyAlias:
    Type: AWS::KMS::Alias
    Properties: {AliasName: alias/cfn-app, TargetKeyId: !Ref Key}
  Generated:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: cfn/db
      KmsKeyId: !Ref Key
      GenerateSecretString:
        SecretStringTemplate: '{"username": "app"}'
        GenerateStringKey: password
        PasswordLength: 24
        ExcludeCharacters: '"@/'
  PlainSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Description: a value of the template's
      SecretString: !Ref Plain
      Tags: [{Key: team, Value: tutors}]
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Timeout: 30
      InlineCode: |
        import base64, boto3, botocore
        def handler(event, context):
            kms = boto3.client("kms")
            plain = kms.decrypt(CiphertextBlob=base64.b64decode(event["blob"]))["Plaintext"]
            try:
                kms.encrypt(KeyId=event["key"], Plaintext=b"x")
                encrypt = "allowed"
            except botocore.exceptions.ClientError as e:
                encrypt = e.response["Error"]["Code"]
            return {"plain": plain.decode(), "encrypt": encrypt}
      Policies:
        - KMSDecryptPolicy: {KeyId: !Ref Key}
Outputs:
  KeyRef: {Value: !Ref Key}
  KeyArn: {Value: !GetAtt Key.Arn}
  AliasRef: {Value: !Ref KeyAlias}
  SecretRef: {Value: !Ref PlainSecret}
  SecretId: {Value: !GetAtt PlainSecret.Id}
  Function: {Value: !Ref Reader}
"""


def stack_params(plain, text, rotate):
    return [{"ParameterKey": "Plain", "ParameterValue": plain},
            {"ParameterKey": "KeyText", "ParameterValue": text},
            {"ParameterKey": "Rotate", "ParameterValue": rotate}]


def settled(name):
    def status():
        st = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        return None if st.endswith("IN_PROGRESS") else st
    return wait_for(status, 180)


def reason(name):
    return [(e["LogicalResourceId"], e.get("ResourceStatusReason"))
            for e in cfn.describe_stack_events(StackName=name)["StackEvents"]
            if e["ResourceStatus"].endswith("FAILED")]


caps = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
cfn.create_stack(StackName="vault", TemplateBody=STACK, Capabilities=caps,
                 Parameters=stack_params("s3cret", "app data", "true"))
st = settled("vault")
ok(st == "CREATE_COMPLETE", "a stack of a key, an alias, two secrets and a SAM function is "
   "created", (st, st != "CREATE_COMPLETE" and reason("vault")))
out = {o["OutputKey"]: o["OutputValue"]
       for o in cfn.describe_stacks(StackName="vault")["Stacks"][0].get("Outputs", [])}
kid = out.get("KeyRef", "")
ok(len(kid) == 36 and out.get("KeyArn") == "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, kid),
   "Ref of an AWS::KMS::Key is its key id, GetAtt Arn its ARN", out)
ok(out.get("AliasRef") == "alias/cfn-app" and
   [a.get("TargetKeyId") for a in kms.list_aliases(KeyId=kid)["Aliases"]] == [kid],
   "AWS::KMS::Alias names the key; Ref is the alias's name", out.get("AliasRef"))
meta = kms.describe_key(KeyId="alias/cfn-app")["KeyMetadata"] if kid else {}
ok(meta.get("Description") == "app data" and
   kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"] is True and
   json.loads(kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"])["Statement"][0]
   .get("Sid") == "root",
   "the key has the template's Description, KeyPolicy and EnableKeyRotation", meta)
sarn = out.get("SecretRef", "")
ok(sarn.startswith("arn:aws:secretsmanager:us-east-1:%s:secret:" % ACCOUNT) and
   out.get("SecretId") == sarn and
   sm.get_secret_value(SecretId=sarn)["SecretString"] == "s3cret" and
   {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId=sarn).get("Tags", [])} ==
   {"team": "tutors"},
   "AWS::SecretsManager::Secret with SecretString and Tags; Ref and GetAtt Id are its ARN", out)
gen = json.loads(sm.get_secret_value(SecretId="cfn/db")["SecretString"])
ok(gen.get("username") == "app" and len(gen.get("password", "")) == 24 and
   not set(gen["password"]) & set('"@/'),
   "GenerateSecretString: the template's JSON with a generated password under its key", gen)
ok(kid and kid in (sm.describe_secret(SecretId="cfn/db").get("KmsKeyId") or ""),
   "... encrypted with the KmsKeyId it names",
   sm.describe_secret(SecretId="cfn/db").get("KmsKeyId"))
blob = base64.b64encode(kms.encrypt(KeyId=kid, Plaintext=b"for the reader")["CiphertextBlob"])
fn = out.get("Function", "Reader")
got = json.loads(lam.invoke(FunctionName=fn, Payload=json.dumps(
    {"blob": blob.decode(), "key": kid}))["Payload"].read() or b"null")
ok(got == {"plain": "for the reader", "encrypt": "AccessDeniedException"},
   "SAM's KMSDecryptPolicy lets the function decrypt with the key, and nothing more", got)
cfn.update_stack(StackName="vault", TemplateBody=STACK, Capabilities=caps,
                 Parameters=stack_params("n3w", "app data v2", "false"))
st = settled("vault")
ok(st == "UPDATE_COMPLETE" and sm.get_secret_value(SecretId=sarn)["SecretString"] == "n3w" and
   kms.describe_key(KeyId=kid)["KeyMetadata"]["Description"] == "app data v2" and
   kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"] is False,
   "an update changes the secret's value, the key's description and its rotation in place",
   (st, st != "UPDATE_COMPLETE" and reason("vault")))
cfn.delete_stack(StackName="vault")


def deleted(name):
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] in (
            "DELETE_COMPLETE", "DELETE_FAILED")
    except botocore.exceptions.ClientError:
        return True  # a deleted stack is known by its id only


wait_for(lambda: deleted("vault"), 180)
code, _ = error(sm.describe_secret, SecretId=sarn)
ok(code == "ResourceNotFoundException", "deleting the stack deletes its secrets at once", code)
ok(kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "PendingDeletion" and
   kms.list_aliases(KeyId=kid)["Aliases"] == [],
   "... schedules its key's deletion (PendingWindowInDays) and deletes the alias")
bad = STACK.replace("      SecretString: !Ref Plain\n",
                    "      SecretString: !Ref Plain\n      GenerateSecretString: {}\n")
cfn.create_stack(StackName="vault2", TemplateBody=bad, Capabilities=caps,
                 Parameters=stack_params("x", "y", "false"))
st = settled("vault2")
ok(st == "ROLLBACK_COMPLETE" and any(r[0] == "PlainSecret" for r in reason("vault2")),
   "a secret with both SecretString and GenerateSecretString fails, and the stack rolls back",
   (st, reason("vault2")))

print("1..%d" % n)
sys.exit(1 if failed else 0)
