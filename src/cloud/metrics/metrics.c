/*
 * The metric store: current periods in a hash under one mutex, written to SQLite in batches.
 */
#include "cloud/metrics/metrics.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/db.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* A period being added to. key holds account, namespace, name, dims and unit, each ended by
 * a NUL; the pointers point into it. */
struct pend {
	struct pend *next;
	uint64_t hash;
	char *key;
	size_t keylen;
	const char *account, *ns, *name, *dims, *unit;
	long long ts;
	int res; /* seconds: 1 or 60 */
	double count, sum, min, max;
	struct mdist dist;
};

/* A metric's row id, once known. */
struct known {
	struct known *next;
	uint64_t hash;
	char *key; /* account, ns, name, dims, each ended by a NUL */
	size_t keylen;
	long long id;
	long long last_ts;
};

struct metrics {
	struct cloud_db *db;
	pthread_mutex_t mu; /* pend */
	struct pend **pend;
	size_t pend_cap, pend_len;
	pthread_mutex_t flush_mu; /* one flush at a time; guards known */
	struct known **known;
	size_t known_cap, known_len;
};

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

#define FNV_INIT 14695981039346656037ULL

struct metrics *metrics_new(struct cloud_db *db)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	m->db = db;
	pthread_mutex_init(&m->mu, NULL);
	pthread_mutex_init(&m->flush_mu, NULL);
	m->pend_cap = 256;
	m->pend = xcalloc(m->pend_cap, sizeof(*m->pend));
	m->known_cap = 256;
	m->known = xcalloc(m->known_cap, sizeof(*m->known));
	return m;
}

static void pend_free(struct pend *p)
{
	while (p) {
		struct pend *next = p->next;
		mdist_release(&p->dist);
		free(p->key);
		free(p);
		p = next;
	}
}

static void known_clear(struct metrics *m)
{
	for (size_t i = 0; i < m->known_cap; i++) {
		struct known *k = m->known[i];
		while (k) {
			struct known *next = k->next;
			free(k->key);
			free(k);
			k = next;
		}
		m->known[i] = NULL;
	}
	m->known_len = 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	metrics_flush(m);
	for (size_t i = 0; i < m->pend_cap; i++)
		pend_free(m->pend[i]);
	free(m->pend);
	known_clear(m);
	free(m->known);
	pthread_mutex_destroy(&m->mu);
	pthread_mutex_destroy(&m->flush_mu);
	free(m);
}

static const char *unit_or_none(const char *unit)
{
	return unit && unit[0] ? unit : "None";
}

/*
 * A period's key is hashed in two parts: what a batch shares (account, namespace, dimensions)
 * and what each of its values adds (name, unit, period).
 */
struct key_base {
	const struct metric_ref *ref;
	size_t account_len, ns_len, dims_len;
	uint64_t hash;
};

static void key_base_of(struct key_base *b, const struct metric_ref *ref)
{
	b->ref = ref;
	b->account_len = strlen(ref->account);
	b->ns_len = strlen(ref->ns);
	b->dims_len = strlen(ref->dims);
	b->hash = fnv(FNV_INIT, ref->account, b->account_len + 1);
	b->hash = fnv(b->hash, ref->ns, b->ns_len + 1);
	b->hash = fnv(b->hash, ref->dims, b->dims_len + 1);
}

