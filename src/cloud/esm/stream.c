/*
 * Stream event source mappings: the settings Lambda takes for DynamoDB Streams and Kinesis,
 * and the shard workers that read, batch, filter, invoke, retry, bisect, checkpoint and send
 * what they give up on to the OnFailure destination.
 *
 * A worker keeps the records it has read and not yet finished in a buffer, in shard order,
 * and reads more with GetRecords through the stream service's own operations (as another
 * service, svc_call_internal()). Each round hands every lane (ParallelizationFactor, by a
 * hash of the partition key) the next batch of its records; lanes run at once, each retrying
 * its batch until it is done, so that a key's records keep their order. After a round the
 * checkpoint is the sequence number before the first record not finished, committed to the
 * database. All waiting is on the virtual clock.
 */
#include "cloud/esm/stream.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/esm/filter.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/versions.h"
#include "cloud/logs/logs.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/deliver.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define LANES_MAX      10
#define PAYLOAD_MAX    (6 * 1024 * 1024)
#define IDLE_WAIT_MS   50
#define BACKOFF_MAX_MS (60 * 1000)
#define DDB_TARGET     "DynamoDBStreams_20120810"

/* --- settings --- */

static bool err_set(struct esm_stream_err *e, int status, const char *type, const char *fmt, ...)
	XALLOC_PRINTF(4, 5);
static bool err_set(struct esm_stream_err *e, int status, const char *type, const char *fmt, ...)
{
	e->status = status;
	snprintf(e->type, sizeof(e->type), "%s", type);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return false;
}

static bool is_ddb(const char *arn)
{
	return str_starts_with(arn, "arn:aws:dynamodb:") && strstr(arn, "/stream/") != NULL;
}

bool esm_stream_is_source(const char *arn)
{
	return arn && (is_ddb(arn) || str_starts_with(arn, "arn:aws:kinesis:"));
}

/* The region an ARN names (its fourth field), into out. */
static void arn_region(const char *arn, char out[32])
{
	const char *p = arn;
	for (int i = 0; i < 3 && p; i++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	size_t n = p ? strcspn(p, ":") : 0;
	snprintf(out, 32, "%.*s", (int)(n && n < 32 ? n : 0), p ? p : "");
	if (!out[0])
		snprintf(out, 32, "%s", AWS_REGION_NAME);
}

/* Call an operation of the stream's service as the mapping's account. */
static cJSON *source_call(struct cloud *c, const char *account, const char *source, const char *op,
			  const cJSON *in, struct aws_err *err)
{
	struct svc_caller caller;
	svc_caller_for_account(&caller, account);
	arn_region(source, caller.region);
	if (!is_ddb(source))
		return svc_call_internal(c, &caller, "kinesis", op, in, err);
	/* DynamoDB Streams signs as dynamodb: its row is the one of its X-Amz-Target. */
	for (size_t i = 0; i < svc_table_len; i++) {
		const struct cloud_service *s = svc_table[i];
		const struct svc_op *o =
			s->target && strcmp(s->target, DDB_TARGET) == 0 ? svc_op_find(s, op) : NULL;
		if (!o)
			continue;
		char rid[37];
		aws_uuid(rid);
		struct svc_call call = {
			.cloud = c, .svc = s, .op = o->name, .caller = &caller, .request_id = rid
		};
		return o->fn(&call, in, err);
	}
	aws_err_set(err, 501, "NotImplemented", "The local cloud does not serve DynamoDB Streams");
	return NULL;
}

bool esm_stream_source_exists(struct cloud *c, const char *account, const char *arn,
			      struct esm_stream_err *e)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, is_ddb(arn) ? "StreamArn" : "StreamARN", arn);
	struct aws_err err = { 0 };
	cJSON *out =
		source_call(c, account, arn,
			    is_ddb(arn) ? "DescribeStream" : "DescribeStreamSummary", in, &err);
	cJSON_Delete(in);
	bool ok = out != NULL;
	cJSON_Delete(out);
	aws_err_release(&err);
	if (!ok)
		return err_set(e, 400, "InvalidParameterValueException", "Stream not found: %s",
			       arn);
	return true;
}

static void cfg_defaults(struct esm_stream_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->parallelization = 1;
	cfg->max_retries = -1;
	cfg->max_age = -1;
}

void esm_stream_cfg_release(struct esm_stream_cfg *cfg)
{
	free(cfg->filters);
	cfg->filters = NULL;
}

void esm_stream_cfg_copy(struct esm_stream_cfg *dst, const struct esm_stream_cfg *src)
{
	*dst = *src;
	dst->filters = xstrdup(src->filters);
}

/* An integer member: false when present and not an integer; *given says whether present. */
static bool int_member(const cJSON *in, const char *name, long long *out, bool *given)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, name);
	*given = m && !cJSON_IsNull(m);
	if (!*given)
		return true;
	if (!cJSON_IsNumber(m) || m->valuedouble != floor(m->valuedouble))
		return false;
	*out = (long long)m->valuedouble;
	return true;
}

static bool range_error(struct esm_stream_err *e, const char *member, long long v, long long lo,
			long long hi)
{
	return err_set(e, 400, "ValidationException",
		       "1 validation error detected: Value '%lld' at '%s' failed to satisfy "
		       "constraint: Member must have value %s %lld",
		       v, member, v < lo ? "greater than or equal to" : "less than or equal to",
		       v < lo ? lo : hi);
}

/* Check a FilterCriteria (cloud/esm/filter.h). */
static bool check_filters(const cJSON *fc, struct esm_stream_err *e)
{
	const char *type;
	int status;
	const char *why = esm_filters_problem(fc, &type, &status);
	return why ? err_set(e, status, type, "%s", why) : true;
}

/* arn:aws:s3:::BUCKET, the bucket's name as S3 allows it (3 to 63 of a-z, 0-9, '.', '-'). */
static bool s3_bucket_arn(const char *arn)
{
	if (!str_starts_with(arn, "arn:aws:s3:::"))
		return false;
	const char *b = arn + strlen("arn:aws:s3:::");
	size_t n = strlen(b);
	if (n < 3 || n > 63 || strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n)
		return false;
	return isalnum((unsigned char)b[0]) && isalnum((unsigned char)b[n - 1]);
}

