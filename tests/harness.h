/*
 * A TAP harness in one header, no framework (redis's testhelp.h in spirit).
 *
 *	TEST(core_strbuf__adds_formatted_text) { ... ok(cond, "what"); ... }
 *	int main(void) { RUN(core_strbuf__adds_formatted_text); return done(); }
 *
 * Each ok() is one TAP line; done() prints the plan and returns the exit code.
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int harness_n, harness_failed;
static const char *harness_test;

#define TEST(name) static void name(void)
#define RUN(name)                     \
	do {                          \
		harness_test = #name; \
		name();               \
	} while (0)

#define ok(cond, ...) harness_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_str(got, want, what)                                                        \
	do {                                                                           \
		const char *g_ = (got), *w_ = (want);                                  \
		int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;               \
		ok(same_, "%s", what);                                                 \
		if (!same_)                                                            \
			printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", \
			       w_ ? w_ : "(null)");                                    \
	} while (0)

#define is_int(got, want, what)                                             \
	do {                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);    \
		ok(g_ == w_, "%s", what);                                   \
		if (g_ != w_)                                               \
			printf("#   got:  %lld\n#   want: %lld\n", g_, w_); \
	} while (0)

__attribute__((format(printf, 4, 5))) static void harness_ok(int cond, const char *file, int line,
							     const char *fmt, ...)
{
	va_list ap;
	harness_n++;
	printf("%s %d - %s: ", cond ? "ok" : "not ok", harness_n, harness_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		harness_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
}

static int done(void)
{
	printf("1..%d\n", harness_n);
	return harness_failed ? 1 : 0;
}

#endif
