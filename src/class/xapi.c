/*
 * Interaction activities as xAPI 1.0.3 defines them (xAPI-Data 2.4.4.1, "Interaction
 * Activities"). Component ids are the option's index in the question's file, which is what a
 * recorded response names, so a response and its pattern compare as they are.
 */
#include "class/xapi.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "quiz/quiz.h"

#define FULL(f) ((f) >= 1 - 1e-9)

const char *xapi_interaction_type(const char *type)
{
	if (!type)
		return "other";
	if (!strcmp(type, "mc") || !strcmp(type, "mc_multi"))
		return "choice";
	if (!strcmp(type, "tf"))
		return "true-false";
	if (!strcmp(type, "short"))
		return "fill-in";
	if (!strcmp(type, "numeric"))
		return "numeric";
	if (!strcmp(type, "match"))
		return "matching";
	if (!strcmp(type, "order"))
		return "sequencing";
	return "other";
}

/* {"en-US": text} under key, without the trailing newline a YAML block leaves. */
static void add_lang(cJSON *o, const char *key, const char *text)
{
	if (!text)
		text = "";
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		n--;
	char *t = xstrndup(text, n);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, key), "en-US", t);
	free(t);
}

/* A component list entry: {"id": "<i>", "description": {"en-US": text}}. */
static void add_component(cJSON *list, size_t i, const char *text)
{
	cJSON *c = cJSON_CreateObject();
	char id[24];
	snprintf(id, sizeof id, "%zu", i);
	cJSON_AddStringToObject(c, "id", id);
	add_lang(c, "description", text);
	cJSON_AddItemToArray(list, c);
}

static void add_number(struct strbuf *sb, double v)
{
	char buf[40];
	snprintf(buf, sizeof buf, "%.12g", v); /* drops the float noise of a tolerance's bounds */
	strbuf_addstr(sb, buf);
}

/* Each full-mark answer's "min[:]max" (or the value when the tolerance is 0). */
static void numeric_patterns(cJSON *pat, const struct quiz_question *q)
{
	for (size_t i = 0; i < q->n_answers; i++) {
		const struct quiz_answer *a = &q->answers[i];
		if (a->any || !FULL(a->fraction))
			continue;
		double lo, hi;
		quiz_tolerance_interval(a, &lo, &hi);
		struct strbuf sb = STRBUF_INIT;
		if (a->tolerance == 0) {
			add_number(&sb, a->value);
		} else {
			add_number(&sb, lo);
			strbuf_addstr(&sb, "[:]");
			add_number(&sb, hi);
		}
		cJSON_AddItemToArray(pat, cJSON_CreateString(strbuf_str(&sb)));
		strbuf_release(&sb);
	}
}

/* A short answer's pattern without Moodle's wildcard escapes; "*" stays a wildcard. */
static void fill_in_patterns(cJSON *pat, const struct quiz_question *q)
{
	for (size_t i = 0; i < q->n_answers; i++) {
		if (!FULL(q->answers[i].fraction))
			continue;
		struct strbuf sb = STRBUF_INIT;
		if (q->case_sensitive)
			strbuf_addstr(&sb, "{case_matters=true}");
		for (const char *p = q->answers[i].text; *p; p++) {
			if (*p == '\\' && p[1] == '*')
				p++;
			strbuf_addch(&sb, *p);
		}
		cJSON_AddItemToArray(pat, cJSON_CreateString(strbuf_str(&sb)));
		strbuf_release(&sb);
	}
}