bool esm_stream_cfg_apply(struct esm_stream_cfg *cfg, const char *source, const cJSON *in,
			  bool create, struct esm_stream_err *e)
{
	struct esm_stream_cfg next;
	if (create)
		cfg_defaults(&next);
	else
		esm_stream_cfg_copy(&next, cfg);
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(in, "StartingPosition");
	if (create) {
		if (!cJSON_IsString(sp)) {
			err_set(e, 400, "InvalidParameterValueException",
				"1 validation error detected: Value null at 'startingPosition' "
				"failed to "
				"satisfy constraint: Member must not be null.");
			goto fail;
		}
		const char *v = sp->valuestring;
		if (strcmp(v, "TRIM_HORIZON") != 0 && strcmp(v, "LATEST") != 0 &&
		    strcmp(v, "AT_TIMESTAMP") != 0) {
			err_set(e, 400, "ValidationException",
				"1 validation error detected: Value '%s' at 'startingPosition' "
				"failed to "
				"satisfy constraint: Member must satisfy enum value set: [LATEST, "
				"AT_TIMESTAMP, TRIM_HORIZON]",
				v);
			goto fail;
		}
		if (strcmp(v, "AT_TIMESTAMP") == 0) {
			const cJSON *ts =
				cJSON_GetObjectItemCaseSensitive(in, "StartingPositionTimestamp");
			if (is_ddb(source)) {
				err_set(e, 400, "InvalidParameterValueException",
					"Unsupported starting position for arn type: %s", source);
				goto fail;
			}
			if (!cJSON_IsNumber(ts)) {
				err_set(e, 400, "InvalidParameterValueException",
					"StartingPositionTimestamp must be set when "
					"StartingPosition is "
					"AT_TIMESTAMP.");
				goto fail;
			}
			next.starting_timestamp = ts->valuedouble;
		}
		snprintf(next.starting_position, sizeof(next.starting_position), "%s", v);
	} else if (sp && !cJSON_IsNull(sp)) {
		err_set(e, 400, "InvalidParameterValueException",
			"StartingPosition cannot be changed after the mapping is created.");
		goto fail;
	}
	long long v;
	bool given;
	if (!int_member(in, "ParallelizationFactor", &v, &given) ||
	    (given && (v < 1 || v > LANES_MAX))) {
		range_error(e, "parallelizationFactor", given ? v : 0, 1, LANES_MAX);
		goto fail;
	}
	if (given)
		next.parallelization = (int)v;
	if (!int_member(in, "MaximumRetryAttempts", &v, &given) ||
	    (given && (v < -1 || v > 10000))) {
		range_error(e, "maximumRetryAttempts", given ? v : -2, -1, 10000);
		goto fail;
	}
	if (given)
		next.max_retries = (int)v;
	if (!int_member(in, "MaximumRecordAgeInSeconds", &v, &given) ||
	    (given && (v < -1 || v > 604800))) {
		range_error(e, "maximumRecordAgeInSeconds", given ? v : -2, -1, 604800);
		goto fail;
	}
	if (given && v != -1 && v < 60) {
		err_set(e, 400, "InvalidParameterValueException",
			"MaximumRecordAgeInSeconds must be -1 (infinite) or between 60 and 604800 "
			"seconds.");
		goto fail;
	}
	if (given)
		next.max_age = (int)v;
	if (!int_member(in, "TumblingWindowInSeconds", &v, &given) ||
	    (given && (v < 0 || v > 900))) {
		range_error(e, "tumblingWindowInSeconds", given ? v : -1, 0, 900);
		goto fail;
	}
	if (given)
		next.tumbling = (int)v;
	const cJSON *bisect = cJSON_GetObjectItemCaseSensitive(in, "BisectBatchOnFunctionError");
	if (bisect && !cJSON_IsNull(bisect)) {
		if (!cJSON_IsBool(bisect)) {
			err_set(e, 400, "InvalidRequestContentException",
				"BisectBatchOnFunctionError must be a boolean");
			goto fail;
		}
		next.bisect = cJSON_IsTrue(bisect);
	}
	const cJSON *dc = cJSON_GetObjectItemCaseSensitive(in, "DestinationConfig");
	if (dc && !cJSON_IsNull(dc)) {
		if (cJSON_GetObjectItemCaseSensitive(dc, "OnSuccess")) {
			err_set(e, 400, "InvalidParameterValueException",
				"Unsupported DestinationConfig parameter for given event source "
				"mapping "
				"type.");
			goto fail;
		}
		const cJSON *of = cJSON_GetObjectItemCaseSensitive(dc, "OnFailure");
		const cJSON *dest = cJSON_GetObjectItemCaseSensitive(of, "Destination");
		const char *d = cJSON_IsString(dest) ? dest->valuestring : "";
		/* A stream's discarded batches go to a queue, a topic or a bucket: an ARN of
		 * another service, or one that names none of them, is refused as Lambda does. */
		char acct[13], name[257];
		if (d[0] && !arn_sqs_queue(d, acct, name, sizeof(name)) &&
		    !arn_sns_topic(d, acct, name, sizeof(name)) && !s3_bucket_arn(d)) {
			err_set(e, 400, "InvalidParameterValueException",
				"The provided destination config DestinationConfig(onSuccess=null, "
				"onFailure=OnFailure(destination=%s)) is invalid.",
				d);
			goto fail;
		}
		if (strlen(d) >= sizeof(next.on_failure)) {
			err_set(e, 400, "InvalidParameterValueException",
				"Invalid destination ARN.");
			goto fail;
		}
		snprintf(next.on_failure, sizeof(next.on_failure), "%s", d);
	}
	const cJSON *fc = cJSON_GetObjectItemCaseSensitive(in, "FilterCriteria");
	if (fc && !cJSON_IsNull(fc)) {
		if (!check_filters(fc, e))
			goto fail;
		free(next.filters);
		next.filters = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fc, "Filters"))
				       ? cJSON_PrintUnformatted(fc)
				       : NULL;
	}
	esm_stream_cfg_release(cfg);
	*cfg = next;
	return true;
fail:
	esm_stream_cfg_release(&next);
	return false;
}

void esm_stream_cfg_view(const struct esm_stream_cfg *cfg, cJSON *o)
{
	cJSON_AddStringToObject(o, "StartingPosition", cfg->starting_position);
	if (strcmp(cfg->starting_position, "AT_TIMESTAMP") == 0)
		cJSON_AddNumberToObject(o, "StartingPositionTimestamp", cfg->starting_timestamp);
	cJSON_AddNumberToObject(o, "ParallelizationFactor", cfg->parallelization);
	cJSON_AddBoolToObject(o, "BisectBatchOnFunctionError", cfg->bisect);
	cJSON_AddNumberToObject(o, "MaximumRetryAttempts", cfg->max_retries);
	cJSON_AddNumberToObject(o, "MaximumRecordAgeInSeconds", cfg->max_age);
	cJSON_AddNumberToObject(o, "TumblingWindowInSeconds", cfg->tumbling);
	cJSON *dc = cJSON_AddObjectToObject(o, "DestinationConfig");
	cJSON *of = cJSON_AddObjectToObject(dc, "OnFailure");
	if (cfg->on_failure[0])
		cJSON_AddStringToObject(of, "Destination", cfg->on_failure);
	if (cfg->filters) {
		cJSON *fc = cJSON_Parse(cfg->filters);
		if (fc)
			cJSON_AddItemToObject(o, "FilterCriteria", fc);
	}
}

