/*
 * DynamoDB Streams: a table's stream (one shard, open while the stream is enabled, closed when
 * it is disabled), the record of every change written in the change's own transaction, and the
 * DynamoDB Streams API (ListStreams, DescribeStream, GetShardIterator, GetRecords). Records
 * are kept 24 hours of the virtual clock; iterators expire after 15 minutes.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/dynamodb/ddb.h"
#include "cloud/http/aws.h"
#include "cloud/svc/svc.h"
#include "core/vec.h"
#include "core/xalloc.h"

#define RETENTION_MS    (24LL * 3600 * 1000)
#define ITERATOR_TTL_MS (15LL * 60 * 1000)
#define SEQ_BASE        100000000000000000000.0 /* sequence numbers print as 21 digits */
#define GET_RECORDS_MAX 1000

struct stream_row {
	int64_t id;
	char account[13], region[32];
	char table[256], label[40], view[24], shard[64];
	char key_schema[1024];
	int64_t created, disabled; /* disabled: 0 while enabled */
	int64_t first_seq, next_seq;
	int64_t tbl;
};

static bool load_stream(struct ddb_svc *d, int64_t id, struct stream_row *s)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		d->db->db,
		"SELECT account, region, table_name, label, view_type, shard_id, created,"
		" coalesce(disabled, 0), first_seq, next_seq, coalesce(tbl, 0), key_schema FROM"
		" ddb_streams WHERE id = ?",
		-1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	bool ok = sqlite3_step(st) == SQLITE_ROW;
	if (ok) {
		s->id = id;
		snprintf(s->account, sizeof(s->account), "%s", sqlite3_column_text(st, 0));
		snprintf(s->region, sizeof(s->region), "%s", sqlite3_column_text(st, 1));
		snprintf(s->table, sizeof(s->table), "%s", sqlite3_column_text(st, 2));
		snprintf(s->label, sizeof(s->label), "%s", sqlite3_column_text(st, 3));
		snprintf(s->view, sizeof(s->view), "%s", sqlite3_column_text(st, 4));
		snprintf(s->shard, sizeof(s->shard), "%s", sqlite3_column_text(st, 5));
		s->created = sqlite3_column_int64(st, 6);
		s->disabled = sqlite3_column_int64(st, 7);
		s->first_seq = sqlite3_column_int64(st, 8);
		s->next_seq = sqlite3_column_int64(st, 9);
		s->tbl = sqlite3_column_int64(st, 10);
		snprintf(s->key_schema, sizeof(s->key_schema), "%s", sqlite3_column_text(st, 11));
	}
	sqlite3_finalize(st);
	return ok;
}

static void arn_of(const struct stream_row *s, struct strbuf *out)
{
	strbuf_addf(out, "arn:aws:dynamodb:%s:%s:table/%s/stream/%s", s->region, s->account,
		    s->table, s->label);
}

static void seq_text(int64_t seq, char out[32])
{
	snprintf(out, 32, "1%020" PRId64, seq);
}

