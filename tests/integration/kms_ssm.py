"""KMS and SSM Parameter Store through boto3: keys, aliases, policies, Encrypt/Decrypt/ReEncrypt/
GenerateDataKey with encryption contexts, key states and deletion on the virtual clock; String,
StringList and SecureString parameters, hierarchies, versions and labels, overwrite rules,
filters, history, sizes, and AWS's errors with nothing half-written.
TAP on stdout. Usage: kms_ssm.py ENDPOINT WORKSPACE (it makes accounts of its own)."""
import base64, json, os, sys
import boto3, botocore

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

E, WS = sys.argv[1], sys.argv[2]
KEY, SECRET, ACCOUNT = cloudlib.new_account(WS)
kw = dict(endpoint_url=E, region_name="us-east-1", aws_access_key_id=KEY,
          aws_secret_access_key=SECRET)
kms, ssm = boto3.client("kms", **kw), boto3.client("ssm", **kw)
KEY2, SECRET2, ACCOUNT2 = cloudlib.new_account(WS)
kms2 = boto3.client("kms", endpoint_url=E, region_name="us-east-1", aws_access_key_id=KEY2,
                    aws_secret_access_key=SECRET2)
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


# ---- KMS: keys ----
md = kms.create_key(Description="orders", Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"]
kid, karn = md["KeyId"], md["Arn"]
ok(karn == "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, kid) and md["KeyState"] == "Enabled"
   and md["KeySpec"] == "SYMMETRIC_DEFAULT" and md["KeyManager"] == "CUSTOMER"
   and md["Description"] == "orders", "create-key answers the key's metadata")
ok(any(k["KeyId"] == kid for k in kms.list_keys()["Keys"]), "list-keys lists it")
ok(kms.describe_key(KeyId=karn)["KeyMetadata"]["KeyId"] == kid, "describe-key by ARN")
ok(kms.list_resource_tags(KeyId=kid)["Tags"] == [{"TagKey": "team", "TagValue": "a"}], "its tags")
pol = json.loads(kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"])
ok(pol["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::%s:root" % ACCOUNT,
   "the default key policy trusts the account")
newpol = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
    "AWS": "arn:aws:iam::%s:root" % ACCOUNT}, "Action": "kms:*", "Resource": "*"}]})
kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=newpol)
ok(kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"] == newpol, "put-key-policy stores it")
ok(error(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy="{nope")[0]
   == "MalformedPolicyDocumentException", "a malformed key policy is refused")
ok(kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"] == newpol, "... and changes nothing")
ok(error(kms.describe_key, KeyId="not-a-key") == ("NotFoundException", "Invalid keyId 'not-a-key'"),
   "a malformed key id: NotFoundException")
missing = "11111111-2222-3333-4444-555555555555"
ok(error(kms.describe_key, KeyId=missing) == (
    "NotFoundException", "Key 'arn:aws:kms:us-east-1:%s:key/%s' does not exist" % (ACCOUNT, missing)),
   "an unknown key: NotFoundException with its ARN")
ok(error(kms.create_key, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")[0] == "UnsupportedOperationException",
   "asymmetric keys are refused, honestly")

# ---- Aliases ----
kms.create_alias(AliasName="alias/orders", TargetKeyId=kid)
al = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/orders"]
ok(al and al[0]["TargetKeyId"] == kid and al[0]["AliasArn"] == "arn:aws:kms:us-east-1:%s:alias/orders" % ACCOUNT,
   "create-alias, list-aliases")
ok(kms.describe_key(KeyId="alias/orders")["KeyMetadata"]["KeyId"] == kid, "describe-key by alias")
ok(error(kms.create_alias, AliasName="alias/orders", TargetKeyId=kid)[0] == "AlreadyExistsException",
   "the same alias twice: AlreadyExistsException")
ok(error(kms.create_alias, AliasName="orders2", TargetKeyId=kid)[0] == "ValidationException",
   "an alias without alias/: ValidationException")
ok(error(kms.create_alias, AliasName="alias/aws/mine", TargetKeyId=kid)[0] == "NotAuthorizedException",
   "alias/aws/ is reserved")
ok(error(kms.describe_key, KeyId="alias/nope") == (
    "NotFoundException", "Alias arn:aws:kms:us-east-1:%s:alias/nope is not found." % ACCOUNT),
   "an unknown alias: NotFoundException")
kid2 = kms.create_key()["KeyMetadata"]["KeyId"]
kms.create_alias(AliasName="alias/moving", TargetKeyId=kid)
kms.update_alias(AliasName="alias/moving", TargetKeyId=kid2)
ok(kms.describe_key(KeyId="alias/moving")["KeyMetadata"]["KeyId"] == kid2, "update-alias moves it")
ok([a["AliasName"] for a in kms.list_aliases(KeyId=kid2)["Aliases"]] == ["alias/moving"],
   "list-aliases for one key")
kms.delete_alias(AliasName="alias/moving")
ok(error(kms.delete_alias, AliasName="alias/moving")[0] == "NotFoundException", "delete-alias")

# ---- Encrypt, Decrypt, contexts ----
ctx = {"purpose": "test", "order": "42"}
r = kms.encrypt(KeyId="alias/orders", Plaintext=b"secret \x00 bytes", EncryptionContext=ctx)
blob = r["CiphertextBlob"]
ok(r["KeyId"] == karn and r["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT" and b"secret" not in blob,
   "encrypt answers a ciphertext and the key's ARN")
d = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"order": "42", "purpose": "test"})
ok(d["Plaintext"] == b"secret \x00 bytes" and d["KeyId"] == karn, "decrypt, the context in any order")
ok(error(kms.decrypt, CiphertextBlob=blob, EncryptionContext={"order": "43", "purpose": "test"})[0]
   == "InvalidCiphertextException", "a wrong context: InvalidCiphertextException")
ok(error(kms.decrypt, CiphertextBlob=blob)[0] == "InvalidCiphertextException",
   "no context: InvalidCiphertextException")
tampered = bytearray(blob)
tampered[-1] ^= 1
ok(error(kms.decrypt, CiphertextBlob=bytes(tampered), EncryptionContext=ctx)[0]
   == "InvalidCiphertextException", "a changed byte: InvalidCiphertextException")
ok(error(kms.decrypt, CiphertextBlob=b"garbage", EncryptionContext=ctx)[0]
   == "InvalidCiphertextException", "garbage: InvalidCiphertextException")
ok(error(kms.decrypt, CiphertextBlob=blob, EncryptionContext=ctx, KeyId=kid2)[0]
   == "IncorrectKeyException", "decrypt naming another key: IncorrectKeyException")
ok(error(kms2.decrypt, CiphertextBlob=blob, EncryptionContext=ctx)[0] == "InvalidCiphertextException",
   "another account cannot decrypt it")
re = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=ctx, DestinationKeyId=kid2)
ok(re["SourceKeyId"] == karn and kms.decrypt(CiphertextBlob=re["CiphertextBlob"])["Plaintext"]
   == b"secret \x00 bytes", "re-encrypt under another key, without a context")
dk = kms.generate_data_key(KeyId=kid, KeySpec="AES_256", EncryptionContext={"f": "x"})
ok(len(dk["Plaintext"]) == 32 and kms.decrypt(CiphertextBlob=dk["CiphertextBlob"],
   EncryptionContext={"f": "x"})["Plaintext"] == dk["Plaintext"], "generate-data-key: 32 bytes, sealed")
dk = kms.generate_data_key_without_plaintext(KeyId=kid, NumberOfBytes=16)
ok("Plaintext" not in dk and len(kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"]) == 16,
   "generate-data-key-without-plaintext")
ok(error(kms.generate_data_key, KeyId=kid)[0] == "ValidationException",
   "a data key needs KeySpec or NumberOfBytes")
ok(len(kms.generate_random(NumberOfBytes=64)["Plaintext"]) == 64, "generate-random")
ok(error(kms.encrypt, KeyId=kid, Plaintext=b"x" * 4097)[0] == "ValidationException",
   "4 KB is the most encrypt takes")

# ---- States ----
kms.disable_key(KeyId=kid)
ok(kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Disabled", "disable-key")
ok(error(kms.encrypt, KeyId=kid, Plaintext=b"x") == ("DisabledException", "%s is disabled." % karn),
   "a disabled key: DisabledException")
ok(error(kms.decrypt, CiphertextBlob=blob, EncryptionContext=ctx)[0] == "DisabledException",
   "... for decrypt too")
kms.enable_key(KeyId=kid)
ok(kms.decrypt(CiphertextBlob=blob, EncryptionContext=ctx)["Plaintext"] == b"secret \x00 bytes",
   "enable-key: it works again")
ok(error(kms.schedule_key_deletion, KeyId=kid2, PendingWindowInDays=3)[0] == "ValidationException",
   "a deletion window under 7 days is refused")
sd = kms.schedule_key_deletion(KeyId=kid2, PendingWindowInDays=7)
ok(sd["KeyState"] == "PendingDeletion" and sd["PendingWindowInDays"] == 7, "schedule-key-deletion")
ok(error(kms.encrypt, KeyId=kid2, Plaintext=b"x")[0] == "KMSInvalidStateException",
   "a key pending deletion: KMSInvalidStateException")
kms.cancel_key_deletion(KeyId=kid2)
ok(kms.describe_key(KeyId=kid2)["KeyMetadata"]["KeyState"] == "Disabled",
   "cancel-key-deletion leaves it disabled")
kms.schedule_key_deletion(KeyId=kid2, PendingWindowInDays=7)
advance(8 * 86400)
ok(error(kms.describe_key, KeyId=kid2)[0] == "NotFoundException",
   "past its window on the account's clock, the key is gone")

# ---- SSM: String, StringList, SecureString ----
r = ssm.put_parameter(Name="/app/db/host", Value="db.local", Type="String", Description="host")
ok(r == {"Version": 1, "Tier": "Standard"} or (r["Version"] == 1 and r["Tier"] == "Standard"),
   "put-parameter: version 1, Standard")
p = ssm.get_parameter(Name="/app/db/host")["Parameter"]
ok(p["Value"] == "db.local" and p["Type"] == "String" and p["Version"] == 1 and p["DataType"] == "text"
   and p["ARN"] == "arn:aws:ssm:us-east-1:%s:parameter/app/db/host" % ACCOUNT, "get-parameter")
ssm.put_parameter(Name="/app/db/ports", Value="5432,5433", Type="StringList")
ok(ssm.get_parameter(Name="/app/db/ports")["Parameter"]["Value"] == "5432,5433", "a StringList")
ssm.put_parameter(Name="/app/db/password", Value="hunter2", Type="SecureString")
p = ssm.get_parameter(Name="/app/db/password")["Parameter"]
raw = base64.b64decode(p["Value"])
ok(p["Type"] == "SecureString" and b"hunter2" not in raw and len(raw) > 16,
   "a SecureString reads as its ciphertext without decryption")
ok(ssm.get_parameter(Name="/app/db/password", WithDecryption=True)["Parameter"]["Value"] == "hunter2",
   "... and as its value with it (alias/aws/ssm)")
ok(kms.decrypt(CiphertextBlob=raw, EncryptionContext={
    "PARAMETER_ARN": "arn:aws:ssm:us-east-1:%s:parameter/app/db/password" % ACCOUNT})["Plaintext"]
   == b"hunter2", "the ciphertext is KMS's, under the context PARAMETER_ARN")
ok(kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]["KeyManager"] == "AWS",
   "alias/aws/ssm is an AWS managed key")
# Automatic rotation: off for a new key of the account's own, on a year's period once enabled
# (or the period asked for), off again when disabled; an AWS managed key rotates yearly and
# is not the account's to change.
ok(kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"] is False,
   "a new customer managed key does not rotate")
kms.enable_key_rotation(KeyId=kid)
st = kms.get_key_rotation_status(KeyId=kid)
ok(st["KeyRotationEnabled"] is True, "enable-key-rotation turns it on", st)
# Periods came with botocore 1.34; an older one neither sends nor reads them.
if "RotationPeriodInDays" in kms.meta.service_model.operation_model(
        "EnableKeyRotation").input_shape.members:
    ok(st.get("RotationPeriodInDays") == 365 and "NextRotationDate" in st,
       "... every 365 days by default", st)
    kms.enable_key_rotation(KeyId=kid, RotationPeriodInDays=90)
    ok(kms.get_key_rotation_status(KeyId=kid).get("RotationPeriodInDays") == 90,
       "... or the RotationPeriodInDays asked for")
kms.disable_key_rotation(KeyId=kid)
ok(kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"] is False,
   "disable-key-rotation turns it off")
aws_key = kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]["KeyId"]
ok(kms.get_key_rotation_status(KeyId=aws_key)["KeyRotationEnabled"] is True and
   error(kms.disable_key_rotation, KeyId=aws_key)[0] == "UnsupportedOperationException",
   "an AWS managed key rotates, and its rotation is not the account's to change")
ssm.put_parameter(Name="/app/api/token", Value="t0k", Type="SecureString", KeyId="alias/orders")
d = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/app/api/token"]}])["Parameters"]
ok(d and d[0]["KeyId"] == karn, "a SecureString under a key of the account's own")
ok(ssm.get_parameter(Name="/app/api/token", WithDecryption=True)["Parameter"]["Value"] == "t0k",
   "... decrypted")
ok(error(ssm.put_parameter, Name="/app/x", Value="v", Type="SecureString", KeyId="alias/none")[0]
   == "InvalidKeyId", "an unknown KeyId: InvalidKeyId")
ok(error(ssm.get_parameter, Name="/app/x") == ("ParameterNotFound", ""), "... and nothing was written")
kms.disable_key(KeyId=kid)
ok(error(ssm.get_parameter, Name="/app/api/token", WithDecryption=True)[0] == "DisabledException",
   "a disabled key cannot decrypt the parameter")
kms.enable_key(KeyId=kid)

# ---- Overwrite rules, versions, labels ----
ok(error(ssm.put_parameter, Name="/app/db/host", Value="x", Type="String") == (
    "ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the "
    "overwrite option in the request to true."), "put without overwrite: ParameterAlreadyExists")
ok(ssm.put_parameter(Name="/app/db/host", Value="db2.local", Overwrite=True)["Version"] == 2,
   "overwrite: version 2, the type carried over")
ssm.put_parameter(Name="/app/db/host", Value="db3.local", Overwrite=True)
ok(ssm.get_parameter(Name="/app/db/host:1")["Parameter"]["Value"] == "db.local", "NAME:VERSION")
ok(error(ssm.put_parameter, Name="/app/new", Value="v", Overwrite=True, Type="String",
         Tags=[{"Key": "a", "Value": "b"}])[0] == "ValidationException", "tags and overwrite together are refused")
ok(error(ssm.put_parameter, Name="/app/nothing", Value="v")[0] == "ValidationException",
   "a new parameter needs a type")
r = ssm.label_parameter_version(Name="/app/db/host", ParameterVersion=2, Labels=["prod", "9bad", "awsx"])
ok(r["ParameterVersion"] == 2 and sorted(r["InvalidLabels"]) == ["9bad", "awsx"],
   "label-parameter-version: bad labels are named, good ones taken")
p = ssm.get_parameter(Name="/app/db/host:prod")["Parameter"]
ok(p["Value"] == "db2.local" and p["Selector"] == ":prod", "NAME:LABEL")
ssm.label_parameter_version(Name="/app/db/host", Labels=["prod"])
ok(ssm.get_parameter(Name="/app/db/host:prod")["Parameter"]["Version"] == 3, "a label moves to the latest version")
ok(error(ssm.get_parameter, Name="/app/db/host:9")[0] == "ParameterVersionNotFound", "an unknown version")
ok(error(ssm.get_parameter, Name="/app/db/host:nolabel")[0] == "ParameterNotFound", "an unknown label")
h = ssm.get_parameter_history(Name="/app/db/host")["Parameters"]
ok([x["Value"] for x in h] == ["db.local", "db2.local", "db3.local"] and h[2]["Labels"] == ["prod"]
   and h[0]["Description"] == "host", "get-parameter-history: every version, labels, description carried")
h = ssm.get_parameter_history(Name="/app/db/password")["Parameters"]
ok(h[0]["Value"] != "hunter2" and ssm.get_parameter_history(Name="/app/db/password", WithDecryption=True)
   ["Parameters"][0]["Value"] == "hunter2", "history of a SecureString, with and without decryption")
r = ssm.unlabel_parameter_version(Name="/app/db/host", ParameterVersion=3, Labels=["prod", "never"])
ok(r["RemovedLabels"] == ["prod"] and r["InvalidLabels"] == ["never"], "unlabel-parameter-version")

# ---- Hierarchies ----
ssm.put_parameter(Name="/app/db/deep/one", Value="1", Type="String")
ssm.put_parameter(Name="/other/x", Value="1", Type="String")
names = lambda ps: sorted(p["Name"] for p in ps)
ok(names(ssm.get_parameters_by_path(Path="/app/db")["Parameters"])
   == ["/app/db/host", "/app/db/password", "/app/db/ports"], "get-parameters-by-path: one level")
got, tok = [], None
while True:
    a = dict(Path="/app", Recursive=True, MaxResults=2, WithDecryption=True)
    if tok:
        a["NextToken"] = tok
    r = ssm.get_parameters_by_path(**a)
    got += r["Parameters"]
    tok = r.get("NextToken")
    if not tok:
        break
ok(names(got) == ["/app/api/token", "/app/db/deep/one", "/app/db/host", "/app/db/password", "/app/db/ports"]
   and [p["Value"] for p in got if p["Name"] == "/app/db/password"] == ["hunter2"],
   "recursive, in pages of two, decrypted")
ok(names(ssm.get_parameters_by_path(Path="/app", Recursive=True, ParameterFilters=[
    {"Key": "Type", "Values": ["SecureString"]}])["Parameters"]) == ["/app/api/token", "/app/db/password"],
   "by path with a Type filter")
ok(error(ssm.get_parameters_by_path, Path="app")[0] == "ValidationException", "a path without /")
ok(error(ssm.get_parameters_by_path, Path="/app", ParameterFilters=[{"Key": "Name", "Values": ["x"]}])[0]
   == "InvalidFilterKey", "a Name filter by path: InvalidFilterKey")
r = ssm.get_parameters(Names=["/app/db/host", "/nope", "/app/db/host:1"])
ok([p["Value"] for p in r["Parameters"]] == ["db3.local", "db.local"] and r["InvalidParameters"] == ["/nope"],
   "get-parameters: found and invalid")

# ---- DescribeParameters ----
d = ssm.describe_parameters(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": ["/app"]},
                                              {"Key": "Type", "Values": ["String"]}])["Parameters"]