char *esm_stream_cfg_save(const struct esm_stream_cfg *cfg)
{
	cJSON *o = cJSON_CreateObject();
	esm_stream_cfg_view(cfg, o);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

bool esm_stream_cfg_load(struct esm_stream_cfg *cfg, const char *text)
{
	cJSON *o = cJSON_Parse(text);
	struct esm_stream_err e;
	cfg_defaults(cfg);
	/* The saved view is a valid creation body for the same source. */
	const char *src = "arn:aws:kinesis:";
	bool ok = o && esm_stream_cfg_apply(cfg, src, o, true, &e);
	cJSON_Delete(o);
	return ok;
}

/* --- workers --- */

struct rec {
	cJSON *event; /* the record as the function sees it */
	char seq[64];
	char *key; /* what picks its lane: the partition key, or a DynamoDB item's keys */
	int64_t arrival_ms;
	size_t bytes;
	bool done;
};

struct worker;

struct esm_stream {
	struct cloud *c;
	char uuid[37], account[13], source[256], role[300];
	char function[200]; /* NAME, or NAME:QUALIFIER (a version or an alias) */
	int batch, window;
	bool report;
	struct esm_stream_cfg cfg;
	bool ddb;
	int64_t retention_ms; /* how long the stream keeps a record */
	pthread_mutex_t mu;   /* stop, last_result, iterator_age, the settle fields */
	pthread_cond_t cond;
	bool stop;
	/* The virtual times at which lanes waiting out a retry's backoff go on (a multiset). */
	int64_t *dues;
	size_t ndues;
	char last_result[ESM_RESULT_MAX];
	int64_t iterator_age;
	struct worker **workers;
	size_t nworkers;
};

struct worker {
	struct esm_stream *s;
	char shard[64];
	pthread_t thread;
	bool started;
	char *iterator;   /* where the next GetRecords reads */
	struct rec **buf; /* read, not finished, in shard order */
	size_t nbuf;
	bool closed; /* the shard ended */
	/* Tumbling windows: the current window and its state. */
	int64_t window_start;
	cJSON *state;
	/* For settle (s->mu): in a round, how many of its lanes are working (not waiting out
	 * a backoff); between rounds, when (monotonic ms) the read began that found the shard
	 * read to its end and nothing left to do, or 0 while there is. */
	bool in_round;
	int work;
	int64_t idle_from;
	/* For settle (s->mu): the end of the open tumbling window (its final invocation is
	 * due then), or 0. */
	int64_t window_due;
	/* Whether the function's role may read the stream (read_more's). */
	struct esm_role_check role;
};

static bool running(struct esm_stream *s)
{
	pthread_mutex_lock(&s->mu);
	bool r = !s->stop;
	pthread_mutex_unlock(&s->mu);
	return r;
}

static int64_t now_ms(struct esm_stream *s)
{
	return vclock_now_ms(s->c->vclock, s->account);
}

/* Wait until the virtual time due (or a stop, or max_real_ms of real time). */
static void wait_until(struct esm_stream *s, int64_t due, int max_real_ms)
{
	pthread_mutex_lock(&s->mu);
	if (!s->stop)
		vclock_wait(s->c->vclock, &s->cond, &s->mu, s->account, due, max_real_ms);
	pthread_mutex_unlock(&s->mu);
}

/* A lane waits out a backoff until due: settle sees it as a due point, not as work. */
static void backoff_wait(struct worker *w, int64_t due)
{
	struct esm_stream *s = w->s;
	pthread_mutex_lock(&s->mu);
	w->work--;
	s->dues = xreallocarray(s->dues, s->ndues + 1, sizeof(*s->dues));
	s->dues[s->ndues++] = due;
	/* Until the virtual time is due itself (or a stop), however long that takes in real
	 * time, so that a retry waits as long as Lambda's would on the clock. */
	while (!s->stop && !vclock_wait(s->c->vclock, &s->cond, &s->mu, s->account, due, 1000))
		;
	for (size_t i = 0; i < s->ndues; i++) {
		if (s->dues[i] == due) {
			s->dues[i] = s->dues[--s->ndues];
			break;
		}
	}
	w->work++;
	pthread_mutex_unlock(&s->mu);
}

/* Open the tumbling window that starts at start (0: none open). */
static void set_window(struct worker *w, int64_t start)
{
	struct esm_stream *s = w->s;
	w->window_start = start;
	pthread_mutex_lock(&s->mu);
	w->window_due = start ? start + (int64_t)s->cfg.tumbling * 1000 : 0;
	pthread_mutex_unlock(&s->mu);
}

static void set_idle(struct worker *w, int64_t from)
{
	pthread_mutex_lock(&w->s->mu);
	w->idle_from = from;
	pthread_mutex_unlock(&w->s->mu);
}

bool esm_stream_pending(struct esm_stream *s, int64_t since_mono, int64_t now_ms, int64_t *next_ms)
{
	bool busy = false;
	*next_ms = 0;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nworkers; i++) {
		const struct worker *w = s->workers[i];
		if (!w->started)
			continue;
		if (!busy)
			busy = w->in_round ? w->work > 0
					   : w->idle_from == 0 || w->idle_from < since_mono;
		/* An open window's end is a due point: its final invocation is work then. */
		if (w->window_due && w->window_due <= now_ms)
			busy = true;
		else if (w->window_due && (!*next_ms || w->window_due < *next_ms))
			*next_ms = w->window_due;
	}
	for (size_t i = 0; i < s->ndues; i++) {
		if (s->dues[i] <= now_ms)
			busy = true;
		else if (!*next_ms || s->dues[i] < *next_ms)
			*next_ms = s->dues[i];
	}
	pthread_mutex_unlock(&s->mu);
	return busy;
}

static void set_result(struct esm_stream *s, const char *text)
{
	pthread_mutex_lock(&s->mu);
	snprintf(s->last_result, sizeof(s->last_result), "%s", text);
	pthread_mutex_unlock(&s->mu);
}

