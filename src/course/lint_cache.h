/*
 * Remembering a clean lint, so that starting the tutor does not lint the whole course each
 * time. Internal to course/.
 *
 * A course's answer to lint changes only with its files or with this program. So after a
 * clean lint, the identity of every file and folder under the course folder and its quizzes
 * folder (device, inode, mode, size, modification and change times) is written to a record in
 * $XDG_CACHE_HOME/lambda-tutor/course-lint/, named by the program's own identity and the
 * course's folder, with each page's file and hash. A start that finds every identity unchanged
 * takes the record's word: editing, adding, removing or renaming any file, or rebuilding, lints
 * again. Problems are never recorded. A file changed less than LINT_CACHE_SETTLE_S before the
 * lint began is not trusted (its time may not move on a second change within the file
 * system's clock tick), so such a lint is not recorded. LAMBDA_TUTOR_NO_CACHE=1 turns this
 * and the quiz lint cache off; `lambda-tutor lint` never uses either.
 */
#ifndef COURSE_LINT_CACHE_H
#define COURSE_LINT_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/digest.h"
#include "course/course.h"

#define LINT_CACHE_SETTLE_S 2

/*
 * The folder of the cache called name under $XDG_CACHE_HOME/lambda-tutor (else
 * ~/.cache/lambda-tutor), or NULL when LAMBDA_TUTOR_NO_CACHE is set or neither is known.
 * Caller frees.
 */
char *lint_cache_dir(const char *name);
/* This program's identity (version, size and times of its file), for cache keys. Caller frees. */
char *lint_cache_program_id(void);
/* Remove the oldest records of a cache folder once it holds keep of them. */
void lint_cache_prune(const char *dir, size_t keep);

struct lint_cache;

/* The record of the course whose folder is root (a real path), or NULL when caching is off. */
char *lint_cache_path(const char *root);
/*
 * The record at path if it is whole and every file and folder it lists is as it was: a clean
 * lint still holds. NULL otherwise.
 */
struct lint_cache *lint_cache_open(const char *path);
/*
 * The file, hash and number of words the record holds for a page; false (and the record
 * remembers the miss, see lint_cache_missed()) when it holds none.
 */
bool lint_cache_page(struct lint_cache *lc, const char *module, const char *page, const char **file,
		     const char **hash, size_t *words);
bool lint_cache_missed(const struct lint_cache *lc);

/*
 * Start a record: take the identity of every file and folder under root, before lint reads
 * any of them. NULL when the tree is too large to be worth it.
 */
struct lint_cache *lint_cache_snapshot(const char *root);
/* Add the tree under dir (a folder outside root, like the quizzes). False when too large. */
bool lint_cache_add_tree(struct lint_cache *lc, const char *dir);
/* Write the record of a clean lint of course to path; nothing when a file had just changed. */
void lint_cache_save(struct lint_cache *lc, const struct course *course, const char *path);

void lint_cache_free(struct lint_cache *lc);

#endif
