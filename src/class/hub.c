/*
 * The class server's records: learners, tokens, and events graded and appended.
 */
#include "class/hub.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "class/live.h"
#include "class/names.h"
#include "class/review.h"
#include "class/seen.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "quiz/quiz.h"
#include "quiz/quiz_store.h"
#include "quiz/record.h"
#include "store/store.h"

#define META_TOKEN "token" /* SHA-256 hex of the learner's token */

struct hub_learner {
	char *name;
	struct store *store;
	char token_hash[SHA256_HEX_LEN + 1];
	pthread_mutex_t lock; /* one batch at a time per learner */
	int64_t acked;        /* the last event's id, once read */
	bool known;
	bool gone;        /* the trainer freed the name and it joined again: store closed */
	struct seen seen; /* when the server last heard from them; under the hub's lock */
};

struct hub {
	char *dir;
	char code[16];
	struct course *course;
	struct quiz_set *quizzes;
	pthread_mutex_t lock;  /* the table of learners */
	_Atomic uint64_t runs; /* check runs recorded since the hub opened */
	struct hub_learner **learners;
	size_t n, alloc;
	char **joining; /* names whose file is being made, outside the lock */
	size_t n_joining, alloc_joining;
	/* Learners whose name was freed: kept, store closed, for a request still holding one. */
	struct hub_learner **retired;
	size_t n_retired;
	struct seen_book *seen; /* DIR/.seen.json as the server keeps it; under lock */
	int64_t seen_written_ms;
	bool seen_dirty;
	uint64_t packages_max; /* bytes of packages one learner may keep */
};

static const char code_alphabet[] = "ABCDEFGHJKMNPQRSTVWXYZ23456789";

/* Read the class code, or make one (8 letters and digits, 0600) on first use. */
static bool class_code(struct hub *h, struct error *err)
{
	char *path = path_join(h->dir, HUB_CODE_FILE);
	bool ok = false;
	char *text = path_read_file(path, 64, NULL, NULL);
	char norm[32];
	if (text && wire_code_normal(text[0] ? strtok(text, "\n") : text, norm) &&
	    strlen(norm) == 8) {
		snprintf(h->code, sizeof(h->code), "%.4s-%.4s", norm, norm + 4);
		ok = true;
		goto out;
	}
	if (text) {
		error_set(err, "'%s' does not hold a class code; remove it for a new one", path);
		goto out;
	}
	unsigned char r[8];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		error_set(err, "cannot make a class code: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < 8; i++)
		norm[i] = code_alphabet[r[i] % (sizeof(code_alphabet) - 1)];
	norm[8] = '\0';
	snprintf(h->code, sizeof(h->code), "%.4s-%.4s", norm, norm + 4);
	char line[sizeof(h->code) + 2];
	snprintf(line, sizeof(line), "%s\n", h->code);
	ok = path_write_file(path, line, strlen(line), 0600, err);
out:
	free(text);
	free(path);
	return ok;
}

struct hub *hub_open(const char *dir, const char *course_dir, struct error *err)
{
	struct hub *h = xcalloc(1, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	h->dir = xstrdup(dir);
	h->packages_max = HUB_PACKAGES_MAX;
	struct diags d = DIAGS_INIT;
	if (!path_mkdirs(dir, 0700, err) || !class_code(h, err))
		goto fail;
	h->course = course_load(course_dir, &d);
	if (!h->course || !h->course->quiz_dir) {
		error_set(err, "cannot read the course in '%s' whose quizzes grade the class",
			  course_dir);
		goto fail;
	}
	h->quizzes = quiz_set_load(h->course->quiz_dir, h->course, &d);
	if (!h->quizzes) {
		error_set(err, "cannot read the quizzes of the course in '%s'", course_dir);
		goto fail;
	}
	diags_release(&d);
	h->seen = seen_book_load(dir);
	return h;
fail:
	diags_release(&d);
	hub_free(h);
	return NULL;
}

void hub_free(struct hub *h)
{
	if (!h)
		return;
	struct error err;
	if (h->seen && h->seen_dirty)
		seen_book_write(h->seen, h->dir, &err);
	seen_book_free(h->seen);
	for (size_t i = 0; i < h->n; i++) {
		store_close(h->learners[i]->store);
		pthread_mutex_destroy(&h->learners[i]->lock);
		free(h->learners[i]->name);
		free(h->learners[i]);
	}
	free(h->learners);
	for (size_t i = 0; i < h->n_retired; i++) {
		pthread_mutex_destroy(&h->retired[i]->lock);
		free(h->retired[i]->name);
		free(h->retired[i]);
	}
	free(h->retired);
	free(h->joining);
	quiz_set_free(h->quizzes);
	course_free(h->course);
	pthread_mutex_destroy(&h->lock);
	free(h->dir);
	free(h);
}

const char *hub_code(const struct hub *h)
{
	return h->code;
}

const char *hub_learner_name(const struct hub_learner *l)
{
	return l->name;
}

/* The learner already open, or NULL. Under h->lock. */
static struct hub_learner *find(struct hub *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->learners[i]->name, name) == 0)
			return h->learners[i];
	return NULL;
}

