/*
 * Reading a room: each file opened read-only, its events copied, the file closed.
 */
#include "class/class.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "class/hub.h"
#include "class/names.h"
#include "class/rerun.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "store/store.h"

const char *class_file_name(enum class_file file)
{
	switch (file) {
	case CLASS_FILE_OK:
		return "ok";
	case CLASS_FILE_MISSING:
		return "missing";
	case CLASS_FILE_LOCKED:
		return "locked";
	case CLASS_FILE_CORRUPT:
		return "corrupt";
	case CLASS_FILE_DENIED:
		return "denied";
	case CLASS_FILE_UNREADABLE:
		return "unreadable";
	case CLASS_FILE_FORGED:
		return "forged";
	}
	abort();
}

static enum class_file classify(const char *msg)
{
	if (strstr(msg, "locked"))
		return CLASS_FILE_LOCKED;
	if (strstr(msg, "permission denied") || strstr(msg, "Permission denied"))
		return CLASS_FILE_DENIED;
	if (strstr(msg, "No such file"))
		return CLASS_FILE_MISSING;
	if (strstr(msg, "corrupt") || strstr(msg, "damaged") || strstr(msg, "not a lambda-tutor") ||
	    strstr(msg, "not a database") || strstr(msg, "malformed") || strstr(msg, "schema"))
		return CLASS_FILE_CORRUPT;
	return CLASS_FILE_UNREADABLE;
}

struct copy_ctx {
	struct class_event *events;
	size_t n, cap;
	const unsigned char *key; /* check seals when not NULL */
	const char *learner;
	char prev[STORE_SEAL_HEX_LEN + 1];
	int64_t bad;  /* the first event that fails its seal */
	bool chained; /* check that each event follows the one before (store_chain_compute) */
	char chain[STORE_CHAIN_HEX_LEN + 1];
	int64_t broken; /* the first event that does not */
	bool any_chain; /* an event so far carried a chain */
};

static bool copy_event(const struct store_event *ev, void *arg)
{
	struct copy_ctx *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->events = xreallocarray(c->events, c->cap, sizeof *c->events);
	}
	c->events[c->n++] = (struct class_event){
		.id = ev->id,
		.at_ms = ev->at_ms,
		.kind = xstrdup(ev->kind),
		.module = xstrdup(ev->module),
		.item = xstrdup(ev->item),
		.hash = xstrdup(ev->hash),
		.data = xstrdup(ev->data),
	};
	/* The seal is checked here, while the event is at hand, and not kept. */
	if (c->key && !c->bad) {
		char want[STORE_SEAL_HEX_LEN + 1];
		store_seal_compute(c->key, c->learner, c->prev, ev, want);
		if (!ev->seal || strcmp(ev->seal, want) != 0)
			c->bad = ev->id;
		else
			memcpy(c->prev, ev->seal, sizeof(c->prev));
	}
	if (c->chained && !c->broken) {
		/* Only events recorded before chains have none: one without after one with was
		 * added outside lambda-tutor. */
		char want[STORE_CHAIN_HEX_LEN + 1];
		store_chain_compute(c->chain, ev, want);
		if (ev->chain ? strcmp(ev->chain, want) != 0 : c->any_chain)
			c->broken = ev->id;
		else
			memcpy(c->chain, want, sizeof(c->chain));
		c->any_chain |= ev->chain != NULL;
	}
	return true;
}

/*
 * Whether the file at path is a class server's copy (its folder holds the class code): the
 * server checked each event's chain as it came and keeps it as the learner's record has it,
 * beside the marks it gave, so the copy's chains are not its own to check.
 */
static bool server_copy(const char *path)
{
	char *dir = path_dirname(path);
	char *code = path_join(dir, HUB_CODE_FILE);
	bool is = path_is_file(code);
	free(code);
	free(dir);
	return is;
}

static bool sealed, have_key;
static unsigned char seal_key[STORE_SEAL_KEY_LEN];
static char unverifiable[600]; /* why a sealed class's records cannot be checked */

void class_seal_key(const unsigned char *key)
{
	sealed = have_key = key != NULL;
	if (key)
		memcpy(seal_key, key, sizeof(seal_key));
	else
		explicit_bzero(seal_key, sizeof(seal_key));
}

