"""DynamoDB through boto3's client and resource layers, as a learner's script or handler uses
them: tables with both kinds of index, batch writers, conditions built with boto3's Key and
Attr, paginators, numbers of 38 digits as Decimals, transactions and their cancellation
reasons, and errors as boto3's exception classes. TAP on stdout. Usage: dynamodb_boto3.py
ENDPOINT SUFFIX (each Python gets tables of its own)."""
import decimal, sys
import boto3
from boto3.dynamodb.conditions import Attr, Key

endpoint, suffix = sys.argv[1], sys.argv[2]
# The learner's key pair, from the environment (dynamodb_clients.sh exports it).
kw = dict(endpoint_url=endpoint, region_name="us-east-1")
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
# A member set to what the cloud does anyway is served, as AWS serves it; one that asks for what
# it does not keep is refused, named.
r = client.put_item(TableName=name, Item={"team": {"S": "t0"}, "id": {"S": "dflt"}},
                    ReturnConsumedCapacity="NONE", ReturnItemCollectionMetrics="NONE")
ok("ItemCollectionMetrics" not in r and "ConsumedCapacity" not in r,
   "put_item with ReturnConsumedCapacity and ReturnItemCollectionMetrics NONE, their defaults")
r = client.delete_item(TableName=name, Key={"team": {"S": "t0"}, "id": {"S": "dflt"}},
                       ReturnValues="ALL_OLD", ReturnItemCollectionMetrics="NONE")
ok(r["Attributes"]["id"]["S"] == "dflt", "delete_item with ReturnItemCollectionMetrics NONE")
ok(raises(lambda: client.put_item(TableName=name, Item={"team": {"S": "t0"}, "id": {"S": "x"}},
                                  ReturnItemCollectionMetrics="SIZE"),
          client.exceptions.ClientError, "with ReturnItemCollectionMetrics"),
   "... SIZE, item collection metrics the cloud does not keep, is refused naming it")
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