static struct hub_learner *add(struct hub *h, const char *name, struct store *s,
			       const char *token_hash)
{
	struct hub_learner *l = xcalloc(1, sizeof(*l));
	l->name = xstrdup(name);
	l->store = s;
	snprintf(l->token_hash, sizeof(l->token_hash), "%s", token_hash);
	pthread_mutex_init(&l->lock, NULL);
	if (h->n == h->alloc) {
		h->alloc = h->alloc ? h->alloc * 2 : 64;
		h->learners = xreallocarray(h->learners, h->alloc, sizeof(*h->learners));
	}
	h->learners[h->n++] = l;
	return l;
}

/*
 * The learner named, opened from their file when not open yet; NULL (and *status) when there is
 * no such learner with a token. Under h->lock.
 */
static struct hub_learner *load(struct hub *h, const char *name, int *status, struct error *err)
{
	struct hub_learner *l = find(h, name);
	if (l)
		return l;
	char *file = xasprintf("%s.db", name);
	char *path = path_join(h->dir, file);
	free(file);
	struct store *s = NULL;
	char *hash = NULL;
	*status = 401;
	if (!path_is_file(path)) {
		error_set(err, "the token is not one of this class's");
		goto out;
	}
	s = store_open(path, err);
	*status = 500;
	if (!s || !store_meta_get(s, META_TOKEN, &hash, err))
		goto out;
	*status = 401;
	if (!hash || strlen(hash) != SHA256_HEX_LEN) {
		error_set(err, "the token is not one of this class's");
		goto out;
	}
	l = add(h, name, s, hash);
	s = NULL;
out:
	store_close(s);
	free(hash);
	free(path);
	return l;
}

/*
 * The server heard from l now: a request (batch 0), a batch recorded (1) or one it could not
 * take (-1, why). DIR/.seen.json is written at once when what it says of l changes, else at
 * most every SEEN_WRITE_MS.
 */
static void note_seen(struct hub *h, struct hub_learner *l, int batch, const char *why)
{
	int64_t now = clock_wall_ms();
	pthread_mutex_lock(&h->lock);
	/* What the dashboard shows changes (a new name, a failed sync, one that works again):
	 * written at once, as nothing else may come to write it; only times wait. */
	struct seen was;
	bool news = !seen_book_get(h->seen, l->name, &was);
	if (!news && batch < 0)
		news = was.fail_ms <= was.ok_ms || strcmp(was.why, why ? why : "") != 0;
	else if (!news && batch > 0)
		news = was.fail_ms > was.ok_ms;
	l->seen.seen_ms = now;
	if (batch > 0)
		l->seen.ok_ms = now;
	if (batch < 0) {
		l->seen.fail_ms = now;
		snprintf(l->seen.why, sizeof l->seen.why, "%s", why ? why : "");
	}
	h->seen = seen_book_put(h->seen, l->name, &l->seen);
	h->seen_dirty = true;
	if (news || now - h->seen_written_ms >= SEEN_WRITE_MS) {
		struct error err;
		if (seen_book_write(h->seen, h->dir, &err)) {
			h->seen_written_ms = now;
			h->seen_dirty = false;
		}
	}
	pthread_mutex_unlock(&h->lock);
}

