/*
 * Bucket notifications: the configuration document, its validation (destinations exist, and
 * functions allow s3.amazonaws.com to invoke them), S3's event records, delivery, and the
 * recursive loop detection that stops a function writing into the bucket that invokes it.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/http/aws.h"
#include "cloud/query/query.h"
#include "cloud/s3/s3.h"
#include "cloud/s3/xml.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/deliver.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/xalloc.h"

static const char *const known_events[] = { "s3:ObjectCreated:*",
					    "s3:ObjectCreated:Put",
					    "s3:ObjectCreated:Post",
					    "s3:ObjectCreated:Copy",
					    "s3:ObjectCreated:CompleteMultipartUpload",
					    "s3:ObjectRemoved:*",
					    "s3:ObjectRemoved:Delete",
					    "s3:ObjectRemoved:DeleteMarkerCreated",
					    NULL };

/* The three kinds: their element names in the document and the ARN element inside. */
static const struct {
	const char *kind, *element, *arn;
} kinds[] = {
	{ "Lambda", "CloudFunctionConfiguration", "CloudFunction" },
	{ "Queue", "QueueConfiguration", "Queue" },
	{ "Topic", "TopicConfiguration", "Topic" },
};

static bool fail(const char **code, const char *what, char *msg, size_t n, const char *text)
{
	*code = what;
	snprintf(msg, n, "%s", text);
	return false;
}

/* One configuration element into out; false with code and msg set. */
static bool parse_config(const cJSON *el, const char *arn_name, cJSON *out, const char **code,
			 char *msg, size_t n)
{
	const cJSON *arn = s3_xml_child(el, arn_name);
	if (!arn)
		arn = s3_xml_child(el, "LambdaFunctionArn");
	if (!arn || !s3_xml_text(arn)[0])
		return fail(code, "MalformedXML", msg, n,
			    "The XML you provided was not well-formed or did not validate against "
			    "our published schema");
	const cJSON *id = s3_xml_child(el, "Id");
	if (id && s3_xml_text(id)[0]) {
		cJSON_AddStringToObject(out, "Id", s3_xml_text(id));
	} else {
		char gen[33];
		aws_random_hex(gen, 32);
		cJSON_AddStringToObject(out, "Id", gen);
	}
	cJSON_AddStringToObject(out, "Arn", s3_xml_text(arn));
	cJSON *events = cJSON_AddArrayToObject(out, "Events");
	const cJSON *k;
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(el, "c"))
	{
		const char *name = s3_xml_name(k);
		if (strcmp(name, "Event") == 0) {
			const char *ev = s3_xml_text(k);
			bool ok = false;
			for (const char *const *e = known_events; *e && !ok; e++)
				ok = strcmp(*e, ev) == 0;
			if (!ok)
				return fail(code, "InvalidArgument", msg, n,
					    "The event is not supported for notifications");
			cJSON_AddItemToArray(events, cJSON_CreateString(ev));
		} else if (strcmp(name, "Filter") == 0) {
			const cJSON *key = s3_xml_child(k, "S3Key");
			const cJSON *r;
			cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(key, "c"))
			{
				const char *rn = s3_xml_text(s3_xml_child(r, "Name"));
				const char *rv = s3_xml_text(s3_xml_child(r, "Value"));
				const char *field = strcasecmp(rn, "prefix") == 0   ? "Prefix"
						    : strcasecmp(rn, "suffix") == 0 ? "Suffix"
										    : NULL;
				if (!field)
					return fail(code, "InvalidArgument", msg, n,
						    "filter rule name must be either prefix or "
						    "suffix");
				if (cJSON_GetObjectItemCaseSensitive(out, field))
					return fail(code, "InvalidArgument", msg, n,
						    "Cannot specify more than one prefix rule in a "
						    "filter.");
				cJSON_AddStringToObject(out, field, rv);
			}
		}
	}
	if (cJSON_GetArraySize(events) == 0)
		return fail(code, "InvalidArgument", msg, n,
			    "A specified event is not supported for notifications.");
	return true;
}

