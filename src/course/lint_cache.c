/*
 * The record of a clean lint: one text file, a line per file or folder and per page.
 *
 *	lambda-tutor course-lint 1
 *	e DEV INO MODE SIZE MTIME_S MTIME_NS CTIME_S CTIME_NS PATH
 *	p MODULE PAGE HASH FILE
 *	end
 */
#include "course/lint_cache.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define RECORD_HEADER "lambda-tutor course-lint 2\n"
/* More files than any course has: past this, the walk costs more than it saves. */
#define MAX_ENTRIES 4096
#define MAX_DEPTH   16
/* Records of other builds and other courses kept beside the current ones. */
#define KEEP 8

struct entry {
	char *path;
	uintmax_t dev, ino, mode, size;
	long long mtime_s, mtime_ns, ctime_s, ctime_ns;
};

struct page {
	char *module, *page, *file;
	char hash[SHA256_HEX_LEN + 1];
	size_t words;
};

struct lint_cache {
	struct entry *e;
	size_t n, alloc;
	struct page *p;
	size_t np, palloc;
	bool missed;           /* a page was asked for that the record does not hold */
	bool unsettled;        /* a file changed too shortly before the snapshot */
	struct timespec start; /* when the snapshot began */
};

char *lint_cache_dir(const char *name)
{
	const char *off = getenv("LAMBDA_TUTOR_NO_CACHE");
	if (off && off[0] && strcmp(off, "0") != 0)
		return NULL;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/lambda-tutor/%s", xdg, name);
	if (home && home[0] == '/')
		return xasprintf("%s/.cache/lambda-tutor/%s", home, name);
	return NULL;
}

char *lint_cache_program_id(void)
{
	/* Lint rules change with the program, so any rebuild starts afresh. */
	struct stat st;
	if (stat("/proc/self/exe", &st) == 0)
		return xasprintf("%s %lld %lld.%09ld %ju", LT_VERSION, (long long)st.st_size,
				 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
				 (uintmax_t)st.st_ino);
	return xasprintf("%s %s %s", LT_VERSION, __DATE__, __TIME__);
}

void lint_cache_prune(const char *dir, size_t keep)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	char *oldest = NULL;
	struct timespec when = { 0, 0 };
	size_t n = 0;
	struct dirent *e;
	do {
		rewinddir(dp);
		free(oldest);
		oldest = NULL;
		n = 0;
		while ((e = readdir(dp))) {
			if (strlen(e->d_name) != SHA256_HEX_LEN)
				continue;
			char *path = path_join(dir, e->d_name);
			struct stat st;
			if (stat(path, &st) == 0) {
				n++;
				if (!oldest || st.st_mtim.tv_sec < when.tv_sec ||
				    (st.st_mtim.tv_sec == when.tv_sec &&
				     st.st_mtim.tv_nsec < when.tv_nsec)) {
					free(oldest);
					oldest = xstrdup(path);
					when = st.st_mtim;
				}
			}
			free(path);
		}
	} while (n >= keep && oldest && unlink(oldest) == 0);
	free(oldest);
	closedir(dp);
}

char *lint_cache_path(const char *root)
{
	char *dir = lint_cache_dir("course-lint");
	if (!dir)
		return NULL;
	char *program = lint_cache_program_id();
	struct strbuf key = STRBUF_INIT;
	strbuf_addf(&key, "course-lint 1\n%s\n%s", program, root);
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(key.buf, key.len, hex);
	char *path = path_join(dir, hex);
	strbuf_release(&key);
	free(program);
	free(dir);
	return path;
}

static void fill(struct entry *e, const struct stat *st)
{
	e->dev = (uintmax_t)st->st_dev;
	e->ino = (uintmax_t)st->st_ino;
	e->mode = (uintmax_t)st->st_mode;
	e->size = (uintmax_t)st->st_size;
	e->mtime_s = (long long)st->st_mtim.tv_sec;
	e->mtime_ns = st->st_mtim.tv_nsec;
	e->ctime_s = (long long)st->st_ctim.tv_sec;
	e->ctime_ns = st->st_ctim.tv_nsec;
}