void class_seal_unverifiable(const char *why)
{
	class_seal_key(NULL);
	sealed = true;
	snprintf(unverifiable, sizeof(unverifiable), "%s", why);
}

/* In a sealed class, a file must be owned by the user it is named after. NULL when it is. */
static char *owner_problem(const char *path, const char *id, const struct stat *st)
{
	struct passwd *pw = getpwuid(st->st_uid);
	if (pw && strcmp(pw->pw_name, id) == 0)
		return NULL;
	if (pw)
		return xasprintf("'%s' was created by %s, not by %s: not counted", path,
				 pw->pw_name, id);
	return xasprintf("'%s' belongs to uid %u, not to %s: not counted", path,
			 (unsigned)st->st_uid, id);
}

static void events_free(struct class_event *events, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(events[i].kind);
		free(events[i].module);
		free(events[i].item);
		free(events[i].hash);
		free(events[i].data);
	}
	free(events);
}

static char *id_of(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	if (len > 3 && strcmp(base + len - 3, ".db") == 0)
		len -= 3;
	return xstrndup(base, len);
}

void class_room_add_file(struct class_room *room, const char *path)
{
	room->learners = xreallocarray(room->learners, room->n + 1, sizeof *room->learners);
	struct class_learner *l = &room->learners[room->n++];
	*l = (struct class_learner){ .id = id_of(path), .path = xstrdup(path) };
	struct error err;
	error_clear(&err);
	struct stat st;
	if (stat(path, &st) != 0) {
		l->file = errno == ENOENT   ? CLASS_FILE_MISSING
			  : errno == EACCES ? CLASS_FILE_DENIED
					    : CLASS_FILE_UNREADABLE;
		l->problem = xasprintf("cannot open '%s': %s", path, strerror(errno));
		l->name = xstrdup(l->id);
		return;
	}
	if (sealed && !have_key) {
		l->file = CLASS_FILE_FORGED;
		l->problem = xasprintf("'%s' cannot be verified: %s", path, unverifiable);
		l->name = xstrdup(l->id);
		return;
	}
	if (sealed && (l->problem = owner_problem(path, l->id, &st))) {
		l->file = CLASS_FILE_FORGED;
		l->name = xstrdup(l->id);
		return;
	}
	struct store *store = store_open_readonly(path, &err);
	struct copy_ctx c = { .key = sealed ? seal_key : NULL,
			      .learner = l->id,
			      .chained = !sealed && !server_copy(path) };
	if (store && store_meta_get(store, STORE_META_LEARNER, &l->name, &err) &&
	    store_each(store, NULL, copy_event, &c, &err)) {
		if (c.bad) {
			l->file = CLASS_FILE_FORGED;
			l->problem = xasprintf("'%s' was changed outside lambda-tutor: event %lld "
					       "fails its seal; none of it is counted",
					       path, (long long)c.bad);
			events_free(c.events, c.n);
		} else if (c.broken) {
			l->file = CLASS_FILE_FORGED;
			l->problem = xasprintf("'%s' was changed outside lambda-tutor: event %lld "
					       "does not follow the one before it (renumbered, "
					       "reordered or edited); none of it is counted",
					       path, (long long)c.broken);
			events_free(c.events, c.n);
		} else {
			l->events = c.events;
			l->n_events = c.n;
			l->file = CLASS_FILE_OK;
		}
		/* The name a learner's file holds is theirs to write: the kernel's is shown. */
		if (sealed) {
			free(l->name);
			l->name = NULL;
		}
	} else {
		char line[1100];
		error_format(&err, line, sizeof line);
		l->file = classify(line);
		l->problem = xstrdup(line);
		events_free(c.events, c.n);
	}
	store_close(store);
	if (!l->name || !l->name[0]) {
		free(l->name);
		l->name = xstrdup(l->id);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What tells a changed file from an unchanged one: the file's and its log's size and time. */
static void signature(const char *path, int64_t sig[4])
{
	struct stat st;
	char *wal = xasprintf("%s-wal", path);
	memset(sig, 0, 4 * sizeof *sig);
	if (stat(path, &st) == 0) {
		sig[0] = (int64_t)st.st_size;
		sig[1] = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	}
	if (stat(wal, &st) == 0) {
		sig[2] = (int64_t)st.st_size;
		sig[3] = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	}
	free(wal);
}

static void learner_release(struct class_learner *l)
{
	free(l->id);
	free(l->name);
	free(l->path);
	free(l->problem);
	events_free(l->events, l->n_events);
}

/*
 * The class directory's owner and its roster as last read: a refresh looks the owner up again
 * only when the directory's owner changes, and reads the roster only when the file does (a
 * user lookup may go to the network, and the dashboard refreshes every 2 s). Under a lock: the
 * class server reads rooms from several threads.
 */
static struct {
	pthread_mutex_t lock;
	char *dir;
	bool have_uid;
	uid_t uid;
	char *owner;       /* NULL: no user has that uid */
	int64_t roster[3]; /* the roster file read: inode, size, mtime (ns); 0s when none */
	char **names;
	size_t n;
} known = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void known_roster(const char *dir)
{
	char *path = path_join(dir, NAMES_ROSTER);
	struct stat st;
	int64_t sig[3] = { 0 };
	if (stat(path, &st) == 0) {
		sig[0] = (int64_t)st.st_ino;
		sig[1] = (int64_t)st.st_size;
		sig[2] = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	}
	free(path);
	if (known.names && memcmp(sig, known.roster, sizeof sig) == 0)
		return;
	names_list_free(known.names, known.n);
	known.names = NULL;
	known.n = 0;
	memset(known.roster, 0, sizeof known.roster);
	struct error err;
	if (sig[0] && names_roster_read(dir, &known.names, &known.n, &err))
		memcpy(known.roster, sig, sizeof sig);
	else
		known.n = 0; /* none, or one that cannot be read: no name is kept off */
}

/* The learner file named after dir's owner is the trainer's, unless dir's roster lists it. */
static void mark_trainer(struct class_room *room, const char *dir)
{
	struct stat st;
	bool owned = stat(dir, &st) == 0;
	pthread_mutex_lock(&known.lock);
	if (!known.dir || strcmp(known.dir, dir) != 0) {
		free(known.dir);
		known.dir = xstrdup(dir);
		known.have_uid = false;
		names_list_free(known.names, known.n);
		known.names = NULL;
		known.n = 0;
	}
	if (owned && (!known.have_uid || known.uid != st.st_uid)) {
		struct passwd *pw = getpwuid(st.st_uid);
		free(known.owner);
		known.owner = pw ? xstrdup(pw->pw_name) : NULL;
		known.uid = st.st_uid;
		known.have_uid = true;
	}
	const char *owner = owned ? known.owner : NULL;
	known_roster(dir);
	for (size_t i = 0; i < room->n; i++) {
		struct class_learner *l = &room->learners[i];
		l->trainer = owner && strcmp(l->id, owner) == 0;
		for (size_t k = 0; k < known.n && l->trainer; k++)
			l->trainer = strcmp(known.names[k], l->id) != 0;
	}
	pthread_mutex_unlock(&known.lock);
}

bool class_room_refresh(struct class_room *room, const char *dir, size_t *reread, struct error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return error_set(err, "cannot read class directory '%s': %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 4 || strcmp(de->d_name + len - 3, ".db") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	struct class_room old = *room;
	*room = (struct class_room)CLASS_ROOM_INIT;
	size_t k = 0, count = 0;
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(dir, names[i]);
		int64_t sig[4];
		signature(path, sig);
		/* Both lists are sorted by name: walk the old one alongside. */
		while (k < old.n && strcmp(old.learners[k].path, path) < 0)
			learner_release(&old.learners[k++]);
		if (k < old.n && strcmp(old.learners[k].path, path) == 0 &&
		    old.learners[k].file == CLASS_FILE_OK &&
		    memcmp(old.learners[k].sig, sig, sizeof sig) == 0) {
			room->learners =
				xreallocarray(room->learners, room->n + 1, sizeof *room->learners);
			room->learners[room->n++] = old.learners[k++];
		} else {
			if (k < old.n && strcmp(old.learners[k].path, path) == 0)
				learner_release(&old.learners[k++]);
			class_room_add_file(room, path);
			/* Reading may create the log, or a write may land meanwhile: a file that
			 * changed while it was read keeps no signature and is read again next time.
			 */
			int64_t after[4];
			signature(path, after);
			if (memcmp(after, sig, sizeof sig) == 0)
				memcpy(room->learners[room->n - 1].sig, sig, sizeof sig);
			count++;
		}
		free(path);
		free(names[i]);
	}
	while (k < old.n)
		learner_release(&old.learners[k++]);
	free(old.learners);
	free(names);
	mark_trainer(room, dir);
	if (reread)
		*reread = count;
	return true;
}

bool class_room_load_dir(struct class_room *room, const char *dir, struct error *err)
{
	return class_room_refresh(room, dir, NULL, err);
}

void class_room_release(struct class_room *room)
{
	for (size_t i = 0; i < room->n; i++)
		learner_release(&room->learners[i]);
	free(room->learners);
	room->learners = NULL;
	room->n = 0;
}

static double num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A borrowed string of the event's data: points into ev->data's copy kept by the caller. */
static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static struct class_attempt *find_attempt(struct class_record *r, const char *quiz, int number)
{
	for (size_t i = r->n_attempts; i-- > 0;)
		if (r->attempts[i].number == number && strcmp(r->attempts[i].quiz, quiz) == 0)
			return &r->attempts[i];
	return NULL;
}

/*
 * The strings of a try point into the parsed JSON, so each parsed document is kept until the
 * record is released: the record's one hidden owner is this list.
 */
struct parsed {
	cJSON **docs;
	size_t n;
};

static cJSON *keep(struct parsed *p, const char *data)
{
	cJSON *doc = data ? cJSON_Parse(data) : NULL;
	if (!doc)
		return NULL;
	p->docs = xreallocarray(p->docs, p->n + 1, sizeof *p->docs);
	p->docs[p->n++] = doc;
	return doc;
}

static void add_start(struct class_record *r, struct parsed *p, const struct class_event *ev)
{
	/* One parse for the number, the ids and the types: the copies make this data large. */
	cJSON *doc = ev->item ? keep(p, ev->data) : NULL;
	int number = (int)num(doc, "attempt", 0);
	if (number <= 0)
		return;
	const cJSON *qs = cJSON_GetObjectItemCaseSensitive(doc, "questions");
	size_t n = (size_t)cJSON_GetArraySize(qs);
	r->attempts = xreallocarray(r->attempts, r->n_attempts + 1, sizeof *r->attempts);
	struct class_attempt *a = &r->attempts[r->n_attempts++];
	*a = (struct class_attempt){ .quiz = ev->item, .number = number, .start = ev };
	a->questions = xcalloc(n ? n : 1, sizeof *a->questions);
	a->types = xcalloc(n ? n : 1, sizeof *a->types);
	const cJSON *q;
	cJSON_ArrayForEach(q, qs)
	{
		const char *id = str(q, "id");
		if (!id || a->n_questions == n)
			continue;
		/* The copy is canonical JSON text with sorted keys: its top-level "type" is found
		 * without parsing every copy again. */
		const char *copy = str(q, "question");
		const char *t = copy ? strstr(copy, "\"type\":\"") : NULL;
		if (t) {
			t += 8;
			a->types[a->n_questions] = xstrndup(t, strcspn(t, "\""));
		}
		a->questions[a->n_questions++] = xstrdup(id);
	}
}

static void add_try(struct class_record *r, struct parsed *p, const struct class_event *ev)
{
	cJSON *doc = keep(p, ev->data);
	if (!doc || !ev->item)
		return;
	struct class_attempt *a = find_attempt(r, ev->item, (int)num(doc, "attempt", 0));
	const char *question = str(doc, "question");
	if (!a || !question)
		return;
	a->tries = xreallocarray(a->tries, a->n_tries + 1, sizeof *a->tries);
	a->tries[a->n_tries++] = (struct class_try){
		.ev = ev,
		.question = question,
		.response = str(doc, "response"),
		.slot = (int)num(doc, "slot", 0),
		.try_no = (int)num(doc, "try", 1),
		.fraction = num(doc, "fraction", 0),
		.penalty = num(doc, "penalty", 0),
		.mark = num(doc, "mark", 0),
		.max = num(doc, "max", 1),
		.seconds = num(doc, "seconds", 0),
		.finished = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "finished")),
	};
}