cJSON *s3_notify_parse(const char *xml, size_t len, const char **code, char *msg, size_t n)
{
	cJSON *doc = s3_xml_parse(xml, len);
	cJSON *conf = NULL;
	if (!doc || strcmp(s3_xml_name(doc), "NotificationConfiguration") != 0) {
		fail(code, "MalformedXML", msg, n,
		     "The XML you provided was not well-formed or did not validate against our "
		     "published schema");
		goto done;
	}
	conf = cJSON_CreateObject();
	for (size_t i = 0; i < 3; i++)
		cJSON_AddArrayToObject(conf, kinds[i].kind);
	const cJSON *el;
	cJSON_ArrayForEach(el, cJSON_GetObjectItemCaseSensitive(doc, "c"))
	{
		const char *name = s3_xml_name(el);
		size_t i = 0;
		while (i < 3 && strcmp(name, kinds[i].element) != 0 &&
		       !(i == 0 && strcmp(name, "LambdaFunctionConfiguration") == 0))
			i++;
		if (i == 3) {
			/* Every event of the bucket to the account's default event bus. */
			if (strcmp(name, "EventBridgeConfiguration") == 0) {
				cJSON_DeleteItemFromObjectCaseSensitive(conf, "EventBridge");
				cJSON_AddTrueToObject(conf, "EventBridge");
				continue;
			}
			fail(code, "MalformedXML", msg, n,
			     "The XML you provided was not well-formed or did not validate against "
			     "our published schema");
			goto bad;
		}
		cJSON *one = cJSON_CreateObject();
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(conf, kinds[i].kind), one);
		if (!parse_config(el, kinds[i].arn, one, code, msg, n))
			goto bad;
	}
	goto done;
bad:
	cJSON_Delete(conf);
	conf = NULL;
done:
	cJSON_Delete(doc);
	return conf;
}

/* The model's member names of the three kinds: list, ARN, and the deprecated single form. */
static const struct {
	const char *list, *arn;
} model_kinds[] = {
	{ "LambdaFunctionConfigurations", "LambdaFunctionArn" },
	{ "QueueConfigurations", "QueueArn" },
	{ "TopicConfigurations", "TopicArn" },
};

/* One configuration of the model's shape into out, checked as parse_config checks XML. */
static bool from_model(const cJSON *el, const char *arn_name, cJSON *out, const char **code,
		       char *msg, size_t n)
{
	const char *arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, arn_name));
	if (!arn || !arn[0])
		return fail(code, "InvalidArgument", msg, n,
			    "A configuration names no destination");
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "Id"));
	if (id && id[0]) {
		cJSON_AddStringToObject(out, "Id", id);
	} else {
		char gen[33];
		aws_random_hex(gen, 32);
		cJSON_AddStringToObject(out, "Id", gen);
	}
	cJSON_AddStringToObject(out, "Arn", arn);
	cJSON *events = cJSON_AddArrayToObject(out, "Events");
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(el, "Events"))
	{
		bool ok = false;
		for (const char *const *k = known_events; cJSON_IsString(e) && *k && !ok; k++)
			ok = strcmp(*k, e->valuestring) == 0;
		if (!ok)
			return fail(code, "InvalidArgument", msg, n,
				    "The event is not supported for notifications");
		cJSON_AddItemToArray(events, cJSON_CreateString(e->valuestring));
	}
	if (cJSON_GetArraySize(events) == 0)
		return fail(code, "InvalidArgument", msg, n,
			    "A specified event is not supported for notifications.");
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(el, "Filter"), "Key");
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(key, "FilterRules"))
	{
		const char *rn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "Name"));
		const char *rv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "Value"));
		const char *field = !rn                             ? NULL
				    : strcasecmp(rn, "prefix") == 0 ? "Prefix"
				    : strcasecmp(rn, "suffix") == 0 ? "Suffix"
								    : NULL;
		if (!field)
			return fail(code, "InvalidArgument", msg, n,
				    "filter rule name must be either prefix or suffix");
		if (cJSON_GetObjectItemCaseSensitive(out, field))
			return fail(code, "InvalidArgument", msg, n,
				    "Cannot specify more than one prefix rule in a filter.");
		cJSON_AddStringToObject(out, field, rv ? rv : "");
	}
	return true;
}

