/*
 * The local cloud's life: the workspace lock, the endpoint and its routing, housekeeping and
 * orderly shutdown. Finding or starting the cloud of a workspace is in locate.c.
 */
#include "cloud/cloud.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/locate.h"
#include "cloud/auth/auth.h"
#include "cloud/clock/vclock.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/sandbox.h"
#include "cloud/lambda/versions.h"
#include "cloud/lambda/zipcode.h"
#include "cloud/lambda/zygote.h"
#include "cloud/logs/logs.h"
#include "cloud/s3/s3.h"
#include "cloud/state.h"
#include "cloud/svc/policy.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"

static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	if (!path)
		return NULL;
	char *copy = xstrdup(path), *save = NULL, *found = NULL;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *cand = path_join(d, name);
		if (access(cand, X_OK) == 0)
			found = cand;
		else
			free(cand);
	}
	free(copy);
	return found;
}

static char *runtimes_dir(void)
{
	const char *env = getenv("LAMBDA_TUTOR_RUNTIMES");
	if (env && env[0])
		return xstrdup(env);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *dir = path_dirname(self);
		bool in_build =
			strcmp(dir, LT_BUILD_DIR) == 0 || str_starts_with(dir, LT_BUILD_DIR "/");
		free(dir);
		if (in_build)
			return xstrdup(LT_SOURCE_DIR "/src/cloud/runtimes");
	}
	if (path_is_dir(LT_DATA_DIR "/runtimes"))
		return xstrdup(LT_DATA_DIR "/runtimes");
	return xstrdup(LT_SOURCE_DIR "/src/cloud/runtimes");
}

/* The zygote's library: beside this program, built or installed. */
static char *zygote_lib_path(void)
{
	const char *env = getenv("LAMBDA_TUTOR_ZYGOTE_LIB");
	if (env && env[0])
		return xstrdup(env);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	char *dir = path_dirname(self);
	char *lib = path_join(dir, "lambda-tutor-zygote.so");
	free(dir);
	return lib;
}

/*
 * The Python runtime client's bytecode, written once. Environments see the runtimes folder
 * read-only (bound at /var/runtime), and an installed one is not the learner's to write, so
 * without it every cold start compiles the client again: a fifth of a Python cold start.
 */
static void compile_python_client(const struct cloud *c)
{
	char *src = xasprintf("%s/python/_lambda_tutor_client.py", c->runtimes_dir);
	char *cache = xasprintf("%s/python/__pycache__", c->runtimes_dir);
	struct stat ss, cs;
	bool fresh = false;
	DIR *d = stat(src, &ss) == 0 ? opendir(cache) : NULL;
	struct dirent *e;
	while (d && !fresh && (e = readdir(d))) {
		if (!str_starts_with(e->d_name, "_lambda_tutor_client."))
			continue;
		char *pyc = path_join(cache, e->d_name);
		fresh = stat(pyc, &cs) == 0 && cs.st_mtime >= ss.st_mtime;
		free(pyc);
	}
	if (d)
		closedir(d);
	if (!fresh && access(src, R_OK) == 0 && access(c->runtimes_dir, W_OK) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);
			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(null, 2);
			}
			execl(c->python, c->python, "-S", "-c",
			      "import py_compile, sys; py_compile.compile(sys.argv[1])", src,
			      (char *)NULL);
			_exit(127);
		}
		int status;
		while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	free(src);
	free(cache);
}

