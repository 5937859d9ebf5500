/*
 * Event source mappings (SQS -> Lambda). Each enabled mapping runs ESM_POLLERS poller
 * threads; a poller receives a batch, invokes the function synchronously with AWS's SQS
 * event, and deletes the messages that succeeded. Messages it does not delete come back after
 * the queue's visibility timeout, and the queue's redrive policy takes them to its DLQ.
 */
#include "cloud/esm/esm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/esm/filter.h"
#include "cloud/esm/stream.h"
#include "cloud/http/aws.h"
#include "cloud/iam/iam.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/versions.h"
#include "cloud/logs/logs.h"
#include "cloud/query/query.h"
#include "cloud/sqs/sqs.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/deliver.h"
#include "cloud/svc/svc.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define ESM_POLLERS 3

struct mapping {
	struct cloud *c;
	char uuid[37];
	char account[13];
	char function[200]; /* NAME, or NAME:QUALIFIER (a version or an alias) */
	char source[256];
	int batch, window;
	bool enabled, report;
	char *filters; /* an SQS mapping's FilterCriteria as JSON text, or NULL */
	double modified;
	char state[16]; /* shown until the next read: Creating, Updating, Deleting */
	pthread_t threads[ESM_POLLERS];
	int nthreads;
	bool stop;
	int busy; /* pollers between taking a batch and finishing with it (s->mu) */
	/* An SQS mapping's ScalingConfig: at most max_conc of its invocations at once (0: as
	 * many as it has pollers); inflight pollers hold a slot, from before their receive until
	 * their invocation ends (s->mu). */
	int max_conc, inflight;
	/* A DynamoDB or Kinesis stream (esm/stream.c): its settings, its running workers. */
	bool stream;
	struct esm_stream_cfg scfg;
	struct esm_stream *workers;
	/* An SQS mapping's LastProcessingResult while its role may not poll the queue (s->mu):
	 * "PROBLEM: ...", else "". */
	char problem[ESM_RESULT_MAX];
};

struct esm_svc {
	pthread_mutex_t mu; /* the mappings and their fields */
	struct vec mappings;
	bool stopping;
};

