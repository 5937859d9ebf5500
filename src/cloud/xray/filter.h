/*
 * X-Ray's filter expressions, for GetTraceSummaries' FilterExpression: the boolean keywords
 * (ok, error, fault, throttle, partial), the number keywords (responsetime, duration,
 * http.status) with =, !=, <, <=, >, >=, the string keywords (http.url, http.method,
 * http.useragent, http.clientip, user) with =, !=, CONTAINS, BEGINSWITH, ENDSWITH,
 * annotation.KEY and annotation[KEY] compared with a string, number or boolean (or alone:
 * the annotation is there), service("name") and id(name: "n", type: "t") optionally followed
 * by { expression } evaluated on that service's segments, edge("a", "b"), combined with AND,
 * OR, &&, ||, ! and parentheses.
 *
 * A trace matches when its segments (and their subsegments) satisfy the expression: the
 * boolean keywords hold when any segment in scope has the flag (ok when none has error,
 * fault or throttle), http.* and responsetime are the entry segment's (the one without a
 * parent, or the service's own within service()), duration spans the whole trace.
 */
#ifndef CLOUD_XRAY_FILTER_H
#define CLOUD_XRAY_FILTER_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct xray_filter;

/* Parse text. NULL with why ("... at column N") when it is not a filter expression. Free with
 * xray_filter_free(). */
struct xray_filter *xray_filter_parse(const char *text, char *why, size_t n);
/* Whether the trace made of segs (parsed segment documents) matches. */
bool xray_filter_match(const struct xray_filter *f, struct cJSON *const *segs, size_t n);
void xray_filter_free(struct xray_filter *f);

#endif