void esm_stream_last_result(struct esm_stream *s, char *out)
{
	pthread_mutex_lock(&s->mu);
	snprintf(out, ESM_RESULT_MAX, "%s", s->last_result);
	pthread_mutex_unlock(&s->mu);
}

int64_t esm_stream_iterator_age(struct esm_stream *s)
{
	pthread_mutex_lock(&s->mu);
	int64_t a = s->iterator_age;
	pthread_mutex_unlock(&s->mu);
	return a;
}

static void rec_free(struct rec *r)
{
	if (!r)
		return;
	cJSON_Delete(r->event);
	free(r->key);
	free(r);
}

/* --- checkpoints --- */

bool esm_stream_init(struct cloud *c)
{
	pthread_mutex_lock(&c->db->mu);
	bool ok =
		cloud_db_exec(c->db, "CREATE TABLE IF NOT EXISTS esm_checkpoints(uuid TEXT NOT"
				     " NULL, shard TEXT NOT NULL, seq TEXT NOT NULL,"
				     " PRIMARY KEY(uuid, shard)) STRICT;"
				     "CREATE TABLE IF NOT EXISTS esm_streams(uuid TEXT PRIMARY KEY,"
				     " config TEXT NOT NULL) STRICT;");
	pthread_mutex_unlock(&c->db->mu);
	return ok;
}

static bool checkpoint_load(struct esm_stream *s, const char *shard, char seq[64])
{
	struct cloud *c = s->c;
	sqlite3_stmt *st = NULL;
	bool found = false;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_prepare_v2(c->db->db,
			   "SELECT seq FROM esm_checkpoints WHERE uuid = ? AND shard = ?", -1, &st,
			   NULL);
	sqlite3_bind_text(st, 1, s->uuid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, shard, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(seq, 64, "%s", (const char *)sqlite3_column_text(st, 0));
		found = true;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return found;
}

static void checkpoint_save(struct esm_stream *s, const char *shard, const char *seq)
{
	struct cloud *c = s->c;
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_prepare_v2(
		c->db->db,
		"INSERT OR REPLACE INTO esm_checkpoints(uuid, shard, seq) VALUES (?, ?, ?)", -1,
		&st, NULL);
	sqlite3_bind_text(st, 1, s->uuid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, shard, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, seq, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

void esm_stream_forget(struct cloud *c, const char *uuid)
{
	static const char *const sql[] = { "DELETE FROM esm_checkpoints WHERE uuid = ?",
					   "DELETE FROM esm_streams WHERE uuid = ?" };
	pthread_mutex_lock(&c->db->mu);
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(c->db->db, sql[i], -1, &st, NULL);
		sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

/* --- reading --- */

/* A fresh iterator after the checkpoint, or at the mapping's starting position. */
static bool open_iterator(struct worker *w)
{
	struct esm_stream *s = w->s;
	char seq[64];
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, s->ddb ? "StreamArn" : "StreamARN", s->source);
	cJSON_AddStringToObject(in, "ShardId", w->shard);
	if (checkpoint_load(s, w->shard, seq)) {
		cJSON_AddStringToObject(in, "ShardIteratorType", "AFTER_SEQUENCE_NUMBER");
		cJSON_AddStringToObject(in, s->ddb ? "SequenceNumber" : "StartingSequenceNumber",
					seq);
	} else {
		cJSON_AddStringToObject(in, "ShardIteratorType", s->cfg.starting_position);
		if (strcmp(s->cfg.starting_position, "AT_TIMESTAMP") == 0)
			cJSON_AddNumberToObject(in, "Timestamp", s->cfg.starting_timestamp);
	}
	struct aws_err err = { 0 };
	cJSON *out = source_call(s->c, s->account, s->source, "GetShardIterator", in, &err);
	cJSON_Delete(in);
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(out, "ShardIterator");
	free(w->iterator);
	w->iterator = cJSON_IsString(it) ? xstrdup(it->valuestring) : NULL;
	cJSON_Delete(out);
	aws_err_release(&err);
	return w->iterator != NULL;
}

static struct rec *ddb_rec(struct esm_stream *s, cJSON *r)
{
	struct rec *x = xcalloc(1, sizeof(*x));
	const cJSON *dd = cJSON_GetObjectItemCaseSensitive(r, "dynamodb");
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(dd, "SequenceNumber");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(dd, "ApproximateCreationDateTime");
	const cJSON *sz = cJSON_GetObjectItemCaseSensitive(dd, "SizeBytes");
	snprintf(x->seq, sizeof(x->seq), "%s", cJSON_IsString(seq) ? seq->valuestring : "");
	x->arrival_ms = cJSON_IsNumber(t) ? (int64_t)(t->valuedouble * 1000.0) : now_ms(s);
	x->bytes = cJSON_IsNumber(sz) ? (size_t)sz->valuedouble : 0;
	x->key = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(dd, "Keys"));
	cJSON_AddStringToObject(r, "eventSourceARN", s->source);
	x->event = r;
	return x;
}

static struct rec *kinesis_rec(struct esm_stream *s, const char *shard, cJSON *r)
{
	struct rec *x = xcalloc(1, sizeof(*x));
	const char *seq =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "SequenceNumber"));
	const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "PartitionKey"));
	const char *data = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "Data"));
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "ApproximateArrivalTimestamp");
	snprintf(x->seq, sizeof(x->seq), "%s", seq ? seq : "");
	x->key = xstrdup(key ? key : "");
	x->arrival_ms = cJSON_IsNumber(t) ? (int64_t)(t->valuedouble * 1000.0) : now_ms(s);
	x->bytes = data ? strlen(data) : 0;
	cJSON *e = cJSON_CreateObject(), *k = cJSON_AddObjectToObject(e, "kinesis");
	cJSON_AddStringToObject(k, "kinesisSchemaVersion", "1.0");
	cJSON_AddStringToObject(k, "partitionKey", x->key);
	cJSON_AddStringToObject(k, "sequenceNumber", x->seq);
	cJSON_AddStringToObject(k, "data", data ? data : "");
	cJSON_AddNumberToObject(k, "approximateArrivalTimestamp", (double)x->arrival_ms / 1000.0);
	cJSON_AddStringToObject(e, "eventSource", "aws:kinesis");
	cJSON_AddStringToObject(e, "eventVersion", "1.0");
	struct strbuf id = STRBUF_INIT;
	strbuf_addf(&id, "%s:%s", shard, x->seq);
	cJSON_AddStringToObject(e, "eventID", id.buf);
	strbuf_release(&id);
	cJSON_AddStringToObject(e, "eventName", "aws:kinesis:record");
	cJSON_AddStringToObject(e, "invokeIdentityArn", s->role);
	char region[32];
	arn_region(s->source, region);
	cJSON_AddStringToObject(e, "awsRegion", region);
	cJSON_AddStringToObject(e, "eventSourceARN", s->source);
	x->event = e;
	cJSON_Delete(r);
	return x;
}