static void save(struct cloud *c, const struct mapping *m)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT OR REPLACE INTO esm(uuid, account, function, source,"
			       " batch, window, enabled, report, modified)"
			       " VALUES(?,?,?,?,?,?,?,?,?)");
	if (st) {
		sqlite3_bind_text(st, 1, m->uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, m->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, m->function, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, m->source, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, m->batch);
		sqlite3_bind_int(st, 6, m->window);
		sqlite3_bind_int(st, 7, m->enabled);
		sqlite3_bind_int(st, 8, m->report);
		sqlite3_bind_double(st, 9, m->modified);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	st = db_prep(c->db,
		     m->filters ? "INSERT OR REPLACE INTO esm_filters(uuid, criteria) VALUES (?, ?)"
				: "DELETE FROM esm_filters WHERE uuid = ?");
	if (st) {
		sqlite3_bind_text(st, 1, m->uuid, -1, SQLITE_STATIC);
		if (m->filters)
			sqlite3_bind_text(st, 2, m->filters, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	st = db_prep(c->db, m->max_conc ? "INSERT OR REPLACE INTO esm_scaling(uuid, maximum)"
					  " VALUES (?, ?)"
					: "DELETE FROM esm_scaling WHERE uuid = ?");
	if (st) {
		sqlite3_bind_text(st, 1, m->uuid, -1, SQLITE_STATIC);
		if (m->max_conc)
			sqlite3_bind_int(st, 2, m->max_conc);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (m->stream) {
		char *cfg = esm_stream_cfg_save(&m->scfg);
		st = db_prep(c->db,
			     "INSERT OR REPLACE INTO esm_streams(uuid, config) VALUES (?, ?)");
		if (st) {
			sqlite3_bind_text(st, 1, m->uuid, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, cfg, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
		free(cfg);
	}
	pthread_mutex_unlock(&c->db->mu);
}

static void forget(struct cloud *c, const char *uuid)
{
	pthread_mutex_lock(&c->db->mu);
	static const char *const sqls[] = { "DELETE FROM esm WHERE uuid=?",
					    "DELETE FROM esm_filters WHERE uuid=?",
					    "DELETE FROM esm_scaling WHERE uuid=?" };
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		if (st) {
			sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

/* The SQS event's record of a message (as ReceiveMessage answers it). */
static cJSON *sqs_record(const struct mapping *m, const cJSON *msg)
{
	static const char *const sys[] = { "ApproximateReceiveCount", "SentTimestamp", "SenderId",
					   "ApproximateFirstReceiveTimestamp" };
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "messageId", query_str(msg, "MessageId"));
	cJSON_AddStringToObject(r, "receiptHandle", query_str(msg, "ReceiptHandle"));
	cJSON_AddStringToObject(r, "body", query_str(msg, "Body"));
	cJSON *a = cJSON_AddObjectToObject(r, "attributes");
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(msg, "Attributes");
	for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		const char *v = query_str(attrs, sys[i]);
		cJSON_AddStringToObject(a, sys[i], v ? v : "");
	}
	/* A FIFO queue's messages carry their group, deduplication id and sequence number; a
	 * message sent in an X-Ray trace, its trace header. */
	static const char *const fifo[] = { "SequenceNumber", "MessageGroupId",
					    "MessageDeduplicationId", "AWSTraceHeader" };
	for (size_t i = 0; i < sizeof(fifo) / sizeof(fifo[0]); i++) {
		const char *v = query_str(attrs, fifo[i]);
		if (v)
			cJSON_AddStringToObject(a, fifo[i], v);
	}
	cJSON *ma = cJSON_AddObjectToObject(r, "messageAttributes");
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(msg, "MessageAttributes"))
	{
		cJSON *v = cJSON_AddObjectToObject(ma, it->string);
		const char *sv = query_str(it, "StringValue");
		const char *bv = query_str(it, "BinaryValue");
		if (sv)
			cJSON_AddStringToObject(v, "stringValue", sv);
		if (bv)
			cJSON_AddStringToObject(v, "binaryValue", bv);
		cJSON_AddArrayToObject(v, "stringListValues");
		cJSON_AddArrayToObject(v, "binaryListValues");
		const char *t = query_str(it, "DataType");
		cJSON_AddStringToObject(v, "dataType", t ? t : "String");
	}
	cJSON_AddStringToObject(r, "md5OfBody", query_str(msg, "MD5OfBody"));
	cJSON_AddStringToObject(r, "eventSource", "aws:sqs");
	cJSON_AddStringToObject(r, "eventSourceARN", m->source);
	cJSON_AddStringToObject(r, "awsRegion", AWS_REGION_NAME);
	return r;
}

/* The SQS event for a batch (messages as ReceiveMessage answers them). Caller frees. */
static char *sqs_event(const struct mapping *m, const cJSON *msgs)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *recs = cJSON_AddArrayToObject(o, "Records");
	const cJSON *msg;
	cJSON_ArrayForEach(msg, msgs) cJSON_AddItemToArray(recs, sqs_record(m, msg));
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/*
 * Which messages failed, by ReportBatchItemFailures' rules. Sets failed[i] for each; returns
 * false when the whole batch failed.
 */
static bool partial_failures(const char *body, const cJSON *msgs, bool *failed)
{
	if (!body || !body[0])
		return true;
	cJSON *o = cJSON_Parse(body);
	if (!o)
		return false;
	bool ok = true;
	const cJSON *list =
		cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, "batchItemFailures") : NULL;
	if (list && !cJSON_IsNull(list)) {
		if (!cJSON_IsArray(list))
			ok = false;
		const cJSON *it;
		cJSON_ArrayForEach(it, list)
		{
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier");
			if (!cJSON_IsString(id) || !id->valuestring[0]) {
				ok = false;
				break;
			}
			bool known = false;
			size_t i = 0;
			const cJSON *msg;
			cJSON_ArrayForEach(msg, msgs)
			{
				const char *mid = query_str(msg, "MessageId");
				if (mid && strcmp(mid, id->valuestring) == 0) {
					failed[i] = true;
					known = true;
				}
				i++;
			}
			if (!known) {
				ok = false;
				break;
			}
		}
	}
	cJSON_Delete(o);
	return ok;
}

/* The mapping's queue: its owner (a caller in that account) and its URL (n bytes). */
static bool queue_of(struct cloud *c, const struct mapping *m, struct svc_caller *owner, char *url,
		     size_t n)
{
	char account[13], name[81];
	if (!arn_sqs_queue(m->source, account, name, sizeof(name)))
		return false;
	svc_caller_for_account(owner, account);
	snprintf(url, n, "%s/%s/%s", c->endpoint, account, name);
	return true;
}

/* Whether the queue exists, as its own service answers (GetQueueAttributes). */
static bool queue_exists(struct cloud *c, const char *account, const char *arn)
{
	struct svc_caller by;
	svc_caller_for_account(&by, account);
	struct aws_err err = { 0 };
	bool ok = deliver_check(c, &by, arn, &err);
	aws_err_release(&err);
	return ok;
}

static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/*
 * Receive up to max messages from the mapping's queue into msgs (an array), through SQS's own
 * ReceiveMessage, waiting up to wait seconds (a long poll) when there is none. Returns the
 * number received, or -1 when the queue is gone.
 */
static int receive(struct cloud *c, const struct mapping *m, int max, int wait, cJSON *msgs)
{
	struct svc_caller owner;
	char url[300];
	if (!queue_of(c, m, &owner, url, sizeof(url)))
		return -1;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "QueueUrl", url);
	cJSON_AddNumberToObject(in, "MaxNumberOfMessages", max);
	cJSON_AddNumberToObject(in, "WaitTimeSeconds", wait);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "AttributeNames"),
			     cJSON_CreateString("All"));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "MessageAttributeNames"),
			     cJSON_CreateString("All"));
	struct aws_err err = { 0 };
	cJSON *out = svc_call_internal(c, &owner, "sqs", "ReceiveMessage", in, &err);
	cJSON_Delete(in);
	aws_err_release(&err);
	if (!out)
		return -1;
	int n = 0;
	cJSON *got = cJSON_GetObjectItemCaseSensitive(out, "Messages");
	while (got && got->child) {
		cJSON_AddItemToArray(msgs, cJSON_DetachItemViaPointer(got, got->child));
		n++;
	}
	cJSON_Delete(out);
	return n;
}

/* Delete the messages that succeeded, ten at a time (DeleteMessageBatch's limit). */
static void delete_receipts(struct cloud *c, const struct mapping *m, const char *const *receipts,
			    size_t n)
{
	struct svc_caller owner;
	char url[300];
	if (!queue_of(c, m, &owner, url, sizeof(url)))
		return;
	for (size_t from = 0; from < n; from += 10) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "QueueUrl", url);
		cJSON *entries = cJSON_AddArrayToObject(in, "Entries");
		for (size_t i = from; i < n && i < from + 10; i++) {
			cJSON *e = cJSON_CreateObject();
			char id[24];
			snprintf(id, sizeof(id), "m%zu", i);
			cJSON_AddStringToObject(e, "Id", id);
			cJSON_AddStringToObject(e, "ReceiptHandle", receipts[i]);
			cJSON_AddItemToArray(entries, e);
		}
		struct aws_err err = { 0 };
		cJSON_Delete(svc_call_internal(c, &owner, "sqs", "DeleteMessageBatch", in, &err));
		aws_err_release(&err);
		cJSON_Delete(in);
	}
}

static void set_busy(struct mapping *m, int delta)
{
	struct esm_svc *s = m->c->esm;
	pthread_mutex_lock(&s->mu);
	m->busy += delta;
	pthread_mutex_unlock(&s->mu);
}

/*
 * Messages a batch has finished with, waiting to be deleted until the logs of its run are on
 * disk: a kill before then brings them back after their visibility timeout, to run again (at
 * least once), never leaving a run with no trace. The housekeeper's flush writes the logs
 * within 200 ms, so the poller goes on to the next batch at once.
 */
struct done_batch {
	unsigned long long mark; /* logs_mark() when the run ended */
	char **receipts;
	size_t n;
};

static void done_free(struct done_batch *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->receipts[i]);
	free(d->receipts);
	free(d);
}

