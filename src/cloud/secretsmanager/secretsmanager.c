/*
 * AWS Secrets Manager: secrets and their versions, the staging labels that name versions
 * (AWSCURRENT, AWSPREVIOUS, AWSPENDING and the caller's own), deletion with a recovery
 * window and RestoreSecret, tags, resource policies, GetRandomPassword, and rotation by a
 * rotation function.
 *
 * Every version's value is encrypted by KMS (the secret's KmsKeyId, else the account's AWS
 * managed key alias/aws/secretsmanager) with the encryption context {"SecretARN": ARN,
 * "SecretVersionId": ID}, as Secrets Manager does, and kept only as the ciphertext. KMS is
 * called through the service table, as the caller (KMS lets an AWS managed key be used
 * through its own service).
 *
 * Rotation: RotateSecret records the rotation function and its schedule, adds a version
 * labelled AWSPENDING with no value yet (the token the function is given), and the ticker
 * (schedule/ticker.h) invokes the function synchronously, as secretsmanager.amazonaws.com
 * (whose permission the function's policy must grant), once per step: createSecret,
 * setSecret, testSecret, finishSecret, with {"SecretId", "ClientRequestToken", "Step"}. A
 * step that fails ends the rotation and leaves AWSPENDING where it is; the next RotateSecret
 * answers that a rotation is unfinished and reattempts it. Scheduled rotations
 * (AutomaticallyAfterDays, ScheduleExpression) and the end of a recovery window run on the
 * secret's account's virtual clock.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/iam/iam.h"
#include "cloud/iam/policy.h"
#include "cloud/kms/envelope.h"
#include "cloud/schedule/schedule.h"
#include "cloud/schedule/ticker.h"
#include "cloud/state.h"
#include "cloud/svc/deliver.h"
#include "cloud/svc/svc.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define DAY_MS        86400000LL
#define DEFAULT_KEY   "alias/aws/secretsmanager"
#define DEFAULT_PAGE  100
#define JOBS_PER_TICK 8
#define MAX_VALUE     65536
#define STEP_WAIT_MS  (15 * 60 * 1000)
#define PRINCIPAL     "secretsmanager.amazonaws.com"

static const char *const migrations[] = {
	/* 0 -> 1: secrets, their versions (staging labels as a JSON array), tags. */
	"CREATE TABLE IF NOT EXISTS sm_secrets(account TEXT NOT NULL, name TEXT NOT NULL,"
	" arn TEXT NOT NULL, description TEXT, kms_key TEXT, created REAL NOT NULL,"
	" changed REAL NOT NULL, accessed REAL, deleted REAL, delete_at_ms INTEGER,"
	" policy TEXT, rot_lambda TEXT, rot_rules TEXT, rot_enabled INTEGER NOT NULL DEFAULT 0,"
	" last_rotated REAL, next_rot_ms INTEGER, rot_token TEXT, rot_due_ms INTEGER,"
	" PRIMARY KEY(account, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS sm_versions(account TEXT NOT NULL, name TEXT NOT NULL,"
	" id TEXT NOT NULL, value TEXT, binary INTEGER NOT NULL DEFAULT 0, key_arn TEXT,"
	" created REAL NOT NULL, accessed REAL, stages TEXT NOT NULL DEFAULT '[]',"
	" seq INTEGER NOT NULL, PRIMARY KEY(account, name, id)) STRICT;"
	"CREATE TABLE IF NOT EXISTS sm_tags(account TEXT NOT NULL, name TEXT NOT NULL,"
	" key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(account, name, key)) STRICT;",
};

static const char NOT_FOUND[] = "Secrets Manager can't find the specified secret.";
static const char MARKED[] =
	"You can't perform this operation on the secret because it was marked for deletion.";

static char *dup_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : xstrdup(db_col(st, i));
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void bind(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Run sql with ?1 account, ?2 name (and ?3 when a3 is not NULL). Database locked. */
static bool exec3(struct cloud *c, const char *sql, const char *account, const char *name,
		  const char *a3)
{
	sqlite3_stmt *st = db_prep(c->db, sql);
	bind(st, 1, account);
	bind(st, 2, name);
	if (a3)
		bind(st, 3, a3);
	bool ok = st && sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static int64_t now_ms(struct cloud *c, const char *account)
{
	return vclock_now_ms(c->vclock, account);
}

static double now_s(struct cloud *c, const char *account)
{
	return (double)now_ms(c, account) / 1000.0;
}

/* n bytes from the kernel's generator (GetRandomPassword, ARN suffixes). */
static bool random_fill(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got <= 0)
			return false;
		p += got;
		n -= (size_t)got;
	}
	return true;
}

/* ---- Secrets ---- */

struct secret {
	char *name, *arn, *description, *kms_key, *policy, *rot_lambda, *rot_rules, *rot_token;
	double created, changed, accessed, deleted, last_rotated;
	bool has_accessed, is_deleted, has_rotated, rot_enabled;
	int64_t next_rot_ms; /* -1: none */
};

#define SCOLS                                                                                 \
	"name, arn, description, kms_key, policy, rot_lambda, rot_rules, rot_token, created," \
	" changed, accessed, deleted, last_rotated, rot_enabled, next_rot_ms"

static void secret_read(sqlite3_stmt *st, struct secret *s)
{
	s->name = dup_col(st, 0);
	s->arn = dup_col(st, 1);
	s->description = dup_col(st, 2);
	s->kms_key = dup_col(st, 3);
	s->policy = dup_col(st, 4);
	s->rot_lambda = dup_col(st, 5);
	s->rot_rules = dup_col(st, 6);
	s->rot_token = dup_col(st, 7);
	s->created = sqlite3_column_double(st, 8);
	s->changed = sqlite3_column_double(st, 9);
	s->has_accessed = sqlite3_column_type(st, 10) != SQLITE_NULL;
	s->accessed = sqlite3_column_double(st, 10);
	s->is_deleted = sqlite3_column_type(st, 11) != SQLITE_NULL;
	s->deleted = sqlite3_column_double(st, 11);
	s->has_rotated = sqlite3_column_type(st, 12) != SQLITE_NULL;
	s->last_rotated = sqlite3_column_double(st, 12);
	s->rot_enabled = sqlite3_column_int(st, 13) != 0;
	s->next_rot_ms =
		sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 14);
}

static void secret_release(struct secret *s)
{
	free(s->name);
	free(s->arn);
	free(s->description);
	free(s->kms_key);
	free(s->policy);
	free(s->rot_lambda);
	free(s->rot_rules);
	free(s->rot_token);
	memset(s, 0, sizeof(*s));
}

/* Delete a secret, its versions and tags. Database locked. */
static void purge(struct cloud *c, const char *account, const char *name)
{
	exec3(c, "DELETE FROM sm_versions WHERE account=?1 AND name=?2", account, name, NULL);
	exec3(c, "DELETE FROM sm_tags WHERE account=?1 AND name=?2", account, name, NULL);
	exec3(c, "DELETE FROM sm_secrets WHERE account=?1 AND name=?2", account, name, NULL);
}

/* Delete account's secrets whose recovery window has ended. Database locked. */
static void sweep(struct cloud *c, const char *account)
{
	sqlite3_stmt *st = db_prep(c->db, "SELECT name FROM sm_secrets WHERE account=? AND"
					  " delete_at_ms IS NOT NULL AND delete_at_ms <= ?");
	bind(st, 1, account);
	sqlite3_bind_int64(st, 2, now_ms(c, account));
	char *names[64];
	size_t n = 0;
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
		names[n++] = xstrdup(db_col(st, 0));
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		purge(c, account, names[i]);
		free(names[i]);
	}
}

/*
 * The secret a SecretId names (its name, its ARN, or its ARN without the six random
 * characters), into s; false with ResourceNotFoundException. Database locked.
 */
static bool find_secret(struct cloud *c, const char *account, const char *id, struct secret *s,
			struct aws_err *err)
{
	sweep(c, account);
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT " SCOLS " FROM sm_secrets WHERE account=?1 AND"
			       " (name=?2 OR arn=?2 OR (substr(?2, 1, 4)='arn:' AND"
			       " length(arn)=length(?2)+7 AND substr(arn, 1, length(?2))=?2))"
			       " ORDER BY arn=?2 DESC, name=?2 DESC LIMIT 1");
	bind(st, 1, account);
	bind(st, 2, id);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		secret_read(st, s);
	sqlite3_finalize(st);
	if (!found)
		aws_err_set(err, 400, "ResourceNotFoundException", "%s", NOT_FOUND);
	return found;
}

/* find_secret() that also refuses a secret marked for deletion. Database locked. */
static bool find_live(struct cloud *c, const char *account, const char *id, struct secret *s,
		      struct aws_err *err)
{
	if (!find_secret(c, account, id, s, err))
		return false;
	if (s->is_deleted) {
		secret_release(s);
		return aws_err_set(err, 400, "InvalidRequestException", "%s", MARKED);
	}
	return true;
}

/* ---- Authorization ---- */

/*
 * Whether the caller may perform secretsmanager:OP on the secret id names (its ARN when it
 * exists, with its resource policy), or on "*" when id is NULL.
 */
