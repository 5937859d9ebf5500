/*
 * The learner's side of the class server: joining, and sending what the server lacks.
 */
#include "class/link.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "class/room.h"
#include "class/tls.h"
#include "class/wire.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "store/store.h"

#define BATCH_BYTES (1024 * 1024)

char *link_path(const char *db_path)
{
	return xasprintf("%s.class.json", db_path);
}

struct link {
	char *url, *learner, *token;
	char *fingerprint; /* https: the server's certificate, pinned at join */
	int64_t acked;     /* the last event the server said it holds */
};

/* The pusher's stop flag on its thread: a TLS exchange under way ends at a stop. */
static _Thread_local const volatile int *link_cancel;

/* Write the link file (0600, atomically). */
static bool link_write(const char *db_path, const struct link *l, struct error *err)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "url", l->url);
	cJSON_AddStringToObject(o, "learner", l->learner);
	cJSON_AddStringToObject(o, "token", l->token);
	if (l->fingerprint)
		cJSON_AddStringToObject(o, "fingerprint", l->fingerprint);
	cJSON_AddNumberToObject(o, "acked", (double)l->acked);
	char *text = cJSON_Print(o);
	cJSON_Delete(o);
	char *path = link_path(db_path);
	char *dir = path_dirname(path);
	bool ok =
		path_mkdirs(dir, 0700, err) && path_write_file(path, text, strlen(text), 0600, err);
	explicit_bzero(text, strlen(text));
	cJSON_free(text);
	free(dir);
	free(path);
	return ok;
}

static void link_release(struct link *l)
{
	if (l->token)
		explicit_bzero(l->token, strlen(l->token));
	free(l->url);
	free(l->learner);
	free(l->token);
	free(l->fingerprint);
}

/* Read the link file; false without err when there is none. */
static bool link_read(const char *db_path, struct link *out, bool *present, struct error *err)
{
	memset(out, 0, sizeof(*out));
	char *path = link_path(db_path);
	*present = path_is_file(path);
	bool ok = !*present;
	char *text = *present ? path_read_file(path, 4096, NULL, err) : NULL;
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "url"));
	const char *learner =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "learner"));
	const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "token"));
	if (*present && text && (!url || !learner || !token))
		error_set(err, "'%s' is not a class link; remove it and join again", path);
	else if (*present && text) {
		out->url = xstrdup(url);
		out->learner = xstrdup(learner);
		out->token = xstrdup(token);
		const char *fp =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "fingerprint"));
		out->fingerprint = fp ? xstrdup(fp) : NULL;
		const cJSON *acked = cJSON_GetObjectItemCaseSensitive(doc, "acked");
		out->acked = cJSON_IsNumber(acked) ? (int64_t)acked->valuedouble : 0;
		ok = true;
	}
	cJSON_Delete(doc);
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
	free(path);
	return ok;
}

/* The server's one-line reason from an answer, else its status. */
static void server_error(const struct lambda_reply *r, const char *url, struct error *err)
{
	cJSON *doc = r->body ? cJSON_Parse(r->body) : NULL;
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "error"));
	char *hostport =
		strncmp(url, "http://", 7) == 0 ? xstrndup(url + 7, strcspn(url + 7, "/")) : NULL;
	if (r->status == 0 && hostport && tls_spoken(hostport))
		error_set(err,
			  "the class server at %s speaks TLS: join https://%s with the fingerprint "
			  "the trainer shows",
			  url, hostport);
	else if (r->status == 0)
		error_set(err, "cannot reach the class server at %s", url);
	else if (msg)
		error_set(err, "the class server refused: %s", msg);
	else
		error_set(err, "the class server at %s answered HTTP %ld", url, r->status);
	free(hostport);
	cJSON_Delete(doc);
}

/* A client of a server at http://HOST:PORT or unix:PATH; NULL for https (class/tls.h). */
static struct lambda_client *client_of(const char *url)
{
	if (strncmp(url, "unix:", 5) == 0)
		return client_new_control(url + 5);
	if (strncmp(url, "https://", 8) == 0)
		return NULL;
	return client_new(url, NULL, NULL);
}

/*
 * One request to the server at url (over c, or TLS pinned to pin). False and err only when
 * TLS showed another certificate or failed; an unreachable server is r->status 0.
 */