/* Delete the finished batches whose logs are written (all of them when force). */
static void delete_done(struct cloud *c, struct mapping *m, struct vec *done, bool force)
{
	if (force && done->len)
		logs_sync(c->logs);
	size_t kept = 0;
	vec_for_each (done, i) {
		struct done_batch *d = done->items[i];
		if (!force && !logs_written(c->logs, d->mark)) {
			done->items[kept++] = d;
			continue;
		}
		delete_receipts(c, m, (const char *const *)d->receipts, d->n);
		done_free(d);
		set_busy(m, -1);
	}
	done->len = kept;
}

/* Give back the poller's slot among the mapping's MaximumConcurrency. */
static void release_slot(struct mapping *m)
{
	struct esm_svc *s = m->c->esm;
	pthread_mutex_lock(&s->mu);
	m->inflight--;
	pthread_mutex_unlock(&s->mu);
}

static bool running(struct mapping *m)
{
	struct esm_svc *s = m->c->esm;
	pthread_mutex_lock(&s->mu);
	bool r = !m->stop && !s->stopping;
	pthread_mutex_unlock(&s->mu);
	return r;
}

/* Invoke the function (or the version or alias it names) with the batch, counted among the
 * cloud's attempts so shutdown waits for it. */
static bool invoke(struct cloud *c, struct mapping *m, const char *event,
		   const struct lambda_via *via, struct lambda_outcome *r)
{
	char qualifier[129] = "";
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn =
		c->stopping ? NULL : lambda_fn_target(c, m->account, m->function, qualifier);
	if (fn) {
		lambda_fn_ref(fn);
		c->async_running++;
	}
	pthread_mutex_unlock(&c->mu);
	if (!fn)
		return false;
	lambda_invoke_internal_via(c, fn, qualifier, event, strlen(event), NULL, via, r);
	pthread_mutex_lock(&c->mu);
	lambda_fn_unref(fn);
	c->async_running--;
	pthread_cond_broadcast(&c->async_cond);
	pthread_mutex_unlock(&c->mu);
	return true;
}

/*
 * Drop the messages of msgs the mapping's FilterCriteria does not match, deleting them from
 * the queue as Lambda does; a body that is JSON is matched as such, any other as a string.
 * Returns how many are left (also in *have).
 */
static int filters_drop(struct cloud *c, struct mapping *m, cJSON *msgs, int *have)
{
	pthread_mutex_lock(&c->esm->mu);
	cJSON *fc = m->filters ? cJSON_Parse(m->filters) : NULL;
	pthread_mutex_unlock(&c->esm->mu);
	if (!fc)
		return *have;
	const char **drop = xcalloc((size_t)cJSON_GetArraySize(msgs) + 1, sizeof(char *));
	size_t ndrop = 0;
	cJSON *dropped = cJSON_CreateArray();
	cJSON *msg = msgs->child;
	while (msg) {
		cJSON *next = msg->next;
		cJSON *doc = sqs_record(m, msg);
		const char *body = query_str(msg, "Body");
		cJSON *parsed = body ? cJSON_Parse(body) : NULL;
		if (cJSON_IsObject(parsed) || cJSON_IsArray(parsed))
			cJSON_ReplaceItemInObjectCaseSensitive(doc, "body", parsed);
		else
			cJSON_Delete(parsed);
		if (!esm_filters_match(fc, doc)) {
			cJSON_AddItemToArray(dropped, cJSON_DetachItemViaPointer(msgs, msg));
			(*have)--;
		}
		cJSON_Delete(doc);
		msg = next;
	}
	cJSON_ArrayForEach(msg, dropped) drop[ndrop++] = query_str(msg, "ReceiptHandle");
	delete_receipts(c, m, drop, ndrop);
	free(drop);
	cJSON_Delete(dropped);
	cJSON_Delete(fc);
	return *have;
}

bool esm_pending(struct cloud *c, const char *account, int64_t since_mono, int64_t now_ms,
		 int64_t *next_ms)
{
	struct esm_svc *s = c->esm;
	*next_ms = 0;
	if (!s)
		return false;
	/* The sources are read outside s->mu: pollers take the database's lock under it. A
	 * stream's workers are asked under it: they are stopped only once out of the list. */
	struct vec sources = VEC_INIT;
	bool busy = false;
	pthread_mutex_lock(&s->mu);
	vec_for_each (&s->mappings, i) {
		struct mapping *m = s->mappings.items[i];
		if (strcmp(m->account, account) != 0 || !m->enabled)
			continue;
		busy = busy || m->busy > 0;
		if (!m->stream) {
			vec_push(&sources, xstrdup(m->source));
			continue;
		}
		int64_t next = 0;
		if (m->workers && esm_stream_pending(m->workers, since_mono, now_ms, &next))
			busy = true;
		if (next && (!*next_ms || next < *next_ms))
			*next_ms = next;
	}
	pthread_mutex_unlock(&s->mu);
	vec_for_each (&sources, i) {
		int64_t next = 0;
		if (!busy && sqs_pending(c, sources.items[i], now_ms, &next) > 0)
			busy = true;
		if (next && (!*next_ms || next < *next_ms))
			*next_ms = next;
	}
	vec_release_with(&sources, free);
	return busy;
}

