/*
 * DynamoDB's decimal numbers: parsing, the canonical form, exact comparison and sums, sizes
 * and sortable keys. Digits are kept one per byte; a sum is done on a wide array of place
 * values and normalised back.
 */
#include "cloud/dynamodb/num.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Every place value a sum of two numbers in range can touch: 10^-168 .. 10^126, and a carry. */
#define PLACES 300
#define LOW    (DDB_NUM_EXP_MIN - DDB_NUM_DIGITS - 2)

const char *ddb_num_message(enum ddb_num_status status)
{
	switch (status) {
	case DDB_NUM_OK:
		return "";
	case DDB_NUM_INVALID:
		return "A value provided cannot be converted into a number";
	case DDB_NUM_PRECISION:
		return "Attempting to store more than 38 significant digits";
	case DDB_NUM_OVERFLOW:
		return "Number overflow. Attempting to store a number with magnitude larger than "
		       "supported range";
	case DDB_NUM_UNDERFLOW:
		return "Number underflow. Attempting to store a number with magnitude smaller "
		       "than supported range";
	}
	abort();
}

static enum ddb_num_status check_range(const struct ddb_num *n)
{
	if (n->ndigits == 0)
		return DDB_NUM_OK;
	if (n->exp > DDB_NUM_EXP_MAX)
		return DDB_NUM_OVERFLOW;
	if (n->exp < DDB_NUM_EXP_MIN)
		return DDB_NUM_UNDERFLOW;
	return DDB_NUM_OK;
}

enum ddb_num_status ddb_num_parse(const char *text, struct ddb_num *out)
{
	const char *p = text;
	memset(out, 0, sizeof(*out));
	if (*p == '+' || *p == '-')
		out->neg = *p++ == '-';
	/* The digits' position relative to the point, skipping leading zeros. */
	long point = 0;
	int ndigits = 0, seen = 0, trailing_zeros = 0;
	bool started = false, in_fraction = false;
	for (;; p++) {
		if (*p == '.' && !in_fraction) {
			in_fraction = true;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			break;
		seen++;
		int digit = *p - '0';
		if (!started && digit == 0) {
			if (in_fraction)
				point--;
			continue;
		}
		started = true;
		if (!in_fraction)
			point++;
		if (digit == 0) {
			trailing_zeros++;
			continue;
		}
		/* Zeros inside the number are digits after all. */
		for (; trailing_zeros > 0; trailing_zeros--) {
			if (ndigits == DDB_NUM_DIGITS)
				return DDB_NUM_PRECISION;
			out->d[ndigits++] = 0;
		}
		if (ndigits == DDB_NUM_DIGITS)
			return DDB_NUM_PRECISION;
		out->d[ndigits++] = (unsigned char)digit;
	}
	if (seen == 0)
		return DDB_NUM_INVALID;
	long e = 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		bool eneg = false;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		if (!isdigit((unsigned char)*p))
			return DDB_NUM_INVALID;
		for (; isdigit((unsigned char)*p); p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		if (eneg)
			e = -e;
	}
	if (*p)
		return DDB_NUM_INVALID;
	out->ndigits = ndigits;
	if (ndigits == 0) {
		out->neg = false;
		out->exp = 0;
		return DDB_NUM_OK;
	}
	long exp = point + e;
	if (exp > DDB_NUM_EXP_MAX)
		return DDB_NUM_OVERFLOW;
	if (exp < DDB_NUM_EXP_MIN)
		return DDB_NUM_UNDERFLOW;
	out->exp = (int)exp;
	return DDB_NUM_OK;
}

void ddb_num_format(const struct ddb_num *n, char *out)
{
	char *o = out;
	if (n->ndigits == 0) {
		strcpy(out, "0");
		return;
	}
	if (n->neg)
		*o++ = '-';
	if (n->exp <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -n->exp; i++)
			*o++ = '0';
		for (int i = 0; i < n->ndigits; i++)
			*o++ = (char)('0' + n->d[i]);
	} else {
		for (int i = 0; i < n->exp || i < n->ndigits; i++) {
			if (i == n->exp)
				*o++ = '.';
			*o++ = (char)('0' + (i < n->ndigits ? n->d[i] : 0));
		}
	}
	*o = '\0';
}