static bool authorize(struct svc_call *call, const char *id, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	char action[96];
	snprintf(action, sizeof(action), "secretsmanager:%s", call->op ? call->op : "");
	char *arn = NULL, *policy = NULL;
	if (id) {
		struct secret s = { 0 };
		struct aws_err e = { 0 };
		pthread_mutex_lock(&c->db->mu);
		if (find_secret(c, call->caller->account, id, &s, &e)) {
			arn = xstrdup(s.arn);
			policy = s.policy ? xstrdup(s.policy) : NULL;
		}
		pthread_mutex_unlock(&c->db->mu);
		secret_release(&s);
		aws_err_release(&e);
		if (!arn)
			arn = xasprintf("arn:aws:secretsmanager:%s:%s:secret:%s", AWS_REGION_NAME,
					call->caller->account, id);
	}
	struct iam_authz q = { .action = action,
			       .resource = arn ? arn : "*",
			       .resource_policy = policy };
	bool ok = iam_authorize_err(c, call->caller, &q, 400, "AccessDeniedException", err);
	free(arn);
	free(policy);
	return ok;
}

/* ---- KMS ---- */

static void add_context(cJSON *in, const char *arn, const char *version)
{
	cJSON *ctx = cJSON_AddObjectToObject(in, "EncryptionContext");
	cJSON_AddStringToObject(ctx, "SecretARN", arn);
	cJSON_AddStringToObject(ctx, "SecretVersionId", version);
}

/* A KMS refusal as Secrets Manager answers it. */
static void kms_failure(struct aws_err *err, bool encrypting)
{
	if (strcmp(err->code, "AccessDeniedException") == 0) {
		aws_err_set(err, 400, "AccessDeniedException", "Access to KMS is not allowed");
		return;
	}
	char why[sizeof(err->message)];
	snprintf(why, sizeof(why), "%s", err->message);
	if (encrypting)
		aws_err_set(err, 400, "EncryptionFailure",
			    "Secrets Manager can't encrypt the protected secret text using the "
			    "provided KMS key: %s",
			    why);
	else
		aws_err_set(err, 400, "DecryptionFailure",
			    "Secrets Manager can't decrypt the protected secret text using the "
			    "provided KMS key: %s",
			    why);
}

/*
 * A version's value is sealed as Secrets Manager does, by envelope: KMS's GenerateDataKey
 * gives a 256-bit data key bound to the version's encryption context, the value is encrypted
 * here with it (AES-256-GCM), and only the data key's ciphertext is kept beside it. KMS itself
 * encrypts at most 4,096 bytes; a secret may hold 65,536. Stored as
 * "env1:" KEY-CIPHERTEXT-BASE64 ":" BASE64(NONCE || CIPHERTEXT || TAG). A value stored before
 * (KMS's own ciphertext, no prefix) is still read.
 */
#define ENVELOPE "env1:"
/* Encrypt value (len bytes) for the version: the sealed text (caller frees). */
static char *seal(struct svc_call *call, const char *key, const char *arn, const char *version,
		  const void *value, size_t len, char key_arn[300], struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "KeyId", key ? key : DEFAULT_KEY);
	cJSON_AddStringToObject(in, "KeySpec", "AES_256");
	add_context(in, arn, version);
	cJSON *out =
		svc_call_internal(call->cloud, call->caller, "kms", "GenerateDataKey", in, err);
	cJSON_Delete(in);
	if (!out) {
		kms_failure(err, true);
		return NULL;
	}
	size_t klen = 0;
	const char *kp = str(out, "Plaintext");
	unsigned char *dk = kp ? aws_base64_decode(kp, strlen(kp), &klen) : NULL;
	unsigned char *box = xmalloc(ENVELOPE_SEALED_LEN(len));
	char *blob = NULL;
	if (dk && klen == 32 && envelope_seal(dk, value, len, box)) {
		char *b64 = aws_base64_encode(box, ENVELOPE_SEALED_LEN(len));
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%s%s:%s", ENVELOPE, str(out, "CiphertextBlob"), b64);
		free(b64);
		blob = strbuf_detach(&sb);
		snprintf(key_arn, 300, "%s", str(out, "KeyId"));
	} else {
		aws_err_set(err, 500, "InternalServiceError", "The secret could not be encrypted.");
	}
	if (dk) {
		envelope_wipe(dk, klen);
		free(dk);
	}
	free(box);
	cJSON_Delete(out);
	return blob;
}

/* The plaintext of a version's sealed text (caller frees; *len its length, NUL-terminated). */
static char *unseal(struct svc_call *call, const char *arn, const char *version, const char *blob,
		    size_t *len, struct aws_err *err)
{
	bool envelope = str_starts_with(blob, ENVELOPE);
	const char *colon = envelope ? strchr(blob + strlen(ENVELOPE), ':') : NULL;
	if (envelope && !colon) {
		aws_err_set(err, 500, "InternalServiceError", "The secret could not be read.");
		return NULL;
	}
	cJSON *in = cJSON_CreateObject();
	if (envelope) {
		const char *k = blob + strlen(ENVELOPE);
		char *key_blob = xstrndup(k, (size_t)(colon - k));
		cJSON_AddStringToObject(in, "CiphertextBlob", key_blob);
		free(key_blob);
	} else {
		cJSON_AddStringToObject(in, "CiphertextBlob", blob);
	}
	add_context(in, arn, version);
	cJSON *out = svc_call_internal(call->cloud, call->caller, "kms", "Decrypt", in, err);
	cJSON_Delete(in);
	if (!out) {
		kms_failure(err, false);
		return NULL;
	}
	char *plain = NULL;
	const char *p = str(out, "Plaintext");
	size_t n = 0;
	unsigned char *bytes = p ? aws_base64_decode(p, strlen(p), &n) : NULL;
	if (bytes && !envelope) {
		*len = n;
		plain = xmalloc(n + 1);
		memcpy(plain, bytes, n);
		plain[n] = 0;
	} else if (bytes && n == 32) {
		size_t m = 0;
		unsigned char *box = aws_base64_decode(colon + 1, strlen(colon + 1), &m);
		plain = box ? xmalloc(m + 1) : NULL;
		if (plain && envelope_open(bytes, box, m, (unsigned char *)plain, len)) {
			plain[*len] = 0;
		} else {
			free(plain);
			plain = NULL;
		}
		free(box);
	}
	if (!plain)
		aws_err_set(err, 500, "InternalServiceError", "The secret could not be read.");
	if (bytes) {
		envelope_wipe(bytes, n);
		free(bytes);
	}
	cJSON_Delete(out);
	return plain;
}

/* ---- Versions and staging labels ---- */

/* Whether version id of the secret exists; *filled whether it has a value. Database locked. */
static bool version_exists(struct cloud *c, const char *account, const char *name, const char *id,
			   bool *filled)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT value IS NOT NULL FROM sm_versions WHERE account=?"
			       " AND name=? AND id=?");
	bind(st, 1, account);
	bind(st, 2, name);
	bind(st, 3, id);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (filled)
		*filled = found && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return found;
}

/* The version label is attached to, into id (64 bytes); false when none. Database locked. */
static bool stage_holder(struct cloud *c, const char *account, const char *name, const char *label,
			 char id[65])
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT id FROM sm_versions WHERE account=? AND name=? AND"
			       " EXISTS(SELECT 1 FROM json_each(stages) WHERE value=?)");
	bind(st, 1, account);
	bind(st, 2, name);
	bind(st, 3, label);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		snprintf(id, 65, "%s", db_col(st, 0));
	sqlite3_finalize(st);
	return found;
}

static void stage_remove(struct cloud *c, const char *account, const char *name, const char *label)
{
	exec3(c,
	      "UPDATE sm_versions SET stages=(SELECT json_group_array(value) FROM"
	      " json_each(stages) WHERE value<>?3) WHERE account=?1 AND name=?2 AND"
	      " EXISTS(SELECT 1 FROM json_each(stages) WHERE value=?3)",
	      account, name, label);
}

/*
 * Attach label to version id, taking it from wherever it was. AWSCURRENT leaves
 * AWSPREVIOUS on the version it leaves. Database locked.
 */
static void stage_move(struct cloud *c, const char *account, const char *name, const char *id,
		       const char *label)
{
	char old[65];
	if (strcmp(label, "AWSCURRENT") == 0 && stage_holder(c, account, name, label, old) &&
	    strcmp(old, id) != 0) {
		stage_remove(c, account, name, "AWSPREVIOUS");
		stage_move(c, account, name, old, "AWSPREVIOUS");
	}
	stage_remove(c, account, name, label);
	sqlite3_stmt *st =
		db_prep(c->db, "UPDATE sm_versions SET stages=json_insert(stages, '$[#]', ?)"
			       " WHERE account=? AND name=? AND id=?");
	bind(st, 1, label);
	bind(st, 2, account);
	bind(st, 3, name);
	bind(st, 4, id);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* The stages of version id as a JSON array (caller deletes). Database locked. */
static cJSON *stages_of(struct cloud *c, const char *account, const char *name, const char *id)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT stages FROM sm_versions WHERE account=? AND name=? AND"
			       " id=?");
	bind(st, 1, account);
	bind(st, 2, name);
	bind(st, 3, id);
	cJSON *a = sqlite3_step(st) == SQLITE_ROW ? cJSON_Parse(db_col(st, 0)) : NULL;
	sqlite3_finalize(st);
	return a ? a : cJSON_CreateArray();
}

