/* Troubleshooting scenarios: setup, check and the record of a start; see scenario.h. */
#include "check/scenario.h"

#include <stdio.h>
#include <string.h>

void scenario_run(const struct exercise *sc, const struct check_cloud *cloud, int mode,
		  check_progress_fn progress, const volatile int *cancel, struct check_result *r)
{
	enum exercise_lang lang =
		sc->starters[EXERCISE_PYTHON].present ? EXERCISE_PYTHON : EXERCISE_NODEJS;
	struct check_opts co = {
		.endpoint = cloud->endpoint,
		.control = cloud->control,
		.code_dir = sc->starters[lang].dir,
		.lang = lang,
		.access_key = cloud->access_key,
		.secret_key = cloud->secret_key,
		.scenario = mode,
		.progress = progress,
		.cancel = cancel,
	};
	check_run(sc, &co, r);
}

bool scenario_record_start(struct store *store, const struct exercise *sc, bool reset,
			   int64_t setup_ms, struct error *err)
{
	char data[96];
	snprintf(data, sizeof(data), "{\"action\":\"%s\",\"setup_ms\":%lld}",
		 reset ? "reset" : "start", (long long)setup_ms);
	struct store_event ev = {
		.kind = STORE_SCENARIO,
		.module = SCENARIO_MODULE,
		.item = sc->id,
		.hash = sc->hash,
		.data = data,
	};
	return store_append(store, &ev, err);
}