static void setup_runtimes(struct cloud *c)
{
	c->runtimes_dir = runtimes_dir();
	c->python = access("/usr/bin/python3", X_OK) == 0 ? xstrdup("/usr/bin/python3")
							  : find_in_path("python3");
	if (!c->python)
		c->python = xstrdup("/usr/bin/python3");
	compile_python_client(c);
	c->node = find_in_path("node");
	if (!c->node)
		c->node = xstrdup("/usr/bin/node");
	struct strbuf np = STRBUF_INIT;
	const char *cur = getenv("NODE_PATH");
	if (cur && cur[0])
		strbuf_addstr(&np, cur);
	static const char *const dirs[] = { LT_SOURCE_DIR "/node_modules",
					    LT_DATA_DIR "/node_modules", NULL };
	for (const char *const *d = dirs; *d; d++) {
		if (!path_is_dir(*d))
			continue;
		if (np.len)
			strbuf_addch(&np, ':');
		strbuf_addstr(&np, *d);
	}
	c->node_path = np.len ? strbuf_detach(&np) : NULL;
	strbuf_release(&np);
}

/* Take <state>/lock, or say who holds it. */
static bool take_lock(struct cloud *c, struct error *err)
{
	char *path = path_join(c->state_dir, "lock");
	c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (c->lock_fd < 0) {
		error_set(err, "cannot open '%s': %s", path, strerror(errno));
		free(path);
		return false;
	}
	if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		char buf[64] = "";
		ssize_t n = pread(c->lock_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		int pid = 0, port = 0;
		sscanf(buf, "%d %d", &pid, &port);
		error_set(err,
			  "the workspace '%s' is already served by another cloud (pid %d, "
			  "http://127.0.0.1:%d)",
			  c->workspace, pid, port);
		close(c->lock_fd);
		c->lock_fd = -1;
		free(path);
		return false;
	}
	free(path);
	return true;
}

static void write_lock(struct cloud *c)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%d %d\n", (int)getpid(), c->port);
	if (ftruncate(c->lock_fd, 0) == 0 && pwrite(c->lock_fd, buf, (size_t)n, 0) != n)
		fprintf(stderr, "lambda-tutor: cannot write the cloud's lock file\n");
}

/* Remove code directories no function refers to (left by updates during invocations). */
static void collect_code(struct cloud *c)
{
	pthread_mutex_lock(&c->mu);
	struct vec keep = VEC_INIT;
	vec_for_each (&c->functions, i) {
		struct lfunc *fn = c->functions.items[i];
		vec_push(&keep, xstrdup(fn->code_dir));
		if (fn->opt_dir)
			vec_push(&keep, xstrdup(fn->opt_dir));
		/* Its published versions run from folders of their own. */
		vec_for_each (&fn->versions, j) {
			const struct lfunc *v = fn->versions.items[j];
			vec_push(&keep, xstrdup(v->code_dir));
			if (v->opt_dir)
				vec_push(&keep, xstrdup(v->opt_dir));
		}
	}
	pthread_mutex_unlock(&c->mu);
	/* Walk code/<account>/<name>/<entry>. */
	struct strbuf path = STRBUF_INIT;
	DIR *accounts = opendir(c->code_root);
	struct dirent *a;
	while (accounts && (a = readdir(accounts))) {
		if (a->d_name[0] == '.')
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", c->code_root, a->d_name);
		DIR *names = opendir(path.buf);
		struct dirent *nm;
		while (names && (nm = readdir(names))) {
			if (nm->d_name[0] == '.')
				continue;
			char *fdir = xasprintf("%s/%s", path.buf, nm->d_name);
			DIR *entries = opendir(fdir);
			struct dirent *en;
			while (entries && (en = readdir(entries))) {
				if (en->d_name[0] == '.')
					continue;
				char *full = xasprintf("%s/%s", fdir, en->d_name);
				bool used = false;
				vec_for_each (&keep, k) {
					const char *kd = keep.items[k];
					size_t kl = strlen(kd);
					if (strncmp(full, kd, kl) == 0 &&
					    (full[kl] == '\0' || strcmp(full + kl, ".zip") == 0))
						used = true;
				}
				if (!used)
					zipcode_remove_tree(full);
				free(full);
			}
			if (entries)
				closedir(entries);
			rmdir(fdir);
			free(fdir);
		}
		if (names)
			closedir(names);
	}
	if (accounts)
		closedir(accounts);
	strbuf_release(&path);
	vec_release_with(&keep, free);
}

