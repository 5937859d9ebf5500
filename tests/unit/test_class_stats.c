/*
 * Item statistics against figures worked out by hand on a small fixed data set, and CSV
 * cells that must survive a spreadsheet.
 *
 * Four first attempts at three one-mark items:
 *	s1: 1 1 1  T = 3
 *	s2: 1 0 1  T = 2
 *	s3: 0 1 0  T = 1
 *	s4: 0 0 0  T = 0
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "class/csv.h"
#include "class/stats.h"
#include "harness.h"

static const double marks[] = { 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0 };
static const double max1[] = { 1, 1, 1 };

static bool near(double got, double want)
{
	return fabs(got - want) < 1e-4;
}

#define is_near(got, want, what)                                              \
	do {                                                                  \
		double g__ = (got), w__ = (want);                             \
		ok(near(g__, w__), "%s", what);                               \
		if (!near(g__, w__))                                          \
			printf("#   got:  %.6f\n#   want: %.6f\n", g__, w__); \
	} while (0)

TEST(stats_compute__matches_hand_computed_items)
{
	struct stats_matrix m = { 4, 3, marks, max1 };
	struct stats_item it[3];
	struct stats_test t;
	stats_compute(&m, it, &t);
	/* Item 1: x = 1 1 0 0, mean .5, F = 50; V = 4 * .25 / 3 = 1/3, SD = .57735. */
	is_near(it[0].facility, 50, "facility of item 1");
	is_near(it[0].sd, 57.735027, "SD of item 1 as % of its max");
	/*
	 * Rest of test X = T - x = 2 1 1 0, mean 1, V(X) = (1 + 0 + 0 + 1) / 3 = 2/3;
	 * C(x, X) = (.5*1 + .5*0 - .5*0 - .5*-1) / 3 = 1/3;
	 * D = 100 * (1/3) / sqrt(1/3 * 2/3) = 100 / sqrt(2) = 70.7107.
	 */
	is_near(it[0].disc, 70.710678, "discrimination index of item 1");
	/* Sorted x 0 0 1 1, sorted X 0 1 1 2: C_max = (.5 + 0 + 0 + .5) / 3 = 1/3, DE = 100. */
	is_near(it[0].disc_eff, 100, "discriminative efficiency of item 1");
	/*
	 * Item 2: x = 1 0 1 0, X = 2 2 0 0: C = (.5 - .5 - .5 + .5) / 3 = 0, so D = 0 and DE = 0;
	 * sorted X 0 0 2 2 gives C_max = 2/3, which is not zero.
	 */
	is_near(it[1].disc, 0, "discrimination index of item 2");
	is_near(it[1].disc_eff, 0, "discriminative efficiency of item 2");
	ok(it[1].dubious, "DE 0 < 15 is dubious");
	ok(!it[0].dubious, "DE 100 is not dubious");
	is_str(stats_check_name(it[1].check), "very likely", "D 0 < 30 needs checking");
	is_str(stats_check_name(it[0].check), "unlikely", "D 70.7 does not");
	is_near(it[2].disc, 70.710678, "item 3 discriminates as item 1");
	/* IW = 100 * 1 / 3. */
	is_near(it[0].intended, 33.333333, "intended weight");
	/*
	 * C(x_i, T): item 1 (.75 + .25 + .25 + .75) / 3 = 2/3, item 2 (.75 - .25 - .25 + .75) / 3
	 * = 1/3, item 3 = 2/3; sqrt: .816497 .577350 .816497, sum 2.210344;
	 * EW1 = 36.9398, EW2 = 26.1204.
	 */
	is_near(it[0].effective, 36.939806, "effective weight of item 1");
	is_near(it[1].effective, 26.120387, "effective weight of item 2");
	ok(!it[0].extreme && !it[1].extreme, "facility 50 is not extreme");
}

TEST(stats_compute__matches_hand_computed_test)
{
	struct stats_matrix m = { 4, 3, marks, max1 };
	struct stats_item it[3];
	struct stats_test t;
	stats_compute(&m, it, &t);
	is_int(t.n, 4, "four attempts");
	/* T = 3 2 1 0: mean 1.5, median (1 + 2) / 2 = 1.5, V(T) = (2.25 + .25 + .25 + 2.25) / 3. */
	is_near(t.mean, 1.5, "mean");
	is_near(t.median, 1.5, "median of an even count");
	is_near(t.sd, sqrt(5.0 / 3), "test SD");
	/* m3 = (3.375 + .125 - .125 - 3.375) / 4 = 0. */
	is_near(t.skewness, 0, "skewness");
	/*
	 * m2 = 5/4, m4 = 10.25/4 = 2.5625, k2 = 5/3;
	 * k4 = 16 * (5 * 2.5625 - 3 * 3 * 1.5625) / (3 * 2 * 1) = -10/3; kurtosis = k4 / k2^2 =
	 * -1.2.
	 */
	is_near(t.kurtosis, -1.2, "kurtosis");
	/* CIC = 100 * 3/2 * (1 - (1/3 + 1/3 + 1/3) / (5/3)) = 150 * .4 = 60. */
	is_near(t.cic, 60, "Cronbach's alpha");
	/* ER = 100 * sqrt(1 - .6) = 63.2456; SE = .632456 * 1.290994 = .816497. */
	is_near(t.er, 63.245553, "error ratio");
	is_near(t.se, 0.816497, "standard error");
	is_near(t.max_total, 3, "max total");
}