ok(names(d) == ["/app/db/deep/one", "/app/db/host"] and "Value" not in d[0]
   and d[1]["Version"] == 3 and d[1]["LastModifiedUser"] == "arn:aws:iam::%s:root" % ACCOUNT,
   "describe-parameters with Path and Type")
d = ssm.describe_parameters(Filters=[{"Key": "Name", "Values": ["/app/db/p"]}])["Parameters"]
ok(names(d) == ["/app/db/password", "/app/db/ports"], "the older Filters: Name begins with")
ok(error(ssm.describe_parameters, ParameterFilters=[{"Key": "Type", "Option": "Contains", "Values": ["S"]}])[0]
   == "InvalidFilterOption", "a bad option: InvalidFilterOption")
ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/other/x", Tags=[{"Key": "env", "Value": "dev"}])
ok(names(ssm.describe_parameters(ParameterFilters=[{"Key": "tag:env", "Values": ["dev"]}])["Parameters"])
   == ["/other/x"], "tags, and a tag filter")
ok(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/other/x")["TagList"]
   == [{"Key": "env", "Value": "dev"}], "list-tags-for-resource")

# ---- Names and sizes ----
ok(error(ssm.put_parameter, Name="/aws/x", Value="v", Type="String")[0] == "ValidationException"
   and error(ssm.put_parameter, Name="ssmthing", Value="v", Type="String")[0] == "ValidationException",
   "names prefixed aws or ssm are refused")
