/*
 * AWS Key Management Service: symmetric keys, aliases, key policies, and the cryptographic
 * operations on them (Encrypt, Decrypt, ReEncrypt, GenerateDataKey with and without its
 * plaintext, GenerateRandom) with encryption contexts.
 *
 * Encryption is real: AES-256-GCM (OpenSSL's libcrypto). Each account has a master secret of
 * 32 random bytes, made on its first use and kept in the database; a key's material is
 * HMAC-SHA256(master secret, "kms-key:" KEY-ID), so nothing of a key's material is stored.
 * A ciphertext blob is
 *
 *   0x01 | KEY-ID (36 bytes) | nonce (12) | tag (16) | ciphertext
 *
 * authenticated with the header (version and key id) and the encryption context (its pairs
 * sorted by key, each as a 4-byte length and the bytes) as additional data, so a wrong
 * context, a changed byte or another key's blob fails as AWS fails it: an
 * InvalidCiphertextException with no message.
 *
 * AWS managed keys (alias/aws/ssm, alias/aws/secretsmanager, alias/aws/lambda) are made on
 * their first use, as the services that own them make them. A key scheduled for deletion is
 * deleted, with its aliases, once its date has passed on the account's virtual clock.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/iam/iam.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define BLOB_VERSION  0x01
#define ID_LEN        36
#define NONCE_LEN     12
#define TAG_LEN       16
#define HEADER_LEN    (1 + ID_LEN)
#define BLOB_OVERHEAD (HEADER_LEN + NONCE_LEN + TAG_LEN)
#define DAY_MS        86400000LL
#define PAGE_MAX      1000

static const char *const migrations[] = {
	/* 0 -> 1: accounts' master secrets, keys, aliases, tags. */
	"CREATE TABLE IF NOT EXISTS kms_master(account TEXT PRIMARY KEY, secret BLOB NOT NULL)"
	" STRICT;"
	"CREATE TABLE IF NOT EXISTS kms_keys(account TEXT NOT NULL, id TEXT NOT NULL,"
	" description TEXT NOT NULL, state TEXT NOT NULL, manager TEXT NOT NULL,"
	" created REAL NOT NULL, deletion_ms INTEGER, window INTEGER, policy TEXT NOT NULL,"
	" PRIMARY KEY(account, id)) STRICT;"
	"CREATE TABLE IF NOT EXISTS kms_aliases(account TEXT NOT NULL, name TEXT NOT NULL,"
	" key_id TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL,"
	" PRIMARY KEY(account, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS kms_tags(account TEXT NOT NULL, key_id TEXT NOT NULL,"
	" tag TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(account, key_id, tag)) STRICT;",
	/* 1 -> 2: automatic rotation of a customer managed key, and its period in days. */
	"ALTER TABLE kms_keys ADD COLUMN rotation_days INTEGER NOT NULL DEFAULT 0;",
};

/* A key as the database holds it. */
struct key {
	char id[ID_LEN + 1];
	char arn[128];
	char state[32]; /* Enabled, Disabled, PendingDeletion */
	char manager[16];
	char *description;
	char *policy;
	double created;
	int64_t deletion_ms; /* 0: none */
	int window;
};

