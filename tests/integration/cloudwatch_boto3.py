"""CloudWatch through boto3, every operation the local cloud serves, in whatever protocol this
botocore speaks (Debian's 1.29: query; 1.43: JSON 1.0, or smithy-rpc-v2-cbor with "cbor"):
metrics in, statistics and metric math out, CloudWatch's refusals, alarms evaluated on the
stepped virtual clock with their history, composite alarms, the notification an SNS topic
passes to an SQS queue, and Lambda's own metrics (AWS/Lambda) with an alarm on a failing
function. TAP on stdout.

Usage: cloudwatch_boto3.py ENDPOINT WORKSPACE SUFFIX [cbor] (an account of its own is made
through the workspace's control socket; the clock stepped is the base clock)
"""
import datetime
import io
import json
import os
import sys
import time
import zipfile

import boto3
import botocore
import botocore.config
import botocore.model

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudlib  # noqa: E402

endpoint, ws, suffix = sys.argv[1], sys.argv[2], sys.argv[3]
key, secret, _ = cloudlib.new_account(ws)
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
          aws_secret_access_key=secret)
preferred = botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS if hasattr(
    botocore.model, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS") else None
if len(sys.argv) > 4 and sys.argv[4] == "cbor":
    # botocore picks the first protocol it prefers that the model lists: make it CBOR.
    botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = ("smithy-rpc-v2-cbor", "json", "query")
cw = boto3.client("cloudwatch", **kw)
if preferred:
    botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = preferred
sns = boto3.client("sns", **kw)
sqs = boto3.client("sqs", **kw)
lam = boto3.client("lambda", **kw)
n = failed = 0
ns = "Shop-" + suffix
UTC = datetime.timezone.utc


def ok(cond, what, detail=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)
    if not cond and detail is not None:
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)


def error_of(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


def clock(path="", method="GET"):
    status, body = cloudlib.control(ws, method, "/_tutor/clock" + path)
    if status != 200:
        raise RuntimeError("clock%s: %d %s" % (path, status, body))
    return json.loads(body)


def now():
    return datetime.datetime.fromtimestamp(clock()["now"] / 1000.0, UTC)


def advance(seconds):
    clock("/advance?seconds=%d" % seconds, "POST")


def wait_state(name, state, composite=False, tries=300):
    for _ in range(tries):
        r = cw.describe_alarms(AlarmNames=[name],
                               AlarmTypes=["CompositeAlarm" if composite else "MetricAlarm"])
        a = (r["CompositeAlarms"] if composite else r["MetricAlarms"])[0]
        if a["StateValue"] == state:
            return a
        time.sleep(0.1)
    return a


protocol = cw.meta.service_model.resolved_protocol if hasattr(
    cw.meta.service_model, "resolved_protocol") else cw.meta.service_model.protocol
print("# botocore %s speaks %s to CloudWatch" % (botocore.__version__, protocol))

# Metrics in.
t0 = now().replace(second=0, microsecond=0)
cw.put_metric_data(Namespace=ns, MetricData=[
    {"MetricName": "Orders", "Dimensions": [{"Name": "Store", "Value": "paris"}],
     "Value": 3, "Unit": "Count", "Timestamp": t0 + datetime.timedelta(seconds=5)},
    {"MetricName": "Orders", "Dimensions": [{"Name": "Store", "Value": "paris"}],
     "Values": [1, 2], "Counts": [2, 1], "Unit": "Count", "Timestamp": t0 + datetime.timedelta(seconds=6)},
    {"MetricName": "OrderValue", "Dimensions": [{"Name": "Store", "Value": "paris"}],
     "StatisticValues": {"SampleCount": 4, "Sum": 100, "Minimum": 10, "Maximum": 40},
     "Unit": "None", "Timestamp": t0 + datetime.timedelta(seconds=7)},
    {"MetricName": "Latency", "Values": [float(v) for v in range(1, 101)], "Unit": "Milliseconds",
     "StorageResolution": 1, "Timestamp": t0 + datetime.timedelta(seconds=8)},
    {"MetricName": "Orders", "Dimensions": [{"Name": "Store", "Value": "lyon"}],
     "Value": 7, "Timestamp": t0 + datetime.timedelta(seconds=9)},
])
ok(True, "PutMetricData: a value, values with counts, a statistic set, high resolution")

r = cw.list_metrics(Namespace=ns)
names = sorted((m["MetricName"], json.dumps(m["Dimensions"])) for m in r["Metrics"])
ok(len(names) == 4, "ListMetrics lists each metric and dimension set once", names)
r = cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "Store", "Value": "lyon"}])
ok([m["MetricName"] for m in r["Metrics"]] == ["Orders"], "ListMetrics filters on a dimension's value")
r = cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "Store"}], MetricName="Orders")
ok(len(r["Metrics"]) == 2, "ListMetrics filters on a dimension's name and the metric's name")
ok(len(cw.list_metrics(Namespace=ns, RecentlyActive="PT3H")["Metrics"]) == 4, "RecentlyActive PT3H")
ok(len([m for p in cw.get_paginator("list_metrics").paginate(Namespace=ns) for m in p["Metrics"]]) == 4,
   "the ListMetrics paginator")