/* Hold a UDP port on loopback for the X-Ray daemon, as Lambda gives one to every function. */
static void hold_xray_port(struct cloud *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	c->xray_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c->xray_fd >= 0 && bind(c->xray_fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(c->xray_fd, (struct sockaddr *)&a, &len) == 0)
		c->xray_port = ntohs(a.sin_port);
}

/* Headers in, body not yet read: what can be refused at once is. */
static void precheck(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	char rid[37];
	aws_uuid(rid);
	http_resp_header(resp, "x-amzn-RequestId", rid);
	s3_precheck(ctx, req, resp);
}

/*
 * Seconds a connection may stay idle (between requests, or stalled within one) before the
 * cloud closes it: CLOUD_IDLE_SECONDS, or LAMBDA_TUTOR_HTTP_IDLE for tests.
 */
static unsigned idle_limit(void)
{
	const char *env = getenv("LAMBDA_TUTOR_HTTP_IDLE");
	long v = env && env[0] ? strtol(env, NULL, 10) : 0;
	return v > 0 && v < 86400 ? (unsigned)v : CLOUD_IDLE_SECONDS;
}

struct cloud *cloud_open(const struct cloud_config *cfg, struct error *err)
{
	struct cloud *c = xcalloc(1, sizeof(*c));
	c->lock_fd = -1;
	c->xray_fd = -1;
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->async_cond, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->hk_cond, &attr);
	pthread_cond_init(&c->spawn_cond, &attr);
	pthread_condattr_destroy(&attr);
	/* The kernel kills an environment when the thread that forked it ends (PDEATHSIG): one
	 * forked by a request's or a retry's thread while the cloud starts would die once that
	 * thread is done, under whatever invocation had it next. */
	c->spawner_running = cfg->spawner;
	c->spawner_thread = pthread_self();
	c->workspace = xstrdup(cfg->workspace);
	c->state_dir = path_join(cfg->workspace, ".cloud");
	c->code_root = path_join(c->state_dir, "code");
	c->account_limit = cfg->account_concurrency > 0 ? cfg->account_concurrency : 1000;
	c->idle_seconds = cfg->idle_seconds > 0 ? cfg->idle_seconds : 300;
	c->quiet = cfg->quiet;
	if (!path_mkdirs(c->code_root, 0755, err) || !take_lock(c, err))
		goto fail;
	/* The state holds every account's code and keys, and the control socket: the
	 * workspace's owner's alone. */
	if (chmod(c->state_dir, 0700) != 0) {
		error_set(err, "cannot make '%s' private: %s", c->state_dir, strerror(errno));
		goto fail;
	}
	char *dbpath = path_join(c->state_dir, "cloud.db");
	c->db = cloud_db_open(dbpath, err);
	free(dbpath);
	if (!c->db)
		goto fail;
	c->auth = auth_new(c->db, c->workspace, err);
	if (!c->auth)
		goto fail;
	c->logs = logs_new(c->db);
	c->vclock = vclock_new(cfg->time_scale, c->db);
	vclock_base_account(c->vclock, auth_learner_account(c->auth));
	auth_set_clock(c->auth, c->vclock);
	logs_set_limits(c->logs, c->vclock,
			(long long)(cfg->logs_max_mb > 0 ? cfg->logs_max_mb : CLOUD_LOGS_MAX_MB)
				<< 20);
	if (!svc_start_all(c, err))
		goto fail;
	setup_runtimes(c);
	lambda_cgroups_probe(c);
	const char *mountns = getenv("LAMBDA_TUTOR_MOUNTNS");
	struct sandbox_config sc = { .code_root = c->code_root,
				     .runtimes_dir = c->runtimes_dir,
				     .python = c->python,
				     .node = c->node,
				     .node_path = c->node_path,
				     .no_mountns = mountns && strcmp(mountns, "off") == 0 };
	c->sandbox = sandbox_probe(&sc);
	char *zlib = zygote_lib_path();
	c->zygote = zygote_new(c->sandbox, c->python, c->runtimes_dir, zlib);
	free(zlib);
	/* Started now, on the thread that will spawn environments, to be ready for the first. */
	zygote_ensure(c->zygote);
	hold_xray_port(c);
	lambda_fn_load_all(c);
	collect_code(c);
	/* Orphans of execution environments come back to us, to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	int port = cfg->port > 0 ? cfg->port : cfg->port < 0 ? 0 : CLOUD_DEFAULT_PORT;
	svc_body_max = LAMBDA_CREATE_BODY_MAX;
	c->http = http_server_start_idle(port, svc_body_max, idle_limit(), svc_route, c, &c->port,
					 err);
	if (!c->http)
		goto fail;
	char *spool = s3_spool_dir(c);
	http_server_spool(c->http, spool, s3_wants_spool, S3_PUT_MAX);
	free(spool);
	http_server_hash_bodies(c->http, true);
	char *sock = cloud_control_path(c->workspace);
	c->control =
		http_server_start_unix(sock, LAMBDA_CREATE_BODY_MAX, svc_route_control, c, err);
	free(sock);
	if (!c->control)
		goto fail;
	http_server_precheck(c->http, precheck);
	snprintf(c->endpoint, sizeof(c->endpoint), "http://127.0.0.1:%d", c->port);
	write_lock(c);
	if (!svc_run_all(c, err))
		goto fail;
	return c;
fail:
	/* No cloud_run() will come: refuse what waits for its thread. */
	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	c->spawner_running = false;
	lambda_env_serve_spawns(c);
	pthread_mutex_unlock(&c->mu);
	cloud_close(c);
	return NULL;
}

