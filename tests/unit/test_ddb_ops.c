/*
 * Unit tests for cloud/dynamodb's operations, driven through the service table's rows with
 * svc.h's types on a database of their own: tables, items, queries and scans, indexes,
 * batches, transactions, TTL on the virtual clock, and the table's stream.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/dynamodb/ddb.h"
#include "cloud/dynamodb/dynamodb.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "harness.h"

static struct cloud cloud;
static struct svc_caller caller = { .account = "111122223333", .region = "us-east-1" };
static char dbpath[] = "/tmp/test-ddb-XXXXXX";

/* The error's fields are the test's to free (svc.h's aws_err_release() lives with the router). */
static void aws_err_release_local(struct aws_err *e)
{
	cJSON_Delete(e->fields);
	memset(e, 0, sizeof(*e));
}

static cJSON *J(const char *text)
{
	char *copy = strdup(text);
	for (char *c = copy; *c; c++)
		if (*c == '\'')
			*c = '"';
	cJSON *j = cJSON_Parse(copy);
	if (!j)
		printf("# bad test JSON: %s\n", text);
	free(copy);
	return j;
}

static const struct svc_op *find_op(const struct cloud_service *s, const char *name)
{
	for (size_t i = 0; i < s->nops; i++)
		if (strcmp(s->ops[i].name, name) == 0)
			return &s->ops[i];
	return NULL;
}

/* Call an operation; its output (caller deletes) or NULL with err. */
static cJSON *call_op(const char *name, const char *input, struct aws_err *err)
{
	const struct cloud_service *s =
		find_op(&dynamodb_service, name) ? &dynamodb_service : &dynamodb_streams_service;
	const struct svc_op *op = find_op(s, name);
	struct svc_call call = { .cloud = &cloud, .svc = s, .op = name, .caller = &caller };
	cJSON *in = J(input);
	memset(err, 0, sizeof(*err));
	cJSON *out = op ? op->fn(&call, in, err) : NULL;
	cJSON_Delete(in);
	return out;
}

/* The output as JSON text with single quotes, or "Code: message". */
static const char *run(const char *name, const char *input)
{
	static char buf[16384];
	struct aws_err err;
	cJSON *out = call_op(name, input, &err);
	if (out) {
		char *t = cJSON_PrintUnformatted(out);
		snprintf(buf, sizeof(buf), "%s", t);
		free(t);
		for (char *c = buf; *c; c++)
			if (*c == '"')
				*c = '\'';
	} else {
		snprintf(buf, sizeof(buf), "%s: %s", err.code, err.message);
	}
	cJSON_Delete(out);
	aws_err_release_local(&err);
	return buf;
}

/* An output member as text, "" when absent. */
static const char *member(const char *name, const char *input, const char *path)
{
	static char buf[8192];
	struct aws_err err;
	cJSON *out = call_op(name, input, &err), *m = out;
	char *copy = strdup(path), *save = NULL;
	for (char *p = strtok_r(copy, ".", &save); p && m; p = strtok_r(NULL, ".", &save))
		m = cJSON_IsArray(m) ? cJSON_GetArrayItem(m, atoi(p))
				     : cJSON_GetObjectItemCaseSensitive(m, p);
	free(copy);
	char *t = m ? cJSON_PrintUnformatted(m) : NULL;
	snprintf(buf, sizeof(buf), "%s", t ? t : out ? "" : err.message);
	free(t);
	for (char *c = buf; *c; c++)
		if (*c == '"')
			*c = '\'';
	cJSON_Delete(out);
	aws_err_release_local(&err);
	return buf;
}

static bool succeeds(const char *name, const char *input)
{
	struct aws_err err;
	cJSON *out = call_op(name, input, &err);
	if (!out)
		printf("# %s: %s: %s\n", name, err.code, err.message);
	cJSON_Delete(out);
	aws_err_release_local(&err);
	return out != NULL;
}