/* A sequence number's counter, or -1 when it is not one of ours. */
static int64_t seq_parse(const char *text)
{
	if (!text || strlen(text) != 21 || text[0] != '1')
		return -1;
	int64_t v = 0;
	for (const char *p = text + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

bool ddb_stream_arn(struct ddb_svc *d, int64_t stream, struct strbuf *arn, struct strbuf *label)
{
	struct stream_row s;
	if (!load_stream(d, stream, &s))
		return false;
	arn_of(&s, arn);
	if (label)
		strbuf_addstr(label, s.label);
	return true;
}

bool ddb_stream_enable(struct ddb_svc *d, struct ddb_table *t, const char *view_type,
		       struct aws_err *err)
{
	int64_t now = ddb_now_ms(d, t->account);
	char iso[32], label[32], shard[64], hex[9];
	aws_time_iso(now, iso);
	snprintf(label, sizeof(label), "%.23s", iso); /* without the Z */
	aws_random_hex(hex, 8);
	snprintf(shard, sizeof(shard), "shardId-%020" PRId64 "-%s", now, hex);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db,
			   "INSERT INTO ddb_streams(account, region, table_name, tbl, label,"
			   " view_type, created, shard_id, first_seq, next_seq, key_schema)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?)",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, t->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, t->region, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, t->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, t->id);
	sqlite3_bind_text(st, 5, label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, view_type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_text(st, 8, shard, -1, SQLITE_TRANSIENT);
	char *ks = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(t->def, "KeySchema"));
	sqlite3_bind_text(st, 9, ks ? ks : "[]", -1, SQLITE_TRANSIENT);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	free(ks);
	sqlite3_finalize(st);
	if (!ok)
		return ddb_error(err, "InternalServerError", "Internal server error");
	t->stream = sqlite3_last_insert_rowid(d->db->db);
	snprintf(t->view_type, sizeof(t->view_type), "%s", view_type);
	cJSON_DeleteItemFromObjectCaseSensitive(t->def, "_stream");
	cJSON_AddNumberToObject(t->def, "_stream", (double)t->stream);
	cJSON_DeleteItemFromObjectCaseSensitive(t->def, "StreamSpecification");
	cJSON *spec = cJSON_AddObjectToObject(t->def, "StreamSpecification");
	cJSON_AddTrueToObject(spec, "StreamEnabled");
	cJSON_AddStringToObject(spec, "StreamViewType", view_type);
	return true;
}

void ddb_stream_disable(struct ddb_svc *d, struct ddb_table *t)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db,
			   "UPDATE ddb_streams SET disabled = ?, tbl = NULL WHERE id = ?", -1, &st,
			   NULL);
	sqlite3_bind_int64(st, 1, ddb_now_ms(d, t->account));
	sqlite3_bind_int64(st, 2, t->stream);
	sqlite3_step(st);
	sqlite3_finalize(st);
	t->stream = 0;
	cJSON_DeleteItemFromObjectCaseSensitive(t->def, "_stream");
	cJSON_DeleteItemFromObjectCaseSensitive(t->def, "StreamSpecification");
}

bool ddb_stream_record(struct ddb_svc *d, const struct ddb_table *t, const cJSON *old,
		       const cJSON *item, bool ttl)
{
	if (old && item) {
		cJSON *a = cJSON_CreateObject(), *b = cJSON_CreateObject();
		cJSON_AddItemReferenceToObject(a, "M", (cJSON *)old);
		cJSON_AddItemReferenceToObject(b, "M", (cJSON *)item);
		bool same = ddb_av_equal(a, b);
		cJSON_Delete(a);
		cJSON_Delete(b);
		if (same)
			return true; /* nothing changed, nothing to tell */
	}
	sqlite3_stmt *st = NULL;
	int64_t seq = -1;
	sqlite3_prepare_v2(d->db->db,
			   "UPDATE ddb_streams SET next_seq = next_seq + 1 WHERE id = ?"
			   " RETURNING next_seq - 1",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, t->stream);
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (seq < 0)
		return false;
	int64_t now = ddb_now_ms(d, t->account);
	char id[33], seqs[32];
	aws_random_hex(id, 32);
	seq_text(seq, seqs);
	const cJSON *any = item ? item : old;
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "eventID", id);
	cJSON_AddStringToObject(r, "eventName", !old ? "INSERT" : !item ? "REMOVE" : "MODIFY");
	cJSON_AddStringToObject(r, "eventVersion", "1.1");
	cJSON_AddStringToObject(r, "eventSource", "aws:dynamodb");
	cJSON_AddStringToObject(r, "awsRegion", t->region);
	cJSON *dd = cJSON_AddObjectToObject(r, "dynamodb");
	cJSON_AddNumberToObject(dd, "ApproximateCreationDateTime", (double)(now / 1000));
	cJSON *keys = ddb_key_extract(&t->key, any);
	size_t size = keys ? ddb_item_size(keys) : 0;
	cJSON_AddItemToObject(dd, "Keys", keys ? keys : cJSON_CreateObject());
	bool new_image = strcmp(t->view_type, "NEW_IMAGE") == 0 ||
			 strcmp(t->view_type, "NEW_AND_OLD_IMAGES") == 0;
	bool old_image = strcmp(t->view_type, "OLD_IMAGE") == 0 ||
			 strcmp(t->view_type, "NEW_AND_OLD_IMAGES") == 0;
	if (new_image && item) {
		cJSON_AddItemToObject(dd, "NewImage", cJSON_Duplicate(item, 1));
		size += ddb_item_size(item);
	}
	if (old_image && old) {
		cJSON_AddItemToObject(dd, "OldImage", cJSON_Duplicate(old, 1));
		size += ddb_item_size(old);
	}
	cJSON_AddStringToObject(dd, "SequenceNumber", seqs);
	cJSON_AddNumberToObject(dd, "SizeBytes", (double)size);
	cJSON_AddStringToObject(dd, "StreamViewType", t->view_type);
	if (ttl) {
		cJSON *who = cJSON_AddObjectToObject(r, "userIdentity");
		cJSON_AddStringToObject(who, "PrincipalId", "dynamodb.amazonaws.com");
		cJSON_AddStringToObject(who, "Type", "Service");
	}
	char *text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	sqlite3_prepare_v2(
		d->db->db,
		"INSERT INTO ddb_stream_records(stream, seq, ts, record) VALUES (?, ?, ?, ?)", -1,
		&st, NULL);
	sqlite3_bind_int64(st, 1, t->stream);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	free(text);
	return ok;
}

