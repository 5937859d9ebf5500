/*
 * Paths and whole-file I/O.
 */
#include "core/path.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strbuf.h"

char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	if (la == 0)
		return xstrdup(b);
	if (b[0] == '/')
		b++;
	if (a[la - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *path_read_file(const char *path, size_t max, size_t *len, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_set(err, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	bool known = fstat(fd, &st) == 0;
	if (known && S_ISDIR(st.st_mode)) {
		close(fd);
		error_set(err, "cannot read '%s': is a directory", path);
		return NULL;
	}
	/*
	 * A regular file is read into a buffer of its own size (and a byte to see its end in):
	 * growing by 64 KiB made every read a 128 KiB allocation, which malloc maps and unmaps.
	 */
	struct strbuf sb = STRBUF_INIT;
	size_t size = known && S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 4096;
	strbuf_grow(&sb, max && size > max ? max + 1 : size + 1);
	for (;;) {
		if (sb.len + 1 >= sb.alloc)
			strbuf_grow(&sb, 4096);
		ssize_t n = read(fd, sb.buf + sb.len, sb.alloc - sb.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error_set(err, "cannot read '%s': %s", path, strerror(errno));
			close(fd);
			strbuf_release(&sb);
			return NULL;
		}
		if (n == 0)
			break;
		sb.len += (size_t)n;
		sb.buf[sb.len] = '\0';
		if (max && sb.len > max) {
			error_set(err, "cannot read '%s': larger than %zu bytes", path, max);
			close(fd);
			strbuf_release(&sb);
			return NULL;
		}
	}
	close(fd);
	if (len)
		*len = sb.len;
	return strbuf_detach(&sb);
}

bool path_write_file(const char *path, const void *data, size_t len, mode_t mode, struct error *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		error_set(err, "cannot write '%s': %s", path, strerror(errno));
		free(tmp);
		return false;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return true;
fail:
	error_set(err, "cannot write '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return false;
}

bool path_mkdirs(const char *path, mode_t mode, struct error *err)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			error_set(err, "cannot create directory '%s': %s", p, strerror(errno));
			free(p);
			return false;
		}
		*s = '/';
	}
	if (mkdir(p, mode) != 0 && errno != EEXIST) {
		error_set(err, "cannot create directory '%s': %s", p, strerror(errno));
		free(p);
		return false;
	}
	free(p);
	if (!path_is_dir(path))
		return error_set(err, "cannot create directory '%s': not a directory", path);
	return true;
}

bool path_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool path_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool path_is_safe_relative(const char *rel)
{
	if (!rel || !rel[0] || rel[0] == '/')
		return false;
	const char *s = rel;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return false;
		if (!e)
			break;
		s = e + 1;
	}
	return true;
}

char *path_xdg_data_home(void)
{
	const char *x = getenv("XDG_DATA_HOME");
	if (x && x[0] == '/')
		return xstrdup(x);
	const char *home = getenv("HOME");
	if (home && home[0])
		return path_join(home, ".local/share");
	return NULL;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

void path_remove_tree(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
