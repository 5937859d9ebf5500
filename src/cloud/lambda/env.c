/*
 * Execution environments, from start to reaping: the runtime's command and Lambda's environment
 * variables, a start inside the sandbox (sandbox.c) under the function's limits (limits.c), its
 * output split into log events, and its end: the init reports how the runtime ended, everything
 * it started is gone, its cgroups are removed.
 */
#include <assert.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cloud/auth/auth.h"
#include "cloud/cloud.h"
#include "cloud/http/aws.h"
#include "cloud/iam/iam.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/limits.h"
#include "cloud/lambda/paramsecrets.h"
#include "cloud/lambda/sandbox.h"
#include "cloud/lambda/versions.h"
#include "cloud/lambda/zygote.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"

/*
 * Without a PID namespace or a cgroup, and once the init itself is killed: kill the processes
 * whose stdout or stderr is still the environment's output pipe (fd), those that left its process
 * group (setsid). Until they are gone the reader never sees the end of the output, and the
 * environment is never freed. Reaps the ones that came back to us as orphans.
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

void lambda_env_log_platform(struct env *env, const char *line, size_t len)
{
	/* Lambda's own lines reach CloudWatch with their newline; the tail has one anyway. */
	char *with = xmalloc(len + 1);
	memcpy(with, line, len);
	with[len] = '\n';
	if (env->logs_allowed)
		logs_append(env->cloud->logs, env->fn->account, env->group, env->stream,
			    clock_wall_ms(), with, len + 1);
	free(with);
	lambda_env_tail(env, line, len);
}

void lambda_env_log_record(struct env *env, int level, const char *type, cJSON *record)
{
	if (level < env->log.sys_level) {
		cJSON_Delete(record);
		return;
	}
	struct strbuf line = STRBUF_INIT;
	lambda_log_json(&line, clock_wall_ms(), type, record);
	lambda_env_log_platform(env, line.buf, line.len);
	strbuf_release(&line);
}