static int cmp_magnitude(const struct ddb_num *a, const struct ddb_num *b)
{
	if (a->ndigits == 0 || b->ndigits == 0)
		return (a->ndigits != 0) - (b->ndigits != 0);
	if (a->exp != b->exp)
		return a->exp < b->exp ? -1 : 1;
	for (int i = 0; i < a->ndigits || i < b->ndigits; i++) {
		int da = i < a->ndigits ? a->d[i] : 0, db = i < b->ndigits ? b->d[i] : 0;
		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

int ddb_num_cmp(const struct ddb_num *a, const struct ddb_num *b)
{
	int sa = a->ndigits == 0 ? 0 : a->neg ? -1 : 1;
	int sb = b->ndigits == 0 ? 0 : b->neg ? -1 : 1;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	int m = cmp_magnitude(a, b);
	return sa < 0 ? -m : m;
}

/* Spread n's digits over places (index = power of ten - LOW). */
static void spread(const struct ddb_num *n, int places[PLACES])
{
	memset(places, 0, PLACES * sizeof(places[0]));
	for (int i = 0; i < n->ndigits; i++) {
		int power = n->exp - 1 - i;
		assert(power - LOW >= 0 && power - LOW < PLACES);
		places[power - LOW] = n->d[i];
	}
}

enum ddb_num_status ddb_num_add(const struct ddb_num *a, const struct ddb_num *b, bool negate_b,
				struct ddb_num *out)
{
	struct ddb_num bb = *b;
	if (negate_b && bb.ndigits)
		bb.neg = !bb.neg;
	memset(out, 0, sizeof(*out));
	if (a->ndigits == 0 || bb.ndigits == 0) {
		*out = a->ndigits ? *a : bb;
		return check_range(out);
	}
	int x[PLACES], y[PLACES], r[PLACES];
	const struct ddb_num *big = a, *small = &bb;
	if (cmp_magnitude(a, &bb) < 0) {
		big = &bb;
		small = a;
	}
	spread(big, x);
	spread(small, y);
	bool subtract = big->neg != small->neg;
	int carry = 0;
	for (int i = 0; i < PLACES; i++) {
		int v = subtract ? x[i] - y[i] - carry : x[i] + y[i] + carry;
		carry = 0;
		if (v < 0) {
			v += 10;
			carry = 1;
		} else if (v > 9) {
			v -= 10;
			carry = 1;
		}
		r[i] = v;
	}
	assert(carry == 0);
	int hi = PLACES - 1, lo = 0;
	while (hi >= 0 && r[hi] == 0)
		hi--;
	if (hi < 0)
		return DDB_NUM_OK; /* zero */
	while (r[lo] == 0)
		lo++;
	out->neg = big->neg;
	out->exp = hi + LOW + 1;
	if (out->exp > DDB_NUM_EXP_MAX)
		return DDB_NUM_OVERFLOW;
	if (out->exp < DDB_NUM_EXP_MIN)
		return DDB_NUM_UNDERFLOW;
	if (hi - lo + 1 > DDB_NUM_DIGITS)
		return DDB_NUM_PRECISION;
	for (int i = hi; i >= lo; i--)
		out->d[out->ndigits++] = (unsigned char)r[i];
	return DDB_NUM_OK;
}

size_t ddb_num_size(const struct ddb_num *n)
{
	int left = n->exp <= 0 ? 0 : n->exp < n->ndigits ? n->exp : n->ndigits;
	int right = n->ndigits - left;
	return 1 + (size_t)(left + 1) / 2 + (size_t)(right + 1) / 2 + (n->neg ? 1 : 0);
}

size_t ddb_num_key(const struct ddb_num *n, unsigned char out[DDB_NUM_KEY_MAX])
{
	size_t len = 0;
	if (n->ndigits == 0) {
		out[len++] = 0x02;
		return len;
	}
	unsigned char e = (unsigned char)(n->exp - DDB_NUM_EXP_MIN);
	if (!n->neg) {
		out[len++] = 0x03;
		out[len++] = e;
		for (int i = 0; i < n->ndigits; i++)
			out[len++] = (unsigned char)(n->d[i] + 1);
		return len;
	}
	/* Negative: everything reversed, and a terminator above every digit so that a longer
	 * number (of larger magnitude) sorts first. */
	out[len++] = 0x01;
	out[len++] = (unsigned char)(255 - e);
	for (int i = 0; i < n->ndigits; i++)
		out[len++] = (unsigned char)(10 - n->d[i]);
	out[len++] = 0xff;
	return len;
}