void ddb_stream_trim(struct ddb_svc *d, int64_t now_ms)
{
	/* Each account's records by its own clock (records are stamped by it), at least by the
	 * base clock, which no account's is behind. */
	sqlite3_stmt *acc = NULL, *st = NULL, *gone = NULL;
	sqlite3_prepare_v2(d->db->db, "SELECT DISTINCT account FROM ddb_streams", -1, &acc, NULL);
	sqlite3_prepare_v2(d->db->db,
			   "DELETE FROM ddb_stream_records WHERE ts < ?1 AND stream IN"
			   " (SELECT id FROM ddb_streams WHERE account = ?2)",
			   -1, &st, NULL);
	sqlite3_prepare_v2(d->db->db,
			   "DELETE FROM ddb_streams WHERE disabled IS NOT NULL AND disabled < ?1"
			   " AND account = ?2",
			   -1, &gone, NULL);
	struct vec accounts = VEC_INIT;
	while (sqlite3_step(acc) == SQLITE_ROW)
		vec_push(&accounts, xstrdup((const char *)sqlite3_column_text(acc, 0)));
	sqlite3_finalize(acc);
	for (size_t i = 0; i < accounts.len; i++) {
		int64_t until =
			now_ms + vclock_offset_ms(d->clock, accounts.items[i]) - RETENTION_MS;
		sqlite3_stmt *both[] = { st, gone };
		for (int k = 0; k < 2; k++) {
			sqlite3_reset(both[k]);
			sqlite3_bind_int64(both[k], 1, until);
			sqlite3_bind_text(both[k], 2, accounts.items[i], -1, SQLITE_STATIC);
			sqlite3_step(both[k]);
		}
	}
	vec_for_each (&accounts, i)
		free(accounts.items[i]);
	vec_release(&accounts);
	sqlite3_finalize(st);
	sqlite3_finalize(gone);
	/* The first record still kept, for TRIM_HORIZON and DescribeStream. */
	sqlite3_exec(d->db->db,
		     "UPDATE ddb_streams SET first_seq = coalesce((SELECT min(seq) FROM"
		     " ddb_stream_records WHERE stream = ddb_streams.id), next_seq)",
		     NULL, NULL, NULL);
}

/* --- the DynamoDB Streams API --- */

/* The stream an ARN names, of the caller's account. */
static bool stream_of_arn(struct svc_call *call, const char *arn, struct stream_row *s,
			  struct aws_err *err)
{
	char region[32], account[13], table[256], label[40];
	struct ddb_svc *d = ddb_of(call);
	if (arn &&
	    sscanf(arn, "arn:aws:dynamodb:%31[^:]:%12[0-9]:table/%255[^/]/stream/%39s", region,
		   account, table, label) == 4 &&
	    strcmp(account, call->caller->account) == 0) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(d->db->db,
				   "SELECT id FROM ddb_streams WHERE account = ? AND region = ? AND"
				   " table_name = ? AND label = ?",
				   -1, &st, NULL);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, region, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, table, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, label, -1, SQLITE_TRANSIENT);
		int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		if (id && load_stream(d, id, s))
			return true;
	}
	return ddb_error(err, "ResourceNotFoundException",
			 "Requested resource not found: Stream: %s not found", arn ? arn : "");
}

