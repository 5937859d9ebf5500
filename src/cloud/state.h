/*
 * The cloud's internals, shared by its services. Not for use outside src/cloud/.
 */
#ifndef CLOUD_STATE_H
#define CLOUD_STATE_H

#include <pthread.h>
#include <stdbool.h>

#include "cloud/cloud.h"
#include "cloud/db.h"
#include "cloud/http/server.h"
#include "cloud/logs/logs.h"
#include "core/vec.h"

struct cloud {
	char *workspace;
	char *state_dir; /* <workspace>/.cloud */
	char *code_root; /* <state_dir>/code */
	int port;
	char endpoint[64];
	int account_limit;
	int idle_seconds;
	bool quiet;
	int lock_fd;

	struct cloud_db *db;
	struct logs *logs;
	struct http_server *http;
	/* The tutor's controls (/_tutor/), on <state_dir>/control.sock only. */
	struct http_server *control;
	/* Access keys and SigV4 verification (auth/). */
	struct auth *auth;

	pthread_mutex_t mu; /* functions, envs, invocations, metrics */
	struct vec functions;
	struct vec envs;
	unsigned env_seq;
	bool stopping;
	int async_running;
	pthread_cond_t async_cond;

	/* Freeing dead environments and writing logs happen on their own thread, so that the
	 * spawning thread never waits behind them. */
	pthread_t housekeeper;
	pthread_cond_t hk_cond;
	bool hk_stop;

	/* How runtimes start. */
	char *python, *node, *runtimes_dir;
	char *node_path;
	/* cgroup v1, when writable: per-cloud parents of the environments' groups. */
	bool cg_mem, cg_cpu;
	/* How environments are sealed (lambda/sandbox.h): probed at start. */
	struct sandbox *sandbox;
	/* Pre-initialised Python interpreters (lambda/zygote.h), NULL when off. */
	struct zygote *zygote;
	/* A UDP port on 127.0.0.1 held for the X-Ray daemon (AWS_XRAY_DAEMON_ADDRESS). */
	int xray_fd, xray_port;
	struct xray_state *xray; /* the daemon reading it (xray/xray.c) */
	char cg_mem_root[200], cg_cpu_root[200];

	/* Environments are forked by the thread in cloud_run(), so that the kernel kills them
	 * (PR_SET_PDEATHSIG) if the cloud itself dies: invokers queue requests here. */
	struct vec spawns;
	pthread_cond_t spawn_cond;
	int wake_fd; /* an eventfd cloud_run() sleeps on: spawns, wake-ups, the stop signal */
	bool spawner_running;
	pthread_t spawner_thread; /* the thread that runs (or will run) cloud_run() */

	/* Invocation records waiting to be written. */
	struct vec records;

	/* The event services: the virtual clock, asynchronous invocation, SQS, SNS, event
	 * source mappings (clock/, async/, sqs/, sns/, esm/; each owns its struct). */
	struct vclock *vclock;
	struct async_svc *async;
	struct sqs_svc *sqs;
	struct esm_svc *esm;
	/* DynamoDB and its streams (dynamodb/), Kinesis (kinesis/). */
	struct ddb_svc *ddb;
	struct kinesis_svc *kinesis;
	/* CloudWatch (monitoring/) and its metric store (metrics/), which Lambda and the
	 * embedded metric format publish to; NULL until CloudWatch's row starts. */
	struct cw_svc *cw;
	struct metrics *metrics;
	/* CloudFormation (cfn/). */
	struct cfn_svc *cfn;
	/* What fires on a schedule: EventBridge's scheduled rules (eventbridge/) and
	 * EventBridge Scheduler (scheduler/), each through a ticker (schedule/ticker.h). */
	struct schedule_ticker *rules_ticker;
	struct schedule_ticker *scheduler_ticker;
	/* Secrets Manager's rotations and recovery windows (secretsmanager/). */
	struct schedule_ticker *secrets_ticker;
};

#endif