/* Drop versions with no label beyond the newest 100 of them. Database locked. */
static void drop_deprecated(struct cloud *c, const char *account, const char *name)
{
	exec3(c,
	      "DELETE FROM sm_versions WHERE account=?1 AND name=?2 AND stages='[]' AND id NOT"
	      " IN (SELECT id FROM sm_versions WHERE account=?1 AND name=?2 AND stages='[]'"
	      " ORDER BY seq DESC LIMIT 100)",
	      account, name, NULL);
}

/* Insert a version (value NULL: a placeholder a rotation fills). Database locked. */
static bool version_insert(struct cloud *c, const char *account, const char *name, const char *id,
			   const char *value, bool binary, const char *key_arn)
{
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT INTO sm_versions(account, name, id, value, binary,"
			       " key_arn, created, seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
			       " (SELECT coalesce(max(seq), 0) + 1 FROM sm_versions WHERE"
			       " account=?1 AND name=?2))");
	bind(st, 1, account);
	bind(st, 2, name);
	bind(st, 3, id);
	bind(st, 4, value);
	sqlite3_bind_int(st, 5, binary);
	bind(st, 6, key_arn);
	sqlite3_bind_double(st, 7, now_s(c, account));
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

/* The value of a request (SecretString or SecretBinary, decoded): false when it has none. */
static bool request_value(const cJSON *in, char **value, size_t *len, bool *binary,
			  struct aws_err *err)
{
	const char *s = str(in, "SecretString");
	const char *b = str(in, "SecretBinary");
	*value = NULL;
	*len = 0;
	*binary = false;
	if (s && b)
		return aws_err_set(err, 400, "InvalidParameterException",
				   "You can't specify both a binary secret value and a string "
				   "secret value in the same secret.");
	/* A secret holds at most 64 KiB, whichever form it takes (the model's own limit,
	 * checked here for the calls the router does not validate). */
	if (s && strlen(s) > MAX_VALUE)
		return aws_err_set(err, 400, "InvalidParameterException",
				   "1 validation error detected: Value at 'secretString' failed to "
				   "satisfy constraint: Member must have length less than or equal "
				   "to %d",
				   MAX_VALUE);
	if (s) {
		*value = xstrdup(s);
		*len = strlen(s);
		return true;
	}
	if (b) {
		unsigned char *raw = aws_base64_decode(b, strlen(b), len);
		if (!raw)
			return aws_err_set(err, 400, "InvalidParameterException",
					   "SecretBinary is not valid base64.");
		if (*len > MAX_VALUE) {
			free(raw);
			*len = 0;
			return aws_err_set(
				err, 400, "InvalidParameterException",
				"1 validation error detected: Value at 'secretBinary' "
				"failed to satisfy constraint: Member must have length less "
				"than or equal to %d",
				MAX_VALUE);
		}
		*value = (char *)raw;
		*binary = true;
		return true;
	}
	return true;
}

/* Whether the stored version (ciphertext) holds the same value. */
static bool same_value(struct svc_call *call, const char *arn, const char *id, const char *blob,
		       bool binary_stored, const char *value, size_t len, bool binary)
{
	struct aws_err e = { 0 };
	size_t n = 0;
	char *plain = unseal(call, arn, id, blob, &n, &e);
	aws_err_release(&e);
	bool same = plain && binary_stored == binary && n == len && memcmp(plain, value, n) == 0;
	if (plain)
		memset(plain, 0, n);
	free(plain);
	return same;
}

/*
 * Store a new version of secret s (or fill a placeholder) with the labels stages (NULL:
 * AWSCURRENT), as PutSecretValue, UpdateSecret and CreateSecret do: the output members
 * ARN, Name, VersionId, VersionStages into out. Encrypts before taking the lock.
 */
static bool put_value(struct svc_call *call, const struct secret *s, const char *token,
		      const char *value, size_t len, bool binary, const cJSON *stages, cJSON *out,
		      struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	char id[65];
	char generated[37];
	if (!token) {
		aws_uuid(generated);
		token = generated;
	}
	snprintf(id, sizeof(id), "%s", token);
	/* An existing version: the same value again is the same request, another is refused. */
	sqlite3_stmt *st;
	pthread_mutex_lock(&c->db->mu);
	st = db_prep(c->db,
		     "SELECT value, binary FROM sm_versions WHERE account=? AND name=? AND id=?");
	bind(st, 1, account);
	bind(st, 2, s->name);
	bind(st, 3, id);
	bool exists = sqlite3_step(st) == SQLITE_ROW;
	char *old = exists ? dup_col(st, 0) : NULL;
	bool old_binary = exists && sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	if (old) {
		bool same = same_value(call, s->arn, id, old, old_binary, value, len, binary);
		free(old);
		if (!same)
			return aws_err_set(err, 400, "ResourceExistsException",
					   "You can't modify an existing version, you can only "
					   "create a new version.");
		cJSON_AddStringToObject(out, "ARN", s->arn);
		cJSON_AddStringToObject(out, "Name", s->name);
		cJSON_AddStringToObject(out, "VersionId", id);
		pthread_mutex_lock(&c->db->mu);
		cJSON_AddItemToObject(out, "VersionStages", stages_of(c, account, s->name, id));
		pthread_mutex_unlock(&c->db->mu);
		return true;
	}
	char key_arn[300] = "";
	char *blob = seal(call, s->kms_key, s->arn, id, value, len, key_arn, err);
	if (!blob)
		return false;
	bool ok = false;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	bool filled = false;
	if (version_exists(c, account, s->name, id, &filled)) {
		if (filled) {
			aws_err_set(err, 400, "ResourceExistsException",
				    "You can't modify an existing version, you can only create a "
				    "new version.");
			goto done;
		}
		st = db_prep(c->db,
			     "UPDATE sm_versions SET value=?, binary=?, key_arn=? WHERE account=?"
			     " AND name=? AND id=?");
		bind(st, 1, blob);
		sqlite3_bind_int(st, 2, binary);
		bind(st, 3, key_arn);
		bind(st, 4, account);
		bind(st, 5, s->name);
		bind(st, 6, id);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	} else {
		ok = version_insert(c, account, s->name, id, blob, binary, key_arn);
	}
	if (!ok) {
		aws_err_set(err, 500, "InternalServiceError", "The secret could not be stored.");
		goto done;
	}
	const cJSON *l;
	if (stages)
		cJSON_ArrayForEach(l, stages) stage_move(c, account, s->name, id, l->valuestring);
	else
		stage_move(c, account, s->name, id, "AWSCURRENT");
	char now[32];
	snprintf(now, sizeof(now), "%.3f", now_s(c, account));
	exec3(c, "UPDATE sm_secrets SET changed=CAST(?3 AS REAL) WHERE account=?1 AND name=?2",
	      account, s->name, now);
	drop_deprecated(c, account, s->name);
	cJSON_AddStringToObject(out, "ARN", s->arn);
	cJSON_AddStringToObject(out, "Name", s->name);
	cJSON_AddStringToObject(out, "VersionId", id);
	cJSON_AddItemToObject(out, "VersionStages", stages_of(c, account, s->name, id));
done:
	cloud_db_exec(c->db, ok ? "COMMIT" : "ROLLBACK");
	pthread_mutex_unlock(&c->db->mu);
	free(blob);
	return ok;
}

/* ---- Tags ---- */

static void put_tags(struct cloud *c, const char *account, const char *name, const cJSON *tags)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		sqlite3_stmt *st =
			db_prep(c->db, "INSERT OR REPLACE INTO sm_tags(account, name, key, value)"
				       " VALUES(?, ?, ?, ?)");
		bind(st, 1, account);
		bind(st, 2, name);
		bind(st, 3, str(t, "Key") ? str(t, "Key") : "");
		bind(st, 4, str(t, "Value") ? str(t, "Value") : "");
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
}

static cJSON *tags_of(struct cloud *c, const char *account, const char *name)
{
	cJSON *arr = cJSON_CreateArray();
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT key, value FROM sm_tags WHERE account=? AND name=?"
			       " ORDER BY rowid");
	bind(st, 1, account);
	bind(st, 2, name);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "Key", db_col(st, 0));
		cJSON_AddStringToObject(t, "Value", db_col(st, 1));
		cJSON_AddItemToArray(arr, t);
	}
	sqlite3_finalize(st);
	return arr;
}

/* ---- Views ---- */

/* Every version that has labels, as {ID: [labels]} (all of them with deprecated). */
static cJSON *versions_to_stages(struct cloud *c, const char *account, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT id, stages FROM sm_versions WHERE account=? AND name=?"
			       " AND stages<>'[]' ORDER BY seq");
	bind(st, 1, account);
	bind(st, 2, name);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *a = cJSON_Parse(db_col(st, 1));
		cJSON_AddItemToObject(o, db_col(st, 0), a ? a : cJSON_CreateArray());
	}
	sqlite3_finalize(st);
	return o;
}

