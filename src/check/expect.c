/*
 * Judging expectations: field lookup, ${...} substitution from the event and the invocation,
 * structural comparison and the one-line descriptions a report shows.
 */
#include "check/expect.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "course/exercise_expr.h"

/* Longest value shown in one line of a report. */
#define SHOW_MAX 300

bool expect_json_equal(const struct cJSON *a, const struct cJSON *b)
{
	if (!a || !b)
		return a == b;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return a->valuedouble == b->valuedouble;
	return cJSON_Compare(a, b, true);
}

bool expect_json_contains(const struct cJSON *got, const struct cJSON *want)
{
	if (!got || !want)
		return got == want;
	if (cJSON_IsObject(want)) {
		if (!cJSON_IsObject(got))
			return false;
		for (const cJSON *w = want->child; w; w = w->next) {
			const cJSON *g = cJSON_GetObjectItemCaseSensitive(got, w->string);
			if (!g || !expect_json_contains(g, w))
				return false;
		}
		return true;
	}
	if (cJSON_IsArray(want)) {
		if (!cJSON_IsArray(got) || cJSON_GetArraySize(got) != cJSON_GetArraySize(want))
			return false;
		const cJSON *g = got->child;
		for (const cJSON *w = want->child; w; w = w->next, g = g->next)
			if (!expect_json_contains(g, w))
				return false;
		return true;
	}
	return expect_json_equal(got, want);
}

/* Walk path ("a.b[0].c") from v. Borrowed result, NULL when absent. */
static const cJSON *walk(const cJSON *v, const char *path)
{
	char name[256];
	while (v && *path) {
		if (*path == '.') {
			path++;
			continue;
		}
		if (*path == '[') {
			char *end;
			long i = strtol(path + 1, &end, 10);
			if (*end != ']' || !cJSON_IsArray(v) || i < 0)
				return NULL;
			v = cJSON_GetArrayItem(v, (int)i);
			path = end + 1;
			continue;
		}
		size_t k = strcspn(path, ".[");
		if (k >= sizeof(name) || !cJSON_IsObject(v))
			return NULL;
		memcpy(name, path, k);
		name[k] = '\0';
		v = cJSON_GetObjectItemCaseSensitive(v, name);
		path += k;
	}
	return v;
}

/* The response's body: parsed when it is a JSON string. Caller deletes. */
static cJSON *body_of(const struct expect_subject *s)
{
	const cJSON *b = s->response ? cJSON_GetObjectItemCaseSensitive(s->response, "body") : NULL;
	if (!b)
		return NULL;
	if (cJSON_IsString(b)) {
		cJSON *parsed = cJSON_Parse(b->valuestring);
		return parsed ? parsed : cJSON_Duplicate(b, true);
	}
	return cJSON_Duplicate(b, true);
}

static cJSON *report_field(const struct expect_subject *s, const char *name)
{
	struct expect_report r;
	if (!expect_parse_report(s->log, &r, NULL, NULL))
		return NULL;
	double v = strcmp(name, "duration") == 0          ? r.duration
		   : strcmp(name, "billed_duration") == 0 ? r.billed_duration
		   : strcmp(name, "memory_size") == 0     ? r.memory_size
		   : strcmp(name, "max_memory_used") == 0 ? r.max_memory_used
		   : strcmp(name, "init_duration") == 0   ? r.init_duration
							  : -1;
	return v < 0 ? NULL : cJSON_CreateNumber(v);
}

cJSON *expect_field(const struct expect_subject *s, const char *field)
{
	size_t k = strcspn(field, ".[");
	const char *rest = field + k;
	if (strncmp(field, "response", k) == 0 && k == 8) {
		if (s->response) {
			const cJSON *v = walk(s->response, rest);
			return v ? cJSON_Duplicate(v, true) : NULL;
		}
		if (s->payload && !*rest)
			return cJSON_CreateString(s->payload);
		return NULL;
	}
	if (strncmp(field, "body", k) == 0 && k == 4) {
		cJSON *b = body_of(s);
		if (!b || !*rest)
			return b;
		const cJSON *v = walk(b, rest);
		cJSON *out = v ? cJSON_Duplicate(v, true) : NULL;
		cJSON_Delete(b);
		return out;
	}
	if (strncmp(field, "config", k) == 0 && k == 6) {
		const cJSON *v = s->config ? walk(s->config, rest) : NULL;
		return v ? cJSON_Duplicate(v, true) : NULL;
	}
	if (strncmp(field, "report", k) == 0 && k == 6)
		return *rest == '.' ? report_field(s, rest + 1) : NULL;
	if (strncmp(field, "error", k) == 0 && k == 5) {
		if (!s->function_error || !s->response || !*rest)
			return NULL;
		const char *key = strcmp(rest, ".type") == 0 ? "errorType" : "errorMessage";
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(s->response, key);
		return v ? cJSON_Duplicate(v, true) : NULL;
	}
	const cJSON *v = s->values ? walk(s->values, field) : NULL;
	return v ? cJSON_Duplicate(v, true) : NULL;
}