/* Bytes under a folder (what its files take on disk). */
static long long tree_bytes(const char *dir)
{
	long long total = 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *path = path_join(dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				total += tree_bytes(path);
			else
				total += (long long)st.st_blocks * 512;
		}
		free(path);
	}
	closedir(d);
	return total;
}

static long long file_bytes(const char *dir, const char *name)
{
	char *path = path_join(dir, name);
	struct stat st;
	long long n = lstat(path, &st) == 0 ? (long long)st.st_blocks * 512 : 0;
	free(path);
	return n;
}

void cloud_disk_usage(struct cloud *c, struct cloud_disk *out)
{
	memset(out, 0, sizeof(*out));
	out->total = tree_bytes(c->state_dir);
	out->database = file_bytes(c->state_dir, "cloud.db") +
			file_bytes(c->state_dir, "cloud.db-wal") +
			file_bytes(c->state_dir, "cloud.db-shm");
	out->code = tree_bytes(c->code_root);
	char *s3 = path_join(c->state_dir, "s3");
	out->objects = tree_bytes(s3);
	free(s3);
	out->logs = logs_stored_bytes(c->logs);
	out->logs_cap = logs_cap_bytes(c->logs);
}

const char *cloud_endpoint(const struct cloud *c)
{
	return c->endpoint;
}

char *cloud_sandbox_summary(const struct cloud *c)
{
	return sandbox_summary(c->sandbox);
}

static void flush_all(struct cloud *c)
{
	logs_flush(c->logs);
	lambda_metrics_flush(c);
}

