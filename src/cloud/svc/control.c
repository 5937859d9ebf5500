/*
 * The tutor's own controls, under /_tutor/ (not AWS APIs), served on the workspace's control
 * socket only (svc_route_control()): health, emptying an account of every service, fresh
 * accounts with their key pairs, each account's virtual clock, and settling (waiting for an
 * account's work to be done). Each acts for the account the request names (?account=ID), else
 * for the learner's. Services add their own controls as doors of their rows (Lambda's
 * /_tutor/code/ and /_tutor/metrics, SNS's /_tutor/mailbox).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud/auth/auth.h"
#include "cloud/clock/vclock.h"
#include "cloud/cloud.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/sandbox.h"
#include "cloud/lambda/zygote.h"
#include "cloud/settle.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"

static void not_found(struct svc_call *call, struct http_resp *resp)
{
	aws_error(resp, 404, "UnknownOperationException", "Unknown tutor path %s",
		  call->http->path);
}

static void reply(struct http_resp *resp, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	strbuf_addstr(&resp->body, text);
	free(text);
}

static void health(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	struct cloud *c = call->cloud;
	if (rest[0]) {
		not_found(call, resp);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "running");
	cJSON_AddNumberToObject(o, "pid", (double)getpid());
	cJSON_AddNumberToObject(o, "port", c->port);
	cJSON_AddStringToObject(o, "workspace", c->workspace);
	cJSON_AddStringToObject(o, "account", call->caller->account);
	cJSON_AddStringToObject(o, "memoryLimits", c->cg_mem ? "cgroup" : "watchdog");
	cJSON_AddStringToObject(o, "cpuShare", c->cg_cpu ? "cgroup" : "duty-cycle");
	cJSON_AddStringToObject(o, "taskRoot",
				sandbox_private_root(c->sandbox) ? "/var/task" : "workspace");
	sandbox_describe(c->sandbox, o);
	pthread_mutex_lock(&c->mu);
	cJSON_AddNumberToObject(o, "functions", (double)c->functions.len);
	cJSON_AddNumberToObject(o, "environments", (double)c->envs.len);
	bool zygote_died = zygote_describe(c->zygote, o);
	pthread_mutex_unlock(&c->mu);
	if (zygote_died)
		cloud_wake(c); /* its loop starts another, with no request waiting for it */
	struct cloud_disk d;
	cloud_disk_usage(c, &d);
	cJSON *disk = cJSON_AddObjectToObject(o, "disk");
	cJSON_AddNumberToObject(disk, "bytes", (double)d.total);
	cJSON_AddNumberToObject(disk, "databaseBytes", (double)d.database);
	cJSON_AddNumberToObject(disk, "codeBytes", (double)d.code);
	cJSON_AddNumberToObject(disk, "objectBytes", (double)d.objects);
	cJSON_AddNumberToObject(disk, "logBytes", (double)d.logs);
	cJSON_AddNumberToObject(disk, "logBytesLimit", (double)d.logs_cap);
	cJSON *services = cJSON_AddArrayToObject(o, "services");
	for (size_t i = 0; i < svc_table_len; i++)
		if (svc_table[i]->name[0] != '_')
			cJSON_AddItemToArray(services, cJSON_CreateString(svc_table[i]->name));
	reply(resp, o);
}

/* POST /_tutor/reset[?account=ID]: every service forgets the account. */
static void reset(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	if (rest[0] || strcmp(call->http->method, "POST") != 0) {
		not_found(call, resp);
		return;
	}
	const char *which = http_query(call->http, "account");
	const char *acct = which && which[0] ? which : call->caller->account;
	bool digits = strlen(acct) == 12;
	for (size_t i = 0; digits && i < 12; i++)
		digits = acct[i] >= '0' && acct[i] <= '9';
	if (!digits) {
		aws_error(resp, 400, "InvalidParameterValueException", "account must be 12 digits");
		return;
	}
	svc_reset_account(call->cloud, acct);
	vclock_forget(call->cloud->vclock, acct);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "reset", acct);
	reply(resp, o);
}

