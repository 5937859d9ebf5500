/*
 * Execution environments: one process group per environment, started with Lambda's
 * environment, its output split into log events, its memory and CPU held to the function's
 * configuration (cgroup v1 when writable, else a watchdog and SIGSTOP/SIGCONT duty cycling).
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"

/* Lambda gives 1 vCPU at 1,769 MB; the share scales with memory. */
#define MB_PER_VCPU    1769.0
#define CPU_PERIOD_US  20000
#define DUTY_PERIOD_MS 20

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t n = strlen(text);
	bool ok = write(fd, text, n) == (ssize_t)n;
	close(fd);
	return ok;
}

static long long read_number(const char *path, const char *key)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!key)
		return atoll(buf);
	const char *p = strstr(buf, key);
	return p ? atoll(p + strlen(key)) : -1;
}

/* Kill every process in a cgroup (those that left the process group included). */
static void cgroup_kill(const char *dir)
{
	if (!dir[0])
		return;
	char path[300];
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	FILE *fp = fopen(path, "re");
	if (!fp)
		return;
	int pid;
	while (fscanf(fp, "%d", &pid) == 1)
		kill(pid, SIGKILL);
	fclose(fp);
}

/*
 * Kill the processes whose stdout or stderr is still the environment's output pipe (fd): those
 * that left its process group without a cgroup to find them by (setsid). Until they are gone
 * the reader never sees the end of the output, and the environment is never freed. Reaps the
 * ones that came back to us as orphans.
 */
static void kill_pipe_holders(int fd)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return;
	char want[48];
	snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)st.st_ino);
	pid_t self = getpid();
	for (int round = 0; round < 20; round++) {
		int found = 0;
		DIR *d = opendir("/proc");
		struct dirent *de;
		while (d && (de = readdir(d))) {
			pid_t pid = (pid_t)atoi(de->d_name);
			if (pid <= 0 || pid == self)
				continue;
			for (int out = 1; out <= 2; out++) {
				char link[64], target[64];
				snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, out);
				ssize_t n = readlink(link, target, sizeof(target) - 1);
				if (n <= 0)
					continue;
				target[n] = '\0';
				if (strcmp(target, want) != 0)
					continue;
				kill(pid, SIGKILL);
				found++;
				char stat_path[64];
				snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", (int)pid);
				FILE *fp = fopen(stat_path, "re");
				int ppid = 0;
				if (fp && fscanf(fp, "%*d (%*[^)]) %*c %d", &ppid) != 1)
					ppid = 0;
				if (fp)
					fclose(fp);
				if (ppid == (int)self)
					waitpid(pid, NULL, 0);
				break;
			}
		}
		if (d)
			closedir(d);
		if (!found)
			return;
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
}

static void cgroup_remove(const char *dir)
{
	if (!dir[0])
		return;
	for (int i = 0; i < 50 && rmdir(dir) != 0 && errno == EBUSY; i++) {
		cgroup_kill(dir);
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
}

/* Kill what a cloud that died (kill -9) left in its cgroups, and remove them. */
static void sweep_dead_clouds(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		int pid;
		if (sscanf(de->d_name, "lambda-tutor.%d", &pid) != 1 || pid == (int)getpid() ||
		    kill(pid, 0) == 0)
			continue;
		char parent[300];
		snprintf(parent, sizeof(parent), "%s/%s", root, de->d_name);
		DIR *envs = opendir(parent);
		struct dirent *ee;
		while (envs && (ee = readdir(envs))) {
			if (strncmp(ee->d_name, "env-", 4) != 0)
				continue;
			char dir[600];
			snprintf(dir, sizeof(dir), "%s/%s", parent, ee->d_name);
			cgroup_remove(dir);
		}
		if (envs)
			closedir(envs);
		rmdir(parent);
	}
	if (d)
		closedir(d);
}

