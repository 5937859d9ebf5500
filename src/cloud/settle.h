/*
 * The settle control: POST /_tutor/settle[?advance=SECONDS][&timeout=SECONDS] answers once
 * the work the caller's account has started is over, so that a check can judge what happened
 * without waiting a fixed time. Settled means: no invocation of the account's functions in
 * flight, no asynchronous event leased or due (retries included, with their destinations and
 * dead-letter queues), and its event source mappings idle (no batch under way, nothing
 * visible in their queues), and every datagram sent to the X-Ray daemon stored.
 *
 * With advance, the virtual clock is moved on to now + SECONDS one due point at a time: at
 * each retry or message that comes due before then, the clock stops and the work it causes
 * settles, so a retry that schedules another retry before the end runs too (until=MS gives
 * the end as a virtual time instead, to go on after an unsettled answer). The answer is
 * {"settled": true, "now": MS, "target": MS, "advanced_ms": N, "waited_ms": N}, or after
 * timeout seconds of real time (default 60) the same with "settled": false and "busy", what
 * is still going on.
 *
 * Self-contained: its only ties to the cloud are the services' *_pending() and the clock, so
 * it can move to another channel of the control plane as it is.
 */
#ifndef CLOUD_SETTLE_H
#define CLOUD_SETTLE_H

#include "cloud/http/server.h"

struct cloud;

void settle_api(struct cloud *c, const char *account, const struct http_req *req,
		struct http_resp *resp);

#endif