static bool resolve(void *ctx, const char *ref, struct expr_value *out, struct error *err)
{
	const struct expect_subject *s = ctx;
	memset(out, 0, sizeof(*out));
	if (strcmp(ref, "request_id") == 0 || strcmp(ref, "function") == 0) {
		const char *v = ref[0] == 'r' ? s->request_id : s->function;
		if (!v)
			return error_set(err, "no %s is known for this step", ref);
		out->str = xstrdup(v);
		return true;
	}
	const cJSON *v = NULL;
	if (strncmp(ref, "vars.", 5) == 0) {
		v = s->vars ? walk(s->vars, ref + 4) : NULL;
		if (!v || cJSON_IsNull(v))
			return error_set(err,
					 "'%s' has no value in this run: the step that saves it "
					 "found nothing there",
					 ref);
	} else {
		if (strncmp(ref, "event", 5) != 0 || !s->event)
			return error_set(err, "unknown reference '%s'", ref);
		v = walk(s->event, ref + 5);
		if (!v)
			return error_set(err, "'%s' is not in the event sent", ref);
	}
	if (cJSON_IsNumber(v)) {
		out->is_num = true;
		out->num = v->valuedouble;
	} else if (cJSON_IsString(v)) {
		out->str = xstrdup(v->valuestring);
	} else {
		out->str = cJSON_PrintUnformatted(v);
	}
	return true;
}

cJSON *expect_expand(const cJSON *v, const struct expect_subject *s, struct error *err)
{
	if (cJSON_IsString(v) && expr_has_template(v->valuestring)) {
		char whole[EXPR_MAX_LEN + 1];
		if (expr_whole(v->valuestring, whole, sizeof(whole))) {
			struct expr_value ev;
			if (!expr_eval(whole, resolve, (void *)s, &ev, err))
				return NULL;
			cJSON *out =
				ev.is_num ? cJSON_CreateNumber(ev.num) : cJSON_CreateString(ev.str);
			expr_value_release(&ev);
			return out;
		}
		char *text = expr_expand(v->valuestring, resolve, (void *)s, err);
		if (!text)
			return NULL;
		cJSON *out = cJSON_CreateString(text);
		free(text);
		return out;
	}
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		cJSON *out = cJSON_IsObject(v) ? cJSON_CreateObject() : cJSON_CreateArray();
		for (const cJSON *c = v->child; c; c = c->next) {
			cJSON *x = expect_expand(c, s, err);
			if (!x) {
				cJSON_Delete(out);
				return NULL;
			}
			if (cJSON_IsObject(v))
				cJSON_AddItemToObject(out, c->string, x);
			else
				cJSON_AddItemToArray(out, x);
		}
		return out;
	}
	return cJSON_Duplicate(v, true);
}

/* A value as one clipped line of JSON. */
static void show(struct strbuf *sb, const cJSON *v)
{
	if (!v) {
		strbuf_addstr(sb, "(absent)");
		return;
	}
	char *t = cJSON_PrintUnformatted(v);
	size_t n = strlen(t);
	if (n > SHOW_MAX) {
		strbuf_add(sb, t, SHOW_MAX);
		strbuf_addf(sb, "... (%zu bytes)", n);
	} else {
		strbuf_addstr(sb, t);
	}
	free(t);
}

static void show_text(struct strbuf *sb, const char *t)
{
	cJSON *s = cJSON_CreateString(t ? t : "");
	show(sb, s);
	cJSON_Delete(s);
}

