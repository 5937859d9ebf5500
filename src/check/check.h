/*
 * The checker: runs an exercise's steps against the local cloud and judges every expectation.
 *
 * A code exercise zips the learner's folder and deploys it to a fresh account (a new random
 * access key per run), so runs are reproducible and never touch the learner's playground. An
 * account exercise reads and invokes the learner's own function and changes nothing. The cloud
 * is spoken to over HTTP with the Lambda REST API, exactly as the AWS CLI does.
 *
 * The result holds, per task, whether it passed and, when it did not, the first failing
 * expectation: the step, the event sent, what came back, what was expected and why it
 * matters, with the invocation's log tail and REPORT line.
 */
#ifndef CHECK_CHECK_H
#define CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "course/exercise_load.h"

enum check_status {
	CHECK_PASS,  /* every task passed: exit 0 */
	CHECK_FAIL,  /* a task failed: exit 1 */
	CHECK_ERROR, /* the check could not run (no handler file, no cloud): exit 2 */
};

struct check_task_result {
	const struct exercise_task *task; /* borrowed from the exercise */
	bool pass;
	/* The first failing expectation, when !pass. All owned by the result. */
	char *step;     /* the step's name */
	char *event;    /* JSON text sent, or NULL */
	char *got;      /* what came back, one line */
	char *expected; /* what was expected, one line */
	const char *why;
	char *log;         /* the invocation's log tail, or NULL */
	char *report_line; /* the REPORT line, or NULL */
};

struct check_step_result {
	const struct exercise_step *step; /* borrowed */
	bool done;
	bool ok;              /* every expectation of the step passed */
	int64_t ms;           /* how long the step took */
	char *event;          /* invoke: the event sent */
	char *response;       /* invoke: the payload returned */
	char *function_error; /* invoke: X-Amz-Function-Error, or NULL */
	char *request_id;
	char *report_line;
};

struct check_result {
	enum check_status status;
	struct error error; /* why the check could not run, for CHECK_ERROR */
	const struct exercise *exercise;
	enum exercise_lang lang;
	struct check_task_result *tasks; /* one per task of the exercise, in order */
	size_t n_tasks;
	struct check_step_result *steps; /* one per step */
	size_t n_steps;
	size_t n_passed;
	int64_t ms;
	bool cancelled;       /* stopped between steps by opts->cancel (status CHECK_ERROR) */
	const char *code_dir; /* the code the run checked (opts->code_dir, borrowed), or NULL */
};

/* Called as each step starts (done false) and completes (done true). */
typedef void (*check_progress_fn)(void *ctx, const struct check_result *r, size_t step, bool done);

/* Where a workspace's cloud is: its AWS endpoint, its control socket, the learner's keys. */
struct check_cloud {
	char endpoint[128];
	char control[1024];
	char access_key[24];
	char secret_key[48];
};

struct check_opts {
	const char *endpoint; /* "http://127.0.0.1:4566" */
	const char *control;  /* the cloud's control socket: <workspace>/.cloud/control.sock */
	const char *code_dir; /* code exercises: the learner's folder */
	enum exercise_lang lang;
	/* Account exercises: the learner's key pair. Code exercises run in a fresh account of
	 * their own, made (and emptied after) through the control socket. */
	const char *access_key;
	const char *secret_key;
	check_progress_fn progress;
	void *progress_ctx;
	bool keep; /* leave the fresh account's function in place (debugging) */
	/*
	 * Set to non-zero (from another thread or a signal handler) to stop the run between
	 * steps; what it created is removed as usual. NULL: never cancelled.
	 */
	const volatile int *cancel;
	/*
	 * A scenario: SETUP runs ex->setup in the learner's own account (after taking down what
	 * a previous setup left), TEARDOWN only takes it down; CHECK (0) runs the check steps.
	 * A scenario's application stays in place after a check.
	 */
	enum {
		CHECK_STEPS,
		CHECK_SETUP,
		CHECK_TEARDOWN
	} scenario;
};

/*
 * Run ex's steps. Always fills *out (release with check_result_release()); out->status says
 * how it went. A failure to run at all is CHECK_ERROR with the reason in out->error.
 */
void check_run(const struct exercise *ex, const struct check_opts *opts, struct check_result *out);
void check_result_release(struct check_result *r);

/*
 * The result as JSON text: {exercise, language, status, error, duration_ms, hash,
 * passed, total, tasks: [{id, text, pass, step, event, got, expected, why, log, report}],
 * steps: [{name, kind, ms, ok}]}. with_logs false leaves the logs out (for the records).
 * Caller frees.
 */
char *check_result_json(const struct check_result *r, bool with_logs);

/* The result as text for a terminal, colour when colour is true. Caller frees. */
char *check_result_text(const struct check_result *r, bool colour);

/* "passed", "failed" or "error". */
const char *check_status_name(enum check_status status);

#endif
