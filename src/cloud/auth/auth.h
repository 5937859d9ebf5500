/*
 * Who sends a request to the cloud's AWS endpoint, proven as AWS proves it: every request is
 * signed with SigV4 (an Authorization header, or a presigned URL's X-Amz-* query), and the
 * signature is checked against the secret of its access key in the workspace's key table.
 * A request whose signature does not match, whose key is unknown, whose time is too far
 * from now or whose presigned URL has expired is refused with the error AWS answers, in the
 * protocol of the service it was sent to. Front doors (API Gateway stages, function URLs,
 * load balancers) are not AWS API calls and are not signed, except where their own auth type
 * asks for it (AWS_IAM).
 *
 * The key table holds, for each access key: its secret, its account, the principal it acts
 * as (arn:aws:iam::ACCOUNT:root for an account's own keys, an assumed-role session for a
 * function's), and for temporary keys the role, the session's name, the session token and
 * when it expires. The learner's pair is made once per workspace and kept 0600 in
 * <workspace>/.cloud/credentials (cloud_learner_keys()); a check's fresh account gets fresh
 * keys through the control plane; an execution environment gets a session of its
 * function's role (ASIA... keys with a token) for its own account only. Accounts' keys are
 * kept in the cloud's database; sessions live in memory, as long as the cloud.
 *
 * Thread-safe.
 */
#ifndef CLOUD_AUTH_AUTH_H
#define CLOUD_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/svc/svc.h"
#include "core/error.h"

struct auth;
struct cloud;
struct cloud_db;
struct http_req;
struct http_resp;
struct vclock;

/* How long a function's session lasts (Lambda does not document it; its role sessions run
 * for hours). */
#define AUTH_SESSION_SECONDS (12 * 3600)
/* How far a signed request's time may be from the cloud's, as AWS allows. */
#define AUTH_MAX_SKEW_SECONDS (15 * 60)
/* The longest a presigned URL may be valid, as SigV4 allows. */
#define AUTH_MAX_EXPIRES_SECONDS (7 * 24 * 3600)

/* A key pair, and for a session its token and expiry (epoch seconds). */
struct auth_creds {
	char account[13];
	char access_key[24];
	char secret[48];
	char token[192]; /* "" for an account's own keys */
	long long expires;
};

/*
 * A key table kept in db (NULL: in memory only, for tests), holding the learner's pair of
 * workspace (NULL: none) and no session that has expired. NULL with err on failure. Free
 * with auth_free().
 */
struct auth *auth_new(struct cloud_db *db, const char *workspace, struct error *err);
void auth_free(struct auth *a);
/*
 * Let STS's sessions (auth_key_new() with session) expire on their account's clock of vc, as a
 * learner stepping time expects; NULL: the wall clock. vc outlives its use here.
 */
void auth_set_clock(struct auth *a, struct vclock *vc);
/* Forget sessions past their expiry (the housekeeper calls it now and then). */
void auth_housekeep(struct auth *a);
/* The learner's account (the playground): 12 digits, "" without a workspace. Borrowed. */
const char *auth_learner_account(const struct auth *a);
/* Add a key to the table (tests): an account's own pair, principal its root. */
void auth_add_key(struct auth *a, const char *account, const char *access_key, const char *secret);

/* A fresh account, unused by anything, with a fresh root key pair (a check's). */
void auth_account_new(struct auth *a, struct auth_creds *out);
/* Forget every key of account (its own and its sessions'). */
void auth_account_forget(struct auth *a, const char *account);
/* When account was made, in seconds since the epoch (0 without a database). */
long long auth_account_created(struct auth *a, const char *account);
/*
 * A session of the role role_arn in account, named session (a function's name), for
 * seconds: the temporary credentials of an execution environment. Its principal is
 * arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
 */
void auth_session_new(struct auth *a, const char *account, const char *role_arn,
		      const char *session, int seconds, struct auth_creds *out);

/*
 * A key pair acting as the principal arn in account: an IAM user's (AKIA..., kept in the
 * database) or, with session, temporary credentials (ASIA... with a token, for seconds, in
 * memory): AssumeRole's and GetSessionToken's.
 */
void auth_key_new(struct auth *a, const char *account, const char *arn, bool session, int seconds,
		  struct auth_creds *out);
/* Forget one access key (DeleteAccessKey, UpdateAccessKey to Inactive): from then on it is
 * refused as a key AWS does not know, which is how AWS answers an inactive key. */
void auth_key_forget(struct auth *a, const char *access_key);
/* Take an IAM user's key pair back (UpdateAccessKey to Active), acting as arn in account. */
void auth_key_restore(struct auth *a, const char *account, const char *arn, const char *access_key,
		      const char *secret);

/*
 * Identify req's sender. service is the signing name of the service the request is for
 * ("s3", "sqs", "lambda", "logs"...): it chooses AWS's error codes for that service's
 * protocol. True with out filled; false with err filled (status, code, message and, for
 * S3, the extra members of its error), which the caller answers in the service's protocol
 * and releases (err->fields is cJSON, deleted by the caller).
 */
bool auth_verify(struct auth *a, const struct http_req *req, const char *service,
		 struct svc_caller *out, struct aws_err *err);
/* auth_verify() with the cloud's key table: the router's one call. */
bool auth_identify(struct cloud *c, const struct http_req *req, const char *service,
		   struct svc_caller *out, struct aws_err *err);
/* Whether caller is the cloud itself (a URL the cloud presigned: GetFunction's Code.Location). */
bool auth_is_cloud(const struct auth *a, const struct svc_caller *caller);
/*
 * The URL endpoint + path_and_query presigned by the cloud for GET, valid for seconds (as
 * GetFunction's Code.Location is an S3 URL presigned by Lambda). Caller frees.
 */
char *auth_presign_cloud(struct auth *a, const char *endpoint, const char *path_and_query,
			 int seconds);

/* The protocols an error is answered in. */
enum auth_protocol {
	AUTH_PROTO_QUERY,     /* <ErrorResponse> */
	AUTH_PROTO_JSON,      /* {"__type":...} */
	AUTH_PROTO_REST_JSON, /* x-amzn-ErrorType, {"message":...} */
	AUTH_PROTO_REST_XML,  /* S3's <Error> with its extra members */
};
/* Answer err in proto, replacing what resp held. */
void auth_error_write(enum auth_protocol proto, const struct aws_err *err, const char *request_id,
		      struct http_resp *resp);

#endif
