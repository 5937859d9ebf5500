/*
 * A test-only driver for store/, used by the integration tests (not a user command):
 *
 *	store-helper view DB MODULE PAGE [HASH]   record one page view
 *	store-helper event DB KIND MODULE ITEM DATA  record one event of any kind (a check
 *	                                          run, a solution seen) with DATA as its JSON
 *	store-helper hammer DB                    append events until killed; print "saved N"
 *	                                          once event N is durable
 *	store-helper verify DB < saved            check that every "saved N" is in DB, that the
 *	                                          events are 0..n-1 once each, and integrity
 *
 * Event numbers continue from the number of events already in the file, so several killed
 * runs on one file must still add up to one unbroken sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "store/store.h"

#define CRASH_MODULE "crash"

static int view(int argc, char **argv)
{
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: store-helper view DB MODULE PAGE [HASH]\n");
		return 2;
	}
	struct error err;
	struct store *s = store_open(argv[2], &err);
	struct store_event ev = { .kind = STORE_PAGE_VIEW,
				  .module = argv[3],
				  .item = argv[4],
				  .hash = argc == 6 ? argv[5] : NULL };
	if (!s || !store_append(s, &ev, &err)) {
		fprintf(stderr, "store-helper: %s\n", err.msg);
		store_close(s);
		return 1;
	}
	store_close(s);
	return 0;
}

static int event(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: store-helper event DB KIND MODULE ITEM DATA\n");
		return 2;
	}
	struct error err;
	struct store *s = store_open(argv[2], &err);
	struct store_event ev = {
		.kind = argv[3], .module = argv[4], .item = argv[5], .data = argv[6]
	};
	if (!s || !store_append(s, &ev, &err)) {
		fprintf(stderr, "store-helper: %s\n", err.msg);
		store_close(s);
		return 1;
	}
	store_close(s);
	return 0;
}

static int hammer(const char *path)
{
	struct error err;
	struct store *s = store_open(path, &err);
	int64_t n = 0;
	if (!s || !store_count(s, NULL, &n, &err)) {
		fprintf(stderr, "store-helper: %s\n", err.msg);
		store_close(s);
		return 1;
	}
	for (;; n++) {
		char item[32], data[64], line[48];
		snprintf(item, sizeof(item), "%lld", (long long)n);
		snprintf(data, sizeof(data), "{\"n\": %lld, \"pad\": \"%040d\"}", (long long)n, 0);
		struct store_event ev = { .kind = STORE_PAGE_VIEW,
					  .module = CRASH_MODULE,
					  .item = item,
					  .hash = "h",
					  .data = data };
		if (!store_append(s, &ev, &err)) {
			fprintf(stderr, "store-helper: %s\n", err.msg);
			store_close(s);
			return 1;
		}
		/* Reported only now, after the commit: this is what "shown as saved" means. */
		int len = snprintf(line, sizeof(line), "saved %lld\n", (long long)n);
		if (write(STDOUT_FILENO, line, (size_t)len) != len)
			return 1;
	}
}

struct seen {
	unsigned char *count;
	size_t n, bad;
};

static bool tally(const struct store_event *ev, void *ctx)
{
	struct seen *seen = ctx;
	char *end;
	long long k = strtoll(ev->item ? ev->item : "", &end, 10);
	if (!ev->module || strcmp(ev->module, CRASH_MODULE) != 0 || *end || k < 0 ||
	    (size_t)k >= seen->n) {
		seen->bad++;
		return true;
	}
	if (seen->count[k] < 255)
		seen->count[k]++;
	return true;
}

static int verify(const char *path)
{
	struct error err;
	struct store *s = store_open(path, &err);
	int64_t total = 0;
	if (!s || !store_check_integrity(s, &err) || !store_count(s, NULL, &total, &err)) {
		fprintf(stderr, "store-helper: %s\n", err.msg);
		store_close(s);
		return 1;
	}
	struct seen seen = { .count = xcalloc((size_t)total + 1, 1), .n = (size_t)total };
	int rc = 0;
	if (!store_each(s, NULL, tally, &seen, &err)) {
		fprintf(stderr, "store-helper: %s\n", err.msg);
		rc = 1;
		goto out;
	}
	size_t missing = 0, doubled = 0, reported = 0, lost = 0;
	for (size_t k = 0; k < seen.n; k++) {
		missing += seen.count[k] == 0;
		doubled += seen.count[k] > 1;
	}
	char line[128];
	while (fgets(line, sizeof(line), stdin)) {
		long long k;
		/* A line cut short by the kill was never reported. */
		if (!strchr(line, '\n') || sscanf(line, "saved %lld", &k) != 1)
			continue;
		reported++;
		if (k < 0 || (size_t)k >= seen.n || seen.count[k] == 0)
			lost++;
	}
	printf("%lld events in the file, %zu reported saved, %zu lost, %zu missing, %zu doubled, "
	       "%zu malformed\n",
	       (long long)total, reported, lost, missing, doubled, seen.bad);
	rc = lost || missing || doubled || seen.bad ? 1 : 0;
out:
	free(seen.count);
	store_close(s);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "view") == 0)
		return view(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "event") == 0)
		return event(argc, argv);
	if (argc == 3 && strcmp(argv[1], "hammer") == 0)
		return hammer(argv[2]);
	if (argc == 3 && strcmp(argv[1], "verify") == 0)
		return verify(argv[2]);
	fprintf(stderr, "usage: store-helper view|event|hammer|verify DB ...\n");
	return 2;
}