static void *poller_main(void *arg)
{
	struct mapping *m = arg;
	struct cloud *c = m->c;
	struct esm_svc *s = c->esm;
	struct vec finished = VEC_INIT;
	struct esm_role_check role = { 0 };
	while (running(m)) {
		delete_done(c, m, &finished, false);
		/* Lambda polls with the function's execution role: not while it may not, and
		 * again once it may. */
		bool may = esm_role_check(c, m->account, m->function, m->source, &role);
		pthread_mutex_lock(&s->mu);
		snprintf(m->problem, sizeof(m->problem), "%s", may ? "" : role.problem);
		pthread_mutex_unlock(&s->mu);
		if (!may) {
			nap(100);
			continue;
		}
		pthread_mutex_lock(&s->mu);
		int batch = m->batch, window = m->window;
		bool report = m->report;
		/* A slot among the mapping's MaximumConcurrency before taking any message: a
		 * poller without one leaves the queue's messages to the others. */
		bool slot = !m->max_conc || m->inflight < m->max_conc;
		if (slot)
			m->inflight++;
		pthread_mutex_unlock(&s->mu);
		if (!slot) {
			nap(10);
			continue;
		}
		cJSON *msgs = cJSON_CreateArray();
		/* Busy from before the receive, so that settle never sees a batch in no place;
		 * so the receive does not wait, and an idle poller waits outside it. */
		set_busy(m, 1);
		int n = receive(c, m, batch > 10 ? 10 : batch, 0, msgs);
		if (n <= 0) {
			release_slot(m);
			cJSON_Delete(msgs);
			set_busy(m, -1);
			if (n < 0)
				/* The queue is gone; wait for it to come back or the mapping
				 * to go. */
				nap(500);
			else if (finished.len)
				/* The queue is empty but for batches waiting for their logs:
				 * write the logs now rather than at the next flush, and delete
				 * them, so that the queue empties once its work is done. */
				delete_done(c, m, &finished, true);
			else
				sqs_wait_activity(c, 1000);
			continue;
		}
		/* Gather up to the batch size within the batching window. */
		int64_t until = vclock_now_ms(c->vclock, m->account) + (int64_t)window * 1000;
		int have = n;
		while (have < batch && running(m)) {
			int want = batch - have;
			bool waiting = window > 0 && vclock_now_ms(c->vclock, m->account) < until;
			int got = receive(c, m, want > 10 ? 10 : want, waiting ? 1 : 0, msgs);
			if (got > 0)
				have += got;
			else if (!waiting)
				break;
		}
		if (filters_drop(c, m, msgs, &have) == 0) {
			release_slot(m);
			cJSON_Delete(msgs);
			set_busy(m, -1);
			continue;
		}
		char *event = sqs_event(m, msgs);
		struct lambda_outcome r = { 0 };
		/* The invocation continues the trace of the batch's first message, and links to
		 * every message's trace, as X-Ray's trace linking for SQS shows a batch. */
		const char **links = xcalloc((size_t)cJSON_GetArraySize(msgs) + 1, sizeof(*links));
		size_t nlinks = 0;
		const cJSON *each;
		cJSON_ArrayForEach(each, msgs)
		{
			const char *h =
				query_str(cJSON_GetObjectItemCaseSensitive(each, "Attributes"),
					  "AWSTraceHeader");
			if (h && h[0])
				links[nlinks++] = h;
		}
		const cJSON *first = cJSON_GetArrayItem(msgs, 0);
		struct lambda_via via = {
			.trace = query_str(cJSON_GetObjectItemCaseSensitive(first, "Attributes"),
					   "AWSTraceHeader"),
			.dwell_ms = -1,
			.links = links,
		};
		bool ran = invoke(c, m, event, &via, &r);
		release_slot(m);
		free(links);
		free(event);
		if (ran && r.status == 200 && !r.function_error) {
			bool *failed = xcalloc((size_t)have, sizeof(bool));
			bool whole = report && !partial_failures(r.body, msgs, failed);
			struct done_batch *d = xcalloc(1, sizeof(*d));
			d->mark = logs_mark(c->logs);
			d->receipts = xcalloc((size_t)have, sizeof(char *));
			size_t i = 0;
			const cJSON *msg;
			cJSON_ArrayForEach(msg, msgs)
			{
				if (!whole && !failed[i])
					d->receipts[d->n++] =
						xstrdup(query_str(msg, "ReceiptHandle"));
				i++;
			}
			/* Busy until deleted: settle must not take its messages, in flight, for
			 * work due only when their visibility timeout ends. */
			set_busy(m, 1);
			vec_push(&finished, d);
			free(failed);
		} else if (ran && r.status != 200) {
			/* Throttled or not run: the messages return after their timeout. */
			nap(100);
		}
		free(r.body);
		cJSON_Delete(msgs);
		set_busy(m, -1);
	}
	delete_done(c, m, &finished, true);
	vec_release(&finished);
	return NULL;
}

/* Start the pollers (s->mu held). */
static void start_pollers(struct mapping *m)
{
	m->stop = false;
	if (m->stream) {
		struct esm_stream_spec spec = { m->uuid,  m->account, m->function, m->source,
						m->batch, m->window,  m->report,   &m->scfg };
		if (!m->workers)
			m->workers = esm_stream_start(m->c, &spec);
		return;
	}
	while (m->nthreads < ESM_POLLERS) {
		if (pthread_create(&m->threads[m->nthreads], NULL, poller_main, m) != 0)
			break;
		m->nthreads++;
	}
}

/* Stop and join the pollers (s->mu not held). */
static void stop_pollers(struct esm_svc *s, struct mapping *m)
{
	pthread_mutex_lock(&s->mu);
	m->stop = true;
	struct esm_stream *workers = m->workers;
	m->workers = NULL;
	int n = m->nthreads;
	pthread_t threads[ESM_POLLERS];
	memcpy(threads, m->threads, sizeof(threads));
	m->nthreads = 0;
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	esm_stream_stop(workers);
}

static void fn_arn(const struct mapping *m, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:lambda:%s:%s:function:%s", AWS_REGION_NAME, m->account,
		 m->function);
}

/* The mapping as the API shows it (s->mu held). */
static cJSON *view(const struct mapping *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "UUID", m->uuid);
	cJSON_AddNumberToObject(o, "BatchSize", m->batch);
	cJSON_AddNumberToObject(o, "MaximumBatchingWindowInSeconds", m->window);
	cJSON_AddStringToObject(o, "EventSourceArn", m->source);
	char arn[300];
	fn_arn(m, arn, sizeof(arn));
	cJSON_AddStringToObject(o, "FunctionArn", arn);
	cJSON_AddNumberToObject(o, "LastModified", m->modified);
	cJSON_AddStringToObject(o, "State",
				m->state[0]  ? m->state
				: m->enabled ? "Enabled"
					     : "Disabled");
	cJSON_AddStringToObject(o, "StateTransitionReason", "USER_INITIATED");
	cJSON *types = cJSON_AddArrayToObject(o, "FunctionResponseTypes");
	if (m->report)
		cJSON_AddItemToArray(types, cJSON_CreateString("ReportBatchItemFailures"));
	if (m->filters) {
		cJSON *fc = cJSON_Parse(m->filters);
		if (fc)
			cJSON_AddItemToObject(o, "FilterCriteria", fc);
	}
	if (m->max_conc)
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "ScalingConfig"),
					"MaximumConcurrency", m->max_conc);
	if (!m->stream && m->problem[0])
		cJSON_AddStringToObject(o, "LastProcessingResult", m->problem);
	if (m->stream) {
		char result[ESM_RESULT_MAX] = "No records processed";
		if (m->workers)
			esm_stream_last_result(m->workers, result);
		cJSON_AddStringToObject(o, "LastProcessingResult", result);
		esm_stream_cfg_view(&m->scfg, o);
	}
	return o;
}