TEST(ddb_tables__create_describe_list_delete)
{
	const char *orders =
		"{'TableName':'orders','BillingMode':'PAY_PER_REQUEST',"
		"'AttributeDefinitions':[{'AttributeName':'customer','AttributeType':'S'},"
		"{'AttributeName':'n','AttributeType':'N'},{'AttributeName':'status',"
		"'AttributeType':'S'}],'KeySchema':[{'AttributeName':'customer','KeyType':"
		"'HASH'},{'AttributeName':'n','KeyType':'RANGE'}],"
		"'GlobalSecondaryIndexes':[{'IndexName':'by-status','KeySchema':[{"
		"'AttributeName':'status','KeyType':'HASH'},{'AttributeName':'n','KeyType':"
		"'RANGE'}],'Projection':{'ProjectionType':'KEYS_ONLY'}}],"
		"'StreamSpecification':{'StreamEnabled':true,'StreamViewType':"
		"'NEW_AND_OLD_IMAGES'}}";
	is_str(member("CreateTable", orders, "TableDescription.TableStatus"), "'CREATING'",
	       "a new table is CREATING");
	is_str(run("CreateTable", orders), "ResourceInUseException: Table already exists: orders",
	       "a second one with that name");
	is_str(member("DescribeTable", "{'TableName':'orders'}", "Table.TableStatus"), "'ACTIVE'",
	       "then ACTIVE");
	is_str(member("DescribeTable", "{'TableName':'orders'}", "Table.TableArn"),
	       "'arn:aws:dynamodb:us-east-1:111122223333:table/orders'", "its ARN");
	ok(strstr(member("DescribeTable", "{'TableName':'orders'}", "Table.LatestStreamArn"),
		  "table/orders/stream/") != NULL,
	   "its stream");
	is_str(run("DescribeTable", "{'TableName':'nope'}"),
	       "ResourceNotFoundException: Requested resource not found: Table: nope not found",
	       "a table that does not exist");
	is_str(run("CreateTable",
		   "{'TableName':'t2','BillingMode':'PAY_PER_REQUEST',"
		   "'AttributeDefinitions':[{'AttributeName':'a','AttributeType':'S'},"
		   "{'AttributeName':'b','AttributeType':'S'}],'KeySchema':[{"
		   "'AttributeName':'a','KeyType':'HASH'}]}"),
	       "ValidationException: One or more parameter values were invalid: Some "
	       "AttributeDefinitions are not used. AttributeDefinitions: [a, b], keys used: [a]",
	       "a definition no key uses");
	is_str(run("CreateTable",
		   "{'TableName':'t2','AttributeDefinitions':[{'AttributeName':'a',"
		   "'AttributeType':'S'}],'KeySchema':[{'AttributeName':'a','KeyType':"
		   "'HASH'}],'BillingMode':'PAY_PER_REQUEST','ProvisionedThroughput':{"
		   "'ReadCapacityUnits':1,'WriteCapacityUnits':1}}"),
	       "ValidationException: One or more parameter values were invalid: Neither "
	       "ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is "
	       "PAY_PER_REQUEST",
	       "on-demand with throughput");
	is_str(run("CreateTable",
		   "{'TableName':'t2','BillingMode':'PAY_PER_REQUEST',"
		   "'AttributeDefinitions':[{'AttributeName':'a','AttributeType':'S'},"
		   "{'AttributeName':'b','AttributeType':'S'}],'KeySchema':[{"
		   "'AttributeName':'a','KeyType':'HASH'}],'LocalSecondaryIndexes':[{"
		   "'IndexName':'l','KeySchema':[{'AttributeName':'a','KeyType':'HASH'},"
		   "{'AttributeName':'b','KeyType':'RANGE'}],'Projection':{"
		   "'ProjectionType':'ALL'}}]}"),
	       "ValidationException: One or more parameter values were invalid: Table KeySchema "
	       "does not have a range key, which is required when specifying a "
	       "LocalSecondaryIndex",
	       "an LSI on a table without a sort key");
	ok(succeeds("CreateTable",
		    "{'TableName':'t2','AttributeDefinitions':[{'AttributeName':"
		    "'a','AttributeType':'S'}],'KeySchema':[{'AttributeName':'a',"
		    "'KeyType':'HASH'}],'ProvisionedThroughput':{'ReadCapacityUnits':5,"
		    "'WriteCapacityUnits':5}}"),
	   "a provisioned table");
	is_str(member("ListTables", "{}", "TableNames"), "['orders','t2']", "ListTables, sorted");
	is_str(run("ListTables", "{'Limit':1}"),
	       "{'TableNames':['orders'],'LastEvaluatedTableName':'orders'}", "a page of one");
	is_str(member("DeleteTable", "{'TableName':'t2'}", "TableDescription.TableStatus"),
	       "'DELETING'", "DeleteTable");
	is_str(member("ListTables", "{}", "TableNames"), "['orders']", "gone");
}