/*
 * POST /_tutor/accounts: a fresh account and its key pair (a check's, a self-test's).
 * DELETE /_tutor/accounts/ID: empty it in every service and forget its keys and its clock.
 */
static void accounts(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	struct cloud *c = call->cloud;
	const char *method = call->http->method;
	if (!rest[0] && strcmp(method, "POST") == 0) {
		struct auth_creds k;
		auth_account_new(c->auth, &k);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Account", k.account);
		cJSON_AddStringToObject(o, "AccessKeyId", k.access_key);
		cJSON_AddStringToObject(o, "SecretAccessKey", k.secret);
		reply(resp, o);
		return;
	}
	const char *acct = rest[0] == '/' ? rest + 1 : "";
	bool digits = strlen(acct) == 12;
	for (size_t i = 0; digits && i < 12; i++)
		digits = acct[i] >= '0' && acct[i] <= '9';
	if (!digits || strcmp(method, "DELETE") != 0) {
		not_found(call, resp);
		return;
	}
	if (strcmp(acct, auth_learner_account(c->auth)) == 0) {
		aws_error(resp, 400, "InvalidParameterValueException",
			  "the learner's account is reset (POST /_tutor/reset), not deleted");
		return;
	}
	svc_reset_account(c, acct);
	vclock_forget(c->vclock, acct);
	auth_account_forget(c->auth, acct);
	resp->status = 204;
}

/*
 * /_tutor/clock[/now] reads the account's virtual clock; POST /_tutor/clock/advance?seconds=N
 * moves it, and no other account's.
 */
static void clock_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const struct http_req *req = call->http;
	if (rest[0] == '/')
		rest++;
	if (strcmp(rest, "advance") == 0 && strcmp(req->method, "POST") == 0) {
		const char *s = http_query(req, "seconds");
		char *end = NULL;
		double secs = s ? strtod(s, &end) : -1;
		if (!s || !s[0] || *end || secs < 0 || secs > 1e9) {
			aws_error(resp, 400, "InvalidParameterValueException",
				  "seconds must be a number of seconds >= 0");
			return;
		}
		vclock_advance(c->vclock, account, (int64_t)(secs * 1000.0));
	} else if (strcmp(rest, "") != 0 && strcmp(rest, "now") != 0) {
		not_found(call, resp);
		return;
	}
	char iso[32];
	int64_t now = vclock_now_ms(c->vclock, account);
	aws_time_iso(now, iso);
	strbuf_addf(
		&resp->body,
		"{\"account\":\"%s\",\"now\":%lld,\"iso\":\"%s\",\"scale\":%g,\"aheadMs\":%lld}",
		account, (long long)now, iso, vclock_scale(c->vclock),
		(long long)vclock_offset_ms(c->vclock, account));
}

/* POST /_tutor/settle: wait until the account's work is done (cloud/settle.c). */
static void settle_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	if (rest[0]) {
		not_found(call, resp);
		return;
	}
	settle_api(call->cloud, call->caller->account, call->http, resp);
}

static void unknown(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	not_found(call, resp);
}

static const struct svc_door doors[] = {
	{ .prefix = "/_tutor/health", .control = true, .serve = health },
	{ .prefix = "/_tutor/reset", .control = true, .serve = reset },
	{ .prefix = "/_tutor/clock", .control = true, .serve = clock_door },
	{ .prefix = "/_tutor/accounts", .control = true, .serve = accounts },
	{ .prefix = "/_tutor/settle", .control = true, .serve = settle_door },
	{ .prefix = "/_tutor/", .control = true, .serve = unknown },
};

const struct cloud_service tutor_service = {
	.name = "_tutor",
	.model = "_tutor",
	.title = "the tutor's controls",
	.doors = doors,
	.ndoors = sizeof(doors) / sizeof(doors[0]),
};
