/*
 * The cost of checking a request's SigV4 signature (auth_verify(), as the cloud's router
 * calls it), beside the cost of the request's whole round trip on the same machine: a signed
 * Lambda GetAccountSettings from the checker's HTTP client to a real cloud on loopback, kept
 * alive. Prints microseconds per request, of CPU time (steadier than wall time on a machine
 * shared with other work) and of wall time; bench/sigv4.sh runs it beside botocore's signer.
 *
 *	bench-sigv4-verify [N [verify]]      (verify: the verification alone, no cloud)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/locate.h"
#include "cloud/auth/auth.h"
#include "cloud/cloud.h"
#include "cloud/http/server.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/sigv4.h"
#include "core/xalloc.h"

/* CPU time of the whole process, in microseconds. */
static int64_t cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define KEY    "AKIABENCHMARKKEY0000"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* A request as the AWS CLI sends ListFunctions, signed now; headers into hs (8). */
static size_t sign_request(struct sigv4_header *hs, char amz_date[17], char **auth,
			   const char *body_hash)
{
	sigv4_format_time((long long)time(NULL), amz_date);
	size_t n = 0;
	hs[n++] = (struct sigv4_header){ "Host", "127.0.0.1:4566" };
	hs[n++] = (struct sigv4_header){ "User-Agent", "aws-cli/2.9.19 Python/3.11.2" };
	hs[n++] = (struct sigv4_header){ "X-Amz-Date", amz_date };
	hs[n++] = (struct sigv4_header){ "Content-Type", "application/json" };
	struct sigv4_input in = {
		.method = "POST",
		.path = "/2015-03-31/functions/bench/invocations",
		.query = "",
		.headers = hs,
		.n_headers = n,
		.signed_headers = "content-type;host;x-amz-date",
		.payload_hash = body_hash,
	};
	*auth = sigv4_authorization(&in, KEY, SECRET, amz_date, "us-east-1", "lambda");
	hs[n++] = (struct sigv4_header){ "Authorization", *auth };
	return n;
}

/* Microseconds per auth_verify() of a request with a body of len bytes. */
static double verify_cost(struct auth *a, size_t len, int n, bool fresh_key)
{
	char *body = xmalloc(len + 1);
	memset(body, '{', len);
	body[len] = '\0';
	char hash[SHA256_HEX_LEN + 1];
	sha256_hex(body, len, hash);
	struct sigv4_header hs[8];
	char amz_date[17], *auth = NULL;
	size_t nh = sign_request(hs, amz_date, &auth, hash);
	struct http_req req = {
		.method = "POST",
		.path = "/2015-03-31/functions/bench/invocations",
		.raw_path = "/2015-03-31/functions/bench/invocations",
		.raw_query = "",
		.body = body,
		.body_len = len,
		/* The server hashes a body as it arrives; a verification that must hash it
		 * itself (none here) would pay for that too. */
		.body_sha256 = "",
		.fake_headers = hs,
		.n_fake_headers = nh,
	};
	struct svc_caller caller;
	struct aws_err err;
	int64_t t0 = cpu_us();
	for (int i = 0; i < n; i++) {
		if (fresh_key) {
			/* A key seen for the first time today derives its signing key. */
			auth_account_forget(a, "111122223333");
			auth_add_key(a, "111122223333", KEY, SECRET);
		}
		if (!auth_verify(a, &req, "lambda", &caller, &err)) {
			fprintf(stderr, "bench: verification failed: %s %s\n", err.code,
				err.message);
			exit(1);
		}
	}
	double us = (double)(cpu_us() - t0) / n;
	free(auth);
	free(body);
	return us;
}

/* Microseconds per signed GetAccountSettings round trip to a real cloud: wall time, and in
 * *cpu the CPU time of this process (the client and the cloud's threads both). */
static double round_trip(int n, double *cpu)
{
	char tmpl[] = "/tmp/lt-bench-sigv4.XXXXXX";
	char *ws = mkdtemp(tmpl);
	struct error err;
	struct cloud_config cfg = { .workspace = ws, .port = -1, .quiet = true };
	struct cloud *c = ws ? cloud_open(&cfg, &err) : NULL;
	if (!c) {
		fprintf(stderr, "bench: cannot start a cloud: %s\n", ws ? err.msg : "no temp dir");
		exit(1);
	}
	struct cloud_keys keys;
	if (!cloud_learner_keys(ws, &keys, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	struct lambda_client *cl = client_new(cloud_endpoint(c), keys.access_key, keys.secret);
	struct lambda_reply rep;
	client_request(cl, "GET", "/2016-08-19/account-settings/", NULL, NULL, NULL, 0, &rep);
	client_reply_release(&rep);
	int64_t t0 = clock_mono_us(), c0 = cpu_us();
	for (int i = 0; i < n; i++) {
		if (!client_request(cl, "GET", "/2016-08-19/account-settings/", NULL, NULL, NULL, 0,
				    &rep)) {
			fprintf(stderr, "bench: GetAccountSettings failed: %ld %s\n", rep.status,
				rep.body ? rep.body : "");
			exit(1);
		}
		client_reply_release(&rep);
	}
	double us = (double)(clock_mono_us() - t0) / n;
	*cpu = (double)(cpu_us() - c0) / n;
	client_free(cl);
	cloud_close(c);
	char *cmd = xasprintf("rm -rf '%s'", ws);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: cannot remove %s\n", ws);
	free(cmd);
	return us;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	if (n < 10)
		n = 10;
	struct error err;
	struct auth *a = auth_new(NULL, NULL, &err);
	auth_add_key(a, "111122223333", KEY, SECRET);
	verify_cost(a, 0, n / 10, false); /* warm up */
	double empty = verify_cost(a, 0, n, false);
	double small = verify_cost(a, 200, n, false);
	double fresh = verify_cost(a, 200, n / 10, true);
	auth_free(a);
	printf("verify_empty_us %.2f\n", empty);
	printf("verify_200B_us %.2f\n", small);
	printf("verify_new_key_us %.2f\n", fresh);
	if (argc > 2 && strcmp(argv[2], "verify") == 0)
		return 0;
	double cpu = 0, trip = round_trip(n / 20 > 200 ? n / 20 : 200, &cpu);
	printf("round_trip_us %.1f\n", trip);
	printf("round_trip_cpu_us %.1f\n", cpu);
	return 0;
}
