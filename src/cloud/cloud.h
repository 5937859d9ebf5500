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
/* A client connection idle this long (seconds) is closed. */
#define CLOUD_IDLE_SECONDS 60

struct cloud_config {
	const char *workspace;   /* required */
	int port;                /* 0: CLOUD_DEFAULT_PORT */
	int account_concurrency; /* 0: 1000 */
	int idle_seconds;        /* warm environments expire after this; 0: 300 */
	bool quiet;              /* no request log on stderr */
	double time_scale;       /* the virtual clock's speed; 0: 1 (real time) */
	int logs_max_mb;         /* log messages the workspace keeps; 0: CLOUD_LOGS_MAX_MB */
	bool spawner; /* cloud_run() will follow: environments asked for before it starts wait
		       * for its thread to fork them, rather than die with a short-lived one */
};

/* Log messages a workspace keeps by default (MiB); past it the oldest streams expire. */
#define CLOUD_LOGS_MAX_MB 64

/* What the cloud's state takes on disk, in bytes. */
struct cloud_disk {
	long long total;    /* everything under <workspace>/.cloud */
	long long database; /* cloud.db and its write-ahead log */
	long long code;     /* deployed packages, unzipped */
	long long objects;  /* S3 objects and uploads under way */
	long long logs;     /* log messages stored (as the cap counts them) */
	long long logs_cap; /* the cap on them; 0: none */
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
/* How execution environments are sealed here, and what is left open: lines for the console,
 * each ending in '\n'. Caller frees. */
char *cloud_sandbox_summary(const struct cloud *c);
/* Serve until *stop becomes non-zero (set it from a signal handler, then cloud_wake()). */
void cloud_run(struct cloud *c, volatile sig_atomic_t *stop);
/* Have cloud_run() look at its work and *stop again. Async-signal-safe. */
void cloud_wake(struct cloud *c);
/* What the cloud's state takes on disk now (walks <workspace>/.cloud). */
void cloud_disk_usage(struct cloud *c, struct cloud_disk *out);
/* Stop every execution environment (killing and reaping their process groups), flush, free. */
void cloud_close(struct cloud *c);

#endif