ok(error(ssm.put_parameter, Name="a/b", Value="v", Type="String") == (
    "ValidationException", "Parameter name must be a fully qualified name."), "a relative path is refused")
ok(error(ssm.put_parameter, Name="/" + "/".join("l%d" % i for i in range(16)), Value="v", Type="String")[0]
   == "HierarchyLevelLimitExceededException", "more than 15 levels")
code, msg = error(ssm.put_parameter, Name="/big", Value="x" * 4097, Type="String")
ok(code == "ValidationException" and msg.startswith("Standard tier parameters support a maximum parameter "
   "value of 4096 characters."), "4 KB is the standard tier's most")
ok(ssm.put_parameter(Name="/big", Value="x" * 8192, Type="String", Tier="Advanced")["Tier"] == "Advanced",
   "8 KB in the advanced tier")
ok(error(ssm.put_parameter, Name="/big2", Value="x" * 8193, Type="String", Tier="Advanced")[0]
   == "ValidationException", "past 8 KB is refused")
ok(error(ssm.put_parameter, Name="/big", Value="x", Overwrite=True, Tier="Standard")[0]
   == "ValidationException", "an advanced parameter cannot go back to standard")
ok(ssm.put_parameter(Name="/small", Value="x" * 5000, Type="String", Tier="Intelligent-Tiering")["Tier"]
   == "Advanced", "Intelligent-Tiering picks Advanced for 5,000 characters")