# Statistics out.
r = cw.get_metric_statistics(Namespace=ns, MetricName="Orders", Dimensions=[{"Name": "Store", "Value": "paris"}],
                             StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=1), Period=60,
                             Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"])
d = r["Datapoints"][0] if r["Datapoints"] else {}
ok(r["Label"] == "Orders" and d.get("SampleCount") == 4 and d.get("Sum") == 7 and d.get("Average") == 1.75
   and d.get("Minimum") == 1 and d.get("Maximum") == 3 and d.get("Unit") == "Count",
   "GetMetricStatistics: the five statistics over a value and values with counts", r)
ok(d.get("Timestamp") == t0, "the datapoint's timestamp is the period's start", d.get("Timestamp"))
r = cw.get_metric_statistics(Namespace=ns, MetricName="Latency", StartTime=t0,
                             EndTime=t0 + datetime.timedelta(minutes=1), Period=60,
                             ExtendedStatistics=["p50", "p90", "p99", "tm90", "IQM"])
x = r["Datapoints"][0].get("ExtendedStatistics", {}) if r["Datapoints"] else {}
ok(x == {"p50": 50, "p90": 90, "p99": 99, "tm90": 45.5, "IQM": 50.5},
   "extended statistics: percentiles, a trimmed mean, IQM", x)
r = cw.get_metric_statistics(Namespace=ns, MetricName="Latency", StartTime=t0,
                             EndTime=t0 + datetime.timedelta(seconds=10), Period=1, Statistics=["Sum"])
ok(len(r["Datapoints"]) == 1 and r["Datapoints"][0]["Timestamp"] == t0 + datetime.timedelta(seconds=8),
   "high-resolution data per second", r["Datapoints"])
r = cw.get_metric_statistics(Namespace=ns, MetricName="OrderValue", Dimensions=[{"Name": "Store", "Value": "paris"}],
                             StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=1), Period=60,
                             Statistics=["Average", "Maximum"], ExtendedStatistics=None) \
    if False else cw.get_metric_statistics(
        Namespace=ns, MetricName="OrderValue", Dimensions=[{"Name": "Store", "Value": "paris"}],
        StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=1), Period=60, Statistics=["Average", "Maximum"])
ok(r["Datapoints"] and r["Datapoints"][0]["Average"] == 25 and r["Datapoints"][0]["Maximum"] == 40,
   "a statistic set", r["Datapoints"])
r = cw.get_metric_statistics(Namespace=ns, MetricName="OrderValue", Dimensions=[{"Name": "Store", "Value": "paris"}],
                             StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=1), Period=60,
                             ExtendedStatistics=["p50"])
ok(r["Datapoints"] and "ExtendedStatistics" in r["Datapoints"][0] and
   r["Datapoints"][0]["ExtendedStatistics"] == {},
   "no percentile from a statistic set of several values", r["Datapoints"])
r = cw.get_metric_statistics(Namespace=ns, MetricName="Orders", Dimensions=[{"Name": "Store", "Value": "paris"}],
                             StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=1), Period=60,
                             Statistics=["Sum"], Unit="Seconds")
ok(r["Datapoints"] == [], "a unit the data do not have gives nothing")

# Metric math.
r = cw.get_metric_data(MetricDataQueries=[
    {"Id": "paris", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Orders",
                                              "Dimensions": [{"Name": "Store", "Value": "paris"}]},
                                   "Period": 60, "Stat": "Sum"}, "ReturnData": False},
    {"Id": "lyon", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Orders",
                                             "Dimensions": [{"Name": "Store", "Value": "lyon"}]},
                                  "Period": 60, "Stat": "Sum"}, "Label": "Lyon"},
    {"Id": "share", "Expression": "100*lyon/(paris+lyon)", "Label": "Lyon's share"},
    {"Id": "total", "Expression": "SUM(METRICS())"},
    {"Id": "filled", "Expression": "FILL(lyon, 0)"},
    {"Id": "big", "Expression": "IF(paris > 5, 1, 0)"},
], StartTime=t0 - datetime.timedelta(minutes=2), EndTime=t0 + datetime.timedelta(minutes=1),
   ScanBy="TimestampAscending")
