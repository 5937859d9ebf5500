#!/bin/sh
# Provisioned concurrency: boto3 in both Pythons (lambda_provisioned.py), both AWS CLIs, and
# the configurations' environments started again after a restart.
# Usage: lambda_provisioned.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)

if [ ! -x /usr/bin/aws ]; then
	echo "1..0 # SKIP Debian's awscli is not installed"
	exit 0
fi
start_cloud || exit 1
test_role
L="awsl lambda"
mkdir -p "$WORK/code"
cat >"$WORK/code/app.py" <<'PY'
import os
INIT = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE")
def handler(event, context):
    return {"init": INIT, "version": context.function_version}
PY
make_zip "$WORK/code.zip" "$WORK/code"
mkdir -p "$WORK/code2"
sed 's/^INIT = /INIT2 = 2\nINIT = /' "$WORK/code/app.py" >"$WORK/code2/app.py"
make_zip "$WORK/code2.zip" "$WORK/code2"

# run LABEL COMMAND...: a TAP script's lines, numbered on.
run() {
	label=$1
	shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	status=$?
	grep -E '^(ok|not ok) ' "$WORK/out" >"$WORK/lines"
	grep -E '^# ' "$WORK/out"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$label: ${line#* - }" ;;
		*) ok 1 "$label: ${line#* - }" ;;
		esac
	done <"$WORK/lines"
	[ $status = 0 ] || { ok 1 "$label exits 0"; note "$(tail -20 "$WORK/err")"; }
}
pys=""
for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	suffix=$(echo "$py" | tr -c 'a-z0-9' '-')
	pys="$pys $suffix"
	run "$py" "$py" "$DIR/lambda_provisioned.py" "$E" "$WS" "$suffix" "$WORK/code.zip"
done

# wait_ready NAME QUALIFIER CLI...: poll get-provisioned-concurrency-config until READY.
wait_ready() {
	fn=$1 q=$2
	shift 2
	i=0
	while [ $i -lt 600 ]; do
		st=$("$@" get-provisioned-concurrency-config --function-name "$fn" --qualifier "$q" \
			--query Status --output text 2>&1)
		[ "$st" = READY ] && return 0
		i=$((i + 1))
		sleep 0.2
	done
	echo "# last status: $st"
	return 1
}

# The 2.x CLI.
check "create-function" $L create-function --function-name cli --runtime python3.12 \
	--handler app.handler --role $ROLE --zip-file "fileb://$WORK/code.zip" --publish
out=$($L put-provisioned-concurrency-config --function-name cli --qualifier 1 \
	--provisioned-concurrent-executions 1 2>&1)
contains "$out" '"RequestedProvisionedConcurrentExecutions": 1'
ok $? "put-provisioned-concurrency-config"
wait_ready cli 1 $L
ok $? "get-provisioned-concurrency-config: READY"
out=$($L list-provisioned-concurrency-configs --function-name cli 2>&1)
contains "$out" ':function:cli:1"'
ok $? "list-provisioned-concurrency-configs"
out=$($L put-provisioned-concurrency-config --function-name cli --qualifier '$LATEST' \
	--provisioned-concurrent-executions 1 2>&1)
contains "$out" "InvalidParameterValueException"
ok $? "put on \$LATEST: InvalidParameterValueException"
out=$($L put-provisioned-concurrency-config --function-name cli --qualifier 1 \
	--provisioned-concurrent-executions 0 2>&1)
contains "$out" "ValidationException" || contains "$out" "Invalid value for parameter"
ok $? "put 0: refused ($(echo "$out" | head -1))"
out=$($L put-provisioned-concurrency-config --function-name cli --qualifier 1 \
	--provisioned-concurrent-executions 100000 2>&1)
contains "$out" "InvalidParameterValueException" &&
	contains "$out" "is greater than account's unreserved concurrency ["
ok $? "put over the account's unreserved concurrency: refused"
check "update-function-code" $L update-function-code --function-name cli \
	--zip-file "fileb://$WORK/code2.zip" --publish
out=$($L create-alias --function-name cli --name canary --function-version 1 \
	--routing-config '{"AdditionalVersionWeights":{"2":0.1}}' 2>&1)
contains "$out" '"2": 0.1'
ok $? "create-alias canary: 10 % to version 2"
out=$($L put-provisioned-concurrency-config --function-name cli --qualifier canary \
	--provisioned-concurrent-executions 1 2>&1)
contains "$out" "(InvalidParameterValueException)" &&
	contains "$out" "Alias with weights can not be used with Provisioned Concurrency"
ok $? "put on an alias with routing weights: $(echo "$out" | tail -1)"
check "update-alias canary: no weights" $L update-alias --function-name cli --name canary \
	--function-version 2 --routing-config '{"AdditionalVersionWeights":{}}'
out=$($L put-provisioned-concurrency-config --function-name cli --qualifier canary \
	--provisioned-concurrent-executions 1 2>&1)
contains "$out" '"RequestedProvisionedConcurrentExecutions": 1'
ok $? "put on the alias once its weights are gone"
wait_ready cli canary $L
ok $? "the alias's configuration: READY"
# Reserved concurrency cannot fall below what the function keeps provisioned.
out=$($L put-function-concurrency --function-name cli --reserved-concurrent-executions 1 2>&1)
contains "$out" "InvalidParameterValueException" && contains "$out" "provisioned concurrency [2]"
ok $? "put-function-concurrency below the provisioned total: refused ($(echo "$out" | tail -1))"
check "put-function-concurrency at the provisioned total" $L put-function-concurrency \
	--function-name cli --reserved-concurrent-executions 2
