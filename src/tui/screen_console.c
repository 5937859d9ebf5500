/*
 * The console screen. It speaks the Lambda REST API through aws/client.h, as the learner's
 * own AWS CLI would; the model (templates, validation, parsing) is check/console.c.
 * Code lives in <workspace>/console/<function>/ (a copy of the deployed package, fetched again
 * when the function's CodeSha256 is not the one last fetched or deployed from there, which
 * .deployed-sha256 in the folder records); saved test events in
 * <workspace>/console/.events/<function>/<template>.json. A save in the code folder is
 * deployed, as the console's Deploy button does. The Monitor reads the function's log group
 * through the Logs API, so invocations from anywhere (the aws CLI too) are listed.
 */
#include "tui/screen_console.h"

#include <cjson/cJSON.h>
#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/locate.h"
#include "check/check.h"
#include "check/console.h"
#include "check/tune.h"
#include "check/watch.h"
#include "check/workspace.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "tui/prompt.h"
#include "tui/theme.h"
#include "tui/utf8.h"

#define INVOCATIONS_MAX 20
#define LOG_TAIL        40
/* The Monitor reads the last events of the most recent streams, again every few seconds. */
#define STREAMS_MAX       5
#define EVENTS_PER_STREAM 200
#define MONITOR_EVERY_MS  2000
#define SHA_FILE          ".deployed-sha256"

enum cmode {
	C_LIST,
	C_DETAIL
};
enum cprompt {
	P_NONE,
	P_CREATE,
	P_MEMORY,
	P_TIMEOUT,
	P_ENV,
	P_ADD_FILE,
	P_TUNE,
	P_TEMPLATE,   /* one key: 1-6 */
	P_DELETE_FN,  /* one key: y */
	P_DELETE_FILE /* one key: y */
};

struct cline {
	char *text;
	int role;
};

/*
 * Power tuning runs on a thread of its own (a run of 6 sizes takes seconds), with a client of
 * its own; the screen reads its progress and, at the end, its report under mu.
 */
struct tune_job {
	pthread_mutex_t mu;
	pthread_t thread;
	bool running; /* started and not yet joined */
	bool done;
	volatile int cancel;
	char endpoint[128], key[64], secret[128];
	char fn[65];
	int sizes[TUNE_MAX_SIZES];
	size_t n_sizes;
	char *payload;
	char progress[160];
	char *text; /* the report, or why it stopped */
	int best;   /* the recommended size, 0 when it stopped */
};

static struct tune_job tj = { .mu = PTHREAD_MUTEX_INITIALIZER };

static struct {
	bool ready;
	char *ws;
	char endpoint[128];
	char access_key[64], secret_key[128];
	struct lambda_client *client;
	enum cmode mode;
	struct console_fn *fns;
	size_t n_fns, sel;
	struct console_fn cur;
	bool has_cur;
	char *result; /* the last test, as lines of text */
	char *event_id;
	enum cprompt prompt;
	struct prompt input;
	char *delete_name; /* the function P_DELETE_FN asks about */
	char **files;      /* the code folder's files, relative, sorted */
	size_t n_files, fsel;
	struct watch *watch; /* the code folder of the function shown */
	struct console_invocation inv[INVOCATIONS_MAX];
	size_t n_inv;
	struct console_log_event *log; /* the log group's last events */
	size_t n_log;
	bool has_group;
	struct console_series met[CONSOLE_METRICS]; /* the function's last periods */
	int window;                                 /* index into windows[] */
	bool has_met;
	char *alarms;  /* "NAME STATE" lines of the alarms that watch it */
	char *grants;  /* its least-privilege report's lines (console_grants_of()), or NULL */
	char *prov;    /* what its provisioned concurrency costs kept configured, a line each */
	char *aliases; /* its aliases and their weights, a line each */
	char *traces;  /* its last sampled traces as waterfalls (console_trace_waterfall()) */
	int64_t monitor_at;
	char *tune_text; /* the last power tuning's report, of tune_fn */
	char tune_fn[65];
	struct cline *lines;
	size_t n_lines;
	size_t top;
	int rows, cols;
} cs;

static void clear_lines(void)
{
	for (size_t i = 0; i < cs.n_lines; i++)
		free(cs.lines[i].text);
	free(cs.lines);
	cs.lines = NULL;
	cs.n_lines = 0;
}

static void clear_files(void)
{
	for (size_t i = 0; i < cs.n_files; i++)
		free(cs.files[i]);
	free(cs.files);
	cs.files = NULL;
	cs.n_files = 0;
}

static void clear_monitor(void)
{
	console_log_events_free(cs.log, cs.n_log);
	cs.log = NULL;
	cs.n_log = 0;
	cs.n_inv = 0;
	cs.has_group = false;
	cs.has_met = false;
	free(cs.alarms);
	cs.alarms = NULL;
	free(cs.grants);
	cs.grants = NULL;
	free(cs.prov);
	cs.prov = NULL;
	free(cs.aliases);
	cs.aliases = NULL;
	free(cs.traces);
	cs.traces = NULL;
}

static void tune_stop(void);

static void console_release(void)
{
	tune_stop();
	clear_lines();
	clear_files();
	clear_monitor();
	watch_close(cs.watch);
	free(cs.delete_name);
	console_fns_free(cs.fns, cs.n_fns);
	if (cs.has_cur)
		console_fn_release(&cs.cur);
	client_free(cs.client);
	free(cs.ws);
	free(cs.result);
	free(cs.event_id);
	free(cs.tune_text);
	memset(&cs, 0, sizeof(cs));
}

/* ---- power tuning, as `lambda-tutor tune` does it ---- */

static void tune_progress(void *arg, int memory, int done, int total)
{
	(void)arg;
	pthread_mutex_lock(&tj.mu);
	snprintf(tj.progress, sizeof(tj.progress), "%d MB: %s%d/%d calls", memory,
		 done ? "" : "warm-up, ", done, total);
	pthread_mutex_unlock(&tj.mu);
}

static void *tune_main(void *arg)
{
	(void)arg;
	client_cancel_on(&tj.cancel);
	struct lambda_client *c = client_new(tj.endpoint, tj.key, tj.secret);
	struct tune_opts o = { .function = tj.fn,
			       .memory = tj.sizes,
			       .n_memory = tj.n_sizes,
			       .payload = tj.payload,
			       .invocations = 5,
			       .strategy = TUNE_BALANCED,
			       .progress = tune_progress,
			       .cancel = &tj.cancel };
	struct tune_result r;
	struct error err;
	error_clear(&err);
	bool ok = tune_run(c, &o, &r, &err);
	char *text = ok ? tune_report(&r, &o) : xasprintf("Power tuning stopped: %s\n", err.msg);
	if (!ok && tj.cancel && r.copy[0]) {
		/* The calls gave up at the cancel, the copy's deletion too: delete it now. */
		client_cancel_on(NULL);
		struct lambda_reply d;
		client_delete_function(c, r.copy, &d);
		client_reply_release(&d);
	}
	client_free(c);
	pthread_mutex_lock(&tj.mu);
	tj.text = text;
	tj.best = ok ? r.points[r.best].memory : 0;
	tj.done = true;
	pthread_mutex_unlock(&tj.mu);
	return NULL;
}