static void key_release(struct key *k)
{
	free(k->description);
	free(k->policy);
	k->description = k->policy = NULL;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void key_arn(const char *account, const char *id, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:kms:%s:%s:key/%s", AWS_REGION_NAME, account, id);
}

static void alias_arn(const char *account, const char *name, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:kms:%s:%s:%s", AWS_REGION_NAME, account, name);
}

static bool is_uuid(const char *s)
{
	if (strlen(s) != ID_LEN)
		return false;
	for (int i = 0; i < ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static void bind(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* ---- Master secrets and key material. Database locked. ---- */

static bool master_secret(struct cloud *c, const char *account, unsigned char out[32])
{
	sqlite3_stmt *st = db_prep(c->db, "SELECT secret FROM kms_master WHERE account=?");
	bind(st, 1, account);
	bool found = false;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		memcpy(out, sqlite3_column_blob(st, 0), 32);
		found = true;
	}
	sqlite3_finalize(st);
	if (found)
		return true;
	if (RAND_bytes(out, 32) != 1)
		return false;
	st = db_prep(c->db, "INSERT INTO kms_master(account, secret) VALUES(?, ?)");
	bind(st, 1, account);
	sqlite3_bind_blob(st, 2, out, 32, SQLITE_TRANSIENT);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static bool key_material(struct cloud *c, const char *account, const char *id,
			 unsigned char out[32])
{
	unsigned char master[32];
	if (!master_secret(c, account, master))
		return false;
	char label[64];
	int n = snprintf(label, sizeof(label), "kms-key:%s", id);
	unsigned int len = 32;
	bool ok = HMAC(EVP_sha256(), master, 32, (const unsigned char *)label, (size_t)n, out,
		       &len) != NULL;
	OPENSSL_cleanse(master, sizeof(master));
	return ok;
}

/* ---- Encryption contexts ---- */

static int cmp_item(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

static void put_len(struct strbuf *sb, size_t n)
{
	unsigned char b[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
			       (unsigned char)(n >> 8), (unsigned char)n };
	strbuf_add(sb, (const char *)b, 4);
}

/* The context's canonical bytes (pairs sorted by key) after the blob's header. */
static void context_aad(const cJSON *ctx, const unsigned char *header, struct strbuf *sb)
{
	strbuf_add(sb, (const char *)header, HEADER_LEN);
	size_t n = (size_t)cJSON_GetArraySize(ctx);
	if (n == 0)
		return;
	const cJSON **items = xcalloc(n, sizeof(*items));
	size_t i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, ctx) items[i++] = it;
	qsort(items, n, sizeof(*items), cmp_item);
	for (i = 0; i < n; i++) {
		const char *v = cJSON_IsString(items[i]) ? items[i]->valuestring : "";
		put_len(sb, strlen(items[i]->string));
		strbuf_addstr(sb, items[i]->string);
		put_len(sb, strlen(v));
		strbuf_addstr(sb, v);
	}
	free(items);
}

/* Seal plain under key id: the blob (caller frees), or NULL. Database locked. */
static unsigned char *seal(struct cloud *c, const char *account, const char *id,
			   const unsigned char *plain, size_t n, const cJSON *ctx, size_t *out_len)
{
	unsigned char k[32];
	if (!key_material(c, account, id, k))
		return NULL;
	unsigned char *blob = xmalloc(BLOB_OVERHEAD + n);
	blob[0] = BLOB_VERSION;
	memcpy(blob + 1, id, ID_LEN);
	unsigned char *nonce = blob + HEADER_LEN, *tag = nonce + NONCE_LEN, *ct = tag + TAG_LEN;
	struct strbuf aad = STRBUF_INIT;
	context_aad(ctx, blob, &aad);
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
	int len = 0;
	bool ok = e && RAND_bytes(nonce, NONCE_LEN) == 1 &&
		  EVP_EncryptInit_ex(e, EVP_aes_256_gcm(), NULL, k, nonce) == 1 &&
		  EVP_EncryptUpdate(e, NULL, &len, (const unsigned char *)aad.buf, (int)aad.len) ==
			  1 &&
		  (n == 0 || EVP_EncryptUpdate(e, ct, &len, plain, (int)n) == 1) &&
		  EVP_EncryptFinal_ex(e, ct + (n ? len : 0), &len) == 1 &&
		  EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(e);
	strbuf_release(&aad);
	OPENSSL_cleanse(k, sizeof(k));
	if (!ok) {
		free(blob);
		return NULL;
	}
	*out_len = BLOB_OVERHEAD + n;
	return blob;
}

/* Open a blob sealed under key id: the plaintext (caller frees), or NULL when it does not
 * authenticate. Database locked. */
static unsigned char *open_blob(struct cloud *c, const char *account, const char *id,
				const unsigned char *blob, size_t blen, const cJSON *ctx,
				size_t *out_len)
{
	unsigned char k[32];
	if (blen < BLOB_OVERHEAD || !key_material(c, account, id, k))
		return NULL;
	size_t n = blen - BLOB_OVERHEAD;
	const unsigned char *nonce = blob + HEADER_LEN, *tag = nonce + NONCE_LEN,
			    *ct = tag + TAG_LEN;
	unsigned char *plain = xmalloc(n + 1);
	struct strbuf aad = STRBUF_INIT;
	context_aad(ctx, blob, &aad);
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
	int len = 0;
	bool ok = e && EVP_DecryptInit_ex(e, EVP_aes_256_gcm(), NULL, k, nonce) == 1 &&
		  EVP_DecryptUpdate(e, NULL, &len, (const unsigned char *)aad.buf, (int)aad.len) ==
			  1 &&
		  (n == 0 || EVP_DecryptUpdate(e, plain, &len, ct, (int)n) == 1) &&
		  EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)tag) == 1 &&
		  EVP_DecryptFinal_ex(e, plain + (n ? len : 0), &len) == 1;
	EVP_CIPHER_CTX_free(e);
	strbuf_release(&aad);
	OPENSSL_cleanse(k, sizeof(k));
	if (!ok) {
		OPENSSL_cleanse(plain, n);
		free(plain);
		return NULL;
	}
	*out_len = n;
	return plain;
}

/* ---- Keys ---- */

static double now_s(struct cloud *c, const char *account)
{
	return (double)vclock_now_ms(c->vclock, account) / 1000.0;
}

static void default_policy(const char *account, char *out, size_t n)
{
	snprintf(out, n,
		 "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n"
		 "  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n"
		 "    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : "
		 "\"arn:aws:iam::%s:root\"\n    },\n    \"Action\" : \"kms:*\",\n"
		 "    \"Resource\" : \"*\"\n  } ]\n}",
		 account);
}

/* Delete the keys of account whose deletion date has passed. Database locked. */
static void sweep(struct cloud *c, const char *account)
{
	int64_t now = vclock_now_ms(c->vclock, account);
	static const char *const sqls[] = {
		"DELETE FROM kms_aliases WHERE account=?1 AND key_id IN (SELECT id FROM kms_keys"
		" WHERE account=?1 AND state='PendingDeletion' AND deletion_ms<=?2)",
		"DELETE FROM kms_tags WHERE account=?1 AND key_id IN (SELECT id FROM kms_keys"
		" WHERE account=?1 AND state='PendingDeletion' AND deletion_ms<=?2)",
		"DELETE FROM kms_keys WHERE account=?1 AND state='PendingDeletion' AND"
		" deletion_ms<=?2",
	};
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		bind(st, 1, account);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
}

static bool key_load(struct cloud *c, const char *account, const char *id, struct key *k)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT id, description, state, manager, created, deletion_ms,"
			       " window, policy FROM kms_keys WHERE account=? AND id=?");
	bind(st, 1, account);
	bind(st, 2, id);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		memset(k, 0, sizeof(*k));
		snprintf(k->id, sizeof(k->id), "%s", db_col(st, 0));
		key_arn(account, k->id, k->arn, sizeof(k->arn));
		k->description = xstrdup(db_col(st, 1));
		snprintf(k->state, sizeof(k->state), "%s", db_col(st, 2));
		snprintf(k->manager, sizeof(k->manager), "%s", db_col(st, 3));
		k->created = sqlite3_column_double(st, 4);
		k->deletion_ms = sqlite3_column_int64(st, 5);
		k->window = sqlite3_column_int(st, 6);
		k->policy = xstrdup(db_col(st, 7));
	}
	sqlite3_finalize(st);
	return found;
}

/* Make a key; id gets its id. Database locked. */
static bool key_create(struct cloud *c, const char *account, const char *description,
		       const char *manager, const char *policy, char id[ID_LEN + 1])
{
	aws_uuid(id);
	char def[512];
	if (!policy) {
		default_policy(account, def, sizeof(def));
		policy = def;
	}
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT INTO kms_keys(account, id, description, state, manager,"
			       " created, policy) VALUES(?, ?, ?, 'Enabled', ?, ?, ?)");
	bind(st, 1, account);
	bind(st, 2, id);
	bind(st, 3, description);
	bind(st, 4, manager);
	sqlite3_bind_double(st, 5, now_s(c, account));
	bind(st, 6, policy);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static bool alias_put(struct cloud *c, const char *account, const char *name, const char *id)
{
	double now = now_s(c, account);
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT INTO kms_aliases(account, name, key_id, created, updated)"
			       " VALUES(?, ?, ?, ?, ?)");
	bind(st, 1, account);
	bind(st, 2, name);
	bind(st, 3, id);
	sqlite3_bind_double(st, 4, now);
	sqlite3_bind_double(st, 5, now);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

/* The key an alias names (id gets it), else false. Database locked. */
static bool alias_target(struct cloud *c, const char *account, const char *name,
			 char id[ID_LEN + 1])
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT key_id FROM kms_aliases WHERE account=? AND name=?");
	bind(st, 1, account);
	bind(st, 2, name);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		snprintf(id, ID_LEN + 1, "%s", db_col(st, 0));
	sqlite3_finalize(st);
	return found;
}

/* The AWS managed keys services make on first use: alias/aws/SERVICE -> what it protects. */
static const char *managed_what(const char *alias)
{
	static const char *const m[][2] = {
		{ "alias/aws/ssm", "SSM parameters" },
		{ "alias/aws/secretsmanager", "Secrets Manager secrets" },
		{ "alias/aws/lambda", "Lambda functions" },
		{ "alias/aws/s3", "S3 objects" },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(alias, m[i][0]) == 0)
			return m[i][1];
	return NULL;
}

static cJSON *not_found_key(struct aws_err *err, const char *account, const char *id)
{
	char arn[128];
	key_arn(account, id, arn, sizeof(arn));
	aws_err_set(err, 400, "NotFoundException", "Key '%s' does not exist", arn);
	return NULL;
}

/*
 * Resolve a KeyId as the operations take it (a key id, a key ARN, an alias name or an alias
 * ARN) in the caller's account, loading the key. allow_alias false refuses aliases (the
 * operations that manage keys take key ids only). Database locked.
 */
