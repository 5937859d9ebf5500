/*
 * Memory and CPU limits of execution environments: cgroup v1 when writable, else a watchdog
 * that sums the environment's resident memory every 20 ms, and SIGSTOP/SIGCONT of its process
 * group on a 20 ms duty cycle. An environment's init (sandbox.c) is a copy of the cloud: its
 * memory is the cloud's, so it is left out of every sum.
 */
#include "cloud/lambda/limits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cloud/lambda/lambda.h"
#include "cloud/state.h"
#include "core/clock.h"

/* Lambda gives 1 vCPU at 1,769 MB; the share scales with memory. */
#define MB_PER_VCPU    1769.0
#define CPU_PERIOD_US  20000
#define DUTY_PERIOD_MS 20
/* The longest one stop lasts: a second of CPU owed at 128 MB (0.072 vCPU) is 14 s. */
#define DUTY_STOP_MAX_NS 15000000000LL

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

void lambda_cgroups_cleanup(struct cloud *c)
{
	if (c->cg_mem_root[0])
		rmdir(c->cg_mem_root);
	if (c->cg_cpu_root[0])
		rmdir(c->cg_cpu_root);
}

bool limits_setup(struct cloud *c, struct env *env)
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

void limits_join_cpu(struct env *env, pid_t runtime)
{
	if (!env->cg_cpu[0] || runtime <= 0)
		return;
	/* Joining waits for the kernel's RCU grace periods, tens of ms: the caller does it beside
	 * the runtime's start, once. What the runtime starts from then on is in too. */
	char procs[300], pid[16];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", env->cg_cpu);
	snprintf(pid, sizeof(pid), "%d", (int)runtime);
	write_file(procs, pid);
}

void limits_kill(struct env *env)
{
	cgroup_kill(env->cg_mem);
	cgroup_kill(env->cg_cpu);
}

/* Close a slot of struct env_proc (limits_release() and the peak memory below). */
static void proc_close(struct env_proc *p)
{
	if (p->pid) {
		close(p->status_fd);
		if (p->children_fd >= 0)
			close(p->children_fd);
	}
	memset(p, 0, sizeof(*p));
}

void limits_release(struct env *env)
{
	for (size_t i = 0; i < ENV_PROCS; i++)
		proc_close(&env->procs[i]);
	if (env->init_children_fd >= 0)
		close(env->init_children_fd);
	env->init_children_fd = -1;
	cgroup_remove(env->cg_mem);
	cgroup_remove(env->cg_cpu);
}