bool lambda_cgroups_probe(struct cloud *c)
{
	const char *mode = getenv("LAMBDA_TUTOR_CGROUPS");
	if (mode && strcmp(mode, "off") == 0)
		return false;
	snprintf(c->cg_mem_root, sizeof(c->cg_mem_root), "/sys/fs/cgroup/memory/lambda-tutor.%d",
		 (int)getpid());
	snprintf(c->cg_cpu_root, sizeof(c->cg_cpu_root), "/sys/fs/cgroup/cpu/lambda-tutor.%d",
		 (int)getpid());
	sweep_dead_clouds("/sys/fs/cgroup/memory");
	sweep_dead_clouds("/sys/fs/cgroup/cpu");
	c->cg_mem = mkdir(c->cg_mem_root, 0755) == 0 || errno == EEXIST;
	if (c->cg_mem) {
		char p[256];
		snprintf(p, sizeof(p), "%s/memory.limit_in_bytes", c->cg_mem_root);
		c->cg_mem = access(p, W_OK) == 0;
	}
	c->cg_cpu = mkdir(c->cg_cpu_root, 0755) == 0 || errno == EEXIST;
	if (c->cg_cpu) {
		char p[256];
		snprintf(p, sizeof(p), "%s/cpu.cfs_quota_us", c->cg_cpu_root);
		c->cg_cpu = access(p, W_OK) == 0;
	}
	return c->cg_mem || c->cg_cpu;
}

#define TASK_ROOT   "/var/task"
#define RUNTIME_DIR "/var/runtime"
#define SDK_MOUNT   "/var/runtime-sdk/node_modules"

/*
 * In a fresh mount namespace: the code read-only at /var/task, the runtime clients at
 * /var/runtime, a private /tmp (so both are bound before /tmp is hidden). Signal-safe.
 */
static bool enter_mountns(const char *code_dir, const char *runtimes_dir, const char *sdk_src)
{
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount(code_dir, TASK_ROOT, NULL, MS_BIND | MS_REC, NULL) != 0 ||
	    mount(runtimes_dir, RUNTIME_DIR, NULL, MS_BIND | MS_REC, NULL) != 0)
		return false;
	if (sdk_src && mount(sdk_src, SDK_MOUNT, NULL, MS_BIND | MS_REC, NULL) != 0)
		return false;
	mount(NULL, TASK_ROOT, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL);
	mount(NULL, RUNTIME_DIR, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL);
	return mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=512m,mode=1777") == 0;
}

/*
 * A NODE_PATH folder under /tmp (the SDK of a checkout there) would vanish behind the private
 * /tmp: note it so that each environment binds it at SDK_MOUNT before hiding /tmp.
 */
static void sdk_under_tmp(struct cloud *c)
{
	if (!c->node_path || c->sdk_src)
		return;
	char *copy = xstrdup(c->node_path), *save = NULL;
	struct strbuf np = STRBUF_INIT;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (np.len)
			strbuf_addch(&np, ':');
		if (!c->sdk_src && str_starts_with(d, "/tmp/") && path_is_dir(d)) {
			struct error err;
			if (!path_mkdirs(SDK_MOUNT, 0755, &err))
				break;
			c->sdk_src = xstrdup(d);
			strbuf_addstr(&np, SDK_MOUNT);
		} else {
			strbuf_addstr(&np, d);
		}
	}
	free(copy);
	if (c->sdk_src)
		c->node_path_ns = strbuf_detach(&np);
	strbuf_release(&np);
}

bool lambda_mountns_probe(struct cloud *c)
{
	const char *mode = getenv("LAMBDA_TUTOR_MOUNTNS");
	c->mountns = false;
	if (mode && strcmp(mode, "off") == 0)
		return false;
	if ((!path_is_dir(TASK_ROOT) && mkdir(TASK_ROOT, 0755) != 0) ||
	    (!path_is_dir(RUNTIME_DIR) && mkdir(RUNTIME_DIR, 0755) != 0) ||
	    !path_is_dir(c->runtimes_dir))
		return false;
	sdk_under_tmp(c);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(enter_mountns(c->code_root, c->runtimes_dir, c->sdk_src) ? 0 : 1);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	c->mountns = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return c->mountns;
}

