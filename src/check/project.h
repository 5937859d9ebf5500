/*
 * The course's final project and its automatic rubric, shared by `lambda-tutor project` and the
 * tutor's project screen: the rubric's criteria and checks (project/final-project/rubric.yaml),
 * a run of the rubric (rubric.py, which drives the learner's stack through the AWS APIs and
 * prints its JSON last, progress lines before it), and the learner's standing from the
 * records: the last run and the last trainer's review of each criterion.
 */
#ifndef CHECK_PROJECT_H
#define CHECK_PROJECT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "check/check.h"
#include "core/error.h"

struct store;

#define PROJECT_ID         "final-project"
#define PROJECT_STACK      "final-project"
#define PROJECT_REVIEW_MAX 4

struct project_criterion {
	char *id, *title, *review; /* review: what the trainer judges */
	char **checks;             /* the automatic checks, one point each, in rubric order */
	size_t n_checks;
};

struct project_rubric {
	char *dir; /* the project's folder in the course */
	char *title;
	struct project_criterion *criteria;
	size_t n_criteria;
};

/*
 * The project's folder beside the course (COURSE_ROOT/../project/final-project), resolved.
 * Caller frees.
 */
char *project_dir(const char *course_root);
/* Load dir/rubric.yaml. False and err when it is missing or malformed. */
bool project_rubric_load(const char *dir, struct project_rubric *out, struct error *err);
void project_rubric_release(struct project_rubric *r);

/* A rubric run under way: the child's process group and the pipe its output comes on. */
struct project_run {
	pid_t pid;
	int fd;
};

/*
 * Start rubric.py of dir against the stack of the learner's workspace ws, in cloud (with the
 * learner's keys), its own process group, stdout and stderr on run->fd. False and err when it
 * cannot start.
 */
bool project_run_start(const char *dir, const char *ws, const struct check_cloud *cloud,
		       struct project_run *run, struct error *err);
/* Stop a run under way (its whole process group) and reap it. */
void project_run_cancel(struct project_run *run);
/*
 * Reap a run whose pipe reached its end, and read its answer from everything it printed
 * (out): the rubric's JSON, or NULL and err saying why it could not run. Caller deletes.
 */
cJSON *project_run_finish(struct project_run *run, const char *out, struct error *err);
/* The last progress line in out (a line that is not the JSON), or NULL. Caller frees. */
char *project_run_step(const char *out);

/* The last rubric run and the last review of each criterion, from the records. */
struct project_standing {
	cJSON *rubric; /* the last run's JSON, or NULL */
	int64_t rubric_ms;
	cJSON *reviews; /* criterion -> its last review, with "at_ms" */
};

/* Read store's records into s (released first). False and err when they cannot be read. */
bool project_standing_read(struct store *store, struct project_standing *s, struct error *err);
void project_standing_release(struct project_standing *s);
/* The criterion id of rubric (a run's JSON), or NULL. Borrowed. */
const cJSON *project_run_criterion(const cJSON *rubric, const char *id);
/* Record a run's JSON as the learner's (kind "rubric"). False and err when it cannot be. */
bool project_record_run(struct store *store, const cJSON *rubric, struct error *err);

#endif
