/*
 * Fuzz the embedded metric format's reader (emf_parse): any log line is either not EMF, or
 * EMF whose metrics each have a namespace, a name, dimensions and 1 to 100 values, or refused
 * with a reason and nothing extracted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/metrics/emf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emf_batch b;
	char why[300];
	long long now = 1765000000000LL;
	enum emf_result r = emf_parse((const char *)data, size, now, 0, &b, why, sizeof(why));
	if (r == EMF_OK) {
		for (size_t i = 0; i < b.n; i++) {
			const struct emf_metric *m = &b.items[i];
			if (!m->ns[0] || !m->name[0] || m->dims[0] != '[' || m->nvalues < 1 ||
			    m->nvalues > 100 || m->ts_ms > now + 7200000)
				abort();
		}
		emf_batch_release(&b);
	} else if (b.n || (r != EMF_NONE && !why[0])) {
		abort();
	}
	return 0;
}
