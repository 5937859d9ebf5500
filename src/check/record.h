/*
 * Check runs in the learner's append-only log: one STORE_CHECK_RUN event per run, tagged with
 * the exercise's content hash, its data the run's JSON without the logs.
 */
#ifndef CHECK_RECORD_H
#define CHECK_RECORD_H

#include <stdbool.h>

#include "check/check.h"
#include "core/error.h"

struct store;

/* Append r to store; true once it is durable. */
bool check_record(struct store *store, const struct check_result *r, struct error *err);

#endif