/* Compare in time that does not depend on where they differ. */
static bool same(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool hub_code_matches(const struct hub *h, const char *code, struct error *err)
{
	char want[32];
	wire_code_normal(h->code, want);
	if (strlen(code) != strlen(want) || !same(code, want, strlen(want)))
		return error_set(err, "the class code is not this class's; ask the trainer");
	return true;
}

/*
 * A name the trainer freed joins again: the learner the hub holds under it is closed and kept
 * aside (a request may still hold it), and its records move to NAMES_FREED. Under h->lock.
 */
static bool retire(struct hub *h, const char *name, struct error *err)
{
	for (size_t i = 0; i < h->n; i++) {
		struct hub_learner *l = h->learners[i];
		if (strcmp(l->name, name) != 0)
			continue;
		pthread_mutex_lock(&l->lock);
		store_close(l->store);
		l->store = NULL;
		l->gone = true;
		pthread_mutex_unlock(&l->lock);
		h->learners[i] = h->learners[--h->n];
		h->retired = xreallocarray(h->retired, h->n_retired + 1, sizeof *h->retired);
		h->retired[h->n_retired++] = l;
		break;
	}
	char *moved = NULL;
	bool ok = names_retire(h->dir, name, &moved, err);
	free(moved);
	return ok;
}

/* The error for a name the trainer freed, or whose learner was retired. */
static int freed_name(const char *name, struct error *err)
{
	return error_set(err,
			 "the trainer freed the name '%s': join again (lambda-tutor join URL "
			 "CODE --learner %s)",
			 name, name),
	       401;
}

/*
 * 200 when name is still on the roster, read at each batch and package: a name the trainer
 * took off it after it joined sends nothing more (403), and what the class holds is kept.
 */
static int still_listed(const struct hub *h, const char *name, struct error *err)
{
	char **names;
	size_t n;
	if (!names_roster_read(h->dir, &names, &n, err))
		return 500;
	bool on = !names;
	for (size_t i = 0; i < n && !on; i++)
		on = strcmp(names[i], name) == 0;
	names_list_free(names, n);
	if (on)
		return 200;
	return error_set(err,
			 "'%s' was taken off this class's roster: nothing more of yours is "
			 "recorded, what the class holds is kept; ask the trainer",
			 name),
	       403;
}

int hub_join(struct hub *h, const struct wire_join *req, char **token, struct error *err)
{
	*token = NULL;
	if (!hub_code_matches(h, req->code, err))
		return 403;
	if (!names_allowed(h->dir, req->learner, err))
		return 403;
	unsigned char r[32];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return error_set(err, "cannot make a token: %s", strerror(errno)), 500;
	char secret[WIRE_SECRET_HEX + 1];
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(secret + 2 * i, 3, "%02x", r[i]);
	char *t = xasprintf("lt1.%s.%s", req->learner, secret);
	char hash[SHA256_HEX_LEN + 1];
	sha256_hex(t, strlen(t), hash);
	int status = 500;
	char *file = xasprintf("%s.db", req->learner);
	char *path = path_join(h->dir, file);
	free(file);
	struct store *s = NULL;
	char *old = NULL;
	/* The name is reserved under the lock; its file is made outside it, joins in parallel. */
	pthread_mutex_lock(&h->lock);
	bool busy = false;
	for (size_t i = 0; i < h->n_joining && !busy; i++)
		busy = strcmp(h->joining[i], req->learner) == 0;
	if (!busy && names_freed(h->dir, req->learner) && !retire(h, req->learner, err))
		goto out; /* 500, under the lock */
	busy = busy || find(h, req->learner) != NULL;
	if (!busy) {
		if (h->n_joining == h->alloc_joining) {
			h->alloc_joining = h->alloc_joining ? 2 * h->alloc_joining : 16;
			h->joining =
				xreallocarray(h->joining, h->alloc_joining, sizeof(*h->joining));
		}
		h->joining[h->n_joining++] = (char *)req->learner;
	}
	pthread_mutex_unlock(&h->lock);
	bool made = false;
	if (!busy) {
		s = store_open_mode(path, STORE_MODE_PRIVATE, err);
		made = s && store_meta_get(s, META_TOKEN, &old, err) && !old &&
		       store_meta_set(s, STORE_META_LEARNER, req->learner, err) &&
		       store_meta_set(s, META_TOKEN, hash, err);
	}
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; !busy && i < h->n_joining; i++)
		if (h->joining[i] == req->learner) {
			h->joining[i] = h->joining[--h->n_joining];
			break;
		}
	if (busy || old) {
		status = 409;
		error_set(err,
			  "the name '%s' is taken in this class; choose another, or ask the "
			  "trainer",
			  req->learner);
		goto out;
	}
	if (!made)
		goto out;
	add(h, req->learner, s, hash);
	s = NULL;
	*token = t;
	t = NULL;
	status = 201;
out:
	pthread_mutex_unlock(&h->lock);
	store_close(s);
	explicit_bzero(secret, sizeof(secret));
	if (t)
		explicit_bzero(t, strlen(t));
	free(t);
	free(old);
	free(path);
	return status;
}

int hub_auth(struct hub *h, const char *token, struct hub_learner **out, struct error *err)
{
	*out = NULL;
	char name[WIRE_LEARNER_MAX + 1];
	if (!wire_token_learner(token, name))
		return error_set(err, "a request needs 'Authorization: Bearer' and the token "
				      "`lambda-tutor join` keeps"),
		       401;
	char hash[SHA256_HEX_LEN + 1];
	sha256_hex(token, strlen(token), hash);
	int status = 200;
	pthread_mutex_lock(&h->lock);
	struct hub_learner *l = load(h, name, &status, err);
	pthread_mutex_unlock(&h->lock);
	if (!l)
		return status;
	if (!same(hash, l->token_hash, SHA256_HEX_LEN))
		return error_set(err, "the token is not one of this class's"), 401;
	if (names_freed(h->dir, name))
		return freed_name(name, err);
	note_seen(h, l, 0, NULL);
	*out = l;
	return 200;
}

int hub_learner_named(struct hub *h, const char *name, struct hub_learner **out, struct error *err)
{
	*out = NULL;
	if (!wire_learner_valid(name))
		return error_set(err, "your login name cannot name a learner of this class"), 401;
	char folded[WIRE_LEARNER_MAX + 1];
	wire_learner_fold(name, folded);
	name = folded;
	if (names_freed(h->dir, name))
		return freed_name(name, err);
	int status = 200;
	pthread_mutex_lock(&h->lock);
	struct hub_learner *l = load(h, name, &status, err);
	pthread_mutex_unlock(&h->lock);
	if (!l)
		return error_set(err, "'%s' has not joined this class (lambda-tutor join)", name),
		       status;
	note_seen(h, l, 0, NULL);
	*out = l;
	return 200;
}