TEST(ddb_items__put_get_update_delete)
{
	ok(succeeds("PutItem", "{'TableName':'orders','Item':{'customer':{'S':'ada'},'n':{'N':"
			       "'1'},'amount':{'N':'10.50'},'status':{'S':'open'}}}"),
	   "PutItem");
	is_str(member("GetItem",
		      "{'TableName':'orders','Key':{'customer':{'S':'ada'},'n':{'N':"
		      "'1.0'}}}",
		      "Item"),
	       "{'customer':{'S':'ada'},'n':{'N':'1'},'amount':{'N':'10.5'},'status':{'S':'open'}}",
	       "GetItem finds it by an equal number, and numbers come back canonical");
	is_str(run("GetItem", "{'TableName':'orders','Key':{'customer':{'S':'ada'}}}"),
	       "ValidationException: The provided key element does not match the schema",
	       "a key without its sort key");
	is_str(run("PutItem", "{'TableName':'orders','Item':{'customer':{'S':'ada'}}}"),
	       "ValidationException: One or more parameter values were invalid: Missing the key n "
	       "in the item",
	       "an item without its sort key");
	is_str(run("PutItem",
		   "{'TableName':'orders','Item':{'customer':{'S':'ada'},'n':{'S':'1'}}}"),
	       "ValidationException: One or more parameter values were invalid: Type mismatch for "
	       "key n expected: N actual: S",
	       "a key of the wrong type");
	is_str(run("PutItem", "{'TableName':'orders','Item':{'customer':{'S':'ada'},'n':{'N':'2'},"
			      "'status':{'N':'5'}}}"),
	       "ValidationException: One or more parameter values were invalid: Type mismatch for "
	       "Index Key status Expected: S Actual: N IndexName: by-status",
	       "an index key of the wrong type");
	is_str(run("PutItem", "{'TableName':'orders','Item':{'customer':{'S':'ada'},'n':{'N':'1'}},"
			      "'ConditionExpression':'attribute_not_exists(customer)'}"),
	       "ConditionalCheckFailedException: The conditional request failed",
	       "a condition that fails");
	is_str(run("PutItem", "{'TableName':'nope','Item':{'a':{'S':'x'}}}"),
	       "ResourceNotFoundException: Requested resource not found", "a missing table");
	is_str(member("UpdateItem",
		      "{'TableName':'orders','Key':{'customer':{'S':'ada'},'n':{'N':'1'}},"
		      "'UpdateExpression':'SET amount = amount + :d, #s = :s ADD visits :one',"
		      "'ExpressionAttributeNames':{'#s':'status'},'ExpressionAttributeValues':{':d'"
		      ":{"
		      "'N':'0.25'},':s':{'S':'paid'},':one':{'N':'1'}},'ReturnValues':'UPDATED_NEW'"
		      "}",
		      "Attributes"),
	       "{'amount':{'N':'10.75'},'status':{'S':'paid'},'visits':{'N':'1'}}",
	       "UpdateItem returns what it updated");
	is_str(run("UpdateItem",
		   "{'TableName':'orders','Key':{'customer':{'S':'ada'},'n':{'N':'1'}},"
		   "'UpdateExpression':'SET customer = :c','ExpressionAttributeValues':"
		   "{':c':{'S':'bob'}}}"),
	       "ValidationException: One or more parameter values were invalid: Cannot update "
	       "attribute customer. This attribute is part of the key",
	       "a key attribute");
	is_str(member("UpdateItem",
		      "{'TableName':'orders','Key':{'customer':{'S':'new'},'n':{'N':"
		      "'9'}},'ReturnValues':'ALL_NEW'}",
		      "Attributes"),
	       "{'customer':{'S':'new'},'n':{'N':'9'}}",
	       "an UpdateItem of nothing creates the key");
	is_str(member("DeleteItem",
		      "{'TableName':'orders','Key':{'customer':{'S':'new'},'n':{'N':"
		      "'9'}},'ReturnValues':'ALL_OLD'}",
		      "Attributes"),
	       "{'customer':{'S':'new'},'n':{'N':'9'}}", "DeleteItem returns the old item");
	is_str(run("PutItem", "{'TableName':'orders','Item':{'customer':{'S':'ada'},'n':{'N':'1'}},"
			      "'ExpressionAttributeValues':{':x':{'S':'y'}}}"),
	       "ValidationException: ExpressionAttributeValues can only be specified when using "
	       "expressions: ConditionExpression is null",
	       "values without an expression");
	is_str(member("PutItem",
		      "{'TableName':'orders','Item':{'customer':{'S':'ada'},'n':{'N':"
		      "'1'}},'ConditionExpression':'#s = :s','ExpressionAttributeNames':{"
		      "'#s':'status'},'ExpressionAttributeValues':{':s':{'S':'open'}},"
		      "'ReturnValuesOnConditionCheckFailure':'ALL_OLD'}",
		      "nothing"),
	       "The conditional request failed", "a failed condition");
	/* 400 KB */
	char *big = malloc(420000), *req = malloc(430000);
	memset(big, 'x', 410000);
	big[410000] = '\0';
	snprintf(req, 430000,
		 "{'TableName':'orders','Item':{'customer':{'S':'big'},'n':{'N':'1'},"
		 "'blob':{'S':'%s'}}}",
		 big);
	is_str(run("PutItem", req),
	       "ValidationException: Item size has exceeded the maximum allowed size",
	       "an item over 400 KB");
	free(big);
	free(req);
}

