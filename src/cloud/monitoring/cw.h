/*
 * Amazon CloudWatch in the local cloud (service "monitoring"): metrics (cloudwatch.c),
 * GetMetricData and metric math (data.c, math.c), alarms (alarm.c). What those files share.
 */
#ifndef CLOUD_MONITORING_CW_H
#define CLOUD_MONITORING_CW_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "cloud/svc/svc.h"

struct cJSON;
struct cloud;
struct metrics;
struct vclock;

struct cw_svc {
	struct cloud *c;
	struct metrics *m;
	struct vclock *clock;
	pthread_mutex_t mu; /* the evaluator's wake-ups */
	pthread_cond_t cond;
	pthread_t thread;
	bool running, stopping;
	long long last_rollup_ms;
	long long next_eval_ms; /* the next alarm evaluation (virtual) */
	/* Alarms: one writer at a time (operations, the evaluator); taken before the
	 * database's and the metric store's locks, never after. */
	pthread_mutex_t alarm_mu;
	struct cw_evaluated {
		char account[13];
		long long ms; /* the last tick the account's alarms were evaluated at */
	} * evaluated;
	size_t evaluated_n;
	long long evaluated_base; /* the base clock's tick of the last pass over every account */
};

/* The service of a call. */
struct cw_svc *cw_of(const struct svc_call *call);
/* Now on account's clock (each account's metrics and alarms keep its own time). */
long long cw_now_ms(struct cw_svc *s, const char *account);

/* A period is 1, 5, 10, 30 or a multiple of 60 seconds. */
bool cw_period_valid(long long period);
/* Round a query's start down as CloudWatch does for its period: to the second below a
 * minute, else to the minute (or 5 minutes, an hour, for data older than 15 or 63 days). */
long long cw_round_start(long long start_ms, long long period_s, long long now_ms);

/* One time series a query produced (GetMetricData, an alarm). */
struct cw_series {
	char *id, *label;
	bool ret; /* ReturnData */
	long long start, step;
	size_t n;
	double *v; /* NaN: no data */
};

void cw_series_release(struct cw_series *s);

/*
 * Evaluate metric data queries (the model's MetricDataQuery list, as GetMetricData and
 * PutMetricAlarm's Metrics carry them) over [start_ms, end_ms) for account. where names the
 * list in messages ("MetricDataQueries", "Metrics"). Returns true with *out the series of the
 * queries that return data (*n of them; release each, free the array); false with err filled
 * (validation, an expression's error).
 */
bool cw_eval_queries(struct cw_svc *s, const char *account, const struct cJSON *queries,
		     const char *where, long long start_ms, long long end_ms,
		     struct cw_series **out, size_t *n, struct aws_err *err);

/* Check a list of queries without evaluating it (PutMetricAlarm). */
bool cw_check_queries(const struct cJSON *queries, const char *where, struct aws_err *err);

/* The operations. */
struct cJSON *cw_op_get_metric_data(struct svc_call *call, const struct cJSON *in,
				    struct aws_err *err);
struct cJSON *cw_op_put_metric_alarm(struct svc_call *call, const struct cJSON *in,
				     struct aws_err *err);
struct cJSON *cw_op_put_composite_alarm(struct svc_call *call, const struct cJSON *in,
					struct aws_err *err);
struct cJSON *cw_op_describe_alarms(struct svc_call *call, const struct cJSON *in,
				    struct aws_err *err);
struct cJSON *cw_op_describe_alarms_for_metric(struct svc_call *call, const struct cJSON *in,
					       struct aws_err *err);
struct cJSON *cw_op_describe_alarm_history(struct svc_call *call, const struct cJSON *in,
					   struct aws_err *err);
struct cJSON *cw_op_set_alarm_state(struct svc_call *call, const struct cJSON *in,
				    struct aws_err *err);
struct cJSON *cw_op_enable_alarm_actions(struct svc_call *call, const struct cJSON *in,
					 struct aws_err *err);
struct cJSON *cw_op_disable_alarm_actions(struct svc_call *call, const struct cJSON *in,
					  struct aws_err *err);
struct cJSON *cw_op_delete_alarms(struct svc_call *call, const struct cJSON *in,
				  struct aws_err *err);
struct cJSON *cw_op_list_tags(struct svc_call *call, const struct cJSON *in, struct aws_err *err);
struct cJSON *cw_op_tag_resource(struct svc_call *call, const struct cJSON *in,
				 struct aws_err *err);
struct cJSON *cw_op_untag_resource(struct svc_call *call, const struct cJSON *in,
				   struct aws_err *err);

/*
 * The decision of one evaluation, by CloudWatch's documented rules: values are the evaluation
 * range's datapoints, oldest first (NaN: missing), n the evaluation periods, m the datapoints
 * to alarm, treat the TreatMissingData setting. used[i] is set for the datapoints evaluated;
 * *filled is how many missing ones were filled in.
 */
enum cw_decision {
	CW_DECIDE_OK,
	CW_DECIDE_ALARM,
	CW_DECIDE_INSUFFICIENT,
	CW_DECIDE_KEEP,
};
enum cw_decision cw_alarm_decide(const double *values, size_t r, int n, int m, const char *op,
				 double threshold, const char *treat, bool *used, int *filled);
/* How many datapoints an evaluation retrieves for n evaluation periods. */
size_t cw_alarm_range(int n);

/* Alarms: evaluate every alarm due, each on its account's clock (the evaluator thread);
 * forget an account's. */
void cw_alarms_evaluate(struct cw_svc *s);
/* Whether account has metric alarms whose evaluation at the last minute its clock passed is
 * still to come (the evaluator runs on a thread of its own, woken by a clock step): settle
 * waits for it, so a check that moves the clock sees the alarms' new states. */
bool cw_alarms_pending(struct cloud *c, const char *account);
void cw_alarms_reset_account(struct cw_svc *s, const char *account);

#endif
