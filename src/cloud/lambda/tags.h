/*
 * Functions' tags: TagResource, UntagResource, ListTags, the Tags of CreateFunction and of
 * GetFunction's answer, kept in the cloud's database (table lambda_tags).
 */
#ifndef CLOUD_LAMBDA_TAGS_H
#define CLOUD_LAMBDA_TAGS_H

#include <stdbool.h>

struct aws_err;
struct cJSON;
struct cloud;
struct svc_call;

struct cJSON *lambda_op_tag_resource(struct svc_call *call, const struct cJSON *in,
				     struct aws_err *err);
struct cJSON *lambda_op_untag_resource(struct svc_call *call, const struct cJSON *in,
				       struct aws_err *err);
struct cJSON *lambda_op_list_tags(struct svc_call *call, const struct cJSON *in,
				  struct aws_err *err);
/* Whether CreateFunction's Tags (a map of strings, or NULL) can be kept; false with err. */
bool lambda_tags_check(const struct cJSON *tags, struct aws_err *err);
/* Keep a new function's Tags (a map of strings, or NULL: none). */
void lambda_tags_set(struct cloud *c, const char *account, const char *function,
		     const struct cJSON *tags);
/* A function's tags as GetFunction's Tags map, or NULL when it has none. Caller frees. */
struct cJSON *lambda_tags_of(struct cloud *c, const char *account, const char *function);
/* Forget a function's tags (function NULL: every function of account). */
void lambda_tags_forget(struct cloud *c, const char *account, const char *function);

#endif