TEST(ddb_query__keys_order_pages_filters_indexes)
{
	for (int i = 1; i <= 12; i++) {
		char req[512];
		snprintf(req, sizeof(req),
			 "{'TableName':'orders','Item':{'customer':{'S':'cat'},'n':{'N':'%d'},"
			 "'amount':{'N':'%d'}%s}}",
			 i, i * 10, i % 3 == 0 ? ",'status':{'S':'open'}" : "");
		succeeds("PutItem", req);
	}
	is_str(member("Query",
		      "{'TableName':'orders','KeyConditionExpression':'customer = :c',"
		      "'ExpressionAttributeValues':{':c':{'S':'cat'}},'ProjectionExpression':"
		      "'n','Limit':4}",
		      "Items"),
	       "[{'n':{'N':'1'}},{'n':{'N':'2'}},{'n':{'N':'3'}},{'n':{'N':'4'}}]",
	       "in numeric order, not text order");
	is_str(member("Query",
		      "{'TableName':'orders','KeyConditionExpression':'customer = :c',"
		      "'ExpressionAttributeValues':{':c':{'S':'cat'}},'Limit':4}",
		      "LastEvaluatedKey"),
	       "{'customer':{'S':'cat'},'n':{'N':'4'}}", "LastEvaluatedKey at the limit");
	is_str(member("Query",
		      "{'TableName':'orders','KeyConditionExpression':'customer = :c',"
		      "'ExpressionAttributeValues':{':c':{'S':'cat'}},'ProjectionExpression':"
		      "'n','ExclusiveStartKey':{'customer':{'S':'cat'},'n':{'N':'10'}}}",
		      "Items"),
	       "[{'n':{'N':'11'}},{'n':{'N':'12'}}]", "the next page");
	is_str(member("Query",
		      "{'TableName':'orders','KeyConditionExpression':'customer = :c AND n "
		      "BETWEEN :a AND :b','ExpressionAttributeValues':{':c':{'S':'cat'},':a':{"
		      "'N':'5'},':b':{'N':'7'}},'ScanIndexForward':false,"
		      "'ProjectionExpression':'n'}",
		      "Items"),
	       "[{'n':{'N':'7'}},{'n':{'N':'6'}},{'n':{'N':'5'}}]", "BETWEEN, descending");
	is_str(run("Query",
		   "{'TableName':'orders','KeyConditionExpression':'customer = :c',"
		   "'FilterExpression':'amount > :t','ExpressionAttributeValues':{':c':{'S':"
		   "'cat'},':t':{'N':'100'}},'Select':'COUNT'}"),
	       "{'Count':2,'ScannedCount':12}", "a filter counts after reading");
	is_str(run("Query",
		   "{'TableName':'orders','KeyConditionExpression':'customer = :c',"
		   "'FilterExpression':'n > :t','ExpressionAttributeValues':{':c':{'S':'cat'},"
		   "':t':{'N':'1'}}}"),
	       "ValidationException: Filter Expression can only contain non-primary key "
	       "attributes: "
	       "Primary key attribute: n",
	       "a filter on the key");
	is_str(run("Query", "{'TableName':'orders','KeyConditionExpression':'customer = :c',"
			    "'ExpressionAttributeValues':{':c':{'N':'1'}}}"),
	       "ValidationException: One or more parameter values were invalid: Condition "
	       "parameter "
	       "type does not match schema type",
	       "a key value of the wrong type");
	is_str(member("Query",
		      "{'TableName':'orders','IndexName':'by-status',"
		      "'KeyConditionExpression':'#s = :s','ExpressionAttributeNames':{'#s':"
		      "'status'},'ExpressionAttributeValues':{':s':{'S':'open'}}}",
		      "Items"),
	       "[{'customer':{'S':'cat'},'n':{'N':'3'},'status':{'S':'open'}},{'customer':{'S':'"
	       "cat'},"
	       "'n':{'N':'6'},'status':{'S':'open'}},{'customer':{'S':'cat'},'n':{'N':'9'},"
	       "'status':{'S':'open'}},{'customer':{'S':'cat'},'n':{'N':'12'},'status':{'S':"
	       "'open'}}]",
	       "a sparse index of keys only");
	is_str(run("Query", "{'TableName':'orders','IndexName':'by-status','ConsistentRead':true,"
			    "'KeyConditionExpression':'#s = :s','ExpressionAttributeNames':{'#s':"
			    "'status'},'ExpressionAttributeValues':{':s':{'S':'open'}}}"),
	       "ValidationException: Consistent reads are not supported on global secondary "
	       "indexes",
	       "a consistent read of a GSI");
	/* Scan: two segments partition the table; pages continue where they stopped. */
	int seen = 0;
	for (int s = 0; s < 2; s++) {
		char req[256];
		snprintf(req, sizeof(req),
			 "{'TableName':'orders','Segment':%d,'TotalSegments':2,'Select':'COUNT'}",
			 s);
		seen += atoi(member("Scan", req, "Count"));
	}
	is_int(seen, atoi(member("Scan", "{'TableName':'orders','Select':'COUNT'}", "Count")),
	       "two segments see every item once");
	char start[1024] = "";
	int pages = 0, items = 0;
	for (;;) {
		char req[1400];
		snprintf(req, sizeof(req), "{'TableName':'orders','Limit':5%s%s}",
			 start[0] ? ",'ExclusiveStartKey':" : "", start);
		items += atoi(member("Scan", req, "Count"));
		snprintf(start, sizeof(start), "%s", member("Scan", req, "LastEvaluatedKey"));
		pages++;
		if (!start[0] || pages > 10)
			break;
	}
	is_int(items, atoi(member("Scan", "{'TableName':'orders','Select':'COUNT'}", "Count")),
	       "paging a Scan sees every item");
	ok(pages > 2, "in pages");
	is_str(run("Scan", "{'TableName':'orders','Segment':5,'TotalSegments':5}"),
	       "ValidationException: The Segment parameter is zero-based and must be less than "
	       "parameter TotalSegments: Segment: 5 is not less than TotalSegments: 5",
	       "a segment out of range");
}

