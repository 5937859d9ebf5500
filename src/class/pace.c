/*
 * The trainer file: small JSON, replaced by rename so a reader never sees half of it.
 */
#include "class/pace.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/path.h"
#include "core/xalloc.h"

bool pace_read(const char *dir, struct pace *out, struct error *err)
{
	*out = (struct pace){ 0 };
	char *path = path_join(dir, PACE_FILE);
	if (!path_is_file(path)) {
		free(path);
		return true;
	}
	size_t len;
	char *text = path_read_file(path, 1 << 16, &len, err);
	if (!text) {
		free(path);
		return false;
	}
	cJSON *doc = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		bool r = error_set(err, "'%s' is not a trainer file (not a JSON object)", path);
		free(path);
		return r;
	}
	free(path);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "started_ms");
	if (cJSON_IsNumber(v))
		out->started_ms = (int64_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(doc, "open_through");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0)
		out->open_through = (int)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(doc, "message");
	if (cJSON_IsString(v)) {
		snprintf(out->message, sizeof out->message, "%s", v->valuestring);
		out->message[strcspn(out->message, "\r\n")] = '\0';
	}
	v = cJSON_GetObjectItemCaseSensitive(doc, "message_ms");
	if (cJSON_IsNumber(v))
		out->message_ms = (int64_t)v->valuedouble;
	cJSON_Delete(doc);
	return true;
}

/*
 * Another trainer's file (class init run by root, or a colleague's): the sticky class folder
 * refuses replacing it, but the trainers' group may write it (0664). Readers that catch it half
 * written see no JSON object and keep what they had until the next poll.
 */
static bool write_in_place(const char *path, const char *text, struct error *err)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	bool ok = fd >= 0 && pwrite(fd, text, len, 0) == (ssize_t)len &&
		  ftruncate(fd, (off_t)len) == 0 && fsync(fd) == 0;
	if (!ok)
		error_set(err, "cannot write '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

bool pace_write(const char *dir, const struct pace *p, struct error *err)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "started_ms", (double)p->started_ms);
	cJSON_AddNumberToObject(doc, "open_through", p->open_through);
	cJSON_AddStringToObject(doc, "message", p->message);
	cJSON_AddNumberToObject(doc, "message_ms", (double)p->message_ms);
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	char *path = path_join(dir, PACE_FILE);
	bool ok = pace_write_file(path, text, err);
	free(path);
	free(text);
	return ok;
}

bool pace_write_file(const char *path, const char *text, struct error *err)
{
	struct stat st;
	if (geteuid() != 0 && stat(path, &st) == 0 && st.st_uid != geteuid())
		return write_in_place(path, text, err);
	if (!path_write_file(path, text, strlen(text), 0664, err))
		return false;
	chmod(path, 0664); /* past the umask: the other trainers of the group update it too */
	return true;
}

bool pace_module_open(const struct pace *p, long m)
{
	return p->open_through <= 0 || m <= p->open_through;
}
