/*
 * The zygote's C half: a shared module the pre-initialised Python runtime (runtimes/python/
 * zygote.py) loads with ctypes. The interpreter has imported the runtime client and boto3
 * (modules only: no session, no credentials, no client); here it waits for the cloud's requests
 * and, for each, clones an environment's init straight into the sandbox's namespaces as the
 * cloud's own child (CLONE_PARENT), which runs the same init as a fresh start (sandbox_init.c):
 * the id maps, the memory cgroup, the root, then a runtime process sealed by the same steps
 * (sandbox_runtime_seal: capabilities, identity, no_new_privs, /var/task, the descriptor quota,
 * every other descriptor closed). That process returns into the interpreter, which only then
 * reads the function's environment and imports its handler.
 *
 * The zygote itself never reads a job: the init reads it from a memfd, so no account's data
 * (its variables, credentials, paths) is ever in the memory every environment is copied from.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cloud/lambda/sandbox_init.h"
#include "cloud/lambda/zygote_wire.h"

/* The entry points zygote.py calls (ctypes finds them by name); nothing else is exported. */
#define LTZ_API __attribute__((visibility("default")))
LTZ_API int ltz_load(int plan_fd, int lifeline_fd);
LTZ_API int ltz_serve(int ctl_fd);
LTZ_API const char *ltz_argv(int i);
LTZ_API const char *ltz_env(int i);

static struct sandbox zsb;
static char *plan_buf;
static size_t plan_len;
/* The zygote's own handlers (Python's), given back to the runtime the init forks. */
static struct sigaction saved[64];
/* Where the zygote's environment lies in its memory (fields 50 and 51 of /proc/self/stat): each
 * runtime writes its own variables there, for /proc/<pid>/environ to show them. */
static unsigned long env_start, env_end;

/* In an init and its runtime only. */
static char job_buf[ZW_JOB_MAX];
static size_t job_secret_len; /* the job's fields before argv: wiped in the runtime */
static struct sandbox_job job;
static struct init_args args;
static char *job_argv[ZW_ARGS_MAX + 1];
static char *job_envp[ZW_ENV_MAX + 1];

struct reader {
	char *p, *end;
	bool ok;
};

static uint32_t r_num(struct reader *r)
{
	uint32_t v = 0;
	if (r->end - r->p < 4) {
		r->ok = false;
		return 0;
	}
	memcpy(&v, r->p, 4);
	r->p += 4;
	return v;
}

/* A string in place (NUL-terminated in the record), NULL for none. */
static char *r_str(struct reader *r)
{
	uint32_t n = r_num(r);
	if (!r->ok || n == ZW_NULL)
		return NULL;
	if ((size_t)(r->end - r->p) < (size_t)n + 1 || r->p[n] != '\0') {
		r->ok = false;
		return NULL;
	}
	char *s = r->p;
	r->p += n + 1;
	return s;
}

/* Copy s into a fixed field; false when it does not fit. */
static bool r_field(struct reader *r, char *dst, size_t n)
{
	const char *s = r_str(r);
	size_t len = s ? strlen(s) : 0;
	if (!s || len >= n) {
		r->ok = false;
		return false;
	}
	memcpy(dst, s, len + 1);
	return true;
}

/* A whole file from its start, into buf (at most cap bytes); its length or -1. */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t have = 0;
	for (;;) {
		ssize_t n = pread(fd, buf + have, cap - have, (off_t)have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return (ssize_t)have;
		have += (size_t)n;
		if (have == cap)
			return -1;
	}
}

static void find_env_area(void)
{
	char buf[2048];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	const char *p = strrchr(buf, ')');
	for (int field = 3; p && field <= 50; field++)
		p = strchr(p + 1, ' ');
	char *end = NULL;
	if (!p)
		return;
	env_start = strtoul(p + 1, &end, 10);
	env_end = end && *end == ' ' ? strtoul(end + 1, NULL, 10) : 0;
	if (env_end <= env_start || env_end - env_start > (1ul << 24))
		env_start = env_end = 0;
}

