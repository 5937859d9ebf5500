/*
 * Check runs in the learner's append-only log: one STORE_CHECK_RUN event per run, tagged with
 * the exercise's content hash, its data the run's JSON without the logs and, for a code
 * exercise, "package": {"sha256", "bytes"}: the zip of the code the run checked, kept beside
 * the record (store_package_path), which a class server receives with the run and a trainer's
 * `grade --class` runs again.
 */
#ifndef CHECK_RECORD_H
#define CHECK_RECORD_H

#include <stdbool.h>

#include "check/check.h"
#include "core/error.h"

struct store;

/* Append r to store (its package kept first); true once it is durable. */
bool check_record(struct store *store, const struct check_result *r, struct error *err);

#endif