ok(error(ssm.put_parameter, Name="/pat", Value="abc", Type="String", AllowedPattern="^[0-9]+$")[0]
   == "ParameterPatternMismatchException", "AllowedPattern is checked")
ok(error(ssm.get_parameter, Name="/pat")[0] == "ParameterNotFound", "... and nothing was written")

# ---- Permissions: a user with a policy of its own ----
iam = boto3.client("iam", **kw)
iam.create_user(UserName="reader")
pfx = "arn:aws:ssm:us-east-1:%s:parameter" % ACCOUNT
iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": pfx + "/app/db/*"},
        {"Effect": "Deny", "Action": "ssm:GetParameter", "Resource": pfx + "/app/db/ports"}]}))
ak = iam.create_access_key(UserName="reader")["AccessKey"]
ukw = dict(endpoint_url=E, region_name="us-east-1", aws_access_key_id=ak["AccessKeyId"],
           aws_secret_access_key=ak["SecretAccessKey"])
ussm, ukms = boto3.client("ssm", **ukw), boto3.client("kms", **ukw)
ok(ussm.get_parameter(Name="/app/db/host")["Parameter"]["Value"] == "db3.local",
   "a user's policy allows GetParameter under /app/db/")
code, msg = error(ussm.get_parameter, Name="/app/db/ports")
ok(code == "AccessDeniedException" and "is not authorized to perform: ssm:GetParameter" in msg
   and "explicit deny" in msg, "an explicit deny wins: AccessDeniedException")
ok(error(ussm.get_parameter, Name="/other/x")[0] == "AccessDeniedException",
   "outside the policy's resources: denied")
ok(error(ussm.put_parameter, Name="/app/db/host", Value="x", Overwrite=True)[0] == "AccessDeniedException",
   "no policy allows PutParameter: denied")
ok(ssm.get_parameter(Name="/app/db/host")["Parameter"]["Version"] == 3, "... and nothing was written")
ok(ussm.get_parameter(Name="/app/db/password", WithDecryption=True)["Parameter"]["Value"] == "hunter2",
   "alias/aws/ssm decrypts for whoever may read the parameter")
ssm.put_parameter(Name="/app/db/token", Value="tk", Type="SecureString", KeyId=kid)
code, msg = error(ussm.get_parameter, Name="/app/db/token", WithDecryption=True)
ok(code == "AccessDeniedException" and "kms:Decrypt" in msg,
   "a customer key needs kms:Decrypt of the reader")
ok(error(ukms.encrypt, KeyId=kid, Plaintext=b"x")[0] == "AccessDeniedException",
   "kms:Encrypt without a policy: denied")

# ---- Key policies: the root of access to a key ----
iam.create_user(UserName="crypto")
iam.put_user_policy(UserName="crypto", PolicyName="use", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:PutKeyPolicy"], "Resource": "*"}]}))
ck = iam.create_access_key(UserName="crypto")["AccessKey"]
ckms = boto3.client("kms", endpoint_url=E, region_name="us-east-1",
                    aws_access_key_id=ck["AccessKeyId"], aws_secret_access_key=ck["SecretAccessKey"])
ok(ckms.encrypt(KeyId=kid, Plaintext=b"x")["KeyId"] == karn,
   "a key policy allowing the account: the user's IAM policy grants kms:Encrypt")
crypto = "arn:aws:iam::%s:user/crypto" % ACCOUNT
only = kms.create_key(Description="named", BypassPolicyLockoutSafetyCheck=True, Policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": crypto},
                                            "Action": "kms:Decrypt", "Resource": "*"}]}))
okid = only["KeyMetadata"]["KeyId"]
code, msg = error(ckms.encrypt, KeyId=okid, Plaintext=b"x")
ok(code == "AccessDeniedException" and "kms:Encrypt" in msg,
   "a key policy not allowing the account: the IAM policy alone grants nothing", (code, msg))
code, msg = error(kms.encrypt, KeyId=okid, Plaintext=b"x")
ok(code == "AccessDeniedException", "... not even the account's root", (code, msg))
lock = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
    "AWS": crypto}, "Action": "kms:Encrypt", "Resource": "*"}]})
code, msg = error(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy=lock)
ok((code, msg) == ("MalformedPolicyDocumentException",
                   "The new key policy will not allow you to update the key policy in the future."),
   "put-key-policy that would lock the caller out: the safety check refuses it", (code, msg))
code, msg = error(ckms.put_key_policy, KeyId=kid, PolicyName="default", Policy=lock)
ok(code == "MalformedPolicyDocumentException", "... for a user too, whose IAM policy would no "
   "longer count", (code, msg))
ok(kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"] == newpol, "... and changes nothing")
bad = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Alow", "Principal": {
    "AWS": "arn:aws:iam::%s:root" % ACCOUNT}, "Action": "kms:*", "Resource": "*"}]})
code, msg = error(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy=bad)
ok(code == "MalformedPolicyDocumentException", "a key policy with an invalid Effect is refused",
   (code, msg))
code, msg = error(kms.create_key, Policy=lock)
ok(code == "MalformedPolicyDocumentException", "create-key with a policy that locks the caller "
   "out: refused", (code, msg))

# ---- Deleting ----
ssm.delete_parameter(Name="/other/x")
ok(error(ssm.get_parameter, Name="/other/x") == ("ParameterNotFound", ""), "delete-parameter")
ok(error(ssm.delete_parameter, Name="/other/x")[0] == "ParameterNotFound", "deleting it again: ParameterNotFound")
r = ssm.delete_parameters(Names=["/big", "/small", "/gone"])
ok(sorted(r["DeletedParameters"]) == ["/big", "/small"] and r["InvalidParameters"] == ["/gone"],
   "delete-parameters")

print("1..%d" % n)
sys.exit(1 if failed else 0)