static bool regex_search(const char *re, const char *text, struct strbuf *why)
{
	regex_t r;
	int rc = regcomp(&r, re, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[128];
		regerror(rc, &r, msg, sizeof(msg));
		strbuf_addf(why, " (bad pattern: %s)", msg);
		return false;
	}
	bool m = regexec(&r, text, 0, NULL, 0) == 0;
	regfree(&r);
	return m;
}

static const char *json_type(const cJSON *v)
{
	if (!v)
		return "absent";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return v->valuedouble == floor(v->valuedouble) ? "integer" : "number";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsObject(v))
		return "object";
	if (cJSON_IsArray(v))
		return "array";
	return "null";
}

static bool type_ok(const cJSON *v, const char *want)
{
	const char *t = json_type(v);
	if (strcmp(want, "number") == 0)
		return cJSON_IsNumber(v);
	return strcmp(t, want) == 0;
}

/* The expected value of a matcher, ${...} resolved. NULL and a note in want on failure. */
static cJSON *expected_value(const struct expect_matcher *m, const struct expect_subject *s,
			     struct strbuf *want)
{
	cJSON *raw = cJSON_Parse(m->value);
	if (!raw) {
		strbuf_addstr(want, "(the exercise's expected value is not JSON)");
		return NULL;
	}
	struct error err;
	error_clear(&err);
	cJSON *v = expect_expand(raw, s, &err);
	cJSON_Delete(raw);
	if (!v)
		strbuf_addf(want, "(cannot compute the expected value: %s)", err.msg);
	return v;
}

static bool judge_matcher(const struct exercise_expect *e, const struct expect_matcher *m,
			  const cJSON *got, const struct expect_subject *s, struct strbuf *want)
{
	if (want->len)
		strbuf_addstr(want, " and ");
	switch (m->op) {
	case EXPECT_ABSENT:
		strbuf_addstr(want, "absent");
		return got == NULL;
	case EXPECT_TYPE:
		strbuf_addf(want, "a%s %s", strchr("aeiou", m->value[0]) ? "n" : "", m->value);
		return type_ok(got, m->value);
	case EXPECT_MATCHES: {
		struct error err;
		error_clear(&err);
		char *re = expr_expand(m->value, resolve, (void *)s, &err);
		if (!re) {
			strbuf_addf(want, "(cannot compute the pattern: %s)", err.msg);
			return false;
		}
		strbuf_addf(want, "matching /%s/", re);
		bool ok = false;
		if (cJSON_IsString(got)) {
			ok = regex_search(re, got->valuestring, want);
		} else if (got) {
			/* A number, or an object or array as its compact JSON text. */
			char *t = cJSON_PrintUnformatted(got);
			ok = regex_search(re, t, want);
			free(t);
		}
		free(re);
		return ok;
	}
	case EXPECT_EQUALS:
	case EXPECT_NOT_EQUALS:
	case EXPECT_CONTAINS:
	case EXPECT_NEAR:
	case EXPECT_MIN:
	case EXPECT_MAX:
	case EXPECT_LENGTH:
		break;
	case EXPECT_OP_COUNT:
		abort();
	}
	cJSON *w = expected_value(m, s, want);
	if (!w)
		return false;
	bool ok = false;
	switch (m->op) {
	case EXPECT_EQUALS:
		strbuf_addstr(want, "equal to ");
		show(want, w);
		ok = expect_json_equal(got, w);
		break;
	case EXPECT_NOT_EQUALS:
		strbuf_addstr(want, "anything but ");
		show(want, w);
		ok = got && !expect_json_equal(got, w);
		break;
	case EXPECT_CONTAINS:
		strbuf_addstr(want, "containing ");
		show(want, w);
		ok = expect_json_contains(got, w);
		break;
	case EXPECT_NEAR:
	case EXPECT_MIN:
	case EXPECT_MAX:
	case EXPECT_LENGTH: {
		if (!cJSON_IsNumber(w)) {
			strbuf_addstr(want, "(the expected value is not a number)");
			break;
		}
		double x = w->valuedouble;
		if (m->op == EXPECT_LENGTH) {
			strbuf_addf(want, "of length %.10g", x);
			double n = cJSON_IsString(got) ? (double)strlen(got->valuestring)
				   : cJSON_IsArray(got) || cJSON_IsObject(got)
					   ? (double)cJSON_GetArraySize(got)
					   : -1;
			ok = n == x;
		} else if (m->op == EXPECT_NEAR) {
			double tol = e->tolerance > 0 ? e->tolerance : 1e-9;
			strbuf_addf(want, "%.10g (within %g)", x, tol);
			ok = cJSON_IsNumber(got) && fabs(got->valuedouble - x) <= tol;
		} else {
			strbuf_addf(want, "%s %.10g", m->op == EXPECT_MIN ? "at least" : "at most",
				    x);
			ok = cJSON_IsNumber(got) &&
			     (m->op == EXPECT_MIN ? got->valuedouble >= x : got->valuedouble <= x);
		}
		break;
	}
	default:
		abort();
	}
	cJSON_Delete(w);
	return ok;
}