void lambda_cgroups_cleanup(struct cloud *c)
{
	if (c->cg_mem_root[0])
		rmdir(c->cg_mem_root);
	if (c->cg_cpu_root[0])
		rmdir(c->cg_cpu_root);
}

void lambda_env_log_platform(struct env *env, const char *line, size_t len)
{
	/* Lambda's own lines reach CloudWatch with their newline; the tail has one anyway. */
	char *with = xmalloc(len + 1);
	memcpy(with, line, len);
	with[len] = '\n';
	logs_append(env->cloud->logs, env->fn->account, env->group, env->stream, clock_wall_ms(),
		    with, len + 1);
	free(with);
	lambda_env_tail(env, line, len);
}

void lambda_env_log(struct env *env, const char *line, size_t len)
{
	logs_append(env->cloud->logs, env->fn->account, env->group, env->stream, clock_wall_ms(),
		    line, len);
	lambda_env_tail(env, line, len);
}

void lambda_env_tail(struct env *env, const char *line, size_t len)
{
	strbuf_add(&env->tail, line, len);
	strbuf_addch(&env->tail, '\n');
	if (env->tail.len > 16384) {
		size_t keep = 4096;
		memmove(env->tail.buf, env->tail.buf + env->tail.len - keep, keep);
		strbuf_setlen(&env->tail, keep);
	}
}

static void on_line(void *ctx, const char *line, size_t len)
{
	lambda_env_log(ctx, line, len);
}

/* Read up to max bytes of pending output. Returns false at end of file. */
static bool drain_some(struct env *env, size_t max)
{
	char buf[65536];
	size_t total = 0;
	while (total < max) {
		ssize_t n = read(env->out_fd, buf, sizeof(buf));
		if (n > 0) {
			log_splitter_feed(&env->split, buf, (size_t)n, on_line, env);
			total += (size_t)n;
			continue;
		}
		if (n == 0)
			return false;
		if (errno == EINTR)
			continue;
		break;
	}
	return true;
}

void lambda_env_drain(struct env *env)
{
	if (env->out_fd >= 0)
		drain_some(env, 4 << 20);
}

void lambda_env_flush(struct env *env)
{
	log_splitter_flush(&env->split, on_line, env);
}

static void *reader_main(void *arg)
{
	struct env *env = arg;
	for (;;) {
		struct pollfd pfd = { env->out_fd, POLLIN, 0 };
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
		pthread_mutex_lock(&env->log_mu);
		bool more = drain_some(env, 1 << 20);
		if (!more)
			log_splitter_flush(&env->split, on_line, env);
		pthread_mutex_unlock(&env->log_mu);
		if (!more)
			break;
	}
	pthread_mutex_lock(&env->cloud->mu);
	env->reader_done = true;
	pthread_mutex_unlock(&env->cloud->mu);
	return NULL;
}

static const char *signal_text(int sig)
{
	switch (sig) {
	case SIGKILL:
		return "killed";
	case SIGSEGV:
		return "segmentation fault";
	case SIGABRT:
		return "aborted";
	case SIGTERM:
		return "terminated";
	case SIGBUS:
		return "bus error";
	case SIGILL:
		return "illegal instruction";
	case SIGFPE:
		return "floating point exception";
	case SIGINT:
		return "interrupt";
	case SIGPIPE:
		return "broken pipe";
	default:
		return "unknown signal";
	}
}

static void describe_exit(int wstatus, char *out, size_t n)
{
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		snprintf(out, n, "Runtime exited without providing a reason");
	else if (WIFEXITED(wstatus))
		snprintf(out, n, "Runtime exited with error: exit status %d", WEXITSTATUS(wstatus));
	else
		snprintf(out, n, "Runtime exited with error: signal: %s%s",
			 signal_text(WTERMSIG(wstatus)),
			 WCOREDUMP(wstatus) ? " (core dumped)" : "");
}

