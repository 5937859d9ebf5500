#include "check/project.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/ynode.h"
#include "store/store.h"

char *project_dir(const char *course_root)
{
	char *dir = xasprintf("%s/../project/" PROJECT_ID, course_root);
	char *real = realpath(dir, NULL);
	if (real) {
		free(dir);
		dir = xstrdup(real);
		free(real);
	}
	return dir;
}

static char *str_or_empty(const struct ynode *map, const char *key)
{
	const char *s = ynode_str(ynode_get(map, key));
	return xstrdup(s ? s : "");
}

bool project_rubric_load(const char *dir, struct project_rubric *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	char *path = xasprintf("%s/rubric.yaml", dir);
	struct ynode *doc = ynode_load(path, err);
	bool ok = false;
	if (!doc)
		goto out;
	const struct ynode *cs = ynode_get(doc, "criteria");
	if (!cs || cs->kind != YNODE_SEQ || cs->n_items == 0) {
		error_set(err, "%s: no criteria", path);
		goto out;
	}
	out->dir = xstrdup(dir);
	out->title = str_or_empty(doc, "title");
	out->criteria = xcalloc(cs->n_items, sizeof(*out->criteria));
	for (size_t i = 0; i < cs->n_items; i++) {
		const struct ynode *c = cs->items[i];
		const struct ynode *checks = ynode_get(c, "checks");
		if (!ynode_str(ynode_get(c, "id")) || !checks || checks->kind != YNODE_SEQ) {
			error_set(err, "%s:%d: a criterion needs an id and its checks", path,
				  c->line);
			goto out;
		}
		struct project_criterion *pc = &out->criteria[out->n_criteria++];
		pc->id = str_or_empty(c, "id");
		pc->title = str_or_empty(c, "title");
		pc->review = str_or_empty(c, "review");
		pc->checks = xcalloc(checks->n_items ? checks->n_items : 1, sizeof(*pc->checks));
		for (size_t k = 0; k < checks->n_items; k++) {
			const char *s = ynode_str(checks->items[k]);
			pc->checks[pc->n_checks++] = xstrdup(s ? s : "");
		}
	}
	ok = true;
out:
	if (!ok)
		project_rubric_release(out);
	ynode_free(doc);
	free(path);
	return ok;
}

void project_rubric_release(struct project_rubric *r)
{
	for (size_t i = 0; i < r->n_criteria; i++) {
		struct project_criterion *c = &r->criteria[i];
		for (size_t k = 0; k < c->n_checks; k++)
			free(c->checks[k]);
		free(c->checks);
		free(c->id);
		free(c->title);
		free(c->review);
	}
	free(r->criteria);
	free(r->title);
	free(r->dir);
	memset(r, 0, sizeof(*r));
}

bool project_run_start(const char *dir, const char *ws, const struct check_cloud *cloud,
		       struct project_run *run, struct error *err)
{
	run->pid = -1;
	run->fd = -1;
	int p[2];
	if (pipe(p) != 0)
		return error_set(err, "project: cannot start the rubric: %s", strerror(errno));
	char *script = xasprintf("%s/rubric.py", dir);
	char *project = xasprintf("%s/" PROJECT_ID, ws);
	pid_t pid = fork();
	if (pid == 0) {
		/* Its own group, so that a cancel stops timeout and Python alike. */
		setpgid(0, 0);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		setenv("AWS_ENDPOINT_URL", cloud->endpoint, 1);
		setenv("AWS_ACCESS_KEY_ID", cloud->access_key, 1);
		setenv("AWS_SECRET_ACCESS_KEY", cloud->secret_key, 1);
		setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
		/* The settle control, the least-privilege report and the invocations' figures. */
		setenv("LAMBDA_TUTOR_CONTROL", cloud->control, 1);
		unsetenv("AWS_PROFILE");
		unsetenv("AWS_SESSION_TOKEN");
		/* Debian's Python: it has boto3 and Pillow (quickstart.sh installs both). */
		execlp("timeout", "timeout", "300", "/usr/bin/python3", script, project,
		       PROJECT_STACK, (char *)NULL);
		dprintf(STDOUT_FILENO, "{\"error\": \"cannot run timeout: %s\"}\n",
			strerror(errno));
		_exit(127);
	}
	int saved = errno;
	close(p[1]);
	free(script);
	free(project);
	if (pid < 0) {
		close(p[0]);
		return error_set(err, "project: cannot start the rubric: %s", strerror(saved));
	}
	setpgid(pid, pid); /* also here: the cancel may come before the child runs */
	run->pid = pid;
	run->fd = p[0];
	return true;
}

