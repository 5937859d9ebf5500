/*
 * Finding the cloud of a workspace, or starting one in the background. This is all that the
 * tutor's own commands need of the cloud, so it stays apart from the server: linking it does
 * not bring in the HTTP server or its libraries.
 */
#include "cloud/cloud.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"

/* GET /_tutor/health on 127.0.0.1:port over a plain socket; true on a 200 answer. */
static bool health(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in addr = { 0 };
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = { 2, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	bool ok = false;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		static const char req[] = "GET /_tutor/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
					  "Connection: close\r\n\r\n";
		char buf[64] = "";
		if (write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1)) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			ok = str_starts_with(buf, "HTTP/1.1 200") ||
			     str_starts_with(buf, "HTTP/1.0 200");
		}
	}
	close(fd);
	return ok;
}

bool cloud_find(const char *workspace, char *endpoint_out, size_t n)
{
	char *path = xasprintf("%s/.cloud/lock", workspace);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return false;
	bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
	char buf[64] = "";
	ssize_t got = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[got > 0 ? got : 0] = '\0';
	close(fd);
	int pid = 0, port = 0;
	if (!held || sscanf(buf, "%d %d", &pid, &port) != 2 || port <= 0 || !health(port))
		return false;
	snprintf(endpoint_out, n, "http://127.0.0.1:%d", port);
	return true;
}

static bool port_free(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in addr = { 0 };
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool ok = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(fd);
	return ok;
}

bool cloud_ensure(const char *workspace, const char *self, char *endpoint_out, size_t n,
		  struct error *err)
{
	if (cloud_find(workspace, endpoint_out, n))
		return true;
	char exe[4096];
	if (!self) {
		ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (len <= 0)
			return error_set(err, "cannot find the lambda-tutor binary");
		exe[len] = '\0';
		self = exe;
	}
	char *state = path_join(workspace, ".cloud");
	if (!path_mkdirs(state, 0755, err)) {
		free(state);
		return false;
	}
	char *log = path_join(state, "serve.log");
	free(state);
	const char *port = port_free(CLOUD_DEFAULT_PORT) ? "4566" : "0";
	pid_t pid = fork();
	if (pid < 0) {
		free(log);
		return error_set(err, "cannot start the cloud: %s", strerror(errno));
	}
	if (pid == 0) {
		/* Detach: a new session, then a grandchild that init adopts. */
		setsid();
		if (fork() != 0)
			_exit(0);
		int null = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (null >= 0)
			dup2(null, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		close_range(3, ~0U, 0);
		execl(self, "lambda-tutor", "serve", "--workspace", workspace, "--port", port,
		      (char *)NULL);
		_exit(127);
	}
	free(log);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	for (int i = 0; i < 500; i++) {
		if (cloud_find(workspace, endpoint_out, n))
			return true;
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
	return error_set(err, "the cloud did not start; see %s/.cloud/serve.log", workspace);
}
