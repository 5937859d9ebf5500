/*
 * The embedded metric format: the whole event is checked first, then its metrics are built;
 * nothing is added from an event that breaks a rule.
 */
#include "cloud/metrics/emf.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/metrics/metrics.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define MAX_DIMS        30
#define MAX_METRICS     100
#define MAX_VALUES      100
#define VALUE_MIN       8.515920e-109
#define VALUE_MAX       1.174271e+108
#define TWO_WEEKS_MS    (14LL * 86400000)
#define TWO_HOURS_MS    (2LL * 3600000)
#define NAME_MAX_CHARS  255
#define VALUE_MAX_CHARS 1024

static enum emf_result fail(char *why, size_t n, enum emf_result r, const char *fmt, ...)
	XALLOC_PRINTF(4, 5);
static enum emf_result fail(char *why, size_t n, enum emf_result r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (n)
		vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return r;
}

static bool name_ok(const cJSON *s, size_t max)
{
	return cJSON_IsString(s) && s->valuestring[0] && strlen(s->valuestring) <= max;
}

static bool value_ok(double v)
{
	double a = fabs(v);
	return isfinite(v) && (a == 0 || (a >= VALUE_MIN && a <= VALUE_MAX));
}

/* Check the metric value member named name: a number, or 1 to 100 numbers. */
static bool values_ok(const cJSON *root, const char *name, char *why, size_t n, int d, int k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
	if (!v) {
		snprintf(why, n,
			 "_aws.CloudWatchMetrics[%d].Metrics[%d]: the event has no member %s", d, k,
			 name);
		return false;
	}
	if (cJSON_IsNumber(v)) {
		if (value_ok(v->valuedouble))
			return true;
		snprintf(why, n, "%s: %g is outside CloudWatch's range of values", name,
			 v->valuedouble);
		return false;
	}
	int count = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
	if (count < 1 || count > MAX_VALUES) {
		snprintf(why, n, "%s: a metric's value is a number or an array of 1 to %d numbers",
			 name, MAX_VALUES);
		return false;
	}
	const cJSON *x;
	cJSON_ArrayForEach(x, v)
	{
		if (!cJSON_IsNumber(x) || !value_ok(x->valuedouble)) {
			snprintf(why, n, "%s: every value must be a number in CloudWatch's range",
				 name);
			return false;
		}
	}
	return true;
}