/*
 * A function reference (name, partial or full ARN, with a version or an alias or not) ->
 * account and target: NAME, or NAME:QUALIFIER ($LATEST is the function itself).
 */
static bool split_function(const char *ref, const char *account, char acct[13], char target[200])
{
	struct arn_function f;
	if (!arn_function_parse(ref, &f))
		return false;
	snprintf(acct, 13, "%s", f.account[0] ? f.account : account);
	if (f.qualifier[0] && strcmp(f.qualifier, "$LATEST") != 0)
		snprintf(target, 200, "%s:%s", f.name, f.qualifier);
	else
		snprintf(target, 200, "%s", f.name);
	return true;
}

/* Apply the settings in `in` to m (checked first); create says which defaults apply. */
static bool apply(struct cloud *c, const char *account, const cJSON *in, struct mapping *m,
		  bool create, struct api_err *e)
{
	const char *fname = query_str(in, "FunctionName");
	if (create && !fname)
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value null at 'functionName' "
				   "failed to satisfy constraint: Member must not be null");
	if (fname) {
		char acct[13], name[200];
		pthread_mutex_lock(&c->mu);
		bool found = split_function(fname, account, acct, name) &&
			     lambda_fn_target_exists(c, acct, name);
		pthread_mutex_unlock(&c->mu);
		if (!found)
			return api_err_set(e, 404, "ResourceNotFoundException",
					   "Function not found: arn:aws:lambda:%s:%s:function:%s",
					   AWS_REGION_NAME, account, fname);
		snprintf(m->account, sizeof(m->account), "%s", acct);
		snprintf(m->function, sizeof(m->function), "%s", name);
	}
	long long batch = m->batch, window = m->window;
	bool given = false;
	if (!query_int(in, "BatchSize", &batch, &given) || (given && (batch < 1 || batch > 10000)))
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value '%lld' at 'batchSize' "
				   "failed to satisfy constraint: Member must have value %s",
				   batch,
				   batch < 1 ? "greater than or equal to 1"
					     : "less than or equal to 10000");
	if (!query_int(in, "MaximumBatchingWindowInSeconds", &window, &given) ||
	    (given && (window < 0 || window > 300)))
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value '%lld' at "
				   "'maximumBatchingWindowInSeconds' failed to satisfy constraint: "
				   "Member must have value %s",
				   window,
				   window < 0 ? "greater than or equal to 0"
					      : "less than or equal to 300");
	const char *source = m->source[0] ? m->source : query_str(in, "EventSourceArn");
	if (!m->stream && window > 0 && source && str_ends_with(source, ".fifo"))
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "Batching window is not supported for FIFO queues");
	if (!m->stream && batch > 10 && window < 1)
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "Maximum batch window in seconds must be greater than 0 if "
				   "maximum batch size is greater than 10");
	const cJSON *types = cJSON_GetObjectItemCaseSensitive(in, "FunctionResponseTypes");
	bool report = m->report;
	if (types && !cJSON_IsNull(types)) {
		if (!cJSON_IsArray(types))
			return api_err_set(e, 400, "InvalidRequestContentException",
					   "FunctionResponseTypes must be a list");
		report = false;
		const cJSON *t;
		cJSON_ArrayForEach(t, types)
		{
			if (!cJSON_IsString(t) ||
			    strcmp(t->valuestring, "ReportBatchItemFailures") != 0)
				return api_err_set(
					e, 400, "ValidationException",
					"1 validation error detected: Value at "
					"'functionResponseTypes' failed to satisfy "
					"constraint: Member must satisfy enum value set: "
					"[ReportBatchItemFailures]");
			report = true;
		}
	}
	/* ScalingConfig: an SQS mapping's MaximumConcurrency (2 to 1000, the model's range);
	 * one without it removes the limit. */
	const cJSON *scaling = cJSON_GetObjectItemCaseSensitive(in, "ScalingConfig");
	int max_conc = m->max_conc;
	if (scaling && !cJSON_IsNull(scaling)) {
		if (m->stream)
			return api_err_set(e, 400, "InvalidParameterValueException",
					   "ScalingConfig is only supported for Amazon SQS event "
					   "sources.");
		const cJSON *mc = cJSON_GetObjectItemCaseSensitive(scaling, "MaximumConcurrency");
		max_conc = cJSON_IsNumber(mc) ? (int)mc->valuedouble : 0;
		if (max_conc && (max_conc < 2 || max_conc > 1000))
			return api_err_set(e, 400, "ValidationException",
					   "1 validation error detected: Value '%d' at "
					   "'scalingConfig.maximumConcurrency' failed to satisfy "
					   "constraint: Member must have value %s",
					   max_conc,
					   max_conc < 2 ? "greater than or equal to 2"
							: "less than or equal to 1000");
	}
	const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(in, "Enabled");
	if (enabled && !cJSON_IsBool(enabled) && !cJSON_IsNull(enabled))
		return api_err_set(e, 400, "InvalidRequestContentException",
				   "Enabled must be a boolean");
	/* A stream's FilterCriteria is among its own settings (esm/stream.c). */
	const cJSON *fc = m->stream ? NULL : cJSON_GetObjectItemCaseSensitive(in, "FilterCriteria");
	if (fc && !cJSON_IsNull(fc)) {
		const char *type;
		int status;
		const char *why = esm_filters_problem(fc, &type, &status);
		if (why)
			return api_err_set(e, status, type, "%s", why);
		/* m may be a copy sharing the mapping's text: the caller frees the one dropped. */
		m->filters = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fc, "Filters"))
				     ? cJSON_PrintUnformatted(fc)
				     : NULL;
	}
	m->batch = (int)batch;
	m->window = (int)window;
	m->report = report;
	m->max_conc = max_conc;
	if (cJSON_IsBool(enabled))
		m->enabled = cJSON_IsTrue(enabled);
	m->modified = (double)vclock_now_ms(c->vclock, m->account) / 1000.0;
	return true;
}

