/*
 * Execution environments sealed as Lambda's are (see sandbox.h): the plans, from the strongest
 * to the weakest, a trial of each at start, the root each environment is given, and starting
 * an environment's init (sandbox_init.c).
 */
#include "cloud/lambda/sandbox.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cloud/lambda/sandbox_init.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"

/* Where the NODE_PATH folders (the SDK) are bound. */
#define SDK_ROOT "/var/runtime-sdk"
/* Lambda's user for handlers; /etc/passwd names it. */
#define SANDBOX_USR "sbx_user1051"
/* Longest path of a bind: the init joins it to its staging folder in a fixed buffer. */
#define TARGET_MAX 900

static const struct plan root_plans[] = {
	{ .pidns = true, .mountns = true, .uid_switch = true },
	{ .pidns = true, .mountns = true, .host_proc = true, .uid_switch = true },
	{ .pidns = true, .uid_switch = true },
	{ .pidns = true },
	{ .uid_switch = true },
	{ 0 },
};

static const struct plan user_plans[] = {
	{ .userns = true, .pidns = true, .mountns = true },
	{ .userns = true, .pidns = true, .mountns = true, .host_proc = true },
	{ .userns = true, .pidns = true },
	{ 0 },
};

static _Alignas(16) char init_stack[65536];

/* --- The cloud's side --------------------------------------------------------------------- */

uid_t sandbox_uid(const struct sandbox *sb, const char *account)
{
	if (!sb->plan.uid_switch)
		return sb->uid;
	uint32_t h = 2166136261u;
	for (const char *p = account; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	uint32_t slot = h % SANDBOX_UID_COUNT;
	for (uint32_t tries = 0; tries < SANDBOX_UID_COUNT; tries++) {
		uid_t uid = SANDBOX_UID_BASE + (slot + tries) % SANDBOX_UID_COUNT;
		bool taken = false;
		for (size_t i = 0; i < sb->n_taken; i++)
			taken = taken || sb->taken[i] == uid;
		if (!taken)
			return uid;
	}
	return SANDBOX_UID_BASE;
}

void sandbox_init_args(const struct sandbox *sb, const struct sandbox_job *job, struct init_args *a)
{
	a->sb = sb;
	a->job = job;
	a->uid = sandbox_uid(sb, job->account);
	a->gid = sb->plan.uid_switch ? (gid_t)a->uid : sb->gid;
	snprintf(a->tmp_opts, sizeof(a->tmp_opts), "size=%dm,mode=1777",
		 job->tmp_mb > 0 ? job->tmp_mb : SANDBOX_TMP_MB);
	snprintf(a->uid_map, sizeof(a->uid_map), "%u %u 1\n", (unsigned)sb->uid, (unsigned)sb->uid);
	snprintf(a->gid_map, sizeof(a->gid_map), "%u %u 1\n", (unsigned)sb->gid, (unsigned)sb->gid);
	snprintf(a->passwd, sizeof(a->passwd),
		 "root:x:0:0:root:/root:/usr/sbin/nologin\n"
		 "%s:x:%u:%u::/home/%s:/usr/sbin/nologin\n"
		 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		 SANDBOX_USR, (unsigned)a->uid, (unsigned)a->gid, SANDBOX_USR);
	snprintf(a->group, sizeof(a->group), "root:x:0:\n%s:x:%u:\nnogroup:x:65534:\n", SANDBOX_USR,
		 (unsigned)a->gid);
}

pid_t sandbox_start(const struct sandbox *sb, const struct sandbox_job *job, int *status_fd)
{
	if (job->out_fd < 3) {
		errno = EBADF;
		return -1;
	}
	int status[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, status) != 0)
		return -1;
	struct init_args *a = xcalloc(1, sizeof(*a));
	sandbox_init_args(sb, job, a);
	a->status_w = status[1];
	pid_t pid = clone(sandbox_init_main, init_stack + sizeof(init_stack),
			  sandbox_clone_flags(sb), a);
	int saved = errno;
	close(status[1]);
	free(a);
	if (pid < 0) {
		close(status[0]);
		errno = saved;
		return -1;
	}
	setpgid(pid, pid);
	*status_fd = status[0];
	return pid;
}

