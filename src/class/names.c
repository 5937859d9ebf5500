/*
 * The class's roster and the names the trainer frees (names.h).
 */
#include "class/names.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "class/wire.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/xalloc.h"

#define ROSTER_MAX (1 << 20)

void names_list_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

char **names_parse(const char *text, const char *path, size_t *n, struct error *err)
{
	char **names = NULL;
	size_t alloc = 0;
	*n = 0;
	int line = 0;
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		line++;
		const char *hash = memchr(p, '#', len);
		size_t used = hash ? (size_t)(hash - p) : len;
		while (used && strchr(" \t\r", p[used - 1]))
			used--;
		size_t skip = 0;
		while (skip < used && strchr(" \t", p[skip]))
			skip++;
		if (used > skip) {
			char *name = xstrndup(p + skip, used - skip);
			/* A class knows a name in lower case (wire.h): "Alice" on the roster is
			 * alice. */
			if (wire_learner_valid(name))
				wire_learner_fold(name, name);
			bool twice = false;
			for (size_t i = 0; i < *n && !twice; i++)
				twice = strcmp(names[i], name) == 0;
			if (!wire_learner_valid(name) || twice) {
				error_set_at(
					err, path, line, (int)skip + 1,
					twice ? "'%s' is on the roster twice"
					      : "'%s' cannot name a learner (1-32 of a-z 0-9 . "
						"_ -, starting with a letter or digit)",
					name);
				free(name);
				names_list_free(names, *n);
				*n = 0;
				return NULL;
			}
			if (*n == alloc) {
				alloc = alloc ? 2 * alloc : 16;
				names = xreallocarray(names, alloc, sizeof *names);
			}
			names[(*n)++] = name;
		}
		p = end ? end + 1 : p + len;
	}
	if (!*n) {
		error_set(err, "'%s' names no learner: one name a line", path);
		return NULL;
	}
	return names;
}

bool names_roster_read(const char *dir, char ***names, size_t *n, struct error *err)
{
	*names = NULL;
	*n = 0;
	char *path = path_join(dir, NAMES_ROSTER);
	bool ok = true;
	if (access(path, F_OK) == 0) {
		char *text = path_read_file(path, ROSTER_MAX, NULL, err);
		ok = text && (*names = names_parse(text, path, n, err)) != NULL;
		free(text);
	}
	free(path);
	return ok;
}

bool names_roster_set(const char *dir, const char *path, size_t *n, struct error *err)
{
	char *text = path_read_file(path, ROSTER_MAX, NULL, err);
	char **names = text ? names_parse(text, path, n, err) : NULL;
	bool ok = names != NULL;
	if (ok) {
		size_t len = 0;
		for (size_t i = 0; i < *n; i++)
			len += strlen(names[i]) + 1;
		char *out = xmalloc(len + 1), *q = out;
		for (size_t i = 0; i < *n; i++)
			q += sprintf(q, "%s\n", names[i]);
		char *dst = path_join(dir, NAMES_ROSTER);
		/* 0644: on a shared host each learner's tutor reads it (a served class's folder
		 * is the trainer's alone). */
		ok = path_write_file(dst, out, len, 0644, err);
		free(dst);
		free(out);
	}
	names_list_free(names, *n);
	free(text);
	return ok;
}

bool names_allowed(const char *dir, const char *name, struct error *err)
{
	char **names;
	size_t n;
	if (!names_roster_read(dir, &names, &n, err))
		return false;
	bool on = !names;
	for (size_t i = 0; i < n && !on; i++)
		on = strcasecmp(names[i], name) == 0;
	names_list_free(names, n);
	if (!on)
		error_set(err, "'%s' is not on this class's roster; ask the trainer", name);
	return on;
}

static char *mark_path(const char *dir, const char *name)
{
	char *free_dir = path_join(dir, NAMES_FREE);
	char *path = path_join(free_dir, name);
	free(free_dir);
	return path;
}

bool names_freed(const char *dir, const char *given)
{
	if (!wire_learner_valid(given))
		return false;
	char name[WIRE_LEARNER_MAX + 1];
	wire_learner_fold(given, name);
	char *path = mark_path(dir, name);
	bool freed = access(path, F_OK) == 0;
	free(path);
	return freed;
}

bool names_free(const char *dir, const char *given, struct error *err)
{
	if (!wire_learner_valid(given))
		return error_set(err, "'%s' cannot name a learner of this class", given);
	char name[WIRE_LEARNER_MAX + 1];
	wire_learner_fold(given, name);
	char *file = xasprintf("%s.db", name);
	char *db = path_join(dir, file);
	free(file);
	bool joined = path_is_file(db);
	free(db);
	if (!joined)
		return error_set(err, "'%s' has not joined the class in '%s': nothing to free",
				 name, dir);
	char *free_dir = path_join(dir, NAMES_FREE);
	bool ok = path_mkdirs(free_dir, 0700, err);
	free(free_dir);
	char *path = mark_path(dir, name);
	ok = ok && path_write_file(path, "", 0, 0600, err);
	free(path);
	return ok;
}

bool names_retire(const char *dir, const char *name, char **moved_to, struct error *err)
{
	*moved_to = NULL;
	char *file = xasprintf("%s.db", name);
	char *db = path_join(dir, file);
	free(file);
	char *freed_dir = path_join(dir, NAMES_FREED);
	char *leaf = xasprintf("%s-%lld.db", name, (long long)clock_wall_ms());
	char *dst = path_join(freed_dir, leaf);
	char *mark = mark_path(dir, name);
	bool ok = true;
	if (path_is_file(db)) {
		ok = path_mkdirs(freed_dir, 0700, err);
		if (ok && rename(db, dst) != 0)
			ok = error_set(err, "cannot move '%s' to '%s': %s", db, dst,
				       strerror(errno));
		/* A closed store leaves no -wal or -shm; one a crash left goes with it. */
		static const char *const exts[] = { "-wal", "-shm" };
		for (size_t i = 0; ok && i < sizeof exts / sizeof *exts; i++) {
			char *a = xasprintf("%s%s", db, exts[i]),
			     *b = xasprintf("%s%s", dst, exts[i]);
			if (access(a, F_OK) == 0 && rename(a, b) != 0)
				ok = error_set(err, "cannot move '%s': %s", a, strerror(errno));
			free(a);
			free(b);
		}
		if (ok)
			*moved_to = xstrdup(dst);
	}
	if (ok && unlink(mark) != 0 && errno != ENOENT)
		ok = error_set(err, "cannot clear '%s': %s", mark, strerror(errno));
	free(mark);
	free(dst);
	free(leaf);
	free(freed_dir);
	free(db);
	return ok;
}
