/*
 * A room of learners read from their record files, never written: a class directory of
 * <learner>.db files, or files named one by one. A file that is locked, half-written, corrupt
 * or missing does not stop the rest; it is kept with its state and the one-line reason.
 * Each learner's events are copied out, so the files are closed once read, and everything
 * above this (roster, exports, statistics) is a pure function of the copies.
 */
#ifndef CLASS_CLASS_H
#define CLASS_CLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum class_file {
	CLASS_FILE_OK,
	CLASS_FILE_MISSING,
	CLASS_FILE_LOCKED,
	CLASS_FILE_CORRUPT, /* damaged, half-written or not a record file */
	CLASS_FILE_DENIED,  /* no permission */
	CLASS_FILE_UNREADABLE,
	CLASS_FILE_FORGED, /* sealed class: not its learner's, or changed outside the tutor */
};

/* One event, owned by its learner. Strings may be NULL except kind. */
struct class_event {
	int64_t id, at_ms;
	char *kind, *module, *item, *hash, *data;
};

struct class_learner {
	char *id;   /* the file's name without .db: the learner's login */
	char *name; /* the name the file records (meta "learner"), else id */
	char *path;
	enum class_file file;
	char *problem; /* one line when file is not CLASS_FILE_OK, else NULL */
	struct class_event *events;
	size_t n_events;
	int64_t sig[4]; /* the file's and its -wal's size and mtime when read */
	/* Named after the class directory's owner, and not on a roster: the trainer's own
	 * record (a demo, a try of the live question), not a learner's. */
	bool trainer;
};

struct class_room {
	struct class_learner *learners;
	size_t n;
};

#define CLASS_ROOM_INIT \
	{               \
		NULL, 0 \
	}

/*
 * Read every *.db file of dir (sorted by name; hidden files skipped) into room. False and err
 * only when dir itself cannot be read.
 */
bool class_room_load_dir(struct class_room *room, const char *dir, struct error *err);
/*
 * Bring room (read from dir before, or empty) up to date: files whose size and time, and
 * their write-ahead log's, did not change are kept as they are; the others are read again,
 * new files added and removed ones dropped. *reread (may be NULL) counts the files read.
 * The dashboard calls this every refresh. False and err only when dir cannot be read.
 */
bool class_room_refresh(struct class_room *room, const char *dir, size_t *reread,
			struct error *err);
/*
 * Check every file read from now on against a sealed class's key (NULL: stop checking): the
 * file must belong to the user its name says (the kernel's owner, not a name the file holds),
 * and every event must carry its seal (store_seal_compute). A file that fails either is
 * CLASS_FILE_FORGED, with the first failure in its problem, and none of its events count.
 * The key is copied.
 */
void class_seal_key(const unsigned char *key);
/*
 * The class is sealed but its key could not be read (why: one line): every file is then
 * CLASS_FILE_FORGED with that reason, since none can be told from a forgery.
 */
void class_seal_unverifiable(const char *why);
/* Read one record file into room; a file that cannot be read is added with its state. */
void class_room_add_file(struct class_room *room, const char *path);
/* Free what room holds and empty it. */
void class_room_release(struct class_room *room);
/* "ok", "missing", "locked", "corrupt", "denied", "unreadable", "forged" */
const char *class_file_name(enum class_file file);

/* A quiz try as the quiz_try event records it. Strings borrowed from the event. */
struct class_try {
	const struct class_event *ev;
	const char *question, *response;
	int slot, try_no;
	double fraction, penalty, mark, max, seconds;
	bool finished;
};

/* One attempt at a quiz, from its quiz_start, quiz_try and quiz_finish events. */
struct class_attempt {
	const char *quiz; /* borrowed from the start event */
	int number;
	const struct class_event *start, *finish; /* finish NULL while open */
	char **questions;                         /* ids the attempt froze, in slot order; owned */
	size_t n_questions;
	char **types;            /* each question's type ("mc", "tf", ...) or NULL; owned */
	struct class_try *tries; /* in order; owned array */
	size_t n_tries;
	double score, max, percent; /* from the finish record */
	bool passed, abandoned;
};

struct rerun;
/* One check run. */
struct class_run {
	const struct class_event *ev;
	const char *exercise, *module, *status; /* status: passed, failed or error */
	int passed, total;
	/* The trainer ran it again (class/rerun.h) and did not get its result: status is then
	 * "unreproduced" and passed 0, in the dashboard and every export. NULL otherwise. */
	const struct rerun *unreproduced;
};

/* What a learner's events say about quizzes and exercises. */
struct class_record {
	struct class_attempt *attempts; /* by quiz then number, as started */
	size_t n_attempts;
	struct class_run *runs;
	size_t n_runs;
	void **docs; /* the parsed event data the borrowed strings point into */
	size_t n_docs;
};

/*
 * Judge check runs from now on by the trainer's re-runs in dir (DIR/.reruns.json; NULL: stop):
 * a run they could not reproduce counts as "unreproduced" with no task passed. False and err
 * when the file is damaged.
 */
bool class_reruns_use(const char *dir, struct error *err);
/* The verdicts in use: how many runs were reproduced and how many not. */
void class_reruns_count(size_t *reproduced, size_t *not_reproduced);
/* Whether the check run ev of l was run again and did not give its result. */
bool class_rerun_failed(const struct class_learner *l, const struct class_event *ev);
/* Read l's quiz and check events. Unreadable event data is skipped. Release with _release. */
void class_record_build(const struct class_learner *l, struct class_record *out);
void class_record_release(struct class_record *r);

/* The mark of question in attempt a: its last try's mark, 0 when never tried; max too. */
void class_attempt_mark(const struct class_attempt *a, const char *question, double *mark,
			double *max);

#endif
