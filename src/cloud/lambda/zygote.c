/*
 * The cloud's side of pre-initialised Python interpreters (zygote.h): starting the zygote with
 * the sandbox's plan, asking it for environments, and falling back when it cannot.
 */
#include "cloud/lambda/zygote.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cloud/lambda/sandbox.h"
#include "cloud/lambda/sandbox_init.h"
#include "cloud/lambda/zygote_wire.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"

/* How long the zygote may take to answer a request before it is given up for dead. */
#define ANSWER_MS 3000
/* Room in the zygote's command line for the runtime's, written over it in each environment. */
#define ARGV_PAD 160
/* Room in its environment for a runtime's variables (Lambda allows a function 4 KB of its own). */
#define ENV_PAD 32768
/* A zygote that dies this many times in a row before it is ready is not started again. */
#define MAX_EARLY 3

/* The interpreter starts in the locale every environment gets (env.c). */
#define ZYGOTE_LANG "LANG=en_US.UTF-8"

struct zygote {
	const struct sandbox *sb;
	char *python, *script, *lib;
	pid_t pid;   /* 0: none running */
	int sock;    /* the cloud's end of the zygote's socket */
	bool ready;  /* it said so: its imports are done */
	bool broken; /* it could not be started: fresh starts only */
	int early;   /* deaths in a row before it was ready; at MAX_EARLY it is broken */
	long starts, forks, fallbacks;
};

static void put_num(struct strbuf *b, uint32_t v)
{
	strbuf_add(b, (const char *)&v, 4);
}

static void put_str(struct strbuf *b, const char *s)
{
	if (!s) {
		put_num(b, ZW_NULL);
		return;
	}
	size_t n = strlen(s);
	put_num(b, (uint32_t)n);
	strbuf_add(b, s, n + 1);
}

