/*
 * The statements API client. libcurl is opened with dlopen() here, on the first send, so the
 * tutor's every other command starts without it (tests/check-startup-libs.sh).
 */
#include "class/lrs.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

struct curl_api {
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	const char *(*strerror)(CURLcode);
};

static bool curl_load(struct curl_api *api, struct error *err)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		lib = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return error_set(err,
				 "sending to an LRS needs libcurl (Debian: apt-get install "
				 "libcurl4): %s",
				 dlerror());
	struct {
		const char *name;
		void **slot;
	} syms[] = {
		{ "curl_easy_init", (void **)&api->init },
		{ "curl_easy_setopt", (void **)&api->setopt },
		{ "curl_easy_perform", (void **)&api->perform },
		{ "curl_easy_getinfo", (void **)&api->getinfo },
		{ "curl_easy_cleanup", (void **)&api->cleanup },
		{ "curl_slist_append", (void **)&api->slist_append },
		{ "curl_slist_free_all", (void **)&api->slist_free_all },
		{ "curl_easy_strerror", (void **)&api->strerror },
	};
	for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		*syms[i].slot = dlsym(lib, syms[i].name);
		if (!*syms[i].slot)
			return error_set(err, "libcurl lacks %s", syms[i].name);
	}
	return true;
}

/* ---- the ledger: one acknowledged id a line ---- */

struct ids {
	char **v;
	size_t n;
};

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ledger_read(const char *path, struct ids *out, struct error *err)
{
	*out = (struct ids){ 0 };
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? true
				       : error_set(err, "cannot read the ledger %s: %s", path,
						   strerror(errno));
	char line[128];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
		out->v[out->n++] = xstrdup(line);
	}
	fclose(f);
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, cmp_id);
	return true;
}

static bool ids_has(const struct ids *s, const char *id)
{
	return s->n && bsearch(&id, s->v, s->n, sizeof *s->v, cmp_id) != NULL;
}

static void ids_release(struct ids *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/*
 * The statements an LRS refused for their content, beside the ledger (LEDGER.refused): one a
 * line, "<id> <SHA-256 of the statement> <why>". A statement found there with the same content
 * is set aside: never sent again, counted but not reported again. Changed content (the course
 * renamed an activity, a conflict resolved by hand) is a new statement and is sent.
 */
struct refused {
	char **keys; /* "<id> <hash>", sorted */
	size_t n;
};

static char *refused_path(const char *ledger)
{
	return xasprintf("%s.refused", ledger);
}

static bool refused_read(const char *ledger, struct refused *out, struct error *err)
{
	*out = (struct refused){ 0 };
	char *path = refused_path(ledger);
	FILE *f = fopen(path, "r");
	if (!f) {
		bool ok = errno == ENOENT ||
			  error_set(err, "cannot read %s: %s", path, strerror(errno));
		free(path);
		return ok;
	}
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		if (!strchr(line, '\n') && !feof(f)) { /* a long reason: skip its rest */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
		}
		char *sp = strchr(line, ' ');
		size_t key = sp ? (size_t)(sp - line) + 1 + strcspn(sp + 1, " \r\n") : 0;
		if (!sp || key <= (size_t)(sp - line) + 1)
			continue;
		out->keys = xreallocarray(out->keys, out->n + 1, sizeof *out->keys);
		out->keys[out->n++] = xstrndup(line, key);
	}
	fclose(f);
	free(path);
	if (out->n)
		qsort(out->keys, out->n, sizeof *out->keys, cmp_id);
	return true;
}

static char *refused_key(const char *id, const char *text, size_t len)
{
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(text, len, hex);
	return xasprintf("%s %s", id, hex);
}

static bool refused_has(const struct refused *r, const char *key)
{
	return r->n && bsearch(&key, r->keys, r->n, sizeof *r->keys, cmp_id) != NULL;
}

static void refused_release(struct refused *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->keys[i]);
	free(r->keys);
}

/* Record a refused statement, durably, so that no later run sends it again. */
static bool refused_add(const char *ledger, const char *key, const char *why, struct error *err)
{
	char *path = refused_path(ledger);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set(err, "cannot write %s: %s", path, strerror(errno));
		free(path);
		return false;
	}
	char *line = xasprintf("%s %s\n", key, why);
	for (char *p = line; p[1]; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	size_t n = strlen(line);
	bool ok = write(fd, line, n) == (ssize_t)n && fsync(fd) == 0;
	if (!ok)
		error_set(err, "cannot write %s: %s", path, strerror(errno));
	free(line);
	close(fd);
	free(path);
	return ok;
}