static bool resolve(struct cloud *c, const char *account, const char *ref, bool allow_alias,
		    struct key *k, struct aws_err *err)
{
	sweep(c, account);
	char id[ID_LEN + 1] = "";
	const char *alias = NULL;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "arn:aws:kms:%s:", AWS_REGION_NAME);
	const char *rest = ref;
	if (str_starts_with(ref, "arn:")) {
		/* arn:aws:kms:REGION:ACCOUNT:key/ID or :alias/NAME, in this account only. */
		if (!str_starts_with(ref, prefix) || strlen(ref) < strlen(prefix) + 13 ||
		    strncmp(ref + strlen(prefix), account, 12) != 0 ||
		    ref[strlen(prefix) + 12] != ':') {
			if (str_starts_with(ref, "arn:aws:kms:"))
				return aws_err_set(err, 400, "NotFoundException", "Invalid arn %s",
						   ref);
			return aws_err_set(err, 400, "InvalidArnException", "Invalid arn %s", ref);
		}
		rest = ref + strlen(prefix) + 13;
		if (str_starts_with(rest, "key/"))
			rest += 4;
		else if (!str_starts_with(rest, "alias/"))
			return aws_err_set(err, 400, "InvalidArnException", "Invalid arn %s", ref);
	}
	if (str_starts_with(rest, "alias/")) {
		alias = rest;
		if (!allow_alias)
			return aws_err_set(err, 400, "NotFoundException", "Invalid keyId %s", ref);
		if (!alias_target(c, account, alias, id)) {
			const char *what = managed_what(alias);
			char desc[160];
			char arn[300];
			alias_arn(account, alias, arn, sizeof(arn));
			if (!what)
				return aws_err_set(err, 400, "NotFoundException",
						   "Alias %s is not found.", arn);
			snprintf(desc, sizeof(desc),
				 "Default key that protects my %s when no other key is defined",
				 what);
			if (!key_create(c, account, desc, "AWS", NULL, id) ||
			    !alias_put(c, account, alias, id))
				return aws_err_set(err, 500, "KMSInternalException",
						   "The key could not be made.");
		}
	} else {
		if (!is_uuid(rest))
			return aws_err_set(err, 400, "NotFoundException", "Invalid keyId '%s'",
					   ref);
		snprintf(id, sizeof(id), "%s", rest);
	}
	if (!key_load(c, account, id, k))
		return not_found_key(err, account, id), false;
	return true;
}

/* Whether k can encrypt and decrypt now; else err says why. */
static bool usable(const struct key *k, struct aws_err *err)
{
	if (strcmp(k->state, "Disabled") == 0)
		return aws_err_set(err, 400, "DisabledException", "%s is disabled.", k->arn);
	if (strcmp(k->state, "PendingDeletion") == 0)
		return aws_err_set(err, 400, "KMSInvalidStateException", "%s is pending deletion.",
				   k->arn);
	return true;
}

/* ---- Authorization ---- */

/*
 * Whether the caller may perform action on the key ref names (a key id, ARN or alias), with
 * the key's policy as its resource policy, or on "*" when ref is NULL; err gets AWS's
 * AccessDeniedException when not. A key that does not resolve is left to the operation,
 * which answers its own NotFoundException. An AWS managed key used by its own service (an
 * internal call) is allowed, as its key policy allows use through that service.
 */
static bool authorize_as(struct svc_call *call, const char *action, const char *ref,
			 struct aws_err *err)
{
	struct cloud *c = call->cloud;
	if (!ref) {
		struct iam_authz q = { .action = action, .resource = "*" };
		return iam_authorize_err(c, call->caller, &q, 400, "AccessDeniedException", err);
	}
	struct key k = { 0 };
	struct aws_err e = { 0 };
	pthread_mutex_lock(&c->db->mu);
	bool found = resolve(c, call->caller->account, ref, true, &k, &e);
	pthread_mutex_unlock(&c->db->mu);
	aws_err_release(&e);
	bool ok = true;
	if (found && !(strcmp(k.manager, "AWS") == 0 && !call->http)) {
		/* A key policy is the root of access to its key: IAM policies count only
		 * when it allows the account. */
		struct iam_authz q = { .action = action,
				       .resource = k.arn,
				       .resource_policy = k.policy,
				       .resource_required = true };
		ok = iam_authorize_err(c, call->caller, &q, 400, "AccessDeniedException", err);
	}
	key_release(&k);
	return ok;
}

static bool authorize_key(struct svc_call *call, const char *ref, struct aws_err *err)
{
	char action[96];
	snprintf(action, sizeof(action), "kms:%s", call->op ? call->op : "");
	return authorize_as(call, action, ref, err);
}

/* The key id a ciphertext blob names (base64), into id; false when it names none. */
static bool blob_key(const char *b64, char id[ID_LEN + 1])
{
	size_t n = 0;
	unsigned char *blob = b64 ? aws_base64_decode(b64, strlen(b64), &n) : NULL;
	bool ok = blob && n >= BLOB_OVERHEAD && blob[0] == BLOB_VERSION;
	if (ok) {
		memcpy(id, blob + 1, ID_LEN);
		id[ID_LEN] = 0;
		ok = is_uuid(id);
	}
	free(blob);
	return ok;
}

static cJSON *metadata(const char *account, const struct key *k)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "AWSAccountId", account);
	cJSON_AddStringToObject(m, "KeyId", k->id);
	cJSON_AddStringToObject(m, "Arn", k->arn);
	cJSON_AddNumberToObject(m, "CreationDate", k->created);
	cJSON_AddBoolToObject(m, "Enabled", strcmp(k->state, "Enabled") == 0);
	cJSON_AddStringToObject(m, "Description", k->description);
	cJSON_AddStringToObject(m, "KeyUsage", "ENCRYPT_DECRYPT");
	cJSON_AddStringToObject(m, "KeyState", k->state);
	if (k->deletion_ms) {
		cJSON_AddNumberToObject(m, "DeletionDate", (double)k->deletion_ms / 1000.0);
		cJSON_AddNumberToObject(m, "PendingDeletionWindowInDays", k->window);
	}
	cJSON_AddStringToObject(m, "Origin", "AWS_KMS");
	cJSON_AddStringToObject(m, "KeyManager", k->manager);
	cJSON_AddStringToObject(m, "CustomerMasterKeySpec", "SYMMETRIC_DEFAULT");
	cJSON_AddStringToObject(m, "KeySpec", "SYMMETRIC_DEFAULT");
	cJSON *algs = cJSON_AddArrayToObject(m, "EncryptionAlgorithms");
	cJSON_AddItemToArray(algs, cJSON_CreateString("SYMMETRIC_DEFAULT"));
	cJSON_AddBoolToObject(m, "MultiRegion", false);
	return m;
}

/* The account's lock around one operation body. */
#define LOCKED(c, body)                             \
	do {                                        \
		pthread_mutex_lock(&(c)->db->mu);   \
		body;                               \
		pthread_mutex_unlock(&(c)->db->mu); \
	} while (0)

/*
 * Whether policy is a key policy KMS takes: a valid document (an Effect of Allow or Deny,
 * known elements) that, unless in asks to bypass the check, still lets the caller change it
 * afterwards (KMS's policy lockout safety check). arn is the key's.
 */
static bool policy_valid(struct svc_call *call, const cJSON *in, const char *policy,
			 const char *arn, struct aws_err *err)
{
	char msg[256] = "";
	struct iam_policy *p =
		policy ? iam_policy_parse(policy, IAM_POLICY_RESOURCE, msg, sizeof(msg)) : NULL;
	if (!p)
		return aws_err_set(err, 400, "MalformedPolicyDocumentException", "%s",
				   msg[0] ? msg : "The key policy is not valid JSON.");
	iam_policy_free(p);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "BypassPolicyLockoutSafetyCheck")))
		return true;
	struct iam_authz q = { .action = "kms:PutKeyPolicy",
			       .resource = arn,
			       .resource_policy = policy,
			       .resource_required = true };
	struct iam_result r;
	if (!iam_authorize(call->cloud, call->caller, &q, &r))
		return aws_err_set(err, 400, "MalformedPolicyDocumentException",
				   "The new key policy will not allow you to update the key policy "
				   "in the future.");
	return true;
}