int expect_log_count(const char *log, const char *re)
{
	regex_t r;
	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return -1;
	int found = 0;
	const char *p = log ? log : "";
	while (*p) {
		size_t n = strcspn(p, "\n");
		char *line = xstrndup(p, n);
		found += regexec(&r, line, 0, NULL, 0) == 0;
		free(line);
		p += n;
		if (*p)
			p++;
	}
	regfree(&r);
	return found;
}

static bool judge_error(const struct exercise_expect *e, const struct expect_subject *s,
			struct strbuf *got, struct strbuf *want)
{
	bool is_err = s->function_error != NULL;
	const cJSON *t = is_err && s->response
				 ? cJSON_GetObjectItemCaseSensitive(s->response, "errorType")
				 : NULL;
	const cJSON *m = is_err && s->response
				 ? cJSON_GetObjectItemCaseSensitive(s->response, "errorMessage")
				 : NULL;
	if (is_err) {
		strbuf_addf(got, "a function error (%s)", s->function_error);
		if (cJSON_IsString(t))
			strbuf_addf(got, " %s", t->valuestring);
		if (cJSON_IsString(m)) {
			strbuf_addstr(got, ": ");
			show_text(got, m->valuestring);
		}
	} else {
		strbuf_addstr(got, "a normal response, no function error");
	}
	if (!e->error) {
		strbuf_addstr(want, "no function error: the handler returns normally");
		return !is_err;
	}
	strbuf_addstr(want, "a function error");
	bool ok = is_err;
	if (e->error_type) {
		strbuf_addf(want, " with errorType matching /%s/", e->error_type);
		ok = ok && cJSON_IsString(t) && regex_search(e->error_type, t->valuestring, want);
	}
	if (e->error_message) {
		strbuf_addf(want, " with errorMessage matching /%s/", e->error_message);
		ok = ok && cJSON_IsString(m) &&
		     regex_search(e->error_message, m->valuestring, want);
	}
	return ok;
}

/* The configuration's fields in a learner's words. */
static const char *const config_words[][2] = {
	{ "MemorySize", "memory" },       { "Timeout", "timeout" },
	{ "Runtime", "runtime" },         { "Handler", "handler" },
	{ "FunctionName", "name" },       { "Architectures", "architecture" },
	{ "Environment", "environment" }, { NULL, NULL },
};

/* A field as the learner knows it: "the memory setting (MemorySize)", or the field itself. */
static void field_label(struct strbuf *sb, const char *field)
{
	if (strncmp(field, "config.", 7) == 0) {
		const char *name = field + 7;
		for (size_t i = 0; config_words[i][0]; i++) {
			size_t n = strlen(config_words[i][0]);
			if (strncmp(name, config_words[i][0], n) == 0 &&
			    (name[n] == '\0' || name[n] == '.')) {
				strbuf_addf(sb, "the function's %s setting (%s)",
					    config_words[i][1], name);
				return;
			}
		}
		strbuf_addf(sb, "the function's %s setting", name);
		return;
	}
	if (strncmp(field, "report.", 7) == 0) {
		strbuf_addf(sb, "the REPORT line's %s", field + 7);
		return;
	}
	strbuf_addstr(sb, field);
}

/* Whether a field is read from what the handler returned. */
static bool from_payload(const char *field)
{
	return strncmp(field, "response", 8) == 0 || strncmp(field, "body", 4) == 0;
}

