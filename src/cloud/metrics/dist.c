/*
 * Exact values while few, a logarithmic sketch beyond; the extended statistics over either.
 */
#include "cloud/metrics/dist.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"

/* a = 0.5 %: g = 1.005 / 0.995. */
#define SKETCH_GAMMA 1.01005025125628
#define ENCODE_MAGIC 0x4d44u /* "MD" */

static double log_gamma(void)
{
	return log(SKETCH_GAMMA);
}

static double bin_index(double v)
{
	return ceil(log(v) / log_gamma());
}

static double bin_value(double i)
{
	return 2.0 * pow(SKETCH_GAMMA, i) / (SKETCH_GAMMA + 1.0);
}

/* The first bin whose key is >= key. */
static size_t lower_bound(const struct mdist *d, double key)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->bins[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void bin_add(struct mdist *d, double key, double count)
{
	size_t i = lower_bound(d, key);
	if (i < d->n && d->bins[i].key == key) {
		d->bins[i].count += count;
		return;
	}
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? d->alloc * 2 : 8;
		d->bins = xrealloc(d->bins, d->alloc * sizeof(*d->bins));
	}
	memmove(d->bins + i + 1, d->bins + i, (d->n - i) * sizeof(*d->bins));
	d->bins[i].key = key;
	d->bins[i].count = count;
	d->n++;
}

static void sketch_add(struct mdist *d, double v, double count)
{
	if (v == 0)
		d->zeros += count;
	else
		bin_add(d, bin_index(fabs(v)), count);
}

/* Exact values into bins. Negative values make percentiles unavailable anyway, so their
 * magnitude is what is kept. */
static void to_sketch(struct mdist *d)
{
	struct mdist_bin *old = d->bins;
	size_t n = d->n;
	d->bins = NULL;
	d->n = d->alloc = 0;
	d->sketch = true;
	for (size_t i = 0; i < n; i++)
		sketch_add(d, old[i].key, old[i].count);
	free(old);
}

void mdist_add(struct mdist *d, double v, double count)
{
	if (!(count > 0) || !isfinite(v))
		return;
	if (v < 0)
		d->negative = true;
	if (d->sketch) {
		sketch_add(d, v, count);
		return;
	}
	bin_add(d, v, count);
	if (d->n > MDIST_EXACT_MAX)
		to_sketch(d);
}

void mdist_add_set(struct mdist *d, double count, double sum, double min, double max)
{
	if (!(count > 0))
		return;
	if (min == max && fabs(sum - min * count) <= 1e-9 * fabs(sum))
		mdist_add(d, min, count);
	else
		d->opaque = true;
}

void mdist_merge(struct mdist *d, const struct mdist *o)
{
	d->negative |= o->negative;
	d->opaque |= o->opaque;
	if (o->sketch && !d->sketch)
		to_sketch(d);
	if (d->sketch) {
		d->zeros += o->zeros;
		for (size_t i = 0; i < o->n; i++) {
			if (o->sketch)
				bin_add(d, o->bins[i].key, o->bins[i].count);
			else
				sketch_add(d, o->bins[i].key, o->bins[i].count);
		}
		return;
	}
	for (size_t i = 0; i < o->n; i++)
		mdist_add(d, o->bins[i].key, o->bins[i].count);
}

void mdist_release(struct mdist *d)
{
	free(d->bins);
	memset(d, 0, sizeof(*d));
}

bool mdist_usable(const struct mdist *d)
{
	return !d->negative && !d->opaque && (d->n > 0 || d->zeros > 0);
}

size_t mdist_values(const struct mdist *d, double min, double max, struct mdist_bin **out)
{
	size_t n = d->n + (d->zeros > 0);
	struct mdist_bin *v = xmalloc((n ? n : 1) * sizeof(*v));
	size_t k = 0;
	if (d->zeros > 0)
		v[k++] = (struct mdist_bin){ 0, d->zeros };
	for (size_t i = 0; i < d->n; i++) {
		double x = d->sketch ? bin_value(d->bins[i].key) : d->bins[i].key;
		if (d->sketch && x < min)
			x = min;
		if (d->sketch && x > max)
			x = max;
		v[k].key = x;
		v[k++].count = d->bins[i].count;
	}
	*out = v;
	return k;
}