static void *waiter_main(void *arg)
{
	struct env *env = arg;
	/*
	 * Joining a cpu cgroup waits for the kernel's RCU grace periods (tens of ms): do it here,
	 * beside the runtime's start, not in its way. The share only applies after init anyway.
	 */
	if (env->cg_cpu[0]) {
		char procs[300], pid[16];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", env->cg_cpu);
		snprintf(pid, sizeof(pid), "%d", (int)env->pid);
		write_file(procs, pid);
	}
	siginfo_t info;
	/* Wait without reaping, so the group id cannot be reused before the group is killed. */
	while (waitid(P_PID, (id_t)env->pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR)
		;
	kill(-env->pid, SIGKILL);
	cgroup_kill(env->cg_mem);
	cgroup_kill(env->cg_cpu);
	int wstatus = 0;
	while (waitpid(env->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	/* The group's orphans come back to us (we are their subreaper): reap them too. */
	while (waitpid(-env->pid, NULL, 0) > 0 || errno == EINTR)
		;
	if (!env->cg_mem[0])
		kill_pipe_holders(env->out_fd);
	pthread_mutex_lock(&env->cloud->mu);
	env->exited = true;
	env->wstatus = wstatus;
	if (env->cg_mem[0]) {
		char p[300];
		snprintf(p, sizeof(p), "%s/memory.oom_control", env->cg_mem);
		if (read_number(p, "oom_kill ") > 0)
			env->oom = true;
	}
	struct invocation *inv = env->inv;
	if (inv && inv->state != INV_DONE) {
		char why[160];
		describe_exit(wstatus, why, sizeof(why));
		const char *type = env->oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
		if (env->oom)
			snprintf(why, sizeof(why), "Runtime exited with error: signal: killed");
		cJSON *o = cJSON_CreateObject();
		char *msg = xasprintf("RequestId: %s Error: %s", inv->id, why);
		cJSON_AddStringToObject(o, "errorType", type);
		cJSON_AddStringToObject(o, "errorMessage", msg);
		free(msg);
		char *text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		lambda_inv_complete(inv, text, strlen(text), true, type, "error");
		free(text);
	}
	env->state = ENV_DEAD;
	pthread_cond_broadcast(&env->cond);
	pthread_mutex_unlock(&env->cloud->mu);
	return NULL;
}

/* Duty cycling for a CPU share below one vCPU when cgroups are not available. */
static void *duty_main(void *arg)
{
	struct env *env = arg;
	double share = env->memory / MB_PER_VCPU;
	long on_us = (long)(DUTY_PERIOD_MS * 1000 * share);
	long off_us = DUTY_PERIOD_MS * 1000 - on_us;
	for (;;) {
		pthread_mutex_lock(&env->cloud->mu);
		bool done = env->state == ENV_DEAD || env->exited;
		bool init = env->state == ENV_INIT;
		pthread_mutex_unlock(&env->cloud->mu);
		if (done)
			break;
		if (init) {
			struct timespec wait = { 0, DUTY_PERIOD_MS * 1000000L };
			nanosleep(&wait, NULL);
			continue;
		}
		struct timespec on = { 0, on_us * 1000 }, off = { 0, off_us * 1000 };
		nanosleep(&on, NULL);
		kill(-env->pid, SIGSTOP);
		nanosleep(&off, NULL);
		kill(-env->pid, SIGCONT);
	}
	return NULL;
}

static long long proc_kb(pid_t pid, const char *key)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	long long v = read_number(p, key);
	return v < 0 ? 0 : v;
}

/* Sum a field of /proc/PID/status over the process and its descendants. */
static long long tree_kb(pid_t pid, const char *key, int depth)
{
	long long total = proc_kb(pid, key);
	if (depth > 4)
		return total;
	char p[96], buf[4096];
	snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return total;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return total;
	buf[n] = '\0';
	char *save = NULL;
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		total += tree_kb((pid_t)atoi(t), key, depth + 1);
	return total;
}

int lambda_env_max_used_mb(struct env *env)
{
	long long kb = env->exited ? 0 : tree_kb(env->pid, "VmHWM:", 0);
	if (kb > env->max_rss_kb)
		env->max_rss_kb = kb;
	int mb = (int)((env->max_rss_kb + 1023) / 1024);
	if (env->oom)
		mb = env->memory;
	return mb > env->memory ? env->memory : mb;
}

void lambda_env_watchdog(struct cloud *c)
{
	if (c->cg_mem)
		return;
	vec_for_each (&c->envs, i) {
		struct env *env = c->envs.items[i];
		if (env->exited || env->state == ENV_DEAD)
			continue;
		long long kb = tree_kb(env->pid, "VmRSS:", 0);
		if (kb > env->max_rss_kb)
			env->max_rss_kb = kb;
		if (kb > (long long)env->memory * 1024) {
			env->oom = true;
			lambda_env_kill(env);
		}
	}
}

void lambda_env_kill(struct env *env)
{
	env->killed = true;
	if (!env->exited) {
		kill(-env->pid, SIGKILL);
		cgroup_kill(env->cg_mem);
		cgroup_kill(env->cg_cpu);
	}
	env->state = ENV_DEAD;
	pthread_cond_broadcast(&env->cond);
}

static void env_free(struct env *env)
{
	http_server_stop(env->rapi);
	pthread_join(env->waiter, NULL);
	pthread_join(env->reader, NULL);
	if (env->has_duty)
		pthread_join(env->duty, NULL);
	if (env->out_fd >= 0)
		close(env->out_fd);
	cgroup_remove(env->cg_mem);
	cgroup_remove(env->cg_cpu);
	log_splitter_release(&env->split);
	strbuf_release(&env->tail);
	pthread_cond_destroy(&env->cond);
	pthread_mutex_destroy(&env->log_mu);
	pthread_mutex_lock(&env->cloud->mu);
	lambda_fn_unref(env->fn);
	pthread_mutex_unlock(&env->cloud->mu);
	free(env);
}

void lambda_env_housekeep(struct cloud *c, bool all)
{
	struct vec done = VEC_INIT;
	pthread_mutex_lock(&c->mu);
	long long now = clock_wall_ms();
	size_t out = 0;
	vec_for_each (&c->envs, i) {
		struct env *env = c->envs.items[i];
		bool idle = env->state == ENV_READY && !env->inv;
		if (all || (idle && now - env->idle_since_ms > (long long)c->idle_seconds * 1000) ||
		    (idle && (env->generation != env->fn->generation || env->fn->deleted)))
			lambda_env_kill(env);
		if (env->state == ENV_DEAD && !env->inv && env->exited && env->reader_done)
			vec_push(&done, env);
		else
			c->envs.items[out++] = env;
	}
	c->envs.len = out;
	pthread_mutex_unlock(&c->mu);
	vec_for_each (&done, i)
		env_free(done.items[i]);
	vec_release(&done);
}

static const char *lang_dir(enum lambda_lang lang)
{
	return lang == LAMBDA_PYTHON ? "python" : lang == LAMBDA_NODE ? "node" : "provided";
}

static void env_add(struct vec *v, const char *key, const char *value)
{
	size_t kl = strlen(key);
	vec_for_each (v, i) {
		char *s = v->items[i];
		if (strncmp(s, key, kl) == 0 && s[kl] == '=') {
			free(s);
			v->items[i] = xasprintf("%s=%s", key, value);
			return;
		}
	}
	vec_push(v, xasprintf("%s=%s", key, value));
}

static void env_addi(struct vec *v, const char *key, long long value)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", value);
	env_add(v, key, buf);
}

static bool cgroup_setup(struct cloud *c, struct env *env)
{
	char p[300], val[64];
	if (c->cg_mem) {
		snprintf(env->cg_mem, sizeof(env->cg_mem), "%s/env-%u", c->cg_mem_root, env->seq);
		if (mkdir(env->cg_mem, 0755) != 0 && errno != EEXIST)
			return false;
		long long bytes = (long long)env->memory << 20;
		snprintf(val, sizeof(val), "%lld", bytes);
		snprintf(p, sizeof(p), "%s/memory.limit_in_bytes", env->cg_mem);
		if (!write_file(p, val))
			return false;
		snprintf(p, sizeof(p), "%s/memory.memsw.limit_in_bytes", env->cg_mem);
		write_file(p, val);
		snprintf(p, sizeof(p), "%s/memory.swappiness", env->cg_mem);
		write_file(p, "0");
	}
	if (c->cg_cpu) {
		/* Init runs at full speed, as Lambda boosts it; the share applies from then on. */
		snprintf(env->cg_cpu, sizeof(env->cg_cpu), "%s/env-%u", c->cg_cpu_root, env->seq);
		if (mkdir(env->cg_cpu, 0755) != 0 && errno != EEXIST)
			return false;
		snprintf(p, sizeof(p), "%s/cpu.cfs_period_us", env->cg_cpu);
		snprintf(val, sizeof(val), "%d", CPU_PERIOD_US);
		write_file(p, val);
		snprintf(p, sizeof(p), "%s/cpu.cfs_quota_us", env->cg_cpu);
		if (!write_file(p, "-1"))
			return false;
	}
	return true;
}

void lambda_env_limit_cpu(struct env *env)
{
	if (!env->cg_cpu[0])
		return;
	long quota = (long)(CPU_PERIOD_US * (env->memory / MB_PER_VCPU));
	if (quota < 1000)
		quota = 1000;
	char p[300], val[32];
	snprintf(p, sizeof(p), "%s/cpu.cfs_quota_us", env->cg_cpu);
	snprintf(val, sizeof(val), "%ld", quota);
	write_file(p, val);
}

/* After fork, before exec: async-signal-safe calls only. */
static void child_exec(struct env *env, pid_t parent, int out_fd, const char *cg_mem_procs,
		       char *const argv[], char *const envp[])
{
	setpgid(0, 0);
	/* Die with the cloud's spawning thread, which lives as long as the cloud. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	char pid[16];
	int n = 0;
	pid_t self = getpid();
	char rev[16];
	do {
		rev[n++] = (char)('0' + self % 10);
		self /= 10;
	} while (self > 0);
	for (int i = 0; i < n; i++)
		pid[i] = rev[n - 1 - i];
	pid[n] = '\0';
	if (cg_mem_procs[0]) {
		int fd = open(cg_mem_procs, O_WRONLY);
		if (fd >= 0) {
			if (write(fd, pid, (size_t)n) < 0) {
				/* Rare: the environment then has no memory limit. */
			}
			close(fd);
		}
	}
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	if (env->cloud->mountns) {
		if (!enter_mountns(env->fn->code_dir, env->cloud->runtimes_dir,
				   env->cloud->sdk_src) ||
		    chdir(TASK_ROOT) != 0)
			_exit(126);
	} else if (chdir(env->fn->code_dir) != 0) {
		_exit(126);
	}
	close_range(3, ~0U, 0);
	execve(argv[0], argv, envp);
	static const char msg[] = "lambda-tutor: cannot start the runtime\n";
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(127);
	_exit(127);
}