/* Read what the shard holds after the buffer; false when nothing came. */
static bool read_more(struct worker *w, int want)
{
	struct esm_stream *s = w->s;
	/* Lambda reads with the function's execution role: none while it may not. */
	if (!esm_role_check(s->c, s->account, s->function, s->source, &w->role)) {
		set_result(s, w->role.problem);
		return false;
	}
	if (w->closed || (!w->iterator && !open_iterator(w)))
		return false;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "ShardIterator", w->iterator);
	cJSON_AddNumberToObject(in, "Limit",
				want > (s->ddb ? 1000 : 10000) ? (s->ddb ? 1000 : 10000) : want);
	struct aws_err err = { 0 };
	cJSON *out = source_call(s->c, s->account, s->source, "GetRecords", in, &err);
	cJSON_Delete(in);
	if (!out) {
		/* An expired iterator (or a trimmed position) is opened again from the checkpoint;
		 * the buffer holds what it has read since, which a new read would repeat. */
		free(w->iterator);
		w->iterator = NULL;
		for (size_t i = 0; i < w->nbuf; i++)
			rec_free(w->buf[i]);
		w->nbuf = 0;
		aws_err_release(&err);
		return false;
	}
	cJSON *recs = cJSON_DetachItemFromObjectCaseSensitive(out, "Records");
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(out, "NextShardIterator");
	free(w->iterator);
	w->iterator = cJSON_IsString(next) ? xstrdup(next->valuestring) : NULL;
	if (!w->iterator)
		w->closed = true;
	int n = 0;
	while (recs && recs->child) {
		cJSON *r = cJSON_DetachItemViaPointer(recs, recs->child);
		w->buf = xreallocarray(w->buf, w->nbuf + 1, sizeof(*w->buf));
		w->buf[w->nbuf++] = s->ddb ? ddb_rec(s, r) : kinesis_rec(s, w->shard, r);
		n++;
	}
	cJSON_Delete(recs);
	cJSON_Delete(out);
	return n > 0;
}

/* --- filters --- */

/* The record as FilterCriteria sees it: Kinesis's data and SQS's body parsed as JSON. */
static bool record_passes(const struct esm_stream *s, const cJSON *filters, const struct rec *r)
{
	if (!filters)
		return true;
	cJSON *doc = cJSON_Duplicate(r->event, 1);
	cJSON *k = cJSON_GetObjectItemCaseSensitive(doc, "kinesis");
	if (k) {
		const char *data =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "data"));
		size_t len = 0;
		unsigned char *raw = data ? aws_base64_decode(data, strlen(data), &len) : NULL;
		cJSON *parsed = raw ? cJSON_ParseWithLength((const char *)raw, len) : NULL;
		if (parsed)
			cJSON_ReplaceItemInObjectCaseSensitive(k, "data", parsed);
		free(raw);
	}
	bool pass = esm_filters_match(filters, doc);
	cJSON_Delete(doc);
	(void)s;
	return pass;
}

/* --- invoking --- */

struct outcome {
	bool ran; /* the function was invoked */
	bool ok;  /* and succeeded */
	bool function_error;
	int status;
	char request_id[37];
	char *body;
};

static void outcome_release(struct outcome *o)
{
	free(o->body);
	o->body = NULL;
}

static void invoke(struct esm_stream *s, const char *event, struct outcome *o)
{
	struct cloud *c = s->c;
	memset(o, 0, sizeof(*o));
	aws_uuid(o->request_id);
	char qualifier[129] = "";
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn =
		c->stopping ? NULL : lambda_fn_target(c, s->account, s->function, qualifier);
	if (fn) {
		lambda_fn_ref(fn);
		c->async_running++;
	}
	pthread_mutex_unlock(&c->mu);
	if (!fn) {
		o->status = 404;
		return;
	}
	struct lambda_outcome r = { 0 };
	lambda_invoke_internal_as(c, fn, qualifier, event, strlen(event), o->request_id, &r);
	pthread_mutex_lock(&c->mu);
	lambda_fn_unref(fn);
	c->async_running--;
	pthread_cond_broadcast(&c->async_cond);
	pthread_mutex_unlock(&c->mu);
	o->status = r.status;
	o->ran = r.status == 200;
	o->function_error = r.function_error;
	o->ok = r.status == 200 && !r.function_error;
	o->body = r.body;
}

/* The event for a batch (recs[0..n)), with the tumbling window's fields when it has one. */
static char *batch_event(struct worker *w, struct rec **recs, size_t n, bool final)
{
	struct esm_stream *s = w->s;
	cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "Records");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemReferenceToArray(list, recs[i]->event);
	if (s->cfg.tumbling) {
		char a[32], b[32];
		aws_time_iso(w->window_start, a);
		aws_time_iso(w->window_start + (int64_t)s->cfg.tumbling * 1000, b);
		cJSON *win = cJSON_AddObjectToObject(o, "window");
		cJSON_AddStringToObject(win, "start", a);
		cJSON_AddStringToObject(win, "end", b);
		cJSON_AddItemToObject(
			o, "state", w->state ? cJSON_Duplicate(w->state, 1) : cJSON_CreateObject());
		cJSON_AddStringToObject(o, "shardId", w->shard);
		cJSON_AddStringToObject(o, "eventSourceARN", s->source);
		cJSON_AddBoolToObject(o, "isFinalInvokeForWindow", final);
		cJSON_AddBoolToObject(o, "isWindowTerminatedEarly", false);
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/*
 * The records ReportBatchItemFailures reports (the index of the first failed one, n when none),
 * or -1 when the response does not follow the rules (then the whole batch failed).
 */
static long partial_failures(const char *body, struct rec **recs, size_t n)
{
	if (!body || !body[0])
		return (long)n;
	cJSON *o = cJSON_Parse(body);
	long first = (long)n;
	const cJSON *list =
		cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, "batchItemFailures") : NULL;
	if (!o) {
		first = -1;
	} else if (list && !cJSON_IsNull(list)) {
		if (!cJSON_IsArray(list))
			first = -1;
		const cJSON *it;
		cJSON_ArrayForEach(it, list)
		{
			const char *id = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier"));
			long at = -1;
			for (size_t i = 0; id && i < n; i++)
				if (strcmp(recs[i]->seq, id) == 0)
					at = (long)i;
			if (at < 0) {
				first = -1;
				break;
			}
			if (at < first)
				first = at;
		}
	}
	cJSON_Delete(o);
	return first;
}