static bool link_request(struct lambda_client *c, const char *url, const char *pin, char *seen,
			 const char *method, const char *path, const char *const *headers,
			 const char *body, size_t len, struct lambda_reply *r, struct error *err)
{
	if (!c)
		return tls_exchange(url + 8, pin, seen, method, path, headers, body, len,
				    link_cancel, r, err);
	client_request(c, method, path, body ? "application/json" : NULL, headers, body, len, r);
	return true;
}

bool link_join(const char *db_path, const char *url, const char *code, const char *learner,
	       const char *pin, char *fingerprint, struct error *err)
{
	struct link old;
	bool present = false;
	if (!link_read(db_path, &old, &present, err))
		return false;
	if (present) {
		char *path = link_path(db_path);
		error_set(err, "this record already belongs to the class at %s as '%s' (%s)",
			  old.url, old.learner, path);
		free(path);
		link_release(&old);
		return false;
	}
	bool tls = strncmp(url, "https://", 8) == 0;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "unix:", 5) != 0 && !tls)
		return error_set(
			err, "a class server's address starts https://, http:// or unix: ('%s')",
			url);
	if (pin && !tls)
		return error_set(err, "a certificate fingerprint is for an https:// server");
	char *base = xstrdup(url);
	size_t n = strlen(base);
	while (n > 8 && base[n - 1] == '/')
		base[--n] = '\0';
	char seen[TLS_FINGERPRINT_LEN] = "";
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "code", code);
	cJSON_AddStringToObject(req, "learner", learner);
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	struct lambda_client *c = client_of(base);
	struct lambda_reply r = { 0 };
	bool ok = false;
	cJSON *doc = NULL;
	if (!link_request(c, base, pin, seen, "POST", "/v1/join", NULL, body, strlen(body), &r,
			  err))
		goto out;
	doc = r.status == 201 && r.body ? cJSON_Parse(r.body) : NULL;
	const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "token"));
	/* The server's name for the learner: on a Unix socket, the kernel's. */
	const char *named = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "learner"));
	if (!token || !named) {
		server_error(&r, base, err);
	} else {
		struct link l = { .url = base,
				  .learner = (char *)named,
				  .token = (char *)token,
				  .fingerprint = tls ? seen : NULL };
		ok = link_write(db_path, &l, err);
		if (fingerprint)
			snprintf(fingerprint, TLS_FINGERPRINT_LEN, "%s", seen);
	}
out:
	cJSON_Delete(doc);
	client_reply_release(&r);
	client_free(c);
	free(body);
	free(base);
	return ok;
}

/* Events of the record after some id, copied. */
struct pending {
	int64_t after;
	struct store_event *v;
	/* calc[i]: the chain at v[i] computed again over the record as it is now */
	char (*calc)[STORE_CHAIN_HEX_LEN + 1];
	char calc_last[STORE_CHAIN_HEX_LEN + 1]; /* the same for the last event read */
	bool *bare; /* bare[i]: v[i] carries no chain (recorded before chains) */
	size_t n, alloc;
};

static char *dup_opt(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static bool collect(const struct store_event *ev, void *ctx)
{
	struct pending *p = ctx;
	/* Each event goes with the chain it carries (none for one recorded before chains), and
	 * the record's chain is computed again from its start as it reads now. */
	store_chain_compute(p->calc_last, ev, p->calc_last);
	if (ev->id <= p->after)
		return true;
	/* A trainer's kind (a review made in this record) is never the class's: it stays here,
	 * and only its place goes, so that the class sees no gap in the record's ids. */
	bool private = !wire_kind_allowed(ev->kind);
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 64;
		p->v = xreallocarray(p->v, p->alloc, sizeof(*p->v));
		p->calc = xreallocarray(p->calc, p->alloc, sizeof(*p->calc));
		p->bare = xreallocarray(p->bare, p->alloc, sizeof(*p->bare));
	}
	memcpy(p->calc[p->n], p->calc_last, sizeof p->calc[0]);
	p->bare[p->n] = !ev->chain;
	struct store_event *e = &p->v[p->n++];
	if (private) {
		*e = (struct store_event){ .id = ev->id,
					   .at_ms = ev->at_ms,
					   .kind = xstrdup(WIRE_PRIVATE),
					   .chain = dup_opt(ev->chain) };
		return true;
	}
	*e = (struct store_event){ .id = ev->id,
				   .at_ms = ev->at_ms,
				   .kind = xstrdup(ev->kind),
				   .module = dup_opt(ev->module),
				   .item = dup_opt(ev->item),
				   .hash = dup_opt(ev->hash),
				   .data = dup_opt(ev->data),
				   .chain = dup_opt(ev->chain) };
	return true;
}

