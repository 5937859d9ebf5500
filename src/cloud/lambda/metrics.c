/*
 * Lambda's numbers: a record per invocation (duration, billed duration, memory, cold or warm,
 * GB-seconds, cost), collected in memory on the hot path and written in batches, and Lambda's
 * CloudWatch metrics (namespace AWS/Lambda) put into the cloud's metric store with the
 * dimensions AWS gives them, on the virtual clock.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/versions.h"
#include "cloud/logs/logs.h"
#include "cloud/metrics/emf.h"
#include "cloud/metrics/metrics.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define NS "AWS/Lambda"

/* A dimension set's canonical text into buf (n bytes): AWS's dimension names, sorted. */
static const char *dims_of(char *buf, size_t n, const char *function, const char *resource,
			   const char *executed)
{
	struct strbuf sb = STRBUF_INIT;
	const char *names[3], *values[3];
	size_t k = 0;
	if (executed) {
		names[k] = "ExecutedVersion";
		values[k++] = executed;
	}
	if (function) {
		names[k] = "FunctionName";
		values[k++] = function;
	}
	if (resource) {
		names[k] = "Resource";
		values[k++] = resource;
	}
	metrics_dims_write(&sb, names, values, k);
	snprintf(buf, n, "%s", sb.buf);
	strbuf_release(&sb);
	return buf;
}

/*
 * The dimension sets of one function's metrics: by function, by version or alias invoked
 * (Resource "function:qualifier"), and an alias's by the version it ran (ExecutedVersion).
 * Every invocation puts several metrics under the same sets, so the last ones a thread wrote
 * are kept (the texts depend only on the three names).
 */
struct dimsets {
	char function[65], qualifier[129], executed[12];
	char by_function[600], by_resource[600], by_executed[600];
	bool resource, executed_too;
};

static const struct dimsets *dimsets_of(const char *function, const char *qualifier,
					const char *executed)
{
	static _Thread_local struct dimsets last;
	static _Thread_local bool have;
	if (!qualifier || strcmp(qualifier, "$LATEST") == 0)
		qualifier = "";
	if (!executed || !qualifier[0] || strcmp(executed, qualifier) == 0)
		executed = "";
	if (have && strcmp(last.function, function) == 0 &&
	    strcmp(last.qualifier, qualifier) == 0 && strcmp(last.executed, executed) == 0)
		return &last;
	/* Names past Lambda's lengths are not kept: the key would be cut. */
	have = strlen(function) < sizeof(last.function) &&
	       strlen(qualifier) < sizeof(last.qualifier) &&
	       strlen(executed) < sizeof(last.executed);
	snprintf(last.function, sizeof(last.function), "%s", function);
	snprintf(last.qualifier, sizeof(last.qualifier), "%s", qualifier);
	snprintf(last.executed, sizeof(last.executed), "%s", executed);
	dims_of(last.by_function, sizeof(last.by_function), function, NULL, NULL);
	last.resource = qualifier[0] != '\0';
	last.executed_too = executed[0] != '\0';
	if (last.resource) {
		char resource[200];
		snprintf(resource, sizeof(resource), "%s:%s", function, qualifier);
		dims_of(last.by_resource, sizeof(last.by_resource), function, resource, NULL);
		if (last.executed_too)
			dims_of(last.by_executed, sizeof(last.by_executed), function, resource,
				executed);
	}
	return &last;
}

/* Put value under every dimension set but the account's (which the caller chooses). */
static void put_function(struct cloud *c, const char *account, const char *function,
			 const char *qualifier, const char *executed, const char *name,
			 const char *unit, double value, long long ts_ms)
{
	const struct dimsets *d = dimsets_of(function, qualifier, executed);
	struct metric_ref ref = { account, NS, name, d->by_function };
	metrics_add(c->metrics, &ref, unit, ts_ms, false, value, 1);
	if (!d->resource)
		return;
	ref.dims = d->by_resource;
	metrics_add(c->metrics, &ref, unit, ts_ms, false, value, 1);
	if (d->executed_too) {
		ref.dims = d->by_executed;
		metrics_add(c->metrics, &ref, unit, ts_ms, false, value, 1);
	}
}

void lambda_metric_at(struct cloud *c, const char *account, const char *function,
		      const char *qualifier, const char *executed, const char *name,
		      const char *unit, double value, long long ts_ms)
{
	if (!c->metrics)
		return;
	if (ts_ms <= 0)
		ts_ms = vclock_now_ms(c->vclock, account);
	/* Every metric across the account, per function, and per version or alias invoked
	 * (Resource "function:qualifier"), an alias's also per version it ran
	 * (ExecutedVersion). */
	struct metric_ref ref = { account, NS, name, "[]" };
	metrics_add(c->metrics, &ref, unit, ts_ms, false, value, 1);
	if (function)
		put_function(c, account, function, qualifier, executed, name, unit, value, ts_ms);
}

