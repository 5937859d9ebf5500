/*
 * The console screen. It speaks the Lambda REST API through check/client.h, as the learner's
 * own AWS CLI would; the model (templates, validation, parsing) is check/console.c.
 * Code lives in <workspace>/console/<function>/, saved test events in
 * <workspace>/console/.events/<function>/<template>.json.
 */
#include "tui/screen_console.h"

#include <curses.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check/client.h"
#include "check/console.h"
#include "check/expect.h"
#include "check/workspace.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "tui/prompt.h"
#include "tui/theme.h"
#include "tui/utf8.h"

#define RUNS_MAX 32
/* Lambda's price in us-east-1 (x86): per GB-second and per request. */
#define PRICE_GB_S    0.0000166667
#define PRICE_REQUEST 0.0000002

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
	P_TEMPLATE
};

struct run {
	char name[65];
	double duration, billed, init;
	int memory, used;
	bool error;
};

struct cline {
	char *text;
	int role;
};

static struct {
	bool ready;
	char *ws;
	char endpoint[128];
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
	struct run runs[RUNS_MAX];
	size_t n_runs;
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

static void console_release(void)
{
	clear_lines();
	console_fns_free(cs.fns, cs.n_fns);
	if (cs.has_cur)
		console_fn_release(&cs.cur);
	client_free(cs.client);
	free(cs.ws);
	free(cs.result);
	free(cs.event_id);
	memset(&cs, 0, sizeof(cs));
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
		if (cs.result) {
			add(TUI_NORMAL, "%s", "");
			add(TUI_H2, "Test: %s", cs.event_id ? cs.event_id : "");
			add(TUI_NORMAL, "%s", cs.result);
		}
		add(TUI_NORMAL, "%s", "");
		add(TUI_H2, "Monitor (tests run here)");
		size_t shown = 0;
		for (size_t i = cs.n_runs; i-- > 0;) {
			const struct run *r = &cs.runs[i];
			if (strcmp(r->name, f->name) != 0)
				continue;
			double cost = r->billed / 1000.0 * r->memory / 1024.0 * PRICE_GB_S +
				      PRICE_REQUEST;
			add(r->error ? TUI_MARKER : TUI_NORMAL,
			    "  %-5s %8.2f ms  billed %6.0f ms  %4d/%4d MB  $%.10f%s",
			    r->init >= 0 ? "cold" : "warm", r->duration, r->billed, r->used,
			    r->memory, cost, r->error ? "  error" : "");
			shown++;
		}
		if (!shown)
			add(TUI_DIM, "  no tests yet: t runs one");
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
	case P_TEMPLATE:
		return "Event 1-6: ";
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
	if (cs.prompt != P_NONE && cs.prompt != P_TEMPLATE) {
		tui_fill(rows - 1, 0, cols, TUI_STATUS);
		int w = tui_put(rows - 1, 1, prompt_label(), cols - 2, TUI_STATUS);
		tui_put(rows - 1, 1 + w, cs.input.buf, cols - 2 - w, TUI_STATUS);
		return;
	}
	tui_footer(
		app,
		cs.mode == C_LIST
			? "↑↓ move · Enter open · c create · r refresh · q back"
			: "t test · T again · E edit event · e edit code · m memory · o timeout · "
			  "v env · q back",
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
		app_error(app, "the editor '%s' did not exit cleanly; nothing was deployed",
			  editor);
		return false;
	}
	return true;
}

static char *code_dir(const char *name)
{
	return xasprintf("%s/console/%s", cs.ws, name);
}

static void deploy_code(struct app *app, const char *dir)
{
	struct error err;
	error_clear(&err);
	size_t len = 0;
	void *zip = package_zip(dir, &len, &err);
	if (!zip) {
		app_error(app, "%s", err.msg);
		return;
	}
	struct lambda_reply rep;
	if (client_update_code(cs.client, cs.cur.name, zip, len, &rep)) {
		app_status(app, "deployed %s (%zu bytes zipped)", cs.cur.name, len);
	} else {
		char *why = client_reply_error(&rep);
		app_error(app, "UpdateFunctionCode failed: %s", why);
		free(why);
	}
	client_reply_release(&rep);
	free(zip);
	load_detail(app, cs.cur.name);
}

/* Fetch the function's package into its code folder, when there is no copy yet. */
static bool fetch_code(struct app *app, const char *dir)
{
	if (path_is_dir(dir))
		return true;
	struct lambda_reply rep, zip;
	memset(&zip, 0, sizeof(zip));
	bool ok = client_get_function(cs.client, cs.cur.name, &rep);
	struct error err;
	error_clear(&err);
	if (ok) {
		const char *loc = strstr(rep.body, "\"Location\":\"");
		char *url = loc ? xstrndup(loc + 12, strcspn(loc + 12, "\"")) : NULL;
		ok = url && client_fetch(cs.client, url, &zip) &&
		     package_unzip(zip.body, zip.len, dir, &err);
		if (!ok)
			app_error(app, "cannot fetch the code of %s: %s", cs.cur.name,
				  err.msg[0] ? err.msg : "no package");
		free(url);
	} else {
		app_error(app, "cannot read %s", cs.cur.name);
	}
	client_reply_release(&rep);
	client_reply_release(&zip);
	return ok;
}

static void edit_code(struct app *app)
{
	char *dir = code_dir(cs.cur.name);
	if (fetch_code(app, dir)) {
		const char *dot = strrchr(cs.cur.handler, '.');
		char *mod = xstrndup(cs.cur.handler, dot ? (size_t)(dot - cs.cur.handler) : 0);
		const char *exts[] = { ".py", ".mjs", ".js", ".cjs", "" };
		char *file = NULL;
		for (size_t i = 0; i < 5 && !file; i++) {
			char *f = xasprintf("%s/%s%s", dir, mod, exts[i]);
			if (path_is_file(f))
				file = f;
			else
				free(f);
		}
		if (!file)
			app_error(app, "the handler's file %s.* is not in %s", mod, dir);
		else if (run_editor(app, file))
			deploy_code(app, dir);
		free(file);
		free(mod);
	}
	free(dir);
	build();
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
			app_status(app, "created %s (%s); its code is in %s", name,
				   console_default_runtime((enum exercise_lang)lang), dir);
			refresh_list(app);
			if (load_detail(app, name))
				cs.mode = C_DETAIL;
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
		const char *json = NULL;
		for (size_t i = 0; i < console_template_count; i++)
			if (strcmp(console_templates[i].id, id) == 0)
				json = console_templates[i].json;
		char *pretty = console_pretty(json ? json : "{}");
		char *dir = path_dirname(file);
		struct error err;
		error_clear(&err);
		if (!path_mkdirs(dir, 0755, &err) ||
		    !path_write_file(file, pretty, strlen(pretty), 0644, &err))
			app_error(app, "%s", err.msg);
		free(dir);
		free(pretty);
	}
	char *event = path_read_file(file, 256 * 1024, NULL, NULL);
	free(file);
	if (!event) {
		app_error(app, "cannot read the saved event %s", id);
		return;
	}
	free(cs.event_id);
	cs.event_id = xstrdup(id);
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
		struct expect_report r;
		if (expect_parse_report(rep.log, &r, NULL, NULL)) {
			if (cs.n_runs == RUNS_MAX) {
				memmove(cs.runs, cs.runs + 1, sizeof(cs.runs[0]) * (RUNS_MAX - 1));
				cs.n_runs--;
			}
			struct run *run = &cs.runs[cs.n_runs++];
			snprintf(run->name, sizeof(run->name), "%s", cs.cur.name);
			run->duration = r.duration;
			run->billed = r.billed_duration;
			run->init = r.init_duration;
			run->memory = (int)r.memory_size;
			run->used = (int)r.max_memory_used;
			run->error = rep.function_error != NULL;
		}
	}
	client_reply_release(&rep);
	free(cs.result);
	cs.result = strbuf_detach(&sb);
	build();
	cs.top = 5 < cs.n_lines ? 5 : 0;
}