/* The pending period of base's metric name at ts (m->mu held), made when new. */
static struct pend *pend_get(struct metrics *m, const struct key_base *b, const char *name,
			     const char *unit, long long ts_ms, bool hires)
{
	int res = hires ? 1 : 60;
	long long step = res * 1000LL;
	long long ts = ts_ms >= 0 ? ts_ms / step * step : -((-ts_ms + step - 1) / step) * step;
	const char *parts[5] = { b->ref->account, b->ref->ns, name, b->ref->dims, unit };
	size_t lens[5] = { b->account_len, b->ns_len, strlen(name), b->dims_len, strlen(unit) };
	uint64_t h = fnv(b->hash, name, lens[2] + 1);
	h = fnv(h, unit, lens[4] + 1);
	h = fnv(h, &ts, sizeof(ts));
	h = fnv(h, &res, sizeof(res));
	size_t slot = h & (m->pend_cap - 1);
	for (struct pend *p = m->pend[slot]; p; p = p->next) {
		if (p->hash != h || p->ts != ts || p->res != res)
			continue;
		const char *k = p->key;
		int i = 0;
		for (; i < 5; i++) {
			if (memcmp(k, parts[i], lens[i] + 1) != 0)
				break;
			k += lens[i] + 1;
		}
		if (i == 5)
			return p;
	}
	struct pend *p = xcalloc(1, sizeof(*p));
	p->hash = h;
	p->ts = ts;
	p->res = res;
	p->keylen = lens[0] + lens[1] + lens[2] + lens[3] + lens[4] + 5;
	p->key = xmalloc(p->keylen);
	char *k = p->key;
	const char **dst[5] = { &p->account, &p->ns, &p->name, &p->dims, &p->unit };
	for (int i = 0; i < 5; i++) {
		memcpy(k, parts[i], lens[i] + 1);
		*dst[i] = k;
		k += lens[i] + 1;
	}
	p->min = INFINITY;
	p->max = -INFINITY;
	p->next = m->pend[slot];
	m->pend[slot] = p;
	m->pend_len++;
	return p;
}

static void pend_add(struct pend *p, double value, double count)
{
	p->count += count;
	p->sum += value * count;
	if (value < p->min)
		p->min = value;
	if (value > p->max)
		p->max = value;
	mdist_add(&p->dist, value, count);
}

void metrics_add(struct metrics *m, const struct metric_ref *ref, const char *unit, long long ts_ms,
		 bool hires, double value, double count)
{
	if (!m || !isfinite(value) || !(count > 0))
		return;
	struct key_base b;
	key_base_of(&b, ref);
	pthread_mutex_lock(&m->mu);
	pend_add(pend_get(m, &b, ref->name, unit_or_none(unit), ts_ms, hires), value, count);
	pthread_mutex_unlock(&m->mu);
}

void metrics_add_many(struct metrics *m, const struct metric_ref *ref, long long ts_ms,
		      const struct metric_value *v, size_t n)
{
	if (!m || n == 0)
		return;
	struct key_base b;
	key_base_of(&b, ref);
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i].value))
			pend_add(pend_get(m, &b, v[i].name, unit_or_none(v[i].unit), ts_ms, false),
				 v[i].value, 1);
	pthread_mutex_unlock(&m->mu);
}

void metrics_add_set(struct metrics *m, const struct metric_ref *ref, const char *unit,
		     long long ts_ms, bool hires, double count, double sum, double min, double max)
{
	if (!m || !(count > 0))
		return;
	struct key_base b;
	key_base_of(&b, ref);
	pthread_mutex_lock(&m->mu);
	struct pend *p = pend_get(m, &b, ref->name, unit_or_none(unit), ts_ms, hires);
	p->count += count;
	p->sum += sum;
	if (min < p->min)
		p->min = min;
	if (max > p->max)
		p->max = max;
	mdist_add_set(&p->dist, count, sum, min, max);
	pthread_mutex_unlock(&m->mu);
}

/* The row id of a metric (m->flush_mu and db->mu held), made when new; its last data time
 * moved to ts when later. -1 on a database error. */
