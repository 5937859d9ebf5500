/*
 * The class server's requests: parsed strictly, every limit checked before anything is kept.
 */
#include "class/wire.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

bool wire_learner_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > WIRE_LEARNER_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

void wire_learner_fold(const char *name, char *out)
{
	size_t n = 0;
	for (; name[n] && n < WIRE_LEARNER_MAX; n++)
		out[n] = (char)tolower((unsigned char)name[n]);
	out[n] = '\0';
}

bool wire_code_normal(const char *in, char out[32])
{
	size_t o = 0;
	for (const char *p = in; p && *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		if (!isalnum((unsigned char)*p) || o + 1 >= 32)
			return false;
		out[o++] = (char)toupper((unsigned char)*p);
	}
	out[o] = '\0';
	return o >= 6;
}

static const cJSON *object_of(const char *body, size_t len, cJSON **doc, struct error *err)
{
	if (len > WIRE_BODY_MAX)
		return error_set(err, "the request is over %d bytes", WIRE_BODY_MAX), NULL;
	*doc = cJSON_ParseWithLength(body, len);
	if (!*doc || !cJSON_IsObject(*doc)) {
		cJSON_Delete(*doc);
		*doc = NULL;
		return error_set(err, "the request is not a JSON object"), NULL;
	}
	return *doc;
}

bool wire_join_parse(const char *body, size_t len, struct wire_join *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	cJSON *doc = NULL;
	const cJSON *o = object_of(body, len, &doc, err);
	if (!o)
		return false;
	bool ok = false;
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "code");
	const cJSON *learner = cJSON_GetObjectItemCaseSensitive(o, "learner");
	if (!cJSON_IsString(code) || !wire_code_normal(code->valuestring, out->code)) {
		error_set(err, "a join needs the class code the trainer shows");
		goto out;
	}
	if (!cJSON_IsString(learner) || !wire_learner_valid(learner->valuestring)) {
		error_set(err, "%s", WIRE_LEARNER_RULE);
		goto out;
	}
	wire_learner_fold(learner->valuestring, out->learner);
	ok = true;
out:
	cJSON_Delete(doc);
	return ok;
}

bool wire_token_learner(const char *token, char learner[WIRE_LEARNER_MAX + 1])
{
	if (!token || strncmp(token, "lt1.", 4) != 0)
		return false;
	const char *name = token + 4, *dot = strrchr(name, '.');
	if (!dot || dot == name || (size_t)(dot - name) > WIRE_LEARNER_MAX ||
	    strlen(dot + 1) != WIRE_SECRET_HEX)
		return false;
	for (const char *p = dot + 1; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return false;
	memcpy(learner, name, (size_t)(dot - name));
	learner[dot - name] = '\0';
	return wire_learner_valid(learner);
}

bool wire_kind_allowed(const char *kind)
{
	static const char *const kinds[] = {
		STORE_PAGE_VIEW,   STORE_CHECK_RUN, STORE_HINT,        STORE_SOLUTION,
		STORE_QUIZ_START,  STORE_QUIZ_TRY,  STORE_HAND,        STORE_SCENARIO,
		STORE_QUIZ_FINISH, STORE_RUBRIC,    STORE_LIVE_ANSWER,
	};
	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

/* An optional string field: absent or null is NULL; anything else must be a short string. */
static bool field(const cJSON *e, const char *name, size_t max, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, name);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max)
		return false;
	*out = v->valuestring;
	return true;
}

/* A whole number in (0, 2^53]: JSON numbers are doubles. */
static bool whole(const cJSON *v, int64_t *out)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 1 ||
	    v->valuedouble > 9007199254740992.0 || floor(v->valuedouble) != v->valuedouble)
		return false;
	*out = (int64_t)v->valuedouble;
	return true;
}

/* A chain as the wire carries it: 64 lower-case hex digits ("" too when empty_ok). */
static bool chain_of(const cJSON *v, bool empty_ok, const char **out)
{
	*out = NULL;
	if (!cJSON_IsString(v))
		return false;
	size_t n = strlen(v->valuestring);
	if (n == 0 && empty_ok) {
		*out = v->valuestring;
		return true;
	}
	if (n != STORE_CHAIN_HEX_LEN ||
	    strspn(v->valuestring, "0123456789abcdef") != STORE_CHAIN_HEX_LEN)
		return false;
	*out = v->valuestring;
	return true;
}

/* The batch's "after": {"id": N >= 0, "chain": hex, "" for id 0}. */
static bool after_of(const cJSON *a, struct wire_batch *out, struct error *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
	const char *chain = NULL;
	int64_t n = 0;
	bool zero = cJSON_IsNumber(id) && id->valuedouble == 0;
	if (!cJSON_IsObject(a) || !(zero || whole(id, &n)) ||
	    !chain_of(cJSON_GetObjectItemCaseSensitive(a, "chain"), true, &chain) ||
	    (n == 0) != (chain[0] == '\0'))
		return error_set(err, "a batch's \"after\" is {\"id\", \"chain\"} of the event "
				      "it follows");
	const cJSON *bare = cJSON_GetObjectItemCaseSensitive(a, "bare");
	if (bare && !cJSON_IsBool(bare))
		return error_set(err, "a batch's \"after\" has a \"bare\" that is not true or "
				      "false");
	out->has_after = true;
	out->after_bare = cJSON_IsTrue(bare);
	out->after_id = n;
	snprintf(out->after_chain, sizeof out->after_chain, "%s", chain);
	return true;
}