/* Check one directive (index d). */
static bool directive_ok(const cJSON *root, const cJSON *dir, int d, char *why, size_t n)
{
	if (!cJSON_IsObject(dir)) {
		snprintf(why, n, "_aws.CloudWatchMetrics[%d] is not an object", d);
		return false;
	}
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(dir, "Namespace");
	if (!name_ok(ns, NAME_MAX_CHARS)) {
		snprintf(why, n, "_aws.CloudWatchMetrics[%d].Namespace must be 1 to %d characters",
			 d, NAME_MAX_CHARS);
		return false;
	}
	if (strncmp(ns->valuestring, "AWS/", 4) == 0) {
		snprintf(why, n,
			 "_aws.CloudWatchMetrics[%d].Namespace %s: AWS/ namespaces are AWS's", d,
			 ns->valuestring);
		return false;
	}
	const cJSON *sets = cJSON_GetObjectItemCaseSensitive(dir, "Dimensions");
	if (!cJSON_IsArray(sets)) {
		snprintf(why, n, "_aws.CloudWatchMetrics[%d].Dimensions must be an array of arrays",
			 d);
		return false;
	}
	int s = 0;
	const cJSON *set;
	cJSON_ArrayForEach(set, sets)
	{
		if (!cJSON_IsArray(set) || cJSON_GetArraySize(set) > MAX_DIMS) {
			snprintf(why, n,
				 "_aws.CloudWatchMetrics[%d].Dimensions[%d] must be an array of at "
				 "most %d names",
				 d, s, MAX_DIMS);
			return false;
		}
		const cJSON *key;
		cJSON_ArrayForEach(key, set)
		{
			if (!name_ok(key, NAME_MAX_CHARS)) {
				snprintf(
					why, n,
					"_aws.CloudWatchMetrics[%d].Dimensions[%d]: a dimension is "
					"named by a string of 1 to %d characters",
					d, s, NAME_MAX_CHARS);
				return false;
			}
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key->valuestring);
			if (!name_ok(v, VALUE_MAX_CHARS)) {
				snprintf(why, n,
					 "dimension %s: the event's member %s must be a string of "
					 "1 to "
					 "%d characters",
					 key->valuestring, key->valuestring, VALUE_MAX_CHARS);
				return false;
			}
		}
		s++;
	}
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(dir, "Metrics");
	int count = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : -1;
	if (count < 0 || count > MAX_METRICS) {
		snprintf(
			why, n,
			"_aws.CloudWatchMetrics[%d].Metrics must be an array of at most %d metrics",
			d, MAX_METRICS);
		return false;
	}
	int k = 0;
	const cJSON *def;
	cJSON_ArrayForEach(def, list)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(def, "Name");
		const cJSON *unit = cJSON_GetObjectItemCaseSensitive(def, "Unit");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(def, "StorageResolution");
		if (!cJSON_IsObject(def) || !name_ok(name, NAME_MAX_CHARS)) {
			snprintf(why, n,
				 "_aws.CloudWatchMetrics[%d].Metrics[%d] needs a Name of 1 to %d "
				 "characters",
				 d, k, NAME_MAX_CHARS);
			return false;
		}
		if (unit && (!cJSON_IsString(unit) || !metrics_unit_known(unit->valuestring))) {
			snprintf(why, n, "metric %s: the Unit is not one of CloudWatch's units",
				 name->valuestring);
			return false;
		}
		if (res &&
		    (!cJSON_IsNumber(res) || (res->valuedouble != 1 && res->valuedouble != 60))) {
			snprintf(why, n, "metric %s: StorageResolution is 1 or 60",
				 name->valuestring);
			return false;
		}
		if (!values_ok(root, name->valuestring, why, n, d, k))
			return false;
		k++;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The canonical dimensions of one set: its names sorted, with the event's values. */
static char *dims_of(const cJSON *root, const cJSON *set)
{
	const char *names[MAX_DIMS], *values[MAX_DIMS];
	size_t k = 0;
	const cJSON *key;
	cJSON_ArrayForEach(key, set)
	{
		bool seen = false;
		for (size_t i = 0; i < k; i++)
			seen |= strcmp(names[i], key->valuestring) == 0;
		if (!seen)
			names[k++] = key->valuestring;
	}
	qsort(names, k, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < k; i++)
		values[i] = cJSON_GetObjectItemCaseSensitive(root, names[i])->valuestring;
	struct strbuf sb = STRBUF_INIT;
	metrics_dims_write(&sb, names, values, k);
	return strbuf_detach(&sb);
}

static void add_metric(struct emf_batch *b, const cJSON *root, const char *ns, const char *dims,
		       const cJSON *def, long long ts)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(def, "Name");
	const cJSON *unit = cJSON_GetObjectItemCaseSensitive(def, "Unit");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(def, "StorageResolution");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name->valuestring);
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->items = xrealloc(b->items, b->cap * sizeof(*b->items));
	}
	struct emf_metric *m = &b->items[b->n++];
	memset(m, 0, sizeof(*m));
	m->ns = xstrdup(ns);
	m->name = xstrdup(name->valuestring);
	m->dims = xstrdup(dims);
	snprintf(m->unit, sizeof(m->unit), "%s", unit ? unit->valuestring : "None");
	m->hires = res && res->valuedouble == 1;
	m->ts_ms = ts;
	if (cJSON_IsNumber(v)) {
		m->values = xmalloc(sizeof(double));
		m->values[0] = v->valuedouble;
		m->nvalues = 1;
	} else {
		m->nvalues = (size_t)cJSON_GetArraySize(v);
		m->values = xmalloc(m->nvalues * sizeof(double));
		size_t i = 0;
		const cJSON *x;
		cJSON_ArrayForEach(x, v)
		{
			m->values[i++] = x->valuedouble;
		}
	}
}