static void pending_release(struct pending *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free((char *)p->v[i].kind);
		free((char *)p->v[i].module);
		free((char *)p->v[i].item);
		free((char *)p->v[i].hash);
		free((char *)p->v[i].data);
		free((char *)p->v[i].chain);
	}
	free(p->v);
	free(p->calc);
	free(p->bare);
}

/* The server's acked and recorded from an answer; false when it holds neither. */
static bool read_ack(const struct lambda_reply *r, struct link_sync *out)
{
	cJSON *doc = r->body ? cJSON_Parse(r->body) : NULL;
	const cJSON *acked = cJSON_GetObjectItemCaseSensitive(doc, "acked");
	const cJSON *refused = cJSON_GetObjectItemCaseSensitive(doc, "refused");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(doc, "refused_count");
	bool ok = cJSON_IsNumber(acked);
	if (ok)
		out->acked = (int64_t)acked->valuedouble;
	const char *why = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(refused, 0), "why"));
	if (why && !out->refused)
		snprintf(out->first_refusal, sizeof(out->first_refusal), "%s", why);
	if (cJSON_IsNumber(count) && count->valuedouble > 0)
		out->refused += (size_t)count->valuedouble;
	cJSON_Delete(doc);
	return ok;
}

/* The package a check run names ("package": {"sha256"}), or "" when none. */
static void package_of(const struct store_event *ev, char sha[SHA256_HEX_LEN + 1])
{
	sha[0] = '\0';
	if (strcmp(ev->kind, STORE_CHECK_RUN) != 0 || !ev->data)
		return;
	cJSON *d = cJSON_Parse(ev->data);
	const char *h = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(d, "package"), "sha256"));
	if (h && strlen(h) == SHA256_HEX_LEN)
		snprintf(sha, SHA256_HEX_LEN + 1, "%s", h);
	cJSON_Delete(d);
}

/*
 * Send the packages of the check runs in v[0..n) before the runs themselves, so a result
 * reaches the class with the code it ran on. A package no longer beside the record is skipped
 * (the server then holds the run as one it cannot re-run). False and err when the server
 * refused one; *offline when it could not be reached.
 */
static bool send_packages(struct lambda_client *c, const struct link *l, const char *db_path,
			  const char *const *headers, const struct store_event *v, size_t n,
			  bool *offline, struct error *err)
{
	*offline = false;
	for (size_t i = 0; i < n; i++) {
		char sha[SHA256_HEX_LEN + 1];
		package_of(&v[i], sha);
		if (!sha[0])
			continue;
		char *file = store_package_path(db_path, sha);
		size_t len = 0;
		struct error rerr;
		char *zip = path_is_file(file) ? path_read_file(file, WIRE_BODY_MAX, &len, &rerr)
					       : NULL;
		free(file);
		if (!zip)
			continue;
		char *path = xasprintf("/v1/packages/%s", sha);
		struct lambda_reply r = { 0 };
		bool ok = link_request(c, l->url, l->fingerprint, NULL, "POST", path, headers, zip,
				       len, &r, err);
		free(path);
		free(zip);
		if (ok && r.status == 0)
			*offline = true;
		else if (ok && r.status == 413)
			; /* over what the class keeps: the run goes without its code */
		else if (ok && r.status != 200 && r.status != 201) {
			server_error(&r, l->url, err);
			ok = false;
		}
		client_reply_release(&r);
		if (!ok || *offline)
			return ok;
	}
	return true;
}