void lambda_metric(struct cloud *c, const char *account, const char *function,
		   const char *qualifier, const char *executed, const char *name, const char *unit,
		   double value)
{
	lambda_metric_at(c, account, function, qualifier, executed, name, unit, value, 0);
}

/* Concurrency now: the account's executions, and those of functions without a reservation.
 * Caller holds cloud->mu. */
static void concurrency(struct cloud *c, const char *account, int *all, int *unreserved)
{
	*all = *unreserved = 0;
	vec_for_each (&c->functions, i) {
		const struct lfunc *f = c->functions.items[i];
		if (strcmp(f->account, account) != 0)
			continue;
		*all += f->inflight;
		if (f->reserved < 0)
			*unreserved += f->inflight;
	}
}

void lambda_metrics_record(struct cloud *c, const struct lambda_record *r)
{
	struct lambda_record *copy = xmalloc(sizeof(*copy));
	*copy = *r;
	vec_push(&c->records, copy);
	if (!c->metrics)
		return;
	/* The invocation's metrics are stamped with its start, on the virtual clock. */
	long long at = vclock_now_ms(c->vclock, r->account) - (long long)r->duration_ms;
	const char *q = r->qualifier[0] ? r->qualifier : NULL;
	const char *x = r->executed[0] ? r->executed : NULL;
	bool error = strcmp(r->status, "success") != 0;
	const struct metric_value v[] = {
		{ "Invocations", "Count", 1 },
		{ "Errors", "Count", error },
		{ "Throttles", "Count", 0 },
		{ "Duration", "Milliseconds", r->duration_ms },
	};
	struct metric_ref set = { r->account, NS, NULL, "[]" };
	metrics_add_many(c->metrics, &set, at, v, sizeof(v) / sizeof(v[0]));
	const struct dimsets *d = dimsets_of(r->function, q, x);
	set.dims = d->by_function;
	metrics_add_many(c->metrics, &set, at, v, sizeof(v) / sizeof(v[0]));
	if (d->resource) {
		set.dims = d->by_resource;
		metrics_add_many(c->metrics, &set, at, v, sizeof(v) / sizeof(v[0]));
	}
	if (d->resource && d->executed_too) {
		set.dims = d->by_executed;
		metrics_add_many(c->metrics, &set, at, v, sizeof(v) / sizeof(v[0]));
	}
	/* Concurrency as it was, this invocation (which the caller let go of) counted. */
	const struct lfunc *fn = lambda_fn_find(c, r->account, r->function);
	int all, unreserved;
	concurrency(c, r->account, &all, &unreserved);
	const struct metric_value account_wide[] = {
		{ "ConcurrentExecutions", "Count", all + 1 },
		{ "UnreservedConcurrentExecutions", "Count",
		  unreserved + (!fn || fn->reserved < 0 ? 1 : 0) },
	};
	set.dims = "[]";
	metrics_add_many(c->metrics, &set, at, account_wide, 2);
	/* By function and by version or alias invoked, not by version run: the sets above
	 * (asking dimsets_of() for those would make it build all three texts again). */
	const struct metric_value mine = { "ConcurrentExecutions", "Count",
					   fn ? fn->inflight + 1 : 1 };
	set.dims = d->by_function;
	metrics_add_many(c->metrics, &set, at, &mine, 1);
	if (d->resource) {
		set.dims = d->by_resource;
		metrics_add_many(c->metrics, &set, at, &mine, 1);
	}
}

void lambda_metrics_throttle(struct cloud *c, const char *account, const char *function)
{
	lambda_metric(c, account, function, NULL, NULL, "Throttles", "Count", 1);
}