int ltz_load(int plan_fd, int lifeline_fd)
{
	struct stat st;
	if (fstat(plan_fd, &st) != 0 || st.st_size <= 0 || st.st_size > (1 << 22))
		return -1;
	plan_len = (size_t)st.st_size + 1;
	plan_buf = malloc(plan_len);
	if (!plan_buf || read_all(plan_fd, plan_buf, plan_len) != st.st_size)
		return -1;
	struct reader r = { plan_buf, plan_buf + st.st_size, true };
	if (r_num(&r) != ZW_PLAN_TAG)
		return -1;
	zsb.plan.userns = r_num(&r);
	zsb.plan.pidns = r_num(&r);
	zsb.plan.mountns = r_num(&r);
	zsb.plan.host_proc = r_num(&r);
	zsb.plan.uid_switch = r_num(&r);
	zsb.root = r_num(&r);
	zsb.uid = (uid_t)r_num(&r);
	zsb.gid = (gid_t)r_num(&r);
	zsb.last_cap = (int)r_num(&r);
	uint32_t n = r_num(&r);
	if (!r.ok || n > MAX_ITEMS || zsb.last_cap < 0 || zsb.last_cap > 63)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		struct item *it = &zsb.items[i];
		it->kind = (enum item_kind)r_num(&r);
		it->is_dir = r_num(&r);
		it->target = r_str(&r);
		it->source = r_str(&r);
		if (!r.ok || !it->target || it->kind > ITEM_DEV ||
		    (it->kind != ITEM_DIR && !it->source))
			return -1;
	}
	zsb.n_items = n;
	zsb.lifeline[0] = lifeline_fd;
	zsb.lifeline[1] = -1;
	sandbox_find_signals(&zsb);
	for (size_t i = 0; i < zsb.n_signals; i++)
		sigaction(zsb.signals[i], NULL, &saved[i]);
	sandbox_find_arg_area(&zsb);
	find_env_area();
	/* Die with the cloud's thread that started us; nothing may look into the zygote. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	struct pollfd pfd = { lifeline_fd, POLLIN, 0 };
	return poll(&pfd, 1, 0) == 0 ? 0 : -1;
}

static bool parse_job(int fd)
{
	ssize_t len = read_all(fd, job_buf, sizeof(job_buf) - 1);
	if (len <= 0)
		return false;
	struct reader r = { job_buf, job_buf + len, true };
	if (r_num(&r) != ZW_JOB_TAG)
		return false;
	args.uid = (uid_t)r_num(&r);
	args.gid = (gid_t)r_num(&r);
	r_field(&r, args.tmp_opts, sizeof(args.tmp_opts));
	r_field(&r, args.uid_map, sizeof(args.uid_map));
	r_field(&r, args.gid_map, sizeof(args.gid_map));
	r_field(&r, args.passwd, sizeof(args.passwd));
	r_field(&r, args.group, sizeof(args.group));
	job.code_dir = r_str(&r);
	job.opt_dir = r_str(&r);
	job.cg_mem_procs = r_str(&r);
	job_secret_len = (size_t)(r.p - job_buf);
	uint32_t argc = r_num(&r);
	if (!r.ok || !job.code_dir || argc == 0 || argc > ZW_ARGS_MAX)
		return false;
	for (uint32_t i = 0; i < argc; i++)
		job_argv[i] = r_str(&r);
	job_argv[argc] = NULL;
	uint32_t envc = r_num(&r);
	if (!r.ok || envc > ZW_ENV_MAX)
		return false;
	for (uint32_t i = 0; i < envc; i++)
		job_envp[i] = r_str(&r);
	job_envp[envc] = NULL;
	for (uint32_t i = 0; i < argc; i++)
		r.ok = r.ok && job_argv[i];
	for (uint32_t i = 0; i < envc; i++)
		r.ok = r.ok && job_envp[i];
	job.argv = job_argv;
	job.envp = job_envp;
	return r.ok && r.p == r.end;
}

static void tell_failed(int status_w, enum step step, int err)
{
	struct init_msg m = { INIT_ENDED, 126 << 8, step, err };
	if (write(status_w, &m, sizeof(m)) < 0) {
		/* The cloud is gone. */
	}
}

/* The runtime's command line in place of the zygote's, as a fresh start's would read. Before
 * the runtime is sealed: it still has the capabilities to set where the line ends. */
static void set_cmdline(void)
{
	if (!zsb.arg_start || zsb.arg_end <= zsb.arg_start)
		return;
	char *area = (char *)zsb.arg_start;
	size_t cap = zsb.arg_end - zsb.arg_start, at = 0;
	memset(area, 0, cap);
	for (int i = 0; job_argv[i]; i++) {
		size_t n = strlen(job_argv[i]) + 1;
		if (at + n >= cap)
			break;
		memcpy(area + at, job_argv[i], n);
		at += n;
	}
	/* Where the kernel allows it (CAP_SYS_RESOURCE: not in a user namespace), the area ends
	 * with the last argument, as an exec would have left it; else NULs pad it. */
	if (at > 0)
		prctl(PR_SET_MM, PR_SET_MM_ARG_END, zsb.arg_start + at, 0, 0);
	const char *base = strrchr(job_argv[0], '/');
	prctl(PR_SET_NAME, base ? base + 1 : job_argv[0], 0, 0, 0);
}

/*
 * The runtime's variables in place of the zygote's in the environment's area (the zygote was
 * started with room for them), as /proc/<pid>/environ shows a fresh start's; C's environ is
 * emptied first (its strings lay there): the interpreter sets the runtime's from ltz_env().
 */
