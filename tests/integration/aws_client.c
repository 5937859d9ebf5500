/*
 * aws-client: one AWS CLI command, run by a zygote that imported the CLI once
 * (aws_zygote.py). The tests call it under the CLI's name: `aws` for the 1.x CLI on PATH,
 * `aws2` for Debian's 2.x. For NAME (the base name it was called by) the socket is in
 * $LT_ZYGOTE_<NAME> and the real CLI in $LT_REAL_<NAME>; the command's standard streams,
 * working directory, arguments and environment go to the zygote, whose child runs the CLI's
 * own entry point on them, and its exit status becomes this one's. Without a zygote (no
 * variable, nothing listening), or when the zygote answers that this command's environment
 * differs from its own where a process reads it only as it starts (HOME, the locale, Python's
 * variables), the real CLI runs instead.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

/* The value of PREFIX<name>, or NULL. */
static const char *named_env(const char *prefix, const char *name)
{
	char key[256];
	if (snprintf(key, sizeof key, "%s%s", prefix, name) >= (int)sizeof key) {
		return NULL;
	}
	const char *v = getenv(key);
	return v && *v ? v : NULL;
}

/* Exec the real CLI for name with argv; returns only on failure. */
static int run_real(const char *name, char **argv)
{
	const char *real = named_env("LT_REAL_", name);
	if (!real) {
		fprintf(stderr, "aws-client: no LT_REAL_%s to run\n", name);
		return 127;
	}
	argv[0] = (char *)real;
	execv(real, argv);
	fprintf(stderr, "aws-client: cannot run '%s': %s\n", real, strerror(errno));
	return 127;
}

/* Append s and its NUL to buf (size *len, capacity *cap). Returns 0, or -1 out of memory. */
static int put(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s) + 1;
	if (*len + n > *cap) {
		size_t c = (*cap ? *cap * 2 : 4096);
		while (c < *len + n) {
			c *= 2;
		}
		char *b = realloc(*buf, c);
		if (!b) {
			return -1;
		}
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	return 0;
}

/* Connect to the zygote at path; -1 when none listens there. */
static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send the request: a 4-byte length with our fds 0, 1, 2 attached, then the fields. */
static int send_request(int fd, const char *body, uint32_t size)
{
	int fds[3] = { 0, 1, 2 };
	char ctl[CMSG_SPACE(sizeof fds)];
	memset(ctl, 0, sizeof ctl);
	struct iovec iov = { .iov_base = &size, .iov_len = sizeof size };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(c), fds, sizeof fds);
	ssize_t w;
	do {
		w = sendmsg(fd, &msg, MSG_NOSIGNAL);
	} while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof size) {
		return -1;
	}
	for (uint32_t off = 0; off < size;) {
		w = send(fd, body + off, size - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return -1;
		}
		off += (uint32_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	name = name ? name + 1 : argv[0];
	const char *sock = named_env("LT_ZYGOTE_", name);
	int fd = sock ? dial(sock) : -1;
	if (fd < 0) {
		return run_real(name, argv);
	}

	char *body = NULL;
	size_t len = 0, cap = 0;
	char cwd[4096], count[16];
	if (!getcwd(cwd, sizeof cwd)) {
		fprintf(stderr, "aws-client: cannot read the working directory: %s\n",
			strerror(errno));
		return 255;
	}
	snprintf(count, sizeof count, "%d", argc - 1);
	int bad = put(&body, &len, &cap, cwd) || put(&body, &len, &cap, count);
	for (int i = 1; i < argc && !bad; i++) {
		bad = put(&body, &len, &cap, argv[i]);
	}
	for (char **e = environ; *e && !bad; e++) {
		bad = put(&body, &len, &cap, *e);
	}
	if (bad || len > UINT32_MAX) {
		fprintf(stderr, "aws-client: out of memory\n");
		return 255;
	}
	if (send_request(fd, body, (uint32_t)len) != 0) {
		fprintf(stderr, "aws-client: cannot send the command to %s: %s\n", sock,
			strerror(errno));
		return 255;
	}
	free(body);

	int32_t status;
	size_t got = 0;
	while (got < sizeof status) {
		ssize_t r = read(fd, (char *)&status + got, sizeof status - got);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			fprintf(stderr, "aws-client: the command ended without a status\n");
			return 255;
		}
		got += (size_t)r;
	}
	if (status == 0x100) { /* the zygote's start-up environment is not this command's */
		close(fd);
		return run_real(name, argv);
	}
	return status;
}
