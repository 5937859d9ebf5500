/*
 * The learner's workspace (default ~/lambda-workshop): one folder per exercise, created from
 * the exercise's starter the first time it is opened. The language is chosen once for the
 * workspace (.lambda-tutor/language) and can be changed per exercise (<folder>/.language).
 * Resetting moves the learner's files aside into <folder>/.old-<timestamp>/ before copying the
 * starter back, so nothing is ever lost.
 */
#ifndef CHECK_WORKSPACE_H
#define CHECK_WORKSPACE_H

#include <stdbool.h>

#include "core/error.h"
#include "course/exercise_load.h"

/*
 * Make the workspace folder ws private: created 0700, or an existing one of this user's
 * stripped of its group and other bits, so on a shared host nobody else reads a learner's code
 * (every other function here calls it first).
 */
bool workspace_private(const char *ws, struct error *err);
/* <ws>/<exercise id>. Caller frees. */
char *workspace_dir(const char *ws, const struct exercise *ex);
/* The exercise's language: its own choice, else the workspace's, else -1. */
int workspace_language(const char *ws, const struct exercise *ex);
/* Record lang for ex, or for the whole workspace when ex is NULL. */
bool workspace_set_language(const char *ws, const struct exercise *ex, enum exercise_lang lang,
			    struct error *err);
/*
 * Make sure the exercise's folder exists, copying the lang starter when it does not (then
 * *created is true). A folder holding another language's files is left alone.
 */
bool workspace_open(const char *ws, const struct exercise *ex, enum exercise_lang lang,
		    bool *created, struct error *err);
/*
 * Move every file of the folder (but earlier .old-* folders) into .old-<timestamp>/ and copy
 * the lang starter back. *aside gets the folder the old files went to (caller frees), or NULL
 * when there were none.
 */
bool workspace_reset(const char *ws, const struct exercise *ex, enum exercise_lang lang,
		     char **aside, struct error *err);
/* The file an editor opens: the starter's first file, in the exercise's folder. Caller frees. */
char *workspace_main_file(const char *ws, const struct exercise *ex, enum exercise_lang lang);

#endif