void project_run_cancel(struct project_run *run)
{
	if (run->pid > 0) {
		kill(-run->pid, SIGTERM);
		kill(run->pid, SIGTERM);
		while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (run->fd >= 0)
		close(run->fd);
	run->pid = -1;
	run->fd = -1;
}

/* The last line of out that starts with '{': where the rubric's JSON is. */
static const char *json_line(const char *out)
{
	const char *found = NULL;
	for (const char *l = out; l && *l;) {
		if (*l == '{')
			found = l;
		const char *nl = strchr(l, '\n');
		l = nl ? nl + 1 : NULL;
	}
	return found;
}

cJSON *project_run_finish(struct project_run *run, const char *out, struct error *err)
{
	int status = -1;
	if (run->pid > 0)
		while (waitpid(run->pid, &status, 0) < 0 && errno == EINTR)
			;
	if (run->fd >= 0)
		close(run->fd);
	run->pid = -1;
	run->fd = -1;
	const char *j = out ? json_line(out) : NULL;
	cJSON *o = j ? cJSON_Parse(j) : NULL;
	if (o && cJSON_GetObjectItemCaseSensitive(o, "criteria"))
		return o;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
	char *step = out ? project_run_step(out) : NULL;
	error_set(err, "the rubric could not run (status %d): %s",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		  cJSON_IsString(e) ? e->valuestring
		  : step            ? step
				    : "no output");
	free(step);
	cJSON_Delete(o);
	return NULL;
}

char *project_run_step(const char *out)
{
	const char *last = NULL, *end = NULL;
	for (const char *l = out; l && *l;) {
		const char *nl = strchr(l, '\n');
		const char *e = nl ? nl : l + strlen(l);
		if (*l != '{' && e > l) {
			last = l;
			end = e;
		}
		l = nl ? nl + 1 : NULL;
	}
	return last ? xstrndup(last, (size_t)(end - last)) : NULL;
}

static bool collect(const struct store_event *ev, void *ctx)
{
	struct project_standing *s = ctx;
	if (!ev->module || strcmp(ev->module, PROJECT_ID) != 0 || !ev->data)
		return true;
	bool rubric = strcmp(ev->kind, STORE_RUBRIC) == 0;
	if (!rubric && strcmp(ev->kind, STORE_REVIEW) != 0)
		return true;
	cJSON *o = cJSON_Parse(ev->data);
	if (!o)
		return true;
	if (rubric) {
		cJSON_Delete(s->rubric);
		s->rubric = o;
		s->rubric_ms = ev->at_ms;
		return true;
	}
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "criterion");
	if (cJSON_IsString(c)) {
		cJSON_AddNumberToObject(o, "at_ms", (double)ev->at_ms);
		cJSON_DeleteItemFromObjectCaseSensitive(s->reviews, c->valuestring);
		cJSON_AddItemToObject(s->reviews, c->valuestring, o);
	} else {
		cJSON_Delete(o);
	}
	return true;
}

bool project_standing_read(struct store *store, struct project_standing *s, struct error *err)
{
	project_standing_release(s);
	s->reviews = cJSON_CreateObject();
	return !store || store_each(store, NULL, collect, s, err);
}

void project_standing_release(struct project_standing *s)
{
	cJSON_Delete(s->rubric);
	cJSON_Delete(s->reviews);
	memset(s, 0, sizeof(*s));
}

const cJSON *project_run_criterion(const cJSON *rubric, const char *id)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rubric, "criteria"))
	{
		const cJSON *cid = cJSON_GetObjectItemCaseSensitive(c, "id");
		if (cJSON_IsString(cid) && strcmp(cid->valuestring, id) == 0)
			return c;
	}
	return NULL;
}

bool project_record_run(struct store *store, const cJSON *rubric, struct error *err)
{
	assert(store && rubric);
	char *data = cJSON_PrintUnformatted(rubric);
	struct store_event ev = {
		.kind = STORE_RUBRIC, .module = PROJECT_ID, .item = PROJECT_ID, .data = data
	};
	bool ok = store_append(store, &ev, err);
	free(data);
	return ok;
}