/* The init's next message, without taking it when peek. False when there is none. */
static bool next_msg(int fd, struct init_msg *m, bool peek)
{
	ssize_t n;
	while ((n = recv(fd, m, sizeof(*m), peek ? MSG_PEEK : 0)) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(*m);
}

/* The init's word on how the runtime ended, passing over the start. */
static bool ended_msg(int fd, struct init_msg *m)
{
	while (next_msg(fd, m, false))
		if (m->kind == INIT_ENDED)
			return true;
	return false;
}

pid_t sandbox_runtime_pid(pid_t init, int status_fd)
{
	struct pollfd pfd = { status_fd, POLLIN, 0 };
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	struct init_msg m;
	if (!next_msg(status_fd, &m, true) || m.kind != INIT_STARTED)
		return -1;
	next_msg(status_fd, &m, false);
	/* The runtime is the init's first child: orphans it adopts come after it. */
	char path[64], buf[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)init, (int)init);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (pid_t)atoi(buf) : -1;
}

int sandbox_status(int status_fd, int init_wstatus)
{
	struct init_msg m;
	return status_fd >= 0 && ended_msg(status_fd, &m) ? m.wstatus : init_wstatus;
}

/* --- Probing ------------------------------------------------------------------------------ */

static void add_item(struct sandbox *sb, enum item_kind kind, bool is_dir, const char *target,
		     const char *source)
{
	if (sb->n_items >= MAX_ITEMS || strlen(target) > TARGET_MAX)
		return;
	for (size_t i = 0; i < sb->n_items; i++)
		if (strcmp(sb->items[i].target, target) == 0)
			return;
	struct item *it = &sb->items[sb->n_items++];
	it->kind = kind;
	it->is_dir = is_dir;
	it->target = xstrdup(target);
	it->source = source ? xstrdup(source) : NULL;
}

/* The folders above target, outermost first. */
static void add_parents(struct sandbox *sb, const char *target)
{
	char *copy = xstrdup(target);
	for (char *p = copy + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		add_item(sb, ITEM_DIR, true, copy, NULL);
		*p = '/';
	}
	free(copy);
}

/* Bind source (a host path, resolved) at target, with the folders above it. */
static bool add_bind(struct sandbox *sb, const char *target, const char *source, bool dev)
{
	struct stat st;
	if (stat(source, &st) != 0)
		return false;
	add_parents(sb, target);
	add_item(sb, dev ? ITEM_DEV : ITEM_BIND, S_ISDIR(st.st_mode), target, source);
	return true;
}

static bool under_system(const char *path)
{
	static const char *const sys[] = { "/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", NULL };
	for (const char *const *s = sys; *s; s++)
		if (str_starts_with(path, *s))
			return true;
	return false;
}

/* An interpreter outside /usr (nvm's node, a Python built in a home): its prefix, in place. */
static void add_interpreter(struct sandbox *sb, const char *program)
{
	char *real = program ? realpath(program, NULL) : NULL;
	if (real && !under_system(real)) {
		char *bin = path_dirname(real);
		char *prefix = path_dirname(bin);
		if (strcmp(prefix, "/") != 0)
			add_bind(sb, prefix, prefix, false);
		free(bin);
		free(prefix);
	}
	free(real);
}

/* The NODE_PATH folders (the SDK), each at /var/runtime-sdk/N/<its name>. */
static void add_node_path(struct sandbox *sb, const char *node_path)
{
	if (!node_path)
		return;
	char *copy = xstrdup(node_path), *save = NULL;
	struct strbuf in = STRBUF_INIT;
	int n = 0;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *real = realpath(d, NULL);
		if (real && path_is_dir(real)) {
			const char *base = strrchr(real, '/');
			base = base && base[1] ? base + 1 : "node_modules";
			char *target = xasprintf(SDK_ROOT "/%d/%s", n++, base);
			if (add_bind(sb, target, real, false)) {
				if (in.len)
					strbuf_addch(&in, ':');
				strbuf_addstr(&in, target);
			}
			free(target);
		}
		free(real);
	}
	free(copy);
	sb->node_path_in = in.len ? strbuf_detach(&in) : NULL;
	strbuf_release(&in);
}