static long long metric_id(struct metrics *m, const char *account, const char *ns, const char *name,
			   const char *dims, long long ts)
{
	const char *parts[4] = { account, ns, name, dims };
	size_t lens[4], keylen = 0;
	uint64_t h = FNV_INIT;
	for (int i = 0; i < 4; i++) {
		lens[i] = strlen(parts[i]);
		h = fnv(h, parts[i], lens[i] + 1);
		keylen += lens[i] + 1;
	}
	size_t slot = h & (m->known_cap - 1);
	struct known *k = m->known[slot];
	for (; k; k = k->next) {
		if (k->hash != h || k->keylen != keylen)
			continue;
		const char *s = k->key;
		int i = 0;
		for (; i < 4 && memcmp(s, parts[i], lens[i] + 1) == 0; i++)
			s += lens[i] + 1;
		if (i == 4)
			break;
	}
	sqlite3 *db = m->db->db;
	sqlite3_stmt *st = NULL;
	if (k && ts <= k->last_ts)
		return k->id;
	long long id = -1;
	if (sqlite3_prepare_v2(
		    db,
		    "INSERT INTO cw_metrics(account, namespace, name, dims, last_ts)"
		    " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(account, namespace, name,"
		    " dims) DO UPDATE SET last_ts = max(last_ts, ?5) RETURNING id, last_ts",
		    -1, &st, NULL) != SQLITE_OK)
		goto done;
	for (int i = 0; i < 4; i++)
		sqlite3_bind_text(st, i + 1, parts[i], (int)lens[i], SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, ts);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto done;
	id = sqlite3_column_int64(st, 0);
	long long last = sqlite3_column_int64(st, 1);
	if (!k) {
		k = xcalloc(1, sizeof(*k));
		k->hash = h;
		k->keylen = keylen;
		k->key = xmalloc(keylen);
		char *s = k->key;
		for (int i = 0; i < 4; i++) {
			memcpy(s, parts[i], lens[i] + 1);
			s += lens[i] + 1;
		}
		k->next = m->known[slot];
		m->known[slot] = k;
		m->known_len++;
	}
	k->id = id;
	k->last_ts = last;
done:
	sqlite3_finalize(st);
	return id;
}

/* Merge one period into its row (db->mu held): the row is read, merged and written back. */
static void row_merge(sqlite3 *db, long long id, int res, long long ts, const char *unit,
		      double count, double sum, double min, double max, const struct mdist *dist)
{
	sqlite3_stmt *st = NULL;
	struct mdist merged = MDIST_INIT;
	unsigned char *blob = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT count, sum, min, max, dist FROM cw_data WHERE metric = ?1"
			       " AND ts = ?2 AND res = ?3 AND unit = ?4",
			       -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_int(st, 3, res);
	sqlite3_bind_text(st, 4, unit, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		count += sqlite3_column_double(st, 0);
		sum += sqlite3_column_double(st, 1);
		double omin = sqlite3_column_double(st, 2), omax = sqlite3_column_double(st, 3);
		if (omin < min)
			min = omin;
		if (omax > max)
			max = omax;
		mdist_decode(&merged, sqlite3_column_blob(st, 4),
			     (size_t)sqlite3_column_bytes(st, 4));
	}
	sqlite3_finalize(st);
	st = NULL;
	mdist_merge(&merged, dist);
	size_t len = mdist_encode(&merged, &blob);
	if (sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO cw_data(metric, ts, res, unit, count, sum,"
			       " min, max, dist) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_int(st, 3, res);
	sqlite3_bind_text(st, 4, unit, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, count);
	sqlite3_bind_double(st, 6, sum);
	sqlite3_bind_double(st, 7, min);
	sqlite3_bind_double(st, 8, max);
	sqlite3_bind_blob(st, 9, blob, (int)len, SQLITE_STATIC);
	sqlite3_step(st);
done:
	sqlite3_finalize(st);
	free(blob);
	mdist_release(&merged);
}

void metrics_flush(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->flush_mu);
	pthread_mutex_lock(&m->mu);
	if (m->pend_len == 0) {
		pthread_mutex_unlock(&m->mu);
		pthread_mutex_unlock(&m->flush_mu);
		return;
	}
	struct pend **batch = m->pend;
	size_t cap = m->pend_cap;
	/* Grow the table with what it held, so that a busy minute does not chain. */
	while (m->pend_cap < m->pend_len * 2)
		m->pend_cap *= 2;
	m->pend = xcalloc(m->pend_cap, sizeof(*m->pend));
	m->pend_len = 0;
	pthread_mutex_unlock(&m->mu);

	pthread_mutex_lock(&m->db->mu);
	cloud_db_exec(m->db, "BEGIN");
	for (size_t i = 0; i < cap; i++)
		for (struct pend *p = batch[i]; p; p = p->next) {
			long long id = metric_id(m, p->account, p->ns, p->name, p->dims, p->ts);
			if (id >= 0)
				row_merge(m->db->db, id, p->res, p->ts, p->unit, p->count, p->sum,
					  p->min, p->max, &p->dist);
		}
	cloud_db_exec(m->db, "COMMIT");
	pthread_mutex_unlock(&m->db->mu);
	for (size_t i = 0; i < cap; i++)
		pend_free(batch[i]);
	free(batch);
	pthread_mutex_unlock(&m->flush_mu);
}

/* Merge rows of resolution from older than before into rows of resolution to (db->mu
 * held). Returns how many rows moved. */
static int rollup_step(sqlite3 *db, int from, int to, long long before)
{
	sqlite3_stmt *st = NULL, *del = NULL;
	int moved = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT metric, ts, unit, count, sum, min, max, dist FROM cw_data"
			       " WHERE res = ?1 AND ts < ?2 LIMIT 2000",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "DELETE FROM cw_data WHERE metric = ?1 AND ts = ?2 AND res = ?3 AND"
			       " unit = ?4",
			       -1, &del, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int64(st, 2, before);
	struct row {
		long long metric, ts;
		char unit[32];
		double count, sum, min, max;
		struct mdist dist;
	};
	struct row *rows = NULL;
	size_t n = 0, alloc = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			rows = xreallocarray(rows, alloc, sizeof(*rows));
		}
		struct row *r = &rows[n++];
		r->metric = sqlite3_column_int64(st, 0);
		r->ts = sqlite3_column_int64(st, 1);
		snprintf(r->unit, sizeof(r->unit), "%s", (const char *)sqlite3_column_text(st, 2));
		r->count = sqlite3_column_double(st, 3);
		r->sum = sqlite3_column_double(st, 4);
		r->min = sqlite3_column_double(st, 5);
		r->max = sqlite3_column_double(st, 6);
		mdist_decode(&r->dist, sqlite3_column_blob(st, 7),
			     (size_t)sqlite3_column_bytes(st, 7));
	}
	sqlite3_finalize(st);
	st = NULL;
	long long step = to * 1000LL;
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		row_merge(db, r->metric, to, r->ts / step * step, r->unit, r->count, r->sum, r->min,
			  r->max, &r->dist);
		if (del) {
			sqlite3_reset(del);
			sqlite3_bind_int64(del, 1, r->metric);
			sqlite3_bind_int64(del, 2, r->ts);
			sqlite3_bind_int(del, 3, from);
			sqlite3_bind_text(del, 4, r->unit, -1, SQLITE_STATIC);
			sqlite3_step(del);
		}
		mdist_release(&r->dist);
	}
	free(rows);
	moved = (int)n;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	return moved;
}

