/*
 * Recording check runs, each with the package of the code it ran on.
 */
#include "check/record.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/client.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "store/store.h"

/*
 * Keep the code of r's run beside the record (content-addressed, 0600) and name it in data.
 * A folder that cannot be packed leaves the run without a package: it is recorded all the
 * same, and counts for a class only as a result nobody can re-run.
 */
static void add_package(struct store *store, const struct check_result *r, cJSON *data)
{
	const char *db = store_path(store);
	if (!r->code_dir || !db || !path_is_dir(r->code_dir))
		return;
	struct error err;
	error_clear(&err);
	size_t len = 0;
	void *zip = package_zip(r->code_dir, &len, &err);
	if (!zip)
		return;
	char sha[SHA256_HEX_LEN + 1];
	sha256_hex(zip, len, sha);
	char *path = store_package_path(db, sha);
	char *dir = path_dirname(path);
	/* In a shared host's class the record is the trainers' group's to read: so is its code. */
	struct stat st;
	bool group = stat(db, &st) == 0 && (st.st_mode & S_IRGRP);
	if (path_mkdirs(dir, group ? 0750 : 0700, &err) &&
	    path_write_file(path, zip, len, group ? 0640 : 0600, &err)) {
		if (group) {
			chmod(dir, 0750); /* past the umask, as the record itself */
			chmod(path, 0640);
		}
		cJSON *p = cJSON_AddObjectToObject(data, "package");
		cJSON_AddStringToObject(p, "sha256", sha);
		cJSON_AddNumberToObject(p, "bytes", (double)len);
	}
	free(dir);
	free(path);
	free(zip);
}

bool check_record(struct store *store, const struct check_result *r, struct error *err)
{
	char *json = check_result_json(r, false);
	cJSON *doc = cJSON_Parse(json);
	char *data = json;
	if (doc) {
		add_package(store, r, doc);
		/* Each call's REPORT line (duration, billed, memory): a reviewer's metrics and
		 * cost of the run, one line a call. */
		cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "steps");
		for (size_t i = 0; i < r->n_steps && i < (size_t)cJSON_GetArraySize(st); i++)
			if (r->steps[i].report_line)
				cJSON_AddStringToObject(cJSON_GetArrayItem(st, (int)i), "report",
							r->steps[i].report_line);
		data = cJSON_PrintUnformatted(doc);
		cJSON_Delete(doc);
		free(json);
	}
	struct store_event ev = {
		.kind = STORE_CHECK_RUN,
		.module = r->exercise->module_id,
		.item = r->exercise->id,
		.hash = r->exercise->hash,
		.data = data,
	};
	bool ok = store_append(store, &ev, err);
	free(data);
	return ok;
}