/* DescribeSecret's answer (list: a ListSecrets entry). Database locked. */
static cJSON *secret_view(struct cloud *c, const char *account, const struct secret *s, bool list)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ARN", s->arn);
	cJSON_AddStringToObject(o, "Name", s->name);
	if (s->description)
		cJSON_AddStringToObject(o, "Description", s->description);
	if (s->kms_key)
		cJSON_AddStringToObject(o, "KmsKeyId", s->kms_key);
	if (s->rot_enabled || s->rot_lambda)
		cJSON_AddBoolToObject(o, "RotationEnabled", s->rot_enabled);
	if (s->rot_lambda)
		cJSON_AddStringToObject(o, "RotationLambdaARN", s->rot_lambda);
	if (s->rot_rules) {
		cJSON *r = cJSON_Parse(s->rot_rules);
		if (r)
			cJSON_AddItemToObject(o, "RotationRules", r);
	}
	if (s->has_rotated)
		cJSON_AddNumberToObject(o, "LastRotatedDate", s->last_rotated);
	cJSON_AddNumberToObject(o, "LastChangedDate", s->changed);
	if (s->has_accessed)
		cJSON_AddNumberToObject(o, "LastAccessedDate", s->accessed);
	if (s->is_deleted)
		cJSON_AddNumberToObject(o, "DeletedDate", s->deleted);
	if (s->rot_enabled && s->next_rot_ms >= 0)
		cJSON_AddNumberToObject(o, "NextRotationDate", (double)(s->next_rot_ms / 1000));
	cJSON *tags = tags_of(c, account, s->name);
	if (cJSON_GetArraySize(tags) > 0 || !list)
		cJSON_AddItemToObject(o, "Tags", tags);
	else
		cJSON_Delete(tags);
	cJSON_AddItemToObject(o, list ? "SecretVersionsToStages" : "VersionIdsToStages",
			      versions_to_stages(c, account, s->name));
	cJSON_AddNumberToObject(o, "CreatedDate", s->created);
	return o;
}

/* ---- Names ---- */

static bool name_valid(const char *name, struct aws_err *err)
{
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+=.@-!", *p))
			return aws_err_set(err, 400, "ValidationException",
					   "Invalid name. Must be a valid name containing "
					   "alphanumeric characters, or any of the following: "
					   "-/_+=.@!");
	return true;
}

/* ---- Operations ---- */

static cJSON *op_create(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name");
	if (!name_valid(name, err))
		return NULL;
	char suffix[7];
	static const char alnum[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6];
	if (!random_fill(rnd, sizeof(rnd)))
		return aws_err_set(err, 500, "InternalServiceError", "No randomness."), NULL;
	for (int i = 0; i < 6; i++)
		suffix[i] = alnum[rnd[i] % (sizeof(alnum) - 1)];
	suffix[6] = 0;
	char arn[800];
	snprintf(arn, sizeof(arn), "arn:aws:secretsmanager:%s:%s:secret:%s-%s", AWS_REGION_NAME,
		 account, name, suffix);
	char action[] = "secretsmanager:CreateSecret";
	struct iam_authz q = { .action = action, .resource = arn };
	if (!iam_authorize_err(c, call->caller, &q, 400, "AccessDeniedException", err))
		return NULL;
	char *value = NULL;
	size_t len = 0;
	bool binary = false;
	if (!request_value(in, &value, &len, &binary, err))
		return NULL;
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	sweep(c, account);
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT deleted IS NOT NULL FROM sm_secrets WHERE account=? AND"
			       " name=?");
	bind(st, 1, account);
	bind(st, 2, name);
	int state = sqlite3_step(st) == SQLITE_ROW ? 1 + sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (state == 0) {
		st = db_prep(c->db,
			     "INSERT INTO sm_secrets(account, name, arn, description, kms_key,"
			     " created, changed) VALUES(?, ?, ?, ?, ?, ?, ?)");
		bind(st, 1, account);
		bind(st, 2, name);
		bind(st, 3, arn);
		bind(st, 4, str(in, "Description"));
		bind(st, 5, str(in, "KmsKeyId"));
		sqlite3_bind_double(st, 6, now_s(c, account));
		sqlite3_bind_double(st, 7, now_s(c, account));
		sqlite3_step(st);
		sqlite3_finalize(st);
		put_tags(c, account, name, cJSON_GetObjectItemCaseSensitive(in, "Tags"));
	}
	pthread_mutex_unlock(&c->db->mu);
	if (state == 1) {
		aws_err_set(err, 400, "ResourceExistsException",
			    "The operation failed because the secret %s already exists.", name);
		goto done;
	}
	if (state == 2) {
		aws_err_set(err, 400, "InvalidRequestException",
			    "You can't create this secret because a secret with this name is "
			    "already scheduled for deletion.");
		goto done;
	}
	out = cJSON_CreateObject();
	if (value) {
		struct secret s = { .name = (char *)name,
				    .arn = arn,
				    .kms_key = (char *)str(in, "KmsKeyId") };
		if (!put_value(call, &s, str(in, "ClientRequestToken"), value, len, binary, NULL,
			       out, err)) {
			/* Nothing half-made: the secret goes with its first value. */
			pthread_mutex_lock(&c->db->mu);
			purge(c, account, name);
			pthread_mutex_unlock(&c->db->mu);
			cJSON_Delete(out);
			out = NULL;
			goto done;
		}
		cJSON_DeleteItemFromObject(out, "VersionStages");
	} else {
		cJSON_AddStringToObject(out, "ARN", arn);
		cJSON_AddStringToObject(out, "Name", name);
	}
done:
	if (value)
		memset(value, 0, len);
	free(value);
	return out;
}

static cJSON *op_get_value(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *vid = str(in, "VersionId");
	const char *stage = str(in, "VersionStage");
	if (!vid && !stage)
		stage = "AWSCURRENT";
	struct secret s = { 0 };
	cJSON *out = NULL;
	char *blob = NULL, *id = NULL;
	bool binary = false;
	double created = 0;
	cJSON *stages = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (!find_live(c, account, str(in, "SecretId"), &s, err))
		goto unlock;
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT id, value, binary, created, stages FROM sm_versions"
			       " WHERE account=?1 AND name=?2 AND (?3 IS NULL OR id=?3) AND"
			       " (?4 IS NULL OR EXISTS(SELECT 1 FROM json_each(stages) WHERE"
			       " value=?4))");
	bind(st, 1, account);
	bind(st, 2, s.name);
	bind(st, 3, vid);
	bind(st, 4, stage);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL) {
		id = xstrdup(db_col(st, 0));
		blob = xstrdup(db_col(st, 1));
		binary = sqlite3_column_int(st, 2);
		created = sqlite3_column_double(st, 3);
		stages = cJSON_Parse(db_col(st, 4));
	}
	sqlite3_finalize(st);
	bool version_there = false;
	if (!blob && vid && stage) {
		st = db_prep(c->db,
			     "SELECT 1 FROM sm_versions WHERE account=?1 AND name=?2 AND id=?3"
			     " AND value IS NOT NULL");
		bind(st, 1, account);
		bind(st, 2, s.name);
		bind(st, 3, vid);
		version_there = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	if (!blob) {
		if (version_there)
			aws_err_set(err, 400, "InvalidRequestException",
				    "You provided a VersionStage that is not associated to the "
				    "provided VersionId.");
		else if (vid)
			aws_err_set(err, 400, "ResourceNotFoundException",
				    "Secrets Manager can't find the specified secret value for "
				    "VersionId: %s",
				    vid);
		else
			aws_err_set(err, 400, "ResourceNotFoundException",
				    "Secrets Manager can't find the specified secret value for "
				    "staging label: %s",
				    stage);
		goto unlock;
	}
	/* Secrets Manager keeps the date a secret was last read, to the day. */
	int64_t day = now_ms(c, account) / DAY_MS * DAY_MS;
	char d[32];
	snprintf(d, sizeof(d), "%" PRId64, day / 1000);
	exec3(c, "UPDATE sm_secrets SET accessed=CAST(?3 AS REAL) WHERE account=?1 AND name=?2",
	      account, s.name, d);
unlock:
	pthread_mutex_unlock(&c->db->mu);
	if (blob) {
		size_t n = 0;
		char *plain = unseal(call, s.arn, id, blob, &n, err);
		if (plain) {
			out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, "ARN", s.arn);
			cJSON_AddStringToObject(out, "Name", s.name);
			cJSON_AddStringToObject(out, "VersionId", id);
			if (binary) {
				char *b64 = aws_base64_encode(plain, n);
				cJSON_AddStringToObject(out, "SecretBinary", b64);
				free(b64);
			} else {
				cJSON_AddStringToObject(out, "SecretString", plain);
			}
			cJSON_AddItemToObject(out, "VersionStages",
					      stages ? stages : cJSON_CreateArray());
			stages = NULL;
			cJSON_AddNumberToObject(out, "CreatedDate", created);
			memset(plain, 0, n);
			free(plain);
		}
	}
	cJSON_Delete(stages);
	free(blob);
	free(id);
	secret_release(&s);
	return out;
}

