/*
 * The AWS managed policies the course and the SAM policy templates use, with their
 * documents as AWS publishes them (arn:aws:iam::aws:policy/PATH NAME). Data, in managed.c.
 */
#ifndef CLOUD_IAM_MANAGED_H
#define CLOUD_IAM_MANAGED_H

#include <stddef.h>

struct iam_managed {
	const char *name;        /* "AWSLambdaBasicExecutionRole" */
	const char *path;        /* "/service-role/" */
	const char *description; /* as AWS describes it */
	const char *created;     /* "2015-04-09T15:03:43Z" */
	const char *version;     /* its default version: "v1" */
	const char *document;
};

extern const struct iam_managed iam_managed[];
extern const size_t iam_managed_count;

/* The managed policy of arn (arn:aws:iam::aws:policy/PATH NAME), or NULL. */
const struct iam_managed *iam_managed_find(const char *arn);
/* Its ARN into out. */
void iam_managed_arn(const struct iam_managed *m, char *out, size_t n);

#endif