static bool last_id(const struct store_event *ev, void *ctx)
{
	*(int64_t *)ctx = ev->id;
	return true;
}

/* The id of the last event in the learner's file. Under l->lock. */
static bool held(struct hub_learner *l, int64_t *acked, struct error *err)
{
	/* Read once from the file, then kept up to date by hub_record(). */
	if (!l->known) {
		l->acked = 0;
		if (!store_each(l->store, NULL, last_id, &l->acked, err))
			return false;
		l->known = true;
	}
	*acked = l->acked;
	return true;
}

const char *hub_dir(const struct hub *h)
{
	return h->dir;
}

uint64_t hub_runs(void *hub)
{
	struct hub *h = hub;
	return h->runs;
}

const struct quiz_set *hub_quizzes(const struct hub *h)
{
	return h->quizzes;
}

const struct course *hub_course(const struct hub *h)
{
	return h->course;
}

const char *hub_course_id(const struct hub *h)
{
	return h->course->id;
}

char *hub_package_path(const char *dir, const char *learner, const char *sha256)
{
	return xasprintf("%s/%s/%s/%s.zip", dir, HUB_PACKAGES, learner, sha256);
}

void hub_set_packages_max(struct hub *h, uint64_t bytes)
{
	h->packages_max = bytes;
}

/* The bytes the regular files directly in dir take (0 when there is no dir). */
static uint64_t dir_bytes(const char *dir)
{
	uint64_t sum = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	while (d && (e = readdir(d)))
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_size;
	if (d)
		closedir(d);
	return sum;
}

int hub_package(struct hub *h, struct hub_learner *l, const char *sha256, const void *zip,
		size_t len, struct error *err)
{
	char got[SHA256_HEX_LEN + 1];
	if (strlen(sha256) != SHA256_HEX_LEN ||
	    strspn(sha256, "0123456789abcdef") != SHA256_HEX_LEN)
		return error_set(err, "a package is named by its SHA-256 in lower-case hex"), 400;
	sha256_hex(zip, len, got);
	if (strcmp(got, sha256) != 0)
		return error_set(err, "the package's SHA-256 is %s, not the %s it was sent as", got,
				 sha256),
		       422;
	int listed = still_listed(h, l->name, err);
	if (listed != 200)
		return listed;
	char *path = hub_package_path(h->dir, l->name, sha256);
	char *dir = path_dirname(path);
	int status = 200;
	/* One upload at a time per learner, so two cannot both fit in what is left. */
	pthread_mutex_lock(&l->lock);
	uint64_t used = path_is_file(path) ? 0 : dir_bytes(dir);
	if (path_is_file(path)) {
		status = 200;
	} else if (used + len > h->packages_max) {
		error_set(err,
			  "your code at the class takes %llu KiB of the %llu KiB a learner may "
			  "keep: this package (%zu KiB) is not kept, and its check run counts as "
			  "one that came without its code; ask the trainer",
			  (unsigned long long)(used >> 10),
			  (unsigned long long)(h->packages_max >> 10), len >> 10);
		status = 413;
	} else {
		status = path_mkdirs(dir, 0700, err) && path_write_file(path, zip, len, 0600, err)
				 ? 201
				 : 500;
	}
	pthread_mutex_unlock(&l->lock);
	free(dir);
	free(path);
	return status;
}

int hub_acked(struct hub *h, struct hub_learner *l, int64_t *acked, struct error *err)
{
	(void)h;
	pthread_mutex_lock(&l->lock);
	int status = l->gone ? freed_name(l->name, err) : held(l, acked, err) ? 200 : 500;
	pthread_mutex_unlock(&l->lock);
	return status;
}

/* The learner's open attempt at quiz as the server replays it, or NULL (status, err). */
static struct quiz_attempt *open_attempt(struct hub_learner *l, const struct quiz *quiz,
					 const struct quiz_set *set, int number, int *status,
					 struct error *err)
{
	struct quiz_attempt *a = NULL;
	*status = 500;
	if (!quiz_store_resume(l->store, quiz, set, quiz_question_parse, 0, &a, err))
		return NULL;
	*status = 409;
	if (!a || a->number != number) {
		error_set(err, "attempt %d at quiz '%s' is not open (closed, or never started)",
			  number, quiz->id);
		quiz_attempt_free(a);
		return NULL;
	}
	return a;
}

struct answered {
	int64_t push;
	bool found;
};