static cJSON *op_put_value(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct secret s = { 0 };
	pthread_mutex_lock(&c->db->mu);
	bool found = find_live(c, call->caller->account, str(in, "SecretId"), &s, err);
	pthread_mutex_unlock(&c->db->mu);
	if (!found)
		return NULL;
	char *value = NULL;
	size_t len = 0;
	bool binary = false;
	cJSON *out = NULL;
	if (!request_value(in, &value, &len, &binary, err))
		goto done;
	if (!value) {
		aws_err_set(err, 400, "InvalidRequestException",
			    "You must provide either SecretString or SecretBinary.");
		goto done;
	}
	out = cJSON_CreateObject();
	if (!put_value(call, &s, str(in, "ClientRequestToken"), value, len, binary,
		       cJSON_GetObjectItemCaseSensitive(in, "VersionStages"), out, err)) {
		cJSON_Delete(out);
		out = NULL;
	}
done:
	if (value)
		memset(value, 0, len);
	free(value);
	secret_release(&s);
	return out;
}

static cJSON *op_update(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	struct secret s = { 0 };
	char *value = NULL;
	size_t len = 0;
	bool binary = false;
	cJSON *out = NULL;
	if (!request_value(in, &value, &len, &binary, err))
		return NULL;
	pthread_mutex_lock(&c->db->mu);
	bool found = find_live(c, account, str(in, "SecretId"), &s, err);
	if (found) {
		const char *desc = str(in, "Description");
		const char *key = str(in, "KmsKeyId");
		if (desc)
			exec3(c,
			      "UPDATE sm_secrets SET description=?3 WHERE account=?1 AND name=?2",
			      account, s.name, desc);
		if (key) {
			exec3(c, "UPDATE sm_secrets SET kms_key=?3 WHERE account=?1 AND name=?2",
			      account, s.name, key);
			free(s.kms_key);
			s.kms_key = xstrdup(key);
		}
		char now[32];
		snprintf(now, sizeof(now), "%.3f", now_s(c, account));
		exec3(c,
		      "UPDATE sm_secrets SET changed=CAST(?3 AS REAL) WHERE account=?1 AND"
		      " name=?2",
		      account, s.name, now);
	}
	pthread_mutex_unlock(&c->db->mu);
	if (!found)
		goto done;
	out = cJSON_CreateObject();
	if (value) {
		if (!put_value(call, &s, str(in, "ClientRequestToken"), value, len, binary, NULL,
			       out, err)) {
			cJSON_Delete(out);
			out = NULL;
			goto done;
		}
		cJSON_DeleteItemFromObject(out, "VersionStages");
	} else {
		cJSON_AddStringToObject(out, "ARN", s.arn);
		cJSON_AddStringToObject(out, "Name", s.name);
	}
done:
	if (value)
		memset(value, 0, len);
	free(value);
	secret_release(&s);
	return out;
}

static cJSON *op_describe(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (find_secret(c, call->caller->account, str(in, "SecretId"), &s, err))
		out = secret_view(c, call->caller->account, &s, false);
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

/* Whether s passes one ListSecrets filter (its values OR'ed; "!" negates a value). */
static bool filter_pass(struct cloud *c, const char *account, const struct secret *s,
			const cJSON *f)
{
	const char *key = str(f, "Key");
	const cJSON *v;
	bool any = false, negated_only = true;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(f, "Values"))
	{
		const char *want = v->valuestring;
		bool neg = want[0] == '!';
		if (neg)
			want++;
		else
			negated_only = false;
		bool hit = false;
		if (strcmp(key, "name") == 0) {
			hit = str_starts_with(s->name, want);
		} else if (strcmp(key, "description") == 0) {
			hit = s->description &&
			      strncasecmp(s->description, want, strlen(want)) == 0;
		} else if (strcmp(key, "primary-region") == 0) {
			hit = false;
		} else if (strcmp(key, "tag-key") == 0 || strcmp(key, "tag-value") == 0) {
			cJSON *tags = tags_of(c, account, s->name);
			const cJSON *t;
			cJSON_ArrayForEach(t, tags) hit =
				hit ||
				str_starts_with(
					str(t, strcmp(key, "tag-key") == 0 ? "Key" : "Value"),
					want);
			cJSON_Delete(tags);
		} else if (strcmp(key, "all") == 0) {
			size_t wl = strlen(want);
			hit = strncasecmp(s->name, want, wl) == 0 ||
			      (s->description && strcasestr(s->description, want));
			cJSON *tags = tags_of(c, account, s->name);
			const cJSON *t;
			cJSON_ArrayForEach(t, tags) hit =
				hit || strncasecmp(str(t, "Key"), want, wl) == 0 ||
				strncasecmp(str(t, "Value"), want, wl) == 0;
			cJSON_Delete(tags);
		}
		if (neg ? !hit : hit)
			any = true;
		else if (neg)
			return false; /* a negated value excludes outright */
	}
	return any || negated_only;
}

static cJSON *op_list(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, NULL, err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const cJSON *mr = cJSON_GetObjectItemCaseSensitive(in, "MaxResults");
	int max = cJSON_IsNumber(mr) ? mr->valueint : DEFAULT_PAGE;
	long start = 0;
	const char *tok = str(in, "NextToken");
	if (tok) {
		size_t n = 0;
		unsigned char *raw = aws_base64_decode(tok, strlen(tok), &n);
		char buf[32] = "";
		if (raw && n > 1 && n < sizeof(buf) && raw[0] == 's')
			memcpy(buf, raw + 1, n - 1);
		free(raw);
		char *end = NULL;
		start = strtol(buf, &end, 10);
		if (!buf[0] || *end || start < 0)
			return aws_err_set(err, 400, "InvalidNextTokenException",
					   "The NextToken value is invalid."),
			       NULL;
	}
	const char *order = str(in, "SortOrder");
	bool desc = order && strcmp(order, "desc") == 0;
	bool planned = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "IncludePlannedDeletion"));
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(in, "Filters");
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "SecretList");
	pthread_mutex_lock(&c->db->mu);
	sweep(c, account);
	sqlite3_stmt *st = db_prep(c->db, desc ? "SELECT " SCOLS " FROM sm_secrets WHERE account=?"
						 " ORDER BY created DESC, name DESC"
					       : "SELECT " SCOLS " FROM sm_secrets WHERE account=?"
						 " ORDER BY created, name");
	bind(st, 1, account);
	long seen = 0;
	int taken = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct secret s = { 0 };
		secret_read(st, &s);
		bool pass = !s.is_deleted || planned;
		const cJSON *f;
		cJSON_ArrayForEach(f, filters) pass = pass && filter_pass(c, account, &s, f);
		if (pass && seen++ >= start) {
			if (taken == max) {
				char raw[32];
				int n = snprintf(raw, sizeof(raw), "s%ld", seen - 1);
				char *b64 = aws_base64_encode(raw, (size_t)n);
				cJSON_AddStringToObject(out, "NextToken", b64);
				free(b64);
				secret_release(&s);
				break;
			}
			cJSON_AddItemToArray(list, secret_view(c, account, &s, true));
			taken++;
		}
		secret_release(&s);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static cJSON *op_list_versions(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	bool deprecated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "IncludeDeprecated"));
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (!find_secret(c, account, str(in, "SecretId"), &s, err))
		goto done;
	out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "Versions");
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT id, stages, created, key_arn FROM sm_versions WHERE"
			       " account=? AND name=? AND (? OR stages<>'[]') ORDER BY seq");
	bind(st, 1, account);
	bind(st, 2, s.name);
	sqlite3_bind_int(st, 3, deprecated);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "VersionId", db_col(st, 0));
		cJSON *stages = cJSON_Parse(db_col(st, 1));
		cJSON_AddItemToObject(v, "VersionStages", stages ? stages : cJSON_CreateArray());
		cJSON_AddNumberToObject(v, "CreatedDate", sqlite3_column_double(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			cJSON *keys = cJSON_AddArrayToObject(v, "KmsKeyIds");
			cJSON_AddItemToArray(keys, cJSON_CreateString(db_col(st, 3)));
		}
		cJSON_AddItemToArray(arr, v);
	}
	sqlite3_finalize(st);
	cJSON_AddStringToObject(out, "ARN", s.arn);
	cJSON_AddStringToObject(out, "Name", s.name);
done:
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

