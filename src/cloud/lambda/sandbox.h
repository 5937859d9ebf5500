/*
 * Execution environments sealed as Lambda's are: a handler has no more than a function has.
 *
 * sandbox_probe() learns at start, by real trials, what the kernel allows, strongest plan first:
 * an unprivileged identity (as root, a uid of the account's own from a range the cloud owns; as
 * an ordinary user, the user's uid in a user namespace), PID, mount and IPC namespaces, and a
 * root of the environment's own (a tmpfs it pivots into) holding the runtime at /var/runtime,
 * the code read-only at /var/task, /opt, a private /tmp of the function's ephemeral size and the
 * system's programs and libraries read-only. Where the kernel refuses a piece, the next weaker
 * plan is taken and sandbox_describe() says what it leaves open.
 *
 * sandbox_start() starts an environment's init, pid 1 of its namespace (where there is one): it
 * starts the runtime without capabilities or a way to gain any, reaps everything the environment
 * leaves behind, and tells the cloud how the runtime ended.
 */
#ifndef CLOUD_LAMBDA_SANDBOX_H
#define CLOUD_LAMBDA_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

struct cJSON;
struct sandbox;

/* Where environments are seen from inside when they have a root of their own. */
#define SANDBOX_TASK_ROOT   "/var/task"
#define SANDBOX_RUNTIME_DIR "/var/runtime"
/* Lambda's PATH (the managed runtimes' /var/lang/bin aside). */
#define SANDBOX_PATH "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
/* Handlers of a cloud run as root get uids from here: above the ranges distributions give
 * users, containers (systemd's 524288…1879048191) and subordinate ids usually take. */
#define SANDBOX_UID_BASE  2000000000u
#define SANDBOX_UID_COUNT 65536u
/* The default and bounds of a function's ephemeral storage (/tmp), MB. */
#define SANDBOX_TMP_MB 512
/* The file descriptors a handler may hold, Lambda's quota. */
#define SANDBOX_NOFILE 1024

struct sandbox_config {
	const char *code_root;    /* every function's code lies below it */
	const char *runtimes_dir; /* the runtime clients, bound at /var/runtime */
	const char *python, *node;
	const char *node_path; /* ':'-separated NODE_PATH folders (the SDK), or NULL */
	bool no_mountns;       /* LAMBDA_TUTOR_MOUNTNS=off: no root of their own */
};

/* Probe and choose the strongest plan the kernel allows. Never fails. Free with sandbox_free(). */
struct sandbox *sandbox_probe(const struct sandbox_config *cfg);
/* No-op on NULL. */
void sandbox_free(struct sandbox *sb);

/* Whether environments have a root of their own (/var/task, /var/runtime, a private /tmp). */
bool sandbox_private_root(const struct sandbox *sb);
/* Whether everything an environment starts dies with its init (a PID namespace of its own). */
bool sandbox_reaps_all(const struct sandbox *sb);
/* The runtime clients' folder as environments see it. Borrowed. */
const char *sandbox_runtimes_dir(const struct sandbox *sb);
/* NODE_PATH as environments see it, NULL when there is none. Borrowed. */
const char *sandbox_node_path(const struct sandbox *sb);
/* The uid an account's handlers run as. */
uid_t sandbox_uid(const struct sandbox *sb, const char *account);
/* Add the plan to a health object: "sandbox": {identity, namespaces, root, open, ...}. */
void sandbox_describe(const struct sandbox *sb, struct cJSON *health);
/* The plan in a few lines for the console, each ending in '\n'. Caller frees. */
char *sandbox_summary(const struct sandbox *sb);

/* One environment's start. Every pointer stays valid until sandbox_start() returns. */
struct sandbox_job {
	const char *account;
	const char *code_dir; /* the unzipped package on the host */
	const char *opt_dir;  /* the function's layers, merged, seen at /opt; NULL: an empty /opt */
	int tmp_mb;           /* the size of its /tmp */
	char *const *argv;    /* argv[0] as the environment sees it */
	char *const *envp;
	int out_fd;               /* stdout and stderr of the runtime, >= 3 */
	const char *cg_mem_procs; /* a memory cgroup's cgroup.procs to join first, or NULL */
};

/*
 * Start an environment's init, which starts job->argv. Returns the init's pid (its own process
 * group) and sets *status_fd to where the init tells how the runtime ended (see
 * sandbox_status()); -1 with errno on failure. Environments die with the calling thread: call
 * it from one that lives as long as the cloud.
 */
pid_t sandbox_start(const struct sandbox *sb, const struct sandbox_job *job, int *status_fd);
/*
 * Wait until the environment's runtime has started (or failed to): its pid on the host, or -1
 * when it did not start. Reads status_fd; call it before sandbox_status(), from one thread.
 */
pid_t sandbox_runtime_pid(pid_t init, int status_fd);
/*
 * After the init has exited with init_wstatus: the runtime's wait status as the init saw it,
 * or init_wstatus when it died before it could tell (killed). Reads status_fd.
 */
int sandbox_status(int status_fd, int init_wstatus);

#endif
