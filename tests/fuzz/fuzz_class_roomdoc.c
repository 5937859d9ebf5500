/*
 * Fuzz the learner's reading of the trainer's room as a class server sends it (class/room.c):
 * any bytes are refused or read into bounded, NUL-terminated fields, one line each, with at
 * most ROOM_REVIEWS_MAX reviews and a live question that is open or closed, never both.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class/room.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const char *s, size_t n, const char *what)
{
	if (strnlen(s, n) == n || strchr(s, '\n') || strchr(s, '\r')) {
		fprintf(stderr, "%s is not one terminated line\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct room rm;
	struct error err;
	error_clear(&err);
	if (room_parse(text, &rm, &err)) {
		one_line(rm.pace.message, sizeof rm.pace.message, "the message");
		one_line(rm.live.question, sizeof rm.live.question, "the question id");
		one_line(rm.live.hash, sizeof rm.live.hash, "the hash");
		if (rm.n_reviews > ROOM_REVIEWS_MAX || rm.pace.open_through < 0) {
			fprintf(stderr, "%zu reviews, open through %d\n", rm.n_reviews,
				rm.pace.open_through);
			abort();
		}
		for (size_t i = 0; i < rm.n_reviews; i++) {
			one_line(rm.reviews[i].criterion, sizeof rm.reviews[i].criterion,
				 "a criterion");
			one_line(rm.reviews[i].comment, sizeof rm.reviews[i].comment, "a comment");
		}
		if (rm.live.id && rm.live.closed_ms && rm.live.closes_ms) {
			fprintf(stderr, "a live question both closed and timed\n");
			abort();
		}
	} else if (!err.msg[0]) {
		fprintf(stderr, "refused without a reason\n");
		abort();
	}
	free(text);
	return 0;
}