cJSON *s3_notify_from_model(const cJSON *nc, const char **code, char *msg, size_t n)
{
	cJSON *conf = cJSON_CreateObject();
	for (size_t i = 0; i < 3; i++) {
		cJSON *list = cJSON_AddArrayToObject(conf, kinds[i].kind);
		const cJSON *el;
		cJSON_ArrayForEach(el, cJSON_GetObjectItemCaseSensitive(nc, model_kinds[i].list))
		{
			cJSON *one = cJSON_CreateObject();
			cJSON_AddItemToArray(list, one);
			if (!from_model(el, model_kinds[i].arn, one, code, msg, n)) {
				cJSON_Delete(conf);
				return NULL;
			}
		}
	}
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(nc, "EventBridgeConfiguration")))
		cJSON_AddTrueToObject(conf, "EventBridge");
	return conf;
}

cJSON *s3_notify_to_model(const cJSON *conf, bool deprecated)
{
	cJSON *out = cJSON_CreateObject();
	for (size_t i = 0; i < 3; i++) {
		const cJSON *one;
		cJSON *list = NULL;
		cJSON_ArrayForEach(one, cJSON_GetObjectItemCaseSensitive(conf, kinds[i].kind))
		{
			cJSON *m = cJSON_CreateObject();
			cJSON_AddStringToObject(
				m, "Id", cJSON_GetStringValue(cJSON_GetObjectItem(one, "Id")));
			cJSON_AddStringToObject(
				m, deprecated ? kinds[i].arn : model_kinds[i].arn,
				cJSON_GetStringValue(cJSON_GetObjectItem(one, "Arn")));
			cJSON_AddItemToObject(
				m, "Events",
				cJSON_Duplicate(cJSON_GetObjectItem(one, "Events"), true));
			cJSON *rules = NULL;
			static const char *const fields[] = { "Prefix", "Suffix" };
			for (size_t f = 0; f < 2; f++) {
				const char *v = cJSON_GetStringValue(
					cJSON_GetObjectItemCaseSensitive(one, fields[f]));
				if (!v)
					continue;
				if (!rules)
					rules = cJSON_AddArrayToObject(
						cJSON_AddObjectToObject(
							cJSON_AddObjectToObject(m, "Filter"),
							"Key"),
						"FilterRules");
				cJSON *r = cJSON_CreateObject();
				cJSON_AddStringToObject(r, "Name", f == 0 ? "prefix" : "suffix");
				cJSON_AddStringToObject(r, "Value", v);
				cJSON_AddItemToArray(rules, r);
			}
			if (deprecated) {
				/* The old form holds one configuration of each kind. */
				cJSON_AddItemToObject(out, kinds[i].element, m);
				break;
			}
			if (!list)
				list = cJSON_AddArrayToObject(out, model_kinds[i].list);
			cJSON_AddItemToArray(list, m);
		}
	}
	if (!deprecated && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(conf, "EventBridge")))
		cJSON_AddObjectToObject(out, "EventBridgeConfiguration");
	return out;
}

/* "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]" into account and name. */
static bool function_arn(const char *arn, char account[13], char name[65])
{
	struct arn_function f;
	if (!str_starts_with(arn, "arn:") || !arn_function_parse(arn, &f))
		return false;
	memcpy(account, f.account, 13);
	memcpy(name, f.name, sizeof(f.name));
	return true;
}

