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
ok(code == "MalformedPolicyDocument" and msg == "Syntax errors in policy.",
   "a trust policy that is not JSON: Syntax errors in policy.", (code, msg))
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
ok(iam.list_role_policies(RoleName="orders-role")["PolicyNames"] == ["read"],
   "... and neither was kept", None)
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

# A session of the role, assumed by the account (its trust policy lets the account in).
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
bad = clients(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"][:-4] + "AAAA")[1]
code, _ = error_of(lambda: bad.get_caller_identity())
ok(code == "InvalidClientTokenId" or code == "InvalidToken" or code == "SignatureDoesNotMatch"
   or code == "AccessDenied", "a wrong session token is refused", code)

# Users and their keys.
u = iam.create_user(UserName="carlos")["User"]
ok(u["Arn"] == "arn:aws:iam::%s:user/carlos" % acct and u["UserId"].startswith("AIDA"),
   "CreateUser", u)
k = iam.create_access_key(UserName="carlos")["AccessKey"]
ok(k["AccessKeyId"].startswith("AKIA") and k["Status"] == "Active", "CreateAccessKey", k)
ok([x["AccessKeyId"] for x in iam.list_access_keys(UserName="carlos")["AccessKeyMetadata"]] ==
   [k["AccessKeyId"]], "ListAccessKeys", None)
uiam, usts = clients(k["AccessKeyId"], k["SecretAccessKey"])
ok(usts.get_caller_identity()["Arn"] == u["Arn"], "the user's key acts as the user", None)
code, _ = error_of(lambda: uiam.list_users())
ok(code == "AccessDenied", "a user with no policy may do nothing", code)
iam.attach_user_policy(UserName="carlos", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
ok([x["UserName"] for x in uiam.list_users()["Users"]] == ["carlos"],
   "AdministratorAccess attached: it may", None)
st = usts.get_session_token(DurationSeconds=900)["Credentials"]
ok(st["AccessKeyId"].startswith("ASIA"), "GetSessionToken for a user", st.get("AccessKeyId"))
code, _ = error_of(lambda: iam.delete_user(UserName="carlos"))
ok(code == "DeleteConflict", "a user with a policy and keys cannot be deleted", code)
iam.detach_user_policy(UserName="carlos",
                       PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
iam.delete_access_key(UserName="carlos", AccessKeyId=k["AccessKeyId"])
code, _ = error_of(lambda: usts.get_caller_identity())
ok(code is not None, "a deleted key no longer signs", code)
iam.delete_user(UserName="carlos")
ok(iam.list_users()["Users"] == [], "DeleteUser", None)

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

print("1..%d" % n)
sys.exit(1 if failed else 0)