static void build_items(struct sandbox *sb, const struct sandbox_config *cfg)
{
	static const char *const dirs[] = { "/proc",           "/dev", "/etc", "/var",
					    SANDBOX_TASK_ROOT, "/opt", "/tmp", NULL };
	for (const char *const *d = dirs; *d; d++)
		add_item(sb, ITEM_DIR, true, *d, NULL);
	add_bind(sb, "/usr", "/usr", false);
	/* Merged /usr keeps these as links; elsewhere they are folders of their own. */
	static const char *const top[] = { "/bin",   "/sbin",   "/lib", "/lib32",
					   "/lib64", "/libx32", NULL };
	for (const char *const *t = top; *t; t++) {
		struct stat st;
		char link[256];
		ssize_t n;
		if (lstat(*t, &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode) && (n = readlink(*t, link, sizeof(link) - 1)) > 0) {
			link[n] = '\0';
			add_item(sb, ITEM_LINK, false, *t, link);
		} else if (S_ISDIR(st.st_mode)) {
			add_bind(sb, *t, *t, false);
		}
	}
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom", NULL };
	for (const char *const *d = devs; *d; d++) {
		char *p = xasprintf("/dev/%s", *d);
		add_bind(sb, p, p, true);
		free(p);
	}
	add_item(sb, ITEM_LINK, false, "/dev/fd", "/proc/self/fd");
	add_item(sb, ITEM_LINK, false, "/dev/stdin", "/proc/self/fd/0");
	add_item(sb, ITEM_LINK, false, "/dev/stdout", "/proc/self/fd/1");
	add_item(sb, ITEM_LINK, false, "/dev/stderr", "/proc/self/fd/2");
	/* What interpreters and their libraries read in /etc: names, time, TLS roots, linking. */
	static const char *const etc[] = {
		"hosts",        "resolv.conf", "nsswitch.conf",   "localtime",       "ld.so.cache",
		"mime.types",   "services",    "protocols",       "os-release",      "ssl",
		"alternatives", "pki",         "ca-certificates", "crypto-policies", NULL,
	};
	for (const char *const *e = etc; *e; e++) {
		char *p = xasprintf("/etc/%s", *e);
		add_bind(sb, p, p, false);
		free(p);
	}
	add_bind(sb, SANDBOX_RUNTIME_DIR, cfg->runtimes_dir, false);
	add_node_path(sb, cfg->node_path);
	add_interpreter(sb, cfg->python);
	add_interpreter(sb, cfg->node);
}

/* The ids in our range that /etc/passwd, /etc/group or a subordinate range already give. */
static void note_taken(struct sandbox *sb, unsigned long id)
{
	if (id < SANDBOX_UID_BASE || id >= SANDBOX_UID_BASE + SANDBOX_UID_COUNT ||
	    sb->n_taken >= MAX_TAKEN)
		return;
	sb->taken[sb->n_taken++] = (uid_t)id;
}

static void find_taken(struct sandbox *sb)
{
	struct passwd *pw;
	setpwent();
	while ((pw = getpwent()))
		note_taken(sb, pw->pw_uid);
	endpwent();
	struct group *gr;
	setgrent();
	while ((gr = getgrent()))
		note_taken(sb, gr->gr_gid);
	endgrent();
	static const char *const sub[] = { "/etc/subuid", "/etc/subgid", NULL };
	for (const char *const *f = sub; *f; f++) {
		FILE *fp = fopen(*f, "re");
		char line[512];
		while (fp && fgets(line, sizeof(line), fp)) {
			unsigned long start, count;
			const char *colon = strchr(line, ':');
			if (!colon || sscanf(colon + 1, "%lu:%lu", &start, &count) != 2)
				continue;
			unsigned long lo = start > SANDBOX_UID_BASE ? start : SANDBOX_UID_BASE;
			unsigned long hi = start + count;
			for (unsigned long id = lo; id < hi && sb->n_taken < MAX_TAKEN; id++)
				note_taken(sb, id);
		}
		if (fp)
			fclose(fp);
	}
}

static int last_cap(void)
{
	FILE *fp = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = 40;
	if (fp && fscanf(fp, "%d", &n) != 1)
		n = 40;
	if (fp)
		fclose(fp);
	return n < 0 || n > 63 ? 63 : n;
}

/* Start an environment with the plan that runs a shell's test of the runtimes; true if it passed.
 */