/* Stop a run under way (its calls give up at once) and forget it. */
static void tune_stop(void)
{
	if (!tj.running)
		return;
	tj.cancel = 1;
	pthread_join(tj.thread, NULL);
	tj.running = false;
	free(tj.text);
	free(tj.payload);
	tj.text = tj.payload = NULL;
}

/* Start tuning the function shown, at the sizes in list ("" for Lambda Power Tuning's), with
 * the last test event as the payload ({} before any). */
static void tune_start(struct app *app, const char *list)
{
	if (tj.running) {
		app_error(app, "power tuning of %s is under way", tj.fn);
		return;
	}
	struct error err;
	error_clear(&err);
	size_t n = 0;
	if (!tune_parse_memory(list[0] ? list : TUNE_DEFAULT_MEMORY, tj.sizes, &n, &err)) {
		app_error(app, "%s", err.msg);
		return;
	}
	tj.n_sizes = n;
	tj.cancel = 0;
	tj.done = false;
	tj.best = 0;
	snprintf(tj.endpoint, sizeof(tj.endpoint), "%s", cs.endpoint);
	snprintf(tj.key, sizeof(tj.key), "%s", cs.access_key);
	snprintf(tj.secret, sizeof(tj.secret), "%s", cs.secret_key);
	snprintf(tj.fn, sizeof(tj.fn), "%s", cs.cur.name);
	snprintf(tj.progress, sizeof(tj.progress), "creating the copy %.59s-tune", cs.cur.name);
	char *file = xasprintf("%s/console/.events/%s/%s.json", cs.ws, cs.cur.name,
			       cs.event_id ? cs.event_id : console_templates[0].id);
	tj.payload = path_read_file(file, 256 * 1024, NULL, NULL);
	free(file);
	if (!tj.payload)
		tj.payload = xstrdup("{}");
	if (pthread_create(&tj.thread, NULL, tune_main, NULL) != 0) {
		app_error(app, "cannot start the tuning: %s", strerror(errno));
		free(tj.payload);
		tj.payload = NULL;
		return;
	}
	tj.running = true;
	free(cs.tune_text);
	cs.tune_text = NULL;
	snprintf(cs.tune_fn, sizeof(cs.tune_fn), "%s", cs.cur.name);
	app_status(app, "power tuning %s at %zu memory sizes, 5 calls each", cs.cur.name, n);
}

/* A finished run's report becomes the screen's; true when something changed. */
static bool tune_poll(struct app *app)
{
	if (!tj.running)
		return false;
	pthread_mutex_lock(&tj.mu);
	bool done = tj.done;
	pthread_mutex_unlock(&tj.mu);
	if (!done)
		return true; /* the progress line moves */
	pthread_join(tj.thread, NULL);
	tj.running = false;
	free(cs.tune_text);
	cs.tune_text = tj.text;
	tj.text = NULL;
	free(tj.payload);
	tj.payload = NULL;
	if (tj.best)
		app_status(app, "power tuning of %s done: %d MB recommended (m sets the memory)",
			   tj.fn, tj.best);
	else
		app_error(app, "power tuning of %s stopped", tj.fn);
	return true;
}

static void add(int role, const char *fmt, ...) XALLOC_PRINTF(2, 3);
static void add(int role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	/* One entry per line of text; wide lines are cropped when drawn. */
	const char *p = text;
	do {
		size_t n = strcspn(p, "\n");
		cs.lines = xreallocarray(cs.lines, cs.n_lines + 1, sizeof(*cs.lines));
		cs.lines[cs.n_lines].text = xstrndup(p, n);
		for (char *c = cs.lines[cs.n_lines].text; *c; c++)
			if (*c == '\t' || *c == '\r')
				*c = ' ';
		cs.lines[cs.n_lines].role = role;
		cs.n_lines++;
		p += n;
	} while (*p && *++p);
	free(text);
}

static bool refresh_list(struct app *app)
{
	struct lambda_reply rep;
	bool ok = client_list_functions(cs.client, &rep);
	if (ok) {
		console_fns_free(cs.fns, cs.n_fns);
		ok = console_parse_functions(rep.body, &cs.fns, &cs.n_fns);
	}
	if (!ok) {
		char *why = client_reply_error(&rep);
		app_error(app, "cannot list the functions: %s", why);
		free(why);
	}
	client_reply_release(&rep);
	if (cs.sel >= cs.n_fns)
		cs.sel = cs.n_fns ? cs.n_fns - 1 : 0;
	return ok;
}

static bool load_detail(struct app *app, const char *name)
{
	struct lambda_reply rep;
	bool ok = client_get_configuration(cs.client, name, &rep);
	if (ok) {
		if (cs.has_cur)
			console_fn_release(&cs.cur);
		cs.has_cur = console_parse_config(rep.body, &cs.cur);
		ok = cs.has_cur;
	}
	if (!ok) {
		char *why = client_reply_error(&rep);
		app_error(app, "cannot read %s: %s", name, why);
		free(why);
	}
	client_reply_release(&rep);
	return ok;
}

/* Code: the local copy of the deployed package */

static char *code_dir(const char *name)
{
	return xasprintf("%s/console/%s", cs.ws, name);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file under dir (hidden ones and __pycache__ left out, as in the package). */
static void list_into(const char *root, const char *rel, int depth)
{
	char *dir = rel[0] ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "__pycache__") == 0)
			continue;
		char *r = rel[0] ? path_join(rel, e->d_name) : xstrdup(e->d_name);
		char *full = path_join(root, r);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode) && depth < 8) {
			list_into(root, r, depth + 1);
			free(r);
		} else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			cs.files = xreallocarray(cs.files, cs.n_files + 1, sizeof(*cs.files));
			cs.files[cs.n_files++] = r;
		} else {
			free(r);
		}
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
}

static void list_files(void)
{
	clear_files();
	if (!cs.has_cur)
		return;
	char *dir = code_dir(cs.cur.name);
	list_into(dir, "", 0);
	free(dir);
	if (cs.n_files)
		qsort(cs.files, cs.n_files, sizeof(*cs.files), by_str);
	if (cs.fsel >= cs.n_files)
		cs.fsel = cs.n_files ? cs.n_files - 1 : 0;
}

static void write_sha(const char *dir, const char *sha)
{
	char *f = path_join(dir, SHA_FILE);
	path_write_file(f, sha, strlen(sha), 0644, NULL);
	free(f);
}

/*
 * Make the code folder the deployed package: fetch it when the folder was not fetched or
 * deployed from at the function's current CodeSha256 (the aws CLI deployed since, say). An
 * older copy is moved aside into <workspace>/console/.old/, never deleted.
 */