void metrics_rollup(struct metrics *m, long long now_ms)
{
	if (!m)
		return;
	metrics_flush(m);
	static const struct {
		int from, to;
		long long keep_ms;
	} steps[] = {
		{ 1, 60, 3LL * 3600 * 1000 },
		{ 60, 300, 15LL * 86400 * 1000 },
		{ 300, 3600, 63LL * 86400 * 1000 },
	};
	pthread_mutex_lock(&m->db->mu);
	cloud_db_exec(m->db, "BEGIN");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		while (rollup_step(m->db->db, steps[i].from, steps[i].to,
				   now_ms - steps[i].keep_ms) == 2000)
			;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(m->db->db, "DELETE FROM cw_data WHERE res = 3600 AND ts < ?", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now_ms - 455LL * 86400 * 1000);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	cloud_db_exec(m->db, "COMMIT");
	pthread_mutex_unlock(&m->db->mu);
}

void metrics_reset_account(struct metrics *m, const char *account)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->flush_mu);
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->pend_cap; i++) {
		struct pend **pp = &m->pend[i];
		while (*pp) {
			struct pend *p = *pp;
			if (strcmp(p->account, account) == 0) {
				*pp = p->next;
				p->next = NULL;
				pend_free(p);
				m->pend_len--;
			} else {
				pp = &p->next;
			}
		}
	}
	pthread_mutex_unlock(&m->mu);
	known_clear(m);
	static const char *const sqls[] = {
		"DELETE FROM cw_data WHERE metric IN (SELECT id FROM cw_metrics WHERE account = ?)",
		"DELETE FROM cw_metrics WHERE account = ?",
	};
	pthread_mutex_lock(&m->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(m->db->db, sqls[i], -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&m->db->mu);
	pthread_mutex_unlock(&m->flush_mu);
}