bool s3_notify_validate(struct cloud *c, const char *account, const char *bucket, const cJSON *conf,
			char *msg, size_t n)
{
	struct strbuf bad = STRBUF_INIT;
	char source[128];
	snprintf(source, sizeof(source), "arn:aws:s3:::%s", bucket);
	for (size_t i = 0; i < 3; i++) {
		const cJSON *one;
		cJSON_ArrayForEach(one, cJSON_GetObjectItemCaseSensitive(conf, kinds[i].kind))
		{
			const char *arn = cJSON_GetStringValue(cJSON_GetObjectItem(one, "Arn"));
			const char *why = NULL;
			/* S3 checks each destination as the service it is, for this bucket. */
			struct svc_caller by;
			svc_caller_service(&by, account, "s3.amazonaws.com", source);
			struct aws_err err = { 0 };
			char acct[13], name[257];
			if (i == 0 && !function_arn(arn ? arn : "", acct, name))
				why = "The destination function does not exist";
			else if (i == 1 && !arn_sqs_queue(arn ? arn : "", acct, name, 81))
				why = "The destination queue does not exist";
			else if (i == 2 && !arn_sns_topic(arn ? arn : "", acct, name, sizeof(name)))
				why = "The destination topic does not exist";
			else if (!deliver_check(c, &by, arn, &err))
				why = i == 0 && strcmp(err.code, "AccessDeniedException") == 0
					      ? "Not authorized to invoke function"
				      : i == 0 ? "The destination function does not exist"
				      : err.status == 403
					      ? (i == 1 ? "Permissions on the destination queue do "
							  "not "
							  "allow S3 to publish notifications from "
							  "this bucket"
							: "Permissions on the destination topic do "
							  "not "
							  "allow S3 to publish notifications from "
							  "this bucket")
				      : i == 1 ? "The destination queue does not exist"
					       : "The destination topic does not exist";
			aws_err_release(&err);
			if (why)
				strbuf_addf(&bad, " %s [%s].", why, arn);
		}
	}
	bool ok = bad.len == 0;
	if (!ok)
		snprintf(msg, n, "Unable to validate the following destination configurations:%s",
			 bad.buf);
	strbuf_release(&bad);
	return ok;
}

static bool matches(const cJSON *one, const struct s3_change *ch)
{
	bool ev_ok = false;
	const cJSON *ev;
	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(one, "Events"))
	{
		const char *e = ev->valuestring;
		if (!str_starts_with(e, "s3:"))
			continue;
		e += 3;
		size_t n = strlen(e);
		if (n >= 2 && strcmp(e + n - 2, ":*") == 0)
			ev_ok = ev_ok || strncmp(ch->event, e, n - 1) == 0;
		else
			ev_ok = ev_ok || strcmp(ch->event, e) == 0;
	}
	const char *pre = cJSON_GetStringValue(cJSON_GetObjectItem(one, "Prefix"));
	const char *suf = cJSON_GetStringValue(cJSON_GetObjectItem(one, "Suffix"));
	return ev_ok && (!pre || str_starts_with(ch->key, pre)) &&
	       (!suf || str_ends_with(ch->key, suf));
}

/* The 24 hex digits of an X-Amzn-Trace-Id's Root (Root=1-XXXXXXXX-<24>), or false. */
static bool trace_root(const char *trace, char out[25])
{
	const char *r = trace ? strstr(trace, "Root=1-") : NULL;
	if (!r || strlen(r) < 7 + 9 + 24 || r[15] != '-')
		return false;
	memcpy(out, r + 16, 24);
	out[24] = '\0';
	return strspn(out, "0123456789abcdef") == 24;
}

/* The first 24 hex digits of a request id (its trace root, see lambda/invoke.c). */
static void rid_root(const char *rid, char out[25])
{
	size_t j = 0;
	for (const char *p = rid; *p && j < 24; p++)
		if (*p != '-')
			out[j++] = *p;
	out[j] = '\0';
}