static bool same(const struct entry *a, const struct entry *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->mode == b->mode && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s &&
	       a->ctime_ns == b->ctime_ns;
}

static struct entry *add_entry(struct lint_cache *lc)
{
	if (lc->n == lc->alloc) {
		lc->alloc = lc->alloc ? 2 * lc->alloc : 128;
		lc->e = xreallocarray(lc->e, lc->alloc, sizeof(*lc->e));
	}
	struct entry *e = &lc->e[lc->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

static struct page *add_page(struct lint_cache *lc)
{
	if (lc->np == lc->palloc) {
		lc->palloc = lc->palloc ? 2 * lc->palloc : 64;
		lc->p = xreallocarray(lc->p, lc->palloc, sizeof(*lc->p));
	}
	struct page *p = &lc->p[lc->np++];
	memset(p, 0, sizeof(*p));
	return p;
}

void lint_cache_free(struct lint_cache *lc)
{
	if (!lc)
		return;
	for (size_t i = 0; i < lc->n; i++)
		free(lc->e[i].path);
	for (size_t i = 0; i < lc->np; i++) {
		free(lc->p[i].module);
		free(lc->p[i].page);
		free(lc->p[i].file);
	}
	free(lc->e);
	free(lc->p);
	free(lc);
}

/* The next line of text at *pos (without its newline), or NULL at the end. */
static char *next_line(char *text, size_t len, size_t *pos)
{
	if (*pos >= len)
		return NULL;
	char *line = text + *pos;
	char *nl = memchr(line, '\n', len - *pos);
	if (!nl)
		return NULL; /* a record always ends with a newline */
	*nl = '\0';
	*pos = (size_t)(nl - text) + 1;
	return line;
}

/* A decimal number and the space after it, at *p. */
static bool number(const char **p, uintmax_t *out)
{
	char *end;
	if (**p < '0' || **p > '9')
		return false;
	*out = strtoumax(*p, &end, 10);
	if (*end != ' ')
		return false;
	*p = end + 1;
	return true;
}

/* Whether the entry on line is as it was (parsed by hand: sscanf costs more than the stat). */
static bool parse_entry(const char *line)
{
	uintmax_t v[8];
	const char *p = line + 2;
	if (strncmp(line, "e ", 2) != 0)
		return false;
	for (size_t i = 0; i < 8; i++)
		if (!number(&p, &v[i]))
			return false;
	if (*p != '/')
		return false;
	struct stat st;
	struct entry was = { NULL,
			     v[0],
			     v[1],
			     v[2],
			     v[3],
			     (long long)v[4],
			     (long long)v[5],
			     (long long)v[6],
			     (long long)v[7] };
	struct entry now;
	if (stat(p, &st) != 0)
		return false;
	fill(&now, &st);
	return same(&was, &now);
}

static bool parse_page(struct lint_cache *lc, const char *line)
{
	char module[128], page[128], hash[SHA256_HEX_LEN + 1];
	unsigned long words = 0;
	int at = -1;
	if (sscanf(line, "p %127s %127s %64s %lu %n", module, page, hash, &words, &at) != 4 ||
	    at < 0 || strlen(hash) != SHA256_HEX_LEN || line[at] != '/')
		return false;
	struct page *p = add_page(lc);
	p->words = words;
	p->module = xstrdup(module);
	p->page = xstrdup(page);
	p->file = xstrdup(line + at);
	memcpy(p->hash, hash, sizeof(hash));
	return true;
}

struct lint_cache *lint_cache_open(const char *path)
{
	if (!path)
		return NULL;
	size_t len = 0;
	char *text = path_read_file(path, 1u << 22, &len, NULL);
	if (!text)
		return NULL;
	struct lint_cache *lc = xcalloc(1, sizeof(*lc));
	size_t pos = 0;
	bool whole = false, ok = len >= strlen(RECORD_HEADER) &&
				 memcmp(text, RECORD_HEADER, strlen(RECORD_HEADER)) == 0;
	if (ok)
		pos = strlen(RECORD_HEADER);
	char *line;
	while (ok && (line = next_line(text, len, &pos))) {
		if (strcmp(line, "end") == 0) {
			whole = pos == len;
			break;
		}
		if (line[0] == 'e')
			ok = parse_entry(line);
		else if (line[0] == 'p')
			ok = parse_page(lc, line);
		else
			ok = false;
	}
	free(text);
	if (!ok || !whole) {
		lint_cache_free(lc);
		return NULL;
	}
	return lc;
}

bool lint_cache_page(struct lint_cache *lc, const char *module, const char *page, const char **file,
		     const char **hash, size_t *words)
{
	for (size_t i = 0; module && page && i < lc->np; i++) {
		const struct page *p = &lc->p[i];
		if (strcmp(p->module, module) == 0 && strcmp(p->page, page) == 0) {
			*file = p->file;
			*hash = p->hash;
			*words = p->words;
			return true;
		}
	}
	lc->missed = true;
	return false;
}

bool lint_cache_missed(const struct lint_cache *lc)
{
	return lc->missed;
}

/* Whether t is later than LINT_CACHE_SETTLE_S before the snapshot began. */
static bool recent(const struct lint_cache *lc, long long s)
{
	return s >= (long long)lc->start.tv_sec - LINT_CACHE_SETTLE_S;
}

/* Record path and, for a folder, everything under it. False when the tree is too large. */
static bool walk(struct lint_cache *lc, const char *path, int depth)
{
	struct stat st;
	if (lc->n >= MAX_ENTRIES || depth > MAX_DEPTH || stat(path, &st) != 0 || strchr(path, '\n'))
		return false;
	struct entry *e = add_entry(lc);
	e->path = xstrdup(path);
	fill(e, &st);
	if (recent(lc, e->mtime_s) || recent(lc, e->ctime_s))
		lc->unsettled = true;
	if (!S_ISDIR(st.st_mode))
		return true;
	DIR *dp = opendir(path);
	if (!dp)
		return false;
	bool ok = true;
	struct dirent *de;
	while (ok && (de = readdir(dp))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *child = path_join(path, de->d_name);
		ok = walk(lc, child, depth + 1);
		free(child);
	}
	closedir(dp);
	return ok;
}

struct lint_cache *lint_cache_snapshot(const char *root)
{
	struct lint_cache *lc = xcalloc(1, sizeof(*lc));
	clock_gettime(CLOCK_REALTIME, &lc->start);
	if (root[0] != '/' || !walk(lc, root, 0)) {
		lint_cache_free(lc);
		return NULL;
	}
	return lc;
}

bool lint_cache_add_tree(struct lint_cache *lc, const char *dir)
{
	return dir[0] == '/' && walk(lc, dir, 0);
}

void lint_cache_save(struct lint_cache *lc, const struct course *course, const char *path)
{
	if (lc->unsettled)
		return;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, RECORD_HEADER);
	for (size_t i = 0; i < lc->n; i++) {
		const struct entry *e = &lc->e[i];
		strbuf_addf(&sb, "e %ju %ju %ju %ju %lld %lld %lld %lld %s\n", e->dev, e->ino,
			    e->mode, e->size, e->mtime_s, e->mtime_ns, e->ctime_s, e->ctime_ns,
			    e->path);
	}
	bool ok = true;
	for (size_t m = 0; ok && m < course->n_modules; m++) {
		const struct course_module *mod = &course->modules[m];
		for (size_t i = 0; ok && i < mod->n_pages; i++) {
			const struct course_page *p = &mod->pages[i];
			/* Ids are lint-clean ([a-z0-9-]); a file name must keep to its line. */
			ok = mod->id && p->id && p->file && p->file[0] == '/' &&
			     !strchr(p->file, '\n') && strlen(mod->id) < 128 &&
			     strlen(p->id) < 128 && strlen(p->hash) == SHA256_HEX_LEN;
			if (ok)
				strbuf_addf(&sb, "p %s %s %s %zu %s\n", mod->id, p->id, p->hash,
					    p->words, p->file);
		}
	}
	strbuf_addstr(&sb, "end\n");
	char *dir = path_dirname(path);
	if (ok && path_mkdirs(dir, 0700, NULL)) {
		lint_cache_prune(dir, KEEP);
		path_write_file(path, sb.buf, sb.len, 0600, NULL);
	}
	free(dir);
	strbuf_release(&sb);
}
