/*
 * Finding the cloud of a workspace, or starting one in the background. This is all that the
 * tutor's own commands need of the cloud, so it stays apart from the server: linking it does
 * not bring in the HTTP server or its libraries.
 */
#include "aws/locate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

/* The pid and port of the cloud holding the workspace's lock; false when none holds it. */
static bool lock_holder(const char *workspace, int *pid, int *port)
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
	return held && sscanf(buf, "%d %d", pid, port) == 2 && *pid > 0 && *port > 0;
}

bool cloud_find(const char *workspace, char *endpoint_out, size_t n)
{
	int pid = 0, port = 0;
	if (!lock_holder(workspace, &pid, &port) || !health(port))
		return false;
	snprintf(endpoint_out, n, "http://127.0.0.1:%d", port);
	return true;
}

char *cloud_program(const char *self)
{
	char exe[4096];
	if (!self) {
		ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[len > 0 ? len : 0] = '\0';
		self = exe;
	}
	if (self[0]) {
		char *dir = path_dirname(self);
		char *p = path_join(dir, "lambda-tutor-cloud");
		free(dir);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup(LT_LIBEXEC_DIR "/lambda-tutor-cloud");
}

/*
 * Whether the running cloud is an older build than the one this binary would start: its
 * program file was replaced since it started (a rebuild or an upgrade). A cloud whose
 * process cannot be inspected (another user's) counts as current.
 */
static bool stale(int pid, const char *self)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	struct stat running, now;
	char *prog = cloud_program(self);
	bool old = stat(link, &running) == 0 && stat(prog, &now) == 0 &&
		   (running.st_dev != now.st_dev || running.st_ino != now.st_ino);
	free(prog);
	return old;
}

/* Stop a stale cloud (SIGTERM: it stops its environments and keeps its state) and wait. */
static void retire(const char *workspace, int pid)
{
	if (kill(pid, SIGTERM) != 0)
		return;
	for (int i = 0; i < 500; i++) {
		int p = 0, port = 0;
		if (!lock_holder(workspace, &p, &port) || p != pid)
			return;
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
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
	int holder = 0, held_port = 0;
	if (lock_holder(workspace, &holder, &held_port) && stale(holder, self))
		retire(workspace, holder);
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
	const char *port = port_free(LOCATE_DEFAULT_PORT) ? "4566" : "0";
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
