/*
 * Who may join a served class, and names the trainer frees. DIR/.roster lists the names that
 * may join, one a line (blank lines and `#` comments ignored); without it any name may, first
 * come. A name the trainer frees (a learner who lost their token) is marked in DIR/.free/; the
 * class server, the only writer of the learners' files, then refuses the old token and, when
 * the learner joins again, moves the old records to DIR/.freed/ so the learner's record is sent
 * afresh under the new token.
 */
#ifndef CLASS_NAMES_H
#define CLASS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define NAMES_ROSTER ".roster" /* one name a line, 0644 */
#define NAMES_FREE   ".free"   /* DIR/.free/<name>: the trainer freed it */
#define NAMES_FREED  ".freed"  /* DIR/.freed/<name>-<ms>.db: a freed name's records */

/*
 * The names of a roster's text (path names it in errors). NULL and err (path:line) on a name
 * that cannot be a learner's, a name twice, or no name at all. *n is the count; caller frees
 * with names_list_free().
 */
char **names_parse(const char *text, const char *path, size_t *n, struct error *err);
void names_list_free(char **names, size_t n);
/* Read dir's roster: true and *names NULL (*n 0) when there is none. */
bool names_roster_read(const char *dir, char ***names, size_t *n, struct error *err);
/* Check the roster at path and keep it as dir's. *n is how many names it holds. */
bool names_roster_set(const char *dir, const char *path, size_t *n, struct error *err);
/* Whether name may join dir's class (no roster, or on it); false and err saying why not. */
bool names_allowed(const char *dir, const char *name, struct error *err);
/* Whether the trainer freed name (and the learner has not joined again since). */
bool names_freed(const char *dir, const char *name);
/* Free name, a learner who has joined dir's class. */
bool names_free(const char *dir, const char *name, struct error *err);
/*
 * A freed name joins again: move its records to NAMES_FREED (the file's store must be closed)
 * and clear the mark. *moved_to (caller frees) names where they went, NULL if there were none.
 */
bool names_retire(const char *dir, const char *name, char **moved_to, struct error *err);

#endif
