/*
 * lambda-tutor selftest: prove every exercise's check against its solutions. Each reference
 * solution must pass, twice, with the same result per task (a flaky check is a broken check);
 * each known-wrong solution must fail, on the task its .solution.json names. An exercise may have
 * other right solutions and a scenario other right fixes (right-*), which must pass like its
 * reference.
 *
 * tests/solutions/<exercise>/<language>/reference/ and .../wrong-<what>/ hold the code: the files
 * a solution changes, laid over the exercise's starter (its .solution.json "removes" the starter's
 * files the learner moved or deleted). For an
 * account exercise, .solution.json also gives the configuration the learner would have set
 * ({"config": {"Runtime", "Handler", "MemorySize", "Timeout"}}): the solution is deployed
 * with it to a fresh account, which then plays the learner's, and its "calls" (what the
 * learner did next: publish, alias, new code, alarms) are replayed there. Without "config" the
 * calls create everything, as an `aws cloudformation deploy` does.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "aws/client.h"
#include "aws/locate.h"
#include "check/check.h"
#include "check/project.h"
#include "cli/commands.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

struct selftest {
	const struct check_cloud *cloud;
	int n, failed;
	int out_fd; /* in a group's child process: where its verdicts go; -1 in the parent */
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sub-folders of dir, sorted. Caller frees each and the array. */
static char **subdirs(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **v = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p = path_join(dir, e->d_name);
		if (path_is_dir(p)) {
			v = xreallocarray(v, *n + 1, sizeof(*v));
			v[(*n)++] = xstrdup(e->d_name);
		}
		free(p);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

static void report(struct selftest *st, bool ok, const char *fmt, ...) XALLOC_PRINTF(3, 4);
static void report(struct selftest *st, bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (st->out_fd >= 0) {
		/* A group's child: the verdict goes to the parent as '1' or '0', text, NUL. */
		char *line = xasprintf("%c%s", ok ? '1' : '0', msg);
		size_t len = strlen(line) + 1, off = 0;
		while (off < len) {
			ssize_t w = write(st->out_fd, line + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		free(line);
		free(msg);
		return;
	}
	st->n++;
	if (!ok)
		st->failed++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", st->n, msg);
	fflush(stdout);
	free(msg);
}

/*
 * Groups run side by side, each in a child process of its own: one exercise's solutions (an
 * account each, or a fresh one per check) or one scenario's runs go one after the other, as
 * they share names (a scenario's buckets, a stack's change sets), and different groups share
 * nothing. Their verdicts are reported in the groups' order.
 */
struct group {
	void (*run)(struct selftest *st, void *arg);
	void *arg;
	const char *label;
	pid_t pid;
	int fd;
	bool done;
	struct strbuf out;
};

/*
 * How many groups run at once. Most of a group's time is spent waiting on the cloud (cold
 * starts, deliveries, settling), which the others use meanwhile: on a quiet machine three use
 * under half of two cores. So up to three per core run, but a group beyond the first three
 * starts only while the load average leaves a core free for each two: on a machine already
 * busy, more at once would only stretch every check towards its handlers' timeouts.
 * LAMBDA_TUTOR_SELFTEST_JOBS sets a fixed number instead.
 */
struct jobs {
	size_t floor, max;
	double busy; /* the load average above which no group beyond floor starts */
};

static struct jobs selftest_jobs(void)
{
	const char *v = getenv("LAMBDA_TUTOR_SELFTEST_JOBS");
	if (v) {
		int n = atoi(v);
		size_t k = (size_t)(n < 1 ? 1 : n > 32 ? 32 : n);
		return (struct jobs){ k, k, 0 };
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	size_t max = (size_t)(cpus > 10 ? 32 : 3 * cpus);
	return (struct jobs){ max < 3 ? max : 3, max, 2.0 * (double)cpus };
}

/* Whether one more group may start beside running ones. */
static bool jobs_room(const struct jobs *j, size_t running)
{
	if (running < j->floor)
		return true;
	if (running >= j->max)
		return false;
	double load;
	return getloadavg(&load, 1) == 1 && load < j->busy;
}

static bool group_start(struct selftest *st, struct group *g)
{
	int fds[2];
	if (pipe(fds) != 0)
		return false;
	/* What a group runs (the AWS CLI, fix.sh) does not hold its end open: EOF means done. */
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		st->out_fd = fds[1];
		g->run(st, g->arg);
		_exit(0);
	}
	close(fds[1]);
	g->pid = pid;
	g->fd = fds[0];
	return true;
}

/* Report a finished group's verdicts, and one failure if its child died before its end. */
static void group_report(struct selftest *st, struct group *g, int wst)
{
	size_t off = 0;
	int n = 0;
	while (off < g->out.len) {
		report(st, g->out.buf[off] == '1', "%s", g->out.buf + off + 1);
		off += strlen(g->out.buf + off) + 1;
		n++;
	}
	if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0 || n == 0)
		report(st, false, "%s: its run ended early (status %d)", g->label, wst);
	strbuf_release(&g->out);
}

/* Run every group, as many at once as selftest_jobs() allows, and report them in their order. */
static void groups_run(struct selftest *st, struct group *gs, size_t n)
{
	struct jobs jobs = selftest_jobs();
	size_t par = jobs.max, next = 0, reported = 0, running = 0;
	struct pollfd *pfd = xcalloc(par + 1, sizeof(*pfd));
	size_t *who = xcalloc(par + 1, sizeof(*who));
	int *wst = xcalloc(n + 1, sizeof(*wst));
	while (reported < n) {
		while (next < n && jobs_room(&jobs, running)) {
			struct group *g = &gs[next];
			strbuf_init(&g->out);
			g->fd = -1;
			if (par > 1 && group_start(st, g)) {
				next++;
				running++;
				continue;
			}
			if (running)
				break; /* no fork: run it here once the others have ended */
			while (reported < next) {
				group_report(st, &gs[reported], wst[reported]);
				reported++;
			}
			/* In this process, reporting as it goes. */
			g->run(st, g->arg);
			g->done = true;
			wst[next++] = -1;
			reported++;
		}
		size_t np = 0;
		for (size_t i = reported; i < next; i++)
			if (!gs[i].done && gs[i].fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = gs[i].fd, .events = POLLIN };
				who[np++] = i;
			}
		if (np && poll(pfd, np, -1) < 0 && errno != EINTR)
			break;
		for (size_t k = 0; k < np; k++) {
			if (!pfd[k].revents)
				continue;
			struct group *g = &gs[who[k]];
			char buf[4096];
			ssize_t got = read(g->fd, buf, sizeof(buf));
			if (got > 0) {
				strbuf_add(&g->out, buf, (size_t)got);
			} else if (got == 0 || errno != EINTR) {
				close(g->fd);
				g->fd = -1;
				while (waitpid(g->pid, &wst[who[k]], 0) < 0 && errno == EINTR)
					;
				g->done = true;
				running--;
			}
		}
		while (reported < next && gs[reported].done) {
			group_report(st, &gs[reported], wst[reported]);
			reported++;
		}
	}
	free(wst);
	free(who);
	free(pfd);
}

static const char *str_of(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static int int_of(const cJSON *o, const char *key, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valueint : dflt;
}

/* A learner of its own for an account exercise: a fresh account from the control socket. */
struct learner {
	char account[13];
	char key[24];
	char secret[48];
};

static bool new_learner(const struct selftest *st, struct learner *out, struct error *err)
{
	struct lambda_client *c = client_new_control(st->cloud->control);
	struct lambda_reply rep;
	bool ok = client_request(c, "POST", "/_tutor/accounts", NULL, NULL, NULL, 0, &rep);
	cJSON *j = ok ? cJSON_Parse(rep.body) : NULL;
	const char *a = str_of(j, "Account", NULL), *k = str_of(j, "AccessKeyId", NULL),
		   *s = str_of(j, "SecretAccessKey", NULL);
	ok = a && k && s;
	if (ok) {
		snprintf(out->account, sizeof(out->account), "%s", a);
		snprintf(out->key, sizeof(out->key), "%s", k);
		snprintf(out->secret, sizeof(out->secret), "%s", s);
	} else {
		char *why = client_reply_error(&rep);
		error_set(err, "cannot make a fresh account: %s", why);
		free(why);
	}
	cJSON_Delete(j);
	client_reply_release(&rep);
	client_free(c);
	return ok;
}

/*
 * Deploy an account exercise's solution to a fresh account (whose key goes to key) as the
 * learner would have. False with err when it cannot be.
 */
/* The folder a {"code": DIR} call of .solution.json deploys later, or NULL. */
static const char *later_code(const cJSON *calls)
{
	for (const cJSON *k = calls ? calls->child : NULL; k; k = k->next) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(k, "code");
		if (cJSON_IsString(code))
			return code->valuestring;
	}
	return NULL;
}

/*
 * s with every "${account}" replaced by the learner's account and "${scratch}" by a folder of
 * the replay's own (for files a call writes). Caller frees.
 */
static char *with_vars(const char *s, const char *account, const char *scratch)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = s; *p;) {
		if (strncmp(p, "${account}", 10) == 0) {
			strbuf_addstr(&sb, account);
			p += 10;
		} else if (strncmp(p, "${scratch}", 10) == 0) {
			strbuf_addstr(&sb, scratch);
			p += 10;
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	return strbuf_detach(&sb);
}

/*
 * The first AWS CLI 1.x on PATH, or NULL: `cloudformation package` uploads through an S3
 * client that takes its endpoint from AWS_ENDPOINT_URL in 1.x, and from nowhere the local
 * cloud can set in the 2.x CLIs before 2.13 (Debian's is 2.9): they upload to AWS's S3.
 */
static const char *aws_v1(void)
{
	static char found[4096];
	static int looked;
	if (looked++)
		return found[0] ? found : NULL;
	const char *path = getenv("PATH");
	for (const char *p = path ? path : ""; *p && !found[0];) {
		size_t n = strcspn(p, ":");
		char *cand = xasprintf("%.*s/aws", (int)n, p);
		p += n + (p[n] == ':');
		if (!n || access(cand, X_OK) != 0 || strchr(cand, '\'')) {
			free(cand);
			continue;
		}
		char *cmd = xasprintf("'%s' --version 2>&1", cand);
		FILE *f = popen(cmd, "r");
		char line[256] = "";
		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = '\0';
			pclose(f);
		}
		if (strncmp(line, "aws-cli/1.", 10) == 0)
			snprintf(found, sizeof(found), "%s", cand);
		free(cmd);
		free(cand);
	}
	return found[0] ? found : NULL;
}