static struct env *spawn_now(struct cloud *c, struct lfunc *fn, struct invocation *inv,
			     struct api_err *e)
{
	const struct lambda_runtime *rt = lambda_runtime_find(fn->runtime);
	if (!rt) {
		api_err_set(e, 500, "ServiceException", "Unknown runtime %s", fn->runtime);
		return NULL;
	}
	char *argv[4] = { NULL, NULL, NULL, NULL };
	const char *runtimes = c->mountns ? RUNTIME_DIR : c->runtimes_dir;
	if (rt->lang == LAMBDA_PROVIDED) {
		argv[0] = path_join(fn->code_dir, "bootstrap");
		if (access(argv[0], X_OK) != 0) {
			free(argv[0]);
			api_err_set(e, 200, "Runtime.InvalidEntrypoint",
				    "Couldn't find valid bootstrap(s): [/var/task/bootstrap "
				    "/opt/bootstrap]");
			return NULL;
		}
		if (c->mountns) {
			/* The host's path may lie under the /tmp the namespace hides. */
			free(argv[0]);
			argv[0] = xstrdup(TASK_ROOT "/bootstrap");
		}
	} else if (rt->lang == LAMBDA_PYTHON) {
		argv[0] = xstrdup(c->python);
		/* -S: the client adds the site directories itself, without site's start-up work. */
		argv[1] = xstrdup("-uS");
		argv[2] = xasprintf("%s/python/bootstrap.py", runtimes);
	} else {
		argv[0] = xstrdup(c->node);
		argv[1] = xasprintf("%s/node/bootstrap.js", runtimes);
	}
	struct env *env = xcalloc(1, sizeof(*env));
	env->cloud = c;
	env->fn = fn;
	lambda_fn_ref(fn);
	env->generation = fn->generation;
	env->memory = fn->memory;
	env->seq = ++c->env_seq;
	env->out_fd = -1;
	env->state = ENV_INIT;
	pthread_cond_init(&env->cond, NULL);
	pthread_mutex_init(&env->log_mu, NULL);
	strbuf_init(&env->tail);
	env->split = (struct log_splitter)LOG_SPLITTER_INIT;
	char hex[33], day[16];
	aws_random_hex(hex, 32);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y/%m/%d", &tm);
	snprintf(env->stream, sizeof(env->stream), "%s/[$LATEST]%s", day, hex);
	snprintf(env->group, sizeof(env->group), "/aws/lambda/%s", fn->name);

