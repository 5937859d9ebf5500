/*
 * Exercises: one folder per exercise under a module's exercises/ folder, holding
 * exercise.yaml, a brief in Markdown and a starter per language (lessons/README.md documents
 * the format). A module lists its exercises by folder name under `exercises:` in module.yaml.
 *
 * An exercise declares tasks and check steps (deploy, inspect, invoke, and the steps that set
 * up and observe the services around a function: buckets, queues, notifications, objects,
 * messages, logs, the virtual clock); each expectation of a step belongs to a task. Values
 * drawn once per run (`vars:`) and values a step saves are shared by later steps as
 * ${vars.NAME}. Events and expected values are kept as JSON text, with random
 * generators ({"random": "int", ...}) and ${...} expressions left for the checker to resolve
 * at each run. Everything is linted here, located as "path:line:col: message".
 *
 * All strings are owned by the exercise and valid until exercise_free(). The checker and the
 * screens only borrow.
 */
#ifndef COURSE_EXERCISE_LOAD_H
#define COURSE_EXERCISE_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "course/course.h"

enum exercise_kind {
	EXERCISE_CODE,     /* the learner's code, deployed to a fresh account per run */
	EXERCISE_ACCOUNT,  /* what the learner built in their own account: inspected, never changed
			    */
	EXERCISE_SCENARIO, /* a troubleshooting scenario: its `setup` builds and breaks an
			    * application in the learner's own account; its steps check the fix */
};

enum exercise_lang {
	EXERCISE_PYTHON,
	EXERCISE_NODEJS,
	EXERCISE_LANG_COUNT
};

struct exercise_task {
	char *id;
	char *text;
	char *why; /* why it matters: one sentence shown beside a failure */
	int line, col;
};

struct exercise_starter {
	bool present;
	char *dir;    /* absolute folder the files are copied from */
	char **files; /* relative to dir; files[0] is the one the editor opens */
	size_t n_files;
	char *handler; /* "lambda_function.lambda_handler" */
	char *runtime; /* "python3.12" */
};

enum expect_kind {
	EXPECT_ERROR, /* function error or not, its type and message */
	EXPECT_VALUE, /* a value of the result (response, body, report, config) */
	EXPECT_LOG,   /* a line of the invocation's (or the function's) log */
};

enum expect_op {
	EXPECT_EQUALS,   /* structural JSON equality; templates expanded */
	EXPECT_CONTAINS, /* structural: every expected key/element present and equal */
	EXPECT_MATCHES,  /* regex (POSIX extended) over a string */
	EXPECT_NEAR,     /* number within tolerance */
	EXPECT_MIN,
	EXPECT_MAX,
	EXPECT_TYPE, /* string, number, integer, boolean, object, array, null */
	EXPECT_ABSENT,
	EXPECT_NOT_EQUALS,
	EXPECT_LENGTH, /* the number of elements, keys or characters */
	EXPECT_OP_COUNT,
};

struct expect_matcher {
	enum expect_op op;
	char *value; /* JSON text (EQUALS, CONTAINS, NEAR, MIN, MAX, NOT_EQUALS) or plain text */
};

struct exercise_expect {
	char *task; /* id of the task it belongs to */
	char *why;  /* overrides the task's why, or NULL */
	int line, col;
	enum expect_kind kind;
	/* EXPECT_ERROR */
	bool error;          /* whether a function error is expected */
	char *error_type;    /* regex or NULL */
	char *error_message; /* regex or NULL */
	/* EXPECT_VALUE: field is "response", "body.result", "report.duration", "config.MemorySize"
	 */
	char *field;
	struct expect_matcher *matchers;
	size_t n_matchers;
	double tolerance; /* for EXPECT_NEAR */
	/* EXPECT_LOG */
	char *pattern; /* regex over each log line; templates expanded first */
	bool log_absent;
	bool log_counted; /* log_count lines must match, not just one */
	int log_count;
};