/* The AWS CLI a solution's calls run: a 1.x on PATH, else Debian's. Caller frees. */
static char *find_aws(void)
{
	const char *v1 = aws_v1();
	return xstrdup(v1 ? v1 : "/usr/bin/aws");
}

/* Why the solution's calls cannot be replayed on this machine, or NULL. */
static const char *calls_unplayable(const cJSON *meta)
{
	const cJSON *k;
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(meta, "calls"))
	{
		const cJSON *aws = cJSON_GetObjectItemCaseSensitive(k, "aws");
		const cJSON *a1 = cJSON_GetArrayItem(aws, 1);
		if (cJSON_IsString(a1) && strcmp(a1->valuestring, "package") == 0 && !aws_v1())
			return "no AWS CLI 1.x on PATH: the 2.x CLI here sends `aws cloudformation "
			       "package`'s uploads to AWS's S3, not to --endpoint-url";
	}
	return NULL;
}

/*
 * Run the AWS CLI as the learner would, in the solution's folder: aws --endpoint-url E ARGS...
 * with the learner's keys. False with err (the CLI's last words) when it fails.
 */
static bool run_aws(const char *endpoint, const struct learner *who, const char *dir,
		    const char *scratch, const cJSON *args, struct error *err)
{
	int n = cJSON_GetArraySize(args);
	char **argv = xcalloc((size_t)n + 4, sizeof(*argv));
	argv[0] = find_aws();
	argv[1] = xstrdup("--endpoint-url");
	argv[2] = xstrdup(endpoint);
	int k = 3;
	const cJSON *a;
	cJSON_ArrayForEach(a, args)
	{
		argv[k++] =
			with_vars(cJSON_IsString(a) ? a->valuestring : "", who->account, scratch);
	}
	/* The environment is made before the fork: the child only execs. */
	size_t ne = 0;
	while (environ[ne])
		ne++;
	char **envp = xcalloc(ne + 10, sizeof(*envp));
	size_t j = 0;
	for (size_t i = 0; i < ne; i++)
		if (strncmp(environ[i], "AWS_", 4) != 0)
			envp[j++] = xstrdup(environ[i]);
	envp[j++] = xasprintf("AWS_ACCESS_KEY_ID=%s", who->key);
	envp[j++] = xasprintf("AWS_SECRET_ACCESS_KEY=%s", who->secret);
	envp[j++] = xstrdup("AWS_DEFAULT_REGION=us-east-1");
	envp[j++] = xstrdup("AWS_CONFIG_FILE=/dev/null");
	envp[j++] = xstrdup("AWS_SHARED_CREDENTIALS_FILE=/dev/null");
	envp[j++] = xstrdup("AWS_PAGER=");
	/* The 1.x CLI's S3 client for `package` reads the endpoint from here only. */
	envp[j++] = xasprintf("AWS_ENDPOINT_URL=%s", endpoint);
	int fds[2];
	bool ok = pipe(fds) == 0;
	pid_t pid = ok ? fork() : -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		if (chdir(dir) != 0)
			_exit(126);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	struct strbuf out = STRBUF_INIT;
	if (pid > 0) {
		close(fds[1]);
		char buf[4096];
		ssize_t got;
		while ((got = read(fds[0], buf, sizeof(buf))) > 0 || (got < 0 && errno == EINTR))
			if (got > 0)
				strbuf_add(&out, buf, (size_t)got);
		close(fds[0]);
		int status = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	} else if (ok) {
		close(fds[0]);
		close(fds[1]);
		ok = false;
	}
	if (!ok) {
		/* The last line the CLI wrote says why. */
		while (out.len && (out.buf[out.len - 1] == '\n' || out.buf[out.len - 1] == ' '))
			out.buf[--out.len] = '\0';
		const char *last = out.len ? strrchr(out.buf, '\n') : NULL;
		error_set(err, "aws %s failed: %s", argv[3] ? argv[3] : "",
			  last      ? last + 1
			  : out.len ? out.buf
				    : "it could not be run");
	}
	strbuf_release(&out);
	for (int i = 0; i < k; i++)
		free(argv[i]);
	free(argv);
	for (size_t i = 0; i < j; i++)
		free(envp[i]);
	free(envp);
	return ok;
}