static cJSON *op_delete(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const cJSON *rw = cJSON_GetObjectItemCaseSensitive(in, "RecoveryWindowInDays");
	bool force =
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "ForceDeleteWithoutRecovery"));
	if (rw && force)
		return aws_err_set(err, 400, "InvalidParameterException",
				   "You can't use ForceDeleteWithoutRecovery in conjunction with "
				   "RecoveryWindowInDays."),
		       NULL;
	double days = cJSON_IsNumber(rw) ? rw->valuedouble : 30;
	if (days < 7 || days > 30)
		return aws_err_set(err, 400, "InvalidParameterException",
				   "The RecoveryWindowInDays value must be between 7 and 30 days "
				   "(inclusive)."),
		       NULL;
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (!find_secret(c, account, str(in, "SecretId"), &s, err))
		goto done;
	if (s.is_deleted && !force) {
		aws_err_set(err, 400, "InvalidRequestException", "%s", MARKED);
		goto done;
	}
	int64_t now = now_ms(c, account);
	int64_t at = force ? now : now + (int64_t)days * DAY_MS;
	if (force) {
		purge(c, account, s.name);
	} else {
		sqlite3_stmt *st = db_prep(c->db, "UPDATE sm_secrets SET deleted=?, delete_at_ms=?,"
						  " rot_due_ms=NULL WHERE account=? AND name=?");
		sqlite3_bind_double(st, 1, (double)now / 1000.0);
		sqlite3_bind_int64(st, 2, at);
		bind(st, 3, account);
		bind(st, 4, s.name);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "ARN", s.arn);
	cJSON_AddStringToObject(out, "Name", s.name);
	cJSON_AddNumberToObject(out, "DeletionDate", (double)at / 1000.0);
done:
	pthread_mutex_unlock(&c->db->mu);
	schedule_ticker_poke(c->secrets_ticker);
	secret_release(&s);
	return out;
}

static cJSON *op_restore(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (find_secret(c, call->caller->account, str(in, "SecretId"), &s, err)) {
		exec3(c,
		      "UPDATE sm_secrets SET deleted=NULL, delete_at_ms=NULL WHERE account=?1"
		      " AND name=?2",
		      call->caller->account, s.name, NULL);
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "ARN", s.arn);
		cJSON_AddStringToObject(out, "Name", s.name);
	}
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

static cJSON *op_tag(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (find_live(c, call->caller->account, str(in, "SecretId"), &s, err)) {
		put_tags(c, call->caller->account, s.name,
			 cJSON_GetObjectItemCaseSensitive(in, "Tags"));
		out = cJSON_CreateObject();
	}
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

static cJSON *op_untag(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (find_live(c, call->caller->account, str(in, "SecretId"), &s, err)) {
		const cJSON *k;
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(in, "TagKeys"))
			exec3(c, "DELETE FROM sm_tags WHERE account=?1 AND name=?2 AND key=?3",
			      call->caller->account, s.name, k->valuestring);
		out = cJSON_CreateObject();
	}
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

static cJSON *op_update_stage(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *label = str(in, "VersionStage");
	const char *from = str(in, "RemoveFromVersionId");
	const char *to = str(in, "MoveToVersionId");
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	if (!find_live(c, account, str(in, "SecretId"), &s, err))
		goto done;
	if ((from && !version_exists(c, account, s.name, from, NULL)) ||
	    (to && !version_exists(c, account, s.name, to, NULL))) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "Secrets Manager can't find the specified secret version: %s",
			    from && !version_exists(c, account, s.name, from, NULL) ? from : to);
		goto done;
	}
	char holder[65] = "";
	bool held = stage_holder(c, account, s.name, label, holder);
	if (from && (!held || strcmp(holder, from) != 0)) {
		aws_err_set(err, 400, "InvalidParameterException",
			    "The staging label %s is not attached to version %s, so you can't "
			    "remove it.",
			    label, from);
		goto done;
	}
	if (to && held && strcmp(holder, to) != 0 && !from) {
		aws_err_set(err, 400, "InvalidParameterException",
			    "The parameter RemoveFromVersionId can't be empty. Staging label %s "
			    "is currently attached to version %s, so you must explicitly "
			    "reference that version in RemoveFromVersionId.",
			    label, holder);
		goto done;
	}
	if (!to && strcmp(label, "AWSCURRENT") == 0) {
		aws_err_set(err, 400, "InvalidParameterException",
			    "You can only move staging label AWSCURRENT to a different secret "
			    "version. It can't be completely removed.");
		goto done;
	}
	if (to)
		stage_move(c, account, s.name, to, label);
	else
		stage_remove(c, account, s.name, label);
	drop_deprecated(c, account, s.name);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "ARN", s.arn);
	cJSON_AddStringToObject(out, "Name", s.name);
done:
	cloud_db_exec(c->db, out ? "COMMIT" : "ROLLBACK");
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

static cJSON *op_random_password(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, NULL, err))
		return NULL;
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static const char digits[] = "0123456789";
	static const char punct[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
	const char *exclude = str(in, "ExcludeCharacters");
	const cJSON *pl = cJSON_GetObjectItemCaseSensitive(in, "PasswordLength");
	long length = cJSON_IsNumber(pl) ? (long)pl->valuedouble : 32;
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(in, "RequireEachIncludedType");
	bool each = !cJSON_IsFalse(req);
	const char *sets[5];
	size_t nsets = 0;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "ExcludeLowercase")))
		sets[nsets++] = lower;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "ExcludeUppercase")))
		sets[nsets++] = upper;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "ExcludeNumbers")))
		sets[nsets++] = digits;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "ExcludePunctuation")))
		sets[nsets++] = punct;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "IncludeSpace")))
		sets[nsets++] = " ";
	/* Each set less the excluded characters. */
	char pools[5][64];
	size_t pn[5], total = 0, live = 0;
	for (size_t i = 0; i < nsets; i++) {
		pn[i] = 0;
		for (const char *p = sets[i]; *p; p++)
			if (!exclude || !strchr(exclude, *p))
				pools[i][pn[i]++] = *p;
		total += pn[i];
		live += pn[i] > 0;
	}
	if (total == 0 || (each && (long)live > length))
		return aws_err_set(err, 400, "InvalidParameterException",
				   "The password length and character requirements can't be met "
				   "with the characters that are left."),
		       NULL;
	char *pw = xmalloc((size_t)length + 1);
	for (;;) {
		unsigned char *rnd = xmalloc((size_t)length * 2);
		if (!random_fill(rnd, (size_t)length * 2)) {
			free(rnd);
			free(pw);
			return aws_err_set(err, 500, "InternalServiceError", "No randomness."),
			       NULL;
		}
		for (long i = 0; i < length; i++) {
			size_t k = ((size_t)rnd[2 * i] << 8 | rnd[2 * i + 1]) % total;
			for (size_t s = 0; s < nsets; s++) {
				if (k < pn[s]) {
					pw[i] = pools[s][k];
					break;
				}
				k -= pn[s];
			}
		}
		free(rnd);
		pw[length] = 0;
		bool ok = true;
		for (size_t s = 0; each && s < nsets; s++)
			ok = ok && (pn[s] == 0 || strpbrk(pw, pools[s]) != NULL ||
				    (pools[s][0] == ' ' && strchr(pw, ' ')));
		if (ok)
			break;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "RandomPassword", pw);
	memset(pw, 0, (size_t)length);
	free(pw);
	return out;
}

/* ---- Resource policies ---- */

static cJSON *op_put_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *doc = str(in, "ResourcePolicy");
	/* Validated as IAM validates a resource-based policy. */
	char msg[256];
	struct iam_policy *parsed =
		doc ? iam_policy_parse(doc, IAM_POLICY_RESOURCE, msg, sizeof(msg)) : NULL;
	bool valid = parsed != NULL;
	iam_policy_free(parsed);
	if (!valid)
		return aws_err_set(err, 400, "MalformedPolicyDocumentException",
				   "This resource policy contains a syntax error."),
		       NULL;
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (find_live(c, call->caller->account, str(in, "SecretId"), &s, err)) {
		exec3(c, "UPDATE sm_secrets SET policy=?3 WHERE account=?1 AND name=?2",
		      call->caller->account, s.name, doc);
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "ARN", s.arn);
		cJSON_AddStringToObject(out, "Name", s.name);
	}
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

static cJSON *op_get_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (find_secret(c, call->caller->account, str(in, "SecretId"), &s, err)) {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "ARN", s.arn);
		cJSON_AddStringToObject(out, "Name", s.name);
		if (s.policy)
			cJSON_AddStringToObject(out, "ResourcePolicy", s.policy);
	}
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

static cJSON *op_delete_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (find_live(c, call->caller->account, str(in, "SecretId"), &s, err)) {
		exec3(c, "UPDATE sm_secrets SET policy=NULL WHERE account=?1 AND name=?2",
		      call->caller->account, s.name, NULL);
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "ARN", s.arn);
		cJSON_AddStringToObject(out, "Name", s.name);
	}
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

/* ---- Rotation ---- */

/* The next rotation after from_ms by rules (a RotationRules object), or -1. */
static int64_t next_rotation(const cJSON *rules, int64_t from_ms)
{
	const cJSON *days = cJSON_GetObjectItemCaseSensitive(rules, "AutomaticallyAfterDays");
	const char *expr = str(rules, "ScheduleExpression");
	if (cJSON_IsNumber(days))
		return from_ms + (int64_t)days->valuedouble * DAY_MS;
	if (!expr)
		return -1;
	char why[256];
	struct schedule *s = schedule_parse(expr, false, why, sizeof(why));
	if (!s)
		return -1;
	/* A rate's windows start at midnight UTC. */
	int64_t next = schedule_next(s, NULL, from_ms / DAY_MS * DAY_MS, from_ms);
	schedule_free(s);
	return next;
}