static bool symmetric_only(const cJSON *in, struct aws_err *err)
{
	const char *spec = str(in, "KeySpec");
	if (!spec)
		spec = str(in, "CustomerMasterKeySpec");
	const char *usage = str(in, "KeyUsage");
	const char *origin = str(in, "Origin");
	if (spec && strcmp(spec, "SYMMETRIC_DEFAULT") != 0)
		return aws_err_set(err, 400, "UnsupportedOperationException",
				   "The local cloud makes symmetric encryption keys only "
				   "(KeySpec SYMMETRIC_DEFAULT), not %s.",
				   spec);
	if (usage && strcmp(usage, "ENCRYPT_DECRYPT") != 0)
		return aws_err_set(err, 400, "ValidationException",
				   "KeyUsage %s is not compatible with KeySpec SYMMETRIC_DEFAULT",
				   usage);
	if (origin && strcmp(origin, "AWS_KMS") != 0)
		return aws_err_set(err, 400, "UnsupportedOperationException",
				   "The local cloud makes keys of Origin AWS_KMS only, not %s.",
				   origin);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "MultiRegion")))
		return aws_err_set(err, 400, "UnsupportedOperationException",
				   "The local cloud has one region: multi-Region keys are not "
				   "offered.");
	return true;
}

static bool put_tags(struct cloud *c, const char *account, const char *id, const cJSON *tags,
		     struct aws_err *err)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		const char *k = str(t, "TagKey"), *v = str(t, "TagValue");
		if (!k || !v)
			return aws_err_set(err, 400, "TagException",
					   "Every tag needs a TagKey and a TagValue.");
		if (str_starts_with(k, "aws:"))
			return aws_err_set(err, 400, "TagException",
					   "Tags beginning with aws: are reserved");
		for (const cJSON *u = t->next; u; u = u->next) {
			const char *uk = str(u, "TagKey");
			if (uk && strcmp(uk, k) == 0)
				return aws_err_set(err, 400, "TagException", "Duplicate tag keys");
		}
	}
	cJSON_ArrayForEach(t, tags)
	{
		sqlite3_stmt *st =
			db_prep(c->db, "INSERT OR REPLACE INTO kms_tags(account, key_id, tag,"
				       " value) VALUES(?, ?, ?, ?)");
		bind(st, 1, account);
		bind(st, 2, id);
		bind(st, 3, str(t, "TagKey"));
		bind(st, 4, str(t, "TagValue"));
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return true;
}

static cJSON *op_create_key(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, NULL, err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *policy = str(in, "Policy");
	const char *desc = str(in, "Description");
	if (!symmetric_only(in, err))
		return NULL;
	char arn_new[160];
	snprintf(arn_new, sizeof(arn_new), "arn:aws:kms:%s:%s:key/*", AWS_REGION_NAME, account);
	if (policy && !policy_valid(call, in, policy, arn_new, err))
		return NULL;
	if (str(in, "CustomKeyStoreId") || str(in, "XksKeyId")) {
		aws_err_set(err, 400, "UnsupportedOperationException",
			    "The local cloud has no custom key stores.");
		return NULL;
	}
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	char id[ID_LEN + 1];
	struct key k = { 0 };
	if (key_create(c, account, desc ? desc : "", "CUSTOMER", policy, id) &&
	    put_tags(c, account, id, cJSON_GetObjectItemCaseSensitive(in, "Tags"), err) &&
	    key_load(c, account, id, &k)) {
		out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "KeyMetadata", metadata(account, &k));
	} else if (!err->code[0]) {
		aws_err_set(err, 500, "KMSInternalException", "The key could not be stored.");
	}
	cloud_db_exec(c->db, out ? "COMMIT" : "ROLLBACK");
	pthread_mutex_unlock(&c->db->mu);
	key_release(&k);
	return out;
}

static cJSON *op_describe_key(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct key k = { 0 };
	cJSON *out = NULL;
	LOCKED(
		c, if (resolve(c, account, str(in, "KeyId"), true, &k, err)) {
			out = cJSON_CreateObject();
			cJSON_AddItemToObject(out, "KeyMetadata", metadata(account, &k));
		});
	key_release(&k);
	return out;
}

static cJSON *op_list_keys(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, NULL, err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const cJSON *lim = cJSON_GetObjectItemCaseSensitive(in, "Limit");
	int limit = cJSON_IsNumber(lim) ? lim->valueint : 100;
	const char *marker = str(in, "Marker");
	if (marker && !is_uuid(marker)) {
		aws_err_set(err, 400, "InvalidMarkerException", "Invalid marker");
		return NULL;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON *keys = cJSON_AddArrayToObject(out, "Keys");
	int n = 0;
	char last[ID_LEN + 1] = "";
	bool more = false;
	pthread_mutex_lock(&c->db->mu);
	sweep(c, account);
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT id FROM kms_keys WHERE account=?1 AND (?2 IS NULL OR"
			       " id > ?2) ORDER BY id");
	bind(st, 1, account);
	if (marker)
		bind(st, 2, marker);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == limit) {
			more = true;
			break;
		}
		cJSON *o = cJSON_CreateObject();
		char arn[128];
		cJSON_AddStringToObject(o, "KeyId", db_col(st, 0));
		key_arn(account, db_col(st, 0), arn, sizeof(arn));
		cJSON_AddStringToObject(o, "KeyArn", arn);
		cJSON_AddItemToArray(keys, o);
		snprintf(last, sizeof(last), "%s", db_col(st, 0));
		n++;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	if (more)
		cJSON_AddStringToObject(out, "NextMarker", last);
	cJSON_AddBoolToObject(out, "Truncated", more);
	return out;
}

/* A key state change: Enable, Disable, CancelKeyDeletion. */
static cJSON *set_state(struct svc_call *call, const cJSON *in, struct aws_err *err, const char *to,
			bool cancel)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct key k = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (!resolve(c, account, str(in, "KeyId"), false, &k, err))
		goto done;
	if (strcmp(k.manager, "AWS") == 0) {
		aws_err_set(err, 400, "UnsupportedOperationException",
			    "%s is an AWS managed key: its state cannot be changed.", k.arn);
		goto done;
	}
	bool pending = strcmp(k.state, "PendingDeletion") == 0;
	if (cancel != pending) {
		aws_err_set(err, 400, "KMSInvalidStateException",
			    cancel ? "%s is not pending deletion." : "%s is pending deletion.",
			    k.arn);
		goto done;
	}
	sqlite3_stmt *st =
		db_prep(c->db, "UPDATE kms_keys SET state=?, deletion_ms=NULL, window=NULL"
			       " WHERE account=? AND id=?");
	bind(st, 1, to);
	bind(st, 2, account);
	bind(st, 3, k.id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	out = cJSON_CreateObject();
	if (cancel)
		cJSON_AddStringToObject(out, "KeyId", k.arn);
done:
	pthread_mutex_unlock(&c->db->mu);
	key_release(&k);
	return out;
}