bool link_sync(const char *db_path, struct link_sync *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	struct link l;
	bool present = false;
	if (!link_read(db_path, &l, &present, err))
		return false;
	if (!present)
		return true;
	out->linked = true;
	snprintf(out->url, sizeof(out->url), "%s", l.url);
	snprintf(out->learner, sizeof(out->learner), "%s", l.learner);
	bool ok = false;
	char *auth = xasprintf("Authorization: Bearer %s", l.token);
	const char *headers[] = { auth, NULL };
	struct lambda_client *c = client_of(l.url);
	struct store *s = store_open_readonly(db_path, err);
	struct pending p = { 0 };
	struct lambda_reply r = { 0 };
	if (!s || !store_each(s, NULL, collect, &p, err))
		goto out;
	if (!link_request(c, l.url, l.fingerprint, NULL, "GET", "/v1/acked", headers, NULL, 0, &r,
			  err))
		goto out;
	if (r.status == 0) {
		out->offline = true;
		out->acked = l.acked;
		for (size_t k = 0; k < p.n; k++)
			out->pending += p.v[k].id > l.acked;
		ok = true;
		goto out;
	}
	if (r.status != 200 || !read_ack(&r, out)) {
		server_error(&r, l.url, err);
		goto out;
	}
	/* A record that ends before what the class holds is not the one that joined. */
	int64_t last = p.n ? p.v[p.n - 1].id : 0;
	if (out->acked > last) {
		error_set(
			err,
			"the class holds %lld events of yours but this record has %lld: it is not "
			"the record that joined, and its events would not count; ask the trainer",
			(long long)out->acked, (long long)last);
		goto out;
	}
	size_t i = 0;
	while (i < p.n && p.v[i].id <= out->acked)
		i++;
	while (i < p.n) {
		size_t j = i, bytes = 0;
		while (j < p.n && j - i < WIRE_BATCH_MAX && (j == i || bytes < BATCH_BYTES)) {
			bytes += (p.v[j].data ? strlen(p.v[j].data) : 0) + 256;
			j++;
		}
		bool away = false;
		if (!send_packages(c, &l, db_path, headers, p.v + i, j - i, &away, err))
			goto out;
		if (away) {
			out->offline = true;
			out->pending = p.n - i;
			ok = true;
			goto out;
		}
		/* The event the batch follows, as the record reads now: one changed since the
		 * class received it is told by its chain. */
		char *body = wire_batch_format(p.v + i, j - i, i ? p.v[i - 1].id : 0,
					       i ? p.calc[i - 1] : "", i && p.bare[i - 1]);
		client_reply_release(&r);
		bool sent = link_request(c, l.url, l.fingerprint, NULL, "POST", "/v1/events",
					 headers, body, strlen(body), &r, err);
		cJSON_free(body);
		if (!sent)
			goto out;
		if (r.status == 0) {
			out->offline = true;
			out->pending = p.n - i;
			ok = true;
			goto out;
		}
		if (r.status != 200 || !read_ack(&r, out)) {
			server_error(&r, l.url, err);
			goto out;
		}
		out->sent += (size_t)(j - i);
		if (out->acked < p.v[j - 1].id) {
			error_set(err, "the class server holds up to event %lld of %lld sent",
				  (long long)out->acked, (long long)p.v[j - 1].id);
			goto out;
		}
		i = j;
	}
	for (size_t k = 0; k < p.n; k++)
		out->pending += p.v[k].id > out->acked;
	ok = true;
out:
	/* Remembered, so that offline the learner is told what waits. */
	if (out->acked > l.acked) {
		l.acked = out->acked;
		struct error werr;
		link_write(db_path, &l, &werr);
	}
	client_reply_release(&r);
	pending_release(&p);
	store_close(s);
	client_free(c);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	link_release(&l);
	return ok;
}

bool link_room(const char *db_path, bool *offline, struct error *err)
{
	*offline = false;
	struct link l;
	bool present = false;
	if (!link_read(db_path, &l, &present, err) || !present)
		return false;
	char *auth = xasprintf("Authorization: Bearer %s", l.token);
	const char *headers[] = { auth, NULL };
	struct lambda_client *c = client_of(l.url);
	struct lambda_reply r = { 0 };
	bool ok = false;
	if (!link_request(c, l.url, l.fingerprint, NULL, "GET", "/v1/room", headers, NULL, 0, &r,
			  err))
		goto out;
	if (r.status == 0) {
		*offline = true;
		goto out;
	}
	cJSON *doc = r.status == 200 && r.body ? cJSON_Parse(r.body) : NULL;
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		server_error(&r, l.url, err);
		goto out;
	}
	/* The timer is read on this machine's clock from when the answer came. */
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "made_ms");
	cJSON_AddNumberToObject(doc, "made_ms", (double)clock_wall_ms());
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	char *path = room_cache_path(db_path);
	ok = path_write_file(path, text, strlen(text), 0600, err);
	free(path);
	cJSON_free(text);
out:
	client_reply_release(&r);
	client_free(c);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	link_release(&l);
	return ok;
}