void metric_periods_free(struct metric_period *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++)
		mdist_release(&p[i].dist);
	free(p);
}

static int period_cmp(const void *a, const void *b)
{
	const struct metric_period *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return strcmp(x->unit, y->unit);
}

size_t metrics_get(struct metrics *m, const struct metric_ref *ref, const char *unit,
		   long long start_ms, long long end_ms, long long period_ms, bool want_dist,
		   struct metric_period **out)
{
	*out = NULL;
	if (!m || period_ms <= 0 || end_ms <= start_ms)
		return 0;
	metrics_flush(m);
	struct metric_period *ps = NULL;
	size_t n = 0, alloc = 0;
	pthread_mutex_lock(&m->db->mu);
	sqlite3_stmt *st = db_stmt(
		m->db,
		"SELECT d.ts, d.unit, d.count, d.sum, d.min, d.max, IIF(?8, d.dist, NULL) FROM"
		" cw_metrics AS k JOIN cw_data AS d ON d.metric = k.id WHERE"
		" k.account = ?1 AND k.namespace = ?2 AND k.name = ?3 AND k.dims = ?4"
		" AND d.ts >= ?5 AND d.ts < ?6 AND (?7 IS NULL OR d.unit = ?7)"
		" ORDER BY d.ts");
	if (!st)
		goto done;
	sqlite3_bind_text(st, 1, ref->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ref->ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ref->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ref->dims, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, start_ms);
	sqlite3_bind_int64(st, 6, end_ms);
	if (unit)
		sqlite3_bind_text(st, 7, unit, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	/* The distributions only when asked: a basic statistic needs none. */
	sqlite3_bind_int(st, 8, want_dist);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long ts = sqlite3_column_int64(st, 0);
		long long at = start_ms + (ts - start_ms) / period_ms * period_ms;
		const char *u = (const char *)sqlite3_column_text(st, 1);
		/* Rows come in time order: the period is among the last few (one per unit). */
		struct metric_period *p = NULL;
		for (size_t i = n; i-- > 0 && ps[i].ts == at;)
			if (strcmp(ps[i].unit, u) == 0) {
				p = &ps[i];
				break;
			}
		if (!p) {
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 16;
				ps = xreallocarray(ps, alloc, sizeof(*ps));
			}
			p = &ps[n++];
			memset(p, 0, sizeof(*p));
			p->ts = at;
			size_t ulen = strlen(u);
			ulen = ulen < sizeof(p->unit) ? ulen : sizeof(p->unit) - 1;
			memcpy(p->unit, u, ulen);
			p->unit[ulen] = '\0';
			p->min = INFINITY;
			p->max = -INFINITY;
		}
		p->count += sqlite3_column_double(st, 2);
		p->sum += sqlite3_column_double(st, 3);
		double mn = sqlite3_column_double(st, 4), mx = sqlite3_column_double(st, 5);
		if (mn < p->min)
			p->min = mn;
		if (mx > p->max)
			p->max = mx;
		if (want_dist) {
			struct mdist d;
			if (mdist_decode(&d, sqlite3_column_blob(st, 6),
					 (size_t)sqlite3_column_bytes(st, 6)))
				mdist_merge(&p->dist, &d);
			mdist_release(&d);
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
done:
	pthread_mutex_unlock(&m->db->mu);
	/* In order already unless a later row of a period (a unit's) came first. */
	size_t sorted = 1;
	while (sorted < n && period_cmp(&ps[sorted - 1], &ps[sorted]) <= 0)
		sorted++;
	if (sorted < n)
		qsort(ps, n, sizeof(*ps), period_cmp);
	*out = ps;
	return n;
}

void metrics_list(struct metrics *m, const char *account, const char *ns, const char *name,
		  long long since_ms, metrics_list_fn fn, void *ctx)
{
	if (!m)
		return;
	metrics_flush(m);
	struct vec_row {
		char *ns, *name, *dims;
	};
	struct vec_row *rows = NULL;
	size_t n = 0, alloc = 0;
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&m->db->mu);
	if (sqlite3_prepare_v2(m->db->db,
			       "SELECT namespace, name, dims FROM cw_metrics WHERE account = ?1 AND"
			       " (?2 IS NULL OR namespace = ?2) AND (?3 IS NULL OR name = ?3) AND"
			       " last_ts >= ?4 ORDER BY namespace, name, dims",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		if (ns)
			sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
		if (name)
			sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, since_ms);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 32;
				rows = xreallocarray(rows, alloc, sizeof(*rows));
			}
			rows[n].ns = xstrdup((const char *)sqlite3_column_text(st, 0));
			rows[n].name = xstrdup((const char *)sqlite3_column_text(st, 1));
			rows[n].dims = xstrdup((const char *)sqlite3_column_text(st, 2));
			n++;
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&m->db->mu);
	/* Called without locks: fn may query the store. */
	bool go = true;
	for (size_t i = 0; i < n; i++) {
		if (go)
			go = fn(ctx, rows[i].ns, rows[i].name, rows[i].dims);
		free(rows[i].ns);
		free(rows[i].name);
		free(rows[i].dims);
	}
	free(rows);
}