static bool find_push(const struct store_event *ev, void *ctx)
{
	struct answered *a = ctx;
	cJSON *d = ev->data ? cJSON_Parse(ev->data) : NULL;
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(d, "push");
	a->found |= cJSON_IsNumber(p) && p->valuedouble == (double)a->push;
	cJSON_Delete(d);
	return !a->found;
}

/*
 * An answer to the live question: the one pushed now, still open on the server's clock, the
 * version the server holds, the learner's first; graded here. *data is the server's record.
 */
static int grade_live(struct hub *h, struct hub_learner *l, const struct store_event *ev,
		      char **data, struct error *err)
{
	struct live live;
	if (!live_read(h->dir, &live, err))
		return 500;
	cJSON *d = ev->data ? cJSON_Parse(ev->data) : NULL;
	const cJSON *push = cJSON_GetObjectItemCaseSensitive(d, "push");
	const char *hash = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "hash"));
	const char *resp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "response"));
	const cJSON *secs = cJSON_GetObjectItemCaseSensitive(d, "seconds");
	const struct quiz_question *q =
		ev->item ? quiz_set_find_question(h->quizzes, ev->item) : NULL;
	int status = 422;
	/* A push is a time in ms: anything outside (0, 2^53) names none, never a bad cast. */
	bool num = cJSON_IsNumber(push) && push->valuedouble > 0 && push->valuedouble < 9e15;
	struct answered seen = { num ? (int64_t)push->valuedouble : 0, false };
	int64_t now = clock_wall_ms();
	/* The push --next (or another push) replaced takes answers for LIVE_GRACE_MS more. */
	bool prev = seen.push && live.prev_id == seen.push && ev->item &&
		    strcmp(ev->item, live.prev_question) == 0;
	if (prev) {
		struct live was = { .id = live.prev_id, .closed_ms = live.prev_until_ms };
		memcpy(was.question, live.prev_question, sizeof was.question);
		memcpy(was.hash, live.prev_hash, sizeof was.hash);
		live = was;
	}
	if (!seen.push || !hash || !resp || !ev->item) {
		error_set(err, "a live answer needs push, hash and response");
	} else if (!live.id || seen.push != live.id || strcmp(ev->item, live.question) != 0) {
		error_set(err, "question '%s' is not the one the trainer has pushed", ev->item);
		status = 409;
	} else if (!live_open(&live, now, LIVE_GRACE_MS)) {
		error_set(err, "the live question '%s' is closed (answers count up to %d s after)",
			  ev->item, LIVE_GRACE_MS / 1000);
		status = 409;
	} else if (!q || strcmp(q->hash, hash) != 0 || strcmp(live.hash, hash) != 0) {
		error_set(err, "question '%s' is a version this class does not hold", ev->item);
	} else if (!store_each(l->store, STORE_LIVE_ANSWER, find_push, &seen, err)) {
		status = 500;
	} else if (seen.found) {
		error_set(err, "the live question '%s' was answered already", ev->item);
		status = 409;
	} else {
		struct quiz_grade g;
		quiz_grade(q, resp, &g);
		if (!g.valid) {
			error_set(err, "the answer to '%s' cannot be graded: %s", ev->item, g.why);
		} else {
			cJSON *rec = cJSON_CreateObject();
			cJSON_AddNumberToObject(rec, "push", (double)live.id);
			cJSON_AddStringToObject(rec, "hash", hash);
			cJSON_AddStringToObject(rec, "response", resp);
			cJSON_AddNumberToObject(rec, "seconds",
						cJSON_IsNumber(secs) ? secs->valuedouble : 0);
			cJSON_AddNumberToObject(rec, "fraction", g.fraction);
			*data = cJSON_PrintUnformatted(rec);
			cJSON_Delete(rec);
			status = 200;
		}
	}
	cJSON_Delete(d);
	return status;
}

/*
 * Grade a quiz event as the server: *data becomes the server's record of it (caller frees).
 * Other kinds pass as they are.
 */
/* Whether the course holds the exercise a check run names: a run of anything else is refused. */
static bool run_known(const struct hub *h, const struct store_event *ev, struct error *err)
{
	cJSON *d = ev->data ? cJSON_Parse(ev->data) : NULL;
	const char *named = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "exercise"));
	const char *id = ev->item ? ev->item : named;
	bool known = false;
	if (!id) {
		error_set(err, "a check run names no exercise");
	} else if (named && strcmp(named, id) != 0) {
		error_set(err, "a check run of '%s' names exercise '%s' in its data", id, named);
	} else {
		known = strcmp(id, REVIEW_PROJECT) == 0;
		for (size_t m = 0; !known && m < h->course->n_modules; m++) {
			const struct course_module *mod = &h->course->modules[m];
			for (size_t i = 0; !known && i < mod->n_exercises; i++)
				known = strcmp(mod->exercises[i].id, id) == 0;
		}
		if (!known)
			error_set(err, "exercise '%s' is not one this class's course has", id);
	}
	cJSON_Delete(d);
	return known;
}