/* A sealed memfd holding b, or -1. */
static int memfd_of(const struct strbuf *b, const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < b->len) {
		ssize_t n = write(fd, b->buf + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	return fd;
}

static void pack_plan(const struct sandbox *sb, struct strbuf *b)
{
	put_num(b, ZW_PLAN_TAG);
	put_num(b, sb->plan.userns);
	put_num(b, sb->plan.pidns);
	put_num(b, sb->plan.mountns);
	put_num(b, sb->plan.host_proc);
	put_num(b, sb->plan.uid_switch);
	put_num(b, sb->root);
	put_num(b, (uint32_t)sb->uid);
	put_num(b, (uint32_t)sb->gid);
	put_num(b, (uint32_t)sb->last_cap);
	put_num(b, (uint32_t)sb->n_items);
	for (size_t i = 0; i < sb->n_items; i++) {
		put_num(b, (uint32_t)sb->items[i].kind);
		put_num(b, sb->items[i].is_dir);
		put_str(b, sb->items[i].target);
		put_str(b, sb->items[i].source);
	}
}

static bool pack_job(const struct sandbox *sb, const struct sandbox_job *job, struct strbuf *b)
{
	struct init_args a = { 0 };
	sandbox_init_args(sb, job, &a);
	put_num(b, ZW_JOB_TAG);
	put_num(b, (uint32_t)a.uid);
	put_num(b, (uint32_t)a.gid);
	put_str(b, a.tmp_opts);
	put_str(b, a.uid_map);
	put_str(b, a.gid_map);
	put_str(b, a.passwd);
	put_str(b, a.group);
	put_str(b, job->code_dir);
	put_str(b, job->opt_dir);
	put_str(b, job->cg_mem_procs);
	uint32_t argc = 0, envc = 0;
	while (job->argv[argc])
		argc++;
	while (job->envp[envc])
		envc++;
	if (argc == 0 || argc > ZW_ARGS_MAX || envc > ZW_ENV_MAX)
		return false;
	put_num(b, argc);
	for (uint32_t i = 0; i < argc; i++)
		put_str(b, job->argv[i]);
	put_num(b, envc);
	size_t env_bytes = 0;
	for (uint32_t i = 0; i < envc; i++) {
		put_str(b, job->envp[i]);
		env_bytes += strlen(job->envp[i]) + 1;
	}
	/* What would not fit in the zygote's environment area is started fresh. */
	return b->len < ZW_JOB_MAX && env_bytes < ENV_PAD;
}

struct zygote *zygote_new(const struct sandbox *sb, const char *python, const char *runtimes_dir,
			  const char *lib_path)
{
	const char *mode = getenv("LAMBDA_TUTOR_PREINIT");
	if ((mode && strcmp(mode, "off") == 0) || !lib_path || access(lib_path, R_OK) != 0)
		return NULL;
	struct zygote *z = xcalloc(1, sizeof(*z));
	z->sb = sb;
	z->python = xstrdup(python);
	z->script = xasprintf("%s/python/zygote.py", runtimes_dir);
	z->lib = xstrdup(lib_path);
	z->sock = -1;
	return z;
}

/* Forget a zygote that died or stopped answering: kill it, reap it. */
static void drop(struct zygote *z)
{
	if (!z->ready && ++z->early >= MAX_EARLY)
		z->broken = true;
	if (z->pid > 0) {
		kill(z->pid, SIGKILL);
		while (waitpid(z->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (z->sock >= 0)
		close(z->sock);
	z->pid = 0;
	z->sock = -1;
	z->ready = false;
}

void zygote_free(struct zygote *z)
{
	if (!z)
		return;
	drop(z);
	free(z->python);
	free(z->script);
	free(z->lib);
	free(z);
}

/* fd at or above 10 (posix_spawn's dup2 onto 3..5 then never meets a source). */
static int high(int fd)
{
	if (fd < 0)
		return -1;
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return h;
}

void zygote_ensure(struct zygote *z)
{
	if (!z || z->broken)
		return;
	int st;
	if (z->pid > 0 && waitpid(z->pid, &st, WNOHANG) == z->pid) {
		z->pid = 0; /* reaped: drop() must not wait for it again */
		drop(z);
	}
	if (z->pid > 0)
		return;
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
		return;
	struct strbuf plan = STRBUF_INIT;
	pack_plan(z->sb, &plan);
	int ctl = high(pair[1]), life = high(fcntl(z->sb->lifeline[0], F_DUPFD_CLOEXEC, 0));
	int plan_fd = high(memfd_of(&plan, "lambda-tutor-plan"));
	int null = high(open("/dev/null", O_RDWR | O_CLOEXEC));
	strbuf_release(&plan);
	char pad[ARGV_PAD + 1];
	memset(pad, ' ', ARGV_PAD);
	pad[ARGV_PAD] = '\0';
	char *argv[] = { z->python, (char *)"-uS", z->script, z->lib, pad, NULL };
	char *room = xmalloc(ENV_PAD + 32);
	snprintf(room, 32, "LAMBDA_TUTOR_ENV_ROOM=");
	memset(room + strlen(room), '.', ENV_PAD);
	room[strlen("LAMBDA_TUTOR_ENV_ROOM=") + ENV_PAD] = '\0';
	char *envp[] = { (char *)"PATH=" SANDBOX_PATH, (char *)ZYGOTE_LANG, (char *)"TZ=:UTC", room,
			 NULL };
	pid_t pid = -1;
	if (ctl >= 0 && life >= 0 && plan_fd >= 0 && null >= 0) {
		posix_spawn_file_actions_t fa;
		posix_spawnattr_t at;
		posix_spawn_file_actions_init(&fa);
		posix_spawnattr_init(&at);
		posix_spawn_file_actions_adddup2(&fa, null, 0);
		posix_spawn_file_actions_adddup2(&fa, null, 1);
		posix_spawn_file_actions_adddup2(&fa, ctl, 3);
		posix_spawn_file_actions_adddup2(&fa, life, 4);
		posix_spawn_file_actions_adddup2(&fa, plan_fd, 5);
		/* Not the cloud's folder (a workspace, perhaps): nothing of it in the zygote. */
		posix_spawn_file_actions_addchdir_np(&fa, "/");
		sigset_t all, none;
		sigfillset(&all);
		sigemptyset(&none);
		posix_spawnattr_setsigdefault(&at, &all);
		posix_spawnattr_setsigmask(&at, &none);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
		if (posix_spawn(&pid, z->python, &fa, &at, argv, envp) != 0)
			pid = -1;
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
	}
	free(room);
	if (ctl >= 0)
		close(ctl);
	if (life >= 0)
		close(life);
	if (plan_fd >= 0)
		close(plan_fd);
	if (null >= 0)
		close(null);
	if (pid <= 0) {
		close(pair[0]);
		z->broken = true;
		return;
	}
	z->pid = pid;
	z->sock = pair[0];
	z->starts++;
}

/* Whether the zygote has said it is ready (its imports done), without waiting. */
static bool is_ready(struct zygote *z)
{
	if (z->ready)
		return true;
	int32_t v = -1;
	ssize_t n = recv(z->sock, &v, sizeof(v), MSG_DONTWAIT);
	if (n == (ssize_t)sizeof(v) && v == 0) {
		z->ready = true;
		z->early = 0;
	} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		drop(z); /* it died starting: the spawning thread starts another */
	return z->ready;
}

/* Send the request: one byte and three descriptors. */
static bool request(struct zygote *z, int job_fd, int out_fd, int status_w)
{
	char op = 'F';
	struct iovec iov = { &op, 1 };
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	memset(&cm, 0, sizeof(cm));
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cm.buf,
			      .msg_controllen = sizeof(cm.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(3 * sizeof(int));
	int fds[3] = { job_fd, out_fd, status_w };
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	ssize_t n;
	while ((n = sendmsg(z->sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n == 1;
}

/* The zygote's answer: the init's pid, -errno, or 0 when it gave none in time. */
static int32_t answer(struct zygote *z)
{
	struct pollfd p = { z->sock, POLLIN, 0 };
	int64_t left = ANSWER_MS;
	while (left > 0) {
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return 0;
		if (r == 0)
			return 0;
		left -= 10; /* interrupted: go on, a little less */
	}
	int32_t v = 0;
	ssize_t n;
	while ((n = recv(z->sock, &v, sizeof(v), 0)) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(v) ? v : 0;
}

pid_t zygote_start(struct zygote *z, const struct sandbox_job *job, int *status_fd)
{
	if (!z || z->broken || z->sock < 0 || job->out_fd < 3 || !is_ready(z))
		goto fresh;
	struct strbuf b = STRBUF_INIT;
	int job_fd = pack_job(z->sb, job, &b) ? memfd_of(&b, "lambda-tutor-job") : -1;
	explicit_bzero(b.buf, b.len);
	strbuf_release(&b);
	int status[2];
	if (job_fd < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, status) != 0) {
		if (job_fd >= 0)
			close(job_fd);
		goto fresh;
	}
	bool sent = request(z, job_fd, job->out_fd, status[1]);
	close(job_fd);
	close(status[1]);
	int32_t pid = sent ? answer(z) : 0;
	char go = 'G';
	if (pid > 0 && send(status[0], &go, 1, MSG_NOSIGNAL) == 1) {
		/* The init is our child (CLONE_PARENT): its group, as sandbox_start() gives it. */
		setpgid(pid, pid);
		*status_fd = status[0];
		z->forks++;
		return pid;
	}
	/* No word in time, or none at all: an init it may have started finds the status socket
	 * closed and exits before it touches anything. */
	close(status[0]);
	if (pid == 0)
		drop(z);
fresh:
	if (z)
		z->fallbacks++;
	return -1;
}

bool zygote_fits(char *const *envp)
{
	for (size_t i = 0; envp[i]; i++) {
		const char *v = envp[i];
		if (str_starts_with(v, "PYTHON") ||
		    (str_starts_with(v, "LANG=") && strcmp(v, ZYGOTE_LANG) != 0) ||
		    str_starts_with(v, "LC_") || str_starts_with(v, "AWS_LAMBDA_EXEC_WRAPPER="))
			return false;
	}
	return true;
}

bool zygote_describe(struct zygote *z, cJSON *health)
{
	cJSON *o = cJSON_AddObjectToObject(health, "preinit");
	/* Killed, or crashed: not ready, even while no request has tried it. */
	bool died = false;
	int st;
	if (z && z->pid > 0 && waitpid(z->pid, &st, WNOHANG) == z->pid) {
		z->pid = 0; /* reaped: drop() must not wait for it again */
		drop(z);
		died = true;
	}
	const char *state = !z || z->broken               ? "off"
			    : z->sock >= 0 && is_ready(z) ? "ready"
							  : "starting";
	cJSON_AddStringToObject(o, "python", state);
	if (!z)
		return false;
	cJSON_AddNumberToObject(o, "starts", (double)z->starts);
	cJSON_AddNumberToObject(o, "forks", (double)z->forks);
	cJSON_AddNumberToObject(o, "fallbacks", (double)z->fallbacks);
	return died;
}