DDB_OP(list_streams)
{
	struct ddb_svc *d = ddb_of(call);
	const char *table = ddb_str(in, "TableName");
	const char *start = ddb_str(in, "ExclusiveStartStreamArn");
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(in, "Limit");
	int max = cJSON_IsNumber(limit) ? (int)limit->valuedouble : 100;
	if (max < 1 || max > 100)
		max = 100;
	struct stream_row from;
	int64_t after = 0;
	if (start) {
		if (!stream_of_arn(call, start, &from, err))
			return NULL;
		after = from.id;
	}
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db,
			   "SELECT id FROM ddb_streams WHERE account = ? AND region = ? AND"
			   " (?3 IS NULL OR table_name = ?3) AND id > ? ORDER BY id",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, call->caller->region, -1, SQLITE_TRANSIENT);
	if (table)
		sqlite3_bind_text(st, 3, table, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, after);
	cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "Streams");
	struct vec ids = VEC_INIT;
	while (sqlite3_step(st) == SQLITE_ROW)
		vec_push(&ids, (void *)(intptr_t)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	int n = 0;
	vec_for_each (&ids, i) {
		struct stream_row s;
		if (!load_stream(d, (int64_t)(intptr_t)ids.items[i], &s))
			continue;
		struct strbuf arn = STRBUF_INIT;
		arn_of(&s, &arn);
		if (n == max) {
			cJSON *last = cJSON_GetArrayItem(list, n - 1);
			cJSON_AddStringToObject(out, "LastEvaluatedStreamArn",
						ddb_str(last, "StreamArn"));
			strbuf_release(&arn);
			break;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "StreamArn", arn.buf);
		cJSON_AddStringToObject(o, "TableName", s.table);
		cJSON_AddStringToObject(o, "StreamLabel", s.label);
		cJSON_AddItemToArray(list, o);
		strbuf_release(&arn);
		n++;
	}
	vec_release(&ids);
	return out;
}

DDB_OP(describe_stream)
{
	struct stream_row s;
	if (!stream_of_arn(call, ddb_str(in, "StreamArn"), &s, err))
		return NULL;
	cJSON *out = cJSON_CreateObject(), *sd = cJSON_AddObjectToObject(out, "StreamDescription");
	struct strbuf arn = STRBUF_INIT;
	arn_of(&s, &arn);
	cJSON_AddStringToObject(sd, "StreamArn", arn.buf);
	cJSON_AddStringToObject(sd, "StreamLabel", s.label);
	cJSON_AddStringToObject(sd, "StreamStatus", s.disabled ? "DISABLED" : "ENABLED");
	cJSON_AddStringToObject(sd, "StreamViewType", s.view);
	cJSON_AddNumberToObject(sd, "CreationRequestDateTime", (double)s.created / 1000.0);
	cJSON_AddStringToObject(sd, "TableName", s.table);
	cJSON *ks = cJSON_Parse(s.key_schema);
	cJSON_AddItemToObject(sd, "KeySchema", ks ? ks : cJSON_CreateArray());
	const char *start = ddb_str(in, "ExclusiveStartShardId");
	cJSON *shards = cJSON_AddArrayToObject(sd, "Shards");
	if (!start || strcmp(start, s.shard) != 0) {
		cJSON *sh = cJSON_CreateObject();
		cJSON_AddStringToObject(sh, "ShardId", s.shard);
		cJSON *range = cJSON_AddObjectToObject(sh, "SequenceNumberRange");
		char seq[32];
		seq_text(s.first_seq, seq);
		cJSON_AddStringToObject(range, "StartingSequenceNumber", seq);
		if (s.disabled) {
			seq_text(s.next_seq - 1, seq);
			cJSON_AddStringToObject(range, "EndingSequenceNumber", seq);
		}
		cJSON_AddItemToArray(shards, sh);
	}
	strbuf_release(&arn);
	return out;
}

/* An iterator: "<stream ARN>|1|<base64 of 'stream position issued account'>". */
static char *iterator_make(const struct stream_row *s, int64_t position, int64_t issued)
{
	char payload[128];
	snprintf(payload, sizeof(payload), "%" PRId64 " %" PRId64 " %" PRId64 " %s", s->id,
		 position, issued, s->account);
	char *b64 = aws_base64_encode(payload, strlen(payload));
	struct strbuf out = STRBUF_INIT;
	arn_of(s, &out);
	strbuf_addf(&out, "|1|%s", b64);
	free(b64);
	return strbuf_detach(&out);
}

static bool iterator_read(struct svc_call *call, const char *it, struct stream_row *s,
			  int64_t *position, struct aws_err *err)
{
	const char *bar = it ? strrchr(it, '|') : NULL;
	size_t len = 0;
	unsigned char *payload = bar ? aws_base64_decode(bar + 1, strlen(bar + 1), &len) : NULL;
	int64_t id = 0, issued = 0;
	char account[16] = "";
	bool ok = payload && sscanf((char *)payload, "%" SCNd64 " %" SCNd64 " %" SCNd64 " %12s",
				    &id, position, &issued, account) == 4;
	free(payload);
	if (!ok || strcmp(account, call->caller->account) != 0)
		return ddb_invalid(err, "Invalid ShardIterator");
	if (!load_stream(ddb_of(call), id, s))
		return ddb_error(err, "ResourceNotFoundException",
				 "Requested resource not found: Stream not found");
	int64_t now = ddb_now_ms(ddb_of(call), call->caller->account);
	if (now - issued > ITERATOR_TTL_MS)
		return ddb_error(err, "ExpiredIteratorException", "Iterator expired");
	return true;
}