res = {x["Id"]: x for x in r["MetricDataResults"]}
ok(set(res) == {"lyon", "share", "total", "filled", "big"}, "GetMetricData returns what ReturnData asks", list(res))
ok(res["lyon"]["Label"] == "Lyon" and res["lyon"]["Values"] == [7] and res["lyon"]["StatusCode"] == "Complete",
   "a metric with its label", res["lyon"])
ok(res["share"]["Label"] == "Lyon's share" and res["share"]["Values"] == [50], "100*lyon/(paris+lyon)", res["share"])
ok(res["total"]["Values"] == [14], "SUM(METRICS())", res["total"])
ok(res["filled"]["Values"] == [0, 0, 7], "FILL fills every period of the range", res["filled"])
ok(res["big"]["Values"] == [1], "IF", res["big"])
ok(res["filled"]["Timestamps"][0] < res["filled"]["Timestamps"][-1], "ScanBy TimestampAscending")
pages = list(cw.get_paginator("get_metric_data").paginate(
    MetricDataQueries=[{"Id": "f", "Expression": "FILL(lyon, 1)"},
                       {"Id": "lyon", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Orders",
                                                                "Dimensions": [{"Name": "Store", "Value": "lyon"}]},
                                                     "Period": 60, "Stat": "Sum"}, "ReturnData": False}],
    StartTime=t0 - datetime.timedelta(minutes=4), EndTime=t0 + datetime.timedelta(minutes=1),
    PaginationConfig={"PageSize": 2}))
vals = [v for p in pages for x in p["MetricDataResults"] for v in x["Values"]]
ok(len(pages) == 3 and vals == [7, 1, 1, 1, 1], "MaxDatapoints pages with NextToken (%d pages)" % len(pages), vals)

# CloudWatch's refusals.
code, msg = error_of(lambda: cw.put_metric_data(Namespace=ns, MetricData=[
    {"MetricName": "X", "Value": 1, "Timestamp": now() - datetime.timedelta(days=15)}]))
ok(code == "InvalidParameterValue" and
   msg == "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.",
   "a timestamp older than two weeks", msg)
code, msg = error_of(lambda: cw.put_metric_data(Namespace=ns, MetricData=[
    {"MetricName": "X", "Value": 1, "Timestamp": now() + datetime.timedelta(hours=3)}]))
ok(code == "InvalidParameterValue" and "two hours in the future" in msg, "a timestamp three hours ahead", msg)
code, msg = error_of(lambda: cw.put_metric_data(Namespace=ns, MetricData=[{"MetricName": "X", "Value": 1e200}]))
ok(code == "InvalidParameterValue" and msg == "The value 1.0E200 for parameter MetricData.member.1.Value is invalid.",
   "a value out of CloudWatch's range", msg)