static bool trial(struct sandbox *sb, const struct sandbox_config *cfg, struct strbuf *why)
{
	char *runtime = xasprintf("%s/python/bootstrap.py", sandbox_runtimes_dir(sb));
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)"exec test -r \"$0\"", runtime,
			 NULL };
	char *envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	while (out >= 0 && out < 3)
		out = fcntl(out, F_DUPFD_CLOEXEC, 3);
	struct sandbox_job job = { .account = "000000000000",
				   .code_dir = cfg->code_root,
				   .tmp_mb = 1,
				   .argv = argv,
				   .envp = envp,
				   .out_fd = out };
	int status_fd = -1, wstatus = 0;
	pid_t pid = out >= 0 ? sandbox_start(sb, &job, &status_fd) : -1;
	bool ok = false;
	if (pid < 0) {
		strbuf_addf(why, "clone: %s", strerror(errno));
	} else {
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
		struct init_msg m = { INIT_ENDED, wstatus, STEP_NONE, 0 };
		if (!ended_msg(status_fd, &m))
			strbuf_addstr(why, "the init died");
		else if (m.step != STEP_NONE)
			strbuf_addf(why, "%s: %s", sandbox_step_names[m.step], strerror(m.err));
		else if (!WIFEXITED(m.wstatus) || WEXITSTATUS(m.wstatus) != 0)
			strbuf_addf(why, "the runtimes are not readable (%s)", runtime);
		else
			ok = true;
		close(status_fd);
	}
	if (out >= 0)
		close(out);
	free(runtime);
	return ok;
}

static const char *plan_name(const struct plan *p)
{
	if (p->mountns && !p->host_proc)
		return "sealed";
	if (p->mountns)
		return "a root of its own with the host's /proc";
	if (p->pidns)
		return "a PID namespace without a root of its own";
	return "no namespaces";
}

/* The plan as the object of "the kernel refused ...". */
static const char *plan_phrase(const struct plan *p)
{
	return p->mountns && !p->host_proc ? "a sealed environment"
	       : p->mountns                ? "a root of its own"
	       : p->pidns                  ? "a PID namespace"
					   : "any namespace";
}

struct sandbox *sandbox_probe(const struct sandbox_config *cfg)
{
	struct sandbox *sb = xcalloc(1, sizeof(*sb));
	sb->uid = getuid();
	sb->gid = getgid();
	sb->root = geteuid() == 0;
	sb->mountns_off = cfg->no_mountns;
	sb->last_cap = last_cap();
	sb->runtimes_host = xstrdup(cfg->runtimes_dir);
	sb->node_path_host = cfg->node_path ? xstrdup(cfg->node_path) : NULL;
	sb->lifeline[0] = sb->lifeline[1] = -1;
	if (pipe2(sb->lifeline, O_CLOEXEC) != 0)
		sb->lifeline[0] = sb->lifeline[1] = -1;
	if (sb->root)
		find_taken(sb);
	sandbox_find_signals(sb);
	sandbox_find_arg_area(sb);
	build_items(sb, cfg);
	const struct plan *plans = sb->root ? root_plans : user_plans;
	size_t n = sb->root ? sizeof(root_plans) / sizeof(root_plans[0])
			    : sizeof(user_plans) / sizeof(user_plans[0]);
	struct strbuf why = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		sb->plan = plans[i];
		if (cfg->no_mountns && sb->plan.mountns)
			continue;
		if (i + 1 == n)
			break; /* the last plan asks nothing of the kernel */
		strbuf_reset(&why);
		if (trial(sb, cfg, &why))
			break;
		if (!sb->refused[0])
			snprintf(sb->refused, sizeof(sb->refused), "%s (%s)",
				 plan_phrase(&sb->plan), why.buf);
	}
	strbuf_release(&why);
	return sb;
}

void sandbox_free(struct sandbox *sb)
{
	if (!sb)
		return;
	for (size_t i = 0; i < sb->n_items; i++) {
		free(sb->items[i].target);
		free(sb->items[i].source);
	}
	if (sb->lifeline[0] >= 0)
		close(sb->lifeline[0]);
	if (sb->lifeline[1] >= 0)
		close(sb->lifeline[1]);
	free(sb->runtimes_host);
	free(sb->node_path_host);
	free(sb->node_path_in);
	free(sb);
}

bool sandbox_private_root(const struct sandbox *sb)
{
	return sb->plan.mountns;
}

bool sandbox_reaps_all(const struct sandbox *sb)
{
	return sb->plan.pidns;
}

const char *sandbox_runtimes_dir(const struct sandbox *sb)
{
	return sb->plan.mountns ? SANDBOX_RUNTIME_DIR : sb->runtimes_host;
}

const char *sandbox_node_path(const struct sandbox *sb)
{
	return sb->plan.mountns ? sb->node_path_in : sb->node_path_host;
}

/* Who handlers run as, in words. */
static void identity(const struct sandbox *sb, struct strbuf *out)
{
	if (sb->plan.uid_switch)
		strbuf_addf(out, "a uid of their account's own (from %u), no capabilities",
			    SANDBOX_UID_BASE);
	else if (sb->plan.userns)
		strbuf_addf(out, "your uid (%u) in a user namespace, no capabilities",
			    (unsigned)sb->uid);
	else if (sb->root)
		strbuf_addstr(out, "root without capabilities");
	else
		strbuf_addf(out, "your uid (%u), no capabilities", (unsigned)sb->uid);
}

