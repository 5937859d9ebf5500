/*
 * The class server's HTTP: bodies gathered up to WIRE_BODY_MAX, one JSON answer each.
 */
#include "classd/classd.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "class/room.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

struct classd {
	struct MHD_Daemon *daemon;
	struct hub *hub;
	char *socket_path; /* a Unix socket: learners are who the kernel says */
};

struct request {
	struct strbuf body;
	bool too_big;
};

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ok = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result refuse(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "error", msg);
	return answer(conn, status, doc);
}

static enum MHD_Result refuse_err(struct MHD_Connection *conn, int status, const struct error *err)
{
	char line[600];
	error_format(err, line, sizeof(line));
	return refuse(conn, (unsigned)status, line);
}

/* The login name of the process at the other end of a Unix socket, "" when unknown. */
static void peer_name(struct MHD_Connection *conn, char *out, size_t n)
{
	out[0] = '\0';
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (!ci || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return;
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, n, "%s", res->pw_name);
}

/* The learner a request's bearer token names, or NULL with the refusal queued. */
static struct hub_learner *authorised(struct classd *d, struct MHD_Connection *conn,
				      enum MHD_Result *res)
{
	const char *auth =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	struct error err;
	error_clear(&err);
	struct hub_learner *l = NULL;
	int status;
	if (d->socket_path) {
		char name[64];
		peer_name(conn, name, sizeof(name));
		status = hub_learner_named(d->hub, name, &l, &err);
	} else {
		status =
			hub_auth(d->hub, auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL,
				 &l, &err);
	}
	if (status != 200)
		*res = refuse_err(conn, status, &err);
	return l;
}