TEST(stats_compute__scales_facility_by_max_and_skips_missing)
{
	/*
	 * Item 2 is worth 2 and attempt 3 did not have item 1 (a random draw):
	 *	s1: 1 2  s2: 0 1  s3: - 2
	 * Item 1 over s1, s2: mean .5, F 50. Item 2: mean 5/3 of 2 -> F 83.333.
	 */
	double m2[] = { 1, 2, 0, 1, NAN, 2 };
	double mx[] = { 1, 2 };
	struct stats_matrix m = { 3, 2, m2, mx };
	struct stats_item it[2];
	struct stats_test t;
	stats_compute(&m, it, &t);
	is_int(it[0].n, 2, "item 1 seen twice");
	is_near(it[0].facility, 50, "facility over the attempts that had it");
	is_near(it[1].facility, 83.333333, "facility as a share of max 2");
	ok(it[1].extreme, "83 per cent is outside 30..70");
	ok(isnan(t.cic), "no alpha with missing marks");
	/* Item 1's rest of test over s1, s2 is 2 1: C(x, X) = (.5*.5 + -.5*-.5) / 1 = .5, V = .5 */
	is_near(it[0].disc, 100, "D over the attempts that had it");
}

TEST(stats_compute__leaves_undefined_figures_empty)
{
	double one[] = { 1, 1 };
	double mx[] = { 1, 1 };
	struct stats_matrix m = { 1, 2, one, mx };
	struct stats_item it[2];
	struct stats_test t;
	stats_compute(&m, it, &t);
	ok(isnan(it[0].disc) && isnan(it[0].disc_eff), "no D or DE from one attempt");
	ok(isnan(t.sd) && isnan(t.cic), "no SD or alpha from one attempt");
	is_near(t.median, 2, "median of one");
}

static char *cells(const char *const *v, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		csv_text(&sb, v[i], i == 0);
	csv_end(&sb);
	return strbuf_detach(&sb);
}

TEST(csv_text__quotes_and_neutralises)
{
	const char *v[] = { "plain", "a,b",      "say \"hi\"", "two\nlines", "=1+1", "+A1",
			    "-2",    "@SUM(A1)", "\tx",        "\rx",        "" };
	char *line = cells(v, 11);
	is_str(line,
	       "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=1+1,'+A1,'-2,'@SUM(A1),'\tx,"
	       "\"'\rx\",\r\n",
	       "RFC 4180 quoting with formula prefixes neutralised");
	size_t n;
	char **back = csv_split(line, csv_record_len(line, strlen(line)), &n);
	is_int(n, 11, "the record splits back into its cells");
	is_str(back[3], "two\nlines", "a newline survives inside quotes");
	is_str(back[2], "say \"hi\"", "doubled quotes come back single");
	is_str(back[4], "'=1+1", "a neutralised formula keeps its quote");
	for (size_t i = 0; i < n; i++)
		free(back[i]);
	free(back);
	free(line);
	struct strbuf sb = STRBUF_INIT;
	csv_num(&sb, -2.5, true);
	csv_num(&sb, NAN, false);
	csv_num(&sb, 0.1 + 0.2, false);
	is_str(strbuf_str(&sb), "-2.5,,0.3", "numbers stay numbers, NAN is empty");
	strbuf_release(&sb);
}

TEST(csv_record_len__respects_quoted_newlines)
{
	const char *t = "a,\"b\nc\"\r\nd\r\n";
	is_int(csv_record_len(t, strlen(t)), 9, "first record ends after its CRLF");
	is_int(csv_record_len(t + 9, strlen(t + 9)), 3, "second record");
}

int main(void)
{
	RUN(stats_compute__matches_hand_computed_items);
	RUN(stats_compute__matches_hand_computed_test);
	RUN(stats_compute__scales_facility_by_max_and_skips_missing);
	RUN(stats_compute__leaves_undefined_figures_empty);
	RUN(csv_text__quotes_and_neutralises);
	RUN(csv_record_len__respects_quoted_newlines);
	return done();
}