/* A tumbling window's returned state, kept for the window's next invocation. */
static void keep_state(struct worker *w, const char *body)
{
	cJSON *o = body ? cJSON_Parse(body) : NULL;
	cJSON *st = cJSON_IsObject(o) ? cJSON_DetachItemFromObjectCaseSensitive(o, "state") : NULL;
	if (cJSON_IsObject(st)) {
		cJSON_Delete(w->state);
		w->state = st;
	} else {
		cJSON_Delete(st);
	}
	cJSON_Delete(o);
}

/*
 * An S3 on-failure destination: the record, with the batch's event as its payload, as an
 * object aws/lambda/UUID/SHARD/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-RANDOM-UUID of the bucket.
 */
static bool give_up_to_s3(struct esm_stream *s, struct worker *w, cJSON *record, struct rec **recs,
			  size_t n, struct aws_err *err)
{
	char *event = batch_event(w, recs, n, false);
	cJSON *payload = cJSON_Parse(event);
	free(event);
	cJSON_AddItemToObject(record, "payload", payload ? payload : cJSON_CreateObject());
	char *text = cJSON_PrintUnformatted(record);
	char iso[32], id[37];
	aws_time_iso(now_ms(s), iso); /* YYYY-MM-DDTHH:MM:SS.mmmZ */
	aws_uuid(id);
	char *key =
		xasprintf("aws/lambda/%s/%s/%.4s/%.2s/%.2s/%.10sT%.2s.%.2s.%.2s-%s", s->uuid,
			  w->shard, iso, iso + 5, iso + 8, iso, iso + 11, iso + 14, iso + 17, id);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Bucket", s->cfg.on_failure + strlen("arn:aws:s3:::"));
	cJSON_AddStringToObject(in, "Key", key);
	char *b64 = aws_base64_encode(text, strlen(text));
	cJSON_AddStringToObject(in, "Body", b64);
	cJSON_AddStringToObject(in, "ContentType", "application/json");
	struct svc_caller by;
	svc_caller_for_account(&by, s->account);
	cJSON *out = svc_call_internal(s->c, &by, "s3", "PutObject", in, err);
	bool ok = out != NULL;
	cJSON_Delete(out);
	cJSON_Delete(in);
	free(b64);
	free(key);
	free(text);
	return ok;
}

/* Send the invocation record of a batch given up on to the OnFailure destination. */
static void give_up(struct worker *w, struct rec **recs, size_t n, const char *condition,
		    const struct outcome *last, int invokes)
{
	struct esm_stream *s = w->s;
	if (!s->cfg.on_failure[0] || n == 0)
		return;
	cJSON *o = cJSON_CreateObject(), *rc = cJSON_AddObjectToObject(o, "requestContext");
	char fn[300], iso[32];
	snprintf(fn, sizeof(fn), "arn:aws:lambda:%s:%s:function:%s", AWS_REGION_NAME, s->account,
		 s->function);
	char rid[37];
	aws_uuid(rid);
	cJSON_AddStringToObject(rc, "requestId", last && last->ran ? last->request_id : rid);
	cJSON_AddStringToObject(rc, "functionArn", fn);
	cJSON_AddStringToObject(rc, "condition", condition);
	cJSON_AddNumberToObject(rc, "approximateInvokeCount", invokes);
	if (last && last->ran) {
		cJSON *resp = cJSON_AddObjectToObject(o, "responseContext");
		cJSON_AddNumberToObject(resp, "statusCode", last->status);
		cJSON_AddStringToObject(resp, "executedVersion", "$LATEST");
		if (last->function_error)
			cJSON_AddStringToObject(resp, "functionError", "Unhandled");
	}
	cJSON_AddStringToObject(o, "version", "1.0");
	aws_time_iso(now_ms(s), iso);
	cJSON_AddStringToObject(o, "timestamp", iso);
	cJSON *bi = cJSON_AddObjectToObject(o, s->ddb ? "DDBStreamBatchInfo" : "KinesisBatchInfo");
	cJSON_AddStringToObject(bi, "shardId", w->shard);
	cJSON_AddStringToObject(bi, "startSequenceNumber", recs[0]->seq);
	cJSON_AddStringToObject(bi, "endSequenceNumber", recs[n - 1]->seq);
	char a[32], b[32];
	aws_time_iso(recs[0]->arrival_ms, a);
	aws_time_iso(recs[n - 1]->arrival_ms, b);
	if (s->ddb) {
		/* DynamoDB's arrival times are whole seconds. */
		a[19] = 'Z', a[20] = '\0';
		b[19] = 'Z', b[20] = '\0';
	}
	cJSON_AddStringToObject(bi, "approximateArrivalOfFirstRecord", a);
	cJSON_AddStringToObject(bi, "approximateArrivalOfLastRecord", b);
	cJSON_AddNumberToObject(bi, "batchSize", (double)n);
	cJSON_AddStringToObject(bi, "streamArn", s->source);
	struct aws_err err = { 0 };
	if (str_starts_with(s->cfg.on_failure, "arn:aws:s3:::")) {
		if (!give_up_to_s3(s, w, o, recs, n, &err))
			fprintf(stderr, "lambda-tutor: esm: %s: cannot deliver to %s: %s\n",
				s->uuid, s->cfg.on_failure, err.message);
		cJSON_Delete(o);
		aws_err_release(&err);
		return;
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	struct svc_caller by;
	svc_caller_for_account(&by, s->account);
	struct deliver_msg m = { .payload = text, .len = strlen(text) };
	struct deliver_result r;
	if (deliver(s->c, &by, s->cfg.on_failure, &m, NULL, &r, &err))
		deliver_result_release(&r);
	else
		fprintf(stderr, "lambda-tutor: esm: %s: cannot deliver to %s: %s\n", s->uuid,
			s->cfg.on_failure, err.message);
	aws_err_release(&err);
	free(text);
}

/* Whether a record is older than MaximumRecordAgeInSeconds, or than its stream keeps it
 * (a day: DynamoDB Streams, and Kinesis by default) when the mapping sets no age. */
static bool too_old(const struct esm_stream *s, struct rec **recs, size_t n, int64_t now)
{
	int64_t limit = s->cfg.max_age >= 0 ? (int64_t)s->cfg.max_age * 1000 : s->retention_ms;
	for (size_t i = 0; i < n; i++)
		if (now - recs[i]->arrival_ms > limit)
			return true;
	return false;
}

/*
 * Process recs[0..n) until every record is done (succeeded, or given up on), retrying,
 * bisecting and checkpointing by the mapping's rules. Records are marked done as they are.
 */
static void process(struct worker *w, struct rec **recs, size_t n)
{
	struct esm_stream *s = w->s;
	int retries = 0, invokes = 0;
	int64_t backoff = 1000;
	struct outcome last = { 0 };
	while (n > 0 && running(s)) {
		if (too_old(s, recs, n, now_ms(s))) {
			give_up(w, recs, n, "RecordAgeExceeded", invokes ? &last : NULL, invokes);
			break;
		}
		char *event = batch_event(w, recs, n, false);
		outcome_release(&last);
		int64_t age = now_ms(s) - recs[n - 1]->arrival_ms;
		pthread_mutex_lock(&s->mu);
		s->iterator_age = age;
		pthread_mutex_unlock(&s->mu);
		/* Per function, and per version or alias when the mapping names one. */
		char name[65];
		size_t nl = strcspn(s->function, ":");
		snprintf(name, sizeof(name), "%.*s", (int)(nl < 64 ? nl : 64), s->function);
		lambda_metric(s->c, s->account, name, s->function[nl] ? s->function + nl + 1 : NULL,
			      NULL, "IteratorAge", "Milliseconds", (double)age);
		invoke(s, event, &last);
		free(event);
		if (last.ran)
			invokes++;
		long upto = (long)n; /* records done by this invocation */
		if (last.ok) {
			if (s->cfg.tumbling)
				keep_state(w, last.body);
			if (s->report)
				upto = partial_failures(last.body, recs, n);
			if (upto < 0)
				upto = 0;
		} else {
			upto = 0;
		}
		for (long i = 0; i < upto; i++)
			recs[i]->done = true;
		set_result(s, last.ok && upto == (long)n ? "OK" : "PROBLEM: Function call failed");
		if (upto == (long)n)
			break;
		recs += upto;
		n -= (size_t)upto;
		if (!last.ran && last.status != 429) {
			/* The function is gone or the cloud stops: the shard waits for it. */
			backoff_wait(w, now_ms(s) + backoff);
			continue;
		}
		if (last.ran) {
			/* A batch that failed as a whole is split in two, each half retried on
			 * its own; splitting spends none of the retries. */
			if (s->cfg.bisect && !last.ok && n > 1) {
				size_t half = n / 2;
				process(w, recs, half);
				if (running(s))
					process(w, recs + half, n - half);
				outcome_release(&last);
				return;
			}
			retries++;
			if (s->cfg.max_retries >= 0 && retries > s->cfg.max_retries) {
				give_up(w, recs, n, "RetryAttemptsExhausted", &last, invokes);
				break;
			}
		}
		backoff_wait(w, now_ms(s) + backoff);
		if (backoff < BACKOFF_MAX_MS)
			backoff *= 2;
	}
	for (size_t i = 0; i < n && running(s); i++)
		recs[i]->done = true;
	outcome_release(&last);
}

struct lane_job {
	struct worker *w;
	struct rec **recs;
	size_t n;
	pthread_t thread;
};

static void *lane_main(void *arg)
{
	struct lane_job *j = arg;
	process(j->w, j->recs, j->n);
	return NULL;
}

static uint32_t lane_of(const char *key, int lanes)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h % (uint32_t)lanes;
}