/*
 * What the learner did after creating the function, from .solution.json's "calls": each
 * {"method", "path", "body", "repeat", "target"} an API call (made repeat times, for
 * traffic; with target, a JSON-protocol call such as CloudWatch's), {"query": SERVICE,
 * "form": "Action=..."} a query-protocol call (SNS's), {"code": DIR} UpdateFunctionCode with
 * that folder of the solution zipped, or {"aws": [ARGS]} the AWS CLI run in the solution's
 * folder. ${account} in a body, form, path or argument is the learner's account number (a
 * topic's ARN in an alarm's actions), ${scratch} in an argument a folder of the replay's own.
 */
static char *with_account(char *text, const char *account)
{
	if (!text)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *p = text, *hit;
	while ((hit = strstr(p, "${account}"))) {
		strbuf_add(&sb, p, (size_t)(hit - p));
		strbuf_addstr(&sb, account);
		p = hit + 10;
	}
	strbuf_addstr(&sb, p);
	free(text);
	return strbuf_detach(&sb);
}

static bool replay_calls(const struct selftest *st, struct lambda_client *c,
			 const struct learner *who, const struct exercise *ex, const char *dir,
			 const cJSON *calls, struct error *err)
{
	bool ok = true;
	int idx = 0;
	char scratch[] = "/tmp/lt-selftest.XXXXXX";
	if (!mkdtemp(scratch))
		return error_set(err, "cannot make a scratch folder: %s", strerror(errno));
	time_t deployed = 0; /* the wall-clock second the last `cloudformation deploy` ended in */
	for (const cJSON *k = calls ? calls->child : NULL; k && ok; k = k->next, idx++) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(k, "code");
		const cJSON *aws = cJSON_GetObjectItemCaseSensitive(k, "aws");
		const char *query = str_of(k, "query", NULL);
		struct lambda_reply rep;
		memset(&rep, 0, sizeof(rep));
		if (cJSON_IsArray(aws)) {
			/* The CLI names a deploy's change set by the second it starts in, and
			 * CloudFormation keeps an executed change set: a second deploy of the stack
			 * in the same second would reuse the name. A learner is never that quick.
			 */
			const cJSON *verb = cJSON_GetArrayItem(aws, 1);
			bool deploy = cJSON_IsString(cJSON_GetArrayItem(aws, 0)) &&
				      strcmp(cJSON_GetArrayItem(aws, 0)->valuestring,
					     "cloudformation") == 0 &&
				      cJSON_IsString(verb) &&
				      strcmp(verb->valuestring, "deploy") == 0;
			while (deploy && time(NULL) <= deployed) {
				struct timespec tick = { 0, 20 * 1000 * 1000 };
				nanosleep(&tick, NULL);
			}
			ok = run_aws(st->cloud->endpoint, who, dir, scratch, aws, err);
			if (deploy)
				deployed = time(NULL);
			continue;
		}
		if (query) {
			char *form = with_account(xstrdup(str_of(k, "form", "")), who->account);
			ok = client_query(c, query, form, &rep) && rep.status / 100 == 2;
			free(form);
		} else if (cJSON_IsString(code)) {
			char *sub = path_join(dir, code->valuestring);
			size_t len = 0;
			void *zip = package_zip(sub, &len, err);
			free(sub);
			if (!zip) {
				ok = false;
				break;
			}
			ok = client_update_code(c, ex->function, zip, len, &rep);
			free(zip);
		} else {
			const char *method = str_of(k, "method", "POST");
			char *path = with_vars(str_of(k, "path", "/"), who->account, scratch);
			const cJSON *body = cJSON_GetObjectItemCaseSensitive(k, "body");
			char *text = with_account(body ? cJSON_PrintUnformatted(body) : NULL,
						  who->account);
			int repeat = int_of(k, "repeat", 1);
			/* A JSON-protocol service's call names its operation in X-Amz-Target. */
			const char *target = str_of(k, "target", NULL);
			char *hdr = target ? xasprintf("X-Amz-Target: %s", target) : NULL;
			const char *headers[] = { hdr, NULL };
			for (int i = 0; i < repeat && ok; i++) {
				client_reply_release(&rep);
				memset(&rep, 0, sizeof(rep));
				ok = client_request(c, method, path,
						    target ? "application/x-amz-json-1.0" : NULL,
						    target ? headers : NULL, text,
						    text ? strlen(text) : 0, &rep) &&
				     rep.status / 100 == 2;
			}
			free(hdr);
			free(text);
			free(path);
		}
		if (!ok) {
			char *why = client_reply_error(&rep);
			error_set(err, "the solution's call %d failed: %s", idx + 1, why);
			free(why);
		}
		client_reply_release(&rep);
	}
	path_remove_tree(scratch);
	return ok;
}

