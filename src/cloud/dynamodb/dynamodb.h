/*
 * Amazon DynamoDB and DynamoDB Streams in the local cloud: tables with their key schemas and
 * secondary indexes, items with DynamoDB's expressions, queries, scans, batches, transactions
 * and TTL, stored in the cloud's database; and each table's stream of changes. Both are rows
 * of the service table (JSON 1.0, X-Amz-Target DynamoDB_20120810.* and
 * DynamoDBStreams_20120810.*).
 */
#ifndef CLOUD_DYNAMODB_DYNAMODB_H
#define CLOUD_DYNAMODB_DYNAMODB_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/svc/svc.h"

struct cloud;

extern const struct cloud_service dynamodb_service;
extern const struct cloud_service dynamodb_streams_service;

/* Whether an item of account's tables has passed its TTL on the account's clock and waits for
 * the sweeper to delete it: work the settle control waits for. */
bool ddb_ttl_pending(struct cloud *c, const char *account);

#endif