static bool sync_code(struct app *app)
{
	char *dir = code_dir(cs.cur.name);
	char *shaf = path_join(dir, SHA_FILE);
	char *have = path_read_file(shaf, 128, NULL, NULL);
	free(shaf);
	bool current = have && cs.cur.sha[0] && strcmp(have, cs.cur.sha) == 0;
	free(have);
	if (current) {
		free(dir);
		return true;
	}
	struct lambda_reply rep, zip;
	memset(&zip, 0, sizeof(zip));
	struct error err;
	error_clear(&err);
	bool ok = client_get_function(cs.client, cs.cur.name, &rep);
	char *aside = NULL;
	if (ok) {
		const char *loc = strstr(rep.body, "\"Location\":\"");
		char *url = loc ? xstrndup(loc + 12, strcspn(loc + 12, "\"")) : NULL;
		ok = url && client_fetch(cs.client, url, &zip);
		free(url);
		if (ok && path_is_dir(dir)) {
			char stamp[32];
			time_t now = time(NULL);
			struct tm tm;
			localtime_r(&now, &tm);
			strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
			char *old = xasprintf("%s/console/.old", cs.ws);
			aside = xasprintf("%s/%s-%s", old, cs.cur.name, stamp);
			for (int n = 2; path_is_dir(aside); n++) {
				free(aside);
				aside = xasprintf("%s/%s-%s-%d", old, cs.cur.name, stamp, n);
			}
			if (!path_mkdirs(old, 0755, &err) || rename(dir, aside) != 0) {
				if (!err.msg[0])
					error_set(&err, "cannot move %s aside: %s", dir,
						  strerror(errno));
				ok = false;
			}
			free(old);
		}
		ok = ok && package_unzip(zip.body, zip.len, dir, &err);
		if (ok)
			write_sha(dir, cs.cur.sha);
		else
			app_error(app, "cannot fetch the code of %s: %s", cs.cur.name,
				  err.msg[0] ? err.msg : "no package");
	} else {
		char *why = client_reply_error(&rep);
		app_error(app, "cannot read %s: %s", cs.cur.name, why);
		free(why);
	}
	if (ok && aside)
		app_status(app, "%s was deployed from elsewhere; the older copy is in %s",
			   cs.cur.name, aside);
	free(aside);
	client_reply_release(&rep);
	client_reply_release(&zip);
	free(dir);
	return ok;
}

/* Watch the shown function's code folder: a save there is deployed. */
static void watch_code(void)
{
	watch_close(cs.watch);
	cs.watch = NULL;
	if (!cs.has_cur)
		return;
	char *dir = code_dir(cs.cur.name);
	cs.watch = watch_open(dir, false);
	free(dir);
}

static void deploy_code(struct app *app)
{
	char *dir = code_dir(cs.cur.name);
	struct error err;
	error_clear(&err);
	size_t len = 0;
	void *zip = package_zip(dir, &len, &err);
	if (!zip) {
		app_error(app, "%s", err.msg);
		free(dir);
		return;
	}
	struct lambda_reply rep;
	if (client_update_code(cs.client, cs.cur.name, zip, len, &rep)) {
		struct console_fn f;
		if (console_parse_config(rep.body, &f)) {
			write_sha(dir, f.sha);
			console_fn_release(&f);
		}
		app_status(app, "deployed %s (%zu bytes zipped)", cs.cur.name, len);
	} else {
		char *why = client_reply_error(&rep);
		app_error(app, "UpdateFunctionCode failed: %s", why);
		free(why);
	}
	client_reply_release(&rep);
	free(zip);
	free(dir);
	load_detail(app, cs.cur.name);
	list_files();
}

/* Deploy when the code folder changed since the last look. */
static bool deploy_if_saved(struct app *app)
{
	if (!cs.watch || !cs.has_cur)
		return false;
	enum watch_event ev = watch_wait(cs.watch, 0, NULL);
	if (ev != WATCH_CHANGED)
		return false;
	deploy_code(app);
	return true;
}

/* Monitor: the log group, as `aws logs tail` reads it */

/* The Monitor's windows (w cycles): CONSOLE_MINUTES columns of a period each. */
static const struct {
	int period_s;
	const char *span, *column;
} windows[] = { { 60, "30 minutes", "a minute" },
		{ 360, "3 hours", "6 minutes" },
		{ 2880, "24 hours", "48 minutes" } };

#define TRACES_SHOWN 3 /* the newest sampled traces the Monitor draws */

/* The function's last sampled traces in the window (X-Ray's API), as waterfalls. */
static void load_traces(long long from_s, long long to_s)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddNumberToObject(req, "StartTime", (double)from_s);
	cJSON_AddNumberToObject(req, "EndTime", (double)to_s + 60);
	char *filter = xasprintf("service(\"%s\")", cs.cur.name);
	cJSON_AddStringToObject(req, "FilterExpression", filter);
	free(filter);
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	struct lambda_reply rep;
	bool ok = client_xray(cs.client, "/TraceSummaries", body, &rep);
	free(body);
	cJSON *sums = ok ? cJSON_Parse(rep.body) : NULL;
	client_reply_release(&rep);
	/* Summaries come oldest first: the last ones are the newest. */
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(sums, "TraceSummaries");
	int n = cJSON_GetArraySize(list);
	cJSON *ids = cJSON_CreateArray();
	for (int i = n > TRACES_SHOWN ? n - TRACES_SHOWN : 0; i < n; i++) {
		const char *id = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, i), "Id"));
		if (id)
			cJSON_AddItemToArray(ids, cJSON_CreateString(id));
	}
	cJSON_Delete(sums);
	if (cJSON_GetArraySize(ids) == 0) {
		cJSON_Delete(ids);
		cs.traces = ok ? xstrdup("") : NULL;
		return;
	}
	req = cJSON_CreateObject();
	cJSON_AddItemToObject(req, "TraceIds", ids);
	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (client_xray(cs.client, "/Traces", body, &rep)) {
		/* The traces an SQS batch's segment links to, for what sent them. */
		cJSON *linked_ids = console_trace_links(rep.body);
		struct lambda_reply linked = { 0 };
		bool have_linked = false;
		if (cJSON_GetArraySize(linked_ids) > 0) {
			cJSON *lreq = cJSON_CreateObject();
			cJSON_AddItemToObject(lreq, "TraceIds", linked_ids);
			linked_ids = NULL;
			char *lbody = cJSON_PrintUnformatted(lreq);
			cJSON_Delete(lreq);
			have_linked = client_xray(cs.client, "/Traces", lbody, &linked);
			free(lbody);
		}
		cJSON_Delete(linked_ids);
		cs.traces = console_trace_waterfall(rep.body, have_linked ? linked.body : NULL,
						    cs.cols > 95 ? cs.cols - 75 : 20);
		client_reply_release(&linked);
	}
	client_reply_release(&rep);
	free(body);
}

/*
 * The last events of the group's most recently written streams (GetLogEvents from the end,
 * as the console's Monitor and `aws logs tail` show the latest): bounded whatever the log's
 * size, so it can be read again every few seconds.
 */
