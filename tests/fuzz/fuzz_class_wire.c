/*
 * Fuzz the class server's request parser (class/wire.c): the first byte picks what the bytes
 * after it are read as (a join, a batch of events, a token, a class code). A refusal is one
 * line; a batch accepted keeps every limit, and written out again it reads back the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class/wire.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(const struct error *err)
{
	if (!err->msg[0] || strchr(err->msg, '\n')) {
		fprintf(stderr, "bad error message: '%s'\n", err->msg);
		abort();
	}
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_batch(const struct wire_batch *b)
{
	int64_t last = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct store_event *ev = &b->events[i];
		if (ev->id <= last || ev->at_ms < 1 || !wire_kind_allowed(ev->kind) ||
		    (ev->item && strlen(ev->item) > WIRE_FIELD_MAX) ||
		    (ev->data && strlen(ev->data) > WIRE_DATA_MAX))
			abort();
		last = ev->id;
	}
	if (b->n > WIRE_BATCH_MAX)
		abort();
	if (b->has_after && (b->after_id < 0 || (b->after_id == 0) != !b->after_chain[0]))
		abort();
	char *text = wire_batch_format(b->events, b->n, b->after_id, b->after_chain, b->after_bare);
	struct wire_batch again;
	struct error err;
	if (!wire_batch_parse(text, strlen(text), &again, &err) || again.n != b->n ||
	    !again.has_after || again.after_id != b->after_id ||
	    strcmp(again.after_chain, b->after_chain) != 0 || again.after_bare != b->after_bare)
		abort();
	for (size_t i = 0; i < b->n; i++) {
		const struct store_event *x = &b->events[i], *y = &again.events[i];
		if (x->id != y->id || x->at_ms != y->at_ms || !same(x->kind, y->kind) ||
		    !same(x->module, y->module) || !same(x->item, y->item) ||
		    !same(x->hash, y->hash) || !same(x->data, y->data) || !same(x->chain, y->chain))
			abort();
	}
	wire_batch_release(&again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	char *text = xstrndup(body, len); /* the token and code readers take C strings */
	struct error err;
	error_clear(&err);
	switch (data[0] % 4) {
	case 0: {
		struct wire_join j;
		if (wire_join_parse(body, len, &j, &err)) {
			if (!wire_learner_valid(j.learner) || strlen(j.code) < 6)
				abort();
		} else {
			check_refusal(&err);
		}
		break;
	}
	case 1: {
		struct wire_batch b;
		if (wire_batch_parse(body, len, &b, &err)) {
			check_batch(&b);
			wire_batch_release(&b);
		} else {
			check_refusal(&err);
		}
		break;
	}
	case 2: {
		char learner[WIRE_LEARNER_MAX + 1];
		if (wire_token_learner(text, learner) && !wire_learner_valid(learner))
			abort();
		break;
	}
	default: {
		char code[32];
		if (wire_code_normal(text, code) && strlen(code) >= 32)
			abort();
		break;
	}
	}
	free(text);
	return 0;
}
