/*
 * FilterCriteria of event source mappings, as Lambda documents them: up to five filters, each
 * a pattern in EventBridge's language (cloud/sns/filter.h) matched against one record; a record
 * that no filter matches is dropped.
 */
#ifndef CLOUD_ESM_FILTER_H
#define CLOUD_ESM_FILTER_H

#include <stdbool.h>

struct cJSON;

/*
 * Why a FilterCriteria ({"Filters": [{"Pattern": "<JSON>"}, ...]}) is refused, or NULL when it
 * is valid; *type is then Lambda's error code and *status its HTTP status.
 */
const char *esm_filters_problem(const struct cJSON *fc, const char **type, int *status);
/* Whether doc (a record) passes fc (a FilterCriteria esm_filters_problem() accepted; NULL or
 * no filters pass everything). */
bool esm_filters_match(const struct cJSON *fc, const struct cJSON *doc);

#endif
