/*
 * Fuzz schedule expressions (schedule_parse) and the next firing (schedule_next). The input's
 * first byte picks a time zone; the rest is the expression. A refused expression says why;
 * an accepted one fires after the time asked, or never, and the same way twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/schedule/schedule.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const zones[] = { NULL, "UTC", "America/New_York", "Europe/Paris",
					     "Australia/Lord_Howe" };
	if (size == 0 || size > 512)
		return 0;
	const char *tz = zones[data[0] % 5];
	char *text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	char why[200] = "";
	struct schedule *s = schedule_parse(text, data[0] & 0x80, why, sizeof(why));
	if (!s && !why[0])
		abort();
	if (s) {
		int64_t after = 1795757400000LL;
		int64_t t = schedule_next(s, tz, after - 1000, after);
		if (t != -1 && t <= after)
			abort();
		if (t != schedule_next(s, tz, after - 1000, after))
			abort();
		schedule_free(s);
	}
	free(text);
	return 0;
}