/* Drop finished records from the buffer's front, and checkpoint after the last of them. */
static void advance(struct worker *w)
{
	size_t k = 0;
	while (k < w->nbuf && w->buf[k]->done)
		k++;
	if (k == 0)
		return;
	/* The runs' logs are on disk before their records are passed for good: a kill re-reads
	 * what it interrupted, never leaving a run with no trace. */
	logs_sync(w->s->c->logs);
	checkpoint_save(w->s, w->shard, w->buf[k - 1]->seq);
	for (size_t i = 0; i < k; i++)
		rec_free(w->buf[i]);
	memmove(w->buf, w->buf + k, (w->nbuf - k) * sizeof(*w->buf));
	w->nbuf -= k;
}

/* The window a record's arrival falls in. */
static int64_t window_of(const struct esm_stream *s, int64_t arrival)
{
	int64_t len = (int64_t)s->cfg.tumbling * 1000;
	return arrival - ((arrival % len) + len) % len;
}

/* One round: each lane's next batch, invoked at once. False when there was nothing to do. */
static bool round_once(struct worker *w, const cJSON *filters)
{
	struct esm_stream *s = w->s;
	int lanes = s->cfg.tumbling ? 1 : s->cfg.parallelization;
	/* Filtered-out records are done without an invocation. */
	for (size_t i = 0; i < w->nbuf; i++)
		if (!w->buf[i]->done && !record_passes(s, filters, w->buf[i]))
			w->buf[i]->done = true;
	advance(w);
	if (w->nbuf == 0)
		return false;
	struct lane_job jobs[LANES_MAX];
	memset(jobs, 0, sizeof(jobs));
	int64_t win = s->cfg.tumbling ? window_of(s, w->buf[0]->arrival_ms) : 0;
	if (s->cfg.tumbling && win != w->window_start) {
		set_window(w, win);
		cJSON_Delete(w->state);
		w->state = NULL;
	}
	for (size_t i = 0; i < w->nbuf; i++) {
		struct rec *r = w->buf[i];
		if (r->done)
			continue;
		if (s->cfg.tumbling && window_of(s, r->arrival_ms) != win)
			break;
		struct lane_job *j = &jobs[lane_of(r->key, lanes)];
		size_t bytes = 0;
		for (size_t k = 0; k < j->n; k++)
			bytes += j->recs[k]->bytes;
		if (j->n >= (size_t)s->batch || bytes + r->bytes > PAYLOAD_MAX)
			continue;
		j->recs = xreallocarray(j->recs, j->n + 1, sizeof(*j->recs));
		j->recs[j->n++] = r;
	}
	int started = 0, busy_lanes = 0;
	for (int l = 0; l < lanes; l++)
		busy_lanes += jobs[l].n > 0;
	pthread_mutex_lock(&s->mu);
	w->in_round = true;
	w->work = busy_lanes;
	pthread_mutex_unlock(&s->mu);
	for (int l = 0; l < lanes; l++) {
		if (!jobs[l].n)
			continue;
		jobs[l].w = w;
		if (lanes > 1 && pthread_create(&jobs[l].thread, NULL, lane_main, &jobs[l]) == 0) {
			started |= 1 << l;
		} else {
			process(w, jobs[l].recs, jobs[l].n);
		}
	}
	for (int l = 0; l < lanes; l++) {
		if (started & (1 << l))
			pthread_join(jobs[l].thread, NULL);
		free(jobs[l].recs);
	}
	pthread_mutex_lock(&s->mu);
	w->in_round = false;
	w->work = 0;
	w->idle_from = 0;
	pthread_mutex_unlock(&s->mu);
	advance(w);
	return true;
}

