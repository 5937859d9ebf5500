/*
 * Zip packages through libzip. Every entry name is checked before anything is written.
 */
#include "cloud/lambda/zipcode.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "core/path.h"
#include "core/xalloc.h"

#define BAD_ZIP "Could not unzip uploaded file. Please check your file, then try to upload again."

bool zipcode_link_is_safe(const char *entry, const char *target)
{
	if (!target[0] || target[0] == '/')
		return false;
	/* Depth of the directory holding the link, then walk the target's components. */
	int depth = 0;
	for (const char *p = entry; *p; p++)
		if (*p == '/' && p[1] != '\0')
			depth++;
	const char *s = target;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n > 0 && !(n == 1 && s[0] == '.')) {
			depth++;
		}
		if (!e)
			break;
		s = e + 1;
	}
	return true;
}

/*
 * Whether a directory on the way from dest to name is a symlink an earlier entry made. Writing
 * through one is refused: each link is checked where the zip places it, and a chain of links
 * that are each inside (a/L -> .., then a/L/M -> ..) would otherwise lead outside.
 */
static bool through_link(const char *dest, const char *name)
{
	char *path = path_join(dest, name);
	size_t base = strlen(dest);
	bool link = false;
	for (char *s = path + base + 1; *s && !link; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		struct stat st;
		link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
		*s = '/';
	}
	free(path);
	return link;
}

static bool make_parents(const char *dest, const char *name)
{
	char *full = path_join(dest, name);
	char *dir = path_dirname(full);
	struct error err;
	bool ok = path_mkdirs(dir, 0755, &err);
	free(dir);
	free(full);
	return ok;
}

static bool write_entry(zip_t *za, zip_uint64_t i, const char *path, mode_t mode,
			long long *written, struct api_err *e)
{
	zip_file_t *zf = zip_fopen_index(za, i, 0);
	if (!zf)
		return api_err_set(e, 400, "InvalidParameterValueException", BAD_ZIP);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		zip_fclose(zf);
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "Could not unzip uploaded file: cannot write '%s': %s", path,
				   strerror(errno));
	}
	/* Whatever the cloud's umask: a handler with a uid of its own must read its code. */
	fchmod(fd, mode);
	char buf[65536];
	bool ok = true;
	for (;;) {
		zip_int64_t n = zip_fread(zf, buf, sizeof(buf));
		if (n < 0) {
			ok = api_err_set(e, 400, "InvalidParameterValueException", BAD_ZIP);
			break;
		}
		if (n == 0)
			break;
		*written += n;
		if (*written > LAMBDA_UNZIPPED_MAX) {
			ok = api_err_set(e, 400, "InvalidParameterValueException",
					 "Unzipped size must be smaller than %lld bytes",
					 LAMBDA_UNZIPPED_MAX);
			break;
		}
		if (write(fd, buf, (size_t)n) != n) {
			ok = api_err_set(e, 500, "ServiceException", "cannot write '%s': %s", path,
					 strerror(errno));
			break;
		}
	}
	close(fd);
	zip_fclose(zf);
	return ok;
}

/* Folders 0755 whatever the umask, as files keep the zip's modes: a handler that runs as a uid of
 * its own (sandbox.h) reads and lists its code. */
static int open_folder(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_D && (st->st_mode & 07777) != 0755)
		chmod(path, 0755);
	return 0;
}

bool zipcode_extract(const void *zip, size_t len, const char *dest, long long *unzipped,
		     struct api_err *e)
{
	zip_error_t zerr;
	zip_error_init(&zerr);
	zip_source_t *src = zip_source_buffer_create(zip, len, 0, &zerr);
	if (!src) {
		zip_error_fini(&zerr);
		return api_err_set(e, 400, "InvalidParameterValueException", BAD_ZIP);
	}
	zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	zip_error_fini(&zerr);
	if (!za) {
		zip_source_free(src);
		return api_err_set(e, 400, "InvalidParameterValueException", BAD_ZIP);
	}
	bool ok = true;
	zip_int64_t n = zip_get_num_entries(za, 0);
	long long declared = 0;
	/* First pass: names and sizes, so a bad package writes nothing. */
	for (zip_int64_t i = 0; ok && i < n; i++) {
		zip_stat_t st;
		if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) != 0 ||
		    !(st.valid & ZIP_STAT_NAME)) {
			ok = api_err_set(e, 400, "InvalidParameterValueException", BAD_ZIP);
			break;
		}
		if (!path_is_safe_relative(st.name) || strstr(st.name, "//")) {
			ok = api_err_set(e, 400, "InvalidParameterValueException",
					 "Could not unzip uploaded file: the entry '%s' would be "
					 "written outside the function's directory",
					 st.name);
			break;
		}
		if (st.valid & ZIP_STAT_SIZE)
			declared += (long long)st.size;
	}
	if (ok && declared > LAMBDA_UNZIPPED_MAX)
		ok = api_err_set(e, 400, "InvalidParameterValueException",
				 "Unzipped size must be smaller than %lld bytes",
				 LAMBDA_UNZIPPED_MAX);
	long long written = 0;
	for (zip_int64_t i = 0; ok && i < n; i++) {
		zip_stat_t st;
		zip_stat_index(za, (zip_uint64_t)i, 0, &st);
		zip_uint8_t opsys;
		zip_uint32_t attr;
		mode_t mode = 0644;
		mode_t type = S_IFREG;
		if (zip_file_get_external_attributes(za, (zip_uint64_t)i, 0, &opsys, &attr) == 0 &&
		    opsys == ZIP_OPSYS_UNIX) {
			mode_t m = (mode_t)(attr >> 16);
			if (m & 0111)
				mode = 0755;
			if (S_ISLNK(m))
				type = S_IFLNK;
		}
		size_t nl = strlen(st.name);
		char *path = path_join(dest, st.name);
		if (through_link(dest, st.name)) {
			ok = api_err_set(e, 400, "InvalidParameterValueException",
					 "Could not unzip uploaded file: the entry '%s' would be "
					 "written through a symlink",
					 st.name);
		} else if (st.name[nl - 1] == '/') {
			struct error err;
			if (!path_mkdirs(path, 0755, &err))
				ok = api_err_set(e, 400, "InvalidParameterValueException", BAD_ZIP);
		} else if (!make_parents(dest, st.name)) {
			ok = api_err_set(e, 400, "InvalidParameterValueException", BAD_ZIP);
		} else if (type == S_IFLNK) {
			char target[4096];
			zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
			zip_int64_t tn = zf ? zip_fread(zf, target, sizeof(target) - 1) : -1;
			if (zf)
				zip_fclose(zf);
			if (tn < 0) {
				ok = api_err_set(e, 400, "InvalidParameterValueException", BAD_ZIP);
			} else {
				target[tn] = '\0';
				if (strlen(target) != (size_t)tn ||
				    !zipcode_link_is_safe(st.name, target))
					ok = api_err_set(
						e, 400, "InvalidParameterValueException",
						"Could not unzip uploaded file: the symlink "
						"'%s' points outside the function's "
						"directory",
						st.name);
				else if (symlink(target, path) != 0)
					ok = api_err_set(e, 400, "InvalidParameterValueException",
							 BAD_ZIP);
			}
		} else {
			ok = write_entry(za, (zip_uint64_t)i, path, mode, &written, e);
		}
		free(path);
	}
	zip_discard(za);
	*unzipped = written;
	if (ok)
		nftw(dest, open_folder, 16, FTW_PHYS);
	return ok;
}

void zipcode_remove_tree(const char *dir)
{
	path_remove_tree(dir);
}
