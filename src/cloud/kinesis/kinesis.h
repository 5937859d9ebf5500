/*
 * Amazon Kinesis Data Streams in the local cloud (JSON 1.1, X-Amz-Target Kinesis_20131202.*):
 * streams of shards in provisioned or on-demand mode, records placed on shards by the MD5 of
 * their partition keys as Kinesis places them, sequence numbers increasing per shard, shard
 * iterators of every type with their five-minute expiry, PutRecords with per-record failures
 * when a shard's write limits are passed, and retention, all on the virtual clock and in the
 * cloud's database.
 */
#ifndef CLOUD_KINESIS_KINESIS_H
#define CLOUD_KINESIS_KINESIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud/svc/svc.h"

struct cloud_db;
struct vclock;
struct error;
struct kinesis_svc;

extern const struct cloud_service kinesis_service;

/* The service's state over the cloud's database (its schema migrated: svc_migrate()) and
 * clock. */
struct kinesis_svc *kinesis_svc_new(struct cloud_db *db, struct vclock *clock);
void kinesis_svc_free(struct kinesis_svc *k);
void kinesis_svc_reset_account(struct kinesis_svc *k, const char *account);

/*
 * The shard a partition key goes to among n shards splitting the 128-bit hash key space evenly:
 * MD5(key) read as a big-endian 128-bit number. explicit_hash (decimal, or NULL) overrides it.
 * Returns -1 when explicit_hash is not a number in the space.
 */
int kinesis_shard_for(const char *partition_key, const char *explicit_hash, int n);

#endif
