/*
 * An environment's memory and CPU held to its function's configuration: cgroup v1 where it is
 * writable (root), else a watchdog over its processes' resident memory and SIGSTOP/SIGCONT duty
 * cycling. The public half (probe, watchdog, CPU share, peak memory) is in lambda.h.
 */
#ifndef CLOUD_LAMBDA_LIMITS_H
#define CLOUD_LAMBDA_LIMITS_H

#include <stdbool.h>
#include <sys/types.h>

struct cloud;
struct env;

/* Make the environment's cgroups (cloud->mu held). False leaves it none: the fallbacks hold it. */
bool limits_setup(struct cloud *c, struct env *env);
/* Move the environment's runtime (pid on the host) into its cpu cgroup. */
void limits_join_cpu(struct env *env, pid_t runtime);
/* Kill every process in the environment's cgroups (those that left its process group too). */
void limits_kill(struct env *env);
/* Remove the environment's cgroups, killing what is left in them. */
void limits_release(struct env *env);
/* Whether the kernel's OOM killer struck in the environment's memory cgroup. */
bool limits_oom(const struct env *env);
/*
 * What the environment's threads have had of the CPU so far, thread by thread over every
 * process in it: time on a CPU and time runnable but waiting for one (schedstat's run_delay,
 * which counts both other processes' turns and its own quota's throttling; a process stopped
 * by duty cycling is not runnable). The first ENV_CPU_THREADS threads are kept one by one.
 */
#define ENV_CPU_THREADS 64
struct env_thread {
	int tid;
	long long cpu_ns, wait_ns;
};
struct env_cpu {
	bool ok; /* schedstat was readable */
	long long cpu_ns;
	long long stopped_ns; /* its processes were stopped by duty cycling, so far */
	size_t n;
	struct env_thread t[ENV_CPU_THREADS];
};
void limits_cpu_sample(const struct env *env, struct env_cpu *out);
/* The vCPUs an environment of memory MB has: Lambda's 1 at 1,769 MB, in proportion. */
double limits_vcpus(int memory);

/* Start duty cycling when the environment has a CPU share below one vCPU and no cgroup for it
 * (a CPU budget: its processes stopped while in debt); env_free() joins it. */
void limits_start_duty(struct cloud *c, struct env *env);

#endif
