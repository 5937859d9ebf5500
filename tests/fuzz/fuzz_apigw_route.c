/*
 * Fuzz API Gateway's parsers of outside input: route keys and path templates
 * (apigw_route_key_parse, apigw_path_valid, apigw_path_match) and the function answers the
 * front doors turn into responses (front_answer_v1, front_answer_v2, front_answer_alb).
 * The input is "ROUTE-KEY\nPATH\nANSWER". A valid template must match a path made from it
 * (variables filled in) and name every variable; a template must rank below itself with a
 * literal for a variable; every answer must come out as a status between 100 and 599.
 * Seeds are the route keys and answers the AWS documentation and the lessons show.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/apigw/route.h"
#include "cloud/front/front.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A path the template must match: each variable filled with "v" (greedy: "v/w"). */
static char *fill(const char *tmpl, int *vars)
{
	struct strbuf sb = STRBUF_INIT;
	*vars = 0;
	for (const char *p = tmpl; *p;) {
		if (*p == '{') {
			const char *end = strchr(p, '}');
			bool greedy = end && end > p && end[-1] == '+';
			strbuf_addstr(&sb, greedy ? "v/w" : "v");
			(*vars)++;
			p = end ? end + 1 : p + strlen(p);
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	char *out = strbuf_detach(&sb);
	strbuf_release(&sb);
	return out;
}

static void check_answer(const char *body, int which)
{
	struct front_outcome r = { .status = 200, .body = (char *)body };
	struct http_resp resp;
	http_resp_init(&resp);
	if (which == 0 || which == 4)
		front_answer_v1(&r, "Internal server error", which == 0, &resp);
	else if (which == 1)
		front_answer_v2(&r, &resp);
	else
		front_answer_alb(&r, which == 3, &resp);
	if (resp.status < 100 || resp.status > 599) {
		fprintf(stderr, "status %d for %s\n", resp.status, body);
		abort();
	}
	http_resp_release(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char *nl = strchr(text, '\n');
	char *path = NULL, *answer = NULL;
	if (nl) {
		*nl = '\0';
		path = nl + 1;
		char *nl2 = strchr(path, '\n');
		if (nl2) {
			*nl2 = '\0';
			answer = nl2 + 1;
		}
	}
	char method[8];
	const char *tmpl = NULL;
	bool parsed = apigw_route_key_parse(text, method, &tmpl);
	if (parsed && tmpl && !apigw_path_valid(tmpl))
		abort();
	if (!parsed && apigw_path_valid(text))
		tmpl = text; /* a bare template, as a REST resource's path */
	char rank[APIGW_RANK_MAX], rank2[APIGW_RANK_MAX];
	if (tmpl) {
		int vars = 0;
		char *filled = fill(tmpl, &vars);
		cJSON *params = cJSON_CreateObject();
		if (strlen(filled) < 60 && !apigw_path_match(tmpl, filled, params, rank)) {
			fprintf(stderr, "%s does not match %s\n", tmpl, filled);
			abort();
		}
		if (strlen(filled) < 60 && cJSON_GetArraySize(params) > vars)
			abort();
		free(filled);
		cJSON_Delete(params);
	}
	if (tmpl && path) {
		cJSON *params = cJSON_CreateObject();
		if (apigw_path_match(tmpl, path, params, rank)) {
			/* The path itself, as a literal template, is at least as specific. */
			if (apigw_path_valid(path) && !strchr(path, '{') &&
			    apigw_path_match(path, path, NULL, rank2) && strcmp(rank2, rank) < 0) {
				fprintf(stderr, "%s ranks over the literal %s\n", tmpl, path);
				abort();
			}
		}
		cJSON_Delete(params);
	}
	if (answer)
		for (int which = 0; which < 5; which++)
			check_answer(answer, which);
	free(text);
	return 0;
}
