/*
 * Fuzz what a sealed class reads from files a learner may choose (a tutor installed setgid
 * reads the key of whatever class directory it is given, before it drops its group): the
 * bytes become the class key file, which is taken only as exactly 64 hex digits (and a
 * newline), and refused otherwise in one line that never quotes it; then the bytes become a
 * record file that store_seal() checks, which must be refused in one line or, when it holds
 * no event, sealed and appended to.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(const struct error *err)
{
	if (!err->msg[0] || strchr(err->msg, '\n')) {
		fprintf(stderr, "bad error message: '%s'\n", err->msg);
		abort();
	}
}

static bool is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* What store_seal_key_read must accept: 64 hex digits, then nothing or one newline. */
static bool valid_key(const uint8_t *data, size_t size)
{
	if (size != STORE_SEAL_HEX_LEN &&
	    !(size == STORE_SEAL_HEX_LEN + 1 && data[size - 1] == '\n'))
		return false;
	for (size_t i = 0; i < STORE_SEAL_HEX_LEN; i++)
		if (!is_hex(data[i]))
			return false;
	return true;
}

static void write_file(const char *path, const uint8_t *data, size_t size, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || fchmod(fd, mode) != 0) {
		perror(path);
		abort();
	}
	close(fd);
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
	struct error err;
	unsigned char key[STORE_SEAL_KEY_LEN];
	snprintf(path, sizeof(path), "/tmp/fuzz-seal-%ld.key", (long)getpid());
	write_file(path, data, size, 0440);
	bool read = store_seal_key_read(path, key, &err);
	if (read != valid_key(data, size)) {
		fprintf(stderr, "key of %zu bytes %s\n", size, read ? "accepted" : "refused");
		abort();
	}
	if (!read) {
		check_refusal(&err);
		/* The refusal names the file, never what is in it. */
		if (size >= 8 && memmem(err.msg, strlen(err.msg), data, 8)) {
			fprintf(stderr, "the refusal quotes the key file: '%s'\n", err.msg);
			abort();
		}
	}
	unlink(path);

	snprintf(path, sizeof(path), "/tmp/fuzz-seal-%ld.db", (long)getpid());
	remove_file(path);
	write_file(path, data, size, 0600);
	memset(key, 0x42, sizeof(key));
	struct store *s = store_open(path, &err);
	if (s) {
		int64_t n = 0;
		bool counted = store_count(s, NULL, &n, &err);
		if (store_seal(s, key, "fuzz", &err)) {
			/* Only a file without events (or with events sealed under this key) passes.
			 */
			struct store_event ev = { .kind = STORE_PAGE_VIEW,
						  .module = "m",
						  .item = "p" };
			if (!store_append(s, &ev, &err))
				check_refusal(&err);
		} else {
			check_refusal(&err);
			if (counted && n == 0 && strstr(err.msg, "fails its seal"))
				abort(); /* no event, nothing can fail */
		}
		store_close(s);
	} else {
		check_refusal(&err);
	}
	remove_file(path);
	return 0;
}