/* Sets fired after ms unless done first. */
struct watchdog {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	volatile int fired;
	int ms;
	bool timed; /* the thread started */
};

static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += w->ms / 1000;
	until.tv_nsec += (long)(w->ms % 1000) * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&w->mu);
	while (!w->done && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0)
		;
	if (!w->done)
		w->fired = 1;
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* A condition variable on the monotonic clock, and a thread that takes no signals. */
static void cond_init_mono(pthread_cond_t *cv)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

static int thread_start_quiet(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Cancel this thread's requests after w->ms unless watchdog_stop() comes first. */
static void watchdog_start(struct watchdog *w)
{
	pthread_mutex_init(&w->mu, NULL);
	cond_init_mono(&w->cv);
	w->timed = thread_start_quiet(&w->thread, watchdog_main, w) == 0;
	if (w->timed) {
		client_cancel_on(&w->fired);
		link_cancel = &w->fired;
	}
}

static void watchdog_stop(struct watchdog *w)
{
	if (w->timed) {
		client_cancel_on(NULL);
		link_cancel = NULL;
		pthread_mutex_lock(&w->mu);
		w->done = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}

bool link_sync_within(const char *db_path, int ms, struct link_sync *out, struct error *err)
{
	struct watchdog w = { .ms = ms };
	watchdog_start(&w);
	bool ok = link_sync(db_path, out, err);
	watchdog_stop(&w);
	return ok;
}

bool link_room_within(const char *db_path, int ms, bool *offline, struct error *err)
{
	struct watchdog w = { .ms = ms };
	watchdog_start(&w);
	bool ok = link_room(db_path, offline, err);
	watchdog_stop(&w);
	return ok;
}

struct link_pusher {
	char *db_path;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	volatile int stop; /* also the thread's client cancel flag */
	size_t sent;
};

/* Wait until the next tick or a stop; false when stopped. */
static bool pusher_wait(struct link_pusher *p)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)LINK_PUSH_TICK_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&p->mu);
	while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0)
		;
	bool go = !p->stop;
	pthread_mutex_unlock(&p->mu);
	return go;
}

static void *pusher_main(void *arg)
{
	struct link_pusher *p = arg;
	client_cancel_on(&p->stop);
	link_cancel = &p->stop;
	struct store *s = NULL;
	int64_t seen = -1, retry_at = 0, room_at = 0;
	bool waiting = false; /* the last sync left events behind */
	while (pusher_wait(p)) {
		struct error err;
		error_clear(&err);
		int64_t n = 0, now = clock_mono_ms();
		if (now >= room_at) {
			/* What the trainer says (a live question, a review) reaches the screen. */
			bool offline = false;
			link_room(p->db_path, &offline, &err);
			if (p->stop)
				break;
			room_at = now + (offline ? LINK_PUSH_RETRY_MS : LINK_ROOM_MS);
			error_clear(&err);
		}
		if (!s)
			s = store_open_readonly(p->db_path, &err);
		if (!s || !store_count(s, NULL, &n, &err))
			continue;
		if ((n == seen && !waiting) || now < retry_at)
			continue;
		struct link_sync r;
		bool ok = link_sync(p->db_path, &r, &err);
		if (p->stop)
			break;
		seen = n;
		p->sent += ok ? r.sent : 0;
		waiting = !ok || (r.offline && r.pending > 0);
		/* A refusal (a token the server no longer knows) is told when the command ends. */
		retry_at = waiting ? now + LINK_PUSH_RETRY_MS : 0;
	}
	store_close(s);
	return NULL;
}

struct link_pusher *link_pusher_start(const char *db_path)
{
	char *link = link_path(db_path);
	bool linked = path_is_file(link);
	free(link);
	if (!linked)
		return NULL;
	struct link_pusher *p = xcalloc(1, sizeof(*p));
	p->db_path = xstrdup(db_path);
	cond_init_mono(&p->cv);
	pthread_mutex_init(&p->mu, NULL);
	/* Signals (SIGWINCH, SIGTERM, SIGHUP) stay the screen's: the thread takes none. */
	if (thread_start_quiet(&p->thread, pusher_main, p) != 0) {
		/* Nothing lost: the record is sent when the command ends. */
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p->db_path);
		free(p);
		return NULL;
	}
	return p;
}

size_t link_pusher_stop(struct link_pusher *p)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	size_t sent = p->sent;
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->db_path);
	free(p);
	return sent;
}
