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
#include "core/sigv4.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/unixsock.h"
#include "core/xalloc.h"

char *cloud_control_path(const char *workspace)
{
	return xasprintf("%s/.cloud/control.sock", workspace);
}

bool cloud_control(const char *workspace, const char *method, const char *path, int *status,
		   char **body, struct error *err)
{
	char *sock = cloud_control_path(workspace);
	int fd = unixsock_connect(sock);
	if (fd < 0) {
		error_set(err, "cannot reach the cloud's controls at '%s': %s", sock,
			  strerror(errno));
		free(sock);
		return false;
	}
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	char *req = xasprintf("%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
			      "Connection: close\r\n\r\n",
			      method, path);
	struct strbuf in = STRBUF_INIT;
	bool ok = write(fd, req, strlen(req)) == (ssize_t)strlen(req);
	for (char buf[4096]; ok;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_add(&in, buf, (size_t)n);
	}
	close(fd);
	free(req);
	const char *head_end = in.len ? strstr(in.buf, "\r\n\r\n") : NULL;
	int code = 0;
	if (!ok || !head_end || sscanf(in.buf, "HTTP/1.%*d %d", &code) != 1) {
		error_set(err, "the cloud's controls at '%s' did not answer", sock);
		strbuf_release(&in);
		free(sock);
		return false;
	}
	free(sock);
	*status = code;
	/* The server sends Content-Length (or closes): the rest is the body. */
	*body = xstrdup(head_end + 4);
	strbuf_release(&in);
	return true;
}

/* GET /_tutor/health on the control socket: true on a 200 answer. */
static bool health(const char *workspace)
{
	int status = 0;
	char *body = NULL;
	struct error err;
	bool ok = cloud_control(workspace, "GET", "/_tutor/health", &status, &body, &err) &&
		  status == 200;
	free(body);
	return ok;
}

/* Parse the credentials file's text; false when a member is missing. */
static bool parse_keys(const char *text, struct cloud_keys *out)
{
	memset(out, 0, sizeof(*out));
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[256];
		snprintf(line, sizeof(line), "%.*s", (int)(len < 255 ? len : 255), p);
		char *eq = strchr(line, '=');
		if (line[0] != '#' && line[0] != '[' && eq) {
			char *k = line, *v = eq + 1;
			*eq = '\0';
			while (*v == ' ')
				v++;
			for (char *e = eq - 1; e >= k && *e == ' '; e--)
				*e = '\0';
			if (strcmp(k, "aws_access_key_id") == 0)
				snprintf(out->access_key, sizeof(out->access_key), "%s", v);
			else if (strcmp(k, "aws_secret_access_key") == 0)
				snprintf(out->secret, sizeof(out->secret), "%s", v);
			else if (strcmp(k, "aws_account_id") == 0)
				snprintf(out->account, sizeof(out->account), "%s", v);
		}
		p = eol ? eol + 1 : NULL;
	}
	return out->access_key[0] && out->secret[0] && strlen(out->account) == 12;
}

bool cloud_learner_keys(const char *workspace, struct cloud_keys *out, struct error *err)
{
	char *dir = path_join(workspace, ".cloud");
	char *path = path_join(dir, "credentials");
	bool ok = false;
	char *tmp = NULL;
	if (!path_mkdirs(dir, 0700, err))
		goto done;
	for (int attempt = 0; attempt < 2 && !ok; attempt++) {
		size_t len = 0;
		struct error rerr;
		char *text = path_read_file(path, 4096, &len, &rerr);
		if (text) {
			ok = parse_keys(text, out);
			free(text);
			if (!ok) {
				error_set(err, "'%s' is not a key pair of the local cloud", path);
				goto done;
			}
			break;
		}
		/* None yet: make one, and link it into place only if nobody was faster. */
		struct cloud_keys k;
		snprintf(k.account, sizeof(k.account), "%s", CLOUD_LEARNER_ACCOUNT);
		char ak[21], sk[41];
		sigv4_new_key_pair("AKIA", ak, sk);
		snprintf(k.access_key, sizeof(k.access_key), "%s", ak);
		snprintf(k.secret, sizeof(k.secret), "%s", sk);
		free(tmp);
		tmp = xasprintf("%s.XXXXXX", path);
		int fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0) {
			error_set(err, "cannot create '%s': %s", path, strerror(errno));
			goto done;
		}
		char *body =
			xasprintf("# The learner's key pair for this workspace's local cloud "
				  "(lambda-tutor env\n"
				  "# prints it). Keep it to yourself, as you would a real one.\n"
				  "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
				  "aws_account_id = %s\n",
				  k.access_key, k.secret, k.account);
		bool written = fchmod(fd, 0600) == 0 &&
			       write(fd, body, strlen(body)) == (ssize_t)strlen(body) &&
			       fsync(fd) == 0;
		close(fd);
		free(body);
		if (!written || (link(tmp, path) != 0 && errno != EEXIST)) {
			error_set(err, "cannot create '%s': %s", path, strerror(errno));
			unlink(tmp);
			goto done;
		}
		unlink(tmp);
	}
	if (!ok)
		error_set(err, "cannot read '%s'", path);
done:
	free(tmp);
	free(dir);
	free(path);
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
	if (!lock_holder(workspace, &pid, &port) || !health(workspace))
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

/* The size of the file at path, 0 when there is none. */
static long log_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Whether a cloud started after offset from of the log found its port taken. */
static bool port_taken(const char *log, long from)
{
	FILE *f = fopen(log, "r");
	if (!f)
		return false;
	char buf[4096];
	size_t got = 0;
	if (fseek(f, from, SEEK_SET) == 0)
		got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[got] = '\0';
	return strstr(buf, "(is the port in use?)") != NULL;
}

/* Start `self serve` for workspace on port, detached, its output appended to log. */
static bool launch(const char *workspace, const char *self, const char *log, const char *port,
		   struct error *err)
{
	pid_t pid = fork();
	if (pid < 0)
		return error_set(err, "cannot start the cloud: %s", strerror(errno));
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
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return true;
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
	if (!path_mkdirs(state, 0700, err)) {
		free(state);
		return false;
	}
	char *log = path_join(state, "serve.log");
	free(state);
	/* Another workspace's cloud may take the port between the look and the bind: the
	 * new one says so in its log, and starts again on a free port. */
	const char *port = port_free(LOCATE_DEFAULT_PORT) ? "4566" : "0";
	long from = log_size(log);
	bool ok = launch(workspace, self, log, port, err);
	for (int i = 0; ok && i < 500; i++) {
		if (cloud_find(workspace, endpoint_out, n))
			goto out;
		if (strcmp(port, "0") != 0 && port_taken(log, from)) {
			port = "0";
			from = log_size(log);
			ok = launch(workspace, self, log, port, err);
		}
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (ok)
		ok = error_set(err, "the cloud did not start; see %s/.cloud/serve.log", workspace);
out:
	free(log);
	return ok;
}