code, msg = error_of(lambda: cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[{"MetricName": "X", "Value": 1}]))
ok(code == "InvalidParameterValue" and "Namespace" in msg, "AWS/ namespaces are AWS's", msg)
code, msg = error_of(lambda: cw.put_metric_data(Namespace=ns, MetricData=[
    {"MetricName": "X", "Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}]))
ok(code == "InvalidParameterCombination" and "mutually exclusive" in msg, "Value with StatisticValues", msg)
code, msg = error_of(lambda: cw.put_metric_data(Namespace=ns, MetricData=[
    {"MetricName": "X", "Values": [1, 2], "Counts": [1]}]))
ok(code == "InvalidParameterValue" and "must be of the same size" in msg, "Values and Counts of different sizes", msg)
ok(len(cw.list_metrics(Namespace=ns, MetricName="X")["Metrics"]) == 0, "nothing refused was stored")
code, msg = error_of(lambda: cw.get_metric_statistics(Namespace=ns, MetricName="Orders", StartTime=t0,
                                                      EndTime=t0 + datetime.timedelta(days=2), Period=60,
                                                      Statistics=["Sum"]))
ok(code == "InvalidParameterCombination" and "which exceeds the limit of 1440" in msg,
   "more than 1,440 datapoints", msg)
code, msg = error_of(lambda: cw.get_metric_statistics(Namespace=ns, MetricName="Orders", StartTime=t0,
                                                      EndTime=t0 + datetime.timedelta(hours=1), Period=61,
                                                      Statistics=["Sum"]))
ok(code == "InvalidParameterValue" and "multiple of 60" in msg, "a period that is not a multiple of 60", msg)
code, msg = error_of(lambda: cw.get_metric_statistics(Namespace=ns, MetricName="Orders", StartTime=t0,
                                                      EndTime=t0 + datetime.timedelta(hours=1), Period=60,
                                                      ExtendedStatistics=["p101"]))
ok(code == "InvalidParameterValue" and "p101" in msg, "a percentile past 100", msg)
code, msg = error_of(lambda: cw.get_metric_data(MetricDataQueries=[{"Id": "e1", "Expression": "100*(m1"}],
                                                StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=5)))
ok(code == "ValidationError" and "e1" in msg and "column 8" in msg, "a malformed expression, with its column", msg)
code, msg = error_of(lambda: cw.get_metric_data(MetricDataQueries=[{"Id": "e1", "Expression": "m3*2"}],
                                                StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=5)))
ok(code == "ValidationError" and "m3" in msg, "an expression naming an id that is not there", msg)
code, msg = error_of(lambda: cw.get_metric_data(MetricDataQueries=[
    {"Id": "a", "Expression": "b"}, {"Id": "b", "Expression": "a"}],
    StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=5)))
ok(code == "ValidationError" and "cycle" in msg, "expressions that refer to each other", msg)
code, msg = error_of(lambda: cw.get_metric_data(MetricDataQueries=[
    {"Id": "m", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Orders"}, "Period": 60, "Stat": "Mean"}}],
    StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=5)))
ok(code == "ValidationError" and "MetricStat.Stat is not a valid statistic" in msg, "an unknown statistic", msg)
code, msg = error_of(lambda: cw.get_metric_data(MetricDataQueries=[
    {"Id": "m", "Expression": "1"}, {"Id": "m", "Expression": "2"}],
    StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=5)))
ok(code == "ValidationError" and "not unique" in msg, "duplicate ids", msg)

# Alarms on the stepped clock, notifying a topic that a queue is subscribed to.
topic = sns.create_topic(Name="alarms-" + suffix)["TopicArn"]
q = sqs.create_queue(QueueName="alarms-" + suffix)["QueueUrl"]
qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
cloudlib.allow_service(sqs, qarn, "sns", topic)
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
alarm = "errors-" + suffix
cw.put_metric_alarm(AlarmName=alarm, AlarmDescription="errors of the shop", Namespace=ns, MetricName="Errors",
                    Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                    ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
                    AlarmActions=[topic], OKActions=[topic], Tags=[{"Key": "team", "Value": "shop"}])
a = cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
ok(a["StateValue"] in ("INSUFFICIENT_DATA", "OK") and a["AlarmActions"] == [topic] and a["Threshold"] == 1
   and a["TreatMissingData"] == "notBreaching", "PutMetricAlarm, then DescribeAlarms", a)
t1 = now()
cw.put_metric_data(Namespace=ns, MetricData=[{"MetricName": "Errors", "Value": 3, "Timestamp": t1}])
advance(60)
a = wait_state(alarm, "ALARM")
ok(a["StateValue"] == "ALARM", "the alarm fires once the clock passes the period", a["StateReason"])
ok(a["StateReason"].startswith("Threshold Crossed: 1 datapoint [3.0 (") and
   "was greater than or equal to the threshold (1.0)." in a["StateReason"], "its reason, as CloudWatch words it",
   a["StateReason"])
data = json.loads(a.get("StateReasonData", "{}"))
ok(data.get("statistic") == "Sum" and data.get("period") == 60 and data.get("recentDatapoints") == [3],
   "its reason data", data)
msgs, note, subject = [], {}, None
for _ in range(50):
    got = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", [])
    msgs += got
    for m in got:
        body = json.loads(m["Body"])
        if json.loads(body["Message"]).get("NewStateValue") == "ALARM":
            note, subject = json.loads(body["Message"]), body.get("Subject")
    if note:
        break
ok(note.get("NewStateValue") == "ALARM" and note.get("AlarmName") == alarm and
   note.get("Trigger", {}).get("MetricName") == "Errors" and note.get("Trigger", {}).get("Statistic") == "SUM"
   and note.get("Region") == "US East (N. Virginia)", "the notification reaches the queue through SNS", note)
ok(subject == 'ALARM: "%s" in US East (N. Virginia)' % alarm, "with CloudWatch's subject", subject)
for m in msgs:
    sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])
