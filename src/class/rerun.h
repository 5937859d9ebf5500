/*
 * Check runs run again by the trainer (`lambda-tutor grade --class DIR`): for each learner's
 * last run of each exercise, and each earlier run that claims more (what the exports would
 * credit), the code it was sent with (its package) checked again, and whether that gives the
 * recorded result. One verdict per run. Kept in DIR/.reruns.json, which the dashboard and the
 * exports read to mark a result the class could not reproduce (no package, or another result).
 */
#ifndef CLASS_RERUN_H
#define CLASS_RERUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define RERUN_FILE ".reruns.json"

struct rerun {
	const char *learner, *exercise; /* owned in a set */
	int64_t event;                  /* the run's event id in the learner's record */
	int64_t at_ms;                  /* when it was run again */
	char recorded[48], now[48];     /* "passed 5/5"; now "" when it could not run */
	bool reproduced;
	char why[300]; /* when not reproduced: no package, or what the check said */
};

struct rerun_set {
	struct rerun *v;
	size_t n;
};

/* Add v (copied), replacing the verdict on the same run (learner, exercise and event). */
void rerun_set_add(struct rerun_set *s, const struct rerun *v);
/* The verdict on learner's run with that event id, or NULL (never run again, or since run). */
const struct rerun *rerun_find(const struct rerun_set *s, const char *learner, const char *exercise,
			       int64_t event);
/* Read DIR's verdicts (none: an empty set). False and err when the file is damaged. */
bool rerun_read(const char *dir, struct rerun_set *out, struct error *err);
/* Merge s into DIR's verdicts and write them (0640). */
bool rerun_write(const char *dir, const struct rerun_set *s, struct error *err);
void rerun_set_release(struct rerun_set *s);

#endif
