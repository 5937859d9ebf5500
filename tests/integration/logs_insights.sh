#!/bin/sh
# CloudWatch Logs Insights over a function's log group, through both AWS CLIs (Debian's 2.9 with
# --endpoint-url, the pyenv 1.x with AWS_ENDPOINT_URL) and boto3 in both Pythons: StartQuery,
# GetQueryResults, StopQuery, DescribeQueries; fields, filter, stats by bin(), sort, limit,
# parse, Lambda's REPORT fields and JSON fields; a malformed query and a missing group.
# Usage: logs_insights.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi

start_cloud || exit 1
test_role
command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1' && HAVE_V1=1 || HAVE_V1=
cli() {
	which=$1
	shift
	if [ "$which" = v2 ]; then
		aws2 --endpoint-url "$E" --output json "$@"
	else
		AWS_ENDPOINT_URL=$E aws --output json "$@"
	fi
}
NOW=$(($(ctl /_tutor/clock -f | json_get now) / 1000))
FROM=$((NOW - 3600))
TO=$((NOW + 3600))
# query CLI GROUP QUERY: start it and print GetQueryResults' answer.
query() {
	id=$(cli "$1" logs start-query --log-group-name "$2" --start-time $FROM --end-time $TO \
		--query-string "$3" --query queryId --output text 2>&1) || {
		echo "$id"
		return 1
	}
	cli "$1" logs get-query-results --query-id "$id"
}

mkdir -p "$WORK/fn"
cat >"$WORK/fn/app.py" <<'PY'
import json


def handler(event, context):
    n = event["n"]
    print(json.dumps({"level": "INFO", "orderId": "o-%d" % n, "amount": n * 10}))
    print("order o-%d paid %d" % (n, n * 10))
    if n == 3:
        print("ERROR card declined for o-3")
    return n
PY
make_zip "$WORK/fn.zip" "$WORK/fn"
out=$(awsl lambda create-function --function-name shop --runtime python3.12 --handler app.handler \
	--role $ROLE --zip-file "fileb://$WORK/fn.zip" 2>&1)
ok $? "create-function shop" || note "$out"
for n in 1 2 3 4; do
	out=$(awsl lambda invoke --function-name shop --cli-binary-format raw-in-base64-out \
		--payload "{\"n\": $n}" "$WORK/r.json" 2>&1)
	ok $? "invoke $n" || note "$out"
done
G=/aws/lambda/shop

for v in v2 v1; do
	if [ "$v" = v1 ] && [ -z "$HAVE_V1" ]; then
		echo "# skip the 1.x CLI: none on PATH"
		continue
	fi
	out=$(query $v $G 'filter @type = "REPORT" | stats count(*) as invocations, avg(@duration) as avg, max(@maxMemoryUsed), pct(@billedDuration, 99) by bin(1h)')
	json_py "$out" '
r = d["results"]
assert d["status"] == "Complete" and len(r) == 1, d
row = {f["field"]: f["value"] for f in r[0]}
assert row["invocations"] == "4" and float(row["avg"]) > 0 and int(row["max(@maxMemoryUsed)"]) >= 1000000 and int(row["max(@maxMemoryUsed)"]) % 1000000 == 0 and int(row["pct(@billedDuration, 99)"]) >= 1, row
assert len(row["bin(1h)"]) == 23, row
assert d["statistics"]["recordsMatched"] == 4 and d["statistics"]["recordsScanned"] > 4, d["statistics"]
'
	ok $? "$v: stats count, avg, max, pct of the REPORT lines by bin(1h)" || note "$out"
	if [ $v = v2 ]; then
	out=$(query $v $G 'fields @timestamp, orderId, amount | filter amount > 10 and level = "INFO" | sort amount desc | limit 2')
	json_py "$out" '
rows = [{f["field"]: f["value"] for f in r} for r in d["results"]]
assert [(x["orderId"], x["amount"]) for x in rows] == [("o-4", "40"), ("o-3", "30")], rows
assert all("@ptr" in x and "@timestamp" in x for x in rows), rows
'
	ok $? "$v: JSON fields, filter with and, sort desc, limit" || note "$out"
	out=$(query $v $G 'parse @message "order * paid *" as id, paid | filter ispresent(id) and id in ["o-1", "o-2"] | stats sum(paid) as total, count(*) as n')
	json_py "$out" '
row = {f["field"]: f["value"] for f in d["results"][0]}
assert row == {"total": "30", "n": "2"}, row
'
	ok $? "$v: parse with a glob, in [...], stats sum" || note "$out"
	out=$(query $v $G 'parse @message "order * paid *" as id, paid | filter id in ["o-1", "o-2"] | stats sum(paid) / count(*) as avg, count(*) * 2 + 1 as odd')
	json_py "$out" '