/* What the plan leaves open, one clause each. */
static void left_open(const struct sandbox *sb, struct vec *out)
{
	if (sb->root && !sb->plan.uid_switch)
		vec_push(out,
			 xstrdup("handlers run as uid 0: files root owns (/etc/shadow...) stay "
				 "readable to them"));
	if (!sb->root && !sb->plan.userns)
		vec_push(out, xstrdup("handlers run as you: they read and change what you may, and "
				      "may signal your processes, this cloud included"));
	if (!sb->plan.mountns)
		vec_push(out, xasprintf("no root of their own%s: handlers see the host's files as "
					"their uid may (the workspace, other accounts' code when "
					"readable), the host's /tmp and /proc",
					sb->mountns_off ? " (LAMBDA_TUTOR_MOUNTNS=off)" : ""));
	else if (sb->plan.host_proc)
		vec_push(out, xstrdup("/proc is the host's: handlers see every process"));
	if (!sb->plan.pidns)
		vec_push(out, xstrdup("no PID namespace: handlers see the host's processes"));
	vec_push(out, xstrdup("the network is the host's: handlers reach loopback services (this "
			      "cloud's endpoint, which they need) and abstract Unix sockets"));
}

void sandbox_describe(const struct sandbox *sb, cJSON *health)
{
	cJSON *o = cJSON_AddObjectToObject(health, "sandbox");
	cJSON_AddStringToObject(o, "plan", plan_name(&sb->plan));
	struct strbuf s = STRBUF_INIT;
	identity(sb, &s);
	cJSON_AddStringToObject(o, "identity", s.buf);
	strbuf_release(&s);
	if (sb->plan.uid_switch)
		cJSON_AddNumberToObject(o, "uidBase", SANDBOX_UID_BASE);
	else
		cJSON_AddNumberToObject(o, "uid", (double)sb->uid);
	cJSON *ns = cJSON_AddArrayToObject(o, "namespaces");
	if (sb->plan.userns)
		cJSON_AddItemToArray(ns, cJSON_CreateString("user"));
	if (sb->plan.pidns) {
		cJSON_AddItemToArray(ns, cJSON_CreateString("pid"));
		cJSON_AddItemToArray(ns, cJSON_CreateString("ipc"));
	}
	if (sb->plan.mountns)
		cJSON_AddItemToArray(ns, cJSON_CreateString("mount"));
	cJSON_AddStringToObject(o, "root", sb->plan.mountns ? "private" : "host");
	cJSON_AddStringToObject(o, "proc",
				sb->plan.mountns && !sb->plan.host_proc ? "environment" : "host");
	cJSON_AddStringToObject(o, "tmp", sb->plan.mountns ? "private" : "host");
	cJSON_AddStringToObject(o, "network", "host");
	cJSON_AddBoolToObject(o, "noNewPrivs", true);
	struct vec open = VEC_INIT;
	left_open(sb, &open);
	cJSON *arr = cJSON_AddArrayToObject(o, "open");
	vec_for_each (&open, i)
		cJSON_AddItemToArray(arr, cJSON_CreateString(open.items[i]));
	vec_release_with(&open, free);
	if (sb->refused[0])
		cJSON_AddStringToObject(o, "refused", sb->refused);
}

char *sandbox_summary(const struct sandbox *sb)
{
	struct strbuf out = STRBUF_INIT, who = STRBUF_INIT;
	identity(sb, &who);
	strbuf_addf(&out, "handlers run as %s", who.buf);
	if (sb->plan.pidns)
		strbuf_addstr(&out, ", in PID and IPC namespaces of their own");
	if (sb->plan.mountns)
		strbuf_addstr(&out, ", in a root of their own (/var/task read-only, /var/runtime, "
				    "/opt, a private /tmp)");
	strbuf_addstr(&out, "\n");
	if (sb->refused[0])
		strbuf_addf(&out, "the kernel refused %s\n", sb->refused);
	struct vec open = VEC_INIT;
	left_open(sb, &open);
	vec_for_each (&open, i)
		strbuf_addf(&out, "left open: %s\n", (const char *)open.items[i]);
	vec_release_with(&open, free);
	strbuf_release(&who);
	return strbuf_detach(&out);
}