/*
 * A tumbling window gets its final invocation once its end has passed and every record of
 * it is done: the shard has been read to its end (caught_up), or past the window.
 */
static void close_window(struct worker *w, bool caught_up)
{
	struct esm_stream *s = w->s;
	if (!s->cfg.tumbling || !w->window_start)
		return;
	int64_t end = w->window_start + (int64_t)s->cfg.tumbling * 1000;
	if (now_ms(s) < end)
		return;
	bool past = false;
	for (size_t i = 0; i < w->nbuf; i++) {
		if (w->buf[i]->done)
			continue;
		if (w->buf[i]->arrival_ms < end)
			return;
		past = true;
	}
	if (!caught_up && !past)
		return;
	char *event = batch_event(w, NULL, 0, true);
	struct outcome o;
	invoke(s, event, &o);
	free(event);
	outcome_release(&o);
	set_window(w, 0);
	cJSON_Delete(w->state);
	w->state = NULL;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct esm_stream *s = w->s;
	cJSON *filters = s->cfg.filters ? cJSON_Parse(s->cfg.filters) : NULL;
	while (running(s)) {
		int64_t first_seen = 0;
		/* Fill a batch, waiting at most the batching window for it to fill. */
		while (running(s) && w->nbuf < (size_t)s->batch) {
			int64_t looked = clock_mono_ms();
			bool got = read_more(w, s->batch - (int)w->nbuf);
			/* Idle from when a read found nothing new and nothing is left to do. */
			set_idle(w,
				 !got && w->nbuf == 0 && (w->iterator || w->closed) ? looked : 0);
			if (w->nbuf && !first_seen)
				first_seen = now_ms(s);
			if (got)
				continue;
			if (w->nbuf == 0) {
				close_window(w, true);
				/* Woken by the clock reaching the window's end as well. */
				int64_t due = now_ms(s) + IDLE_WAIT_MS;
				if (w->window_start)
					due = w->window_start + (int64_t)s->cfg.tumbling * 1000;
				wait_until(s, due, IDLE_WAIT_MS);
				continue;
			}
			if (!s->window || now_ms(s) - first_seen >= (int64_t)s->window * 1000)
				break;
			wait_until(s, now_ms(s) + IDLE_WAIT_MS, IDLE_WAIT_MS);
		}
		if (!running(s))
			break;
		round_once(w, filters);
		close_window(w, false);
	}
	cJSON_Delete(filters);
	return NULL;
}

/* The stream's shards: DescribeStream (DynamoDB Streams) or ListShards (Kinesis). */
static bool list_shards(struct esm_stream *s, struct vec *out)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, s->ddb ? "StreamArn" : "StreamARN", s->source);
	struct aws_err err = { 0 };
	cJSON *o = source_call(s->c, s->account, s->source,
			       s->ddb ? "DescribeStream" : "ListShards", in, &err);
	cJSON_Delete(in);
	aws_err_release(&err);
	if (!o)
		return false;
	const cJSON *shards =
		s->ddb ? cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(o, "StreamDescription"), "Shards")
		       : cJSON_GetObjectItemCaseSensitive(o, "Shards");
	const cJSON *sh;
	cJSON_ArrayForEach(sh, shards)
	{
		const char *id =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sh, "ShardId"));
		if (id)
			vec_push(out, xstrdup(id));
	}
	cJSON_Delete(o);
	return true;
}

struct esm_stream *esm_stream_start(struct cloud *c, const struct esm_stream_spec *spec)
{
	struct esm_stream *s = xcalloc(1, sizeof(*s));
	s->c = c;
	snprintf(s->uuid, sizeof(s->uuid), "%s", spec->uuid);
	snprintf(s->account, sizeof(s->account), "%s", spec->account);
	snprintf(s->function, sizeof(s->function), "%s", spec->function);
	snprintf(s->source, sizeof(s->source), "%s", spec->source);
	s->batch = spec->batch;
	s->window = spec->window;
	s->report = spec->report;
	s->ddb = is_ddb(spec->source);
	esm_stream_cfg_copy(&s->cfg, spec->cfg);
	snprintf(s->last_result, sizeof(s->last_result), "No records processed");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_mutex_lock(&c->mu);
	char qualifier[129];
	struct lfunc *fn = lambda_fn_target(c, s->account, s->function, qualifier);
	snprintf(s->role, sizeof(s->role), "%s", fn && fn->role ? fn->role : "");
	pthread_mutex_unlock(&c->mu);
	s->retention_ms = 24LL * 3600 * 1000;
	if (!s->ddb) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "StreamARN", s->source);
		struct aws_err err = { 0 };
		cJSON *o = source_call(c, s->account, s->source, "DescribeStreamSummary", in, &err);
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(o, "StreamDescriptionSummary"),
			"RetentionPeriodHours");
		if (cJSON_IsNumber(h))
			s->retention_ms = (int64_t)h->valuedouble * 3600 * 1000;
		cJSON_Delete(in);
		cJSON_Delete(o);
		aws_err_release(&err);
	}
	struct vec shards = VEC_INIT;
	list_shards(s, &shards);
	vec_for_each (&shards, i) {
		struct worker *w = xcalloc(1, sizeof(*w));
		w->s = s;
		snprintf(w->shard, sizeof(w->shard), "%s", (const char *)shards.items[i]);
		s->workers = xreallocarray(s->workers, s->nworkers + 1, sizeof(*s->workers));
		s->workers[s->nworkers++] = w;
		w->started = pthread_create(&w->thread, NULL, worker_main, w) == 0;
	}
	vec_release_with(&shards, free);
	return s;
}

void esm_stream_stop(struct esm_stream *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	vclock_kick(s->c->vclock);
	for (size_t i = 0; i < s->nworkers; i++) {
		struct worker *w = s->workers[i];
		if (w->started)
			pthread_join(w->thread, NULL);
		for (size_t k = 0; k < w->nbuf; k++)
			rec_free(w->buf[k]);
		free(w->buf);
		free(w->iterator);
		cJSON_Delete(w->state);
		free(w);
	}
	free(s->workers);
	free(s->dues);
	esm_stream_cfg_release(&s->cfg);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
