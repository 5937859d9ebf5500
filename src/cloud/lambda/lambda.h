/*
 * The Lambda service inside the local cloud: functions, execution environments (one process
 * group each, with its own Runtime API listener), invocations and the REST API.
 *
 * Locking: cloud->mu guards functions, environments and invocations; an environment's log_mu
 * orders its log events (taken after cloud->mu, never before). Logs and the database have
 * their own locks, taken last. An invoker keeps using its environment after releasing
 * cloud->mu (its log, under log_mu): the environment's inv pins it, and is cleared, under
 * cloud->mu, only after that last use. What else an invoker needs from the environment or the
 * function (which UpdateFunctionConfiguration changes) it copies while holding cloud->mu.
 */
#ifndef CLOUD_LAMBDA_LAMBDA_H
#define CLOUD_LAMBDA_LAMBDA_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cloud/http/server.h"
#include "cloud/lambda/limits.h"
#include "cloud/lambda/logcfg.h"
#include "cloud/lambda/logfmt.h"
#include "cloud/lambda/validate.h"
#include "core/strbuf.h"
#include "core/vec.h"

struct cloud;
struct cJSON;

/*
 * A function's $LATEST, or one of its published versions (versions.h): a frozen copy with
 * environments of its own. Reference counted: invocations and environments hold references.
 */
struct lfunc {
	char account[13];
	char name[65];
	char *runtime, *handler, *role, *description;
	struct cJSON *vars; /* Environment.Variables, NULL when none */
	int memory, timeout;
	int ephemeral; /* EphemeralStorage.Size, MB: the size of /tmp */
	bool arm64;
	char sha256[48]; /* base64, as CodeSha256 */
	char sha_hex[65];
	long long code_size; /* zipped */
	char revision[37];
	long long modified_ms;
	int reserved;             /* reserved concurrency, -1 when not set */
	bool tracing_active;      /* TracingConfig Mode Active: X-Ray samples its invocations */
	char *kms_key;            /* KMSKeyArn: the key its variables are kept under, or NULL */
	int64_t sampled_second;   /* the second whose first invocation X-Ray sampled */
	struct lambda_logcfg log; /* LoggingConfig (logcfg.h) */
	char *code_dir;           /* the unzipped package */
	struct cJSON *layers; /* the configuration's Layers ([{Arn, CodeSize}]), NULL when none */
	char *opt_dir;        /* the layers merged (layers.h), seen as /opt; NULL when none */
	unsigned generation;  /* bumped by every change; older environments retire */
	int inflight;
	int refs;
	bool deleted;
	/* Versions (versions.h). version: 0 for $LATEST, else the published version's number.
	 * source_digest: $LATEST's code and configuration when the version was published. The
	 * rest is $LATEST's: its versions (struct lfunc *, oldest first, each referenced), its
	 * aliases and provisioned concurrency configurations (versions.h's structs), and the
	 * last version number given (numbers are never reused). */
	unsigned version;
	char source_digest[65];
	struct vec versions, aliases, provisioned;
	unsigned last_version;
};

enum inv_state {
	INV_WAITING,
	INV_RUNNING,
	INV_DONE
};

struct invocation {
	char id[37];
	char *payload;
	size_t payload_len;
	char *client_context; /* decoded JSON, or NULL */
	char trace_id[96];    /* the X-Amzn-Trace-Id its code is given (_X_AMZN_TRACE_ID) */
	char upstream[17];    /* the Parent of the trace header it was invoked with, or "" */
	bool traced;          /* Active tracing sampled it: Lambda records its segments */
	char arn[160];
	enum inv_state state;
	pthread_cond_t cond;
	int64_t accepted_us, started_us, ended_us;
	int64_t deadline_wall_ms;
	int timeout; /* seconds: the function's when the invocation was accepted */
	/* Result. */
	struct strbuf body;
	bool function_error;
	char error_type[128];
	char status[16]; /* "", "timeout" or "error" */
	bool cold;
	double init_ms;
	/* The environment's CPU when the runtime took the event and when it answered (ok false
	 * when it was not measured: an error it reported, a timeout). */
	struct env_cpu cpu_start, cpu_end;
};

/* What an environment's reader takes from its output pipe at once, and the pipe's size
 * asked for; the log tail an invocation answers with (LogType Tail). */
#define ENV_READ_CHUNK    (256 << 10)
#define ENV_PIPE_BYTES    (1 << 20)
#define LAMBDA_TAIL_BYTES 4096

enum env_state {
	ENV_INIT,
	ENV_READY,
	ENV_DEAD
};