TEST(ddb_batch__writes_gets_and_transactions)
{
	ok(succeeds("BatchWriteItem",
		    "{'RequestItems':{'orders':[{'PutRequest':{'Item':{'customer':{'S':'dan'},'n':{"
		    "'N':'1'}}}},{'PutRequest':{'Item':{'customer':{'S':'dan'},'n':{'N':'2'}}}},"
		    "{'DeleteRequest':{'Key':{'customer':{'S':'cat'},'n':{'N':'12'}}}}]}}"),
	   "BatchWriteItem");
	is_str(run("BatchWriteItem",
		   "{'RequestItems':{'orders':[{'PutRequest':{'Item':{'customer':"
		   "{'S':'eve'},'n':{'N':'1'}}}},{'PutRequest':{'Item':{'customer':"
		   "{'S':'eve'}}}}]}}"),
	       "ValidationException: One or more parameter values were invalid: Missing the key n "
	       "in the item",
	       "one bad request refuses the batch");
	is_str(member("GetItem",
		      "{'TableName':'orders','Key':{'customer':{'S':'eve'},'n':{'N':"
		      "'1'}}}",
		      "Item"),
	       "", "and nothing of it was written");
	is_str(member("BatchGetItem",
		      "{'RequestItems':{'orders':{'Keys':[{'customer':{'S':'dan'},'n':{'N':'2'}},"
		      "{'customer':{'S':'zed'},'n':{'N':'1'}}],'ProjectionExpression':'n'}}}",
		      "Responses"),
	       "{'orders':[{'n':{'N':'2'}}]}", "BatchGetItem");
	is_str(run("BatchGetItem",
		   "{'RequestItems':{'orders':{'Keys':[{'customer':{'S':'dan'},'n':{"
		   "'N':'2'}},{'customer':{'S':'dan'},'n':{'N':'2'}}]}}}"),
	       "ValidationException: Provided list of item keys contains duplicates", "duplicates");
	is_str(member("TransactWriteItems",
		      "{'TransactItems':[{'Put':{'TableName':'orders','Item':{'customer':{'S':"
		      "'fay'},'n':{'N':'1'}},'ConditionExpression':'attribute_not_exists(n)'}},"
		      "{'Update':{'TableName':'orders','Key':{'customer':{'S':'dan'},'n':{'N':'1'}}"
		      ","
		      "'UpdateExpression':'SET x = "
		      ":x','ConditionExpression':'attribute_not_exists(n)',"
		      "'ExpressionAttributeValues':{':x':{'N':'1'}}}}]}",
		      "CancellationReasons"),
	       "Transaction cancelled, please refer cancellation reasons for specific reasons "
	       "[None, ConditionalCheckFailed]",
	       "a transaction cancelled by one condition");
	is_str(member("GetItem",
		      "{'TableName':'orders','Key':{'customer':{'S':'fay'},'n':{'N':"
		      "'1'}}}",
		      "Item"),
	       "", "writes nothing");
	struct aws_err err;
	cJSON *out = call_op("TransactWriteItems",
			     "{'TransactItems':[{'ConditionCheck':{'TableName':'orders','Key':{"
			     "'customer':{'S':'dan'},'n':{'N':'1'}},'ConditionExpression':"
			     "'attribute_not_exists(n)'}},{'Put':{'TableName':'orders','Item':{"
			     "'customer':{'S':'fay'}}}}]}",
			     &err);
	char *reasons = err.fields ? cJSON_PrintUnformatted(err.fields) : NULL;
	is_str(reasons,
	       "{\"CancellationReasons\":[{\"Code\":\"None\"},{\"Code\":\"ValidationError\","
	       "\"Message\":\"One or more parameter values were invalid: Missing the key n in the "
	       "item\"}]}",
	       "a bad key is a ValidationError reason");
	free(reasons);
	cJSON_Delete(out);
	aws_err_release_local(&err);
	is_str(run("TransactWriteItems",
		   "{'TransactItems':[{'Put':{'TableName':'orders','Item':{'customer':{'S':'g'},"
		   "'n':{'N':'1'}}}},{'Delete':{'TableName':'orders','Key':{'customer':{'S':'g'},"
		   "'n':{'N':'1'}}}}]}"),
	       "ValidationException: Transaction request cannot include multiple operations on one "
	       "item",
	       "one item twice");
	ok(succeeds(
		   "TransactWriteItems",
		   "{'TransactItems':[{'Put':{'TableName':'orders','Item':{'customer':{'S':'fay'},"
		   "'n':{'N':'1'}}}},{'Update':{'TableName':'orders','Key':{'customer':{'S':'dan'},"
		   "'n':{'N':'1'}},'UpdateExpression':'ADD c :one','ExpressionAttributeValues':{"
		   "':one':{'N':'1'}}}}]}"),
	   "a transaction that commits");
	is_str(member("TransactGetItems",
		      "{'TransactItems':[{'Get':{'TableName':'orders','Key':{'customer':{'S':'dan'}"
		      ","
		      "'n':{'N':'1'}},'ProjectionExpression':'c'}},{'Get':{'TableName':'orders',"
		      "'Key':{'customer':{'S':'nobody'},'n':{'N':'1'}}}}]}",
		      "Responses"),
	       "[{'Item':{'c':{'N':'1'}}},{}]", "TransactGetItems");
}

