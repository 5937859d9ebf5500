/*
 * FilterCriteria: checked once when a mapping is created or updated, matched per record.
 */
#include "cloud/esm/filter.h"

#include <cjson/cJSON.h>
#include <stddef.h>

#include "cloud/sns/filter.h"

#define ESM_MAX_FILTERS 5

const char *esm_filters_problem(const cJSON *fc, const char **type, int *status)
{
	*type = "InvalidParameterValueException";
	*status = 400;
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(fc, "Filters"), *f;
	if (!cJSON_IsObject(fc) || (filters && !cJSON_IsArray(filters)))
		return "Invalid filter pattern definition.";
	if (cJSON_GetArraySize(filters) > ESM_MAX_FILTERS) {
		*type = "ValidationException";
		return "1 validation error detected: Value at 'filterCriteria.filters' failed to "
		       "satisfy constraint: Member must have length less than or equal to 5";
	}
	cJSON_ArrayForEach(f, filters)
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "Pattern");
		char why[256];
		cJSON *parsed = cJSON_IsString(p) ? cJSON_Parse(p->valuestring) : NULL;
		bool ok = cJSON_IsObject(parsed) &&
			  sns_filter_check_pattern(p->valuestring, why, sizeof(why));
		cJSON_Delete(parsed);
		if (!ok)
			return "Invalid filter pattern definition.";
	}
	return NULL;
}

bool esm_filters_match(const cJSON *fc, const cJSON *doc)
{
	const cJSON *filters = fc ? cJSON_GetObjectItemCaseSensitive(fc, "Filters") : NULL;
	if (cJSON_GetArraySize(filters) == 0)
		return true;
	bool pass = false;
	const cJSON *f;
	cJSON_ArrayForEach(f, filters)
	{
		cJSON *p = cJSON_Parse(
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "Pattern")));
		pass = p && sns_filter_match_json(p, doc);
		cJSON_Delete(p);
		if (pass)
			break;
	}
	return pass;
}
