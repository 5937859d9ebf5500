/*
 * Fuzz target entry point that works without libFuzzer (cJSON's fuzz_main.c): each argument
 * is a file or a folder of files, and every file is fed once to LLVMFuzzerTestOneInput().
 * This is how a corpus replays as an ordinary test in normal builds.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/path.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	struct error err;
	size_t len = 0;
	char *data = path_read_file(path, 0, &len, &err);
	if (!data) {
		error_print(stderr, &err);
		return 1;
	}
	/* An exact-size copy, so that a read past the end shows under ASan and valgrind. */
	uint8_t *copy = xmalloc(len ? len : 1);
	memcpy(copy, data, len);
	free(data);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	printf("ok - %s\n", path);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file in dir, in name order. Returns the number that failed to run. */
static int run_dir(const char *dir, int *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 32;
			names = xreallocarray(names, alloc, sizeof(*names));
		}
		names[n++] = path_join(dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (path_is_file(names[i])) {
			failed += run_file(names[i]);
			++*count;
		}
		free(names[i]);
	}
	free(names);
	return failed;
}

int main(int argc, char **argv)
{
	int failed = 0, count = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (path_is_dir(argv[i])) {
			failed += run_dir(argv[i], &count);
		} else {
			failed += run_file(argv[i]);
			count++;
		}
	}
	if (count == 0) {
		fprintf(stderr, "no inputs to replay\n");
		return 1;
	}
	printf("1..%d\n", count);
	return failed ? 1 : 0;
}