	struct error err;
	env->rapi = http_server_start(0, LAMBDA_RUNTIME_RESP_MAX, lambda_runtime_api, env,
				      &env->rapi_port, &err);
	struct vec envp = VEC_INIT;
	int fds[2] = { -1, -1 };
	if (!env->rapi) {
		api_err_set(e, 500, "ServiceException", "%s", err.msg);
		goto fail;
	}
	if (!cgroup_setup(c, env)) {
		env->cg_mem[0] = env->cg_cpu[0] = '\0';
	}
	char buf[256];
	snprintf(buf, sizeof(buf), "127.0.0.1:%d", env->rapi_port);
	env_add(&envp, "PATH", getenv("PATH") ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin");
	env_add(&envp, "LANG", "en_US.UTF-8");
	env_add(&envp, "TZ", ":UTC");
	env_add(&envp, "AWS_LAMBDA_RUNTIME_API", buf);
	env_add(&envp, "_HANDLER", fn->handler);
	env_add(&envp, "LAMBDA_TASK_ROOT", c->mountns ? TASK_ROOT : fn->code_dir);
	snprintf(buf, sizeof(buf), "%s/%s", runtimes, lang_dir(rt->lang));
	env_add(&envp, "LAMBDA_RUNTIME_DIR", buf);
	env_add(&envp, "AWS_LAMBDA_FUNCTION_NAME", fn->name);
	env_add(&envp, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
	env_addi(&envp, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", env->memory);
	env_add(&envp, "AWS_LAMBDA_LOG_GROUP_NAME", env->group);
	env_add(&envp, "AWS_LAMBDA_LOG_STREAM_NAME", env->stream);
	env_add(&envp, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
	env_add(&envp, "AWS_REGION", AWS_REGION_NAME);
	env_add(&envp, "AWS_DEFAULT_REGION", AWS_REGION_NAME);
	if (rt->exec_env)
		env_add(&envp, "AWS_EXECUTION_ENV", rt->exec_env);
	env_add(&envp, "AWS_ACCESS_KEY_ID", fn->account);
	env_add(&envp, "AWS_ACCESS_KEY", fn->account);
	env_add(&envp, "AWS_SECRET_ACCESS_KEY", "test");
	env_add(&envp, "AWS_SESSION_TOKEN", "test");
	env_add(&envp, "AWS_ENDPOINT_URL", c->endpoint);
	env_add(&envp, "AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
	if (rt->lang == LAMBDA_NODE && c->node_path)
		env_add(&envp, "NODE_PATH",
			c->mountns && c->node_path_ns ? c->node_path_ns : c->node_path);
	if (fn->vars) {
		const cJSON *v;
		cJSON_ArrayForEach(v, fn->vars)
		{
			if (cJSON_IsString(v))
				env_add(&envp, v->string, v->valuestring);
		}
	}
	vec_push(&envp, NULL);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		api_err_set(e, 500, "ServiceException", "cannot create a pipe: %s",
			    strerror(errno));
		goto fail;
	}
	char mem_procs[300] = "";
	if (env->cg_mem[0])
		snprintf(mem_procs, sizeof(mem_procs), "%s/cgroup.procs", env->cg_mem);
	env->spawn_us = clock_mono_us();
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		api_err_set(e, 500, "ServiceException", "cannot fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child_exec(env, parent, fds[1], mem_procs, argv, (char *const *)envp.items);
	setpgid(pid, pid);
	env->pid = pid;
	close(fds[1]);
	fds[1] = -1;
	env->out_fd = fds[0];
	fcntl(env->out_fd, F_SETFL, O_NONBLOCK);
	struct strbuf line = STRBUF_INIT;
	lambda_log_init_start(&line, rt->version,
			      "0f2f4c1b9a6de0c2d8a9b7e3c4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3");
	pthread_mutex_lock(&env->log_mu);
	lambda_env_log_platform(env, line.buf, line.len);
	pthread_mutex_unlock(&env->log_mu);
	strbuf_release(&line);
	pthread_create(&env->waiter, NULL, waiter_main, env);
	pthread_create(&env->reader, NULL, reader_main, env);
	if (!c->cg_cpu && env->memory < MB_PER_VCPU) {
		env->has_duty = true;
		pthread_create(&env->duty, NULL, duty_main, env);
	}
	vec_release_with(&envp, free);
	for (int i = 0; i < 4; i++)
		free(argv[i]);
	/* Published holding its invocation: the invoker that asked for it wakes only after other
	 * invokers have had cloud->mu, and they would take an environment without one as idle. */
	env->inv = inv;
	vec_push(&c->envs, env);
	return env;
fail:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	vec_release_with(&envp, free);
	for (int i = 0; i < 4; i++)
		free(argv[i]);
	http_server_stop(env->rapi);
	cgroup_remove(env->cg_mem);
	cgroup_remove(env->cg_cpu);
	strbuf_release(&env->tail);
	pthread_cond_destroy(&env->cond);
	pthread_mutex_destroy(&env->log_mu);
	lambda_fn_unref(env->fn);
	free(env);
	return NULL;
}

struct spawn_req {
	struct lfunc *fn;
	struct invocation *inv;
	struct env *env;
	struct api_err err;
	bool done;
	pthread_cond_t cond;
};

struct env *lambda_env_spawn(struct cloud *c, struct lfunc *fn, struct invocation *inv,
			     struct api_err *e)
{
	if (!c->spawner_running)
		return spawn_now(c, fn, inv, e);
	struct spawn_req req = { .fn = fn, .inv = inv };
	pthread_cond_init(&req.cond, NULL);
	vec_push(&c->spawns, &req);
	pthread_cond_signal(&c->spawn_cond);
	while (!req.done)
		pthread_cond_wait(&req.cond, &c->mu);
	pthread_cond_destroy(&req.cond);
	*e = req.err;
	return req.env;
}

void lambda_env_serve_spawns(struct cloud *c)
{
	vec_for_each (&c->spawns, i) {
		struct spawn_req *r = c->spawns.items[i];
		if (c->stopping) {
			r->env = NULL;
			api_err_set(&r->err, 503, "ServiceException",
				    "The local cloud is stopping");
		} else {
			r->env = spawn_now(c, r->fn, r->inv, &r->err);
		}
		r->done = true;
		pthread_cond_signal(&r->cond);
	}
	c->spawns.len = 0;
}
