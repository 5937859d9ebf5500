"""DynamoDB through boto3's client and resource layers, as a learner's script or handler uses
them: tables with both kinds of index, batch writers, conditions built with boto3's Key and
Attr, paginators, numbers of 38 digits as Decimals, transactions and their cancellation
reasons, and errors as boto3's exception classes. TAP on stdout. Usage: dynamodb_boto3.py
ENDPOINT SUFFIX (each Python gets tables of its own)."""
import decimal, sys
import boto3
from boto3.dynamodb.conditions import Attr, Key

endpoint, suffix = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
          aws_secret_access_key="test")
res, client = boto3.resource("dynamodb", **kw), boto3.client("dynamodb", **kw)
n = failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)


def raises(fn, cls, contains=""):
    try:
        fn()
    except cls as e:
        return contains in str(e)
    except Exception as e:  # noqa: BLE001 - report what else came
        print("# unexpected %r" % e)
        return False
    return False


name = "people-" + suffix
t = res.create_table(
    TableName=name,
    KeySchema=[{"AttributeName": "team", "KeyType": "HASH"},
               {"AttributeName": "id", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("team", "id", "city", "joined")],
    GlobalSecondaryIndexes=[{"IndexName": "by-city",
                             "KeySchema": [{"AttributeName": "city", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["age"]}}],
    LocalSecondaryIndexes=[{"IndexName": "by-joined",
                            "KeySchema": [{"AttributeName": "team", "KeyType": "HASH"},
                                          {"AttributeName": "joined", "KeyType": "RANGE"}],
                            "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    BillingMode="PAY_PER_REQUEST")
t.wait_until_exists()
t.reload()
ok(t.table_status == "ACTIVE", "create_table, then wait_until_exists")
with t.batch_writer() as b:
    for i in range(40):
        b.put_item(Item={"team": "t%d" % (i % 2), "id": "p%02d" % i, "city": ("Paris", "Lyon", "Nice")[i % 3],
                         "joined": "2026-%02d" % (1 + i % 12), "age": decimal.Decimal(20 + i),
                         "tags": {"a", "b"}, "nested": {"l": [1, "x", None, True]}})
ok(t.item_count == 40 or client.describe_table(TableName=name)["Table"]["ItemCount"] == 40,
   "batch_writer wrote 40 items")
big = decimal.Decimal("12345678901234567890.123456789012345678")
t.put_item(Item={"team": "t0", "id": "big", "v": big})
ok(t.get_item(Key={"team": "t0", "id": "big"})["Item"]["v"] == big, "a number of 38 digits comes back whole")
r = t.query(KeyConditionExpression=Key("team").eq("t1") & Key("id").begins_with("p1"))
ok([i["id"] for i in r["Items"]] == ["p11", "p13", "p15", "p17", "p19"], "query with begins_with, in order")
r = t.query(IndexName="by-city", KeyConditionExpression=Key("city").eq("Nice"),
            FilterExpression=Attr("age").between(25, 40))
ok(r["Count"] == 6 and all(set(i) == {"team", "id", "city", "age"} for i in r["Items"]),
   "a global index projects its keys and what it includes (%d)" % r["Count"])
r = t.query(IndexName="by-joined", KeyConditionExpression=Key("team").eq("t0") & Key("joined").gt("2026-10"),
            Select="ALL_ATTRIBUTES")
ok(r["Count"] == 3 and all("tags" in i for i in r["Items"]),
   "a local index reads the table for all attributes (%d)" % r["Count"])
pages = list(client.get_paginator("scan").paginate(TableName=name, PaginationConfig={"PageSize": 7}))
ok(len(pages) >= 6 and sum(p["Count"] for p in pages) == 41, "the scan paginator (%d pages)" % len(pages))
t.update_item(Key={"team": "t0", "id": "p00"}, UpdateExpression="ADD tags :t SET age = age + :one REMOVE nested.l[0]",
              ExpressionAttributeValues={":t": {"c"}, ":one": 1})
item = t.get_item(Key={"team": "t0", "id": "p00"}, ProjectionExpression="age, tags, nested")["Item"]
ok(item == {"age": 21, "tags": {"a", "b", "c"}, "nested": {"l": ["x", None, True]}}, "update_item: ADD, SET, REMOVE")
ok(raises(lambda: t.put_item(Item={"team": "t0", "id": "p00"}, ConditionExpression=Attr("id").not_exists()),
          client.exceptions.ConditionalCheckFailedException, "The conditional request failed"),
   "ConditionalCheckFailedException")
ok(raises(lambda: res.Table("nope-" + suffix).get_item(Key={"a": "b"}),
          client.exceptions.ResourceNotFoundException), "ResourceNotFoundException")
ok(raises(lambda: t.get_item(Key={"team": "t0"}), client.exceptions.ClientError,
          "The provided key element does not match the schema"), "a key without its sort key")
old = t.delete_item(Key={"team": "t0", "id": "big"}, ReturnValues="ALL_OLD")["Attributes"]
ok(old["v"] == big, "delete_item returns the old item")
got = res.batch_get_item(RequestItems={name: {"Keys": [{"team": "t0", "id": "p00"}, {"team": "t1", "id": "p01"}],
                                              "ProjectionExpression": "id"}})["Responses"][name]
ok(sorted(i["id"] for i in got) == ["p00", "p01"], "batch_get_item")
try:
    client.transact_write_items(TransactItems=[
        {"Update": {"TableName": name, "Key": {"team": {"S": "t0"}, "id": {"S": "p02"}},
                    "UpdateExpression": "SET age = :a", "ExpressionAttributeValues": {":a": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": name, "Key": {"team": {"S": "t0"}, "id": {"S": "p04"}},
                            "ConditionExpression": "age > :x", "ExpressionAttributeValues": {":x": {"N": "100"}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])
    ok(False, "transact_write_items is cancelled")
except client.exceptions.TransactionCanceledException as e:
    reasons = e.response["CancellationReasons"]
    ok([r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"] and "Item" in reasons[1],
       "transact_write_items is cancelled, with a reason per action and the old item")
ok(t.get_item(Key={"team": "t0", "id": "p02"})["Item"]["age"] == 22, "and writes nothing")
r = client.transact_get_items(TransactItems=[{"Get": {"TableName": name, "Key": {"team": {"S": "t0"}, "id": {"S": "p02"}},
                                                      "ProjectionExpression": "age"}}])
ok(r["Responses"] == [{"Item": {"age": {"N": "22"}}}], "transact_get_items")
names = [n for p in client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1})
         for n in p["TableNames"]]
ok(name in names, "the list_tables paginator")
t.delete()
t.wait_until_not_exists()
ok(True, "delete, then wait_until_not_exists")
print("1..%d" % n)
sys.exit(1 if failed else 0)
