/*
 * Recording check runs.
 */
#include "check/record.h"

#include <stdlib.h>

#include "store/store.h"

bool check_record(struct store *store, const struct check_result *r, struct error *err)
{
	char *data = check_result_json(r, false);
	struct store_event ev = {
		.kind = STORE_CHECK_RUN,
		.module = r->exercise->module_id,
		.item = r->exercise->id,
		.hash = r->exercise->hash,
		.data = data,
	};
	bool ok = store_append(store, &ev, err);
	free(data);
	return ok;
}