static void load_monitor(void)
{
	clear_monitor();
	cs.monitor_at = clock_mono_ms();
	if (!cs.has_cur)
		return;
	char *body = console_streams_request(cs.cur.name, STREAMS_MAX);
	struct lambda_reply rep;
	char **streams = NULL;
	size_t n_streams = 0;
	bool ok = client_logs(cs.client, "DescribeLogStreams", body, &rep) &&
		  console_parse_streams(rep.body, &streams, &n_streams);
	free(body);
	client_reply_release(&rep);
	cs.has_group = ok;
	for (size_t i = 0; i < n_streams; i++) {
		body = console_stream_events_request(cs.cur.name, streams[i], EVENTS_PER_STREAM);
		char *next = NULL;
		if (client_logs(cs.client, "GetLogEvents", body, &rep))
			console_parse_log_events(rep.body, streams[i], &cs.log, &cs.n_log, &next);
		free(next);
		free(body);
		client_reply_release(&rep);
		free(streams[i]);
	}
	free(streams);
	console_log_events_sort(cs.log, cs.n_log);
	/*
	 * The metrics Lambda publishes for it, and the alarms on them (CloudWatch's API), up to
	 * the account's virtual clock, which stamps them: a check or the learner may have moved it
	 * ahead of the wall clock.
	 */
	int clock_code = 0;
	char *clock_body = NULL;
	struct error cerr;
	error_clear(&cerr);
	if (!cloud_control(cs.ws, "GET", "/_tutor/clock", &clock_code, &clock_body, &cerr) ||
	    clock_code != 200) {
		free(clock_body);
		clock_body = NULL;
	}
	long long now_s = console_clock_now_s(clock_body, (long long)time(NULL));
	free(clock_body);
	int period = windows[cs.window].period_s;
	body = console_metrics_request(cs.cur.name, now_s, period, cs.cur.memory,
				       strcmp(cs.cur.arch, "arm64") == 0);
	cs.has_met = client_cloudwatch(cs.client, "GetMetricData", body, &rep) &&
		     console_parse_metrics(rep.body, now_s, period, cs.met);
	free(body);
	client_reply_release(&rep);
	if (client_cloudwatch(cs.client, "DescribeAlarms", "{}", &rep))
		cs.alarms = console_alarms_of(rep.body, cs.cur.name);
	client_reply_release(&rep);
	/* Segments carry the times their senders read, the wall clock's (Lambda's as the SDKs'). */
	long long wall_s = (long long)time(NULL);
	load_traces(wall_s - (long long)period * CONSOLE_MINUTES, wall_s);
	/* Provisioned concurrency is charged while configured, not per invocation. */
	char *esc = client_escape(cs.cur.name, false);
	char *path = xasprintf("/2019-09-30/functions/%s/provisioned-concurrency?List=ALL", esc);
	if (client_request(cs.client, "GET", path, NULL, NULL, NULL, 0, &rep))
		cs.prov = console_provisioned_lines(rep.body, cs.cur.memory,
						    strcmp(cs.cur.arch, "arm64") == 0);
	client_reply_release(&rep);
	free(path);
	path = xasprintf("/2015-03-31/functions/%s/aliases", esc);
	if (client_request(cs.client, "GET", path, NULL, NULL, NULL, 0, &rep))
		cs.aliases = console_alias_lines(rep.body);
	client_reply_release(&rep);
	free(path);
	free(esc);
	cs.n_inv = console_invocations(cs.log, cs.n_log, strcmp(cs.cur.arch, "arm64") == 0, cs.inv,
				       INVOCATIONS_MAX);
	/* Which of them provisioned environments served: the cloud's records tell. */
	if (cs.prov && cs.prov[0]) {
		char *fn = client_escape(cs.cur.name, false);
		path = xasprintf("/_tutor/metrics?function=%s", fn);
		int code = 0;
		char *records = NULL;
		struct error rerr;
		error_clear(&rerr);
		if (cloud_control(cs.ws, "GET", path, &code, &records, &rerr) && code == 200)
			console_invocations_provisioned(cs.inv, cs.n_inv, records,
							strcmp(cs.cur.arch, "arm64") == 0);
		free(records);
		free(path);
		free(fn);
	}
	/* What its role was used for, from the cloud's least-privilege report. */
	path = xasprintf("/_tutor/iam/report/%s", cs.cur.name);
	int status = 0;
	char *report = NULL;
	struct error err;
	error_clear(&err);
	if (cloud_control(cs.ws, "GET", path, &status, &report, &err) && status == 200)
		cs.grants = console_grants_of(report);
	free(report);
	free(path);
}

static void clock_text(long long ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03lldZ", ms % 1000);
}

static void build_monitor(void)
{
	const struct console_fn *f = &cs.cur;
	add(TUI_H2, "Monitor: recent invocations (log group /aws/lambda/%s)", f->name);
	if (!cs.n_inv) {
		add(TUI_DIM, "  %s",
		    cs.has_group ? "no invocations in the log yet"
				 : "no log group yet: t runs a test, or aws lambda "
				   "invoke");
	} else {
		add(TUI_DIM, "  %-24s %-5s %10s %8s %11s %14s  %s", "time", "start", "duration",
		    "billed", "memory", "cost", "request id");
	}
	for (size_t i = 0; i < cs.n_inv; i++) {
		const struct console_invocation *v = &cs.inv[i];
		char when[32];
		clock_text(v->timestamp, when);
		add(TUI_NORMAL, "  %-24s %-5s %7.2f ms %5.0f ms %4d/%4d MB $%.10f  %s", when,
		    v->init >= 0     ? "cold"
		    : v->provisioned ? "prov"
				     : "warm",
		    v->duration, v->billed, v->used, v->memory, v->cost, v->request_id);
	}
	if (cs.aliases && cs.aliases[0]) {
		add(TUI_NORMAL, "%s", "");
		add(TUI_H2,
		    "Aliases of %s: where their traffic goes (a deployment moves the weights)",
		    f->name);
		for (const char *l = cs.aliases; *l;) {
			size_t n = strcspn(l, "\n");
			add(TUI_NORMAL, "  %.*s", (int)n, l);
			l += n + (l[n] == '\n');
		}
	}
	if (cs.prov && cs.prov[0]) {
		add(TUI_NORMAL, "%s", "");
		add(TUI_H2,
		    "Provisioned concurrency of %s: charged while configured, besides the "
		    "invocations above (those it served, start \"prov\", at its own rate)",
		    f->name);
		for (const char *l = cs.prov; *l;) {
			size_t n = strcspn(l, "\n");
			add(TUI_NORMAL, "  %.*s", (int)n, l);
			l += n + (l[n] == '\n');
		}
	}
	add(TUI_NORMAL, "%s", "");
	if (cs.has_met) {
		add(TUI_H2,
		    "Monitor: metrics of %s (AWS/Lambda, the last %s, one column %s, . for "
		    "none; w changes the window)",
		    f->name, windows[cs.window].span, windows[cs.window].column);
		for (size_t i = 0; i < CONSOLE_METRICS; i++) {
			char spark[CONSOLE_MINUTES * 3 + 1];
			double max;
			console_spark(&cs.met[i], spark, &max);
			if (i == CONSOLE_COST)
				add(TUI_NORMAL, "  %-22s %s  max $%.7f", console_metric_titles[i],
				    spark, max);
			else
				add(TUI_NORMAL, "  %-22s %s  max %g", console_metric_titles[i],
				    spark, max);
		}
		add(TUI_H2, "Alarms on %s", f->name);
		if (!cs.alarms || !cs.alarms[0])
			add(TUI_DIM, "  %s",
			    "none: aws cloudwatch put-metric-alarm ... --dimensions "
			    "Name=FunctionName,Value=<name>");
		for (const char *l = cs.alarms; l && *l;) {
			size_t n = strcspn(l, "\n");
			const char *sp = memchr(l, ' ', n);
			bool alarm = sp && (size_t)(l + n - sp - 1) == 5 &&
				     strncmp(sp + 1, "ALARM", 5) == 0;
			add(alarm ? TUI_NOTICE : TUI_NORMAL, "  %.*s", (int)n, l);
			l += n + (l[n] == '\n');
		}
	}
	/* Only when there are traces: an untraced function's Monitor keeps its length. */
	if (cs.traces && cs.traces[0]) {
		add(TUI_H2, "Traces of %s (X-Ray: the last %d sampled, newest first)", f->name,
		    TRACES_SHOWN);
		for (const char *l = cs.traces; *l;) {
			size_t n = strcspn(l, "\n");
			bool head = l[0] == '1' && l[1] == '-';
			bool bad = (n > 7 && memmem(l, n, "  fault", 7)) ||
				   (n > 7 && memmem(l, n, "  error", 7));
			add(bad ? TUI_NOTICE : head ? TUI_H2 : TUI_NORMAL, "  %.*s", (int)n, l);
			l += n + (l[n] == '\n');
		}
	}
	if (cs.grants) {
		add(TUI_H2,
		    "Permissions: what the role of %s was used for (lambda-tutor iam report)",
		    f->name);
		if (!cs.grants[0])
			add(TUI_DIM, "  %s", "no AWS call made with its role yet");
		for (const char *l = cs.grants; *l;) {
			size_t n = strcspn(l, "\n");
			bool bad = (n > 5 && memmem(l, n, " denied", 7)) ||
				   strncmp(l, "unused ", 7) == 0;
			add(bad ? TUI_NOTICE : TUI_NORMAL, "  %.*s", (int)n, l);
			l += n + (l[n] == '\n');
		}
	}
	if (!cs.n_log)
		return;
	add(TUI_NORMAL, "%s", "");
	size_t streams = 0;
	for (size_t i = 0; i < cs.n_log; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(cs.log[j].stream, cs.log[i].stream) == 0;
		streams += !seen;
	}
	add(TUI_H2, "Log stream%s (%zu; the last %zu events, as aws logs tail shows them)",
	    streams > 1 ? "s" : "", streams, cs.n_log < LOG_TAIL ? cs.n_log : (size_t)LOG_TAIL);
	for (size_t i = cs.n_log > LOG_TAIL ? cs.n_log - LOG_TAIL : 0; i < cs.n_log; i++) {
		const struct console_log_event *e = &cs.log[i];
		char when[32];
		clock_text(e->timestamp, when);
		size_t len = strlen(e->message);
		while (len && (e->message[len - 1] == '\n' || e->message[len - 1] == '\r'))
			len--;
		add(TUI_DIM, "  %s %s %.*s", when, e->stream, (int)len, e->message);
	}
}