/* A process of an environment whose /proc files stay open for its peak memory (limits.c). */
struct env_proc {
	pid_t pid; /* 0: a free slot */
	int status_fd, children_fd;
	bool seen; /* found in the last walk of the environment's processes */
};

#define ENV_PROCS 4

struct env {
	struct cloud *cloud;
	struct lfunc *fn;
	unsigned generation;
	int memory; /* MB: the function's when the environment started */
	unsigned seq;
	pid_t pid;     /* its init's: its process group, pid 1 of its namespace */
	int out_fd;    /* the read end of its stdout and stderr */
	int status_fd; /* where its init tells how the runtime ended */
	struct http_server *rapi;
	int rapi_port;
	/* The Parameters and Secrets extension's endpoint, when its function has the layer
	 * (paramsecrets.h); NULL otherwise. */
	struct lambda_paramsecrets *paramsecrets;
	enum env_state state;
	/* Assigned, until its invoker lets go; while set, the environment is not freed. */
	struct invocation *inv;
	bool delivered, responded;
	char last_id[37];
	int64_t spawn_us;
	double init_ms;
	bool init_reported; /* Init Duration already printed */
	bool init_failed;
	bool provisioned; /* initialised ahead for provisioned concurrency (versions.h) */
	int64_t idle_since_ms;
	pthread_cond_t cond; /* /next waits here */
	pthread_t waiter, reader, duty;
	bool has_duty;
	/* Duty cycling's stopped time in all, and when the current stop began (0: running). */
	_Atomic int64_t stopped_us, stop_began_us;
	bool exited, reader_done, oom, killed;
	int wstatus;
	char stream[96];
	char group[LAMBDA_LOG_GROUP_MAX];
	/* Whether the execution role lets Lambda write the environment's logs (-1: not yet
	 * asked; its reader asks IAM before the first line), and the role asked about. */
	int logs_allowed;
	char role[300];
	const char *rt_version;   /* for the INIT_START line the reader writes first */
	struct lambda_logcfg log; /* the function's when the environment started */
	pthread_mutex_t log_mu;
	struct log_splitter split;
	char *rbuf;         /* ENV_READ_CHUNK bytes for the reader, once it has read */
	struct strbuf tail; /* the current invocation's log, last few KB */
	char cg_mem[256], cg_cpu[256];
	long long max_rss_kb;
	/* Its init's list of children and its processes' /proc files, open for Max Memory Used:
	 * read by the invoker that holds the environment, without cloud->mu. */
	int init_children_fd;
	struct env_proc procs[ENV_PROCS];
};

/* functions.c */
struct lfunc *lambda_fn_find(struct cloud *c, const char *account, const char *name);
/* Invocations of account's functions admitted and not yet over (takes c->mu). */
int lambda_account_inflight(struct cloud *c, const char *account);
void lambda_fn_ref(struct lfunc *fn);
void lambda_fn_unref(struct lfunc *fn);
/* The function's configuration as GetFunctionConfiguration returns it (a version's with its
 * number in FunctionArn). Caller deletes. */
struct cJSON *lambda_fn_config(struct cloud *c, const struct lfunc *fn);
/*
 * Make cfg the answer of an operation that changed the function, as Lambda reports one whose
 * change it is still applying: CreateFunction's State Pending (reason Creating), an update's
 * LastUpdateStatus InProgress. The function is ready at once here: every later read finds it
 * Active and Successful, as `aws lambda wait function-active-v2` expects.
 */
void lambda_fn_report_changing(struct cJSON *cfg, bool created);
/* The same, FunctionArn qualified as the request named it ("$LATEST", an alias; NULL: none). */
struct cJSON *lambda_fn_config_as(struct cloud *c, const struct lfunc *fn, const char *qualifier);
void lambda_fn_arn(const struct lfunc *fn, char *out, size_t n);
/* The function as the table functions keeps it (a version's too). Caller deletes. */
struct cJSON *lambda_fn_state(const struct lfunc *fn);
/* A function from its state (refs 1). */
struct lfunc *lambda_fn_from_state(const char *account, const char *name, const struct cJSON *o);
bool lambda_fn_save(struct cloud *c, const struct lfunc *fn);
/*
 * Whether Lambda can use key (a function's KMSKeyArn) in account. create: as CreateFunction
 * and UpdateFunctionConfiguration check it (InvalidParameterValueException), else as an
 * invocation that decrypts the variables finds it (KMSDisabledException,
 * KMSInvalidStateException, KMSNotFoundException, all 502). False with err filled.
 */
struct aws_err;
bool lambda_kms_usable(struct cloud *c, const char *account, const char *key, bool create,
		       struct aws_err *err);