/*
 * A check run that came without its code package can never be run again: it is kept as
 * unreproduced from the start, no task passed, with what it claimed beside. NULL when it
 * has a package (kept as sent). Caller frees.
 */
static char *run_unpackaged(const char *data)
{
	cJSON *d = data ? cJSON_Parse(data) : NULL;
	char *out = NULL;
	if (!cJSON_IsObject(d) || cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(d, "package")))
		goto done;
	cJSON *claimed = cJSON_CreateObject();
	const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "status"));
	const cJSON *passed = cJSON_GetObjectItemCaseSensitive(d, "passed");
	cJSON_AddStringToObject(claimed, "status", status ? status : "");
	cJSON_AddNumberToObject(claimed, "passed",
				cJSON_IsNumber(passed) ? passed->valuedouble : 0);
	cJSON_DeleteItemFromObjectCaseSensitive(d, "claimed");
	cJSON_AddItemToObject(d, "claimed", claimed);
	cJSON_DeleteItemFromObjectCaseSensitive(d, "status");
	cJSON_AddStringToObject(d, "status", "unreproduced");
	cJSON_DeleteItemFromObjectCaseSensitive(d, "passed");
	cJSON_AddNumberToObject(d, "passed", 0);
	cJSON_DeleteItemFromObjectCaseSensitive(d, "why");
	cJSON_AddStringToObject(d, "why", "no code package came with it: it cannot be run again");
	cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(d, "tasks"))
	{
		if (cJSON_IsObject(t) && cJSON_GetObjectItemCaseSensitive(t, "pass"))
			cJSON_ReplaceItemInObjectCaseSensitive(t, "pass", cJSON_CreateFalse());
	}
	out = cJSON_PrintUnformatted(d);
done:
	cJSON_Delete(d);
	return out;
}

static int grade(struct hub *h, struct hub_learner *l, struct store_event *ev, char **data,
		 struct error *err)
{
	*data = NULL;
	if (strcmp(ev->kind, STORE_CHECK_RUN) == 0) {
		if (!run_known(h, ev, err))
			return 422;
		*data = run_unpackaged(ev->data);
		return 200;
	}
	if (strcmp(ev->kind, STORE_LIVE_ANSWER) == 0)
		return grade_live(h, l, ev, data, err);
	bool start = strcmp(ev->kind, STORE_QUIZ_START) == 0;
	bool try = strcmp(ev->kind, STORE_QUIZ_TRY) == 0;
	bool finish = strcmp(ev->kind, STORE_QUIZ_FINISH) == 0;
	if (!start && !try && !finish)
		return 200;
	const struct quiz *quiz = ev->item ? quiz_set_find(h->quizzes, ev->item) : NULL;
	if (!quiz)
		return error_set(err, "quiz '%s' is not one this class holds",
				 ev->item ? ev->item : ""),
		       422;
	int status = 422;
	int number = quiz_record_attempt_number(ev->data ? ev->data : "");
	if (start) {
		struct quiz_attempt *a = quiz_record_read_start(
			ev->data ? ev->data : "", quiz->id, ev->at_ms, quiz_question_parse, err);
		if (!a)
			return 422;
		status = 200;
		for (size_t i = 0; i < a->n_slots && status == 200; i++) {
			const struct quiz_question *q =
				quiz_set_find_question(h->quizzes, a->slots[i].q->id);
			if (!q || strcmp(q->hash, a->slots[i].q->hash) != 0) {
				error_set(err,
					  "question '%s' of quiz '%s' is a version this class "
					  "does not hold",
					  a->slots[i].q->id, quiz->id);
				status = 422;
			}
		}
		struct quiz_history hist;
		if (status == 200 && !quiz_store_history(l->store, quiz->id, &hist, err)) {
			status = 500;
		} else if (status == 200 && hist.open) {
			error_set(err, "attempt %d at quiz '%s' is still open", hist.open,
				  quiz->id);
			status = 409;
		} else if (status == 200 && a->number != hist.started + 1) {
			error_set(err,
				  "quiz '%s' has had %d attempts, so this one is not number %d",
				  quiz->id, hist.started, a->number);
			status = 409;
		} else if (status == 200 && quiz->attempts > 0 && hist.started >= quiz->attempts) {
			error_set(err, "no attempts left at quiz '%s'", quiz->id);
			status = 409;
		}
		quiz_attempt_free(a);
		return status;
	}
	cJSON *doc = cJSON_Parse(ev->data ? ev->data : "");
	const char *reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "reason"));
	if (finish && reason && strcmp(reason, "abandoned") == 0) {
		/* An attempt the learner's tutor could not replay closes without a score. */
		struct quiz_history hist;
		status = 500;
		if (quiz_store_history(l->store, quiz->id, &hist, err)) {
			status = 409;
			if (hist.open != number || !number) {
				error_set(err, "attempt %d at quiz '%s' is not open", number,
					  quiz->id);
			} else {
				cJSON *rec = cJSON_CreateObject();
				cJSON_AddNumberToObject(rec, "attempt", number);
				cJSON_AddNumberToObject(rec, "score", 0);
				cJSON_AddNumberToObject(rec, "max", 0);
				cJSON_AddNumberToObject(rec, "percent", 0);
				cJSON_AddBoolToObject(rec, "passed", false);
				cJSON_AddStringToObject(rec, "reason", "abandoned");
				const char *why = cJSON_GetStringValue(
					cJSON_GetObjectItemCaseSensitive(doc, "why"));
				cJSON_AddStringToObject(rec, "why", why ? why : "");
				*data = cJSON_PrintUnformatted(rec);
				cJSON_Delete(rec);
				status = 200;
			}
		}
		cJSON_Delete(doc);
		return status;
	}
	enum quiz_finish_reason why =
		reason && strcmp(reason, "time") == 0 ? QUIZ_FINISH_TIME : QUIZ_FINISH_SUBMITTED;
	cJSON_Delete(doc); /* reason pointed into it */
	struct quiz_attempt *a = open_attempt(l, quiz, h->quizzes, number, &status, err);
	if (!a)
		return status;
	if (finish) {
		quiz_attempt_finish(a, ev->at_ms, why);
		*data = quiz_record_finish(a);
		quiz_attempt_free(a);
		return 200;
	}
	struct quiz_try_record r;
	if (!quiz_record_read_try(ev->data ? ev->data : "", &r, err)) {
		quiz_attempt_free(a);
		return 422;
	}
	long slot = quiz_attempt_slot(a, r.question);
	struct quiz_grade g;
	if (slot < 0) {
		error_set(err, "attempt %d at quiz '%s' has no question '%s'", number, quiz->id,
			  r.question);
		status = 422;
	} else if (!quiz_attempt_submit(a, (size_t)slot, r.response, r.seconds, ev->at_ms, &g,
					err)) {
		status = 409;
	} else if (!g.valid) {
		error_set(err, "the answer to '%s' cannot be graded: %s", r.question, g.why);
		status = 422;
	} else {
		*data = quiz_record_try(a, (size_t)slot);
		status = 200;
	}
	quiz_try_record_release(&r);
	quiz_attempt_free(a);
	return status;
}