check "delete-function-concurrency" $L delete-function-concurrency --function-name cli

# An alias's provisioned concurrency follows its weights, as in a gradual deployment: with
# half of its invocations going to another version, half of its environments are of that one.
check "delete-provisioned-concurrency-config 1" $L delete-provisioned-concurrency-config \
	--function-name cli --qualifier 1
check "put canary: 2" $L put-provisioned-concurrency-config --function-name cli \
	--qualifier canary --provisioned-concurrent-executions 2
wait_ready cli canary $L
ok $? "canary with 2: READY"
check "update-alias canary: 50 % to version 1" $L update-alias --function-name cli --name canary \
	--function-version 2 --routing-config '{"AdditionalVersionWeights":{"1":0.5}}'
out=$(/usr/bin/python3 - "$E" <<'PY' 2>&1
import json, sys, time, boto3
lam = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1")
seen, end = set(), time.time() + 120
while time.time() < end and len(seen) < 2:
    r = lam.invoke(FunctionName="cli", Qualifier="canary")
    body = json.loads(r["Payload"].read())
    if body["init"] == "provisioned-concurrency":
        seen.add(body["version"])
print(" ".join(sorted(seen)))
PY
)
[ "$out" = "1 2" ]
ok $? "both versions of the alias are served by provisioned environments ($out)"
out=$($L get-provisioned-concurrency-config --function-name cli --qualifier canary \
	--query '[Status,AllocatedProvisionedConcurrentExecutions]' --output text 2>&1)
[ "$(echo $out)" = "READY 2" ]
ok $? "the alias's configuration counts both versions' environments ($out)"
check "delete-provisioned-concurrency-config canary" $L \
	delete-provisioned-concurrency-config --function-name cli --qualifier canary
check "put 1 again" $L put-provisioned-concurrency-config --function-name cli --qualifier 1 \
	--provisioned-concurrent-executions 1

# The 1.x CLI.
if command -v aws >/dev/null 2>&1 && aws --version 2>&1 | grep -q '^aws-cli/1'; then
	v1() { AWS_ENDPOINT_URL=$E aws --output json lambda "$@"; }
	check "1.x: delete-provisioned-concurrency-config" v1 \
		delete-provisioned-concurrency-config --function-name cli --qualifier 1
	out=$(v1 get-provisioned-concurrency-config --function-name cli --qualifier 1 2>&1)
	contains "$out" "ProvisionedConcurrencyConfigNotFoundException"
	ok $? "1.x: get after delete: not found"
	check "1.x: put-provisioned-concurrency-config" v1 put-provisioned-concurrency-config \
		--function-name cli --qualifier 1 --provisioned-concurrent-executions 1
	wait_ready cli 1 v1
	ok $? "1.x: READY"
else
	echo "# skip the 1.x CLI: none on PATH"
fi

# After a restart the configurations are there, and their environments are started again.
stop_cloud
start_cloud || exit 1
wait_ready cli 1 $L
ok $? "after a restart: READY again"
for suffix in $pys; do
	wait_ready "prov-$suffix" 1 $L
	ok $? "after a restart: prov-$suffix:1 READY again"
done
out=$($L invoke --function-name cli --qualifier 1 "$WORK/o.json" 2>&1)
contains "$(cat "$WORK/o.json")" '"init": "provisioned-concurrency"'
ok $? "after a restart: invoked in a provisioned environment"
# The console's cost line prices an invocation served by a provisioned environment at
# provisioned concurrency's duration rate (us-east-1 x86_64: $0.0000097222 per GB-s).
i=0
while [ $i -lt 100 ]; do
	out=$(ctl "/_tutor/metrics?function=cli" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)["Invocations"]
r = [x for x in r if "InitDurationMs" not in x]
if r:
    x = r[0]
    gbs = x["BilledDurationMs"] / 1000 * x["MemorySizeMB"] / 1024
    print("ok" if abs(x["CostUSDx86_64"] - (gbs * 0.0000097222 + 0.0000002)) < 1e-15
          and x.get("Provisioned") is True else
          "on-demand price" if abs(x["CostUSDx86_64"] - (gbs * 0.0000166667 + 0.0000002)) < 1e-15
          else x)' 2>&1)
	[ -n "$out" ] && break
	i=$((i + 1))
	sleep 0.2
done
[ "$out" = ok ]
ok $? "its cost line is at the provisioned duration price, marked provisioned for the console ($out)"
# The configuration's own charge, kept configured whether it serves or not: per GB-s at
# $0.0000041667 (x86_64), from enabling, rounded up to five minutes; the account's clock runs it.
kept() {
	ctl "/_tutor/metrics?function=cli" | /usr/bin/python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin)["ProvisionedConcurrency"] if x["Qualifier"] == "1"]
x = p[0]
want = x["MemorySizeMB"] / 1024 * x["ProvisionedConcurrentExecutions"] * x["BilledSeconds"] * 0.0000041667
ok = abs(x["CostUSDx86_64"] - want) < 1e-12 and x["BilledSeconds"] % 300 == 0
print(x["BilledSeconds"] if ok else x)' 2>&1
}
b1=$(kept)
case "$b1" in [0-9]*) [ "$b1" -ge 300 ];; *) false;; esac
ok $? "provisioned concurrency kept configured is charged per GB-s in five-minute steps ($b1 s)"
ctl "/_tutor/clock/advance?seconds=3600" -f -X POST >/dev/null
b2=$(kept)
case "$b2" in [0-9]*) [ "$b2" -ge $((b1 + 3600)) ];; *) false;; esac
ok $? "an hour later by the account's clock it is charged an hour more ($b1 s, then $b2 s)"
finish