/*
 * Whether the execution role role (its session named after function) may decrypt with key
 * (a function's KMSKeyArn, usable), as Lambda decrypts the variables with the function's role
 * when a customer managed key holds them: the key's policy and the role's policies decide.
 * False with err filled: KMSAccessDeniedException (502) with KMS's denial.
 */
bool lambda_kms_role_may(struct cloud *c, const char *account, const char *key, const char *role,
			 const char *function, struct aws_err *err);
void lambda_fn_load_all(struct cloud *c);

/* env.c */
/*
 * Start an environment for fn (cloud->mu held), assigned to inv from the moment other threads
 * can see it. While cloud_run() runs, its thread forks it and this waits (releasing
 * cloud->mu); otherwise the caller forks.
 */
struct env *lambda_env_spawn(struct cloud *c, struct lfunc *fn, struct invocation *inv,
			     struct api_err *e);
/*
 * Start an environment for fn ahead of any invocation, for provisioned concurrency: its init
 * runs now, its first invocation is warm, AWS_LAMBDA_INITIALIZATION_TYPE says so, and it is
 * not stopped for being idle. cloud->mu held, on cloud_run()'s thread (or with none running).
 */
struct env *lambda_env_provision(struct cloud *c, struct lfunc *fn, struct api_err *e);
/* Fork the queued environments (cloud->mu held): cloud_run()'s thread calls this. */
void lambda_env_serve_spawns(struct cloud *c);
/*
 * Whether cloud_run()'s periodic work has anything to do (cloud->mu held): the memory
 * watchdog while an environment runs without a memory cgroup, provisioned concurrency while a
 * configuration or one of its environments exists. Otherwise the loop sleeps until woken
 * (lambda_loop_wake()).
 */
bool lambda_loop_ticks(struct cloud *c);
/* Wake cloud_run() to look again (with or without cloud->mu). */
void lambda_loop_wake(struct cloud *c);
/* Apply the CPU share (after init, which runs at full speed). */
void lambda_env_limit_cpu(struct env *env);
/* Kill the process group (and cgroup). Caller holds cloud->mu. */
void lambda_env_kill(struct env *env);
/* Read what the process wrote so far into log events. Caller holds env->log_mu. */
void lambda_env_drain(struct env *env);
/* Emit a partial last line as its own event. Caller holds env->log_mu. */
void lambda_env_flush(struct env *env);
/* Log one of Lambda's own records in the JSON format (logfmt.h: type, record at level),
 * unless below the function's system log level. Frees record. Caller holds env->log_mu. */
void lambda_env_log_record(struct env *env, int level, const char *type, struct cJSON *record);
/* Log one line of the function's output for the environment (with the JSON format, unless
 * below the application log level). Caller holds env->log_mu. */
void lambda_env_log(struct env *env, const char *line, size_t len);
/* Log one of Lambda's own lines (INIT_START, START, END, REPORT...): CloudWatch keeps it with
 * its newline, as Lambda writes them. Caller holds env->log_mu. */
void lambda_env_log_platform(struct env *env, const char *line, size_t len);
/* Add a line to the tail the invoker returns (LogResult). Caller holds env->log_mu. */
void lambda_env_tail(struct env *env, const char *line, size_t len);
/*
 * Peak resident memory of the environment's processes now, KB, its init left out: called
 * without cloud->mu by the invoker that holds the environment (env->inv), which keeps it
 * alive and alone in reading it.
 */
long long lambda_env_peak_kb(struct env *env);
/* Max Memory Used, MB, from the environment's peak (KB) and whether the OOM killer struck:
 * at most its memory. */
int lambda_env_used_mb(const struct env *env, long long peak_kb, bool oom);
/* Free environments that are dead, finished and not held by an invoker; stop idle ones past
 * their time. */
void lambda_env_housekeep(struct cloud *c, bool all);

/* limits.c */
bool lambda_cgroups_probe(struct cloud *c);
void lambda_cgroups_cleanup(struct cloud *c);
/* Kill environments past their memory when cgroups cannot (cloud->mu held). */
void lambda_env_watchdog(struct cloud *c);

/* runtime_api.c */
void lambda_runtime_api(void *ctx, const struct http_req *req, struct http_resp *resp);
/*
 * The error a runtime posts (body, len bytes, NUL-terminated) as the invoker returns it: the
 * body when it is a JSON object, else wrapped as {"errorMessage","errorType"}. type gets the
 * error type: the body's errorType, else header_type, else "Unhandled". Caller frees.
 */
char *lambda_runtime_error_body(const char *body, size_t len, const char *header_type, char *type,
				size_t type_n);

