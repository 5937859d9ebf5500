/*
 * AWS X-Ray: the trace store (the service row xray_service) and the segments Lambda itself
 * records for a sampled invocation of a function with TracingConfig Active.
 */
#ifndef CLOUD_XRAY_XRAY_H
#define CLOUD_XRAY_XRAY_H

#include <stdbool.h>

struct cloud;

/*
 * Records Lambda's segments for one sampled invocation: the service's (AWS::Lambda) and the
 * function's (AWS::Lambda::Function, its id the trace header's Parent) with its Initialization
 * (cold starts only), Invocation and Overhead subsegments. trace_header is the invocation's
 * X-Amzn-Trace-Id ("Root=…;Parent=…;Sampled=1"); upstream the id of the segment that
 * invoked it (the Parent of the header it was invoked with), the service segment's parent, or
 * "" when the trace starts here; times in ms of the wall clock; status
 * "success", "error" or "timeout" (a fault). An asynchronous invocation (attempt > 0) has
 * waited dwell_ms in Lambda's queue: the service segment starts when it was queued and holds
 * a "Dwell Time" and an "Attempt #N" subsegment. links (NULL-terminated trace headers, or
 * NULL: an SQS batch's messages) become the service segment's links to those traces' segments,
 * 20 at most.
 */
void xray_lambda_trace(struct cloud *c, const char *account, const char *function,
		       const char *request_id, const char *trace_header, const char *upstream,
		       long long start_ms, double init_ms, double duration_ms, const char *status,
		       long long dwell_ms, int attempt, const char *const *links);

/*
 * The X-Ray daemon takes segments of trace_header's trace (an invocation's X-Amzn-Trace-Id)
 * for account: called when a sampled invocation starts. The last 512 traces are kept.
 */
void xray_daemon_expect(struct cloud *c, const char *trace_header, const char *account);

/*
 * Whether the daemon has datagrams not yet stored (queued on its port, or being read): what a
 * handler sent before its invocation ended is not in the store until this is false.
 */
bool xray_daemon_pending(struct cloud *c);

#endif
