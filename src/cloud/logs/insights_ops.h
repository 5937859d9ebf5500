/*
 * Logs Insights' operations, rows of the Logs service's table (logs.c): StartQuery,
 * GetQueryResults, StopQuery, DescribeQueries. The language itself is insights.h.
 */
#ifndef CLOUD_LOGS_INSIGHTS_OPS_H
#define CLOUD_LOGS_INSIGHTS_OPS_H

struct cJSON;
struct aws_err;
struct svc_call;
struct cloud_db;

struct cJSON *insights_op_start_query(struct svc_call *call, const struct cJSON *in,
				      struct aws_err *err);
struct cJSON *insights_op_get_query_results(struct svc_call *call, const struct cJSON *in,
					    struct aws_err *err);
struct cJSON *insights_op_stop_query(struct svc_call *call, const struct cJSON *in,
				     struct aws_err *err);
struct cJSON *insights_op_describe_queries(struct svc_call *call, const struct cJSON *in,
					   struct aws_err *err);
/* Forget an account's queries (the Logs service's reset). */
void insights_reset_account(struct cloud_db *db, const char *account);

#endif
