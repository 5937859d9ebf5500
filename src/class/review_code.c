/*
 * Where a learner's final project's code is, for the hands-on review (class/review.h). Apart
 * from review.c: it unpacks packages with the checker's package_unzip(), which the class
 * server's program never links (nothing of this file is pulled into it).
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "class/hub.h"
#include "class/review.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "store/store.h"

/* The learner's workspace on a shared host: ~LOGIN/lambda-workshop. */
static char *learner_workspace(const char *login)
{
	struct passwd *pw = getpwnam(login);
	return pw && pw->pw_dir ? path_join(pw->pw_dir, "lambda-workshop") : NULL;
}

/*
 * The code exercise's last check run that came with its package ran on: from the class
 * server's packages (DIR/packages), else beside the learner's record (a shared host),
 * unpacked into a temporary folder, under sub there when sub is not "". NULL when the class
 * holds none. Caller removes and frees.
 */
static char *unpack_last(const char *dir, const struct class_learner *l, const char *exercise,
			 const char *sub)
{
	char sha[SHA256_HEX_LEN + 1] = "";
	for (size_t i = l->n_events; i-- > 0 && !sha[0];) {
		const struct class_event *ev = &l->events[i];
		if (strcmp(ev->kind, STORE_CHECK_RUN) != 0 || !ev->item || !ev->data ||
		    strcmp(ev->item, exercise) != 0)
			continue;
		cJSON *d = cJSON_Parse(ev->data);
		const char *h = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(d, "package"), "sha256"));
		if (h && strlen(h) == SHA256_HEX_LEN && !strchr(h, '/'))
			snprintf(sha, sizeof sha, "%s", h);
		cJSON_Delete(d);
	}
	char *zip_path = sha[0] ? hub_package_path(dir, l->id, sha) : NULL;
	if (zip_path && !path_is_file(zip_path) && l->path) {
		free(zip_path);
		zip_path = store_package_path(l->path, sha);
	}
	size_t len = 0;
	struct error err;
	error_clear(&err);
	char *zip = zip_path && path_is_file(zip_path)
			    ? path_read_file(zip_path, 64u << 20, &len, &err)
			    : NULL;
	free(zip_path);
	char tmpl[] = "/tmp/lambda-tutor-review.XXXXXX";
	char *tmp = zip ? mkdtemp(tmpl) : NULL;
	char *ws = tmp ? xstrdup(tmp) : NULL;
	char *proj = ws ? (sub[0] ? path_join(ws, sub) : xstrdup(ws)) : NULL;
	if (ws && !package_unzip(zip, len, proj, &err)) {
		path_remove_tree(ws);
		free(ws);
		ws = NULL;
	}
	free(proj);
	free(zip);
	return ws;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files under dir (relative paths, sorted), skipping hidden ones and build output. */
static void list_under(const char *dir, const char *rel, char ***out, size_t *n)
{
	char *path = rel[0] ? path_join(dir, rel) : xstrdup(dir);
	DIR *d = opendir(path);
	free(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "node_modules") ||
		    !strcmp(e->d_name, "__pycache__"))
			continue;
		char *r = rel[0] ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		char *full = path_join(dir, r);
		if (path_is_dir(full)) {
			list_under(dir, r, out, n);
			free(r);
		} else if (path_is_file(full)) {
			*out = xreallocarray(*out, *n + 1, sizeof **out);
			(*out)[(*n)++] = r;
		} else {
			free(r);
		}
		free(full);
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_name);
}

void review_list_files(const char *dir, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	list_under(dir, "", out, n);
}

char *review_code_unpack(const char *dir, const struct class_learner *l, const char *exercise)
{
	return unpack_last(dir, l, exercise, "");
}

char *review_code_root(const char *dir, const struct class_learner *l, const char *workspace,
		       bool *temp)
{
	*temp = false;
	if (workspace)
		return xstrdup(workspace);
	/* A served class: learners' code is what they sent, whoever shares a login here. */
	char *code = path_join(dir, HUB_CODE_FILE);
	bool served = path_is_file(code);
	free(code);
	char *ws = served ? NULL : learner_workspace(l->id);
	char *proj = ws ? path_join(ws, REVIEW_PROJECT) : NULL;
	if (!proj || !path_is_dir(proj)) {
		char *unpacked = unpack_last(dir, l, REVIEW_PROJECT, REVIEW_PROJECT);
		if (unpacked) {
			free(ws);
			ws = unpacked;
			*temp = true;
		}
	}
	free(proj);
	return ws;
}
