/*
 * Exercise folders in the learner's workspace.
 */
#include "check/workspace.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/path.h"
#include "core/xalloc.h"

#define STARTER_FILE_MAX (1u << 20)

bool workspace_private(const char *ws, struct error *err)
{
	char *parent = path_dirname(ws);
	bool ok = path_mkdirs(parent, 0755, err);
	free(parent);
	if (!ok)
		return false;
	if (mkdir(ws, 0700) != 0 && errno != EEXIST)
		return error_set(err, "cannot create the workspace '%s': %s", ws, strerror(errno));
	struct stat st;
	if (lstat(ws, &st) != 0 || !S_ISDIR(st.st_mode))
		return error_set(err, "the workspace '%s' is not a folder", ws);
	/* Someone else's folder (a trainer's shared copy) is left as its owner made it. */
	if (st.st_uid == geteuid() && (st.st_mode & 077) && chmod(ws, st.st_mode & 07700) != 0)
		return error_set(err, "cannot make the workspace '%s' private: %s", ws,
				 strerror(errno));
	return true;
}

char *workspace_dir(const char *ws, const struct exercise *ex)
{
	return path_join(ws, ex->id);
}

static int read_lang(const char *file)
{
	char *text = path_read_file(file, 64, NULL, NULL);
	if (!text)
		return -1;
	text[strcspn(text, " \r\n")] = '\0';
	int lang = exercise_lang_parse(text);
	free(text);
	return lang;
}

int workspace_language(const char *ws, const struct exercise *ex)
{
	int lang = -1;
	if (ex) {
		char *dir = workspace_dir(ws, ex);
		char *f = path_join(dir, ".language");
		lang = read_lang(f);
		free(f);
		free(dir);
	}
	if (lang < 0) {
		char *f = path_join(ws, ".lambda-tutor/language");
		lang = read_lang(f);
		free(f);
	}
	return lang;
}

bool workspace_set_language(const char *ws, const struct exercise *ex, enum exercise_lang lang,
			    struct error *err)
{
	if (!workspace_private(ws, err))
		return false;
	char *dir = ex ? workspace_dir(ws, ex) : path_join(ws, ".lambda-tutor");
	char *file = path_join(dir, ex ? ".language" : "language");
	char *text = xasprintf("%s\n", exercise_lang_name(lang));
	bool ok =
		path_mkdirs(dir, 0755, err) && path_write_file(file, text, strlen(text), 0644, err);
	free(text);
	free(file);
	free(dir);
	return ok;
}

static bool copy_starter(const struct exercise_starter *st, const char *dir, struct error *err)
{
	for (size_t i = 0; i < st->n_files; i++) {
		char *src = path_join(st->dir, st->files[i]);
		char *dst = path_join(dir, st->files[i]);
		char *parent = path_dirname(dst);
		size_t len = 0;
		char *data = path_read_file(src, STARTER_FILE_MAX, &len, err);
		struct stat sb;
		mode_t mode = stat(src, &sb) == 0 && (sb.st_mode & 0111) ? 0755 : 0644;
		bool ok = data && path_mkdirs(parent, 0755, err) &&
			  path_write_file(dst, data, len, mode, err);
		free(data);
		free(parent);
		free(dst);
		free(src);
		if (!ok)
			return false;
	}
	return true;
}

bool workspace_open(const char *ws, const struct exercise *ex, enum exercise_lang lang,
		    bool *created, struct error *err)
{
	*created = false;
	const struct exercise_starter *st = &ex->starters[lang];
	if (!st->present)
		return error_set(err, "exercise '%s' has no %s starter", ex->id,
				 exercise_lang_name(lang));
	if (!workspace_private(ws, err))
		return false;
	char *dir = workspace_dir(ws, ex);
	bool ok = true;
	if (!path_is_dir(dir)) {
		ok = path_mkdirs(dir, 0755, err) && copy_starter(st, dir, err) &&
		     workspace_set_language(ws, ex, lang, err);
		*created = ok;
	}
	free(dir);
	return ok;
}

bool workspace_reset(const char *ws, const struct exercise *ex, enum exercise_lang lang,
		     char **aside, struct error *err)
{
	*aside = NULL;
	if (!workspace_private(ws, err))
		return false;
	char *dir = workspace_dir(ws, ex);
	bool ok = true;
	DIR *d = path_is_dir(dir) ? opendir(dir) : NULL;
	if (d) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), ".old-%Y%m%d-%H%M%S", &tm);
		char *old = path_join(dir, stamp);
		for (int n = 2; path_is_dir(old); n++) {
			free(old);
			old = xasprintf("%s/%s-%d", dir, stamp, n);
		}
		struct dirent *e;
		bool moved = false;
		while (ok && (e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    strncmp(e->d_name, ".old-", 5) == 0 ||
			    strcmp(e->d_name, ".language") == 0)
				continue;
			if (!moved && !(ok = path_mkdirs(old, 0755, err)))
				break;
			moved = true;
			char *from = path_join(dir, e->d_name), *to = path_join(old, e->d_name);
			if (rename(from, to) != 0)
				ok = error_set(err, "cannot move '%s' aside: %s", from,
					       strerror(errno));
			free(from);
			free(to);
		}
		closedir(d);
		if (moved)
			*aside = old;
		else
			free(old);
	}
	if (ok)
		ok = path_mkdirs(dir, 0755, err) && copy_starter(&ex->starters[lang], dir, err) &&
		     workspace_set_language(ws, ex, lang, err);
	free(dir);
	return ok;
}

char *workspace_main_file(const char *ws, const struct exercise *ex, enum exercise_lang lang)
{
	const struct exercise_starter *st = &ex->starters[lang];
	char *dir = workspace_dir(ws, ex);
	char *f = path_join(dir, st->n_files ? st->files[0] : "");
	free(dir);
	return f;
}