static struct timespec mono_after_ms(int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	while (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static void *housekeeper_main(void *arg)
{
	struct cloud *c = arg;
	unsigned rounds = 0;
	pthread_mutex_lock(&c->mu);
	while (!c->hk_stop) {
		struct timespec ts = mono_after_ms(200);
		pthread_cond_timedwait(&c->hk_cond, &c->mu, &ts);
		if (c->hk_stop)
			break;
		pthread_mutex_unlock(&c->mu);
		lambda_env_housekeep(c, false);
		flush_all(c);
		logs_expire(c->logs);
		if (++rounds % 300 == 0) /* every minute */
			auth_housekeep(c->auth);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

void cloud_run(struct cloud *c, volatile sig_atomic_t *stop)
{
	int64_t next_tick = clock_mono_ms();
	pthread_create(&c->housekeeper, NULL, housekeeper_main, c);
	pthread_mutex_lock(&c->mu);
	c->spawner_thread = pthread_self();
	c->spawner_running = true;
	while (!*stop) {
		lambda_env_serve_spawns(c);
		/* Asleep until the next tick, and with nothing periodic to do, until a spawn, a
		 * wake-up or the stop signal (cloud_wake()). */
		int timeout = -1;
		if (lambda_loop_ticks(c)) {
			int64_t now = clock_mono_ms();
			if (now >= next_tick) {
				next_tick = now + 20;
				lambda_env_watchdog(c);
				lambda_provisioned_tick(c);
				continue;
			}
			timeout = (int)(next_tick - now);
		}
		pthread_mutex_unlock(&c->mu);
		struct pollfd p = { c->wake_fd, POLLIN, 0 };
		uint64_t n;
		if (poll(&p, 1, timeout) > 0 && read(c->wake_fd, &n, sizeof(n)) < 0)
			n = 0; /* another reader took it: nothing to do */
		pthread_mutex_lock(&c->mu);
	}
	c->spawner_running = false;
	lambda_env_serve_spawns(c);
	c->hk_stop = true;
	pthread_cond_signal(&c->hk_cond);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->housekeeper, NULL);
}

void cloud_wake(struct cloud *c)
{
	uint64_t one = 1;
	if (c && c->wake_fd >= 0 && write(c->wake_fd, &one, sizeof(one)) < 0)
		one = 0; /* the counter is full: the loop is woken already */
}

void cloud_close(struct cloud *c)
{
	if (!c)
		return;
	if (c->http || c->envs.len) {
		pthread_mutex_lock(&c->mu);
		c->stopping = true;
		vec_for_each (&c->envs, i)
			lambda_env_kill(c->envs.items[i]);
		while (c->async_running > 0) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&c->async_cond, &c->mu, &ts);
			vec_for_each (&c->envs, i)
				lambda_env_kill(c->envs.items[i]);
		}
		pthread_mutex_unlock(&c->mu);
	}
	if (c->db)
		svc_stop_all(c);
	http_server_stop(c->control);
	c->control = NULL;
	http_server_stop(c->http);
	c->http = NULL;
	if (c->db)
		svc_free_all(c);
	if (c->logs)
		logs_set_limits(c->logs, NULL, logs_cap_bytes(c->logs));
	if (c->auth)
		auth_set_clock(c->auth, NULL);
	vclock_free(c->vclock);
	c->vclock = NULL;
	for (int i = 0; i < 500; i++) {
		lambda_env_housekeep(c, true);
		pthread_mutex_lock(&c->mu);
		size_t left = c->envs.len;
		pthread_mutex_unlock(&c->mu);
		if (left == 0)
			break;
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (c->logs) {
		flush_all(c);
		logs_free(c->logs);
	}
	vec_release_with(&c->records, free);
	vec_for_each (&c->functions, i)
		lambda_fn_unref(c->functions.items[i]);
	vec_release(&c->functions);
	vec_release(&c->envs);
	auth_free(c->auth);
	svc_policy_forget(c);
	cloud_db_close(c->db);
	lambda_cgroups_cleanup(c);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->async_cond);
	pthread_cond_destroy(&c->hk_cond);
	pthread_cond_destroy(&c->spawn_cond);
	vec_release(&c->spawns);
	free(c->workspace);
	free(c->state_dir);
	free(c->code_root);
	free(c->runtimes_dir);
	free(c->python);
	free(c->node);
	free(c->node_path);
	zygote_free(c->zygote);
	sandbox_free(c->sandbox);
	if (c->xray_fd >= 0)
		close(c->xray_fd);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	free(c);
}
