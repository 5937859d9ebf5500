/*
 * The live question: the trainer pushes one question of the course to the room, with a timer
 * or without, closes it, and reveals the right answer. DIR/.live.json holds what was pushed
 * last; the learners' tutors read it (on a shared host from DIR, over a class server from
 * GET /v1/room) and show the question at once. Each learner answers once with a `live_answer`
 * event in their own record; the class server grades it from its own copy of the question and
 * refuses an answer to a question that is closed, another push, or another version.
 */
#ifndef CLASS_LIVE_H
#define CLASS_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class/class.h"
#include "core/error.h"

#define LIVE_FILE     ".live.json"
#define LIVE_ID_MAX   128
#define LIVE_HASH_MAX 80
/*
 * An answer that reaches the server this long after the question stopped taking answers (its
 * timer ran out, the trainer closed it, or --next pushed another) still counts: it was given
 * before the close reached the learner, whose tutor reads the room every second, and the
 * network took the rest.
 */
#define LIVE_GRACE_MS 2000

struct live {
	int64_t id;                 /* when the question was pushed (ms); 0: none was */
	char question[LIVE_ID_MAX]; /* the question's id in the course */
	char hash[LIVE_HASH_MAX];   /* its version, as the course's quizzes give it */
	int64_t closes_ms;          /* when the timer runs out; 0: no timer */
	int64_t closed_ms;          /* when the trainer closed it; 0: not closed */
	int64_t revealed_ms;        /* when the right answer was shown; 0: not yet */
	/* A whole quiz pushed (trainer DIR --push-quiz QUIZ): its id, this question's place in
	 * its own questions (0-based) and how many there are, each question's timer. */
	char quiz[LIVE_ID_MAX]; /* "" when one question was pushed on its own */
	int index, count;
	int seconds; /* 0: no timer */
	/* The push this one replaced, for answers to it still within LIVE_GRACE_MS. */
	int64_t prev_id; /* 0: none */
	char prev_question[LIVE_ID_MAX];
	char prev_hash[LIVE_HASH_MAX];
	int64_t prev_until_ms; /* when it stopped taking answers */
};

/* Read DIR's live question. No file: an empty live (id 0) and true. */
bool live_read(const char *dir, struct live *out, struct error *err);
/* Write it (0664 like the trainer's file, so co-trainers update it and learners read it). */
bool live_write(const char *dir, const struct live *l, struct error *err);
/*
 * Whether l takes answers at now_ms; grace_ms past its timer or its close (the server passes
 * LIVE_GRACE_MS, a screen 0).
 */
bool live_open(const struct live *l, int64_t now_ms, int64_t grace_ms);
/* When l stopped taking answers, as of now_ms (0: it still takes them). */
int64_t live_until_ms(const struct live *l, int64_t now_ms);
struct quiz;
struct quiz_question;
/* Push q to the room at now_ms, open for seconds (0: until closed); the push it replaces is
 * kept in l's prev_* fields. */
void live_push(struct live *l, const struct quiz_question *q, long seconds, int64_t now_ms);
/*
 * Push question i of quiz (its own questions, in the file's order) at now_ms, each open for
 * seconds. False, l unchanged, when the quiz has no question i.
 */
bool live_push_quiz(struct live *l, const struct quiz *quiz, size_t i, long seconds,
		    int64_t now_ms);
/* Close l at now_ms if it still takes answers. */
void live_close(struct live *l, int64_t now_ms);

/* Milliseconds left on l's timer at now_ms (0 when out, closed or without a timer). */
int64_t live_left_ms(const struct live *l, int64_t now_ms);

/* One bar of the room's histogram: an option of a choice question, else an answer given. */
struct live_bar {
	char *label; /* owned */
	size_t count;
	bool right; /* the option is right, or the answer got full marks */
};

/* The room's answers to the push l. */
struct live_tally {
	struct live_bar
		*bars; /* choice questions: every option in the file's order (multiple
			  choice counts each ticked one); others: answers, most given first */
	size_t n_bars;
	size_t answered, right; /* learners who answered; of them with full marks */
	const char **waiting;   /* readable learners with no answer yet, borrowed from the room */
	size_t n_waiting;
	const char **answered_by; /* those who answered, in room order, borrowed likewise */
};

/*
 * Count each learner's first `live_answer` to push l of question q (answers given after it
 * closed do not count). Full marks come from the event (the server's grade on a class
 * server). Release with live_tally_release().
 */
void live_tally_build(const struct class_room *room, const struct live *l,
		      const struct quiz_question *q, struct live_tally *out);
void live_tally_release(struct live_tally *t);

#endif