TEST(ddb_ttl__expires_on_the_virtual_clock)
{
	ok(succeeds("CreateTable",
		    "{'TableName':'sessions','BillingMode':'PAY_PER_REQUEST',"
		    "'AttributeDefinitions':[{'AttributeName':'id','AttributeType':'S'}],"
		    "'KeySchema':[{'AttributeName':'id','KeyType':'HASH'}],"
		    "'StreamSpecification':{'StreamEnabled':true,'StreamViewType':"
		    "'OLD_IMAGE'}}"),
	   "a table");
	long long now = vclock_now_ms(cloud.vclock) / 1000;
	char req[512];
	snprintf(req, sizeof(req),
		 "{'TableName':'sessions','Item':{'id':{'S':'a'},'exp':{'N':'%lld'}}}", now + 60);
	succeeds("PutItem", req);
	snprintf(req, sizeof(req),
		 "{'TableName':'sessions','Item':{'id':{'S':'b'},'exp':{'N':'%lld'}}}", now + 7200);
	succeeds("PutItem", req);
	ok(succeeds("UpdateTimeToLive", "{'TableName':'sessions','TimeToLiveSpecification':{"
					"'Enabled':true,'AttributeName':'exp'}}"),
	   "TTL on");
	is_str(member("DescribeTimeToLive", "{'TableName':'sessions'}",
		      "TimeToLiveDescription.TimeToLiveStatus"),
	       "'ENABLED'", "described");
	pthread_mutex_lock(&cloud.db->mu);
	int early = ddb_svc_expire(cloud.ddb, vclock_now_ms(cloud.vclock));
	vclock_advance(cloud.vclock, 120 * 1000);
	int later = ddb_svc_expire(cloud.ddb, vclock_now_ms(cloud.vclock));
	pthread_mutex_unlock(&cloud.db->mu);
	is_int(early, 0, "nothing expires early");
	is_int(later, 1, "one item expires when the clock passes its time");
	is_str(member("Scan", "{'TableName':'sessions','ProjectionExpression':'id'}", "Items"),
	       "[{'id':{'S':'b'}}]", "the other stays");
	/* The stream tells the deletion as the service's own. */
	const char *arn =
		member("DescribeTable", "{'TableName':'sessions'}", "Table.LatestStreamArn");
	char arn_copy[512], shard[128], it[2048], sreq[1024];
	snprintf(arn_copy, sizeof(arn_copy), "%s", arn);
	snprintf(sreq, sizeof(sreq), "{'StreamArn':%s}", arn_copy);
	snprintf(shard, sizeof(shard), "%s",
		 member("DescribeStream", sreq, "StreamDescription.Shards.0.ShardId"));
	snprintf(sreq, sizeof(sreq),
		 "{'StreamArn':%s,'ShardId':%s,'ShardIteratorType':'TRIM_HORIZON'}", arn_copy,
		 shard);
	snprintf(it, sizeof(it), "%s", member("GetShardIterator", sreq, "ShardIterator"));
	char req2[2300];
	snprintf(req2, sizeof(req2), "{'ShardIterator':%s}", it);
	is_str(member("GetRecords", req2, "Records.2.eventName"), "'REMOVE'",
	       "two inserts, then a removal");
	is_str(member("GetRecords", req2, "Records.2.userIdentity"),
	       "{'PrincipalId':'dynamodb.amazonaws.com','Type':'Service'}", "by TTL");
	is_str(member("GetRecords", req2, "Records.2.dynamodb.Keys"), "{'id':{'S':'a'}}",
	       "its keys");
	ok(strstr(member("GetRecords", req2, "Records.0.dynamodb"), "NewImage") == NULL,
	   "OLD_IMAGE shows no new image");
	vclock_advance(cloud.vclock, 16 * 60 * 1000);
	is_str(run("GetRecords", req2), "ExpiredIteratorException: Iterator expired",
	       "an iterator older than 15 minutes");
}

