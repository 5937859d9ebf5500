/*
 * Fuzz Logs Insights' query parser and its run: any text is either a query, which runs over a
 * few events (Lambda's lines, JSON, the text itself) to a results array, or refused with a
 * message and offsets inside the text.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/logs/insights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	size_t len = strlen(text);
	struct insights_error e;
	struct insights_query *q = insights_parse(text, &e);
	if (!q) {
		if (!e.message[0] || e.start < 0 || e.end < e.start || (size_t)e.start > len)
			abort();
		free(text);
		return 0;
	}
	static const char *const events[] = {
		"START RequestId: 6c1b7a4e-0000-4000-8000-000000000001 Version: $LATEST\n",
		"{\"level\":\"ERROR\",\"amount\":12.5,\"tags\":[\"a\",{\"b\":1}],\"ok\":true}",
		"REPORT RequestId: 6c1b7a4e-0000-4000-8000-000000000001\tDuration: 12.34 ms\t"
		"Billed Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t",
		"order o-1 paid 10",
	};
	struct insights_run *r = insights_run_new(q, 5);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		insights_run_event(r, 1765000000000LL + (long long)i * 61000, 1765000000000LL,
				   "123456789012:/aws/lambda/f", "s", events[i], "1");
	insights_run_event(r, 1765000000000LL, 1765000000000LL, "a:b", "s", text, "2");
	cJSON *results, *stats;
	insights_run_finish(r, &results, &stats);
	if (!cJSON_IsArray(results) || cJSON_GetArraySize(results) > 5 ||
	    !cJSON_GetObjectItemCaseSensitive(stats, "recordsScanned"))
		abort();
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_free(r);
	insights_query_free(q);
	free(text);
	return 0;
}