/* Append ids to the ledger, durably, before they count as sent. */
static bool ledger_add(const char *path, char *const *ids, size_t n, struct error *err)
{
	char *dir = path_dirname(path);
	bool ok = path_mkdirs(dir, 0700, err);
	free(dir);
	if (!ok)
		return false;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, "cannot write the ledger %s: %s", path, strerror(errno));
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(&sb, ids[i]);
		strbuf_addch(&sb, '\n');
	}
	ok = write(fd, sb.buf, sb.len) == (ssize_t)sb.len && fsync(fd) == 0;
	if (!ok)
		error_set(err, "cannot write the ledger %s: %s", path, strerror(errno));
	strbuf_release(&sb);
	close(fd);
	return ok;
}

/* ---- sending ---- */

struct sender {
	const struct lrs_opts *o;
	struct curl_api api;
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	const char **lines; /* the statements to send, as text */
	size_t *lens;
	char **ids;
	char **keys; /* refused_key() of each */
	struct lrs_report *rep;
	struct error *err;
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	strbuf_add(ctx, data, size * n);
	return size * n;
}

/* POST statements [lo, hi); the status, 0 when there was no answer (why in *why). */
static long post(struct sender *s, size_t lo, size_t hi, struct strbuf *reply, char *why,
		 size_t why_len)
{
	struct strbuf body = STRBUF_INIT;
	strbuf_addch(&body, '[');
	for (size_t i = lo; i < hi; i++) {
		if (i > lo)
			strbuf_addch(&body, ',');
		strbuf_add(&body, s->lines[i], s->lens[i]);
	}
	strbuf_addch(&body, ']');
	strbuf_reset(reply);
	s->api.setopt(s->curl, CURLOPT_POSTFIELDS, body.buf);
	s->api.setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
	s->api.setopt(s->curl, CURLOPT_WRITEDATA, reply);
	s->rep->requests++;
	CURLcode rc = s->api.perform(s->curl);
	long status = 0;
	if (rc == CURLE_OK)
		s->api.getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(why, why_len, "%s", s->api.strerror(rc));
	strbuf_release(&body);
	return status;
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The first line of an LRS's answer, at most 200 bytes, for a one-line message. */
static void first_line(const struct strbuf *reply, char *out, size_t len)
{
	const char *t = reply->buf ? reply->buf : "";
	size_t n = strcspn(t, "\r\n");
	if (n > 200)
		n = 200;
	snprintf(out, len, "%.*s", (int)n, t);
}

enum outcome {
	SENT,
	STOP
};

static enum outcome send_range(struct sender *s, size_t lo, size_t hi)
{
	struct strbuf reply = STRBUF_INIT;
	char why[256] = "";
	int tries = s->o->tries > 0 ? s->o->tries : LRS_TRIES;
	int wait = s->o->pause_ms > 0 ? s->o->pause_ms : 500;
	enum outcome out = STOP;
	for (int t = 0; t < tries; t++) {
		if (t)
			pause_ms(wait << (t - 1));
		long status = post(s, lo, hi, &reply, why, sizeof why);
		if (status >= 200 && status < 300) {
			if (ledger_add(s->o->ledger, s->ids + lo, hi - lo, s->err)) {
				s->rep->sent += hi - lo;
				out = SENT;
			}
			goto done;
		}
		if (status == 400 || status == 409 || status == 413) {
			/* The LRS refuses the whole batch for one statement: find it. */
			if (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;
				out = send_range(s, lo, mid) == SENT ? send_range(s, mid, hi)
								     : STOP;
				goto done;
			}
			char line[256];
			first_line(&reply, line, sizeof line);
			fprintf(stderr,
				"lambda-tutor: the LRS refused statement %s (HTTP %ld%s): %s\n",
				s->ids[lo], status,
				status == 409 ? ", it holds a different statement with this id"
					      : "",
				line[0] ? line : "no reason given");
			/* Its content is the reason: set it aside for good, sending it again
			 * would only be refused again. */
			char why_line[300];
			snprintf(why_line, sizeof why_line, "HTTP %ld: %s", status,
				 line[0] ? line : "no reason given");
			if (!refused_add(s->o->ledger, s->keys[lo], why_line, s->err))
				goto done;
			s->rep->refused++;
			out = SENT;
			goto done;
		}
		if (status == 401 || status == 403) {
			error_set(s->err,
				  "the LRS at %s refused the credentials (HTTP %ld): check --auth",
				  s->url, status);
			goto done;
		}
		if (status && status != 408 && status != 429 && status < 500) {
			char line[256];
			first_line(&reply, line, sizeof line);
			error_set(s->err, "the LRS at %s answered HTTP %ld: %s", s->url, status,
				  line[0] ? line : "no reason given");
			goto done;
		}
		if (status)
			snprintf(why, sizeof why, "HTTP %ld", status);
	}
	error_set(s->err, "the LRS at %s did not take the statements after %d tries: %s", s->url,
		  tries, why);
done:
	strbuf_release(&reply);
	return out;
}

static bool sender_open(struct sender *s)
{
	if (!curl_load(&s->api, s->err))
		return false;
	s->curl = s->api.init();
	if (!s->curl)
		return error_set(s->err, "libcurl could not start");
	const char *u = s->o->url;
	size_t n = strlen(u);
	while (n && u[n - 1] == '/')
		n--;
	bool has = n >= 11 && !strncmp(u + n - 11, "/statements", 11);
	s->url = xasprintf("%.*s%s", (int)n, u, has ? "" : "/statements");
	char *version = xasprintf("X-Experience-API-Version: %s",
				  s->o->version ? s->o->version : LRS_VERSION);
	s->headers = s->api.slist_append(NULL, version);
	free(version);
	s->headers = s->api.slist_append(s->headers, "Content-Type: application/json");
	s->headers = s->api.slist_append(s->headers, "Expect:");
	long timeout = s->o->timeout_ms > 0 ? s->o->timeout_ms : 30000;
	s->api.setopt(s->curl, CURLOPT_URL, s->url);
	s->api.setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	s->api.setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	s->api.setopt(s->curl, CURLOPT_TIMEOUT_MS, timeout);
	s->api.setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	s->api.setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
	s->api.setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (s->o->auth) {
		s->api.setopt(s->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		s->api.setopt(s->curl, CURLOPT_USERPWD, s->o->auth);
	}
	return true;
}

static const struct ids *sort_ids; /* what cmp_index compares by; one sort at a time */

static int cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_ids->v[x], sort_ids->v[y]);
	return c ? c : (x > y) - (x < y);
}