static void apply_prompt(struct app *app)
{
	char why[200] = "";
	const char *text = cs.input.buf;
	struct lambda_reply rep;
	memset(&rep, 0, sizeof(rep));
	bool called = false, ok = false;
	int v = 0;
	switch (cs.prompt) {
	case P_CREATE:
		create(app, text);
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
	case P_NONE:
		break;
	}
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
	cs.prompt = P_NONE;
	prompt_clear(&cs.input);
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
	case 'k':
		if (cs.mode == C_LIST && cs.sel > 0)
			cs.sel--;
		else if (cs.mode == C_DETAIL && cs.top > 0)
			cs.top--;
		build();
		return INPUT_HANDLED;
	case KEY_DOWN:
	case 'j':
		if (cs.mode == C_LIST && cs.sel + 1 < cs.n_fns)
			cs.sel++;
		else if (cs.mode == C_DETAIL && cs.top + (size_t)avail < n)
			cs.top++;
		build();
		return INPUT_HANDLED;
	case KEY_NPAGE:
		cs.top = cs.top + (size_t)avail < n ? cs.top + (size_t)avail - 1 : cs.top;
		return INPUT_HANDLED;
	case KEY_PPAGE:
		cs.top = cs.top > (size_t)avail ? cs.top - (size_t)avail + 1 : 0;
		return INPUT_HANDLED;
	case 'r':
		refresh_list(app);
		if (cs.mode == C_DETAIL)
			load_detail(app, cs.cur.name);
		build();
		return INPUT_HANDLED;
	case 'c':
		if (cs.mode == C_LIST)
			start_prompt(P_CREATE);
		return INPUT_HANDLED;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (cs.mode == C_LIST && cs.n_fns && load_detail(app, cs.fns[cs.sel].name)) {
			cs.mode = C_DETAIL;
			cs.top = 0;
			free(cs.result);
			cs.result = NULL;
			build();
		}
		return INPUT_HANDLED;
	case 'q':
	case TUI_KEY_ESC:
	case KEY_LEFT:
		if (cs.mode == C_DETAIL) {
			cs.mode = C_LIST;
			cs.top = 0;
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
	case 'm':
		start_prompt(P_MEMORY);
		return INPUT_HANDLED;
	case 'o':
		start_prompt(P_TIMEOUT);
		return INPUT_HANDLED;
	case 'v':
		start_prompt(P_ENV);
		return INPUT_HANDLED;
	default:
		return INPUT_IGNORED;
	}
}

bool screen_console_load(struct app *app, const char *ws, const char *endpoint,
			 const char *access_key, struct error *err)
{
	console_release();
	cs.ws = xstrdup(ws);
	snprintf(cs.endpoint, sizeof(cs.endpoint), "%s", endpoint);
	cs.client = client_new(endpoint, access_key);
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
	{ "Enter", "open a function" },
	{ "c", "create a function: the console's default code, or a zip package" },
	{ "t, T", "test with a saved event (from a template); again with the last one" },
	{ "E", "edit the last test event in $EDITOR" },
	{ "e", "edit the code in $EDITOR; it is deployed when the editor exits" },
	{ "m, o, v", "memory, timeout, an environment variable" },
	{ "r", "refresh" },
	{ NULL, NULL },
};

const struct tui_screen screen_console = {
	.name = "console",
	.layout = layout,
	.draw = draw,
	.key = key,
	.release = console_release,
	.keys = console_keys,
};