DDB_OP(get_shard_iterator)
{
	struct stream_row s;
	if (!stream_of_arn(call, ddb_str(in, "StreamArn"), &s, err))
		return NULL;
	const char *shard = ddb_str(in, "ShardId");
	if (!shard || strcmp(shard, s.shard) != 0)
		return ddb_error(err, "ResourceNotFoundException",
				 "Requested resource not found: Shard does not exist"),
		       NULL;
	const char *type = ddb_str(in, "ShardIteratorType");
	const char *seqtext = ddb_str(in, "SequenceNumber");
	int64_t pos;
	if (!type)
		return ddb_invalid(err, "The parameter 'ShardIteratorType' is required"), NULL;
	if (strcmp(type, "TRIM_HORIZON") == 0) {
		pos = s.first_seq;
	} else if (strcmp(type, "LATEST") == 0) {
		pos = s.next_seq;
	} else if (strcmp(type, "AT_SEQUENCE_NUMBER") == 0 ||
		   strcmp(type, "AFTER_SEQUENCE_NUMBER") == 0) {
		int64_t seq = seq_parse(seqtext);
		if (!seqtext)
			return ddb_invalid(err, "SequenceNumber must be provided for "
						"AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER "
						"iterators"),
			       NULL;
		if (seq < 1 || seq >= s.next_seq)
			return ddb_invalid(err,
					   "Invalid SequenceNumber: %s is not in the shard's range",
					   seqtext),
			       NULL;
		if (seq < s.first_seq)
			return ddb_error(
				       err, "TrimmedDataAccessException",
				       "The requested sequence number is beyond the trim horizon"),
			       NULL;
		pos = type[0] == 'A' && type[1] == 'T' ? seq : seq + 1;
	} else {
		return ddb_invalid(
			       err,
			       "1 validation error detected: Value '%s' at 'shardIteratorType' "
			       "failed to satisfy constraint: Member must satisfy enum value set: "
			       "[TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]",
			       type),
		       NULL;
	}
	char *it = iterator_make(&s, pos, ddb_now_ms(ddb_of(call), call->caller->account));
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "ShardIterator", it);
	free(it);
	return out;
}

DDB_OP(get_records)
{
	struct ddb_svc *d = ddb_of(call);
	struct stream_row s;
	int64_t pos;
	if (!iterator_read(call, ddb_str(in, "ShardIterator"), &s, &pos, err))
		return NULL;
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(in, "Limit");
	int max = cJSON_IsNumber(limit) ? (int)limit->valuedouble : GET_RECORDS_MAX;
	if (max < 1 || max > GET_RECORDS_MAX)
		return ddb_invalid(err,
				   "1 validation error detected: Value '%d' at 'limit' failed to "
				   "satisfy constraint: Member must have value %s",
				   max,
				   max < 1 ? "greater than or equal to 1"
					   : "less than or equal to 1000"),
		       NULL;
	if (pos < s.first_seq)
		return ddb_error(err, "TrimmedDataAccessException",
				 "The operation attempted to read past the oldest stream record in "
				 "a shard"),
		       NULL;
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		d->db->db,
		"SELECT seq, record FROM ddb_stream_records WHERE stream = ? AND seq >= ?"
		" ORDER BY seq LIMIT ?",
		-1, &st, NULL);
	sqlite3_bind_int64(st, 1, s.id);
	sqlite3_bind_int64(st, 2, pos);
	sqlite3_bind_int(st, 3, max);
	cJSON *out = cJSON_CreateObject(), *recs = cJSON_AddArrayToObject(out, "Records");
	int64_t next = pos;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *r = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
		if (r)
			cJSON_AddItemToArray(recs, r);
		next = sqlite3_column_int64(st, 0) + 1;
	}
	sqlite3_finalize(st);
	/* A closed shard read to its end has no next iterator. */
	if (!(s.disabled && next >= s.next_seq)) {
		char *it = iterator_make(&s, next, ddb_now_ms(d, call->caller->account));
		cJSON_AddStringToObject(out, "NextShardIterator", it);
		free(it);
	}
	return out;
}
