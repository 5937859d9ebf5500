/*
 * Fuzz CloudWatch's metric math (mm_parse, mm_eval): the input is an expression, evaluated
 * over three metrics m1, m2, m3 of eight periods with gaps. A refused expression must say
 * why; an accepted one evaluates or says why not, and parses again the same way.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/monitoring/math.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mm_ts metrics[3];

static bool lookup(void *ctx, const char *id, struct mm_val *out)
{
	(void)ctx;
	for (int i = 0; i < 3; i++)
		if (strcmp(metrics[i].id, id) == 0) {
			memset(out, 0, sizeof(*out));
			out->kind = MM_SERIES;
			out->ts = malloc(sizeof(*out->ts));
			mm_ts_copy(&out->ts[0], &metrics[i]);
			out->nts = 1;
			return true;
		}
	return false;
}

static void setup(void)
{
	static const char *const ids[] = { "m1", "m2", "m3" };
	if (metrics[0].id)
		return;
	for (int i = 0; i < 3; i++) {
		metrics[i].id = strdup(ids[i]);
		metrics[i].label = strdup(ids[i]);
		metrics[i].step = 60000;
		metrics[i].n = 8;
		metrics[i].metric = true;
		metrics[i].v = malloc(8 * sizeof(double));
		for (int k = 0; k < 8; k++)
			metrics[i].v[k] = (k + i) % 3 == 0 ? NAN : (double)(k * (i + 1)) - 3;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct mm_err e;
	struct mm_expr *x = mm_parse(text, &e);
	if (!x) {
		if (!e.msg[0])
			abort();
		free(text);
		return 0;
	}
	struct mm_expr *again = mm_parse(text, &e);
	if (!again)
		abort();
	mm_expr_free(again);
	struct mm_env env = { lookup, NULL, metrics, 3, 0, 60000, 8 };
	struct mm_val v;
	if (mm_eval(x, &env, &v, &e))
		mm_val_release(&v);
	else if (!e.msg[0])
		abort();
	mm_expr_free(x);
	free(text);
	return 0;
}
