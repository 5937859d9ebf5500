#!/bin/bash
# The duration an invocation would have on an idle machine: the cloud records, per invocation,
# the CPU time its environment used and its duration less the time its threads waited for a
# CPU that other processes held (its own quota's throttling stays in). A CPU-bound handler at
# a quarter and at half a vCPU, with CPU hogs running beside it on every core, must measure
# about 4x and 2x its CPU time, in the ratio of the quotas, however slow the wall clock is, and
# a handler that sleeps first must keep its sleep, and one that mostly sleeps must not look
# CPU-bound. With cgroups and with the duty-cycle fallback. TAP.
#
#   cloud_uncontended.sh path/to/lambda-tutor
TUTOR=${1:?usage: cloud_uncontended.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"

HOGS=()
stop_hogs() {
	for h in "${HOGS[@]}"; do kill "$h" 2>/dev/null; done
	HOGS=()
}
trap 'stop_hogs; cleanup' EXIT INT TERM

mkdir -p "$WORK/cpu"
cat >"$WORK/cpu/app.py" <<'PY'
import time
def handler(event, context):
    time.sleep(event.get("sleep_seconds", 0))
    t = time.process_time()
    n = 0
    while time.process_time() - t < event["cpu_seconds"]:
        n += 1
    return {"n": n}
PY
make_zip "$WORK/cpu.zip" "$WORK/cpu"

# measure FUNCTION [SLEEP [CPU]]: invoke it three times with CPU seconds of work (0.1) after
# SLEEP seconds of waiting; print the median record's "wall uncontended cpu" in ms (integers),
# from the cloud's invocation records.
measure() {
	for _ in 1 2 3; do
		lcurl -s -o /dev/null -X POST "$E/2015-03-31/functions/$1/invocations" \
			--data-binary "{\"cpu_seconds\":${3:-0.1},\"sleep_seconds\":${2:-0}}"
	done
	ctl "/_tutor/metrics?function=$1" | /usr/bin/python3 -c '
import json, sys
r = [i for i in json.load(sys.stdin)["Invocations"] if not i["ColdStart"]][:3]
r.sort(key=lambda i: i.get("UncontendedDurationMs", -1))
m = r[len(r) // 2]
print(round(m["DurationMs"]), round(m.get("UncontendedDurationMs", -1)), round(m.get("CpuTimeMs", -1)))'
}

for mode in cgroup fallback; do
	if [ $mode = fallback ]; then
		export LAMBDA_TUTOR_CGROUPS=off
	elif [ "${LAMBDA_TUTOR_CGROUPS:-}" = off ]; then
		echo "# LAMBDA_TUTOR_CGROUPS=off: only the fallback is tested"
		continue
	elif ! [ -w /sys/fs/cgroup/cpu ]; then
		echo "# cgroup v1 is not writable here: only the fallback is tested"
		continue
	fi
	rm -rf "$WS/.cloud"
	start_cloud
	ok $? "$mode: the cloud starts"
	# A quarter and a half of a vCPU (1,769 MB is one).
	create_fn quarter python3.12 app.handler "$WORK/cpu.zip" ',"MemorySize":442,"Timeout":60' >/dev/null
	create_fn half python3.12 app.handler "$WORK/cpu.zip" ',"MemorySize":885,"Timeout":60' >/dev/null
	for f in quarter half; do
		lcurl -s -o /dev/null -X POST "$E/2015-03-31/functions/$f/invocations" -d '{"cpu_seconds":0.001}'
	done
	for _ in $(seq "$(nproc)"); do
		/usr/bin/python3 -c 'while True: pass' &
		HOGS+=($!)
	done
	read -r qwall qfree qcpu <<<"$(measure quarter)"
	read -r hwall hfree hcpu <<<"$(measure half)"
	read -r swall sfree scpu <<<"$(measure half 0.15)"
	read -r zwall zfree zcpu <<<"$(measure quarter 0.3 0.01)"
	stop_hogs
	echo "# $mode, $(nproc) CPU hogs beside it, load $(cut -d' ' -f1 /proc/loadavg):" \
		"0.25 vCPU: ${qwall:-?} ms wall, ${qfree:-?} ms uncontended, ${qcpu:-?} ms CPU;" \
		"0.5 vCPU: ${hwall:-?} ms wall, ${hfree:-?} ms uncontended, ${hcpu:-?} ms CPU;" \
		"0.5 vCPU after 150 ms asleep: ${swall:-?} ms wall, ${sfree:-?} ms uncontended;" \
		"0.25 vCPU, 300 ms asleep and 10 ms of CPU: ${zwall:-?} ms wall, ${zfree:-?} ms" \
		"uncontended, ${zcpu:-?} ms CPU"
	check "$mode: each invocation's CPU time is recorded (0.1 s of work)" \
		test "${qcpu:-0}" -ge 95 -a "${qcpu:-0}" -le 150 -a "${hcpu:-0}" -ge 95 -a "${hcpu:-0}" -le 150
	# 0.1 s of CPU at a quarter of a vCPU takes 400 ms on an idle machine; contention does not
	# count, the quota's throttling does.
	check "$mode: at 0.25 vCPU the uncontended duration is about 4x the CPU time" \
		test "${qfree:-0}" -ge $((qcpu * 4 * 9 / 10)) -a "${qfree:-0}" -le $((qcpu * 4 * 13 / 10 + 30))
	check "$mode: at 0.5 vCPU it is about 2x the CPU time" \
		test "${hfree:-0}" -ge $((hcpu * 2 * 9 / 10)) -a "${hfree:-0}" -le $((hcpu * 2 * 13 / 10 + 30))
	check "$mode: the two are in the ratio of the quotas (1.6 to 2.5)" \
		test $((${qfree:-0} * 10)) -ge $((${hfree:-1} * 16)) -a $((${qfree:-0} * 10)) -le $((${hfree:-1} * 25))
	# Waiting is not contention: 150 ms asleep stay in. Duty cycling stops an environment only
	# while it owes CPU time, and counts the stops as a cgroup's throttling.
	check "$mode: 150 ms asleep and 0.1 s of CPU at 0.5 vCPU: about 150 ms + 2x the CPU time" \
		test "${sfree:-0}" -ge $((150 + scpu * 2 * 9 / 10)) -a "${sfree:-0}" -le $((150 + scpu * 2 * 13 / 10 + 30))
	# A handler that mostly sleeps is judged by its sleep, not as CPU-bound: 300 ms asleep and
	# ~10 ms of CPU at 0.25 vCPU is 310 to 340 ms (a burst that fits in the quota's period is not
	# throttled at all), wherever the hogs pushed the wall clock.
	check "$mode: 300 ms asleep and 10 ms of CPU at 0.25 vCPU: 300 ms + 1x to 4x the CPU time" \
		test "${zfree:-0}" -ge $((300 + zcpu)) -a "${zfree:-0}" -le $((300 + zcpu * 4 * 13 / 10 + 40))
	check "$mode: the uncontended duration is never more than the wall-clock one" \
		test "${qfree:-1}" -le "${qwall:-0}" -a "${hfree:-1}" -le "${hwall:-0}"
	stop_cloud
	ok $? "$mode: the cloud stops cleanly"
done
finish
