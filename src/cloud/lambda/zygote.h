/*
 * Pre-initialised Python interpreters (LAMBDA_TUTOR_PREINIT, on unless "off"): one process per
 * cloud, started ahead, that has imported the runtime client and boto3 (modules only), from
 * which Python environments are forked straight into the sandbox (zygote_lib.c) instead of
 * starting an interpreter and importing boto3 on every cold start. The environment's init is
 * the cloud's child as a fresh start's is, reaped, timed out and freed by the same code (env.c);
 * what it reports as Init Duration starts at the fork.
 *
 * Called with cloud->mu held. When no zygote is ready (starting, dead, refused), the caller
 * starts the environment fresh (sandbox_start); a zygote that died is started again from the
 * cloud's spawning thread, the one it must outlive.
 */
#ifndef CLOUD_LAMBDA_ZYGOTE_H
#define CLOUD_LAMBDA_ZYGOTE_H

#include <stdbool.h>
#include <sys/types.h>

struct cJSON;
struct sandbox;
struct sandbox_job;
struct zygote;

/* NULL when turned off (LAMBDA_TUTOR_PREINIT=off) or the zygote's library is missing. */
struct zygote *zygote_new(const struct sandbox *sb, const char *python, const char *runtimes_dir,
			  const char *lib_path);
/* Stops the zygote. No-op on NULL. */
void zygote_free(struct zygote *z);
/* Start the zygote if none runs. Only from the thread environments must outlive. */
void zygote_ensure(struct zygote *z);
/*
 * Start an environment's init from the zygote, as sandbox_start() does (same job, same
 * *status_fd protocol). -1 when the zygote cannot: start it fresh instead.
 */
pid_t zygote_start(struct zygote *z, const struct sandbox_job *job, int *status_fd);
/* Whether a job may be forked: its variables would change what the interpreter did at start
 * (PYTHON*, LANG, LC_*) or wrap it (AWS_LAMBDA_EXEC_WRAPPER). */
bool zygote_fits(char *const *envp);
/* "preinit": {"python": "ready"|"starting"|"off", "starts", "forks", "fallbacks"}. A zygote
 * found dead here is forgotten (it is "starting" again); then it returns true, for the caller to
 * wake the loop that starts another (zygote_ensure). */
bool zygote_describe(struct zygote *z, struct cJSON *health);

#endif