static void build(void)
{
	clear_lines();
	if (cs.mode == C_LIST) {
		add(TUI_H2, "Functions (%zu)", cs.n_fns);
		add(TUI_DIM, "  %-32s %-12s %8s %8s  %s", "name", "runtime", "memory", "timeout",
		    "last modified");
		for (size_t i = 0; i < cs.n_fns; i++) {
			const struct console_fn *f = &cs.fns[i];
			add(i == cs.sel ? TUI_SELECTED : TUI_NORMAL,
			    "%s %-32s %-12s %5d MB %6d s  %.19s", i == cs.sel ? "▸" : " ", f->name,
			    f->runtime, f->memory, f->timeout, f->modified);
		}
		if (!cs.n_fns)
			add(TUI_NOTICE, "  No functions yet. c creates one, or: aws lambda "
					"create-function ...");
	} else if (cs.has_cur) {
		const struct console_fn *f = &cs.cur;
		add(TUI_H2, "Function: %s", f->name);
		add(TUI_NORMAL, "  runtime %s (%s) · handler %s · state %s", f->runtime, f->arch,
		    f->handler, f->state);
		add(TUI_NORMAL, "  memory %d MB · timeout %d s · code %lld bytes · modified %.19s",
		    f->memory, f->timeout, f->code_size, f->modified);
		add(TUI_NORMAL, "  environment %s", f->env);
		add(TUI_NORMAL, "%s", "");
		char *dir = code_dir(f->name);
		add(TUI_H2, "Code (%zu file%s in %s; a save there deploys)", cs.n_files,
		    cs.n_files == 1 ? "" : "s", dir);
		free(dir);
		for (size_t i = 0; i < cs.n_files; i++)
			add(i == cs.fsel ? TUI_SELECTED : TUI_NORMAL, "%s %s",
			    i == cs.fsel ? "▸" : " ", cs.files[i]);
		if (!cs.n_files)
			add(TUI_DIM, "  no files: a adds one");
		if (cs.result) {
			add(TUI_NORMAL, "%s", "");
			add(TUI_H2, "Test: %s", cs.event_id ? cs.event_id : "");
			add(TUI_NORMAL, "%s", cs.result);
		}
		if (tj.running && strcmp(tj.fn, f->name) == 0) {
			pthread_mutex_lock(&tj.mu);
			add(TUI_NORMAL, "%s", "");
			add(TUI_H2, "Power tuning: %s", tj.progress);
			pthread_mutex_unlock(&tj.mu);
		} else if (cs.tune_text && strcmp(cs.tune_fn, f->name) == 0) {
			add(TUI_NORMAL, "%s", "");
			add(TUI_H2, "Power tuning (P runs it again)");
			add(TUI_NORMAL, "%s", cs.tune_text);
		}
		add(TUI_NORMAL, "%s", "");
		build_monitor();
	}
	if (cs.prompt == P_TEMPLATE) {
		add(TUI_NORMAL, "%s", "");
		add(TUI_NOTICE,
		    "Test with which event? (saved per function; E edits the last one)");
		for (size_t i = 0; i < console_template_count; i++)
			add(TUI_NORMAL, "  %zu  %s", i + 1, console_templates[i].title);
	}
}

static void layout(struct app *app, int rows, int cols)
{
	cs.rows = rows;
	cs.cols = cols;
	build();
}

static const char *prompt_label(void)
{
	switch (cs.prompt) {
	case P_CREATE:
		return "New function (NAME [python|nodejs] [arm64] [PACKAGE.zip]): ";
	case P_MEMORY:
		return "Memory in MB (128-10240): ";
	case P_TIMEOUT:
		return "Timeout in seconds (1-900): ";
	case P_ENV:
		return "Environment variable (KEY=VALUE, KEY= removes): ";
	case P_ADD_FILE:
		return "New file (a path in the code folder): ";
	case P_TUNE:
		return "Power tuning at memory sizes (Enter for " TUNE_DEFAULT_MEMORY "): ";
	case P_TEMPLATE:
		return "Event 1-6: ";
	case P_DELETE_FN:
	case P_DELETE_FILE:
	case P_NONE:
		return "";
	}
	abort();
}