row = {f["field"]: f["value"] for f in d["results"][0]}
assert row == {"avg": "15", "odd": "5"}, row
'
	ok $? "$v: arithmetic over stats aggregates" || note "$out"
	out=$(query $v $G 'filter @message like /ERROR/ or orderId = "o-1" | parse @message /for (?<order>o-\d+)/ | display @message, order')
	json_py "$out" '
rows = [{f["field"]: f["value"] for f in r} for r in d["results"]]
assert len(rows) == 2, rows
assert rows[1] == {"@message": "ERROR card declined for o-3", "order": "o-3", "@ptr": rows[1]["@ptr"]}, rows
'
	ok $? "$v: like /regex/, or, parse with a named group, display" || note "$out"
	out=$(query $v $G 'filter @type = "START" | stats count(*) by @type, @logStream | filter @type != "END"')
	json_py "$out" '
row = {f["field"]: f["value"] for f in d["results"][0]}
assert row["count(*)"] == "4" and row["@type"] == "START" and "[$LATEST]" in row["@logStream"], row
'
	ok $? "$v: stats by fields, then a filter on the groups" || note "$out"
	out=$(query $v $G 'filter ispresent(amount) | fields amount / 10 as n, concat(orderId, ":", toupper(level)) as tag | filter n * 2 >= 6 | stats sum(n * 100) as cents, count(*) as c, max(strlen(tag)) as w')
	json_py "$out" '
row = {f["field"]: f["value"] for f in d["results"][0]}
assert row == {"cents": "700", "c": "2", "w": "8"}, row
'
	ok $? "$v: arithmetic and functions in fields, filter and stats" || note "$out"
	out=$(cli $v logs start-query --log-group-name $G --start-time $FROM --end-time $TO \
		--query-string 'fields strlen(@message' 2>&1)
	contains "$out" "MalformedQueryException" && contains "$out" "unexpected end of query"
	ok $? "$v: a call left open: MalformedQueryException" || note "$out"
	fi
	out=$(cli $v logs start-query --log-group-name $G --start-time $FROM --end-time $TO \
		--query-string 'fields @message | filter @message likes "x"' 2>&1)
	contains "$out" "MalformedQueryException" && contains "$out" "unexpected symbol found likes at line 1 and position 35"
	ok $? "$v: a malformed query: MalformedQueryException with its line and position" || note "$out"
	[ $v = v2 ] && {
	out=$(cli $v logs start-query --log-group-name /aws/lambda/none --start-time $FROM \
		--end-time $TO --query-string 'fields @message' 2>&1)
	contains "$out" "ResourceNotFoundException"
	ok $? "$v: a missing log group is ResourceNotFoundException" || note "$out"
	out=$(cli $v logs describe-queries --log-group-name $G 2>&1)
	json_py "$out" 'q = d["queries"]; assert len(q) >= 4 and all(x["status"] == "Complete" and x["logGroupName"] == "/aws/lambda/shop" for x in q), q'
	ok $? "$v: describe-queries lists them, Complete" || note "$out"
	}
	id=$(cli $v logs describe-queries --query 'queries[0].queryId' --output text)
	out=$(cli $v logs stop-query --query-id "$id" 2>&1)
	json_py "$out" 'assert d == {"success": False}, d'
	ok $? "$v: stop-query of a finished query: success false" || note "$out"
done

for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	out=$("$py" - "$E" $FROM $TO <<'PY' 2>&1
import sys, boto3
logs = boto3.client("logs", endpoint_url=sys.argv[1], region_name="us-east-1")
start, end = int(sys.argv[2]), int(sys.argv[3])
q = logs.start_query(logGroupNames=["/aws/lambda/shop"], startTime=start, endTime=end,
                     queryString="stats count(*) as n by level")
r = logs.get_query_results(queryId=q["queryId"])
rows = [{f["field"]: f["value"] for f in row} for row in r["results"]]
assert {"level": "INFO", "n": "4"} in rows, rows
try:
    logs.start_query(logGroupName="/aws/lambda/shop", startTime=start, endTime=end,
                     queryString="fields @message\n| sort ]")
    raise SystemExit("a malformed query was accepted")
except logs.exceptions.MalformedQueryException as e:
    ce = e.response["queryCompileError"]
    assert ce["location"]["startCharOffset"] == 23 and ce["message"] == "unexpected symbol found ] at line 2 and position 8", e.response
print("fine")
PY
)
	contains "$out" fine
	ok $? "boto3 $py: start_query, get_query_results, MalformedQueryException's queryCompileError" || note "$out"
done
stop_cloud
ok $? "the cloud stops cleanly"
finish
