/*
 * The Lambda REST API over libcurl (loaded on first use: curl_lazy.h).
 */
#include "check/client.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "check/curl_lazy.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* A check step never waits longer than this for the cloud (the function's own timeout is
 * at most 900 s; exercises use a few seconds). */
#define CALL_TIMEOUT_S 120

struct lambda_client {
	const struct curl_api *api; /* NULL when libcurl cannot be loaded */
	CURL *curl;
	char *endpoint;
	char *auth;
};

void client_reply_release(struct lambda_reply *r)
{
	free(r->body);
	free(r->function_error);
	free(r->log);
	free(r->request_id);
	memset(r, 0, sizeof(*r));
}

char *client_reply_error(const struct lambda_reply *r)
{
	if (r->status == 0)
		return xstrdup(r->body ? r->body : "the cloud did not answer");
	cJSON *j = r->body ? cJSON_Parse(r->body) : NULL;
	const cJSON *m = j ? cJSON_GetObjectItemCaseSensitive(j, "message") : NULL;
	if (!m && j)
		m = cJSON_GetObjectItemCaseSensitive(j, "Message");
	const cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "Type") : NULL;
	(void)t;
	char *out = cJSON_IsString(m) ? xasprintf("HTTP %ld: %s", r->status, m->valuestring)
				      : xasprintf("HTTP %ld", r->status);
	cJSON_Delete(j);
	return out;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *client_base64_encode(const void *data, size_t len)
{
	const unsigned char *s = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i = 0;
	for (; i + 2 < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	if (i < len) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0);
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

char *client_base64_decode(const char *in, size_t *len)
{
	size_t n = strlen(in);
	char *out = xmalloc(n / 4 * 3 + 4);
	size_t o = 0;
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '=')
			break;
		const char *p = strchr(b64, in[i]);
		if (!p || !in[i]) {
			free(out);
			return NULL;
		}
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	if (len)
		*len = o;
	return out;
}

struct lambda_client *client_new(const char *endpoint, const char *access_key)
{
	struct lambda_client *c = xcalloc(1, sizeof(*c));
	struct error err;
	c->api = curl_api_get(&err);
	c->curl = c->api ? c->api->easy_init() : NULL;
	c->endpoint = xstrdup(endpoint);
	char date[16];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	/* The cloud reads the key from the credential scope; the signature is not checked. */
	c->auth = xasprintf("Authorization: AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/lambda/"
			    "aws4_request, SignedHeaders=host;x-amz-date, Signature=%064d",
			    access_key, date, 0);
	return c;
}

void client_free(struct lambda_client *c)
{
	if (!c)
		return;
	if (c->curl)
		c->api->easy_cleanup(c->curl);
	free(c->endpoint);
	free(c->auth);
	free(c);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	strbuf_add(ctx, data, size * n);
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct lambda_reply *r = ctx;
	size_t len = size * n;
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	size_t k = (size_t)(colon - data);
	const char *v = colon + 1;
	size_t vl = len - k - 1;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	char **slot = NULL;
	if (k == 20 && strncasecmp(data, "X-Amz-Function-Error", k) == 0)
		slot = &r->function_error;
	else if (k == 16 && strncasecmp(data, "X-Amz-Log-Result", k) == 0)
		slot = &r->log;
	else if (k == 16 && strncasecmp(data, "x-amzn-RequestId", k) == 0)
		slot = &r->request_id;
	if (slot) {
		free(*slot);
		*slot = xstrndup(v, vl);
	}
	return len;
}

static bool call(struct lambda_client *c, const char *method, const char *path, const char *body,
		 size_t body_len, const char *const *extra, struct lambda_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (!c->curl) {
		struct error err;
		error_clear(&err);
		if (!curl_api_get(&err))
			out->body = xstrdup(err.msg);
		else
			out->body = xstrdup("cannot start an HTTP client (libcurl)");
		return false;
	}
	const struct curl_api *api = c->api;
	CURL *h = c->curl;
	api->easy_reset(h);
	char *url = xasprintf("%s%s", c->endpoint, path);
	struct strbuf resp = STRBUF_INIT;
	struct curl_slist *hdrs = NULL;
	hdrs = api->slist_append(hdrs, c->auth);
	bool typed = false;
	for (size_t i = 0; extra && extra[i]; i++)
		typed = typed || strncasecmp(extra[i], "Content-Type:", 13) == 0;
	if (!typed)
		hdrs = api->slist_append(hdrs, "Content-Type: application/json");
	hdrs = api->slist_append(hdrs, "Expect:");
	for (size_t i = 0; extra && extra[i]; i++)
		hdrs = api->slist_append(hdrs, extra[i]);
	api->easy_setopt(h, CURLOPT_URL, url);
	api->easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	api->easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	api->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	api->easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	api->easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	api->easy_setopt(h, CURLOPT_HEADERDATA, out);
	api->easy_setopt(h, CURLOPT_TIMEOUT, (long)CALL_TIMEOUT_S);
	api->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	api->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	api->easy_setopt(h, CURLOPT_NOPROXY, "*");
	if (body) {
		api->easy_setopt(h, CURLOPT_POSTFIELDS, body);
		api->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	CURLcode rc = api->easy_perform(h);
	api->slist_free_all(hdrs);
	free(url);
	if (rc != CURLE_OK) {
		strbuf_release(&resp);
		out->status = 0;
		out->body = xasprintf("cannot reach the local cloud at %s: %s", c->endpoint,
				      api->easy_strerror(rc));
		return false;
	}
	api->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	out->len = resp.len;
	out->body = strbuf_detach(&resp);
	if (out->log) {
		char *decoded = client_base64_decode(out->log, NULL);
		free(out->log);
		out->log = decoded;
	}
	return true;
}

static char *escape_name(const char *name)
{
	/* Percent-encode all but RFC 3986's unreserved characters, as a path segment needs. */
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			strbuf_addch(&sb, *p);
		} else {
			strbuf_addch(&sb, '%');
			strbuf_addch(&sb, hex[*p >> 4]);
			strbuf_addch(&sb, hex[*p & 15]);
		}
	}
	return strbuf_detach(&sb);
}

