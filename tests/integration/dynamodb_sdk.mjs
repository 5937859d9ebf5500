// DynamoDB and Kinesis through the AWS SDK for JavaScript v3, as a Node.js handler uses them:
// the DynamoDB client, the document client's marshalling, errors as the SDK's classes, the
// DynamoDB Streams client and the Kinesis client. TAP on stdout. Usage: node dynamodb_sdk.mjs ENDPOINT
import {
  DynamoDBClient, CreateTableCommand, DeleteTableCommand, DescribeTableCommand, UpdateTableCommand,
  ListTablesCommand, TagResourceCommand, UntagResourceCommand, ListTagsOfResourceCommand,
  UpdateTimeToLiveCommand, DescribeTimeToLiveCommand, DescribeLimitsCommand,
  ConditionalCheckFailedException, ResourceNotFoundException, TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, QueryCommand, ScanCommand,
  BatchWriteCommand, BatchGetCommand, TransactWriteCommand, TransactGetCommand, DeleteCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  KinesisClient, CreateStreamCommand, PutRecordCommand, PutRecordsCommand, ListShardsCommand,
  DescribeStreamSummaryCommand, DeleteStreamCommand,
  GetShardIteratorCommand, GetRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

// The learner's key pair, from the environment (dynamodb_clients.sh exports it).
const cfg = { endpoint: process.argv[2], region: "us-east-1",
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY } };
const client = new DynamoDBClient(cfg);
const doc = DynamoDBDocumentClient.from(client);
let n = 0, failed = 0;
const ok = (cond, what) => {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - ${what}`);
};
const fails = async (fn, cls, text = "") => {
  try { await fn(); } catch (e) { return e instanceof cls && e.message.includes(text); }
  return false;
};

const T = "sdk-orders";
await client.send(new CreateTableCommand({ TableName: T, BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "n", AttributeType: "N" }],
  KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "n", KeyType: "RANGE" }] }));
const d = await client.send(new DescribeTableCommand({ TableName: T }));
ok(d.Table.TableStatus === "ACTIVE", "CreateTable and DescribeTable");
await doc.send(new PutCommand({ TableName: T, Item: { pk: "x", n: 1, m: { deep: [1, "two", null, true] }, s: new Set(["a"]) } }));
const got = (await doc.send(new GetCommand({ TableName: T, Key: { pk: "x", n: 1 } }))).Item;
ok(got.m.deep[1] === "two" && got.m.deep[2] === null && got.s.has("a"), "the document client marshals maps, lists, nulls and sets");
await doc.send(new BatchWriteCommand({ RequestItems: { [T]: [2, 3, 4, 5].map((i) => ({ PutRequest: { Item: { pk: "x", n: i } } })) } }));
const u = await doc.send(new UpdateCommand({ TableName: T, Key: { pk: "x", n: 1 },
  UpdateExpression: "SET m.deep[1] = :v, c = if_not_exists(c, :z) + :one",
  ExpressionAttributeValues: { ":v": "TWO", ":z": 0, ":one": 1 }, ReturnValues: "UPDATED_NEW" }));
ok(JSON.stringify(u.Attributes) === '{"m":{"deep":["TWO"]},"c":1}', "UpdateCommand returns what it updated");
const q = await doc.send(new QueryCommand({ TableName: T, KeyConditionExpression: "pk = :p AND n BETWEEN :a AND :b",
  ExpressionAttributeValues: { ":p": "x", ":a": 2, ":b": 4 }, ScanIndexForward: false }));
ok(q.Items.map((i) => i.n).join(",") === "4,3,2", "QueryCommand, descending");
const s = await doc.send(new ScanCommand({ TableName: T, Limit: 2 }));
ok(s.Items.length === 2 && s.LastEvaluatedKey !== undefined, "ScanCommand stops at its Limit with a LastEvaluatedKey");
const bg = await doc.send(new BatchGetCommand({ RequestItems: { [T]: { Keys: [{ pk: "x", n: 2 }, { pk: "x", n: 9 }] } } }));
ok(bg.Responses[T].length === 1, "BatchGetCommand");
ok(await fails(() => doc.send(new PutCommand({ TableName: T, Item: { pk: "x", n: 1 }, ConditionExpression: "attribute_not_exists(pk)" })),
  ConditionalCheckFailedException, "The conditional request failed"), "ConditionalCheckFailedException");
let reasons = null;
try {
  await doc.send(new TransactWriteCommand({ TransactItems: [
    { Put: { TableName: T, Item: { pk: "y", n: 1 } } },
    { Update: { TableName: T, Key: { pk: "x", n: 2 }, UpdateExpression: "SET v = :v", ConditionExpression: "attribute_exists(nope)", ExpressionAttributeValues: { ":v": 1 } } }] }));
} catch (e) {
  if (e instanceof TransactionCanceledException) reasons = e.CancellationReasons.map((r) => r.Code).join(",");
}
ok(reasons === "None,ConditionalCheckFailed", `TransactionCanceledException with its reasons (${reasons})`);
ok((await doc.send(new GetCommand({ TableName: T, Key: { pk: "y", n: 1 } }))).Item === undefined, "and nothing written");
const del = await doc.send(new DeleteCommand({ TableName: T, Key: { pk: "x", n: 5 }, ReturnValues: "ALL_OLD" }));
ok(del.Attributes.n === 5, "DeleteCommand returns the old item");
ok(await fails(() => doc.send(new GetCommand({ TableName: "nope", Key: { a: "b" } })), ResourceNotFoundException),
  "ResourceNotFoundException");
const tg = await doc.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName: T, Key: { pk: "x", n: 2 } } }] }));
ok(tg.Responses[0].Item.n === 2, "TransactGetCommand");
await client.send(new UpdateTableCommand({ TableName: T, StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" } }));
const ud = (await client.send(new DescribeTableCommand({ TableName: T }))).Table;
ok(ud.StreamSpecification.StreamViewType === "KEYS_ONLY" && ud.LatestStreamArn.includes("/stream/"), "UpdateTable enables a stream");
// The table's stream through the SDK's DynamoDB Streams client: a put, an update and a delete
// come back in order, each with the keys a KEYS_ONLY stream carries.
let streams = null;
try {
  streams = await import("@aws-sdk/client-dynamodb-streams");
} catch {
  console.log("# skip DynamoDB Streams: @aws-sdk/client-dynamodb-streams is not installed (npm install)");
}
if (streams) {
  const ds = new streams.DynamoDBStreamsClient(cfg);
  await doc.send(new PutCommand({ TableName: T, Item: { pk: "st", n: 7, v: "one" } }));
  await doc.send(new UpdateCommand({ TableName: T, Key: { pk: "st", n: 7 }, UpdateExpression: "SET v = :v",
    ExpressionAttributeValues: { ":v": "two" } }));
  await doc.send(new DeleteCommand({ TableName: T, Key: { pk: "st", n: 7 } }));
  const listed = (await ds.send(new streams.ListStreamsCommand({ TableName: T }))).Streams;
  ok(listed.length === 1 && listed[0].StreamArn === ud.LatestStreamArn, "Streams: ListStreams names the table's stream");
  const sd = (await ds.send(new streams.DescribeStreamCommand({ StreamArn: ud.LatestStreamArn }))).StreamDescription;
  ok(sd.StreamStatus === "ENABLED" && sd.StreamViewType === "KEYS_ONLY" && sd.TableName === T &&
    sd.KeySchema.map((e) => e.AttributeName).join(",") === "pk,n" && sd.Shards.length >= 1 &&
    sd.Shards[0].SequenceNumberRange.StartingSequenceNumber !== undefined,
  "Streams: DescribeStream (status, view type, key schema, shards)");
  const sit = (await ds.send(new streams.GetShardIteratorCommand({ StreamArn: ud.LatestStreamArn,
    ShardId: sd.Shards[0].ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
  ok(typeof sit === "string" && sit.length > 0, "Streams: GetShardIterator");
  const gr = await ds.send(new streams.GetRecordsCommand({ ShardIterator: sit }));
  const mine = gr.Records.filter((r) => r.dynamodb.Keys.pk.S === "st");
  ok(mine.map((r) => r.eventName).join(",") === "INSERT,MODIFY,REMOVE",
    `Streams: GetRecords, the put, update and delete in order (${mine.map((r) => r.eventName)})`);
  ok(mine.every((r) => r.eventSource === "aws:dynamodb" && r.dynamodb.Keys.n.N === "7" &&
    r.dynamodb.NewImage === undefined && r.dynamodb.StreamViewType === "KEYS_ONLY" &&
    r.dynamodb.ApproximateCreationDateTime instanceof Date),
  "Streams: each record has its keys only, its source and its time");
  const seqs = mine.map((r) => BigInt(r.dynamodb.SequenceNumber));
  ok(seqs[0] < seqs[1] && seqs[1] < seqs[2], "Streams: sequence numbers grow");
  ok(typeof gr.NextShardIterator === "string", "Streams: an open shard gives a next iterator");
  const after = await ds.send(new streams.GetRecordsCommand({ ShardIterator: gr.NextShardIterator }));
  ok(after.Records.length === 0, "Streams: nothing new after the last record");
  ok(await fails(() => ds.send(new streams.DescribeStreamCommand({
    StreamArn: ud.LatestStreamArn.replace(/stream\/[^/]*$/, "stream/2000-01-01T00:00:00.000") })),
  streams.ResourceNotFoundException), "Streams: ResourceNotFoundException for a stream that is not there");
}
ok((await client.send(new ListTablesCommand({}))).TableNames.includes(T), "ListTables");
await client.send(new TagResourceCommand({ ResourceArn: ud.TableArn, Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }] }));
await client.send(new UntagResourceCommand({ ResourceArn: ud.TableArn, TagKeys: ["a"] }));
const tags = (await client.send(new ListTagsOfResourceCommand({ ResourceArn: ud.TableArn }))).Tags;
ok(JSON.stringify(tags) === '[{"Key":"b","Value":"2"}]', "TagResource, UntagResource, ListTagsOfResource");
await client.send(new UpdateTimeToLiveCommand({ TableName: T, TimeToLiveSpecification: { Enabled: true, AttributeName: "exp" } }));
const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: T }))).TimeToLiveDescription;
ok(ttl.TimeToLiveStatus === "ENABLED" && ttl.AttributeName === "exp", "UpdateTimeToLive, DescribeTimeToLive");
ok((await client.send(new DescribeLimitsCommand({}))).TableMaxReadCapacityUnits > 0, "DescribeLimits");
await client.send(new DeleteTableCommand({ TableName: T }));
ok(true, "DeleteTable");

// The SDK's Kinesis client speaks HTTP/2 by default; the local cloud serves HTTP/1.1.
const k = new KinesisClient({ ...cfg, requestHandler: new NodeHttpHandler() });
await k.send(new CreateStreamCommand({ StreamName: "sdk-clicks", ShardCount: 2 }));
const one = await k.send(new PutRecordCommand({ StreamName: "sdk-clicks", PartitionKey: "beta", Data: Buffer.from("first") }));
ok(one.ShardId === "shardId-000000000001", "PutRecord");
const pr = await k.send(new PutRecordsCommand({ StreamName: "sdk-clicks",
  Records: ["alpha", "beta", "gamma"].map((key) => ({ PartitionKey: key, Data: Buffer.from(key) })) }));
ok(pr.FailedRecordCount === 0 && pr.Records.map((r) => r.ShardId.slice(-1)).join("") === "010",
  "PutRecords places records by the MD5 of their keys");
const shards = (await k.send(new ListShardsCommand({ StreamName: "sdk-clicks" }))).Shards;
const it = (await k.send(new GetShardIteratorCommand({ StreamName: "sdk-clicks", ShardId: shards[0].ShardId,
  ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
const recs = (await k.send(new GetRecordsCommand({ ShardIterator: it }))).Records;
ok(recs.map((r) => Buffer.from(r.Data).toString()).join(",") === "alpha,gamma", "GetRecords reads a shard in order");
const sum = (await k.send(new DescribeStreamSummaryCommand({ StreamName: "sdk-clicks" }))).StreamDescriptionSummary;
ok(sum.OpenShardCount === 2 && sum.RetentionPeriodHours === 24, "DescribeStreamSummary");
await k.send(new DeleteStreamCommand({ StreamName: "sdk-clicks" }));
ok(true, "DeleteStream");
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