static cJSON *op_enable_key(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return set_state(call, in, err, "Enabled", false);
}

static cJSON *op_disable_key(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return set_state(call, in, err, "Disabled", false);
}

static cJSON *op_cancel_deletion(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return set_state(call, in, err, "Disabled", true);
}

static cJSON *op_schedule_deletion(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(in, "PendingWindowInDays");
	int days = cJSON_IsNumber(w) ? w->valueint : 30;
	if (days < 7 || days > 30) {
		aws_err_set(err, 400, "ValidationException",
			    "1 validation error detected: Value '%d' at 'pendingWindowInDays' "
			    "failed to satisfy constraint: Member must have value %s %d",
			    days, days < 7 ? "greater than or equal to" : "less than or equal to",
			    days < 7 ? 7 : 30);
		return NULL;
	}
	struct key k = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (!resolve(c, account, str(in, "KeyId"), false, &k, err))
		goto done;
	if (strcmp(k.manager, "AWS") == 0) {
		aws_err_set(err, 400, "UnsupportedOperationException",
			    "%s is an AWS managed key: it cannot be deleted.", k.arn);
		goto done;
	}
	if (strcmp(k.state, "PendingDeletion") == 0) {
		aws_err_set(err, 400, "KMSInvalidStateException", "%s is pending deletion.", k.arn);
		goto done;
	}
	int64_t when = vclock_now_ms(c->vclock, account) + days * DAY_MS;
	sqlite3_stmt *st =
		db_prep(c->db, "UPDATE kms_keys SET state='PendingDeletion', deletion_ms=?,"
			       " window=? WHERE account=? AND id=?");
	sqlite3_bind_int64(st, 1, when);
	sqlite3_bind_int(st, 2, days);
	bind(st, 3, account);
	bind(st, 4, k.id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "KeyId", k.arn);
	cJSON_AddNumberToObject(out, "DeletionDate", (double)when / 1000.0);
	cJSON_AddStringToObject(out, "KeyState", "PendingDeletion");
	cJSON_AddNumberToObject(out, "PendingWindowInDays", days);
done:
	pthread_mutex_unlock(&c->db->mu);
	key_release(&k);
	return out;
}

static cJSON *op_update_description(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct key k = { 0 };
	cJSON *out = NULL;
	LOCKED(
		c, if (resolve(c, account, str(in, "KeyId"), false, &k, err)) {
			sqlite3_stmt *st = db_prep(
				c->db, "UPDATE kms_keys SET description=? WHERE account=? AND"
				       " id=?");
			bind(st, 1, str(in, "Description"));
			bind(st, 2, account);
			bind(st, 3, k.id);
			sqlite3_step(st);
			sqlite3_finalize(st);
			out = cJSON_CreateObject();
		});
	key_release(&k);
	return out;
}

/* ---- Key policies ---- */

static bool policy_name(const cJSON *in, struct aws_err *err)
{
	const char *name = str(in, "PolicyName");
	if (name && strcmp(name, "default") != 0)
		return aws_err_set(err, 400, "NotFoundException", "Policy %s does not exist.",
				   name);
	return true;
}

static cJSON *op_get_key_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct key k = { 0 };
	cJSON *out = NULL;
	if (!policy_name(in, err))
		return NULL;
	LOCKED(
		c, if (resolve(c, call->caller->account, str(in, "KeyId"), false, &k, err)) {
			out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, "Policy", k.policy);
			cJSON_AddStringToObject(out, "PolicyName", "default");
		});
	key_release(&k);
	return out;
}

static cJSON *op_put_key_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct key k = { 0 };
	cJSON *out = NULL;
	if (!policy_name(in, err))
		return NULL;
	bool found = false;
	LOCKED(c, found = resolve(c, account, str(in, "KeyId"), false, &k, err));
	if (!found || !policy_valid(call, in, str(in, "Policy"), k.arn, err)) {
		key_release(&k);
		return NULL;
	}
	LOCKED(c, {
		sqlite3_stmt *st =
			db_prep(c->db, "UPDATE kms_keys SET policy=? WHERE account=? AND id=?");
		bind(st, 1, str(in, "Policy"));
		bind(st, 2, account);
		bind(st, 3, k.id);
		sqlite3_step(st);
		sqlite3_finalize(st);
		out = cJSON_CreateObject();
	});
	key_release(&k);
	return out;
}

static cJSON *op_list_key_policies(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct key k = { 0 };
	cJSON *out = NULL;
	LOCKED(
		c, if (resolve(c, call->caller->account, str(in, "KeyId"), false, &k, err)) {
			out = cJSON_CreateObject();
			cJSON *names = cJSON_AddArrayToObject(out, "PolicyNames");
			cJSON_AddItemToArray(names, cJSON_CreateString("default"));
			cJSON_AddBoolToObject(out, "Truncated", false);
		});
	key_release(&k);
	return out;
}

/* ---- Aliases ---- */

static bool alias_name_valid(const char *name, bool creating, struct aws_err *err)
{
	if (!str_starts_with(name, "alias/") || !name[6])
		return aws_err_set(err, 400, "ValidationException",
				   "Alias must start with the prefix \"alias/\". Please see "
				   "https://docs.aws.amazon.com/kms/latest/developerguide/"
				   "kms-alias.html");
	if (creating && str_starts_with(name, "alias/aws/"))
		return aws_err_set(err, 400, "NotAuthorizedException",
				   "Cannot create alias with prefix 'alias/aws/' because it is "
				   "reserved for AWS managed keys.");
	return true;
}

static cJSON *op_create_alias(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "TargetKeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "AliasName");
	if (!alias_name_valid(name, true, err))
		return NULL;
	struct key k = { 0 };
	cJSON *out = NULL;
	char id[ID_LEN + 1];
	pthread_mutex_lock(&c->db->mu);
	if (!resolve(c, account, str(in, "TargetKeyId"), false, &k, err))
		goto done;
	if (strcmp(k.state, "PendingDeletion") == 0) {
		aws_err_set(err, 400, "KMSInvalidStateException", "%s is pending deletion.", k.arn);
		goto done;
	}
	if (alias_target(c, account, name, id)) {
		char arn[300];
		alias_arn(account, name, arn, sizeof(arn));
		aws_err_set(err, 400, "AlreadyExistsException",
			    "An alias with the name %s already exists", arn);
		goto done;
	}
	if (alias_put(c, account, name, k.id))
		out = cJSON_CreateObject();
	else
		aws_err_set(err, 500, "KMSInternalException", "The alias could not be stored.");
done:
	pthread_mutex_unlock(&c->db->mu);
	key_release(&k);
	return out;
}

static cJSON *op_update_alias(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "TargetKeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "AliasName");
	if (!alias_name_valid(name, true, err))
		return NULL;
	struct key k = { 0 };
	cJSON *out = NULL;
	char id[ID_LEN + 1];
	char arn[300];
	pthread_mutex_lock(&c->db->mu);
	if (!resolve(c, account, str(in, "TargetKeyId"), false, &k, err))
		goto done;
	if (!alias_target(c, account, name, id)) {
		alias_arn(account, name, arn, sizeof(arn));
		aws_err_set(err, 400, "NotFoundException", "Alias %s is not found.", arn);
		goto done;
	}
	sqlite3_stmt *st =
		db_prep(c->db, "UPDATE kms_aliases SET key_id=?, updated=? WHERE account=? AND"
			       " name=?");
	bind(st, 1, k.id);
	sqlite3_bind_double(st, 2, now_s(c, account));
	bind(st, 3, account);
	bind(st, 4, name);
	sqlite3_step(st);
	sqlite3_finalize(st);
	out = cJSON_CreateObject();
done:
	pthread_mutex_unlock(&c->db->mu);
	key_release(&k);
	return out;
}