bool expect_judge(const struct exercise_expect *e, const struct expect_subject *s,
		  struct strbuf *got, struct strbuf *want)
{
	if (s->call_error && !(e->kind == EXPECT_VALUE && e->field &&
			       strncmp(e->field, "config", 6) == 0 && s->config)) {
		strbuf_addstr(got, s->call_error);
		if (e->kind == EXPECT_VALUE && strncmp(e->field, "config", 6) == 0) {
			strbuf_addf(want, "a function named '%s' to read ", s->function);
			field_label(want, e->field);
			strbuf_addstr(want, " from");
		} else if (e->kind == EXPECT_VALUE && !from_payload(e->field) &&
			   strncmp(e->field, "report", 6) != 0) {
			strbuf_addstr(want, "something to look at: ");
			field_label(want, e->field);
		} else {
			strbuf_addstr(want, "an answer from your function to judge");
		}
		return false;
	}
	switch (e->kind) {
	case EXPECT_ERROR:
		return judge_error(e, s, got, want);
	case EXPECT_LOG: {
		struct error err;
		error_clear(&err);
		char *re = expr_expand(e->pattern, resolve, (void *)s, &err);
		if (!re) {
			strbuf_addf(want, "(cannot compute the pattern: %s)", err.msg);
			return false;
		}
		int n = expect_log_count(s->log, re);
		if (n < 0)
			strbuf_addstr(want, "(bad pattern) ");
		bool ok;
		if (e->log_counted) {
			strbuf_addf(want, "exactly %d log line%s matching /%s/", e->log_count,
				    e->log_count == 1 ? "" : "s", re);
			ok = n == e->log_count;
		} else {
			strbuf_addf(want, "%s log line matching /%s/", e->log_absent ? "no" : "a",
				    re);
			ok = (n > 0) != e->log_absent;
		}
		if (n <= 0)
			strbuf_addstr(got, "no log line matches");
		else
			strbuf_addf(got, "%d log line%s match%s", n, n == 1 ? "" : "s",
				    n == 1 ? "es" : "");
		free(re);
		return ok;
	}
	case EXPECT_VALUE: {
		cJSON *v = expect_field(s, e->field);
		field_label(want, e->field);
		strbuf_addstr(want, ": ");
		struct strbuf w = STRBUF_INIT;
		bool ok = true;
		for (size_t i = 0; i < e->n_matchers; i++)
			if (!judge_matcher(e, &e->matchers[i], v, s, &w))
				ok = false;
		strbuf_addstr(want, strbuf_str(&w));
		if (!ok && from_payload(e->field) && s->function_error && s->response) {
			/* The handler raised: what it raised says more than a missing field. */
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(s->response, "errorType");
			const cJSON *m =
				cJSON_GetObjectItemCaseSensitive(s->response, "errorMessage");
			strbuf_addf(got, "the handler raised %s instead of returning",
				    cJSON_IsString(t) ? t->valuestring : "an error");
			if (cJSON_IsString(m) && m->valuestring[0]) {
				strbuf_addstr(got, ": ");
				show_text(got, m->valuestring);
			}
		} else {
			field_label(got, e->field);
			strbuf_addstr(got, " = ");
			show(got, v);
		}
		strbuf_release(&w);
		cJSON_Delete(v);
		return ok;
	}
	}
	abort();
}

/* The number after "key: " in a REPORT line, -1 when absent. */
static double report_num(const char *line, size_t len, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; i + k < len; i++) {
		if (memcmp(line + i, key, k) == 0 && (i == 0 || line[i - 1] == '\t'))
			return strtod(line + i + k, NULL);
	}
	return -1;
}

bool expect_parse_report(const char *log, struct expect_report *out, const char **line, size_t *len)
{
	memset(out, 0, sizeof(*out));
	out->init_duration = -1;
	if (!log)
		return false;
	const char *p = log, *found = NULL;
	size_t flen = 0;
	while (*p) {
		size_t n = strcspn(p, "\n");
		if (n > 7 && strncmp(p, "REPORT ", 7) == 0) {
			found = p;
			flen = n;
		}
		p += n;
		if (*p)
			p++;
	}
	if (!found)
		return false;
	out->present = true;
	out->duration = report_num(found, flen, "Duration: ");
	out->billed_duration = report_num(found, flen, "Billed Duration: ");
	out->memory_size = report_num(found, flen, "Memory Size: ");
	out->max_memory_used = report_num(found, flen, "Max Memory Used: ");
	out->init_duration = report_num(found, flen, "Init Duration: ");
	if (line)
		*line = found;
	if (len)
		*len = flen;
	return true;
}