# Tables: UpdateTable (throughput, a new global index filled from the items, a stream), tags,
# limits, TTL; the stream read through the DynamoDB Streams client; pages end at 1 MB.
ddbs = boto3.client("dynamodbstreams", **kw)
name2 = "shop-" + suffix
client.create_table(TableName=name2, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                    ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
client.get_waiter("table_exists").wait(TableName=name2)
for i in range(12):
    client.put_item(TableName=name2, Item={"id": {"S": "big%02d" % i}, "kind": {"S": "k%d" % (i % 2)},
                                           "blob": {"S": "x" * 100000}})
pages = list(client.get_paginator("scan").paginate(TableName=name2, ProjectionExpression="id"))
ok(len(pages) == 2 and pages[0]["Count"] < 12 and sum(p["Count"] for p in pages) == 12,
   "a scan page ends at 1 MB read, with a LastEvaluatedKey (%s)" % [p["Count"] for p in pages])
ok(raises(lambda: client.put_item(TableName=name2, Item={"id": {"S": "huge"}, "b": {"S": "x" * 410000}}),
          client.exceptions.ClientError, "Item size has exceeded the maximum allowed size"),
   "an item over 400 KB is refused")
r = client.update_table(TableName=name2, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7})
client.get_waiter("table_exists").wait(TableName=name2)
d = client.describe_table(TableName=name2)["Table"]
ok(r["TableDescription"]["TableName"] == name2 and d["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
   and d["ProvisionedThroughput"]["WriteCapacityUnits"] == 7, "update_table: provisioned throughput")
client.update_table(TableName=name2, BillingMode="PAY_PER_REQUEST")
d = client.describe_table(TableName=name2)["Table"]
ok(d.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST", "update_table: on-demand")
client.update_table(TableName=name2, AttributeDefinitions=[{"AttributeName": "kind", "AttributeType": "S"}],
                    GlobalSecondaryIndexUpdates=[{"Create": {
                        "IndexName": "by-kind", "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
r = client.query(TableName=name2, IndexName="by-kind", KeyConditionExpression="kind = :k",
                 ExpressionAttributeValues={":k": {"S": "k1"}})
ok(r["Count"] == 6, "update_table: a new global index holds the items already there (%d)" % r["Count"])
client.update_table(TableName=name2, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
arn = client.describe_table(TableName=name2)["Table"].get("LatestStreamArn", "")
ok(":table/%s/stream/" % name2 in arn, "update_table: a stream enabled")
client.put_item(TableName=name2, Item={"id": {"S": "s1"}, "kind": {"S": "k0"}})
client.delete_item(TableName=name2, Key={"id": {"S": "s1"}})
ok(arn in [s["StreamArn"] for s in ddbs.list_streams(TableName=name2)["Streams"]], "dynamodbstreams list_streams")
sd = ddbs.describe_stream(StreamArn=arn)["StreamDescription"]
ok(sd["StreamViewType"] == "NEW_IMAGE" and sd["StreamStatus"] == "ENABLED" and sd["Shards"],
   "dynamodbstreams describe_stream")
it = ddbs.get_shard_iterator(StreamArn=arn, ShardId=sd["Shards"][0]["ShardId"],
                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
recs = ddbs.get_records(ShardIterator=it)["Records"]
ok([r["eventName"] for r in recs] == ["INSERT", "REMOVE"] and recs[0]["dynamodb"]["NewImage"]["id"] == {"S": "s1"}
   and "OldImage" not in recs[1]["dynamodb"] and recs[1]["dynamodb"]["Keys"] == {"id": {"S": "s1"}},
   "dynamodbstreams get_records: the insert with its new image, the removal with its keys")
tarn = client.describe_table(TableName=name2)["Table"]["TableArn"]
client.tag_resource(ResourceArn=tarn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}])
client.untag_resource(ResourceArn=tarn, TagKeys=["env"])
ok(client.list_tags_of_resource(ResourceArn=tarn)["Tags"] == [{"Key": "team", "Value": "a"}],
   "tag_resource, untag_resource, list_tags_of_resource")
lim = client.describe_limits()
ok(all(k in lim for k in ("AccountMaxReadCapacityUnits", "TableMaxWriteCapacityUnits")), "describe_limits")
client.update_time_to_live(TableName=name2, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
ok(client.describe_time_to_live(TableName=name2)["TimeToLiveDescription"]
   == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}, "update_time_to_live, describe_time_to_live")
client.delete_table(TableName=name2)
client.get_waiter("table_not_exists").wait(TableName=name2)
ok(name2 not in client.list_tables()["TableNames"], "delete_table, then the table_not_exists waiter")

# Kinesis: on-demand and provisioned streams, records placed by their keys' MD5, every
# iterator type, retention, tags, listing and deletion.
kin = boto3.client("kinesis", **kw)
s1, s2 = "clicks-" + suffix, "ondemand-" + suffix
kin.create_stream(StreamName=s1, ShardCount=2)
kin.create_stream(StreamName=s2, StreamModeDetails={"StreamMode": "ON_DEMAND"})
kin.get_waiter("stream_exists").wait(StreamName=s1)
sm = kin.describe_stream_summary(StreamName=s2)["StreamDescriptionSummary"]
ok(sm["StreamModeDetails"]["StreamMode"] == "ON_DEMAND" and sm["OpenShardCount"] == 4,
   "an on-demand stream, with four shards")
r1 = kin.put_record(StreamName=s1, PartitionKey="beta", Data=b"one")
r = kin.put_records(StreamName=s1, Records=[{"PartitionKey": "beta", "Data": d} for d in (b"two", b"three")]
                    + [{"PartitionKey": "alpha", "Data": b"a"}])
ok(r1["ShardId"] == "shardId-000000000001" and r["FailedRecordCount"] == 0
   and [x["ShardId"][-1] for x in r["Records"]] == ["1", "1", "0"], "put_record and put_records place by MD5")
shards = kin.list_shards(StreamName=s1)["Shards"]
ok([s["ShardId"] for s in shards] == ["shardId-000000000000", "shardId-000000000001"], "list_shards")


def read(kind, **extra):
    it = kin.get_shard_iterator(StreamName=s1, ShardId="shardId-000000000001", ShardIteratorType=kind,
                                **extra)["ShardIterator"]
    return [x["Data"].decode() for x in kin.get_records(ShardIterator=it)["Records"]]


seq2 = r["Records"][0]["SequenceNumber"]
ok(read("TRIM_HORIZON") == ["one", "two", "three"], "TRIM_HORIZON")
ok(read("AT_SEQUENCE_NUMBER", StartingSequenceNumber=seq2) == ["two", "three"], "AT_SEQUENCE_NUMBER")
ok(read("AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seq2) == ["three"], "AFTER_SEQUENCE_NUMBER")
ok(read("LATEST") == [], "LATEST")
ok(read("AT_TIMESTAMP", Timestamp=0) == ["one", "two", "three"], "AT_TIMESTAMP")
kin.increase_stream_retention_period(StreamName=s1, RetentionPeriodHours=48)
ok(kin.describe_stream_summary(StreamName=s1)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48,
   "increase_stream_retention_period")
kin.decrease_stream_retention_period(StreamName=s1, RetentionPeriodHours=24)
kin.add_tags_to_stream(StreamName=s1, Tags={"team": "a"})
ok(kin.list_tags_for_stream(StreamName=s1)["Tags"] == [{"Key": "team", "Value": "a"}], "add_tags_to_stream")
kin.remove_tags_from_stream(StreamName=s1, TagKeys=["team"])
ok({s1, s2} <= set(kin.list_streams()["StreamNames"]), "list_streams")
kin.delete_stream(StreamName=s1)
kin.delete_stream(StreamName=s2)
ok(raises(lambda: kin.describe_stream_summary(StreamName=s1), kin.exceptions.ResourceNotFoundException),
   "a deleted stream is not found")
t.wait_until_not_exists()
ok(True, "delete, then wait_until_not_exists")
print("1..%d" % n)
sys.exit(1 if failed else 0)