/* Check RotationRules as RotateSecret does. */
static bool rules_valid(const cJSON *rules, struct aws_err *err)
{
	if (!rules)
		return true;
	const cJSON *days = cJSON_GetObjectItemCaseSensitive(rules, "AutomaticallyAfterDays");
	const char *expr = str(rules, "ScheduleExpression");
	if (days && expr)
		return aws_err_set(err, 400, "InvalidParameterException",
				   "You can't specify both AutomaticallyAfterDays and "
				   "ScheduleExpression.");
	if (cJSON_IsNumber(days) && (days->valuedouble < 1 || days->valuedouble > 1000))
		return aws_err_set(err, 400, "InvalidParameterException",
				   "AutomaticallyAfterDays must be between 1 and 1000.");
	if (expr) {
		char why[256];
		struct schedule *s = schedule_parse(expr, false, why, sizeof(why));
		if (!s)
			return aws_err_set(err, 400, "InvalidParameterException",
					   "Invalid ScheduleExpression: %s", why);
		int64_t period = schedule_period_ms(s);
		schedule_free(s);
		if (period && period < 4 * 3600 * 1000LL)
			return aws_err_set(err, 400, "InvalidParameterException",
					   "The rotation schedule is too frequent: you can rotate "
					   "a secret at most every four hours.");
	}
	return true;
}

/* Add the AWSPENDING placeholder token and queue the rotation now. Database locked. */
static bool rotation_queue(struct cloud *c, const char *account, const char *name,
			   const char *token)
{
	bool filled;
	if (!version_exists(c, account, name, token, &filled)) {
		if (!version_insert(c, account, name, token, NULL, false, NULL))
			return false;
		stage_move(c, account, name, token, "AWSPENDING");
	}
	sqlite3_stmt *st = db_prep(c->db, "UPDATE sm_secrets SET rot_token=?, rot_due_ms=? WHERE"
					  " account=? AND name=?");
	bind(st, 1, token);
	sqlite3_bind_int64(st, 2, now_ms(c, account));
	bind(st, 3, account);
	bind(st, 4, name);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

/* The version AWSPENDING is on when it is not also AWSCURRENT (an unfinished rotation). */
static bool unfinished(struct cloud *c, const char *account, const char *name, char id[65])
{
	char cur[65] = "";
	if (!stage_holder(c, account, name, "AWSPENDING", id))
		return false;
	return !stage_holder(c, account, name, "AWSCURRENT", cur) || strcmp(cur, id) != 0;
}

static cJSON *op_rotate(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(in, "RotationRules");
	if (!rules_valid(rules, err))
		return NULL;
	const cJSON *ri = cJSON_GetObjectItemCaseSensitive(in, "RotateImmediately");
	bool now = !cJSON_IsFalse(ri);
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	bool found = find_live(c, account, str(in, "SecretId"), &s, err);
	pthread_mutex_unlock(&c->db->mu);
	if (!found)
		return NULL;
	const char *fn = str(in, "RotationLambdaARN");
	if (!fn)
		fn = s.rot_lambda;
	if (!fn) {
		aws_err_set(err, 400, "InvalidRequestException",
			    "No Lambda rotation function ARN is associated with this secret.");
		goto out;
	}
	/* Secrets Manager needs the function's policy to let it invoke the function. */
	struct svc_caller by;
	svc_caller_service(&by, account, PRINCIPAL, s.arn);
	struct aws_err e = { 0 };
	bool reachable = deliver_check(c, &by, fn, &e);
	aws_err_release(&e);
	if (!reachable) {
		aws_err_set(err, 400, "AccessDeniedException",
			    "Secrets Manager cannot invoke the specified Lambda function. Ensure "
			    "that the function policy grants access to the principal "
			    "secretsmanager.amazonaws.com.");
		goto out;
	}
	char *rules_text = rules ? cJSON_PrintUnformatted(rules) : NULL;
	cJSON *stored = rules ? NULL : cJSON_Parse(s.rot_rules ? s.rot_rules : "null");
	int64_t t = now_ms(c, account);
	int64_t next = next_rotation(rules ? rules : stored, t);
	cJSON_Delete(stored);
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	sqlite3_stmt *st =
		db_prep(c->db, "UPDATE sm_secrets SET rot_lambda=?, rot_rules=coalesce(?,"
			       " rot_rules), rot_enabled=1, next_rot_ms=? WHERE account=? AND"
			       " name=?");
	bind(st, 1, fn);
	bind(st, 2, rules_text);
	if (next >= 0)
		sqlite3_bind_int64(st, 3, next);
	else
		sqlite3_bind_null(st, 3);
	bind(st, 4, account);
	bind(st, 5, s.name);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	free(rules_text);
	char pending[65];
	if (ok && unfinished(c, account, s.name, pending)) {
		rotation_queue(c, account, s.name, pending);
		aws_err_set(err, 400, "InvalidRequestException",
			    "A previous rotation isn't complete. That rotation will be "
			    "reattempted.");
		cloud_db_exec(c->db, "COMMIT");
		pthread_mutex_unlock(&c->db->mu);
		schedule_ticker_poke(c->secrets_ticker);
		goto out;
	}
	char token[65];
	const char *given = str(in, "ClientRequestToken");
	if (given)
		snprintf(token, sizeof(token), "%s", given);
	else
		aws_uuid(token);
	if (ok && now)
		ok = rotation_queue(c, account, s.name, token);
	cloud_db_exec(c->db, ok ? "COMMIT" : "ROLLBACK");
	pthread_mutex_unlock(&c->db->mu);
	if (!ok) {
		aws_err_set(err, 500, "InternalServiceError",
			    "The rotation could not be recorded.");
		goto out;
	}
	schedule_ticker_poke(c->secrets_ticker);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "ARN", s.arn);
	cJSON_AddStringToObject(out, "Name", s.name);
	if (now)
		cJSON_AddStringToObject(out, "VersionId", token);
out:
	secret_release(&s);
	return out;
}

static cJSON *op_cancel_rotate(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "SecretId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	struct secret s = { 0 };
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (find_live(c, call->caller->account, str(in, "SecretId"), &s, err)) {
		exec3(c,
		      "UPDATE sm_secrets SET rot_enabled=0, next_rot_ms=NULL, rot_due_ms=NULL,"
		      " rot_token=NULL WHERE account=?1 AND name=?2",
		      call->caller->account, s.name, NULL);
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "ARN", s.arn);
		cJSON_AddStringToObject(out, "Name", s.name);
	}
	pthread_mutex_unlock(&c->db->mu);
	secret_release(&s);
	return out;
}

/* One rotation the ticker runs. */
struct job {
	char account[13];
	char *name, *arn, *fn, *token;
	bool ok;
};

/* Invoke the rotation function for each step, stopping at the first that fails. */
static void job_run(struct cloud *c, struct job *j)
{
	static const char *const steps[] = { "createSecret", "setSecret", "testSecret",
					     "finishSecret" };
	struct svc_caller by;
	svc_caller_service(&by, j->account, PRINCIPAL, j->arn);
	j->ok = true;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && j->ok; i++) {
		cJSON *ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "SecretId", j->arn);
		cJSON_AddStringToObject(ev, "ClientRequestToken", j->token);
		cJSON_AddStringToObject(ev, "Step", steps[i]);
		char *payload = cJSON_PrintUnformatted(ev);
		cJSON_Delete(ev);
		struct deliver_msg m = { .payload = payload,
					 .len = strlen(payload),
					 .sync = true,
					 .timeout_ms = STEP_WAIT_MS };
		struct deliver_result r;
		struct aws_err e = { 0 };
		if (deliver(c, &by, j->fn, &m, NULL, &r, &e)) {
			j->ok = !r.function_error && !r.timed_out;
			if (!j->ok)
				fprintf(stderr,
					"lambda-tutor: secretsmanager: %s: rotation step %s "
					"failed: %.*s\n",
					j->name, steps[i],
					(int)(r.body_len > 300 ? 300 : r.body_len),
					r.body ? r.body : "");
			deliver_result_release(&r);
		} else {
			j->ok = false;
			fprintf(stderr, "lambda-tutor: secretsmanager: %s: rotation step %s: %s\n",
				j->name, steps[i], e.message);
		}
		aws_err_release(&e);
		free(payload);
	}
}