static cJSON *op_delete_alias(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "AliasName"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "AliasName");
	if (!alias_name_valid(name, true, err))
		return NULL;
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	sweep(c, account);
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM kms_aliases WHERE account=? AND name=?");
	bind(st, 1, account);
	bind(st, 2, name);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (sqlite3_changes(c->db->db) > 0) {
		out = cJSON_CreateObject();
	} else {
		char arn[300];
		alias_arn(account, name, arn, sizeof(arn));
		aws_err_set(err, 400, "NotFoundException", "Alias %s is not found.", arn);
	}
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static cJSON *op_list_aliases(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, NULL, err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const cJSON *lim = cJSON_GetObjectItemCaseSensitive(in, "Limit");
	int limit = cJSON_IsNumber(lim) ? lim->valueint : 100;
	const char *marker = str(in, "Marker");
	const char *key_ref = str(in, "KeyId");
	struct key k = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (key_ref && !resolve(c, account, key_ref, false, &k, err))
		goto done;
	sweep(c, account);
	out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "Aliases");
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT name, key_id, created, updated FROM kms_aliases WHERE"
			       " account=?1 AND (?2 IS NULL OR key_id=?2) AND (?3 IS NULL OR"
			       " name > ?3) ORDER BY name");
	bind(st, 1, account);
	if (key_ref)
		bind(st, 2, k.id);
	if (marker)
		bind(st, 3, marker);
	int n = 0;
	char last[300] = "";
	bool more = false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == limit) {
			more = true;
			break;
		}
		cJSON *a = cJSON_CreateObject();
		char arn[300];
		alias_arn(account, db_col(st, 0), arn, sizeof(arn));
		cJSON_AddStringToObject(a, "AliasName", db_col(st, 0));
		cJSON_AddStringToObject(a, "AliasArn", arn);
		cJSON_AddStringToObject(a, "TargetKeyId", db_col(st, 1));
		cJSON_AddNumberToObject(a, "CreationDate", sqlite3_column_double(st, 2));
		cJSON_AddNumberToObject(a, "LastUpdatedDate", sqlite3_column_double(st, 3));
		cJSON_AddItemToArray(arr, a);
		snprintf(last, sizeof(last), "%s", db_col(st, 0));
		n++;
	}
	sqlite3_finalize(st);
	if (more)
		cJSON_AddStringToObject(out, "NextMarker", last);
	cJSON_AddBoolToObject(out, "Truncated", more);
done:
	pthread_mutex_unlock(&c->db->mu);
	key_release(&k);
	return out;
}

/* ---- Tags ---- */

static cJSON *op_tag(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct key k = { 0 };
	cJSON *out = NULL;
	LOCKED(c, if (resolve(c, account, str(in, "KeyId"), false, &k, err) &&
		      put_tags(c, account, k.id, cJSON_GetObjectItemCaseSensitive(in, "Tags"), err))
			  out = cJSON_CreateObject(););
	key_release(&k);
	return out;
}

static cJSON *op_untag(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct key k = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (resolve(c, account, str(in, "KeyId"), false, &k, err)) {
		const cJSON *t;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(in, "TagKeys"))
		{
			sqlite3_stmt *st = db_prep(c->db, "DELETE FROM kms_tags WHERE account=? AND"
							  " key_id=? AND tag=?");
			bind(st, 1, account);
			bind(st, 2, k.id);
			bind(st, 3, cJSON_IsString(t) ? t->valuestring : "");
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		out = cJSON_CreateObject();
	}
	pthread_mutex_unlock(&c->db->mu);
	key_release(&k);
	return out;
}

static cJSON *op_list_tags(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct key k = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (resolve(c, account, str(in, "KeyId"), false, &k, err)) {
		out = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(out, "Tags");
		sqlite3_stmt *st =
			db_prep(c->db, "SELECT tag, value FROM kms_tags WHERE account=? AND"
				       " key_id=? ORDER BY tag");
		bind(st, 1, account);
		bind(st, 2, k.id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "TagKey", db_col(st, 0));
			cJSON_AddStringToObject(t, "TagValue", db_col(st, 1));
			cJSON_AddItemToArray(arr, t);
		}
		sqlite3_finalize(st);
		cJSON_AddBoolToObject(out, "Truncated", false);
	}
	pthread_mutex_unlock(&c->db->mu);
	key_release(&k);
	return out;
}

/* ---- Cryptographic operations ---- */

static bool algorithm_ok(const cJSON *in, const char *member, struct aws_err *err)
{
	const char *alg = str(in, member);
	if (alg && strcmp(alg, "SYMMETRIC_DEFAULT") != 0)
		return aws_err_set(err, 400, "InvalidKeyUsageException",
				   "The encryption algorithm %s is not compatible with the "
				   "symmetric key's SYMMETRIC_DEFAULT.",
				   alg);
	return true;
}

/* Encrypt bytes under the key ref names: out gets CiphertextBlob and KeyId. Locked. */
static bool encrypt_to(struct cloud *c, const char *account, const char *ref,
		       const unsigned char *plain, size_t n, const cJSON *ctx, cJSON *out,
		       struct aws_err *err)
{
	struct key k = { 0 };
	bool ok = false;
	if (!resolve(c, account, ref, true, &k, err) || !usable(&k, err))
		goto done;
	size_t blen = 0;
	unsigned char *blob = seal(c, account, k.id, plain, n, ctx, &blen);
	if (!blob) {
		aws_err_set(err, 500, "KMSInternalException", "The encryption failed.");
		goto done;
	}
	char *b64 = aws_base64_encode(blob, blen);
	cJSON_AddStringToObject(out, "CiphertextBlob", b64);
	cJSON_AddStringToObject(out, "KeyId", k.arn);
	free(b64);
	free(blob);
	ok = true;
done:
	key_release(&k);
	return ok;
}

/* Decrypt a base64 blob; the plaintext (caller frees) and the key's ARN, or NULL. Locked. */
static unsigned char *decrypt_from(struct cloud *c, const char *account, const char *b64,
				   const char *want_ref, const cJSON *ctx, size_t *n, char arn[128],
				   struct aws_err *err)
{
	size_t blen = 0;
	unsigned char *blob = aws_base64_decode(b64, strlen(b64), &blen);
	unsigned char *plain = NULL;
	struct key k = { 0 }, want = { 0 };
	if (!blob || blen < BLOB_OVERHEAD || blob[0] != BLOB_VERSION) {
		aws_err_set(err, 400, "InvalidCiphertextException", "%s", "");
		goto done;
	}
	char id[ID_LEN + 1];
	memcpy(id, blob + 1, ID_LEN);
	id[ID_LEN] = 0;
	if (!is_uuid(id)) {
		aws_err_set(err, 400, "InvalidCiphertextException", "%s", "");
		goto done;
	}
	if (want_ref) {
		if (!resolve(c, account, want_ref, true, &want, err))
			goto done;
		if (strcmp(want.id, id) != 0) {
			aws_err_set(err, 400, "IncorrectKeyException",
				    "The key ID in the request does not identify a CMK that can "
				    "perform this operation.");
			goto done;
		}
	}
	sweep(c, account);
	if (!key_load(c, account, id, &k)) {
		/* Another account's blob, or a key since deleted: nothing here opens it. */
		aws_err_set(err, 400, "InvalidCiphertextException", "%s", "");
		goto done;
	}
	if (!usable(&k, err))
		goto done;
	plain = open_blob(c, account, id, blob, blen, ctx, n);
	if (!plain) {
		aws_err_set(err, 400, "InvalidCiphertextException", "%s", "");
		goto done;
	}
	snprintf(arn, 128, "%s", k.arn);
done:
	free(blob);
	key_release(&k);
	key_release(&want);
	return plain;
}