void lambda_env_log(struct env *env, const char *line, size_t len)
{
	/* With the JSON format, Lambda drops application lines below the configured level. */
	if (env->log.json && !lambda_log_app_passes(env->log.app_level, line, len))
		return;
	if (env->logs_allowed)
		logs_append(env->cloud->logs, env->fn->account, env->group, env->stream,
			    clock_wall_ms(), line, len);
	lambda_metrics_emf(env->cloud, env->fn->account, line, len);
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

/*
 * A batch of the function's own lines, as lambda_env_log() takes one: one time, one entry of
 * the log buffer, and only the lines that can still show in the 4 KB tail go to it.
 */
static void on_lines(void *ctx, const struct log_line *lines, size_t n)
{
	struct env *env = ctx;
	struct logs_msg keep[LOG_LINES_BATCH];
	size_t k = 0;
	assert(n <= LOG_LINES_BATCH);
	for (size_t i = 0; i < n; i++) {
		if (env->log.json &&
		    !lambda_log_app_passes(env->log.app_level, lines[i].text, lines[i].len))
			continue;
		keep[k++] = (struct logs_msg){ lines[i].text, lines[i].len };
	}
	if (k == 0)
		return;
	if (env->logs_allowed)
		logs_append_many(env->cloud->logs, env->fn->account, env->group, env->stream,
				 clock_wall_ms(), keep, k);
	for (size_t i = 0; i < k; i++)
		lambda_metrics_emf(env->cloud, env->fn->account, keep[i].text, keep[i].len);
	size_t from = k, tail = 0;
	while (from > 0 && tail < LAMBDA_TAIL_BYTES)
		tail += keep[--from].len + 1;
	for (size_t i = from; i < k; i++)
		lambda_env_tail(env, keep[i].text, keep[i].len);
}

/* Read up to max bytes of pending output. Returns false at end of file. */
static bool drain_some(struct env *env, size_t max)
{
	if (!env->rbuf)
		env->rbuf = xmalloc(ENV_READ_CHUNK);
	size_t total = 0;
	while (total < max) {
		ssize_t n = read(env->out_fd, env->rbuf, ENV_READ_CHUNK);
		if (n > 0) {
			log_splitter_feed_lines(&env->split, env->rbuf, (size_t)n, on_lines, env);
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

/*
 * Lambda writes a function's logs with its execution role: without logs:CreateLogStream and
 * logs:PutLogEvents on the group's streams (arn:...:log-group:NAME:*, as policies name them)
 * the function runs, and its log group gets nothing. Asked
 * here, on the reader's thread, since environments start under the cloud's lock, which must
 * not wait for IAM's tables.
 */
static void logs_decide(struct env *env)
{
	char arn[LAMBDA_LOG_GROUP_MAX + 200];
	snprintf(arn, sizeof(arn), "arn:aws:logs:%s:%s:log-group:%s:*", AWS_REGION_NAME,
		 env->fn->account, env->group);
	env->logs_allowed = iam_role_may(env->cloud, env->fn->account, env->role, env->fn->name,
					 "logs:CreateLogStream", arn) &&
			    iam_role_may(env->cloud, env->fn->account, env->role, env->fn->name,
					 "logs:PutLogEvents", arn);
}

static void init_start_line(struct env *env)
{
	static const char runtime_hex[] =
		"0f2f4c1b9a6de0c2d8a9b7e3c4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3";
	struct strbuf line = STRBUF_INIT;
	if (env->log.json) {
		char ver[12];
		lambda_env_log_record(env, LAMBDA_LOG_INFO, "platform.initStart",
				      lambda_logj_init_start(env->rt_version, runtime_hex,
							     env->fn->name,
							     lambda_fn_version_name(env->fn, ver)));
	} else {
		lambda_log_init_start(&line, env->rt_version, runtime_hex);
		lambda_env_log_platform(env, line.buf, line.len);
	}
	strbuf_release(&line);
}

/*
 * Whether an environment is over: its runtime ended, its Runtime API stopped, its output read,
 * and no invoker holds it. Caller holds cloud->mu.
 */
static bool env_over(const struct env *env)
{
	return env->state == ENV_DEAD && !env->inv && env->exited && !env->rapi && env->reader_done;
}

/*
 * An environment that is over is collected at once: the housekeeper is woken rather than left
 * to its next round, so a burst of short-lived environments does not pile up their
 * descriptors. Caller holds cloud->mu.
 */
static void collect_soon(struct env *env)
{
	if (env_over(env))
		pthread_cond_signal(&env->cloud->hk_cond);
}

static void *reader_main(void *arg)
{
	struct env *env = arg;
	logs_decide(env);
	pthread_mutex_lock(&env->log_mu);
	init_start_line(env);
	pthread_mutex_unlock(&env->log_mu);
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
	collect_soon(env);
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
	/* Beside the runtime's start, not in its way; the share only applies after init anyway. */
	if (env->cg_cpu[0])
		limits_join_cpu(env, sandbox_runtime_pid(env->pid, env->status_fd));
	siginfo_t info;
	/* Wait without reaping, so the group id cannot be reused before the group is killed. */
	while (waitid(P_PID, (id_t)env->pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR)
		;
	/* With a PID namespace nothing is left; without one, what the init could not kill. */
	kill(-env->pid, SIGKILL);
	limits_kill(env);
	int wstatus = 0;
	while (waitpid(env->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	/* The group's orphans come back to us (we are their subreaper): reap them too. */
	while (waitpid(-env->pid, NULL, 0) > 0 || errno == EINTR)
		;
	if (!env->cg_mem[0] && !sandbox_reaps_all(env->cloud->sandbox))
		kill_pipe_holders(env->out_fd);
	wstatus = sandbox_status(env->status_fd, wstatus);
	pthread_mutex_lock(&env->cloud->mu);
	env->exited = true;
	env->wstatus = wstatus;
	if (limits_oom(env))
		env->oom = true;
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
	struct http_server *rapi = env->rapi;
	pthread_mutex_unlock(&env->cloud->mu);
	/* Its Runtime API ends with it (a request waiting for an event has just been told it is
	 * dead), stopped by this thread: the environments of a burst stop theirs side by side,
	 * not one after another in the housekeeper's round. */
	http_server_stop(rapi);
	pthread_mutex_lock(&env->cloud->mu);
	env->rapi = NULL;
	collect_soon(env);
	pthread_mutex_unlock(&env->cloud->mu);
	return NULL;
}

void lambda_env_kill(struct env *env)
{
	env->killed = true;
	if (!env->exited) {
		kill(-env->pid, SIGKILL);
		limits_kill(env);
	}
	env->state = ENV_DEAD;
	pthread_cond_broadcast(&env->cond);
	collect_soon(env);
}

/* Everything an environment holds but its memory. */
static void env_release(struct env *env)
{
	http_server_stop(env->rapi);
	lambda_paramsecrets_stop(env->paramsecrets);
	env->paramsecrets = NULL;
	if (env->out_fd >= 0)
		close(env->out_fd);
	if (env->status_fd >= 0)
		close(env->status_fd);
	limits_release(env);
	log_splitter_release(&env->split);
	free(env->rbuf);
	strbuf_release(&env->tail);
	pthread_cond_destroy(&env->cond);
	pthread_mutex_destroy(&env->log_mu);
}

/*
 * Free the environments of done: their threads and descriptors first, then their functions'
 * references under one hold of cloud->mu, which a busy cloud's invokers and spawner contend for
 * (once per environment, a burst's collection fell behind the burst).
 */
static void envs_free(struct cloud *c, struct vec *done)
{
	vec_for_each (done, i) {
		struct env *env = done->items[i];
		http_server_stop(env->rapi);
		env->rapi = NULL;
		pthread_join(env->waiter, NULL);
		pthread_join(env->reader, NULL);
		if (env->has_duty)
			pthread_join(env->duty, NULL);
		env_release(env);
	}
	if (!done->len)
		return;
	pthread_mutex_lock(&c->mu);
	vec_for_each (done, i) {
		struct env *env = done->items[i];
		lambda_fn_unref(env->fn);
	}
	pthread_mutex_unlock(&c->mu);
	vec_for_each (done, i)
		free(done->items[i]);
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
		if (all ||
		    (idle && !env->provisioned &&
		     now - env->idle_since_ms > (long long)c->idle_seconds * 1000) ||
		    (idle && (env->generation != env->fn->generation || env->fn->deleted)))
			lambda_env_kill(env);
		if (env_over(env))
			vec_push(&done, env);
		else
			c->envs.items[out++] = env;
	}
	c->envs.len = out;
	pthread_mutex_unlock(&c->mu);
	envs_free(c, &done);
	vec_release(&done);
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

/*
 * The runtime's command as the environment sees it (argv[4], NULL-terminated; caller frees the
 * strings). False fills e: a provided runtime without an executable bootstrap.
 */
static bool runtime_argv(struct cloud *c, const struct lfunc *fn, const struct lambda_runtime *rt,
			 char *argv[4], struct api_err *e)
{
	const char *runtimes = sandbox_runtimes_dir(c->sandbox);
	if (rt->lang == LAMBDA_PROVIDED) {
		/* The code's bootstrap, else a layer's, as Lambda looks for them. */
		char *host = path_join(fn->code_dir, "bootstrap");
		bool in_task = access(host, X_OK) == 0, in_opt = false;
		free(host);
		if (!in_task && fn->opt_dir) {
			host = path_join(fn->opt_dir, "bootstrap");
			in_opt = access(host, X_OK) == 0;
			free(host);
		}
		if (!in_task && !in_opt)
			return api_err_set(e, 200, "Runtime.InvalidEntrypoint",
					   "Couldn't find valid bootstrap(s): [/var/task/bootstrap "
					   "/opt/bootstrap]");
		bool private_root = sandbox_private_root(c->sandbox);
		if (in_task)
			argv[0] = private_root ? xstrdup(SANDBOX_TASK_ROOT "/bootstrap")
					       : path_join(fn->code_dir, "bootstrap");
		else
			argv[0] = private_root ? xstrdup("/opt/bootstrap")
					       : path_join(fn->opt_dir, "bootstrap");
	} else if (rt->lang == LAMBDA_PYTHON) {
		argv[0] = xstrdup(c->python);
		/* -S: the client adds the site directories itself, without site's start-up work. */
		argv[1] = xstrdup("-uS");
		argv[2] = xasprintf("%s/python/bootstrap.py", runtimes);
	} else {
		argv[0] = xstrdup(c->node);
		argv[1] = xasprintf("%s/node/bootstrap.js", runtimes);
	}
	return true;
}

/* Lambda's environment variables for env (NULL-terminated; caller frees the strings). */
static void build_envp(struct cloud *c, struct env *env, const struct lambda_runtime *rt,
		       struct vec *envp)
{
	const struct lfunc *fn = env->fn;
	bool private_root = sandbox_private_root(c->sandbox);
	char buf[256];
	snprintf(buf, sizeof(buf), "127.0.0.1:%d", env->rapi_port);
	const char *path = getenv("PATH");
	env_add(envp, "PATH", private_root || !path ? SANDBOX_PATH : path);
	env_add(envp, "LANG", "en_US.UTF-8");
	env_add(envp, "TZ", ":UTC");
	env_add(envp, "AWS_LAMBDA_RUNTIME_API", buf);
	env_add(envp, "_HANDLER", fn->handler);
	env_add(envp, "LAMBDA_TASK_ROOT", private_root ? SANDBOX_TASK_ROOT : fn->code_dir);
	env_add(envp, "LAMBDA_RUNTIME_DIR", sandbox_runtimes_dir(c->sandbox));
	/* Lambda's library path: the runtime's, the code's lib/ and the layers' /opt/lib. Without
	 * a root of their own, environments see the host's folders there, and LAMBDA_TUTOR_OPT
	 * tells the runtime clients where the layers are. */
	const char *task = private_root ? SANDBOX_TASK_ROOT : fn->code_dir;
	const char *opt = private_root || !fn->opt_dir ? "/opt" : fn->opt_dir;
	const char *rdir = sandbox_runtimes_dir(c->sandbox);
	char *ld = xasprintf("/var/lang/lib:/lib64:/usr/lib64:%s:%s/lib:%s:%s/lib:%s/lib", rdir,
			     rdir, task, task, opt);
	env_add(envp, "LD_LIBRARY_PATH", ld);
	free(ld);
	if (!private_root && fn->opt_dir) {
		env_add(envp, "LAMBDA_TUTOR_OPT", fn->opt_dir);
		char *p = xasprintf("%s:%s/bin", path ? path : SANDBOX_PATH, fn->opt_dir);
		env_add(envp, "PATH", p);
		free(p);
	}
	env_add(envp, "AWS_LAMBDA_FUNCTION_NAME", fn->name);
	char ver[12];
	env_add(envp, "AWS_LAMBDA_FUNCTION_VERSION", lambda_fn_version_name(fn, ver));
	env_addi(envp, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", env->memory);
	env_add(envp, "AWS_LAMBDA_LOG_GROUP_NAME", env->group);
	env_add(envp, "AWS_LAMBDA_LOG_STREAM_NAME", env->stream);
	if (env->log.json) {
		env_add(envp, "AWS_LAMBDA_LOG_FORMAT", "JSON");
		env_add(envp, "AWS_LAMBDA_LOG_LEVEL", lambda_log_level_name(env->log.app_level));
	}
	env_add(envp, "AWS_LAMBDA_INITIALIZATION_TYPE",
		env->provisioned ? "provisioned-concurrency" : "on-demand");
	env_add(envp, "AWS_REGION", AWS_REGION_NAME);
	env_add(envp, "AWS_DEFAULT_REGION", AWS_REGION_NAME);
	if (rt->exec_env)
		env_add(envp, "AWS_EXECUTION_ENV", rt->exec_env);
	/* As Lambda does: a session of the function's role, for its own account only. */
	struct auth_creds creds;
	auth_session_new(c->auth, fn->account, fn->role, fn->name, AUTH_SESSION_SECONDS, &creds);
	env_add(envp, "AWS_ACCESS_KEY_ID", creds.access_key);
	env_add(envp, "AWS_ACCESS_KEY", creds.access_key);
	env_add(envp, "AWS_SECRET_ACCESS_KEY", creds.secret);
	env_add(envp, "AWS_SESSION_TOKEN", creds.token);
	env_add(envp, "AWS_ENDPOINT_URL", c->endpoint);
	/* AWS's Parameters and Secrets extension, when the function has its layer: served by the
	 * cloud on the extension's port (paramsecrets.c). */
	if (lambda_paramsecrets_wanted(fn) && !env->paramsecrets) {
		struct error perr;
		env->paramsecrets =
			lambda_paramsecrets_start(c, fn, creds.access_key, creds.token, &perr);
		if (!env->paramsecrets)
			fprintf(stderr,
				"lambda-tutor: %s: the Parameters and Secrets extension: %s\n",
				fn->name, perr.msg);
	}
	/* The X-Ray daemon's address, as Lambda gives it: a UDP port the cloud holds. */
	if (c->xray_port > 0) {
		snprintf(buf, sizeof(buf), "127.0.0.1:%d", c->xray_port);
		env_add(envp, "AWS_XRAY_DAEMON_ADDRESS", buf);
		env_add(envp, "_AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1");
		env_addi(envp, "_AWS_XRAY_DAEMON_PORT", c->xray_port);
	}
	env_add(envp, "AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
	const char *node_path = sandbox_node_path(c->sandbox);
	if (rt->lang == LAMBDA_NODE && node_path)
		env_add(envp, "NODE_PATH", node_path);
	if (fn->vars) {
		const cJSON *v;
		cJSON_ArrayForEach(v, fn->vars)
		{
			if (cJSON_IsString(v))
				env_add(envp, v->string, v->valuestring);
		}
	}
	/* The extension's port, when another program holds the one the function expects. */
	if (lambda_paramsecrets_moved(env->paramsecrets))
		env_addi(envp, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
			 lambda_paramsecrets_moved(env->paramsecrets));
	vec_push(envp, NULL);
}

/* A new environment for fn, not started yet: its log stream, its Runtime API listener. */
static struct env *env_new(struct cloud *c, struct lfunc *fn, struct api_err *e)
{
	struct env *env = xcalloc(1, sizeof(*env));
	env->cloud = c;
	env->fn = fn;
	lambda_fn_ref(fn);
	env->generation = fn->generation;
	env->memory = fn->memory;
	env->seq = ++c->env_seq;
	env->out_fd = env->status_fd = env->init_children_fd = -1;
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
	char v[12];
	snprintf(env->stream, sizeof(env->stream), "%s/[%s]%s", day, lambda_fn_version_name(fn, v),
		 hex);
	env->log = fn->log;
	lambda_logcfg_group(&fn->log, fn->name, env->group, sizeof(env->group));
	env->logs_allowed = -1;
	snprintf(env->role, sizeof(env->role), "%s", fn->role ? fn->role : "");
	struct error err;
	env->rapi = http_server_start(0, LAMBDA_RUNTIME_RESP_MAX, lambda_runtime_api, env,
				      &env->rapi_port, &err);
	if (!env->rapi) {
		api_err_set(e, 500, "ServiceException", "%s", err.msg);
		env_release(env);
		lambda_fn_unref(fn);
		free(env);
		return NULL;
	}
	if (!limits_setup(c, env))
		env->cg_mem[0] = env->cg_cpu[0] = '\0';
	return env;
}

/* Start the environment's init in the sandbox, and the threads that watch it. */
static bool env_start(struct cloud *c, struct env *env, const struct lambda_runtime *rt,
		      char *const argv[], struct vec *envp, struct api_err *e)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return api_err_set(e, 500, "ServiceException", "cannot create a pipe: %s",
				   strerror(errno));
	char mem_procs[300] = "";
	if (env->cg_mem[0])
		snprintf(mem_procs, sizeof(mem_procs), "%s/cgroup.procs", env->cg_mem);
	struct sandbox_job job = {
		.account = env->fn->account,
		.code_dir = env->fn->code_dir,
		.opt_dir = env->fn->opt_dir,
		.tmp_mb = env->fn->ephemeral > 0 ? env->fn->ephemeral : SANDBOX_TMP_MB,
		.argv = argv,
		.envp = (char *const *)envp->items,
		.out_fd = fds[1],
		.cg_mem_procs = mem_procs,
	};
	/* The Init Duration counts from here: a fork from the pre-initialised interpreter, or a
	 * fresh start when none is ready (or the function's variables would change its start). */
	env->spawn_us = clock_mono_us();
	pid_t pid = -1;
	if (rt->lang == LAMBDA_PYTHON && c->zygote && zygote_fits(job.envp)) {
		pid = zygote_start(c->zygote, &job, &env->status_fd);
		/* A zygote given up on is started again by the loop (lambda_env_serve_spawns). */
		if (pid < 0)
			lambda_loop_wake(c);
	}
	if (pid < 0)
		pid = sandbox_start(c->sandbox, &job, &env->status_fd);
	int saved = errno;
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return api_err_set(e, 500, "ServiceException",
				   "cannot start an execution environment: %s", strerror(saved));
	}
	env->pid = pid;
	env->out_fd = fds[0];
	fcntl(env->out_fd, F_SETFL, O_NONBLOCK);
	/* A bigger pipe: a flood of output reaches the reader in fewer, larger reads (a refusal
	 * past the system's limit keeps the default). */
	fcntl(env->out_fd, F_SETPIPE_SZ, ENV_PIPE_BYTES);
	env->rt_version = rt->version;
	pthread_create(&env->waiter, NULL, waiter_main, env);
	pthread_create(&env->reader, NULL, reader_main, env);
	limits_start_duty(c, env);
	return true;
}

static struct env *spawn_now(struct cloud *c, struct lfunc *fn, struct invocation *inv,
			     bool provisioned, struct api_err *e)
{
	const struct lambda_runtime *rt = lambda_runtime_find(fn->runtime);
	if (!rt) {
		api_err_set(e, 500, "ServiceException", "Unknown runtime %s", fn->runtime);
		return NULL;
	}
	char *argv[4] = { NULL, NULL, NULL, NULL };
	struct vec envp = VEC_INIT;
	struct env *env = NULL;
	if (!runtime_argv(c, fn, rt, argv, e) || !(env = env_new(c, fn, e)))
		goto done;
	/* Its init is over before any invocation comes: none reports an Init Duration. */
	env->provisioned = provisioned;
	env->init_reported = provisioned;
	build_envp(c, env, rt, &envp);
	if (!env_start(c, env, rt, argv, &envp, e)) {
		env_release(env);
		lambda_fn_unref(fn);
		free(env);
		env = NULL;
		goto done;
	}
	/* Published holding its invocation: the invoker that asked for it wakes only after other
	 * invokers have had cloud->mu, and they would take an environment without one as idle. */
	env->inv = inv;
	vec_push(&c->envs, env);
done:
	vec_release_with(&envp, free);
	for (int i = 0; i < 4; i++)
		free(argv[i]);
	return env;
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
	if (!c->spawner_running || pthread_equal(pthread_self(), c->spawner_thread))
		return spawn_now(c, fn, inv, false, e);
	struct spawn_req req = { .fn = fn, .inv = inv };
	pthread_cond_init(&req.cond, NULL);
	vec_push(&c->spawns, &req);
	lambda_loop_wake(c);
	while (!req.done)
		pthread_cond_wait(&req.cond, &c->mu);
	pthread_cond_destroy(&req.cond);
	*e = req.err;
	return req.env;
}

struct env *lambda_env_provision(struct cloud *c, struct lfunc *fn, struct api_err *e)
{
	return spawn_now(c, fn, NULL, true, e);
}

void lambda_env_serve_spawns(struct cloud *c)
{
	/* On the thread environments must outlive: a zygote that died is started again. */
	if (!c->stopping)
		zygote_ensure(c->zygote);
	vec_for_each (&c->spawns, i) {
		struct spawn_req *r = c->spawns.items[i];
		if (c->stopping) {
			r->env = NULL;
			api_err_set(&r->err, 503, "ServiceException",
				    "The local cloud is stopping");
		} else {
			r->env = spawn_now(c, r->fn, r->inv, false, &r->err);
		}
		r->done = true;
		pthread_cond_signal(&r->cond);
	}
	c->spawns.len = 0;
}

bool lambda_loop_ticks(struct cloud *c)
{
	vec_for_each (&c->envs, i) {
		const struct env *env = c->envs.items[i];
		if (!env->exited && env->state != ENV_DEAD && (!c->cg_mem || env->provisioned))
			return true;
	}
	vec_for_each (&c->functions, i) {
		const struct lfunc *fn = c->functions.items[i];
		if (fn->provisioned.len > 0)
			return true;
	}
	return false;
}

void lambda_loop_wake(struct cloud *c)
{
	cloud_wake(c);
}