static void add_finish(struct class_record *r, struct parsed *p, const struct class_event *ev)
{
	cJSON *doc = keep(p, ev->data);
	if (!doc || !ev->item)
		return;
	struct class_attempt *a = find_attempt(r, ev->item, (int)num(doc, "attempt", 0));
	if (!a)
		return;
	a->finish = ev;
	a->score = num(doc, "score", 0);
	a->max = num(doc, "max", 0);
	a->percent = num(doc, "percent", 0);
	a->passed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "passed"));
	const char *reason = str(doc, "reason");
	a->abandoned = reason && strcmp(reason, "abandoned") == 0;
}

static void add_run(struct class_record *r, struct parsed *p, const struct class_event *ev)
{
	cJSON *doc = keep(p, ev->data);
	if (!doc)
		return;
	const char *exercise = ev->item ? ev->item : str(doc, "exercise");
	if (!exercise)
		return;
	r->runs = xreallocarray(r->runs, r->n_runs + 1, sizeof *r->runs);
	r->runs[r->n_runs++] = (struct class_run){
		.ev = ev,
		.exercise = exercise,
		.module = ev->module ? ev->module : str(doc, "module"),
		.status = str(doc, "status") ? str(doc, "status") : "error",
		.passed = (int)num(doc, "passed", 0),
		.total = (int)num(doc, "total", 0),
	};
}