enum emf_result emf_parse(const char *msg, size_t len, long long now_ms, long long shift_ms,
			  struct emf_batch *out, char *why, size_t n)
{
	enum emf_result r = EMF_NONE;
	cJSON *root = NULL;
	memset(out, 0, sizeof(*out));
	if (n)
		why[0] = '\0';
	while (len && isspace((unsigned char)msg[len - 1]))
		len--;
	size_t start = 0;
	while (start < len && isspace((unsigned char)msg[start]))
		start++;
	if (start == len || msg[start] != '{')
		goto out;
	const char *end = NULL;
	root = cJSON_ParseWithLengthOpts(msg + start, len - start, &end, false);
	if (!root || end != msg + len) {
		/* Not JSON: EMF only if it tried to be (names "_aws"). */
		bool tried = false;
		for (size_t i = start; i + 6 <= len && !tried; i++)
			tried = memcmp(msg + i, "\"_aws\"", 6) == 0;
		if (tried)
			r = fail(why, n, EMF_PARSE, "not one JSON object%s",
				 root ? ": there is more after it" : "");
		goto out;
	}
	const cJSON *aws = cJSON_GetObjectItemCaseSensitive(root, "_aws");
	if (!cJSON_IsObject(root) || !aws)
		goto out;
	r = EMF_INVALID;
	if (!cJSON_IsObject(aws)) {
		fail(why, n, r, "_aws must be an object");
		goto out;
	}
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(aws, "Timestamp");
	if (!cJSON_IsNumber(ts) || !isfinite(ts->valuedouble) || ts->valuedouble < 0 ||
	    ts->valuedouble > 1e15) {
		fail(why, n, r, "_aws.Timestamp must be a number of milliseconds since the epoch");
		goto out;
	}
	long long at = (long long)ts->valuedouble + shift_ms;
	if (at < now_ms - TWO_WEEKS_MS || at > now_ms + TWO_HOURS_MS) {
		fail(why, n, r,
		     "_aws.Timestamp must be within the past two weeks and the next two hours");
		goto out;
	}
	const cJSON *dirs = cJSON_GetObjectItemCaseSensitive(aws, "CloudWatchMetrics");
	if (!cJSON_IsArray(dirs)) {
		fail(why, n, r, "_aws.CloudWatchMetrics must be an array of metric directives");
		goto out;
	}
	int d = 0;
	const cJSON *dir;
	cJSON_ArrayForEach(dir, dirs)
	{
		if (!directive_ok(root, dir, d++, why, n))
			goto out;
	}
	cJSON_ArrayForEach(dir, dirs)
	{
		const char *ns = cJSON_GetObjectItemCaseSensitive(dir, "Namespace")->valuestring;
		const cJSON *set, *def;
		cJSON_ArrayForEach(set, cJSON_GetObjectItemCaseSensitive(dir, "Dimensions"))
		{
			char *dims = dims_of(root, set);
			cJSON_ArrayForEach(def, cJSON_GetObjectItemCaseSensitive(dir, "Metrics"))
			{
				add_metric(out, root, ns, dims, def, at);
			}
			free(dims);
		}
	}
	r = EMF_OK;
out:
	cJSON_Delete(root);
	return r;
}

void emf_put(struct metrics *m, const char *account, const struct emf_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct emf_metric *x = &b->items[i];
		struct metric_ref ref = { account, x->ns, x->name, x->dims };
		for (size_t k = 0; k < x->nvalues; k++)
			metrics_add(m, &ref, x->unit, x->ts_ms, x->hires, x->values[k], 1);
	}
}

void emf_batch_release(struct emf_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->items[i].ns);
		free(b->items[i].name);
		free(b->items[i].dims);
		free(b->items[i].values);
	}
	free(b->items);
	memset(b, 0, sizeof(*b));
}
