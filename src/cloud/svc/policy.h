/*
 * Resource policies for the router's authorization, read once and kept: a cache of what a
 * service's reader (svc.h's resource_policy) answered, good until a table it reads changes.
 * A reader declares its tables with cloud_db_watch() as it reads them.
 */
#ifndef CLOUD_SVC_POLICY_H
#define CLOUD_SVC_POLICY_H

#include <stdbool.h>

struct cloud;

/* A reader: whether arn's resource exists, its owner's account and its policy (NULL: none;
 * caller frees). */
typedef bool (*svc_policy_fn)(struct cloud *c, const char *arn, char *owner, char **policy);

/* What read(c, arn, ...) answers, from the cache when nothing it read has changed since. */
bool svc_policy_cached(struct cloud *c, svc_policy_fn read, const char *arn, char *owner,
		       char **policy);
/*
 * A reader's work for a service that keeps a resource's attributes as one JSON object in
 * table (a static string) by account and name: its "Policy" attribute. The table is watched.
 */
bool svc_attrs_policy(struct cloud *c, const char *table, const char *account, const char *name,
		      char **policy);
/* Forget what is cached for c (when it closes). */
void svc_policy_forget(const struct cloud *c);

#endif
