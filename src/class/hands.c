/*
 * Acknowledged hands, one small JSON file a class.
 */
#include "class/hands.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/path.h"
#include "core/xalloc.h"

static cJSON *hands_read(const char *dir)
{
	char *path = path_join(dir, HANDS_FILE);
	struct error err;
	size_t len;
	char *text = path_is_file(path) ? path_read_file(path, 1 << 20, &len, &err) : NULL;
	free(path);
	cJSON *doc = text ? cJSON_ParseWithLength(text, len) : NULL;
	free(text);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		doc = cJSON_CreateObject();
	}
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "seen"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "seen");
		cJSON_AddObjectToObject(doc, "seen");
	}
	return doc;
}

int64_t hands_seen_ms(const char *dir, const char *learner)
{
	cJSON *doc = hands_read(dir);
	const cJSON *v =
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(doc, "seen"), learner);
	int64_t ms = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
	cJSON_Delete(doc);
	return ms;
}

bool hands_see(const char *dir, const char *learner, int64_t now_ms, struct error *err)
{
	if (!learner[0] || strchr(learner, '/') || learner[0] == '.')
		return error_set(err, "'%s' is not a learner's name", learner);
	cJSON *doc = hands_read(dir);
	cJSON *seen = cJSON_GetObjectItem(doc, "seen");
	cJSON_DeleteItemFromObjectCaseSensitive(seen, learner);
	cJSON_AddNumberToObject(seen, learner, (double)now_ms);
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	char *path = path_join(dir, HANDS_FILE);
	bool ok = path_write_file(path, text, strlen(text), 0664, err);
	if (ok)
		chmod(path, 0664); /* past the umask: learners read it, co-trainers write it */
	free(path);
	free(text);
	return ok;
}
