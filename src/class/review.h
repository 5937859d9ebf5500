/*
 * The hands-on review of the final project: a trainer's score (0 to REVIEW_SCORE_MAX) and
 * comment per rubric criterion. In a class the trainer's reviews are records of their own,
 * DIR/.reviews.db (a record file only the trainer writes, so a learner's file stays the
 * learner's alone); `project review` outside a class records them in the learner's file. A
 * learner's standing takes, per criterion, the latest review from either, and the last run of
 * the automatic rubric (project/final-project/rubric.py) from the learner's file.
 */
#ifndef CLASS_REVIEW_H
#define CLASS_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class/class.h"
#include "core/error.h"

#define REVIEW_PROJECT   "final-project"
#define REVIEW_FILE      ".reviews.db"
#define REVIEW_SCORE_MAX 4
#define REVIEW_N         7

/* The rubric's criteria, in the brief's order. */
extern const char *const review_criteria[REVIEW_N];
/* The criterion's index, -1 when it is none of them. */
int review_criterion_index(const char *id);

struct review {
	char *learner, *criterion, *comment, *by; /* owned */
	int score, max;
	int64_t at_ms;
	char *key; /* what makes the review's xAPI statement id: "reviews/<event id>"; owned */
};

struct review_set {
	struct review *v;
	size_t n;
};

/* Read DIR's reviews, oldest first. A class with none is an empty set and true. */
bool review_load(const char *dir, struct review_set *out, struct error *err);
void review_set_release(struct review_set *s);
/*
 * Record a review of learner's criterion in DIR's reviews (created 0640 if needed). Refuses an
 * unknown criterion, a score out of range or a comment of more than one line, changing nothing.
 */
bool review_add(const char *dir, const char *learner, const char *criterion, int score,
		const char *comment, const char *by, struct error *err);

/* One learner's final project. */
struct review_standing {
	bool rubric;                                   /* the automatic rubric ran */
	int64_t rubric_ms;                             /* when it last did */
	int64_t rubric_event;                          /* its event's id in the learner's file */
	int auto_points[REVIEW_N], auto_max[REVIEW_N]; /* -1 where the rubric has no such row */
	int auto_total, auto_total_max;
	struct review *reviews[REVIEW_N]; /* the latest review per criterion, or NULL; owned */
	int review_total;                 /* sum of the reviews' scores */
	size_t n_reviews;
	char *evidence[REVIEW_N]; /* the rubric's evidence of each criterion as JSON, or NULL */
};

/*
 * The standing of l from its events and the class's reviews (cls may be NULL). Release with
 * review_standing_release().
 */
void review_standing_build(const struct class_learner *l, const struct review_set *cls,
			   struct review_standing *out);
void review_standing_release(struct review_standing *s);

/*
 * Where the code of l's final project is, as a folder holding REVIEW_PROJECT/: workspace when
 * given; else the learner's own on a shared host (~LOGIN/lambda-workshop) when it has one;
 * else the package l's last final-project check run sent the class server (DIR/packages),
 * unpacked into a temporary folder (*temp: the caller removes it with path_remove_tree()).
 * NULL when none is known. Caller frees.
 */
char *review_code_root(const char *dir, const struct class_learner *l, const char *workspace,
		       bool *temp);
/*
 * The code exercise's last check run ran on, as that run sent it (the class server's
 * packages, or beside the learner's record on a shared host), unpacked into a temporary folder
 * the caller removes with path_remove_tree() and frees. NULL when the class holds none.
 */
char *review_code_unpack(const char *dir, const struct class_learner *l, const char *exercise);
/* Files under dir (relative paths, sorted), hidden ones and build output left out. Caller
 * frees each and the array. */
void review_list_files(const char *dir, char ***out, size_t *n);

#endif