static void draw(const struct app *app, int rows, int cols)
{
	tui_title(app, cs.mode == C_LIST ? "Console: Lambda functions" : "Console: function",
		  cs.endpoint, cols);
	int avail = rows - 3;
	for (int r = 0; r < avail && cs.top + (size_t)r < cs.n_lines; r++) {
		const struct cline *l = &cs.lines[cs.top + (size_t)r];
		if (l->role == TUI_SELECTED)
			tui_fill(2 + r, 1, cols - 1, TUI_SELECTED);
		tui_put(2 + r, 2, l->text, cols - 4, l->role);
	}
	if (cs.prompt == P_DELETE_FN || cs.prompt == P_DELETE_FILE) {
		char q[400];
		if (cs.prompt == P_DELETE_FN)
			snprintf(q, sizeof(q),
				 "Delete the function %s? Its code, configuration and "
				 "versions go. y deletes, any other key keeps it.",
				 cs.delete_name);
		else
			snprintf(q, sizeof(q),
				 "Delete %s and deploy without it? y deletes, any other key "
				 "keeps it.",
				 cs.fsel < cs.n_files ? cs.files[cs.fsel] : "");
		tui_fill(rows - 1, 0, cols, TUI_STATUS);
		tui_put(rows - 1, 1, q, cols - 2, TUI_STATUS);
		return;
	}
	if (cs.prompt != P_NONE && cs.prompt != P_TEMPLATE) {
		tui_fill(rows - 1, 0, cols, TUI_STATUS);
		int w = tui_put(rows - 1, 1, prompt_label(), cols - 2, TUI_STATUS);
		tui_put(rows - 1, 1 + w, cs.input.buf, cols - 2 - w, TUI_STATUS);
		return;
	}
	tui_footer(app,
		   cs.mode == C_LIST
			   ? "↑↓ move · Enter open · c create · D delete · r refresh · q back"
			   : "↑↓ file · e edit · a add · d del file · t test · T again · E event · "
			     "m memory · o timeout · v env · P tune · D delete · q back",
		   rows, cols);
}

/* Run the editor on file; false (with the reason shown) when it failed. */
static bool run_editor(struct app *app, const char *file)
{
	const char *editor = getenv("VISUAL");
	if (!editor || !editor[0])
		editor = getenv("EDITOR");
	if (!editor || !editor[0])
		editor = "vi";
	def_prog_mode();
	endwin();
	struct sigaction ign = { 0 }, old_int;
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, file, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	bool waited = pid > 0 && waitpid(pid, &status, 0) == pid;
	sigaction(SIGINT, &old_int, NULL);
	reset_prog_mode();
	refresh();
	app->relayout = true;
	if (!waited || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		app_error(app, "the editor '%s' did not exit cleanly", editor);
		return false;
	}
	return true;
}

/* Open the selected file (or the handler's) in the editor; a save is deployed. */
static void edit_code(struct app *app)
{
	if (!sync_code(app)) {
		build();
		return;
	}
	list_files();
	char *dir = code_dir(cs.cur.name);
	char *file = NULL;
	if (cs.n_files) {
		file = path_join(dir, cs.files[cs.fsel]);
	} else {
		app_error(app, "the code folder %s has no files: a adds one", dir);
	}
	if (file && run_editor(app, file) && !deploy_if_saved(app))
		app_status(app, "%s was not changed; nothing deployed", cs.files[cs.fsel]);
	free(file);
	free(dir);
	list_files();
	build();
}

static void add_file(struct app *app, const char *rel)
{
	if (!rel[0] || !path_is_safe_relative(rel) || rel[0] == '.') {
		app_error(app, "'%s' is not a path inside the code folder", rel);
		return;
	}
	if (!sync_code(app))
		return;
	char *dir = code_dir(cs.cur.name);
	char *file = path_join(dir, rel);
	char *parent = path_dirname(file);
	struct error err;
	error_clear(&err);
	if (path_is_file(file) ||
	    (path_mkdirs(parent, 0755, &err) && path_write_file(file, "", 0, 0644, &err))) {
		list_files();
		for (size_t i = 0; i < cs.n_files; i++)
			if (strcmp(cs.files[i], rel) == 0)
				cs.fsel = i;
		run_editor(app, file);
		deploy_if_saved(app);
	} else {
		app_error(app, "%s", err.msg);
	}
	free(parent);
	free(file);
	free(dir);
	list_files();
}

static void delete_file(struct app *app)
{
	if (cs.fsel >= cs.n_files)
		return;
	char *dir = code_dir(cs.cur.name);
	char *file = path_join(dir, cs.files[cs.fsel]);
	if (unlink(file) != 0)
		app_error(app, "cannot delete %s: %s", file, strerror(errno));
	else
		deploy_code(app);
	/* The deploy is done: the watch's news of the deletion is old. */
	watch_wait(cs.watch, 0, NULL);
	free(file);
	free(dir);
	list_files();
}

static void open_function(struct app *app, const char *name)
{
	if (!load_detail(app, name))
		return;
	cs.mode = C_DETAIL;
	cs.top = 0;
	cs.fsel = 0;
	free(cs.result);
	cs.result = NULL;
	sync_code(app);
	list_files();
	for (size_t i = 0; i < cs.n_files; i++) {
		const char *dot = strrchr(cs.cur.handler, '.');
		size_t n = dot ? (size_t)(dot - cs.cur.handler) : 0;
		if (strncmp(cs.files[i], cs.cur.handler, n) == 0 && cs.files[i][n] == '.') {
			cs.fsel = i;
			break;
		}
	}
	watch_code();
	load_monitor();
}

static void delete_function(struct app *app, const char *name)
{
	struct lambda_reply rep;
	if (client_delete_function(cs.client, name, &rep)) {
		app_status(app, "deleted the function %s (its code folder is kept)", name);
		if (cs.mode == C_DETAIL) {
			cs.mode = C_LIST;
			cs.top = 0;
			watch_close(cs.watch);
			cs.watch = NULL;
		}
	} else {
		char *why = client_reply_error(&rep);
		app_error(app, "DeleteFunction failed: %s", why);
		free(why);
	}
	client_reply_release(&rep);
	refresh_list(app);
}

static void create(struct app *app, const char *line)
{
	/* NAME [LANG] [arm64|x86_64] [PACKAGE.zip]: after the language, either order. */
	char tok[4][512] = { "", "", "", "" };
	sscanf(line, "%511s %511s %511s %511s", tok[0], tok[1], tok[2], tok[3]);
	const char *name = tok[0], *lang_name = tok[1], *arch = NULL, *pkg = "";
	for (int i = 2; i < 4; i++) {
		if (strcmp(tok[i], "arm64") == 0 || strcmp(tok[i], "x86_64") == 0)
			arch = tok[i];
		else if (tok[i][0])
			pkg = tok[i];
	}
	char why[160];
	if (!console_valid_name(name, why, sizeof(why))) {
		app_error(app, "%s", why);
		return;
	}
	int lang = lang_name[0] ? exercise_lang_parse(lang_name) : workspace_language(cs.ws, NULL);
	if (lang < 0)
		lang = EXERCISE_PYTHON;
	char *dir = code_dir(name);
	char *file = path_join(dir, console_default_file((enum exercise_lang)lang));
	const char *code = console_default_code((enum exercise_lang)lang);
	struct error err;
	error_clear(&err);
	size_t len = 0;
	void *zip = NULL;
	if (pkg[0]) {
		/* A package of the learner's own: upload it as it is, keep a copy to edit. */
		zip = path_read_file(pkg, 50u * 1024 * 1024, &len, &err);
		if (zip && !package_unzip(zip, len, dir, &err)) {
			free(zip);
			zip = NULL;
		}
	} else if (path_mkdirs(dir, 0755, &err) &&
		   path_write_file(file, code, strlen(code), 0644, &err)) {
		zip = package_zip(dir, &len, &err);
	}
	if (!zip) {
		app_error(app, "%s", err.msg);
	} else {
		struct lambda_reply rep;
		if (client_create_function(cs.client, name,
					   console_default_runtime((enum exercise_lang)lang),
					   console_default_handler((enum exercise_lang)lang), arch,
					   128, 3, NULL, zip, len, &rep)) {
			struct console_fn f;
			if (console_parse_config(rep.body, &f)) {
				write_sha(dir, f.sha);
				console_fn_release(&f);
			}
			app_status(app, "created %s (%s); its code is in %s", name,
				   console_default_runtime((enum exercise_lang)lang), dir);
			refresh_list(app);
			open_function(app, name);
		} else {
			char *w = client_reply_error(&rep);
			app_error(app, "CreateFunction failed: %s", w);
			free(w);
		}
		client_reply_release(&rep);
	}
	free(zip);
	free(file);
	free(dir);
}

