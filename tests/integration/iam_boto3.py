"""IAM and STS through boto3, every operation the local cloud serves, in a fresh account of
its own: roles with trust policies, inline and managed policies with versions, the AWS
managed policies with their documents, attachments, users and access keys; IAM's refusals
(MalformedPolicyDocument, NoSuchEntity, EntityAlreadyExists, DeleteConflict, LimitExceeded)
changing nothing; STS GetCallerIdentity, AssumeRole with its trust policy checked and the
session's credentials used and evaluated (allowed, implicitly denied, explicitly denied), and
GetSessionToken. TAP on stdout.

Usage: iam_boto3.py ENDPOINT WORKSPACE
"""
import json
import os
import sys
import time

import boto3
import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

endpoint, ws = sys.argv[1], sys.argv[2]
key, secret, acct = cloudlib.new_account(ws)


def clients(k, s, token=None):
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=k,
              aws_secret_access_key=s, aws_session_token=token)
    return boto3.client("iam", **kw), boto3.client("sts", **kw)


iam, sts = clients(key, secret)
n = failed = 0


def ok(cond, what, detail=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)
    if not cond and detail is not None:
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)


def error_of(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


LAMBDA_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole"})
ACCOUNT_TRUST = doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % acct},
                     "Action": "sts:AssumeRole"})
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

# Who we are: the account's root.
me = sts.get_caller_identity()
ok(me["Account"] == acct and me["Arn"] == "arn:aws:iam::%s:root" % acct,
   "GetCallerIdentity names the account's root", me)
root = iam.get_user()["User"]
age = time.time() - root["CreateDate"].timestamp()
ok(root["Arn"] == me["Arn"] and 0 <= age < 600,
   "GetUser as the root: the account's creation time", (root, age))

# Roles.
r = iam.create_role(RoleName="orders-role", AssumeRolePolicyDocument=LAMBDA_TRUST,
                    Description="orders", Path="/service-role/")["Role"]
ok(r["Arn"] == "arn:aws:iam::%s:role/service-role/orders-role" % acct and
   r["RoleId"].startswith("AROA"), "CreateRole answers the role with its ARN and id", r)
ok(r["AssumeRolePolicyDocument"] == json.loads(LAMBDA_TRUST),
   "... and its trust policy, decoded by botocore", r.get("AssumeRolePolicyDocument"))
code, msg = error_of(lambda: iam.create_role(RoleName="orders-role",
                                             AssumeRolePolicyDocument=LAMBDA_TRUST))
ok(code == "EntityAlreadyExists" and msg == "Role with name orders-role already exists.",
   "a second role of that name: EntityAlreadyExists", (code, msg))
code, msg = error_of(lambda: iam.create_role(RoleName="bad", AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
     "Action": "sts:AssumeRole", "Resource": "*"})))
ok(code == "MalformedPolicyDocument" and msg == "Has prohibited field Resource",
   "a trust policy with a Resource: MalformedPolicyDocument", (code, msg))
code, msg = error_of(lambda: iam.create_role(RoleName="bad", AssumeRolePolicyDocument="{"))
ok(code == "MalformedPolicyDocument" and msg == "This policy contains invalid Json",
   "a trust policy that is not JSON: This policy contains invalid Json", (code, msg))
# IAM checks a trust policy's principals when it stores it: a role or user must exist, and
# a service principal must look like one.
missing = "arn:aws:iam::%s:role/not-made-yet" % acct
code, msg = error_of(lambda: iam.create_role(RoleName="bad", AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": [missing]}, "Action": "sts:AssumeRole"})))
ok(code == "MalformedPolicyDocument" and msg == 'Invalid principal in policy: "AWS":"%s"'
   % missing, "a trust policy naming a role that does not exist: Invalid principal", (code, msg))
code, msg = error_of(lambda: iam.create_role(RoleName="bad", AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaw.com"},
     "Action": "sts:AssumeRole"})))
ok(code == "MalformedPolicyDocument" and
   msg == 'Invalid principal in policy: "SERVICE":"lambda.amazonaw.com"',
   "a misspelt service principal: Invalid principal", (code, msg))
code, msg = error_of(lambda: iam.update_assume_role_policy(RoleName="orders-role",
                                                           PolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/nobody" % acct},
     "Action": "sts:AssumeRole"})))
ok(code == "MalformedPolicyDocument" and "Invalid principal in policy" in (msg or "") and
   "lambda.amazonaws.com" in json.dumps(
       iam.get_role(RoleName="orders-role")["Role"]["AssumeRolePolicyDocument"]),
   "UpdateAssumeRolePolicy naming a user that does not exist: refused, the trust unchanged",
   (code, msg))