bool client_create_function(struct lambda_client *c, const char *name, const char *runtime,
			    const char *handler, const char *arch, int memory, int timeout,
			    const char *env_json, const void *zip, size_t zip_len,
			    struct lambda_reply *out)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "FunctionName", name);
	cJSON_AddStringToObject(req, "Runtime", runtime);
	cJSON_AddStringToObject(req, "Handler", handler);
	cJSON_AddStringToObject(req, "Role", "arn:aws:iam::000000000000:role/lambda-tutor-check");
	cJSON_AddNumberToObject(req, "MemorySize", memory);
	cJSON_AddNumberToObject(req, "Timeout", timeout);
	if (arch) {
		cJSON *archs = cJSON_AddArrayToObject(req, "Architectures");
		cJSON_AddItemToArray(archs, cJSON_CreateString(arch));
	}
	if (env_json) {
		cJSON *vars = cJSON_Parse(env_json);
		cJSON *env = cJSON_AddObjectToObject(req, "Environment");
		cJSON_AddItemToObject(env, "Variables", vars ? vars : cJSON_CreateObject());
	}
	char *zb = client_base64_encode(zip, zip_len);
	cJSON *code = cJSON_AddObjectToObject(req, "Code");
	cJSON_AddItemToObject(code, "ZipFile", cJSON_CreateStringReference(zb));
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	bool ok = call(c, "POST", "/2015-03-31/functions", body, strlen(body), NULL, out);
	free(body);
	free(zb);
	return ok && out->status / 100 == 2;
}

bool client_get_configuration(struct lambda_client *c, const char *name, struct lambda_reply *out)
{
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s/configuration", e);
	bool ok = call(c, "GET", path, NULL, 0, NULL, out);
	free(path);
	free(e);
	return ok && out->status == 200;
}

bool client_invoke(struct lambda_client *c, const char *name, const char *payload,
		   struct lambda_reply *out)
{
	static const char *const extra[] = { "X-Amz-Invocation-Type: RequestResponse",
					     "X-Amz-Log-Type: Tail", NULL };
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s/invocations", e);
	bool ok = call(c, "POST", path, payload, strlen(payload), extra, out);
	free(path);
	free(e);
	return ok && out->status == 200;
}

bool client_delete_function(struct lambda_client *c, const char *name, struct lambda_reply *out)
{
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s", e);
	bool ok = call(c, "DELETE", path, NULL, 0, NULL, out);
	free(path);
	free(e);
	return ok && out->status / 100 == 2;
}

bool client_list_functions(struct lambda_client *c, struct lambda_reply *out)
{
	bool ok = call(c, "GET", "/2015-03-31/functions/?MaxItems=50", NULL, 0, NULL, out);
	return ok && out->status == 200;
}

bool client_update_configuration(struct lambda_client *c, const char *name, int memory, int timeout,
				 const char *env_json, struct lambda_reply *out)
{
	cJSON *req = cJSON_CreateObject();
	if (memory)
		cJSON_AddNumberToObject(req, "MemorySize", memory);
	if (timeout)
		cJSON_AddNumberToObject(req, "Timeout", timeout);
	if (env_json) {
		cJSON *vars = cJSON_Parse(env_json);
		cJSON *env = cJSON_AddObjectToObject(req, "Environment");
		cJSON_AddItemToObject(env, "Variables", vars ? vars : cJSON_CreateObject());
	}
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s/configuration", e);
	bool ok = call(c, "PUT", path, body, strlen(body), NULL, out);
	free(path);
	free(e);
	free(body);
	return ok && out->status == 200;
}

bool client_update_code(struct lambda_client *c, const char *name, const void *zip, size_t zip_len,
			struct lambda_reply *out)
{
	char *zb = client_base64_encode(zip, zip_len);
	cJSON *req = cJSON_CreateObject();
	cJSON_AddItemToObject(req, "ZipFile", cJSON_CreateStringReference(zb));
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s/code", e);
	bool ok = call(c, "PUT", path, body, strlen(body), NULL, out);
	free(path);
	free(e);
	free(body);
	free(zb);
	return ok && out->status == 200;
}

bool client_get_function(struct lambda_client *c, const char *name, struct lambda_reply *out)
{
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s", e);
	bool ok = call(c, "GET", path, NULL, 0, NULL, out);
	free(path);
	free(e);
	return ok && out->status == 200;
}

bool client_fetch(struct lambda_client *c, const char *url, struct lambda_reply *out)
{
	if (strncmp(url, c->endpoint, strlen(c->endpoint)) != 0) {
		memset(out, 0, sizeof(*out));
		out->body = xasprintf("refusing to fetch '%s': not the local cloud", url);
		return false;
	}
	/* Code.Location is absolute; call() takes a path on the endpoint. */
	bool ok = call(c, "GET", url + strlen(c->endpoint), NULL, 0, NULL, out);
	return ok && out->status == 200;
}

bool client_logs(struct lambda_client *c, const char *action, const char *body,
		 struct lambda_reply *out)
{
	char *target = xasprintf("X-Amz-Target: Logs_20140328.%s", action);
	const char *const extra[] = { target, "Content-Type: application/x-amz-json-1.1", NULL };
	bool ok = call(c, "POST", "/", body, strlen(body), extra, out);
	free(target);
	return ok && out->status == 200;
}
