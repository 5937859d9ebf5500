/*
 * A client of the local cloud's Lambda REST API, speaking it as the AWS CLI does: JSON bodies,
 * every request signed with SigV4 by the account's key pair, Invoke with X-Amz-Log-Type:
 * Tail. One connection is kept alive across calls. A control client speaks the tutor's own
 * paths (/_tutor/...) on the workspace's control socket, unsigned.
 */
#ifndef AWS_CLIENT_H
#define AWS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct cJSON;
struct lambda_client;

struct lambda_reply {
	long status; /* HTTP status; 0 when the cloud could not be reached */
	char *body;  /* caller frees via client_reply_release() */
	size_t len;
	char *function_error; /* X-Amz-Function-Error */
	char *log;            /* X-Amz-Log-Result, decoded */
	char *request_id;     /* x-amzn-RequestId */
};

void client_reply_release(struct lambda_reply *r);
/* "Function not found: ..." from an AWS error body, or the status. Caller frees. */
char *client_reply_error(const struct lambda_reply *r);

/*
 * Make every wait of this thread's calls give up once *flag is non-zero (NULL: never): the
 * call then fails as if the cloud had not answered. For a check that is cancelled.
 */
void client_cancel_on(const volatile int *flag);

/* A client for endpoint signing with access_key and secret. Free with client_free(). */
struct lambda_client *client_new(const char *endpoint, const char *access_key, const char *secret);
/* A client of the control socket at socket_path. Free with client_free(). */
struct lambda_client *client_new_control(const char *socket_path);
void client_free(struct lambda_client *c);

/*
 * CreateFunction with a zip package. arch is "x86_64" or "arm64" (NULL: Lambda's default,
 * x86_64); env_json NULL sets no variables.
 */
bool client_create_function(struct lambda_client *c, const char *name, const char *runtime,
			    const char *handler, const char *arch, int memory, int timeout,
			    const char *env_json, const void *zip, size_t zip_len,
			    struct lambda_reply *out);
bool client_get_configuration(struct lambda_client *c, const char *name, struct lambda_reply *out);
bool client_invoke(struct lambda_client *c, const char *name, const char *payload,
		   struct lambda_reply *out);
/* Invoke with InvocationType Event: true on 202 Accepted. */
bool client_invoke_event(struct lambda_client *c, const char *name, const char *payload,
			 struct lambda_reply *out);
/*
 * Any request of the cloud's APIs (S3, SQS, the tutor's own paths): path is everything after
 * the endpoint; content_type NULL is application/json; headers NULL-terminated "Name: value"
 * lines. True on a 2xx answer.
 */
bool client_request(struct lambda_client *c, const char *method, const char *path,
		    const char *content_type, const char *const *headers, const void *body,
		    size_t len, struct lambda_reply *out);
/* Percent-encode s for a URL path (keep_slash: an S3 key) or query. Caller frees. */
char *client_escape(const char *s, bool keep_slash);
bool client_delete_function(struct lambda_client *c, const char *name, struct lambda_reply *out);

/* ListFunctions (one page of up to 50). */
bool client_list_functions(struct lambda_client *c, struct lambda_reply *out);
/*
 * UpdateFunctionConfiguration with the fields given: memory or timeout 0 and env_json NULL
 * leave those unchanged; env_json "{}" removes every variable.
 */
bool client_update_configuration(struct lambda_client *c, const char *name, int memory, int timeout,
				 const char *env_json, struct lambda_reply *out);
/* UpdateFunctionCode with a zip package. */
bool client_update_code(struct lambda_client *c, const char *name, const void *zip, size_t zip_len,
			struct lambda_reply *out);
/* GetFunction: the configuration and Code.Location, a URL the package can be fetched from. */
bool client_get_function(struct lambda_client *c, const char *name, struct lambda_reply *out);
/* GET an absolute URL of the cloud (a Code.Location) into out->body. */
bool client_fetch(struct lambda_client *c, const char *url, struct lambda_reply *out);

/*
 * A query-protocol call (IAM, STS): form the url-encoded body ("Action=...&Version=..."),
 * signed for service ("iam"). True on a 2xx answer; out->body is the XML.
 */
bool client_query(struct lambda_client *c, const char *service, const char *form,
		  struct lambda_reply *out);
/*
 * A CloudWatch Logs call (JSON protocol): action such as "FilterLogEvents", body the JSON
 * request. True on a 200 answer.
 */
bool client_logs(struct lambda_client *c, const char *action, const char *body,
		 struct lambda_reply *out);
/*
 * A CloudWatch call (JSON 1.0 protocol): action such as "GetMetricData", body the JSON request.
 * True on a 200 answer.
 */
bool client_cloudwatch(struct lambda_client *c, const char *action, const char *body,
		       struct lambda_reply *out);
/*
 * An X-Ray call (REST-JSON): path such as "/TraceSummaries" or "/Traces", body the JSON
 * request, POSTed and signed for xray. True on a 200 answer.
 */
bool client_xray(struct lambda_client *c, const char *path, const char *body,
		 struct lambda_reply *out);

/*
 * Zip every file under dir (hidden files and folders, __pycache__ and *.pyc left out) into
 * memory, keeping the Unix modes. NULL and err when the folder cannot be read or is over
 * Lambda's 50 MB zipped limit. Caller frees.
 */
void *package_zip(const char *dir, size_t *len, struct error *err);
/* The same without dir's top-level entry leave_out (a layer's folder beside the code). */
void *package_zip_without(const char *dir, const char *leave_out, size_t *len, struct error *err);

/*
 * Unpack a zip package into dir (created), refusing entries that would land outside it.
 * False and err on a malformed package.
 */
bool package_unzip(const void *zip, size_t len, const char *dir, struct error *err);

/* Base64 of data. Caller frees. */
char *client_base64_encode(const void *data, size_t len);
/* Decode base64 (whitespace not allowed). NULL when malformed. Caller frees. */
char *client_base64_decode(const char *in, size_t *len);

#endif
