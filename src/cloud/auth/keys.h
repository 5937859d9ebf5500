/*
 * The key table's insides, shared by keys.c (the table) and auth.c (verification). Not for
 * use outside src/cloud/auth/.
 */
#ifndef CLOUD_AUTH_KEYS_H
#define CLOUD_AUTH_KEYS_H

#include <pthread.h>
#include <stdbool.h>

#include "cloud/auth/auth.h"
#include "core/digest.h"

#define KEYS_BUCKETS 256
/* Signing keys kept per access key (a client signs for one or two services a day). */
#define KEYS_CACHED 4

struct key_entry {
	struct key_entry *next;
	char access_key[24];
	char secret[48];
	char account[13];
	char arn[300];
	char role[128];
	char session[128];
	char token[192];
	long long expires; /* epoch seconds; 0: never */
	bool internal;     /* the cloud's own key */
	bool function;     /* a function's execution session (auth_session_new()) */
	struct {
		char scope[128]; /* date/region/service */
		struct hmac_sha256 key;
	} cache[KEYS_CACHED];
	unsigned cache_next;
};

struct auth {
	pthread_mutex_t mu;
	struct cloud_db *db; /* NULL: in memory only */
	struct key_entry *buckets[KEYS_BUCKETS];
	size_t count;
	struct auth_creds learner;
	char cloud_key[24], cloud_secret[48];
	struct vclock *vc; /* the accounts' clocks that sessions expire on; NULL: the wall clock */
};

/* The entry of access_key, or NULL. Caller holds a->mu. */
struct key_entry *keys_find(struct auth *a, const char *access_key);
/* A fresh pair: prefix and 16 base32 characters, a 40-character secret. */
void keys_new_pair(const char *prefix, char *access_key, size_t ak_n, char *secret, size_t sk_n);
/*
 * Now, in epoch seconds, for e's expiry: its account's virtual clock for a session from STS
 * (AssumeRole, GetSessionToken), the wall clock for a function's (an environment's keys must
 * not lapse because a check stepped its account's clock) and for everything else.
 */
long long keys_now_for(struct auth *a, const struct key_entry *e);
/* Forget sessions past their expiry. */
void keys_drop_expired(struct auth *a);

#endif
