/*
 * Judging one expectation against what an invocation returned: pure functions over cJSON, so
 * they are unit-tested without a cloud.
 *
 * Values are compared structurally: key order and whitespace never matter, 5 and 5.0 are the
 * same number. The field "body" is the response's body parsed as JSON when it is a JSON
 * string (API Gateway's shape), so "body.message" reaches inside it.
 */
#ifndef CHECK_EXPECT_H
#define CHECK_EXPECT_H

#include <stdbool.h>

#include "core/strbuf.h"
#include "course/exercise_load.h"

struct cJSON;

/* What a step produced; all borrowed. */
struct expect_subject {
	const struct cJSON *event;    /* the event sent, or NULL */
	const char *request_id;       /* or NULL */
	const char *function;         /* the function's name */
	const char *call_error;       /* the API call itself failed: why, or NULL */
	const char *payload;          /* raw payload returned, or NULL */
	const struct cJSON *response; /* payload parsed, or NULL when it is not JSON */
	const char *function_error;   /* X-Amz-Function-Error, or NULL */
	const char *log;              /* the log tail, or NULL */
	const char *report_line;      /* the REPORT line, or NULL */
	const struct cJSON *config;   /* GetFunctionConfiguration, or NULL */
	const struct cJSON *vars;     /* the run's ${vars.*}: an object, or NULL */
	/* What an observing step gave, by field root: {"status": 202, "object": ...,
	 * "keys": [...], "messages": [...], "invocations": 3}; NULL when nothing. */
	const struct cJSON *values;
};

/* Structural equality. */
bool expect_json_equal(const struct cJSON *a, const struct cJSON *b);
/* Every key and element of want is in got, recursively; arrays element by element. */
bool expect_json_contains(const struct cJSON *got, const struct cJSON *want);

/*
 * The value field names in s: a fresh cJSON (caller deletes), or NULL when absent.
 * "body" parses the response's body when it is a JSON string; a root that is not one of an
 * invocation's is looked up in s->values.
 */
struct cJSON *expect_field(const struct expect_subject *s, const char *field);

/*
 * Substitute ${...} in a JSON value: a string that is one whole ${expr} takes the value's
 * type. Returns a new value (caller deletes) or NULL with err.
 */
struct cJSON *expect_expand(const struct cJSON *v, const struct expect_subject *s,
			    struct error *err);

/* How many lines of log (the whole text when it has no newline) re matches; -1 when re is
 * not a valid pattern. */
int expect_log_count(const char *log, const char *re);

/*
 * Judge e against s. Returns whether it passed; got and want receive one line each
 * ("body.message = \"Hi\"", "body.message equals \"Hello, Ada!\"").
 */
bool expect_judge(const struct exercise_expect *e, const struct expect_subject *s,
		  struct strbuf *got, struct strbuf *want);

/* Parse the REPORT line of a log ("REPORT RequestId: ...\tDuration: 1.23 ms\t..."). */
struct expect_report {
	bool present;
	double duration, billed_duration, init_duration; /* init -1 when absent */
	double memory_size, max_memory_used;
};
bool expect_parse_report(const char *log, struct expect_report *out, const char **line,
			 size_t *len);

#endif
