/*
 * A troubleshooting scenario in the learner's own account: its setup (the application, built and
 * broken) or its check (does it work again, and is the fix the right one), and the record of a
 * start or a reset. Shared by `lambda-tutor scenario` and the tutor's screens.
 */
#ifndef CHECK_SCENARIO_H
#define CHECK_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "check/check.h"
#include "store/store.h"

/*
 * Run sc's setup (mode CHECK_SETUP) or its check (CHECK_STEPS) in the account of cloud, from
 * its Python starter when it has one, else its Node.js one, into r. progress and cancel as in
 * struct check_opts (may be NULL). Release r with check_result_release().
 */
void scenario_run(const struct exercise *sc, const struct check_cloud *cloud, int mode,
		  check_progress_fn progress, const volatile int *cancel, struct check_result *r);

/*
 * Record in store that sc was started (or reset: set up again), its setup having taken
 * setup_ms. False with err when the record could not be written.
 */
bool scenario_record_start(struct store *store, const struct exercise *sc, bool reset,
			   int64_t setup_ms, struct error *err);

#endif