static void set_environ(void)
{
	clearenv();
	if (!env_start)
		return;
	char *area = (char *)env_start;
	size_t cap = env_end - env_start, at = 0;
	memset(area, 0, cap);
	for (int i = 0; job_envp[i]; i++) {
		size_t n = strlen(job_envp[i]) + 1;
		if (at + n >= cap)
			break;
		memcpy(area + at, job_envp[i], n);
		at += n;
	}
	if (at > 0)
		prctl(PR_SET_MM, PR_SET_MM_ENV_END, env_start + at, 0, 0);
}

/*
 * In the runtime, sealed: what exec would have reset (the interpreter's signal handlers,
 * dumpable), and nothing left of the plan or of the job but argv and the variables.
 */
static void become_runtime(void)
{
	for (size_t i = 0; i < zsb.n_signals; i++)
		sigaction(zsb.signals[i], &saved[i], NULL);
	prctl(PR_SET_DUMPABLE, 1);
	explicit_bzero(job_buf, job_secret_len);
	memset(&args, 0, sizeof(args));
	memset(&job, 0, sizeof(job));
	explicit_bzero(plan_buf, plan_len);
	memset(&zsb.items, 0, sizeof(zsb.items));
}

/* The init: wait for the cloud's word, seal, fork the runtime. Returns only in the runtime. */
static void init_child(int job_fd, int out_fd, int status_w)
{
	/* The cloud answers the pid it was given, or closes its end when it gave up on us. */
	struct pollfd pfd = { status_w, POLLIN, 0 };
	char go = 0;
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	if (recv(status_w, &go, 1, 0) != 1 || go != 'G')
		_exit(0);
	/* As a fresh init starts: dumpable until its root is built (a process that is not may not
	 * write its own uid_map in a user namespace); sandbox_init_enter() ends it. */
	prctl(PR_SET_DUMPABLE, 1);
	job.out_fd = out_fd;
	args.sb = &zsb;
	args.job = &job;
	args.status_w = status_w;
	if (!parse_job(job_fd)) {
		tell_failed(status_w, STEP_SOURCE, EINVAL);
		_exit(0);
	}
	close(job_fd);
	sandbox_init_enter(&args);
	int seal[2];
	if (pipe2(seal, O_CLOEXEC) != 0)
		sandbox_init_reap(&args, -1);
	pid_t runtime = fork();
	if (runtime == 0) {
		close(seal[0]);
		set_cmdline();
		set_environ();
		enum step step = sandbox_runtime_seal(&args);
		if (step == STEP_NONE) {
			/* The seal's end was closed with every other descriptor: sealed. */
			become_runtime();
			return;
		}
		int m[2] = { (int)step, errno };
		if (write(seal[1], m, sizeof(m)) < 0) {
			/* The init reports an exit without the step. */
		}
		static const char msg[] = "lambda-tutor: cannot seal the execution environment\n";
		if (write(2, msg, sizeof(msg) - 1) < 0) {
			/* Nothing to tell it to. */
		}
		_exit(126);
	}
	close(seal[1]);
	int m[2];
	ssize_t n;
	while (runtime > 0 && (n = read(seal[0], m, sizeof(m))) < 0 && errno == EINTR)
		;
	if (runtime > 0 && n == (ssize_t)sizeof(m)) {
		args.fail_step = m[0];
		args.fail_errno = m[1];
	}
	close(seal[0]);
	sandbox_init_reap(&args, runtime);
}

int ltz_serve(int ctl_fd)
{
	for (;;) {
		char op = 0;
		struct iovec iov = { &op, 1 };
		union {
			char buf[CMSG_SPACE(3 * sizeof(int))];
			struct cmsghdr align;
		} cm;
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = cm.buf,
				      .msg_controllen = sizeof(cm.buf) };
		ssize_t got = recvmsg(ctl_fd, &msg, MSG_CMSG_CLOEXEC);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return 1;
		int fds[3] = { -1, -1, -1 }, nfds = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (int i = 0; i < k; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (nfds < 3)
					fds[nfds++] = fd;
				else
					close(fd);
			}
		}
		int32_t answer = -EINVAL;
		if (op == 'F' && nfds == 3 && !(msg.msg_flags & MSG_CTRUNC)) {
			long pid =
				syscall(SYS_clone,
					(unsigned long)(CLONE_PARENT | sandbox_clone_flags(&zsb)),
					NULL, NULL, NULL, NULL);
			if (pid == 0) {
				init_child(fds[0], fds[1], fds[2]);
				return 0;
			}
			answer = pid > 0 ? (int32_t)pid : -errno;
		}
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (send(ctl_fd, &answer, sizeof(answer), MSG_NOSIGNAL) < 0 && errno != EINTR)
			return 1;
	}
}

const char *ltz_argv(int i)
{
	return i >= 0 && i < ZW_ARGS_MAX ? job_argv[i] : NULL;
}

const char *ltz_env(int i)
{
	return i >= 0 && i < ZW_ENV_MAX ? job_envp[i] : NULL;
}