static int chain_hops(struct cloud *c, const char *root)
{
	int hops = 0;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "SELECT hops FROM s3_chain WHERE request_id=?", -1, &q,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, root, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			hops = sqlite3_column_int(q, 0);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return hops;
}

static void chain_record(struct cloud *c, const char *root, int hops)
{
	long long now = clock_wall_ms();
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "INSERT OR REPLACE INTO s3_chain(request_id, hops, created)"
			       " VALUES(?,?,?)",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, root, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, hops);
		sqlite3_bind_int64(q, 3, now);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	if (hops == 1 && now % 64 == 0)
		cloud_db_exec(c->db, "DELETE FROM s3_chain WHERE created < "
				     "(CAST(strftime('%s','now') AS INTEGER) - 86400) * 1000");
	pthread_mutex_unlock(&c->db->mu);
}

/* Tell the learner, in the function's log group and the cloud's log, that the loop stopped. */
static void loop_stopped(struct cloud *c, const char *acct, const char *name,
			 const struct s3_change *ch)
{
	char *group = xasprintf("/aws/lambda/%s", name);
	char *line = xasprintf(
		"RECURSIVE LOOP DETECTED: Lambda stopped invoking %s: it was invoked %d times "
		"in a row by S3 events from bucket %s that its own invocations caused (key %s). "
		"Write results to another bucket, or filter the notification with a prefix or "
		"suffix that your output does not match.\n",
		name, S3_LOOP_LIMIT, ch->bucket, ch->key);
	logs_append(c->logs, acct, group, "recursive-loop-detection", clock_wall_ms(), line,
		    strlen(line));
	if (!c->quiet)
		fprintf(stderr, "lambda-tutor: %s", line);
	free(line);
	free(group);
}

/*
 * With an EventBridgeConfiguration, S3 puts every change on the owner's default event bus as
 * AWS does: source "aws.s3", detail-type "Object Created" or "Object Deleted", the bucket's ARN
 * as the resource, and the detail AWS documents (bucket, object, request-id, requester,
 * source-ip-address, reason).
 */
static void to_event_bus(struct cloud *c, const struct s3_change *ch, long long now)
{
	bool created = str_starts_with(ch->event, "ObjectCreated:");
	const char *how = strchr(ch->event, ':') + 1;
	char seq[24], rid[37], bus[128], bucket_arn[128];
	snprintf(seq, sizeof(seq), "%016llX", (unsigned long long)now * 1000ULL);
	aws_uuid(rid);
	snprintf(bus, sizeof(bus), "arn:aws:events:%s:%s:event-bus/default", AWS_REGION_NAME,
		 ch->account);
	snprintf(bucket_arn, sizeof(bucket_arn), "arn:aws:s3:::%s", ch->bucket);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "version", "0");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(d, "bucket"), "name", ch->bucket);
	cJSON *o = cJSON_AddObjectToObject(d, "object");
	cJSON_AddStringToObject(o, "key", ch->key);
	if (created) {
		cJSON_AddNumberToObject(o, "size", (double)ch->size);
		cJSON_AddStringToObject(o, "etag", ch->etag ? ch->etag : "");
	}
	cJSON_AddStringToObject(o, "sequencer", seq);
	cJSON_AddStringToObject(d, "request-id", rid);
	cJSON_AddStringToObject(d, "requester", ch->principal ? ch->principal : ch->account);
	cJSON_AddStringToObject(d, "source-ip-address",
				ch->source_ip ? ch->source_ip : "127.0.0.1");
	const char *reason = strcmp(how, "Copy") == 0   ? "CopyObject"
			     : strcmp(how, "Post") == 0 ? "PostObject"
			     : strcmp(how, "Put") == 0  ? "PutObject"
			     : created                  ? "CompleteMultipartUpload"
							: "DeleteObject";
	cJSON_AddStringToObject(d, "reason", reason);
	if (!created)
		cJSON_AddStringToObject(d, "deletion-type",
					strcmp(how, "DeleteMarkerCreated") == 0
						? "Delete Marker Created"
						: "Permanently Deleted");
	char *payload = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	cJSON *res = cJSON_CreateArray();
	cJSON_AddItemToArray(res, cJSON_CreateString(bucket_arn));
	struct deliver_msg m = { .payload = payload,
				 .len = strlen(payload),
				 .source = "aws.s3",
				 .detail_type = created ? "Object Created" : "Object Deleted",
				 .resources = res };
	struct svc_caller by;
	svc_caller_for_account(&by, ch->account);
	struct aws_err err = { 0 };
	struct deliver_result r;
	if (deliver(c, &by, bus, &m, NULL, &r, &err))
		deliver_result_release(&r);
	else if (!c->quiet)
		fprintf(stderr, "lambda-tutor: S3 could not put %s on s3://%s/%s on %s: %s\n",
			ch->event, ch->bucket, ch->key, bus, err.message);
	aws_err_release(&err);
	cJSON_Delete(res);
	free(payload);
}

