/*
 * The checker's HTTP client against a scripted HTTP/1.1 server on a loopback port: bodies by
 * Content-Length and chunked, one kept-alive connection, a reconnection when the server closed
 * it (said so, or silently while idle), the Lambda headers read, and no server at all.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws/client.h"
#include "harness.h"

/* Each request gets the next answer; a NULL answer closes the connection unanswered. */
struct script {
	const char *const *answers;
	size_t n, next;
	int accepts;
	char last_request[4096];
	int listen_fd;
	bool close_after[8]; /* close the connection after answer i */
};

static void *serve(void *arg)
{
	struct script *s = arg;
	while (s->next < s->n) {
		int fd = accept(s->listen_fd, NULL, NULL);
		if (fd < 0)
			break;
		s->accepts++;
		bool open = true;
		while (open && s->next < s->n) {
			char buf[4096];
			size_t len = 0;
			ssize_t r;
			char *end = NULL;
			while (!end && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
				len += (size_t)r;
				buf[len] = '\0';
				end = strstr(buf, "\r\n\r\n");
			}
			if (!end)
				break;
			const char *cl = strcasestr(buf, "Content-Length: ");
			size_t want =
				(size_t)(end + 4 - buf) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
			while (len < want && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
				len += (size_t)r;
			buf[len] = '\0';
			snprintf(s->last_request, sizeof(s->last_request), "%s", buf);
			size_t i = s->next++;
			const char *a = s->answers[i];
			if (a && write(fd, a, strlen(a)) < 0)
				break;
			if (!a || s->close_after[i])
				open = false;
		}
		close(fd);
	}
	return NULL;
}

static int listen_any(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	listen(fd, 8);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

TEST(client__speaks_http_on_one_connection)
{
	static const char *const answers[] = {
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n"
		"x-amzn-RequestId: r-1\r\n\r\n{\"Functions\":[]}",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Amz-Function-Error: "
		"Unhandled\r\n"
		"X-Amz-Log-Result: "
		"U1RBUlQgUmVxdWVzdElk\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n",
		"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n[1]",
	};
	struct script s = { .answers = answers, .n = 5 };
	int port;
	s.listen_fd = listen_any(&port);
	s.close_after[3] = true; /* the server then drops the kept connection unannounced */
	pthread_t t;
	pthread_create(&t, NULL, serve, &s);
	char endpoint[64];
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", port);
	struct lambda_client *c = client_new(endpoint, "AKIATEST");
	struct lambda_reply r;

	ok(client_list_functions(c, &r), "a 200 answer");
	is_str(r.body, "{\"Functions\":[]}", "the body, by Content-Length");
	is_str(r.request_id, "r-1", "x-amzn-RequestId");
	ok(strstr(s.last_request, "GET /2015-03-31/functions/?MaxItems=50 HTTP/1.1\r\n") &&
		   strstr(s.last_request, "Credential=AKIATEST/"),
	   "the request line, and the key in the Authorization header");
	client_reply_release(&r);

	client_invoke(c, "fn", "{\"x\":1}", &r);
	is_int(r.status, 200, "the invoke's status");
	is_str(r.body, "{\"a\":1}", "a chunked body, joined");
	is_str(r.function_error, "Unhandled", "X-Amz-Function-Error");
	is_str(r.log, "START RequestId", "X-Amz-Log-Result, decoded");
	ok(strstr(s.last_request, "\r\n\r\n{\"x\":1}") &&
		   strstr(s.last_request, "X-Amz-Log-Type: Tail"),
	   "the payload and the invoke's headers");
	client_reply_release(&r);
	is_int(s.accepts, 1, "both on one connection");

	ok(client_delete_function(c, "fn", &r), "a 204 without a body");
	client_reply_release(&r);
	ok(client_get_function(c, "fn", &r) && strcmp(r.body, "{}") == 0,
	   "after Connection: close, a new connection");
	client_reply_release(&r);
	ok(client_get_function(c, "fn", &r) && strcmp(r.body, "[1]") == 0,
	   "a connection closed while idle is opened again");
	client_reply_release(&r);
	is_int(s.accepts, 3, "three connections in all");
	client_free(c);
	pthread_join(t, NULL);
	close(s.listen_fd);

	/* Nobody listening any more. */
	c = client_new(endpoint, "AKIATEST");
	ok(!client_list_functions(c, &r) && r.status == 0 &&
		   strstr(r.body, "cannot reach the local cloud"),
	   "no cloud: status 0 and why");
	client_reply_release(&r);
	client_free(c);
}

int main(void)
{
	RUN(client__speaks_http_on_one_connection);
	return done();
}
