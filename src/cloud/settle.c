/*
 * Waiting for an account's work to be over, moving the virtual clock through its due points.
 * Polled: every service is asked, a few milliseconds apart, whether it still has work for the
 * account, and when it will next have some.
 */
#include "cloud/settle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/async/async.h"
#include "cloud/clock/vclock.h"
#include "cloud/dynamodb/dynamodb.h"
#include "cloud/esm/esm.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/monitoring/cw.h"
#include "cloud/state.h"
#include "cloud/xray/xray.h"
#include "core/clock.h"

#define SETTLE_POLL_US         2000
#define SETTLE_DEFAULT_TIMEOUT 60
#define SETTLE_MAX_TIMEOUT     900
#define SETTLE_MAX_ADVANCE     (366.0 * 86400)

/*
 * What is still going on for account, in words, or NULL; *next the next due point. *quiet_from
 * is when (monotonic ms) nothing but stream mappings was last found busy after being so, or
 * 0: a stream counts as read to its end only by a read that began after the rest went quiet,
 * so that what an invocation wrote to a stream before it ended is seen.
 */
static const char *pending(struct cloud *c, const char *account, int64_t now, int64_t *next,
			   int64_t *quiet_from)
{
	*next = 0;
	if (lambda_account_inflight(c, account) > 0) {
		*quiet_from = 0;
		return "an invocation is running";
	}
	int64_t due = 0;
	bool async_busy = async_pending(c, account, now, &due);
	*next = due;
	if (async_busy) {
		*quiet_from = 0;
		return "an asynchronous event is being delivered";
	}
	if (!*quiet_from)
		*quiet_from = clock_mono_ms();
	bool esm_busy = esm_pending(c, account, *quiet_from, now, &due);
	if (due && (!*next || due < *next))
		*next = due;
	if (esm_busy)
		return "an event source mapping has a batch to deliver";
	if (cw_alarms_pending(c, account))
		return "an alarm evaluation is due";
	if (ddb_ttl_pending(c, account))
		return "an item past its TTL is being deleted";
	if (xray_daemon_pending(c))
		return "a trace segment is being recorded";
	return NULL;
}

static bool number_param(const struct http_req *req, const char *name, double max, double *out)
{
	const char *s = http_query(req, name);
	if (!s)
		return true;
	char *end = NULL;
	double v = strtod(s, &end);
	if (!s[0] || *end || !(v >= 0) || v > max)
		return false;
	*out = v;
	return true;
}

void settle_api(struct cloud *c, const char *account, const struct http_req *req,
		struct http_resp *resp)
{
	if (strcmp(req->method, "POST") != 0) {
		aws_error(resp, 405, "MethodNotAllowedException", "settle is a POST");
		return;
	}
	double advance = 0, timeout = SETTLE_DEFAULT_TIMEOUT, until = 0;
	if (!number_param(req, "advance", SETTLE_MAX_ADVANCE, &advance)) {
		aws_error(resp, 400, "InvalidParameterValueException",
			  "advance must be a number of seconds from 0 to one year");
		return;
	}
	if (!number_param(req, "until", 1e15, &until)) {
		aws_error(resp, 400, "InvalidParameterValueException",
			  "until must be a virtual time in milliseconds since the epoch");
		return;
	}
	if (!number_param(req, "timeout", SETTLE_MAX_TIMEOUT, &timeout) || timeout <= 0) {
		aws_error(resp, 400, "InvalidParameterValueException",
			  "timeout must be a number of seconds above 0, at most %d",
			  SETTLE_MAX_TIMEOUT);
		return;
	}
	int64_t t0 = clock_mono_ms();
	int64_t target = vclock_now_ms(c->vclock, account) + (int64_t)(advance * 1000.0);
	if (until > 0)
		target = (int64_t)until;
	int64_t advanced = 0, quiet_from = 0;
	const char *busy = NULL;
	for (;;) {
		int64_t now = vclock_now_ms(c->vclock, account), next = 0;
		busy = pending(c, account, now, &next, &quiet_from);
		if (!busy) {
			/* Quiet: move on to the next due point, or to the end, and look again. */
			int64_t to = next && next <= target ? next : target;
			if (to <= now)
				break;
			vclock_advance(c->vclock, account, to - now);
			advanced += to - now;
			continue;
		}
		if (clock_mono_ms() - t0 >= (int64_t)(timeout * 1000.0))
			break;
		struct timespec ts = { 0, SETTLE_POLL_US * 1000L };
		nanosleep(&ts, NULL);
	}
	strbuf_addf(&resp->body,
		    "{\"settled\":%s,\"now\":%lld,\"target\":%lld,\"advanced_ms\":%lld,"
		    "\"waited_ms\":%lld",
		    busy ? "false" : "true", (long long)vclock_now_ms(c->vclock, account),
		    (long long)target, (long long)advanced, (long long)(clock_mono_ms() - t0));
	if (busy)
		strbuf_addf(&resp->body, ",\"busy\":\"%s\"", busy);
	strbuf_addch(&resp->body, '}');
}