static struct mapping *find(struct esm_svc *s, const char *account, const char *uuid)
{
	vec_for_each (&s->mappings, i) {
		struct mapping *m = s->mappings.items[i];
		if (strcmp(m->uuid, uuid) == 0 && strcmp(m->account, account) == 0)
			return m;
	}
	return NULL;
}

/* Whether fname (NULL: not given, so not missing) names an existing function. */
static bool function_exists(struct cloud *c, const char *account, const char *fname)
{
	if (!fname)
		return true;
	char acct[13], name[200];
	pthread_mutex_lock(&c->mu);
	bool found = split_function(fname, account, acct, name) &&
		     lambda_fn_target_exists(c, acct, name);
	pthread_mutex_unlock(&c->mu);
	return found;
}

/*
 * Lambda polls a source with the function's execution role: the first action of those it polls
 * with (static) that the role may not perform, or NULL when it may do all (or the function
 * has no role of its own).
 */
static const char *role_missing(struct cloud *c, const char *account, const char *fname,
				const char *source)
{
	char acct[13], name[200];
	if (!fname || !split_function(fname, account, acct, name))
		return NULL;
	/* A version's or an alias's mapping polls with the function's role. */
	char *colon = strchr(name, ':');
	if (colon)
		*colon = '\0';
	pthread_mutex_lock(&c->mu);
	const struct lfunc *fn = lambda_fn_find(c, acct, name);
	char *role = fn && fn->role ? xstrdup(fn->role) : NULL;
	pthread_mutex_unlock(&c->mu);
	if (!role)
		return NULL;
	static const char *const sqs[] = { "ReceiveMessage", "DeleteMessage", "GetQueueAttributes",
					   NULL };
	static const char *const kinesis[] = { "GetRecords", "GetShardIterator", "DescribeStream",
					       "ListShards", NULL };
	static const char *const ddb[] = { "GetRecords", "GetShardIterator", "DescribeStream",
					   "ListStreams", NULL };
	bool is_sqs = str_starts_with(source, "arn:aws:sqs:");
	bool is_kinesis = str_starts_with(source, "arn:aws:kinesis:");
	const char *const *need = is_sqs ? sqs : is_kinesis ? kinesis : ddb;
	const char *prefix = is_sqs ? "sqs" : is_kinesis ? "kinesis" : "dynamodb";
	const char *missing = NULL;
	for (size_t i = 0; need[i] && !missing; i++) {
		char action[64];
		snprintf(action, sizeof(action), "%s:%s", prefix, need[i]);
		if (!iam_role_may(c, acct, role, name, action, source))
			missing = need[i];
	}
	free(role);
	return missing;
}

/* Lambda's words for a role that cannot read source (missing: the action it lacks). */
static void role_problem(const char *source, const char *missing, char *out, size_t n)
{
	if (str_starts_with(source, "arn:aws:sqs:"))
		snprintf(out, n,
			 "The provided execution role does not have permissions to call %s on SQS",
			 missing);
	else
		snprintf(out, n,
			 "Cannot access stream %s. Please ensure the role can perform the "
			 "GetRecords, GetShardIterator, DescribeStream, and %s Actions on your "
			 "stream in IAM.",
			 source,
			 str_starts_with(source, "arn:aws:kinesis:") ? "ListShards"
								     : "ListStreams");
}

/* A role that cannot read the source is refused when the mapping is made. */
static bool role_reads(struct cloud *c, const char *account, const char *fname, const char *source,
		       struct api_err *e)
{
	const char *missing = role_missing(c, account, fname, source);
	if (!missing)
		return true;
	char msg[512];
	role_problem(source, missing, msg, sizeof(msg));
	return api_err_set(e, 400, "InvalidParameterValueException", "%s", msg);
}

bool esm_role_check(struct cloud *c, const char *account, const char *function, const char *source,
		    struct esm_role_check *chk)
{
	unsigned gen = iam_generation();
	char role[sizeof(chk->role)] = "", acct[13], name[200];
	if (split_function(function, account, acct, name)) {
		char *colon = strchr(name, ':');
		if (colon)
			*colon = '\0';
		pthread_mutex_lock(&c->mu);
		const struct lfunc *fn = lambda_fn_find(c, acct, name);
		snprintf(role, sizeof(role), "%s", fn && fn->role ? fn->role : "");
		pthread_mutex_unlock(&c->mu);
	}
	if (chk->done && chk->gen == gen && strcmp(chk->role, role) == 0)
		return !chk->problem[0];
	const char *missing = role_missing(c, account, function, source);
	chk->problem[0] = '\0';
	if (missing) {
		char msg[sizeof(chk->problem) - 10];
		role_problem(source, missing, msg, sizeof(msg));
		snprintf(chk->problem, sizeof(chk->problem), "PROBLEM: %s", msg);
	}
	chk->done = true;
	chk->gen = gen;
	snprintf(chk->role, sizeof(chk->role), "%s", role);
	return !missing;
}