static bool deploy_as_learner(const struct selftest *st, const struct exercise *ex, const char *dir,
			      const cJSON *config, const cJSON *calls, struct learner *who,
			      struct error *err)
{
	if (!new_learner(st, who, err))
		return false;
	struct lambda_client *c = client_new(st->cloud->endpoint, who->key, who->secret);
	if (!config) {
		bool ok = replay_calls(st, c, who, ex, dir, calls, err);
		client_free(c);
		return ok;
	}
	size_t len = 0;
	void *zip = package_zip_without(dir, later_code(calls), &len, err);
	if (!zip) {
		client_free(c);
		return false;
	}
	struct lambda_reply rep;
	bool ok = client_create_function(
		c, ex->function, str_of(config, "Runtime", "python3.13"),
		str_of(config, "Handler", "lambda_function.lambda_handler"),
		str_of(config, "Architecture", NULL), int_of(config, "MemorySize", 128),
		int_of(config, "Timeout", 3), NULL, zip, len, &rep);
	if (!ok) {
		char *why = client_reply_error(&rep);
		error_set(err, "cannot deploy the solution: %s", why);
		free(why);
	}
	client_reply_release(&rep);
	if (ok)
		ok = replay_calls(st, c, who, ex, dir, calls, err);
	client_free(c);
	free(zip);
	return ok;
}

/* The learner of an account exercise goes, function, keys and all. */
static void remove_learner(const struct selftest *st, const struct learner *who)
{
	struct lambda_client *c = client_new_control(st->cloud->control);
	struct lambda_reply rep;
	char *path = xasprintf("/_tutor/accounts/%s", who->account);
	client_request(c, "DELETE", path, NULL, NULL, NULL, 0, &rep);
	client_reply_release(&rep);
	free(path);
	client_free(c);
}

/* Run the check of ex on the solution in dir. */
static bool run_solution(const struct selftest *st, const struct exercise *ex,
			 enum exercise_lang lang, const char *dir, const cJSON *meta,
			 struct check_result *r)
{
	struct learner who = { "", "", "" };
	struct check_opts co = { .endpoint = st->cloud->endpoint,
				 .control = st->cloud->control,
				 .code_dir = dir,
				 .lang = lang };
	if (ex->kind == EXERCISE_ACCOUNT) {
		struct error err;
		error_clear(&err);
		const cJSON *config = cJSON_GetObjectItemCaseSensitive(meta, "config");
		bool deployed = deploy_as_learner(st, ex, dir, config,
						  cJSON_GetObjectItemCaseSensitive(meta, "calls"),
						  &who, &err);
		if (!deployed) {
			if (who.account[0])
				remove_learner(st, &who);
			memset(r, 0, sizeof(*r));
			r->status = CHECK_ERROR;
			r->error = err;
			return false;
		}
		co.access_key = who.key;
		co.secret_key = who.secret;
	}
	check_run(ex, &co, r);
	if (ex->kind == EXERCISE_ACCOUNT)
		remove_learner(st, &who);
	return true;
}

/* "task-a ✓, task-b ✗" for comparing two runs and for messages. Caller frees. */
static char *task_line(const struct check_result *r)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < r->n_tasks; i++)
		strbuf_addf(&sb, "%s%s %s", i ? ", " : "", r->tasks[i].task->id,
			    r->tasks[i].pass ? "pass" : "FAIL");
	return strbuf_detach(&sb);
}

static const struct check_task_result *first_failure(const struct check_result *r)
{
	for (size_t i = 0; i < r->n_tasks; i++)
		if (!r->tasks[i].pass)
			return &r->tasks[i];
	return NULL;
}

static void test_reference(struct selftest *st, const struct exercise *ex, enum exercise_lang lang,
			   const char *dir, const cJSON *meta, const char *label)
{
	if (calls_unplayable(meta)) {
		report(st, true, "%s # SKIP %s", label, calls_unplayable(meta));
		return;
	}
	struct check_result a, b;
	run_solution(st, ex, lang, dir, meta, &a);
	run_solution(st, ex, lang, dir, meta, &b);
	char *la = task_line(&a), *lb = task_line(&b);
	if (a.status == CHECK_ERROR || b.status == CHECK_ERROR) {
		report(st, false, "%s: the check could not run: %s", label,
		       a.status == CHECK_ERROR ? a.error.msg : b.error.msg);
	} else if (a.status != CHECK_PASS || b.status != CHECK_PASS) {
		const struct check_task_result *f = first_failure(a.status != CHECK_PASS ? &a : &b);
		report(st, false, "%s must pass, but task '%s' failed: got %s; expected %s", label,
		       f->task->id, f->got ? f->got : "?", f->expected ? f->expected : "?");
	} else if (strcmp(la, lb) != 0) {
		report(st, false, "%s gave different results: [%s] then [%s]", label, la, lb);
	} else {
		report(st, true, "%s passes twice (%lld ms, %lld ms)", label, (long long)a.ms,
		       (long long)b.ms);
	}
	free(la);
	free(lb);
	check_result_release(&a);
	check_result_release(&b);
}

static void test_wrong(struct selftest *st, const struct exercise *ex, enum exercise_lang lang,
		       const char *dir, const cJSON *meta, const char *label)
{
	const char *fails = str_of(meta, "fails", NULL);
	if (!fails || !exercise_task(ex, fails)) {
		report(st, false,
		       "%s: .solution.json must name the task it fails, one of the "
		       "exercise's tasks (\"fails\": \"%s\")",
		       label, fails ? fails : "");
		return;
	}
	if (calls_unplayable(meta)) {
		report(st, true, "%s # SKIP %s", label, calls_unplayable(meta));
		return;
	}
	struct check_result r;
	run_solution(st, ex, lang, dir, meta, &r);
	if (r.status == CHECK_ERROR) {
		report(st, false, "%s: the check could not run: %s", label, r.error.msg);
	} else {
		const struct check_task_result *t = NULL;
		for (size_t i = 0; i < r.n_tasks; i++)
			if (strcmp(r.tasks[i].task->id, fails) == 0)
				t = &r.tasks[i];
		if (t && !t->pass)
			report(st, true, "%s fails on '%s' as expected (%lld ms)", label, fails,
			       (long long)r.ms);
		else
			report(st, false, "%s should fail on task '%s', but it passed", label,
			       fails);
	}
	check_result_release(&r);
}

/* ---- scenarios: the broken application, the right fix and tempting wrong ones ---- */

static cJSON *read_meta(const char *dir);

/*
 * Run a fix script (sh, in a scratch copy of its folder) as the learner would, with the AWS CLI
 * pointed at the learner's account. The copy keeps the files a script writes (zips, policy
 * documents) out of the source tree, even when the run is killed, and apart from another run
 * of the same script. False with err when it does not exit 0.
 */