static struct rerun_set reruns;

bool class_reruns_use(const char *dir, struct error *err)
{
	rerun_set_release(&reruns);
	return !dir || rerun_read(dir, &reruns, err);
}

void class_reruns_count(size_t *reproduced, size_t *not_reproduced)
{
	*reproduced = *not_reproduced = 0;
	for (size_t i = 0; i < reruns.n; i++)
		(*(reruns.v[i].reproduced ? reproduced : not_reproduced))++;
}

bool class_rerun_failed(const struct class_learner *l, const struct class_event *ev)
{
	if (!reruns.n || !ev->item)
		return false;
	const struct rerun *v = rerun_find(&reruns, l->id, ev->item, ev->id);
	return v && !v->reproduced;
}

/* A run the trainer ran again and did not get: it counts as such, whatever it claimed. */
static void mark_unreproduced(const struct class_learner *l, struct class_run *run)
{
	const struct rerun *v = rerun_find(&reruns, l->id, run->exercise, run->ev->id);
	if (!v || v->reproduced)
		return;
	run->status = "unreproduced";
	run->passed = 0;
	run->unreproduced = v;
}

void class_record_build(const struct class_learner *l, struct class_record *out)
{
	*out = (struct class_record){ 0 };
	struct parsed p = { 0 };
	for (size_t i = 0; i < l->n_events; i++) {
		const struct class_event *ev = &l->events[i];
		if (strcmp(ev->kind, STORE_QUIZ_START) == 0)
			add_start(out, &p, ev);
		else if (strcmp(ev->kind, STORE_QUIZ_TRY) == 0)
			add_try(out, &p, ev);
		else if (strcmp(ev->kind, STORE_QUIZ_FINISH) == 0)
			add_finish(out, &p, ev);
		else if (strcmp(ev->kind, STORE_CHECK_RUN) == 0) {
			add_run(out, &p, ev);
			if (out->n_runs && out->runs[out->n_runs - 1].ev == ev)
				mark_unreproduced(l, &out->runs[out->n_runs - 1]);
		}
	}
	/* The record owns the parsed documents its tries and runs point into. */
	out->docs = (void **)p.docs;
	out->n_docs = p.n;
}

void class_record_release(struct class_record *r)
{
	for (size_t i = 0; i < r->n_attempts; i++) {
		for (size_t k = 0; k < r->attempts[i].n_questions; k++)
			free(r->attempts[i].questions[k]);
		free(r->attempts[i].questions);
		for (size_t k = 0; k < r->attempts[i].n_questions; k++)
			free(r->attempts[i].types[k]);
		free(r->attempts[i].types);
		free(r->attempts[i].tries);
	}
	free(r->attempts);
	free(r->runs);
	for (size_t i = 0; i < r->n_docs; i++)
		cJSON_Delete((cJSON *)r->docs[i]);
	free(r->docs);
	*r = (struct class_record){ 0 };
}

void class_attempt_mark(const struct class_attempt *a, const char *question, double *mark,
			double *max)
{
	*mark = 0;
	*max = -1;
	for (size_t i = 0; i < a->n_tries; i++) {
		if (strcmp(a->tries[i].question, question) == 0) {
			*mark = a->tries[i].mark;
			*max = a->tries[i].max;
		}
	}
}
