/*
 * The parts of loading and lint that work on one document or one page at a time, so that
 * unit tests and the fuzz target reach them without a course on disk. Internal to course/.
 *
 * With dir NULL, nothing on disk is looked at: folders and files are neither checked nor
 * read, and page hashes stay empty.
 */
#ifndef COURSE_LINT_H
#define COURSE_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "course/course.h"
#include "course/ynode.h"

/* Largest page file read, in bytes. */
#define LINT_PAGE_MAX (1u << 20)

/*
 * Read the course.yaml document doc (from path) into course, reporting every problem to d.
 * With dir, each module folder it lists is loaded too. course owns what it gains.
 */
void course_read_doc(struct course *course, const struct ynode *doc, const char *path,
		     const char *dir, struct diags *d);
/*
 * Read the module.yaml document doc (from path) into module, reporting every problem to d.
 * dir is the module's folder as the user named it. module owns what it gains.
 */
void course_read_module_doc(struct course_module *module, const struct ynode *doc, const char *path,
			    const char *dir, struct diags *d);
/* Free what a module owns; the struct itself is the caller's. No-op on a zeroed module. */
void course_module_release(struct course_module *module);

/*
 * s made fit for a one-line message: at most about 60 bytes (cut on a character boundary,
 * "..." added) and control characters shown as '?'. Returns buf.
 */
const char *lint_clip(const char *s, char *buf, size_t size);
/* Whether s is a non-empty id made of a-z, 0-9 and '-'. */
bool lint_valid_id(const char *s);
/*
 * Check a page's text: no NUL byte, valid UTF-8 (both located at the first offending byte,
 * columns counted in characters), and a first heading equal to title.
 */
void lint_page_text(const char *text, size_t len, const char *path, const char *title,
		    struct diags *d);
/*
 * Check what the course refers to outside its own folder (the quizzes its modules name) and
 * its exercises. use_cache lets the quiz lint answer from its cache.
 */
void lint_refs(const struct course *course, bool use_cache, struct diags *d);

#endif