/* The kinds of extended statistic. */
enum xstat {
	XSTAT_P,
	XSTAT_TM,
	XSTAT_WM,
	XSTAT_TC,
	XSTAT_TS,
	XSTAT_PR,
};

struct xspec {
	enum xstat kind;
	bool percent; /* bounds are percentages of the values, not values */
	bool has_lo, has_hi;
	double lo, hi; /* percent: 0..100 */
};

/* A number as the statistics write them: digits with at most one dot (no sign, no exponent). */
static bool read_number(const char **s, double *out)
{
	const char *p = *s;
	size_t digits = 0, dots = 0;
	while (isdigit((unsigned char)*p) || *p == '.') {
		if (*p == '.')
			dots++;
		else
			digits++;
		p++;
	}
	if (digits == 0 || dots > 1)
		return false;
	char buf[64];
	size_t len = (size_t)(p - *s);
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, *s, len);
	buf[len] = '\0';
	*out = strtod(buf, NULL);
	*s = p;
	return true;
}

/* One bound of a range: "", "12", "12%". */
static bool read_bound(const char **s, bool *has, double *v, int *percent)
{
	*has = false;
	if (**s == ':' || **s == ')')
		return true;
	if (!read_number(s, v))
		return false;
	*has = true;
	int pc = 0;
	if (**s == '%') {
		pc = 1;
		(*s)++;
	}
	if (*percent < 0)
		*percent = pc;
	return *percent == pc;
}

