/*
 * Paths and files: joining, reading whole files, creating directories, the XDG locations.
 */
#ifndef CORE_PATH_H
#define CORE_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

/* "a" + "b" -> "a/b" (no doubled slash). Caller frees. */
char *path_join(const char *a, const char *b);
/* The directory part of path ("." when none). Caller frees. */
char *path_dirname(const char *path);
/*
 * Read a whole file, at most max bytes (0: no limit), NUL-terminated. Returns NULL and
 * fills err ("cannot read 'x': reason") on failure. Caller frees.
 */
char *path_read_file(const char *path, size_t max, size_t *len, struct error *err);
/* Write data to path atomically (temp file, fsync, rename). */
bool path_write_file(const char *path, const void *data, size_t len, mode_t mode,
		     struct error *err);
/* mkdir -p. Existing directories are fine. */
bool path_mkdirs(const char *path, mode_t mode, struct error *err);
bool path_is_dir(const char *path);
bool path_is_file(const char *path);
/* rm -rf, without following symbolic links. A missing path is fine. */
void path_remove_tree(const char *path);
/*
 * True when rel is a relative path that stays inside its base directory once joined:
 * no absolute path, no ".." component, no NUL, not empty.
 */
bool path_is_safe_relative(const char *rel);
/* $XDG_DATA_HOME, else $HOME/.local/share. Caller frees. NULL if neither is known. */
char *path_xdg_data_home(void);

#endif