bool wire_batch_parse(const char *body, size_t len, struct wire_batch *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	cJSON *doc = NULL;
	const cJSON *o = object_of(body, len, &doc, err);
	if (!o)
		return false;
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(o, "events");
	int n = cJSON_GetArraySize(events);
	if (!cJSON_IsArray(events) || n > WIRE_BATCH_MAX) {
		cJSON_Delete(doc);
		return error_set(err, "a batch is {\"events\": [...]} of at most %d events",
				 WIRE_BATCH_MAX);
	}
	out->doc = doc;
	out->events = xcalloc((size_t)n + 1, sizeof(*out->events));
	const cJSON *after = cJSON_GetObjectItemCaseSensitive(o, "after");
	if (after && !after_of(after, out, err))
		goto bad;
	const cJSON *e;
	int64_t last = 0;
	cJSON_ArrayForEach(e, events)
	{
		struct store_event *ev = &out->events[out->n];
		size_t i = out->n + 1;
		if (!cJSON_IsObject(e) ||
		    !whole(cJSON_GetObjectItemCaseSensitive(e, "id"), &ev->id) ||
		    !whole(cJSON_GetObjectItemCaseSensitive(e, "at_ms"), &ev->at_ms)) {
			error_set(err, "event %zu of the batch needs a whole id and at_ms above 0",
				  i);
			goto bad;
		}
		if (ev->id <= last) {
			error_set(err, "event %zu of the batch has id %lld, not above %lld", i,
				  (long long)ev->id, (long long)last);
			goto bad;
		}
		last = ev->id;
		if (!field(e, "kind", WIRE_FIELD_MAX, &ev->kind) ||
		    !field(e, "module", WIRE_FIELD_MAX, &ev->module) ||
		    !field(e, "item", WIRE_FIELD_MAX, &ev->item) ||
		    !field(e, "hash", WIRE_FIELD_MAX, &ev->hash) ||
		    !field(e, "data", WIRE_DATA_MAX, &ev->data)) {
			error_set(err,
				  "event %zu of the batch has a field that is not a string of at "
				  "most its size",
				  i);
			goto bad;
		}
		const cJSON *chain = cJSON_GetObjectItemCaseSensitive(e, "chain");
		if (chain && !chain_of(chain, false, &ev->chain)) {
			error_set(err,
				  "event %zu of the batch has a chain that is not 64 hex digits",
				  i);
			goto bad;
		}
		if (ev->kind && !strcmp(ev->kind, WIRE_PRIVATE)) {
			if (ev->module || ev->item || ev->hash || ev->data) {
				error_set(err,
					  "event %zu of the batch is private and carries more than "
					  "its id and time",
					  i);
				goto bad;
			}
		} else if (!wire_kind_allowed(ev->kind)) {
			error_set(err,
				  "event %zu of the batch is of a kind a learner does not record",
				  i);
			goto bad;
		}
		if (ev->data) {
			cJSON *d = cJSON_Parse(ev->data);
			cJSON_Delete(d);
			if (!d) {
				error_set(err, "event %zu of the batch has data that is not JSON",
					  i);
				goto bad;
			}
		}
		out->n++;
	}
	return true;
bad:
	wire_batch_release(out);
	return false;
}

void wire_batch_release(struct wire_batch *b)
{
	free(b->events);
	cJSON_Delete(b->doc);
	memset(b, 0, sizeof(*b));
}

static void add_opt(cJSON *o, const char *name, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, name, v);
}

char *wire_batch_format(const struct store_event *events, size_t n, int64_t after_id,
			const char *after_chain, bool bare)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *after = cJSON_AddObjectToObject(root, "after");
	cJSON_AddNumberToObject(after, "id", (double)after_id);
	cJSON_AddStringToObject(after, "chain", after_chain ? after_chain : "");
	if (bare)
		cJSON_AddTrueToObject(after, "bare");
	cJSON *arr = cJSON_AddArrayToObject(root, "events");
	for (size_t i = 0; i < n; i++) {
		const struct store_event *ev = &events[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", (double)ev->id);
		cJSON_AddNumberToObject(e, "at_ms", (double)ev->at_ms);
		add_opt(e, "kind", ev->kind);
		add_opt(e, "module", ev->module);
		add_opt(e, "item", ev->item);
		add_opt(e, "hash", ev->hash);
		add_opt(e, "data", ev->data);
		add_opt(e, "chain", ev->chain);
		cJSON_AddItemToArray(arr, e);
	}
	char *text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}