static void json_string(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, *p);
		} else if (*p < 0x20) {
			strbuf_addf(sb, "\\u%04x", *p);
		} else {
			strbuf_addch(sb, *p);
		}
	}
	strbuf_addch(sb, '"');
}

void metrics_dims_write(struct strbuf *sb, const char *const *names, const char *const *values,
			size_t n)
{
	strbuf_addch(sb, '[');
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(sb, i ? ",{\"Name\":" : "{\"Name\":");
		json_string(sb, names[i]);
		strbuf_addstr(sb, ",\"Value\":");
		json_string(sb, values[i]);
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, ']');
}

struct dim {
	const char *name, *value;
};

static int dim_cmp(const void *a, const void *b)
{
	const struct dim *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

char *metrics_dims_canon(const cJSON *dims)
{
	size_t n = (size_t)cJSON_GetArraySize(dims);
	struct dim *d = xcalloc(n ? n : 1, sizeof(*d));
	size_t k = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, dims)
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "Name");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "Value");
		if (cJSON_IsString(nm) && k < n) {
			d[k].name = nm->valuestring;
			d[k].value = cJSON_IsString(v) ? v->valuestring : "";
			k++;
		}
	}
	qsort(d, k, sizeof(*d), dim_cmp);
	const char **names = xcalloc(k ? k : 1, sizeof(*names));
	const char **values = xcalloc(k ? k : 1, sizeof(*values));
	for (size_t i = 0; i < k; i++) {
		names[i] = d[i].name;
		values[i] = d[i].value;
	}
	struct strbuf sb = STRBUF_INIT;
	metrics_dims_write(&sb, names, values, k);
	free(names);
	free(values);
	free(d);
	return strbuf_detach(&sb);
}

bool metric_period_stat(const struct metric_period *p, const char *stat, double *out)
{
	if (p->count <= 0)
		return false;
	if (strcmp(stat, "SampleCount") == 0)
		*out = p->count;
	else if (strcmp(stat, "Sum") == 0)
		*out = p->sum;
	else if (strcmp(stat, "Average") == 0)
		*out = p->sum / p->count;
	else if (strcmp(stat, "Minimum") == 0)
		*out = p->min;
	else if (strcmp(stat, "Maximum") == 0)
		*out = p->max;
	else {
		bool valid;
		return mdist_stat(&p->dist, stat, p->min, p->max, out, &valid);
	}
	return true;
}

static const char *const units[] = {
	"Seconds",
	"Microseconds",
	"Milliseconds",
	"Bytes",
	"Kilobytes",
	"Megabytes",
	"Gigabytes",
	"Terabytes",
	"Bits",
	"Kilobits",
	"Megabits",
	"Gigabits",
	"Terabits",
	"Percent",
	"Count",
	"Bytes/Second",
	"Kilobytes/Second",
	"Megabytes/Second",
	"Gigabytes/Second",
	"Terabytes/Second",
	"Bits/Second",
	"Kilobits/Second",
	"Megabits/Second",
	"Gigabits/Second",
	"Terabits/Second",
	"Count/Second",
	"None",
};

bool metrics_unit_known(const char *unit)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i]) == 0)
			return true;
	return false;
}
