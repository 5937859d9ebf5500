/*
 * ARNs, and the function references Lambda's operations accept, parsed and written in one
 * place: every service that names a function, a queue, a topic or a bus goes through here,
 * so that versions and aliases change one module. Pure: no state, no I/O.
 *
 *   arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
 *   NAME  NAME:QUALIFIER  ACCOUNT:function:NAME[:QUALIFIER]
 *   arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
 *
 * A qualifier is $LATEST, a version number or an alias name.
 */
#ifndef CLOUD_SVC_ARN_H
#define CLOUD_SVC_ARN_H

#include <stdbool.h>
#include <stddef.h>

struct arn {
	char partition[16];
	char service[32];
	char region[32];
	char account[13]; /* "" for S3's buckets */
	char resource[1024];
};

/* Split an ARN. False when s is not one (fewer than six parts, a part too long, an account
 * that is neither empty nor 12 digits). */
bool arn_parse(const char *s, struct arn *out);

/* A function reference. */
struct arn_function {
	char region[32];     /* "" when the reference names none */
	char account[13];    /* "" when the reference names none */
	char name[65];       /* 1-64 of [a-zA-Z0-9-_] */
	char qualifier[129]; /* "" when none: "$LATEST", "3", "prod" */
};

/* Read a function reference in any of its four forms. False when malformed (another
 * service's ARN, an empty or overlong part, a bad character). */
bool arn_function_parse(const char *ref, struct arn_function *out);
/* Whether q is a qualifier: $LATEST, a version (digits) or an alias name. */
bool arn_qualifier_valid(const char *q);
/* Whether q names a version: $LATEST or digits. */
bool arn_qualifier_is_version(const char *q);
/* The function's ARN in region and account, with ":QUALIFIER" when qualifier is not NULL
 * or "": arn:aws:lambda:us-east-1:123456789012:function:NAME[:QUALIFIER]. */
void arn_function_format(char *out, size_t n, const char *region, const char *account,
			 const char *name, const char *qualifier);

/* arn:aws:sqs:REGION:ACCOUNT:NAME; name gets 81 bytes. */
bool arn_sqs_queue(const char *arn, char account[13], char *name, size_t n);
/* arn:aws:sns:REGION:ACCOUNT:NAME (a subscription's ARN has ":ID" after the name). */
bool arn_sns_topic(const char *arn, char account[13], char *name, size_t n);
/* arn:aws:events:REGION:ACCOUNT:event-bus/NAME */
bool arn_event_bus(const char *arn, char account[13], char *name, size_t n);

#endif