static cJSON *op_encrypt(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	if (!algorithm_ok(in, "EncryptionAlgorithm", err))
		return NULL;
	const char *b64 = str(in, "Plaintext");
	size_t n = 0;
	unsigned char *plain = aws_base64_decode(b64, strlen(b64), &n);
	cJSON *out = cJSON_CreateObject();
	bool ok = false;
	LOCKED(c, ok = encrypt_to(c, call->caller->account, str(in, "KeyId"), plain, n,
				  cJSON_GetObjectItemCaseSensitive(in, "EncryptionContext"), out,
				  err));
	if (plain)
		OPENSSL_cleanse(plain, n);
	free(plain);
	if (!ok) {
		cJSON_Delete(out);
		return NULL;
	}
	cJSON_AddStringToObject(out, "EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
	return out;
}

static cJSON *op_decrypt(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char blob_id[ID_LEN + 1];
	const char *dref = str(in, "KeyId");
	if (!dref && blob_key(str(in, "CiphertextBlob"), blob_id))
		dref = blob_id;
	if (dref && !authorize_key(call, dref, err))
		return NULL;
	struct cloud *c = call->cloud;
	if (!algorithm_ok(in, "EncryptionAlgorithm", err))
		return NULL;
	size_t n = 0;
	char arn[128];
	unsigned char *plain = NULL;
	LOCKED(c, plain = decrypt_from(
			  c, call->caller->account, str(in, "CiphertextBlob"), str(in, "KeyId"),
			  cJSON_GetObjectItemCaseSensitive(in, "EncryptionContext"), &n, arn, err));
	if (!plain)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	char *b64 = aws_base64_encode(plain, n);
	cJSON_AddStringToObject(out, "KeyId", arn);
	cJSON_AddStringToObject(out, "Plaintext", b64);
	cJSON_AddStringToObject(out, "EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
	OPENSSL_cleanse(plain, n);
	OPENSSL_cleanse(b64, strlen(b64));
	free(plain);
	free(b64);
	return out;
}

static cJSON *op_re_encrypt(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char blob_id[ID_LEN + 1];
	const char *sref = str(in, "SourceKeyId");
	if (!sref && blob_key(str(in, "CiphertextBlob"), blob_id))
		sref = blob_id;
	if ((sref && !authorize_as(call, "kms:ReEncryptFrom", sref, err)) ||
	    !authorize_as(call, "kms:ReEncryptTo", str(in, "DestinationKeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	if (!algorithm_ok(in, "SourceEncryptionAlgorithm", err) ||
	    !algorithm_ok(in, "DestinationEncryptionAlgorithm", err))
		return NULL;
	cJSON *out = cJSON_CreateObject();
	bool ok = false;
	size_t n = 0;
	char arn[128];
	pthread_mutex_lock(&c->db->mu);
	unsigned char *plain = decrypt_from(
		c, account, str(in, "CiphertextBlob"), str(in, "SourceKeyId"),
		cJSON_GetObjectItemCaseSensitive(in, "SourceEncryptionContext"), &n, arn, err);
	if (plain)
		ok = encrypt_to(
			c, account, str(in, "DestinationKeyId"), plain, n,
			cJSON_GetObjectItemCaseSensitive(in, "DestinationEncryptionContext"), out,
			err);
	pthread_mutex_unlock(&c->db->mu);
	if (plain)
		OPENSSL_cleanse(plain, n);
	free(plain);
	if (!ok) {
		cJSON_Delete(out);
		return NULL;
	}
	cJSON_AddStringToObject(out, "SourceKeyId", arn);
	cJSON_AddStringToObject(out, "SourceEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
	cJSON_AddStringToObject(out, "DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
	return out;
}

static cJSON *data_key(struct svc_call *call, const cJSON *in, struct aws_err *err,
		       bool with_plaintext)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const cJSON *nb = cJSON_GetObjectItemCaseSensitive(in, "NumberOfBytes");
	const char *spec = str(in, "KeySpec");
	if (nb && spec) {
		aws_err_set(err, 400, "ValidationException",
			    "Please specify either number of bytes or key spec.");
		return NULL;
	}
	if (!nb && !spec) {
		aws_err_set(err, 400, "ValidationException",
			    "Please specify either number of bytes or key spec.");
		return NULL;
	}
	size_t n = nb ? (size_t)nb->valueint : strcmp(spec, "AES_128") == 0 ? 16 : 32;
	unsigned char plain[1024];
	if (RAND_bytes(plain, (int)n) != 1) {
		aws_err_set(err, 500, "KMSInternalException", "No random bytes.");
		return NULL;
	}
	cJSON *out = cJSON_CreateObject();
	bool ok = false;
	LOCKED(c, ok = encrypt_to(c, call->caller->account, str(in, "KeyId"), plain, n,
				  cJSON_GetObjectItemCaseSensitive(in, "EncryptionContext"), out,
				  err));
	if (ok && with_plaintext) {
		char *b64 = aws_base64_encode(plain, n);
		cJSON_AddStringToObject(out, "Plaintext", b64);
		OPENSSL_cleanse(b64, strlen(b64));
		free(b64);
	}
	OPENSSL_cleanse(plain, sizeof(plain));
	if (!ok) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

static cJSON *op_generate_data_key(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return data_key(call, in, err, true);
}

static cJSON *op_generate_data_key_wp(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return data_key(call, in, err, false);
}

static cJSON *op_generate_random(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, NULL, err))
		return NULL;
	(void)call;
	const cJSON *nb = cJSON_GetObjectItemCaseSensitive(in, "NumberOfBytes");
	if (!cJSON_IsNumber(nb)) {
		aws_err_set(err, 400, "ValidationException", "NumberOfBytes is required.");
		return NULL;
	}
	if (str(in, "CustomKeyStoreId")) {
		aws_err_set(err, 400, "UnsupportedOperationException",
			    "The local cloud has no custom key stores.");
		return NULL;
	}
	unsigned char buf[1024];
	size_t n = (size_t)nb->valueint;
	if (RAND_bytes(buf, (int)n) != 1) {
		aws_err_set(err, 500, "KMSInternalException", "No random bytes.");
		return NULL;
	}
	char *b64 = aws_base64_encode(buf, n);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Plaintext", b64);
	free(b64);
	return out;
}

/* A customer managed key's rotation period in days, 0 when it does not rotate. */
static int rotation_days(struct cloud *c, const char *account, const char *id)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT rotation_days FROM kms_keys WHERE account=? AND id=?");
	bind(st, 1, account);
	bind(st, 2, id);
	int days = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return days;
}

static cJSON *op_key_rotation_status(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct key k = { 0 };
	cJSON *out = NULL;
	LOCKED(
		c, if (resolve(c, call->caller->account, str(in, "KeyId"), false, &k, err)) {
			/* AWS managed keys rotate every year; a customer's when it asks. */
			int days = strcmp(k.manager, "AWS") == 0
					   ? 365
					   : rotation_days(c, call->caller->account, k.id);
			out = cJSON_CreateObject();
			cJSON_AddBoolToObject(out, "KeyRotationEnabled", days > 0);
			cJSON_AddStringToObject(out, "KeyId", k.id);
			if (days > 0) {
				cJSON_AddNumberToObject(out, "RotationPeriodInDays", days);
				cJSON_AddNumberToObject(
					out, "NextRotationDate",
					(double)(vclock_now_ms(c->vclock, call->caller->account) +
						 days * DAY_MS) /
						1000.0);
			}
		});
	key_release(&k);
	return out;
}

/* EnableKeyRotation (days > 0, from RotationPeriodInDays, 365 by default) and
 * DisableKeyRotation (days 0). */
static cJSON *set_rotation(struct svc_call *call, const cJSON *in, bool on, struct aws_err *err)
{
	if (!authorize_key(call, str(in, "KeyId"), err))
		return NULL;
	const cJSON *period = cJSON_GetObjectItemCaseSensitive(in, "RotationPeriodInDays");
	int days = on ? 365 : 0;
	if (on && cJSON_IsNumber(period)) {
		days = (int)period->valuedouble;
		if (days < 90 || days > 2560)
			return aws_err_set(err, 400, "ValidationException",
					   "1 validation error detected: Value '%d' at "
					   "'rotationPeriodInDays' failed to satisfy constraint: "
					   "Member must have value %s %d",
					   days,
					   days < 90 ? "greater than or equal to"
						     : "less than or equal to",
					   days < 90 ? 90 : 2560),
			       NULL;
	}
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct key k = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (!resolve(c, account, str(in, "KeyId"), false, &k, err) || !usable(&k, err))
		goto done;
	if (strcmp(k.manager, "AWS") == 0) {
		aws_err_set(err, 400, "UnsupportedOperationException",
			    "%s is an AWS managed key: its rotation is AWS's.", k.arn);
		goto done;
	}
	sqlite3_stmt *st =
		db_prep(c->db, "UPDATE kms_keys SET rotation_days=? WHERE account=? AND id=?");
	sqlite3_bind_int(st, 1, days);
	bind(st, 2, account);
	bind(st, 3, k.id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	out = cJSON_CreateObject();
done:
	pthread_mutex_unlock(&c->db->mu);
	key_release(&k);
	return out;
}

static cJSON *op_enable_rotation(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return set_rotation(call, in, true, err);
}

static cJSON *op_disable_rotation(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return set_rotation(call, in, false, err);
}

/* ---- The service ---- */

static void reset(struct cloud *c, const char *account)
{
	static const char *const sqls[] = { "DELETE FROM kms_tags WHERE account=?",
					    "DELETE FROM kms_aliases WHERE account=?",
					    "DELETE FROM kms_keys WHERE account=?",
					    "DELETE FROM kms_master WHERE account=?" };
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		bind(st, 1, account);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

static const struct svc_op ops[] = {
	/* sorted by name */
	{ "CancelKeyDeletion", op_cancel_deletion },
	{ "CreateAlias", op_create_alias },
	{ "CreateKey", op_create_key },
	{ "Decrypt", op_decrypt },
	{ "DeleteAlias", op_delete_alias },
	{ "DescribeKey", op_describe_key },
	{ "DisableKey", op_disable_key },
	{ "DisableKeyRotation", op_disable_rotation },
	{ "EnableKey", op_enable_key },
	{ "EnableKeyRotation", op_enable_rotation },
	{ "Encrypt", op_encrypt },
	{ "GenerateDataKey", op_generate_data_key },
	{ "GenerateDataKeyWithoutPlaintext", op_generate_data_key_wp },
	{ "GenerateRandom", op_generate_random },
	{ "GetKeyPolicy", op_get_key_policy },
	{ "GetKeyRotationStatus", op_key_rotation_status },
	{ "ListAliases", op_list_aliases },
	{ "ListKeyPolicies", op_list_key_policies },
	{ "ListKeys", op_list_keys },
	{ "ListResourceTags", op_list_tags },
	{ "PutKeyPolicy", op_put_key_policy },
	{ "ReEncrypt", op_re_encrypt },
	{ "ScheduleKeyDeletion", op_schedule_deletion },
	{ "TagResource", op_tag },
	{ "UntagResource", op_untag },
	{ "UpdateAlias", op_update_alias },
	{ "UpdateKeyDescription", op_update_description },
};

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const kms_members[] = {
	"CancelKeyDeletion KeyId",
	"CreateAlias AliasName TargetKeyId",
	"CreateKey BypassPolicyLockoutSafetyCheck CustomKeyStoreId CustomerMasterKeySpec "
	"Description KeySpec KeyUsage MultiRegion Origin Policy Tags XksKeyId",
	"Decrypt CiphertextBlob -DryRun EncryptionAlgorithm EncryptionContext -GrantTokens "
	"KeyId -Recipient",
	"DeleteAlias AliasName",
	"DescribeKey -GrantTokens KeyId",
	"DisableKey KeyId",
	"DisableKeyRotation KeyId",
	"EnableKey KeyId",
	"EnableKeyRotation KeyId RotationPeriodInDays",
	"Encrypt -DryRun EncryptionAlgorithm EncryptionContext -GrantTokens KeyId Plaintext",
	"GenerateDataKey -DryRun EncryptionContext -GrantTokens KeyId KeySpec NumberOfBytes "
	"-Recipient",
	"GenerateDataKeyWithoutPlaintext -DryRun EncryptionContext -GrantTokens KeyId KeySpec "
	"NumberOfBytes",
	"GenerateRandom CustomKeyStoreId NumberOfBytes -Recipient",
	"GetKeyPolicy KeyId PolicyName",
	"GetKeyRotationStatus KeyId",
	"ListAliases KeyId Limit Marker",
	"ListKeyPolicies KeyId Limit Marker",
	"ListKeys Limit Marker",
	"ListResourceTags KeyId Limit Marker",
	"PutKeyPolicy BypassPolicyLockoutSafetyCheck KeyId Policy PolicyName",
	"ReEncrypt CiphertextBlob DestinationEncryptionAlgorithm DestinationEncryptionContext "
	"DestinationKeyId -DryRun -GrantTokens SourceEncryptionAlgorithm "
	"SourceEncryptionContext SourceKeyId",
	"ScheduleKeyDeletion KeyId PendingWindowInDays",
	"TagResource KeyId Tags",
	"UntagResource KeyId TagKeys",
	"UpdateAlias AliasName TargetKeyId",
	"UpdateKeyDescription Description KeyId",
	NULL,
};

const struct cloud_service kms_service = {
	.name = "kms",
	.model = "kms-2014-11-01",
	.title = "AWS Key Management Service",
	.target = "TrentService",
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = kms_members,
};