/* invoke.c */
/*
 * Run one invocation for another service (asynchronous invocation, event source mappings),
 * synchronously. fn is referenced by the caller. request_id (36 characters) or NULL for a
 * fresh one. Fills r; the caller frees r->body.
 */
struct lambda_outcome {
	int status;          /* 200 when the function ran; 429 throttled; 404, 5xx otherwise */
	bool function_error; /* the handler or its runtime failed (status 200) */
	bool throttled;
	char error_type[128]; /* status != 200: the service's error */
	char message[1024];
	char *body;        /* the response, or the error payload */
	char executed[12]; /* the version that ran: "$LATEST", "3" */
};
void lambda_invoke_internal(struct cloud *c, struct lfunc *fn, const char *payload, size_t len,
			    const char *request_id, struct lambda_outcome *r);
/* The same, invoked as qualifier (a version or an alias, which picked fn; NULL or "": as
 * $LATEST): the function's context, logs and metrics name it. */
void lambda_invoke_internal_as(struct cloud *c, struct lfunc *fn, const char *qualifier,
			       const char *payload, size_t len, const char *request_id,
			       struct lambda_outcome *r);
/* The same, in the trace context trace (an X-Amzn-Trace-Id header; NULL or "": none), as a
 * service that propagates X-Ray's context invokes (an SQS message's AWSTraceHeader, an
 * asynchronous invocation's header). */
void lambda_invoke_internal_traced(struct cloud *c, struct lfunc *fn, const char *qualifier,
				   const char *payload, size_t len, const char *request_id,
				   const char *trace, struct lambda_outcome *r);
/* How a service's invocation came, as Lambda's X-Ray segments show it. */
struct lambda_via {
	const char *trace;  /* the X-Amzn-Trace-Id it continues; NULL or "": none */
	long long dwell_ms; /* an asynchronous event: how long it waited in the queue; -1: none */
	int attempt;        /* and which attempt this is (1, 2, 3); 0: not asynchronous */
	/* An SQS batch: its messages' trace headers (AWSTraceHeader), the traces the function's
	 * segment links to; NULL-terminated, or NULL. */
	const char *const *links;
};
/* The same, the way it came in via (NULL: a plain call). */
void lambda_invoke_internal_via(struct cloud *c, struct lfunc *fn, const char *qualifier,
				const char *payload, size_t len, const char *request_id,
				const struct lambda_via *via, struct lambda_outcome *r);
/*
 * Lambda's Invoke as an operation of the service table: from a client (the payload is the
 * HTTP body, the answer's payload is written as the response body) or from another service
 * (Payload in, Payload out, base64). A caller acting as a service principal needs the
 * function's resource-based policy (AccessDeniedException otherwise). The invocation's
 * request id is the call's.
 */
struct svc_call;
struct aws_err;
struct cJSON *lambda_op_invoke(struct svc_call *call, const struct cJSON *input,
			       struct aws_err *err);
/* InvokeAsync, the old asynchronous call: an Event invocation, answered with Status 202. */
struct cJSON *lambda_op_invoke_async(struct svc_call *call, const struct cJSON *input,
				     struct aws_err *err);
/* api.c: the functions' operations, for lambda/service.c's table. */
struct cJSON *lambda_op_create_function(struct svc_call *call, const struct cJSON *input,
					struct aws_err *err);
struct cJSON *lambda_op_list_functions(struct svc_call *call, const struct cJSON *input,
				       struct aws_err *err);
struct cJSON *lambda_op_get_function(struct svc_call *call, const struct cJSON *input,
				     struct aws_err *err);
struct cJSON *lambda_op_get_function_configuration(struct svc_call *call, const struct cJSON *input,
						   struct aws_err *err);
struct cJSON *lambda_op_update_function_code(struct svc_call *call, const struct cJSON *input,
					     struct aws_err *err);
struct cJSON *lambda_op_update_function_configuration(struct svc_call *call,
						      const struct cJSON *input,
						      struct aws_err *err);
struct cJSON *lambda_op_delete_function(struct svc_call *call, const struct cJSON *input,
					struct aws_err *err);
struct cJSON *lambda_op_put_function_concurrency(struct svc_call *call, const struct cJSON *input,
						 struct aws_err *err);
struct cJSON *lambda_op_delete_function_concurrency(struct svc_call *call,
						    const struct cJSON *input, struct aws_err *err);
struct cJSON *lambda_op_get_function_concurrency(struct svc_call *call, const struct cJSON *input,
						 struct aws_err *err);
struct cJSON *lambda_op_get_account_settings(struct svc_call *call, const struct cJSON *input,
					     struct aws_err *err);
