/*
 * The local cloud: AWS's own APIs (Lambda, CloudWatch Logs, ...) on one loopback endpoint, and
 * the execution environments behind them. One cloud serves one workspace; its state lives in
 * <workspace>/.cloud/ and survives restarts, and a lock file there keeps a second cloud away.
 */
#ifndef CLOUD_CLOUD_H
#define CLOUD_CLOUD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define CLOUD_DEFAULT_PORT 4566

struct cloud_config {
	const char *workspace;   /* required */
	int port;                /* 0: CLOUD_DEFAULT_PORT */
	int account_concurrency; /* 0: 1000 */
	int idle_seconds;        /* warm environments expire after this; 0: 300 */
	bool quiet;              /* no request log on stderr */
	double time_scale;       /* the virtual clock's speed; 0: 1 (real time) */
};

struct cloud;

/*
 * Take the workspace's lock, open its state and start serving on 127.0.0.1:port. Returns NULL
 * and fills err when another cloud serves the workspace, the port is taken or the state
 * cannot be opened. Close with cloud_close().
 */
struct cloud *cloud_open(const struct cloud_config *cfg, struct error *err);
/* The endpoint, "http://127.0.0.1:PORT". Borrowed. */
const char *cloud_endpoint(const struct cloud *c);
/* Serve until *stop becomes non-zero (set it from a signal handler). */
void cloud_run(struct cloud *c, volatile sig_atomic_t *stop);
/* Stop every execution environment (killing and reaping their process groups), flush, free. */
void cloud_close(struct cloud *c);

/*
 * The endpoint of the cloud serving workspace, if one runs and answers its health check on
 * the control socket. Returns false when none does.
 */
bool cloud_find(const char *workspace, char *endpoint_out, size_t n);
/*
 * Find the workspace's cloud or start one in the background (`lambda-tutor serve`, detached,
 * logging to <workspace>/.cloud/serve.log) and wait until it answers. self is the path of the
 * lambda-tutor binary (NULL: /proc/self/exe). A cloud started from a program file that has
 * since been replaced (rebuilt, upgraded) is stopped first, so the new one serves.
 */
bool cloud_ensure(const char *workspace, const char *self, char *endpoint_out, size_t n,
		  struct error *err);
/* The learner's account, the playground every workspace has (the one its state has always
 * been kept under). */
#define CLOUD_LEARNER_ACCOUNT "353665842533"

/* A key pair for the local cloud's AWS endpoint. */
struct cloud_keys {
	char account[13];
	char access_key[24];
	char secret[48];
};

/*
 * The learner's key pair of workspace: <workspace>/.cloud/credentials, an AWS shared
 * credentials file kept 0600, made on first use (by whichever of the cloud and the tutor
 * comes first). False with err when it can be neither read nor made.
 */
bool cloud_learner_keys(const char *workspace, struct cloud_keys *out, struct error *err);
/* The control socket of workspace: <workspace>/.cloud/control.sock. Caller frees. */
char *cloud_control_path(const char *workspace);
/*
 * One request to the tutor's controls on the workspace's control socket: method and path
 * ("/_tutor/health"). Fills *status and *body (caller frees). False with err when the
 * socket does not answer.
 */
bool cloud_control(const char *workspace, const char *method, const char *path, int *status,
		   char **body, struct error *err);

/* The server program: lambda-tutor-cloud beside self (NULL: this binary), else the installed
 * one. Caller frees. */
char *cloud_program(const char *self);

#endif
