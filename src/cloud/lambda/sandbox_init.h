/*
 * Between the cloud's side of the sandbox (sandbox.c: probing, plans, starting) and the init it
 * clones (sandbox_init.c): the plan the init follows and what it tells back. Not for use outside
 * src/cloud/lambda/sandbox*.c and their unit test.
 */
#ifndef CLOUD_LAMBDA_SANDBOX_INIT_H
#define CLOUD_LAMBDA_SANDBOX_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "cloud/lambda/sandbox.h"

#define MAX_ITEMS 96
#define MAX_TAKEN 64

/* One piece of the environment's root. */
enum item_kind {
	ITEM_DIR,  /* an empty folder (a mount point, or /opt) */
	ITEM_LINK, /* a symbolic link whose text is source */
	ITEM_BIND, /* source bound read-only and nosuid */
	ITEM_DEV,  /* a device node, bound the same way (writes to /dev/null still work) */
};

struct item {
	enum item_kind kind;
	bool is_dir; /* binds: a folder, else a file */
	char *target;
	char *source;
};

/* A plan: what an environment gets. Tried strongest first. */
struct plan {
	bool userns;     /* an ordinary user's uid in a user namespace */
	bool pidns;      /* a PID (and IPC) namespace, the init its pid 1 */
	bool mountns;    /* a root of its own */
	bool host_proc;  /* that root shows the host's /proc (a new one was refused) */
	bool uid_switch; /* root: the account's own uid */
};

struct sandbox {
	struct plan plan;
	bool root; /* the cloud runs as root */
	uid_t uid; /* the cloud's */
	gid_t gid;
	int last_cap;
	struct item items[MAX_ITEMS];
	size_t n_items;
	char *runtimes_host;
	char *node_path_host, *node_path_in;
	uid_t taken[MAX_TAKEN]; /* ids in our range that name someone already */
	size_t n_taken;
	/* The cloud's signals not at their default (its inits and runtimes reset them). */
	int signals[64];
	size_t n_signals;
	/* The cloud's command line in memory (arg_start, arg_end): an init overwrites its copy. */
	unsigned long arg_start, arg_end;
	/* Its write end lives as long as the cloud: an init that finds it closed stops. */
	int lifeline[2];
	char refused[512]; /* what the kernel refused on the way to the plan, "" if nothing */
	bool mountns_off;  /* LAMBDA_TUTOR_MOUNTNS=off */
};

/*
 * What an init tells the cloud, one message each (a SOCK_SEQPACKET pair): that the runtime has
 * started (it is the init's child; the cloud moves it into its cpu cgroup), then how it ended.
 */
enum init_msg_kind {
	INIT_STARTED,
	INIT_ENDED,
};

struct init_msg {
	int kind;    /* enum init_msg_kind */
	int wstatus; /* INIT_ENDED: the runtime's wait status */
	int step;    /* enum step that failed, STEP_NONE when the runtime ran */
	int err;     /* errno of that step */
};

enum step {
	STEP_NONE,
	STEP_MAPS,
	STEP_PRIVATE,
	STEP_SOURCE,
	STEP_STAGE,
	STEP_TREE,
	STEP_FILES,
	STEP_TMP,
	STEP_PROC,
	STEP_PIVOT,
	STEP_READONLY,
	STEP_SPAWN,
	STEP_CAPS,
	STEP_IDS,
	STEP_NNP,
	STEP_CHDIR,
	STEP_EXEC,
	STEP_COUNT
};

extern const char *const sandbox_step_names[STEP_COUNT];

/* Everything an init needs, prepared by sandbox_start() before the clone. */
struct init_args {
	const struct sandbox *sb;
	const struct sandbox_job *job;
	uid_t uid; /* the runtime's */
	gid_t gid;
	int status_w;
	char tmp_opts[64];
	char uid_map[48], gid_map[48];
	char passwd[320], group[160];
	/* Set by the runtime's vfork-like child, whose memory is the init's. */
	volatile int fail_step, fail_errno;
};

/*
 * The init's entry (clone's fn, arg a struct init_args): seal, start the runtime, reap, tell.
 * Runs in a copy of the cloud: only async-signal-safe calls. Never returns.
 */
int sandbox_init_main(void *arg);

/*
 * The init's steps, for an init that starts its runtime another way (zygote_lib.c forks one
 * that goes on in the interpreter it was copied from). sandbox_init_enter(): the lifeline,
 * signals, id maps, memory cgroup, the root, a name; on failure it tells the cloud and exits.
 * sandbox_runtime_seal(), in the runtime's process: its output, every capability dropped, its
 * identity, no_new_privs, the code folder, the descriptor quota, every descriptor from 3 on
 * closed; the failing step or STEP_NONE. sandbox_init_reap(): tells the cloud the runtime
 * started (unless a->fail_step), reaps until it ends, tells how, exits.
 */
void sandbox_init_enter(struct init_args *a);
enum step sandbox_runtime_seal(struct init_args *a);
_Noreturn void sandbox_init_reap(struct init_args *a, pid_t runtime);

/* Fill the fields of a that depend on the plan and the job, before the init is started. */
void sandbox_init_args(const struct sandbox *sb, const struct sandbox_job *job,
		       struct init_args *a);
/* clone()'s flags for the plan's namespaces, with SIGCHLD. */
int sandbox_clone_flags(const struct sandbox *sb);
/* The calling process's signals not at their default, into sb->signals. */
void sandbox_find_signals(struct sandbox *sb);
/* Where the calling process's command line lies in its memory, into sb->arg_start/arg_end. */
void sandbox_find_arg_area(struct sandbox *sb);

#endif
