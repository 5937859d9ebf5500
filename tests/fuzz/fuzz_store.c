/*
 * Fuzz the record reader (store_open_readonly, store_open): the bytes become a record file,
 * which must either be refused with one line or be read through completely, and a file that
 * opens read-write must take a new event. Seeds are real, foreign, newer, hostile and damaged
 * record files.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool count_event(const struct store_event *ev, void *ctx)
{
	size_t *n = ctx;
	/* Touch every field, so a bad pointer shows under ASan and valgrind. */
	*n += (ev->kind ? strlen(ev->kind) : 0) + (ev->module ? strlen(ev->module) : 0) +
	      (ev->item ? strlen(ev->item) : 0) + (ev->hash ? strlen(ev->hash) : 0) +
	      (ev->data ? strlen(ev->data) : 0) + 1;
	return true;
}

/* A refusal is one non-empty line, or the fuzzer has found a bug. */
static void check_refusal(const struct error *err)
{
	if (!err->msg[0] || strchr(err->msg, '\n')) {
		fprintf(stderr, "bad error message: '%s'\n", err->msg);
		abort();
	}
}

static void read_all(struct store *s)
{
	struct error err;
	size_t n = 0;
	char *module = NULL, *page = NULL, *created = NULL;
	bool viewed = false;
	int64_t count = 0;
	if (!store_each(s, NULL, count_event, &n, &err))
		check_refusal(&err);
	if (!store_each(s, STORE_PAGE_VIEW, count_event, &n, &err))
		check_refusal(&err);
	if (!store_position(s, &module, &page, &err))
		check_refusal(&err);
	if (!store_page_viewed(s, "m", "p", &viewed, &err))
		check_refusal(&err);
	if (!store_count(s, NULL, &count, &err))
		check_refusal(&err);
	if (!store_meta_get(s, STORE_META_CREATED, &created, &err))
		check_refusal(&err);
	if (!store_check_integrity(s, &err))
		check_refusal(&err);
	free(module);
	free(page);
	free(created);
}

static void remove_file(const char *path)
{
	char side[96];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/fuzz-store-%ld.db", (long)getpid());
	remove_file(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		perror(path);
		abort();
	}
	close(fd);

	struct error err;
	struct store *s = store_open_readonly(path, &err);
	if (s) {
		read_all(s);
		struct store_event ev = { .kind = STORE_PAGE_VIEW, .module = "m", .item = "p" };
		if (store_append(s, &ev, &err))
			abort(); /* a read-only store must refuse */
		store_close(s);
	} else {
		check_refusal(&err);
	}

	s = store_open(path, &err);
	if (s) {
		struct store_event ev = { .kind = STORE_PAGE_VIEW, .module = "m", .item = "p" };
		if (!store_append(s, &ev, &err))
			check_refusal(&err);
		read_all(s);
		store_close(s);
	} else {
		check_refusal(&err);
	}
	remove_file(path);
	return 0;
}