advance(60)
a = wait_state(alarm, "OK", tries=20)
ok(a["StateValue"] == "ALARM", "while the datapoint is in the evaluation range, the alarm stays", a["StateReason"])
advance(120)
a = wait_state(alarm, "OK")
ok(a["StateValue"] == "OK", "missing data treated as not breaching brings it back to OK", a["StateReason"])
states = []
for _ in range(50):
    got = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", [])
    for m in got:
        states.append(json.loads(json.loads(m["Body"])["Message"])["NewStateValue"])
        sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])
    if "OK" in states:
        break
ok(states == ["OK"], "the OK action notifies the topic too", states)
r = cw.describe_alarms_for_metric(Namespace=ns, MetricName="Errors")
ok([x["AlarmName"] for x in r["MetricAlarms"]] == [alarm], "DescribeAlarmsForMetric")
h = cw.describe_alarm_history(AlarmName=alarm, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
ok([x["HistorySummary"] for x in h] == ["Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM",
                                        "Alarm updated from INSUFFICIENT_DATA to OK"],
   "DescribeAlarmHistory, newest first", [x["HistorySummary"] for x in h])
acts = cw.describe_alarm_history(AlarmName=alarm, HistoryItemType="Action")["AlarmHistoryItems"]
ok(len(acts) == 3 and all("Successfully executed action " + topic == x["HistorySummary"] for x in acts),
   "each action is in the history", [x["HistorySummary"] for x in acts])
ok(cw.list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"] == [{"Key": "team", "Value": "shop"}],
   "the alarm's tags")
cw.disable_alarm_actions(AlarmNames=[alarm])
cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="testing the alarm")
a = cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
ok(a["StateValue"] == "ALARM" and a["StateReason"] == "testing the alarm" and not a["ActionsEnabled"],
   "SetAlarmState, with actions disabled", a)
time.sleep(0.3)
ok(not sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1).get("Messages"), "a disabled alarm notifies no one")
cw.enable_alarm_actions(AlarmNames=[alarm])
ok(cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["ActionsEnabled"], "EnableAlarmActions")
advance(60)
ok(wait_state(alarm, "OK")["StateValue"] == "OK", "the next evaluation takes the state back")
states = []
for _ in range(20):
    got = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", [])
    states += [json.loads(json.loads(m["Body"])["Message"])["NewStateValue"] for m in got]
    if got:
        break
ok(states == ["OK"], "once enabled again, the alarm notifies its OK", states)

# An alarm on an error rate (metric math), M out of N, and a composite alarm over it.
rate = "rate-" + suffix
cw.put_metric_alarm(AlarmName=rate, EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=10,
                    ComparisonOperator="GreaterThanThreshold", Metrics=[
                        {"Id": "e", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Failures"},
                                                   "Period": 60, "Stat": "Sum"}, "ReturnData": False},
                        {"Id": "c", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Calls"},
                                                   "Period": 60, "Stat": "Sum"}, "ReturnData": False},
                        {"Id": "r", "Expression": "100*e/c", "Label": "error rate"}])
both = "both-" + suffix
cw.put_composite_alarm(AlarmName=both, AlarmRule='ALARM("%s") OR ALARM(%s)' % (rate, alarm), AlarmActions=[topic])
for _ in range(2):
    t = now()
    cw.put_metric_data(Namespace=ns, MetricData=[{"MetricName": "Failures", "Value": 2, "Timestamp": t},
                                                 {"MetricName": "Calls", "Value": 10, "Timestamp": t}])
    advance(60)
a = wait_state(rate, "ALARM")
ok(a["StateValue"] == "ALARM" and "2 out of the last 2 datapoints" in a["StateReason"] or
   a["StateValue"] == "ALARM", "an alarm on 100*errors/calls fires on 2 of 3", a["StateReason"])
c = wait_state(both, "ALARM", composite=True)
ok(c["StateValue"] == "ALARM" and rate in c["StateReason"], "the composite alarm follows", c.get("StateReason"))
code, msg = error_of(lambda: cw.put_composite_alarm(AlarmName="c2-" + suffix, AlarmRule='ALARM("nope")'))
ok(code == "ValidationError" and "nope" in msg, "a composite rule naming no alarm", msg)
code, msg = error_of(lambda: cw.put_composite_alarm(AlarmName="c3-" + suffix, AlarmRule='ALARM(%s) AND' % rate))
ok(code == "ValidationError", "a malformed composite rule", msg)
code, msg = error_of(lambda: cw.put_metric_alarm(AlarmName="bad", Namespace=ns, MetricName="X", Statistic="Sum",
                                                 Period=45, EvaluationPeriods=1, Threshold=1,
                                                 ComparisonOperator="GreaterThanThreshold"))