static char *event_file(const char *id)
{
	return xasprintf("%s/console/.events/%s/%s.json", cs.ws, cs.cur.name, id);
}

static void run_test(struct app *app, const char *id)
{
	char *file = event_file(id);
	if (!path_is_file(file)) {
		const struct console_template *t = &console_templates[0];
		for (size_t i = 0; i < console_template_count; i++)
			if (strcmp(console_templates[i].id, id) == 0)
				t = &console_templates[i];
		char *json = console_template_json(t);
		char *dir = path_dirname(file);
		struct error err;
		error_clear(&err);
		if (!path_mkdirs(dir, 0755, &err) ||
		    !path_write_file(file, json, strlen(json), 0644, &err))
			app_error(app, "%s", err.msg);
		free(dir);
		free(json);
	}
	char *event = path_read_file(file, 256 * 1024, NULL, NULL);
	free(file);
	if (!event) {
		app_error(app, "cannot read the saved event %s", id);
		return;
	}
	/* id may be cs.event_id itself (T tests again): copy before freeing. */
	char *keep = xstrdup(id);
	free(cs.event_id);
	cs.event_id = keep;
	struct lambda_reply rep;
	client_invoke(cs.client, cs.cur.name, event, &rep);
	free(event);
	struct strbuf sb = STRBUF_INIT;
	if (rep.status != 200) {
		char *why = client_reply_error(&rep);
		strbuf_addf(&sb, "The Invoke call failed: %s", why);
		free(why);
	} else {
		char *pretty = console_pretty(rep.body);
		strbuf_addf(&sb, "%s\n%s\n",
			    rep.function_error ? "Response (function error)" : "Response", pretty);
		free(pretty);
		if (rep.log)
			strbuf_addf(&sb, "Log output\n%s", rep.log);
	}
	client_reply_release(&rep);
	free(cs.result);
	cs.result = strbuf_detach(&sb);
	load_monitor();
	build();
	/* Show the test from its heading on. */
	for (size_t i = 0; i < cs.n_lines; i++) {
		if (strncmp(cs.lines[i].text, "Test: ", 6) == 0) {
			cs.top = i;
			break;
		}
	}
}

static void apply_prompt(struct app *app)
{
	char why[200] = "";
	char *text = xstrdup(cs.input.buf);
	enum cprompt p = cs.prompt;
	cs.prompt = P_NONE;
	prompt_clear(&cs.input);
	struct lambda_reply rep;
	memset(&rep, 0, sizeof(rep));
	bool called = false, ok = false;
	int v = 0;
	switch (p) {
	case P_CREATE:
		create(app, text);
		break;
	case P_ADD_FILE:
		add_file(app, text);
		break;
	case P_TUNE:
		tune_start(app, text);
		break;
	case P_MEMORY:
		if (console_valid_memory(text, &v, why, sizeof(why))) {
			called = true;
			ok = client_update_configuration(cs.client, cs.cur.name, v, 0, NULL, &rep);
		}
		break;
	case P_TIMEOUT:
		if (console_valid_timeout(text, &v, why, sizeof(why))) {
			called = true;
			ok = client_update_configuration(cs.client, cs.cur.name, 0, v, NULL, &rep);
		}
		break;
	case P_ENV: {
		char *env = console_env_apply(cs.cur.env, text, why, sizeof(why));
		if (env) {
			called = true;
			ok = client_update_configuration(cs.client, cs.cur.name, 0, 0, env, &rep);
		}
		free(env);
		break;
	}
	case P_TEMPLATE:
	case P_DELETE_FN:
	case P_DELETE_FILE:
	case P_NONE:
		break;
	}
	free(text);
	if (why[0])
		app_error(app, "%s", why);
	if (called) {
		if (ok) {
			app_status(app, "configuration of %s updated", cs.cur.name);
			load_detail(app, cs.cur.name);
		} else {
			char *w = client_reply_error(&rep);
			app_error(app, "UpdateFunctionConfiguration failed: %s", w);
			free(w);
		}
		client_reply_release(&rep);
	}
	build();
}

static enum input_result prompt_key(struct app *app, int key)
{
	if (cs.prompt == P_TEMPLATE) {
		cs.prompt = P_NONE;
		if (key >= '1' && key < '1' + (int)console_template_count)
			run_test(app, console_templates[key - '1'].id);
		build();
		return INPUT_HANDLED;
	}
	if (cs.prompt == P_DELETE_FN || cs.prompt == P_DELETE_FILE) {
		enum cprompt p = cs.prompt;
		cs.prompt = P_NONE;
		if (key != 'y' && key != 'Y')
			app_status(app, "nothing deleted");
		else if (p == P_DELETE_FN)
			delete_function(app, cs.delete_name);
		else
			delete_file(app);
		build();
		return INPUT_HANDLED;
	}
	switch (key) {
	case TUI_KEY_ESC:
		cs.prompt = P_NONE;
		prompt_clear(&cs.input);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		apply_prompt(app);
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		prompt_backspace(&cs.input);
		break;
	default: {
		long cp = tui_key_char(key);
		if (cp >= 0)
			prompt_insert(&cs.input, (uint32_t)cp);
	}
	}
	return INPUT_HANDLED;
}

static void start_prompt(enum cprompt p)
{
	cs.prompt = p;
	prompt_clear(&cs.input);
	build();
}

