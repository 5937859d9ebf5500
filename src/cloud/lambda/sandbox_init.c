/*
 * An execution environment's init: what runs between the cloud's clone() and the runtime's
 * execve(), then reaps (see sandbox.h for the plan it follows).
 *
 * Cloned straight into the environment's namespaces, the init joins the memory cgroup, builds
 * the root in a tmpfs staged over /tmp (every bind source is opened first, so that a workspace
 * under /tmp stays reachable), makes it read-only, mounts /tmp and a /proc of its own PID
 * namespace, pivots into it and detaches the host's tree. It then starts the runtime in a
 * vfork-like child that drops every capability (bounding set, ambient, inheritable), takes its
 * identity, sets no_new_privs and execs. It reaps every process of the environment, and when the
 * runtime ends writes its wait status to the cloud and exits, which kills whatever is left in the
 * namespace. Without a PID namespace the init is a subreaper and kills its descendants itself.
 *
 * All of it runs in a copy of a threaded process: only async-signal-safe calls (raw system calls
 * for the identity, since glibc's set*id would signal threads the copy does not have), no
 * allocation. Everything is prepared by sandbox_start() before the clone.
 */
#include "cloud/lambda/sandbox_init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The environment's root is built here, in its own mount namespace only. */
#define STAGE      "/tmp"
#define PATH_BUF   1024
#define ROOT_TMPFS "mode=0755,size=1m,nr_inodes=4096"

const char *const sandbox_step_names[STEP_COUNT] = {
	[STEP_NONE] = "none",
	[STEP_MAPS] = "user namespace id maps",
	[STEP_PRIVATE] = "private mounts",
	[STEP_SOURCE] = "opening what is bound",
	[STEP_STAGE] = "the root's tmpfs",
	[STEP_TREE] = "read-only binds",
	[STEP_FILES] = "/etc/passwd",
	[STEP_TMP] = "/tmp",
	[STEP_PROC] = "/proc",
	[STEP_PIVOT] = "pivot_root",
	[STEP_READONLY] = "a read-only root",
	[STEP_SPAWN] = "starting the runtime",
	[STEP_CAPS] = "dropping capabilities",
	[STEP_IDS] = "the sandbox uid",
	[STEP_NNP] = "no_new_privs",
	[STEP_CHDIR] = "the code folder",
	[STEP_EXEC] = "exec",
};
_Static_assert(sizeof(sandbox_step_names) / sizeof(sandbox_step_names[0]) == STEP_COUNT,
	       "a name for every step");

/* --- Before any init: what the starting process is ------------------------------------ */

/* The signals the cloud handles or ignores: its inits and runtimes start with them at default. */
void sandbox_find_signals(struct sandbox *sb)
{
	for (int s = 1; s < NSIG && sb->n_signals < sizeof(sb->signals) / sizeof(sb->signals[0]);
	     s++) {
		struct sigaction sa;
		if (s != SIGKILL && s != SIGSTOP && sigaction(s, NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_DFL)
			sb->signals[sb->n_signals++] = s;
	}
}

/* Where the cloud's command line lies in its memory (fields 48 and 49 of /proc/self/stat). */
void sandbox_find_arg_area(struct sandbox *sb)
{
	char buf[2048];
	FILE *fp = fopen("/proc/self/stat", "re");
	size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	if (fp)
		fclose(fp);
	buf[n] = '\0';
	/* After "pid (comm)", each field follows a space: the one before field 48, arg_start. */
	const char *p = strrchr(buf, ')');
	for (int field = 3; p && field <= 48; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %lu %lu", &sb->arg_start, &sb->arg_end) != 2 ||
	    sb->arg_end <= sb->arg_start || sb->arg_end - sb->arg_start > 1 << 20)
		sb->arg_start = sb->arg_end = 0;
}

int sandbox_clone_flags(const struct sandbox *sb)
{
	int flags = SIGCHLD;
	if (sb->plan.userns)
		flags |= CLONE_NEWUSER;
	if (sb->plan.pidns)
		flags |= CLONE_NEWPID | CLONE_NEWIPC;
	if (sb->plan.mountns)
		flags |= CLONE_NEWNS;
	return flags;
}

/* --- Async-signal-safe helpers (between clone and exec) ---------------------------------- */

static size_t fmt_ulong(char *out, unsigned long v)
{
	char rev[24];
	size_t n = 0;
	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (size_t i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
	return n;
}

/* dst = a + b, false when it does not fit. */
static bool cat2(char *dst, size_t n, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la + lb + 1 > n)
		return false;
	memcpy(dst, a, la);
	memcpy(dst + la, b, lb + 1);
	return true;
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0) {
		/* Nothing to tell it to. */
	}
}

