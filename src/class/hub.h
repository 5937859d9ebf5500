/*
 * The class server's records, without its HTTP (classd/ serves them): a class directory of
 * learner files the server alone writes, a class code learners join with, one token per
 * learner, and every quiz answer graded here from the quiz version the server holds.
 *
 * The records are ordinary learner files (DIR/<learner>.db, mode 0600, the server's user), so
 * the trainer's dashboard, statistics and exports read the class as they read a shared host's.
 * Each file's meta "token" holds the SHA-256 of its learner's token; a name with a file is
 * taken. Events keep the ids of the learner's own record (store_append_as), so a batch sent
 * twice, or cut off by a crash, is recorded once and in order.
 *
 * Every function returns an HTTP status (200, 201, 400, 401, 403, 404, 409, 422, 500) and, when
 * it is not 2xx, one line in err saying what was refused. Thread-safe.
 */
#ifndef CLASS_HUB_H
#define CLASS_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class/wire.h"
#include "core/error.h"

struct hub;
struct course;
struct quiz_set;
struct hub_learner;

#define HUB_CODE_FILE ".class-code" /* in the class directory, 0600 */

/*
 * Open the class in dir (created 0700) with the course in course_dir, whose quizzes grade every
 * answer. The class code is read from dir's HUB_CODE_FILE, made on first use. NULL and err
 * when the folder or the course cannot be used.
 */
struct hub *hub_open(const char *dir, const char *course_dir, struct error *err);
void hub_free(struct hub *h);
/* The class directory. Borrowed. */
const char *hub_dir(const struct hub *h);
/* The id of the course the class follows. Borrowed. */
const char *hub_course_id(const struct hub *h);
/* How many check runs the hub has recorded since it opened (any thread; for regrade.h). */
uint64_t hub_runs(void *hub);
/* The course's quizzes the hub grades with (read-only, for the hub's life). */
const struct quiz_set *hub_quizzes(const struct hub *h);
/* The course the class follows (read-only, for the hub's life). */
const struct course *hub_course(const struct hub *h);
/* The class code learners join with, "XXXX-XXXX". Borrowed. */
const char *hub_code(const struct hub *h);

/* Whether code (as wire_code_normal() gives it) is the class's; err when not. */
bool hub_code_matches(const struct hub *h, const char *code, struct error *err);
/* Join: a new learner gets a token (*token, caller frees); a taken name is 409. */
int hub_join(struct hub *h, const struct wire_join *req, char **token, struct error *err);
/* The learner a token belongs to (401 when none does). *out is the hub's. */
int hub_auth(struct hub *h, const char *token, struct hub_learner **out, struct error *err);
/* The learner of that name who has joined (401 when none has): for a Unix socket's peer. */
int hub_learner_named(struct hub *h, const char *name, struct hub_learner **out, struct error *err);
/* The learner's name. Borrowed. */
const char *hub_learner_name(const struct hub_learner *l);
/* The id of the learner's last event the server holds (0: none). */
int hub_acked(struct hub *h, struct hub_learner *l, int64_t *acked, struct error *err);
/*
 * Keep the package (the zip of the code a check ran on) the learner sent, named by its
 * SHA-256, at hub_package_path(): 201 stored, 200 held already, 400/422 a name or content that
 * do not agree. A check run whose package the class holds can be run again (`grade --class`).
 */
#define HUB_PACKAGES "packages" /* DIR/packages/<learner>/<sha256>.zip, 0600 */
int hub_package(struct hub *h, struct hub_learner *l, const char *sha256, const void *zip,
		size_t len, struct error *err);
/*
 * The most one learner's packages may take at the class, in bytes: a package beyond it is
 * refused (413, saying so), and the check run it goes with arrives without its code, as one
 * the class cannot run again. HUB_PACKAGES_MAX unless class serve --packages-max-mb says.
 */
#define HUB_PACKAGES_MAX ((uint64_t)256 << 20)
void hub_set_packages_max(struct hub *h, uint64_t bytes);
/* Where the class in dir keeps learner's package of that SHA-256. Caller frees. */
char *hub_package_path(const char *dir, const char *learner, const char *sha256);
#define HUB_REFUSALS_SHOWN 8

/* What became of a batch. */
struct hub_ack {
	int64_t acked;   /* the id of the learner's last event the server holds */
	size_t recorded; /* events this batch added */
	size_t n_refused;
	struct {
		int64_t id;
		char why[400];
	} refused[HUB_REFUSALS_SHOWN]; /* the first ones */
};

/*
 * Record a batch for l, in order, each event once. Quiz events are graded by the server: the
 * learner's marks are replaced by its own; so are answers to the live question (class/live.h),
 * which count only while it is open on the server's clock, once per push. An event the server
 * refuses (an answer for a quiz it does not hold, a version it does not hold, an attempt that is
 * closed or not the learner's next) is recorded as a STORE_REFUSED note with its id and the reason,
 * so the learner's later events still count and the trainer sees what was refused. Stops only when
 * the file cannot be written (500).
 */
int hub_record(struct hub *h, struct hub_learner *l, struct wire_batch *b, struct hub_ack *ack,
	       struct error *err);

#endif
