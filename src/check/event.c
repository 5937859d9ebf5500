/*
 * Drawing the random values of an event.
 */
#include "check/event.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Names from many places, some beyond ASCII, so that encoding mistakes show. */
static const char *const names[] = {
	"Ada",      "Grace",  "Alan",   "Katherine", "Linus",  "Margaret", "Dennis", "Barbara",
	"Ken",      "Radia",  "Tim",    "Frances",   "Edsger", "Hedy",     "Donald", "Sophie",
	"Yukihiro", "Guido",  "Bjarne", "Anita",     "Zoë",    "José",     "Amara",  "Leila",
	"Chidi",    "Ingrid", "Mateo",  "Priya",     "Kenji",  "Olga",
};

void event_rng_seed(struct event_rng *rng, uint64_t seed)
{
	if (seed == 0 && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)time(NULL) * 2654435761u;
	rng->state = seed ? seed : 0x9E3779B97F4A7C15ull;
}

uint64_t event_rng_next(struct event_rng *rng)
{
	uint64_t x = rng->state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng->state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n). */
static uint64_t below(struct event_rng *rng, uint64_t n)
{
	return n ? event_rng_next(rng) % n : 0;
}

static double num(const cJSON *g, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static cJSON *draw(const cJSON *g, const char *kind, struct event_rng *rng)
{
	if (strcmp(kind, "name") == 0)
		return cJSON_CreateString(names[below(rng, sizeof(names) / sizeof(names[0]))]);
	if (strcmp(kind, "word") == 0) {
		char w[9];
		size_t n = 5 + below(rng, 4);
		for (size_t i = 0; i < n; i++)
			w[i] = (char)('a' + below(rng, 26));
		w[n] = '\0';
		return cJSON_CreateString(w);
	}
	if (strcmp(kind, "int") == 0) {
		long long lo = (long long)num(g, "min", 0), hi = (long long)num(g, "max", 100);
		if (hi < lo)
			hi = lo;
		return cJSON_CreateNumber(
			(double)(lo + (long long)below(rng, (uint64_t)(hi - lo) + 1)));
	}
	if (strcmp(kind, "number") == 0) {
		double lo = num(g, "min", 0), hi = num(g, "max", 1);
		int dec = (int)num(g, "decimals", 2);
		double scale = pow(10, dec);
		double v =
			lo + (hi - lo) * ((double)(event_rng_next(rng) >> 11) / 9007199254740992.0);
		v = round(v * scale) / scale;
		return cJSON_CreateNumber(v);
	}
	if (strcmp(kind, "choice") == 0) {
		const cJSON *of = cJSON_GetObjectItemCaseSensitive(g, "of");
		int n = cJSON_GetArraySize(of);
		if (n <= 0)
			return cJSON_CreateNull();
		return cJSON_Duplicate(cJSON_GetArrayItem(of, (int)below(rng, (uint64_t)n)), true);
	}
	if (strcmp(kind, "uuid") == 0) {
		char u[37];
		uint64_t a = event_rng_next(rng), b = event_rng_next(rng);
		snprintf(u, sizeof(u), "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
			 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
			 (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
			 (unsigned long long)(b & 0xffffffffffffull));
		return cJSON_CreateString(u);
	}
	return cJSON_CreateNull();
}

static cJSON *generate(const cJSON *v, struct event_rng *rng)
{
	if (cJSON_IsObject(v)) {
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(v, "random");
		if (cJSON_IsString(kind))
			return draw(v, kind->valuestring, rng);
		cJSON *out = cJSON_CreateObject();
		for (const cJSON *c = v->child; c; c = c->next)
			cJSON_AddItemToObject(out, c->string, generate(c, rng));
		return out;
	}
	if (cJSON_IsArray(v)) {
		cJSON *out = cJSON_CreateArray();
		for (const cJSON *c = v->child; c; c = c->next)
			cJSON_AddItemToArray(out, generate(c, rng));
		return out;
	}
	return cJSON_Duplicate(v, true);
}

cJSON *event_generate(const char *template_json, struct event_rng *rng)
{
	cJSON *t = cJSON_Parse(template_json);
	if (!t)
		return NULL;
	cJSON *out = generate(t, rng);
	cJSON_Delete(t);
	return out;
}