void s3_notify_deliver(struct cloud *c, const cJSON *conf, const struct s3_change *ch)
{
	if (!conf)
		return;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(conf, "EventBridge")))
		to_event_bus(c, ch, clock_wall_ms());
	char root[25];
	int hops = trace_root(ch->trace, root) ? chain_hops(c, root) : 0;
	long long now = clock_wall_ms();
	for (size_t i = 0; i < 3; i++) {
		const cJSON *one;
		cJSON_ArrayForEach(one, cJSON_GetObjectItemCaseSensitive(conf, kinds[i].kind))
		{
			if (!matches(one, ch))
				continue;
			const char *arn = cJSON_GetStringValue(cJSON_GetObjectItem(one, "Arn"));
			cJSON *ev = cJSON_CreateObject();
			cJSON *recs = cJSON_AddArrayToObject(ev, "Records");
			cJSON_AddItemToArray(
				recs,
				s3_event_record(
					ch, cJSON_GetStringValue(cJSON_GetObjectItem(one, "Id")),
					now));
			char *payload = cJSON_PrintUnformatted(ev);
			cJSON_Delete(ev);
			struct aws_err err = { 0 };
			struct deliver_msg m = { .payload = payload, .len = strlen(payload) };
			if (i == 2)
				m.subject = "Amazon S3 Notification";
			/* A function, queue or topic takes S3's event as its own policy lets
			 * s3.amazonaws.com
			 * send it for this bucket; S3 passes the trace context of the request
			 * that made the change on to what it notifies. */
			struct svc_caller by;
			char bucket_arn[128];
			snprintf(bucket_arn, sizeof(bucket_arn), "arn:aws:s3:::%s", ch->bucket);
			svc_caller_service(&by, ch->account, "s3.amazonaws.com", bucket_arn);
			svc_caller_trace(&by, ch->trace);
			char acct[13], name[65], rid[37];
			aws_uuid(rid);
			bool ok = true, function = i == 0 && function_arn(arn, acct, name);
			if (function && hops >= S3_LOOP_LIMIT) {
				loop_stopped(c, acct, name, ch);
			} else {
				struct deliver_result r;
				ok = deliver(c, &by, arn, &m, rid, &r, &err);
				if (ok)
					deliver_result_release(&r);
				if (ok && function) {
					/* The invocation continues the change's trace, or
					 * starts one from its request id. */
					char root_of[25];
					rid_root(rid, root_of);
					chain_record(c, by.trace[0] ? root : root_of, hops + 1);
				}
			}
			if (!ok && !c->quiet)
				fprintf(stderr,
					"lambda-tutor: S3 could not notify %s of %s on s3://%s/%s: "
					"%s\n",
					arn, ch->event, ch->bucket, ch->key, err.message);
			aws_err_release(&err);
			free(payload);
		}
	}
}