/* After a rotation: success when the token's version is AWSCURRENT. Database locked. */
static void job_settle(struct cloud *c, struct job *j)
{
	char cur[65] = "";
	bool done = j->ok && stage_holder(c, j->account, j->name, "AWSCURRENT", cur) &&
		    strcmp(cur, j->token) == 0;
	struct secret s = { 0 };
	struct aws_err e = { 0 };
	if (!find_secret(c, j->account, j->name, &s, &e)) {
		aws_err_release(&e);
		return;
	}
	cJSON *rules = cJSON_Parse(s.rot_rules ? s.rot_rules : "null");
	int64_t now = now_ms(c, j->account);
	int64_t next = next_rotation(rules, now);
	cJSON_Delete(rules);
	sqlite3_stmt *st =
		db_prep(c->db, "UPDATE sm_secrets SET rot_token=CASE WHEN ? THEN NULL ELSE"
			       " rot_token END, last_rotated=CASE WHEN ? THEN ? ELSE"
			       " last_rotated END, next_rot_ms=? WHERE account=? AND name=?");
	sqlite3_bind_int(st, 1, done);
	sqlite3_bind_int(st, 2, done);
	sqlite3_bind_double(st, 3, (double)now / 1000.0);
	if (next >= 0 && s.rot_enabled)
		sqlite3_bind_int64(st, 4, next);
	else
		sqlite3_bind_null(st, 4);
	bind(st, 5, j->account);
	bind(st, 6, j->name);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!done)
		fprintf(stderr,
			"lambda-tutor: secretsmanager: %s: rotation %s did not finish; AWSPENDING "
			"stays on it\n",
			j->name, j->token);
	secret_release(&s);
}

/* Queue the scheduled rotations that are due (on each account's clock). Database locked. */
static void queue_scheduled(struct cloud *c, int64_t base_now)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT account, name, rot_token FROM sm_secrets WHERE"
			       " rot_enabled=1 AND deleted IS NULL AND rot_due_ms IS NULL AND"
			       " next_rot_ms IS NOT NULL AND next_rot_ms <= ? +"
			       " vclock_offset(account) LIMIT 64");
	sqlite3_bind_int64(st, 1, base_now);
	struct {
		char account[13];
		char *name, *token;
	} due[64];
	size_t n = 0;
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(due[n].account, sizeof(due[n].account), "%s", db_col(st, 0));
		due[n].name = xstrdup(db_col(st, 1));
		due[n].token = dup_col(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		char token[65], pending[65];
		if (unfinished(c, due[i].account, due[i].name, pending))
			snprintf(token, sizeof(token), "%s", pending);
		else
			aws_uuid(token);
		if (!rotation_queue(c, due[i].account, due[i].name, token))
			exec3(c,
			      "UPDATE sm_secrets SET next_rot_ms=NULL WHERE account=?1 AND"
			      " name=?2",
			      due[i].account, due[i].name, NULL);
		free(due[i].name);
		free(due[i].token);
	}
}

static int64_t next_due(struct cloud *c)
{
	sqlite3_stmt *st = db_prep(
		c->db,
		"SELECT min(t) FROM (SELECT min(rot_due_ms - vclock_offset(account)) AS t FROM"
		" sm_secrets WHERE rot_due_ms IS NOT NULL UNION ALL SELECT min(next_rot_ms -"
		" vclock_offset(account)) FROM sm_secrets WHERE rot_enabled=1 AND deleted IS"
		" NULL AND rot_due_ms IS NULL UNION ALL SELECT min(delete_at_ms -"
		" vclock_offset(account)) FROM sm_secrets WHERE delete_at_ms IS NOT NULL)");
	int64_t due = -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		due = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return due;
}

static int64_t tick(void *arg, int64_t now)
{
	struct cloud *c = arg;
	struct job jobs[JOBS_PER_TICK];
	size_t n = 0;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	/* Recovery windows that have ended. */
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT DISTINCT account FROM sm_secrets WHERE delete_at_ms"
			       " <= ? + vclock_offset(account)");
	sqlite3_bind_int64(st, 1, now);
	char accounts[16][13];
	size_t na = 0;
	while (na < 16 && sqlite3_step(st) == SQLITE_ROW)
		snprintf(accounts[na++], 13, "%s", db_col(st, 0));
	sqlite3_finalize(st);
	for (size_t i = 0; i < na; i++)
		sweep(c, accounts[i]);
	queue_scheduled(c, now);
	st = db_prep(c->db,
		     "SELECT account, name, arn, rot_lambda, rot_token FROM sm_secrets WHERE"
		     " rot_due_ms IS NOT NULL AND rot_due_ms <= ? + vclock_offset(account) AND"
		     " rot_lambda IS NOT NULL AND rot_token IS NOT NULL LIMIT ?");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, JOBS_PER_TICK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct job *j = &jobs[n++];
		snprintf(j->account, sizeof(j->account), "%s", db_col(st, 0));
		j->name = xstrdup(db_col(st, 1));
		j->arn = xstrdup(db_col(st, 2));
		j->fn = xstrdup(db_col(st, 3));
		j->token = xstrdup(db_col(st, 4));
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++)
		exec3(c, "UPDATE sm_secrets SET rot_due_ms=NULL WHERE account=?1 AND name=?2",
		      jobs[i].account, jobs[i].name, NULL);
	/* A job that lost its function or token is dropped. */
	cloud_db_exec(c->db, "UPDATE sm_secrets SET rot_due_ms=NULL WHERE rot_due_ms IS NOT NULL"
			     " AND (rot_lambda IS NULL OR rot_token IS NULL)");
	cloud_db_exec(c->db, "COMMIT");
	pthread_mutex_unlock(&c->db->mu);
	for (size_t i = 0; i < n; i++)
		job_run(c, &jobs[i]);
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < n; i++) {
		job_settle(c, &jobs[i]);
		free(jobs[i].name);
		free(jobs[i].arn);
		free(jobs[i].fn);
		free(jobs[i].token);
	}
	int64_t due = next_due(c);
	pthread_mutex_unlock(&c->db->mu);
	/* A step of one account's clock does not wake the ticker (it waits on the base clock):
	 * while anything is due at all, look again every virtual second. */
	if (due > now + 1000)
		due = now + 1000;
	return n == JOBS_PER_TICK ? now : due;
}

/* ---- The service ---- */

static bool run(struct cloud *c, struct error *err)
{
	c->secrets_ticker = schedule_ticker_start(c->vclock, tick, c, err);
	return c->secrets_ticker != NULL;
}

static void stop(struct cloud *c)
{
	schedule_ticker_free(c->secrets_ticker);
	c->secrets_ticker = NULL;
}

static void reset(struct cloud *c, const char *account)
{
	static const char *const sqls[] = { "DELETE FROM sm_tags WHERE account=?1",
					    "DELETE FROM sm_versions WHERE account=?1",
					    "DELETE FROM sm_secrets WHERE account=?1" };
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++)
		exec3(c, sqls[i], account, NULL, NULL);
	pthread_mutex_unlock(&c->db->mu);
}

static const struct svc_op ops[] = {
	/* sorted by name */
	{ "CancelRotateSecret", op_cancel_rotate },
	{ "CreateSecret", op_create },
	{ "DeleteResourcePolicy", op_delete_policy },
	{ "DeleteSecret", op_delete },
	{ "DescribeSecret", op_describe },
	{ "GetRandomPassword", op_random_password },
	{ "GetResourcePolicy", op_get_policy },
	{ "GetSecretValue", op_get_value },
	{ "ListSecretVersionIds", op_list_versions },
	{ "ListSecrets", op_list },
	{ "PutResourcePolicy", op_put_policy },
	{ "PutSecretValue", op_put_value },
	{ "RestoreSecret", op_restore },
	{ "RotateSecret", op_rotate },
	{ "TagResource", op_tag },
	{ "UntagResource", op_untag },
	{ "UpdateSecret", op_update },
	{ "UpdateSecretVersionStage", op_update_stage },
};

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const secretsmanager_members[] = {
	"CancelRotateSecret SecretId",
	"CreateSecret -AddReplicaRegions ClientRequestToken Description "
	"-ForceOverwriteReplicaSecret KmsKeyId Name SecretBinary SecretString Tags",
	"DeleteResourcePolicy SecretId",
	"DeleteSecret ForceDeleteWithoutRecovery RecoveryWindowInDays SecretId",
	"DescribeSecret SecretId",
	"GetRandomPassword ExcludeCharacters ExcludeLowercase ExcludeNumbers "
	"ExcludePunctuation ExcludeUppercase IncludeSpace PasswordLength "
	"RequireEachIncludedType",
	"GetResourcePolicy SecretId",
	"GetSecretValue SecretId VersionId VersionStage",
	"ListSecretVersionIds IncludeDeprecated MaxResults NextToken SecretId",
	"ListSecrets Filters IncludePlannedDeletion MaxResults NextToken SortOrder",
	"PutResourcePolicy -BlockPublicPolicy ResourcePolicy SecretId",
	"PutSecretValue ClientRequestToken -RotationToken SecretBinary SecretId SecretString "
	"VersionStages",
	"RestoreSecret SecretId",
	"RotateSecret ClientRequestToken RotateImmediately RotationLambdaARN RotationRules "
	"SecretId",
	"TagResource SecretId Tags",
	"UntagResource SecretId TagKeys",
	"UpdateSecret ClientRequestToken Description KmsKeyId SecretBinary SecretId "
	"SecretString",
	"UpdateSecretVersionStage MoveToVersionId RemoveFromVersionId SecretId VersionStage",
	NULL,
};

const struct cloud_service secretsmanager_service = {
	.name = "secretsmanager",
	.model = "secretsmanager-2017-10-17",
	.title = "AWS Secrets Manager",
	.target = "secretsmanager",
	.run = run,
	.stop = stop,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = secretsmanager_members,
};