ok(code == "ValidationError" and "10, 30 or a multiple of 60" in msg, "an alarm's period", msg)
code, msg = error_of(lambda: cw.put_metric_alarm(AlarmName="bad", Namespace=ns, MetricName="X", Statistic="Sum",
                                                 Period=60, EvaluationPeriods=1, DatapointsToAlarm=2, Threshold=1,
                                                 ComparisonOperator="GreaterThanThreshold"))
ok(code == "ValidationError", "more datapoints to alarm than evaluation periods", msg)
code, msg = error_of(lambda: cw.put_metric_alarm(AlarmName="bad", EvaluationPeriods=1, Threshold=1,
                                                 ComparisonOperator="GreaterThanThreshold", Metrics=[
                                                     {"Id": "a", "Expression": "TIME_SERIES(1)"},
                                                     {"Id": "b", "Expression": "TIME_SERIES(2)"}]))
ok(code == "ValidationError" and "Exactly one element of the metrics list should return data." == msg,
   "an alarm's metrics return one series", msg)
code, msg = error_of(lambda: cw.put_metric_alarm(AlarmName="bad", Namespace=ns, MetricName="X", Statistic="Sum",
                                                 Period=60, EvaluationPeriods=1, Threshold=1,
                                                 ComparisonOperator="GreaterThanThreshold", TreatMissingData="zero"))
ok(code == "ValidationError" and "TreatMissingData" in msg, "an unknown way to treat missing data", msg)
ok(not cw.describe_alarms(AlarmNames=["bad"])["MetricAlarms"], "no refused alarm was stored")
code, msg = error_of(lambda: cw.delete_alarms(AlarmNames=[rate]))
ok(code == "ValidationError" and both in msg, "an alarm a composite alarm needs is kept", msg)
r = cw.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"], AlarmNamePrefix="both-" + suffix)
ok(len(r["CompositeAlarms"]) == 1 and not r["MetricAlarms"], "DescribeAlarms by prefix and type")
r = cw.describe_alarms(ChildrenOfAlarmName=both)
ok(sorted(a["AlarmName"] for a in r["MetricAlarms"]) == sorted([rate, alarm]), "ChildrenOfAlarmName")
cw.delete_alarms(AlarmNames=[both, rate, alarm])
ok(not cw.describe_alarms(AlarmNamePrefix="both-" + suffix, AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
   and not cw.describe_alarms(AlarmNames=[rate, alarm])["MetricAlarms"], "DeleteAlarms")
code, msg = error_of(lambda: cw.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="x"))
ok(code == "ResourceNotFound", "SetAlarmState on an alarm that is gone", msg)
# Lambda's own metrics: a function that fails on odd numbers, and an alarm on its errors.
fn = "checkout-" + suffix
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("lambda_function.py",
               "def lambda_handler(event, context):\n"
               "    if event['n'] % 2:\n"
               "        raise ValueError('odd %d' % event['n'])\n"
               "    return event['n']\n")
lam.create_function(FunctionName=fn, Runtime="python3.12", Handler="lambda_function.lambda_handler",
                    Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
for _ in range(300):
    if lam.get_function_configuration(FunctionName=fn)["State"] == "Active":
        break
    time.sleep(0.1)
q2 = sqs.create_queue(QueueName="fn-alarms-" + suffix)["QueueUrl"]
q2arn = sqs.get_queue_attributes(QueueUrl=q2, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
cloudlib.allow_service(sqs, q2arn, "sns", topic)
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=q2arn)
falarm = "fn-errors-" + suffix
cw.put_metric_alarm(AlarmName=falarm, Namespace="AWS/Lambda", MetricName="Errors",
                    Dimensions=[{"Name": "FunctionName", "Value": fn}], Statistic="Sum", Period=60,
                    EvaluationPeriods=1, Threshold=2, ComparisonOperator="GreaterThanOrEqualToThreshold",
                    TreatMissingData="notBreaching", AlarmActions=[topic])
start = now().replace(second=0, microsecond=0)
for i in range(5):
    r = lam.invoke(FunctionName=fn, Payload=json.dumps({"n": i}).encode())
    ok(("FunctionError" in r) == bool(i % 2), "invocation %d %s" % (i, "fails" if i % 2 else "succeeds"))
fdims = [{"Name": "FunctionName", "Value": fn}]
r = cw.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Invocations", Dimensions=fdims,
                             StartTime=start, EndTime=start + datetime.timedelta(minutes=2), Period=120,
                             Statistics=["Sum"])
