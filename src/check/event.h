/*
 * Events with random values: an exercise's event template is JSON in which an object such as
 * {"random": "int", "min": 1, "max": 99} stands for a value drawn at each run, so that a
 * handler that hard-codes an answer fails. Kinds: name, word, int, number (decimals), choice
 * (of), uuid.
 */
#ifndef CHECK_EVENT_H
#define CHECK_EVENT_H

#include <stdint.h>

struct cJSON;

/* A small deterministic generator (xorshift64*). */
struct event_rng {
	uint64_t state;
};

/* Seed from seed, or from the system's entropy when seed is 0. */
void event_rng_seed(struct event_rng *rng, uint64_t seed);
uint64_t event_rng_next(struct event_rng *rng);

/*
 * A copy of template with every generator replaced by a drawn value. NULL when template is
 * not JSON. Caller deletes.
 */
struct cJSON *event_generate(const char *template_json, struct event_rng *rng);

#endif