TEST(ddb_reset__empties_an_account)
{
	ddb_svc_reset_account(cloud.ddb, caller.account);
	is_str(member("ListTables", "{}", "TableNames"), "[]", "no tables left");
}

int main(void)
{
	struct error e;
	int fd = mkstemp(dbpath);
	close(fd);
	cloud.db = cloud_db_open(dbpath, &e);
	/* A clock that stands still but for the test's steps. */
	cloud.vclock = vclock_new(1e-9);
	if (!cloud.db || !svc_migrate(cloud.db, &dynamodb_service, &e)) {
		printf("Bail out! %s\n", e.msg);
		return 1;
	}
	cloud.ddb = ddb_svc_new(cloud.db, cloud.vclock);
	if (!cloud.ddb) {
		printf("Bail out! %s\n", e.msg);
		return 1;
	}
	RUN(ddb_tables__create_describe_list_delete);
	RUN(ddb_items__put_get_update_delete);
	RUN(ddb_query__keys_order_pages_filters_indexes);
	RUN(ddb_batch__writes_gets_and_transactions);
	RUN(ddb_ttl__expires_on_the_virtual_clock);
	RUN(ddb_reset__empties_an_account);
	ddb_svc_free(cloud.ddb);
	vclock_free(cloud.vclock);
	cloud_db_close(cloud.db);
	unlink(dbpath);
	char wal[64];
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", dbpath);
	unlink(wal);
	return done();
}