static enum input_result key(struct app *app, int k)
{
	if (cs.prompt != P_NONE)
		return prompt_key(app, k);
	size_t n = cs.n_lines;
	int avail = cs.rows - 3;
	switch (k) {
	case KEY_UP:
		if (cs.mode == C_LIST && cs.sel > 0)
			cs.sel--;
		else if (cs.mode == C_DETAIL && cs.fsel > 0)
			cs.fsel--;
		build();
		return INPUT_HANDLED;
	case KEY_DOWN:
		if (cs.mode == C_LIST && cs.sel + 1 < cs.n_fns)
			cs.sel++;
		else if (cs.mode == C_DETAIL && cs.fsel + 1 < cs.n_files)
			cs.fsel++;
		build();
		return INPUT_HANDLED;
	case 'k':
		if (cs.mode == C_LIST && cs.sel > 0)
			cs.sel--;
		else if (cs.mode == C_DETAIL && cs.top > 0)
			cs.top--;
		build();
		return INPUT_HANDLED;
	case 'j':
		if (cs.mode == C_LIST && cs.sel + 1 < cs.n_fns)
			cs.sel++;
		else if (cs.mode == C_DETAIL && cs.top + (size_t)avail < n)
			cs.top++;
		build();
		return INPUT_HANDLED;
	case KEY_NPAGE:
	case ' ':
		cs.top = cs.top + (size_t)avail < n ? cs.top + (size_t)avail - 1 : cs.top;
		return INPUT_HANDLED;
	case KEY_PPAGE:
		cs.top = cs.top > (size_t)avail ? cs.top - (size_t)avail + 1 : 0;
		return INPUT_HANDLED;
	case 'g':
	case KEY_HOME:
		cs.top = 0;
		return INPUT_HANDLED;
	case 'G':
	case KEY_END:
		cs.top = n > (size_t)avail ? n - (size_t)avail : 0;
		return INPUT_HANDLED;
	case 'M':
		/* The Monitor's metrics and alarms from their heading on. */
		for (size_t i = 0; cs.mode == C_DETAIL && i < cs.n_lines; i++) {
			if (strncmp(cs.lines[i].text, "Monitor: metrics", 16) == 0) {
				cs.top = i;
				break;
			}
		}
		return INPUT_HANDLED;
	case 'r':
		refresh_list(app);
		if (cs.mode == C_DETAIL && load_detail(app, cs.cur.name)) {
			sync_code(app);
			list_files();
			load_monitor();
		}
		build();
		return INPUT_HANDLED;
	case 'c':
		if (cs.mode == C_LIST)
			start_prompt(P_CREATE);
		return INPUT_HANDLED;
	case 'D':
		if ((cs.mode == C_LIST && cs.n_fns) || (cs.mode == C_DETAIL && cs.has_cur)) {
			free(cs.delete_name);
			cs.delete_name =
				xstrdup(cs.mode == C_LIST ? cs.fns[cs.sel].name : cs.cur.name);
			start_prompt(P_DELETE_FN);
		}
		return INPUT_HANDLED;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (cs.mode == C_LIST && cs.n_fns)
			open_function(app, cs.fns[cs.sel].name);
		else if (cs.mode == C_DETAIL)
			edit_code(app);
		build();
		return INPUT_HANDLED;
	case 'q':
	case TUI_KEY_ESC:
	case KEY_LEFT:
		if (cs.mode == C_DETAIL) {
			cs.mode = C_LIST;
			cs.top = 0;
			watch_close(cs.watch);
			cs.watch = NULL;
			refresh_list(app);
			build();
			return INPUT_HANDLED;
		}
		return INPUT_IGNORED;
	default:
		break;
	}
	if (cs.mode != C_DETAIL)
		return INPUT_IGNORED;
	switch (k) {
	case 't':
		start_prompt(P_TEMPLATE);
		return INPUT_HANDLED;
	case 'T':
		run_test(app, cs.event_id ? cs.event_id : console_templates[0].id);
		return INPUT_HANDLED;
	case 'E': {
		char *file = event_file(cs.event_id ? cs.event_id : console_templates[0].id);
		if (!path_is_file(file))
			run_test(app, cs.event_id ? cs.event_id : console_templates[0].id);
		run_editor(app, file);
		free(file);
		return INPUT_HANDLED;
	}
	case 'e':
		edit_code(app);
		return INPUT_HANDLED;
	case 'a':
		start_prompt(P_ADD_FILE);
		return INPUT_HANDLED;
	case 'd':
		if (cs.n_files)
			start_prompt(P_DELETE_FILE);
		return INPUT_HANDLED;
	case 'm':
		start_prompt(P_MEMORY);
		return INPUT_HANDLED;
	case 'o':
		start_prompt(P_TIMEOUT);
		return INPUT_HANDLED;
	case 'v':
		start_prompt(P_ENV);
		return INPUT_HANDLED;
	case 'P':
		start_prompt(P_TUNE);
		return INPUT_HANDLED;
	case 'w':
		cs.window = (cs.window + 1) % (int)(sizeof(windows) / sizeof(windows[0]));
		load_monitor();
		build();
		app_status(app, "the Monitor's metrics over the last %s", windows[cs.window].span);
		return INPUT_HANDLED;
	default:
		return INPUT_IGNORED;
	}
}

/* A save in the code folder deploys; the Monitor is read again every few seconds. */
static bool tick(struct app *app)
{
	bool tuned = tune_poll(app);
	if (cs.mode != C_DETAIL || !cs.has_cur || cs.prompt != P_NONE) {
		if (tuned)
			build();
		return tuned;
	}
	bool changed = deploy_if_saved(app) || tuned;
	if (clock_mono_ms() - cs.monitor_at >= MONITOR_EVERY_MS) {
		size_t before = cs.n_log;
		load_monitor();
		changed = changed || cs.n_log != before;
	}
	if (changed)
		build();
	return changed;
}

static int wake_fd(void)
{
	/* tick() reads the watch only then: otherwise a pending event would wake the loop for ever.
	 */
	return cs.mode == C_DETAIL && cs.has_cur && cs.prompt == P_NONE && cs.watch
		       ? watch_fd(cs.watch)
		       : -1;
}

bool screen_console_load(struct app *app, const char *ws, const struct check_cloud *cloud,
			 struct error *err)
{
	console_release();
	cs.ws = xstrdup(ws);
	snprintf(cs.endpoint, sizeof(cs.endpoint), "%s", cloud->endpoint);
	snprintf(cs.access_key, sizeof(cs.access_key), "%s", cloud->access_key);
	snprintf(cs.secret_key, sizeof(cs.secret_key), "%s", cloud->secret_key);
	cs.client = client_new(cloud->endpoint, cloud->access_key, cloud->secret_key);
	struct lambda_reply rep;
	bool ok = client_list_functions(cs.client, &rep);
	if (ok)
		ok = console_parse_functions(rep.body, &cs.fns, &cs.n_fns);
	if (!ok) {
		char *why = client_reply_error(&rep);
		error_set(err, "cannot list the functions: %s", why);
		free(why);
	}
	client_reply_release(&rep);
	cs.ready = ok;
	app->relayout = true;
	return ok;
}

static const struct tui_key_help console_keys[] = {
	{ "Enter", "open a function; on a function, edit the selected file" },
	{ "c", "create a function: the console's default code, or a zip package" },
	{ "D", "delete the function (asks first), as Actions > Delete" },
	{ "↑↓", "select a file of the function's code; j k scroll" },
	{ "e", "edit the selected file in $EDITOR; a save deploys, as Deploy does" },
	{ "a, d", "add a file (opened in $EDITOR), delete the selected one (asks)" },
	{ "t, T", "test with a saved event (from a template); again with the last one" },
	{ "E", "edit the last test event in $EDITOR" },
	{ "m, o, v", "memory, timeout, an environment variable" },
	{ "P", "power tuning: the function's copy run at each memory size with the last test "
	       "event, duration and cost plotted, a size recommended (lambda-tutor tune)" },
	{ "r", "refresh (the Monitor refreshes itself every few seconds)" },
	{ "M", "the Monitor's metrics (invocations, errors, throttles, duration p50/p99, "
	       "concurrency, cost) and the alarms on the function" },
	{ "w", "the Monitor's window: 30 minutes, 3 hours, 24 hours" },
	{ NULL, NULL },
};

const struct tui_screen screen_console = {
	.name = "console",
	.layout = layout,
	.draw = draw,
	.key = key,
	.tick = tick,
	.wake_fd = wake_fd,
	.release = console_release,
	.keys = console_keys,
};