/* The note kept in place of a refused event. Caller frees. */
static char *refusal_note(const struct store_event *ev, const char *why)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", ev->kind);
	if (ev->item)
		cJSON_AddStringToObject(o, "item", ev->item);
	cJSON_AddStringToObject(o, "why", why);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/*
 * A record's ids follow one another (the tutor only appends, and sends the place of what it
 * keeps to itself, WIRE_PRIVATE): events missing before ev were taken out of the learner's
 * record before it was sent. A note takes the first missing id, so that the trainer sees it
 * where they were and the learner is told; the record goes on.
 */
static bool note_gap(struct hub_learner *l, const struct store_event *ev, struct hub_ack *ack,
		     struct error *err)
{
	int64_t from = ack->acked + 1, to = ev->id - 1;
	char *why = from == to ? xasprintf("event %lld never came: the record sent lacks it",
					   (long long)from)
			       : xasprintf("events %lld to %lld never came: the record sent lacks "
					   "them",
					   (long long)from, (long long)to);
	if (ack->n_refused < HUB_REFUSALS_SHOWN) {
		ack->refused[ack->n_refused].id = from;
		snprintf(ack->refused[ack->n_refused].why, sizeof(ack->refused[0].why), "%.399s",
			 why);
	}
	ack->n_refused++;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", "gap");
	cJSON_AddNumberToObject(o, "missing_from", (double)from);
	cJSON_AddNumberToObject(o, "missing_to", (double)to);
	cJSON_AddStringToObject(o, "why", why);
	char *data = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(why);
	struct store_event note = {
		.id = from, .at_ms = ev->at_ms, .kind = STORE_REFUSED, .data = data
	};
	bool dup = false;
	bool ok = store_append_as(l->store, &note, &dup, err);
	free(data);
	if (ok && !dup)
		ack->acked = l->acked = from;
	return ok;
}

/* 409: the record sent no longer reads as the class received it at event id. */
static int changed_after(int64_t id, struct error *err)
{
	error_set(err,
		  "your record was changed after the class received it: event %lld no longer "
		  "reads as it was sent (renumbered, reordered or edited outside lambda-tutor); "
		  "the class keeps what it received: ask the trainer",
		  (long long)id);
	return 409;
}

/*
 * Whether batch b comes from the record the class holds, in the record's order (wire.h): the
 * event it follows reads as the class received it, events sent again carry the chains they
 * came with, the first new event follows the last one the class holds, and each new event's
 * chain follows from the one before when their ids do (missing ids are noted as a gap,
 * note_gap). 409 and why when not; a batch without chains (an older tutor) is not checked.
 */