static bool run_fix(const struct selftest *st, const struct learner *who, const char *dir,
		    struct error *err)
{
	char *script = path_join(dir, "fix.sh");
	if (!path_is_file(script)) {
		free(script);
		return error_set(err, "%s has no fix.sh", dir);
	}
	char *cmd =
		xasprintf("t=$(mktemp -d \"${TMPDIR:-/tmp}/lt-fix.XXXXXX\") && "
			  "cp -R '%s'/. \"$t\" && cd \"$t\" && AWS_ENDPOINT_URL='%s' "
			  "AWS_ACCESS_KEY_ID='%s' AWS_SECRET_ACCESS_KEY='%s' "
			  "AWS_DEFAULT_REGION=us-east-1 AWS_PAGER= timeout 300 sh -e fix.sh 2>&1; "
			  "rc=$?; [ -z \"$t\" ] || rm -rf \"$t\"; exit $rc",
			  dir, st->cloud->endpoint, who->key, who->secret);
	FILE *p = popen(cmd, "r");
	struct strbuf out = STRBUF_INIT;
	char buf[4096];
	size_t got;
	while (p && (got = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&out, buf, got);
	int rc = p ? pclose(p) : -1;
	free(cmd);
	free(script);
	bool ok = rc == 0;
	if (!ok) {
		/* The script's last line says why. */
		while (out.len && out.buf[out.len - 1] == '\n')
			out.buf[--out.len] = '\0';
		const char *last = out.buf ? strrchr(out.buf, '\n') : NULL;
		error_set(err, "%s/fix.sh failed (exit %d): %s", dir,
			  rc >= 0 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1,
			  last      ? last + 1
			  : out.buf ? out.buf
				    : "");
	}
	strbuf_release(&out);
	return ok;
}

/* Set the scenario up in a fresh account, apply the fix in dir (NULL: none), check it. */
static bool run_scenario(const struct selftest *st, const struct exercise *sc, const char *dir,
			 struct check_result *r)
{
	struct learner who = { "", "", "" };
	struct error err;
	error_clear(&err);
	memset(r, 0, sizeof(*r));
	bool ok = new_learner(st, &who, &err);
	enum exercise_lang lang =
		sc->starters[EXERCISE_PYTHON].present ? EXERCISE_PYTHON : EXERCISE_NODEJS;
	struct check_opts co = { .endpoint = st->cloud->endpoint,
				 .control = st->cloud->control,
				 .code_dir = sc->starters[lang].dir,
				 .lang = lang,
				 .access_key = who.key,
				 .secret_key = who.secret,
				 .scenario = CHECK_SETUP };
	if (ok) {
		check_run(sc, &co, r);
		ok = r->status != CHECK_ERROR;
		if (!ok)
			error_set(&err, "the setup failed: %s", r->error.msg);
		check_result_release(r);
	}
	if (ok && dir)
		ok = run_fix(st, &who, dir, &err);
	if (ok) {
		co.scenario = CHECK_STEPS;
		check_run(sc, &co, r);
	} else {
		r->status = CHECK_ERROR;
		r->error = err;
	}
	if (who.account[0])
		remove_learner(st, &who);
	return ok;
}

/* One run of a scenario: as broken (dir NULL), or with a right or a wrong fix. */
struct scenario_job {
	const struct exercise *sc;
	char *dir, *label, *fails;
	bool right;
};

/* Run job j in this process: whether it holds, and its TAP line's text. Caller frees. */
static char *scenario_job_run(const struct selftest *st, const struct scenario_job *j, bool *ok)
{
	struct check_result r;
	char *msg = NULL;
	run_scenario(st, j->sc, j->dir, &r);
	const struct check_task_result *t = NULL;
	if (j->fails)
		for (size_t k = 0; k < r.n_tasks; k++)
			if (strcmp(r.tasks[k].task->id, j->fails) == 0)
				t = &r.tasks[k];
	*ok = false;
	if (r.status == CHECK_ERROR) {
		msg = xasprintf("%s: %s", j->label, r.error.msg);
	} else if (!j->dir) {
		/* The broken application as set up must fail: a check that cannot fail proves
		 * nothing. */
		*ok = r.status == CHECK_FAIL;
		msg = xasprintf("%s %s (%lld ms)", j->label,
				*ok ? "fails" : "PASSES, but must fail", (long long)r.ms);
	} else if (j->right && r.status != CHECK_PASS) {
		const struct check_task_result *f = first_failure(&r);
		msg = xasprintf("%s must pass, but task '%s' failed: got %s; expected %s", j->label,
				f->task->id, f->got ? f->got : "?",
				f->expected ? f->expected : "?");
	} else if (j->right) {
		*ok = true;
		msg = xasprintf("%s passes (check %lld ms)", j->label, (long long)r.ms);
	} else if (t && !t->pass) {
		*ok = true;
		msg = xasprintf("%s fails on '%s' as expected: %s (%lld ms)", j->label, j->fails,
				t->got ? t->got : "", (long long)r.ms);
	} else {
		msg = xasprintf("%s should fail on task '%s', but it passed", j->label, j->fails);
	}
	check_result_release(&r);
	return msg;
}

/* One scenario's runs, one after the other: its buckets have the same names in every account,
 * and S3's names are global. */
struct scenario_group {
	struct scenario_job *jobs;
	size_t n;
};

static void scenario_group_run(struct selftest *st, void *arg)
{
	const struct scenario_group *sg = arg;
	for (size_t i = 0; i < sg->n; i++) {
		bool ok = false;
		char *msg = scenario_job_run(st, &sg->jobs[i], &ok);
		report(st, ok, "%s", msg);
		free(msg);
	}
}

/* Every run of every wanted scenario: as broken, each right fix, each wrong fix. */
static void test_scenarios(struct selftest *st, const struct exercise_set *set, const char **only,
			   size_t n_only, const char *root)
{
	struct scenario_job *jobs = NULL;
	size_t n_jobs = 0;
	for (size_t s = 0; s < set->n; s++) {
		const struct exercise *sc = set->v[s];
		bool wanted = n_only == 0;
		for (size_t k = 0; k < n_only; k++)
			wanted = wanted || strcmp(only[k], sc->id) == 0;
		if (!wanted)
			continue;
		char *sdir = xasprintf("%s/scenarios/%s", root, sc->id);
		size_t n = 0;
		char **sols = subdirs(sdir, &n);
		bool has_ref = false, has_wrong = false;
		jobs = xreallocarray(jobs, n_jobs + n + 1, sizeof(*jobs));
		jobs[n_jobs++] = (struct scenario_job){
			.sc = sc, .label = xasprintf("scenario %s: as broken", sc->id)
		};
		for (size_t i = 0; i < n; i++) {
			char *dir = path_join(sdir, sols[i]);
			char *label = xasprintf("scenario %s/%s", sc->id, sols[i]);
			cJSON *meta = read_meta(dir);
			const char *fails = str_of(meta, "fails", NULL);
			bool right = strcmp(sols[i], "reference") == 0 ||
				     strncmp(sols[i], "right-", 6) == 0;
			has_ref = has_ref || strcmp(sols[i], "reference") == 0;
			if (right || (strncmp(sols[i], "wrong-", 6) == 0 && fails &&
				      exercise_task(sc, fails))) {
				has_wrong = has_wrong || !right;
				jobs[n_jobs++] =
					(struct scenario_job){ .sc = sc,
							       .dir = dir,
							       .label = label,
							       .fails = right ? NULL
									      : xstrdup(fails),
							       .right = right };
				dir = label = NULL;
			} else if (strncmp(sols[i], "wrong-", 6) == 0) {
				has_wrong = true;
				report(st, false, "%s: .solution.json must name the task it fails",
				       label);
			} else {
				report(st, false,
				       "%s: a fix folder is 'reference', 'right-*' or 'wrong-*'",
				       label);
			}
			cJSON_Delete(meta);
			free(label);
			free(dir);
			free(sols[i]);
		}
		free(sols);
		if (!has_ref)
			report(st, false, "scenario %s has no reference fix in %s", sc->id, sdir);
		if (!has_wrong)
			report(st, false, "scenario %s has no known-wrong fix (wrong-*) in %s",
			       sc->id, sdir);
		free(sdir);
	}
	struct scenario_group *sgs = xcalloc(n_jobs + 1, sizeof(*sgs));
	struct group *gs = xcalloc(n_jobs + 1, sizeof(*gs));
	size_t ng = 0;
	for (size_t i = 0; i < n_jobs; i++) {
		if (i == 0 || jobs[i].sc != jobs[i - 1].sc) {
			sgs[ng].jobs = &jobs[i];
			gs[ng] = (struct group){ .run = scenario_group_run,
						 .arg = &sgs[ng],
						 .label = jobs[i].label };
			ng++;
		}
		sgs[ng - 1].n++;
	}
	groups_run(st, gs, ng);
	free(gs);
	free(sgs);
	for (size_t i = 0; i < n_jobs; i++) {
		free(jobs[i].dir);
		free(jobs[i].label);
		free(jobs[i].fails);
	}
	free(jobs);
}

static cJSON *read_meta(const char *dir)
{
	char *f = path_join(dir, ".solution.json");
	char *text = path_read_file(f, 1u << 16, NULL, NULL);
	free(f);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	free(text);
	return j ? j : cJSON_CreateObject();
}

/*
 * A solution holds only the files it changes: the exercise's starter in its language, with the
 * solution's folder copied over it, less the starter's files that .solution.json "removes"
 * (["layer/pricing.py"]: what the learner moved or deleted), in a scratch folder the caller
 * removes. NULL, with the reason in err, when it cannot be made.
 */
static char *overlay_solution(const struct exercise *ex, enum exercise_lang l, const char *dir,
			      const cJSON *meta, struct error *err)
{
	const struct exercise_starter *sc = &ex->starters[l];
	const cJSON *removes = cJSON_GetObjectItemCaseSensitive(meta, "removes");
	if (removes && !cJSON_IsArray(removes)) {
		error_set(err, ".solution.json: \"removes\" is a list of the starter's files");
		return NULL;
	}
	const cJSON *r;
	cJSON_ArrayForEach(r, removes)
	{
		if (!cJSON_IsString(r) || !path_is_safe_relative(r->valuestring)) {
			error_set(err,
				  ".solution.json: \"removes\" names files inside the starter, "
				  "not %s",
				  cJSON_IsString(r) ? r->valuestring : "a non-string");
			return NULL;
		}
		char *f = sc->present ? path_join(sc->dir, r->valuestring) : NULL;
		bool there = f && access(f, F_OK) == 0;
		free(f);
		if (!there) {
			error_set(err, ".solution.json removes %s, which the starter does not have",
				  r->valuestring);
			return NULL;
		}
	}
	const char *tmp = getenv("TMPDIR");
	char *scratch = xasprintf("%s/lt-solution.XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (!mkdtemp(scratch)) {
		error_set(err, "cannot make a scratch folder: %s", strerror(errno));
		free(scratch);
		return NULL;
	}
	char *cmd = sc->present ? xasprintf("cp -R '%s'/. '%s' && cp -R '%s'/. '%s'", sc->dir,
					    scratch, dir, scratch)
				: xasprintf("cp -R '%s'/. '%s'", dir, scratch);
	bool ok = !strchr(dir, '\'') && !(sc->present && strchr(sc->dir, '\'')) && system(cmd) == 0;
	free(cmd);
	if (!ok) {
		error_set(err, "cannot copy the solution %s over its starter", dir);
		path_remove_tree(scratch);
		free(scratch);
		return NULL;
	}
	cJSON_ArrayForEach(r, removes)
	{
		char *f = path_join(scratch, r->valuestring);
		char *own = path_join(dir, r->valuestring);
		/* A file the solution has again, moved back or rewritten, stays. */
		if (access(own, F_OK) != 0)
			path_remove_tree(f);
		free(own);
		free(f);
	}
	return scratch;
}

/* Every solution of ex in one language: the reference, other right ones (an exercise the
 * learner may solve two ways) and the known-wrong ones. */
static void test_exercise_lang(struct selftest *st, const struct exercise *ex, enum exercise_lang l,
			       const char *root)
{
	const char *lname = exercise_lang_name(l);
	char *ldir = xasprintf("%s/%s/%s", root, ex->id, lname);
	size_t n = 0;
	char **sols = subdirs(ldir, &n);
	bool has_ref = false, has_wrong = false;
	for (size_t i = 0; i < n; i++) {
		char *own = path_join(ldir, sols[i]);
		char *label = xasprintf("%s/%s/%s", ex->id, lname, sols[i]);
		cJSON *meta = read_meta(own);
		struct error err;
		error_clear(&err);
		char *dir = NULL;
		bool right =
			strcmp(sols[i], "reference") == 0 || strncmp(sols[i], "right-", 6) == 0;
		if (!right && strncmp(sols[i], "wrong-", 6) != 0)
			report(st, false,
			       "%s: a solution folder is 'reference', 'right-*' or 'wrong-*'",
			       label);
		else if (!(dir = overlay_solution(ex, l, own, meta, &err)))
			report(st, false, "%s: %s", label, err.msg);
		else if (right)
			test_reference(st, ex, l, dir, meta, label);
		else
			test_wrong(st, ex, l, dir, meta, label);
		has_ref = has_ref || strcmp(sols[i], "reference") == 0;
		has_wrong = has_wrong || strncmp(sols[i], "wrong-", 6) == 0;
		if (dir)
			path_remove_tree(dir);
		free(own);
		cJSON_Delete(meta);
		free(label);
		free(dir);
		free(sols[i]);
	}
	free(sols);
	if (!has_ref)
		report(st, false, "%s/%s has no reference solution in %s", ex->id, lname, ldir);
	if (!has_wrong)
		report(st, false, "%s/%s has no known-wrong solution (wrong-*) in %s", ex->id,
		       lname, ldir);
	free(ldir);
}

/*
 * One exercise's solutions in one language, one after the other. Different groups share
 * nothing: a code exercise's check makes a fresh account and draws its buckets' names, an
 * account exercise's solution is deployed to a fresh account and names its buckets by it.
 */
struct exercise_group {
	const struct exercise *ex;
	enum exercise_lang lang;
	const char *root;
	char *label;
};

static void exercise_group_run(struct selftest *st, void *arg)
{
	const struct exercise_group *eg = arg;
	test_exercise_lang(st, eg->ex, eg->lang, eg->root);
}

/* ---- the final project: each solution deployed as a learner would, scored by the rubric ---- */

/*
 * Deploy the final project's solution in dir (the reference with the folder's files over it;
 * "nodejs" a whole solution) to who's account as a learner would: src/ zipped to a bucket of
 * theirs, CodeUri pointed at it, `aws cloudformation deploy`. The copy is made in scratch.
 */
static bool project_deploy(const struct selftest *st, const struct learner *who,
			   const char *sol_root, const char *name, const char *scratch,
			   struct error *err)
{
	char *ref = xasprintf("%s/final-project/reference", sol_root);
	char *own = xasprintf("%s/final-project/%s", sol_root, name);
	char *cmd = strcmp(name, "nodejs") == 0 || strcmp(name, "reference") == 0
			    ? xasprintf("cp -R '%s'/. '%s'", own, scratch)
			    : xasprintf("cp -R '%s'/. '%s' && cp -R '%s'/. '%s'", ref, scratch, own,
					scratch);
	bool ok = !strchr(sol_root, '\'') && system(cmd) == 0;
	free(cmd);
	free(ref);
	free(own);
	if (!ok)
		return error_set(err, "cannot copy the solution %s", name);
	char *src = path_join(scratch, "src");
	size_t len = 0;
	void *zip = package_zip(src, &len, err);
	free(src);
	if (!zip)
		return false;
	struct lambda_client *c = client_new(st->cloud->endpoint, who->key, who->secret);
	char *bucket = xasprintf("/final-project-artifacts-%s", who->account);
	char *object = xasprintf("%s/code.zip", bucket);
	struct lambda_reply rep;
	memset(&rep, 0, sizeof(rep));
	ok = client_request(c, "PUT", bucket, NULL, NULL, NULL, 0, &rep) && rep.status / 100 == 2;
	if (ok) {
		client_reply_release(&rep);
		ok = client_request(c, "PUT", object, "application/zip", NULL, zip, len, &rep) &&
		     rep.status / 100 == 2;
	}
	if (!ok) {
		char *why = client_reply_error(&rep);
		error_set(err, "cannot upload the code: %s", why);
		free(why);
	}
	client_reply_release(&rep);
	client_free(c);
	free(zip);
	/* What `aws cloudformation package` writes: CodeUri at the uploaded zip. */
	char *tpl = path_join(scratch, "template.yaml");
	char *packaged = path_join(scratch, "packaged.yaml");
	cmd = xasprintf("sed 's|CodeUri: src/|CodeUri: s3:/%s|' '%s' > '%s'", object, tpl,
			packaged);
	ok = ok && system(cmd) == 0;
	free(cmd);
	free(tpl);
	if (ok) {
		cJSON *args = cJSON_CreateArray();
		const char *const words[] = { "cloudformation", "deploy",        "--template-file",
					      packaged,         "--stack-name",  PROJECT_STACK,
					      "--capabilities", "CAPABILITY_IAM" };
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			cJSON_AddItemToArray(args, cJSON_CreateString(words[i]));
		ok = run_aws(st->cloud->endpoint, who, scratch, scratch, args, err);
		cJSON_Delete(args);
	}
	free(packaged);
	free(bucket);
	free(object);
	return ok;
}

/* The rubric's JSON for the project in dir (PROJECT_ID under ws) in who's account, or NULL. */
static cJSON *project_score(const struct selftest *st, const struct learner *who,
			    const char *rubric_dir, const char *ws, struct error *err)
{
	struct check_cloud as = *st->cloud;
	snprintf(as.access_key, sizeof(as.access_key), "%s", who->key);
	snprintf(as.secret_key, sizeof(as.secret_key), "%s", who->secret);
	struct project_run run;
	if (!project_run_start(rubric_dir, ws, &as, &run, err))
		return NULL;
	struct strbuf out = STRBUF_INIT;
	char buf[4096];
	ssize_t got;
	while ((got = read(run.fd, buf, sizeof(buf))) != 0)
		if (got > 0)
			strbuf_add(&out, buf, (size_t)got);
		else if (errno != EINTR)
			break;
	cJSON *o = project_run_finish(&run, out.buf, err);
	strbuf_release(&out);
	return o;
}

/*
 * Why the run o is not what rubric r and the solution's .solution.json ({"loses": [CHECK...]};
 * none for the reference) say, or NULL: every check of rubric.yaml run in its order, and
 * exactly the named ones lost. Caller frees.
 */
static char *project_judge(const struct project_rubric *r, const cJSON *o, const cJSON *meta)
{
	const cJSON *crit = cJSON_GetObjectItemCaseSensitive(o, "criteria");
	struct strbuf lost = STRBUF_INIT;
	int n_lost = 0;
	for (size_t i = 0; i < r->n_criteria; i++) {
		const cJSON *c = cJSON_GetArrayItem(crit, (int)i);
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(c, "evidence");
		if (strcmp(str_of(c, "id", ""), r->criteria[i].id) != 0 ||
		    cJSON_GetArraySize(ev) != (int)r->criteria[i].n_checks) {
			strbuf_release(&lost);
			return xasprintf(
				"criterion %s: the rubric ran %d checks, rubric.yaml lists "
				"%zu",
				r->criteria[i].id, cJSON_GetArraySize(ev), r->criteria[i].n_checks);
		}
		for (size_t k = 0; k < r->criteria[i].n_checks; k++) {
			const cJSON *e = cJSON_GetArrayItem(ev, (int)k);
			if (strcmp(str_of(e, "check", ""), r->criteria[i].checks[k]) != 0) {
				strbuf_release(&lost);
				return xasprintf(
					"criterion %s: ran '%s' where rubric.yaml lists '%s'",
					r->criteria[i].id, str_of(e, "check", ""),
					r->criteria[i].checks[k]);
			}
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "pass")))
				continue;
			bool expected = false;
			const cJSON *l;
			cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(meta, "loses"))
			{
				expected |= cJSON_IsString(l) &&
					    strcmp(l->valuestring, r->criteria[i].checks[k]) == 0;
			}
			n_lost++;
			if (!expected)
				strbuf_addf(&lost, "%slost '%s': %s", lost.len ? "; " : "",
					    r->criteria[i].checks[k], str_of(e, "detail", ""));
		}
	}
	int want = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(meta, "loses"));
	if (!lost.len && n_lost != want)
		strbuf_addf(&lost, "lost %d checks, .solution.json names %d", n_lost, want);
	if (!lost.len) {
		strbuf_release(&lost);
		return NULL;
	}
	return strbuf_detach(&lost);
}