void xapi_define_question(cJSON *def, const struct quiz_question *q)
{
	const char *kind = xapi_interaction_type(quiz_type_name(q->type));
	add_lang(def, "description", q->text);
	cJSON_AddStringToObject(def, "interactionType", kind);
	cJSON *pat = cJSON_CreateArray();
	struct strbuf sb = STRBUF_INIT;
	switch (q->type) {
	case QUIZ_MC:
	case QUIZ_MC_MULTI: {
		cJSON *choices = cJSON_AddArrayToObject(def, "choices");
		for (size_t i = 0; i < q->n_answers; i++) {
			add_component(choices, i, q->answers[i].text);
			if (q->type == QUIZ_MC && FULL(q->answers[i].fraction)) {
				strbuf_reset(&sb);
				strbuf_addf(&sb, "%zu", i);
				cJSON_AddItemToArray(pat, cJSON_CreateString(strbuf_str(&sb)));
			} else if (q->type == QUIZ_MC_MULTI && q->answers[i].fraction > 0) {
				strbuf_addf(&sb, sb.len ? "[,]%zu" : "%zu", i);
			}
		}
		if (q->type == QUIZ_MC_MULTI && sb.len)
			cJSON_AddItemToArray(pat, cJSON_CreateString(strbuf_str(&sb)));
		break;
	}
	case QUIZ_TF:
		cJSON_AddItemToArray(pat,
				     cJSON_CreateString(q->n_answers && FULL(q->answers[0].fraction)
								? "true"
								: "false"));
		break;
	case QUIZ_NUMERIC:
		numeric_patterns(pat, q);
		break;
	case QUIZ_SHORT:
		fill_in_patterns(pat, q);
		break;
	case QUIZ_MATCH: {
		cJSON *source = cJSON_AddArrayToObject(def, "source");
		cJSON *target = cJSON_AddArrayToObject(def, "target");
		for (size_t i = 0; i < q->n_answers; i++) {
			add_component(source, i, q->answers[i].text);
			add_component(target, i, q->answers[i].match);
			strbuf_addf(&sb, i ? "[,]%zu[.]%zu" : "%zu[.]%zu", i, i);
		}
		for (size_t i = 0; i < q->n_distractors; i++)
			add_component(target, q->n_answers + i, q->distractors[i]);
		cJSON_AddItemToArray(pat, cJSON_CreateString(strbuf_str(&sb)));
		break;
	}
	case QUIZ_ORDER: {
		cJSON *choices = cJSON_AddArrayToObject(def, "choices");
		for (size_t i = 0; i < q->n_answers; i++) {
			add_component(choices, i, q->answers[i].text);
			strbuf_addf(&sb, i ? "[,]%zu" : "%zu", i);
		}
		cJSON_AddItemToArray(pat, cJSON_CreateString(strbuf_str(&sb)));
		break;
	}
	}
	strbuf_release(&sb);
	if (cJSON_GetArraySize(pat))
		cJSON_AddItemToObject(def, "correctResponsesPattern", pat);
	else
		cJSON_Delete(pat);
}

/* "a,b,c" with each comma as sep. */
static void join_list(struct strbuf *sb, const char *resp, const char *sep)
{
	for (const char *p = resp; *p; p++) {
		if (*p == ',')
			strbuf_addstr(sb, sep);
		else if (*p != ' ')
			strbuf_addch(sb, *p);
	}
}

static void numeric_response(struct strbuf *sb, const struct quiz_question *q, const char *resp)
{
	double x;
	const char *unit = "";
	if (!quiz_parse_number(resp, &x, &unit)) {
		strbuf_addstr(sb, resp);
		return;
	}
	for (size_t i = 0; q && *unit && i < q->n_units; i++)
		if (!strcmp(q->units[i].name, unit) && q->units[i].multiplier != 0) {
			x /= q->units[i].multiplier;
			unit = "";
		}
	if (*unit) {
		strbuf_addstr(sb, resp); /* a unit the question does not know: as typed */
		return;
	}
	add_number(sb, x);
}

char *xapi_response(const char *type, const struct quiz_question *q, const char *resp)
{
	const char *kind = xapi_interaction_type(q ? quiz_type_name(q->type) : type);
	struct strbuf sb = STRBUF_INIT;
	if (!resp)
		resp = "";
	if (!strcmp(kind, "choice") || !strcmp(kind, "sequencing")) {
		join_list(&sb, resp, "[,]");
	} else if (!strcmp(kind, "matching")) {
		/* For each item in order the chosen answer's index, "-" for none. */
		int item = 0;
		const char *p = resp;
		while (*p) {
			size_t len = strcspn(p, ",");
			if (len && !(len == 1 && *p == '-')) {
				if (sb.len)
					strbuf_addstr(&sb, "[,]");
				strbuf_addf(&sb, "%d[.]%.*s", item, (int)len, p);
			}
			item++;
			p += len;
			if (*p == ',')
				p++;
		}
	} else if (!strcmp(kind, "numeric")) {
		numeric_response(&sb, q, resp);
	} else {
		strbuf_addstr(&sb, resp);
	}
	return strbuf_detach(&sb);
}

char *xapi_define_performance(cJSON *def, const cJSON *tasks)
{
	cJSON_AddStringToObject(def, "interactionType", "performance");
	cJSON *steps = cJSON_CreateArray();
	struct strbuf pat = STRBUF_INIT, resp = STRBUF_INIT;
	const cJSON *t;
	cJSON_ArrayForEach(t, tasks)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "id");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(t, "text");
		if (!cJSON_IsString(id) || !id->valuestring[0])
			continue;
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "id", id->valuestring);
		add_lang(c, "description", cJSON_IsString(text) ? text->valuestring : "");
		cJSON_AddItemToArray(steps, c);
		const char *sep = pat.len ? "[,]" : "";
		strbuf_addf(&pat, "%s%s[.]pass", sep, id->valuestring);
		strbuf_addf(&resp, "%s%s[.]%s", sep, id->valuestring,
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "pass")) ? "pass"
										      : "fail");
	}
	if (cJSON_GetArraySize(steps)) {
		cJSON_AddItemToObject(def, "steps", steps);
		cJSON *p = cJSON_AddArrayToObject(def, "correctResponsesPattern");
		cJSON_AddItemToArray(p, cJSON_CreateString(strbuf_str(&pat)));
	} else {
		cJSON_Delete(steps);
	}
	strbuf_release(&pat);
	return strbuf_detach(&resp);
}