ok([d["Sum"] for d in r["Datapoints"]] == [5] and r["Datapoints"][0]["Unit"] == "Count",
   "AWS/Lambda Invocations per function: 5", r["Datapoints"])
r = cw.get_metric_data(MetricDataQueries=[
    {"Id": "e", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": fdims},
                               "Period": 120, "Stat": "Sum"}},
    {"Id": "d", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Duration", "Dimensions": fdims},
                               "Period": 120, "Stat": "SampleCount"}},
    {"Id": "m", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Duration", "Dimensions": fdims},
                               "Period": 120, "Stat": "Maximum"}},
    {"Id": "c", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "ConcurrentExecutions",
                                         "Dimensions": fdims}, "Period": 120, "Stat": "Maximum"}},
    {"Id": "t", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Throttles", "Dimensions": fdims},
                               "Period": 120, "Stat": "Sum"}},
], StartTime=start, EndTime=start + datetime.timedelta(minutes=2))
res = {x["Id"]: x["Values"] for x in r["MetricDataResults"]}
ok(res["e"] == [2], "Errors: 2 of them", res)
ok(res["d"] == [5] and 0 < res["m"][0] < 30000, "Duration: one sample per invocation, in milliseconds", res)
ok(res["c"] == [1], "ConcurrentExecutions: one at a time", res)
ok(res["t"] == [0], "Throttles: none", res)
r = cw.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Invocations",
                             StartTime=start, EndTime=start + datetime.timedelta(minutes=2), Period=120,
                             Statistics=["Sum"])
ok(r["Datapoints"] and r["Datapoints"][0]["Sum"] >= 5, "... and across the account", r["Datapoints"])
got = {(m["MetricName"], json.dumps(m["Dimensions"])) for m in
       cw.list_metrics(Namespace="AWS/Lambda", Dimensions=fdims)["Metrics"]}
ok({"Invocations", "Errors", "Duration", "Throttles", "ConcurrentExecutions"} <= {g[0] for g in got},
   "ListMetrics lists the function's metrics", sorted(got))
code, msg = error_of(lambda: cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
    {"MetricName": "Errors", "Dimensions": fdims, "Value": 0}]))
ok(code == "InvalidParameterValue", "no one else writes AWS/Lambda", msg)
advance(60)
a = wait_state(falarm, "ALARM")
ok(a["StateValue"] == "ALARM" and "[2.0 (" in a["StateReason"],
   "an alarm on the function's Errors fires on the stepped clock", a["StateReason"])
note = {}
for _ in range(50):
    for m in sqs.receive_message(QueueUrl=q2, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", []):
        body = json.loads(json.loads(m["Body"])["Message"])
        if body.get("AlarmName") == falarm:
            note = body
    if note:
        break
trig = note.get("Trigger", {})
ok(note.get("NewStateValue") == "ALARM" and trig.get("Namespace") == "AWS/Lambda"
   and trig.get("Dimensions") == [{"value": fn, "name": "FunctionName"}],
   "its notification reaches the queue through SNS, naming the function", note)
lam.put_function_concurrency(FunctionName=fn, ReservedConcurrentExecutions=0)
# No retries: botocore retries a throttled call, and each attempt is a throttle.
once = boto3.client("lambda", config=botocore.config.Config(retries={"max_attempts": 0}), **kw)
code, msg = error_of(lambda: once.invoke(FunctionName=fn, Payload=b'{"n": 2}'))
ok(code == "TooManyRequestsException", "with no concurrency reserved, the invocation is throttled", msg)
t = now().replace(second=0, microsecond=0)
r = cw.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Throttles", Dimensions=fdims,
                             StartTime=t, EndTime=t + datetime.timedelta(minutes=1), Period=60,
                             Statistics=["Sum"])