struct cJSON *lambda_op_add_permission(struct svc_call *call, const struct cJSON *input,
				       struct aws_err *err);
struct cJSON *lambda_op_get_policy(struct svc_call *call, const struct cJSON *input,
				   struct aws_err *err);
struct cJSON *lambda_op_remove_permission(struct svc_call *call, const struct cJSON *input,
					  struct aws_err *err);
/* Complete an invocation (cloud->mu held). */
void lambda_inv_complete(struct invocation *inv, const char *body, size_t len, bool error,
			 const char *error_type, const char *status);

/*
 * The checks of a CreateFunction (create) or UpdateFunctionConfiguration body that need no
 * state: JSON shape, name, runtime, handler, role, memory, timeout, variables, dead-letter
 * queue. False fills e.
 */
bool lambda_check_config_body(const char *body, size_t len, bool create, struct api_err *e);

/* Delete every function and record of an account (the tutor's reset). */
void lambda_reset_account(struct cloud *c, const char *account);

/* service.c: a Lambda operation the local cloud does not offer (501 NotImplemented). */
void lambda_unserved(struct http_resp *resp, const struct http_req *req);

/* url.c: function URLs' configuration operations (op: Create, Get, Update,
 * DeleteFunctionUrlConfig, ListFunctionUrlConfigs; in and the output as Lambda's API model has
 * them; NULL with err on an error; caller deletes) and front door (id: the URL's id; path:
 * what follows it). */
struct cJSON *lambda_url_op(struct cloud *c, const char *account, const char *op,
			    const struct cJSON *in, struct aws_err *err);
void lambda_url_door(struct cloud *c, const char *id, const char *path, const struct http_req *req,
		     struct http_resp *resp);
/* Forget the URL of an account's function and its aliases' URLs (NULL: of all its
 * functions), or of one alias (function NAME:ALIAS). */
void lambda_url_forget(struct cloud *c, const char *account, const char *function);

/* metrics.c */
struct lambda_record {
	char account[13];
	char function[65];
	char request_id[37];
	long long started_ms;
	double duration_ms, init_ms;
	long long billed_ms;
	int memory_mb, max_used_mb;
	bool cold;
	char status[16];
	char error_type[128];
	bool arm64;
	bool provisioned;    /* served by a provisioned environment: priced as such */
	char qualifier[129]; /* the version or alias invoked; "" unqualified or $LATEST */
	char executed[16];   /* the version that ran (ExecutedVersion), when invoked by alias */
	/* The CPU time its environment used, and its duration less the time its threads waited
	 * for a CPU other processes held: what it would have taken on an idle machine with the
	 * same CPU share. Both -1 when not measured; the REPORT line gives duration_ms. */
	double cpu_ms, uncontended_ms;
};
/* Record an invocation and put its metrics (caller holds cloud->mu). */
void lambda_metrics_record(struct cloud *c, const struct lambda_record *r);
/*
 * Put one of Lambda's CloudWatch metrics (AWS/Lambda: Invocations, Errors, Throttles,
 * Duration, DeadLetterErrors, DestinationDeliveryFailures, AsyncEventsReceived,
 * AsyncEventAge, AsyncEventsDropped, IteratorAge, ProvisionedConcurrency*...) with the
 * dimensions AWS gives it: across the account, per function (FunctionName, when not NULL), per
 * version or alias invoked (Resource "function:qualifier", when qualifier is one), and for an
 * alias per version it ran (ExecutedVersion). At the virtual clock's now, or at ts_ms.
 */
void lambda_metric(struct cloud *c, const char *account, const char *function,
		   const char *qualifier, const char *executed, const char *name, const char *unit,
		   double value);
void lambda_metric_at(struct cloud *c, const char *account, const char *function,
		      const char *qualifier, const char *executed, const char *name,
		      const char *unit, double value, long long ts_ms);
void lambda_metrics_throttle(struct cloud *c, const char *account, const char *function);
/* Metrics from one line of a function's output in the embedded metric format (metrics/emf.h);
 * a line that is not EMF is ignored, a malformed one counted in AWS/Logs and skipped. */
void lambda_metrics_emf(struct cloud *c, const char *account, const char *line, size_t len);
void lambda_metrics_flush(struct cloud *c);
/*
 * Write the logs and records of every invocation that has ended to the database. A queue
 * (asynchronous invocation, an event source mapping) calls it before it forgets or moves on
 * an event, so that a crash never leaves an event done with no trace of its run.
 */
void lambda_records_sync(struct cloud *c);
void lambda_metrics_json(struct cloud *c, const char *account, const char *function,
			 struct http_resp *resp);

#endif