/* Keep the first of statements that share an id (an LRS refuses a batch holding both);
 * the number dropped. */
static size_t drop_repeats(struct ids *ids, const char **lines, size_t *lens, char **keys)
{
	if (ids->n < 2)
		return 0;
	size_t *order = xcalloc(ids->n, sizeof *order);
	bool *drop = xcalloc(ids->n, sizeof *drop);
	for (size_t i = 0; i < ids->n; i++)
		order[i] = i;
	sort_ids = ids;
	qsort(order, ids->n, sizeof *order, cmp_index);
	for (size_t i = 1; i < ids->n; i++)
		drop[order[i]] = !strcmp(ids->v[order[i - 1]], ids->v[order[i]]);
	size_t n = 0, dropped = 0;
	for (size_t i = 0; i < ids->n; i++) {
		if (drop[i]) {
			free(ids->v[i]);
			free(keys[i]);
			dropped++;
			continue;
		}
		ids->v[n] = ids->v[i];
		keys[n] = keys[i];
		lines[n] = lines[i];
		lens[n] = lens[i];
		n++;
	}
	ids->n = n;
	free(order);
	free(drop);
	return dropped;
}

bool lrs_send(const struct lrs_opts *o, const char *jsonl, size_t len, struct lrs_report *rep,
	      struct error *err)
{
	*rep = (struct lrs_report){ 0 };
	struct ids done;
	if (!ledger_read(o->ledger, &done, err))
		return false;
	struct refused refused;
	if (!refused_read(o->ledger, &refused, err)) {
		ids_release(&done);
		return false;
	}
	char **keys = NULL;
	struct sender s = { .o = o, .rep = rep, .err = err };
	size_t cap = 0;
	bool ok = false;
	struct ids seen = { 0 }; /* ids of this input, to send each once */
	for (size_t at = 0, lineno = 1; at < len; lineno++) {
		size_t n = strcspn(jsonl + at, "\n");
		if (at + n > len)
			n = len - at;
		const char *line = jsonl + at;
		at += n + 1;
		if (!n)
			continue;
		cJSON *st = cJSON_ParseWithLength(line, n);
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(st, "id");
		if (!cJSON_IsString(id)) {
			cJSON_Delete(st);
			error_set(err, "line %zu is not a statement with an id", lineno);
			goto out;
		}
		rep->statements++;
		char *key = ids_has(&done, id->valuestring) ? NULL
							    : refused_key(id->valuestring, line, n);
		if (!key) {
			rep->already++;
		} else if (refused_has(&refused, key)) {
			rep->set_aside++;
			free(key);
		} else {
			if (seen.n == cap) {
				cap = cap ? cap * 2 : 64;
				seen.v = xreallocarray(seen.v, cap, sizeof *seen.v);
				keys = xreallocarray(keys, cap, sizeof *keys);
				s.lines = xreallocarray(s.lines, cap, sizeof *s.lines);
				s.lens = xreallocarray(s.lens, cap, sizeof *s.lens);
			}
			s.lines[seen.n] = line;
			s.lens[seen.n] = n;
			keys[seen.n] = key;
			seen.v[seen.n++] = xstrdup(id->valuestring);
		}
		cJSON_Delete(st);
	}
	rep->already += drop_repeats(&seen, s.lines, s.lens, keys);
	s.ids = seen.v;
	s.keys = keys;
	ok = true;
	if (seen.n) {
		ok = sender_open(&s);
		size_t batch = o->batch ? o->batch : LRS_BATCH;
		for (size_t lo = 0; ok && lo < seen.n; lo += batch) {
			size_t hi = lo + batch < seen.n ? lo + batch : seen.n;
			ok = send_range(&s, lo, hi) == SENT;
		}
	}
out:
	rep->pending = rep->statements - rep->already - rep->set_aside - rep->sent - rep->refused;
	if (s.curl)
		s.api.cleanup(s.curl);
	if (s.headers)
		s.api.slist_free_all(s.headers);
	free(s.url);
	free(s.lines);
	free(s.lens);
	for (size_t i = 0; i < seen.n; i++)
		free(keys[i]);
	free(keys);
	ids_release(&seen);
	ids_release(&done);
	refused_release(&refused);
	return ok && rep->pending == 0;
}