static void test_project(struct selftest *st, const char *course, const char *sol_root)
{
	char *dir = xasprintf("%s/final-project", sol_root);
	char *rubric_dir = project_dir(course);
	struct project_rubric r = { 0 };
	struct error err;
	error_clear(&err);
	size_t n = 0;
	char **names = path_is_dir(dir) ? subdirs(dir, &n) : NULL;
	if (!project_rubric_load(rubric_dir, &r, &err)) {
		report(st, false, "final-project: %s", err.msg);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char *label = xasprintf("final-project/%s", names[i]);
		char *sol = path_join(dir, names[i]);
		char *mods = xasprintf("%s/src/node_modules", sol);
		char *pkg = xasprintf("%s/src/package.json", sol);
		cJSON *meta = read_meta(sol);
		char ws[] = "/tmp/lt-selftest-project.XXXXXX";
		struct learner who = { "", "", "" };
		error_clear(&err);
		if (path_is_file(pkg) && !path_is_dir(mods)) {
			report(st, true,
			       "%s # SKIP its npm packages are not installed (npm ci "
			       "--omit=dev in its src/)",
			       label);
		} else if (!mkdtemp(ws)) {
			report(st, false, "%s: cannot make a scratch folder", label);
		} else {
			char *scratch = path_join(ws, PROJECT_ID);
			bool ok = mkdir(scratch, 0700) == 0 && new_learner(st, &who, &err) &&
				  project_deploy(st, &who, sol_root, names[i], scratch, &err);
			cJSON *o = ok ? project_score(st, &who, rubric_dir, ws, &err) : NULL;
			char *why = o ? project_judge(&r, o, meta) : NULL;
			if (!o)
				report(st, false, "%s: %s", label, err.msg);
			else if (why)
				report(st, false, "%s: %s", label, why);
			else
				report(st, true, "%s, deployed, scores %d of %d", label,
				       int_of(o, "points", 0), int_of(o, "max", 0));
			free(why);
			cJSON_Delete(o);
			if (who.account[0])
				remove_learner(st, &who);
			path_remove_tree(ws);
			free(scratch);
		}
		cJSON_Delete(meta);
		free(pkg);
		free(mods);
		free(sol);
		free(label);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	project_rubric_release(&r);
	free(rubric_dir);
	free(dir);
}

int cmd_selftest_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *root = NULL;
	int kinds = 7; /* 1 exercises, 2 scenarios, 4 the final project; any sum */
	const char **only = xcalloc((size_t)argc + 1, sizeof(*only));
	size_t n_only = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--solutions") == 0 && i + 1 < argc) {
			root = argv[++i];
		} else if (strcmp(argv[i], "--exercises") == 0) {
			kinds = 1;
		} else if (strcmp(argv[i], "--scenarios") == 0) {
			kinds = 2;
		} else if (strcmp(argv[i], "--project") == 0) {
			kinds = 4;
		} else if (argv[i][0] != '-') {
			only[n_only++] = argv[i];
		} else {
			cli_error("selftest: bad argument '%s'; see 'lambda-tutor selftest --help'",
				  argv[i]);
			free(only);
			return CLI_USAGE;
		}
	}
	struct exercise_ctx ctx;
	int rc = exercise_ctx_open(opts, NULL, &ctx);
	if (rc != CLI_OK) {
		free(only);
		return rc;
	}
	char *sol_root = root ? xstrdup(root) : path_join(LT_SOURCE_DIR, "tests/solutions");
	struct check_cloud cloud;
	struct error err;
	error_clear(&err);
	struct selftest st = { .cloud = &cloud, .out_fd = -1 };
	struct exercise_set *scenarios = NULL;
	struct diags sd = DIAGS_INIT;
	scenarios = scenario_set_load(ctx.course, &sd);
	diags_release(&sd);
	for (size_t i = 0; i < n_only; i++) {
		if (!exercise_find(ctx.set, only[i]) && !exercise_find(scenarios, only[i]) &&
		    strcmp(only[i], PROJECT_ID) != 0) {
			cli_error("selftest: no exercise or scenario '%s'", only[i]);
			rc = CLI_USAGE;
			goto out;
		}
	}
	if (!path_is_dir(sol_root)) {
		cli_error("selftest: no solutions folder '%s'; pass --solutions DIR", sol_root);
		rc = CLI_USAGE;
		goto out;
	}
	if (!exercise_cloud(ctx.ws, &cloud, &err)) {
		cli_print_error(&err);
		rc = CLI_USAGE;
		goto out;
	}
	size_t max = ctx.set->n * EXERCISE_LANG_COUNT + 1, ng = 0;
	struct exercise_group *egs = xcalloc(max, sizeof(*egs));
	struct group *gs = xcalloc(max, sizeof(*gs));
	for (size_t i = 0; i < ctx.set->n; i++) {
		const struct exercise *ex = ctx.set->v[i];
		bool wanted = n_only == 0;
		for (size_t k = 0; k < n_only; k++)
			wanted = wanted || strcmp(only[k], ex->id) == 0;
		for (int l = 0; wanted && (kinds & 1) && l < EXERCISE_LANG_COUNT; l++) {
			egs[ng] = (struct exercise_group){
				.ex = ex,
				.lang = (enum exercise_lang)l,
				.root = sol_root,
				.label = xasprintf("%s/%s", ex->id,
						   exercise_lang_name((enum exercise_lang)l)),
			};
			gs[ng] = (struct group){ .run = exercise_group_run,
						 .arg = &egs[ng],
						 .label = egs[ng].label };
			ng++;
		}
	}
	groups_run(&st, gs, ng);
	for (size_t i = 0; i < ng; i++)
		free(egs[i].label);
	free(gs);
	free(egs);
	if (kinds & 2)
		test_scenarios(&st, scenarios, only, n_only, sol_root);
	if ((kinds & 4) && (n_only == 0 || (n_only == 1 && strcmp(only[0], PROJECT_ID) == 0))) {
		char *course = cli_course_dir(opts);
		test_project(&st, course, sol_root);
		free(course);
	}
	printf("1..%d\n", st.n);
	if (st.failed)
		printf("# %d of %d self-tests failed\n", st.failed, st.n);
	rc = st.failed ? CLI_FAIL : CLI_OK;
out:
	exercise_set_free(scenarios);
	free(sol_root);
	free(only);
	exercise_ctx_close(&ctx);
	return rc;
}