static bool parse_xstat(const char *name, struct xspec *x)
{
	memset(x, 0, sizeof(*x));
	const char *s = name;
	if (strcasecmp(s, "IQM") == 0) {
		*x = (struct xspec){ XSTAT_TM, true, true, true, 25, 75 };
		return true;
	}
	static const struct {
		const char *prefix;
		enum xstat kind;
	} kinds[] = { { "tm", XSTAT_TM }, { "wm", XSTAT_WM }, { "tc", XSTAT_TC },
		      { "ts", XSTAT_TS }, { "pr", XSTAT_PR }, { "p", XSTAT_P } };
	size_t k = 0;
	for (; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (strncasecmp(s, kinds[k].prefix, strlen(kinds[k].prefix)) == 0)
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return false;
	x->kind = kinds[k].kind;
	s += strlen(kinds[k].prefix);
	if (*s == '(') {
		if (x->kind == XSTAT_P)
			return false;
		s++;
		int percent = -1;
		if (!read_bound(&s, &x->has_lo, &x->lo, &percent) || *s++ != ':' ||
		    !read_bound(&s, &x->has_hi, &x->hi, &percent) || *s++ != ')' || *s)
			return false;
		if (!x->has_lo && !x->has_hi)
			return false;
		x->percent = percent == 1;
		if (x->kind == XSTAT_PR && x->percent)
			return false;
	} else {
		/* The short form: an upper percentage. */
		if (x->kind == XSTAT_PR || !read_number(&s, &x->hi) || *s)
			return false;
		x->has_hi = true;
		x->percent = true;
	}
	if (x->percent && ((x->has_lo && x->lo > 100) || (x->has_hi && x->hi > 100)))
		return false;
	if (x->has_lo && x->has_hi && x->lo > x->hi)
		return false;
	return true;
}

bool mdist_stat_valid(const char *name)
{
	struct xspec x;
	return name && parse_xstat(name, &x);
}

/* Nearest rank: the first value whose cumulative count reaches p % of the total. */
static double percentile(const struct mdist_bin *v, size_t n, double total, double p)
{
	double target = p / 100.0 * total;
	double cum = 0;
	for (size_t i = 0; i < n; i++) {
		cum += v[i].count;
		if (cum >= target - 1e-9 * total && cum > 0)
			return v[i].key;
	}
	return n ? v[n - 1].key : 0;
}

bool mdist_stat(const struct mdist *d, const char *name, double min, double max, double *out,
		bool *valid)
{
	struct xspec x;
	*valid = parse_xstat(name, &x);
	if (!*valid || !mdist_usable(d))
		return false;
	struct mdist_bin *v;
	size_t n = mdist_values(d, min, max, &v);
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += v[i].count;
	bool ok = false;
	if (x.kind == XSTAT_P) {
		*out = percentile(v, n, total, x.hi);
		ok = true;
		goto done;
	}
	/* The values kept: ranks in (lo, hi], or values in (lo, hi]. */
	double lo_rank = 0, hi_rank = total, lo_val = -INFINITY, hi_val = INFINITY;
	if (x.percent) {
		if (x.has_lo)
			lo_rank = x.lo / 100.0 * total;
		if (x.has_hi)
			hi_rank = x.hi / 100.0 * total;
	} else {
		if (x.has_lo)
			lo_val = x.lo;
		if (x.has_hi)
			hi_val = x.hi;
	}
	double kept = 0, sum = 0, cum = 0;
	double first = NAN, last = NAN; /* the values at the edges of the kept ranks */
	for (size_t i = 0; i < n; i++) {
		double c0 = cum, c1 = cum + v[i].count;
		cum = c1;
		double take;
		if (x.percent) {
			double a = c0 > lo_rank ? c0 : lo_rank, b = c1 < hi_rank ? c1 : hi_rank;
			take = b > a ? b - a : 0;
		} else {
			take = v[i].key > lo_val && v[i].key <= hi_val ? v[i].count : 0;
		}
		if (take > 0) {
			if (isnan(first))
				first = v[i].key;
			last = v[i].key;
		}
		kept += take;
		sum += take * v[i].key;
	}
	switch (x.kind) {
	case XSTAT_TM:
		if (kept > 0) {
			*out = sum / kept;
			ok = true;
		}
		break;
	case XSTAT_TC:
		*out = kept;
		ok = true;
		break;
	case XSTAT_TS:
		*out = sum;
		ok = true;
		break;
	case XSTAT_PR:
		if (total > 0) {
			*out = kept / total * 100.0;
			ok = true;
		}
		break;
	case XSTAT_WM:
		/* What lies outside the kept values counts as the nearest kept value. */
		if (kept > 0) {
			double below = 0, above = 0;
			if (x.percent) {
				below = lo_rank;
				above = total - hi_rank;
			} else {
				for (size_t i = 0; i < n; i++) {
					if (v[i].key <= lo_val)
						below += v[i].count;
					else if (v[i].key > hi_val)
						above += v[i].count;
				}
			}
			*out = (sum + below * first + above * last) / (kept + below + above);
			ok = true;
		}
		break;
	case XSTAT_P:
		abort();
	}
done:
	free(v);
	return ok;
}

/* Bytes: magic (2), flags (1), then zeros and n as 8-byte values, then n pairs of doubles. */
size_t mdist_encode(const struct mdist *d, unsigned char **out)
{
	size_t len = 3 + 16 + d->n * 16;
	unsigned char *b = xmalloc(len);
	b[0] = (unsigned char)(ENCODE_MAGIC >> 8);
	b[1] = (unsigned char)(ENCODE_MAGIC & 0xff);
	b[2] = (unsigned char)((d->sketch ? 1 : 0) | (d->negative ? 2 : 0) | (d->opaque ? 4 : 0));
	uint64_t n = d->n;
	memcpy(b + 3, &d->zeros, 8);
	memcpy(b + 11, &n, 8);
	for (size_t i = 0; i < d->n; i++) {
		memcpy(b + 19 + i * 16, &d->bins[i].key, 8);
		memcpy(b + 27 + i * 16, &d->bins[i].count, 8);
	}
	*out = b;
	return len;
}

bool mdist_decode(struct mdist *d, const void *data, size_t len)
{
	*d = (struct mdist)MDIST_INIT;
	const unsigned char *b = data;
	if (!b || len < 19 || b[0] != (ENCODE_MAGIC >> 8) || b[1] != (ENCODE_MAGIC & 0xff))
		return false;
	uint64_t n;
	memcpy(&d->zeros, b + 3, 8);
	memcpy(&n, b + 11, 8);
	if (n > (len - 19) / 16 || len != 19 + n * 16)
		return false;
	d->sketch = b[2] & 1;
	d->negative = (b[2] & 2) != 0;
	d->opaque = (b[2] & 4) != 0;
	d->n = d->alloc = (size_t)n;
	d->bins = d->n ? xmalloc(d->n * sizeof(*d->bins)) : NULL;
	for (size_t i = 0; i < d->n; i++) {
		memcpy(&d->bins[i].key, b + 19 + i * 16, 8);
		memcpy(&d->bins[i].count, b + 27 + i * 16, 8);
	}
	return true;
}
