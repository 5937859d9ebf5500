/*
 * The class server's book of when it last heard from each learner (seen.h).
 */
#include "class/seen.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "class/pace.h"
#include "core/path.h"
#include "core/xalloc.h"

struct seen_book {
	cJSON *doc;
	int64_t sig[3]; /* the file it was read from: inode, size, mtime (ns); 0s when none */
};

/* What tells one version of path from another: the server replaces the file whole. */
static void file_sig(const char *path, int64_t sig[3])
{
	struct stat st;
	memset(sig, 0, 3 * sizeof *sig);
	if (stat(path, &st) == 0) {
		sig[0] = (int64_t)st.st_ino;
		sig[1] = (int64_t)st.st_size;
		sig[2] = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	}
}

struct seen_book *seen_book_load(const char *dir)
{
	char *path = path_join(dir, SEEN_FILE);
	int64_t sig[3];
	file_sig(path, sig);
	struct error err;
	error_clear(&err);
	char *text = path_is_file(path) ? path_read_file(path, 1 << 22, NULL, &err) : NULL;
	free(path);
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return NULL;
	}
	struct seen_book *b = xcalloc(1, sizeof *b);
	b->doc = doc;
	memcpy(b->sig, sig, sizeof b->sig);
	return b;
}

struct seen_book *seen_book_reload(struct seen_book *b, const char *dir)
{
	char *path = path_join(dir, SEEN_FILE);
	int64_t sig[3];
	file_sig(path, sig);
	free(path);
	if (b && sig[0] && memcmp(sig, b->sig, sizeof sig) == 0)
		return b;
	seen_book_free(b);
	return sig[0] ? seen_book_load(dir) : NULL;
}

void seen_book_free(struct seen_book *b)
{
	if (!b)
		return;
	cJSON_Delete(b->doc);
	free(b);
}

static int64_t num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 9e15
		       ? (int64_t)v->valuedouble
		       : 0;
}

bool seen_book_get(const struct seen_book *b, const char *learner, struct seen *out)
{
	*out = (struct seen){ 0 };
	const cJSON *o = b ? cJSON_GetObjectItemCaseSensitive(b->doc, learner) : NULL;
	if (!cJSON_IsObject(o))
		return false;
	out->seen_ms = num(o, "seen_ms");
	out->ok_ms = num(o, "ok_ms");
	out->fail_ms = num(o, "fail_ms");
	const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "why"));
	snprintf(out->why, sizeof out->why, "%s", why ? why : "");
	return out->seen_ms > 0;
}

struct seen_book *seen_book_put(struct seen_book *b, const char *learner, const struct seen *s)
{
	if (!b) {
		b = xcalloc(1, sizeof *b);
		b->doc = cJSON_CreateObject();
	}
	memset(b->sig, 0, sizeof b->sig); /* no longer what any file holds */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seen_ms", (double)s->seen_ms);
	cJSON_AddNumberToObject(o, "ok_ms", (double)s->ok_ms);
	cJSON_AddNumberToObject(o, "fail_ms", (double)s->fail_ms);
	if (s->why[0])
		cJSON_AddStringToObject(o, "why", s->why);
	if (cJSON_GetObjectItemCaseSensitive(b->doc, learner))
		cJSON_ReplaceItemInObjectCaseSensitive(b->doc, learner, o);
	else
		cJSON_AddItemToObject(b->doc, learner, o);
	return b;
}

bool seen_book_write(const struct seen_book *b, const char *dir, struct error *err)
{
	char *text = cJSON_PrintUnformatted(b->doc);
	char *path = path_join(dir, SEEN_FILE);
	bool ok = pace_write_file(path, text, err);
	free(path);
	free(text);
	return ok;
}

void seen_words(const struct seen *s, int64_t now_ms, char *buf, size_t n)
{
	buf[0] = '\0';
	if (s->fail_ms && s->fail_ms >= s->ok_ms)
		snprintf(buf, n, "sync fails: %s", s->why[0] ? s->why : "refused by the server");
	else if (s->seen_ms && now_ms - s->seen_ms >= SEEN_OFFLINE_MS)
		snprintf(buf, n, "not seen %ldm", (long)((now_ms - s->seen_ms) / 60000));
}
