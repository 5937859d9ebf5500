/*
 * DynamoDB's number type: a decimal of up to 38 significant digits whose magnitude lies
 * between 1E-130 and 9.9999999999999999999999999999999999999E+125 (or zero). Numbers are
 * parsed from the wire's strings, stored and returned in one canonical plain form (no
 * exponent, no leading or trailing zeros, no "-0": "1.50" and "15E-1" are both "1.5"),
 * compared and summed exactly, and encoded as bytes that sort as the numbers do.
 *
 * Invariant: a number is zero when ndigits == 0; otherwise d[0] and d[ndigits - 1] are not 0
 * and its value is (neg ? -1 : 1) * 0.d[0]d[1]...d[ndigits-1] * 10^exp.
 */
#ifndef CLOUD_DYNAMODB_NUM_H
#define CLOUD_DYNAMODB_NUM_H

#include <stdbool.h>
#include <stddef.h>

#define DDB_NUM_DIGITS  38
#define DDB_NUM_EXP_MIN (-129) /* 1E-130 = 0.1 * 10^-129 */
#define DDB_NUM_EXP_MAX 126    /* 9.99...E+125 = 0.999... * 10^126 */
/* The longest plain form: sign, "0.", 129 zeros, 38 digits; or 38 digits and 88 zeros. */
#define DDB_NUM_TEXT_MAX 176
/* The longest sort key: a sign byte, an exponent byte, the digits, a terminator. */
#define DDB_NUM_KEY_MAX (DDB_NUM_DIGITS + 3)

struct ddb_num {
	bool neg;
	int ndigits;
	int exp;
	unsigned char d[DDB_NUM_DIGITS];
};

enum ddb_num_status {
	DDB_NUM_OK,
	DDB_NUM_INVALID,   /* not a number */
	DDB_NUM_PRECISION, /* more than 38 significant digits */
	DDB_NUM_OVERFLOW,  /* magnitude above the range */
	DDB_NUM_UNDERFLOW, /* magnitude below the range (and not zero) */
};

/* Parse a number as DynamoDB accepts one: [+-]digits[.digits][(e|E)[+-]digits]. */
enum ddb_num_status ddb_num_parse(const char *text, struct ddb_num *out);
/* DynamoDB's ValidationException message for a status other than DDB_NUM_OK. */
const char *ddb_num_message(enum ddb_num_status status);
/* The canonical plain form into out (DDB_NUM_TEXT_MAX + 1 bytes). */
void ddb_num_format(const struct ddb_num *n, char *out);
/* <0, 0, >0 as a is less than, equal to or greater than b. */
int ddb_num_cmp(const struct ddb_num *a, const struct ddb_num *b);
/* *out = a + b (or a - b when negate_b), exactly; a status other than OK when the result does
 * not fit DynamoDB's range or precision. */
enum ddb_num_status ddb_num_add(const struct ddb_num *a, const struct ddb_num *b, bool negate_b,
				struct ddb_num *out);
/* The bytes a number costs in an item's size: one, plus one per two significant digits on
 * each side of the decimal point, plus one when negative. */
size_t ddb_num_size(const struct ddb_num *n);
/* Bytes that compare (memcmp, then shorter first) as the numbers do. Returns their length. */
size_t ddb_num_key(const struct ddb_num *n, unsigned char out[DDB_NUM_KEY_MAX]);

#endif
