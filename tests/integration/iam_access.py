"""What decides a principal's access beyond its own policies, through boto3, in a fresh account
of its own: access keys made inactive and active again, groups (their inline and attached
policies part of their users' permissions), tags on users and roles with aws:PrincipalTag and
iam:ResourceTag conditions, permissions boundaries, the policy simulator (answering as the
cloud enforces), and the condition keys of a request (s3:prefix, s3:max-keys,
aws:SecureTransport). TAP on stdout.

Usage: iam_access.py ENDPOINT WORKSPACE
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


def client(service, k=key, s=secret):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=k, aws_secret_access_key=s)


def error_of(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **cond):
    st = {"Effect": "Allow", "Action": action, "Resource": resource}
    if cond:
        st["Condition"] = cond
    return st


iam = client("iam")
USER = "arn:aws:iam::%s:user/ann" % acct
iam.create_user(UserName="ann")
ak = iam.create_access_key(UserName="ann")["AccessKey"]
ann = {s: client(s, ak["AccessKeyId"], ak["SecretAccessKey"]) for s in ("sqs", "sts", "s3", "iam")}
ann_sqs = ann["sqs"]


def may_list_queues():
    code, msg = error_of(ann_sqs.list_queues)
    return code is None, msg


# ---- access keys: Inactive is refused as AWS refuses it, Active works again ----
iam.update_access_key(UserName="ann", AccessKeyId=ak["AccessKeyId"], Status="Inactive")
keys = iam.list_access_keys(UserName="ann")["AccessKeyMetadata"]
ok([k["Status"] for k in keys] == ["Inactive"], "UpdateAccessKey: ListAccessKeys shows Inactive",
   keys)
code, msg = error_of(ann["sts"].get_caller_identity)
ok(code == "InvalidClientTokenId" and
   msg == "The security token included in the request is invalid.",
   "an inactive key is refused: InvalidClientTokenId", (code, msg))
code, msg = error_of(ann["s3"].list_buckets)
ok(code == "InvalidAccessKeyId", "... and by S3 as a key it does not know", (code, msg))
iam.update_access_key(UserName="ann", AccessKeyId=ak["AccessKeyId"], Status="Active")
me = ann["sts"].get_caller_identity()
ok(me["Arn"] == USER, "Active again: the key works", me)
code, msg = error_of(iam.update_access_key, UserName="ann", AccessKeyId="AKIAXXXXXXXXXXXXXXXX",
                     Status="Inactive")
ok(code == "NoSuchEntity" and
   msg == "The Access Key with id AKIAXXXXXXXXXXXXXXXX cannot be found.",
   "UpdateAccessKey of a key the user does not have: NoSuchEntity", (code, msg))
code, msg = error_of(iam.update_access_key, UserName="ann", AccessKeyId=ak["AccessKeyId"],
                     Status="Paused")
ok(code == "ValidationError" and "[Active, Inactive]" in (msg or ""),
   "UpdateAccessKey with a status IAM does not know: ValidationError", (code, msg))

# ---- groups ----
allowed, msg = may_list_queues()
ok(not allowed and "because no identity-based policy allows the sqs:ListQueues action" in msg,
   "a user with no policy may not list queues", msg)
g = iam.create_group(GroupName="readers", Path="/team/")["Group"]
ok(g["Arn"] == "arn:aws:iam::%s:group/team/readers" % acct and g["GroupId"].startswith("AGPA"),
   "CreateGroup answers its ARN and id", g)
code, msg = error_of(iam.create_group, GroupName="Readers")
ok(code == "EntityAlreadyExists" and msg == "Group with name Readers already exists.",
   "CreateGroup of a name taken (names are case-insensitive): EntityAlreadyExists", (code, msg))
iam.put_group_policy(GroupName="readers", PolicyName="queues",
                     PolicyDocument=doc(allow("sqs:ListQueues")))
allowed, msg = may_list_queues()
ok(not allowed, "a group's policy does nothing for a user not in it", msg)
iam.add_user_to_group(GroupName="readers", UserName="ann")
got = iam.get_group(GroupName="readers")
ok([u["UserName"] for u in got["Users"]] == ["ann"] and got["Group"]["GroupName"] == "readers",
   "AddUserToGroup: GetGroup lists the user", got)
groups = iam.list_groups_for_user(UserName="ann")["Groups"]
ok([x["GroupName"] for x in groups] == ["readers"], "ListGroupsForUser", groups)
ok([x["GroupName"] for x in iam.list_groups(PathPrefix="/team/")["Groups"]] == ["readers"],
   "ListGroups by path prefix")
allowed, msg = may_list_queues()
ok(allowed, "the user may now do what its group's inline policy allows", msg)
got = iam.get_group_policy(GroupName="readers", PolicyName="queues")
ok(got["PolicyDocument"]["Statement"][0]["Action"] == "sqs:ListQueues",
   "GetGroupPolicy (the document decoded)", got)
ok(iam.list_group_policies(GroupName="readers")["PolicyNames"] == ["queues"],
   "ListGroupPolicies")
iam.delete_group_policy(GroupName="readers", PolicyName="queues")
allowed, msg = may_list_queues()
ok(not allowed, "DeleteGroupPolicy takes it away again", msg)
SQS_RO = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
S3_RO = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
iam.attach_group_policy(GroupName="readers", PolicyArn=S3_RO)
att = iam.list_attached_group_policies(GroupName="readers")["AttachedPolicies"]
ok([a["PolicyArn"] for a in att] == [S3_RO], "AttachGroupPolicy, ListAttachedGroupPolicies", att)
code, msg = error_of(ann["s3"].list_buckets)
ok(code is None, "the user may do what its group's attached policy allows", (code, msg))
code, msg = error_of(iam.delete_group, GroupName="readers")
ok(code == "DeleteConflict", "DeleteGroup of a group with members: DeleteConflict", (code, msg))
code, msg = error_of(iam.delete_user, UserName="ann")
ok(code == "DeleteConflict", "DeleteUser of a user in a group: DeleteConflict", (code, msg))
iam.remove_user_from_group(GroupName="readers", UserName="ann")
code, msg = error_of(ann["s3"].list_buckets)
ok(code == "AccessDenied", "RemoveUserFromGroup: the group's policy no longer applies",
   (code, msg))
code, msg = error_of(iam.delete_group, GroupName="readers")
ok(code == "DeleteConflict" and msg == "Cannot delete entity, must detach all policies first.",
   "DeleteGroup with a policy attached: DeleteConflict", (code, msg))
iam.detach_group_policy(GroupName="readers", PolicyArn=S3_RO)
iam.delete_group(GroupName="readers")
code, msg = error_of(iam.get_group, GroupName="readers")
ok(code == "NoSuchEntity" and msg == "The group with name readers cannot be found.",
   "DeleteGroup: gone (NoSuchEntity)", (code, msg))

# ---- tags, aws:PrincipalTag and iam:ResourceTag ----
TRUST = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
             "Action": "sts:AssumeRole"})
iam.create_role(RoleName="blue-role", AssumeRolePolicyDocument=TRUST)
iam.create_role(RoleName="red-role", AssumeRolePolicyDocument=TRUST,
                Tags=[{"Key": "team", "Value": "red"}])
iam.tag_role(RoleName="blue-role", Tags=[{"Key": "team", "Value": "blue"},
                                         {"Key": "cost", "Value": "1"}])
tags = iam.list_role_tags(RoleName="blue-role")["Tags"]
ok(sorted((t["Key"], t["Value"]) for t in tags) == [("cost", "1"), ("team", "blue")],
   "TagRole, ListRoleTags", tags)
iam.untag_role(RoleName="blue-role", TagKeys=["cost"])
role = iam.get_role(RoleName="blue-role")["Role"]
ok(role.get("Tags") == [{"Key": "team", "Value": "blue"}], "UntagRole; GetRole answers the tags",
   role)
iam.tag_user(UserName="ann", Tags=[{"Key": "team", "Value": "blue"}])
ok(iam.list_user_tags(UserName="ann")["Tags"] == [{"Key": "team", "Value": "blue"}],
   "TagUser, ListUserTags")
iam.put_user_policy(UserName="ann", PolicyName="by-tag", PolicyDocument=doc(
    allow("sqs:ListQueues", StringEquals={"aws:PrincipalTag/team": "blue"}),
    allow("iam:GetRole", StringEquals={"iam:ResourceTag/team": "${aws:PrincipalTag/team}"})))
allowed, msg = may_list_queues()
ok(allowed, "aws:PrincipalTag: the user's own tag lets it", msg)
code, msg = error_of(ann["iam"].get_role, RoleName="blue-role")
ok(code is None, "iam:ResourceTag: a role tagged as the user is may be read", (code, msg))
code, msg = error_of(ann["iam"].get_role, RoleName="red-role")
ok(code == "AccessDenied" and "iam:GetRole on resource: arn:aws:iam::%s:role/red-role" % acct
   in (msg or ""), "... one tagged otherwise may not", (code, msg))
iam.untag_user(UserName="ann", TagKeys=["team"])
allowed, msg = may_list_queues()
ok(not allowed, "UntagUser: the condition no longer holds", msg)
code, msg = error_of(iam.tag_user, UserName="ann",
                     Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(51)])
ok(code in ("LimitExceeded", "ValidationError"), "51 tags on a user: refused", (code, msg))
iam.delete_user_policy(UserName="ann", PolicyName="by-tag")

# ---- permissions boundaries ----
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
iam.attach_user_policy(UserName="ann", PolicyArn=ADMIN)
allowed, msg = may_list_queues()
ok(allowed, "an administrator may list queues", msg)
iam.put_user_permissions_boundary(UserName="ann", PermissionsBoundary=S3_RO)
u = iam.get_user(UserName="ann")["User"]
ok(u.get("PermissionsBoundary") == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                    "PermissionsBoundaryArn": S3_RO},
   "PutUserPermissionsBoundary: GetUser answers it", u)
allowed, msg = may_list_queues()
ok(not allowed and msg.startswith("User: %s is not authorized to perform: sqs:ListQueues" % USER)
   and msg.endswith("because no permissions boundary allows the sqs:ListQueues action"),
   "a boundary caps an administrator: what it does not allow is denied, in AWS's words", msg)
code, msg = error_of(ann["s3"].list_buckets)
ok(code is None, "... what both allow is allowed", (code, msg))
p = iam.get_policy(PolicyArn=S3_RO)["Policy"]
ok(p["PermissionsBoundaryUsageCount"] == 1, "GetPolicy counts its use as a boundary", p)
sim = iam.simulate_principal_policy(PolicySourceArn=USER,
                                    ActionNames=["sqs:ListQueues", "s3:ListAllMyBuckets"])
res = {r["EvalActionName"]: r for r in sim["EvaluationResults"]}
ok(res["sqs:ListQueues"]["EvalDecision"] == "implicitDeny" and
   res["sqs:ListQueues"]["PermissionsBoundaryDecisionDetail"] == {
       "AllowedByPermissionsBoundary": False} and
   res["s3:ListAllMyBuckets"]["EvalDecision"] == "allowed",
   "SimulatePrincipalPolicy answers as the cloud enforces, boundary included", sim)
iam.delete_user_permissions_boundary(UserName="ann")
allowed, msg = may_list_queues()
ok(allowed, "DeleteUserPermissionsBoundary: the administrator is whole again", msg)
code, msg = error_of(iam.put_user_permissions_boundary, UserName="ann",
                     PermissionsBoundary="arn:aws:iam::%s:policy/none" % acct)
ok(code == "NoSuchEntity", "a boundary that is no policy: NoSuchEntity", (code, msg))
r = iam.create_role(RoleName="capped", AssumeRolePolicyDocument=TRUST,
                    PermissionsBoundary=S3_RO)["Role"]
role = iam.get_role(RoleName="capped")["Role"]
ok(role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn") == S3_RO,
   "CreateRole with PermissionsBoundary: GetRole answers it", role)
iam.delete_role_permissions_boundary(RoleName="capped")
ok("PermissionsBoundary" not in iam.get_role(RoleName="capped")["Role"],
   "DeleteRolePermissionsBoundary")
iam.put_role_permissions_boundary(RoleName="capped", PermissionsBoundary=SQS_RO)
ok(iam.get_role(RoleName="capped")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] ==
   SQS_RO, "PutRolePermissionsBoundary")
iam.attach_role_policy(RoleName="capped", PolicyArn=ADMIN)
sim = iam.simulate_principal_policy(
    PolicySourceArn="arn:aws:iam::%s:role/capped" % acct,
    ActionNames=["sqs:GetQueueAttributes", "sqs:SendMessage"])["EvaluationResults"]
ok([r["EvalDecision"] for r in sim] == ["allowed", "implicitDeny"],
   "SimulatePrincipalPolicy of a role: its policies within its boundary", sim)
iam.detach_user_policy(UserName="ann", PolicyArn=ADMIN)

# AssumeRole: the caller's boundary and tags count there too.
iam.create_role(RoleName="team-role", AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": acct}, "Action": "sts:AssumeRole",
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}))
iam.put_user_policy(UserName="ann", PolicyName="assume", PolicyDocument=doc(
    allow("sts:AssumeRole")))
ROLE = "arn:aws:iam::%s:role/team-role" % acct
code, msg = error_of(ann["sts"].assume_role, RoleArn=ROLE, RoleSessionName="s1")
ok(code == "AccessDenied", "a trust policy asking for aws:PrincipalTag/team: untagged, refused",
   (code, msg))
iam.tag_user(UserName="ann", Tags=[{"Key": "team", "Value": "blue"}])
code, msg = error_of(ann["sts"].assume_role, RoleArn=ROLE, RoleSessionName="s1")
ok(code is None, "... tagged so, the user may assume the role", (code, msg))
iam.put_user_permissions_boundary(UserName="ann", PermissionsBoundary=S3_RO)
code, msg = error_of(ann["sts"].assume_role, RoleArn=ROLE, RoleSessionName="s1")
ok(code == "AccessDenied", "... but not past a boundary without sts:AssumeRole", (code, msg))
iam.delete_user_permissions_boundary(UserName="ann")
iam.untag_user(UserName="ann", TagKeys=["team"])
iam.delete_user_policy(UserName="ann", PolicyName="assume")

# ---- the simulator ----
custom = iam.simulate_custom_policy(
    PolicyInputList=[doc(allow("s3:*")),
                     doc({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"})],
    ActionNames=["s3:GetObject", "s3:DeleteObject", "sqs:SendMessage"],
    ResourceArns=["arn:aws:s3:::b/k"])["EvaluationResults"]
d = {r["EvalActionName"]: r for r in custom}
ok(d["s3:GetObject"]["EvalDecision"] == "allowed" and
   d["s3:GetObject"]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1" and
   d["s3:DeleteObject"]["EvalDecision"] == "explicitDeny" and
   d["s3:DeleteObject"]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.2" and
   d["sqs:SendMessage"]["EvalDecision"] == "implicitDeny",
   "SimulateCustomPolicy: allowed, explicitDeny, implicitDeny with the statements that decided",
   custom)
ctx = iam.simulate_custom_policy(
    PolicyInputList=[doc(allow("s3:ListBucket", "arn:aws:s3:::b",
                               StringLike={"s3:prefix": "home/*"}))],
    ActionNames=["s3:ListBucket"], ResourceArns=["arn:aws:s3:::b"],
    ContextEntries=[{"ContextKeyName": "s3:prefix", "ContextKeyValues": ["home/ann/"],
                     "ContextKeyType": "string"}])["EvaluationResults"]
ok(ctx[0]["EvalDecision"] == "allowed", "SimulateCustomPolicy with ContextEntries", ctx)
keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[
    doc(allow("s3:ListBucket", StringLike={"s3:prefix": "home/*"},
              NumericLessThan={"s3:max-keys": "10"})),
    doc(allow("sqs:*", StringEquals={"aws:PrincipalTag/team": "blue", "S3:Prefix": "x"}))])
ok(keys["ContextKeyNames"] == ["s3:prefix", "s3:max-keys", "aws:PrincipalTag/team"],
   "GetContextKeysForCustomPolicy: every condition key once (case-insensitive)", keys)
iam.put_role_policy(RoleName="capped", PolicyName="tagged", PolicyDocument=doc(
    allow("sqs:SendMessage", ArnLike={"aws:SourceArn": "arn:aws:sns:*"})))
keys = iam.get_context_keys_for_principal_policy(
    PolicySourceArn="arn:aws:iam::%s:role/capped" % acct,
    PolicyInputList=[doc(allow("s3:*", Bool={"aws:SecureTransport": "true"}))])
ok(keys["ContextKeyNames"] == ["aws:SourceArn", "aws:SecureTransport"],
   "GetContextKeysForPrincipalPolicy: the role's policies' keys and the input's", keys)
iam.delete_role_policy(RoleName="capped", PolicyName="tagged")
code, msg = error_of(iam.simulate_custom_policy, PolicyInputList=["{"], ActionNames=["s3:*"])
ok(code == "InvalidInput", "SimulateCustomPolicy of a document that is no policy: InvalidInput",
   (code, msg))
code, msg = error_of(iam.simulate_principal_policy,
                     PolicySourceArn="arn:aws:iam::%s:user/nobody" % acct, ActionNames=["s3:*"])
ok(code == "NoSuchEntity", "SimulatePrincipalPolicy of a user that does not exist: NoSuchEntity",
   (code, msg))

# ---- AWS managed policies, their documents as AWS publishes them ----
def document(arn):
    v = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=arn, VersionId=v)["PolicyVersion"]["Document"]


adm = document(ADMIN)
ok(adm["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
   "AdministratorAccess: Action is the string \"*\", as AWS's document has it", adm)
VPC = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
vpc = document(VPC)
ok(iam.get_policy(PolicyArn=VPC)["Policy"]["DefaultVersionId"] == "v3" and
   "ec2:CreateNetworkInterface" in vpc["Statement"][0]["Action"] and
   "logs:PutLogEvents" in vpc["Statement"][0]["Action"],
   "AWSLambdaVPCAccessExecutionRole (v3): network interfaces and logs", vpc)
FULL = "arn:aws:iam::aws:policy/AWSLambda_FullAccess"
iam.attach_user_policy(UserName="ann", PolicyArn=FULL)
code, msg = error_of(ann["iam"].get_role, RoleName="capped")
lam = client("lambda", ak["AccessKeyId"], ak["SecretAccessKey"])
code2, msg2 = error_of(lam.list_functions)
ok(code is None and code2 is None, "AWSLambda_FullAccess: lambda:* and iam:GetRole",
   (code, msg, code2, msg2))
sim = iam.simulate_principal_policy(
    PolicySourceArn=USER, ActionNames=["iam:PassRole"],
    ContextEntries=[{"ContextKeyName": "iam:PassedToService", "ContextKeyType": "string",
                     "ContextKeyValues": ["lambda.amazonaws.com"]}])["EvaluationResults"]
sim2 = iam.simulate_principal_policy(PolicySourceArn=USER, ActionNames=["iam:PassRole"])
ok(sim[0]["EvalDecision"] == "allowed" and
   sim2["EvaluationResults"][0]["EvalDecision"] == "implicitDeny",
   "... iam:PassRole only to Lambda (iam:PassedToService)", (sim, sim2))
allowed, msg = may_list_queues()
ok(not allowed, "... and nothing of SQS", msg)
iam.detach_user_policy(UserName="ann", PolicyArn=FULL)

# ---- condition keys of the request: s3:prefix, s3:max-keys, aws:SecureTransport ----
s3 = client("s3")
bucket = "home-%s" % acct
s3.create_bucket(Bucket=bucket)
iam.put_user_policy(UserName="ann", PolicyName="home", PolicyDocument=doc(
    allow("s3:ListBucket", "arn:aws:s3:::" + bucket, StringLike={"s3:prefix": "home/ann/*"},
          NumericLessThanEquals={"s3:max-keys": "10"})))
a3 = ann["s3"]
code, msg = error_of(a3.list_objects_v2, Bucket=bucket, Prefix="home/ann/", MaxKeys=5)
ok(code is None, "s3:prefix and s3:max-keys: a listing within both is allowed", (code, msg))
code, msg = error_of(a3.list_objects, Bucket=bucket, Prefix="home/ann/x", MaxKeys=10)
ok(code is None, "... ListObjects (v1) too", (code, msg))
code, msg = error_of(a3.list_objects_v2, Bucket=bucket, Prefix="home/bob/", MaxKeys=5)
ok(code == "AccessDenied" and 'perform: s3:ListBucket on resource: "arn:aws:s3:::%s"' % bucket
   in (msg or ""), "another prefix: AccessDenied", (code, msg))
code, msg = error_of(a3.list_objects_v2, Bucket=bucket, Prefix="home/ann/", MaxKeys=50)
ok(code == "AccessDenied", "more keys than s3:max-keys allows: AccessDenied", (code, msg))
code, msg = error_of(a3.list_objects_v2, Bucket=bucket, MaxKeys=5)
ok(code == "AccessDenied", "no prefix at all (no s3:prefix to match): AccessDenied", (code, msg))
iam.put_user_policy(UserName="ann", PolicyName="root", PolicyDocument=doc(
    allow("s3:ListBucket", "arn:aws:s3:::" + bucket, StringEquals={"s3:prefix": ""})))
code, msg = error_of(a3.list_objects_v2, Bucket=bucket, Prefix="")
ok(code is None, "an empty prefix is the value \"\" (the bucket's top, as the console lists it)",
   (code, msg))
code, msg = error_of(a3.list_objects_v2, Bucket=bucket)
ok(code == "AccessDenied", "... which a request without one does not have", (code, msg))
iam.delete_user_policy(UserName="ann", PolicyName="root")
s3.put_object(Bucket=bucket, Key="k", Body=b"x")
s3.put_bucket_policy(Bucket=bucket, Policy=doc(
    {"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::%s/*" % bucket,
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
code, msg = error_of(s3.get_object, Bucket=bucket, Key="k")
ok(code is None,
   "aws:SecureTransport is true from this machine (the endpoint stands for AWS's HTTPS one): "
   "a TLS-only bucket serves the SDK as AWS does", (code, msg))
s3.put_bucket_policy(Bucket=bucket, Policy=doc(
    {"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::%s/*" % bucket,
     "Condition": {"Bool": {"aws:SecureTransport": "true"}}}))
code, msg = error_of(s3.get_object, Bucket=bucket, Key="k")
ok(code == "AccessDenied" and msg.endswith("with an explicit deny in a resource-based policy"),
   "... and a Deny of TLS applies to it", (code, msg))
# The key is the caller's, whichever service authorizes: IAM's own operations, SSM's.
iam.put_user_policy(UserName="ann", PolicyName="tls", PolicyDocument=doc(
    allow(["iam:ListRoles", "ssm:DescribeParameters"], Bool={"aws:SecureTransport": "true"})))
code, msg = error_of(ann["iam"].list_roles)
code2, msg2 = error_of(client("ssm", ak["AccessKeyId"], ak["SecretAccessKey"]).describe_parameters)
ok(code is None and code2 is None,
   "an allow that asks for TLS applies (IAM, SSM)", (code, msg, code2, msg2))
iam.put_user_policy(UserName="ann", PolicyName="tls", PolicyDocument=doc(
    allow(["iam:ListRoles", "ssm:DescribeParameters"], Bool={"aws:SecureTransport": "false"})))
code, msg = error_of(ann["iam"].list_roles)
code2, msg2 = error_of(client("ssm", ak["AccessKeyId"], ak["SecretAccessKey"]).describe_parameters)
ok(code == "AccessDenied" and code2 == "AccessDeniedException",
   "... one that asks for plain HTTP does not", (code, msg, code2, msg2))
iam.delete_user_policy(UserName="ann", PolicyName="tls")

# ---- S3's actions, from its API model ----
vb = "versions-%s" % acct
s3.create_bucket(Bucket=vb)
s3.put_object(Bucket=vb, Key="k", Body=b"v1")
vid = "null"  # the version of an object written before versioning
iam.put_user_policy(UserName="ann", PolicyName="objects", PolicyDocument=doc(
    allow("s3:GetObject", "arn:aws:s3:::%s/*" % vb)))
code, msg = error_of(a3.get_object, Bucket=vb, Key="k")
ok(code is None, "s3:GetObject lets the user read the object", (code, msg))
code, msg = error_of(a3.get_object, Bucket=vb, Key="k", VersionId=vid)
ok(code == "AccessDenied" and
   msg.endswith("because no identity-based policy allows the s3:GetObjectVersion action"),
   "... but a version of it needs s3:GetObjectVersion", (code, msg))
code, msg = error_of(a3.get_object_attributes, Bucket=vb, Key="k", ObjectAttributes=["ETag"])
ok(code == "AccessDenied" and
   msg.endswith("because no identity-based policy allows the s3:GetObjectAttributes action"),
   "GetObjectAttributes needs s3:GetObjectAttributes as well as s3:GetObject", (code, msg))
iam.put_user_policy(UserName="ann", PolicyName="objects", PolicyDocument=doc(
    allow(["s3:GetObject", "s3:GetObjectVersion"], "arn:aws:s3:::%s/*" % vb)))
code, msg = error_of(a3.get_object, Bucket=vb, Key="k", VersionId=vid)
ok(code is None, "... which, granted, lets the user read that version", (code, msg))


def bucket_policy_error(action):
    return error_of(s3.put_bucket_policy, Bucket=vb, Policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": action,
         "Resource": "arn:aws:s3:::%s/*" % vb}))


code, msg = bucket_policy_error("s3:ListObjectsV2")
ok(code == "MalformedPolicy" and msg == "Policy has invalid action",
   "a bucket policy naming an operation that is no action (s3:ListObjectsV2): refused",
   (code, msg))
code, msg = bucket_policy_error(["s3:GetObjectVersionAttributes", "s3:ReplicateObject",
                                 "s3:PutAccountPublicAccessBlock", "s3:GetObject*"])
ok(code is None, "... actions of versions, replication and S3 Control: accepted", (code, msg))

# ---- session tags: AssumeRole's Tags are the session's aws:PrincipalTag, over the role's ----
U1 = "arn:aws:iam::%s:user/u1" % acct
iam.create_user(UserName="u1")
k1 = iam.create_access_key(UserName="u1")["AccessKey"]
u1 = client("sts", k1["AccessKeyId"], k1["SecretAccessKey"])
iam.create_role(RoleName="r1", Tags=[{"Key": "team", "Value": "green"}],
                AssumeRolePolicyDocument=doc(
                    {"Effect": "Allow", "Principal": {"AWS": U1},
                     "Action": ["sts:AssumeRole", "sts:TagSession"]}))
R1 = "arn:aws:iam::%s:role/r1" % acct
iam.put_role_policy(RoleName="r1", PolicyName="green", PolicyDocument=doc(
    allow("s3:ListBucket", "arn:aws:s3:::%s" % bucket,
          StringEquals={"aws:PrincipalTag/team": "green"})))


def session_lists(**kw):
    c = u1.assume_role(RoleArn=R1, RoleSessionName="t1", **kw)["Credentials"]
    r1s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=c["AccessKeyId"],
                        aws_secret_access_key=c["SecretAccessKey"],
                        aws_session_token=c["SessionToken"])
    return error_of(r1s3.list_objects_v2, Bucket=bucket)


code, msg = session_lists()
ok(code is None, "a session of a role tagged team=green may list the bucket", (code, msg))
code, msg = session_lists(Tags=[{"Key": "team", "Value": "yellow"}])
ok(code == "AccessDenied", "... not with the session tag team=yellow, which overrides the role's",
   (code, msg))
code, msg = session_lists(Tags=[{"Key": "Team", "Value": "yellow"}])
ok(code == "AccessDenied", "... whose key is case-insensitive", (code, msg))
iam.untag_role(RoleName="r1", TagKeys=["team"])
code, msg = session_lists()
ok(code == "AccessDenied", "the role untagged, its session may not", (code, msg))
code, msg = session_lists(Tags=[{"Key": "team", "Value": "green"}])
ok(code is None, "... but a session tagged team=green may", (code, msg))
code, msg = error_of(u1.assume_role, RoleArn=R1, RoleSessionName="t1",
                     Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(51)])
ok(code == "ValidationError", "more than 50 session tags: ValidationError", (code, msg))
code, msg = error_of(u1.assume_role, RoleArn=R1, RoleSessionName="t1",
                     Tags=[{"Key": "k" * 129, "Value": "v"}])
ok(code == "ValidationError" and "128" in (msg or ""),
   "a session tag key longer than 128 characters: ValidationError", (code, msg))
code, msg = error_of(u1.assume_role, RoleArn=R1, RoleSessionName="t1",
                     Tags=[{"Key": "k", "Value": "v" * 257}])
ok(code == "ValidationError" and "256" in (msg or ""),
   "a session tag value longer than 256 characters: ValidationError", (code, msg))
code, msg = error_of(u1.assume_role, RoleArn=R1, RoleSessionName="t1",
                     Tags=[{"Key": "team", "Value": "green"}], TransitiveTagKeys=["other"])
ok(code == "InvalidParameterValue", "a transitive tag key that is no session tag's: refused",
   (code, msg))
iam.update_assume_role_policy(RoleName="r1", PolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": U1}, "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"AWS": U1}, "Action": "sts:TagSession",
     "Condition": {"StringEquals": {"aws:RequestTag/team": "green"},
                   "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}))
code, msg = session_lists(Tags=[{"Key": "team", "Value": "green"}])
ok(code is None, "sts:TagSession granted for aws:RequestTag/team=green: tagged so, allowed",
   (code, msg))
code, msg = error_of(u1.assume_role, RoleArn=R1, RoleSessionName="t1",
                     Tags=[{"Key": "team", "Value": "yellow"}])
ok(code == "AccessDenied" and "sts:TagSession" in (msg or ""),
   "... tagged otherwise: AccessDenied for sts:TagSession", (code, msg))
iam.update_assume_role_policy(RoleName="r1", PolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": U1}, "Action": "sts:AssumeRole"}))
code, msg = error_of(u1.assume_role, RoleArn=R1, RoleSessionName="t1",
                     Tags=[{"Key": "team", "Value": "green"}])
ok(code == "AccessDenied" and "sts:TagSession" in (msg or ""),
   "a trust policy without sts:TagSession refuses a session with tags", (code, msg))
code, msg = error_of(u1.assume_role, RoleArn=R1, RoleSessionName="t1")
ok(code is None, "... and allows one without", (code, msg))

# A transitive session tag passes on to the role a session assumes in turn.
iam.update_assume_role_policy(RoleName="r1", PolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": U1},
     "Action": ["sts:AssumeRole", "sts:TagSession"]}))
iam.create_role(RoleName="r2", AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": R1}, "Action": "sts:AssumeRole"}))
iam.put_role_policy(RoleName="r2", PolicyName="green", PolicyDocument=doc(
    allow("s3:ListBucket", "arn:aws:s3:::%s" % bucket,
          StringEquals={"aws:PrincipalTag/team": "green"})))


def chained_lists(**kw):
    c = u1.assume_role(RoleArn=R1, RoleSessionName="t1", **kw)["Credentials"]
    s1 = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id=c["AccessKeyId"],
                      aws_secret_access_key=c["SecretAccessKey"],
                      aws_session_token=c["SessionToken"])
    c = s1.assume_role(RoleArn="arn:aws:iam::%s:role/r2" % acct,
                       RoleSessionName="t2")["Credentials"]
    r2s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=c["AccessKeyId"],
                        aws_secret_access_key=c["SecretAccessKey"],
                        aws_session_token=c["SessionToken"])
    return error_of(r2s3.list_objects_v2, Bucket=bucket)


code, msg = chained_lists(Tags=[{"Key": "team", "Value": "green"}])
ok(code == "AccessDenied", "a session tag not transitive stays with its session", (code, msg))
code, msg = chained_lists(Tags=[{"Key": "team", "Value": "green"}], TransitiveTagKeys=["team"])
ok(code is None, "... a transitive one is the chained session's too", (code, msg))

print("1..%d" % n)
sys.exit(1 if failed else 0)