static enum MHD_Result route(struct classd *d, struct MHD_Connection *conn, const char *url,
			     const char *method, const struct request *rq)
{
	struct error err;
	error_clear(&err);
	bool post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
	enum MHD_Result res = MHD_NO;
	if (strcmp(url, "/v1/join") == 0) {
		if (!post)
			return refuse(conn, 405, "join is a POST");
		struct wire_join j;
		if (!wire_join_parse(rq->body.buf, rq->body.len, &j, &err))
			return refuse_err(conn, 400, &err);
		/* On a Unix socket the kernel names the learner, whatever the request says. */
		if (d->socket_path) {
			peer_name(conn, j.learner, sizeof(j.learner));
			if (!wire_learner_valid(j.learner))
				return refuse(conn, 403,
					      "your login name cannot name a learner of this "
					      "class");
			wire_learner_fold(j.learner, j.learner);
		}
		char *token = NULL;
		struct hub_learner *known = NULL;
		/*
		 * Over a Unix socket a second join is refused too: a new record's events would
		 * carry ids the class already holds from the first, and count for nothing.
		 */
		if (d->socket_path && hub_code_matches(d->hub, j.code, &err) &&
		    hub_learner_named(d->hub, j.learner, &known, &err) == 200)
			return refuse(conn, 409,
				      "you have joined this class already, from another record; "
				      "ask the trainer");
		int status = hub_join(d->hub, &j, &token, &err);
		if (status != 201)
			return refuse_err(conn, status, &err);
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "learner", j.learner);
		/* Nobody needs a token where the kernel says who is asking. */
		cJSON_AddStringToObject(doc, "token", d->socket_path ? "" : token);
		explicit_bzero(token, strlen(token));
		free(token);
		return answer(conn, 201, doc);
	}
	if (strcmp(url, "/v1/acked") == 0 || strcmp(url, "/v1/events") == 0) {
		bool events = url[4] == 'e';
		if (events ? !post : !get)
			return refuse(conn, 405, events ? "events are a POST" : "acked is a GET");
		struct hub_learner *l = authorised(d, conn, &res);
		if (!l)
			return res;
		struct hub_ack ack = { 0 };
		int status;
		if (events) {
			struct wire_batch b;
			if (!wire_batch_parse(rq->body.buf, rq->body.len, &b, &err))
				return refuse_err(conn, 400, &err);
			status = hub_record(d->hub, l, &b, &ack, &err);
			wire_batch_release(&b);
		} else {
			status = hub_acked(d->hub, l, &ack.acked, &err);
		}
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "learner", hub_learner_name(l));
		cJSON_AddNumberToObject(doc, "acked", (double)ack.acked);
		if (events) {
			cJSON_AddNumberToObject(doc, "recorded", (double)ack.recorded);
			cJSON_AddNumberToObject(doc, "refused_count", (double)ack.n_refused);
			cJSON *arr = cJSON_AddArrayToObject(doc, "refused");
			for (size_t i = 0; i < ack.n_refused && i < HUB_REFUSALS_SHOWN; i++) {
				cJSON *e = cJSON_CreateObject();
				cJSON_AddNumberToObject(e, "id", (double)ack.refused[i].id);
				cJSON_AddStringToObject(e, "why", ack.refused[i].why);
				cJSON_AddItemToArray(arr, e);
			}
		}
		if (status != 200) {
			char line[600];
			error_format(&err, line, sizeof(line));
			cJSON_AddStringToObject(doc, "error", line);
		}
		return answer(conn, (unsigned)status, doc);
	}
	if (strncmp(url, "/v1/packages/", 13) == 0) {
		if (!post)
			return refuse(conn, 405, "a package is a POST");
		struct hub_learner *l = authorised(d, conn, &res);
		if (!l)
			return res;
		int status = hub_package(d->hub, l, url + 13, rq->body.buf ? rq->body.buf : "",
					 rq->body.len, &err);
		if (status >= 300)
			return refuse_err(conn, status, &err);
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "package", url + 13);
		return answer(conn, (unsigned)status, doc);
	}
	if (strcmp(url, "/v1/room") == 0) {
		if (!get)
			return refuse(conn, 405, "room is a GET");
		struct hub_learner *l = authorised(d, conn, &res);
		if (!l)
			return res;
		char *text = room_json(hub_dir(d->hub), hub_learner_name(l), clock_wall_ms(), &err);
		if (!text)
			return refuse_err(conn, 500, &err);
		struct MHD_Response *r =
			MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(r, "Content-Type", "application/json");
		MHD_add_response_header(r, "Cache-Control", "no-store");
		res = MHD_queue_response(conn, 200, r);
		MHD_destroy_response(r);
		return res;
	}
	return refuse(conn, 404,
		      "no such path: the class server answers /v1/join, /v1/acked, /v1/events, "
		      "/v1/packages/SHA256 and /v1/room");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct classd *d = cls;
	struct request *rq = *con_cls;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		strbuf_init(&rq->body);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size > WIRE_BODY_MAX)
			rq->too_big = true;
		else
			strbuf_add(&rq->body, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return refuse(conn, 413, "the request is over the class server's limit");
	return route(d, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	(void)cls;
	(void)conn;
	(void)code;
	struct request *rq = *con_cls;
	if (rq) {
		strbuf_release(&rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

struct classd *classd_start(struct hub *hub, const char *host, int port, const struct cert *tls,
			    int *bound_port, struct error *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
	struct addrinfo *res = NULL;
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%d", port);
	int rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0)
		return error_set(err, "cannot listen on '%s': %s (give a numeric address)", host,
				 gai_strerror(rc)),
		       NULL;
	struct classd *d = xcalloc(1, sizeof(*d));
	d->hub = hub;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	if (res->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		freeaddrinfo(res);
		free(d);
		return error_set(err,
				 "this libmicrohttpd was built without TLS; give --no-tls on a "
				 "network you trust"),
		       NULL;
	}
	/* Without tls, the options end where the certificate's would begin. */
	if (tls)
		flags |= MHD_USE_TLS;
	d->daemon = MHD_start_daemon(
		flags, (uint16_t)port, NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR,
		res->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
		MHD_OPTION_THREAD_POOL_SIZE, 8U, MHD_OPTION_CONNECTION_TIMEOUT, 60U,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024U, MHD_OPTION_CONNECTION_LIMIT, 2000U,
		tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, tls ? tls->key_pem : NULL,
		MHD_OPTION_HTTPS_MEM_CERT, tls ? tls->cert_pem : NULL, MHD_OPTION_END);
	freeaddrinfo(res);
	if (!d->daemon) {
		free(d);
		return error_set(err, "cannot listen on %s:%d (is the port in use?)", host, port),
		       NULL;
	}
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(d->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*bound_port = info ? info->port : port;
	return d;
}

struct classd *classd_start_unix(struct hub *hub, const char *path, struct error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return error_set(err, "the socket path '%s' is too long", path), NULL;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	/* Every local user may connect; the kernel tells the server who each one is. */
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    chmod(path, 0666) != 0 || listen(fd, 1024) != 0) {
		error_set(err, "cannot listen on '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct classd *d = xcalloc(1, sizeof(*d));
	d->hub = hub;
	d->socket_path = xstrdup(path);
	d->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
				     on_request, d, MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
				     MHD_OPTION_THREAD_POOL_SIZE, 8U, MHD_OPTION_CONNECTION_TIMEOUT,
				     60U, MHD_OPTION_CONNECTION_LIMIT, 2000U, MHD_OPTION_END);
	if (!d->daemon) {
		close(fd);
		unlink(path);
		free(d->socket_path);
		free(d);
		return error_set(err, "cannot serve on '%s'", path), NULL;
	}
	return d;
}

void classd_stop(struct classd *d)
{
	if (!d)
		return;
	MHD_stop_daemon(d->daemon);
	if (d->socket_path)
		unlink(d->socket_path);
	free(d->socket_path);
	free(d);
}
