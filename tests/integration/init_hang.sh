#!/bin/bash
# Inits that hang past the timeout while environments are retired around them: a Python
# module that sleeps at import and a custom runtime that never asks for an event, invoked
# concurrently while configuration updates, idle expiry and a warm function's traffic make
# the cloud retire environments as their invokers finish. Every invoke gets Lambda's timeout
# error, the cloud stays up, and it stops cleanly with invocations in flight; without cgroups,
# a process that left its environment's group dies with it. TAP.
#
#   init_hang.sh path/to/lambda-tutor
TUTOR=${1:?usage: init_hang.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"

mkdir -p "$WORK/py" "$WORK/sh" "$WORK/quick"
cat >"$WORK/py/app.py" <<'PY'
import time
time.sleep(60)
def handler(event, context):
    return "unreachable"
PY
cat >"$WORK/sh/bootstrap" <<'SH'
#!/bin/sh
exec sleep 60
SH
chmod +x "$WORK/sh/bootstrap"
cat >"$WORK/quick/app.py" <<'PY'
def handler(event, context):
    return {"ok": True}
PY
make_zip "$WORK/py.zip" "$WORK/py"
make_zip "$WORK/sh.zip" "$WORK/sh"
make_zip "$WORK/quick.zip" "$WORK/quick"

start_cloud --idle-seconds 1
ok $? "the cloud starts"
create_fn pyhang python3.12 app.handler "$WORK/py.zip" ',"Timeout":1' >/dev/null
create_fn shhang provided.al2023 x.y "$WORK/sh.zip" ',"Timeout":1' >/dev/null
create_fn quick python3.12 app.handler "$WORK/quick.zip" >/dev/null

invoke() { # invoke FUNCTION TAG: headers and body to $WORK/TAG.h and $WORK/TAG.body
	lcurl -s -m 60 -D "$WORK/$2.h" -o "$WORK/$2.body" -X POST \
		"$E/2015-03-31/functions/$1/invocations" -H 'X-Amz-Log-Type: Tail' -d '{}'
}
# Configuration updates retire the functions' environments; the warm function's environments
# expire after a second idle. Both run until the hanging invokes are over.
churn() {
	i=0
	while [ ! -e "$WORK/stop-churn" ]; do
		i=$((i + 1))
		for f in pyhang shhang quick; do
			printf '{"Description":"round %d"}' $i >"$WORK/upd-$f.json"
			lcurl -s -o /dev/null -X PUT "$E/2015-03-31/functions/$f/configuration" \
				-H 'Content-Type: application/json' --data-binary "@$WORK/upd-$f.json"
		done
		lcurl -s -o /dev/null -X POST "$E/2015-03-31/functions/quick/invocations" -d '{}'
		lcurl -s -o /dev/null -X POST "$E/2015-03-31/functions/quick/invocations" -d '{}' &
		sleep 0.3
	done
	wait
}
churn &
churn_pid=$!

pids=()
for round in 1 2; do
	for k in 1 2 3; do
		invoke pyhang "py-$round-$k" &
		pids+=($!)
		invoke shhang "sh-$round-$k" &
		pids+=($!)
	done
	# The second round arrives while the first round's environments are being retired.
	[ $round = 1 ] && sleep 2
done
for p in "${pids[@]}"; do wait "$p"; done
touch "$WORK/stop-churn"
wait $churn_pid

timeouts=0 total=0
for f in "$WORK"/py-*.body "$WORK"/sh-*.body; do
	total=$((total + 1))
	h=${f%.body}.h
	if grep -q '^HTTP/1.1 200' "$h" && grep -qi '^X-Amz-Function-Error: Unhandled' "$h" &&
		grep -q '"errorType":"Sandbox.Timedout"' "$f" &&
		grep -qP '"errorMessage":"RequestId: [0-9a-f-]{36} Error: Task timed out after 1.00 seconds"' "$f"; then
		timeouts=$((timeouts + 1))
	else
		note "$(basename "$f"): $(head -c 300 "$f")"
	fi
done
echo "# $timeouts of $total hanging invokes answered Sandbox.Timedout"
check "all 12 invokes whose init hangs get the timeout error" test "$timeouts" = 12
tail_log=$(grep -i '^X-Amz-Log-Result:' "$WORK/py-2-1.h" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
note "$tail_log"
check "the log tail reports the init's timeout" grep -qP '^INIT_REPORT Init Duration: [0-9.]+ ms\tPhase: init\tStatus: timeout' <<<"$tail_log"
check "the log tail says Task timed out after 1.00 seconds" contains "$tail_log" "Task timed out after 1.00 seconds"
check "the cloud is still up" kill -0 "$CLOUD_PID"
check "the health check answers" ctl /_tutor/health -f
invoke quick after
check "a warm function still answers" grep -q '"ok": true' "$WORK/after.body"

# An invocation reports the timeout and memory size it ran with, though the configuration
# changes while it runs (and retires its environment when it ends).
mkdir -p "$WORK/slow"
cat >"$WORK/slow/app.py" <<'PY'
import time
def handler(event, context):
    time.sleep(30)
PY
make_zip "$WORK/slow.zip" "$WORK/slow"
create_fn slow python3.12 app.handler "$WORK/slow.zip" ',"Timeout":2,"MemorySize":128' >/dev/null
invoke slow slow &
slow_pid=$!
sleep 1
printf '{"Timeout":9,"MemorySize":256}' >"$WORK/upd-slow.json"
lcurl -s -o /dev/null -X PUT "$E/2015-03-31/functions/slow/configuration" \
	-H 'Content-Type: application/json' --data-binary "@$WORK/upd-slow.json"
wait $slow_pid
tail_log=$(grep -i '^X-Amz-Log-Result:' "$WORK/slow.h" | cut -d' ' -f2 | tr -d '\r' | base64 -d)
note "$tail_log"
check "the response says Task timed out after 2.00 seconds" \
	grep -q 'Task timed out after 2.00 seconds' "$WORK/slow.body"
check "so does the log" grep -qP '^\S+ [0-9a-f-]{36} Task timed out after 2.00 seconds$' <<<"$tail_log"
check "REPORT has the Duration and Memory Size it ran with" \
	grep -qP '^REPORT RequestId: [0-9a-f-]{36}\tDuration: 2000.00 ms\tBilled Duration: [0-9]+ ms\tMemory Size: 128 MB\t' <<<"$tail_log"

# Stopping retires every environment while invokers still hold theirs.
pids=()
for k in 1 2; do
	invoke pyhang "stop-py-$k" &
	pids+=($!)
	invoke shhang "stop-sh-$k" &
	pids+=($!)
done
invoke quick warm &
pids+=($!)
sleep 1.5
stop_cloud
status=$?
ok $status "the cloud stops cleanly with hanging inits in flight (exit $status)"
for p in "${pids[@]}"; do wait "$p"; done

# Without cgroups, a process that left the environment's process group (setsid) but still
# holds its output is killed with it: the environment is freed and the cloud stops at once.
mkdir -p "$WORK/esc"
stray=$((40 + RANDOM % 20)).$$ # a sleep no other process runs
cat >"$WORK/esc/bootstrap" <<SH
#!/bin/sh
setsid sleep $stray &
exec sleep 60
SH
chmod +x "$WORK/esc/bootstrap"
make_zip "$WORK/esc.zip" "$WORK/esc"
rm -rf "$WS/.cloud"
LAMBDA_TUTOR_CGROUPS=off start_cloud
ok $? "without cgroups: the cloud starts"
create_fn esc provided.al2023 x.y "$WORK/esc.zip" ',"Timeout":1' >/dev/null
invoke esc esc
check "without cgroups: an init that hangs times out" grep -q '"errorType":"Sandbox.Timedout"' "$WORK/esc.body"
envs=
for _ in $(seq 50); do
	envs=$(ctl /_tutor/health | grep -o '"environments":[0-9]*')
	[ "$envs" = '"environments":0' ] && break
	sleep 0.1
done
check "without cgroups: the environment is freed ($envs)" test "$envs" = '"environments":0'
check "without cgroups: the process that left its group is gone" bash -c "! pgrep -fx 'sleep $stray'"
start=$(date +%s)
stop_cloud
status=$?
ok $status "without cgroups: the cloud stops cleanly (exit $status)"
check "without cgroups: it stops at once" test $(($(date +%s) - start)) -lt 4
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$WORK/serve.log"; then
	note "$(grep -A30 -E 'AddressSanitizer|LeakSanitizer|runtime error' "$WORK/serve.log")"
	ok 1 "no sanitizer report"
else
	ok 0 "no sanitizer report"
fi
finish
