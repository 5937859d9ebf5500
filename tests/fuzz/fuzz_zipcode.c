/*
 * Fuzz the unpacking of deployment packages (zipcode_extract): the bytes are a zip file,
 * unpacked into a directory deep inside a scratch tree. Whatever the package, nothing may
 * appear in the scratch tree outside that directory, and no symlink inside it may resolve
 * outside it. Seeds are packages as zip(1), Python's zipfile and the console build them, and
 * hostile ones: ../ and absolute names, escaping symlinks, symlink chains, bombs, damage.
 */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloud/lambda/zipcode.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[] = "/tmp/fuzz-zipcode-XXXXXX";
static char *dest;      /* scratch/a/b/c/d/e/f/g/h/code: ../ eight times stays in scratch */
static char *dest_real; /* its realpath */

static void remove_scratch(void)
{
	zipcode_remove_tree(scratch);
}

static void setup(void)
{
	if (!mkdtemp(scratch))
		abort();
	atexit(remove_scratch);
	dest = xasprintf("%s/a/b/c/d/e/f/g/h/code", scratch);
	char *p = xstrdup(dest);
	for (char *s = p + strlen(scratch) + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	free(p);
}

/* Only the chain of directories down to dest may exist outside dest. */
static void check_outside(const char *dir, int level)
{
	static const char chain[] = "abcdefgh";
	DIR *d = opendir(dir);
	if (!d)
		abort();
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		bool expected = level < 8 ? e->d_name[0] == chain[level] && !e->d_name[1]
					  : strcmp(e->d_name, "code") == 0;
		if (!expected) {
			fprintf(stderr, "written outside the code directory: %s/%s\n", dir,
				e->d_name);
			abort();
		}
		if (level < 8) {
			char *sub = xasprintf("%s/%s", dir, e->d_name);
			check_outside(sub, level + 1);
			free(sub);
		}
	}
	closedir(d);
}

/* Every symlink in the code resolves (when it resolves) inside it. */
static void check_links(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			char real[PATH_MAX];
			size_t n = strlen(dest_real);
			if (realpath(path, real) &&
			    (strncmp(real, dest_real, n) != 0 || (real[n] && real[n] != '/'))) {
				fprintf(stderr, "symlink %s resolves outside: %s\n", path, real);
				abort();
			}
		} else if (S_ISDIR(st.st_mode)) {
			check_links(path);
		}
		free(path);
	}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dest)
		setup();
	if (mkdir(dest, 0755) != 0)
		abort();
	if (!dest_real)
		dest_real = realpath(dest, NULL);
	struct api_err e = { 0 };
	long long unzipped = -1;
	bool ok = zipcode_extract(data, size, dest, &unzipped, &e);
	if (!ok && (!e.type || !e.msg[0] || e.status != 400)) {
		fprintf(stderr, "refusal without an error: %d %s\n", e.status, e.msg);
		abort();
	}
	if (ok && (unzipped < 0 || unzipped > LAMBDA_UNZIPPED_MAX))
		abort();
	check_outside(scratch, 0);
	check_links(dest);
	zipcode_remove_tree(dest);
	return 0;
}
