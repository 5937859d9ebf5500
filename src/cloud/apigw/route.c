/*
 * API Gateway path templates and route keys.
 */
#include "cloud/apigw/route.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/front/front.h"
#include "cloud/svc/svc.h"
#include "core/xalloc.h"

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-';
}

bool apigw_part_valid(const char *seg, size_t len, bool *greedy)
{
	*greedy = false;
	if (len == 0)
		return false;
	if (seg[0] == '{') {
		if (len < 3 || seg[len - 1] != '}')
			return false;
		size_t end = len - 1;
		if (seg[end - 1] == '+') {
			*greedy = true;
			end--;
		}
		if (end <= 1)
			return false;
		for (size_t i = 1; i < end; i++)
			if (!name_char(seg[i]))
				return false;
		return true;
	}
	for (size_t i = 0; i < len; i++)
		if (!name_char(seg[i]) && seg[i] != ':' && seg[i] != '@' && seg[i] != '~')
			return false;
	return true;
}

bool apigw_path_valid(const char *tmpl)
{
	if (!tmpl || tmpl[0] != '/')
		return false;
	if (tmpl[1] == '\0')
		return true;
	const char *p = tmpl + 1;
	for (;;) {
		size_t len = strcspn(p, "/");
		bool greedy;
		if (!apigw_part_valid(p, len, &greedy))
			return false;
		if (greedy && p[len] != '\0')
			return false;
		if (p[len] == '\0')
			return true;
		p += len + 1;
	}
}

/* The next non-empty segment of *p: its start and length, *p moved past it; false at the end. */
static bool next_segment(const char **p, const char **seg, size_t *len)
{
	while (**p == '/')
		(*p)++;
	if (!**p)
		return false;
	*seg = *p;
	*len = strcspn(*p, "/");
	*p += *len;
	return true;
}

bool apigw_path_match(const char *tmpl, const char *path, cJSON *params, char rank[APIGW_RANK_MAX])
{
	const char *t = tmpl, *p = path;
	size_t r = 1;
	cJSON *found = cJSON_CreateObject();
	bool ok = true, greedy_seen = false;
	for (;;) {
		const char *ts, *ps;
		size_t tl, pl;
		bool have_t = next_segment(&t, &ts, &tl);
		if (!have_t) {
			/* The template ended: so must the path. */
			ok = !next_segment(&p, &ps, &pl);
			break;
		}
		if (r + 2 > APIGW_RANK_MAX || !next_segment(&p, &ps, &pl)) {
			ok = false;
			break;
		}
		if (ts[0] == '{' && tl >= 3 && ts[tl - 1] == '}') {
			bool greedy = ts[tl - 2] == '+';
			char *name = xstrndup(ts + 1, tl - (greedy ? 3 : 2));
			if (greedy) {
				/* The rest of the path, from this segment on, without a trailing
				 * '/'. */
				size_t rest = strlen(ps);
				while (rest > 0 && ps[rest - 1] == '/')
					rest--;
				char *v = xstrndup(ps, rest);
				cJSON_AddStringToObject(found, name, v);
				free(v);
				rank[r++] = '0';
				greedy_seen = true;
				free(name);
				ok = !next_segment(&t, &ts, &tl); /* greedy only last */
				break;
			}
			char *v = xstrndup(ps, pl);
			cJSON_AddStringToObject(found, name, v);
			free(v);
			free(name);
			rank[r++] = '1';
		} else if (tl == pl && memcmp(ts, ps, tl) == 0) {
			rank[r++] = '2';
		} else {
			ok = false;
			break;
		}
	}
	rank[0] = greedy_seen ? '0' : '1';
	rank[r] = '\0';
	if (ok && params) {
		cJSON *item;
		while ((item = found->child) != NULL) {
			cJSON_DetachItemViaPointer(found, item);
			cJSON_DeleteItemFromObjectCaseSensitive(params, item->string);
			cJSON_AddItemToObject(params, item->string, item);
		}
	}
	cJSON_Delete(found);
	if (!ok)
		rank[0] = '\0';
	return ok;
}

bool apigw_route_key_parse(const char *key, char method[8], const char **path)
{
	static const char *const methods[] = { "GET",    "POST", "PUT",     "PATCH",
					       "DELETE", "HEAD", "OPTIONS", "ANY" };
	method[0] = '\0';
	*path = NULL;
	if (!key)
		return false;
	if (strcmp(key, "$default") == 0)
		return true;
	size_t mlen = strcspn(key, " ");
	if (key[mlen] != ' ')
		return false;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strlen(methods[i]) == mlen && memcmp(methods[i], key, mlen) == 0) {
			if (!apigw_path_valid(key + mlen + 1))
				return false;
			memcpy(method, key, mlen);
			method[mlen] = '\0';
			*path = key + mlen + 1;
			return true;
		}
	}
	return false;
}

bool apigw_refuse_unhonoured(const cJSON *in, const char *op, const char *const *members,
			     struct aws_err *err)
{
	for (const char *const *m = members; *m; m++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, *m);
		bool empty = !v || cJSON_IsNull(v) || cJSON_IsFalse(v) ||
			     (cJSON_IsString(v) && !v->valuestring[0]) ||
			     ((cJSON_IsArray(v) || cJSON_IsObject(v)) && !v->child);
		if (!empty)
			return aws_err_set(
				err, 400, "BadRequestException",
				"The local cloud does not offer %s in %s yet; leave it out", *m,
				op);
	}
	return true;
}

char *apigw_proxy_function(const char *type, const char *uri, const cJSON *timeout,
			   const struct apigw_proxy_words *w, struct aws_err *err)
{
	char *fn = uri ? front_function_of_uri(uri) : NULL;
	if (!type)
		aws_err_set(err, 400, "BadRequestException", "%s", w->no_type);
	else if (strcmp(type, "AWS_PROXY") != 0)
		aws_err_set(err, 400, "BadRequestException",
			    "The local cloud serves AWS_PROXY integrations to Lambda functions, "
			    "not %s",
			    type);
	else if (!fn)
		aws_err_set(err, 400, "BadRequestException", "%s", w->bad_uri);
	else if (cJSON_IsNumber(timeout) &&
		 (timeout->valueint < 50 || timeout->valueint > w->max_timeout_ms))
		aws_err_set(err, 400, "BadRequestException", "%s", w->bad_timeout);
	else
		return fn;
	free(fn);
	return NULL;
}
