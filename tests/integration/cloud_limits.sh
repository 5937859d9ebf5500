#!/bin/bash
# Limits the cloud enforces, with and without cgroups: the CPU share follows the memory size
# (a CPU-bound handler is measurably slower at 128 MB than at 1,769 MB), memory is held to the
# configured size (cgroup v1 where writable, else a watchdog on the process group's RSS),
# warm environments expire when idle, and `lambda-tutor env` finds or starts the cloud. TAP.
#
#   cloud_limits.sh path/to/lambda-tutor
TUTOR=${1:?usage: cloud_limits.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"

mkdir -p "$WORK/cpu"
cat >"$WORK/cpu/app.py" <<'PY'
import time
def handler(event, context):
    if event.get("bomb"):
        hog = []
        while True:
            hog.append(b"x" * (8 << 20))
    t = time.process_time()
    n = 0
    while time.process_time() - t < event["cpu_seconds"]:
        n += 1
    return {"n": n}
PY
make_zip "$WORK/cpu.zip" "$WORK/cpu"
duration() { # duration FUNCTION JSON: the REPORT's Duration in ms, as an integer
	curl -s -D "$WORK/h" -o "$WORK/body" -X POST "$E/2015-03-31/functions/$1/invocations" \
		-H 'X-Amz-Log-Type: Tail' --data-binary "$2"
	grep -i '^X-Amz-Log-Result:' "$WORK/h" | cut -d' ' -f2 | tr -d '\r' | base64 -d |
		grep -oP '^REPORT .*?\tDuration: \K[0-9]+'
}

for mode in cgroup fallback; do
	if [ $mode = fallback ]; then
		export LAMBDA_TUTOR_CGROUPS=off
	elif [ "${LAMBDA_TUTOR_CGROUPS:-}" = off ]; then
		echo "# LAMBDA_TUTOR_CGROUPS=off: only the fallback is tested"
		continue
	elif ! [ -w /sys/fs/cgroup/memory ] || ! [ -w /sys/fs/cgroup/cpu ]; then
		echo "# cgroup v1 is not writable here: only the fallback is tested"
		continue
	fi
	rm -rf "$WS/.cloud"
	start_cloud --idle-seconds 2
	ok $? "$mode: the cloud starts"
	health=$(curl -s "$E/_tutor/health")
	if [ $mode = fallback ]; then
		contains "$health" '"memoryLimits":"watchdog"' && contains "$health" '"cpuShare":"duty-cycle"'
		ok $? "$mode: health names the watchdog and duty cycling"
	else
		check "$mode: health names cgroups" contains "$health" '"memoryLimits":"cgroup"'
	fi
	create_fn small python3.12 app.handler "$WORK/cpu.zip" ',"MemorySize":128,"Timeout":60' >/dev/null
	create_fn vcpu python3.12 app.handler "$WORK/cpu.zip" ',"MemorySize":1769,"Timeout":60' >/dev/null
	duration small '{"cpu_seconds":0.01}' >/dev/null
	duration vcpu '{"cpu_seconds":0.01}' >/dev/null
	slow=$(duration small '{"cpu_seconds":0.15}')
	fast=$(duration vcpu '{"cpu_seconds":0.15}')
	echo "# $mode: 0.15 s of CPU took ${slow:-?} ms at 128 MB and ${fast:-?} ms at 1769 MB"
	# 128 MB is 7% of a vCPU: 0.15 s of CPU needs about 2 s, however idle the machine.
	check "$mode: at 128 MB, 0.15 s of CPU takes over 1.5 s" test "${slow:-0}" -gt 1500
	check "$mode: a CPU-bound handler is at least 2x slower at 128 MB than at 1769 MB" \
		test "${slow:-0}" -gt $((2 * ${fast:-999999}))
	curl -s -D "$WORK/h" -o /dev/null -X POST "$E/2015-03-31/functions/vcpu/invocations" \
		-H 'X-Amz-Log-Type: Tail' -d '{"cpu_seconds":0.001}'
	check "$mode: a warm environment is reused" bash -c "! grep -i '^X-Amz-Log-Result:' '$WORK/h' | cut -d' ' -f2 | tr -d '\r' | base64 -d | grep -q 'Init Duration'"
	duration small '{"bomb":true}' >/dev/null
	check "$mode: allocating past the memory size dies as Runtime.OutOfMemory" \
		grep -q '"errorType":"Runtime.OutOfMemory"' "$WORK/body"
	duration small '{"cpu_seconds":0.001}' >/dev/null
	check "$mode: the next invoke works" grep -q '"n"' "$WORK/body"
	sleep 3
	curl -s -D "$WORK/h" -o /dev/null -X POST "$E/2015-03-31/functions/vcpu/invocations" \
		-H 'X-Amz-Log-Type: Tail' -d '{"cpu_seconds":0.001}'
	check "$mode: after the idle time the environment is gone (a cold start)" bash -c "grep -i '^X-Amz-Log-Result:' '$WORK/h' | cut -d' ' -f2 | tr -d '\r' | base64 -d | grep -q 'Init Duration'"
	stop_cloud
	ok $? "$mode: the cloud stops cleanly"
done
unset LAMBDA_TUTOR_CGROUPS

# `lambda-tutor env` starts the cloud in the background, then finds it.
rm -rf "$WS/.cloud"
out=$("$TUTOR" env --workspace "$WS" 2>&1)
ok $? "env starts a cloud for the workspace"
note "$out"
eval "$out"
check "env exports AWS_ENDPOINT_URL" curl -sf "$AWS_ENDPOINT_URL/_tutor/health"
check "env exports the region" test "$AWS_DEFAULT_REGION" = us-east-1
check "env defines aws() for CLIs that ignore AWS_ENDPOINT_URL" bash -c "$out
type aws | grep -q -- '--endpoint-url'"
bgpid=$(awk '{print $1}' "$WS/.cloud/lock")
again=$("$TUTOR" env --workspace "$WS" 2>&1 | grep AWS_ENDPOINT_URL=)
check "a second env finds the same cloud" test "$again" = "export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"
check "the background cloud logs to the workspace" test -f "$WS/.cloud/serve.log"
if [ -x /usr/bin/aws ]; then
	out=$(PATH=/usr/bin:$PATH bash -c "$("$TUTOR" env --workspace "$WS")
aws lambda list-functions --output json" 2>&1)
	check "Debian's aws CLI reaches the cloud through the aws() function" contains "$out" '"Functions": []'
fi
kill -TERM "$bgpid"
for _ in $(seq 100); do kill -0 "$bgpid" 2>/dev/null || break; sleep 0.05; done
check "the background cloud stops on SIGTERM" bash -c "! kill -0 $bgpid 2>/dev/null"
finish
