/*
 * Deployment packages: the learner's folder zipped in memory with libzip, as `zip -r` would,
 * without the tutor's own files (hidden entries) or Python's byte-code caches. libzip is
 * loaded on first use (zip_lazy.c).
 */
#include "aws/client.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check/zip_lazy.h"
#include "core/path.h"
#include "core/xalloc.h"

/* Lambda's limit for a zip uploaded directly. */
#define ZIP_MAX   (50u * 1024 * 1024)
#define DEPTH_MAX 16

static bool skip(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '.' || strcmp(name, "__pycache__") == 0 ||
	       (n > 4 && strcmp(name + n - 4, ".pyc") == 0);
}

static bool add_dir(const struct zip_api *z, zip_t *za, const char *root, const char *rel,
		    const char *leave_out, int depth, size_t *total, struct error *err)
{
	if (depth > DEPTH_MAX)
		return error_set(err, "'%s' is nested too deeply", rel);
	char *full = rel[0] ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(full);
	if (!d) {
		error_set(err, "cannot read folder '%s'", full);
		free(full);
		return false;
	}
	/* Sorted, so that the same folder always gives the same package. */
	struct dirent **list = NULL;
	int n = scandir(full, &list, NULL, alphasort);
	closedir(d);
	bool ok = n >= 0;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		if (!ok || skip(name) || (!rel[0] && leave_out && strcmp(name, leave_out) == 0)) {
			free(list[i]);
			continue;
		}
		char *r = rel[0] ? xasprintf("%s/%s", rel, name) : xstrdup(name);
		char *p = path_join(root, r);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			ok = add_dir(z, za, root, r, NULL, depth + 1, total, err);
		} else if (lstat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			*total += (size_t)st.st_size;
			if (*total > ZIP_MAX) {
				ok = error_set(err, "the folder holds more than 50 MB, Lambda's "
						    "limit for a zip upload");
			} else {
				zip_source_t *src = z->zip_source_file(za, p, 0, -1);
				zip_int64_t idx =
					src ? z->zip_file_add(za, r, src, ZIP_FL_ENC_UTF_8) : -1;
				if (idx < 0) {
					z->zip_source_free(src);
					ok = error_set(err, "cannot add '%s' to the package: %s", r,
						       z->zip_strerror(za));
				} else {
					z->zip_set_file_compression(za, (zip_uint64_t)idx,
								    ZIP_CM_STORE, 0);
					z->zip_file_set_external_attributes(
						za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
						((zip_uint32_t)(st.st_mode & 0777) | 0100000u)
							<< 16);
				}
			}
		}
		free(p);
		free(r);
		free(list[i]);
	}
	free(list);
	free(full);
	return ok;
}

void *package_zip(const char *dir, size_t *len, struct error *err)
{
	return package_zip_without(dir, NULL, len, err);
}

void *package_zip_without(const char *dir, const char *leave_out, size_t *len, struct error *err)
{
	const struct zip_api *z = zip_api_get(err);
	if (!z)
		return NULL;
	zip_error_t ze;
	z->zip_error_init(&ze);
	zip_source_t *src = z->zip_source_buffer_create(NULL, 0, 0, &ze);
	void *out = NULL;
	if (!src) {
		error_set(err, "cannot create a package: %s", z->zip_error_strerror(&ze));
		goto out;
	}
	z->zip_source_keep(src);
	zip_t *za = z->zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	if (!za) {
		error_set(err, "cannot create a package: %s", z->zip_error_strerror(&ze));
		goto out;
	}
	size_t total = 0;
	if (!add_dir(z, za, dir, "", leave_out, 0, &total, err)) {
		z->zip_discard(za);
		goto out;
	}
	if (z->zip_close(za) < 0) {
		error_set(err, "cannot write the package: %s", z->zip_strerror(za));
		z->zip_discard(za);
		goto out;
	}
	zip_stat_t zs;
	if (z->zip_source_stat(src, &zs) < 0 || z->zip_source_open(src) < 0) {
		error_set(err, "cannot read the package back");
		goto out;
	}
	out = xmalloc(zs.size + 1);
	zip_int64_t got = z->zip_source_read(src, out, zs.size);
	z->zip_source_close(src);
	if (got < 0 || (zip_uint64_t)got != zs.size) {
		free(out);
		out = NULL;
		error_set(err, "cannot read the package back");
		goto out;
	}
	*len = (size_t)zs.size;
out:
	z->zip_source_free(src);
	z->zip_error_fini(&ze);
	return out;
}

bool package_unzip(const void *zip, size_t len, const char *dir, struct error *err)
{
	const struct zip_api *z = zip_api_get(err);
	if (!z)
		return false;
	zip_error_t ze;
	z->zip_error_init(&ze);
	zip_source_t *src = z->zip_source_buffer_create(zip, len, 0, &ze);
	zip_t *za = src ? z->zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	bool ok = za != NULL;
	if (!ok) {
		error_set(err, "the package is not a zip file: %s", z->zip_error_strerror(&ze));
		z->zip_source_free(src);
		z->zip_error_fini(&ze);
		return false;
	}
	zip_int64_t n = z->zip_get_num_entries(za, 0);
	size_t total = 0;
	for (zip_int64_t i = 0; ok && i < n; i++) {
		const char *name = z->zip_get_name(za, (zip_uint64_t)i, ZIP_FL_ENC_GUESS);
		if (!name || !path_is_safe_relative(name)) {
			ok = error_set(err, "the package has an entry that leaves its folder: '%s'",
				       name ? name : "?");
			break;
		}
		char *full = path_join(dir, name);
		size_t nl = strlen(name);
		if (nl && name[nl - 1] == '/') {
			ok = path_mkdirs(full, 0755, err);
			free(full);
			continue;
		}
		zip_stat_t st;
		zip_file_t *zf = NULL;
		char *data = NULL;
		if (z->zip_stat_index(za, (zip_uint64_t)i, 0, &st) < 0 ||
		    (total += (size_t)st.size) > 250u * 1024 * 1024 ||
		    !(zf = z->zip_fopen_index(za, (zip_uint64_t)i, 0))) {
			ok = error_set(err, "cannot read '%s' from the package", name);
		} else {
			data = xmalloc(st.size + 1);
			zip_int64_t got = z->zip_fread(zf, data, st.size);
			char *parent = path_dirname(full);
			zip_uint8_t os;
			zip_uint32_t attr = 0;
			z->zip_file_get_external_attributes(za, (zip_uint64_t)i, 0, &os, &attr);
			mode_t mode = os == ZIP_OPSYS_UNIX && ((attr >> 16) & 0111) ? 0755 : 0644;
			ok = got == (zip_int64_t)st.size && path_mkdirs(parent, 0755, err) &&
			     path_write_file(full, data, (size_t)st.size, mode, err);
			if (got != (zip_int64_t)st.size)
				error_set(err, "cannot read '%s' from the package", name);
			free(parent);
		}
		if (zf)
			z->zip_fclose(zf);
		free(data);
		free(full);
	}
	z->zip_close(za);
	z->zip_error_fini(&ze);
	return ok;
}