static int follows(struct hub_learner *l, const struct wire_batch *b, int64_t acked,
		   struct error *err)
{
	if (!b->has_after)
		return 200;
	char held_chain[STORE_CHAIN_HEX_LEN + 1];
	bool found = false;
	if (b->after_id > acked)
		return changed_after(b->after_id, err);
	if (!store_chain_at(l->store, b->after_id, held_chain, &found, err))
		return 500;
	if (!found || (held_chain[0] && strcmp(held_chain, b->after_chain) != 0))
		return changed_after(b->after_id, err);
	const char *prev = b->after_chain;
	int64_t prev_id = b->after_id;
	/* Whether the event before carried a chain: only the first events of a record made
	 * before chains carry none, so one without after one with was added with sqlite3. */
	bool chained = b->after_id > 0 && !b->after_bare;
	for (size_t i = 0; i < b->n; i++) {
		const struct store_event *ev = &b->events[i];
		if (ev->id <= acked) {
			if (ev->chain && !store_chain_at(l->store, ev->id, held_chain, &found, err))
				return 500;
			if (ev->chain && found && held_chain[0] &&
			    strcmp(held_chain, ev->chain) != 0)
				return changed_after(ev->id, err);
		} else if (prev_id < acked) {
			/* The record lacks the class's last event, or holds it under another id. */
			error_set(err,
				  "your record no longer holds event %lld as the class received "
				  "it (renumbered, reordered or edited outside lambda-tutor); the "
				  "class keeps what it received: ask the trainer",
				  (long long)acked);
			return 409;
		} else if (!ev->chain && chained) {
			error_set(
				err,
				"event %lld of your record carries no chain after event %lld did: "
				"it was added outside lambda-tutor; nothing from it counts until "
				"the trainer looks at it",
				(long long)ev->id, (long long)prev_id);
			return 409;
		} else if (ev->chain && prev && ev->id == prev_id + 1 &&
			   strcmp(ev->kind, WIRE_PRIVATE) != 0) {
			char want[STORE_CHAIN_HEX_LEN + 1];
			store_chain_compute(prev, ev, want);
			if (strcmp(want, ev->chain) != 0) {
				error_set(err,
					  "event %lld of your record does not follow event %lld "
					  "(renumbered, reordered or edited outside lambda-tutor); "
					  "nothing from it counts until the trainer looks at it",
					  (long long)ev->id, (long long)prev_id);
				return 409;
			}
		}
		prev = ev->chain;
		prev_id = ev->id;
		chained = ev->chain != NULL;
	}
	return 200;
}

int hub_record(struct hub *h, struct hub_learner *l, struct wire_batch *b, struct hub_ack *ack,
	       struct error *err)
{
	memset(ack, 0, sizeof(*ack));
	int status = 200;
	pthread_mutex_lock(&l->lock);
	if (l->gone) {
		status = freed_name(l->name, err);
		goto out;
	}
	if ((status = still_listed(h, l->name, err)) != 200)
		goto out;
	if (!held(l, &ack->acked, err)) {
		status = 500;
		goto out;
	}
	if ((status = follows(l, b, ack->acked, err)) != 200)
		goto out;
	for (size_t i = 0; i < b->n; i++) {
		struct store_event ev = b->events[i];
		if (ev.id <= ack->acked)
			continue; /* sent before: kept once */
		if (ev.id > ack->acked + 1 && !note_gap(l, &ev, ack, err)) {
			status = 500;
			goto out;
		}
		char *data = NULL;
		struct error gerr;
		error_clear(&gerr);
		int graded = grade(h, l, &ev, &data, &gerr);
		if (graded == 500) {
			*err = gerr;
			status = 500;
			goto out;
		}
		if (graded != 200) {
			if (ack->n_refused < HUB_REFUSALS_SHOWN) {
				ack->refused[ack->n_refused].id = ev.id;
				char *why = xasprintf("event %lld (%s): %s", (long long)ev.id,
						      ev.kind, gerr.msg);
				snprintf(ack->refused[ack->n_refused].why,
					 sizeof(ack->refused[0].why), "%.399s", why);
				free(why);
			}
			ack->n_refused++;
			free(data);
			data = refusal_note(&ev, gerr.msg);
			ev.kind = STORE_REFUSED;
			ev.module = ev.hash = NULL;
		}
		if (data)
			ev.data = data;
		/* The learner's chain is kept as sent; "" for an event that came with none. */
		if (!ev.chain)
			ev.chain = "";
		bool dup = false;
		bool ok = store_append_as(l->store, &ev, &dup, err);
		free(data);
		if (!ok) {
			status = 500;
			goto out;
		}
		if (!dup) {
			ack->acked = l->acked = ev.id;
			ack->recorded++;
			if (!strcmp(ev.kind, STORE_CHECK_RUN))
				h->runs++;
		}
	}
out:
	pthread_mutex_unlock(&l->lock);
	if (status == 200) {
		note_seen(h, l, 1, NULL);
	} else {
		char why[sizeof l->seen.why];
		error_format(err, why, sizeof why);
		note_seen(h, l, -1, why);
	}
	return status;
}