bool limits_oom(const struct env *env)
{
	if (!env->cg_mem[0])
		return false;
	char p[300];
	snprintf(p, sizeof(p), "%s/memory.oom_control", env->cg_mem);
	return read_number(p, "oom_kill ") > 0;
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

double limits_vcpus(int memory)
{
	return memory / MB_PER_VCPU;
}

/* Add thread tid's time on a CPU and time runnable but waiting (/proc/TID/schedstat). */
static bool add_schedstat(int tid, struct env_cpu *out)
{
	char p[48], buf[128];
	snprintf(p, sizeof(p), "/proc/%d/schedstat", tid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	unsigned long long run, wait;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return false;
	out->cpu_ns += (long long)run;
	if (out->n < ENV_CPU_THREADS)
		out->t[out->n++] = (struct env_thread){ tid, (long long)run, (long long)wait };
	return true;
}

/* Add every thread of process pid and of its descendants, the process itself left out when
 * !self (an environment's init is the cloud's copy). */
static void add_tree(int pid, bool self, struct env_cpu *out, int depth)
{
	char p[96], buf[4096];
	if (self) {
		snprintf(p, sizeof(p), "/proc/%d/task", pid);
		DIR *d = opendir(p);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.')
				out->ok |= add_schedstat(atoi(de->d_name), out);
		if (d)
			closedir(d);
	}
	if (depth > 5)
		return;
	snprintf(p, sizeof(p), "/proc/%d/task/%d/children", pid, pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	char *save = NULL;
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		add_tree(atoi(t), true, out, depth + 1);
}

void limits_cpu_sample(const struct env *env, struct env_cpu *out)
{
	memset(out, 0, sizeof(*out));
	int64_t began = env->stop_began_us;
	out->stopped_ns = (env->stopped_us + (began ? clock_mono_us() - began : 0)) * 1000;
	if (env->exited)
		return;
	if (!env->cg_cpu[0]) {
		add_tree(env->pid, false, out, 0);
		return;
	}
	/* The cgroup's tasks are its threads, whatever process started them. */
	char p[300];
	snprintf(p, sizeof(p), "%s/tasks", env->cg_cpu);
	FILE *fp = fopen(p, "re");
	int tid;
	while (fp && fscanf(fp, "%d", &tid) == 1)
		out->ok |= add_schedstat(tid, out);
	if (fp)
		fclose(fp);
}

/*
 * Duty cycling for a CPU share below one vCPU when cgroups are not available: a CPU budget, as
 * the quota of a cgroup would be. Each DUTY_PERIOD_MS of an invocation the environment earns
 * its share of the period in CPU time (one period's worth kept at most) and is charged what
 * its threads used; in debt, its processes are stopped until the debt is earned back, and the
 * stopped time is counted (env->stopped_us). A handler that sleeps or waits on I/O uses
 * nothing and is not stopped, so its waits stay its own: stopping on the clock instead stopped
 * sleepers too, and their sleep could not be told from their stopped time.
 */
static void *duty_main(void *arg)
{
	struct env *env = arg;
	double share = env->memory / MB_PER_VCPU;
	long long period_ns = DUTY_PERIOD_MS * 1000000LL, earn = (long long)(share * period_ns);
	long long credit = 0, last = -1;
	for (;;) {
		struct timespec tick = { 0, period_ns };
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&env->cloud->mu);
		bool done = env->state == ENV_DEAD || env->exited;
		bool busy = env->state == ENV_READY && env->inv;
		/* Charged from where the invocation's own count starts (the runtime's /next). */
		long long from = busy && env->inv->cpu_start.ok ? env->inv->cpu_start.cpu_ns : -1;
		pthread_mutex_unlock(&env->cloud->mu);
		if (done)
			break;
		if (!busy) {
			/* Idle or initialising: nothing to charge, and no /proc to read. */
			credit = 0;
			last = -1;
			continue;
		}
		if (last < 0)
			last = from;
		struct env_cpu cpu;
		limits_cpu_sample(env, &cpu);
		long long used = last >= 0 && cpu.cpu_ns > last ? cpu.cpu_ns - last : 0;
		last = cpu.cpu_ns;
		credit += earn - used;
		if (credit > earn)
			credit = earn;
		if (credit >= 0)
			continue;
		long long off_ns = (long long)((double)-credit / share);
		if (off_ns > DUTY_STOP_MAX_NS)
			off_ns = DUTY_STOP_MAX_NS;
		int64_t began = clock_mono_us();
		env->stop_began_us = began;
		kill(-env->pid, SIGSTOP);
		struct timespec off = { (time_t)(off_ns / 1000000000LL), off_ns % 1000000000LL };
		nanosleep(&off, NULL);
		kill(-env->pid, SIGCONT);
		env->stopped_us += clock_mono_us() - began;
		env->stop_began_us = 0;
		credit = 0;
	}
	return NULL;
}

void limits_start_duty(struct cloud *c, struct env *env)
{
	if (c->cg_cpu || env->memory >= MB_PER_VCPU)
		return;
	env->has_duty = true;
	pthread_create(&env->duty, NULL, duty_main, env);
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
	if (depth > 5)
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

/* What the environment's processes hold, its init (the cloud's memory) left out. */
static long long env_kb(const struct env *env, const char *key)
{
	return tree_kb(env->pid, key, 0) - proc_kb(env->pid, key);
}

/*
 * Max Memory Used is read at the end of every invocation, so the /proc files it needs stay
 * open in the environment (struct env_proc) and are read again from their start: opening
 * them was most of the cost. A descriptor outlives its process, never follows its pid to
 * another: a failed read closes the slot and the pid is opened afresh.
 */

/* Read fd's file again from its start into buf (n bytes, NUL-ended). Its length; -1 if the
 * process is gone. */
static ssize_t reread(int fd, char *buf, size_t n)
{
	ssize_t got = fd >= 0 ? pread(fd, buf, n - 1, 0) : -1;
	buf[got > 0 ? got : 0] = '\0';
	return got;
}

/* The slot of pid, opened when new; NULL when the slots are full or the process is gone. */
static struct env_proc *proc_open(struct env *env, pid_t pid)
{
	struct env_proc *free_slot = NULL;
	for (size_t i = 0; i < ENV_PROCS; i++) {
		if (env->procs[i].pid == pid)
			return &env->procs[i];
		if (!env->procs[i].pid && !free_slot)
			free_slot = &env->procs[i];
	}
	if (!free_slot)
		return NULL;
	char p[96];
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	int status = open(p, O_RDONLY | O_CLOEXEC);
	if (status < 0)
		return NULL;
	snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	*free_slot = (struct env_proc){ .pid = pid,
					.status_fd = status,
					.children_fd = open(p, O_RDONLY | O_CLOEXEC) };
	return free_slot;
}

/* VmHWM of pid and its descendants, KB; depth as tree_kb() counts it. */
static long long peak_tree(struct env *env, pid_t pid, int depth)
{
	char buf[4096];
	long long total = 0;
	struct env_proc *p = proc_open(env, pid);
	if (p && reread(p->status_fd, buf, sizeof(buf)) <= 0) {
		/* Gone, or a pid used again by a process the slot never saw. */
		proc_close(p);
		p = proc_open(env, pid);
		if (p && reread(p->status_fd, buf, sizeof(buf)) <= 0) {
			proc_close(p);
			return 0;
		}
	}
	if (p) {
		p->seen = true;
		const char *v = strstr(buf, "VmHWM:");
		total = v ? atoll(v + 6) : 0;
	} else {
		total = proc_kb(pid, "VmHWM:");
	}
	if (depth > 5)
		return total;
	if (p) {
		reread(p->children_fd, buf, sizeof(buf));
	} else {
		char path[96];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		reread(fd, buf, sizeof(buf));
		if (fd >= 0)
			close(fd);
	}
	char *save = NULL;
	for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		total += peak_tree(env, (pid_t)atoi(t), depth + 1);
	return total;
}

long long lambda_env_peak_kb(struct env *env)
{
	if (!env->pid)
		return 0;
	for (size_t i = 0; i < ENV_PROCS; i++)
		env->procs[i].seen = false;
	char buf[4096];
	if (env->init_children_fd < 0) {
		snprintf(buf, sizeof(buf), "/proc/%d/task/%d/children", (int)env->pid,
			 (int)env->pid);
		env->init_children_fd = open(buf, O_RDONLY | O_CLOEXEC);
	}
	long long kb = 0;
	if (reread(env->init_children_fd, buf, sizeof(buf)) > 0) {
		char *save = NULL;
		for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
			kb += peak_tree(env, (pid_t)atoi(t), 1);
	}
	/* Processes that left: their slots go to those that may come. */
	for (size_t i = 0; i < ENV_PROCS; i++)
		if (env->procs[i].pid && !env->procs[i].seen)
			proc_close(&env->procs[i]);
	return kb;
}

int lambda_env_used_mb(const struct env *env, long long peak_kb, bool oom)
{
	int mb = (int)((peak_kb + 1023) / 1024);
	if (oom)
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
		long long kb = env_kb(env, "VmRSS:");
		if (kb > env->max_rss_kb)
			env->max_rss_kb = kb;
		if (kb > (long long)env->memory * 1024) {
			env->oom = true;
			lambda_env_kill(env);
		}
	}
}