enum exercise_step_kind {
	STEP_DEPLOY,
	STEP_INSPECT,
	STEP_INVOKE,
	STEP_CREATE_BUCKET,  /* args: bucket */
	STEP_CREATE_QUEUE,   /* args: queue */
	STEP_S3_NOTIFY,      /* args: bucket, prefix, suffix, events: the function is notified */
	STEP_ASYNC_CONFIG,   /* args: retries, max_age, on_failure, on_success, dead_letter */
	STEP_S3_PUT,         /* args: bucket, key, body, content_type */
	STEP_S3_GET,         /* args: bucket, key; gives `object` */
	STEP_S3_LIST,        /* args: bucket, prefix; gives `keys` */
	STEP_SQS_RECEIVE,    /* args: queue; gives `messages` */
	STEP_LOGS,           /* the function's whole log; gives `invocations` and log lines */
	STEP_ADVANCE,        /* args: seconds: the cloud's virtual clock moves on */
	STEP_CREATE_TABLE,   /* args: table, key, key_type, sort, sort_type, stream */
	STEP_STREAM_MAPPING, /* args: table (its stream) or queue, batch_size, window,
			      * starting_position, max_retries, max_record_age, bisect, report,
			      * on_failure, parallelization, tumbling, filter: the table's stream
			      * invokes the function */
	STEP_DDB_PUT,        /* args: table, item (plain JSON: strings, numbers, lists, maps) */
	STEP_DDB_UPDATE,     /* args: table, key, set: attributes to set */
	STEP_DDB_DELETE,     /* args: table, key */
	STEP_DDB_GET,        /* args: table, key; gives `item` */
	STEP_SQS_SEND,       /* args: queue, body (text, or YAML sent as JSON) */
	STEP_CONCURRENCY,    /* args: reserved: the function's reserved concurrency */
	STEP_METRICS,  /* args: namespace, metric, dimensions; gives `metric`: its statistics */
	STEP_INSIGHTS, /* args: file: a Logs Insights query of the learner's over the
			* function's log group; gives `results`, one object a row */
	STEP_ALIAS,    /* args: alias: GetAlias of the function's alias; gives `alias` */
	STEP_ALARM,    /* args: alarm: DescribeAlarms of that alarm; gives `alarm` */
	STEP_PUBLISH_LAYER, /* args: layer, dir: the learner's folder published as a layer and
			     * attached to the function; the function's own package leaves it out */
	STEP_CREATE_ROLE,   /* args: role, policy or policy_file (the learner's file): an
			     * execution role Lambda may assume */
	STEP_SSM_PUT,       /* args: parameter, value, type: a parameter, overwritten */
	STEP_ROLE_GRANTS,   /* args: denies, [{action, resource or secret}] its role must be
			     * refused: the function's role's grants; gives `grants` */
	STEP_SECRET_PUT,    /* args: secret, value: a Secrets Manager secret's current value */
	STEP_STACK,         /* args: stack: a CloudFormation stack, its outputs and resources;
			     * gives `stack` */
	STEP_HTTP,          /* args: url (an API's execute-api URL), method, body: a request
			     * through the deployed API; gives `status` and `body` */
	STEP_TRACE,         /* args: filter (an X-Ray filter expression), subsegment (a name):
			     * the function's traces; gives `traces` (how many match) and
			     * `subsegment` (that subsegment of the first) */
	STEP_KIND_COUNT,
};

/* A value a step keeps for later steps: vars.NAME = the step's FIELD. */
struct exercise_save {
	char *name;
	char *field;
};

struct exercise_step {
	enum exercise_step_kind kind;
	char *name;      /* shown in progress and reports ("invoke with a name") */
	char *event;     /* JSON text with generators, for STEP_INVOKE */
	char *request;   /* STEP_INVOKE through API Gateway: the request's JSON text, or NULL */
	bool async;      /* STEP_INVOKE with InvocationType Event */
	char *qualifier; /* STEP_INVOKE of a version or an alias ("live"), or NULL */
	char *args;      /* the step's own arguments as a JSON object (templates left in) */
	struct exercise_save *saves;
	size_t n_saves;
	struct exercise_expect *expects;
	size_t n_expects;
	int line, col;
};

