/*
 * S3's event record, as notifications deliver it and as `generate-event s3` prints it. Pure, so
 * the event generator links it without the server.
 */
#include "aws/events.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "aws/aws.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "core/strutil.h"

/* S3's URL encoding of keys in event records: spaces as '+', '/' kept. */
static void encode_key(struct strbuf *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~/*", *p))
			strbuf_addch(sb, (char)*p);
		else if (*p == ' ')
			strbuf_addch(sb, '+');
		else
			strbuf_addf(sb, "%%%02X", *p);
	}
}

cJSON *s3_event_record(const struct s3_change *ch, const char *config_id, long long epoch_ms)
{
	char when[32], rid[17], id2[65], seq[19];
	aws_time_iso(epoch_ms, when);
	aws_random_hex(rid, 16);
	for (char *p = rid; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	aws_random_hex(id2, 64);
	static unsigned long long counter;
	unsigned long long s = (unsigned long long)clock_mono_us() * 16 +
			       (__atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED) & 15);
	snprintf(seq, sizeof(seq), "%018llX", s);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "eventVersion", "2.1");
	cJSON_AddStringToObject(r, "eventSource", "aws:s3");
	cJSON_AddStringToObject(r, "awsRegion", AWS_REGION_NAME);
	cJSON_AddStringToObject(r, "eventTime", when);
	cJSON_AddStringToObject(r, "eventName", ch->event);
	char principal[64];
	snprintf(principal, sizeof(principal), "AWS:%s", ch->principal ? ch->principal : "");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "userIdentity"), "principalId",
				principal);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "requestParameters"), "sourceIPAddress",
				ch->source_ip ? ch->source_ip : "127.0.0.1");
	cJSON *re = cJSON_AddObjectToObject(r, "responseElements");
	cJSON_AddStringToObject(re, "x-amz-request-id", rid);
	cJSON_AddStringToObject(re, "x-amz-id-2", id2);
	cJSON *s3 = cJSON_AddObjectToObject(r, "s3");
	cJSON_AddStringToObject(s3, "s3SchemaVersion", "1.0");
	cJSON_AddStringToObject(s3, "configurationId", config_id ? config_id : "");
	cJSON *b = cJSON_AddObjectToObject(s3, "bucket");
	cJSON_AddStringToObject(b, "name", ch->bucket);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(b, "ownerIdentity"), "principalId",
				ch->account);
	char arn[128];
	snprintf(arn, sizeof(arn), "arn:aws:s3:::%s", ch->bucket);
	cJSON_AddStringToObject(b, "arn", arn);
	cJSON *o = cJSON_AddObjectToObject(s3, "object");
	struct strbuf key = STRBUF_INIT;
	encode_key(&key, ch->key);
	cJSON_AddStringToObject(o, "key", strbuf_str(&key));
	strbuf_release(&key);
	if (str_starts_with(ch->event, "ObjectCreated:")) {
		cJSON_AddNumberToObject(o, "size", (double)ch->size);
		cJSON_AddStringToObject(o, "eTag", ch->etag ? ch->etag : "");
	}
	cJSON_AddStringToObject(o, "sequencer", seq);
	return r;
}