static bool write_text(const char *path, const char *text, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return false;
	size_t n = strlen(text);
	bool ok = write(fd, text, n) == (ssize_t)n;
	close(fd);
	return ok;
}

static void fd_path(char *out, int fd)
{
	memcpy(out, "/proc/self/fd/", 14);
	fmt_ulong(out + 14, (unsigned long)fd);
}

/* Close every descriptor from 3 on but keep (-1: none) and keep2. */
static void close_all_but(int keep, int keep2)
{
	int lo = keep < keep2 ? keep : keep2, hi = keep < keep2 ? keep2 : keep;
	unsigned from = 3;
	for (int k = 0; k < 2; k++) {
		int fd = k == 0 ? lo : hi;
		if (fd < 3)
			continue;
		if ((unsigned)fd > from)
			close_range(from, (unsigned)fd - 1, 0);
		from = (unsigned)fd + 1;
	}
	close_range(from, ~0U, 0);
}

/* The mount flags a bind must keep: those the kernel locks in a user namespace. */
static unsigned long kept_flags(int fd)
{
	struct statfs st;
	if (fstatfs(fd, &st) != 0)
		return 0;
	unsigned long f = 0;
	if (st.f_flags & ST_NOSUID)
		f |= MS_NOSUID;
	if (st.f_flags & ST_NODEV)
		f |= MS_NODEV;
	if (st.f_flags & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (st.f_flags & ST_NOATIME)
		f |= MS_NOATIME;
	if (st.f_flags & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (st.f_flags & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static bool bind(int fd, const char *target)
{
	char src[40];
	fd_path(src, fd);
	return mount(src, target, NULL, MS_BIND | MS_REC, NULL) == 0;
}

/* Without mount_setattr(2) (before Linux 5.12): one bind at a time, keeping its locked flags. */
static bool remount_ro(int fd, const char *target)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | kept_flags(fd);
	return mount(NULL, target, NULL, flags, NULL) == 0;
}

/* Everything under STAGE read-only and nosuid, in one call where the kernel can. */
static bool seal_tree(const struct sandbox *sb, const int *fds, int code, int opt, char *path,
		      size_t n)
{
#ifdef SYS_mount_setattr
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID };
	if (syscall(SYS_mount_setattr, AT_FDCWD, STAGE, AT_RECURSIVE, &attr, sizeof(attr)) == 0)
		return true;
	if (errno != ENOSYS)
		return false;
#endif
	for (size_t i = 0; i < sb->n_items; i++)
		if (fds[i] >= 0 &&
		    (!cat2(path, n, STAGE, sb->items[i].target) || !remount_ro(fds[i], path)))
			return false;
	return remount_ro(code, STAGE SANDBOX_TASK_ROOT) &&
	       (opt < 0 || remount_ro(opt, STAGE "/opt")) &&
	       mount(NULL, STAGE, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
		     NULL) == 0;
}

/* Create an item's mount point or link under STAGE. */
static bool make_item(const struct item *it, const char *path)
{
	switch (it->kind) {
	case ITEM_DIR:
		return mkdir(path, 0755) == 0 || errno == EEXIST;
	case ITEM_LINK:
		return symlink(it->source, path) == 0;
	case ITEM_BIND:
	case ITEM_DEV:
		if (it->is_dir)
			return mkdir(path, 0755) == 0 || errno == EEXIST;
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return false;
		close(fd);
		return true;
	}
	abort();
}

/* --- The init's work ---------------------------------------------------------------------- */

/*
 * Build the root under STAGE and pivot into it. Returns the failing step, STEP_NONE if none.
 * The descriptors of what is bound stay open: closing them frees the host's tree, which the
 * init does once the runtime has started.
 */
static enum step build_root(struct init_args *a)
{
	const struct sandbox *sb = a->sb;
	int fds[MAX_ITEMS];
	char path[PATH_BUF];
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return STEP_PRIVATE;
	/* Sources by descriptor: the tmpfs staged over /tmp hides what lies below it. */
	for (size_t i = 0; i < sb->n_items; i++) {
		fds[i] = -1;
		const struct item *it = &sb->items[i];
		if ((it->kind == ITEM_BIND || it->kind == ITEM_DEV) &&
		    (fds[i] = open(it->source, O_PATH | O_CLOEXEC)) < 0)
			return STEP_SOURCE;
	}
	int code = open(a->job->code_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* The function's layers, merged: /opt (layers.h). */
	int opt = a->job->opt_dir ? open(a->job->opt_dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	int proc = sb->plan.host_proc ? open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (code < 0 || (a->job->opt_dir && opt < 0) || (sb->plan.host_proc && proc < 0))
		return STEP_SOURCE;
	if (mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, ROOT_TMPFS) != 0)
		return STEP_STAGE;
	for (size_t i = 0; i < sb->n_items; i++)
		if (!cat2(path, sizeof(path), STAGE, sb->items[i].target) ||
		    !make_item(&sb->items[i], path))
			return STEP_TREE;
	if (!write_text(STAGE "/etc/passwd", a->passwd, O_CREAT | O_EXCL) ||
	    !write_text(STAGE "/etc/group", a->group, O_CREAT | O_EXCL))
		return STEP_FILES;
	for (size_t i = 0; i < sb->n_items; i++)
		if (fds[i] >= 0 &&
		    (!cat2(path, sizeof(path), STAGE, sb->items[i].target) || !bind(fds[i], path)))
			return STEP_TREE;
	if (!bind(code, STAGE SANDBOX_TASK_ROOT) || (opt >= 0 && !bind(opt, STAGE "/opt")))
		return STEP_TREE;
	if (!seal_tree(sb, fds, code, opt, path, sizeof(path)))
		return STEP_READONLY;
	/* Mounted on the read-only tree, not in it: /tmp and /proc. */
	if (mount("tmpfs", STAGE "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, a->tmp_opts) != 0)
		return STEP_TMP;
	/* Before the host's tree goes: in a user namespace a new /proc needs a visible one. */
	if (proc >= 0 ? !bind(proc, STAGE "/proc")
		      : mount("proc", STAGE "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			      NULL) != 0)
		return STEP_PROC;
	if (chdir(STAGE) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 ||
	    umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
		return STEP_PIVOT;
	return STEP_NONE;
}

/* Drop every capability and take the runtime's identity. Returns the failing step. */
static enum step drop_privileges(const struct init_args *a)
{
	const struct sandbox *sb = a->sb;
	bool capable = sb->root || sb->plan.userns;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int cap = 0; cap <= sb->last_cap; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && capable)
			return STEP_CAPS;
	if (sb->plan.uid_switch) {
		if (syscall(SYS_setgroups, 0, NULL) != 0 ||
		    syscall(SYS_setresgid, a->gid, a->gid, a->gid) != 0 ||
		    syscall(SYS_setresuid, a->uid, a->uid, a->uid) != 0)
			return STEP_IDS;
	} else if (sb->root && !sb->plan.userns) {
		/* Root without capabilities: exec must not give them back either. */
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
				  SECBIT_NO_SETUID_FIXUP_LOCKED,
			  0, 0, 0) != 0)
			return STEP_CAPS;
	}
	struct __user_cap_header_struct head = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &head, data) != 0)
		return STEP_CAPS;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return STEP_NNP;
	return STEP_NONE;
}

enum step sandbox_runtime_seal(struct init_args *a)
{
	const struct sandbox_job *job = a->job;
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(job->out_fd, 1);
	dup2(job->out_fd, 2);
	enum step step = drop_privileges(a);
	const char *dir = a->sb->plan.mountns ? SANDBOX_TASK_ROOT : job->code_dir;
	if (step == STEP_NONE && chdir(dir) != 0)
		step = STEP_CHDIR;
	if (step != STEP_NONE)
		return step;
	/* Lambda's quota: 1,024 file descriptors, whatever the cloud itself may hold. */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		if (nofile.rlim_max > SANDBOX_NOFILE)
			nofile.rlim_max = SANDBOX_NOFILE;
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	close_range(3, ~0U, 0);
	return STEP_NONE;
}

/* The runtime's process, sharing the init's memory until it execs. */
static int runtime_main(void *arg)
{
	struct init_args *a = arg;
	enum step step = sandbox_runtime_seal(a);
	if (step == STEP_NONE) {
		execve(a->job->argv[0], a->job->argv, a->job->envp);
		step = STEP_EXEC;
	}
	a->fail_errno = errno;
	a->fail_step = step;
	put(2, step == STEP_EXEC ? "lambda-tutor: cannot start the runtime\n"
				 : "lambda-tutor: cannot seal the execution environment\n");
	_exit(step == STEP_EXEC ? 127 : 126);
}

static void tell(const struct init_args *a, enum init_msg_kind kind, int wstatus, int step, int err)
{
	struct init_msg m = { (int)kind, wstatus, step, err };
	if (write(a->status_w, &m, sizeof(m)) < 0) {
		/* The cloud is gone. */
	}
}

static _Noreturn void init_fail(struct init_args *a, enum step step, int err)
{
	char num[24];
	put(a->job->out_fd, "lambda-tutor: cannot seal the execution environment: ");
	put(a->job->out_fd, sandbox_step_names[step]);
	put(a->job->out_fd, " failed (errno ");
	fmt_ulong(num, (unsigned long)err);
	put(a->job->out_fd, num);
	put(a->job->out_fd, ")\n");
	tell(a, INIT_ENDED, 126 << 8, step, err);
	_exit(0);
}

/* Without a PID namespace: kill the init's descendants (they come to it, a subreaper) and reap. */
static void kill_descendants(void)
{
	char buf[4096];
	for (;;) {
		int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			kill(0, SIGKILL); /* no list of children: the process group, the init too */
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		long pid = 0;
		for (char *p = buf; *p; p++) {
			if (*p >= '0' && *p <= '9') {
				pid = pid * 10 + (*p - '0');
			} else {
				if (pid > 0)
					kill((pid_t)pid, SIGKILL);
				pid = 0;
			}
		}
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
		if (waitpid(-1, NULL, __WALL) < 0 && errno == ECHILD)
			return;
	}
}

/*
 * Name the init "/init" in /proc/1/cmdline, which anyone may read: a copy of the cloud's command
 * line would tell the environment the workspace's path. The init's copy of the cloud's argv area
 * is overwritten.
 */
static void rename_init(const struct sandbox *sb)
{
	static const char name[] = "/init";
	if (sb->arg_start && sb->arg_end > sb->arg_start + sizeof(name)) {
		memset((char *)sb->arg_start, 0, sb->arg_end - sb->arg_start);
		memcpy((char *)sb->arg_start, name, sizeof(name));
	}
	prctl(PR_SET_NAME, "init", 0, 0, 0);
}

static _Alignas(16) char runtime_stack[32768];

void sandbox_init_enter(struct init_args *a)
{
	const struct sandbox *sb = a->sb;
	const struct sandbox_job *job = a->job;
	if (sb->lifeline[1] >= 0)
		close(sb->lifeline[1]);
	/* Die with the cloud's spawning thread; if it is already gone, the lifeline says so. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct pollfd pfd = { sb->lifeline[0], POLLIN, 0 };
	if (sb->lifeline[0] >= 0 && poll(&pfd, 1, 0) != 0)
		_exit(0);
	setpgid(0, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < sb->n_signals; i++)
		signal(sb->signals[i], SIG_DFL);
	if (sb->plan.userns &&
	    ((!write_text("/proc/self/setgroups", "deny", 0) && errno != ENOENT) ||
	     !write_text("/proc/self/uid_map", a->uid_map, 0) ||
	     !write_text("/proc/self/gid_map", a->gid_map, 0)))
		init_fail(a, STEP_MAPS, errno);
	if (job->cg_mem_procs && job->cg_mem_procs[0]) {
		/* Rare failure: the environment then has no memory limit. */
		write_text(job->cg_mem_procs, "0", 0);
	}
	if (sb->plan.mountns) {
		enum step step = build_root(a);
		if (step != STEP_NONE)
			init_fail(a, step, errno);
	}
	/* The environment may not look into its init (its memory is a copy of the cloud's). */
	prctl(PR_SET_DUMPABLE, 0);
	rename_init(sb);
	if (!sb->plan.pidns)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
}

_Noreturn void sandbox_init_reap(struct init_args *a, pid_t runtime)
{
	const struct sandbox *sb = a->sb;
	if (runtime < 0)
		init_fail(a, STEP_SPAWN, errno);
	if (!a->fail_step)
		tell(a, INIT_STARTED, 0, STEP_NONE, 0);
	/* The cloud's descriptors (the runtime closed its copies): off the way to the runtime. */
	close_all_but(-1, a->status_w);
	for (;;) {
		int wstatus;
		pid_t pid = waitpid(-1, &wstatus, __WALL);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		if (pid != runtime)
			continue;
		tell(a, INIT_ENDED, wstatus, a->fail_step, a->fail_errno);
		/* The PID namespace dies with its init: the kernel kills the rest. */
		if (!sb->plan.pidns)
			kill_descendants();
		break;
	}
	_exit(0);
}

int sandbox_init_main(void *arg)
{
	struct init_args *a = arg;
	sandbox_init_enter(a);
	pid_t runtime = clone(runtime_main, runtime_stack + sizeof(runtime_stack),
			      CLONE_VM | CLONE_VFORK | SIGCHLD, a);
	sandbox_init_reap(a, runtime);
}