void lambda_metrics_flush(struct cloud *c)
{
	pthread_mutex_lock(&c->mu);
	struct vec records = c->records;
	c->records = (struct vec)VEC_INIT;
	pthread_mutex_unlock(&c->mu);
	if (records.len == 0)
		return;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	sqlite3_stmt *ins = NULL;
	sqlite3_prepare_v2(c->db->db,
			   "INSERT INTO invocations(account, function, request_id, started,"
			   " duration_ms, billed_ms, init_ms, memory_mb, max_used_mb, cold, status,"
			   " error_type, gb_seconds, cost_x86, cost_arm, cpu_ms, uncontended_ms)"
			   " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   -1, &ins, NULL);
	vec_for_each (&records, i) {
		const struct lambda_record *r = records.items[i];
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, r->account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, r->function, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 3, r->request_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 4, r->started_ms);
		sqlite3_bind_double(ins, 5, r->duration_ms);
		sqlite3_bind_int64(ins, 6, r->billed_ms);
		if (r->init_ms >= 0)
			sqlite3_bind_double(ins, 7, r->init_ms);
		else
			sqlite3_bind_null(ins, 7);
		sqlite3_bind_int(ins, 8, r->memory_mb);
		sqlite3_bind_int(ins, 9, r->max_used_mb);
		sqlite3_bind_int(ins, 10, r->cold);
		sqlite3_bind_text(ins, 11, r->status, -1, SQLITE_TRANSIENT);
		if (r->error_type[0])
			sqlite3_bind_text(ins, 12, r->error_type, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(ins, 12);
		sqlite3_bind_double(ins, 13, lambda_gb_seconds(r->memory_mb, r->billed_ms));
		double (*cost)(int, long long, bool) =
			r->provisioned ? lambda_cost_provisioned_usd : lambda_cost_usd;
		sqlite3_bind_double(ins, 14, cost(r->memory_mb, r->billed_ms, false));
		sqlite3_bind_double(ins, 15, cost(r->memory_mb, r->billed_ms, true));
		if (r->cpu_ms >= 0) {
			sqlite3_bind_double(ins, 16, r->cpu_ms);
			sqlite3_bind_double(ins, 17, r->uncontended_ms);
		} else {
			sqlite3_bind_null(ins, 16);
			sqlite3_bind_null(ins, 17);
		}
		sqlite3_step(ins);
	}
	sqlite3_finalize(ins);
	cloud_db_exec(c->db, "COMMIT");
	pthread_mutex_unlock(&c->db->mu);
	vec_release_with(&records, free);
}

/* Collects the functions with metrics of their own (ListMetrics' callback). */
static bool function_name(void *ctx, const char *ns, const char *name, const char *dims)
{
	cJSON *d = cJSON_Parse(dims);
	const cJSON *first = cJSON_GetArrayItem(d, 0);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(first, "Name");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(first, "Value");
	if (cJSON_GetArraySize(d) == 1 && cJSON_IsString(n) &&
	    strcmp(n->valuestring, "FunctionName") == 0 && cJSON_IsString(v))
		vec_push(ctx, xstrdup(v->valuestring));
	cJSON_Delete(d);
	(void)ns;
	(void)name;
	return true;
}

void lambda_records_sync(struct cloud *c)
{
	logs_sync(c->logs);
	lambda_metrics_flush(c);
}

void lambda_metrics_json(struct cloud *c, const char *account, const char *function,
			 struct http_resp *resp)
{
	lambda_metrics_flush(c);
	cJSON *out = cJSON_CreateObject();
	cJSON *mins = cJSON_AddArrayToObject(out, "Metrics");
	cJSON *invs = cJSON_AddArrayToObject(out, "Invocations");
	/* Per function and minute, over the last day, from the metric store. */
	struct vec names = VEC_INIT;
	long long now = vclock_now_ms(c->vclock, account),
		  from = (now - 86400000LL) / 60000 * 60000;
	if (function && function[0])
		vec_push(&names, xstrdup(function));
	else
		metrics_list(c->metrics, account, NS, "Invocations", from, function_name, &names);
	vec_for_each (&names, i) {
		const char *name = names.items[i];
		struct strbuf dims = STRBUF_INIT;
		const char *dn = "FunctionName";
		metrics_dims_write(&dims, &dn, &name, 1);
		static const char *const series[] = { "Invocations", "Errors", "Throttles",
						      "Duration", "ConcurrentExecutions" };
		struct metric_period *ps[5];
		size_t np[5];
		for (int k = 0; k < 5; k++) {
			struct metric_ref ref = { account, NS, series[k], dims.buf };
			np[k] = metrics_get(c->metrics, &ref, NULL, from, now + 60000, 60000, false,
					    &ps[k]);
		}
		/* Newest minute first, as before. */
		for (size_t j = np[0]; j-- > 0;) {
			const struct metric_period *inv = &ps[0][j];
			cJSON *m = cJSON_CreateObject();
			cJSON_AddStringToObject(m, "FunctionName", name);
			cJSON_AddNumberToObject(m, "Timestamp", (double)inv->ts);
			double v[5] = { inv->sum, 0, 0, 0, 0 }, dmax = 0;
			for (int k = 1; k < 5; k++)
				for (size_t x = 0; x < np[k]; x++)
					if (ps[k][x].ts == inv->ts) {
						v[k] = k == 3   ? ps[k][x].sum / ps[k][x].count
						       : k == 4 ? ps[k][x].max
								: ps[k][x].sum;
						if (k == 3)
							dmax = ps[k][x].max;
					}
			cJSON_AddNumberToObject(m, "Invocations", v[0]);
			cJSON_AddNumberToObject(m, "Errors", v[1]);
			cJSON_AddNumberToObject(m, "Throttles", v[2]);
			cJSON_AddNumberToObject(m, "DurationAverage", v[3]);
			cJSON_AddNumberToObject(m, "DurationMaximum", dmax);
			cJSON_AddNumberToObject(m, "ConcurrentExecutions", v[4]);
			cJSON_AddItemToArray(mins, m);
		}
		for (int k = 0; k < 5; k++)
			metric_periods_free(ps[k], np[k]);
		strbuf_release(&dims);
	}
	vec_release_with(&names, free);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		c->db->db,
		"SELECT function, request_id, started, duration_ms, billed_ms, init_ms,"
		" memory_mb, max_used_mb, cold, status, error_type, gb_seconds, cost_x86,"
		" cost_arm, cpu_ms, uncontended_ms FROM invocations WHERE account = ?1 AND"
		" (?2 = '' OR function = ?2) ORDER BY id DESC LIMIT 100",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, function ? function : "", -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "FunctionName",
					(const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(r, "RequestId", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddNumberToObject(r, "Started", (double)sqlite3_column_int64(st, 2));
		cJSON_AddNumberToObject(r, "DurationMs", sqlite3_column_double(st, 3));
		cJSON_AddNumberToObject(r, "BilledDurationMs", (double)sqlite3_column_int64(st, 4));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			cJSON_AddNumberToObject(r, "InitDurationMs", sqlite3_column_double(st, 5));
		cJSON_AddNumberToObject(r, "MemorySizeMB", sqlite3_column_int(st, 6));
		cJSON_AddNumberToObject(r, "MaxMemoryUsedMB", sqlite3_column_int(st, 7));
		cJSON_AddBoolToObject(r, "ColdStart", sqlite3_column_int(st, 8));
		cJSON_AddStringToObject(r, "Status", (const char *)sqlite3_column_text(st, 9));
		if (sqlite3_column_type(st, 10) != SQLITE_NULL)
			cJSON_AddStringToObject(r, "ErrorType",
						(const char *)sqlite3_column_text(st, 10));
		cJSON_AddNumberToObject(r, "GBSeconds", sqlite3_column_double(st, 11));
		/* Served by a provisioned environment: priced at that rate when recorded. */
		cJSON_AddBoolToObject(r, "Provisioned",
				      sqlite3_column_double(st, 12) !=
					      lambda_cost_usd(sqlite3_column_int(st, 6),
							      sqlite3_column_int64(st, 4), false));
		cJSON_AddNumberToObject(r, "CostUSDx86_64", sqlite3_column_double(st, 12));
		cJSON_AddNumberToObject(r, "CostUSDarm64", sqlite3_column_double(st, 13));
		/* Measured by the cloud, beside the REPORT line's wall-clock Duration. */
		if (sqlite3_column_type(st, 14) != SQLITE_NULL) {
			cJSON_AddNumberToObject(r, "CpuTimeMs", sqlite3_column_double(st, 14));
			cJSON_AddNumberToObject(r, "UncontendedDurationMs",
						sqlite3_column_double(st, 15));
		}
		cJSON_AddItemToArray(invs, r);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	/* Provisioned concurrency is charged while configured, apart from its invocations. */
	cJSON_AddItemToObject(out, "ProvisionedConcurrency",
			      lambda_provisioned_charges(c, account, function));
	char *text = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	strbuf_addstr(&resp->body, text);
	free(text);
}

void lambda_metrics_emf(struct cloud *c, const char *account, const char *line, size_t len)
{
	if (!c->metrics || len < 8 || !memmem(line, len, "\"_aws\"", 6))
		return;
	/* Handlers read the wall clock: their timestamps move with the virtual clock's lead. */
	long long now = vclock_now_ms(c->vclock, account);
	struct emf_batch b;
	char why[300];
	enum emf_result r = emf_parse(line, len, now, now - clock_wall_ms(), &b, why, sizeof(why));
	if (r == EMF_OK) {
		emf_put(c->metrics, account, &b);
		emf_batch_release(&b);
	} else if (r != EMF_NONE) {
		/* Skipped, as CloudWatch skips it, and counted where CloudWatch counts it. */
		struct metric_ref ref = { account, "AWS/Logs",
					  r == EMF_PARSE ? "EMFParsingErrors"
							 : "EMFValidationErrors",
					  "[]" };
		metrics_add(c->metrics, &ref, "None", now, false, 1, 1);
	}
}