/* CreateEventSourceMapping: the new mapping as the API shows it, or NULL with e. */
static cJSON *create_mapping(struct cloud *c, const char *account, const cJSON *in,
			     struct api_err *e_out)
{
	struct esm_svc *s = c->esm;
	struct api_err e = { 0 };
	const char *source = query_str(in, "EventSourceArn");
	struct mapping *m = xcalloc(1, sizeof(*m));
	m->c = c;
	m->batch = 10;
	m->enabled = true;
	aws_uuid(m->uuid);
	struct esm_stream_err se = { 0 };
	if (source && esm_stream_is_source(source) && strlen(source) < sizeof(m->source)) {
		m->stream = true;
		m->batch = 100;
		if (esm_stream_source_exists(c, account, source, &se) &&
		    esm_stream_cfg_apply(&m->scfg, source, in, true, &se) &&
		    apply(c, account, in, m, true, &e) &&
		    role_reads(c, account, query_str(in, "FunctionName"), source, &e))
			snprintf(m->source, sizeof(m->source), "%s", source);
		if (se.status)
			api_err_set(&e, se.status, se.type, "%s", se.msg);
	} else if (!source || !str_starts_with(source, "arn:aws:sqs:")) {
		api_err_set(&e, 400, "InvalidParameterValueException",
			    "Unrecognized event source.");
	} else if (!function_exists(c, account, query_str(in, "FunctionName"))) {
		/* Lambda looks for the function before it reads the queue. */
		api_err_set(&e, 400, "InvalidParameterValueException", "Function does not exist");
	} else if (strlen(source) >= sizeof(m->source) || !queue_exists(c, account, source)) {
		api_err_set(&e, 400, "InvalidParameterValueException",
			    "Error occurred while ReceiveMessage. SQS Error Code: "
			    "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The "
			    "specified queue does not exist for this wsdl version.");
	} else if (apply(c, account, in, m, true, &e) &&
		   role_reads(c, account, query_str(in, "FunctionName"), source, &e)) {
		snprintf(m->source, sizeof(m->source), "%s", source);
	}
	if (e.status) {
		*e_out = e;
		esm_stream_cfg_release(&m->scfg);
		free(m->filters);
		free(m);
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	vec_for_each (&s->mappings, i) {
		struct mapping *o = s->mappings.items[i];
		if (strcmp(o->source, m->source) == 0 && strcmp(o->account, m->account) == 0 &&
		    strcmp(o->function, m->function) == 0) {
			char arn[300];
			fn_arn(o, arn, sizeof(arn));
			api_err_set(e_out, 409, "ResourceConflictException",
				    "An event source mapping with SQS arn (\" %s \") and function "
				    "(\" %s \") already exists. Please update or delete the "
				    "existing mapping with UUID %s",
				    o->source, arn, o->uuid);
			pthread_mutex_unlock(&s->mu);
			esm_stream_cfg_release(&m->scfg);
			free(m->filters);
			free(m);
			return NULL;
		}
	}
	vec_push(&s->mappings, m);
	snprintf(m->state, sizeof(m->state), "Creating");
	cJSON *o = view(m);
	m->state[0] = '\0';
	if (m->enabled && !s->stopping)
		start_pollers(m);
	pthread_mutex_unlock(&s->mu);
	save(c, m);
	return o;
}

/*
 * UpdateEventSourceMapping (in NULL: DeleteEventSourceMapping) of account's mapping uuid: the
 * mapping as the API shows it, or NULL with e.
 */
static cJSON *change_mapping(struct cloud *c, const char *account, const char *uuid,
			     const cJSON *in, struct api_err *e_out)
{
	struct esm_svc *s = c->esm;
	pthread_mutex_lock(&s->mu);
	struct mapping *m = find(s, account, uuid);
	if (!m) {
		pthread_mutex_unlock(&s->mu);
		api_err_set(e_out, 404, "ResourceNotFoundException",
			    "The resource you requested does not exist.");
		return NULL;
	}
	if (!in) {
		size_t out = 0;
		vec_for_each (&s->mappings, i)
			if (s->mappings.items[i] != m)
				s->mappings.items[out++] = s->mappings.items[i];
		s->mappings.len = out;
		snprintf(m->state, sizeof(m->state), "Deleting");
		cJSON *o = view(m);
		pthread_mutex_unlock(&s->mu);
		stop_pollers(s, m);
		forget(c, m->uuid);
		if (m->stream)
			esm_stream_forget(c, m->uuid);
		esm_stream_cfg_release(&m->scfg);
		free(m->filters);
		free(m);
		return o;
	}
	struct api_err e = { 0 };
	struct mapping next = *m;
	struct esm_stream_cfg ncfg;
	struct esm_stream_err se = { 0 };
	esm_stream_cfg_copy(&ncfg, &m->scfg);
	pthread_mutex_unlock(&s->mu);
	if (!apply(c, account, in, &next, false, &e) ||
	    (next.stream && !esm_stream_cfg_apply(&ncfg, next.source, in, false, &se))) {
		if (se.status)
			api_err_set(e_out, se.status, se.type, "%s", se.msg);
		else
			*e_out = e;
		esm_stream_cfg_release(&ncfg);
		if (next.filters != m->filters)
			free(next.filters);
		return NULL;
	}
	bool was = m->enabled;
	/* A stream's workers start again to take their new settings. */
	if (was && (!next.enabled || m->stream))
		stop_pollers(s, m);
	pthread_mutex_lock(&s->mu);
	snprintf(m->function, sizeof(m->function), "%s", next.function);
	snprintf(m->account, sizeof(m->account), "%s", next.account);
	m->batch = next.batch;
	m->window = next.window;
	m->report = next.report;
	m->max_conc = next.max_conc;
	m->enabled = next.enabled;
	m->modified = next.modified;
	if (next.filters != m->filters) {
		free(m->filters);
		m->filters = next.filters;
	}
	esm_stream_cfg_release(&m->scfg);
	m->scfg = ncfg;
	if (m->enabled && (!was || m->stream) && !s->stopping)
		start_pollers(m);
	snprintf(m->state, sizeof(m->state), "Updating");
	cJSON *o = view(m);
	m->state[0] = '\0';
	pthread_mutex_unlock(&s->mu);
	save(c, m);
	return o;
}

/* ListEventSourceMappings: the account's, of a function (its versions and aliases too, unless
 * qualified) and of a source, when asked. */
static cJSON *list_mappings(struct cloud *c, const char *account, const cJSON *in,
			    struct api_err *e)
{
	struct esm_svc *s = c->esm;
	const char *fname = query_str(in, "FunctionName");
	const char *source = query_str(in, "EventSourceArn");
	char acct[13] = "", name[200] = "";
	if (fname && !split_function(fname, account, acct, name)) {
		api_err_set(e, 400, "InvalidParameterValueException", "Invalid function name: %s",
			    fname);
		return NULL;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "EventSourceMappings");
	size_t n = strlen(name);
	pthread_mutex_lock(&s->mu);
	vec_for_each (&s->mappings, i) {
		struct mapping *m = s->mappings.items[i];
		bool same = strcmp(m->function, name) == 0 ||
			    (!strchr(name, ':') && strncmp(m->function, name, n) == 0 &&
			     m->function[n] == ':');
		if (strcmp(m->account, account) != 0 || (fname && !same) ||
		    (source && strcmp(m->source, source) != 0))
			continue;
		cJSON_AddItemToArray(arr, view(m));
	}
	pthread_mutex_unlock(&s->mu);
	return o;
}

static cJSON *get_mapping(struct cloud *c, const char *account, const char *uuid, struct api_err *e)
{
	struct esm_svc *s = c->esm;
	pthread_mutex_lock(&s->mu);
	struct mapping *m = find(s, account, uuid);
	cJSON *o = m ? view(m) : NULL;
	pthread_mutex_unlock(&s->mu);
	if (!o)
		api_err_set(e, 404, "ResourceNotFoundException",
			    "The resource you requested does not exist.");
	return o;
}

cJSON *esm_op(struct cloud *c, const char *account, const char *op, const cJSON *in,
	      struct aws_err *err)
{
	struct api_err e = { 0 };
	cJSON *o = NULL;
	const char *uuid = query_str(in, "UUID");
	if (strcmp(op, "ListEventSourceMappings") == 0)
		o = list_mappings(c, account, in, &e);
	else if (strcmp(op, "GetEventSourceMapping") == 0)
		o = get_mapping(c, account, uuid ? uuid : "", &e);
	else if (strcmp(op, "CreateEventSourceMapping") == 0)
		o = create_mapping(c, account, in, &e);
	else if (strcmp(op, "UpdateEventSourceMapping") == 0)
		o = change_mapping(c, account, uuid ? uuid : "", in, &e);
	else if (strcmp(op, "DeleteEventSourceMapping") == 0)
		o = change_mapping(c, account, uuid ? uuid : "", NULL, &e);
	else
		api_err_set(&e, 501, "NotImplemented", "The local cloud does not offer %s", op);
	if (!o)
		aws_err_set(err, e.status, e.type, "%s", e.msg);
	return o;
}

bool esm_start(struct cloud *c, struct error *err)
{
	if (!esm_stream_init(c))
		return error_set(err, "cannot create the event source mappings' tables");
	/* The endpoint serves already: the connection is shared, and its lock is the caller's. */
	pthread_mutex_lock(&c->db->mu);
	bool made = cloud_db_exec(c->db, "CREATE TABLE IF NOT EXISTS esm_filters(uuid TEXT PRIMARY"
					 " KEY, criteria TEXT NOT NULL) STRICT;"
					 "CREATE TABLE IF NOT EXISTS esm_scaling(uuid TEXT PRIMARY"
					 " KEY, maximum INTEGER NOT NULL) STRICT");
	pthread_mutex_unlock(&c->db->mu);
	if (!made)
		return error_set(err, "cannot create the event source mappings' tables");
	struct esm_svc *s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	c->esm = s;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(c->db, "SELECT uuid, account, function, source, batch, window,"
					  " enabled, report, modified FROM esm ORDER BY rowid");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct mapping *m = xcalloc(1, sizeof(*m));
		m->c = c;
		snprintf(m->uuid, sizeof(m->uuid), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(m->account, sizeof(m->account), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		snprintf(m->function, sizeof(m->function), "%s",
			 (const char *)sqlite3_column_text(st, 2));
		snprintf(m->source, sizeof(m->source), "%s",
			 (const char *)sqlite3_column_text(st, 3));
		m->batch = sqlite3_column_int(st, 4);
		m->window = sqlite3_column_int(st, 5);
		m->enabled = sqlite3_column_int(st, 6) != 0;
		m->report = sqlite3_column_int(st, 7) != 0;
		m->modified = sqlite3_column_double(st, 8);
		vec_push(&s->mappings, m);
	}
	sqlite3_finalize(st);
	/* A stream mapping's own settings; an SQS mapping's filters. */
	vec_for_each (&s->mappings, i) {
		struct mapping *m = s->mappings.items[i];
		st = db_prep(c->db, "SELECT criteria FROM esm_filters WHERE uuid = ?");
		if (st) {
			sqlite3_bind_text(st, 1, m->uuid, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				m->filters = xstrdup((const char *)sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
		st = db_prep(c->db, "SELECT maximum FROM esm_scaling WHERE uuid = ?");
		if (st) {
			sqlite3_bind_text(st, 1, m->uuid, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				m->max_conc = sqlite3_column_int(st, 0);
		}
		sqlite3_finalize(st);
		st = db_prep(c->db, "SELECT config FROM esm_streams WHERE uuid = ?");
		if (st) {
			sqlite3_bind_text(st, 1, m->uuid, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				m->stream = esm_stream_cfg_load(
					&m->scfg, (const char *)sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
	pthread_mutex_lock(&s->mu);
	vec_for_each (&s->mappings, i) {
		struct mapping *m = s->mappings.items[i];
		if (m->enabled)
			start_pollers(m);
	}
	pthread_mutex_unlock(&s->mu);
	return true;
}

void esm_stop(struct cloud *c)
{
	struct esm_svc *s = c->esm;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_mutex_unlock(&s->mu);
	vec_for_each (&s->mappings, i)
		stop_pollers(s, s->mappings.items[i]);
}

void esm_free(struct cloud *c)
{
	struct esm_svc *s = c->esm;
	if (!s)
		return;
	vec_for_each (&s->mappings, i) {
		struct mapping *m = s->mappings.items[i];
		esm_stream_cfg_release(&m->scfg);
		free(m->filters);
	}
	vec_release_with(&s->mappings, free);
	pthread_mutex_destroy(&s->mu);
	free(s);
	c->esm = NULL;
}

void esm_reset_account(struct cloud *c, const char *account)
{
	struct esm_svc *s = c->esm;
	if (!s)
		return;
	struct vec doomed = VEC_INIT;
	pthread_mutex_lock(&s->mu);
	size_t out = 0;
	vec_for_each (&s->mappings, i) {
		struct mapping *m = s->mappings.items[i];
		if (strcmp(m->account, account) == 0)
			vec_push(&doomed, m);
		else
			s->mappings.items[out++] = m;
	}
	s->mappings.len = out;
	pthread_mutex_unlock(&s->mu);
	vec_for_each (&doomed, i) {
		struct mapping *m = doomed.items[i];
		stop_pollers(s, m);
		forget(c, m->uuid);
		if (m->stream)
			esm_stream_forget(c, m->uuid);
		esm_stream_cfg_release(&m->scfg);
		free(m->filters);
		free(m);
	}
	vec_release(&doomed);
}