code, _ = error_of(lambda: iam.get_role(RoleName="bad"))
ok(code == "NoSuchEntity", "... and no role was made", code)
g = iam.get_role(RoleName="orders-role")["Role"]
ok(g["Description"] == "orders" and g["MaxSessionDuration"] == 3600, "GetRole", g)
code, msg = error_of(lambda: iam.get_role(RoleName="nobody"))
ok(code == "NoSuchEntity" and msg == "The role with name nobody cannot be found.",
   "GetRole of a missing role: NoSuchEntity", (code, msg))
names = [x["RoleName"] for x in iam.list_roles()["Roles"]]
ok(names == ["orders-role"], "ListRoles", names)
iam.update_role(RoleName="orders-role", Description="orders v2", MaxSessionDuration=7200)
g = iam.get_role(RoleName="orders-role")["Role"]
ok(g["Description"] == "orders v2" and g["MaxSessionDuration"] == 7200, "UpdateRole", g)

# Inline policies.
READ = doc({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::in/*"})
iam.put_role_policy(RoleName="orders-role", PolicyName="read", PolicyDocument=READ)
p = iam.get_role_policy(RoleName="orders-role", PolicyName="read")
ok(p["PolicyDocument"] == json.loads(READ), "Put/GetRolePolicy keep the document", p)
ok(iam.list_role_policies(RoleName="orders-role")["PolicyNames"] == ["read"],
   "ListRolePolicies", None)
code, msg = error_of(lambda: iam.put_role_policy(
    RoleName="orders-role", PolicyName="p2",
    PolicyDocument=doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                        "Resource": "*"})))
ok(code == "MalformedPolicyDocument" and
   msg == "Policy document should not specify a principal.",
   "an identity policy with a Principal: MalformedPolicyDocument", (code, msg))
code, msg = error_of(lambda: iam.put_role_policy(
    RoleName="orders-role", PolicyName="p2",
    PolicyDocument=doc({"Effect": "Allow", "Action": "GetObject", "Resource": "*"})))
ok(code == "MalformedPolicyDocument" and msg.startswith("Actions/Conditions must be prefaced"),
   "an action without its service: MalformedPolicyDocument", (code, msg))
code, msg = error_of(lambda: iam.put_role_policy(
    RoleName="orders-role", PolicyName="p2", PolicyDocument=READ + "xyz"))
ok(code == "MalformedPolicyDocument" and msg == "Syntax errors in policy.",
   "a document followed by other characters: Syntax errors in policy.", (code, msg))
# An error echoing a control character is still XML 1.0 that botocore reads.
code, msg = error_of(lambda: iam.put_role_policy(
    RoleName="orders-role", PolicyName="p2",
    PolicyDocument=doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "in\u0001"})))
ok(code == "MalformedPolicyDocument" and msg.startswith("Resource in") and "\x01" not in msg,
   "an error naming a control character parses, the character replaced", (code, msg))
ok(iam.list_role_policies(RoleName="orders-role")["PolicyNames"] == ["read"],
   "... and none was kept", None)


def sized(chars):
    """A valid identity policy of about chars characters without white space."""
    res = ["arn:aws:s3:::bucket-%04d/*" % i for i in range(chars // 27)]
    return doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": res})


def size_of(d):
    return len("".join(d.split()))


# IAM's quotas, white space not counted: a role's inline policies 10,240 characters in all,
# a user's 2,048, a managed policy 6,144, a trust policy 2,048.
big = sized(11000)
code, msg = error_of(lambda: iam.put_role_policy(RoleName="orders-role", PolicyName="big",
                                                 PolicyDocument=big))
ok(code == "LimitExceeded" and
   msg == "Maximum policy size of 10240 bytes exceeded for role orders-role",
   "a role's inline policies over 10,240 characters: LimitExceeded", (code, msg, size_of(big)))
half = sized(6000)
iam.put_role_policy(RoleName="orders-role", PolicyName="half", PolicyDocument=half)
code, msg = error_of(lambda: iam.put_role_policy(RoleName="orders-role", PolicyName="half2",
                                                 PolicyDocument=half))
ok(code == "LimitExceeded", "... counted over all of the role's inline policies", (code, msg))
iam.put_role_policy(RoleName="orders-role", PolicyName="half", PolicyDocument=sized(5000))
ok(True, "... replacing one counts the new document, not both")
iam.delete_role_policy(RoleName="orders-role", PolicyName="half")
spaced = json.dumps(json.loads(sized(9000)), indent=40)
ok(len(spaced) > 10240, "(a document long only with white space)", len(spaced))
iam.put_role_policy(RoleName="orders-role", PolicyName="spaced", PolicyDocument=spaced)
ok(True, "... white space is not counted")
iam.delete_role_policy(RoleName="orders-role", PolicyName="spaced")
code, msg = error_of(lambda: iam.create_policy(PolicyName="big", PolicyDocument=sized(7000)))
ok(code == "LimitExceeded" and msg == "Cannot exceed quota for PolicySize: 6144",
   "a managed policy over 6,144 characters: LimitExceeded", (code, msg))
long_trust = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                  "Action": "sts:AssumeRole",
                  "Condition": {"StringLike": {"aws:SourceArn": [
                      "arn:aws:lambda:us-east-1:%s:function:f-%04d" % (acct, i)
                      for i in range(60)]}}})
code, msg = error_of(lambda: iam.create_role(RoleName="big", AssumeRolePolicyDocument=long_trust))
ok(code == "LimitExceeded" and msg == "Cannot exceed quota for ACLSizePerRole: 2048",
   "a trust policy over 2,048 characters: LimitExceeded", (code, msg, size_of(long_trust)))
code, _ = error_of(lambda: iam.update_assume_role_policy(RoleName="orders-role",
                                                         PolicyDocument=long_trust))
ok(code == "LimitExceeded", "... and in UpdateAssumeRolePolicy", code)
ok(iam.list_role_policies(RoleName="orders-role")["PolicyNames"] == ["read"],
   "... and nothing over a quota was kept", None)
code, _ = error_of(lambda: iam.delete_role(RoleName="orders-role"))
ok(code == "DeleteConflict", "a role with policies cannot be deleted: DeleteConflict", code)

# AWS managed policies.
gp = iam.get_policy(PolicyArn=BASIC)["Policy"]
ok(gp["PolicyName"] == "AWSLambdaBasicExecutionRole" and gp["DefaultVersionId"] == "v1",
   "GetPolicy of an AWS managed policy", gp)
v = iam.get_policy_version(PolicyArn=BASIC, VersionId="v1")["PolicyVersion"]
ok(sorted(v["Document"]["Statement"][0]["Action"]) ==
   ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
   "... with its real document", v)
aws_names = [x["PolicyName"] for x in iam.list_policies(Scope="AWS")["Policies"]]
ok(all(x in aws_names for x in ["AWSLambdaBasicExecutionRole", "AWSLambdaSQSQueueExecutionRole",
                                "AWSLambdaDynamoDBExecutionRole", "AWSXRayDaemonWriteAccess",
                                "AmazonS3ReadOnlyAccess"]),
   "ListPolicies Scope=AWS lists the course's managed policies", aws_names)
iam.attach_role_policy(RoleName="orders-role", PolicyArn=BASIC)
att = iam.list_attached_role_policies(RoleName="orders-role")["AttachedPolicies"]
ok(att == [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC}],
   "Attach/ListAttachedRolePolicies", att)
code, msg = error_of(lambda: iam.attach_role_policy(
    RoleName="orders-role", PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy"))
ok(code == "NoSuchEntity" and "does not exist or is not attachable" in msg,
   "attaching a policy that does not exist: NoSuchEntity", (code, msg))

# The account's managed policies, with versions.
cp = iam.create_policy(PolicyName="write-out", PolicyDocument=doc(
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::out/*"}))["Policy"]
parn = cp["Arn"]
ok(parn == "arn:aws:iam::%s:policy/write-out" % acct and cp["DefaultVersionId"] == "v1",
   "CreatePolicy", cp)
code, _ = error_of(lambda: iam.create_policy(PolicyName="write-out", PolicyDocument=READ))
ok(code == "EntityAlreadyExists", "a second policy of that name: EntityAlreadyExists", code)
v2 = iam.create_policy_version(PolicyArn=parn, SetAsDefault=True, PolicyDocument=doc(
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectTagging"],
     "Resource": "arn:aws:s3:::out/*"}))["PolicyVersion"]
ok(v2["VersionId"] == "v2" and v2["IsDefaultVersion"], "CreatePolicyVersion as default", v2)
vs = [(x["VersionId"], x["IsDefaultVersion"])
      for x in iam.list_policy_versions(PolicyArn=parn)["Versions"]]
ok(vs == [("v2", True), ("v1", False)], "ListPolicyVersions", vs)
code, _ = error_of(lambda: iam.delete_policy_version(PolicyArn=parn, VersionId="v2"))
ok(code == "DeleteConflict", "the default version cannot be deleted", code)
iam.set_default_policy_version(PolicyArn=parn, VersionId="v1")
ok(iam.get_policy(PolicyArn=parn)["Policy"]["DefaultVersionId"] == "v1",
   "SetDefaultPolicyVersion", None)
for i in range(3):
    iam.create_policy_version(PolicyArn=parn, PolicyDocument=READ)
code, msg = error_of(lambda: iam.create_policy_version(PolicyArn=parn, PolicyDocument=READ))
ok(code == "LimitExceeded" and "up to 5 versions" in msg, "a sixth version: LimitExceeded",
   (code, msg))
iam.attach_role_policy(RoleName="orders-role", PolicyArn=parn)
code, _ = error_of(lambda: iam.delete_policy(PolicyArn=parn))
ok(code == "DeleteConflict", "an attached policy cannot be deleted", code)
ok(iam.get_policy(PolicyArn=parn)["Policy"]["AttachmentCount"] == 1, "AttachmentCount", None)

# A session of the role, assumed by a user of the account (its trust policy lets the
# account in, the user's own policy lets it call AssumeRole); the root may not.
code, msg = error_of(lambda: sts.assume_role(
    RoleArn="arn:aws:iam::%s:role/service-role/orders-role" % acct, RoleSessionName="s1"))
ok(code == "AccessDenied" and msg == "Roles may not be assumed by root accounts.",
   "AssumeRole with the root's keys: AccessDenied as STS answers", (code, msg))
iam.create_user(UserName="ops")
ok_key = iam.create_access_key(UserName="ops")["AccessKey"]
sts = clients(ok_key["AccessKeyId"], ok_key["SecretAccessKey"])[1]
iam.put_user_policy(UserName="ops", PolicyName="assume", PolicyDocument=doc(
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
code, msg = error_of(lambda: sts.assume_role(
    RoleArn="arn:aws:iam::%s:role/service-role/orders-role" % acct, RoleSessionName="s1"))
ok(code == "AccessDenied" and "is not authorized to perform: sts:AssumeRole" in msg,
   "AssumeRole of a role that trusts only Lambda: AccessDenied", (code, msg))
iam.update_assume_role_policy(RoleName="orders-role", PolicyDocument=ACCOUNT_TRUST)
code, _ = error_of(lambda: sts.assume_role(
    RoleArn="arn:aws:iam::%s:role/nobody" % acct, RoleSessionName="s1"))
ok(code == "AccessDenied", "AssumeRole of a missing role: AccessDenied", code)
code, msg = error_of(lambda: sts.assume_role(
    RoleArn="arn:aws:iam::%s:role/service-role/orders-role" % acct, RoleSessionName="s1",
    DurationSeconds=9000))
ok(code == "ValidationError" and "MaxSessionDuration" in msg,
   "a session longer than the role allows: ValidationError", (code, msg))
ar = sts.assume_role(RoleArn="arn:aws:iam::%s:role/service-role/orders-role" % acct,
                     RoleSessionName="s1", DurationSeconds=900)
c = ar["Credentials"]
session_arn = "arn:aws:sts::%s:assumed-role/orders-role/s1" % acct
ok(c["AccessKeyId"].startswith("ASIA") and ar["AssumedRoleUser"]["Arn"] == session_arn,
   "AssumeRole answers a session's credentials", ar.get("AssumedRoleUser"))
siam, ssts = clients(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
who = ssts.get_caller_identity()
ok(who["Arn"] == session_arn and who["UserId"] == r["RoleId"] + ":s1",
   "the session is the assumed role", who)
code, msg = error_of(lambda: siam.list_roles())
ok(code == "AccessDenied" and msg == (
    "User: %s is not authorized to perform: iam:ListRoles on resource: "
    "arn:aws:iam::%s:role/ because no identity-based policy allows the iam:ListRoles action"
    % (session_arn, acct)), "the session may not do what its role does not allow", (code, msg))
iam.put_role_policy(RoleName="orders-role", PolicyName="iam-read", PolicyDocument=doc(
    {"Effect": "Allow", "Action": ["iam:List*", "iam:Get*"], "Resource": "*"}))
ok([x["RoleName"] for x in siam.list_roles()["Roles"]] == ["orders-role"],
   "an identity policy allowing iam:List* lets it list", None)
iam.put_role_policy(RoleName="orders-role", PolicyName="no-roles", PolicyDocument=doc(
    {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"}))
code, msg = error_of(lambda: siam.list_roles())
ok(code == "AccessDenied" and msg.endswith("with an explicit deny in an identity-based policy"),
   "an explicit deny wins", (code, msg))
code, _ = error_of(lambda: ssts.get_session_token())
ok(code == "AccessDenied", "GetSessionToken with session credentials: AccessDenied", code)
# The session lapses on its account's clock: 900 seconds on, its token has expired.
short = sts.assume_role(RoleArn="arn:aws:iam::%s:role/service-role/orders-role" % acct,
                        RoleSessionName="short", DurationSeconds=900)["Credentials"]
shsts = clients(short["AccessKeyId"], short["SecretAccessKey"], short["SessionToken"])[1]
ok(shsts.get_caller_identity()["Arn"].endswith("/orders-role/short"),
   "a fresh session signs", None)
cloudlib.control(ws, "POST", "/_tutor/clock/advance?account=%s&seconds=901" % acct)
code, msg = error_of(lambda: shsts.get_caller_identity())
ok(code == "ExpiredToken" and msg == "The security token included in the request is expired",
   "after the account's clock passes its expiry, the session is refused", (code, msg))
bad = clients(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"][:-4] + "AAAA")[1]
code, _ = error_of(lambda: bad.get_caller_identity())
ok(code == "InvalidClientTokenId" or code == "InvalidToken" or code == "SignatureDoesNotMatch"
   or code == "AccessDenied", "a wrong session token is refused", code)
# A role for a third party trusts only callers that give the external id it was told.
iam.create_role(RoleName="partner-role", AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % acct},
     "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"sts:ExternalId": "ex-4711"}}}))
partner = "arn:aws:iam::%s:role/partner-role" % acct
pr = sts.assume_role(RoleArn=partner, RoleSessionName="p1", ExternalId="ex-4711")
ok(pr["AssumedRoleUser"]["Arn"].endswith(":assumed-role/partner-role/p1"),
   "AssumeRole with the external id the trust policy requires", pr.get("AssumedRoleUser"))
code, msg = error_of(lambda: sts.assume_role(RoleArn=partner, RoleSessionName="p1",
                                             ExternalId="ex-0000"))
ok(code == "AccessDenied" and "is not authorized to perform: sts:AssumeRole" in msg,
   "... with another external id: AccessDenied", (code, msg))
code, msg = error_of(lambda: sts.assume_role(RoleArn=partner, RoleSessionName="p1"))
ok(code == "AccessDenied", "... with none: AccessDenied", (code, msg))
iam.delete_role(RoleName="partner-role")
iam.delete_user_policy(UserName="ops", PolicyName="assume")
iam.delete_access_key(UserName="ops", AccessKeyId=ok_key["AccessKeyId"])
iam.delete_user(UserName="ops")

# Users and their keys.
u = iam.create_user(UserName="carlos")["User"]
ok(u["Arn"] == "arn:aws:iam::%s:user/carlos" % acct and u["UserId"].startswith("AIDA"),
   "CreateUser", u)
k = iam.create_access_key(UserName="carlos")["AccessKey"]
ok(k["AccessKeyId"].startswith("AKIA") and k["Status"] == "Active", "CreateAccessKey", k)
code, msg = error_of(lambda: iam.put_user_policy(UserName="carlos", PolicyName="big",
                                                 PolicyDocument=sized(2100)))
ok(code == "LimitExceeded" and msg == "Maximum policy size of 2048 bytes exceeded for user carlos",
   "a user's inline policies over 2,048 characters: LimitExceeded", (code, msg))
ok([x["AccessKeyId"] for x in iam.list_access_keys(UserName="carlos")["AccessKeyMetadata"]] ==
   [k["AccessKeyId"]], "ListAccessKeys", None)
uiam, usts = clients(k["AccessKeyId"], k["SecretAccessKey"])
ok(usts.get_caller_identity()["Arn"] == u["Arn"], "the user's key acts as the user", None)
code, _ = error_of(lambda: uiam.list_users())
ok(code == "AccessDenied", "a user with no policy may do nothing", code)
usqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                    aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
code, msg = error_of(lambda: usqs.list_queues())
ok(code is not None and "is not authorized to perform: sqs:ListQueues" in (msg or ""),
   "... not even list queues: every service's calls are authorized", (code, msg))
iam.attach_user_policy(UserName="carlos", PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
code, msg = error_of(lambda: usqs.list_queues())
ok(code is None, "AmazonSQSFullAccess attached: it may list", (code, msg))
iam.detach_user_policy(UserName="carlos", PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
iam.attach_user_policy(UserName="carlos", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
ok([x["UserName"] for x in uiam.list_users()["Users"]] == ["carlos"],
   "AdministratorAccess attached: it may", None)
st = usts.get_session_token(DurationSeconds=900)["Credentials"]
ok(st["AccessKeyId"].startswith("ASIA"), "GetSessionToken for a user", st.get("AccessKeyId"))
siam, ssts2 = clients(st["AccessKeyId"], st["SecretAccessKey"], st["SessionToken"])
code, msg = error_of(lambda: siam.list_users())
ok(code == "InvalidClientTokenId" and
   msg == "The security token included in the request is invalid",
   "its credentials without MFA may not call IAM, even as an administrator", (code, msg))
ok(ssts2.get_caller_identity()["Arn"] == u["Arn"], "... but GetCallerIdentity answers", None)
usqs2 = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id=st["AccessKeyId"],
                     aws_secret_access_key=st["SecretAccessKey"],
                     aws_session_token=st["SessionToken"])
ok(error_of(lambda: usqs2.list_queues())[0] is None, "... and other services take them", None)
code, _ = error_of(lambda: iam.delete_user(UserName="carlos"))
ok(code == "DeleteConflict", "a user with a policy and keys cannot be deleted", code)
iam.detach_user_policy(UserName="carlos",
                       PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
iam.delete_access_key(UserName="carlos", AccessKeyId=k["AccessKeyId"])
code, _ = error_of(lambda: usts.get_caller_identity())
ok(code is not None, "a deleted key no longer signs", code)
iam.delete_user(UserName="carlos")
ok(iam.list_users()["Users"] == [], "DeleteUser", None)

# A function's calls with its role's credentials, and the least-privilege report of them.
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key, aws_secret_access_key=secret)
lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key, aws_secret_access_key=secret)
qurl = sqs.create_queue(QueueName="orders-out")["QueueUrl"]
qarn = "arn:aws:sqs:us-east-1:%s:orders-out" % acct
sender_arn = cloudlib.make_role(iam, "sender-role")
ok(sender_arn == "arn:aws:iam::%s:role/sender-role" % acct, "cloudlib.make_role", sender_arn)
iam.put_role_policy(RoleName="sender-role", PolicyName="send", PolicyDocument=doc(
    {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:DeleteMessage"], "Resource": qarn},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::in/*"}))
code_zip = cloudlib.zip_files({"lambda_function.py": (
    "import boto3\n"
    "def lambda_handler(event, context):\n"
    "    sqs = boto3.client('sqs')\n"
    "    sqs.send_message(QueueUrl=event['q'], MessageBody='x')\n"
    "    try:\n"
    "        sqs.list_queues()\n"
    "    except Exception as e:\n"
    "        return str(e)\n"
    "    return 'listed'\n")})
lam.create_function(FunctionName="sender", Runtime="python3.12",
                    Handler="lambda_function.lambda_handler",
                    Role="arn:aws:iam::%s:role/sender-role" % acct, Code={"ZipFile": code_zip},
                    Timeout=30)
for _ in range(600):
    if lam.get_function_configuration(FunctionName="sender")["State"] == "Active":
        break
    time.sleep(0.1)
res = lam.invoke(FunctionName="sender", Payload=json.dumps({"q": qurl}))
out = json.loads(res["Payload"].read() or b"null")
ok("FunctionError" not in res, "the function ran, calling SQS with its role's session", out)
status, body = cloudlib.control(ws, "GET", "/_tutor/iam/report/sender?account=" + acct)
rep = json.loads(body) if status == 200 else {}
calls = {(c["action"], c["resource"]): c["decision"] for c in rep.get("calls", [])}
ok(rep.get("roleArn") == "arn:aws:iam::%s:role/sender-role" % acct,
   "the report names the function's role", body)
ok(calls.get(("sqs:SendMessage", qarn)) == "allowed" and
   calls.get(("sqs:ListQueues", "*")) == "denied",
   "... lists each call with the role's decision", calls)
used = [g.get("action") for g in rep.get("used", [])]
unused = [g.get("action") for g in rep.get("unused", [])]
# Lambda's own use of the role (writing the function's logs) counts as used.
ok(sorted(used) == ["logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage"] and
   "sqs:DeleteMessage" in unused and "s3:GetObject" in unused,
   "... the grants used (Lambda's own for the logs too), and those never used", (used, unused))
draft = rep.get("draftPolicy", {}).get("Statement", [])
group = "arn:aws:logs:us-east-1:%s:log-group:/aws/lambda/sender:*" % acct
ok(sorted((tuple(sorted(st["Action"])), tuple(st["Resource"])) for st in draft) ==
   [(("logs:CreateLogStream", "logs:PutLogEvents"), (group,)),
    (("sqs:ListQueues",), ("*",)), (("sqs:SendMessage",), (qarn,))],
   "... and drafts the smallest policy allowing every call made", draft)
ok(isinstance(out, str) and "AccessDenied" in out and
   ("User: arn:aws:sts::%s:assumed-role/sender-role/sender is not authorized to perform: "
    "sqs:ListQueues" % acct) in out,
   "... and a call its role does not allow is refused, with AWS's message", out)

# Lambda sends an asynchronous invocation's record to its destination with the function's
# role: while the role allows sqs:SendMessage there it arrives; without, nothing arrives and
# DestinationDeliveryFailures counts it.
done_url = sqs.create_queue(QueueName="orders-done")["QueueUrl"]
done_arn = "arn:aws:sqs:us-east-1:%s:orders-done" % acct
iam.put_role_policy(RoleName="sender-role", PolicyName="done", PolicyDocument=doc(
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": done_arn}))
lam.put_function_event_invoke_config(FunctionName="sender", MaximumRetryAttempts=0,
                                     DestinationConfig={"OnSuccess": {"Destination": done_arn}})
cw = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=key, aws_secret_access_key=secret)


def delivery_failures():
    pts = cw.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="DestinationDeliveryFailures",
        Dimensions=[{"Name": "FunctionName", "Value": "sender"}], StartTime=time.time() - 7200,
        EndTime=time.time() + 7200, Period=60, Statistics=["Sum"])["Datapoints"]
    return sum(p["Sum"] for p in pts)


lam.invoke(FunctionName="sender", InvocationType="Event", Payload=json.dumps({"q": qurl}))
got = []
for _ in range(120):
    got = sqs.receive_message(QueueUrl=done_url, WaitTimeSeconds=1).get("Messages", [])
    if got:
        break
ok(got and json.loads(got[0]["Body"])["requestContext"]["condition"] == "Success",
   "an asynchronous invocation's record reaches the destination its role may send to", got)
iam.delete_role_policy(RoleName="sender-role", PolicyName="done")
lam.invoke(FunctionName="sender", InvocationType="Event", Payload=json.dumps({"q": qurl}))
failures = 0
for _ in range(240):
    failures = delivery_failures()
    if failures >= 1:
        break
    time.sleep(0.5)
left = sqs.receive_message(QueueUrl=done_url, WaitTimeSeconds=0).get("Messages", [])
ok(failures >= 1 and not left,
   "... without sqs:SendMessage it does not, and DestinationDeliveryFailures counts it",
   (failures, left))
lam.delete_function_event_invoke_config(FunctionName="sender")

# Execution roles enforced: CreateFunction wants a role that exists and trusts Lambda.
BAD_ROLE = "The role defined for the function cannot be assumed by Lambda."
code, msg = error_of(lambda: lam.create_function(
    FunctionName="nobody", Runtime="python3.12", Handler="lambda_function.lambda_handler",
    Role="arn:aws:iam::%s:role/no-such-role" % acct, Code={"ZipFile": code_zip}))
ok((code, msg) == ("InvalidParameterValueException", BAD_ROLE),
   "CreateFunction refuses a role that does not exist", (code, msg))
iam.create_role(RoleName="ec2-role", AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}))
code, msg = error_of(lambda: lam.create_function(
    FunctionName="nobody", Runtime="python3.12", Handler="lambda_function.lambda_handler",
    Role="arn:aws:iam::%s:role/ec2-role" % acct, Code={"ZipFile": code_zip}))
ok((code, msg) == ("InvalidParameterValueException", BAD_ROLE),
   "... and one that does not trust lambda.amazonaws.com", (code, msg))
code, msg = error_of(lambda: lam.update_function_configuration(
    FunctionName="sender", Role="arn:aws:iam::%s:role/ec2-role" % acct))
ok((code, msg) == ("InvalidParameterValueException", BAD_ROLE),
   "UpdateFunctionConfiguration too", (code, msg))
# Lambda's own use of the role: polling a queue needs the role's receive permissions.
code, msg = error_of(lambda: lam.create_event_source_mapping(
    FunctionName="sender", EventSourceArn=qarn, BatchSize=1))
ok((code, msg) == ("InvalidParameterValueException", "The provided execution role does not "
                   "have permissions to call ReceiveMessage on SQS"),
   "an SQS mapping whose role cannot receive is refused, in Lambda's words", (code, msg))
# ... a dead-letter queue or topic needs the role's permission to send to it.
code, msg = error_of(lambda: lam.update_function_configuration(
    FunctionName="sender",
    DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:%s:orders-done" % acct}))
ok((code, msg) == ("InvalidParameterValueException", "The provided execution role does not "
                   "have permissions to call SendMessage on SQS"),
   "a dead-letter queue the role cannot send to is refused, in Lambda's words", (code, msg))
code, msg = error_of(lambda: lam.create_function(
    FunctionName="dl", Runtime="python3.12", Handler="lambda_function.lambda_handler",
    Role=sender_arn, Code={"ZipFile": code_zip},
    DeadLetterConfig={"TargetArn": "arn:aws:sns:us-east-1:%s:alerts" % acct}))
ok((code, msg) == ("InvalidParameterValueException", "The provided execution role does not "
                   "have permissions to call Publish on SNS"),
   "... and a topic it cannot publish to, at CreateFunction", (code, msg))
dl = lam.create_function(FunctionName="dl", Runtime="python3.12",
                         Handler="lambda_function.lambda_handler", Role=sender_arn,
                         Code={"ZipFile": code_zip}, DeadLetterConfig={"TargetArn": qarn})
ok(dl["DeadLetterConfig"]["TargetArn"] == qarn, "... the queue it may send to is taken",
   dl.get("DeadLetterConfig"))
lam.delete_function(FunctionName="dl")
# ... and writing the function's logs needs the role's logs permissions.
iam.update_assume_role_policy(RoleName="ec2-role", PolicyDocument=cloudlib.LAMBDA_TRUST)
lam.create_function(FunctionName="quiet", Runtime="python3.12",
                    Handler="lambda_function.lambda_handler",
                    Role="arn:aws:iam::%s:role/ec2-role" % acct, Code={"ZipFile": code_zip},
                    Timeout=30)
for _ in range(600):
    if lam.get_function_configuration(FunctionName="quiet")["State"] == "Active":
        break
    time.sleep(0.1)
res = lam.invoke(FunctionName="quiet", Payload=json.dumps({"q": qurl}), LogType="Tail")
out = json.loads(res["Payload"].read() or b"null")
logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1",
                    aws_access_key_id=key, aws_secret_access_key=secret)
for _ in range(300):
    groups = [g["logGroupName"] for g in
              logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]]
    if "/aws/lambda/sender" in groups:
        break
    time.sleep(0.1)
ok(res.get("FunctionError") and "is not authorized to perform: sqs:SendMessage" in
   json.dumps(out) and "/aws/lambda/quiet" not in groups and
   "/aws/lambda/sender" in groups,
   "a role without logs permissions: the function runs, refused, and writes no log group",
   (out, groups))
lam.delete_function(FunctionName="quiet")
iam.delete_role(RoleName="ec2-role")
lam.delete_function(FunctionName="sender")
iam.delete_role_policy(RoleName="sender-role", PolicyName="send")
iam.detach_role_policy(RoleName="sender-role", PolicyArn=BASIC)
iam.delete_role(RoleName="sender-role")

# Clean up the role the way IAM wants it.
for name in ["read", "iam-read", "no-roles"]:
    iam.delete_role_policy(RoleName="orders-role", PolicyName=name)
iam.detach_role_policy(RoleName="orders-role", PolicyArn=BASIC)
iam.detach_role_policy(RoleName="orders-role", PolicyArn=parn)
for v in ["v2", "v3", "v4", "v5"]:
    iam.delete_policy_version(PolicyArn=parn, VersionId=v)
iam.delete_policy(PolicyArn=parn)
iam.delete_role(RoleName="orders-role")
ok(iam.list_roles()["Roles"] == [] and iam.list_policies(Scope="Local")["Policies"] == [],
   "detached, deleted: nothing is left", None)

# Emptying an account takes its users' keys with them.
k2, s2, a2 = cloudlib.new_account(ws)
iam2 = clients(k2, s2)[0]
iam2.create_user(UserName="temp")
tk = iam2.create_access_key(UserName="temp")["AccessKey"]
tsts = clients(tk["AccessKeyId"], tk["SecretAccessKey"])[1]
ok(tsts.get_caller_identity()["Arn"] == "arn:aws:iam::%s:user/temp" % a2,
   "a user's key signs", None)
status, _ = cloudlib.control(ws, "POST", "/_tutor/reset?account=" + a2)
code, _ = error_of(lambda: tsts.get_caller_identity())
ok(status == 200 and code is not None and iam2.list_users()["Users"] == [],
   "after the account is emptied, neither the user nor its key is left", (status, code))

print("1..%d" % n)
sys.exit(1 if failed else 0)