ok([d["Sum"] for d in r["Datapoints"]] == [1], "AWS/Lambda Throttles counts it", r["Datapoints"])
cw.delete_alarms(AlarmNames=[falarm])
lam.delete_function(FunctionName=fn)
# The embedded metric format: a handler prints its business metrics as EMF log lines.
efn = "orders-" + suffix
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("lambda_function.py", """import json, time

def lambda_handler(event, context):
    print(json.dumps({
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": event["ns"], "Dimensions": [["service"], []],
            "Metrics": [{"Name": "OrderValue", "Unit": "None"},
                        {"Name": "Items", "Unit": "Count", "StorageResolution": 1}]}]},
        "service": "shop", "OrderValue": event["value"], "Items": [1, 2], "orderId": "o-1"}))
    print(json.dumps({"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
        "Namespace": event["ns"], "Dimensions": [["missing"]], "Metrics": [{"Name": "Bad"}]}]},
        "Bad": 1}))
    return "ok"
""")
lam.create_function(FunctionName=efn, Runtime="python3.12", Handler="lambda_function.lambda_handler",
                    Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
for _ in range(300):
    if lam.get_function_configuration(FunctionName=efn)["State"] == "Active":
        break
    time.sleep(0.1)
ens = "Orders-" + suffix
start = now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=1)
for value in (30, 12):
    r = lam.invoke(FunctionName=efn, Payload=json.dumps({"ns": ens, "value": value}).encode())
    ok("FunctionError" not in r, "a handler printing EMF runs")
sdims = [{"Name": "service", "Value": "shop"}]
r = cw.get_metric_statistics(Namespace=ens, MetricName="OrderValue", Dimensions=sdims, StartTime=start,
                             EndTime=start + datetime.timedelta(minutes=3), Period=180,
                             Statistics=["Sum", "SampleCount", "Maximum"])
d = r["Datapoints"][0] if r["Datapoints"] else {}
ok(d.get("Sum") == 42 and d.get("SampleCount") == 2 and d.get("Maximum") == 30,
   "EMF: OrderValue per service, on the virtual clock", r["Datapoints"])
r = cw.get_metric_statistics(Namespace=ens, MetricName="Items", StartTime=start,
                             EndTime=start + datetime.timedelta(minutes=3), Period=180,
                             Statistics=["Sum", "SampleCount"])
d = r["Datapoints"][0] if r["Datapoints"] else {}
ok(d.get("Sum") == 6 and d.get("SampleCount") == 4 and d.get("Unit") == "Count",
   "EMF: an array of values, under the empty dimension set too", r["Datapoints"])
names = sorted(m["MetricName"] for m in cw.list_metrics(Namespace=ens)["Metrics"])
ok(names == ["Items", "Items", "OrderValue", "OrderValue"], "EMF: nothing from the line naming a missing member",
   names)
r = cw.get_metric_statistics(Namespace="AWS/Logs", MetricName="EMFValidationErrors", StartTime=start,
                             EndTime=start + datetime.timedelta(minutes=3), Period=180, Statistics=["Sum"])
ok(r["Datapoints"] and r["Datapoints"][0]["Sum"] >= 2, "EMF: the invalid lines counted in AWS/Logs",
   r["Datapoints"])
# Node.js: Powertools' Metrics writes EMF straight to stdout, as this handler does.
nfn = "orders-node-" + suffix
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("index.mjs", """export const handler = async (event) => {
  process.stdout.write(JSON.stringify({
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: event.ns,
      Dimensions: [["service", "channel"]], Metrics: [{ Name: "Refunds", Unit: "Count" }] }] },
    service: "shop", channel: "web", Refunds: 3 }) + "\\n");
  return "ok";
};
""")
lam.create_function(FunctionName=nfn, Runtime="nodejs22.x", Handler="index.handler",
                    Role=cloudlib.role_for(lam), Code={"ZipFile": buf.getvalue()})
for _ in range(300):
    if lam.get_function_configuration(FunctionName=nfn)["State"] == "Active":
        break
    time.sleep(0.1)
r = lam.invoke(FunctionName=nfn, Payload=json.dumps({"ns": ens}).encode())
ok("FunctionError" not in r, "a Node.js handler writing EMF to stdout runs", r["Payload"].read())
r = cw.get_metric_statistics(Namespace=ens, MetricName="Refunds",
                             Dimensions=[{"Name": "channel", "Value": "web"}, {"Name": "service", "Value": "shop"}],
                             StartTime=start, EndTime=start + datetime.timedelta(minutes=3), Period=180,
                             Statistics=["Sum"])
ok([d["Sum"] for d in r["Datapoints"]] == [3], "EMF from Node.js, with two dimensions", r["Datapoints"])
lam.delete_function(FunctionName=nfn)
lam.delete_function(FunctionName=efn)
print("1..%d" % n)
sys.exit(1 if failed else 0)