struct exercise {
	char *id;
	char *title;
	char *module_id;
	int minutes;  /* expected minutes, brief included */
	bool further; /* its module lists it as going further, outside the core path */
	enum exercise_kind kind;
	char *dir;                      /* absolute folder of the exercise */
	char *yaml_path;                /* exercise.yaml as found, for diagnostics */
	char *brief_path;               /* absolute path of the brief */
	char hash[COURSE_HASH_LEN + 1]; /* SHA-256 of exercise.yaml and the brief */
	struct exercise_task *tasks;
	size_t n_tasks;
	char **hints; /* in levels: hints[0] first */
	size_t n_hints;
	struct exercise_starter starters[EXERCISE_LANG_COUNT];
	/* The function: what is deployed (code) or looked for (account). */
	char *function;
	int memory, timeout;
	char *env;        /* JSON object text or NULL; values may hold ${vars.*} */
	char *log_format; /* LoggingConfig's LogFormat ("JSON"), or NULL for Lambda's default */
	char *tracing;    /* TracingConfig's Mode ("Active"), or NULL for Lambda's default */
	char *layers;     /* JSON array text of layer version ARNs the function gets, or NULL */
	char *vars;       /* JSON object text of values drawn once per run, in order, or NULL */
	char *role; /* the execution role's name (a create_role step's), or NULL: the check's */
	struct exercise_step *steps;
	size_t n_steps;
	/* A scenario: the steps that build the application and break it, in the learner's
	 * account. The brief is the symptom a user would report. */
	struct exercise_step *setup;
	size_t n_setup;
};

struct exercise_set {
	struct exercise **v;
	size_t n;
};

/* "python" / "nodejs", and back (-1 when unknown). */
const char *exercise_lang_name(enum exercise_lang lang);
int exercise_lang_parse(const char *name);
const char *exercise_kind_name(enum exercise_kind kind);
/* "deploy", "invoke", "s3_put", ... */
const char *exercise_step_kind_name(enum exercise_step_kind kind);

/*
 * Parse exercise.yaml's text (from path) for the exercise folder dir and module module_id.
 * Every problem goes to d. With dir NULL nothing on disk is looked at. Returns the exercise
 * even when problems were reported (NULL only when the YAML itself is broken); the caller
 * frees it with exercise_free().
 */
struct exercise *exercise_parse(const char *text, size_t len, const char *path, const char *dir,
				const char *module_id, struct diags *d);
/* Load exercises/<name>/exercise.yaml of a module folder. NULL when it cannot be read. */
struct exercise *exercise_load(const char *module_dir, const char *name, const char *module_id,
			       struct diags *d);
/* No-op on NULL or a half-built exercise. */
void exercise_free(struct exercise *ex);

/*
 * Every exercise of the course, in module order then list order. Problems go to d; an
 * exercise that has any is left out. Caller frees with exercise_set_free().
 */
struct exercise_set *exercise_set_load(const struct course *course, struct diags *d);
void exercise_set_free(struct exercise_set *set);
/* The exercise with id, or NULL. Borrowed. */
const struct exercise *exercise_find(const struct exercise_set *set, const char *id);
/* The task with id, or NULL. Borrowed. */
const struct exercise_task *exercise_task(const struct exercise *ex, const char *id);

/* The lint hook of the course: load every module's exercises and report their problems. */
void exercise_lint_course(const struct course *course, struct diags *d);

/*
 * The scenarios of the course (scenarios/<id>/scenario.yaml in the course's `scenarios`
 * folder), sorted by id; none when the course has no such folder. Problems go to d; a scenario
 * that has any is left out. Caller frees with exercise_set_free().
 */
struct exercise_set *scenario_set_load(const struct course *course, struct diags *d);

/* A scenario's symptom on one line: its brief's first paragraph after the heading, without
 * quotation marks. Caller frees; "" when the brief cannot be read. */
char *scenario_symptom(const struct exercise *sc);

/* The brief's Markdown. Caller frees; NULL and err on failure. */
char *exercise_brief(const struct exercise *ex, size_t *len, struct error *err);

#endif
