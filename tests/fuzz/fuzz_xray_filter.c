/*
 * Fuzz X-Ray's filter expressions: any text is either an expression, which is evaluated over a
 * small trace (a service segment, a function segment with subsegments and annotations), or
 * refused with a message that names its column.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/xray/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char why[200];
	struct xray_filter *f = xray_filter_parse(text, why, sizeof(why));
	if (!f) {
		if (!strstr(why, " at column "))
			abort();
		free(text);
		return 0;
	}
	static const char *const docs[] = {
		"{\"name\":\"api\",\"id\":\"a1\",\"start_time\":10,\"end_time\":10.5,\"origin\":"
		"\"AWS::Lambda\",\"http\":{\"request\":{\"url\":\"https://x/orders\",\"method\":"
		"\"POST\"},\"response\":{\"status\":502}},\"fault\":true}",
		"{\"name\":\"orders\",\"id\":\"b2\",\"parent_id\":\"a1\",\"start_time\":10.1,"
		"\"end_time\":10.4,\"annotations\":{\"tier\":\"gold\",\"n\":3,\"vip\":true},"
		"\"subsegments\":[{\"name\":\"DynamoDB\",\"id\":\"c3\",\"throttle\":true,"
		"\"annotations\":{\"table\":\"t\"},\"subsegments\":[{\"id\":\"d4\"}]}]}",
	};
	cJSON *segs[2];
	for (int i = 0; i < 2; i++)
		segs[i] = cJSON_Parse(docs[i]);
	bool all = xray_filter_match(f, segs, 2);
	bool none = xray_filter_match(f, segs, 0);
	(void)all;
	(void)none;
	for (int i = 0; i < 2; i++)
		cJSON_Delete(segs[i]);
	xray_filter_free(f);
	free(text);
	return 0;
}