bool lrs_url_check(const char *url, struct error *err)
{
	const char *p = url;
	if (!strncmp(p, "http://", 7))
		p += 7;
	else if (!strncmp(p, "https://", 8))
		p += 8;
	else
		return error_set(
			err, "--lrs takes the LRS's http:// or https:// endpoint, not '%s'", url);
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return error_set(err, "--lrs '%s' holds a space or a control character",
					 url);
	size_t auth = strcspn(p, "/?#");
	if (memchr(p, '@', auth))
		return error_set(
			err, "--lrs '%s' holds credentials: give them with --auth KEY:SECRET", url);
	if (p[strcspn(p, "?#")])
		return error_set(err, "--lrs '%s' has a query or fragment: give the endpoint alone",
				 url);
	const char *host = p, *port = NULL;
	size_t host_len;
	if (*p == '[') {
		const char *close = memchr(p, ']', auth);
		if (!close || close == p + 1)
			return error_set(err, "--lrs '%s' has an IPv6 address without its ']'",
					 url);
		host_len = (size_t)(close - p) + 1;
		for (const char *c = p + 1; c < close; c++)
			if (!strchr("0123456789abcdefABCDEF:.", *c))
				return error_set(err, "--lrs '%s' has a malformed IPv6 address",
						 url);
		if (close[1] == ':')
			port = close + 2;
		else if (close + 1 != p + auth)
			return error_set(err, "--lrs '%s': only ':PORT' may follow ']'", url);
	} else {
		const char *colon = memchr(p, ':', auth);
		host_len = colon ? (size_t)(colon - p) : auth;
		port = colon ? colon + 1 : NULL;
		for (size_t i = 0; i < host_len; i++)
			if (!(host[i] == '-' || host[i] == '.' ||
			      (host[i] >= '0' && host[i] <= '9') ||
			      ((host[i] | 0x20) >= 'a' && (host[i] | 0x20) <= 'z')))
				return error_set(err, "--lrs '%s': '%c' cannot be in a host name",
						 url, host[i]);
	}
	if (!host_len)
		return error_set(err, "--lrs '%s' names no host", url);
	if (port) {
		size_t n = (size_t)(p + auth - port);
		long v = 0;
		for (size_t i = 0; i < n && v <= 65535; i++) {
			if (port[i] < '0' || port[i] > '9')
				return error_set(err, "--lrs '%s': the port is not a number", url);
			v = v * 10 + (port[i] - '0');
		}
		if (!n)
			return error_set(err, "--lrs '%s': no port after ':'", url);
		if (v < 1 || v > 65535)
			return error_set(err, "--lrs '%s': the port must be 1 to 65535", url);
	}
	return true;
}

char *lrs_default_ledger(const char *url)
{
	char *data = path_xdg_data_home();
	if (!data)
		return NULL;
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(url, strlen(url), hex);
	hex[16] = '\0';
	char *path = xasprintf("%s/lambda-tutor/lrs/%s.sent", data, hex);
	free(data);
	return path;
}
